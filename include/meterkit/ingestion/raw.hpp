// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Raw ingestion (SPEC M7, `event_time_window = null`): every accepted, not-cancelled event
/// counts; events with the same timestamp do not overwrite each other.

#include <algorithm>
#include <span>
#include <string_view>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/calendar/period.hpp>
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
};

static_assert(detail::check_ingestion<raw>());

}  // namespace meterkit
