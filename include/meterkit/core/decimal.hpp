// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `decimal`: an exact, signed fixed-point number with 12 fractional digits, for unit amounts and
/// every intermediate amount of a price (SPEC P1 `unit_amount_decimal`, P4 "exact decimal
/// arithmetic throughout", D8 the accepted spelling, D25 overflow is an error).
///
/// The value is stored as an integer count of 10^-12 in a 128-bit integer. Its range is
/// |value| <= 2^63, so that every amount that can still round to a signed 64-bit number of minor
/// units is representable, and every operation that leaves the range is detected: the `checked_*`
/// functions return `std::nullopt`, the operators raise `overflow_error` through `METERKIT_THROW`.
///
/// Parsing follows D8 exactly: ASCII digits, optionally a '.' and 1 to 12 more digits. No sign, no
/// exponent, no leading point, no spaces. A refusal says why, both as a `decimal_error` and as a
/// `rejection` with code `invalid_decimal` and a sentence for people.
///
/// Amounts become integers only by rounding once (P4): `round<Policy>()`, `divide_and_round`
/// (an amount shared over a whole-number divisor) and `scale_and_round` (amount x num / den, the
/// exact proration of B4, exact even when amount x num needs more than 128 bits), each with a
/// policy type or a runtime `rounding_mode`.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <meterkit/core/error.hpp>
#include <meterkit/core/rounding.hpp>

namespace meterkit {

/// Why a text is not a decimal (D8). Checked in this order: empty, sign or point at the start,
/// then the first character that is not a digit or the single '.', then the fraction, then the size.
enum class decimal_error {
  empty,                     ///< ""
  sign_not_allowed,          ///< "+5", "-5"
  leading_point,             ///< ".5"
  invalid_character,         ///< "12a", " 5", "NaN", "inf", "1,5"
  exponent_not_allowed,      ///< "1e3", "1E-2"
  multiple_points,           ///< "1.2.3"
  missing_fraction_digits,   ///< "5."
  too_many_fraction_digits,  ///< "1.1234567890123"
  too_large,                 ///< integer part above 9223372036854775807
};

/// The stable spelling of a reason ("too_many_fraction_digits", ...).
[[nodiscard]] constexpr std::string_view to_string(decimal_error e) noexcept {
  switch (e) {
    case decimal_error::empty:
      return "empty";
    case decimal_error::sign_not_allowed:
      return "sign_not_allowed";
    case decimal_error::leading_point:
      return "leading_point";
    case decimal_error::invalid_character:
      return "invalid_character";
    case decimal_error::exponent_not_allowed:
      return "exponent_not_allowed";
    case decimal_error::multiple_points:
      return "multiple_points";
    case decimal_error::missing_fraction_digits:
      return "missing_fraction_digits";
    case decimal_error::too_many_fraction_digits:
      return "too_many_fraction_digits";
    case decimal_error::too_large:
      return "too_large";
  }
  return "unknown";
}

namespace detail {
/// What the parser found: the scaled value, or the reason and the 0-based position it concerns.
struct decimal_scan {
  int128 raw = 0;
  std::optional<decimal_error> error;
  std::size_t position = 0;
};

inline constexpr int decimal_digits = 12;
inline constexpr int128 decimal_scale = 1'000'000'000'000;

[[nodiscard]] constexpr decimal_scan scan_decimal(std::string_view s) noexcept {
  auto fail = [](decimal_error e, std::size_t pos) { return decimal_scan{0, e, pos}; };
  if (s.empty()) return fail(decimal_error::empty, 0);
  if (s[0] == '+' || s[0] == '-') return fail(decimal_error::sign_not_allowed, 0);
  if (s[0] == '.') return fail(decimal_error::leading_point, 0);
  // One pass: characters decide first (the first bad one is reported), the shape of the number
  // after the loop. The integer part is kept in 64 bits until it exceeds INT64_MAX.
  constexpr std::uint64_t int64_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::size_t point = std::string_view::npos;
  std::uint64_t whole = 0;
  bool too_large = false;
  std::uint64_t frac = 0;
  std::size_t frac_digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      const auto digit = static_cast<std::uint64_t>(c - '0');
      if (point != std::string_view::npos) {
        if (++frac_digits <= static_cast<std::size_t>(decimal_digits)) frac = frac * 10 + digit;
      } else if (!too_large) {
        too_large = whole > (int64_max - digit) / 10;
        whole = whole * 10 + digit;
      }
      continue;
    }
    if (c == '.') {
      if (point != std::string_view::npos) return fail(decimal_error::multiple_points, i);
      point = i;
      continue;
    }
    if (c == 'e' || c == 'E') return fail(decimal_error::exponent_not_allowed, i);
    return fail(decimal_error::invalid_character, i);
  }
  if (point != std::string_view::npos) {
    if (frac_digits == 0) return fail(decimal_error::missing_fraction_digits, point);
    if (frac_digits > static_cast<std::size_t>(decimal_digits)) {
      return fail(decimal_error::too_many_fraction_digits,
                  point + 1 + static_cast<std::size_t>(decimal_digits));
    }
  }
  if (too_large) return fail(decimal_error::too_large, 0);
  for (std::size_t k = frac_digits; k < static_cast<std::size_t>(decimal_digits); ++k) frac *= 10;
  return decimal_scan{static_cast<int128>(whole) * decimal_scale + static_cast<int128>(frac), std::nullopt,
                      0};
}

/// A sentence that says exactly what is wrong with `s`.
[[nodiscard]] inline std::string describe_decimal_error(std::string_view s, decimal_error e,
                                                        std::size_t pos) {
  std::string why;
  switch (e) {
    case decimal_error::empty:
      why = "the text is empty";
      break;
    case decimal_error::sign_not_allowed:
      why = "a sign ('" + std::string(1, s[pos]) + "') is not allowed, amounts are plain digits";
      break;
    case decimal_error::leading_point:
      why = "a leading '.' is not allowed, write 0.5 instead of .5";
      break;
    case decimal_error::invalid_character: {
      const auto c = static_cast<unsigned char>(s[pos]);
      std::string shown;
      if (c == ' ') {
        shown = "a space";
      } else if (c > 32 && c < 127) {
        shown = "'" + std::string(1, s[pos]) + "'";
      } else {
        constexpr char hex[] = "0123456789abcdef";
        shown = std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
      }
      why = shown + " at position " + std::to_string(pos + 1) +
            " is not a digit (only ASCII digits and one '.' are allowed)";
      break;
    }
    case decimal_error::exponent_not_allowed:
      why = "an exponent ('" + std::string(1, s[pos]) + "') is not allowed, write all digits";
      break;
    case decimal_error::multiple_points:
      why = "a second '.' at position " + std::to_string(pos + 1) + ", only one is allowed";
      break;
    case decimal_error::missing_fraction_digits:
      why = "the '.' must be followed by 1 to 12 digits";
      break;
    case decimal_error::too_many_fraction_digits:
      why = std::to_string(s.size() - (pos - static_cast<std::size_t>(decimal_digits))) +
            " fractional digits, at most 12 are allowed";
      break;
    case decimal_error::too_large:
      why = "the integer part is larger than 9223372036854775807";
      break;
  }
  return "\"" + std::string(s) + "\" is not a valid decimal: " + why;
}
}  // namespace detail

/// An exact signed fixed-point number with 12 fractional digits; |value| <= 2^63.
class decimal {
 public:
  /// Number of fractional digits, and 10 to that power (the stored value of 1).
  static constexpr int digits = detail::decimal_digits;
  static constexpr int128 scale = detail::decimal_scale;
  /// The largest stored magnitude: 2^63 whole units.
  static constexpr int128 max_raw = (int128{1} << 63) * scale;

  /// Zero.
  constexpr decimal() noexcept = default;

  /// The whole number `units` (for example an integer `unit_amount` in minor units).
  [[nodiscard]] static constexpr decimal from_integer(std::int64_t units) noexcept {
    return decimal{static_cast<int128>(units) * scale};
  }

  /// The number `scaled` x 10^-12, or nullopt when outside the range.
  [[nodiscard]] static constexpr std::optional<decimal> from_raw(int128 scaled) noexcept {
    if (scaled > max_raw || scaled < -max_raw) return std::nullopt;
    return decimal{scaled};
  }

  /// Parses D8's spelling; the value, or the reason it is not one.
  [[nodiscard]] static constexpr std::variant<decimal, decimal_error> parse_or_reason(
      std::string_view text) noexcept {
    const auto scan = detail::scan_decimal(text);
    if (scan.error) return *scan.error;
    return decimal{scan.raw};
  }

  /// Parses D8's spelling; a refusal has code `invalid_decimal`, a sentence saying what is wrong,
  /// and `param` as its parameter (for example "prices[0].unit_amount_decimal").
  [[nodiscard]] static result<decimal> parse(std::string_view text, std::string param = {}) {
    const auto scan = detail::scan_decimal(text);
    if (scan.error) {
      return rejection{error_code::invalid_decimal,
                       detail::describe_decimal_error(text, *scan.error, scan.position), std::move(param)};
    }
    return decimal{scan.raw};
  }

  /// The stored integer: the value x 10^12.
  [[nodiscard]] constexpr int128 raw() const noexcept { return raw_; }
  /// Whether the value has no fractional part.
  [[nodiscard]] constexpr bool is_integer() const noexcept { return raw_ % scale == 0; }
  [[nodiscard]] constexpr bool is_negative() const noexcept { return raw_ < 0; }
  [[nodiscard]] constexpr bool is_zero() const noexcept { return raw_ == 0; }

  /// Canonical text: no trailing fractional zeros, no '.' for whole numbers, "0" for zero, a
  /// leading '-' for negative values. `parse(d.to_string()) == d` for every non-negative `d`.
  [[nodiscard]] std::string to_string() const {
    const uint128 magnitude = raw_ < 0 ? uint128{0} - static_cast<uint128>(raw_) : static_cast<uint128>(raw_);
    const auto whole = static_cast<std::uint64_t>(magnitude / static_cast<uint128>(scale));
    auto frac = static_cast<std::uint64_t>(magnitude % static_cast<uint128>(scale));
    std::string out = raw_ < 0 ? "-" : "";
    out += std::to_string(whole);
    if (frac != 0) {
      char buf[digits];
      for (int i = digits - 1; i >= 0; --i) {
        buf[i] = static_cast<char>('0' + frac % 10);
        frac /= 10;
      }
      std::size_t len = digits;
      while (buf[len - 1] == '0') --len;
      out += '.';
      out.append(buf, len);
    }
    return out;
  }

  /// The value rounded once to a whole number with `Policy`, or nullopt when it does not fit in
  /// `std::int64_t`.
  template <class Policy = half_away_from_zero>
  [[nodiscard]] constexpr std::optional<std::int64_t> checked_round() const {
    return checked_divide_and_round<Policy>(raw_, scale);
  }
  /// The value rounded once with `Policy`; `overflow_error` when it does not fit in `std::int64_t`.
  template <class Policy = half_away_from_zero>
  [[nodiscard]] constexpr std::int64_t round() const {
    return divide_and_round<Policy>(raw_, scale);
  }
  [[nodiscard]] constexpr std::optional<std::int64_t> checked_round(rounding_mode mode) const {
    return checked_divide_and_round(raw_, scale, mode);
  }
  [[nodiscard]] constexpr std::int64_t round(rounding_mode mode) const {
    return divide_and_round(raw_, scale, mode);
  }

  friend constexpr bool operator==(const decimal&, const decimal&) noexcept = default;
  friend constexpr std::strong_ordering operator<=>(const decimal& a, const decimal& b) noexcept {
    return a.raw_ < b.raw_ ? std::strong_ordering::less
                           : (a.raw_ > b.raw_ ? std::strong_ordering::greater : std::strong_ordering::equal);
  }

 private:
  constexpr explicit decimal(int128 raw) noexcept : raw_(raw) {}
  int128 raw_ = 0;
};

/// Parses D8's spelling (same as `decimal::parse`).
[[nodiscard]] inline result<decimal> parse_decimal(std::string_view text, std::string param = {}) {
  return decimal::parse(text, std::move(param));
}

/// a + b, or nullopt when the sum leaves the range.
[[nodiscard]] constexpr std::optional<decimal> checked_add(decimal a, decimal b) noexcept {
  return decimal::from_raw(a.raw() + b.raw());  // |a|, |b| <= 2^103: no 128-bit overflow
}
/// a - b, or nullopt when the difference leaves the range.
[[nodiscard]] constexpr std::optional<decimal> checked_sub(decimal a, decimal b) noexcept {
  return decimal::from_raw(a.raw() - b.raw());
}
/// -a (always representable: the range is symmetric).
[[nodiscard]] constexpr std::optional<decimal> checked_neg(decimal a) noexcept {
  return decimal::from_raw(-a.raw());
}
/// a x q exactly, or nullopt when the product leaves the range.
[[nodiscard]] constexpr std::optional<decimal> checked_mul(decimal a, std::int64_t q) noexcept {
  if (auto p = detail::checked_mul_128(a.raw(), q)) return decimal::from_raw(*p);
  return std::nullopt;
}

namespace detail {
[[noreturn]] inline void throw_decimal_overflow(const char* op) {
  METERKIT_THROW(overflow_error(std::string("decimal ") + op + " leaves the range of +-2^63"));
}
}  // namespace detail

[[nodiscard]] constexpr decimal operator+(decimal a, decimal b) {
  if (auto r = checked_add(a, b)) return *r;
  detail::throw_decimal_overflow("addition");
}
[[nodiscard]] constexpr decimal operator-(decimal a, decimal b) {
  if (auto r = checked_sub(a, b)) return *r;
  detail::throw_decimal_overflow("subtraction");
}
[[nodiscard]] constexpr decimal operator-(decimal a) {
  if (auto r = checked_neg(a)) return *r;
  detail::throw_decimal_overflow("negation");
}
[[nodiscard]] constexpr decimal operator*(decimal a, std::int64_t q) {
  if (auto r = checked_mul(a, q)) return *r;
  detail::throw_decimal_overflow("multiplication");
}
[[nodiscard]] constexpr decimal operator*(std::int64_t q, decimal a) { return a * q; }
constexpr decimal& operator+=(decimal& a, decimal b) { return a = a + b; }
constexpr decimal& operator-=(decimal& a, decimal b) { return a = a - b; }
constexpr decimal& operator*=(decimal& a, std::int64_t q) { return a = a * q; }

/// a / divisor rounded once with `Policy` (precondition: divisor > 0), or nullopt
/// when the result does not fit in `std::int64_t`.
template <class Policy = half_away_from_zero>
[[nodiscard]] constexpr std::optional<std::int64_t> checked_divide_and_round(decimal a,
                                                                             std::int64_t divisor) {
  return checked_divide_and_round<Policy>(a.raw(), static_cast<int128>(divisor) * decimal::scale);
}
template <class Policy = half_away_from_zero>
[[nodiscard]] constexpr std::int64_t divide_and_round(decimal a, std::int64_t divisor) {
  return divide_and_round<Policy>(a.raw(), static_cast<int128>(divisor) * decimal::scale);
}
[[nodiscard]] constexpr std::optional<std::int64_t> checked_divide_and_round(decimal a, std::int64_t divisor,
                                                                             rounding_mode mode) {
  return checked_divide_and_round(a.raw(), static_cast<int128>(divisor) * decimal::scale, mode);
}
[[nodiscard]] constexpr std::int64_t divide_and_round(decimal a, std::int64_t divisor, rounding_mode mode) {
  return divide_and_round(a.raw(), static_cast<int128>(divisor) * decimal::scale, mode);
}

namespace detail {
/// a x b / d rounded once with `P`, for a product that does not fit in 128 bits (|a| <= 2^103,
/// so |a x b| < 2^167): the product is formed exactly in 192 bits and divided bit by bit by
/// `d` (0 < d < 2^126). nullopt when the rounded quotient does not fit in `std::int64_t`.
template <class P>
[[nodiscard]] constexpr std::optional<std::int64_t> wide_scale_and_round(int128 a, std::int64_t b,
                                                                         int128 d) noexcept {
  const bool negative = (a < 0) != (b < 0);
  const uint128 ua = a < 0 ? uint128{0} - static_cast<uint128>(a) : static_cast<uint128>(a);
  const std::uint64_t ub =
      b < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(b) : static_cast<std::uint64_t>(b);
  // ua x ub = high x 2^64 + low, exactly.
  const uint128 low_product = static_cast<uint128>(static_cast<std::uint64_t>(ua)) * ub;
  const uint128 high = static_cast<uint128>(static_cast<std::uint64_t>(ua >> 64)) * ub + (low_product >> 64);
  const auto low = static_cast<std::uint64_t>(low_product);
  const auto divisor = static_cast<uint128>(d);
  constexpr uint128 too_large = uint128{1} << 64;  // the quotient only grows from here on
  uint128 q = 0;
  uint128 r = 0;  // always < divisor < 2^126, so shifting it left cannot overflow
  for (int bit = 191; bit >= 0; --bit) {
    const uint128 next = bit >= 64 ? (high >> (bit - 64)) & 1U : (uint128{low} >> bit) & 1U;
    r = (r << 1) | next;
    q <<= 1;
    if (r >= divisor) {
      r -= divisor;
      q |= 1U;
    }
    if (q >= too_large) return std::nullopt;
  }
  const int128 signed_q = negative ? -static_cast<int128>(q) : static_cast<int128>(q);
  if (r != 0 && P::away_from_zero(signed_q, static_cast<int128>(r), d)) ++q;
  constexpr uint128 positive_limit = static_cast<uint128>(std::numeric_limits<std::int64_t>::max());
  if (q > (negative ? positive_limit + 1 : positive_limit)) return std::nullopt;
  return negative ? static_cast<std::int64_t>(-static_cast<int128>(q)) : static_cast<std::int64_t>(q);
}
}  // namespace detail

/// amount x num / den, computed exactly and rounded once with `Policy` (B4 proration: full
/// amount x stub seconds / cycle seconds). A product beyond 128 bits is still exact (192-bit long
/// division), so only the rounded result decides overflow. Precondition (`METERKIT_ASSERT`):
/// `den` > 0. nullopt when the result does not fit in `std::int64_t`.
template <class Policy = half_away_from_zero>
[[nodiscard]] constexpr std::optional<std::int64_t> checked_scale_and_round(decimal amount, std::int64_t num,
                                                                            std::int64_t den) {
  static_assert(detail::check_rounding_policy<Policy>());
  METERKIT_ASSERT(den > 0, "meterkit: scale_and_round needs a positive denominator");
  const int128 divisor = static_cast<int128>(den) * decimal::scale;
  if (const auto product = detail::checked_mul_128(amount.raw(), num)) {
    return checked_divide_and_round<Policy>(*product, divisor);
  }
  return detail::wide_scale_and_round<Policy>(amount.raw(), num, divisor);
}
template <class Policy = half_away_from_zero>
[[nodiscard]] constexpr std::int64_t scale_and_round(decimal amount, std::int64_t num, std::int64_t den) {
  if (auto r = checked_scale_and_round<Policy>(amount, num, den)) return *r;
  METERKIT_THROW(overflow_error("prorated amount overflows the signed 64-bit range"));
}
[[nodiscard]] constexpr std::optional<std::int64_t> checked_scale_and_round(decimal amount, std::int64_t num,
                                                                            std::int64_t den,
                                                                            rounding_mode mode) {
  return with_rounding_policy(
      mode, [&](auto policy) { return checked_scale_and_round<decltype(policy)>(amount, num, den); });
}
[[nodiscard]] constexpr std::int64_t scale_and_round(decimal amount, std::int64_t num, std::int64_t den,
                                                     rounding_mode mode) {
  return with_rounding_policy(
      mode, [&](auto policy) { return scale_and_round<decltype(policy)>(amount, num, den); });
}

}  // namespace meterkit
