// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Price tiers and the two ways of reading them (SPEC P3, D8): a tier has an inclusive `up_to`
/// (`std::nullopt` = `inf`), the next tier starts at the previous `up_to + 1`, and the last tier
/// is `inf`. A missing unit or flat amount prices that part at 0 (D8).
///
/// - `graduated`: each tier prices its own units and adds its flat amount once reached.
/// - `volume`: the whole quantity at the tier that contains it, plus that tier's flat amount.
///
/// In both modes quantity 0 bills the first tier's flat amount (P3): the first tier is reached by
/// every quantity. Amounts are exact decimals (P4); rounding happens once, at the line
/// (`price.hpp`). A tier mode is a policy type checked by the `tiers_mode_policy` concept; the
/// runtime `tiers_mode` of a price maps onto it in `with_pricing_scheme` (`price.hpp`).
///
/// Preconditions (checked by `validate(const price&, ...)`): the tiers are non-empty, `up_to`
/// strictly increases from >= 0, only the last tier is `inf`, and the quantity is >= 0. A violation
/// met while pricing is a broken precondition (`METERKIT_ASSERT`, `precondition_error`); an amount outside
/// the decimal range raises `overflow_error`.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include <meterkit/core/decimal.hpp>
#include <meterkit/core/error.hpp>

namespace meterkit {

/// One entry of a price's `tiers` (P3, D8).
struct price_tier {
  std::optional<std::int64_t> up_to{};   ///< inclusive upper bound; nullopt means `inf`
  std::optional<decimal> unit_amount{};  ///< per unit of this tier, minor units; none = 0
  std::optional<decimal> flat_amount{};  ///< once the tier is reached, minor units; none = 0

  /// Whether `quantity` lies at or below this tier's upper bound.
  [[nodiscard]] constexpr bool contains_up_to(std::int64_t quantity) const noexcept {
    return !up_to || quantity <= *up_to;
  }
  [[nodiscard]] constexpr decimal unit_or_zero() const noexcept { return unit_amount.value_or(decimal{}); }
  [[nodiscard]] constexpr decimal flat_or_zero() const noexcept { return flat_amount.value_or(decimal{}); }

  friend constexpr bool operator==(const price_tier&, const price_tier&) = default;
};

/// `M::amount(tiers, quantity)` gives the exact amount of `quantity` under `tiers`.
template <class M>
concept tiers_mode_policy_prices_tiers = requires(std::span<const price_tier> tiers, std::int64_t q) {
  { M::amount(tiers, q) } -> std::same_as<decimal>;
};

/// `M::name` is Stripe's spelling of the mode (`graduated`, `volume`).
template <class M>
concept tiers_mode_policy_is_named = requires {
  { M::name } -> std::convertible_to<std::string_view>;
};

/// Everything a tiered price needs of a tier mode.
template <class M>
concept tiers_mode_policy = tiers_mode_policy_prices_tiers<M> && tiers_mode_policy_is_named<M>;

namespace detail {
/// Checks `M` requirement by requirement, for readable errors in templates.
template <class M>
consteval bool check_tiers_mode_policy() {
  static_assert(tiers_mode_policy_prices_tiers<M>,
                "meterkit: a tiers mode needs `static decimal amount(std::span<const price_tier>, "
                "std::int64_t quantity)` (see billing/tiers.hpp, SPEC P3)");
  static_assert(
      tiers_mode_policy_is_named<M>,
      "meterkit: a tiers mode needs `static constexpr std::string_view name` (see billing/tiers.hpp)");
  return tiers_mode_policy<M>;
}

/// a x q for a >= 0 and q >= 0, exactly; `overflow_error` outside the decimal range. Unit
/// amounts below 2^63 x 10^-12 take a short path whose product cannot leave 128 bits.
[[nodiscard]] constexpr decimal multiply_amount(decimal a, std::int64_t q) {
  constexpr int128 short_path_limit = int128{1} << 63;
  if (a.raw() >= 0 && a.raw() < short_path_limit && q >= 0) {
    if (auto product = decimal::from_raw(a.raw() * q)) return *product;
  }
  return a * q;  // the checked product: throws overflow_error when out of range
}

constexpr void require_priceable(std::span<const price_tier> tiers, std::int64_t quantity) {
  METERKIT_ASSERT(quantity >= 0, "meterkit: a tiered price needs a quantity >= 0 (M12 clamps the line)");
  METERKIT_ASSERT(!tiers.empty(), "meterkit: a tiered price needs at least one tier");
}
}  // namespace detail

/// Each tier prices its own units and adds its flat amount once reached (P3). The first tier is
/// always reached, so quantity 0 bills its flat amount.
struct graduated {
  static constexpr std::string_view name = "graduated";

  [[nodiscard]] static constexpr decimal amount(std::span<const price_tier> tiers, std::int64_t quantity) {
    detail::require_priceable(tiers, quantity);
    decimal total;
    std::int64_t below = 0;  // units priced by the tiers before this one
    for (std::size_t i = 0; i < tiers.size(); ++i) {
      const price_tier& tier = tiers[i];
      if (i > 0 && quantity <= below) return total;  // this tier starts at below + 1: not reached
      const std::int64_t top = tier.contains_up_to(quantity) ? quantity : *tier.up_to;
      if (top > below && tier.unit_amount) total += detail::multiply_amount(*tier.unit_amount, top - below);
      if (tier.flat_amount) total += *tier.flat_amount;
      if (tier.contains_up_to(quantity)) return total;
      below = *tier.up_to;
    }
    METERKIT_ASSERT(false, "meterkit: the last tier must be inf (up_to = null)");
    return total;  // only when a METERKIT_ASSERT of the caller's own returns
  }
};

/// The whole quantity at the tier that contains it, plus that tier's flat amount (P3).
struct volume {
  static constexpr std::string_view name = "volume";

  [[nodiscard]] static constexpr decimal amount(std::span<const price_tier> tiers, std::int64_t quantity) {
    detail::require_priceable(tiers, quantity);
    for (const price_tier& tier : tiers) {
      if (tier.contains_up_to(quantity)) {
        return detail::multiply_amount(tier.unit_or_zero(), quantity) + tier.flat_or_zero();
      }
    }
    METERKIT_ASSERT(false, "meterkit: the last tier must be inf (up_to = null)");
    return decimal{};  // only when a METERKIT_ASSERT of the caller's own returns
  }
};

static_assert(detail::check_tiers_mode_policy<graduated>());
static_assert(detail::check_tiers_mode_policy<volume>());

}  // namespace meterkit
