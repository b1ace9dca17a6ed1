// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/aggregation/peak.hpp>

namespace mk = meterkit;

BOOST_AUTO_TEST_SUITE(aggregation_peak)

BOOST_AUTO_TEST_CASE(L3_max_is_the_largest_value_else_zero) {
  auto s = mk::peak::identity();
  BOOST_TEST(mk::peak::result(s) == 0);
  mk::peak::accumulate(s, {mk::from_unix(3), 1, 4});
  mk::peak::accumulate(s, {mk::from_unix(1), 2, 9});
  mk::peak::accumulate(s, {mk::from_unix(2), 3, 6});
  BOOST_TEST(mk::peak::result(s) == 9);
}

BOOST_AUTO_TEST_CASE(peak_of_only_negative_values_is_the_largest_negative) {
  auto s = mk::peak::identity();
  mk::peak::accumulate(s, {mk::from_unix(3), 1, -4});
  mk::peak::accumulate(s, {mk::from_unix(1), 2, -9});
  BOOST_TEST(mk::peak::result(s) == -4);
}

BOOST_AUTO_TEST_SUITE_END()
