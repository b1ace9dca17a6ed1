// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/calendar/window.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace meterkit;

namespace {
timestamp at(std::string_view rfc3339) { return parse_rfc3339(rfc3339).value(); }
std::string iso(timestamp t) { return format_rfc3339(t); }

struct not_a_window {};
struct window_without_floor {
  static constexpr seconds length{60};
};
struct window_with_zero_length {
  static constexpr seconds length{0};
  static timestamp floor(timestamp t) { return t; }
};
struct aligned_half_hours {
  static constexpr seconds length{1800};
  static constexpr timestamp floor(timestamp t) { return fixed_window<1800, 900>::floor(t); }
};
struct unaligned_minutes {
  static constexpr seconds length{60};
  static timestamp floor(timestamp t) { return utc_minute::floor(t); }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(calendar_window)

BOOST_AUTO_TEST_CASE(M8_the_utc_windows_are_time_windows_and_others_are_not) {
  static_assert(time_window<utc_minute> && time_window<utc_hour> && time_window<utc_day> &&
                time_window<utc_week>);
  static_assert(!time_window<not_a_window>);
  static_assert(!time_window<no_window>);
  static_assert(!time_window<window_without_floor>);
  static_assert(!time_window<window_with_zero_length>);
  static_assert(window_has_length<window_without_floor> && !window_has_floor<window_without_floor>);
  static_assert(utc_hour::length == seconds{3600} && utc_day::length == seconds{86400});
  static_assert(utc_week::length == seconds{604800} && utc_minute::length == seconds{60});
  BOOST_TEST(detail::check_window<utc_hour>());
}

BOOST_AUTO_TEST_CASE(M8_windows_are_named_by_their_alias_or_their_length_and_alignment) {
  static_assert(utc_minute::name == "utc_minute" && utc_hour::name == "utc_hour");
  static_assert(utc_day::name == "utc_day" && utc_week::name == "utc_week");
  static_assert(fixed_window<120>::name == "fixed_window<120>");
  static_assert(fixed_window<7200, 1800>::name == "fixed_window<7200, 1800>");
  static_assert(window_name<utc_hour> == "utc_hour");
  // A window type of one's own without a name: its length, and its alignment when floor is constexpr.
  BOOST_TEST(window_name<aligned_half_hours> == "window<1800s+900s>");
  BOOST_TEST(window_name<unaligned_minutes> == "window<60s>");
}

BOOST_AUTO_TEST_CASE(M8_floor_gives_the_start_of_the_utc_hour_day_and_week) {
  struct row {
    std::string_view t, minute, hour, day, week;
  };
  // 1970-01-01 was a Thursday: its week started on Monday 1969-12-29.
  const std::vector<row> rows{
      {"1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
       "1969-12-29T00:00:00Z"},
      {"1970-01-04T23:59:59Z", "1970-01-04T23:59:00Z", "1970-01-04T23:00:00Z", "1970-01-04T00:00:00Z",
       "1969-12-29T00:00:00Z"},
      {"1970-01-05T00:00:00Z", "1970-01-05T00:00:00Z", "1970-01-05T00:00:00Z", "1970-01-05T00:00:00Z",
       "1970-01-05T00:00:00Z"},
      {"2024-02-29T13:45:10Z", "2024-02-29T13:45:00Z", "2024-02-29T13:00:00Z", "2024-02-29T00:00:00Z",
       "2024-02-26T00:00:00Z"},
      {"2024-06-16T23:59:59Z", "2024-06-16T23:59:00Z", "2024-06-16T23:00:00Z", "2024-06-16T00:00:00Z",
       "2024-06-10T00:00:00Z"},
      {"2024-06-17T00:00:00Z", "2024-06-17T00:00:00Z", "2024-06-17T00:00:00Z", "2024-06-17T00:00:00Z",
       "2024-06-17T00:00:00Z"},
      {"2024-12-31T23:59:59Z", "2024-12-31T23:59:00Z", "2024-12-31T23:00:00Z", "2024-12-31T00:00:00Z",
       "2024-12-30T00:00:00Z"},
      {"9999-12-31T23:59:59Z", "9999-12-31T23:59:00Z", "9999-12-31T23:00:00Z", "9999-12-31T00:00:00Z",
       "9999-12-27T00:00:00Z"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.t) {
      const timestamp t = at(r.t);
      BOOST_TEST(iso(utc_minute::floor(t)) == r.minute);
      BOOST_TEST(iso(utc_hour::floor(t)) == r.hour);
      BOOST_TEST(iso(utc_day::floor(t)) == r.day);
      BOOST_TEST(iso(utc_week::floor(t)) == r.week);
    }
  }
}

BOOST_AUTO_TEST_CASE(M8_floor_matches_the_civil_calendar_for_random_times_in_1970_to_9999) {
  using namespace std::chrono;
  const std::uint64_t seed = 8080;
  std::mt19937_64 rng{seed};
  std::uniform_int_distribution<std::int64_t> any_time{to_unix(earliest_time), to_unix(latest_time)};
  for (int i = 0; i < 20000; ++i) {
    const timestamp t = from_unix(any_time(rng));
    BOOST_TEST_CONTEXT("seed " << seed << " case " << i << " t = " << iso(t)) {
      BOOST_TEST((utc_minute::floor(t) == time_point_cast<seconds>(floor<minutes>(t))));
      BOOST_TEST((utc_hour::floor(t) == time_point_cast<seconds>(floor<hours>(t))));
      BOOST_TEST((utc_day::floor(t) == timestamp{floor<days>(t)}));
      const timestamp week = utc_week::floor(t);
      BOOST_TEST((weekday{floor<days>(week)} == Monday));
      BOOST_TEST((week == timestamp{floor<days>(week)}));
      BOOST_TEST((week <= t && t < week + days{7}));
      BOOST_TEST(utc_week::is_aligned(week));
      BOOST_TEST((utc_week::floor(week) == week));
    }
  }
}

BOOST_AUTO_TEST_CASE(M8_every_instant_lies_in_exactly_one_window) {
  const std::uint64_t seed = 424242;
  std::mt19937_64 rng{seed};
  std::uniform_int_distribution<std::int64_t> any_time{-to_unix(latest_time), to_unix(latest_time)};
  for (int i = 0; i < 20000; ++i) {
    const timestamp t = from_unix(any_time(rng));
    BOOST_TEST_CONTEXT("seed " << seed << " case " << i << " t = " << to_unix(t)) {
      const period w = utc_hour::containing(t);
      BOOST_TEST(w.contains(t));
      BOOST_TEST((w.length() == utc_hour::length));
      BOOST_TEST((utc_hour::containing(w.start - seconds{1}).end == w.start));
      BOOST_TEST((utc_hour::containing(w.end).start == w.end));
      BOOST_TEST((utc_hour::index(w.start) == utc_hour::index(t)));
      BOOST_TEST((utc_hour::index(w.end) == utc_hour::index(t) + 1));
      const period wk = utc_week::containing(t);
      BOOST_TEST(wk.contains(t));
      BOOST_TEST(utc_week::same_window(wk.start, t));
      BOOST_TEST(!utc_week::same_window(wk.end, t));
      BOOST_TEST((to_unix(wk.start) == 345600 + utc_week::index(t) * 604800));
    }
  }
}

BOOST_AUTO_TEST_CASE(M13_ceil_and_alignment_of_summary_bounds) {
  struct row {
    std::string_view t;
    bool minute_aligned, hour_aligned, day_aligned;
    std::string_view hour_ceil;
  };
  const std::vector<row> rows{
      {"2024-03-01T00:00:00Z", true, true, true, "2024-03-01T00:00:00Z"},
      {"2024-03-01T05:00:00Z", true, true, false, "2024-03-01T05:00:00Z"},
      {"2024-03-01T05:30:00Z", true, false, false, "2024-03-01T06:00:00Z"},
      {"2024-03-01T05:30:01Z", false, false, false, "2024-03-01T06:00:00Z"},
      {"2024-12-31T23:00:01Z", false, false, false, "2025-01-01T00:00:00Z"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.t) {
      const timestamp t = at(r.t);
      BOOST_TEST(utc_minute::is_aligned(t) == r.minute_aligned);
      BOOST_TEST(utc_hour::is_aligned(t) == r.hour_aligned);
      BOOST_TEST(utc_day::is_aligned(t) == r.day_aligned);
      BOOST_TEST(iso(utc_hour::ceil(t)) == r.hour_ceil);
    }
  }
}

BOOST_AUTO_TEST_CASE(M8_floor_before_the_epoch_rounds_toward_the_past) {
  BOOST_TEST(to_unix(utc_hour::floor(from_unix(-1))) == -3600);
  BOOST_TEST(to_unix(utc_hour::floor(from_unix(-3600))) == -3600);
  BOOST_TEST(to_unix(utc_hour::floor(from_unix(-3601))) == -7200);
  BOOST_TEST(utc_hour::index(from_unix(-1)) == -1);
  BOOST_TEST(to_unix(utc_week::floor(from_unix(0))) == -259200);
  BOOST_TEST(utc_week::index(from_unix(0)) == -1);
}

BOOST_AUTO_TEST_CASE(M8_a_window_start_outside_the_64_bit_range_is_an_overflow_not_a_wrap) {
  constexpr auto lowest = std::numeric_limits<std::int64_t>::min();
  constexpr auto highest = std::numeric_limits<std::int64_t>::max();
  BOOST_CHECK_THROW((void)utc_day::floor(from_unix(lowest)), overflow_error);
  BOOST_CHECK_THROW((void)utc_day::ceil(from_unix(highest)), overflow_error);
  BOOST_CHECK_THROW((void)utc_day::containing(from_unix(highest)), overflow_error);
  BOOST_TEST(to_unix(utc_day::floor(from_unix(highest))) == highest - highest % 86400);
  BOOST_TEST(utc_day::index(from_unix(lowest)) == lowest / 86400 - 1);
}

BOOST_AUTO_TEST_CASE(M1_window_kind_parses_stripe_spellings) {
  struct row {
    std::string_view text;
    std::optional<window_kind> kind;
  };
  const std::vector<row> rows{
      {"hour", window_kind::hour}, {"day", window_kind::day}, {"", std::nullopt},     {"null", std::nullopt},
      {"Hour", std::nullopt},      {"minute", std::nullopt},  {"week", std::nullopt}, {" day", std::nullopt}};
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT("\"" << r.text << "\"") { BOOST_TEST((parse_window_kind(r.text) == r.kind)); }
  }
  BOOST_TEST(to_string(window_kind::hour) == "hour");
  BOOST_TEST(to_string(window_kind::day) == "day");
  BOOST_TEST(to_string(window_kind::none) == "null");
}

BOOST_AUTO_TEST_CASE(M13_runtime_window_kind_dispatches_onto_the_compile_time_windows) {
  const timestamp t = at("2024-02-29T13:45:10Z");
  const auto name = [](auto w) -> std::string {
    if constexpr (std::is_same_v<decltype(w), utc_hour>) return "utc_hour";
    if constexpr (std::is_same_v<decltype(w), utc_day>) return "utc_day";
    if constexpr (std::is_same_v<decltype(w), no_window>) return "none";
    return "other";
  };
  BOOST_TEST(visit_window(window_kind::hour, name) == "utc_hour");
  BOOST_TEST(visit_window(window_kind::day, name) == "utc_day");
  BOOST_TEST(visit_window(window_kind::none, name) == "none");
  BOOST_TEST(iso(floor(window_kind::hour, t)) == "2024-02-29T13:00:00Z");
  BOOST_TEST(iso(floor(window_kind::day, t)) == "2024-02-29T00:00:00Z");
  BOOST_TEST(iso(floor(window_kind::none, t)) == "2024-02-29T13:45:10Z");
  BOOST_TEST((window_length(window_kind::hour) == seconds{3600}));
  BOOST_TEST((window_length(window_kind::day) == seconds{86400}));
  BOOST_TEST((window_length(window_kind::none) == seconds{0}));
}

BOOST_AUTO_TEST_CASE(M8_a_fixed_window_with_an_offset_starts_at_the_offset) {
  using quarter_past = fixed_window<3600, 900>;
  static_assert(time_window<quarter_past>);
  BOOST_TEST(to_unix(quarter_past::floor(from_unix(899))) == -2700);
  BOOST_TEST(to_unix(quarter_past::floor(from_unix(900))) == 900);
  BOOST_TEST(to_unix(quarter_past::floor(from_unix(4499))) == 900);
  BOOST_TEST(to_unix(quarter_past::floor(from_unix(4500))) == 4500);
  BOOST_TEST(quarter_past::index(from_unix(899)) == -1);
  BOOST_TEST(quarter_past::index(from_unix(900)) == 0);
  static_assert(quarter_past::floor(from_unix(4500)) == from_unix(4500));
}

BOOST_AUTO_TEST_SUITE_END()
