// SPDX-License-Identifier: MIT
// How a tiered amount came about (P3): the parts of `tier_breakdown` are the tiers the amount
// reaches and they add up to the exact amount the line is rounded from.
#include <meterkit/billing/price.hpp>
#include <meterkit/billing/tier_breakdown.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

namespace mk = meterkit;

namespace {

/// Stripe's documented volume example: 1-10,000 units at 0.50 USD, above at 0.40 USD (in cents).
mk::price two_tiers(mk::tiers_mode mode) {
  mk::price p{.id = "price_tiered",
              .currency = mk::currency("usd"),
              .billing_scheme = mk::billing_scheme::tiered,
              .tiers_mode = mode};
  p.tiers = {mk::price_tier{.up_to = 10000, .unit_amount = mk::decimal::from_integer(50)},
             mk::price_tier{.up_to = std::nullopt, .unit_amount = mk::decimal::from_integer(40)}};
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_tier_breakdown)

BOOST_AUTO_TEST_CASE(P3_graduated_parts_are_the_tiers_reached_volume_the_one_containing_the_quantity) {
  const auto graduated = mk::tier_breakdown(two_tiers(mk::tiers_mode::graduated), 12500);
  BOOST_TEST_REQUIRE(graduated.size() == 2u);
  BOOST_TEST(graduated[0].units == 10000);
  BOOST_TEST(graduated[0].amount.to_string() == "500000");
  BOOST_TEST(graduated[1].units == 2500);
  BOOST_TEST(graduated[1].amount.to_string() == "100000");
  BOOST_TEST(!graduated[1].up_to);
  const auto volume = mk::tier_breakdown(two_tiers(mk::tiers_mode::volume), 12500);
  BOOST_TEST_REQUIRE(volume.size() == 1u);
  BOOST_TEST(volume[0].tier == 1u);
  BOOST_TEST(volume[0].amount.to_string() == "500000");  // 12,500 x 0.40 USD = 5,000 USD
  BOOST_TEST(mk::tier_breakdown(two_tiers(mk::tiers_mode::graduated), 0).size() == 1u);  // the first tier
  mk::price per_unit{.id = "p", .currency = mk::currency("usd")};
  per_unit.unit_amount = mk::decimal::from_integer(3);
  BOOST_TEST(mk::tier_breakdown(per_unit, 5).empty());
}

// The parts always add up to the exact amount (P3, P4), for random tiers, modes and quantities.
BOOST_AUTO_TEST_CASE(P3_P4_the_parts_add_up_to_the_exact_amount) {
  std::mt19937_64 rng(20261206);
  for (int round = 0; round < 2000; ++round) {
    const auto mode = rng() % 2 == 0 ? mk::tiers_mode::graduated : mk::tiers_mode::volume;
    mk::price p{.id = "p",
                .currency = mk::currency("usd"),
                .billing_scheme = mk::billing_scheme::tiered,
                .tiers_mode = mode};
    std::int64_t up_to = 0;
    const std::size_t n = 1 + rng() % 4;
    for (std::size_t i = 0; i < n; ++i) {
      mk::price_tier t;
      if (i + 1 < n) t.up_to = up_to += 1 + static_cast<std::int64_t>(rng() % 50);
      if (rng() % 3 != 0)
        t.unit_amount = *mk::parse_decimal(std::to_string(rng() % 1000) + "." + std::to_string(rng() % 100));
      if (rng() % 3 == 0) t.flat_amount = mk::decimal::from_integer(static_cast<std::int64_t>(rng() % 500));
      p.tiers.push_back(t);
    }
    const auto quantity = static_cast<std::int64_t>(rng() % 220);
    mk::decimal sum;
    for (const auto& part : mk::tier_breakdown(p, quantity)) sum = sum + part.amount;
    BOOST_TEST(sum.to_string() == mk::exact_amount(p, quantity).to_string(),
               "round " << round << " quantity " << quantity);
  }
}

BOOST_AUTO_TEST_SUITE_END()
