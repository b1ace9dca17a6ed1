// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// A period of time `[start, end)`: includes `start`, excludes `end` (SPEC "A period [start, end)
/// includes start and excludes end"). Billing periods (B1-B4), pre-aggregation windows (M8) and
/// summary windows (M13) are all periods.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <compare>

#include <meterkit/core/time.hpp>

namespace meterkit {

/// The half-open interval `[start, end)` of UTC seconds. A valid period has `start <= end`; an
/// empty one (`start == end`) contains no instant. Ordered by `start`, then `end`.
struct period {
  timestamp start{};
  timestamp end{};

  /// Whether `t` lies in the period: `start <= t < end` (the last second inside is `end - 1s`).
  [[nodiscard]] constexpr bool contains(timestamp t) const noexcept { return start <= t && t < end; }
  /// `end - start`.
  [[nodiscard]] constexpr seconds length() const noexcept { return end - start; }
  /// Whether no instant lies in the period.
  [[nodiscard]] constexpr bool empty() const noexcept { return !(start < end); }
  /// Whether the two periods share at least one instant.
  [[nodiscard]] constexpr bool overlaps(const period& other) const noexcept {
    return start < other.end && other.start < end && !empty() && !other.empty();
  }

  friend constexpr bool operator==(const period&, const period&) = default;
  friend constexpr auto operator<=>(const period&, const period&) = default;
};

}  // namespace meterkit
