// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// What Stripe applies to an invoice after pricing, as a plan writes it (B11, B12, B13;
/// docs/rules.md): coupons redeemed into discounts on a subscription or an item, fixed tax rates,
/// and a customer's starting balance. `billing/after_pricing.hpp` applies them.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <meterkit/core/currency.hpp>
#include <meterkit/core/decimal.hpp>
#include <meterkit/core/time.hpp>

namespace meterkit {

/// How long a discount lasts once redeemed (B11): `once` the first invoice with something to
/// discount, `repeating` `duration_in_months` months from its start, `forever` for good.
enum class coupon_duration { once, repeating, forever };

[[nodiscard]] constexpr std::string_view to_string(coupon_duration d) noexcept {
  switch (d) {
    case coupon_duration::once:
      return "once";
    case coupon_duration::repeating:
      return "repeating";
    case coupon_duration::forever:
      return "forever";
  }
  return "once";
}

[[nodiscard]] constexpr std::optional<coupon_duration> parse_coupon_duration(std::string_view text) noexcept {
  if (text == "once") return coupon_duration::once;
  if (text == "repeating") return coupon_duration::repeating;
  if (text == "forever") return coupon_duration::forever;
  return std::nullopt;
}

/// Stripe's coupon object (B11): exactly one of `percent_off` (0 < p <= 100, up to two decimals
/// in Stripe; any decimal here) and `amount_off` (minor units, > 0, with its `currency`).
struct coupon {
  std::string id{};
  std::optional<decimal> percent_off{};
  std::optional<std::int64_t> amount_off{};
  std::optional<meterkit::currency> currency{};  ///< required with `amount_off`
  coupon_duration duration = coupon_duration::once;
  std::optional<std::int32_t> duration_in_months{};  ///< required with `repeating`, 1 … 1200
  /// `applies_to.products`: the discount reaches only lines whose price has one of these products.
  std::optional<std::vector<std::string>> applies_to_products{};
  std::optional<std::int64_t> max_redemptions{};  ///< across the plan's discounts
  std::optional<timestamp> redeem_by{};           ///< no discount may start after it

  friend bool operator==(const coupon&, const coupon&) = default;
};

/// A coupon redeemed on a subscription or an item: Stripe's discount object (B11). `start`
/// defaults to the subscription's `start_date`; `end` to `start` + `duration_in_months` for a
/// repeating coupon, none otherwise.
struct discount {
  std::string coupon{};
  std::optional<timestamp> start{};
  std::optional<timestamp> end{};

  friend bool operator==(const discount&, const discount&) = default;
};

/// Stripe's tax rate object (B12), fixed rates only: `percentage` (0 … 100) and whether the
/// prices it taxes include it.
struct tax_rate {
  std::string id{};
  decimal percentage{};
  bool inclusive = false;

  friend bool operator==(const tax_rate&, const tax_rate&) = default;
};

/// A customer's balance before its first invoice (B13): negative is credit the customer has,
/// positive an amount it owes; in minor units of `currency` (absent: the currency of the
/// customer's first invoice).
struct customer_balance {
  std::string customer{};
  std::int64_t balance = 0;
  std::optional<meterkit::currency> currency{};

  friend bool operator==(const customer_balance&, const customer_balance&) = default;
};

}  // namespace meterkit
