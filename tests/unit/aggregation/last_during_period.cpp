// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/aggregation/last_during_period.hpp>

namespace mk = meterkit;

BOOST_AUTO_TEST_SUITE(aggregation_last_during_period)

BOOST_AUTO_TEST_CASE(L3_last_during_period_is_the_value_at_the_latest_timestamp_else_zero) {
  using F = mk::last_during_period;
  auto s = F::identity();
  BOOST_TEST(F::result(s) == 0);
  F::accumulate(s, {mk::from_unix(50), 2, 8});
  F::accumulate(s, {mk::from_unix(40), 3, 9});
  BOOST_TEST(F::result(s) == 8);
  static_assert(!F::carries_over_earlier_periods);
}

BOOST_AUTO_TEST_SUITE_END()
