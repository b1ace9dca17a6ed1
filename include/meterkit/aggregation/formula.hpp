// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The aggregation formula contract (STYLE.md "Policies"): what a type must provide to be used as
/// `sum`, `count`, `last_value`, `peak`, ... by meters and by the legacy usage-record book.
///
/// A formula is a stateless policy type with
/// - `state_type`, a regular value type;
/// - `static state_type identity()`;
/// - `static void accumulate(state_type&, const sample&)`;
/// - `static void merge(state_type&, const state_type&)`: combine the states of two disjoint sets
///   of samples so that the result is the state of their union;
/// - `static std::int64_t result(const state_type&)`;
/// - its algebra, as `static constexpr bool` members `is_mergeable`, `is_commutative` (the
///   result does not depend on the order samples are accumulated in) and `is_invertible` (a
///   sample can be taken out again with `static void retract(state_type&, const sample&)`).
///
/// Each requirement is one named concept so that a failed check can say which one is missing.

#include <concepts>
#include <cstdint>

#include <meterkit/core/time.hpp>

namespace meterkit {

/// One value as a formula sees it: when it happened, its position in arrival order (SPEC
/// "Arrival order is (received_at, position in the input)", as one increasing number) and the
/// whole-number value (M3).
struct sample {
  timestamp time{};
  std::uint64_t arrival = 0;
  std::int64_t value = 0;

  friend constexpr bool operator==(const sample&, const sample&) = default;
};

/// `F::state_type` exists and is a regular value type.
template <class F>
concept formula_has_state = requires {
  typename F::state_type;
}
&&std::regular<typename F::state_type>;

/// `F::identity()` gives the state of no samples.
template <class F>
concept formula_has_identity = formula_has_state<F> && requires {
  { F::identity() } -> std::same_as<typename F::state_type>;
};

/// `F::accumulate(state&, const sample&)` adds one sample.
template <class F>
concept formula_can_accumulate = formula_has_state<F> &&
    requires(typename F::state_type& s, const sample& x) {
  F::accumulate(s, x);
};

/// `F::merge(state&, const state&)` combines two disjoint states.
template <class F>
concept formula_can_merge = formula_has_state<F> &&
    requires(typename F::state_type& s, const typename F::state_type& other) {
  F::merge(s, other);
};

/// `F::result(const state&)` gives the whole-number quantity.
template <class F>
concept formula_has_result = formula_has_state<F> && requires(const typename F::state_type& s) {
  { F::result(s) } -> std::same_as<std::int64_t>;
};

/// `F` declares its algebra: `is_mergeable`, `is_commutative`, `is_invertible`.
template <class F>
concept formula_declares_algebra = requires {
  { F::is_mergeable } -> std::convertible_to<bool>;
  { F::is_commutative } -> std::convertible_to<bool>;
  { F::is_invertible } -> std::convertible_to<bool>;
};

/// Everything a meter or a usage-record book needs of a formula.
template <class F>
concept formula = formula_has_state<F> && formula_has_identity<F> && formula_can_accumulate<F> &&
    formula_can_merge<F> && formula_has_result<F> && formula_declares_algebra<F>;

/// A formula that can take a sample out again (`F::retract(state&, const sample&)`), used to undo
/// a cancelled or superseded sample without recomputing from scratch.
template <class F>
concept invertible_formula = formula<F> && F::is_invertible &&
    requires(typename F::state_type& s, const sample& x) {
  F::retract(s, x);
};

/// Checks `F` requirement by requirement, so that the first missing piece is what the compiler
/// reports. Use as `static_assert(detail::check_formula<F>())` in class templates.
namespace detail {
template <class F>
consteval bool check_formula() {
  static_assert(formula_has_state<F>,
                "meterkit: a formula needs a regular `state_type` (see aggregation/formula.hpp)");
  static_assert(formula_has_identity<F>,
                "meterkit: a formula needs `static state_type identity()` (see aggregation/formula.hpp)");
  static_assert(formula_can_accumulate<F>,
                "meterkit: a formula needs `static void accumulate(state_type&, const sample&)` (see "
                "aggregation/formula.hpp)");
  static_assert(formula_can_merge<F>,
                "meterkit: a formula needs `static void merge(state_type&, const state_type&)` (see "
                "aggregation/formula.hpp)");
  static_assert(formula_has_result<F>,
                "meterkit: a formula needs `static std::int64_t result(const state_type&)` (see "
                "aggregation/formula.hpp)");
  static_assert(formula_declares_algebra<F>,
                "meterkit: a formula must declare `is_mergeable`, `is_commutative` and `is_invertible` (see "
                "aggregation/formula.hpp)");
  return formula<F>;
}
}  // namespace detail

}  // namespace meterkit
