// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/acceptance/cancellation_window.hpp>

namespace mk = meterkit;

BOOST_AUTO_TEST_SUITE(acceptance_cancellation_window)

BOOST_AUTO_TEST_CASE(M10_cancellation_allowed_until_one_second_before_a_day_after_arrival) {
  using W = mk::stripe_cancellation_window;
  const auto r = mk::from_unix(1735689600);
  BOOST_TEST(W::allows(r, r));
  BOOST_TEST(W::allows(r, r + mk::seconds{86399}));
  BOOST_TEST(!W::allows(r, r + mk::seconds{86400}));
  BOOST_TEST(!W::allows(mk::from_unix(INT64_MIN), mk::from_unix(INT64_MAX)));
}

BOOST_AUTO_TEST_CASE(M10_window_length_is_a_parameter) {
  using W = mk::cancellation_window<10>;
  BOOST_TEST(W::allows(mk::from_unix(0), mk::from_unix(9)));
  BOOST_TEST(!W::allows(mk::from_unix(0), mk::from_unix(10)));
  static_assert(mk::cancellation_window_policy<W>);
}

BOOST_AUTO_TEST_SUITE_END()
