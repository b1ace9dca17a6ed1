// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The acceptance window of a meter event's timestamp relative to its arrival (SPEC M4, D12):
/// `received_at - past <= timestamp <= received_at + future`, both ends inclusive, with Stripe's
/// 35 days and 5 minutes as defaults. Outside: `timestamp_too_far_in_past` /
/// `timestamp_in_future`, in that order (D12).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <concepts>
#include <cstdint>
#include <string>

#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>

namespace meterkit {

/// A timestamp acceptance policy: `P::check(event_time, received_at)` accepts or rejects.
template <class P>
concept timestamp_acceptance_policy = requires(timestamp t) {
  { P::check(t, t) } -> std::same_as<outcome>;
};

/// Accepts `received_at - PastSeconds <= timestamp <= received_at + FutureSeconds` (M4).
template <std::int64_t PastSeconds = 35 * 86400, std::int64_t FutureSeconds = 300>
struct timestamp_window {
  static_assert(PastSeconds >= 0 && FutureSeconds >= 0, "meterkit: timestamp_window bounds must be >= 0");

  static constexpr seconds past{PastSeconds};
  static constexpr seconds future{FutureSeconds};

  /// Whether `event_time` is not earlier than `received_at - past`.
  [[nodiscard]] static constexpr bool is_recent_enough(timestamp event_time, timestamp received_at) noexcept {
    // event_time >= received_at - past  <=>  received_at - event_time <= past, without overflow
    std::int64_t d = 0;
    if (__builtin_sub_overflow(to_unix(received_at), to_unix(event_time), &d)) return to_unix(event_time) > 0;
    return d <= PastSeconds;
  }
  /// Whether `event_time` is not later than `received_at + future`.
  [[nodiscard]] static constexpr bool is_not_in_future(timestamp event_time, timestamp received_at) noexcept {
    std::int64_t d = 0;
    if (__builtin_sub_overflow(to_unix(event_time), to_unix(received_at), &d)) return to_unix(event_time) < 0;
    return d <= FutureSeconds;
  }

  /// Accepts, or rejects with the first failing code of D12 (past before future), `param=timestamp`.
  [[nodiscard]] static outcome check(timestamp event_time, timestamp received_at) {
    if (!is_recent_enough(event_time, received_at)) {
      return outcome::reject(error_code::timestamp_too_far_in_past,
                             "timestamp " + message_time(event_time) + " is more than " +
                                 std::to_string(PastSeconds) + " seconds before the arrival time " +
                                 message_time(received_at),
                             "timestamp");
    }
    if (!is_not_in_future(event_time, received_at)) {
      return outcome::reject(error_code::timestamp_in_future,
                             "timestamp " + message_time(event_time) + " is more than " +
                                 std::to_string(FutureSeconds) + " seconds after the arrival time " +
                                 message_time(received_at),
                             "timestamp");
    }
    return outcome::accept();
  }
};

/// Stripe's window: 35 days in the past, 5 minutes in the future (M4).
using stripe_timestamp_window = timestamp_window<>;

static_assert(timestamp_acceptance_policy<stripe_timestamp_window>);

}  // namespace meterkit
