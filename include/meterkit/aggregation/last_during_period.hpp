// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The legacy `aggregate_usage=last_during_period` formula (SPEC L3, D18): the value at the latest
/// timestamp inside the period, else 0. Ties (which the per-timestamp book never produces) go to
/// the later arrival, as for `last_value`.
///
/// Algebra: mergeable, commutative, not invertible.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <string_view>

#include <meterkit/aggregation/latest_sample.hpp>

namespace meterkit {

/// Value at the latest timestamp of the period; 0 for an empty period.
struct last_during_period : detail::latest_by_time {
  static constexpr std::string_view name = "last_during_period";
  /// An empty period is 0; nothing carries over from earlier periods.
  static constexpr bool carries_over_earlier_periods = false;
};

}  // namespace meterkit
