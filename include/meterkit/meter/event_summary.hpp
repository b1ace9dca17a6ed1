// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Event summaries (SPEC M13, D26): the quantity of a meter for one customer over `[start, end)`,
/// either as one window or grouped by UTC hour or day, one value per window in time order, same
/// formula as invoices, unclamped (M12). Bounds must be minute-aligned, and hour- or day-aligned
/// when grouped, with `start < end`; otherwise the request is refused with
/// `invalid_configuration` naming `start_time`, `end_time` or `value_grouping_window`.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <meterkit/calendar/period.hpp>
#include <meterkit/calendar/window.hpp>
#include <meterkit/core/error.hpp>

namespace meterkit {

/// One window of a summary and the meter's value over it.
struct event_summary {
  period window;
  std::int64_t aggregated_value = 0;

  friend bool operator==(const event_summary&, const event_summary&) = default;
};

/// The summaries of one customer (D26: `summarize` over every customer).
struct customer_summaries {
  std::string customer;
  std::vector<event_summary> summaries;

  friend bool operator==(const customer_summaries&, const customer_summaries&) = default;
};

/// Why `[p.start, p.end)` cannot be summarized with `grouping` (M13), or nullopt when it can.
[[nodiscard]] inline std::optional<rejection> check_summary_bounds(period p, window_kind grouping) {
  auto refuse = [](std::string param, std::string what) {
    return rejection{error_code::invalid_configuration, param + " " + what, param};
  };
  if (!(p.start < p.end)) return refuse("end_time", "must be later than start_time");
  if (!utc_minute::is_aligned(p.start)) return refuse("start_time", "must be aligned to a UTC minute");
  if (!utc_minute::is_aligned(p.end)) return refuse("end_time", "must be aligned to a UTC minute");
  if (grouping == window_kind::hour) {
    if (!utc_hour::is_aligned(p.start))
      return refuse("start_time", "must be aligned to a UTC hour when grouped by hour");
    if (!utc_hour::is_aligned(p.end))
      return refuse("end_time", "must be aligned to a UTC hour when grouped by hour");
  }
  if (grouping == window_kind::day) {
    if (!utc_day::is_aligned(p.start))
      return refuse("start_time", "must be aligned to a UTC day when grouped by day");
    if (!utc_day::is_aligned(p.end))
      return refuse("end_time", "must be aligned to a UTC day when grouped by day");
  }
  return std::nullopt;
}

/// The windows of a summary of `p` grouped by `grouping`, in time order (`p` itself for `none`).
/// How many windows `summary_windows(p, grouping)` makes, without making them: for a caller that
/// bounds a summary before building it (D26). Precondition: `check_summary_bounds(p, grouping)`
/// found nothing.
[[nodiscard]] inline std::uint64_t summary_window_count(period p, window_kind grouping) {
  if (grouping == window_kind::none) return 1;
  return static_cast<std::uint64_t>((p.end - p.start).count() / window_length(grouping).count());
}

/// Precondition: `check_summary_bounds(p, grouping)` found nothing.
[[nodiscard]] inline std::vector<period> summary_windows(period p, window_kind grouping) {
  std::vector<period> out;
  if (grouping == window_kind::none) {
    out.push_back(p);
    return out;
  }
  const seconds len = window_length(grouping);
  for (timestamp t = p.start; t < p.end; t += len) out.push_back(period{t, t + len});
  return out;
}

}  // namespace meterkit
