// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// A billing plan: meters, prices, subscriptions and the few settings of D10, with the validation
/// of D9 and D11 (an unusable plan is refused before any usage is read, naming the field).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <meterkit/billing/coupon.hpp>
#include <meterkit/billing/credit_grant.hpp>
#include <meterkit/billing/price.hpp>
#include <meterkit/calendar/billing_cycle.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/rounding.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/edit_distance.hpp>
#include <meterkit/legacy/aggregate_usage.hpp>
#include <meterkit/meter/meter_definition.hpp>

namespace meterkit {

/// A subscription item: a price and, for licensed prices, a quantity (D22: default 1, 0 allowed).
struct subscription_item {
  std::string id{};
  std::string price{};
  std::int64_t quantity = 1;
  std::vector<discount> discounts{};  ///< B11: applied to this item's lines before the subscription's
  /// B12: the item's tax rates (ids), replacing the subscription's `default_tax_rates` unless empty.
  std::optional<std::vector<std::string>> tax_rates{};
  /// B16: `billing_thresholds.usage_gte`: a threshold invoice once this metered item's usage not
  /// yet invoiced in the period reaches it.
  std::optional<std::int64_t> usage_gte{};

  friend bool operator==(const subscription_item&, const subscription_item&) = default;
};

/// Stripe's subscription `status` (B6). Only `canceled` and `incomplete_expired` say the
/// subscription has ended; `paused` is refused, since Stripe creates no invoice while paused and
/// the plan does not say when it resumes.
enum class subscription_status {
  active,
  trialing,
  past_due,
  unpaid,
  incomplete,
  incomplete_expired,
  canceled,
  paused
};

[[nodiscard]] constexpr std::string_view to_string(subscription_status s) noexcept {
  switch (s) {
    case subscription_status::active:
      return "active";
    case subscription_status::trialing:
      return "trialing";
    case subscription_status::past_due:
      return "past_due";
    case subscription_status::unpaid:
      return "unpaid";
    case subscription_status::incomplete:
      return "incomplete";
    case subscription_status::incomplete_expired:
      return "incomplete_expired";
    case subscription_status::canceled:
      return "canceled";
    case subscription_status::paused:
      return "paused";
  }
  return "active";
}

[[nodiscard]] constexpr std::optional<subscription_status> parse_subscription_status(
    std::string_view text) noexcept {
  for (const auto s :
       {subscription_status::active, subscription_status::trialing, subscription_status::past_due,
        subscription_status::unpaid, subscription_status::incomplete, subscription_status::incomplete_expired,
        subscription_status::canceled, subscription_status::paused}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

/// Whether a subscription in status `s` has ended (B6).
[[nodiscard]] constexpr bool has_ended(subscription_status s) noexcept {
  return s == subscription_status::canceled || s == subscription_status::incomplete_expired;
}

/// Stripe's `billing_mode.type` (B6). Without changes to a subscription the two modes bill alike;
/// they differ in how changes are prorated.
enum class billing_mode_type { classic, flexible };

[[nodiscard]] constexpr std::string_view to_string(billing_mode_type m) noexcept {
  return m == billing_mode_type::flexible ? "flexible" : "classic";
}
[[nodiscard]] constexpr std::optional<billing_mode_type> parse_billing_mode(std::string_view text) noexcept {
  if (text == "classic") return billing_mode_type::classic;
  if (text == "flexible") return billing_mode_type::flexible;
  return std::nullopt;
}

/// A subscription (B3, B4, B6): its items share one currency and one interval (B4, B5).
struct subscription {
  std::string id{};
  std::string customer{};
  timestamp start_date{};
  std::optional<timestamp> billing_cycle_anchor{};  ///< default: trial_end, else start_date (B4)
  std::optional<timestamp> trial_end{};
  std::vector<subscription_item> items{};
  /// B6: absent reads as a subscription that has not ended unless `ended_at` says it has.
  std::optional<subscription_status> status{};
  std::optional<timestamp> cancel_at{};  ///< B6: a scheduled end
  bool cancel_at_period_end = false;     ///< B6: ends with the period containing `canceled_at`
  std::optional<timestamp> canceled_at{};
  std::optional<timestamp> ended_at{};  ///< B6: when it ended
  billing_mode_type billing_mode = billing_mode_type::classic;
  std::vector<discount> discounts{};             ///< B11: in the order they apply
  std::vector<std::string> default_tax_rates{};  ///< B12: tax rate ids for items without their own
  /// B15 (a meterkit extension, `meterkit.minimum_spend`): the least the subscription bills for a
  /// billing period, in the smallest unit of its currency; a true-up line makes up the rest.
  std::optional<std::int64_t> minimum_spend{};
  /// B16: `billing_thresholds.amount_gte`: a threshold invoice once the metered amount not yet
  /// invoiced in the period reaches it (smallest currency unit).
  std::optional<std::int64_t> amount_gte{};
  /// B16, B17: `billing_thresholds.reset_billing_cycle_anchor`: a threshold reached restarts the
  /// billing cycle (never with an item priced `aggregate_usage=last_ever`, validated).
  bool reset_billing_cycle_anchor = false;

  friend bool operator==(const subscription&, const subscription&) = default;
};

/// The longest `invoice_finalization_delay` and `legacy_grace_period` (D10): one year, so that a
/// period end of D4's range plus a delay never leaves the time range.
inline constexpr seconds max_setting_delay{366 * 86400};

/// The settings a plan may change (D10); every other window keeps SPEC.md's default.
struct plan_settings {
  seconds invoice_finalization_delay{3600};                     ///< B3
  seconds legacy_grace_period{300};                             ///< L5
  rounding_mode rounding = rounding_mode::half_away_from_zero;  ///< P4

  friend bool operator==(const plan_settings&, const plan_settings&) = default;
};

struct plan {
  std::vector<meter_definition> meters{};
  std::vector<price> prices{};
  std::vector<subscription> subscriptions{};
  /// Customers without a subscription that meter events may still name (D10, M6).
  std::vector<std::string> customers{};
  plan_settings settings{};
  std::vector<coupon> coupons{};              ///< B11
  std::vector<tax_rate> tax_rates{};          ///< B12
  std::vector<customer_balance> balances{};   ///< B13: customers' balances before their first invoice
  std::vector<credit_grant> credit_grants{};  ///< B14

  /// Whether a subscription or item has a billing threshold (B16).
  [[nodiscard]] bool has_thresholds() const noexcept {
    for (const auto& s : subscriptions) {
      if (s.amount_gte) return true;
      for (const auto& i : s.items)
        if (i.usage_gte) return true;
    }
    return false;
  }

  /// Whether anything is applied after pricing (B11-B14): a discount, a tax rate, a balance or a
  /// credit grant.
  [[nodiscard]] bool adjusts_after_pricing() const noexcept {
    // B16: a period may end below what its threshold invoices billed; the credit that leaves is
    // shown with the balance.
    if (!balances.empty() || !credit_grants.empty() || has_thresholds()) return true;
    for (const auto& s : subscriptions) {
      if (!s.discounts.empty() || !s.default_tax_rates.empty()) return true;
      for (const auto& i : s.items)
        if (!i.discounts.empty() || (i.tax_rates && !i.tax_rates->empty())) return true;
    }
    return false;
  }

  friend bool operator==(const plan&, const plan&) = default;
};

namespace detail {
[[noreturn]] inline void plan_error(const std::string& field, const std::string& what) {
  METERKIT_THROW(configuration_error(field, what));
}
inline std::string indexed(std::string_view array, std::size_t i) {
  return std::string(array) + "[" + std::to_string(i) + "]";
}
}  // namespace detail

namespace detail {
/// B14: credit grants name a customer of the plan and, when scoped to prices, meter prices.
inline void validate_credit_grants(const plan& p,
                                   const std::unordered_map<std::string, std::size_t>& prices) {
  std::unordered_set<std::string_view> customers(p.customers.begin(), p.customers.end());
  for (const auto& sub : p.subscriptions) customers.insert(sub.customer);
  std::unordered_map<std::string_view, std::size_t> ids;
  for (std::size_t i = 0; i < p.credit_grants.size(); ++i) {
    const auto& g = p.credit_grants[i];
    const auto field = indexed("credit_grants", i);
    if (g.id.empty()) plan_error(field + ".id", "a credit grant needs an id");
    if (auto [it, fresh] = ids.emplace(g.id, i); !fresh)
      plan_error(field + ".id", "duplicate credit grant id \"" + g.id + "\" (also " +
                                    indexed("credit_grants", it->second) + ")");
    if (g.customer.empty()) plan_error(field + ".customer", "a credit grant needs its customer");
    if (!customers.contains(g.customer))
      plan_error(field + ".customer", "no subscription or customers entry has the customer \"" + g.customer +
                                          "\"; a grant pays only that customer's invoices (B14)");
    if (g.amount <= 0)
      plan_error(field + ".amount.monetary.value", "must be above 0, got " + std::to_string(g.amount));
    if (!g.currency) plan_error(field + ".amount.monetary.currency", "a credit grant needs its currency");
    if (g.priority < 0 || g.priority > max_credit_grant_priority)
      plan_error(field + ".priority", "must be between 0 and 100, got " + std::to_string(g.priority));
    for (const auto& [name, t] :
         {std::pair{"effective_at", g.effective_at}, std::pair{"expires_at", g.expires_at},
          std::pair{"voided_at", g.voided_at}, std::pair{"created", g.created}}) {
      if (t && !in_supported_range(*t))
        plan_error(field + "." + name, "outside 1970-01-01 ... 9999-12-31 (D4)");
    }
    if (const auto s = g.starts(); s && g.expires_at && *g.expires_at <= *s)
      plan_error(field + ".expires_at", "must be after the grant becomes effective");
    if (g.prices) {
      if (g.prices->empty())
        plan_error(field + ".applicability_config.scope.prices",
                   "an empty list of prices pays for nothing; leave prices out for every meter price");
      for (std::size_t k = 0; k < g.prices->size(); ++k) {
        const auto at = field + ".applicability_config.scope." + indexed("prices", k);
        const auto found = prices.find((*g.prices)[k]);
        if (found == prices.end()) {
          plan_error(at, "no price has the id \"" + (*g.prices)[k] + "\"" +
                             detail::known_ids_hint((*g.prices)[k], p.prices,
                                                    [](const price& x) -> std::string_view { return x.id; }));
        }
        if (!p.prices[found->second].recurring.meter)
          plan_error(at, "price \"" + (*g.prices)[k] +
                             "\" bills no meter; billing credits pay only for meter prices (B14)");
      }
    }
  }
}

/// B11-B14: coupons, tax rates, balances, credit grants and the discounts and tax rates that name
/// them; `prices` maps the plan's price ids to their indexes.
inline void validate_after_pricing(const plan& p,
                                   const std::unordered_map<std::string, std::size_t>& prices) {
  std::unordered_map<std::string, std::size_t> coupons;
  for (std::size_t i = 0; i < p.coupons.size(); ++i) {
    const auto& c = p.coupons[i];
    const auto field = indexed("coupons", i);
    if (c.id.empty()) plan_error(field + ".id", "a coupon needs an id");
    if (auto [it, fresh] = coupons.emplace(c.id, i); !fresh)
      plan_error(field + ".id",
                 "duplicate coupon id \"" + c.id + "\" (also " + indexed("coupons", it->second) + ")");
    if (c.percent_off.has_value() == c.amount_off.has_value())
      plan_error(field, "a coupon needs exactly one of percent_off and amount_off (B11)");
    if (c.percent_off && (!(decimal{} < *c.percent_off) || decimal::from_integer(100) < *c.percent_off))
      plan_error(field + ".percent_off",
                 "must be above 0 and at most 100, got " + c.percent_off->to_string());
    if (c.amount_off && *c.amount_off <= 0)
      plan_error(field + ".amount_off", "must be above 0, got " + std::to_string(*c.amount_off));
    if (c.amount_off && !c.currency)
      plan_error(field + ".currency", "an amount_off coupon needs the currency of its amount (B11)");
    if (c.duration == coupon_duration::repeating &&
        (!c.duration_in_months || *c.duration_in_months < 1 || *c.duration_in_months > 1200))
      plan_error(field + ".duration_in_months",
                 "a repeating coupon needs duration_in_months between 1 and 1200");
    if (c.duration != coupon_duration::repeating && c.duration_in_months)
      plan_error(field + ".duration_in_months", "only a repeating coupon has duration_in_months (B11)");
    if (c.max_redemptions && *c.max_redemptions < 1)
      plan_error(field + ".max_redemptions", "must be at least 1");
  }
  std::unordered_map<std::string, std::size_t> rates;
  for (std::size_t i = 0; i < p.tax_rates.size(); ++i) {
    const auto& r = p.tax_rates[i];
    const auto field = indexed("tax_rates", i);
    if (r.id.empty()) plan_error(field + ".id", "a tax rate needs an id");
    if (auto [it, fresh] = rates.emplace(r.id, i); !fresh)
      plan_error(field + ".id",
                 "duplicate tax rate id \"" + r.id + "\" (also " + indexed("tax_rates", it->second) + ")");
    if (r.percentage.is_negative() || decimal::from_integer(100) < r.percentage)
      plan_error(field + ".percentage", "must be between 0 and 100, got " + r.percentage.to_string());
  }
  std::vector<std::int64_t> redeemed(p.coupons.size(), 0);
  const auto check_discounts = [&](const std::vector<discount>& list, const std::string& field,
                                   const subscription& sub) {
    for (std::size_t k = 0; k < list.size(); ++k) {
      const auto& d = list[k];
      const auto at = field + "." + indexed("discounts", k);
      const auto found = coupons.find(d.coupon);
      if (found == coupons.end()) {
        const bool discount_id = d.coupon.starts_with("di_");
        plan_error(at + ".coupon",
                   "no coupon has the id \"" + d.coupon + "\"" +
                       (discount_id ? "; that is a discount id: write {\"coupon\": ID} with the "
                                      "coupon it redeems, or expand the discounts when you fetch "
                                      "the subscription (B11)"
                                    : detail::known_ids_hint(
                                          d.coupon, p.coupons,
                                          [](const coupon& x) -> std::string_view { return x.id; })));
      }
      const coupon& c = p.coupons[found->second];
      const timestamp start = d.start.value_or(sub.start_date);
      if (!in_supported_range(start)) plan_error(at + ".start", "outside 1970-01-01 ... 9999-12-31 (D4)");
      if (d.end && *d.end <= start) plan_error(at + ".end", "must be after the discount's start");
      if (c.redeem_by && *c.redeem_by < start)
        plan_error(at + ".start", "is after the coupon's redeem_by: Stripe would have refused to redeem \"" +
                                      c.id + "\" then (B11)");
      if (c.max_redemptions && ++redeemed[found->second] > *c.max_redemptions)
        plan_error(at + ".coupon", "coupon \"" + c.id + "\" is redeemed more than its max_redemptions (" +
                                       std::to_string(*c.max_redemptions) + ") (B11)");
      if (c.amount_off && !sub.items.empty()) {
        const auto pr = prices.find(sub.items.front().price);
        if (pr != prices.end() && p.prices[pr->second].currency != *c.currency)
          plan_error(at + ".coupon", "coupon \"" + c.id + "\" takes " + std::string(c.currency->code()) +
                                         " off but the subscription bills in " +
                                         std::string(p.prices[pr->second].currency.code()) + " (B11)");
      }
    }
  };
  const auto check_rates = [&](const std::vector<std::string>& list, const std::string& field) {
    for (std::size_t k = 0; k < list.size(); ++k) {
      if (!rates.contains(list[k]))
        plan_error(field + "[" + std::to_string(k) + "]",
                   "no tax rate has the id \"" + list[k] + "\"" +
                       detail::known_ids_hint(list[k], p.tax_rates,
                                              [](const tax_rate& x) -> std::string_view { return x.id; }));
      for (std::size_t j = 0; j < k; ++j)
        if (list[j] == list[k])
          plan_error(field + "[" + std::to_string(k) + "]", "tax rate \"" + list[k] + "\" is listed twice");
    }
  };
  for (std::size_t s = 0; s < p.subscriptions.size(); ++s) {
    const auto& sub = p.subscriptions[s];
    const auto field = indexed("subscriptions", s);
    check_discounts(sub.discounts, field, sub);
    check_rates(sub.default_tax_rates, field + ".default_tax_rates");
    if (sub.amount_gte && *sub.amount_gte <= 0)
      plan_error(field + ".billing_thresholds.amount_gte",
                 "must be above 0 (the smallest unit of the subscription's currency), got " +
                     std::to_string(*sub.amount_gte) + " (B16)");
    if (sub.reset_billing_cycle_anchor) {  // B16, B17: as Stripe, never with a last_ever item
      for (const auto& item : sub.items) {
        const auto pr = prices.find(item.price);
        if (pr == prices.end()) continue;
        const auto& r = p.prices[pr->second].recurring;
        if (!r.meter && r.aggregate_usage == aggregate_usage::last_ever)
          plan_error(
              field + ".billing_thresholds.reset_billing_cycle_anchor",
              "may not be true: item \"" + item.id + "\" has a price with aggregate_usage=last_ever (B16)");
      }
    }
    for (std::size_t i = 0; i < sub.items.size(); ++i) {
      const auto& item = sub.items[i];
      if (!item.usage_gte) continue;
      const auto at = field + "." + indexed("items", i) + ".billing_thresholds.usage_gte";
      if (*item.usage_gte <= 0)
        plan_error(at, "must be above 0, got " + std::to_string(*item.usage_gte) + " (B16)");
      const auto pr = prices.find(item.price);
      if (pr != prices.end() && p.prices[pr->second].recurring.usage_type != usage_type::metered)
        plan_error(at, "item \"" + item.id + "\" is licensed; a usage threshold needs a metered price (B16)");
    }
    if (sub.minimum_spend && *sub.minimum_spend <= 0)
      plan_error(field + ".meterkit.minimum_spend",
                 "must be above 0 (the smallest unit of the subscription's currency), got " +
                     std::to_string(*sub.minimum_spend) + " (B15)");
    for (std::size_t i = 0; i < sub.items.size(); ++i) {
      const auto item_field = field + "." + indexed("items", i);
      check_discounts(sub.items[i].discounts, item_field, sub);
      if (sub.items[i].tax_rates) check_rates(*sub.items[i].tax_rates, item_field + ".tax_rates");
    }
  }
  std::unordered_set<std::string> balances;
  for (std::size_t i = 0; i < p.balances.size(); ++i) {
    const auto& b = p.balances[i];
    const auto field = indexed("balances", i);
    if (b.customer.empty()) plan_error(field + ".customer", "a balance needs its customer");
    if (!balances.insert(b.customer).second)
      plan_error(field + ".balance", "customer \"" + b.customer + "\" has two balances");
  }
  validate_credit_grants(p, prices);
}
}  // namespace detail

/// Refuses an unusable plan (D9, D11) with a `configuration_error` naming the object and field:
/// duplicate ids or event names, an event name over 100 characters (M2), dangling references, a subscription
/// without items, mixed currencies or intervals in a subscription, an invalid price, a negative item
/// quantity, a negative setting, a `start_date`, `billing_cycle_anchor` or `trial_end` outside D4's range,
/// and end fields that contradict each other or say nothing usable (B6).
inline void validate(const plan& p) {
  using detail::indexed;
  using detail::plan_error;
  std::unordered_map<std::string, std::size_t> meter_ids;
  std::unordered_map<std::string, std::size_t> event_names;
  for (std::size_t i = 0; i < p.meters.size(); ++i) {
    const auto& m = p.meters[i];
    const auto field = indexed("meters", i);
    if (m.id.empty()) plan_error(field + ".id", "a meter needs an id");
    if (m.event_name.empty()) plan_error(field + ".event_name", "a meter needs an event_name");
    if (const auto long_name = too_long_rejection(m.event_name, "event_name")) {
      plan_error(field + ".event_name", long_name->message + ": no meter event could name this meter (M2)");
    }
    if (auto [it, fresh] = meter_ids.emplace(m.id, i); !fresh) {
      plan_error(field + ".id",
                 "duplicate meter id \"" + m.id + "\" (also " + indexed("meters", it->second) + ")");
    }
    if (auto [it, fresh] = event_names.emplace(m.event_name, i); !fresh) {
      plan_error(field + ".event_name", "duplicate event_name \"" + m.event_name + "\" (also " +
                                            indexed("meters", it->second) + ", M1: unique among meters)");
    }
  }
  std::unordered_map<std::string, std::size_t> price_ids;
  for (std::size_t i = 0; i < p.prices.size(); ++i) {
    const auto& pr = p.prices[i];
    const auto field = indexed("prices", i);
    if (pr.id.empty()) plan_error(field + ".id", "a price needs an id");
    if (auto [it, fresh] = price_ids.emplace(pr.id, i); !fresh) {
      plan_error(field + ".id",
                 "duplicate price id \"" + pr.id + "\" (also " + indexed("prices", it->second) + ")");
    }
    validate(pr, field);
    if (pr.recurring.usage_type == usage_type::metered) {
      if (pr.recurring.meter && !meter_ids.contains(*pr.recurring.meter)) {
        plan_error(
            field + ".recurring.meter",
            "no meter has the id \"" + *pr.recurring.meter + "\"" +
                detail::known_ids_hint(*pr.recurring.meter, p.meters,
                                       [](const meter_definition& x) -> std::string_view { return x.id; }));
      }
    }
  }
  std::unordered_set<std::string> subscription_ids;
  std::unordered_map<std::string, std::string> item_ids;
  for (std::size_t s = 0; s < p.subscriptions.size(); ++s) {
    const auto& sub = p.subscriptions[s];
    const auto field = indexed("subscriptions", s);
    if (sub.id.empty()) plan_error(field + ".id", "a subscription needs an id");
    if (sub.customer.empty()) plan_error(field + ".customer", "a subscription needs a customer");
    if (!subscription_ids.insert(sub.id).second)
      plan_error(field + ".id", "duplicate subscription id \"" + sub.id + "\"");
    if (sub.items.empty()) plan_error(field + ".items", "a subscription needs at least one item (D11)");
    if (!in_supported_range(sub.start_date))
      plan_error(field + ".start_date", "outside 1970-01-01 ... 9999-12-31");
    if (sub.billing_cycle_anchor && !in_supported_range(*sub.billing_cycle_anchor))
      plan_error(field + ".billing_cycle_anchor", "outside 1970-01-01 ... 9999-12-31 (D4)");
    if (sub.trial_end && !in_supported_range(*sub.trial_end))
      plan_error(field + ".trial_end", "outside 1970-01-01 ... 9999-12-31 (D4)");
    if (sub.trial_end && *sub.trial_end <= sub.start_date) {
      plan_error(field + ".trial_end", "must be after start_date");
    }
    for (const auto& [name, value] :
         {std::pair{"cancel_at", sub.cancel_at}, std::pair{"canceled_at", sub.canceled_at},
          std::pair{"ended_at", sub.ended_at}}) {
      if (value && !in_supported_range(*value))
        plan_error(field + "." + name, "outside 1970-01-01 ... 9999-12-31 (D4)");
    }
    if (sub.cancel_at && *sub.cancel_at <= sub.start_date)
      plan_error(field + ".cancel_at", "must be after start_date (B6)");
    if (sub.ended_at && *sub.ended_at < sub.start_date)
      plan_error(field + ".ended_at", "must not be before start_date (B6)");
    if (sub.status == subscription_status::paused) {
      plan_error(
          field + ".status",
          "\"paused\" is not modelled: Stripe creates no invoice while a subscription is paused and the "
          "plan does not say when it resumes (B6)");
    }
    if (sub.status && has_ended(*sub.status) && !sub.ended_at && !sub.canceled_at) {
      plan_error(field + ".ended_at", "a subscription with status \"" + std::string(to_string(*sub.status)) +
                                          "\" needs ended_at (or canceled_at) to say when it ended (B6)");
    }
    if (sub.status && !has_ended(*sub.status) && sub.ended_at) {
      plan_error(field + ".status", "is \"" + std::string(to_string(*sub.status)) +
                                        "\" but ended_at is set: an ended subscription is canceled (B6)");
    }
    if (sub.cancel_at_period_end && !sub.cancel_at && !sub.canceled_at && !sub.ended_at) {
      plan_error(field + ".cancel_at_period_end",
                 "says the subscription ends with its current period, but none of cancel_at, canceled_at or "
                 "ended_at says which period that is (B6)");
    }
    if (sub.cancel_at && sub.ended_at && *sub.cancel_at < *sub.ended_at) {
      plan_error(field + ".ended_at",
                 "is after cancel_at: the subscription would have ended at cancel_at (B6)");
    }
    const price* first = nullptr;
    for (std::size_t i = 0; i < sub.items.size(); ++i) {
      const auto& item = sub.items[i];
      const auto item_field = field + "." + indexed("items", i);
      if (item.id.empty()) plan_error(item_field + ".id", "a subscription item needs an id");
      if (auto [it, fresh] = item_ids.emplace(item.id, item_field); !fresh) {
        plan_error(item_field + ".id",
                   "duplicate subscription item id \"" + item.id + "\" (also " + it->second + ")");
      }
      const auto found = price_ids.find(item.price);
      if (found == price_ids.end())
        plan_error(item_field + ".price",
                   "no price has the id \"" + item.price + "\"" +
                       detail::known_ids_hint(item.price, p.prices,
                                              [](const price& x) -> std::string_view { return x.id; }));
      if (item.quantity < 0) plan_error(item_field + ".quantity", "must not be negative (D11)");
      const price& pr = p.prices[found->second];
      if (first == nullptr) {
        first = &pr;
        continue;
      }
      if (pr.currency != first->currency) {
        plan_error(item_field + ".price", "currency " + std::string(pr.currency.code()) + " differs from " +
                                              std::string(first->currency.code()) +
                                              " of the subscription's first item (B5)");
      }
      if (!(pr.recurring.interval == first->recurring.interval)) {
        plan_error(item_field + ".price", "interval differs from the subscription's first item (B4)");
      }
    }
  }
  for (std::size_t i = 0; i < p.customers.size(); ++i) {
    if (p.customers[i].empty()) plan_error(indexed("customers", i), "a customer needs an id");
  }
  detail::validate_after_pricing(p, price_ids);
  for (const auto& [name, value] :
       {std::pair{"settings.invoice_finalization_delay", p.settings.invoice_finalization_delay},
        std::pair{"settings.legacy_grace_period", p.settings.legacy_grace_period}}) {
    if (value < seconds{0}) plan_error(name, "must not be negative");
    if (value > max_setting_delay) {
      plan_error(name, "must be at most " + std::to_string(max_setting_delay.count()) +
                           " seconds (one year, D10), so that every time computed from it fits");
    }
  }
}

}  // namespace meterkit
