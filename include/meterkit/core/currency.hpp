// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Currencies: ISO 4217 codes, the exponent of their minor unit, and amounts of minor units
/// written for people (SPEC P5 amounts are integers in the minor unit, zero-decimal currencies
/// have no fractional minor unit; D25 codes are printed in lower case, every currency rounds to
/// an integer of its minor unit).
///
/// The exponent is 0 for Stripe's zero-decimal currencies, 3 for the three-decimal ones and 2 for
/// every other code. There are no special cases beyond that (D25: no ISK/UGX rules).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <meterkit/core/error.hpp>

namespace meterkit {

/// Stripe's zero-decimal currencies (minor unit = major unit), lower case.
inline constexpr std::array<std::string_view, 16> zero_decimal_currencies{
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
    "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"};

/// Stripe's three-decimal currencies, lower case.
inline constexpr std::array<std::string_view, 5> three_decimal_currencies{"bhd", "jod", "kwd", "omr", "tnd"};

namespace detail {
[[nodiscard]] constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
[[nodiscard]] constexpr bool ascii_letter(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
[[nodiscard]] constexpr bool equal_ignoring_case(std::string_view a, std::string_view lower) noexcept {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != lower[i]) return false;
  }
  return true;
}
}  // namespace detail

/// Number of decimal digits of the minor unit of `code` (case-insensitive): 0, 3 or 2.
[[nodiscard]] constexpr int minor_unit_exponent(std::string_view code) noexcept {
  for (auto c : zero_decimal_currencies) {
    if (detail::equal_ignoring_case(code, c)) return 0;
  }
  for (auto c : three_decimal_currencies) {
    if (detail::equal_ignoring_case(code, c)) return 3;
  }
  return 2;
}

/// A validated ISO 4217 currency code (three ASCII letters), stored in lower case.
class currency {
 public:
  /// Whether `code` is three ASCII letters, in any case.
  [[nodiscard]] static constexpr bool is_valid_code(std::string_view code) noexcept {
    return code.size() == 3 && detail::ascii_letter(code[0]) && detail::ascii_letter(code[1]) &&
           detail::ascii_letter(code[2]);
  }

  /// `code` in any case; raises `configuration_error` for field `field` unless it is three ASCII
  /// letters.
  constexpr explicit currency(std::string_view code, std::string_view field = "currency") {
    if (!is_valid_code(code)) {
      METERKIT_THROW(configuration_error(
          std::string(field), "\"" + std::string(code) + "\" is not a currency code (three letters)"));
    }
    for (std::size_t i = 0; i < 3; ++i) code_[i] = detail::ascii_lower(code[i]);
    exponent_ = minor_unit_exponent(this->code());
  }

  /// The code in lower case ("usd"), as printed (D25).
  [[nodiscard]] constexpr std::string_view code() const noexcept { return {code_.data(), code_.size()}; }
  /// Number of decimal digits of the minor unit (0, 2 or 3).
  [[nodiscard]] constexpr int exponent() const noexcept { return exponent_; }
  /// Whether the minor unit is the major unit (JPY, KRW, ...).
  [[nodiscard]] constexpr bool is_zero_decimal() const noexcept { return exponent_ == 0; }

  friend constexpr bool operator==(const currency&, const currency&) noexcept = default;

 private:
  std::array<char, 3> code_{};
  int exponent_ = 2;
};

/// `amount` minor units written in major units with `exponent` decimals, for people:
/// 5702, 2 -> "57.02"; 1000, 0 -> "1000"; -5, 2 -> "-0.05"; 1234, 3 -> "1.234".
/// Precondition (`METERKIT_ASSERT`): `exponent` is 0..18.
[[nodiscard]] inline std::string format_minor_units(std::int64_t amount, int exponent) {
  METERKIT_ASSERT(exponent >= 0 && exponent <= 18, "meterkit: a minor-unit exponent must be 0..18");
  const bool negative = amount < 0;
  const std::uint64_t magnitude =
      negative ? std::uint64_t{0} - static_cast<std::uint64_t>(amount) : static_cast<std::uint64_t>(amount);
  std::string digits = std::to_string(magnitude);
  const auto e = static_cast<std::size_t>(exponent);
  if (e > 0) {
    if (digits.size() <= e) digits.insert(0, e + 1 - digits.size(), '0');
    digits.insert(digits.size() - e, 1, '.');
  }
  return negative ? "-" + digits : digits;
}

/// `amount` minor units of `c`, written in major units ("57.02", without the code).
[[nodiscard]] inline std::string format_minor_units(std::int64_t amount, const currency& c) {
  return format_minor_units(amount, c.exponent());
}

}  // namespace meterkit
