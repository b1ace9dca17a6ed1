// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `transform_quantity {divide_by, round}`: a price's quantity is divided, rounded up or down to a
/// whole number of packages, and only then priced (SPEC P2; D11: `divide_by >= 1`, not combinable
/// with tiers, which `price.hpp` checks). The invoice line keeps the untransformed quantity; this
/// header only computes the number that is priced.
///
/// Quantities are non-negative (M12: a negative line quantity is clamped to 0 before pricing).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <meterkit/core/error.hpp>

namespace meterkit {

/// Stripe's `transform_quantity.round`: which way a fractional number of packages goes (P2).
enum class round_direction {
  up,    ///< 1001 / 1000 -> 2 packages
  down,  ///< 1999 / 1000 -> 1 package
};

/// Stripe's spelling: `up`, `down`.
[[nodiscard]] constexpr std::string_view to_string(round_direction r) noexcept {
  return r == round_direction::down ? "down" : "up";
}

/// The direction spelled `text` exactly (`up` or `down`), else nullopt.
[[nodiscard]] constexpr std::optional<round_direction> parse_round_direction(std::string_view text) noexcept {
  if (text == "up") return round_direction::up;
  if (text == "down") return round_direction::down;
  return std::nullopt;
}

/// Divide the quantity by `divide_by` and round in `round` before pricing (P2).
struct transform_quantity {
  std::int64_t divide_by = 1;  ///< >= 1 (D11; `validate(price)` checks it)
  round_direction round = round_direction::up;

  /// The number of packages priced for `quantity` (>= 0): ceil or floor of quantity / divide_by.
  /// A negative quantity or a `divide_by` below 1 is a broken precondition (`METERKIT_ASSERT`,
  /// `precondition_error`).
  [[nodiscard]] constexpr std::int64_t apply(std::int64_t quantity) const {
    METERKIT_ASSERT(quantity >= 0, "meterkit: transform_quantity needs a quantity >= 0 (M12 clamps)");
    METERKIT_ASSERT(divide_by >= 1, "meterkit: transform_quantity.divide_by must be >= 1");
    const std::int64_t whole = quantity / divide_by;  // no overflow: both operands are non-negative
    if (round == round_direction::up && quantity % divide_by != 0) return whole + 1;
    return whole;
  }

  friend constexpr bool operator==(const transform_quantity&, const transform_quantity&) = default;
};

}  // namespace meterkit
