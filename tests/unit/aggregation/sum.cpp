// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/aggregation/sum.hpp>

#include <limits>

namespace mk = meterkit;

namespace {
mk::sample v(std::int64_t value) { return mk::sample{mk::from_unix(0), 0, value}; }
constexpr auto big = std::numeric_limits<std::int64_t>::max();
constexpr auto small = std::numeric_limits<std::int64_t>::min();
}  // namespace

BOOST_AUTO_TEST_SUITE(aggregation_sum)

BOOST_AUTO_TEST_CASE(M9_sum_of_no_samples_is_zero) { BOOST_TEST(mk::sum::result(mk::sum::identity()) == 0); }

BOOST_AUTO_TEST_CASE(M12_negative_values_are_summed_unclamped) {
  auto s = mk::sum::identity();
  mk::sum::accumulate(s, v(5));
  mk::sum::accumulate(s, v(-15));
  BOOST_TEST(mk::sum::result(s) == -10);
}

BOOST_AUTO_TEST_CASE(overflow_of_a_sum_is_an_error_never_a_wrap) {
  auto s = mk::sum::identity();
  mk::sum::accumulate(s, v(big));
  BOOST_CHECK_THROW(mk::sum::accumulate(s, v(1)), mk::overflow_error);
  BOOST_TEST(mk::sum::result(s) == big);
  auto n = mk::sum::identity();
  mk::sum::accumulate(n, v(small));
  BOOST_CHECK_THROW(mk::sum::accumulate(n, v(-1)), mk::overflow_error);
  BOOST_CHECK_THROW(mk::sum::retract(n, v(1)), mk::overflow_error);
  auto m = s;
  BOOST_CHECK_THROW(mk::sum::merge(m, s), mk::overflow_error);
}

BOOST_AUTO_TEST_CASE(sum_state_is_at_most_16_bytes) { BOOST_TEST(sizeof(mk::sum::state_type) <= 16u); }

BOOST_AUTO_TEST_SUITE_END()
