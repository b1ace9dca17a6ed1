// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Billing cycles: the boundaries that repeat from a `billing_cycle_anchor` every `interval_count`
/// days, weeks, months or years (SPEC B1, B2, D9).
///
/// - Day and week intervals are plain multiples of 86400 / 604800 seconds from the anchor.
/// - Month and year intervals keep the anchor's day of month and time of day. What happens when
///   a month is too short for that day is a policy (`EndOfMonth`): `clamp_to_month_end` (B2, the
///   default) falls on the month's last day and returns to the anchor day when it can
///   (Jan 31 -> Feb 28/29 -> Mar 31 -> Apr 30); `overflow_into_next_month` carries the missing
///   days into the next month (Jan 31 + 1 month = Mar 3, or Mar 2 in a leap year).
/// - The n-th boundary is computed directly from the anchor, never by repeated addition (B2), for
///   any integer n, negative n being boundaries before the anchor. `period_containing(t)` is O(1):
///   it estimates the cycle number arithmetically and corrects it by at most a step or two.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <meterkit/calendar/period.hpp>
#include <meterkit/calendar/window.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>

namespace meterkit {

// ---------------------------------------------------------------------------------------------
// Intervals (B1, D9).

/// The unit of a price's `interval` (B1).
enum class interval_unit { day, week, month, year };

/// Parses Stripe's spelling: `"day"`, `"week"`, `"month"`, `"year"`; nullopt for anything else.
[[nodiscard]] constexpr std::optional<interval_unit> parse_interval_unit(std::string_view text) noexcept {
  if (text == "day") return interval_unit::day;
  if (text == "week") return interval_unit::week;
  if (text == "month") return interval_unit::month;
  if (text == "year") return interval_unit::year;
  return std::nullopt;
}

/// `"day"`, `"week"`, `"month"` or `"year"`.
[[nodiscard]] constexpr std::string_view to_string(interval_unit unit) noexcept {
  switch (unit) {
    case interval_unit::day:
      return "day";
    case interval_unit::week:
      return "week";
    case interval_unit::month:
      return "month";
    case interval_unit::year:
      return "year";
  }
  return "unknown";
}

/// The greatest `interval_count` for `unit` (D9: 1095 days, 156 weeks, 36 months, 3 years; B1
/// "at most 3 years in total").
[[nodiscard]] constexpr std::int32_t max_interval_count(interval_unit unit) noexcept {
  switch (unit) {
    case interval_unit::day:
      return 1095;
    case interval_unit::week:
      return 156;
    case interval_unit::month:
      return 36;
    case interval_unit::year:
      return 3;
  }
  return 0;
}

/// A price's `interval` and `interval_count` (B1; D9: the count defaults to 1).
struct billing_interval {
  interval_unit unit = interval_unit::month;
  std::int32_t count = 1;

  friend constexpr bool operator==(const billing_interval&, const billing_interval&) = default;
};

/// Whether `1 <= count <= max_interval_count(unit)` (D9).
[[nodiscard]] constexpr bool is_valid(billing_interval interval) noexcept {
  return interval.count >= 1 && interval.count <= max_interval_count(interval.unit);
}

/// Returns `interval` when valid; otherwise throws `configuration_error` naming the field
/// `interval_count` (D9).
inline billing_interval validate(billing_interval interval) {
  if (!is_valid(interval)) {
    METERKIT_THROW(configuration_error(
        "interval_count", "must be between 1 and " + std::to_string(max_interval_count(interval.unit)) +
                              " for interval " + std::string(to_string(interval.unit)) + ", got " +
                              std::to_string(interval.count)));
  }
  return interval;
}

// ---------------------------------------------------------------------------------------------
// End-of-month policies (B2).

/// `P::date_in(year_month target, day anchor_day)` gives the day a month/year cycle falls on in
/// `target` when the anchor is on `anchor_day` (1..31) of its month.
template <class P>
concept end_of_month_policy_has_date_in = requires(std::chrono::year_month ym, std::chrono::day d) {
  { P::date_in(ym, d) } -> std::same_as<std::chrono::sys_days>;
};

/// Everything a billing cycle needs of an end-of-month policy.
template <class P>
concept end_of_month_policy = end_of_month_policy_has_date_in<P>;

namespace detail {
/// Use as `static_assert(detail::check_end_of_month_policy<P>())`.
template <class P>
consteval bool check_end_of_month_policy() {
  static_assert(end_of_month_policy_has_date_in<P>,
                "meterkit: an end-of-month policy needs `static std::chrono::sys_days "
                "date_in(std::chrono::year_month, std::chrono::day)` (see calendar/billing_cycle.hpp)");
  return end_of_month_policy<P>;
}
}  // namespace detail

/// B2 (the default): the anchor's day of month, or the month's last day when the month is
/// shorter. Each boundary is computed from the anchor, so a short month does not shift later ones:
/// Jan 31 -> Feb 28/29 -> Mar 31 -> Apr 30.
struct clamp_to_month_end {
  [[nodiscard]] static constexpr std::chrono::sys_days date_in(std::chrono::year_month target,
                                                               std::chrono::day anchor_day) noexcept {
    const std::chrono::year_month_day_last last{target.year(), std::chrono::month_day_last{target.month()}};
    return std::chrono::sys_days{anchor_day <= last.day() ? target / anchor_day : target / last.day()};
  }
};

/// The alternative: the days the month lacks carry into the next month, like calendar libraries
/// that normalise an invalid date (Jan 31 + 1 month = Feb 31 = Mar 3, or Mar 2 in a leap year).
struct overflow_into_next_month {
  [[nodiscard]] static constexpr std::chrono::sys_days date_in(std::chrono::year_month target,
                                                               std::chrono::day anchor_day) noexcept {
    return std::chrono::sys_days{target / std::chrono::day{1}} +
           std::chrono::days{static_cast<unsigned>(anchor_day) - 1};
  }
};

static_assert(detail::check_end_of_month_policy<clamp_to_month_end>());
static_assert(detail::check_end_of_month_policy<overflow_into_next_month>());

// ---------------------------------------------------------------------------------------------
// The cycle.

namespace detail {
/// Calendar computations are done for years -32767 ... 32767 (the range of std::chrono::year).
inline constexpr std::int64_t first_calendar_second =
    to_unix(timestamp{std::chrono::sys_days{std::chrono::year{-32767} / 1 / 1}});
inline constexpr std::int64_t last_calendar_second =
    to_unix(timestamp{std::chrono::sys_days{std::chrono::year{32767} / 12 / 31}}) + 86399;

[[noreturn]] inline void throw_cycle_overflow() {
  METERKIT_THROW(overflow_error("billing cycle: the boundary lies outside the representable calendar"));
}
}  // namespace detail

/// The boundaries `boundary(n)`, n any integer, of a cycle that repeats every `interval` from
/// `anchor` (`boundary(0) == anchor`), and the periods `[boundary(k), boundary(k + 1))` between
/// them. Boundaries strictly increase with n, so every instant lies in exactly one period.
template <class EndOfMonth = clamp_to_month_end>
class billing_cycle {
  static_assert(detail::check_end_of_month_policy<EndOfMonth>());

 public:
  using end_of_month = EndOfMonth;

  /// Throws `configuration_error` ("interval_count") for an interval outside D9's limits.
  billing_cycle(timestamp anchor, billing_interval interval)
      : anchor_(anchor), interval_(validate(interval)) {
    using namespace std::chrono;
    switch (interval_.unit) {
      case interval_unit::day:
        step_seconds_ = 86400 * std::int64_t{interval_.count};
        return;
      case interval_unit::week:
        step_seconds_ = 604800 * std::int64_t{interval_.count};
        return;
      case interval_unit::month:
        step_months_ = interval_.count;
        break;
      case interval_unit::year:
        step_months_ = 12 * std::int64_t{interval_.count};
        break;
    }
    const std::int64_t a = to_unix(anchor);
    if (a < detail::first_calendar_second || a > detail::last_calendar_second) detail::throw_cycle_overflow();
    const sys_days anchor_day = floor<days>(anchor);
    const year_month_day ymd{anchor_day};
    anchor_month_ = std::int64_t{static_cast<int>(ymd.year())} * 12 + static_cast<unsigned>(ymd.month()) - 1;
    anchor_day_of_month_ = ymd.day();
    time_of_day_ = anchor - timestamp{anchor_day};
  }

  [[nodiscard]] timestamp anchor() const noexcept { return anchor_; }
  [[nodiscard]] billing_interval interval() const noexcept { return interval_; }

  /// The n-th boundary, computed from the anchor (B2): `anchor + n * step` for day and week
  /// intervals; for month and year intervals the month `n * count` (× 12 for years) months after
  /// the anchor's, on the day the `EndOfMonth` policy gives for the anchor's day of month, at the
  /// anchor's time of day. Throws `overflow_error` when it is not representable.
  [[nodiscard]] timestamp boundary(std::int64_t n) const {
    std::int64_t out = 0;
    if (step_months_ == 0) {
      std::int64_t offset = 0;
      if (__builtin_mul_overflow(n, step_seconds_, &offset) ||
          __builtin_add_overflow(to_unix(anchor_), offset, &out)) {
        detail::throw_cycle_overflow();
      }
      return from_unix(out);
    }
    std::int64_t month_offset = 0;
    std::int64_t month_index = 0;
    if (__builtin_mul_overflow(n, step_months_, &month_offset) ||
        __builtin_add_overflow(anchor_month_, month_offset, &month_index)) {
      detail::throw_cycle_overflow();
    }
    const std::int64_t y = detail::floor_div(month_index, 12);
    if (y < -32767 || y > 32767) detail::throw_cycle_overflow();
    const std::chrono::year_month target{std::chrono::year{static_cast<int>(y)},
                                         std::chrono::month{static_cast<unsigned>(month_index - y * 12 + 1)}};
    return timestamp{EndOfMonth::date_in(target, anchor_day_of_month_)} + time_of_day_;
  }

  /// The k with `boundary(k) <= t < boundary(k + 1)`.
  [[nodiscard]] std::int64_t index_of(timestamp t) const { return locate(t).index; }

  /// The period `[boundary(k), boundary(k + 1))` that contains `t`, in O(1).
  [[nodiscard]] period period_containing(timestamp t) const { return locate(t).where; }

  /// The period `[boundary(k), boundary(k + 1))`.
  [[nodiscard]] period period_at(std::int64_t k) const {
    std::int64_t next = 0;
    if (__builtin_add_overflow(k, 1, &next)) detail::throw_cycle_overflow();
    return period{boundary(k), boundary(next)};
  }

  /// The first boundary strictly after `t`.
  [[nodiscard]] timestamp next_boundary_after(timestamp t) const { return locate(t).where.end; }

  /// Whether `t` is one of the boundaries.
  [[nodiscard]] bool is_boundary(timestamp t) const { return locate(t).where.start == t; }

 private:
  struct location {
    std::int64_t index;
    period where;
  };

  [[nodiscard]] location locate(timestamp t) const {
    const std::int64_t x = to_unix(t);
    std::int64_t k = 0;
    if (step_months_ == 0) {
      std::int64_t since_anchor = 0;
      if (__builtin_sub_overflow(x, to_unix(anchor_), &since_anchor)) detail::throw_cycle_overflow();
      k = detail::floor_div(since_anchor, step_seconds_);
    } else {
      if (x < detail::first_calendar_second || x > detail::last_calendar_second)
        detail::throw_cycle_overflow();
      const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
      const std::int64_t month =
          std::int64_t{static_cast<int>(ymd.year())} * 12 + static_cast<unsigned>(ymd.month()) - 1;
      // The boundary of cycle k lies in month anchor_month_ + k * step_months_ (or a little
      // later when the policy carries days over), so this k is right or one or two too high.
      k = detail::floor_div(month - anchor_month_, step_months_);
    }
    timestamp lo = boundary(k);
    while (t < lo) lo = boundary(--k);
    timestamp hi = boundary(k + 1);
    while (hi <= t) {
      ++k;
      lo = hi;
      hi = boundary(k + 1);
    }
    return location{k, period{lo, hi}};
  }

  timestamp anchor_;
  billing_interval interval_;
  std::int64_t step_seconds_ = 0;  ///< day and week intervals
  std::int64_t step_months_ = 0;   ///< month and year intervals (0 for day and week)
  std::int64_t anchor_month_ = 0;  ///< year * 12 + month - 1 of the anchor
  std::chrono::day anchor_day_of_month_{1};
  seconds time_of_day_{0};
};

}  // namespace meterkit
