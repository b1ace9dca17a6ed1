// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `peak` formula, legacy `aggregate_usage=max` (SPEC L3): the largest value, else 0.
///
/// Algebra: mergeable, commutative, not invertible (removing the peak would need the runner-up).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <string_view>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/core/persistence.hpp>

namespace meterkit {

/// The largest value seen, or none (the empty state is canonical: both fields zero).
struct peak_state {
  bool present = false;
  std::int64_t value = 0;

  friend constexpr bool operator==(const peak_state&, const peak_state&) = default;
};

/// Largest value; 0 for no samples.
struct peak {
  static constexpr std::string_view name = "peak";
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

  /// `present` as a flag, then the value as an `i64`; an empty state that is not canonical is damage.
  static void save_state(state_writer& out, const state_type& s) {
    out.boolean(s.present);
    out.i64(s.value);
  }
  [[nodiscard]] static state_type load_state(state_reader& in) {
    state_type s;
    s.present = in.boolean();
    s.value = in.i64();
    in.require(s.present || s.value == 0, "an empty peak state with a value");
    return s;
  }
};

}  // namespace meterkit
