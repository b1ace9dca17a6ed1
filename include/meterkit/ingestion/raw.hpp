// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Raw ingestion (SPEC M7, `event_time_window = null`): every accepted, not-cancelled event
/// counts; events with the same timestamp do not overwrite each other.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <cstdint>
#include <span>
#include <string_view>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/ingestion/event_record.hpp>
#include <meterkit/ingestion/ingestion.hpp>

namespace meterkit {

/// Every event counts (M7).
struct raw {
  static constexpr std::string_view name = "raw";
  static constexpr bool is_pre_aggregated = false;

  /// Accumulates every record visible as of `as_of` whose timestamp lies in `p`. `records` are
  /// one customer's, sorted by `record_before`.
  template <formula F>
  static void fold(typename F::state_type& s, std::span<const event_record> records, period p,
                   timestamp as_of) {
    if (p.empty()) return;
    auto it = std::lower_bound(records.begin(), records.end(), p.start,
                               [](const event_record& r, timestamp t) { return r.time < t; });
    for (; it != records.end() && it->time < p.end; ++it) {
      if (it->visible_as_of(as_of)) F::accumulate(s, it->to_sample());
    }
  }

  /// Every record stands alone: no two are looked at together.
  [[nodiscard]] static constexpr bool same_group(timestamp, timestamp) noexcept { return false; }
  /// A period starting at `t` needs the records from `t` on.
  [[nodiscard]] static constexpr timestamp group_start(timestamp t) noexcept { return t; }

  /// Every visible event survives: the index holds nothing and reports each arrival as counted
  /// and each cancellation as uncounted.
  class survivor_index {
   public:
    /// An arrival never displaces another.
    static constexpr bool replaces_on_arrival = false;

    template <class OnChange>
    void add(const window_survivor& x, OnChange&& on_change) {
      on_change(&x, static_cast<const window_survivor*>(nullptr));
    }
    template <class OnChange>
    void cancel(timestamp time, std::uint64_t arrival, std::span<const event_record> records,
                OnChange&& on_change) {
      const event_record key{time, {}, arrival, 0, never};
      const auto it = std::lower_bound(records.begin(), records.end(), key, record_before);
      if (it == records.end() || it->time != time || it->arrival != arrival) return;
      const window_survivor x{it->time, it->arrival, it->value};
      on_change(static_cast<const window_survivor*>(nullptr), &x);
    }
    void clear() noexcept {}
    void add_survivors_of(std::span<const event_record>) noexcept {}
  };

  /// The whole per-customer state of a meter without history: the formula's running state
  /// alone (16 bytes for `sum`'s exact total, 8 for `count`). It answers only for everything fed
  /// so far.
  template <formula F>
  class running_state {
   public:
    using state_type = typename F::state_type;

    void add(const event_record& r) { F::accumulate(running_, r.to_sample()); }
    [[nodiscard]] const state_type& state() const noexcept { return running_; }
    /// The state of both streams: the formula's merge, so the formula must be mergeable.
    void merge(const running_state& other) {
      static_assert(mergeable_formula<F>,
                    "meterkit: meter::merge of running states without history needs a mergeable formula "
                    "(`is_mergeable` and `merge`, see aggregation/formula.hpp)");
      F::merge(running_, other.running_);
    }
    /// Writes the formula's state (`F::save_state`).
    void save(state_writer& out) const { F::save_state(out, running_); }
    /// Reads what `save` wrote.
    void load(state_reader& in) { running_ = F::load_state(in); }

   private:
    state_type running_ = F::identity();
  };
};

static_assert(detail::check_ingestion<raw>());

}  // namespace meterkit
