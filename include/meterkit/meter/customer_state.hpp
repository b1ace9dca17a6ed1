// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The state of one customer of one meter, in the two forms of `meter`'s History policy:
///
/// - `customer_history<F, I>`: the general path (SPEC "The model", M7-M11). Every accepted record
///   is kept, sorted by event time then arrival, with its cancellation time. The ingestion policy's
///   `fold` is the one definition of what counts for `[start, end)` as of `as_of`. Beside the
///   records a running state of "everything, as of every change so far" is kept up to date from
///   the changes the ingestion policy's `survivor_index` reports; a query that covers all records
///   as of the latest change is answered from it (the fast path). Records that can no longer
///   change what any later query sees may be taken out (`settle`): forgotten, or folded into a
///   *settled segment*, one formula state per span of time, which is how a long stream keeps its
///   memory bounded (billing/history.hpp).
/// - `customer_running_state<F, I>`: only the running state, for embedded metering: the ingestion
///   policy's own `running_state<F>` (with `raw` one formula state, 16 bytes for `sum`, 8 for
///   `count`; with `pre_aggregated` the surviving record of every window plus, for invertible
///   formulas, their running fold).
///
/// Nothing here knows an ingestion rule: what counts (M7, M8) is the ingestion policy's
/// (ingestion/raw.hpp, ingestion/pre_aggregated.hpp), and so a new policy needs no change here.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/ingestion/event_record.hpp>
#include <meterkit/ingestion/ingestion.hpp>

namespace meterkit {

/// One record taken out of a `customer_history` by `settle`: the record with arrival `arrival` is
/// forgotten (`into` empty) or folded into the settled segment `into`.
struct record_settlement {
  std::uint64_t arrival = 0;
  period into{};  ///< empty: forget the record; else the settled segment that takes its contribution
};

/// One customer's records with the general bitemporal query and an O(1) fast path.
template <class Formula, class Ingestion>
class customer_history {
 public:
  using state_type = typename Formula::state_type;
  /// Whether the running state can be kept exact incrementally: a commutative formula, and an
  /// invertible one when an arrival can displace an event that counted (pre-aggregation).
  static constexpr bool keeps_running_state =
      Formula::is_commutative &&
      (!Ingestion::survivor_index::replaces_on_arrival || invertible_formula<Formula>);
  /// Whether records can be folded into settled segments (`settle`): no arrival ever displaces a
  /// counted record (so a record that can no longer be cancelled counts for good), and the formula
  /// merges partial states whatever their order.
  static constexpr bool can_settle = !Ingestion::survivor_index::replaces_on_arrival &&
                                     mergeable_formula<Formula> && Formula::is_commutative;

  /// A settled segment: the merged state of the records folded into `span`.
  struct settled_segment {
    period span;
    state_type state = Formula::identity();
    friend bool operator==(const settled_segment&, const settled_segment&) = default;
  };

  /// Adds one record (possibly already cancelled). `(time, arrival)` must be new.
  void add(const event_record& r) {
    insert_record(r);
    note_change(r.received_at);
    if (r.cancelled()) {
      note_change(r.cancelled_at);
      rebuild_running();
      return;
    }
    if constexpr (keeps_running_state) {
      index_.add(window_survivor{r.time, r.arrival, r.value},
                 [&](const window_survivor* counted, const window_survivor* uncounted) {
                   apply_change(counted, uncounted);
                 });
    } else {
      running_exact_ = false;
    }
  }

  /// Cancels the record `(time, arrival)` as of `cancelled_at` (M10). False when there is no such
  /// record or it is already cancelled.
  bool cancel(timestamp time, std::uint64_t arrival, timestamp cancelled_at) {
    const event_record key{time, {}, arrival, 0, never};
    if (blocks_.empty()) return false;
    auto& block = blocks_[block_for(key)];
    auto it = std::lower_bound(block.begin(), block.end(), key, record_before);
    if (it == block.end() || it->time != time || it->arrival != arrival || it->cancelled()) return false;
    it->cancelled_at = cancelled_at;
    if constexpr (keeps_running_state) {
      // The block holds the record's whole group (a window never straddles two blocks).
      index_.cancel(time, arrival, std::span<const event_record>(block),
                    [&](const window_survivor* counted, const window_survivor* uncounted) {
                      apply_change(counted, uncounted);
                    });
    } else {
      running_exact_ = false;
    }
    note_change(cancelled_at);
    return true;
  }

  /// The state over the events that count for `p` as of `as_of`, by the fast path when the query
  /// covers every record as of every change, else by the ingestion policy's fold.
  [[nodiscard]] state_type state(period p, timestamp as_of) const {
    if (answers_from_running(p, as_of)) return running_;
    return state_by_fold(p, as_of);
  }

  /// Whether `state(p, as_of)` takes the fast path.
  [[nodiscard]] bool answers_from_running(period p, timestamp as_of) const noexcept {
    if (!keeps_running_state || !running_exact_ || latest_change_ > as_of) return false;
    if (blocks_.empty() && settled_.empty()) return false;
    const bool covers_records =
        blocks_.empty() || (p.start <= blocks_.front().front().time && blocks_.back().back().time < p.end);
    const bool covers_settled =
        settled_.empty() || (p.start <= settled_.front().span.start && settled_.back().span.end <= p.end);
    return covers_records && covers_settled;
  }

  /// The state by the general path only: the ingestion policy's fold of the records, merged with
  /// the settled segments inside `p`. `as_of` must not be before `settled_through()`, and `p` must
  /// contain or miss each settled segment (`METERKIT_ASSERT`).
  [[nodiscard]] state_type state_by_fold(period p, timestamp as_of) const {
    auto st = Formula::identity();
    if (p.empty()) return st;
    if constexpr (can_settle) merge_settled(st, p, as_of);
    if (blocks_.empty()) return st;
    // Blocks are sorted and no window straddles two of them: fold each block that meets p.
    const timestamp from = Ingestion::group_start(p.start);
    auto b =
        std::lower_bound(blocks_.begin(), blocks_.end(), from,
                         [](const std::vector<event_record>& x, timestamp t) { return x.back().time < t; });
    for (; b != blocks_.end() && b->front().time < p.end; ++b) {
      Ingestion::template fold<Formula>(st, std::span<const event_record>(*b), p, as_of);
    }
    return st;
  }

  /// The records, sorted by event time then arrival (a copy; records taken out by `settle` are
  /// not among them).
  [[nodiscard]] std::vector<event_record> records() const {
    std::vector<event_record> out;
    out.reserve(size_);
    for (const auto& b : blocks_) out.insert(out.end(), b.begin(), b.end());
    return out;
  }
  /// Number of records.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  /// Adds every record of `other` (no `(time, arrival)` in common).
  void merge(const customer_history& other) {
    const auto mine = records();
    const auto theirs = other.records();
    std::vector<event_record> merged;
    merged.reserve(mine.size() + theirs.size());
    std::merge(mine.begin(), mine.end(), theirs.begin(), theirs.end(), std::back_inserter(merged),
               record_before);
    for (std::size_t k = 1; k < merged.size(); ++k) {
      METERKIT_ASSERT(merged[k].time != merged[k - 1].time || merged[k].arrival != merged[k - 1].arrival,
                      "meterkit: meter::merge: both meters hold the same arrival");
    }
    const timestamp latest = std::max(latest_change_, other.latest_change_);
    if constexpr (can_settle) {
      for (const auto& seg : other.settled_) fold_into(seg.span, seg.state);
      settled_through_ = std::max(settled_through_, other.settled_through_);
    }
    assign(std::move(merged));
    latest_change_ = std::max(latest_change_, latest);
  }

  // ---- settling -------------------------------------------------------------------------------

  /// Takes the records that `orders` name (by arrival, ascending; each must be a record here) out
  /// of the history: each is forgotten or, when `can_settle`, folded into its settled segment (a
  /// cancelled record is dropped: it counts for no `as_of` after its cancellation). Afterwards
  /// every query must be as of `settled_through()` or later, the latest arrival or cancellation of
  /// a record taken out, and must contain or miss each settled segment. Returns how many records
  /// were taken out.
  std::size_t settle(std::span<const record_settlement> orders) {
    if (orders.empty()) return 0;
    std::size_t taken = 0;
    for (auto& block : blocks_) {
      const auto past = std::remove_if(block.begin(), block.end(), [&](const event_record& r) {
        const auto order = std::lower_bound(
            orders.begin(), orders.end(), r.arrival,
            [](const record_settlement& o, std::uint64_t arrival) { return o.arrival < arrival; });
        if (order == orders.end() || order->arrival != r.arrival) return false;
        take_out(r, order->into);
        ++taken;
        return true;
      });
      block.erase(past, block.end());
    }
    METERKIT_ASSERT(taken == orders.size(),
                    "meterkit: meter: settle names a record the history does not hold");
    std::erase_if(blocks_, [](const std::vector<event_record>& b) { return b.empty(); });
    size_ -= taken;
    rebuild_running();
    return taken;
  }

  /// Takes one record straight into the settled state, as if it had been added and then taken
  /// out by `settle` with `into` (a record that can never change what a later query sees: it is
  /// never cancelled and no arrival displaces it): forgotten when `into` is empty, else folded
  /// into that segment, so that it is never held. `settle`'s preconditions apply to every later
  /// query.
  void settle_arrival(const event_record& r, period into) {
    METERKIT_ASSERT(!r.cancelled(), "meterkit: meter: a cancelled record settled on arrival");
    take_out(r, into);
    note_change(r.received_at);
    if constexpr (keeps_running_state) {
      if (!into.empty()) update_running([&](state_type& s) { Formula::accumulate(s, r.to_sample()); });
    }
  }

  /// The settled segments, sorted by start and disjoint.
  [[nodiscard]] std::span<const settled_segment> settled() const noexcept { return settled_; }
  /// The latest arrival or cancellation among the records taken out by `settle`.
  [[nodiscard]] timestamp settled_through() const noexcept { return settled_through_; }

  /// Writes the settled segments (core/persistence.hpp): count, then each span and state, then
  /// `settled_through()`.
  void save_settled(state_writer& out) const {
    out.size(settled_.size());
    for (const auto& seg : settled_) {
      out.i64(to_unix(seg.span.start));
      out.i64(to_unix(seg.span.end));
      Formula::save_state(out, seg.state);
    }
    out.i64(to_unix(settled_through_));
  }
  /// Reads back what `save_settled` wrote, replacing the settled segments; `corrupt_state_error`
  /// for segments that are empty, unsorted or overlapping, or that this history cannot hold, and
  /// for times outside `saved_time_limit` (`settled_through()` may also be the "nothing settled"
  /// value). Whether `settled_through()` lies ahead of the clock of what holds this state is the
  /// holder's check (meter_ledger::load).
  void load_settled(state_reader& in) {
    std::vector<settled_segment> segments(in.count(17));
    for (std::size_t k = 0; k < segments.size(); ++k) {
      auto& seg = segments[k];
      seg.span.start = in.time();
      seg.span.end = in.time();
      seg.state = Formula::load_state(in);
      in.require(can_settle, "settled segments in a meter that cannot settle");
      in.require(!seg.span.empty(), "an empty settled segment");
      in.require(k == 0 || !(seg.span.start < segments[k - 1].span.end), "settled segments out of order");
    }
    const std::int64_t through_unix = in.i64();
    in.require(through_unix == std::numeric_limits<std::int64_t>::min() ||
                   (through_unix <= saved_time_limit && through_unix >= -saved_time_limit),
               "a settled-through time is out of range");
    const timestamp through = from_unix(through_unix);
    settled_ = std::move(segments);
    settled_through_ = through;
    note_change(through);
    rebuild_running();
  }

  /// Replaces the records by `sorted` (sorted by `record_before`, unique); false if not sorted.
  /// Settled segments are kept.
  bool assign(std::vector<event_record> sorted) {
    for (std::size_t k = 1; k < sorted.size(); ++k) {
      if (!record_before(sorted[k - 1], sorted[k])) return false;
    }
    blocks_.clear();
    size_ = sorted.size();
    std::size_t start = 0;
    while (start < sorted.size()) {
      std::size_t end = std::min(sorted.size(), start + block_target);
      while (end < sorted.size() && Ingestion::same_group(sorted[end - 1].time, sorted[end].time)) ++end;
      blocks_.emplace_back(sorted.begin() + static_cast<std::ptrdiff_t>(start),
                           sorted.begin() + static_cast<std::ptrdiff_t>(end));
      start = end;
    }
    latest_change_ = from_unix(std::numeric_limits<std::int64_t>::min());
    if (!settled_.empty()) note_change(settled_through_);
    for (const auto& b : blocks_) {
      for (const auto& r : b) {
        note_change(r.received_at);
        if (r.cancelled()) note_change(r.cancelled_at);
      }
    }
    rebuild_running();
    return true;
  }

 private:
  void note_change(timestamp t) noexcept {
    if (t != never && t > latest_change_) latest_change_ = t;
  }

  /// One record of `settle`: its changes are noted as settled, and a visible one joins `into`.
  void take_out(const event_record& r, period into) {
    settled_through_ = std::max(settled_through_, r.cancelled() ? r.cancelled_at : r.received_at);
    if (into.empty() || r.cancelled()) return;
    if constexpr (can_settle) {
      METERKIT_ASSERT(into.contains(r.time),
                      "meterkit: meter: a record settled into a segment outside its time");
      auto st = Formula::identity();
      Formula::accumulate(st, r.to_sample());
      fold_into(into, st);
    } else {
      METERKIT_ASSERT(
          false, "meterkit: meter: settling into a segment needs a formula and ingestion that can settle");
    }
  }

  /// Merges `st` into the settled segment `span`, which must equal or miss every segment held.
  void fold_into(period span, const state_type& st) {
    if constexpr (can_settle) {
      auto it = std::lower_bound(settled_.begin(), settled_.end(), span.start,
                                 [](const settled_segment& s, timestamp t) { return s.span.start < t; });
      if (it != settled_.end() && it->span == span) {
        Formula::merge(it->state, st);
        return;
      }
      METERKIT_ASSERT((it == settled_.end() || !(it->span.start < span.end)) &&
                          (it == settled_.begin() || !(span.start < std::prev(it)->span.end)),
                      "meterkit: meter: settled segments that overlap");
      settled_.insert(it, settled_segment{span, st});
    }
  }

  /// Merges into `st` the settled segments inside `p`.
  void merge_settled(state_type& st, period p, timestamp as_of) const {
    if (settled_.empty()) return;
    METERKIT_ASSERT(!(as_of < settled_through_),
                    "meterkit: meter: a query as of " + std::to_string(to_unix(as_of)) +
                        ", before records settled as of " + std::to_string(to_unix(settled_through_)));
    auto it = std::lower_bound(settled_.begin(), settled_.end(), p.start,
                               [](const settled_segment& s, timestamp t) { return !(t < s.span.end); });
    for (; it != settled_.end() && it->span.start < p.end; ++it) {
      METERKIT_ASSERT(!(it->span.start < p.start) && !(p.end < it->span.end),
                      "meterkit: meter: a query period cuts a settled segment");
      Formula::merge(st, it->state);
    }
  }

  /// Recomputes the running state from the records (exact for every commutative formula).
  void rebuild_running() {
    running_exact_ = keeps_running_state;
    running_ = Formula::identity();
    if constexpr (keeps_running_state) {
      index_.clear();
      for (const auto& b : blocks_) index_.add_survivors_of(std::span<const event_record>(b));
      update_running([&](state_type& s) { s = state_by_fold(all_time, end_of_time); });
    }
  }

  /// Keeps the running state in step with a change of what counts, as the survivor index reports
  /// it: `counted` now counts, `uncounted` no longer does (either may be nullptr). Taking an event
  /// out needs an invertible formula; otherwise the running state is given up.
  void apply_change(const window_survivor* counted, const window_survivor* uncounted) {
    if constexpr (invertible_formula<Formula>) {
      update_running([&](state_type& s) {
        if (uncounted != nullptr) Formula::retract(s, uncounted->to_sample());
        if (counted != nullptr) Formula::accumulate(s, counted->to_sample());
      });
    } else {
      if (uncounted != nullptr) {
        running_exact_ = false;
        return;
      }
      if (counted != nullptr)
        update_running([&](state_type& s) { Formula::accumulate(s, counted->to_sample()); });
    }
  }

  /// Applies `fn` to a copy of the running state and keeps the result. The running state is only
  /// an optimisation: when it leaves the formula's range (`overflow_error`, e.g. an all-time sum
  /// of many periods) it is given up and queries take the general path, which reports overflow
  /// only for the quantities actually asked for.
  template <class Fn>
  void update_running(Fn&& fn) {
    if (!running_exact_) return;
    state_type next = running_;
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
    try {
      fn(next);
    } catch (const overflow_error&) {
      running_exact_ = false;
      return;
    }
#else
    fn(next);
#endif
    running_ = next;
  }

  // ---- storage: sorted blocks of at most about 2 * block_target records; a group of the
  // ---- ingestion policy (a pre-aggregation window) never straddles two blocks, so each block
  // ---- folds on its own.

  static constexpr std::size_t block_target = 256;

  /// The block that holds, or would hold, `r`: the first whose last record is not before `r`
  /// (else the last block), moved back one block when `r`'s group already ends that block.
  [[nodiscard]] std::size_t block_for(const event_record& r) const {
    auto b = std::lower_bound(
        blocks_.begin(), blocks_.end(), r,
        [](const std::vector<event_record>& x, const event_record& y) { return record_before(x.back(), y); });
    std::size_t k = b == blocks_.end() ? blocks_.size() - 1 : static_cast<std::size_t>(b - blocks_.begin());
    if (k > 0 && Ingestion::same_group(blocks_[k - 1].back().time, r.time)) --k;
    return k;
  }

  void insert_record(const event_record& r) {
    if (blocks_.empty()) {
      blocks_.emplace_back();
      blocks_.back().reserve(16);
      blocks_.back().push_back(r);
      size_ = 1;
      return;
    }
    const std::size_t k = block_for(r);
    auto& block = blocks_[k];
    auto pos = std::upper_bound(block.begin(), block.end(), r, record_before);
    METERKIT_ASSERT(pos == block.begin() || (pos - 1)->time != r.time || (pos - 1)->arrival != r.arrival,
                    "meterkit: meter: two records with the same arrival");
    block.insert(pos, r);
    ++size_;
    if (block.size() > 2 * block_target) split(k);
  }

  /// Splits block `k` near its middle at a group boundary (never inside a window). O(log n) to
  /// find the cut; a block holding a single group stays whole.
  void split(std::size_t k) {
    auto& block = blocks_[k];
    std::size_t cut = block.size() / 2;
    if (Ingestion::same_group(block[cut - 1].time, block[cut].time)) {
      if (Ingestion::same_group(block.front().time, block.back().time)) return;
      // Groups are intervals of time: move the cut to the nearer end of the group around it.
      const timestamp mid = block[cut].time;
      const auto first = std::partition_point(block.begin(), block.end(), [&](const event_record& r) {
        return r.time < mid && !Ingestion::same_group(r.time, mid);
      });
      const auto past = std::partition_point(
          first, block.end(), [&](const event_record& r) { return Ingestion::same_group(r.time, mid); });
      const auto a = static_cast<std::size_t>(first - block.begin());
      const auto b = static_cast<std::size_t>(past - block.begin());
      if (a == 0) {
        cut = b;
      } else if (b == block.size()) {
        cut = a;
      } else {
        cut = (cut - a <= b - cut) ? a : b;
      }
    }
    std::vector<event_record> tail(block.begin() + static_cast<std::ptrdiff_t>(cut), block.end());
    block.erase(block.begin() + static_cast<std::ptrdiff_t>(cut), block.end());
    blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(k + 1), std::move(tail));
  }

  std::vector<std::vector<event_record>> blocks_;  // sorted by record_before, none empty
  std::size_t size_ = 0;
  // What counts as of everything so far (with pre-aggregation the survivor of every window), kept
  // only beside a running state; empty for raw ingestion.
  [[no_unique_address]] typename Ingestion::survivor_index index_;
  state_type running_ = Formula::identity();
  bool running_exact_ = true;
  timestamp latest_change_ = from_unix(std::numeric_limits<std::int64_t>::min());
  std::vector<settled_segment> settled_;  // sorted by start, disjoint, none empty
  timestamp settled_through_ = from_unix(std::numeric_limits<std::int64_t>::min());
};

/// One customer's running state only (no history): the ingestion policy's own `running_state`
/// (ingestion/raw.hpp: the formula's state; ingestion/pre_aggregated.hpp: the window survivors).
template <class Formula, class Ingestion>
using customer_running_state = typename Ingestion::template running_state<Formula>;

}  // namespace meterkit
