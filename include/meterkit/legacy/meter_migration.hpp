// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The mapping from a legacy price's `aggregate_usage` (SPEC L3) to a meter formula (M1, M9), as
/// data, so that a simulation can compare a legacy plan with its migrated meter plan:
///
/// | `aggregate_usage`    | meter formula | why                                                          |
/// | -------------------- | ------------- | ------------------------------------------------------------ |
/// | `sum`                | `sum`         | the same total; see `differences`                            |
/// | `last_during_period` | `last`        | the latest value of the period, 0 when empty; see `differences` |
/// | `last_ever`          | none          | a meter's `last` is 0 in a period without events (M9)        |
/// | `max`                | none          | meters only have `sum`, `count` and `last` (M1)              |
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <array>
#include <optional>
#include <string_view>

#include <meterkit/aggregation/formula_kind.hpp>
#include <meterkit/legacy/aggregate_usage.hpp>

namespace meterkit {

/// The meter formula that bills like a legacy mode, if any.
struct meter_equivalent {
  aggregate_usage legacy{};
  /// The meter formula (M1), or nullopt when no meter bills the same.
  std::optional<formula_kind> formula;
  /// Without a formula: why there is none. With one: where the two still differ.
  std::string_view differences;

  [[nodiscard]] constexpr bool has_equivalent() const noexcept { return formula.has_value(); }
};

/// The mapping, one row per legacy mode, in the order of `aggregate_usage`.
inline constexpr std::array<meter_equivalent, 4> legacy_to_meter{{
    {aggregate_usage::sum, formula_kind::sum,
     "same total; a usage record's clock-drift grace (L5) and current-period check (L4) become the "
     "meter's 35-day/5-minute acceptance window (M4)"},
    {aggregate_usage::last_during_period, formula_kind::last,
     "same latest value per period; records at one timestamp add up (increment, L2) while meter "
     "events at one timestamp keep the later arrival (M9)"},
    {aggregate_usage::last_ever, std::nullopt,
     "no meter equivalent: a meter's last is 0 in a period without events (M9), while last_ever "
     "carries the latest value of an earlier period over (L3)"},
    {aggregate_usage::max, std::nullopt,
     "no meter equivalent: meters aggregate only with sum, count or last (M1); there is no maximum"},
}};

/// The row of `mode`.
[[nodiscard]] constexpr const meter_equivalent& meter_equivalent_of(aggregate_usage mode) noexcept {
  for (const auto& row : legacy_to_meter) {
    if (row.legacy == mode) return row;
  }
  return legacy_to_meter[0];
}

}  // namespace meterkit
