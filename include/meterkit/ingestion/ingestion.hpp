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
///   as of `as_of`, given all of one customer's records sorted by `record_before`;
/// - `static bool same_group(timestamp, timestamp)` and `static timestamp group_start(timestamp)`:
///   which records `fold` looks at together (a window), so that a meter's storage keeps them side
///   by side, and from where a period's records are needed;
/// - `survivor_index`: what counts as of everything so far, kept up to date arrival by arrival
///   (`add`) and cancellation by cancellation (`cancel`), each change reported as
///   `on_change(counted, uncounted)` so that a meter keeps a running fold beside its records;
///   `replaces_on_arrival` says whether an arrival can uncount an earlier event;
/// - `template <formula F> class running_state`: a customer's whole state in a meter without
///   history (`add`, `state`, `merge`, `save`, `load`).
///
/// `raw` (ingestion/raw.hpp) and `pre_aggregated<Window>` (ingestion/pre_aggregated.hpp) are the
/// two policies of Stripe's meters; a third is a third header, and the meter (meter/customer_state.hpp)
/// needs no change.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <concepts>
#include <cstdint>
#include <span>
#include <string_view>

#include <meterkit/aggregation/sum.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/calendar/window.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/detail/diagnostics.hpp>
#include <meterkit/ingestion/event_record.hpp>

namespace meterkit {

/// An event that counts as a survivor index keeps it: event time, arrival, value (24 bytes; with
/// pre-aggregation, the survivor of the window of `time`).
struct window_survivor {
  timestamp time{};
  std::uint64_t arrival = 0;
  std::int64_t value = 0;

  [[nodiscard]] constexpr sample to_sample() const noexcept { return sample{time, arrival, value}; }
  friend constexpr bool operator==(const window_survivor&, const window_survivor&) = default;
};

namespace detail {
/// A receiver of a survivor index's changes, for checking the contract.
struct survivor_change_sink {
  void operator()(const window_survivor*, const window_survivor*) const noexcept {}
};
}  // namespace detail

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

/// `I::same_group(a, b)` and `I::group_start(t)` say which records `fold` looks at together.
template <class I>
concept ingestion_groups_records = requires(timestamp t) {
  { I::same_group(t, t) } -> std::convertible_to<bool>;
  { I::group_start(t) } -> std::same_as<timestamp>;
};

/// `I::survivor_index` keeps what counts as of everything so far, arrival by arrival.
template <class I>
concept ingestion_has_survivor_index = requires(typename I::survivor_index& ix, const window_survivor& x,
                                                timestamp t, std::uint64_t a,
                                                std::span<const event_record> rs,
                                                detail::survivor_change_sink sink) {
  { I::survivor_index::replaces_on_arrival } -> std::convertible_to<bool>;
  ix.add(x, sink);
  ix.cancel(t, a, rs, sink);
  ix.clear();
  ix.add_survivors_of(rs);
};

/// `I::running_state<F>` is a customer's whole state in a meter without history.
template <class I>
concept ingestion_has_running_state = requires(typename I::template running_state<sum>& s,
                                               const typename I::template running_state<sum>& cs,
                                               const event_record& r, state_writer& w, state_reader& in) {
  s.add(r);
  cs.state();
  s.merge(cs);
  cs.save(w);
  s.load(in);
};

/// Everything a meter needs of an ingestion policy.
template <class I>
concept ingestion_policy =
    ingestion_has_name<I> && ingestion_declares_kind<I> && ingestion_has_window<I> && ingestion_can_fold<I> &&
    ingestion_groups_records<I> && ingestion_has_survivor_index<I> && ingestion_has_running_state<I>;

namespace detail {
/// Checks `I` requirement by requirement and reports only the first one missing, as one
/// `static_assert` naming it; the kind comes first, as it says whether a window is needed. Use as
/// `static_assert(detail::check_ingestion<I>())` in class templates: it returns true, so that a
/// refusal is that one message and no second "static assertion failed".
template <class I>
consteval bool check_ingestion() {
  if constexpr (!ingestion_declares_kind<I>) {
    static_assert(requirement_met<ingestion_declares_kind<I>>,
                  "meterkit: an ingestion policy must declare `static constexpr bool is_pre_aggregated`; use "
                  "raw or pre_aggregated<utc_hour> (see ingestion/ingestion.hpp)");
  } else if constexpr (!ingestion_has_window<I>) {
    static_assert(requirement_met<ingestion_has_window<I>>,
                  "meterkit: a pre-aggregating ingestion policy needs `using window = W;` with W a "
                  "time_window such as utc_hour (see ingestion/ingestion.hpp)");
  } else if constexpr (!ingestion_has_name<I>) {
    static_assert(requirement_met<ingestion_has_name<I>>,
                  "meterkit: an ingestion policy needs `static constexpr std::string_view name` (see "
                  "ingestion/ingestion.hpp)");
  } else if constexpr (!ingestion_can_fold<I>) {
    static_assert(requirement_met<ingestion_can_fold<I>>,
                  "meterkit: an ingestion policy needs `template <formula F> static void fold(state&, "
                  "std::span<const event_record>, period, timestamp)` (see ingestion/ingestion.hpp)");
  } else if constexpr (!ingestion_groups_records<I>) {
    static_assert(requirement_met<ingestion_groups_records<I>>,
                  "meterkit: an ingestion policy needs `static bool same_group(timestamp, timestamp)` and "
                  "`static timestamp group_start(timestamp)` (see ingestion/ingestion.hpp)");
  } else if constexpr (!ingestion_has_survivor_index<I>) {
    static_assert(requirement_met<ingestion_has_survivor_index<I>>,
                  "meterkit: an ingestion policy needs a `survivor_index` with `replaces_on_arrival`, `add`, "
                  "`cancel`, `clear` and `add_survivors_of` (see ingestion/ingestion.hpp)");
  } else {
    static_assert(requirement_met<ingestion_has_running_state<I>>,
                  "meterkit: an ingestion policy needs `template <formula F> class running_state` with "
                  "`add`, `state`, `merge`, `save` and `load` (see ingestion/ingestion.hpp)");
  }
  return true;
}
}  // namespace detail

}  // namespace meterkit
