// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The aggregation formula contract (STYLE.md "Policies"): what a type must provide to be used as
/// `sum`, `count`, `last_value`, `peak`, ... by meters and by the legacy usage-record book.
///
/// A formula is a stateless policy type with
/// - `static constexpr std::string_view name`, how saved states and messages name it;
/// - `state_type`, a regular value type;
/// - `static state_type identity()`;
/// - `static void accumulate(state_type&, const sample&)`;
/// - `static std::int64_t result(const state_type&)`;
/// - its algebra, as `static constexpr bool` members `is_mergeable` (with
///   `static void merge(state_type&, const state_type&)`, which combines the states of two
///   disjoint sets of samples so that the result is the state of their union), `is_commutative`
///   (the result does not depend on the order samples are accumulated in) and `is_invertible` (a
///   sample can be taken out again with `static void retract(state_type&, const sample&)`);
/// - its state codec (core/persistence.hpp): `static void save_state(state_writer&, const
///   state_type&)` and `static state_type load_state(state_reader&)`, which raises
///   `corrupt_state_error` for bytes that are not a state it could have saved;
/// - optionally `static constexpr bool reads_value` (true when absent): whether the value of a
///   sample matters at all (`count` does not read it, so a `count` meter needs no value key, D12).
///
/// Each requirement is one named concept so that a failed check can say which one is missing.
/// Merging is required only of a formula that declares `is_mergeable`; whatever merges partial
/// states (a meter's running states sharded by customer or time, a legacy `last_ever` carrying a
/// value over) asks for a `mergeable_formula`.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <concepts>
#include <cstdint>
#include <string_view>

#include <meterkit/core/persistence.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/diagnostics.hpp>

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

/// `F::name` names the formula in saved states and messages.
template <class F>
concept formula_has_name = requires {
  { F::name } -> std::convertible_to<std::string_view>;
};

/// `F::save_state(state_writer&, const state&)` and `F::load_state(state_reader&)` write a state
/// and read it back (core/persistence.hpp).
template <class F>
concept formula_saves_state = formula_has_state<F> &&
    requires(state_writer& w, state_reader& r, const typename F::state_type& s) {
  F::save_state(w, s);
  { F::load_state(r) } -> std::same_as<typename F::state_type>;
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

/// A formula that declares `is_mergeable` can `merge`; one that does not need not.
template <class F>
concept formula_merges_if_mergeable = formula_declares_algebra<F> &&
    (!F::is_mergeable || formula_can_merge<F>);

/// Everything a meter or a usage-record book needs of a formula.
template <class F>
concept formula = formula_has_name<F> && formula_has_state<F> && formula_has_identity<F> &&
    formula_can_accumulate<F> && formula_has_result<F> && formula_declares_algebra<F> &&
    formula_merges_if_mergeable<F> && formula_saves_state<F>;

/// A formula whose partial states merge into the state of the union (DESIGN.md "two partial
/// states of a mergeable formula merge to the state of the whole"): sharding by customer or by
/// time needs one.
template <class F>
concept mergeable_formula = formula<F> && F::is_mergeable && formula_can_merge<F>;

/// Whether `F` reads the values of its samples: `F::reads_value` where declared, else true.
template <class F>
inline constexpr bool formula_reads_value = true;
template <class F>
requires requires { F::reads_value; }
inline constexpr bool formula_reads_value<F> = static_cast<bool>(F::reads_value);

/// A formula that can take a sample out again (`F::retract(state&, const sample&)`), used to undo
/// a cancelled or superseded sample without recomputing from scratch.
template <class F>
concept invertible_formula = formula<F> && F::is_invertible &&
    requires(typename F::state_type& s, const sample& x) {
  F::retract(s, x);
};

namespace detail {
/// A type that reads as a formula someone meant to write: it has a state or declares an algebra
/// (a name alone does not tell: windows and ingestion policies have names too).
template <class F>
concept formula_attempt = formula_has_state<F> || formula_declares_algebra<F>;

/// Checks `F` requirement by requirement and reports only the first one missing, as one
/// `static_assert` naming it (for a type that is no formula at all, the formulas there are). Use
/// as `static_assert(detail::check_formula<F>())` in class templates: it returns true, so that a
/// refusal is that one message and no second "static assertion failed".
template <class F>
consteval bool check_formula() {
  if constexpr (!formula_attempt<F>) {
    static_assert(requirement_met<formula_attempt<F>>,
                  "meterkit: not a formula; use sum, count or last_value (Stripe's meters), or "
                  "last_during_period, last_ever or peak (legacy usage records), or a type of your own that "
                  "meets the concept `formula` (see aggregation/formula.hpp)");
  } else if constexpr (!formula_has_name<F>) {
    static_assert(requirement_met<formula_has_name<F>>,
                  "meterkit: a formula needs `static constexpr std::string_view name` (see "
                  "aggregation/formula.hpp)");
  } else if constexpr (!formula_has_state<F>) {
    static_assert(requirement_met<formula_has_state<F>>,
                  "meterkit: a formula needs a regular `state_type` (see aggregation/formula.hpp)");
  } else if constexpr (!formula_has_identity<F>) {
    static_assert(requirement_met<formula_has_identity<F>>,
                  "meterkit: a formula needs `static state_type identity()` (see aggregation/formula.hpp)");
  } else if constexpr (!formula_can_accumulate<F>) {
    static_assert(requirement_met<formula_can_accumulate<F>>,
                  "meterkit: a formula needs `static void accumulate(state_type&, const sample&)` (see "
                  "aggregation/formula.hpp)");
  } else if constexpr (!formula_has_result<F>) {
    static_assert(requirement_met<formula_has_result<F>>,
                  "meterkit: a formula needs `static std::int64_t result(const state_type&)` (see "
                  "aggregation/formula.hpp)");
  } else if constexpr (!formula_declares_algebra<F>) {
    static_assert(
        requirement_met<formula_declares_algebra<F>>,
        "meterkit: a formula must declare `is_mergeable`, `is_commutative` and `is_invertible` (see "
        "aggregation/formula.hpp)");
  } else if constexpr (!formula_merges_if_mergeable<F>) {
    static_assert(requirement_met<formula_merges_if_mergeable<F>>,
                  "meterkit: a formula that declares `is_mergeable` needs `static void merge(state_type&, "
                  "const state_type&)` (see aggregation/formula.hpp)");
  } else {
    static_assert(
        requirement_met<formula_saves_state<F>>,
        "meterkit: a formula needs a state codec, `static void save_state(state_writer&, const "
        "state_type&)` and `static state_type load_state(state_reader&)` (see aggregation/formula.hpp)");
  }
  return true;
}
}  // namespace detail

}  // namespace meterkit
