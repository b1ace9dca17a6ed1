// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/acceptance/timestamp_window.hpp>

#include <string>

namespace mk = meterkit;

BOOST_AUTO_TEST_SUITE(acceptance_timestamp_window)

BOOST_AUTO_TEST_CASE(M4_both_ends_of_the_window_are_inclusive) {
  using W = mk::stripe_timestamp_window;
  const auto r = mk::from_unix(1735689600);
  BOOST_TEST(W::check(r - mk::seconds{35 * 86400}, r).accepted());
  BOOST_TEST(W::check(r + mk::seconds{300}, r).accepted());
  BOOST_TEST(W::check(r, r).accepted());
  const auto past = W::check(r - mk::seconds{35 * 86400 + 1}, r);
  BOOST_TEST((past.code() == mk::error_code::timestamp_too_far_in_past));
  BOOST_TEST(past.error().param == "timestamp");
  const auto future = W::check(r + mk::seconds{301}, r);
  BOOST_TEST((future.code() == mk::error_code::timestamp_in_future));
  BOOST_TEST(future.error().param == "timestamp");
}

BOOST_AUTO_TEST_CASE(M4_bounds_are_template_parameters) {
  using W = mk::timestamp_window<60, 0>;
  const auto r = mk::from_unix(1000);
  BOOST_TEST(W::check(mk::from_unix(940), r).accepted());
  BOOST_TEST(W::check(mk::from_unix(939), r).rejected());
  BOOST_TEST(W::check(mk::from_unix(1001), r).rejected());
  static_assert(mk::timestamp_acceptance_policy<W>);
}

BOOST_AUTO_TEST_CASE(M4_extreme_times_do_not_overflow) {
  using W = mk::stripe_timestamp_window;
  BOOST_TEST(W::check(mk::earliest_time, mk::latest_time).rejected());
  BOOST_TEST(W::check(mk::latest_time, mk::earliest_time).rejected());
  BOOST_TEST(W::check(mk::from_unix(INT64_MIN), mk::from_unix(INT64_MAX)).rejected());
  BOOST_TEST(W::check(mk::from_unix(INT64_MAX), mk::from_unix(INT64_MIN)).rejected());
}

BOOST_AUTO_TEST_SUITE_END()
