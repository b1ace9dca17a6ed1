// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The state of one customer of one meter, in the two forms of `meter`'s History policy:
///
/// - `customer_history<F, I>`: the general path (SPEC "The model", M7-M11). Every accepted record
///   is kept, sorted by event time then arrival, with its cancellation time. The ingestion policy's
///   `fold` is the one definition of what counts for `[start, end)` as of `as_of`. Beside the
///   records a running state of "everything, as of every change so far" is kept up to date; a
///   query that covers all records as of the latest change is answered from it (the fast path).
/// - `customer_running_state<F, I>`: only the running state, for embedded metering. With `raw`
///   that is one formula state (8 bytes for `sum`/`count`); with `pre_aggregated` the surviving
///   record of every window plus, for invertible formulas, the running state.

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/ingestion/event_record.hpp>
#include <meterkit/ingestion/ingestion.hpp>

namespace meterkit {

/// A period that contains every supported time (and far more).
inline constexpr period all_time{from_unix(-(std::int64_t{1} << 62)), from_unix(std::int64_t{1} << 62)};
/// An `as_of` later than every arrival and every cancellation: "everything accepted so far".
inline constexpr timestamp end_of_time = from_unix(std::numeric_limits<std::int64_t>::max() - 1);

/// One customer's records with the general bitemporal query and an O(1) fast path.
template <class Formula, class Ingestion>
class customer_history {
 public:
  using state_type = typename Formula::state_type;
  /// Whether the running state can be kept exact incrementally (commutative formula; for
  /// pre-aggregation also invertible, to swap a window's survivor).
  static constexpr bool keeps_running_state =
      Formula::is_commutative && (!Ingestion::is_pre_aggregated || invertible_formula<Formula>);

  /// Adds one record (possibly already cancelled). `(time, arrival)` must be new.
  void add(const event_record& r) {
    auto pos = std::upper_bound(records_.begin(), records_.end(), r, record_before);
    if (pos != records_.begin() && (pos - 1)->time == r.time && (pos - 1)->arrival == r.arrival) {
      METERKIT_THROW(std::invalid_argument("meterkit: meter: two records with the same arrival"));
    }
    pos = records_.insert(pos, r);
    note_change(r.received_at);
    if (r.cancelled()) {
      note_change(r.cancelled_at);
      rebuild_running();
      return;
    }
    if constexpr (keeps_running_state) {
      if (!running_exact_) return;
      if constexpr (Ingestion::is_pre_aggregated) {
        const event_record* prev = survivor_except(r.time, &*pos);
        if (prev == nullptr) {
          update_running([&](state_type& s) { Formula::accumulate(s, r.to_sample()); });
        } else if (prev->arrival < r.arrival) {
          update_running([&](state_type& s) {
            Formula::retract(s, prev->to_sample());
            Formula::accumulate(s, r.to_sample());
          });
        }
      } else {
        update_running([&](state_type& s) { Formula::accumulate(s, r.to_sample()); });
      }
    } else {
      running_exact_ = false;
    }
  }

  /// Cancels the record `(time, arrival)` as of `cancelled_at` (M10). False when there is no such
  /// record or it is already cancelled.
  bool cancel(timestamp time, std::uint64_t arrival, timestamp cancelled_at) {
    const event_record key{time, {}, arrival, 0, never};
    auto it = std::lower_bound(records_.begin(), records_.end(), key, record_before);
    if (it == records_.end() || it->time != time || it->arrival != arrival || it->cancelled()) return false;
    if constexpr (keeps_running_state && Ingestion::is_pre_aggregated) {
      const event_record* before = survivor_except(time, nullptr);
      it->cancelled_at = cancelled_at;
      if (before == &*it) {
        const event_record* now = survivor_except(time, nullptr);
        update_running([&](state_type& s) {
          Formula::retract(s, it->to_sample());
          if (now != nullptr) Formula::accumulate(s, now->to_sample());
        });
      }
    } else if constexpr (keeps_running_state && invertible_formula<Formula>) {
      it->cancelled_at = cancelled_at;
      update_running([&](state_type& s) { Formula::retract(s, it->to_sample()); });
    } else {
      it->cancelled_at = cancelled_at;
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
    return keeps_running_state && running_exact_ && !records_.empty() && latest_change_ <= as_of &&
           p.start <= records_.front().time && records_.back().time < p.end;
  }

  /// The state by the general path only.
  [[nodiscard]] state_type state_by_fold(period p, timestamp as_of) const {
    auto st = Formula::identity();
    Ingestion::template fold<Formula>(st, std::span<const event_record>(records_), p, as_of);
    return st;
  }

  /// The records, sorted by event time then arrival.
  [[nodiscard]] std::span<const event_record> records() const noexcept { return records_; }

  /// Adds every record of `other` (no `(time, arrival)` in common).
  void merge(const customer_history& other) {
    std::vector<event_record> merged;
    merged.reserve(records_.size() + other.records_.size());
    std::merge(records_.begin(), records_.end(), other.records_.begin(), other.records_.end(),
               std::back_inserter(merged), record_before);
    for (std::size_t k = 1; k < merged.size(); ++k) {
      if (merged[k].time == merged[k - 1].time && merged[k].arrival == merged[k - 1].arrival) {
        METERKIT_THROW(std::invalid_argument("meterkit: meter::merge: both meters hold the same arrival"));
      }
    }
    records_ = std::move(merged);
    if (other.latest_change_ > latest_change_) latest_change_ = other.latest_change_;
    rebuild_running();
  }

  /// Replaces the records by `sorted` (sorted by `record_before`, unique); false if not sorted.
  bool assign(std::vector<event_record> sorted) {
    for (std::size_t k = 1; k < sorted.size(); ++k) {
      if (!record_before(sorted[k - 1], sorted[k])) return false;
    }
    records_ = std::move(sorted);
    latest_change_ = from_unix(std::numeric_limits<std::int64_t>::min());
    for (const auto& r : records_) {
      note_change(r.received_at);
      if (r.cancelled()) note_change(r.cancelled_at);
    }
    rebuild_running();
    return true;
  }

 private:
  void note_change(timestamp t) noexcept {
    if (t != never && t > latest_change_) latest_change_ = t;
  }

  /// Recomputes the running state from the records (exact for every commutative formula).
  void rebuild_running() {
    running_exact_ = keeps_running_state;
    running_ = Formula::identity();
    if constexpr (keeps_running_state)
      update_running([&](state_type& s) { s = state_by_fold(all_time, end_of_time); });
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

  /// The not-cancelled record with the greatest arrival in the window of `t`, ignoring `skip`.
  template <class I = Ingestion>
  [[nodiscard]] const event_record* survivor_except(timestamp t, const event_record* skip) const {
    using W = typename I::window;
    const timestamp start = W::floor(t);
    auto it = std::lower_bound(records_.begin(), records_.end(), start,
                               [](const event_record& r, timestamp x) { return r.time < x; });
    const event_record* best = nullptr;
    for (; it != records_.end() && W::floor(it->time) == start; ++it) {
      if (&*it == skip || it->cancelled()) continue;
      if (best == nullptr || it->arrival > best->arrival) best = &*it;
    }
    return best;
  }

  std::vector<event_record> records_;  // sorted by record_before
  state_type running_ = Formula::identity();
  bool running_exact_ = true;
  timestamp latest_change_ = from_unix(std::numeric_limits<std::int64_t>::min());
};

/// One customer's running state only (no history): raw ingestion.
template <class Formula, class Ingestion, bool PreAggregated = Ingestion::is_pre_aggregated>
class customer_running_state {
 public:
  using state_type = typename Formula::state_type;

  void add(const event_record& r) { Formula::accumulate(running_, r.to_sample()); }
  [[nodiscard]] const state_type& state() const noexcept { return running_; }
  void set_state(const state_type& s) { running_ = s; }
  void merge(const customer_running_state& other) { Formula::merge(running_, other.running_); }

 private:
  state_type running_ = Formula::identity();
};

/// The surviving event of one window in a running state: event time, arrival, value (24 bytes;
/// the window is the one of `time`).
struct window_survivor {
  timestamp time{};
  std::uint64_t arrival = 0;
  std::int64_t value = 0;

  [[nodiscard]] constexpr sample to_sample() const noexcept { return sample{time, arrival, value}; }
  friend constexpr bool operator==(const window_survivor&, const window_survivor&) = default;
};

/// One customer's running state only (no history): pre-aggregated ingestion keeps the survivor
/// (greatest arrival) of every window (M8), sorted by window, and for invertible formulas their
/// running fold. Events arriving roughly in time order touch only the last window: O(1).
template <class Formula, class Ingestion>
class customer_running_state<Formula, Ingestion, true> {
 public:
  using state_type = typename Formula::state_type;
  using window = typename Ingestion::window;

  void add(const event_record& r) {
    const window_survivor x{r.time, r.arrival, r.value};
    const timestamp w = window::floor(r.time);
    auto it = survivors_.end();
    if (survivors_.empty() || window::floor(survivors_.back().time) < w) {
      survivors_.push_back(x);
      if constexpr (invertible_formula<Formula>) Formula::accumulate(running_, x.to_sample());
      return;
    }
    --it;
    if (window::floor(it->time) != w) {
      it = std::lower_bound(survivors_.begin(), survivors_.end(), w,
                            [](const window_survivor& s, timestamp t) { return s.time < t; });
      if (window::floor(it->time) != w) {
        survivors_.insert(it, x);
        if constexpr (invertible_formula<Formula>) Formula::accumulate(running_, x.to_sample());
        return;
      }
    }
    if (it->arrival >= x.arrival) return;  // an older arrival never replaces (M8)
    if constexpr (invertible_formula<Formula>) {
      state_type next = running_;
      Formula::retract(next, it->to_sample());
      Formula::accumulate(next, x.to_sample());
      running_ = next;
    }
    *it = x;
  }
  /// The state over the survivors whose timestamp lies in `p`.
  [[nodiscard]] state_type state(period p) const {
    if constexpr (invertible_formula<Formula>) {
      if (survivors_.empty()) return Formula::identity();
      if (p.start <= survivors_.front().time && survivors_.back().time < p.end) return running_;
    }
    auto st = Formula::identity();
    auto it = std::lower_bound(survivors_.begin(), survivors_.end(), p.start,
                               [](const window_survivor& s, timestamp t) { return s.time < t; });
    for (; it != survivors_.end() && it->time < p.end; ++it) {
      if (p.contains(it->time)) Formula::accumulate(st, it->to_sample());
    }
    return st;
  }
  [[nodiscard]] state_type state() const { return state(all_time); }
  /// The survivors, sorted by window.
  [[nodiscard]] std::span<const window_survivor> survivors() const noexcept { return survivors_; }
  void merge(const customer_running_state& other) {
    for (const auto& x : other.survivors_) add(event_record{x.time, x.time, x.arrival, x.value, never});
  }

 private:
  std::vector<window_survivor> survivors_;  // one per window, sorted by time
  state_type running_ = Formula::identity();
};

}  // namespace meterkit
