// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `sum` formula (SPEC M9 `sum`, L3 `sum`): the total of the values that count. Negative
/// values are ordinary corrections (M12) and are summed unclamped. A total outside the signed
/// 64-bit range raises `overflow_error` (D25: a quantity outside the range stops the run, never a
/// wrapped number).
///
/// The state is an exact 128-bit total, so only the quantity itself is range-checked (in
/// `result`): the order in which values are added (event time on one path, arrival on another)
/// never matters, and partial sums beyond 2^63 that later corrections bring back are exact.
///
/// Algebra: mergeable, commutative, invertible (`retract` subtracts).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <limits>
#include <string_view>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/core/checked.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/core/rounding.hpp>

namespace meterkit {

/// Σ values; 0 for no samples. State: one exact 128-bit total (16 bytes).
struct sum {
  static constexpr std::string_view name = "sum";
  using state_type = int128;

  static constexpr bool is_mergeable = true;
  static constexpr bool is_commutative = true;
  static constexpr bool is_invertible = true;

  [[nodiscard]] static constexpr state_type identity() noexcept { return 0; }
  static constexpr void accumulate(state_type& s, const sample& x) { s = add(s, x.value); }
  static constexpr void retract(state_type& s, const sample& x) {
    s = add(s, -static_cast<state_type>(x.value));
  }
  static constexpr void merge(state_type& s, const state_type& other) { s = add(s, other); }
  /// The total, or `overflow_error` when it is outside the signed 64-bit range.
  [[nodiscard]] static constexpr std::int64_t result(const state_type& s) {
    if (s > std::numeric_limits<std::int64_t>::max() || s < std::numeric_limits<std::int64_t>::min()) {
      METERKIT_THROW(overflow_error("sum: the total leaves the signed 64-bit range"));
    }
    return static_cast<std::int64_t>(s);
  }

  /// The total as 16 bytes, little-endian two's complement (the low `u64`, then the high one).
  static void save_state(state_writer& out, const state_type& s) {
    const auto bits = static_cast<uint128>(s);
    out.u64(static_cast<std::uint64_t>(bits));
    out.u64(static_cast<std::uint64_t>(bits >> 64U));
  }
  [[nodiscard]] static state_type load_state(state_reader& in) {
    const std::uint64_t low = in.u64();
    const std::uint64_t high = in.u64();
    return static_cast<state_type>((static_cast<uint128>(high) << 64U) | low);
  }

 private:
  /// a + b; 2^64 additions of 64-bit values cannot leave the 128-bit range, only a damaged saved
  /// state can, and that is an error too.
  static constexpr state_type add(state_type a, state_type b) {
    state_type out = 0;
    if (__builtin_add_overflow(a, b, &out)) {
      METERKIT_THROW(overflow_error("sum: the total overflows 128 bits"));
    }
    return out;
  }
};

}  // namespace meterkit
