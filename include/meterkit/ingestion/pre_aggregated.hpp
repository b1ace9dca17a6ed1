// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Pre-aggregated ingestion (SPEC M8, D15; `event_time_window = hour | day`): per customer and
/// window of the event timestamp, only the most recently *arrived* accepted, non-cancelled event
/// counts: **the survivor of a window is its latest arrival** (`supersedes`, `survivor_of`). When
/// it is cancelled, the most recent remaining one counts again. The survivor is chosen over the
/// whole window as of `as_of`, before any period filter, and counts in the period that contains
/// its own timestamp.
///
/// Everything that applies the rule lives here, written once:
/// - `fold` (and `for_each_survivor`): the survivors of records as of any `as_of`, the general
///   bitemporal path of a meter with history;
/// - `survivor_index`: the survivors as of everything so far, kept up to date arrival by arrival
///   and cancellation by cancellation (the running state of a meter with history);
/// - `running_state<F>`: the whole per-customer state of a meter without history (the survivors
///   and, for invertible formulas, their running fold).
/// A caller that batches by window (the reporter) keys by `window_start` and keeps, per window,
/// the arrival that `supersedes` the one it holds.
///
/// The window is a type: `pre_aggregated<utc_hour>`, `pre_aggregated<utc_day>`, and any other
/// `time_window` (`pre_aggregated<utc_minute>`, `pre_aggregated<utc_week>`) is one line.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/calendar/window.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/detail/static_string.hpp>
#include <meterkit/ingestion/event_record.hpp>
#include <meterkit/ingestion/ingestion.hpp>

namespace meterkit {

namespace detail {
inline constexpr std::string_view pre_aggregated_prefix = "pre_aggregated<";
}  // namespace detail

/// The latest arrival per window counts (M8).
template <class Window>
struct pre_aggregated {
  static_assert(detail::check_window<Window>());

  /// `pre_aggregated<` and the window's name (`window_name`): `pre_aggregated<utc_hour>`.
  static constexpr std::string_view name =
      detail::joined_name<detail::pre_aggregated_prefix, window_name<Window>, detail::close_angle>::value;
  static constexpr bool is_pre_aggregated = true;
  using window = Window;

  // ------------------------------------------------------------------------------------------
  // The rule

  /// The window an event belongs to, by its start: the window of its timestamp.
  [[nodiscard]] static constexpr timestamp window_start(timestamp t) { return Window::floor(t); }

  /// Whether an event that arrived at position `arrival` replaces the survivor that arrived at
  /// `held` in the same window: the latest arrival survives (M8), whatever the timestamps.
  [[nodiscard]] static constexpr bool supersedes(std::uint64_t arrival, std::uint64_t held) noexcept {
    return arrival > held;
  }

  /// The survivor of one window as of `as_of`: among `window_records` (the records of a single
  /// window) the one visible as of `as_of` with the latest arrival; nullptr when none is visible.
  [[nodiscard]] static const event_record* survivor_of(std::span<const event_record> window_records,
                                                       timestamp as_of) noexcept {
    const event_record* survivor = nullptr;
    for (const event_record& r : window_records) {
      if (r.visible_as_of(as_of) && (survivor == nullptr || supersedes(r.arrival, survivor->arrival))) {
        survivor = &r;
      }
    }
    return survivor;
  }

  // ------------------------------------------------------------------------------------------
  // The general path: any period, any `as_of`

  /// For each window that meets `p`: the record visible as of `as_of` with the greatest arrival
  /// survives and is accumulated if its own timestamp lies in `p`. `records` are one customer's,
  /// sorted by `record_before`.
  template <formula F>
  static void fold(typename F::state_type& s, std::span<const event_record> records, period p,
                   timestamp as_of) {
    for_each_survivor(records, p, as_of, [&](const event_record& r) { F::accumulate(s, r.to_sample()); });
  }

  /// Calls `fn(record)` for the survivor of every window that meets `p` whose timestamp lies in `p`.
  template <class Fn>
  static void for_each_survivor(std::span<const event_record> records, period p, timestamp as_of, Fn&& fn) {
    if (p.empty()) return;
    auto it = std::lower_bound(records.begin(), records.end(), window_start(p.start),
                               [](const event_record& r, timestamp t) { return r.time < t; });
    while (it != records.end() && it->time < p.end) {
      const auto window_end = window_past(records, it);
      const event_record* survivor =
          survivor_of(records.subspan(static_cast<std::size_t>(it - records.begin()),
                                      static_cast<std::size_t>(window_end - it)),
                      as_of);
      if (survivor != nullptr && p.contains(survivor->time)) fn(*survivor);
      it = window_end;
    }
  }

  /// Records a fold looks at together: those of one window (storage keeps them side by side).
  [[nodiscard]] static constexpr bool same_group(timestamp a, timestamp b) {
    return window_start(a) == window_start(b);
  }
  /// The earliest event time whose record can matter for a period starting at `t`: the start of
  /// its window (the survivor is chosen over the whole window).
  [[nodiscard]] static constexpr timestamp group_start(timestamp t) { return window_start(t); }

  // ------------------------------------------------------------------------------------------
  // Incremental: the survivors as of everything so far

  /// The survivor of every window as of everything so far (one per window, sorted by time), kept
  /// up to date by arrivals and cancellations. Each change of what counts is reported to the
  /// caller as `on_change(counted, uncounted)` (either may be nullptr) so that it can keep a
  /// running fold; events arriving roughly in time order touch only the last window: O(1).
  class survivor_index {
   public:
    /// An arrival can displace a survivor, so a running fold of it needs an invertible formula.
    static constexpr bool replaces_on_arrival = true;

    /// Offers the visible arrival `x`. When it survives, calls `on_change(&x, displaced)` (the
    /// survivor it replaces, or nullptr when it opens its window) before anything changes, so that
    /// if `on_change` throws the index is as it was; then keeps it. An older arrival changes nothing.
    template <class OnChange>
    void add(const window_survivor& x, OnChange&& on_change) {
      const timestamp w = window_start(x.time);
      if (survivors_.empty() || window_start(survivors_.back().time) < w) {  // a new last window
        on_change(&x, static_cast<const window_survivor*>(nullptr));
        survivors_.push_back(x);
        return;
      }
      std::size_t k = survivors_.size() - 1;
      if (window_start(survivors_[k].time) != w) {
        k = lower_bound(w);
        if (k == survivors_.size() || window_start(survivors_[k].time) != w) {
          on_change(&x, static_cast<const window_survivor*>(nullptr));
          survivors_.insert(survivors_.begin() + static_cast<std::ptrdiff_t>(k), x);
          return;
        }
      }
      if (!supersedes(x.arrival, survivors_[k].arrival)) return;  // an older arrival never replaces
      on_change(&x, &survivors_[k]);
      survivors_[k] = x;
    }

    /// The record `(time, arrival)` was cancelled; `records` hold (at least) its whole window,
    /// sorted by `record_before`, with the cancellation already recorded. When it was its window's
    /// survivor, the latest remaining arrival survives instead: calls `on_change(next, cancelled)`
    /// (`next` nullptr when the window is left empty) after the index has changed.
    template <class OnChange>
    void cancel(timestamp time, std::uint64_t arrival, std::span<const event_record> records,
                OnChange&& on_change) {
      const std::size_t k = lower_bound(window_start(time));
      if (k == survivors_.size() || window_start(survivors_[k].time) != window_start(time) ||
          survivors_[k].arrival != arrival) {
        return;  // not the survivor: nothing that counts changes
      }
      const window_survivor old = survivors_[k];
      auto first = std::lower_bound(records.begin(), records.end(), window_start(time),
                                    [](const event_record& r, timestamp t) { return r.time < t; });
      const auto past = window_past(records, first);
      const event_record* next =
          survivor_of(records.subspan(static_cast<std::size_t>(first - records.begin()),
                                      static_cast<std::size_t>(past - first)),
                      end_of_time);
      if (next != nullptr) {
        survivors_[k] = window_survivor{next->time, next->arrival, next->value};
        on_change(&survivors_[k], &old);
      } else {
        survivors_.erase(survivors_.begin() + static_cast<std::ptrdiff_t>(k));
        on_change(static_cast<const window_survivor*>(nullptr), &old);
      }
    }

    /// Forgets every survivor (before `add_survivors_of` rebuilds the index).
    void clear() noexcept { survivors_.clear(); }
    /// Appends the survivors as of everything of `records` (sorted, whole windows, all after the
    /// windows given before): rebuilds the index block by block.
    void add_survivors_of(std::span<const event_record> records) {
      for_each_survivor(records, all_time, end_of_time, [&](const event_record& r) {
        survivors_.push_back(window_survivor{r.time, r.arrival, r.value});
      });
    }

    /// The survivors, one per window, sorted by time.
    [[nodiscard]] std::span<const window_survivor> survivors() const noexcept { return survivors_; }
    /// Calls `fn(survivor)` for every survivor whose timestamp lies in `p`.
    template <class Fn>
    void for_each_in(period p, Fn&& fn) const {
      for (std::size_t k = lower_bound(p.start); k < survivors_.size() && survivors_[k].time < p.end; ++k) {
        if (p.contains(survivors_[k].time)) fn(survivors_[k]);
      }
    }

   private:
    [[nodiscard]] std::size_t lower_bound(timestamp t) const {
      return static_cast<std::size_t>(
          std::lower_bound(survivors_.begin(), survivors_.end(), t,
                           [](const window_survivor& s, timestamp x) { return s.time < x; }) -
          survivors_.begin());
    }

    std::vector<window_survivor> survivors_;  // one per window, sorted by time
  };

  /// The whole per-customer state of a meter without history: the survivor of every window and,
  /// for invertible formulas, their running fold (so a query over everything is O(1)).
  template <formula F>
  class running_state {
   public:
    using state_type = typename F::state_type;

    /// Offers one arrival (a record without history is never cancelled).
    void add(const event_record& r) {
      index_.add(window_survivor{r.time, r.arrival, r.value},
                 [&](const window_survivor* counted, const window_survivor* uncounted) {
                   if constexpr (invertible_formula<F>) {
                     state_type next = running_;
                     if (uncounted != nullptr) F::retract(next, uncounted->to_sample());
                     F::accumulate(next, counted->to_sample());
                     running_ = next;
                   }
                 });
    }

    /// The state over the survivors whose timestamp lies in `p`.
    [[nodiscard]] state_type state(period p) const {
      const auto survivors = index_.survivors();
      if constexpr (invertible_formula<F>) {
        if (survivors.empty()) return F::identity();
        if (p.start <= survivors.front().time && survivors.back().time < p.end) return running_;
      }
      auto st = F::identity();
      index_.for_each_in(p, [&](const window_survivor& x) { F::accumulate(st, x.to_sample()); });
      return st;
    }
    /// The state over every survivor.
    [[nodiscard]] state_type state() const { return state(all_time); }
    /// The survivors, one per window, sorted by time.
    [[nodiscard]] std::span<const window_survivor> survivors() const noexcept { return index_.survivors(); }
    /// Adds every survivor of `other`: the later arrival of each window survives.
    void merge(const running_state& other) {
      for (const auto& x : other.survivors()) add(event_record{x.time, x.time, x.arrival, x.value, never});
    }

    /// Writes the survivors: a `u64` count, then per survivor `i64` time (unix seconds), `u64`
    /// arrival, `i64` value.
    void save(state_writer& out) const {
      out.size(survivors().size());
      for (const auto& x : survivors()) {
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
    survivor_index index_;
    state_type running_ = F::identity();
  };

 private:
  /// The end of the window that starts at `first` (records sorted by time).
  [[nodiscard]] static auto window_past(std::span<const event_record> records,
                                        std::span<const event_record>::iterator first) {
    if (first == records.end()) return first;
    const timestamp w = window_start(first->time);
    return std::find_if(first, records.end(),
                        [&](const event_record& r) { return window_start(r.time) != w; });
  }
};

/// Stripe's `event_time_window = hour`.
using pre_aggregated_hourly = pre_aggregated<utc_hour>;
/// Stripe's `event_time_window = day`.
using pre_aggregated_daily = pre_aggregated<utc_day>;

static_assert(detail::check_ingestion<pre_aggregated<utc_hour>>());

}  // namespace meterkit
