// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Invoicing as a pure function (rules B3-B5, M12, P1-P5, D20, D21, D27; docs/rules.md): the
/// invoices of a compiled plan as of `until`, given the metered quantities. Nothing here knows
/// how usage was accepted or kept; the caller answers "the quantity of item `i` for period `p`
/// as of `as_of`" and this header decides every invoice, line and amount from it.
///
/// - One invoice per subscription and boundary (D20): the first at the subscription's start
///   (licensed lines of the first period), then one at each period end (metered lines of the
///   period that ended, licensed lines of the period that starts).
/// - Status (D21): `finalized` when `finalized_at <= until`, else `draft`; the invoice at the end
///   of the period containing `until` is `upcoming`. A finalized invoice shows quantities as of its
///   `finalized_at` (M11), the others as of `until`.
/// - Lines: metered quantities clamped at 0 (M12); trial lines bill 0 (B4); licensed lines of a
///   stub period prorated by seconds (B4); every line rounded once (P4).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/invoice.hpp>
#include <meterkit/billing/price.hpp>
#include <meterkit/core/checked.hpp>

namespace meterkit {

/// What invoicing asks of usage: `quantity(item, period, as_of)`, the metered quantity of item
/// `item` (an index into `compiled_plan::items()`, billed on a meter or by usage records) for
/// `period` as of the arrival cutoff `as_of`, before M12's clamp.
template <class Q>
concept metered_quantities = requires(const Q& q, std::size_t item, const period& p, timestamp as_of) {
  { q(item, p, as_of) } -> std::convertible_to<std::int64_t>;
};

namespace detail {

template <metered_quantities Quantities>
[[nodiscard]] invoice_line metered_line(const compiled_plan& cp, std::size_t item, const period& p,
                                        timestamp as_of, const Quantities& quantities) {
  const auto& schedule = cp.subscriptions()[cp.items()[item].subscription].schedule;
  const price& pr = cp.price_of(item);
  invoice_line line{cp.item_at(item).id, pr.id, p, 0, 0, true, false, schedule.is_trial(p)};
  if (line.trial) return line;  // B4: metered lines of the trial show 0 and bill 0
  line.quantity = std::max<std::int64_t>(0, quantities(item, p, as_of));  // M12
  line.amount = line_amount(pr, line.quantity, cp.settings().rounding);
  return line;
}

[[nodiscard]] inline invoice_line licensed_line(const compiled_plan& cp, std::size_t item, const period& p) {
  const auto& schedule = cp.subscriptions()[cp.items()[item].subscription].schedule;
  const price& pr = cp.price_of(item);
  const subscription_item& si = cp.item_at(item);
  invoice_line line{si.id, pr.id, p, si.quantity, 0, false, false, schedule.is_trial(p)};
  if (line.trial) return line;  // B4: every line of the trial bills 0
  if (schedule.is_stub(p)) {
    const period full = schedule.full_cycle_of(p);
    line.proration = true;
    line.amount = prorated_line_amount(pr, line.quantity, (p.end - p.start).count(),
                                       (full.end - full.start).count(), cp.settings().rounding);
  } else {
    line.amount = line_amount(pr, line.quantity, cp.settings().rounding);
  }
  return line;
}

/// The invoice of subscription `s` created at `created`: metered lines of `ended` (if any) and
/// licensed lines of `starting` (D20).
template <metered_quantities Quantities>
[[nodiscard]] invoice make_invoice(const compiled_plan& cp, std::size_t s, timestamp created,
                                   const std::optional<period>& ended, const period& starting,
                                   timestamp until, bool upcoming, const Quantities& quantities) {
  const auto& cs = cp.subscriptions()[s];
  const auto& sub = cp.subscription_at(s);
  invoice inv;
  inv.customer = sub.customer;
  inv.subscription = sub.id;
  inv.currency = std::string(cp.price_of(cs.first_item).currency.code());
  inv.created = created;
  inv.finalized_at = cp.finalized_at(created);
  inv.status = upcoming                    ? invoice_status::upcoming
               : inv.finalized_at <= until ? invoice_status::finalized
                                           : invoice_status::draft;
  const timestamp as_of = inv.status == invoice_status::finalized ? inv.finalized_at : until;
  for (std::size_t item = cs.first_item; item < cs.first_item + cs.item_count; ++item) {
    if (cp.items()[item].billing == item_billing::licensed) {
      inv.lines.push_back(licensed_line(cp, item, starting));
    } else if (ended) {
      inv.lines.push_back(metered_line(cp, item, *ended, as_of, quantities));
    }
  }
  for (const auto& line : inv.lines) inv.total = add_or_throw(inv.total, line.amount, "invoice total");
  return inv;
}

}  // namespace detail

/// Appends the invoices of subscription `s` as of `until` (D20, D21) to `out`, in creation order.
template <metered_quantities Quantities>
void invoices_of_subscription(const compiled_plan& cp, std::size_t s, timestamp until,
                              const Quantities& quantities, std::vector<invoice>& out) {
  const auto& schedule = cp.subscriptions()[s].schedule;
  const auto periods = schedule.periods_through(until);
  if (periods.empty()) return;  // D21: starts after until
  out.push_back(detail::make_invoice(cp, s, periods.front().start, std::nullopt, periods.front(), until,
                                     false, quantities));
  for (const auto& p : periods) {
    const bool upcoming = until < p.end;
    out.push_back(
        detail::make_invoice(cp, s, p.end, p, schedule.next_period(p), until, upcoming, quantities));
  }
}

/// Every invoice of `cp` as of `until`, ordered by (created, subscription) (D27).
template <metered_quantities Quantities>
[[nodiscard]] std::vector<invoice> invoices_as_of(const compiled_plan& cp, timestamp until,
                                                  const Quantities& quantities) {
  std::vector<invoice> out;
  for (std::size_t s = 0; s < cp.subscriptions().size(); ++s)
    invoices_of_subscription(cp, s, until, quantities, out);
  std::stable_sort(out.begin(), out.end(), [](const invoice& a, const invoice& b) {
    return a.created != b.created ? a.created < b.created : a.subscription < b.subscription;
  });
  return out;
}

}  // namespace meterkit
