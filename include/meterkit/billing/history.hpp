// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// How much of the past the invoice simulator keeps (rules M5, M10, M11, D15, D18; docs/rules.md).
///
/// Bounded history (`simulator_history::bounded`): for long streams, the simulator fixes each
/// metered quantity of a finalized invoice once the stream has passed its `finalized_at` (nothing
/// that arrives later can change it, M11), and then forgets the accepted events that can no longer
/// matter: outside every period still open for their meter and customer, and past the
/// cancellation window (M10) unless `cancelled_later` says a later cancellation names them. An
/// event inside an open period that can no longer be cancelled is folded into a settled segment
/// of its meter and customer (meter/customer_state.hpp; raw ingestion only: with pre-aggregation
/// a later arrival may still displace it, M8); one that no cancellation can ever name (no
/// identifier, or no cancellation will come) goes there on arrival and never enters the log. Identifiers are
/// remembered for deduplication by their own bounded store (M5). Memory then follows the events of the last
/// 24 hours (and of the open periods of pre-aggregated meters), not the length of the stream. Invoices are
/// the same as with the full history; what is given up: results need `until` at or after the last arrival
/// applied, summaries are not available, and without `cancelled_later` a cancellation
/// naming an event forgotten after its window is answered `meter_event_adjustment_not_found`
/// instead of `..._too_late` or `..._already_cancelled`.
///
/// `history_keeper` is that bookkeeping: which period of each subscription is the earliest still
/// open, the quantities fixed so far, and when to forget. It holds no reference to the plan or the
/// ledger; the simulator passes them in.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <meterkit/acceptance/cancellation_window.hpp>
#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/request.hpp>
#include <meterkit/billing/snapshot.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/detail/string_hash.hpp>
#include <meterkit/meter/meter_ledger.hpp>

namespace meterkit {

/// How much of the past an `invoice_simulator` keeps (see the file comment).
struct simulator_history {
  /// false (the default): every accepted event is kept, for results and summaries as of any time.
  bool bounded = false;
  /// With `bounded`: whether a cancellation arriving later names `(event_name, identifier)`; such
  /// events are kept past their cancellation window, so that it is answered exactly. A caller that
  /// can read its input twice (`replay_files`) collects these first.
  std::function<bool(std::string_view event_name, std::string_view identifier)> cancelled_later;
  /// With `bounded`: the size of the event log at which events are first forgotten; afterwards
  /// whenever the log has doubled since (amortized constant work per event).
  std::size_t forget_from = std::size_t{1} << 16;
  /// With `bounded`: the times at which a later request may end subscription `id`, or delete or
  /// reprice item `id` or an item of subscription `id`, in the middle of a period (B9: `DELETE` at
  /// its arrival, `cancel_at`; B10: a deletion at its arrival; B8: a metered item's new price at its
  /// arrival; B17: `billing_cycle_anchor=now` at its arrival; B18: a trial's new end). Settled segments are
  /// cut there too, so that such a request arriving later never cuts one. A caller that can read its input
  /// twice collects them first (`subscription_end_times`); without them, such a cancellation is refused
  /// (`subscription_update_invalid`, naming the fix).
  std::function<std::vector<timestamp>(std::string_view id)> ends_later;
  /// The caller promises that no cancellation will come (bulk uploads hold none): the ledger keeps
  /// no identifier index for cancellations (`meter_ledger::expect_no_cancellations`), and applying
  /// a cancellation is a broken precondition. Saved with the snapshot.
  bool no_cancellations = false;
};

/// The events that the cancellations of a stream name, `(event_name, cancel.identifier)`, for
/// `simulator_history::cancelled_later`: a caller that can read its input twice adds every request
/// on a first read, then hands the set to the simulator, either by reference (`std::cref(targets)`,
/// which must then outlive the simulator) or as a copy.
class cancellation_targets {
 public:
  /// Adds the target of every cancellation (`meter_event_adjustment` with a
  /// `cancel_identifier`) in `r`.
  void add(const request& r) {
    for (const auto& op : r.operations) {
      if (const auto* a = std::get_if<meter_event_adjustment>(&op); a && a->cancel_identifier)
        add(a->event_name, *a->cancel_identifier);
    }
  }
  void add(std::string_view event_name, std::string_view identifier) {
    auto it = by_event_name_.find(event_name);
    if (it == by_event_name_.end()) it = by_event_name_.emplace(std::string(event_name), identifiers{}).first;
    if (it->second.find(identifier) == it->second.end()) it->second.emplace(identifier);
  }
  /// Whether a cancellation added names `identifier` of `event_name`.
  [[nodiscard]] bool contains(std::string_view event_name, std::string_view identifier) const {
    const auto it = by_event_name_.find(event_name);
    return it != by_event_name_.end() && it->second.find(identifier) != it->second.end();
  }
  /// `contains`, so that the set is itself a `cancelled_later` predicate.
  [[nodiscard]] bool operator()(std::string_view event_name, std::string_view identifier) const {
    return contains(event_name, identifier);
  }
  /// How many distinct targets were added.
  [[nodiscard]] std::size_t size() const noexcept {
    std::size_t n = 0;
    for (const auto& [name, ids] : by_event_name_) n += ids.size();
    return n;
  }

 private:
  using identifiers = std::unordered_set<std::string, detail::string_hash, detail::string_equal>;
  std::unordered_map<std::string, identifiers, detail::string_hash, detail::string_equal> by_event_name_;
};

/// The times at which the requests of a stream may end a subscription, delete an item or change a
/// metered item's price in the middle of a period (B9, B10, B8), by subscription or item id, for
/// `simulator_history::ends_later`: a caller that can read its input twice adds every request on a first
/// read, then hands the set to the simulator (by `std::cref` or as a copy).
class subscription_end_times {
 public:
  void add(const request& r) {
    for (const auto& op : r.operations) {
      const auto* c = std::get_if<subscription_change>(&op);
      if (c == nullptr) continue;
      for (const auto& i : c->items) {  // B10: deletions; B8: prices, which may be a metered item's
        if ((i.deleted && *i.deleted == "true") || i.price)
          add(c->subscription.empty() ? i.item : c->subscription, r.received_at);
      }
      if (c->subscription.empty()) continue;
      if (c->cancel_now || (c->billing_cycle_anchor && *c->billing_cycle_anchor == "now") ||
          (c->trial_end && *c->trial_end == "now"))
        add(c->subscription, r.received_at);  // B9, B17, B18
      if (c->trial_end) {                     // B18
        if (const auto t = parse_unix_seconds(*c->trial_end)) add(c->subscription, *t);
      }
      if (c->cancel_at) {
        if (const auto t = parse_unix_seconds(*c->cancel_at)) add(c->subscription, *t);
      }
    }
  }
  void add(std::string_view subscription, timestamp t) {
    auto it = by_subscription_.find(subscription);
    if (it == by_subscription_.end())
      it = by_subscription_.emplace(std::string(subscription), std::vector<timestamp>{}).first;
    it->second.push_back(t);
  }
  /// The times added for `subscription`, sorted, without repeats.
  [[nodiscard]] std::vector<timestamp> operator()(std::string_view subscription) const {
    const auto it = by_subscription_.find(subscription);
    if (it == by_subscription_.end()) return {};
    auto out = it->second;
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

 private:
  std::unordered_map<std::string, std::vector<timestamp>, detail::string_hash, detail::string_equal>
      by_subscription_;
};

/// The bookkeeping of a bounded history (see the file comment). A class template only so that
/// it is compiled where it is used, not in every translation unit that includes the library:
/// `history_keeper` is the one instantiation.
template <class = void>
class basic_history_keeper {
 public:
  basic_history_keeper(const compiled_plan& cp, simulator_history options) : options_(std::move(options)) {
    for (const auto& cs : cp.subscriptions()) {
      unfrozen_.push_back(cs.schedule.has_periods() ? std::optional{cs.schedule.first_period()}
                                                    : std::nullopt);
      schedules_.push_back(cs.schedule);
      cuts_.emplace_back();
      if (options_.bounded && options_.ends_later) {
        auto& cuts = cuts_.back();
        const auto& sub = cp.source().subscriptions[cuts_.size() - 1];
        cuts = options_.ends_later(sub.id);
        for (const auto& item : sub.items) {
          const auto more = options_.ends_later(item.id);
          cuts.insert(cuts.end(), more.begin(), more.end());
        }
        std::sort(cuts.begin(), cuts.end());
        cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      }
    }
    next_freeze_ = earliest_open_finalization(cp);
    compact_at_ = std::max<std::size_t>(1, options_.forget_from);
    index_pairs(cp);
  }

  [[nodiscard]] bool bounded() const noexcept { return options_.bounded; }

  /// Why subscription `s` cannot end (B9), or have usage billed up to a deletion (B10), at `end`
  /// now, if it cannot: a time inside a period that `simulator_history::ends_later` did not foresee
  /// could cut a settled segment.
  [[nodiscard]] std::optional<std::string> unforeseen_cut(const compiled_plan& cp, std::size_t s,
                                                          std::optional<timestamp> end) const {
    if (!end) return std::nullopt;
    (void)cp;
    const auto p = schedules_[s].without_end().period_containing(*end);
    if (!p || p->start == *end || std::binary_search(cuts_[s].begin(), cuts_[s].end(), *end))
      return std::nullopt;
    return "a simulator with a bounded history needs to know ahead when a request may cut a subscription's "
           "period (an end, a deleted item, a metered item's new price; simulator_history::ends_later; "
           "replay_files collects them): replay with the full history, or give ends_later (B8, B9, B10)";
  }

  /// Subscription `s` now follows `schedule` (B9: it ends elsewhere; B17: its cycle restarted): its
  /// earliest open period and the segments of its meters follow.
  void set_schedule(const compiled_plan& cp, std::size_t s, billing_schedule<> schedule) {
    schedules_[s] = std::move(schedule);
    if (auto& open = unfrozen_[s]) open = schedules_[s].period_containing(open->start);
    next_freeze_ = earliest_open_finalization(cp);
    index_pairs(cp);
  }

  /// The same for the part of a period from `t` on, of item `item` of subscription `s` (B8: a
  /// metered item repriced inside its period): the quantity fixed for the period containing `t`,
  /// which was fixed for that part.
  [[nodiscard]] std::optional<std::int64_t> fixed_quantity_within(std::size_t s, std::size_t item,
                                                                  timestamp t) const {
    const auto p = schedules_[s].period_containing(t);
    if (!p) return std::nullopt;
    return fixed_quantity(item, p->start);
  }

  /// The quantity of item `item` for the period starting at `start`, when the stream has passed
  /// its finalization; it is the quantity as of `finalized_at`, the only `as_of` a finalized
  /// invoice asks for.
  [[nodiscard]] std::optional<std::int64_t> fixed_quantity(std::size_t item, timestamp start) const {
    const auto found = frozen_.find({item, to_unix(start)});
    if (found == frozen_.end()) return std::nullopt;
    return found->second;
  }

  /// Before a request that arrives at `now` is applied: fixes the metered quantities of every
  /// period finalized before `now` (D18: an arrival at `finalized_at` still counts) with
  /// `quantity(item, period, as_of)`, then, when the event log has doubled since the last time,
  /// forgets the events of `ledger` that can no longer matter.
  template <class Quantity>
  void before_arrival(const compiled_plan& cp, meter_ledger& ledger, timestamp now,
                      const Quantity& quantity) {
    if (now > next_freeze_) {
      for (std::size_t s = 0; s < cp.subscriptions().size(); ++s) {
        const auto& cs = cp.subscriptions()[s];
        auto& open = unfrozen_[s];
        while (open && cp.finalized_at(open->end) < now) {
          const timestamp finalized_at = cp.finalized_at(open->end);
          for (std::size_t item = cs.first_item; item < cs.first_item + cs.item_count; ++item) {
            if (cp.items()[item].billing == item_billing::licensed) continue;
            frozen_[{item, to_unix(open->start)}] = quantity(item, *open, finalized_at);
          }
          open = schedules_[s].period_containing(open->end);
        }
      }
      next_freeze_ = earliest_open_finalization(cp);
      index_pairs(cp);
    }
    if (ledger.events().size() < compact_at_) return;
    settle(cp, ledger, now);
    compact_at_ = std::max(std::max<std::size_t>(1, options_.forget_from), 2 * ledger.events().size());
  }

  void save(state_writer& out) const {
    out.boolean(options_.bounded);
    out.size(unfrozen_.size());
    for (const auto& p : unfrozen_) {
      out.boolean(p.has_value());
      if (p) detail::save_period(out, *p);
    }
    out.size(frozen_.size());
    for (const auto& [key, quantity] : frozen_) {
      out.size(key.first);
      out.i64(key.second);
      out.i64(quantity);
    }
    out.size(compact_at_);
  }

  void load(const compiled_plan& cp, state_reader& in) {
    in.require(in.boolean() == options_.bounded, "saved with another history setting (bounded or not)");
    in.require(in.count(1) == unfrozen_.size(), "the subscriptions do not match the plan");
    for (auto& p : unfrozen_) {
      p.reset();
      if (in.boolean()) p = detail::load_period(in);
      // Only a start in D4's range is looked up in a schedule; `check_restored` checks the rest.
      in.require(!p || in_supported_range(p->start), "bounded history: an open period out of range");
    }
    frozen_.clear();
    for (std::size_t n = in.count(24); n > 0; --n) {
      const std::size_t item = in.index(cp.items().size());
      const std::int64_t start = in.i64();
      frozen_[{item, start}] = in.i64();
    }
    compact_at_ = static_cast<std::size_t>(in.u64());
    next_freeze_ = earliest_open_finalization(cp);
    index_pairs(cp);
  }

  /// After a restore, once the subscriptions' schedules are followed (`set_schedule`): refuses as
  /// `corrupt_state_error` a history whose bookkeeping no stream could have left, so that the next
  /// request cannot query a meter before what it settled or across a settled segment (broken
  /// preconditions). Settled segments only in a bounded history, each inside one period of every
  /// item billed on its meter and customer that has not ended before it (`place`). For each
  /// subscription, the open period must be one of its schedule's periods, not finalized before
  /// `last_arrival` (the latest request's arrival; `before_arrival` fixed those), and every
  /// metered item must hold a fixed quantity for each period before it and for no other.
  void check_restored(const compiled_plan& cp, const meter_ledger& ledger, const state_reader& in,
                      const std::optional<timestamp>& last_arrival) const {
    for (std::size_t meter = 0; meter < cp.source().meters.size(); ++meter) {
      ledger.runtime_meter(meter).visit([&](const auto& m) {
        for (std::size_t i = 0; i < m.customer_count(); ++i) {
          if (m.state_at(i).settled().empty()) continue;
          in.require(options_.bounded, "settled segments in a simulator with the full history");
          for (const auto& seg : m.state_at(i).settled()) {
            require_segment_fits(cp, in, meter, static_cast<std::size_t>(m.customer_at(i)), seg.span);
          }
        }
      });
    }
    if (!options_.bounded) return;
    std::size_t expected = 0;
    for (std::size_t s = 0; s < cp.subscriptions().size(); ++s) {
      const auto& cs = cp.subscriptions()[s];
      const auto& schedule = schedules_[s];
      const auto& open = unfrozen_[s];
      std::size_t metered = 0;
      for (std::size_t item = cs.first_item; item < cs.first_item + cs.item_count; ++item) {
        if (cp.items()[item].billing != item_billing::licensed) ++metered;
      }
      if (!schedule.has_periods()) {
        in.require(!open, "bounded history: an open period of a subscription without periods");
        continue;
      }
      if (open) {
        in.require(schedule.period_containing(open->start) == open,
                   "bounded history: an open period that is not one of its subscription's");
        in.require(!last_arrival || !(cp.finalized_at(open->end) < *last_arrival),
                   "bounded history: a period finalized before the latest arrival is still open");
      }
      if (metered == 0) continue;
      // The periods before the open one (every period when none is open): each fixed, for each
      // metered item; never more of them than fixed quantities, so a damaged open period costs no time.
      for (std::optional<period> p = schedule.first_period(); p && (!open || p->start < open->start);
           p = schedule.period_containing(p->end)) {
        for (std::size_t item = cs.first_item; item < cs.first_item + cs.item_count; ++item) {
          if (cp.items()[item].billing == item_billing::licensed) continue;
          in.require(expected < frozen_.size() && frozen_.count({item, to_unix(p->start)}) == 1,
                     "bounded history: a finalized period without its fixed quantity");
          ++expected;
        }
      }
    }
    in.require(expected == frozen_.size(), "bounded history: a fixed quantity of a period still open");
  }

  /// Where an accepted event that no cancellation can ever name goes at once, for
  /// `meter_ledger::submit`'s `where`: as when it is settled later (`place`), so that it never
  /// enters the event log.
  [[nodiscard]] std::optional<period> place_on_arrival(const compiled_plan& cp,
                                                       const accepted_meter_event& e) {
    return place(cp, e.meter, e.customer, e.time, e.received_at);
  }

 private:
  /// `check_restored` for one settled segment of `meter` and `customer`.
  void require_segment_fits(const compiled_plan& cp, const state_reader& in, std::size_t meter,
                            std::size_t customer, const period& span) const {
    in.require(in_supported_range(span.start), "bounded history: a settled segment out of range");
    // `place` cuts a segment where a period of such an item starts or ends (as planned, as it ends
    // now, or without an end) or at a foreseen end (`cuts_`): a segment with another start or end
    // would miss what `place` gives the next event of its time, and overlap it.
    bool billed = false, start_is_a_cut = false, end_is_a_cut = false;
    for (const std::size_t item : cp.items_billed_on(meter, customer)) {
      const std::size_t s = cp.items()[item].subscription;
      const auto& schedule = schedules_[s];
      if (const auto end = schedule.end(); end && *end <= span.start) continue;  // B6: no period bills it
      const auto p = schedule.period_containing(span.start);
      in.require(p && !(p->end < span.end), "bounded history: a settled segment across a billing period");
      billed = true;
      const auto& planned = cp.subscriptions()[s].schedule;
      for (const auto& variant : {schedule, planned, planned.without_end()}) {
        if (const auto q = variant.period_containing(span.start)) {
          start_is_a_cut = start_is_a_cut || q->start == span.start;
          end_is_a_cut = end_is_a_cut || q->end == span.end;
        }
      }
      start_is_a_cut = start_is_a_cut || std::binary_search(cuts_[s].begin(), cuts_[s].end(), span.start);
      end_is_a_cut = end_is_a_cut || std::binary_search(cuts_[s].begin(), cuts_[s].end(), span.end);
    }
    in.require(!billed || (start_is_a_cut && end_is_a_cut),
               "bounded history: a settled segment that starts or ends between billing period boundaries");
  }

  /// The earliest `finalized_at` of a period not yet fixed, over all subscriptions.
  [[nodiscard]] timestamp earliest_open_finalization(const compiled_plan& cp) const {
    timestamp earliest = end_of_time;
    for (const auto& p : unfrozen_) {
      if (p) earliest = std::min(earliest, cp.finalized_at(p->end));
    }
    return earliest;
  }

  /// Takes out of `ledger` every event that can no longer change: not cancellable any more (no
  /// identifier, D14; or past its cancellation window, M10), to where `place` puts it. For one that
  /// a later cancellation names, the ledger keeps only what answers it (`settle_events`' closed
  /// targets: already cancelled, or too late), so such events do not stay for the whole stream.
  void settle(const compiled_plan& cp, meter_ledger& ledger, timestamp now) {
    ledger.settle_events(
        [&](const accepted_meter_event& e) -> std::optional<period> {
          if (e.identifier && stripe_cancellation_window::allows(e.received_at, now))
            return std::nullopt;  // may be cancelled (M10)
          return place(cp, e.meter, e.customer, e.time, now);
        },
        [&](const accepted_meter_event& e) {
          return options_.cancelled_later &&
                 options_.cancelled_later(ledger.meters()[e.meter].event_name, *e.identifier);
        });
  }

  /// Where an event of `meter` and `customer` at `t` that can no longer change goes: forgotten (an
  /// empty period) outside every open period of an item billed on its meter and customer; else
  /// folded into the settled segment of its time, the intersection of the periods that contain it
  /// in the schedule of each such item, so that every period invoicing asks for contains or misses
  /// it; kept (none) when some schedule does not cover `t`, when `t` is past an end that a
  /// request arriving before the end may still undo (B9; `now` is the latest arrival), or when a
  /// threshold of such an item's subscription restarts its cycle (B16, B17).
  [[nodiscard]] std::optional<period> place(const compiled_plan& cp, std::size_t meter, std::size_t customer,
                                            timestamp t, timestamp now) {
    pair_state* found = nullptr;
    if (!dense_pairs_.empty()) {
      found = &dense_pairs_[meter * cp.customers().size() + customer];
    } else if (const auto it = pairs_.find(compiled_plan::meter_customer_key(meter, customer));
               it != pairs_.end()) {
      found = &it->second;
    }
    if (found == nullptr || t < found->horizon) return period{};  // counts nowhere open
    pair_state& ps = *found;
    if (ps.last && ps.last->contains(t)) return ps.last;  // events of a pair come in bursts
    period seg = all_time;
    for (const std::size_t item : cp.items_billed_on(meter, customer)) {
      const std::size_t s = cp.items()[item].subscription;
      // B16, B17: a threshold may restart the cycle at any arrival: no segment can be cut ahead
      if (cp.subscription_at(s).reset_billing_cycle_anchor) return std::nullopt;
      const auto& schedule = schedules_[s];
      if (const auto end = schedule.end(); end && *end <= t) {
        if (now < *end) return std::nullopt;  // B9: the end may still be undone
        continue;                             // B6: billed by no period of it
      }
      const auto p = schedule.period_containing(t);
      if (!p) return std::nullopt;
      seg = period{std::max(seg.start, p->start), std::min(seg.end, p->end)};
      // B9: cut where a later request may end the subscription
      const auto& cuts = cuts_[s];
      const auto after = std::upper_bound(cuts.begin(), cuts.end(), t);
      if (after != cuts.end()) seg.end = std::min(seg.end, *after);
      if (after != cuts.begin()) seg.start = std::max(seg.start, *std::prev(after));
    }
    if (seg == all_time) return period{};  // every item has ended before t: it counts nowhere
    ps.last = seg;
    return seg;
  }

  /// Recomputes, per (meter, customer) pair that some item bills, the start of the earliest open
  /// period of an item billed on it, at the start of its UTC day so that no pre-aggregation window
  /// (hour, day) is cut (D15): what `place` forgets before. After every change of `unfrozen_`.
  void index_pairs(const compiled_plan& cp) {
    pairs_.clear();
    dense_pairs_.clear();
    const std::size_t all_pairs = cp.source().meters.size() * cp.customers().size();
    const bool dense = all_pairs <= dense_pairs_limit;
    if (dense) dense_pairs_.resize(all_pairs);  // a pair no item bills stays at end_of_time
    for (const auto& [key, items] : cp.metered_pairs()) {
      pair_state ps;
      for (const std::size_t item : items) {
        const auto& open = unfrozen_[cp.items()[item].subscription];
        if (open) ps.horizon = std::min(ps.horizon, open->start);
      }
      if (ps.horizon != end_of_time) {
        ps.horizon = from_unix(to_unix(ps.horizon) - ((to_unix(ps.horizon) % 86400) + 86400) % 86400);
      }
      if (dense) {
        const auto& first = cp.items()[items.front()];
        dense_pairs_[first.meter * cp.customers().size() + first.customer] = ps;
      } else {
        pairs_.emplace(key, ps);
      }
    }
  }

  /// What `place` knows of one (meter, customer) pair.
  struct pair_state {
    timestamp horizon = end_of_time;  ///< before it, an event counts in no open period
    std::optional<period> last;       ///< the segment found last
  };

  simulator_history options_;
  std::vector<std::optional<period>> unfrozen_;  ///< per subscription: its earliest open period
  std::vector<billing_schedule<>> schedules_;    ///< per subscription: its schedule as it ends now (B9)
  std::vector<std::vector<timestamp>> cuts_;     ///< per subscription: `ends_later`, sorted
  timestamp next_freeze_ = end_of_time;          ///< the earliest finalized_at among them
  std::map<std::pair<std::size_t, std::int64_t>, std::int64_t> frozen_;  ///< (item, period start) -> quantity
  std::size_t compact_at_ = 1;  ///< forget events when the log reaches this size
  /// Derived from `unfrozen_` (never saved): by meter x customers + customer when there are at
  /// most `dense_pairs_limit` such pairs, else by `compiled_plan::meter_customer_key`.
  std::vector<pair_state> dense_pairs_;
  std::unordered_map<std::uint64_t, pair_state> pairs_;
  static constexpr std::size_t dense_pairs_limit = std::size_t{1} << 20;
};

/// The bookkeeping of a bounded history.
using history_keeper = basic_history_keeper<>;

}  // namespace meterkit
