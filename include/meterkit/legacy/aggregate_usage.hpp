// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The legacy price's `aggregate_usage` (SPEC L3, L5, D18): the four modes as formula policies,
/// their parsing from Stripe's spelling, the one dispatch point from the runtime value onto the
/// compiled policies, and the two traits the usage-record book reads from a policy.
///
/// | `aggregate_usage`    | policy               | L5 clock-drift grace | empty period        |
/// | -------------------- | -------------------- | -------------------- | ------------------- |
/// | `sum`                | `sum`                | yes                  | 0                   |
/// | `last_during_period` | `last_during_period` | no                   | 0                   |
/// | `last_ever`          | `last_ever`          | no                   | carries the latest  |
/// | `max`                | `peak`               | no                   | 0                   |
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/aggregation/formula_kind.hpp>
#include <meterkit/aggregation/last_during_period.hpp>
#include <meterkit/aggregation/last_ever.hpp>
#include <meterkit/aggregation/peak.hpp>
#include <meterkit/aggregation/sum.hpp>

namespace meterkit {

/// A legacy metered price's `recurring.aggregate_usage` (L3), as configured at run time.
enum class aggregate_usage { sum, last_during_period, last_ever, max };

/// Stripe's spelling: `sum`, `last_during_period`, `last_ever`, `max`.
[[nodiscard]] constexpr std::string_view to_string(aggregate_usage mode) noexcept {
  switch (mode) {
    case aggregate_usage::sum:
      return "sum";
    case aggregate_usage::last_during_period:
      return "last_during_period";
    case aggregate_usage::last_ever:
      return "last_ever";
    case aggregate_usage::max:
      return "max";
  }
  return "sum";
}

/// The mode spelled `text` exactly, else nullopt.
[[nodiscard]] constexpr std::optional<aggregate_usage> parse_aggregate_usage(std::string_view text) noexcept {
  if (text == "sum") return aggregate_usage::sum;
  if (text == "last_during_period") return aggregate_usage::last_during_period;
  if (text == "last_ever") return aggregate_usage::last_ever;
  if (text == "max") return aggregate_usage::max;
  return std::nullopt;
}

/// Calls `fn(formula_tag<F>{})` with the compiled policy of `mode` (`sum`, `last_during_period`,
/// `last_ever` or `peak`). The one place where a runtime `aggregate_usage` becomes a type.
template <class Fn>
constexpr decltype(auto) visit_aggregate_usage(aggregate_usage mode, Fn&& fn) {
  switch (mode) {
    case aggregate_usage::last_during_period:
      return std::forward<Fn>(fn)(formula_tag<last_during_period>{});
    case aggregate_usage::last_ever:
      return std::forward<Fn>(fn)(formula_tag<last_ever>{});
    case aggregate_usage::max:
      return std::forward<Fn>(fn)(formula_tag<peak>{});
    case aggregate_usage::sum:
      break;
  }
  return std::forward<Fn>(fn)(formula_tag<sum>{});
}

/// The runtime mode of a compiled policy, when it is one of the four.
template <class F>
inline constexpr std::optional<aggregate_usage> aggregate_usage_of = std::nullopt;
template <>
inline constexpr std::optional<aggregate_usage> aggregate_usage_of<sum> = aggregate_usage::sum;
template <>
inline constexpr std::optional<aggregate_usage> aggregate_usage_of<last_during_period> =
    aggregate_usage::last_during_period;
template <>
inline constexpr std::optional<aggregate_usage> aggregate_usage_of<last_ever> = aggregate_usage::last_ever;
template <>
inline constexpr std::optional<aggregate_usage> aggregate_usage_of<peak> = aggregate_usage::max;

/// L5: whether records of a price with this policy get the clock-drift grace. Only `sum` does;
/// specialise it for a formula of your own.
template <class F>
inline constexpr bool accepts_clock_drift_grace = std::is_same_v<F, sum>;

/// L3: whether an empty period takes the latest value of an earlier period (`last_ever`). Read
/// from `F::carries_over_earlier_periods` when the policy declares it, else false.
template <class F>
inline constexpr bool carries_over_earlier_periods = false;
template <class F>
requires requires { F::carries_over_earlier_periods; }
inline constexpr bool carries_over_earlier_periods<F> = static_cast<bool>(F::carries_over_earlier_periods);

}  // namespace meterkit
