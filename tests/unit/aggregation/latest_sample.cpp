// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/aggregation/latest_sample.hpp>

namespace mk = meterkit;

BOOST_AUTO_TEST_SUITE(aggregation_latest_sample)

BOOST_AUTO_TEST_CASE(D15_latest_orders_by_timestamp_then_arrival) {
  using L = mk::detail::latest_by_time;
  auto s = L::identity();
  BOOST_TEST(!s.present);
  L::accumulate(s, {mk::from_unix(10), 2, 0});  // a stored 0 counts as present (D18)
  BOOST_TEST(s.present);
  BOOST_TEST(L::result(s) == 0);
  BOOST_TEST(!L::is_later(s, mk::from_unix(10), 1));
  BOOST_TEST(L::is_later(s, mk::from_unix(10), 3));
  BOOST_TEST(L::is_later(s, mk::from_unix(11), 0));
  BOOST_TEST(!L::is_later(s, mk::from_unix(9), 99));
}

BOOST_AUTO_TEST_CASE(empty_states_compare_equal) {
  BOOST_TEST((mk::latest_sample_state{} == mk::detail::latest_by_time::identity()));
}

BOOST_AUTO_TEST_SUITE_END()
