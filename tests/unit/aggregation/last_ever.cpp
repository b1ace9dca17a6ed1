// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/aggregation/last_ever.hpp>

namespace mk = meterkit;

BOOST_AUTO_TEST_SUITE(aggregation_last_ever)

BOOST_AUTO_TEST_CASE(L3_last_ever_declares_carry_over_and_keeps_presence_of_a_zero) {
  using F = mk::last_ever;
  static_assert(F::carries_over_earlier_periods);
  auto s = F::identity();
  BOOST_TEST(!s.present);
  F::accumulate(s, {mk::from_unix(50), 2, 0});
  BOOST_TEST(s.present);  // D18: a stored 0 counts as present, so nothing carries over
  BOOST_TEST(F::result(s) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
