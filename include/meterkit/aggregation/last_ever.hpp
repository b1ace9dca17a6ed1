// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The legacy `aggregate_usage=last_ever` formula (SPEC L3, D18): the latest value inside the
/// period, else the latest value of any earlier period, else 0.
///
/// As a formula its state is the same as `last_during_period`'s; the carry-over is a question of
/// which samples the caller feeds it: a period query for a formula with
/// `carries_over_earlier_periods` evaluates the period first and, when the period holds no sample,
/// everything before the period's start (`latest_sample_state::present` tells the two apart).
///
/// Algebra: mergeable, commutative, not invertible.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <string_view>

#include <meterkit/aggregation/latest_sample.hpp>

namespace meterkit {

/// Latest value in the period, else the latest from any earlier period, else 0.
struct last_ever : detail::latest_by_time {
  static constexpr std::string_view name = "last_ever";
  /// An empty period takes the latest value from before the period (L3).
  static constexpr bool carries_over_earlier_periods = true;
};

}  // namespace meterkit
