// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Time: UTC unix seconds as `std::chrono::sys_seconds`, parsing of unix seconds and RFC 3339,
/// and formatting (SPEC "Time is UTC unix seconds everywhere", D4).
///
/// Nothing here reads the process time zone: every conversion is civil-calendar arithmetic on
/// UTC, so results do not depend on `TZ`.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

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
  const std::size_t year_digits = std::min(s.find_first_not_of("0123456789"), s.size());
  if (year_digits > 4 && year_digits < s.size() && s[year_digits] == '-' && s[0] != '0') {
    return detail::time_error(s, "the year has more than 4 digits: outside 1970-01-01 ... 9999-12-31");
  }
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
/// Negative unix seconds (`-1`) and years beyond 9999 (`10000-01-01T00:00:00Z`) are refused as
/// outside D4's range.
[[nodiscard]] inline result<timestamp> parse_time(std::string_view text) {
  constexpr std::string_view digits = "0123456789";
  const bool all_digits = !text.empty() && text.find_first_not_of(digits) == std::string_view::npos;
  if (text.size() > 1 && text[0] == '-' && text.find_first_not_of(digits, 1) == std::string_view::npos) {
    return detail::time_error(text, "negative unix seconds are outside 1970-01-01 ... 9999-12-31");
  }
  return all_digits ? parse_unix_seconds(text) : parse_rfc3339(text);
}

namespace detail {
/// The proleptic Gregorian date of day `z` after 1970-01-01, in 64-bit arithmetic (H. Hinnant's
/// `civil_from_days`), exact for every day an `std::int64_t` of seconds can name.
struct civil_date {
  std::int64_t year;
  unsigned month;
  unsigned day;
};
[[nodiscard]] constexpr civil_date civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;                                       // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return civil_date{yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}
}  // namespace detail

/// Formats as RFC 3339 in UTC with a `Z`: `2025-01-01T00:00:00Z`. Defined for every
/// `timestamp`: a year outside 0000 ... 9999 (only outside D4's range) is written with as many
/// digits as it needs and a `-` when negative, e.g. `10000-01-01T00:00:00Z`.
[[nodiscard]] inline std::string format_rfc3339(timestamp t) {
  const std::int64_t s = to_unix(t);
  std::int64_t day = s / 86400;
  std::int64_t second_of_day = s % 86400;
  if (second_of_day < 0) {  // floor, without overflow even for the most negative second
    --day;
    second_of_day += 86400;
  }
  const detail::civil_date date = detail::civil_from_days(day);
  if (date.year >= 0 && date.year <= 9999) {  // every time of D4's range: digits written directly
    char text[] = "0000-00-00T00:00:00Z";
    const auto put = [&text](std::size_t at, std::int64_t value, std::size_t digits) {
      for (std::size_t k = digits; k-- > 0; value /= 10) text[at + k] = static_cast<char>('0' + value % 10);
    };
    put(0, date.year, 4);
    put(5, date.month, 2);
    put(8, date.day, 2);
    put(11, second_of_day / 3600, 2);
    put(14, second_of_day / 60 % 60, 2);
    put(17, second_of_day % 60, 2);
    return std::string(text, sizeof text - 1);
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(date.year),
                date.month, date.day, static_cast<int>(second_of_day / 3600),
                static_cast<int>(second_of_day / 60 % 60), static_cast<int>(second_of_day % 60));
  return buf;
}

/// A time as messages show it: unix seconds, then RFC 3339 in parentheses
/// (`1739760783 (2025-02-17T02:53:03Z)`): a script finds the number, a person reads the date.
[[nodiscard]] inline std::string message_time(timestamp t) {
  return std::to_string(to_unix(t)) + " (" + format_rfc3339(t) + ")";
}

}  // namespace meterkit
