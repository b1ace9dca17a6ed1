// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Pre-aggregated ingestion (SPEC M8, D15; `event_time_window = hour | day`): per customer and
/// window of the event timestamp, only the most recently *arrived* accepted, non-cancelled event
/// counts. When it is cancelled, the most recent remaining one counts again. The survivor is
/// chosen over the whole window as of `as_of`, before any period filter, and counts in the
/// period that contains its own timestamp.
///
/// The window is a type: `pre_aggregated<utc_hour>`, `pre_aggregated<utc_day>`, and any other
/// `time_window` (`pre_aggregated<utc_minute>`, `pre_aggregated<utc_week>`) is one line.

#include <algorithm>
#include <span>
#include <string_view>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/calendar/window.hpp>
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
  static_assert(detail::check_window<Window>(),
                "meterkit: pre_aggregated<Window> needs a time_window such as utc_hour or utc_day");

  /// `pre_aggregated<` and the window's name (`window_name`): `pre_aggregated<utc_hour>`.
  static constexpr std::string_view name =
      detail::joined_name<detail::pre_aggregated_prefix, window_name<Window>, detail::close_angle>::value;
  static constexpr bool is_pre_aggregated = true;
  using window = Window;

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
    const timestamp first = Window::floor(p.start);
    auto it = std::lower_bound(records.begin(), records.end(), first,
                               [](const event_record& r, timestamp t) { return r.time < t; });
    while (it != records.end() && it->time < p.end) {
      // One window: [it, bucket_end) share the window of it->time.
      const auto bucket = Window::floor(it->time);
      const event_record* survivor = nullptr;
      for (; it != records.end() && Window::floor(it->time) == bucket; ++it) {
        if (it->visible_as_of(as_of) && (survivor == nullptr || it->arrival > survivor->arrival)) {
          survivor = &*it;
        }
      }
      if (survivor != nullptr && p.contains(survivor->time)) fn(*survivor);
    }
  }
};

/// Stripe's `event_time_window = hour`.
using pre_aggregated_hourly = pre_aggregated<utc_hour>;
/// Stripe's `event_time_window = day`.
using pre_aggregated_daily = pre_aggregated<utc_day>;

static_assert(detail::check_ingestion<pre_aggregated<utc_hour>>());

}  // namespace meterkit
