// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The state shared by the "latest" formulas (`last_value`, `last_during_period`, `last_ever`):
/// the sample with the greatest `(time, arrival)`, i.e. the greatest timestamp with ties broken
/// by later arrival (SPEC M9 `last`, D15, L3, D18 "Latest orders by timestamp").
///
/// Keeping the whole winning key (not just the value) makes `merge` exact: the state of a union
/// is the later of the two states, whatever the order the parts were built in.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/core/persistence.hpp>

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

/// Shared implementation of the latest-by-(timestamp, arrival) formulas; each names itself.
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

  /// `present` as a flag, the time as signed unix seconds (`i64`), the arrival (`u64`) and the
  /// value (`i64`); an empty state that is not canonical is damage.
  static void save_state(state_writer& out, const state_type& s) {
    out.boolean(s.present);
    out.i64(to_unix(s.time));
    out.u64(s.arrival);
    out.i64(s.value);
  }
  [[nodiscard]] static state_type load_state(state_reader& in) {
    state_type s;
    s.present = in.boolean();
    s.time = from_unix(in.i64());
    s.arrival = in.u64();
    s.value = in.i64();
    in.require(s.present || s == state_type{}, "an empty latest-sample state with a sample");
    return s;
  }
};

}  // namespace detail
}  // namespace meterkit
