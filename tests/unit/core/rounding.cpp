// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/core/rounding.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using namespace meterkit;

namespace {
constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();

struct division_case {
  int128 numerator;
  int128 denominator;
  std::optional<std::int64_t> away;  // half_away_from_zero
  std::optional<std::int64_t> even;  // half_even
};

std::string describe(int128 v) {
  const bool negative = v < 0;
  uint128 m = negative ? uint128{0} - static_cast<uint128>(v) : static_cast<uint128>(v);
  std::string s;
  do {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m != 0);
  return negative ? "-" + s : s;
}

/// A policy defined outside the library: ties go toward zero.
struct half_toward_zero {
  static constexpr std::string_view name = "half_toward_zero";
  static constexpr bool away_from_zero(int128, int128 r, int128 d) noexcept { return r > d - r; }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(core_rounding)

BOOST_AUTO_TEST_CASE(P4_ties_and_non_ties_round_once_with_each_policy) {
  const std::vector<division_case> cases{
      {0, 1, 0, 0},
      {0, 7, 0, 0},
      {10, 5, 2, 2},
      {-10, 5, -2, -2},
      {5, 10, 1, 0},      // 0.5
      {15, 10, 2, 2},     // 1.5
      {25, 10, 3, 2},     // 2.5
      {35, 10, 4, 4},     // 3.5
      {-5, 10, -1, 0},    // -0.5
      {-15, 10, -2, -2},  // -1.5
      {-25, 10, -3, -2},  // -2.5
      {-35, 10, -4, -4},  // -3.5
      {1, 3, 0, 0},
      {2, 3, 1, 1},
      {-1, 3, 0, 0},
      {-2, 3, -1, -1},
      {49, 100, 0, 0},
      {51, 100, 1, 1},
      {-49, 100, 0, 0},
      {-51, 100, -1, -1},
      {1, 2, 1, 0},
      {3, 2, 2, 2},
      {-1, 2, -1, 0},
      {-3, 2, -2, -2},
      // one unit of 10^-12 on either side of a tie
      {2'500'000'000'001, 1'000'000'000'000, 3, 3},
      {2'499'999'999'999, 1'000'000'000'000, 2, 2},
      {-2'500'000'000'001, 1'000'000'000'000, -3, -3},
      // the edges of int64
      {int128{i64_max}, 1, i64_max, i64_max},
      {int128{i64_min}, 1, i64_min, i64_min},
      {int128{i64_max} + 1, 1, std::nullopt, std::nullopt},
      {int128{i64_min} - 1, 1, std::nullopt, std::nullopt},
      {int128{i64_max} * 2 - 1, 2, i64_max, i64_max - 1},        // i64_max - 0.5
      {int128{i64_max} * 2 + 1, 2, std::nullopt, std::nullopt},  // i64_max + 0.5, i64_max is odd
      {int128{i64_min} * 2 + 1, 2, i64_min, i64_min},            // i64_min + 0.5
      {int128{i64_min} * 2 - 1, 2, std::nullopt, i64_min},       // i64_min - 0.5, i64_min is even
      {detail::int128_max, 1, std::nullopt, std::nullopt},
      {detail::int128_min, 1, std::nullopt, std::nullopt},
      {detail::int128_min, detail::int128_max, -1, -1},
      {detail::int128_max, detail::int128_max, 1, 1},
      {detail::int128_max / 2, detail::int128_max, 0, 0},      // just under a half
      {detail::int128_max / 2 + 1, detail::int128_max, 1, 1},  // just over a half (max is odd)
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(describe(c.numerator) << " / " << describe(c.denominator)) {
      BOOST_TEST((checked_divide_and_round<half_away_from_zero>(c.numerator, c.denominator) == c.away));
      BOOST_TEST((checked_divide_and_round<half_even>(c.numerator, c.denominator) == c.even));
      BOOST_TEST((checked_divide_and_round(c.numerator, c.denominator, rounding_mode::half_away_from_zero) ==
                  c.away));
      BOOST_TEST((checked_divide_and_round(c.numerator, c.denominator, rounding_mode::half_even) == c.even));
      BOOST_TEST((checked_divide_and_round(c.numerator, c.denominator) == c.away));  // the default policy
      if (c.away) {
        BOOST_TEST(divide_and_round<half_away_from_zero>(c.numerator, c.denominator) == *c.away);
      } else {
        BOOST_CHECK_THROW((void)divide_and_round<half_away_from_zero>(c.numerator, c.denominator),
                          overflow_error);
        BOOST_CHECK_THROW(
            (void)divide_and_round(c.numerator, c.denominator, rounding_mode::half_away_from_zero),
            overflow_error);
      }
      if (c.even) {
        BOOST_TEST(divide_and_round(c.numerator, c.denominator, rounding_mode::half_even) == *c.even);
      } else {
        BOOST_CHECK_THROW((void)divide_and_round<half_even>(c.numerator, c.denominator), overflow_error);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(P4_rounding_is_usable_at_compile_time) {
  static_assert(divide_and_round<half_away_from_zero>(25, 10) == 3);
  static_assert(divide_and_round<half_even>(25, 10) == 2);
  static_assert(divide_and_round<half_even>(-25, 10) == -2);
  static_assert(divide_and_round(-25, 10, rounding_mode::half_away_from_zero) == -3);
  static_assert(!checked_divide_and_round(int128{1} << 64, 1).has_value());
  BOOST_TEST(divide_and_round<half_even>(35, 10) == 4);
}

BOOST_AUTO_TEST_CASE(P4_a_denominator_that_is_not_positive_is_a_programming_error) {
  BOOST_CHECK_THROW((void)divide_and_round(1, 0), precondition_error);
  BOOST_CHECK_THROW((void)divide_and_round(1, -3), precondition_error);
  BOOST_CHECK_THROW((void)checked_divide_and_round(1, 0, rounding_mode::half_even), precondition_error);
}

BOOST_AUTO_TEST_CASE(P4_property_result_is_nearest_integer_and_ties_follow_the_policy) {
  const auto seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  BOOST_TEST_CONTEXT("seed " << seed) {
    std::uniform_int_distribution<std::int64_t> num(-(std::int64_t{1} << 40), std::int64_t{1} << 40);
    std::uniform_int_distribution<std::int64_t> den(1, 1 << 20);
    std::uniform_int_distribution<std::int64_t> small(-50, 50);
    for (int i = 0; i < 20000; ++i) {
      const std::int64_t d =
          i % 2 == 0 ? den(rng) : std::int64_t{2} * (1 + i % 7);  // small even d: many ties
      const std::int64_t n = i % 2 == 0 ? num(rng) : small(rng);
      const std::int64_t away = divide_and_round<half_away_from_zero>(n, d);
      const std::int64_t even = divide_and_round<half_even>(n, d);
      for (std::int64_t r : {away, even}) {
        // |r - n/d| <= 1/2, exactly: |2 r d - 2 n| <= d
        const std::int64_t twice_error = 2 * r * d - 2 * n;
        BOOST_TEST_REQUIRE((twice_error <= d && twice_error >= -d), n << " / " << d << " -> " << r);
      }
      const bool tie = (2 * n) % d == 0 && (2 * n / d) % 2 != 0;
      if (!tie) {
        BOOST_TEST_REQUIRE(away == even, n << " / " << d);
      } else {
        BOOST_TEST_REQUIRE((away < 0 ? -away : away) * 2 * d > (n < 0 ? -n : n) * 2, n << " / " << d);
        BOOST_TEST_REQUIRE(even % 2 == 0, n << " / " << d);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(D10_rounding_modes_parse_from_their_exact_names) {
  BOOST_TEST((parse_rounding_mode("half_away_from_zero") == rounding_mode::half_away_from_zero));
  BOOST_TEST((parse_rounding_mode("half_even") == rounding_mode::half_even));
  for (const char* bad : {"", "HALF_EVEN", "half-even", "half_up", "bankers", "half_even "}) {
    BOOST_TEST_CONTEXT(bad) {
      BOOST_TEST(!parse_rounding_mode(bad).has_value());
      BOOST_CHECK_THROW((void)require_rounding_mode(bad), configuration_error);
    }
  }
  for (auto m : {rounding_mode::half_away_from_zero, rounding_mode::half_even}) {
    BOOST_TEST((parse_rounding_mode(to_string(m)) == m));
    BOOST_TEST((require_rounding_mode(to_string(m)) == m));
  }
  try {
    (void)require_rounding_mode("up", "settings.rounding");
    BOOST_FAIL("no exception");
  } catch (const configuration_error& e) {
    BOOST_TEST(e.field() == "settings.rounding");
    BOOST_TEST(std::string(e.what()).find("\"up\"") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(P4_one_dispatch_point_maps_each_mode_to_its_policy_type) {
  BOOST_TEST(with_rounding_policy(rounding_mode::half_even, [](auto p) { return decltype(p)::name; }) ==
             "half_even");
  BOOST_TEST(with_rounding_policy(rounding_mode::half_away_from_zero,
                                  [](auto p) { return decltype(p)::name; }) == "half_away_from_zero");
  BOOST_TEST((with_rounding_policy(rounding_mode::half_even, [](auto p) { return decltype(p)::mode; }) ==
              rounding_mode::half_even));
  BOOST_TEST((half_away_from_zero::mode == rounding_mode::half_away_from_zero));
}

BOOST_AUTO_TEST_CASE(P4_a_user_defined_policy_plugs_into_the_same_division) {
  static_assert(rounding_policy<half_toward_zero>);
  static_assert(!rounding_policy<int>);
  BOOST_TEST(divide_and_round<half_toward_zero>(25, 10) == 2);
  BOOST_TEST(divide_and_round<half_toward_zero>(-25, 10) == -2);
  BOOST_TEST(divide_and_round<half_toward_zero>(26, 10) == 3);
}

BOOST_AUTO_TEST_CASE(P4_128_bit_helpers_detect_overflow) {
  const int128 max = detail::int128_max;
  const int128 min = detail::int128_min;
  BOOST_TEST((detail::checked_mul_128(max, 1) == max));
  BOOST_TEST((detail::checked_mul_128(min, 1) == min));
  BOOST_TEST(!detail::checked_mul_128(min, -1).has_value());
  BOOST_TEST(!detail::checked_mul_128(max, 2).has_value());
  BOOST_TEST(!detail::checked_mul_128(max / 2 + 1, 2).has_value());
  BOOST_TEST((detail::checked_mul_128(min / 2, 2) == min));
  BOOST_TEST((detail::checked_mul_128(-(max / 2) - 1, 2) == min));
  BOOST_TEST((detail::checked_mul_128(int128{1} << 62, int128{1} << 64) == (int128{1} << 126)));
  BOOST_TEST(!detail::checked_mul_128(int128{1} << 63, int128{1} << 64).has_value());
  BOOST_TEST((detail::checked_mul_128(-(int128{1} << 63), int128{1} << 64) == min));
  BOOST_TEST((detail::checked_mul_128(0, min) == 0));
  BOOST_TEST((detail::checked_mul_128(-3, -7) == 21));
  BOOST_TEST((detail::checked_add_128(max, 0) == max));
  BOOST_TEST(!detail::checked_add_128(max, 1).has_value());
  BOOST_TEST(!detail::checked_add_128(min, -1).has_value());
  BOOST_TEST((detail::checked_add_128(min, max) == -1));
}

BOOST_AUTO_TEST_SUITE_END()
