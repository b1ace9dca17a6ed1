// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/meter/event_summary.hpp>

namespace mk = meterkit;

namespace {
mk::period p(std::int64_t s, std::int64_t e) { return {mk::from_unix(s), mk::from_unix(e)}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(meter_event_summary)

BOOST_AUTO_TEST_CASE(M13_bounds_must_be_minute_aligned_and_hour_or_day_aligned_when_grouped) {
  BOOST_TEST(!mk::check_summary_bounds(p(60, 120), mk::window_kind::none));
  BOOST_TEST(mk::check_summary_bounds(p(59, 120), mk::window_kind::none)->param == "start_time");
  BOOST_TEST(mk::check_summary_bounds(p(60, 121), mk::window_kind::none)->param == "end_time");
  BOOST_TEST(mk::check_summary_bounds(p(120, 120), mk::window_kind::none)->param == "end_time");
  BOOST_TEST(mk::check_summary_bounds(p(60, 3600), mk::window_kind::hour)->param == "start_time");
  BOOST_TEST(!mk::check_summary_bounds(p(3600, 7200), mk::window_kind::hour));
  BOOST_TEST(mk::check_summary_bounds(p(3600, 86400), mk::window_kind::day)->param == "start_time");
  BOOST_TEST(mk::check_summary_bounds(p(0, 90000), mk::window_kind::day)->param == "end_time");
  BOOST_TEST(!mk::check_summary_bounds(p(0, 86400), mk::window_kind::day));
  BOOST_TEST((mk::check_summary_bounds(p(1, 60), mk::window_kind::none)->code ==
              mk::error_code::invalid_configuration));
}

BOOST_AUTO_TEST_CASE(M13_windows_cover_the_range_in_time_order) {
  const auto hours = mk::summary_windows(p(0, 3 * 3600), mk::window_kind::hour);
  BOOST_REQUIRE(hours.size() == 3u);
  BOOST_TEST((hours[2] == p(7200, 10800)));
  const auto whole = mk::summary_windows(p(60, 180), mk::window_kind::none);
  BOOST_REQUIRE(whole.size() == 1u);
  BOOST_TEST((whole[0] == p(60, 180)));
  BOOST_TEST(mk::summary_windows(p(0, 2 * 86400), mk::window_kind::day).size() == 2u);
}

BOOST_AUTO_TEST_CASE(D26_the_window_count_is_known_without_building_the_windows) {
  struct row {
    std::int64_t start, end;
    mk::window_kind grouping;
  };
  for (const row r :
       {row{60, 180, mk::window_kind::none}, row{0, 3 * 3600, mk::window_kind::hour},
        row{0, 5 * 86400, mk::window_kind::day}, row{86400, 2 * 86400, mk::window_kind::hour}}) {
    BOOST_TEST(mk::summary_window_count(p(r.start, r.end), r.grouping) ==
               mk::summary_windows(p(r.start, r.end), r.grouping).size());
  }
  // 1970 to 9999 by hour: counted, never built.
  BOOST_TEST(mk::summary_window_count(p(0, 253370764800), mk::window_kind::hour) == 70380768u);
}

BOOST_AUTO_TEST_SUITE_END()
