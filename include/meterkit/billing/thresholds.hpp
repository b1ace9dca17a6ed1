// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Billing thresholds (rule B16; docs/rules.md): a subscription's `billing_thresholds.amount_gte`
/// and an item's `billing_thresholds.usage_gte` make Stripe invoice the usage of the current period
/// early, when it reaches them, instead of waiting for the period's end.
///
/// A threshold is reached at an arrival: whether it is depends on what had arrived by then, so the
/// simulator asks `threshold_reached` after each usage it accepts and keeps what it answers, a
/// `threshold_crossing`, in arrival order (`threshold_crossings`). Invoicing (billing/invoicing.hpp)
/// then turns each crossing into a `subscription_threshold` invoice and bills, at the period's end,
/// only what the crossings of the period did not:
///
/// - The amount of a metered item "not yet invoiced" is its line amount at the quantity as of now
///   minus its line amount at the quantity of the period's last crossing (tiers continue across
///   threshold invoices: the whole period is priced, and what was billed is subtracted).
/// - `amount_gte` is reached when the sum over the subscription's metered items reaches it, after
///   the discounts a threshold invoice created then would get (B11; before taxes); `usage_gte` when
///   one item's quantity not yet invoiced does.
/// - Not evaluated in a trial period, nor in the last 24 hours of a period, nor outside the
///   subscription's life.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include <meterkit/billing/after_pricing.hpp>
#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/invoice.hpp>
#include <meterkit/billing/price.hpp>
#include <meterkit/billing/snapshot.hpp>
#include <meterkit/billing/subscription_changes.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/core/checked.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/core/time.hpp>

namespace meterkit {

/// B16: thresholds are not evaluated this close to the end of a period (Stripe avoids two
/// invoices on the same day).
inline constexpr seconds threshold_quiet_time{24 * 3600};

/// B16: a threshold reached by subscription `subscription` (an index of the compiled plan) at the
/// arrival `at`, in its period `service_period`, with the quantity of each of its metered items
/// (item index, quantity as of `at` before M12's clamp) then.
struct threshold_crossing {
  std::size_t subscription = 0;
  timestamp at{};
  period service_period{};
  std::vector<std::pair<std::size_t, std::int64_t>> quantities{};

  /// The quantity of `item` at this crossing (0 for an item it does not list).
  [[nodiscard]] std::int64_t quantity_of(std::size_t item) const noexcept {
    for (const auto& [i, q] : quantities)
      if (i == item) return q;
    return 0;
  }

  friend bool operator==(const threshold_crossing&, const threshold_crossing&) = default;
};

/// The crossings so far, in arrival order, found by subscription.
class threshold_crossings {
 public:
  [[nodiscard]] bool empty() const noexcept { return all_.empty(); }
  [[nodiscard]] const std::vector<threshold_crossing>& all() const noexcept { return all_; }

  /// Appends `c`, which arrives at or after every crossing so far.
  void add(threshold_crossing c) {
    by_subscription_[c.subscription].push_back(all_.size());
    all_.push_back(std::move(c));
  }

  /// The crossings of subscription `s` in its period starting at `start`, at or before `until`, in
  /// arrival order. (A period cut later by a cancellation keeps its start.)
  [[nodiscard]] std::vector<const threshold_crossing*> in_period(std::size_t s, timestamp start,
                                                                 timestamp until) const {
    std::vector<const threshold_crossing*> out;
    const auto found = by_subscription_.find(s);
    if (found == by_subscription_.end()) return out;
    for (const std::size_t k : found->second) {
      const threshold_crossing& c = all_[k];
      if (c.service_period.start == start && !(until < c.at)) out.push_back(&c);
    }
    return out;
  }

  void save(state_writer& out) const {
    out.size(all_.size());
    for (const auto& c : all_) {
      out.size(c.subscription);
      out.time(c.at);
      detail::save_period(out, c.service_period);
      out.size(c.quantities.size());
      for (const auto& [item, q] : c.quantities) {
        out.size(item);
        out.i64(q);
      }
    }
  }

  /// Reads what `save` wrote under the same compiled plan, refusing what no crossing could be
  /// (`corrupt_state_error`).
  void load(const compiled_plan& cp, state_reader& in) {
    all_.clear();
    by_subscription_.clear();
    std::optional<timestamp> last;
    for (std::size_t n = in.count(40); n > 0; --n) {
      threshold_crossing c;
      c.subscription = in.index(cp.subscriptions().size());
      c.at = in.time();
      c.service_period = detail::load_period(in);
      in.require(c.service_period.contains(c.at), "a threshold crossing outside its period");
      in.require(!last || !(c.at < *last), "threshold crossings out of arrival order");
      last = c.at;
      const std::size_t items = in.count(16);
      for (std::size_t k = 0; k < items; ++k) {
        const std::size_t item = in.index(cp.items().size());
        in.require(cp.items()[item].subscription == c.subscription &&
                       cp.items()[item].billing != item_billing::licensed,
                   "a threshold crossing names an item that is not a metered item of its subscription");
        c.quantities.emplace_back(item, in.i64());
      }
      add(std::move(c));
    }
  }

 private:
  std::vector<threshold_crossing> all_;
  std::unordered_map<std::size_t, std::vector<std::size_t>> by_subscription_;
};

/// Whether subscription `s` has a billing threshold (its own `amount_gte` or an item's `usage_gte`).
[[nodiscard]] inline bool has_threshold(const compiled_plan& cp, std::size_t s) {
  const auto& sub = cp.subscription_at(s);
  if (sub.amount_gte) return true;
  for (const auto& item : sub.items)
    if (item.usage_gte) return true;
  return false;
}

/// B11, B16: whether subscription `s` or one of its items has a discount.
[[nodiscard]] inline bool has_discount(const compiled_plan& cp, std::size_t s) {
  const auto& sub = cp.subscription_at(s);
  if (!sub.discounts.empty()) return true;
  for (const auto& item : sub.items)
    if (!item.discounts.empty()) return true;
  return false;
}

/// B11, B16: the `once` discounts of subscription `s` and its items, which an earlier invoice may
/// have used up.
[[nodiscard]] inline std::set<const discount*> once_discounts_of(const compiled_plan& cp, std::size_t s) {
  std::set<const discount*> out;
  const auto add = [&](const std::vector<discount>& list) {
    for (const auto& d : list)
      for (const auto& c : cp.source().coupons)
        if (c.id == d.coupon && c.duration == coupon_duration::once) out.insert(&d);
  };
  const auto& sub = cp.subscription_at(s);
  add(sub.discounts);
  for (const auto& item : sub.items) add(item.discounts);
  return out;
}

/// B16: the crossing of subscription `s` at the arrival `now`, if one of its thresholds is reached
/// then; `quantity(item, period, as_of)` answers the metered quantities as for invoicing, and
/// `before` holds the crossings so far. `amount_gte` is compared with what a threshold invoice
/// created at `now` would come to after its discounts (B11); `once_used()` answers which `once`
/// discounts of the subscription its invoices before it used up (`once_discounts_used_by`), asked
/// only when that can decide. Pure: the simulator keeps what it returns.
template <class Quantity, class OnceUsed>
[[nodiscard]] std::optional<threshold_crossing> threshold_reached(
    const compiled_plan& cp, std::size_t s, timestamp now, const subscription_changes& changes,
    const threshold_crossings& before, const Quantity& quantity, const OnceUsed& once_used) {
  if (!has_threshold(cp, s)) return std::nullopt;
  const auto schedule = changes.schedule_now(cp, s);
  const auto p = schedule.period_containing(now);
  if (!p || schedule.is_trial(*p) || (p->end - now) < threshold_quiet_time) return std::nullopt;
  const auto earlier = before.in_period(s, p->start, now);
  const threshold_crossing* last = earlier.empty() ? nullptr : earlier.back();
  const auto rounding = cp.settings().rounding;
  const auto& cs = cp.subscriptions()[s];
  const auto& amount_gte = cp.subscription_at(s).amount_gte;
  const bool discounted = amount_gte && has_discount(cp, s);
  threshold_crossing c{s, now, *p, {}};
  invoice would_be;  // B11: the threshold invoice created now, for its discounts
  would_be.created = now;
  std::int64_t amount = 0;
  bool usage_reached = false;
  bool no_credit = true;  // every line of `would_be` at or above 0
  for (std::size_t item = cs.first_item; item < cs.first_item + cs.item_count; ++item) {
    if (cp.items()[item].billing == item_billing::licensed) continue;
    if (!changes.empty() && changes.before(cp, item, now).deleted) continue;  // B10
    const std::int64_t q = quantity(item, *p, now);
    c.quantities.emplace_back(item, q);
    const std::int64_t billed = std::max<std::int64_t>(0, last ? last->quantity_of(item) : 0);
    const std::int64_t units = std::max<std::int64_t>(0, q);  // M12
    const price& pr = cp.price_of(item);
    const std::int64_t not_invoiced =
        sub_or_throw(line_amount(pr, units, rounding), line_amount(pr, billed, rounding), "threshold");
    amount = add_or_throw(amount, not_invoiced, "threshold");
    if (discounted) {
      would_be.lines.push_back(
          invoice_line{cp.item_at(item).id, pr.id, period{last ? last->at : p->start, now},
                       sub_or_throw(units, billed, "threshold"), not_invoiced, true, false, false});
      if (not_invoiced < 0) no_credit = false;
    }
    const auto& usage_gte = cp.item_at(item).usage_gte;
    if (usage_gte && sub_or_throw(units, billed, "threshold") >= *usage_gte) usage_reached = true;
  }
  if (usage_reached) return c;
  if (!amount_gte) return std::nullopt;
  if (discounted) {  // B11
    const auto once = once_discounts_of(cp, s);
    if (!once.empty()) {
      // Which `once` discounts earlier invoices used up takes the subscription's invoices so far
      // to know. With no line below 0, every discount only lowers the amount, so with all of them
      // used up it is the most it can be: short of the threshold then, it is short.
      if (no_credit && amount_after_discounts(cp, would_be, once) < *amount_gte) return std::nullopt;
      amount = amount_after_discounts(cp, std::move(would_be), once_used());
    } else {
      amount = amount_after_discounts(cp, std::move(would_be));
    }
  }
  if (amount < *amount_gte) return std::nullopt;
  return c;
}

/// The same, for a subscription whose `once` discounts no invoice has used yet.
template <class Quantity>
[[nodiscard]] std::optional<threshold_crossing> threshold_reached(const compiled_plan& cp, std::size_t s,
                                                                  timestamp now,
                                                                  const subscription_changes& changes,
                                                                  const threshold_crossings& before,
                                                                  const Quantity& quantity) {
  return threshold_reached(cp, s, now, changes, before, quantity, [] { return std::set<const discount*>{}; });
}

}  // namespace meterkit
