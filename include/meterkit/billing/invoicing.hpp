// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Invoicing as a pure function (rules B3-B9, M12, P1-P5, D20, D21, D27; docs/rules.md): the
/// invoices of a compiled plan as of `until`, given the metered quantities. Nothing here knows
/// how usage was accepted or kept; the caller answers "the quantity of item `i` for period `p`
/// as of `as_of`" and this header decides every invoice, line and amount from it.
///
/// - One invoice per subscription and boundary (D20): the first at the subscription's start
///   (licensed lines of the first period), then one at each period end (metered lines of the
///   period that ended, licensed lines of the period that starts); and one per billing threshold
///   reached (B16, billing/thresholds.hpp), the period's end then billing what they did not.
/// - Status (D21): `finalized` when `finalized_at <= until`, else `draft`; the invoice at the end
///   of the period containing `until` is `upcoming`. A finalized invoice shows quantities as of its
///   `finalized_at` (M11), the others as of `until`.
/// - Lines: metered quantities clamped at 0 (M12); trial lines bill 0 (B4); licensed lines of a
///   stub period prorated by seconds (B4); every line rounded once (P4).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <meterkit/billing/after_pricing.hpp>
#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/invoice.hpp>
#include <meterkit/billing/price.hpp>
#include <meterkit/billing/subscription_changes.hpp>
#include <meterkit/billing/thresholds.hpp>
#include <meterkit/core/checked.hpp>
#include <meterkit/core/rounding.hpp>

namespace meterkit {

/// What invoicing asks of usage: `quantity(item, period, as_of)`, the metered quantity of item
/// `item` (an index into `compiled_plan::items()`, billed on a meter or by usage records) for
/// `period` as of the arrival cutoff `as_of`, before M12's clamp.
template <class Q>
concept metered_quantities = requires(const Q& q, std::size_t item, const period& p, timestamp as_of) {
  { q(item, p, as_of) } -> std::convertible_to<std::int64_t>;
};

namespace detail {

/// What an overflow on `line` names (D25): `item si_api (price price_api), period A to B`.
[[nodiscard]] inline std::string overflow_context(const invoice_line& line) {
  return "item " + line.subscription_item + " (price " + line.price + "), period " +
         format_rfc3339(line.service_period.start) + " to " + format_rfc3339(line.service_period.end);
}

/// Whether `p`, a period of subscription `s`, is its trial (B4): the period from its start, when it
/// has a trial; a change may move the trial's end (B18) but neither adds nor removes one.
[[nodiscard]] inline bool is_trial(const compiled_plan& cp, std::size_t s, const period& p) {
  const auto& planned = cp.subscriptions()[s].schedule;
  return planned.trial().has_value() && p.start == planned.start_date();
}

/// The metered line of `item` for period `p`, its quantity as of `as_of` (M12's clamp, B4's trial),
/// as `billed` says: the usage from `billed.from` at `billed.price` (B8: after a change of the
/// item's price inside `p`).
template <metered_quantities Quantities>
[[nodiscard]] invoice_line metered_line(const compiled_plan& cp, std::size_t item, const period& p,
                                        const subscription_changes::metered_billing& billed, timestamp as_of,
                                        const Quantities& quantities) {
  const price& pr = cp.source().prices[billed.price];
  const period window{billed.from, p.end};
  invoice_line line{
      cp.item_at(item).id, pr.id, window, 0, 0, true, false, is_trial(cp, cp.items()[item].subscription, p)};
  if (line.trial) return line;  // B4: metered lines of the trial show 0 and bill 0
  detail::naming_overflow([&] { return detail::overflow_context(line); },
                          [&] {
                            line.quantity =
                                std::max<std::int64_t>(0, quantities(item, window, as_of));  // M12
                            line.amount = line_amount(pr, line.quantity, cp.settings().rounding);
                          });
  return line;
}

/// The licensed line of `item` for period `p`, billed in advance at `p.start` with the price and
/// quantity of `setting` (B8), as `schedule` says it was when it was billed: a period cut by a
/// cancellation or a restart nobody knew of then was billed whole (B6, B9, B17).
[[nodiscard]] inline invoice_line licensed_line(const compiled_plan& cp, const item_setting& setting,
                                                period p, const billing_schedule<>& schedule) {
  if (const auto as_known = schedule.period_containing(p.start)) p = *as_known;
  const price& pr = cp.source().prices[setting.price];
  invoice_line line{cp.item_at(setting.item).id, pr.id, p, setting.quantity, 0, false, false,
                    schedule.is_trial(p)};
  if (line.trial) return line;  // B4: every line of the trial bills 0
  detail::naming_overflow([&] { return detail::overflow_context(line); },
                          [&] {
                            if (schedule.is_stub(p)) {
                              const period full = schedule.full_cycle_of(p);
                              line.proration = true;
                              line.amount = prorated_line_amount(pr, line.quantity, (p.end - p.start).count(),
                                                                 (full.end - full.start).count(),
                                                                 cp.settings().rounding);
                            } else {
                              line.amount = line_amount(pr, line.quantity, cp.settings().rounding);
                            }
                          });
  return line;
}

/// `inv.total`: the sum of its lines' amounts (P4, D25).
inline void total_up(invoice& inv) {
  inv.total = 0;
  for (const auto& line : inv.lines) inv.total = add_or_throw(inv.total, line.amount, "invoice total");
}

/// An invoice of subscription `s` without lines, created at `created` for `reason`, in the
/// subscription's currency: finalized `finalized_at` after (B3); its status as of `until` (D21).
[[nodiscard]] inline invoice empty_invoice(const compiled_plan& cp, std::size_t s, timestamp created,
                                           billing_reason reason, timestamp until) {
  const auto& sub = cp.subscription_at(s);
  invoice inv;
  inv.customer = sub.customer;
  inv.subscription = sub.id;
  inv.currency = std::string(cp.price_of(cp.subscriptions()[s].first_item).currency.code());
  inv.created = created;
  inv.reason = reason;
  inv.finalized_at = cp.finalized_at(created);
  inv.status = reason == billing_reason::upcoming ? invoice_status::upcoming
               : inv.finalized_at <= until        ? invoice_status::finalized
                                                  : invoice_status::draft;
  return inv;
}

/// B16: `line`, a metered line of `item` priced for the whole period, less what the period's
/// last threshold invoice `billed` (at its quantity): tiers continue, and the line may go below 0
/// when the period ends with less than was billed (volume tiers, corrections).
inline void subtract_billed(const compiled_plan& cp, std::size_t item, const threshold_crossing& billed,
                            invoice_line& line) {
  const std::int64_t units = std::max<std::int64_t>(0, billed.quantity_of(item));  // M12
  line.quantity = sub_or_throw(line.quantity, units, "line quantity");
  line.amount =
      sub_or_throw(line.amount, line_amount(cp.price_of(item), units, cp.settings().rounding), "line amount");
  line.service_period.start = billed.at;
  line.after_threshold = true;
}

/// B16: the threshold invoice of crossing `c`, billing each metered item's usage since `previous`
/// (the period's crossing before, if any) at the crossing's quantities.
[[nodiscard]] inline invoice threshold_invoice(const compiled_plan& cp, const threshold_crossing& c,
                                               const threshold_crossing* previous, timestamp until) {
  invoice inv = empty_invoice(cp, c.subscription, c.at, billing_reason::subscription_threshold, until);
  const auto rounding = cp.settings().rounding;
  for (const auto& [item, q] : c.quantities) {
    const price& pr = cp.price_of(item);
    const std::int64_t units = std::max<std::int64_t>(0, q);  // M12
    invoice_line line{cp.item_at(item).id,
                      pr.id,
                      period{c.service_period.start, c.at},
                      units,
                      line_amount(pr, units, rounding),
                      true,
                      false,
                      false};
    if (previous) subtract_billed(cp, item, *previous, line);
    inv.lines.push_back(std::move(line));
  }
  total_up(inv);
  return inv;
}

/// The invoice of subscription `s` created at `created` for `reason`: metered lines of `ended` (if
/// any, less what its threshold invoices billed: `billed`, B16) and licensed lines of `starting`
/// (if any) (D20, B6, B7).
template <metered_quantities Quantities>
[[nodiscard]] invoice make_invoice(const compiled_plan& cp, std::size_t s, timestamp created,
                                   const std::optional<period>& ended, const std::optional<period>& starting,
                                   timestamp until, billing_reason reason, const Quantities& quantities,
                                   const subscription_changes& changes,
                                   const threshold_crossing* billed = nullptr) {
  const auto& cs = cp.subscriptions()[s];
  invoice inv = empty_invoice(cp, s, created, reason, until);
  const timestamp as_of = inv.status == invoice_status::finalized ? inv.finalized_at : until;
  std::optional<billing_schedule<>> known;  // what the licensed lines knew (B6, B9, B17)
  for (std::size_t item = cs.first_item; item < cs.first_item + cs.item_count; ++item) {
    if (cp.items()[item].billing == item_billing::licensed) {
      if (starting) {
        const item_setting setting = changes.billed_at(cp, item, created);
        if (!known) known = changes.schedule_billed_at(cp, s, created);
        if (!setting.deleted) inv.lines.push_back(licensed_line(cp, setting, *starting, *known));  // B10
      }
    } else if (ended && !(!changes.empty() && changes.before(cp, item, created).deleted)) {  // B10
      const auto billed_as = changes.metered_of(cp, item, *ended, until);                    // B8
      inv.lines.push_back(metered_line(cp, item, *ended, billed_as, as_of, quantities));
      if (billed && !inv.lines.back().trial) subtract_billed(cp, item, *billed, inv.lines.back());
    }
  }
  total_up(inv);
  return inv;
}

/// The proration lines of change `c` (B8): per changed item, a credit for the unused time on what
/// it was and a charge for the same time on what it is. For a change of the end (B9): per
/// licensed item, a credit for `credited` or a charge for `charged`. For a restart (B17): per
/// licensed item as it was, a credit for `credited`. `changes` holds `c`.
[[nodiscard]] inline std::vector<invoice_line> proration_lines(const compiled_plan& cp,
                                                               const applied_change& c,
                                                               const subscription_changes& changes) {
  std::vector<invoice_line> out;
  const auto schedule = changes.schedule_with(cp, c.subscription, end_setting{}, c.received_at);
  if (c.behavior == proration_behavior::none || is_trial(cp, c.subscription, c.current)) return out;
  const std::int64_t cycle = schedule.full_cycle_of(c.current).length().count();
  const auto rounding = cp.settings().rounding;
  if (c.restart) {
    for (const item_setting& was : c.before) {
      if (was.deleted || cp.items()[was.item].billing != item_billing::licensed) continue;
      const price& pr = cp.source().prices[was.price];
      out.push_back(
          invoice_line{cp.item_at(was.item).id, pr.id, c.credited, was.quantity,
                       -prorated_line_amount(pr, was.quantity, c.credited.length().count(), cycle, rounding),
                       false, true, false});
    }
    return out;
  }
  if (c.end) {
    for (const item_setting& is : c.after) {
      if (is.deleted) continue;
      const price& pr = cp.source().prices[is.price];
      const std::string& id = cp.item_at(is.item).id;
      for (const auto& [time, sign] : {std::pair{c.credited, -1}, std::pair{c.charged, 1}}) {
        if (time.empty()) continue;
        const std::int64_t amount =
            prorated_line_amount(pr, is.quantity, time.length().count(), cycle, rounding);
        out.push_back(invoice_line{id, pr.id, time, is.quantity, sign * amount, false, true, false});
      }
    }
    return out;
  }
  for (const usage_billed& u : c.usage) {  // B10: a flexible subscription's deleted metered item
    const price& pr = cp.source().prices[u.price];
    const std::int64_t quantity = std::max<std::int64_t>(0, u.quantity);  // M12
    out.push_back(invoice_line{cp.item_at(u.item).id, pr.id, u.window, quantity,
                               line_amount(pr, quantity, rounding), true, true, false});
  }
  const std::int64_t remaining = (c.current.end - c.effective).count();
  const period service{c.effective, c.current.end};
  for (std::size_t k = 0; k < c.after.size(); ++k) {
    const item_setting& was = c.before[k];
    const item_setting& is = c.after[k];
    if (was == is || cp.items()[is.item].billing != item_billing::licensed) continue;
    const price& old_price = cp.source().prices[was.price];
    const price& new_price = cp.source().prices[is.price];
    const std::string& id = cp.item_at(is.item).id;
    out.push_back(invoice_line{id, old_price.id, service, was.quantity,
                               -prorated_line_amount(old_price, was.quantity, remaining, cycle, rounding),
                               false, true, false});
    if (is.deleted) continue;  // B10: only the credit
    out.push_back(invoice_line{id, new_price.id, service, is.quantity,
                               prorated_line_amount(new_price, is.quantity, remaining, cycle, rounding),
                               false, true, false});
  }
  return out;
}

/// Adds the prorations of subscription `s`'s changes received by `until` to `mine`, its invoices in
/// creation order: `always_invoice` appends an invoice at the change's arrival; pending prorations
/// go to the subscription's next invoice after their arrival (B6, B8, B9). When there is
/// none (an immediate cancellation without a final invoice), they are removed, unless the
/// cancellation asked to `prorate`: then they are returned, for the customer's next invoice (B9).
[[nodiscard]] inline std::vector<invoice_line> add_prorations(const compiled_plan& cp, std::size_t s,
                                                              timestamp until, const end_setting& end,
                                                              const subscription_changes& changes,
                                                              std::vector<invoice>& mine) {
  struct pending_line {
    period current;
    timestamp received_at;
    invoice_line line;
  };
  std::vector<pending_line> pending;
  std::vector<invoice> updates;
  for (const auto& c : changes.all()) {
    if (until < c.received_at) break;
    if (c.subscription != s) continue;
    auto lines = proration_lines(cp, c, changes);
    if (c.behavior != proration_behavior::always_invoice) {
      for (auto& l : lines) pending.push_back(pending_line{c.current, c.received_at, std::move(l)});
      continue;
    }
    invoice inv = empty_invoice(cp, s, c.received_at, billing_reason::subscription_update, until);
    for (auto it = pending.begin(); it != pending.end();) {  // the pending ones of this period
      if (it->current.start == c.current.start) {
        inv.lines.push_back(std::move(it->line));
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& l : lines) inv.lines.push_back(std::move(l));
    total_up(inv);
    updates.push_back(std::move(inv));
  }
  std::vector<invoice_line> left;
  for (auto& p : pending) {
    // The subscription's next invoice: created after the change arrived, or at its arrival when
    // that is the final invoice of a cancellation now (B9).
    const auto at = std::find_if(mine.begin(), mine.end(), [&](const invoice& inv) {
      return inv.reason != billing_reason::subscription_create &&
             (p.received_at < inv.created ||
              (inv.created == p.received_at && inv.reason == billing_reason::subscription_update));
    });
    if (at != mine.end()) {
      at->lines.push_back(std::move(p.line));
    } else if (end.how == subscription_end::immediate && end.prorate) {
      left.push_back(std::move(p.line));  // B9: for the customer's next invoice
    }                                     // else B6, B9: an immediate cancellation removed them
  }
  for (auto& inv : mine) total_up(inv);
  for (auto& inv : updates) mine.push_back(std::move(inv));
  return left;
}

}  // namespace detail

/// How many cycle invoices the plan's billing schedules make through `until` (D20): per
/// subscription, its first invoice, one at each period end at or before `until` and the upcoming
/// one of the period in progress, counted no further than `limit + 1` so that an absurd `until`
/// costs no more than the limit. Changes
/// through requests (B8, B9) only end subscriptions earlier and a restart (B17) adds at most one
/// invoice (`subscription_changes::restart_count`), so this bounds what `invoices_as_of` builds,
/// threshold invoices (B16) aside; a run refuses to build more than it
/// was told it may (`replay_options::max_invoices`, `--max-invoices`) instead of running out of
/// memory.
[[nodiscard]] inline std::size_t cycle_invoice_count(const compiled_plan& cp, timestamp until,
                                                     std::size_t limit) {
  std::size_t n = 0;
  for (const auto& sub : cp.subscriptions()) {
    const auto& schedule = sub.schedule;
    if (!schedule.has_periods() || until < schedule.start_date()) continue;
    ++n;  // the first invoice
    if (n > limit) return n;
    for (period p = schedule.first_period();; p = schedule.next_period(p)) {
      // The invoice at this period's end, or the upcoming one of the period in progress.
      if (++n > limit) return n;
      if (until < p.end || schedule.is_last(p)) break;
    }
  }
  return n;
}

/// Appends the invoices of subscription `s` as of `until` (D20, D21, B6, B7, B9) to `out`, in
/// creation order. An ended subscription's last invoice is at its end, with the metered lines of
/// its last period and no licensed line; an immediate cancellation has no invoice at its end
/// unless it asked for one (`invoice_now`, B9). Returns the prorations left for the customer's
/// next invoice (`add_prorations`).
template <metered_quantities Quantities>
std::vector<invoice_line> invoices_of_subscription(const compiled_plan& cp, std::size_t s, timestamp until,
                                                   const Quantities& quantities, std::vector<invoice>& out,
                                                   const subscription_changes& changes = {},
                                                   const threshold_crossings& thresholds = {}) {
  const end_setting end = changes.end_as_of(cp, s, until);
  const auto schedule = changes.schedule_with(cp, s, end, until);
  const auto periods = schedule.periods_through(until);
  if (periods.empty()) return {};  // D21: starts after until; B6: ended at its start
  std::vector<invoice> mine;
  const auto& first = periods.front();
  mine.push_back(detail::make_invoice(cp, s, first.start, std::nullopt, first, until,
                                      billing_reason::subscription_create, quantities, changes));
  for (const auto& p : periods) {
    // B16: the threshold invoices of the period (created before any cancellation cut it, so they
    // stand whatever follows), then its end bills what they did not.
    const threshold_crossing* billed = nullptr;
    if (!thresholds.empty()) {
      for (const threshold_crossing* c : thresholds.in_period(s, p.start, until)) {
        mine.push_back(detail::threshold_invoice(cp, *c, billed, until));
        billed = c;
      }
    }
    // B6, B9: cancelled at once without a final invoice, the cut period's usage is discarded
    if (!subscription_changes::bills_usage_of(schedule, end, p)) break;
    const bool last = schedule.is_last(p);
    // B9: a final invoice of a cut period; B17: the invoice of a restart (B16: of a threshold's)
    const applied_change* restart = schedule.restarts_at(p.end) ? changes.restart_at(s, p.end) : nullptr;
    // B18: a trial ended at once
    const bool changed = restart || (schedule.is_trial(p) && changes.trial_ended_now_at(s, p.end));
    const billing_reason reason = until < p.end                      ? billing_reason::upcoming
                                  : restart && restart->by_threshold ? billing_reason::subscription_threshold
                                  : (last && schedule.is_cut(p)) || changed
                                      ? billing_reason::subscription_update
                                      : billing_reason::subscription_cycle;
    mine.push_back(detail::make_invoice(cp, s, p.end, p,
                                        last ? std::nullopt : std::optional{schedule.next_period(p)}, until,
                                        reason, quantities, changes, billed));
    if (const auto& least = cp.subscription_at(s).minimum_spend; least && !schedule.is_trial(p)) {
      std::int64_t amount = *least;  // B15: prorated by seconds for a stub period, as B4's licensed lines
      if (schedule.is_stub(p)) {
        const period full = schedule.full_cycle_of(p);
        amount = divide_and_round(int128{*least} * (p.end - p.start).count(), (full.end - full.start).count(),
                                  cp.settings().rounding);
      }
      mine.back().minimum = period_minimum{p, amount};
    }
  }
  std::vector<invoice_line> left;
  if (!changes.empty()) left = detail::add_prorations(cp, s, until, end, changes, mine);
  for (auto& inv : mine) out.push_back(std::move(inv));
  return left;
}

/// B11, B16: the `once` discounts of subscription `s` that its invoices created by `now` (as of
/// `now`, the upcoming one aside) have used up: what a threshold invoice created at `now` can no
/// longer get. Prorations a cancellation of another subscription left to them (B9) are not counted.
template <metered_quantities Quantities>
[[nodiscard]] std::set<const discount*> once_discounts_used_by(const compiled_plan& cp, std::size_t s,
                                                               timestamp now, const Quantities& quantities,
                                                               const subscription_changes& changes,
                                                               const threshold_crossings& thresholds) {
  std::vector<invoice> mine;
  (void)invoices_of_subscription(cp, s, now, quantities, mine, changes, thresholds);
  std::erase_if(
      mine, [&](const invoice& inv) { return inv.reason == billing_reason::upcoming || now < inv.created; });
  std::stable_sort(mine.begin(), mine.end(),
                   [](const invoice& a, const invoice& b) { return a.created < b.created; });
  return once_discounts_used(cp, std::move(mine));
}

namespace detail {

/// D27: invoices in creation order, then by subscription id.
[[nodiscard]] inline bool created_before(const invoice& a, const invoice& b) {
  return a.created != b.created ? a.created < b.created : a.subscription < b.subscription;
}

/// The invoices of subscriptions `subs` as of `until`, before what Stripe applies after pricing,
/// ordered as D27 says: every customer of `subs` must have all its subscriptions in it (B9 carries
/// a cancelled subscription's prorations to another subscription of its customer).
template <metered_quantities Quantities>
[[nodiscard]] std::vector<invoice> priced_invoices(const compiled_plan& cp, std::span<const std::size_t> subs,
                                                   timestamp until, const Quantities& quantities,
                                                   const subscription_changes& changes,
                                                   const threshold_crossings& thresholds) {
  std::vector<invoice> out;
  struct left_over {
    std::size_t subscription;
    std::vector<invoice_line> lines;
  };
  std::vector<left_over> left;
  for (const std::size_t s : subs) {
    auto lines = detail::naming_overflow(
        [&] {
          return "subscription " + cp.subscription_at(s).id + " (" + cp.subscription_at(s).customer + ")";
        },
        [&] { return invoices_of_subscription(cp, s, until, quantities, out, changes, thresholds); });
    if (!lines.empty()) left.push_back(left_over{s, std::move(lines)});
  }
  std::stable_sort(out.begin(), out.end(), created_before);
  // B9: prorations a cancellation left pending go to the customer's next invoice in the same
  // currency, created after the cancellation; when there is none yet, to an upcoming invoice.
  for (auto& l : left) {
    const auto& sub = cp.subscription_at(l.subscription);
    const auto& cancelled = cp.subscriptions()[l.subscription];
    const std::string currency(cp.price_of(cancelled.first_item).currency.code());
    const timestamp ended = *changes.end_as_of(cp, l.subscription, until).at;
    const auto next = std::find_if(out.begin(), out.end(), [&](const invoice& inv) {
      return inv.customer == sub.customer && inv.currency == currency && ended < inv.created;
    });
    if (next != out.end()) {
      for (auto& line : l.lines) next->lines.push_back(std::move(line));
      detail::total_up(*next);
      continue;
    }
    invoice inv = detail::empty_invoice(cp, l.subscription, until, billing_reason::upcoming, until);
    inv.lines = std::move(l.lines);
    detail::total_up(inv);
    out.insert(std::upper_bound(out.begin(), out.end(), inv, created_before), std::move(inv));
  }
  return out;
}

}  // namespace detail

/// Every invoice of `cp` as of `until`, ordered by (created, subscription) (D27), with what Stripe
/// applies after pricing (discounts, taxes, customer balance: B11-B13, `apply_after_pricing`).
template <metered_quantities Quantities>
[[nodiscard]] std::vector<invoice> invoices_as_of(const compiled_plan& cp, timestamp until,
                                                  const Quantities& quantities,
                                                  const subscription_changes& changes = {},
                                                  const threshold_crossings& thresholds = {},
                                                  const std::vector<credit_grant>& created_grants = {}) {
  std::vector<std::size_t> every(cp.subscriptions().size());
  std::iota(every.begin(), every.end(), std::size_t{0});
  auto out = detail::priced_invoices(cp, every, until, quantities, changes, thresholds);
  apply_after_pricing(cp, out, created_grants);  // B11-B14
  return out;
}

/// The invoices of `invoices_as_of`, a customer at a time: `visit(invoices)` once per customer
/// that has a subscription, with that customer's invoices in D27's order (theirs to move away). Merging the
/// visits by (created, subscription), each visit's order kept, gives `invoices_as_of` exactly (every rule
/// that carries amounts from one invoice to another, B9 and B11-B15, stays within a customer);
/// what is held at a time is one customer's invoices, so a caller can stream a run's invoices out
/// whatever their number. Customers come in the order of their smallest subscription id, D27's
/// tie-break: a caller that keeps the visits in a file and reads them back in D27's order then
/// reads each billing date's invoices front to back (a customer of one subscription at least),
/// whatever order the plan lists them in.
template <metered_quantities Quantities, class Visit>
void invoices_by_customer(const compiled_plan& cp, timestamp until, const Quantities& quantities,
                          const subscription_changes& changes, const threshold_crossings& thresholds,
                          const std::vector<credit_grant>& created_grants, Visit&& visit) {
  // The subscriptions of each customer, in plan order: customer c's are
  // order[first[c], first[c + 1]) (a counting sort: no allocation per customer).
  const auto subs = cp.subscriptions();
  std::vector<std::size_t> first(cp.customers().size() + 1, 0);
  for (const auto& sub : subs) ++first[sub.customer + 1];
  for (std::size_t c = 0; c < cp.customers().size(); ++c) first[c + 1] += first[c];
  std::vector<std::size_t> order(subs.size());
  std::vector<std::size_t> next(first.begin(), first.end() - 1);
  for (std::size_t s = 0; s < subs.size(); ++s) order[next[subs[s].customer]++] = s;
  // Each customer with a subscription, by its smallest subscription id.
  std::vector<std::pair<std::string_view, std::size_t>> by_id;
  for (std::size_t c = 0; c < cp.customers().size(); ++c) {
    if (first[c] == first[c + 1]) continue;
    std::string_view smallest = cp.subscription_at(order[first[c]]).id;
    for (std::size_t k = first[c] + 1; k < first[c + 1]; ++k)
      smallest = std::min(smallest, std::string_view(cp.subscription_at(order[k]).id));
    by_id.emplace_back(smallest, c);
  }
  std::sort(by_id.begin(), by_id.end());
  after_pricing_pass pass(cp, created_grants);
  for (const auto& [id, c] : by_id) {
    auto mine = detail::priced_invoices(
        cp, std::span<const std::size_t>(order).subspan(first[c], first[c + 1] - first[c]), until, quantities,
        changes, thresholds);
    pass.apply(mine);  // B11-B14
    pass.end_customer();
    visit(mine);
  }
}

}  // namespace meterkit
