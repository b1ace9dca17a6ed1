// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/aggregation/sum.hpp>
#include <meterkit/core/persistence.hpp>

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

BOOST_AUTO_TEST_CASE(D25_a_total_outside_64_bits_is_an_error_never_a_wrap) {
  auto s = mk::sum::identity();
  mk::sum::accumulate(s, v(big));
  BOOST_TEST(mk::sum::result(s) == big);
  mk::sum::accumulate(s, v(1));
  BOOST_CHECK_THROW((void)mk::sum::result(s), mk::overflow_error);
  auto n = mk::sum::identity();
  mk::sum::accumulate(n, v(small));
  BOOST_TEST(mk::sum::result(n) == small);
  mk::sum::retract(n, v(1));
  BOOST_CHECK_THROW((void)mk::sum::result(n), mk::overflow_error);
  auto m = s;
  mk::sum::merge(m, s);
  BOOST_CHECK_THROW((void)mk::sum::result(m), mk::overflow_error);
}

BOOST_AUTO_TEST_CASE(D25_only_the_total_is_range_checked_so_the_order_of_values_never_matters) {
  // All the large values first, their corrections after: partial sums pass 2^63, the total is 0.
  auto s = mk::sum::identity();
  for (int i = 0; i < 10000; ++i) mk::sum::accumulate(s, v(999999999999999));
  for (int i = 0; i < 10000; ++i) mk::sum::accumulate(s, v(-999999999999999));
  BOOST_TEST(mk::sum::result(s) == 0);
  for (int i = 0; i < 3; ++i) mk::sum::accumulate(s, v(big));
  for (int i = 0; i < 3; ++i) mk::sum::retract(s, v(big));
  mk::sum::accumulate(s, v(small));
  BOOST_TEST(mk::sum::result(s) == small);
}

BOOST_AUTO_TEST_CASE(D25_totals_stay_within_2_to_the_126_so_adding_a_value_needs_no_check) {
  // A saved total round-trips up to 2^126 either way and is refused beyond: adding values to a
  // loaded total can then never leave the 128-bit range.
  const auto saved = [](mk::int128 total) {
    mk::state_writer out;
    mk::sum::save_state(out, total);
    return out.bytes();
  };
  const mk::int128 edge = static_cast<mk::int128>(1) << 126U;
  for (const mk::int128 total : {edge, -edge, static_cast<mk::int128>(big) * 3, mk::int128{0}}) {
    const std::string bytes = saved(total);
    mk::state_reader in(bytes);
    BOOST_TEST((mk::sum::load_state(in) == total));
  }
  for (const mk::int128 total : {edge + 1, -edge - 1, std::numeric_limits<mk::int128>::max()}) {
    const std::string bytes = saved(total);
    mk::state_reader in(bytes);
    BOOST_CHECK_THROW((void)mk::sum::load_state(in), mk::corrupt_state_error);
  }
  // A merge past 2^126 is an overflow, never a total that later values could wrap.
  mk::int128 s = edge;
  BOOST_CHECK_THROW(mk::sum::merge(s, mk::int128{1}), mk::overflow_error);
  BOOST_TEST((s == edge));
  mk::sum::merge(s, -edge);
  BOOST_TEST(mk::sum::result(s) == 0);
}

BOOST_AUTO_TEST_CASE(sum_state_is_at_most_16_bytes) { BOOST_TEST(sizeof(mk::sum::state_type) <= 16u); }

BOOST_AUTO_TEST_SUITE_END()
