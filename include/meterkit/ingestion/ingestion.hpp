// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The ingestion policy contract (SPEC M7, M8; STYLE.md "Policies"): which accepted events count
/// before the formula runs.
///
/// An ingestion policy is a stateless type with
/// - `static constexpr std::string_view name`, how saved states and messages name it;
/// - `static constexpr bool is_pre_aggregated`;
/// - when pre-aggregated, `using window = W` with `W` a `time_window` (calendar/window.hpp);
/// - `template <formula F> static void fold(typename F::state_type&, std::span<const event_record>,
///   period, timestamp as_of)`: accumulate into the state every event that counts for the period
///   as of `as_of`, given all of one customer's records sorted by `record_before`.
///
/// `raw` (ingestion/raw.hpp) and `pre_aggregated<Window>` (ingestion/pre_aggregated.hpp) are the
/// two policies of Stripe's meters.

#include <concepts>
#include <span>
#include <string_view>

#include <meterkit/aggregation/sum.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/calendar/window.hpp>
#include <meterkit/ingestion/event_record.hpp>

namespace meterkit {

/// `I::name` names the policy in saved states and messages.
template <class I>
concept ingestion_has_name = requires {
  { I::name } -> std::convertible_to<std::string_view>;
};

/// `I::is_pre_aggregated` says whether `I` keeps one event per window (M8) or all of them (M7).
template <class I>
concept ingestion_declares_kind = requires {
  { I::is_pre_aggregated } -> std::convertible_to<bool>;
};

/// A pre-aggregating policy names its `window`, a `time_window`.
template <class I>
concept ingestion_has_window = ingestion_declares_kind<I> &&(!I::is_pre_aggregated || requires {
  typename I::window;
  requires time_window<typename I::window>;
});

/// `I::fold<F>(state, records, period, as_of)` applies the ingestion rule.
template <class I>
concept ingestion_can_fold = requires(sum::state_type& s, std::span<const event_record> r, period p,
                                      timestamp t) {
  I::template fold<sum>(s, r, p, t);
};

/// Everything a meter needs of an ingestion policy.
template <class I>
concept ingestion_policy =
    ingestion_has_name<I> && ingestion_declares_kind<I> && ingestion_has_window<I> && ingestion_can_fold<I>;

namespace detail {
/// Checks `I` requirement by requirement, so that the first missing piece is what the compiler
/// reports. Use as `static_assert(detail::check_ingestion<I>())` in class templates.
template <class I>
consteval bool check_ingestion() {
  static_assert(ingestion_has_name<I>,
                "meterkit: an ingestion policy needs `static constexpr std::string_view name` (see "
                "ingestion/ingestion.hpp)");
  static_assert(ingestion_declares_kind<I>,
                "meterkit: an ingestion policy must declare `static constexpr bool is_pre_aggregated` (see "
                "ingestion/ingestion.hpp)");
  static_assert(ingestion_has_window<I>,
                "meterkit: a pre-aggregating ingestion policy needs `using window = W;` with W a time_window "
                "such as utc_hour (see ingestion/ingestion.hpp)");
  static_assert(ingestion_can_fold<I>,
                "meterkit: an ingestion policy needs `template <formula F> static void fold(state&, "
                "std::span<const event_record>, period, timestamp)` (see ingestion/ingestion.hpp)");
  return ingestion_policy<I>;
}
}  // namespace detail

}  // namespace meterkit
