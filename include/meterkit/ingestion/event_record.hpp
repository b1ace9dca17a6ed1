// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The bitemporal record of one accepted meter event as ingestion sees it (SPEC "The model"):
/// event time, arrival time, arrival position, value, and the arrival of its cancellation if
/// any (M10). `visible_as_of(as_of)` is the one definition of "accepted, not cancelled, as of
/// `as_of`": `received_at <= as_of` and not (`cancelled_at <= as_of`).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <limits>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/core/time.hpp>

namespace meterkit {

/// The arrival time of a cancellation that never happened: later than every `as_of`.
inline constexpr timestamp never = from_unix(std::numeric_limits<std::int64_t>::max());
/// An `as_of` later than every arrival and every cancellation: "everything accepted so far".
inline constexpr timestamp end_of_time = from_unix(std::numeric_limits<std::int64_t>::max() - 1);
/// A period that contains every supported time (and far more).
inline constexpr period all_time{from_unix(-(std::int64_t{1} << 62)), from_unix(std::int64_t{1} << 62)};

/// One accepted event: when it happened, when it arrived, its position in arrival order (unique
/// per meter), its value, and when a cancellation of it arrived (`never` if none).
struct event_record {
  timestamp time{};
  timestamp received_at{};
  std::uint64_t arrival = 0;
  std::int64_t value = 0;
  timestamp cancelled_at = never;

  /// Accepted by `as_of` and not cancelled by `as_of` (M10, M11).
  [[nodiscard]] constexpr bool visible_as_of(timestamp as_of) const noexcept {
    return received_at <= as_of && as_of < cancelled_at;
  }
  [[nodiscard]] constexpr bool cancelled() const noexcept { return cancelled_at != never; }
  /// The record as a formula sees it.
  [[nodiscard]] constexpr sample to_sample() const noexcept { return sample{time, arrival, value}; }

  friend constexpr bool operator==(const event_record&, const event_record&) = default;
};

/// The order in which a meter keeps records: by event time, then arrival.
[[nodiscard]] constexpr bool record_before(const event_record& a, const event_record& b) noexcept {
  return a.time < b.time || (a.time == b.time && a.arrival < b.arrival);
}

}  // namespace meterkit
