// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Stripe's billing credits as a plan writes them (B14; docs/rules.md): a `billing.credit_grant`
/// gives a customer an amount of credit, in one currency, that pays for the lines of meter prices.
/// `billing/after_pricing.hpp` applies grants after discounts and before taxes.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <meterkit/core/currency.hpp>
#include <meterkit/core/time.hpp>

namespace meterkit {

/// `paid` (the default) or `promotional`: Stripe keeps it for reporting; meterkit uses it only to
/// order grants that are otherwise equal (B14).
enum class credit_grant_category { paid, promotional };

[[nodiscard]] constexpr std::string_view to_string(credit_grant_category c) noexcept {
  return c == credit_grant_category::promotional ? "promotional" : "paid";
}

[[nodiscard]] constexpr std::optional<credit_grant_category> parse_credit_grant_category(
    std::string_view text) noexcept {
  if (text == "paid") return credit_grant_category::paid;
  if (text == "promotional") return credit_grant_category::promotional;
  return std::nullopt;
}

/// Priorities run from 0 (applied first) to 100; a grant without one has 50 (B14).
inline constexpr std::int32_t default_credit_grant_priority = 50;
inline constexpr std::int32_t max_credit_grant_priority = 100;

/// Stripe's `billing.credit_grant` (B14): `amount.monetary` {`value`, `currency`} for `customer`,
/// usable on invoices that finalize in [`effective_at`, `expires_at`) and before `voided_at`.
/// `applicability_config.scope` is either `price_type: metered` (every meter price: `prices`
/// absent) or a list of meter `prices`.
struct credit_grant {
  std::string id{};
  std::string customer{};
  std::int64_t amount = 0;                       ///< minor units, > 0
  std::optional<meterkit::currency> currency{};  ///< required
  credit_grant_category category = credit_grant_category::paid;
  std::int32_t priority = default_credit_grant_priority;
  std::optional<timestamp> effective_at{};           ///< absent: `created`, else always
  std::optional<timestamp> expires_at{};             ///< absent: never
  std::optional<timestamp> voided_at{};              ///< absent: never voided
  std::optional<timestamp> created{};                ///< the last tie-break (B14)
  std::optional<std::vector<std::string>> prices{};  ///< absent: every meter price

  /// When the grant starts to count: `effective_at`, else `created`, else always.
  [[nodiscard]] std::optional<timestamp> starts() const noexcept {
    return effective_at ? effective_at : created;
  }
  /// Whether the grant may pay for an invoice that finalizes at `t`.
  [[nodiscard]] bool usable_at(timestamp t) const noexcept {
    if (const auto s = starts(); s && t < *s) return false;
    if (expires_at && !(t < *expires_at)) return false;
    if (voided_at && !(t < *voided_at)) return false;
    return true;
  }

  friend bool operator==(const credit_grant&, const credit_grant&) = default;
};

}  // namespace meterkit
