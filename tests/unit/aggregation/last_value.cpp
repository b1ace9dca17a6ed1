// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/aggregation/last_value.hpp>

namespace mk = meterkit;

namespace {
std::int64_t last_of(std::initializer_list<mk::sample> xs) {
  auto s = mk::last_value::identity();
  for (const auto& x : xs) mk::last_value::accumulate(s, x);
  return mk::last_value::result(s);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(aggregation_last_value)

BOOST_AUTO_TEST_CASE(M9_last_of_no_samples_is_zero) { BOOST_TEST(last_of({}) == 0); }

BOOST_AUTO_TEST_CASE(M9_last_takes_the_greatest_timestamp_not_the_latest_arrival) {
  // value 7 has the later timestamp but arrived first
  BOOST_TEST(last_of({{mk::from_unix(200), 1, 7}, {mk::from_unix(100), 2, 3}}) == 7);
}

BOOST_AUTO_TEST_CASE(M9_last_breaks_timestamp_ties_by_later_arrival) {
  BOOST_TEST(last_of({{mk::from_unix(100), 5, 1}, {mk::from_unix(100), 9, 2}, {mk::from_unix(100), 7, 3}}) ==
             2);
  BOOST_TEST(last_of({{mk::from_unix(100), 9, 2}, {mk::from_unix(100), 5, 1}}) == 2);
}

BOOST_AUTO_TEST_CASE(M12_last_may_be_negative_and_is_not_clamped) {
  BOOST_TEST(last_of({{mk::from_unix(1), 1, 5}, {mk::from_unix(2), 2, -4}}) == -4);
}

BOOST_AUTO_TEST_CASE(M9_merge_keeps_the_later_winner_whatever_the_order) {
  auto a = mk::last_value::identity();
  auto b = mk::last_value::identity();
  mk::last_value::accumulate(a, {mk::from_unix(100), 3, 10});
  mk::last_value::accumulate(b, {mk::from_unix(100), 4, 20});
  auto ab = a;
  mk::last_value::merge(ab, b);
  auto ba = b;
  mk::last_value::merge(ba, a);
  BOOST_TEST(mk::last_value::result(ab) == 20);
  BOOST_TEST((ab == ba));
}

BOOST_AUTO_TEST_SUITE_END()
