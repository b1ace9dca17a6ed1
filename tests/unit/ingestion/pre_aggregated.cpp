// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/ingestion/pre_aggregated.hpp>

#include <algorithm>
#include <vector>

#include <meterkit/aggregation/count.hpp>
#include <meterkit/aggregation/last_value.hpp>
#include <meterkit/aggregation/sum.hpp>

namespace mk = meterkit;

namespace {
mk::event_record rec(std::int64_t t, std::int64_t r, std::uint64_t a, std::int64_t v,
                     mk::timestamp c = mk::never) {
  return mk::event_record{mk::from_unix(t), mk::from_unix(r), a, v, c};
}
template <class F, class W = mk::utc_hour>
std::int64_t fold(std::vector<mk::event_record> rs, std::int64_t s, std::int64_t e, std::int64_t as_of) {
  std::sort(rs.begin(), rs.end(), mk::record_before);
  auto st = F::identity();
  mk::pre_aggregated<W>::template fold<F>(st, rs, mk::period{mk::from_unix(s), mk::from_unix(e)},
                                          mk::from_unix(as_of));
  return F::result(st);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(ingestion_pre_aggregated)

BOOST_AUTO_TEST_CASE(M8_newer_arrival_replaces_older_in_hour) {
  // hour [3600, 7200): the later arrival wins even with an earlier timestamp
  const std::vector<mk::event_record> rs{rec(7000, 7000, 1, 10), rec(3700, 7100, 2, 4),
                                         rec(7300, 7300, 3, 5)};
  BOOST_TEST(fold<mk::sum>(rs, 0, 10800, 7050) == 10);
  BOOST_TEST(fold<mk::sum>(rs, 0, 10800, 7100) == 4);
  BOOST_TEST(fold<mk::sum>(rs, 0, 10800, 7300) == 9);
  BOOST_TEST(fold<mk::count>(rs, 0, 10800, 7300) == 2);
}

BOOST_AUTO_TEST_CASE(M8_cancelled_survivor_gives_way_to_the_previous_arrival) {
  const std::vector<mk::event_record> rs{rec(3600, 3600, 1, 1), rec(3601, 3601, 2, 2, mk::from_unix(5000)),
                                         rec(3602, 3602, 3, 3, mk::from_unix(4000))};
  BOOST_TEST(fold<mk::sum>(rs, 0, 7200, 3999) == 3);
  BOOST_TEST(fold<mk::sum>(rs, 0, 7200, 4000) == 2);
  BOOST_TEST(fold<mk::sum>(rs, 0, 7200, 5000) == 1);
}

BOOST_AUTO_TEST_CASE(D15_survivor_is_chosen_over_the_whole_window_before_the_period_filter) {
  const std::vector<mk::event_record> rs{rec(3700, 3700, 1, 5), rec(6000, 6000, 2, 9)};
  BOOST_TEST(fold<mk::sum>(rs, 3600, 5400, 7200) == 0);  // survivor at 6000 lies outside
  BOOST_TEST(fold<mk::sum>(rs, 5400, 7200, 7200) == 9);
  BOOST_TEST(fold<mk::sum>(rs, 5400, 5401, 7200) == 0);
  BOOST_TEST(fold<mk::sum>(rs, 3600, 5400, 5000) == 5);  // as of before the 9 arrived
}

BOOST_AUTO_TEST_CASE(D15_last_takes_the_survivor_with_the_greatest_timestamp) {
  const std::vector<mk::event_record> rs{rec(3600, 3600, 1, 7), rec(7300, 7300, 2, 8), rec(7200, 7400, 3, 6)};
  // hour 2 survivor: arrival 3 (timestamp 7200), hour 1 survivor: 7 at 3600 -> last is 6
  BOOST_TEST(fold<mk::last_value>(rs, 0, 10800, 8000) == 6);
}

BOOST_AUTO_TEST_CASE(M8_day_windows_are_utc_days) {
  const std::vector<mk::event_record> rs{rec(86399, 86399, 1, 1), rec(86400, 86400, 2, 2),
                                         rec(100, 86401, 3, 3)};
  BOOST_TEST((fold<mk::sum, mk::utc_day>(rs, 0, 2 * 86400, 90000) == 5));
  BOOST_TEST((fold<mk::sum, mk::utc_hour>(rs, 0, 2 * 86400, 90000) == 6));
}

BOOST_AUTO_TEST_CASE(M8_another_window_is_one_line) {
  using per_minute = mk::pre_aggregated<mk::utc_minute>;
  static_assert(mk::ingestion_policy<per_minute>);
  static_assert(per_minute::is_pre_aggregated);
  const std::vector<mk::event_record> rs{rec(0, 0, 1, 1), rec(59, 59, 2, 2), rec(60, 60, 3, 4)};
  BOOST_TEST((fold<mk::sum, mk::utc_minute>(rs, 0, 120, 120) == 6));
}

BOOST_AUTO_TEST_SUITE_END()
