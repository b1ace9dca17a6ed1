// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `sum` formula (SPEC M9 `sum`, L3 `sum`): the total of the values that count. Negative
/// values are ordinary corrections (M12) and are summed unclamped. A total outside the signed
/// 64-bit range raises `overflow_error` (D25: a quantity outside the range stops the run, never a
/// wrapped number).
///
/// The state is an exact 128-bit total, so only the quantity itself is range-checked (in
/// `result`), and adding a value needs no check at all (totals stay within 2^126 plus what was
/// added since): the order in which values are added (event time on one path, arrival on another)
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
  /// Adds one value. No check: a total starts at 0, or at a loaded or merged state within 2^126
  /// (see `load_state` and `merge`), and each value moves it by at most 2^63, so no count of
  /// values a machine can feed (fewer than 2^63) leaves the 128-bit range.
  static constexpr void accumulate(state_type& s, const sample& x) noexcept { s += x.value; }
  static constexpr void retract(state_type& s, const sample& x) noexcept { s -= x.value; }
  /// Both totals; `overflow_error` beyond 2^126 (a merge of huge corrections, never a quantity).
  static constexpr void merge(state_type& s, const state_type& other) {
    const state_type out = s + other;  // both within 2^126 (and < 2^63 values since): no overflow
    if (out > max_loaded || out < -max_loaded) {
      METERKIT_THROW(overflow_error("sum: a merged total beyond 2^126"));
    }
    s = out;
  }
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
    const auto s = static_cast<state_type>((static_cast<uint128>(high) << 64U) | low);
    in.require(s <= max_loaded && s >= -max_loaded, "a sum beyond 2^126");
    return s;
  }

 private:
  /// The largest total a saved state may hold: far beyond any 64-bit quantity, and far enough from
  /// the 128-bit edge that `accumulate` needs no check.
  static constexpr state_type max_loaded = static_cast<state_type>(1) << 126U;
};

}  // namespace meterkit
