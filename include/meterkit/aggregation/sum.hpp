// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `sum` formula (SPEC M9 `sum`, L3 `sum`): the total of the values that count. Negative
/// values are ordinary corrections (M12) and are summed unclamped. Leaving the signed 64-bit range
/// raises `overflow_error` (SPEC "Overflow ... is an error, never a wrapped number").
///
/// Algebra: mergeable, commutative, invertible (`retract` subtracts).

#include <cstdint>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/core/checked.hpp>

namespace meterkit {

/// Σ values; 0 for no samples. State: one `std::int64_t` (8 bytes).
struct sum {
  using state_type = std::int64_t;

  static constexpr bool is_mergeable = true;
  static constexpr bool is_commutative = true;
  static constexpr bool is_invertible = true;

  [[nodiscard]] static constexpr state_type identity() noexcept { return 0; }
  static constexpr void accumulate(state_type& s, const sample& x) { s = add_or_throw(s, x.value, "sum"); }
  static constexpr void retract(state_type& s, const sample& x) { s = sub_or_throw(s, x.value, "sum"); }
  static constexpr void merge(state_type& s, const state_type& other) { s = add_or_throw(s, other, "sum"); }
  [[nodiscard]] static constexpr std::int64_t result(const state_type& s) noexcept { return s; }
};

}  // namespace meterkit
