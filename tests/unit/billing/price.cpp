#include <boost/test/unit_test.hpp>
#include <meterkit/billing/price.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

using namespace meterkit;

namespace {

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t day = 86400;

decimal dec(std::string_view text) { return parse_decimal(text).value(); }

std::optional<decimal> amount(const char* text) {
  if (text == nullptr) return std::nullopt;
  return dec(text);
}

price_tier tier(std::optional<std::int64_t> up_to, const char* unit, const char* flat) {
  return price_tier{up_to, amount(unit), amount(flat)};
}

price per_unit_price(std::string_view unit, std::string_view code = "usd") {
  price p{"price_per_unit", currency{code}};
  p.unit_amount = dec(unit);
  return p;
}

price tiered_price(tiers_mode mode, std::vector<price_tier> tiers, std::string_view code = "usd") {
  price p{"price_tiered", currency{code}};
  p.billing_scheme = billing_scheme::tiered;
  p.tiers_mode = mode;
  p.tiers = std::move(tiers);
  return p;
}

price packaged_price(std::string_view unit, std::int64_t divide_by, round_direction round) {
  price p = per_unit_price(unit);
  p.transform_quantity = transform_quantity{divide_by, round};
  return p;
}

// Stripe's docs style: up to 5 units at 5.00, 6-10 at 4.00, the rest at 3.00 (in cents).
std::vector<price_tier> three_tiers(bool with_flat) {
  return {tier(5, "500", with_flat ? "1000" : nullptr), tier(10, "400", with_flat ? "2000" : nullptr),
          tier(std::nullopt, "300", with_flat ? "3000" : nullptr)};
}

constexpr auto away = rounding_mode::half_away_from_zero;
constexpr auto even = rounding_mode::half_even;

struct line_case {
  std::int64_t quantity;
  std::int64_t expected;
};

template <class F>
std::string field_of(F&& f) {
  try {
    f();
  } catch (const configuration_error& e) {
    return e.field();
  }
  return "<no error>";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_price)

// ---- P1 per unit ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(P1_per_unit_amount_is_quantity_times_unit_amount) {
  const struct {
    const char* unit;
    std::int64_t quantity;
    std::int64_t expected;
  } cases[] = {
      {"500", 0, 0},
      {"500", 1, 500},
      {"500", 3, 1500},
      {"12.345", 1000, 12345},
      {"0.25", 4, 1},
      {"0.000000000001", 1'000'000'000'000, 1},
      {"1", int64_max, int64_max},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("unit " << c.unit << " x " << c.quantity) {
      BOOST_TEST(line_amount(per_unit_price(c.unit), c.quantity, away) == c.expected);
      BOOST_TEST(line_amount(per_unit_price(c.unit), c.quantity, even) == c.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(P1_decimal_unit_amount_is_exact_before_the_line_rounds) {
  BOOST_TEST(exact_amount(per_unit_price("0.5"), 3).to_string() == "1.5");
  BOOST_TEST(exact_amount(per_unit_price("0.000000000001"), 1'000'000'000'000).to_string() == "1");
  BOOST_TEST(exact_amount(per_unit_price("0.000000000001"), 499'999'999'999).to_string() == "0.499999999999");
  BOOST_TEST(exact_amount(per_unit_price("33.333333333333"), 3).to_string() == "99.999999999999");
}

BOOST_AUTO_TEST_CASE(P4_line_rounds_ties_half_away_from_zero_by_default_or_half_even) {
  const struct {
    const char* unit;
    std::int64_t quantity;
    std::int64_t half_away;
    std::int64_t half_even;
  } cases[] = {
      {"0.5", 1, 1, 0},
      {"0.5", 3, 2, 2},
      {"0.5", 5, 3, 2},
      {"0.5", 7, 4, 4},
      {"0.000000000001", 500'000'000'000, 1, 0},
      {"0.000000000001", 499'999'999'999, 0, 0},
      {"0.000000000001", 1'500'000'000'000, 2, 2},
      {"0.000000000001", 2'500'000'000'000, 3, 2},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("unit " << c.unit << " x " << c.quantity) {
      const price p = per_unit_price(c.unit);
      BOOST_TEST(line_amount(p, c.quantity, away) == c.half_away);
      BOOST_TEST(line_amount<half_away_from_zero>(p, c.quantity) == c.half_away);
      BOOST_TEST(line_amount(p, c.quantity, even) == c.half_even);
      BOOST_TEST(line_amount<half_even>(p, c.quantity) == c.half_even);
    }
  }
}

BOOST_AUTO_TEST_CASE(P5_zero_decimal_currency_amounts_are_whole_yen) {
  const price yen = per_unit_price("150", "JPY");
  BOOST_TEST(yen.currency.code() == "jpy");
  BOOST_TEST(yen.currency.is_zero_decimal());
  BOOST_TEST(line_amount(yen, 3, away) == 450);
  BOOST_TEST(format_minor_units(line_amount(yen, 3, away), yen.currency) == "450");
  // D25: a fractional yen unit amount still rounds to an integer of the minor unit.
  BOOST_TEST(line_amount(per_unit_price("0.5", "jpy"), 3, away) == 2);
  BOOST_TEST(line_amount(per_unit_price("0.5", "jpy"), 3, even) == 2);
  BOOST_TEST(line_amount(per_unit_price("0.5", "jpy"), 5, even) == 2);
  const price tiered_yen =
      tiered_price(tiers_mode::volume, {tier(100, "10", "500"), tier(std::nullopt, "8", nullptr)}, "jpy");
  BOOST_TEST(line_amount(tiered_yen, 101, away) == 808);
}

// ---- P2 transform_quantity ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(P2_transform_quantity_divides_then_rounds_up_then_prices) {
  const price p = packaged_price("1000", 1000, round_direction::up);  // 10.00 per 1000 units
  const line_case cases[] = {{0, 0},       {1, 1000},    {999, 1000},  {1000, 1000},
                             {1001, 2000}, {2000, 2000}, {2001, 3000}, {1'000'000, 1'000'000}};
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("quantity " << c.quantity) {
      BOOST_TEST(line_amount(p, c.quantity, away) == c.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(P2_transform_quantity_divides_then_rounds_down_then_prices) {
  const price p = packaged_price("1000", 1000, round_direction::down);
  const line_case cases[] = {{0, 0},       {1, 0},       {999, 0},    {1000, 1000},
                             {1001, 1000}, {1999, 1000}, {2000, 2000}};
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("quantity " << c.quantity) {
      BOOST_TEST(line_amount(p, c.quantity, away) == c.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(P2_transform_quantity_with_a_decimal_unit_rounds_once_at_the_line) {
  // 3 packages of 100 at 0.5 each: 1.5 -> 2 (half away) / 2 (half even); 5 packages: 2.5 -> 3 / 2.
  const price p = packaged_price("0.5", 100, round_direction::up);
  BOOST_TEST(line_amount(p, 201, away) == 2);
  BOOST_TEST(line_amount(p, 201, even) == 2);
  BOOST_TEST(line_amount(p, 401, away) == 3);
  BOOST_TEST(line_amount(p, 401, even) == 2);
  BOOST_TEST(line_amount(packaged_price("7", 1, round_direction::down), 9, away) == 63);
}

// ---- P3 tiers ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(P3_graduated_tiers_price_each_tier_and_add_flat_amounts_once_reached) {
  // 5 x 500 + 5 x 400 + rest x 300; flat amounts 1000, 2000, 3000 once a tier is reached.
  const line_case without_flat[] = {{0, 0},     {1, 500},   {5, 2500},  {6, 2900},
                                    {10, 4500}, {11, 4800}, {50, 16500}};
  const line_case with_flat[] = {{0, 1000},  {1, 1500},   {5, 3500},  {6, 5900},
                                 {10, 7500}, {11, 10800}, {50, 22500}};
  const price plain = tiered_price(tiers_mode::graduated, three_tiers(false));
  const price flat = tiered_price(tiers_mode::graduated, three_tiers(true));
  for (const auto& c : without_flat) {
    BOOST_TEST_CONTEXT("quantity " << c.quantity) {
      BOOST_TEST(line_amount(plain, c.quantity, away) == c.expected);
    }
  }
  for (const auto& c : with_flat) {
    BOOST_TEST_CONTEXT("quantity " << c.quantity) {
      BOOST_TEST(line_amount(flat, c.quantity, away) == c.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(P3_volume_tiers_price_the_whole_quantity_at_the_containing_tier) {
  const line_case without_flat[] = {{0, 0},     {1, 500},   {5, 2500},  {6, 2400},
                                    {10, 4000}, {11, 3300}, {50, 15000}};
  const line_case with_flat[] = {{0, 1000},  {1, 1500},  {5, 3500},  {6, 4400},
                                 {10, 6000}, {11, 6300}, {50, 18000}};
  const price plain = tiered_price(tiers_mode::volume, three_tiers(false));
  const price flat = tiered_price(tiers_mode::volume, three_tiers(true));
  for (const auto& c : without_flat) {
    BOOST_TEST_CONTEXT("quantity " << c.quantity) {
      BOOST_TEST(line_amount(plain, c.quantity, away) == c.expected);
    }
  }
  for (const auto& c : with_flat) {
    BOOST_TEST_CONTEXT("quantity " << c.quantity) {
      BOOST_TEST(line_amount(flat, c.quantity, away) == c.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(P3_quantity_zero_bills_the_first_tier_flat_amount_in_both_modes) {
  // A flat-only first tier ("the first 1000 calls for 20.00"), then 0.02 per call.
  const std::vector<price_tier> tiers{tier(1000, nullptr, "2000"), tier(std::nullopt, "2", "500")};
  for (auto mode : {tiers_mode::graduated, tiers_mode::volume}) {
    BOOST_TEST_CONTEXT(to_string(mode)) {
      const price p = tiered_price(mode, tiers);
      BOOST_TEST(line_amount(p, 0, away) == 2000);
      BOOST_TEST(line_amount(p, 1000, away) == 2000);
    }
  }
  BOOST_TEST(line_amount(tiered_price(tiers_mode::graduated, tiers), 1001, away) == 2000 + 2 + 500);
  BOOST_TEST(line_amount(tiered_price(tiers_mode::volume, tiers), 1001, away) == 2002 + 500);
  // Without a first-tier flat amount, 0 costs nothing even if a later tier has one.
  const std::vector<price_tier> later_flat{tier(10, "5", nullptr), tier(std::nullopt, "1", "900")};
  BOOST_TEST(line_amount(tiered_price(tiers_mode::graduated, later_flat), 0, away) == 0);
  BOOST_TEST(line_amount(tiered_price(tiers_mode::volume, later_flat), 0, away) == 0);
}

BOOST_AUTO_TEST_CASE(P4_decimal_tier_amounts_round_once_at_the_line_not_per_tier) {
  // 0.5 per unit in each of three tiers: 2 units are 1.0 (per-tier rounding would give 2).
  const std::vector<price_tier> halves{tier(1, "0.5", nullptr), tier(2, "0.5", nullptr),
                                       tier(std::nullopt, "0.5", nullptr)};
  const price graduated_halves = tiered_price(tiers_mode::graduated, halves);
  BOOST_TEST(line_amount(graduated_halves, 2, away) == 1);
  BOOST_TEST(line_amount(graduated_halves, 3, away) == 2);
  BOOST_TEST(line_amount(graduated_halves, 3, even) == 2);
  BOOST_TEST(line_amount(graduated_halves, 5, even) == 2);
  BOOST_TEST(line_amount(graduated_halves, 5, away) == 3);
  // 1000 at 0.25 then 0.125: 1001 -> 250.125, 1004 -> 250.5, 1012 -> 251.5.
  const price api = tiered_price(tiers_mode::graduated,
                                 {tier(1000, "0.25", nullptr), tier(std::nullopt, "0.125", nullptr)});
  const struct {
    std::int64_t quantity;
    const char* exact;
    std::int64_t half_away;
    std::int64_t half_even;
  } cases[] = {{1001, "250.125", 250, 250}, {1004, "250.5", 251, 250}, {1012, "251.5", 252, 252}};
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("quantity " << c.quantity) {
      BOOST_TEST(exact_amount(api, c.quantity).to_string() == c.exact);
      BOOST_TEST(line_amount(api, c.quantity, away) == c.half_away);
      BOOST_TEST(line_amount(api, c.quantity, even) == c.half_even);
    }
  }
  // Decimal flat amounts too: 0.4 + 0.4 flat and 0.2 per unit in a volume tier.
  const price vol =
      tiered_price(tiers_mode::volume, {tier(0, nullptr, "0.4"), tier(std::nullopt, "0.2", "0.3")});
  BOOST_TEST(exact_amount(vol, 0).to_string() == "0.4");
  BOOST_TEST(line_amount(vol, 0, away) == 0);
  BOOST_TEST(exact_amount(vol, 1).to_string() == "0.5");
  BOOST_TEST(line_amount(vol, 1, away) == 1);
  BOOST_TEST(line_amount(vol, 1, even) == 0);
}

BOOST_AUTO_TEST_CASE(D8_tier_without_unit_or_flat_amount_prices_that_part_at_zero) {
  const std::vector<price_tier> tiers{tier(10, nullptr, nullptr), tier(std::nullopt, "100", nullptr)};
  BOOST_TEST(line_amount(tiered_price(tiers_mode::graduated, tiers), 10, away) == 0);
  BOOST_TEST(line_amount(tiered_price(tiers_mode::graduated, tiers), 12, away) == 200);
  BOOST_TEST(line_amount(tiered_price(tiers_mode::volume, tiers), 10, away) == 0);
  BOOST_TEST(line_amount(tiered_price(tiers_mode::volume, tiers), 12, away) == 1200);
}

BOOST_AUTO_TEST_CASE(D22_licensed_quantity_zero_is_priced) {
  BOOST_TEST(line_amount(per_unit_price("500"), 0, away) == 0);
  BOOST_TEST(line_amount(tiered_price(tiers_mode::volume, three_tiers(true)), 0, away) == 1000);
}

// ---- B4 proration --------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(B4_licensed_stub_is_prorated_by_seconds_and_rounded_once) {
  const struct {
    price p;
    std::int64_t quantity;
    std::int64_t num;
    std::int64_t den;
    std::int64_t half_away;
    std::int64_t half_even;
  } cases[] = {
      {per_unit_price("1000"), 1, 15 * day, 31 * day, 484, 484},  // 483.87...
      {per_unit_price("1000"), 1, 31 * day, 31 * day, 1000, 1000},
      {per_unit_price("1000"), 1, 0, 31 * day, 0, 0},
      {per_unit_price("5"), 1, 1, 2, 3, 2},                 // 2.5
      {per_unit_price("0.7"), 2, 5 * day, 14 * day, 1, 0},  // 1.4 x 5/14 = 0.5; rounding 1.4 first gives 0
      {per_unit_price("1000"), 3, 14 * day + 3600, 28 * day, 1504, 1504},  // 3000 x 337/672 = 1504.46...
      {tiered_price(tiers_mode::graduated, three_tiers(true)), 6, 1, 2, 2950, 2950},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.p.id << " x " << c.quantity << " x " << c.num << "/" << c.den) {
      BOOST_TEST(prorated_line_amount(c.p, c.quantity, c.num, c.den, away) == c.half_away);
      BOOST_TEST(prorated_line_amount(c.p, c.quantity, c.num, c.den, even) == c.half_even);
    }
  }
}

BOOST_AUTO_TEST_CASE(B4_proration_needs_a_positive_cycle_and_a_non_negative_stub) {
  BOOST_CHECK_THROW((void)prorated_line_amount(per_unit_price("1"), 1, 1, 0, away), precondition_error);
  BOOST_CHECK_THROW((void)prorated_line_amount(per_unit_price("1"), 1, -1, 10, away), precondition_error);
}

// ---- D25 overflow --------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(D25_amounts_outside_int64_are_overflow_errors_never_wraps) {
  const std::string max_text = std::to_string(int64_max);
  BOOST_TEST(line_amount(per_unit_price(max_text), 1, away) == int64_max);
  BOOST_CHECK_THROW((void)line_amount(per_unit_price(max_text), 2, away), overflow_error);
  BOOST_CHECK_THROW((void)line_amount(per_unit_price(max_text), int64_max, away), overflow_error);
  BOOST_CHECK_THROW((void)line_amount(per_unit_price("1.5"), int64_max, away), overflow_error);
  // 0.5 x (2^63 - 1) = 4611686018427387903.5: representable, and rounds inside the range.
  BOOST_TEST(line_amount(per_unit_price("0.5"), int64_max, away) == 4611686018427387904);
  BOOST_TEST(line_amount(per_unit_price("0.5"), int64_max, even) == 4611686018427387904);
  // A sum of tiers one unit above the range: exact, but the line does not fit.
  const price edge =
      tiered_price(tiers_mode::graduated, {tier(1, "0", max_text.c_str()), tier(std::nullopt, "1", nullptr)});
  BOOST_TEST(line_amount(edge, 1, away) == int64_max);
  BOOST_CHECK_THROW((void)line_amount(edge, 2, away), overflow_error);
  const price edge_volume = tiered_price(tiers_mode::volume, {tier(std::nullopt, max_text.c_str(), "1")});
  BOOST_CHECK_THROW((void)line_amount(edge_volume, 1, away), overflow_error);
  BOOST_CHECK_THROW((void)line_amount(edge_volume, int64_max, away), overflow_error);
  // Transformed: int64_max units in packages of 1 at 1 fit exactly.
  BOOST_TEST(line_amount(packaged_price("1", 1, round_direction::up), int64_max, away) == int64_max);
  // 2 x ceil((2^63 - 1) / 2) = 2^63 is one past the range; rounding down gives 2^63 - 2.
  BOOST_CHECK_THROW((void)line_amount(packaged_price("2", 2, round_direction::up), int64_max, away),
                    overflow_error);
  BOOST_TEST(line_amount(packaged_price("2", 2, round_direction::down), int64_max, away) == int64_max - 1);
  // Proration of the largest line by equal lengths of three years keeps the amount.
  BOOST_TEST(prorated_line_amount(per_unit_price(max_text), 1, 1095 * day, 1095 * day, away) == int64_max);
  BOOST_CHECK_THROW((void)prorated_line_amount(per_unit_price(max_text), 2, 1, 2 * day, away),
                    overflow_error);
}

BOOST_AUTO_TEST_CASE(M12_negative_quantity_is_refused_the_caller_clamps_first) {
  BOOST_CHECK_THROW((void)line_amount(per_unit_price("1"), -1, away), precondition_error);
  BOOST_CHECK_THROW((void)exact_amount(tiered_price(tiers_mode::graduated, three_tiers(true)), -1),
                    precondition_error);
  BOOST_CHECK_THROW((void)exact_amount(packaged_price("1", 10, round_direction::up), -5), precondition_error);
}

// ---- D8, D9, D11 validation ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(D8_D11_invalid_prices_are_refused_naming_the_exact_field) {
  const price good_tiered = tiered_price(tiers_mode::graduated, three_tiers(true));
  const price good_per_unit = packaged_price("5", 100, round_direction::up);
  BOOST_CHECK_NO_THROW(validate(good_tiered, "prices[2]"));
  BOOST_CHECK_NO_THROW(validate(good_per_unit, "prices[2]"));

  struct refusal {
    std::string what;
    price p;
    std::string field;
  };
  std::vector<refusal> cases;
  auto tiered_with = [&](auto change) {
    price p = good_tiered;
    change(p);
    return p;
  };
  auto per_unit_with = [&](auto change) {
    price p = good_per_unit;
    change(p);
    return p;
  };
  cases.push_back({"tiered without tiers_mode", tiered_with([](price& p) { p.tiers_mode.reset(); }),
                   "prices[2].tiers_mode"});
  cases.push_back(
      {"tiered without tiers", tiered_with([](price& p) { p.tiers.clear(); }), "prices[2].tiers"});
  cases.push_back({"D11 transform_quantity with tiers", tiered_with([](price& p) {
                     p.transform_quantity = transform_quantity{10, round_direction::up};
                   }),
                   "prices[2].transform_quantity"});
  cases.push_back({"inf before the last tier", tiered_with([](price& p) { p.tiers[0].up_to.reset(); }),
                   "prices[2].tiers[0].up_to"});
  cases.push_back({"last tier not inf", tiered_with([](price& p) { p.tiers[2].up_to = 100; }),
                   "prices[2].tiers[2].up_to"});
  cases.push_back({"up_to equal to the previous", tiered_with([](price& p) { p.tiers[1].up_to = 5; }),
                   "prices[2].tiers[1].up_to"});
  cases.push_back({"up_to below the previous", tiered_with([](price& p) { p.tiers[1].up_to = 3; }),
                   "prices[2].tiers[1].up_to"});
  cases.push_back(
      {"negative up_to", tiered_with([](price& p) { p.tiers[0].up_to = -1; }), "prices[2].tiers[0].up_to"});
  cases.push_back({"a single tier that is not inf",
                   tiered_with([](price& p) { p.tiers = {tier(10, "1", nullptr)}; }),
                   "prices[2].tiers[0].up_to"});
  cases.push_back({"negative tier unit amount",
                   tiered_with([](price& p) { p.tiers[1].unit_amount = -decimal::from_integer(1); }),
                   "prices[2].tiers[1].unit_amount"});
  cases.push_back({"negative tier flat amount",
                   tiered_with([](price& p) { p.tiers[2].flat_amount = -decimal::from_integer(1); }),
                   "prices[2].tiers[2].flat_amount"});
  cases.push_back({"per_unit with tiers", per_unit_with([](price& p) { p.tiers = three_tiers(false); }),
                   "prices[2].tiers"});
  cases.push_back({"D8 per_unit without a unit amount",
                   per_unit_with([](price& p) { p.unit_amount.reset(); }), "prices[2].unit_amount"});
  cases.push_back({"negative unit amount",
                   per_unit_with([](price& p) { p.unit_amount = -decimal::from_integer(5); }),
                   "prices[2].unit_amount"});
  cases.push_back({"D11 divide_by 0", per_unit_with([](price& p) { p.transform_quantity->divide_by = 0; }),
                   "prices[2].transform_quantity.divide_by"});
  cases.push_back({"D11 divide_by negative",
                   per_unit_with([](price& p) { p.transform_quantity->divide_by = -3; }),
                   "prices[2].transform_quantity.divide_by"});
  cases.push_back({"D9 interval_count above 36 months", per_unit_with([](price& p) {
                     p.recurring.interval = {interval_unit::month, 37};
                   }),
                   "prices[2].recurring.interval_count"});
  cases.push_back({"D9 interval_count 0", per_unit_with([](price& p) {
                     p.recurring.interval = {interval_unit::day, 0};
                   }),
                   "prices[2].recurring.interval_count"});
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      BOOST_TEST(field_of([&] { validate(c.p, "prices[2]"); }) == c.field);
    }
  }
}

BOOST_AUTO_TEST_CASE(D8_validation_accepts_the_edges_of_the_rules) {
  // up_to may start at 0; a single inf tier; a tier with neither amount; limits of D9.
  BOOST_CHECK_NO_THROW(validate(
      tiered_price(tiers_mode::volume, {tier(0, nullptr, "100"), tier(std::nullopt, "1", nullptr)}), ""));
  BOOST_CHECK_NO_THROW(
      validate(tiered_price(tiers_mode::graduated, {tier(std::nullopt, nullptr, nullptr)}), ""));
  price p = per_unit_price("0");
  p.recurring.interval = {interval_unit::year, 3};
  p.transform_quantity = transform_quantity{1, round_direction::down};
  BOOST_CHECK_NO_THROW(validate(p, ""));
  for (const auto a : {aggregate_usage::sum, aggregate_usage::last_during_period, aggregate_usage::last_ever,
                       aggregate_usage::max}) {
    p.recurring.aggregate_usage = a;
    BOOST_CHECK_NO_THROW(validate(p, ""));
  }
}

BOOST_AUTO_TEST_CASE(D8_field_names_without_a_prefix_and_messages_that_say_why) {
  price p = tiered_price(tiers_mode::graduated, three_tiers(false));
  p.tiers[1].up_to = 5;
  try {
    validate(p, "");
    BOOST_FAIL("an up_to that does not increase must be refused");
  } catch (const configuration_error& e) {
    BOOST_TEST(e.field() == "tiers[1].up_to");
    BOOST_TEST(std::string(e.what()) ==
               "tiers[1].up_to: must be greater than the previous tier's up_to (5), got 5");
  }
}

BOOST_AUTO_TEST_CASE(D8_decimal_form_wins_over_the_integer_form) {
  BOOST_TEST(resolve_amount(5, "0.5", "prices[0].unit_amount")->to_string() == "0.5");
  BOOST_TEST(resolve_amount(5, std::nullopt, "prices[0].unit_amount")->to_string() == "5");
  BOOST_TEST(resolve_amount(std::nullopt, "0.000000000001", "f")->to_string() == "0.000000000001");
  BOOST_TEST(!resolve_amount(std::nullopt, std::nullopt, "f").has_value());
  BOOST_TEST(field_of([] { (void)resolve_amount(5, "1e3", "prices[0].unit_amount"); }) ==
             "prices[0].unit_amount_decimal");
  BOOST_TEST(field_of([] {
               (void)resolve_amount(std::nullopt, "0.1234567890123", "prices[1].tiers[0].flat_amount");
             }) == "prices[1].tiers[0].flat_amount_decimal");
  BOOST_TEST(field_of([] { (void)resolve_amount(std::nullopt, "-1", "x.unit_amount"); }) ==
             "x.unit_amount_decimal");
  BOOST_TEST(field_of([] { (void)resolve_amount(-1, std::nullopt, "prices[0].unit_amount"); }) ==
             "prices[0].unit_amount");
}

BOOST_AUTO_TEST_CASE(D9_stripe_spellings_parse_and_print_back) {
  BOOST_TEST((parse_billing_scheme("per_unit") == billing_scheme::per_unit));
  BOOST_TEST((parse_billing_scheme("tiered") == billing_scheme::tiered));
  BOOST_TEST(!parse_billing_scheme("Tiered").has_value());
  BOOST_TEST((parse_tiers_mode("graduated") == tiers_mode::graduated));
  BOOST_TEST((parse_tiers_mode("volume") == tiers_mode::volume));
  BOOST_TEST(!parse_tiers_mode("").has_value());
  BOOST_TEST((parse_usage_type("licensed") == usage_type::licensed));
  BOOST_TEST((parse_usage_type("metered") == usage_type::metered));
  BOOST_TEST(!parse_usage_type("metred").has_value());
  BOOST_TEST((parse_round_direction("up") == round_direction::up));
  BOOST_TEST((parse_round_direction("down") == round_direction::down));
  BOOST_TEST(!parse_round_direction("nearest").has_value());
  for (auto s : {billing_scheme::per_unit, billing_scheme::tiered})
    BOOST_TEST((parse_billing_scheme(to_string(s)) == s));
  for (auto m : {tiers_mode::graduated, tiers_mode::volume})
    BOOST_TEST((parse_tiers_mode(to_string(m)) == m));
  for (auto u : {usage_type::licensed, usage_type::metered})
    BOOST_TEST((parse_usage_type(to_string(u)) == u));
  // D9 defaults.
  const price p{"p", currency{"usd"}};
  BOOST_TEST((p.billing_scheme == billing_scheme::per_unit));
  BOOST_TEST((p.recurring.usage_type == usage_type::licensed));
  BOOST_TEST(p.recurring.interval.count == 1);
}

BOOST_AUTO_TEST_CASE(P1_P3_dispatch_picks_one_policy_per_runtime_price) {
  auto kind = [](const price& p) {
    return with_pricing_scheme(p, [](const auto& scheme) -> std::string {
      using S = std::decay_t<decltype(scheme)>;
      if constexpr (std::is_same_v<S, per_unit>) return "per_unit";
      if constexpr (std::is_same_v<S, transformed<per_unit>>) return "transformed<per_unit>";
      if constexpr (std::is_same_v<S, tiered<graduated>>) return "tiered<graduated>";
      if constexpr (std::is_same_v<S, tiered<volume>>) return "tiered<volume>";
      return "unknown";
    });
  };
  BOOST_TEST(kind(per_unit_price("1")) == "per_unit");
  BOOST_TEST(kind(packaged_price("1", 10, round_direction::down)) == "transformed<per_unit>");
  BOOST_TEST(kind(tiered_price(tiers_mode::graduated, three_tiers(false))) == "tiered<graduated>");
  BOOST_TEST(kind(tiered_price(tiers_mode::volume, three_tiers(false))) == "tiered<volume>");
  // A price that cannot be dispatched is refused, not guessed.
  price no_unit{"p", currency{"usd"}};
  BOOST_CHECK_THROW((void)exact_amount(no_unit, 1), configuration_error);
  price no_mode = tiered_price(tiers_mode::volume, three_tiers(false));
  no_mode.tiers_mode.reset();
  BOOST_CHECK_THROW((void)exact_amount(no_mode, 1), configuration_error);
}

BOOST_AUTO_TEST_CASE(P1_P4_property_per_unit_line_is_the_rounded_exact_product) {
  const std::uint64_t seed = 0x5eed'0001;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> raw_unit(0,
                                                       100'000'000'000'000'000);  // up to 100000 minor units
  std::uniform_int_distribution<std::int64_t> quantity(0, 1'000'000);
  for (int i = 0; i < 5000; ++i) {
    const auto unit = decimal::from_raw(raw_unit(rng)).value();
    const std::int64_t q = quantity(rng);
    price p{"p", currency{"eur"}};
    p.unit_amount = unit;
    const int128 product = unit.raw() * q;
    const int128 whole = product / decimal::scale;
    const int128 rest = product % decimal::scale;
    const int128 half = decimal::scale / 2;
    const int128 away_expected = whole + (rest >= half ? 1 : 0);
    const int128 even_expected = whole + (rest > half || (rest == half && whole % 2 == 1) ? 1 : 0);
    if (line_amount(p, q, away) != static_cast<std::int64_t>(away_expected) ||
        line_amount(p, q, even) != static_cast<std::int64_t>(even_expected)) {
      BOOST_FAIL("seed " << seed << " case " << i << ": unit " << unit.to_string() << " x " << q);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
