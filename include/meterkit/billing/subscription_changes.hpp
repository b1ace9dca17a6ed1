// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Changes of a subscription's licensed items over time, with Stripe's prorations (rule B8;
/// docs/rules.md): what the simulator records when a change is accepted, and what the pure
/// invoicing function reads.
///
/// A change is accepted at its arrival `received_at` and takes effect at `effective` (its
/// `proration_date`, else the arrival), inside `current`, the period containing the arrival. It
/// sets the price and quantity of some licensed items; `before` holds what they were.
///
/// - A licensed line of an invoice created at `c` bills the items as set by the changes that
///   arrived strictly before `c`: a change arriving exactly at a boundary is prorated over the
///   whole new period instead, so nothing is billed twice.
/// - Prorations (`create_prorations`, `always_invoice`): per changed item, a credit for the unused
///   time on the old price and quantity and a charge for the same time on the new ones, over
///   `[effective, current.end)`, each `amount x remaining / full cycle` rounded once (the
///   denominator of B4's stubs, so that a stub's credit is exactly what it charged for that time).
///   None in the trial (it bills nothing) and none with `proration_behavior=none`.
/// - Where they go: `always_invoice` makes an invoice at the arrival (`subscription_update`) with
///   the prorations of this change and the pending ones of the same period; `create_prorations`
///   leaves them pending for the next invoice of the subscription: such an invoice, or the one at
///   the end of `current`. Pending prorations of a period that an immediate cancellation cut are
///   removed (B6).
///
/// A change may also end the subscription, or undo an end (B9): `DELETE /v1/subscriptions/{id}`
/// ends it at the arrival, `cancel_at` at a time, `cancel_at_period_end` at the end of `current`.
/// Its `end` is the end as the change leaves it; the licensed time of `current` that the new end
/// takes away is `credited` (a credit per licensed item), the time it gives back `charged`. The
/// end in force for a result as of `until` is set by the changes that arrived by `until`
/// (`end_as_of`); a licensed line billed at `c` knew of the changes that arrived strictly before
/// `c` (`end_known_before`), and of the plan's end unless that end is an immediate cancellation
/// (B6: the period was billed whole because nobody knew).
///
/// A change may restart the billing cycle at its arrival (B17, `billing_cycle_anchor=now`): the
/// current period ends there and the periods repeat from the arrival. The schedule a result as of
/// `until` follows has the restarts that arrived by `until` (`schedule_as_of`); the invoice a
/// restart makes bills the licensed items as the changes through the restart left them
/// (`billed_at`), and the restart credits the unused time of the current period on what they were.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/snapshot.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/core/time.hpp>

namespace meterkit {

/// Stripe's `proration_behavior` (B8).
enum class proration_behavior { create_prorations, none, always_invoice };

[[nodiscard]] constexpr std::string_view to_string(proration_behavior b) noexcept {
  switch (b) {
    case proration_behavior::create_prorations:
      return "create_prorations";
    case proration_behavior::none:
      return "none";
    case proration_behavior::always_invoice:
      return "always_invoice";
  }
  return "create_prorations";
}

[[nodiscard]] constexpr std::optional<proration_behavior> parse_proration_behavior(
    std::string_view text) noexcept {
  for (const auto b : {proration_behavior::create_prorations, proration_behavior::none,
                       proration_behavior::always_invoice}) {
    if (to_string(b) == text) return b;
  }
  return std::nullopt;
}

/// An item's price and quantity (indexes into the compiled plan), or that it was deleted (B10).
struct item_setting {
  std::size_t item = 0;
  std::size_t price = 0;
  std::int64_t quantity = 0;
  bool deleted = false;  ///< B10: the item is gone; it bills nothing from the change on

  friend bool operator==(const item_setting&, const item_setting&) = default;
};

/// How a subscription ends (B6, B9): when, how, and what a cancellation "now" asked for.
struct end_setting {
  std::optional<timestamp> at{};  ///< none: it runs on
  subscription_end how = subscription_end::none;
  bool invoice_now = false;  ///< `immediate`: a final invoice at `at` bills the cut period's usage (B9)
  bool prorate = false;      ///< `immediate`: the unused licensed time is credited (B9)

  friend bool operator==(const end_setting&, const end_setting&) = default;
};

/// B10: the usage of a metered item deleted from a `flexible` subscription, billed by the change
/// as Stripe's invoice item does: `quantity` over `window` (from its period's start to the
/// deletion), as reported by the deletion's arrival.
struct usage_billed {
  std::size_t item = 0;
  std::size_t price = 0;
  period window{};
  std::int64_t quantity = 0;

  friend bool operator==(const usage_billed&, const usage_billed&) = default;
};

/// One accepted change (see the file comment).
struct applied_change {
  std::size_t subscription = 0;
  timestamp received_at{};
  timestamp effective{};
  period current{};
  proration_behavior behavior = proration_behavior::create_prorations;
  std::vector<item_setting> before;  ///< the changed items, as they were
  std::vector<item_setting> after;   ///< the same items, as they are now
  /// B9: the end the change sets; then `before` and `after` both hold every licensed item of the
  /// subscription as it is, for the prorations of `credited` and `charged`.
  std::optional<end_setting> end{};
  period credited{};  ///< B9: licensed time of `current` taken away by the new end
  period charged{};   ///< B9: licensed time of `current` given back (an end undone or moved later)
  std::vector<usage_billed> usage{};  ///< B10: usage billed by the deletion of metered items
  /// B17: the cycle restarts at `effective`; `before` holds every item of the subscription as it
  /// was (its licensed items credited for `credited`, the rest of `current`), `after` the same items
  /// as the request leaves them, all at prices of one interval, the new cycle's.
  bool restart = false;
  /// B16, B17: the restart of a threshold reached with `reset_billing_cycle_anchor`, one second
  /// after the arrival that reached it (so that the usage of that second is the threshold's).
  bool by_threshold = false;
  /// B18: the trial's new end, set during the trial (`trial_end`, its arrival for `now`); the cycle
  /// after it is anchored there.
  std::optional<timestamp> trial_end{};

  friend bool operator==(const applied_change&, const applied_change&) = default;
};

/// Every change accepted so far, in arrival order, and the items' settings now.
class subscription_changes {
 public:
  subscription_changes() = default;
  explicit subscription_changes(const compiled_plan& cp) { reset_settings(cp); }

  /// The end of subscription `s` that the plan gives (B6).
  [[nodiscard]] static end_setting plan_end(const compiled_plan& cp, std::size_t s) {
    const auto& cs = cp.subscriptions()[s];
    return end_setting{cs.schedule.end(), cs.end, false, false};
  }

  /// The end of subscription `s` set by the changes that arrived by `t` (B6, B9).
  [[nodiscard]] end_setting end_as_of(const compiled_plan& cp, std::size_t s, timestamp t) const {
    return end_by(
        cp, s, [&](const applied_change& c) { return c.received_at <= t; }, false);
  }

  /// The end of subscription `s` that a licensed line billed at `t` knew of: set by the changes
  /// that arrived strictly before `t`, else the plan's unless the plan's is an immediate
  /// cancellation (see the file comment).
  [[nodiscard]] end_setting end_known_before(const compiled_plan& cp, std::size_t s, timestamp t) const {
    return end_by(
        cp, s, [&](const applied_change& c) { return c.received_at < t; }, true);
  }

  /// The end of subscription `s` after every change so far.
  [[nodiscard]] const end_setting& end_now(std::size_t s) const { return ends_[s]; }

  /// Whether period `p` of `schedule`, which ends as `e` says, has an invoice billing its metered
  /// usage: every period but the last when an immediate cancellation without a final invoice cut
  /// it (B6, B9).
  [[nodiscard]] static bool bills_usage_of(const billing_schedule<>& schedule, const end_setting& e,
                                           const period& p) {
    return e.how != subscription_end::immediate || e.invoice_now || !schedule.is_last(p);
  }

  /// The schedule of subscription `s` with end `e` and the restarts of the changes that arrived
  /// by `t` (B17).
  [[nodiscard]] billing_schedule<> schedule_with(const compiled_plan& cp, std::size_t s, const end_setting& e,
                                                 timestamp t = timestamp::max()) const {
    billing_schedule<> out = cp.subscriptions()[s].schedule.with_end(e.at);
    if (s < restarted_.size() && restarted_[s]) {
      for (const std::size_t k : by_subscription_[s]) {
        const auto& c = changes_[k];
        if (t < c.received_at) break;
        if (c.trial_end) {  // B18: only in the trial, before any restart
          const auto& planned = cp.subscriptions()[s].schedule;
          out =
              billing_schedule<>(planned.start_date(), *c.trial_end, *c.trial_end, planned.interval(), e.at);
        }
        if (c.restart) out = out.restarted_at(c.effective, restart_interval(cp, c));
      }
    }
    return out;
  }

  /// The schedule of subscription `s` after every change so far (B6, B9, B17).
  [[nodiscard]] billing_schedule<> schedule_now(const compiled_plan& cp, std::size_t s) const {
    return schedule_with(cp, s, end_now(s));
  }

  /// The schedule of subscription `s` for a result as of `until`: the end and the restarts set by
  /// the changes that arrived by `until` (B6, B9, B17).
  [[nodiscard]] billing_schedule<> schedule_as_of(const compiled_plan& cp, std::size_t s,
                                                  timestamp until) const {
    return schedule_with(cp, s, end_as_of(cp, s, until), until);
  }

  /// The schedule a licensed line billed at `t` knew (B6, B9, B17): the end of `end_known_before`,
  /// and the restarts that arrived by `t` (the invoice of a restart bills the period it starts).
  [[nodiscard]] billing_schedule<> schedule_billed_at(const compiled_plan& cp, std::size_t s,
                                                      timestamp t) const {
    return schedule_with(cp, s, end_known_before(cp, s, t), t);
  }

  /// The interval a restart `c` starts (B17): its items' (one for all of them).
  [[nodiscard]] static billing_interval restart_interval(const compiled_plan& cp, const applied_change& c) {
    for (const auto& a : c.after) {
      if (!a.deleted) return cp.source().prices[a.price].recurring.interval;
    }
    return cp.price_of(cp.subscriptions()[c.subscription].first_item).recurring.interval;
  }

  /// The change that restarted subscription `s`'s cycle at `t`, if one did (B16, B17).
  [[nodiscard]] const applied_change* restart_at(std::size_t s, timestamp t) const {
    if (!restarted(s)) return nullptr;
    for (const std::size_t k : by_subscription_[s]) {
      if (changes_[k].restart && changes_[k].effective == t) return &changes_[k];
    }
    return nullptr;
  }

  /// Whether a change of subscription `s` ended its trial at its arrival `t` (B18: `trial_end=now`).
  [[nodiscard]] bool trial_ended_now_at(std::size_t s, timestamp t) const {
    if (!restarted(s)) return false;
    return std::any_of(by_subscription_[s].begin(), by_subscription_[s].end(),
                       [&](std::size_t k) { return ends_trial_now_at(changes_[k], t); });
  }

  /// Whether a change restarted subscription `s`'s cycle (B17) or moved its trial's end (B18).
  [[nodiscard]] bool restarted(std::size_t s) const noexcept {
    return s < restarted_.size() && restarted_[s];
  }

  /// How many changes restarted a cycle (B17) or moved a trial's end (B18): each makes at most one
  /// invoice more than the plan's schedules do (`cycle_invoice_count`).
  [[nodiscard]] std::size_t restart_count() const noexcept {
    return static_cast<std::size_t>(
        std::count_if(changes_.begin(), changes_.end(),
                      [](const applied_change& c) { return c.restart || c.trial_end.has_value(); }));
  }

  [[nodiscard]] std::span<const applied_change> all() const noexcept { return changes_; }
  [[nodiscard]] bool empty() const noexcept { return changes_.empty(); }

  /// The setting of licensed item `item` now (after every change so far).
  [[nodiscard]] const item_setting& now(std::size_t item) const { return settings_[item]; }

  /// The setting of licensed item `item` made by the changes that arrived strictly before `t`.
  [[nodiscard]] item_setting before(const compiled_plan& cp, std::size_t item, timestamp t) const {
    return setting_through(cp, item, t, std::nullopt);
  }

  /// The setting of licensed item `item` that an invoice of its subscription created at `t` bills
  /// (B8, B17): made by the changes that arrived strictly before `t`, and when a change restarted
  /// the cycle at `t`, by the changes through that one.
  [[nodiscard]] item_setting billed_at(const compiled_plan& cp, std::size_t item, timestamp t) const {
    std::optional<std::size_t> through;
    const std::size_t s = cp.items()[item].subscription;
    if (s < restarted_.size() && restarted_[s]) {
      for (const std::size_t k : by_subscription_[s]) {
        if (t < changes_[k].received_at) break;
        if ((changes_[k].restart && changes_[k].effective == t) || ends_trial_now_at(changes_[k], t))
          through = k;
      }
    }
    return setting_through(cp, item, t, through);
  }

  /// B8: what the metered line of item `item` for period `p` bills, as the changes that arrived by
  /// `known_by` set it: the usage `from` the latest change of the item's price that took effect
  /// inside `p` (before it, the usage is billed by that change or not at all), else from `p.start`,
  /// at the item's price then. Only changes that arrived before `p.end` count.
  struct metered_billing {
    timestamp from{};
    std::size_t price = 0;
  };
  [[nodiscard]] metered_billing metered_of(const compiled_plan& cp, std::size_t item, const period& p,
                                           timestamp known_by) const {
    metered_billing out{p.start, cp.items()[item].price};
    if (!repriced(item)) return out;
    for (const std::size_t k : by_subscription_[cp.items()[item].subscription]) {  // arrival order
      const auto& c = changes_[k];
      if (known_by < c.received_at || !(c.received_at < p.end)) break;
      for (std::size_t j = 0; j < c.after.size(); ++j) {
        if (c.after[j].item != item) continue;
        if (c.before[j].price != c.after[j].price && p.start < c.effective) out.from = c.effective;
        out.price = c.after[j].price;
      }
    }
    return out;
  }

  /// Whether some change set item `item`'s price (B8): only then can its metered line start after
  /// its period's start.
  [[nodiscard]] bool repriced(std::size_t item) const noexcept {
    return item < repriced_.size() && repriced_[item];
  }

  /// Records an accepted change. Changes come in arrival order.
  void add(applied_change c) {
    if (c.restart || c.trial_end) restarted_[c.subscription] = true;
    for (std::size_t k = 0; k < c.after.size(); ++k) {
      const auto& a = c.after[k];
      if (k < c.before.size() && c.before[k].price != a.price) repriced_[a.item] = true;
      settings_[a.item] = a;
    }
    if (c.end) ends_[c.subscription] = *c.end;
    by_subscription_[c.subscription].push_back(changes_.size());
    changes_.push_back(std::move(c));
  }

  void save(state_writer& out) const {
    out.size(changes_.size());
    for (const auto& c : changes_) {
      out.size(c.subscription);
      out.time(c.received_at);
      out.time(c.effective);
      detail::save_period(out, c.current);
      out.u8(static_cast<std::uint8_t>(c.behavior));
      out.size(c.before.size());
      for (const auto* side : {&c.before, &c.after}) {
        for (const auto& s : *side) {
          out.size(s.item);
          out.size(s.price);
          out.i64(s.quantity);
          out.boolean(s.deleted);
        }
      }
      out.size(c.usage.size());
      for (const auto& u : c.usage) {
        out.size(u.item);
        out.size(u.price);
        detail::save_period(out, u.window);
        out.i64(u.quantity);
      }
      out.boolean(c.end.has_value());
      if (c.end) {
        out.optional_time(c.end->at);
        out.u8(static_cast<std::uint8_t>(c.end->how));
        out.boolean(c.end->invoice_now);
        out.boolean(c.end->prorate);
        detail::save_period(out, c.credited);
        detail::save_period(out, c.charged);
      }
      out.u8(c.restart ? (c.by_threshold ? 2 : 1) : 0);
      if (c.restart) detail::save_period(out, c.credited);
      out.optional_time(c.trial_end);
    }
  }

  /// Reads what `save` wrote under the same compiled plan, refusing what no accepted change could
  /// be (`corrupt_state_error`).
  void load(const compiled_plan& cp, state_reader& in) {
    changes_.clear();
    reset_settings(cp);
    std::optional<timestamp> last;
    for (std::size_t n = in.count(48); n > 0; --n) {
      applied_change c;
      c.subscription = in.index(cp.subscriptions().size());
      c.received_at = in.time();
      c.effective = in.time();
      c.current = detail::load_period(in);
      const std::uint8_t behavior = in.u8();
      in.require(behavior <= 2, "an unknown proration behavior");
      c.behavior = static_cast<proration_behavior>(behavior);
      in.require(!last || !(c.received_at < *last), "subscription changes out of arrival order");
      last = c.received_at;
      const std::size_t items = in.count(24);
      for (auto* side : {&c.before, &c.after}) {
        side->resize(items);
        for (auto& s : *side) {
          s.item = in.index(cp.items().size());
          s.price = in.index(cp.source().prices.size());
          s.quantity = in.i64();
          s.deleted = in.boolean();
          in.require(s.quantity >= 0 && cp.items()[s.item].subscription == c.subscription &&
                         (cp.items()[s.item].billing != item_billing::usage_records ||
                          s.price == cp.items()[s.item].price),
                     "a subscription change of an item it cannot change");
          // B8: a licensed item moves to a licensed price, a metered one to a price on its meter.
          const auto& moved = cp.source().prices[s.price].recurring;
          const auto& own = cp.price_of(s.item).recurring;
          in.require(moved.usage_type == own.usage_type && moved.meter == own.meter,
                     "a subscription change to a price its item cannot take");
        }
      }
      for (std::size_t u_left = in.count(40); u_left > 0; --u_left) {
        usage_billed u;
        u.item = in.index(cp.items().size());
        u.price = in.index(cp.source().prices.size());
        u.window = detail::load_period(in);
        u.quantity = in.i64();
        in.require(cp.items()[u.item].subscription == c.subscription &&
                       cp.items()[u.item].billing != item_billing::licensed && !u.window.empty(),
                   "usage billed by a change of an item it cannot bill");
        c.usage.push_back(u);
      }
      if (in.boolean()) {
        end_setting e;
        e.at = in.optional_time();
        const std::uint8_t how = in.u8();
        in.require(how <= 2, "an unknown kind of subscription end");
        e.how = static_cast<subscription_end>(how);
        e.invoice_now = in.boolean();
        e.prorate = in.boolean();
        in.require((e.how == subscription_end::none) == !e.at && (!e.at || c.received_at <= *e.at),
                   "a subscription end before the change that set it");
        c.end = e;
        c.credited = detail::load_period(in);
        c.charged = detail::load_period(in);
        in.require(c.credited.empty() || c.charged.empty(), "a subscription end that credits and charges");
      }
      const std::uint8_t restart = in.u8();
      in.require(restart <= 2, "an unknown kind of restart");
      c.restart = restart != 0;
      c.by_threshold = restart == 2;
      // B16: a threshold's restart takes effect one second after the arrival; every other change at
      // or before it
      in.require(c.current.contains(c.effective) && c.current.contains(c.received_at) &&
                     c.effective == (c.by_threshold ? c.received_at + seconds{1} : c.effective) &&
                     (c.by_threshold || !(c.received_at < c.effective)),
                 "a subscription change outside its period");
      if (c.restart) {
        c.credited = detail::load_period(in);
        // B17: a restart inside its period, after the previous one, crediting the rest of the period
        in.require(!c.end && c.current.start < c.effective &&
                       (c.by_threshold || c.effective == c.received_at) &&
                       c.credited == period{c.effective, c.current.end},
                   "a restart of the billing cycle outside its period");
        const auto kept =
            std::find_if(c.after.begin(), c.after.end(), [](const item_setting& a) { return !a.deleted; });
        in.require(kept != c.after.end() &&
                       std::all_of(c.after.begin(), c.after.end(),
                                   [&](const item_setting& a) {
                                     return a.deleted ||
                                            cp.source().prices[a.price].recurring.interval ==
                                                cp.source().prices[kept->price].recurring.interval;
                                   }),
                   "a restart of the billing cycle to items of several intervals");
        const billing_schedule<> known = schedule_with(cp, c.subscription, end_setting{}, c.received_at);
        const auto p = known.period_containing(c.effective);  // `current` may be cut by an end (B6)
        in.require(p && p->start == c.current.start && !(p->end < c.current.end) &&
                       !known.is_trial(c.current) &&
                       (known.restarts().empty() || known.restarts().back().anchor() < c.effective),
                   "a restart of the billing cycle outside its period");
      }
      c.trial_end = in.optional_time();
      if (c.trial_end) {
        // B18: during the trial, to a time at or after the arrival, after the start
        const billing_schedule<> known = schedule_with(cp, c.subscription, end_setting{}, c.received_at);
        const auto p = known.period_containing(c.received_at);
        in.require(!c.restart && p && known.is_trial(*p) && known.restarts().empty() &&
                       !(*c.trial_end < c.received_at) && known.start_date() < *c.trial_end,
                   "a trial's end moved outside the trial");
      }
      add(std::move(c));
    }
  }

 private:
  /// B18: whether `c` ended its subscription's trial at its arrival `t`.
  [[nodiscard]] static bool ends_trial_now_at(const applied_change& c, timestamp t) noexcept {
    return c.trial_end && *c.trial_end == t && c.received_at == t;
  }

  void reset_settings(const compiled_plan& cp) {
    settings_.clear();
    for (std::size_t i = 0; i < cp.items().size(); ++i)
      settings_.push_back(item_setting{i, cp.items()[i].price, cp.item_at(i).quantity});
    repriced_.assign(cp.items().size(), false);
    ends_.clear();
    for (std::size_t s = 0; s < cp.subscriptions().size(); ++s) ends_.push_back(plan_end(cp, s));
    by_subscription_.assign(cp.subscriptions().size(), {});
    restarted_.assign(cp.subscriptions().size(), false);
  }

  /// The setting of `item` made by the changes that arrived strictly before `t`, and by those up
  /// to index `through` when given.
  [[nodiscard]] item_setting setting_through(const compiled_plan& cp, std::size_t item, timestamp t,
                                             std::optional<std::size_t> through) const {
    item_setting out{item, cp.items()[item].price, cp.item_at(item).quantity};
    for (std::size_t k = 0; k < changes_.size(); ++k) {  // arrival order
      const auto& c = changes_[k];
      if (!(c.received_at < t) && !(through && k <= *through)) break;
      for (const auto& a : c.after) {
        if (a.item == item) out = a;
      }
    }
    return out;
  }

  /// The end set by the last change of `s` that `counts`, else the plan's (none when
  /// `hide_immediate` and the plan's is an immediate cancellation).
  template <class Counts>
  [[nodiscard]] end_setting end_by(const compiled_plan& cp, std::size_t s, const Counts& counts,
                                   bool hide_immediate) const {
    if (s < by_subscription_.size()) {
      const auto& mine = by_subscription_[s];
      for (auto k = mine.rbegin(); k != mine.rend(); ++k) {
        const auto& c = changes_[*k];
        if (c.end && counts(c)) return *c.end;
      }
    }
    end_setting e = plan_end(cp, s);
    if (hide_immediate && e.how == subscription_end::immediate) return end_setting{};
    return e;
  }

  std::vector<applied_change> changes_;
  std::vector<item_setting> settings_;                     ///< by item: the setting after every change
  std::vector<bool> repriced_;                             ///< by item: whether a change set its price
  std::vector<end_setting> ends_;                          ///< by subscription: the end after every change
  std::vector<std::vector<std::size_t>> by_subscription_;  ///< by subscription: its changes, in order
  std::vector<bool> restarted_;  ///< by subscription: whether a change restarted it (B17)
};

}  // namespace meterkit
