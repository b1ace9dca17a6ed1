// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `last_value` formula, Stripe's meter formula `last` (SPEC M9, D15): the value of the sample
/// with the greatest timestamp, ties broken by later arrival (`sample::arrival`); 0 for none.
///
/// Algebra: mergeable, commutative (the winner does not depend on accumulation order), not
/// invertible (taking out the winner would need the runner-up).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <string_view>

#include <meterkit/aggregation/latest_sample.hpp>

namespace meterkit {

/// Value of the latest sample by `(time, arrival)`; 0 for no samples.
struct last_value : detail::latest_by_time {
  static constexpr std::string_view name = "last_value";
};

}  // namespace meterkit
