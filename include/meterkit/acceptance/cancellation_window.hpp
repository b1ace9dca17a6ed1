// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// How long after an event's arrival it may still be cancelled (SPEC M10, D16): a cancellation
/// must arrive before the original event's arrival + 86400 s; at exactly that second it is
/// `meter_event_adjustment_too_late`. The length is a policy parameter.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <concepts>
#include <cstdint>

#include <meterkit/core/time.hpp>

namespace meterkit {

/// A cancellation window policy: `P::allows(original_received_at, adjustment_received_at)`.
template <class P>
concept cancellation_window_policy = requires(timestamp t) {
  { P::allows(t, t) } -> std::convertible_to<bool>;
};

/// Cancellations are allowed while `adjustment_received_at < original_received_at + Seconds`.
template <std::int64_t Seconds = 86400>
struct cancellation_window {
  static_assert(Seconds >= 0, "meterkit: cancellation_window length must be >= 0");
  static constexpr seconds length{Seconds};

  [[nodiscard]] static constexpr bool allows(timestamp original_received_at,
                                             timestamp adjustment_received_at) noexcept {
    std::int64_t d = 0;
    if (__builtin_sub_overflow(to_unix(adjustment_received_at), to_unix(original_received_at), &d)) {
      return to_unix(adjustment_received_at) < 0;
    }
    return d < Seconds;
  }
};

/// Stripe's 24 hours (M10).
using stripe_cancellation_window = cancellation_window<>;

static_assert(cancellation_window_policy<stripe_cancellation_window>);

}  // namespace meterkit
