// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The state shared by the "latest" formulas (`last_value`, `last_during_period`, `last_ever`):
/// the sample with the greatest `(time, arrival)`, i.e. the greatest timestamp with ties broken
/// by later arrival (SPEC M9 `last`, D15, L3, D18 "Latest orders by timestamp").
///
/// Keeping the whole winning key (not just the value) makes `merge` exact: the state of a union
/// is the later of the two states, whatever the order the parts were built in.

#include <cstdint>

#include <meterkit/aggregation/formula.hpp>

namespace meterkit {

/// The latest sample seen, or none. The empty state is canonical (all fields zero), so that two
/// empty states compare equal.
struct latest_sample_state {
  bool present = false;
  timestamp time{};
  std::uint64_t arrival = 0;
  std::int64_t value = 0;

  friend constexpr bool operator==(const latest_sample_state&, const latest_sample_state&) = default;
};

namespace detail {

/// Shared implementation of the latest-by-(timestamp, arrival) formulas.
struct latest_by_time {
  using state_type = latest_sample_state;

  static constexpr bool is_mergeable = true;
  static constexpr bool is_commutative = true;
  static constexpr bool is_invertible = false;

  [[nodiscard]] static constexpr state_type identity() noexcept { return {}; }

  /// Whether `(t, a)` is later than what `s` holds.
  [[nodiscard]] static constexpr bool is_later(const state_type& s, timestamp t, std::uint64_t a) noexcept {
    return !s.present || t > s.time || (t == s.time && a > s.arrival);
  }
  static constexpr void accumulate(state_type& s, const sample& x) noexcept {
    if (is_later(s, x.time, x.arrival)) s = state_type{true, x.time, x.arrival, x.value};
  }
  static constexpr void merge(state_type& s, const state_type& other) noexcept {
    if (other.present && is_later(s, other.time, other.arrival)) s = other;
  }
  [[nodiscard]] static constexpr std::int64_t result(const state_type& s) noexcept {
    return s.present ? s.value : 0;
  }
};

}  // namespace detail
}  // namespace meterkit
