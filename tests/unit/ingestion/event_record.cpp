// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/ingestion/event_record.hpp>

namespace mk = meterkit;

BOOST_AUTO_TEST_SUITE(ingestion_event_record)

BOOST_AUTO_TEST_CASE(M10_M11_visibility_as_of_arrival_and_cancellation) {
  const mk::event_record r{mk::from_unix(5), mk::from_unix(10), 1, 3, mk::from_unix(20)};
  BOOST_TEST(!r.visible_as_of(mk::from_unix(9)));
  BOOST_TEST(r.visible_as_of(mk::from_unix(10)));  // arrival exactly at as_of counts
  BOOST_TEST(r.visible_as_of(mk::from_unix(19)));
  BOOST_TEST(!r.visible_as_of(mk::from_unix(20)));  // cancelled at or after its arrival
  BOOST_TEST(r.cancelled());
  const mk::event_record open{mk::from_unix(5), mk::from_unix(10), 1, 3};
  BOOST_TEST(!open.cancelled());
  BOOST_TEST(open.visible_as_of(mk::from_unix(INT64_MAX - 1)));
}

BOOST_AUTO_TEST_CASE(records_order_by_time_then_arrival) {
  const mk::event_record a{mk::from_unix(5), {}, 2, 0}, b{mk::from_unix(5), {}, 3, 0},
      c{mk::from_unix(4), {}, 9, 0};
  BOOST_TEST(mk::record_before(a, b));
  BOOST_TEST(!mk::record_before(b, a));
  BOOST_TEST(mk::record_before(c, a));
  BOOST_TEST((a.to_sample() == mk::sample{mk::from_unix(5), 2, 0}));
}

BOOST_AUTO_TEST_SUITE_END()
