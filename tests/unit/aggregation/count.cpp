// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/aggregation/count.hpp>

#include <limits>

namespace mk = meterkit;

BOOST_AUTO_TEST_SUITE(aggregation_count)

BOOST_AUTO_TEST_CASE(M9_count_counts_samples_and_ignores_values) {
  auto s = mk::count::identity();
  mk::count::accumulate(s, mk::sample{mk::from_unix(1), 1, -7});
  mk::count::accumulate(s, mk::sample{mk::from_unix(1), 2, 0});
  mk::count::accumulate(s, mk::sample{mk::from_unix(1), 3, 99});
  BOOST_TEST(mk::count::result(s) == 3);
  static_assert(!mk::count::reads_value);
}

BOOST_AUTO_TEST_CASE(overflow_of_a_count_is_an_error_never_a_wrap) {
  mk::count::state_type s = std::numeric_limits<std::int64_t>::max();
  BOOST_CHECK_THROW(mk::count::accumulate(s, mk::sample{}), mk::overflow_error);
  auto t = s;
  BOOST_CHECK_THROW(mk::count::merge(t, mk::count::state_type{1}), mk::overflow_error);
}

BOOST_AUTO_TEST_CASE(count_state_is_at_most_16_bytes) { BOOST_TEST(sizeof(mk::count::state_type) <= 16u); }

BOOST_AUTO_TEST_SUITE_END()
