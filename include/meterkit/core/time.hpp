// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Time: UTC unix seconds as `std::chrono::sys_seconds`, parsing of unix seconds and RFC 3339,
/// and formatting (SPEC "Time is UTC unix seconds everywhere", D4).
///
/// Nothing here reads the process time zone: every conversion is civil-calendar arithmetic on
/// UTC, so results do not depend on `TZ`.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <meterkit/core/error.hpp>

namespace meterkit {

using seconds = std::chrono::seconds;
using timestamp = std::chrono::sys_seconds;

/// Unix seconds of a timestamp.
[[nodiscard]] constexpr std::int64_t to_unix(timestamp t) noexcept {
  return static_cast<std::int64_t>(t.time_since_epoch().count());
}
/// The timestamp `s` seconds after the unix epoch.
[[nodiscard]] constexpr timestamp from_unix(std::int64_t s) noexcept { return timestamp{seconds{s}}; }

/// The first and last second that an input time may name (SPEC D4: 1970-01-01 ... 9999-12-31).
inline constexpr timestamp earliest_time = from_unix(0);
inline constexpr timestamp latest_time = from_unix(253402300799);  // 9999-12-31T23:59:59Z

/// Whether `t` lies in the range of D4.
[[nodiscard]] constexpr bool in_supported_range(timestamp t) noexcept {
  return earliest_time <= t && t <= latest_time;
}

namespace detail {
[[nodiscard]] inline rejection time_error(std::string_view text, const std::string& why) {
  return rejection{error_code::invalid_timestamp, "\"" + std::string(text) + "\" is not a time: " + why, {}};
}
[[nodiscard]] constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
/// The value of `n` digits at `s[pos]`, or -1 when one of them is not a digit.
[[nodiscard]] constexpr int digits_at(std::string_view s, std::size_t pos, std::size_t n) noexcept {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}
}  // namespace detail

/// Parses unix seconds written as ASCII digits ("1735689600"). No sign, no spaces, and inside
/// the D4 range (leading zeros are allowed).
[[nodiscard]] inline result<timestamp> parse_unix_seconds(std::string_view text) {
  if (text.empty()) return detail::time_error(text, "empty");
  constexpr std::int64_t beyond = 253402300800;  // 10000-01-01T00:00:00Z
  std::int64_t v = 0;
  for (char c : text) {
    if (!detail::is_digit(c)) return detail::time_error(text, "unix seconds must be plain digits");
    v = std::min(beyond, v * 10 + (c - '0'));
  }
  const auto t = from_unix(v);
  if (!in_supported_range(t)) return detail::time_error(text, "outside 1970-01-01 ... 9999-12-31");
  return t;
}

/// Checks that an integer read elsewhere (a JSON number) is a usable time.
[[nodiscard]] inline result<timestamp> time_from_unix_checked(std::int64_t s) {
  const auto t = from_unix(s);
  if (!in_supported_range(t)) {
    return detail::time_error(std::to_string(s), "outside 1970-01-01 ... 9999-12-31");
  }
  return t;
}

/// Parses an RFC 3339 time: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)`, with `T`/`t` and
/// `Z`/`z` in either case. Fractional seconds are dropped (truncated toward the earlier second).
/// A leap second (`:60`) is read as the first second of the next minute.
[[nodiscard]] inline result<timestamp> parse_rfc3339(std::string_view s) {
  using namespace std::chrono;
  // YYYY-MM-DDTHH:MM:SS = 19 characters, then optional fraction, then the offset.
  if (s.size() < 20) return detail::time_error(s, "expected YYYY-MM-DDTHH:MM:SSZ");
  const int yy = detail::digits_at(s, 0, 4);
  const int mo = detail::digits_at(s, 5, 2);
  const int dd = detail::digits_at(s, 8, 2);
  const int hh = detail::digits_at(s, 11, 2);
  const int mi = detail::digits_at(s, 14, 2);
  const int ss = detail::digits_at(s, 17, 2);
  if (yy < 0 || mo < 0 || dd < 0 || hh < 0 || mi < 0 || ss < 0 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') {
    return detail::time_error(s, "expected YYYY-MM-DDTHH:MM:SSZ");
  }
  const year_month_day ymd{year{yy}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(dd)}};
  if (!ymd.ok()) return detail::time_error(s, "no such calendar date");
  if (hh > 23 || mi > 59 || ss > 60) return detail::time_error(s, "no such time of day");
  std::size_t pos = 19;
  if (s[pos] == '.') {
    ++pos;
    const std::size_t first = pos;
    while (pos < s.size() && detail::is_digit(s[pos])) ++pos;
    if (pos == first) return detail::time_error(s, "a '.' must be followed by digits");
  }
  if (pos >= s.size()) return detail::time_error(s, "missing the offset (Z or +hh:mm)");
  std::int64_t offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const int oh = detail::digits_at(s, pos + 1, 2);
    const int om = detail::digits_at(s, pos + 4, 2);
    if (oh < 0 || om < 0 || pos + 3 >= s.size() || s[pos + 3] != ':' || oh > 23 || om > 59) {
      return detail::time_error(s, "the offset must be Z or +hh:mm / -hh:mm");
    }
    offset = (s[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return detail::time_error(s, "the offset must be Z or +hh:mm / -hh:mm");
  }
  if (pos != s.size()) return detail::time_error(s, "unexpected characters after the offset");
  const auto local = sys_days{ymd} + hours{hh} + minutes{mi} + seconds{ss};
  const auto t = time_point_cast<seconds>(local) - seconds{offset};
  if (!in_supported_range(t)) return detail::time_error(s, "outside 1970-01-01 ... 9999-12-31");
  return t;
}

/// Parses either form of D4: unix seconds (digits) or RFC 3339.
[[nodiscard]] inline result<timestamp> parse_time(std::string_view text) {
  const bool all_digits = !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
  return all_digits ? parse_unix_seconds(text) : parse_rfc3339(text);
}

/// Formats as RFC 3339 in UTC with a `Z`: `2025-01-01T00:00:00Z`.
[[nodiscard]] inline std::string format_rfc3339(timestamp t) {
  using namespace std::chrono;
  const auto day_point = floor<days>(t);
  const year_month_day ymd{day_point};
  const hh_mm_ss<seconds> tod{t - day_point};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()));
  return buf;
}

}  // namespace meterkit
