// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Rounding policies and the one exact "divide, then round once" operation of the library
/// (SPEC P4: each invoice line is rounded once to the minor unit, half away from zero by default,
/// half-even as the other policy; B4: a prorated amount is computed exactly and rounded once).
///
/// A rounding policy is a small type (`half_away_from_zero`, `half_even`) checked by the
/// `rounding_policy` concept. A plan read at run time names its policy with `rounding_mode`, and
/// `with_rounding_policy` is the one dispatch point from the runtime value to the policy type.
///
/// `divide_and_round<Policy>(numerator, denominator)` divides an exact 128-bit numerator by a
/// positive 128-bit denominator and rounds the exact quotient once. The result must fit in a
/// signed 64-bit integer: `checked_divide_and_round` returns `std::nullopt` otherwise,
/// `divide_and_round` raises `overflow_error` through `METERKIT_THROW`. A denominator that is not
/// positive is a broken precondition (`METERKIT_ASSERT`, core/error.hpp).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <meterkit/core/error.hpp>

namespace meterkit {

/// The library's exact intermediate type (decimal amounts, products, proration numerators).
__extension__ using int128 = __int128;
__extension__ using uint128 = unsigned __int128;

/// The runtime name of a rounding policy, as written in a plan's `rounding` setting (D10).
enum class rounding_mode {
  half_away_from_zero,  ///< 0.5 -> 1, -0.5 -> -1, 2.5 -> 3 (SPEC P4 default)
  half_even,            ///< 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -2.5 -> -2 (banker's rounding)
};

/// Ties (exactly half-way) go away from zero; everything else to the nearest integer.
struct half_away_from_zero {
  static constexpr rounding_mode mode = rounding_mode::half_away_from_zero;
  static constexpr std::string_view name = "half_away_from_zero";
  /// Whether the truncated quotient `q` must move one step away from zero, given the remainder's
  /// magnitude `r` (`0 < r < d`) and the divisor `d`.
  [[nodiscard]] static constexpr bool away_from_zero(int128 /*q*/, int128 r, int128 d) noexcept {
    return r >= d - r;  // 2r >= d without overflow
  }
};

/// Ties go to the even neighbour; everything else to the nearest integer.
struct half_even {
  static constexpr rounding_mode mode = rounding_mode::half_even;
  static constexpr std::string_view name = "half_even";
  [[nodiscard]] static constexpr bool away_from_zero(int128 q, int128 r, int128 d) noexcept {
    if (r != d - r) return r > d - r;
    return q % 2 != 0;  // a tie: move only if the truncated quotient is odd
  }
};

/// `P::away_from_zero(q, r, d)` decides whether a truncated quotient moves away from zero.
template <class P>
concept rounding_policy_decides_direction = requires(int128 q, int128 r, int128 d) {
  { P::away_from_zero(q, r, d) } -> std::same_as<bool>;
};

/// `P::name` names the policy in messages and plans. (The library's own policies also carry
/// `P::mode`, their `rounding_mode`; a user-defined policy need not have one.)
template <class P>
concept rounding_policy_is_named = requires {
  { P::name } -> std::convertible_to<std::string_view>;
};

/// Everything the library needs of a rounding policy.
template <class P>
concept rounding_policy = rounding_policy_decides_direction<P> && rounding_policy_is_named<P>;

namespace detail {
/// Checks `P` requirement by requirement, for readable errors in templates.
template <class P>
consteval bool check_rounding_policy() {
  static_assert(rounding_policy_decides_direction<P>,
                "meterkit: a rounding policy needs `static constexpr bool away_from_zero(int128 q, int128 r, "
                "int128 d)` (see core/rounding.hpp)");
  static_assert(
      rounding_policy_is_named<P>,
      "meterkit: a rounding policy needs `static constexpr std::string_view name` (see core/rounding.hpp)");
  return rounding_policy<P>;
}
}  // namespace detail

static_assert(rounding_policy<half_away_from_zero>);
static_assert(rounding_policy<half_even>);

/// The spelling of a mode in a plan ("half_away_from_zero", "half_even").
[[nodiscard]] constexpr std::string_view to_string(rounding_mode m) noexcept {
  return m == rounding_mode::half_even ? half_even::name : half_away_from_zero::name;
}

/// The mode spelled `text` (exactly, lower case), if any.
[[nodiscard]] constexpr std::optional<rounding_mode> parse_rounding_mode(std::string_view text) noexcept {
  if (text == half_away_from_zero::name) return rounding_mode::half_away_from_zero;
  if (text == half_even::name) return rounding_mode::half_even;
  return std::nullopt;
}

/// Like `parse_rounding_mode`, for configuration: an unknown spelling raises
/// `configuration_error` naming `field`.
[[nodiscard]] inline rounding_mode require_rounding_mode(std::string_view text,
                                                         std::string field = "rounding") {
  if (auto m = parse_rounding_mode(text)) return *m;
  METERKIT_THROW(configuration_error(std::move(field), "unknown rounding \"" + std::string(text) +
                                                           "\" (expected half_away_from_zero or half_even)"));
}

/// The one dispatch point from a runtime `rounding_mode` to a policy type: calls `f(Policy{})`.
template <class F>
constexpr decltype(auto) with_rounding_policy(rounding_mode m, F&& f) {
  switch (m) {
    case rounding_mode::half_even:
      return std::forward<F>(f)(half_even{});
    case rounding_mode::half_away_from_zero:
      break;
  }
  return std::forward<F>(f)(half_away_from_zero{});
}

namespace detail {
inline constexpr int128 int128_max = static_cast<int128>(~uint128{0} >> 1);
inline constexpr int128 int128_min = -int128_max - 1;

/// n / d rounded once with `P`, in 128 bits. Precondition: d > 0.
template <class P>
[[nodiscard]] constexpr int128 divide_and_round_128(int128 n, int128 d) noexcept {
  const int128 q = n / d;        // truncates toward zero; d > 0, so no INT128_MIN / -1
  const int128 rem = n - q * d;  // n % d, without a second 128-bit division
  if (rem == 0) return q;
  const int128 r = rem < 0 ? -rem : rem;  // |rem| < d, so the negation cannot overflow
  if (!P::away_from_zero(q, r, d)) return q;
  return n < 0 ? q - 1 : q + 1;  // d >= 2 here, so |q| <= INT128_MAX / 2
}

/// a * b in 128 bits, or nullopt on overflow. Written by hand: the compiler builtin needs a
/// runtime helper (`__muloti4`) that not every toolchain links.
[[nodiscard]] constexpr std::optional<int128> checked_mul_128(int128 a, int128 b) noexcept {
  if (a == 0 || b == 0) return int128{0};
  const bool negative = (a < 0) != (b < 0);
  const uint128 ua = a < 0 ? uint128{0} - static_cast<uint128>(a) : static_cast<uint128>(a);
  const uint128 ub = b < 0 ? uint128{0} - static_cast<uint128>(b) : static_cast<uint128>(b);
  const uint128 limit = negative ? static_cast<uint128>(int128_max) + 1 : static_cast<uint128>(int128_max);
  const bool small = (ua >> 64) == 0 && (ub >> 64) == 0;  // the usual case: no division needed
  if (small ? false : ua > limit / ub) return std::nullopt;
  const uint128 product = ua * ub;
  if (product > limit) return std::nullopt;
  if (!negative) return static_cast<int128>(product);
  if (product == static_cast<uint128>(int128_max) + 1) return int128_min;
  return -static_cast<int128>(product);
}

/// a + b in 128 bits, or nullopt on overflow.
[[nodiscard]] constexpr std::optional<int128> checked_add_128(int128 a, int128 b) noexcept {
  if (b > 0 && a > int128_max - b) return std::nullopt;
  if (b < 0 && a < int128_min - b) return std::nullopt;
  return a + b;
}

[[nodiscard]] constexpr bool fits_int64(int128 v) noexcept {
  return v >= std::numeric_limits<std::int64_t>::min() && v <= std::numeric_limits<std::int64_t>::max();
}
}  // namespace detail

/// `numerator / denominator`, rounded once with `Policy`, or nullopt when the rounded result does
/// not fit in `std::int64_t`. Precondition (`METERKIT_ASSERT`): `denominator` is positive.
template <class Policy = half_away_from_zero>
[[nodiscard]] constexpr std::optional<std::int64_t> checked_divide_and_round(int128 numerator,
                                                                             int128 denominator) {
  static_assert(detail::check_rounding_policy<Policy>());
  METERKIT_ASSERT(denominator > 0, "meterkit: divide_and_round needs a positive denominator");
  const int128 q = detail::divide_and_round_128<Policy>(numerator, denominator);
  if (!detail::fits_int64(q)) return std::nullopt;
  return static_cast<std::int64_t>(q);
}

/// `numerator / denominator`, rounded once with `Policy`; raises `overflow_error` when the result
/// does not fit in `std::int64_t`.
template <class Policy = half_away_from_zero>
[[nodiscard]] constexpr std::int64_t divide_and_round(int128 numerator, int128 denominator) {
  if (auto r = checked_divide_and_round<Policy>(numerator, denominator)) return *r;
  METERKIT_THROW(overflow_error("rounded quotient overflows the signed 64-bit range"));
}

/// Runtime-mode forms of the two functions above.
[[nodiscard]] constexpr std::optional<std::int64_t> checked_divide_and_round(int128 numerator,
                                                                             int128 denominator,
                                                                             rounding_mode mode) {
  return with_rounding_policy(
      mode, [&](auto policy) { return checked_divide_and_round<decltype(policy)>(numerator, denominator); });
}

[[nodiscard]] constexpr std::int64_t divide_and_round(int128 numerator, int128 denominator,
                                                      rounding_mode mode) {
  return with_rounding_policy(
      mode, [&](auto policy) { return divide_and_round<decltype(policy)>(numerator, denominator); });
}

}  // namespace meterkit
