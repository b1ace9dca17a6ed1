// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// UTC windows: the buckets of pre-aggregated ingestion (SPEC M1 `event_time_window`, M8 "per
/// UTC hour or UTC day of the event timestamp") and of grouped summaries (M13, with its
/// minute/hour/day alignment of bounds).
///
/// A window is a stateless type with `static constexpr seconds length` and
/// `static timestamp floor(timestamp)`, checked by the concept `time_window`, and optionally a
/// `static constexpr std::string_view name` (`window_name<W>` names the others by their length
/// and alignment). Every fixed-length UTC window is one line: `fixed_window<Length, Offset>` cuts
/// the time line into `[Offset + k * Length, Offset + (k + 1) * Length)` for every integer `k`.
/// UTC has no leap seconds in unix time, so hours and days are exactly 3600 and 86400 seconds.
///
/// Meters and summaries choose their window at runtime (a plan read from JSON): `window_kind`
/// names it and `visit_window` maps it onto the compile-time window types, the one dispatch point.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <concepts>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include <meterkit/calendar/period.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/diagnostics.hpp>
#include <meterkit/detail/static_string.hpp>

namespace meterkit {

// ---------------------------------------------------------------------------------------------
// The window contract: one named concept per requirement.

/// `W::length` exists and is a duration in seconds.
template <class W>
concept window_has_length = requires {
  { W::length } -> std::convertible_to<seconds>;
};

/// `W::length` is a positive constant.
template <class W>
concept window_has_positive_length = window_has_length<W> &&(seconds{W::length} > seconds{0});

/// `W::floor(t)` gives the start of the window containing `t`.
template <class W>
concept window_has_floor = requires(timestamp t) {
  { W::floor(t) } -> std::same_as<timestamp>;
};

/// Everything pre-aggregation and grouped summaries need of a window.
template <class W>
concept time_window = window_has_length<W> && window_has_positive_length<W> && window_has_floor<W>;

/// Optional: `W::name` names the window (in saved states, and in `pre_aggregated<utc_hour>`).
template <class W>
concept window_has_name = requires {
  { W::name } -> std::convertible_to<std::string_view>;
};

namespace detail {
/// Checks `W` requirement by requirement and reports only the first one missing, as one
/// `static_assert` naming it. Use as `static_assert(detail::check_window<W>())` in class templates:
/// it returns true, so that a refusal is that one message and no second "static assertion failed".
template <class W>
consteval bool check_window() {
  if constexpr (!window_has_length<W>) {
    static_assert(
        requirement_met<window_has_length<W>>,
        "meterkit: a time window needs `static constexpr seconds length` (see calendar/window.hpp)");
  } else if constexpr (!window_has_positive_length<W>) {
    static_assert(requirement_met<window_has_positive_length<W>>,
                  "meterkit: a time window's `length` must be positive (see calendar/window.hpp)");
  } else {
    static_assert(
        requirement_met<window_has_floor<W>>,
        "meterkit: a time window needs `static timestamp floor(timestamp)` (see calendar/window.hpp)");
  }
  return true;
}

/// Floor division and its non-negative remainder, for a positive divisor.
[[nodiscard]] constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}
[[nodiscard]] constexpr std::int64_t floor_mod(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t r = a % b;
  return r < 0 ? r + b : r;
}

[[noreturn]] inline void throw_window_overflow() {
  METERKIT_THROW(overflow_error("window: the window's bound lies outside the signed 64-bit range"));
}

inline constexpr std::string_view fixed_window_prefix = "fixed_window<";
inline constexpr std::string_view window_prefix = "window<";
inline constexpr std::string_view seconds_suffix = "s";
inline constexpr std::string_view plus = "+";
inline constexpr std::string_view comma = ", ";
inline constexpr std::string_view close_angle = ">";

/// The name of `fixed_window<L, O>`: the UTC windows by their alias, others by their parameters.
template <std::int64_t L, std::int64_t O>
struct fixed_window_name {
  static constexpr std::string_view value =
      (L == 60 && O == 0)            ? std::string_view("utc_minute")
      : (L == 3600 && O == 0)        ? std::string_view("utc_hour")
      : (L == 86400 && O == 0)       ? std::string_view("utc_day")
      : (L == 604800 && O == 345600) ? std::string_view("utc_week")
      : O == 0 ? joined_name<fixed_window_prefix, decimal_name<static_cast<std::uint64_t>(L)>::value,
                             close_angle>::value
               : joined_name<fixed_window_prefix, decimal_name<static_cast<std::uint64_t>(L)>::value, comma,
                             decimal_name<static_cast<std::uint64_t>(O)>::value, close_angle>::value;
};

/// A window whose start for the epoch can be computed at compile time.
template <class W>
concept window_with_constant_origin = requires {
  typename std::integral_constant<std::int64_t, to_unix(W::floor(from_unix(0)))>;
};

/// The name of a window without one: `window<Ls+Os>` (length, and the offset of its starts from
/// the epoch, when `floor` is constexpr), else `window<Ls>`.
template <class W>
struct unnamed_window_name {
  static constexpr std::int64_t length = seconds{W::length}.count();
  static constexpr std::string_view value = [] {
    if constexpr (window_with_constant_origin<W>) {
      constexpr std::int64_t origin = floor_mod(to_unix(W::floor(from_unix(0))), length);
      return joined_name<window_prefix, decimal_name<static_cast<std::uint64_t>(length)>::value,
                         seconds_suffix, plus, decimal_name<static_cast<std::uint64_t>(origin)>::value,
                         seconds_suffix, close_angle>::value;
    } else {
      return joined_name<window_prefix, decimal_name<static_cast<std::uint64_t>(length)>::value,
                         seconds_suffix, close_angle>::value;
    }
  }();
};
}  // namespace detail

/// How saved states and composed policies name the time window `W`: `W::name`, else its length
/// and alignment (`window<120s+0s>`).
template <time_window W>
inline constexpr std::string_view window_name = [] {
  if constexpr (window_has_name<W>) {
    return std::string_view(W::name);
  } else {
    return detail::unnamed_window_name<W>::value;
  }
}();

// ---------------------------------------------------------------------------------------------
// Fixed-length UTC windows.

/// The windows `[Offset + k * Length, Offset + (k + 1) * Length)` (unix seconds) for every
/// integer `k`. `Offset` picks where the windows start (0: at the unix epoch, 1970-01-01T00:00Z).
template <std::int64_t LengthSeconds, std::int64_t OffsetSeconds = 0>
struct fixed_window {
  static_assert(LengthSeconds > 0, "meterkit: a window's length must be positive");
  static_assert(0 <= OffsetSeconds && OffsetSeconds < LengthSeconds,
                "meterkit: a window's offset must lie in [0, length)");

  static constexpr seconds length{LengthSeconds};
  static constexpr seconds offset{OffsetSeconds};
  /// `utc_minute`, `utc_hour`, `utc_day`, `utc_week`, else `fixed_window<Length>` or
  /// `fixed_window<Length, Offset>`.
  static constexpr std::string_view name = detail::fixed_window_name<LengthSeconds, OffsetSeconds>::value;

  /// The number `k` of the window containing `t` (window 0 starts at `Offset`).
  [[nodiscard]] static constexpr std::int64_t index(timestamp t) noexcept {
    // floor((x - Offset) / L) without forming x - Offset, which could overflow.
    const std::int64_t x = to_unix(t);
    std::int64_t r = x % LengthSeconds - OffsetSeconds;  // in (-2L, L)
    std::int64_t q = x / LengthSeconds;
    while (r < 0) {
      r += LengthSeconds;
      --q;
    }
    return q;
  }

  /// The start of the window containing `t`: the greatest window start `<= t`. Throws
  /// `overflow_error` only if that start lies before the first representable second.
  [[nodiscard]] static constexpr timestamp floor(timestamp t) {
    const std::int64_t x = to_unix(t);
    const std::int64_t r =
        detail::floor_mod(detail::floor_mod(x, LengthSeconds) - OffsetSeconds, LengthSeconds);
    std::int64_t out = 0;
    if (__builtin_sub_overflow(x, r, &out)) detail::throw_window_overflow();
    return from_unix(out);
  }

  /// The least window start `>= t` (`t` itself when it is a window start).
  [[nodiscard]] static constexpr timestamp ceil(timestamp t) {
    const timestamp f = floor(t);
    return f == t ? t : next(f);
  }

  /// Whether `t` is a window start (M13: "bounds must be hour- or day-aligned").
  [[nodiscard]] static constexpr bool is_aligned(timestamp t) noexcept {
    return detail::floor_mod(detail::floor_mod(to_unix(t), LengthSeconds) - OffsetSeconds, LengthSeconds) ==
           0;
  }

  /// The window containing `t`, as a period `[floor(t), floor(t) + length)`.
  [[nodiscard]] static constexpr period containing(timestamp t) {
    const timestamp f = floor(t);
    return period{f, next(f)};
  }

  /// Whether `a` and `b` lie in the same window.
  [[nodiscard]] static constexpr bool same_window(timestamp a, timestamp b) noexcept {
    return index(a) == index(b);
  }

 private:
  [[nodiscard]] static constexpr timestamp next(timestamp start) {
    std::int64_t out = 0;
    if (__builtin_add_overflow(to_unix(start), LengthSeconds, &out)) detail::throw_window_overflow();
    return from_unix(out);
  }
};

/// UTC minutes (M13: summary bounds are minute-aligned).
using utc_minute = fixed_window<60>;
/// UTC hours (M8 `hour`, M13 grouping `hour`).
using utc_hour = fixed_window<3600>;
/// UTC days, midnight to midnight (M8 `day`, M13 grouping `day`).
using utc_day = fixed_window<86400>;
/// ISO weeks, Monday 00:00 UTC to Monday 00:00 UTC. 1970-01-01 was a Thursday, so the first
/// Monday after the epoch, 1970-01-05, is 4 days (345600 s) in.
using utc_week = fixed_window<604800, 345600>;

static_assert(detail::check_window<utc_minute>());
static_assert(detail::check_window<utc_hour>());
static_assert(detail::check_window<utc_day>());
static_assert(detail::check_window<utc_week>());

// ---------------------------------------------------------------------------------------------
// Windows chosen at runtime.

/// A window named at runtime: a meter's `event_time_window` (M1: `null | hour | day`) or a
/// summary's grouping (M13). `none` is the absent / null window (raw ingestion, no grouping).
enum class window_kind { none, hour, day };

/// Parses Stripe's spelling: `"hour"` or `"day"`. Anything else (including `""` and `"null"`) is
/// not a window name and gives nullopt: an absent or null field means `window_kind::none`, and
/// deciding that is the reader's job, which knows whether the field was present.
[[nodiscard]] constexpr std::optional<window_kind> parse_window_kind(std::string_view text) noexcept {
  if (text == "hour") return window_kind::hour;
  if (text == "day") return window_kind::day;
  return std::nullopt;
}

/// `"hour"`, `"day"`, or `"null"` for `none` (how Stripe's JSON shows the absent window).
[[nodiscard]] constexpr std::string_view to_string(window_kind kind) noexcept {
  switch (kind) {
    case window_kind::hour:
      return "hour";
    case window_kind::day:
      return "day";
    case window_kind::none:
      break;
  }
  return "null";
}

/// The tag `visit_window` passes for `window_kind::none`. Not a `time_window`.
struct no_window {};

/// The one dispatch point from a runtime window to the compile-time window types: calls
/// `f(utc_hour{})`, `f(utc_day{})` or `f(no_window{})` and returns what it returns.
template <class F>
constexpr decltype(auto) visit_window(window_kind kind, F&& f) {
  switch (kind) {
    case window_kind::hour:
      return static_cast<F&&>(f)(utc_hour{});
    case window_kind::day:
      return static_cast<F&&>(f)(utc_day{});
    case window_kind::none:
      break;
  }
  return static_cast<F&&>(f)(no_window{});
}

/// The length of the window, or 0 s for `none`.
[[nodiscard]] constexpr seconds window_length(window_kind kind) noexcept {
  switch (kind) {
    case window_kind::hour:
      return utc_hour::length;
    case window_kind::day:
      return utc_day::length;
    case window_kind::none:
      break;
  }
  return seconds{0};
}

/// The start of the `kind` window containing `t`; `t` itself for `none`.
[[nodiscard]] constexpr timestamp floor(window_kind kind, timestamp t) {
  switch (kind) {
    case window_kind::hour:
      return utc_hour::floor(t);
    case window_kind::day:
      return utc_day::floor(t);
    case window_kind::none:
      break;
  }
  return t;
}

}  // namespace meterkit
