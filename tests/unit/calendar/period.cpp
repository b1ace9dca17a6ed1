// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/calendar/period.hpp>

#include <compare>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

using namespace meterkit;

namespace {
timestamp at(std::int64_t unix_seconds) { return from_unix(unix_seconds); }
}  // namespace

BOOST_AUTO_TEST_SUITE(calendar_period)

BOOST_AUTO_TEST_CASE(B3_period_includes_start_and_excludes_end) {
  const period p{at(1000), at(2000)};
  struct row {
    std::int64_t t;
    bool inside;
  };
  const std::vector<row> rows{{999, false}, {1000, true},  {1001, true},
                              {1999, true}, {2000, false}, {2001, false}};
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT("t = " << r.t) { BOOST_TEST(p.contains(at(r.t)) == r.inside); }
  }
}

BOOST_AUTO_TEST_CASE(B4_length_is_end_minus_start_in_seconds) {
  BOOST_TEST((period{at(1000), at(2000)}.length() == seconds{1000}));
  BOOST_TEST((period{at(-50), at(50)}.length() == seconds{100}));
  BOOST_TEST((period{at(7), at(7)}.length() == seconds{0}));
}

BOOST_AUTO_TEST_CASE(B3_an_empty_period_contains_no_instant) {
  const period p{at(5), at(5)};
  BOOST_TEST(p.empty());
  BOOST_TEST(!p.contains(at(4)));
  BOOST_TEST(!p.contains(at(5)));
  BOOST_TEST(!(period{at(5), at(6)}.empty()));
}

BOOST_AUTO_TEST_CASE(B3_periods_compare_by_start_then_end) {
  const period a{at(0), at(10)};
  const period b{at(0), at(20)};
  const period c{at(5), at(6)};
  BOOST_TEST((a == period{at(0), at(10)}));
  BOOST_TEST(!(a == b));
  BOOST_TEST((a < b));
  BOOST_TEST((b < c));
  BOOST_TEST((a < c));
  BOOST_TEST(((a <=> a) == std::strong_ordering::equal));
}

BOOST_AUTO_TEST_CASE(B3_adjacent_periods_do_not_overlap) {
  const period a{at(0), at(10)};
  const period b{at(10), at(20)};
  BOOST_TEST(!a.overlaps(b));
  BOOST_TEST(!b.overlaps(a));
  BOOST_TEST(a.overlaps(period{at(9), at(11)}));
  BOOST_TEST(a.overlaps(period{at(-5), at(1)}));
  BOOST_TEST(!a.overlaps(period{at(3), at(3)}));
}

BOOST_AUTO_TEST_CASE(B3_overlap_means_a_shared_instant_for_random_periods) {
  const std::uint64_t seed = 20240229;
  std::mt19937_64 rng{seed};
  std::uniform_int_distribution<std::int64_t> bound{-20, 20};
  for (int i = 0; i < 5000; ++i) {
    std::int64_t a0 = bound(rng), a1 = bound(rng), b0 = bound(rng), b1 = bound(rng);
    if (a1 < a0) std::swap(a0, a1);
    if (b1 < b0) std::swap(b0, b1);
    const period a{at(a0), at(a1)};
    const period b{at(b0), at(b1)};
    bool shared = false;
    for (std::int64_t t = -21; t <= 21; ++t) shared = shared || (a.contains(at(t)) && b.contains(at(t)));
    BOOST_TEST_CONTEXT("seed " << seed << " case " << i << ": [" << a0 << "," << a1 << ") [" << b0 << ","
                               << b1 << ")") {
      BOOST_TEST(a.overlaps(b) == shared);
      BOOST_TEST(b.overlaps(a) == shared);
    }
  }
}

BOOST_AUTO_TEST_CASE(B3_period_is_usable_in_constant_expressions) {
  constexpr period p{from_unix(0), from_unix(3600)};
  static_assert(p.contains(from_unix(3599)));
  static_assert(!p.contains(from_unix(3600)));
  static_assert(p.length() == seconds{3600});
  BOOST_TEST(p.contains(from_unix(0)));
}

BOOST_AUTO_TEST_SUITE_END()
