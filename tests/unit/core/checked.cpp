// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/core/checked.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace meterkit;

namespace {
constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min();

struct binary_case {
  std::int64_t a;
  std::int64_t b;
  std::optional<std::int64_t> expected;  // nullopt: overflow
};

__extension__ using wide = __int128;

/// The exact result in 128 bits, or nullopt when it leaves int64: the reference for the property.
std::optional<std::int64_t> narrow(wide v) {
  if (v < min || v > max) return std::nullopt;
  return static_cast<std::int64_t>(v);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(core_checked)

BOOST_AUTO_TEST_CASE(D25_overflow_addition_at_the_int64_limits_is_detected) {
  const std::vector<binary_case> cases{
      {0, 0, 0},
      {max, 0, max},
      {min, 0, min},
      {max, 1, std::nullopt},
      {max, max, std::nullopt},
      {min, -1, std::nullopt},
      {min, min, std::nullopt},
      {max, min, -1},
      {max - 1, 1, max},
      {min + 1, -1, min},
      {-1, 1, 0},
      {1, max, std::nullopt},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.a << " + " << c.b) {
      BOOST_TEST((checked_add(c.a, c.b) == c.expected));
      if (c.expected) {
        BOOST_TEST(add_or_throw(c.a, c.b) == *c.expected);
      } else {
        BOOST_CHECK_THROW((void)add_or_throw(c.a, c.b), overflow_error);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(D25_overflow_subtraction_at_the_int64_limits_is_detected) {
  const std::vector<binary_case> cases{
      {0, 0, 0},
      {max, 0, max},
      {min, 0, min},
      {min, 1, std::nullopt},
      {0, min, std::nullopt},
      {-1, min, max},
      {max, -1, std::nullopt},
      {max, max, 0},
      {min, min, 0},
      {min, max, std::nullopt},
      {-2, max, std::nullopt},
      {-1, max, min},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.a << " - " << c.b) {
      BOOST_TEST((checked_sub(c.a, c.b) == c.expected));
      if (c.expected) {
        BOOST_TEST(sub_or_throw(c.a, c.b) == *c.expected);
      } else {
        BOOST_CHECK_THROW((void)sub_or_throw(c.a, c.b), overflow_error);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(D25_overflow_multiplication_at_the_int64_limits_is_detected) {
  const std::vector<binary_case> cases{
      {0, max, 0},
      {0, min, 0},
      {1, min, min},
      {-1, max, -max},
      {-1, min, std::nullopt},
      {min, -1, std::nullopt},
      {max, 2, std::nullopt},
      {min, 2, std::nullopt},
      {min / 2, 2, min},
      {max / 2, 2, max - 1},
      {3037000499, 3037000499, 9223372030926249001},  // floor(sqrt(max))^2
      {3037000500, 3037000500, std::nullopt},
      {-3037000500, 3037000500, std::nullopt},
      {4294967296, 2147483648, std::nullopt},  // 2^63
      {-4294967296, 2147483648, min},          // -2^63
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.a << " * " << c.b) {
      BOOST_TEST((checked_mul(c.a, c.b) == c.expected));
      BOOST_TEST((checked_mul(c.b, c.a) == c.expected));
      if (c.expected) {
        BOOST_TEST(mul_or_throw(c.a, c.b) == *c.expected);
      } else {
        BOOST_CHECK_THROW((void)mul_or_throw(c.a, c.b), overflow_error);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(D25_overflow_negation_of_the_most_negative_value_is_detected) {
  BOOST_TEST((checked_neg(min) == std::nullopt));
  BOOST_TEST((checked_neg(max) == -max));
  BOOST_TEST((checked_neg(min + 1) == max));
  BOOST_TEST((checked_neg(std::int64_t{0}) == 0));
  BOOST_TEST((checked_neg(std::int32_t{-5}) == 5));
  BOOST_TEST((checked_neg(std::numeric_limits<std::int32_t>::min()) == std::nullopt));
}

BOOST_AUTO_TEST_CASE(D25_overflow_detection_works_for_other_integer_widths) {
  BOOST_TEST((checked_add(std::int32_t{2147483647}, std::int32_t{1}) == std::nullopt));
  BOOST_TEST((checked_add(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()) == std::nullopt));
  BOOST_TEST((checked_sub(std::uint64_t{0}, std::uint64_t{1}) == std::nullopt));
  BOOST_TEST((checked_mul(std::uint32_t{65536}, std::uint32_t{65536}) == std::nullopt));
  BOOST_TEST((checked_mul(std::uint32_t{65535}, std::uint32_t{65537}) == 4294967295u));
  static_assert(checked_add(max, std::int64_t{0}) == max);
  static_assert(!checked_mul(max, std::int64_t{2}).has_value());
  static_assert(add_or_throw(40, 2) == 42);
}

BOOST_AUTO_TEST_CASE(D25_overflow_or_throw_names_what_overflowed) {
  for (auto op : {0, 1, 2}) {
    try {
      switch (op) {
        case 0:
          (void)add_or_throw(max, 1, "invoice total");
          break;
        case 1:
          (void)sub_or_throw(min, 1, "invoice total");
          break;
        default:
          (void)mul_or_throw(max, 2, "invoice total");
          break;
      }
      BOOST_FAIL("no exception");
    } catch (const overflow_error& e) {
      const std::string what = e.what();
      BOOST_TEST(what.find("invoice total") != std::string::npos, what);
      BOOST_TEST(what.find("signed 64-bit") != std::string::npos, what);
    }
  }
  BOOST_CHECK_THROW((void)add_or_throw(max, 1), error);  // catchable as the library's root
}

BOOST_AUTO_TEST_CASE(D25_overflow_property_agrees_with_128_bit_arithmetic) {
  const auto seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  const std::vector<std::int64_t> edges{0, 1, -1, 2, -2, max, min, max - 1, min + 1, max / 2, min / 2};
  auto draw = [&]() -> std::int64_t {
    if (rng() % 8 == 0) return edges[rng() % edges.size()];
    const auto v = static_cast<std::int64_t>(rng() >> (rng() % 64));
    return rng() % 2 == 0 ? v : -v;
  };
  BOOST_TEST_CONTEXT("seed " << seed) {
    for (int i = 0; i < 20000; ++i) {
      const std::int64_t a = draw();
      const std::int64_t b = draw();
      BOOST_TEST_REQUIRE((checked_add(a, b) == narrow(wide{a} + b)), a << " + " << b);
      BOOST_TEST_REQUIRE((checked_sub(a, b) == narrow(wide{a} - b)), a << " - " << b);
      BOOST_TEST_REQUIRE((checked_mul(a, b) == narrow(wide{a} * b)), a << " * " << b);
      BOOST_TEST_REQUIRE((checked_neg(a) == narrow(-wide{a})), "-" << a);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
