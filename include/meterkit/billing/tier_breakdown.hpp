// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// How a tiered amount came about (P3): the tiers a quantity reaches, the units each prices, and
/// each tier's exact, unrounded part, which sum to `exact_amount(price, quantity)`. The line is
/// still rounded once, as a whole (P4); the parts are for people checking an invoice.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <meterkit/billing/price.hpp>
#include <meterkit/billing/tiers.hpp>
#include <meterkit/core/decimal.hpp>

namespace meterkit {

/// One tier's part of a tiered amount: tier `tier` (0-based) priced `units` units at
/// `unit_amount` plus `flat_amount`, `amount` in all (exact).
struct tier_part {
  std::size_t tier = 0;
  std::optional<std::int64_t> up_to{};  ///< the tier's `up_to`; none for `inf`
  std::int64_t units = 0;
  decimal unit_amount{};
  decimal flat_amount{};
  decimal amount{};

  friend bool operator==(const tier_part&, const tier_part&) = default;
};

/// The parts of `p`'s amount for `quantity` (>= 0): graduated, every tier reached (the first always
/// is, P3); volume, the one tier containing the quantity. Empty for a per-unit price.
[[nodiscard]] inline std::vector<tier_part> tier_breakdown(const price& p, std::int64_t quantity) {
  std::vector<tier_part> out;
  if (p.billing_scheme != billing_scheme::tiered || p.tiers.empty() || quantity < 0) return out;
  const auto part = [&](std::size_t i, std::int64_t units) {
    const price_tier& t = p.tiers[i];
    tier_part tp{i, t.up_to, units, t.unit_or_zero(), t.flat_or_zero(), decimal{}};
    tp.amount = detail::multiply_amount(tp.unit_amount, units) + tp.flat_amount;
    out.push_back(tp);
  };
  if (p.tiers_mode == tiers_mode::volume) {
    for (std::size_t i = 0; i < p.tiers.size(); ++i) {
      if (p.tiers[i].contains_up_to(quantity)) {
        part(i, quantity);
        break;
      }
    }
    return out;
  }
  std::int64_t below = 0;
  for (std::size_t i = 0; i < p.tiers.size(); ++i) {
    if (i > 0 && quantity <= below) break;  // not reached
    const price_tier& t = p.tiers[i];
    const std::int64_t top = t.contains_up_to(quantity) ? quantity : *t.up_to;
    part(i, top > below ? top - below : 0);
    if (t.contains_up_to(quantity)) break;
    below = *t.up_to;
  }
  return out;
}

}  // namespace meterkit
