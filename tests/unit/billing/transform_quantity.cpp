#include <boost/test/unit_test.hpp>
#include <meterkit/billing/transform_quantity.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>

using namespace meterkit;

BOOST_AUTO_TEST_SUITE(billing_transform_quantity)

BOOST_AUTO_TEST_CASE(P2_divide_by_1000_rounds_up_or_down_to_whole_packages) {
  const struct {
    std::int64_t quantity;
    std::int64_t up;
    std::int64_t down;
  } cases[] = {{0, 0, 0},    {1, 1, 0},    {999, 1, 0},  {1000, 1, 1},
               {1001, 2, 1}, {1999, 2, 1}, {2000, 2, 2}, {2001, 3, 2}};
  const transform_quantity up{1000, round_direction::up};
  const transform_quantity down{1000, round_direction::down};
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("quantity " << c.quantity) {
      BOOST_TEST(up.apply(c.quantity) == c.up);
      BOOST_TEST(down.apply(c.quantity) == c.down);
    }
  }
}

BOOST_AUTO_TEST_CASE(P2_divide_by_one_keeps_the_quantity_up_to_the_int64_limit) {
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  for (auto r : {round_direction::up, round_direction::down}) {
    const transform_quantity t{1, r};
    BOOST_TEST(t.apply(0) == 0);
    BOOST_TEST(t.apply(max) == max);
  }
  BOOST_TEST((transform_quantity{2, round_direction::up}.apply(max)) == max / 2 + 1);
  BOOST_TEST((transform_quantity{max, round_direction::up}.apply(max)) == 1);
  BOOST_TEST((transform_quantity{max, round_direction::up}.apply(max - 1)) == 1);
  BOOST_TEST((transform_quantity{max, round_direction::down}.apply(max - 1)) == 0);
  static_assert(transform_quantity{10, round_direction::up}.apply(11) == 2);
}

BOOST_AUTO_TEST_CASE(P2_property_packages_bracket_the_quantity) {
  const std::uint64_t seed = 0x9a6'2026;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> quantity(0, 1'000'000'000'000);
  std::uniform_int_distribution<std::int64_t> divisor(1, 100'000);
  for (int i = 0; i < 5000; ++i) {
    const std::int64_t q = quantity(rng);
    const std::int64_t d = divisor(rng);
    const std::int64_t up = transform_quantity{d, round_direction::up}.apply(q);
    const std::int64_t down = transform_quantity{d, round_direction::down}.apply(q);
    // down * d <= q < (down + 1) * d, and up is down, or down + 1 when q is not a multiple.
    const bool ok = down * d <= q && q < (down + 1) * d && up == down + (q % d != 0 ? 1 : 0);
    if (!ok) BOOST_FAIL("seed " << seed << " case " << i << ": " << q << " / " << d);
  }
}

BOOST_AUTO_TEST_CASE(D11_M12_divide_by_below_one_or_negative_quantity_is_refused) {
  BOOST_CHECK_THROW((void)(transform_quantity{0, round_direction::up}.apply(5)), precondition_error);
  BOOST_CHECK_THROW((void)(transform_quantity{-2, round_direction::down}.apply(5)), precondition_error);
  BOOST_CHECK_THROW((void)(transform_quantity{10, round_direction::up}.apply(-1)), precondition_error);
}

BOOST_AUTO_TEST_CASE(P2_round_spellings_are_stripes) {
  BOOST_TEST((parse_round_direction("up") == round_direction::up));
  BOOST_TEST((parse_round_direction("down") == round_direction::down));
  BOOST_TEST(!parse_round_direction("UP").has_value());
  BOOST_TEST(to_string(round_direction::up) == "up");
  BOOST_TEST(to_string(round_direction::down) == "down");
}

BOOST_AUTO_TEST_SUITE_END()
