// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/meter/customer_state.hpp>

#include <meterkit/aggregation/last_value.hpp>
#include <meterkit/aggregation/sum.hpp>
#include <meterkit/ingestion/pre_aggregated.hpp>
#include <meterkit/ingestion/raw.hpp>

namespace mk = meterkit;

namespace {
mk::event_record rec(std::int64_t t, std::int64_t r, std::uint64_t a, std::int64_t v) {
  return mk::event_record{mk::from_unix(t), mk::from_unix(r), a, v};
}
}  // namespace

BOOST_AUTO_TEST_SUITE(meter_customer_state)

BOOST_AUTO_TEST_CASE(fast_path_answers_only_queries_that_cover_everything_as_of_every_change) {
  mk::customer_history<mk::sum, mk::raw> h;
  h.add(rec(100, 100, 1, 5));
  h.add(rec(200, 210, 2, 7));
  BOOST_TEST(h.answers_from_running(mk::all_time, mk::from_unix(210)));
  BOOST_TEST(!h.answers_from_running(mk::all_time, mk::from_unix(209)));  // 7 not yet arrived
  BOOST_TEST(!h.answers_from_running({mk::from_unix(100), mk::from_unix(200)}, mk::from_unix(300)));
  BOOST_TEST((h.state(mk::all_time, mk::from_unix(209)) == 5));
  BOOST_TEST((h.state(mk::all_time, mk::from_unix(210)) == 12));
  BOOST_TEST(h.cancel(mk::from_unix(100), 1, mk::from_unix(400)));
  BOOST_TEST(!h.cancel(mk::from_unix(100), 1, mk::from_unix(401)));  // already cancelled
  BOOST_TEST(!h.cancel(mk::from_unix(100), 9, mk::from_unix(401)));  // no such record
  BOOST_TEST(!h.answers_from_running(mk::all_time, mk::from_unix(399)));
  BOOST_TEST((h.state(mk::all_time, mk::from_unix(399)) == 12));
  BOOST_TEST(h.answers_from_running(mk::all_time, mk::from_unix(400)));
  BOOST_TEST((h.state(mk::all_time, mk::from_unix(400)) == 7));
}

BOOST_AUTO_TEST_CASE(M8_running_survivors_swap_on_later_arrival_and_cancellation) {
  mk::customer_history<mk::sum, mk::pre_aggregated<mk::utc_hour>> h;
  h.add(rec(10, 10, 1, 5));
  h.add(rec(20, 20, 2, 7));
  h.add(rec(5, 15, 3, 1));  // not sorted by arrival within the hour by time: arrival 3 wins
  BOOST_TEST((h.state(mk::all_time, mk::end_of_time) == 1));
  BOOST_TEST((h.state_by_fold(mk::all_time, mk::end_of_time) == 1));
  BOOST_TEST(h.cancel(mk::from_unix(5), 3, mk::from_unix(30)));
  BOOST_TEST((h.state(mk::all_time, mk::end_of_time) == 7));
  BOOST_TEST((h.state_by_fold(mk::all_time, mk::end_of_time) == 7));
}

BOOST_AUTO_TEST_CASE(running_state_only_keeps_window_survivors) {
  mk::customer_running_state<mk::last_value, mk::pre_aggregated<mk::utc_hour>> s;
  s.add(rec(10, 10, 2, 5));
  s.add(rec(20, 20, 1, 7));  // older arrival: ignored
  s.add(rec(3700, 3700, 3, 9));
  BOOST_TEST(mk::last_value::result(s.state()) == 9);
  BOOST_TEST(mk::last_value::result(s.state({mk::from_unix(0), mk::from_unix(3600)})) == 5);
  BOOST_TEST(s.survivors().size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_all_time_overflow_does_not_break_period_quantities_that_fit) {
  constexpr std::int64_t big = 5'000'000'000'000'000'000;
  mk::customer_history<mk::sum, mk::raw> h;
  h.add(rec(10, 10, 1, big));
  h.add(rec(100, 100, 2, big));  // the all-time total leaves 64 bits: exact in the 128-bit state
  BOOST_TEST((h.state({mk::from_unix(0), mk::from_unix(50)}, mk::end_of_time) == big));
  BOOST_TEST((h.state({mk::from_unix(50), mk::from_unix(200)}, mk::end_of_time) == big));
  BOOST_TEST((h.state(mk::all_time, mk::end_of_time) == mk::int128{2} * big));
  BOOST_CHECK_THROW((void)mk::sum::result(h.state(mk::all_time, mk::end_of_time)), mk::overflow_error);
  mk::customer_running_state<mk::sum, mk::raw> r;
  r.add(rec(10, 10, 1, big));
  r.add(rec(100, 100, 2, big));
  BOOST_CHECK_THROW((void)mk::sum::result(r.state()), mk::overflow_error);  // its total is the quantity
  r.add(rec(200, 200, 3, -big));  // a correction brings it back, exactly
  BOOST_TEST(mk::sum::result(r.state()) == big);
}

BOOST_AUTO_TEST_SUITE_END()
