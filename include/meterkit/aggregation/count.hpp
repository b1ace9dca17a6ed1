// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `count` formula (SPEC M9 `count`): the number of events that count (after M7/M8). Values
/// are ignored (a `count` meter never reads the value key, M3/D12). Overflow raises
/// `overflow_error`.
///
/// Algebra: mergeable, commutative, invertible (`retract` takes one away).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <string_view>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/core/checked.hpp>
#include <meterkit/core/persistence.hpp>

namespace meterkit {

/// Number of samples; 0 for none. State: one `std::int64_t` (8 bytes).
struct count {
  static constexpr std::string_view name = "count";
  using state_type = std::int64_t;

  static constexpr bool is_mergeable = true;
  static constexpr bool is_commutative = true;
  static constexpr bool is_invertible = true;
  /// The value of a sample is never read (D12: `count` meters do not need a value key).
  static constexpr bool reads_value = false;

  [[nodiscard]] static constexpr state_type identity() noexcept { return 0; }
  static constexpr void accumulate(state_type& s, const sample&) { s = add_or_throw(s, 1, "count"); }
  static constexpr void retract(state_type& s, const sample&) { s = sub_or_throw(s, 1, "count"); }
  static constexpr void merge(state_type& s, const state_type& other) { s = add_or_throw(s, other, "count"); }
  [[nodiscard]] static constexpr std::int64_t result(const state_type& s) noexcept { return s; }

  /// The count as an `i64`; a negative one (a count beyond 2^63 - 1 read back wrapped) is damage.
  static void save_state(state_writer& out, const state_type& s) { out.i64(s); }
  [[nodiscard]] static state_type load_state(state_reader& in) {
    const std::int64_t s = in.i64();
    in.require(s >= 0, "a negative count");
    return s;
  }
};

}  // namespace meterkit
