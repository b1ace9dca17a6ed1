#include <boost/test/unit_test.hpp>
#include <meterkit/billing/tiers.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

using namespace meterkit;

namespace {

decimal whole(std::int64_t n) { return decimal::from_integer(n); }

// A tier of whole minor-unit amounts; a negative argument means "not given".
price_tier tier(std::optional<std::int64_t> up_to, std::int64_t unit, std::int64_t flat) {
  return price_tier{up_to, unit < 0 ? std::nullopt : std::optional<decimal>(whole(unit)),
                    flat < 0 ? std::nullopt : std::optional<decimal>(whole(flat))};
}

// Independent reading of P3: the tier containing one unit `u` (>= 0), by scanning from the start.
std::size_t tier_containing(const std::vector<price_tier>& tiers, std::int64_t u) {
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    if (!tiers[i].up_to || u <= *tiers[i].up_to) return i;
  }
  throw std::logic_error("no tier contains the unit");
}

// Graduated by brute force: every unit 1..q priced at the tier containing it, plus the flat amount
// of each tier reached (the first always; tier i > 0 when q reaches its first unit up_to[i-1] + 1).
decimal graduated_brute_force(const std::vector<price_tier>& tiers, std::int64_t q) {
  decimal total;
  for (std::int64_t u = 1; u <= q; ++u) total += tiers[tier_containing(tiers, u)].unit_or_zero();
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    const bool reached = i == 0 || q >= *tiers[i - 1].up_to + 1;
    if (reached) total += tiers[i].flat_or_zero();
  }
  return total;
}

decimal volume_by_definition(const std::vector<price_tier>& tiers, std::int64_t q) {
  const price_tier& t = tiers[tier_containing(tiers, q)];
  return t.unit_or_zero() * q + t.flat_or_zero();
}

// Random valid tiers: 1..5 tiers, up_to strictly increasing from >= 0, the last inf; amounts with
// up to 12 decimals, each missing with probability 1/4.
std::vector<price_tier> random_tiers(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> count(1, 5);
  std::uniform_int_distribution<std::int64_t> first(0, 6);
  std::uniform_int_distribution<std::int64_t> step(1, 8);
  std::uniform_int_distribution<std::int64_t> raw(0, 1'000'000'000'000'000);  // up to 1000 minor units
  std::uniform_int_distribution<int> present(0, 3);
  auto maybe_amount = [&]() -> std::optional<decimal> {
    if (present(rng) == 0) return std::nullopt;
    return decimal::from_raw(raw(rng)).value();
  };
  const int n = count(rng);
  std::vector<price_tier> tiers;
  std::int64_t up_to = first(rng);
  for (int i = 0; i < n; ++i) {
    std::optional<std::int64_t> bound;
    if (i + 1 < n) bound = up_to;
    tiers.push_back(price_tier{bound, maybe_amount(), maybe_amount()});
    up_to += step(rng);
  }
  return tiers;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_tiers)

BOOST_AUTO_TEST_CASE(P3_up_to_is_inclusive_and_the_next_tier_starts_one_above) {
  const std::vector<price_tier> tiers{tier(5, 500, -1), tier(10, 400, -1), tier(std::nullopt, 300, -1)};
  const struct {
    std::int64_t q;
    std::int64_t graduated_amount;
    std::int64_t volume_amount;
  } cases[] = {{0, 0, 0},        {5, 2500, 2500},  {6, 2900, 2400},
               {10, 4500, 4000}, {11, 4800, 3300}, {50, 16500, 15000}};
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("quantity " << c.q) {
      BOOST_TEST(graduated::amount(tiers, c.q).to_string() == whole(c.graduated_amount).to_string());
      BOOST_TEST(volume::amount(tiers, c.q).to_string() == whole(c.volume_amount).to_string());
    }
  }
}

BOOST_AUTO_TEST_CASE(P3_first_tier_is_reached_by_quantity_zero_in_both_modes) {
  const std::vector<price_tier> tiers{tier(0, -1, 700), tier(std::nullopt, 3, 50)};
  BOOST_TEST(graduated::amount(tiers, 0).to_string() == "700");
  BOOST_TEST(volume::amount(tiers, 0).to_string() == "700");
  // up_to 0: quantity 1 already lies in the second tier.
  BOOST_TEST(graduated::amount(tiers, 1).to_string() == "753");
  BOOST_TEST(volume::amount(tiers, 1).to_string() == "53");
}

BOOST_AUTO_TEST_CASE(P3_a_single_inf_tier_is_per_unit_plus_flat) {
  const std::vector<price_tier> tiers{tier(std::nullopt, 7, 100)};
  for (std::int64_t q : {0, 1, 2, 1000}) {
    BOOST_TEST(graduated::amount(tiers, q).to_string() == whole(7 * q + 100).to_string());
    BOOST_TEST(volume::amount(tiers, q).to_string() == whole(7 * q + 100).to_string());
  }
}

BOOST_AUTO_TEST_CASE(D8_tiers_that_break_the_rules_are_refused_while_pricing) {
  const std::vector<price_tier> none;
  const std::vector<price_tier> finite_last{tier(10, 1, -1)};
  BOOST_CHECK_THROW((void)graduated::amount(none, 1), precondition_error);
  BOOST_CHECK_THROW((void)volume::amount(none, 0), precondition_error);
  BOOST_CHECK_THROW((void)graduated::amount(finite_last, 11), precondition_error);
  BOOST_CHECK_THROW((void)volume::amount(finite_last, 11), precondition_error);
  BOOST_TEST(graduated::amount(finite_last, 10).to_string() == "10");
  BOOST_CHECK_THROW((void)graduated::amount(finite_last, -1), precondition_error);
}

BOOST_AUTO_TEST_CASE(P3_property_graduated_is_marginal_units_plus_reached_flats_volume_is_containing_tier) {
  const std::uint64_t seed = 0x7135'2026;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> quantity(0, 60);
  for (int i = 0; i < 5000; ++i) {
    const auto tiers = random_tiers(rng);
    const std::int64_t q = quantity(rng);
    const decimal g = graduated::amount(tiers, q);
    const decimal v = volume::amount(tiers, q);
    if (g != graduated_brute_force(tiers, q) || v != volume_by_definition(tiers, q)) {
      BOOST_FAIL("seed " << seed << " case " << i << " quantity " << q << ": graduated " << g.to_string()
                         << " vs " << graduated_brute_force(tiers, q).to_string() << ", volume "
                         << v.to_string() << " vs " << volume_by_definition(tiers, q).to_string());
    }
    // Graduated amounts never decrease with the quantity (all amounts are >= 0).
    if (q > 0 && graduated::amount(tiers, q - 1) > g) {
      BOOST_FAIL("seed " << seed << " case " << i << ": graduated decreases at quantity " << q);
    }
  }
}

BOOST_AUTO_TEST_CASE(P4_amounts_beyond_the_decimal_range_are_overflow_errors) {
  const std::vector<price_tier> tiers{tier(1, 0, 0), tier(std::nullopt, INT64_MAX, -1)};
  BOOST_TEST(graduated::amount(tiers, 2).to_string() == std::to_string(INT64_MAX));
  BOOST_CHECK_THROW((void)graduated::amount(tiers, 4), overflow_error);
  BOOST_CHECK_THROW((void)volume::amount(tiers, 3), overflow_error);
}

BOOST_AUTO_TEST_SUITE_END()
