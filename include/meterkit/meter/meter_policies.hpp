// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The one dispatch point from a meter configured at run time (a `meter_definition` read from a
/// plan, rule M1; docs/rules.md) onto its compile-time policies: the formula from
/// `default_aggregation.formula` (`visit_formula`) and the ingestion from `event_time_window`
/// (`visit_window`: `null` is `raw`, `hour` / `day` are `pre_aggregated<utc_hour>` /
/// `pre_aggregated<utc_day>`). Everything that needs a meter's policies at run time (the runtime
/// meter, the reporter) goes through `visit_meter_policies`, so a new policy is added here once.

#include <utility>

#include <meterkit/aggregation/formula_kind.hpp>
#include <meterkit/calendar/window.hpp>
#include <meterkit/ingestion/pre_aggregated.hpp>
#include <meterkit/ingestion/raw.hpp>
#include <meterkit/meter/meter_definition.hpp>

namespace meterkit {

/// A type tag carrying an ingestion policy, passed to the visitor of `visit_meter_policies`.
template <class I>
struct ingestion_tag {
  using type = I;
};

namespace detail {
/// The ingestion policy of a window tag from `visit_window`.
template <class W>
struct ingestion_of {
  using type = pre_aggregated<W>;
};
template <>
struct ingestion_of<no_window> {
  using type = raw;
};
}  // namespace detail

/// Calls `fn(formula_tag<F>{}, ingestion_tag<I>{})` with the compiled policies of `formula` and
/// `window`; every call must return the same type.
template <class Fn>
constexpr decltype(auto) visit_meter_policies(formula_kind formula, window_kind window, Fn&& fn) {
  return visit_formula(formula, [&](auto ftag) -> decltype(auto) {
    return visit_window(window, [&](auto wtag) -> decltype(auto) {
      return std::forward<Fn>(fn)(ftag, ingestion_tag<typename detail::ingestion_of<decltype(wtag)>::type>{});
    });
  });
}

/// `visit_meter_policies` of a meter's definition.
template <class Fn>
constexpr decltype(auto) visit_meter_policies(const meter_definition& m, Fn&& fn) {
  return visit_meter_policies(m.formula, m.event_time_window, std::forward<Fn>(fn));
}

}  // namespace meterkit
