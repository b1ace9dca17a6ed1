// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `peak` formula, legacy `aggregate_usage=max` (SPEC L3): the largest value, else 0.
///
/// Algebra: mergeable, commutative, not invertible (removing the peak would need the runner-up).

#include <cstdint>

#include <meterkit/aggregation/formula.hpp>

namespace meterkit {

/// The largest value seen, or none (the empty state is canonical: both fields zero).
struct peak_state {
  bool present = false;
  std::int64_t value = 0;

  friend constexpr bool operator==(const peak_state&, const peak_state&) = default;
};

/// Largest value; 0 for no samples.
struct peak {
  using state_type = peak_state;

  static constexpr bool is_mergeable = true;
  static constexpr bool is_commutative = true;
  static constexpr bool is_invertible = false;

  [[nodiscard]] static constexpr state_type identity() noexcept { return {}; }
  static constexpr void accumulate(state_type& s, const sample& x) noexcept {
    if (!s.present || x.value > s.value) s = state_type{true, x.value};
  }
  static constexpr void merge(state_type& s, const state_type& other) noexcept {
    if (other.present && (!s.present || other.value > s.value)) s = other;
  }
  [[nodiscard]] static constexpr std::int64_t result(const state_type& s) noexcept {
    return s.present ? s.value : 0;
  }
};

}  // namespace meterkit
