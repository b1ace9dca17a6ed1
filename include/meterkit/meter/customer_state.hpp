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
#include <meterkit/core/persistence.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/ingestion/event_record.hpp>
#include <meterkit/ingestion/ingestion.hpp>

namespace meterkit {

/// A period that contains every supported time (and far more).
inline constexpr period all_time{from_unix(-(std::int64_t{1} << 62)), from_unix(std::int64_t{1} << 62)};
/// An `as_of` later than every arrival and every cancellation: "everything accepted so far".
inline constexpr timestamp end_of_time = from_unix(std::numeric_limits<std::int64_t>::max() - 1);

/// The surviving event of one window in a running state: event time, arrival, value (24 bytes;
/// the window is the one of `time`).
struct window_survivor {
  timestamp time{};
  std::uint64_t arrival = 0;
  std::int64_t value = 0;

  [[nodiscard]] constexpr sample to_sample() const noexcept { return sample{time, arrival, value}; }
  friend constexpr bool operator==(const window_survivor&, const window_survivor&) = default;
};

namespace detail {

/// Where an event goes among the window survivors (M8: the greatest arrival survives).
enum class survivor_change { inserted, replaced, ignored };
struct survivor_slot {
  survivor_change change = survivor_change::ignored;
  std::size_t index = 0;  ///< where to insert, or the survivor to replace
};

/// Where `x` goes in `survivors` (one per window of `W`, sorted by time), without changing them.
/// Events in the last window or a later one take O(1).
template <class W>
survivor_slot locate_survivor(const std::vector<window_survivor>& survivors, const window_survivor& x) {
  const timestamp w = W::floor(x.time);
  if (survivors.empty() || W::floor(survivors.back().time) < w)
    return {survivor_change::inserted, survivors.size()};
  std::size_t k = survivors.size() - 1;
  if (W::floor(survivors[k].time) != w) {
    k = static_cast<std::size_t>(
        std::lower_bound(survivors.begin(), survivors.end(), w,
                         [](const window_survivor& s, timestamp t) { return s.time < t; }) -
        survivors.begin());
    if (W::floor(survivors[k].time) != w) return {survivor_change::inserted, k};
  }
  if (survivors[k].arrival >= x.arrival)
    return {survivor_change::ignored, k};  // an older arrival never replaces
  return {survivor_change::replaced, k};
}

/// Applies a `locate_survivor` result.
inline void commit_survivor(std::vector<window_survivor>& survivors, survivor_slot slot,
                            const window_survivor& x) {
  if (slot.change == survivor_change::inserted) {
    survivors.insert(survivors.begin() + static_cast<std::ptrdiff_t>(slot.index), x);
  } else if (slot.change == survivor_change::replaced) {
    survivors[slot.index] = x;
  }
}

/// The survivor of the window of `t`, if any.
template <class W>
window_survivor* find_survivor(std::vector<window_survivor>& survivors, timestamp t) {
  const timestamp w = W::floor(t);
  auto it = std::lower_bound(survivors.begin(), survivors.end(), w,
                             [](const window_survivor& s, timestamp x) { return s.time < x; });
  if (it == survivors.end() || W::floor(it->time) != w) return nullptr;
  return &*it;
}

}  // namespace detail

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
    insert_record(r);
    note_change(r.received_at);
    if (r.cancelled()) {
      note_change(r.cancelled_at);
      rebuild_running();
      return;
    }
    if constexpr (keeps_running_state) {
      if constexpr (Ingestion::is_pre_aggregated) {
        const window_survivor x{r.time, r.arrival, r.value};
        const auto slot = detail::locate_survivor<typename Ingestion::window>(survivors_, x);
        if (slot.change == detail::survivor_change::inserted) {
          update_running([&](state_type& s) { Formula::accumulate(s, x.to_sample()); });
        } else if (slot.change == detail::survivor_change::replaced) {
          const window_survivor old = survivors_[slot.index];
          update_running([&](state_type& s) {
            Formula::retract(s, old.to_sample());
            Formula::accumulate(s, x.to_sample());
          });
        }
        detail::commit_survivor(survivors_, slot, x);
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
    if (blocks_.empty()) return false;
    auto& block = blocks_[block_for(key)];
    auto it = std::lower_bound(block.begin(), block.end(), key, record_before);
    if (it == block.end() || it->time != time || it->arrival != arrival || it->cancelled()) return false;
    if constexpr (keeps_running_state && Ingestion::is_pre_aggregated) {
      it->cancelled_at = cancelled_at;
      window_survivor* survivor = detail::find_survivor<typename Ingestion::window>(survivors_, time);
      if (survivor != nullptr &&
          survivor->arrival == arrival) {  // the survivor falls: the next arrival counts
        const window_survivor old = *survivor;
        const event_record* next = survivor_except(time, nullptr);
        if (next != nullptr) {
          *survivor = window_survivor{next->time, next->arrival, next->value};
        } else {
          survivors_.erase(survivors_.begin() + (survivor - survivors_.data()));
        }
        update_running([&](state_type& s) {
          Formula::retract(s, old.to_sample());
          if (next != nullptr) Formula::accumulate(s, next->to_sample());
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
    return keeps_running_state && running_exact_ && !blocks_.empty() && latest_change_ <= as_of &&
           p.start <= blocks_.front().front().time && blocks_.back().back().time < p.end;
  }

  /// The state by the general path only.
  [[nodiscard]] state_type state_by_fold(period p, timestamp as_of) const {
    auto st = Formula::identity();
    if (p.empty() || blocks_.empty()) return st;
    // Blocks are sorted and no window straddles two of them: fold each block that meets p.
    const timestamp from = first_time_needed(p.start);
    auto b =
        std::lower_bound(blocks_.begin(), blocks_.end(), from,
                         [](const std::vector<event_record>& x, timestamp t) { return x.back().time < t; });
    for (; b != blocks_.end() && b->front().time < p.end; ++b) {
      Ingestion::template fold<Formula>(st, std::span<const event_record>(*b), p, as_of);
    }
    return st;
  }

  /// The records, sorted by event time then arrival (a copy).
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
    assign(std::move(merged));
    latest_change_ = std::max(latest_change_, latest);
  }

  /// Replaces the records by `sorted` (sorted by `record_before`, unique); false if not sorted.
  bool assign(std::vector<event_record> sorted) {
    for (std::size_t k = 1; k < sorted.size(); ++k) {
      if (!record_before(sorted[k - 1], sorted[k])) return false;
    }
    blocks_.clear();
    size_ = sorted.size();
    std::size_t start = 0;
    while (start < sorted.size()) {
      std::size_t end = std::min(sorted.size(), start + block_target);
      while (end < sorted.size() && same_window(sorted[end - 1].time, sorted[end].time)) ++end;
      blocks_.emplace_back(sorted.begin() + static_cast<std::ptrdiff_t>(start),
                           sorted.begin() + static_cast<std::ptrdiff_t>(end));
      start = end;
    }
    latest_change_ = from_unix(std::numeric_limits<std::int64_t>::min());
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

  /// Recomputes the running state from the records (exact for every commutative formula).
  void rebuild_running() {
    running_exact_ = keeps_running_state;
    running_ = Formula::identity();
    if constexpr (keeps_running_state && Ingestion::is_pre_aggregated) {
      survivors_.clear();
      for (const auto& b : blocks_) {
        Ingestion::for_each_survivor(std::span<const event_record>(b), all_time, end_of_time,
                                     [&](const event_record& r) {
                                       survivors_.push_back({r.time, r.arrival, r.value});
                                     });
      }
    }
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
    if (blocks_.empty()) return nullptr;
    const auto& block = blocks_[block_for(event_record{start, {}, 0, 0, never})];
    auto it = std::lower_bound(block.begin(), block.end(), start,
                               [](const event_record& r, timestamp x) { return r.time < x; });
    const event_record* best = nullptr;
    for (; it != block.end() && W::floor(it->time) == start; ++it) {
      if (&*it == skip || it->cancelled()) continue;
      if (best == nullptr || it->arrival > best->arrival) best = &*it;
    }
    return best;
  }

  // ---- storage: sorted blocks of at most about 2 * block_target records; with pre-aggregation
  // ---- a window never straddles two blocks, so each block folds on its own.

  static constexpr std::size_t block_target = 256;

  [[nodiscard]] static bool same_window(timestamp a, timestamp b) {
    if constexpr (Ingestion::is_pre_aggregated) {
      return Ingestion::window::floor(a) == Ingestion::window::floor(b);
    } else {
      return false;
    }
  }
  /// The earliest event time whose record can matter for a period starting at `t`.
  [[nodiscard]] static timestamp first_time_needed(timestamp t) {
    if constexpr (Ingestion::is_pre_aggregated) {
      return Ingestion::window::floor(t);
    } else {
      return t;
    }
  }

  /// The block that holds, or would hold, `r`: the first whose last record is not before `r`
  /// (else the last block), moved back one block when `r`'s window already ends that block.
  [[nodiscard]] std::size_t block_for(const event_record& r) const {
    auto b = std::lower_bound(
        blocks_.begin(), blocks_.end(), r,
        [](const std::vector<event_record>& x, const event_record& y) { return record_before(x.back(), y); });
    std::size_t k = b == blocks_.end() ? blocks_.size() - 1 : static_cast<std::size_t>(b - blocks_.begin());
    if (k > 0 && same_window(blocks_[k - 1].back().time, r.time)) --k;
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

  /// Splits block `k` near its middle at a window boundary (never inside a window). O(log n) to
  /// find the cut; a block holding a single window stays whole.
  void split(std::size_t k) {
    auto& block = blocks_[k];
    std::size_t cut = block.size() / 2;
    if constexpr (Ingestion::is_pre_aggregated) {
      using W = typename Ingestion::window;
      if (same_window(block.front().time, block.back().time)) return;
      const timestamp w = W::floor(block[cut].time);
      const auto first = std::partition_point(block.begin(), block.end(),
                                              [&](const event_record& r) { return W::floor(r.time) < w; });
      const auto past = std::partition_point(first, block.end(),
                                             [&](const event_record& r) { return W::floor(r.time) == w; });
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
  std::vector<window_survivor> survivors_;  // pre-aggregated: not-cancelled survivor per window, by time
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
  /// The state of both streams: the formula's merge, so the formula must be mergeable.
  void merge(const customer_running_state& other) {
    static_assert(mergeable_formula<Formula>,
                  "meterkit: meter::merge of running states without history needs a mergeable formula "
                  "(`is_mergeable` and `merge`, see aggregation/formula.hpp)");
    Formula::merge(running_, other.running_);
  }
  /// Writes the formula's state (`Formula::save_state`).
  void save(state_writer& out) const { Formula::save_state(out, running_); }
  /// Reads what `save` wrote.
  void load(state_reader& in) { running_ = Formula::load_state(in); }

 private:
  state_type running_ = Formula::identity();
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
    const auto slot = detail::locate_survivor<window>(survivors_, x);
    if constexpr (invertible_formula<Formula>) {
      if (slot.change == detail::survivor_change::inserted) {
        state_type next = running_;
        Formula::accumulate(next, x.to_sample());
        running_ = next;
      } else if (slot.change == detail::survivor_change::replaced) {
        state_type next = running_;
        Formula::retract(next, survivors_[slot.index].to_sample());
        Formula::accumulate(next, x.to_sample());
        running_ = next;
      }
    }
    detail::commit_survivor(survivors_, slot, x);
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
  /// Writes the survivors: a `u64` count, then per survivor `i64` time, `u64` arrival, `i64` value.
  void save(state_writer& out) const {
    out.size(survivors_.size());
    for (const auto& x : survivors_) {
      out.i64(to_unix(x.time));
      out.u64(x.arrival);
      out.i64(x.value);
    }
  }
  /// Reads what `save` wrote, as if the survivors arrived again.
  void load(state_reader& in) {
    for (std::size_t n = in.count(24); n > 0; --n) {
      const timestamp t = from_unix(in.i64());
      const std::uint64_t arrival = in.u64();
      const std::int64_t value = in.i64();
      add(event_record{t, t, arrival, value, never});
    }
  }

 private:
  std::vector<window_survivor> survivors_;  // one per window, sorted by time
  state_type running_ = Formula::identity();
};

}  // namespace meterkit
