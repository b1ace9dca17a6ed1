// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/core/decimal.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

using namespace meterkit;

namespace {
constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();
constexpr int128 unit = 1'000'000'000'000;  // the raw value of 1

decimal dec(std::string_view text) {
  auto r = decimal::parse(text);
  if (!r) throw std::logic_error("test input is not a decimal: " + std::string(text));
  return *r;
}

std::optional<decimal_error> reason_of(std::string_view text) {
  const auto r = decimal::parse_or_reason(text);
  if (const auto* e = std::get_if<decimal_error>(&r)) return *e;
  return std::nullopt;
}

/// Reference product of a scaled value and a quantity, written independently of the library: a
/// schoolbook multiplication of 64-bit limbs; nullopt when |a x q| exceeds 2^63 whole units.
std::optional<int128> reference_product(int128 a, std::int64_t q) {
  const bool negative = (a < 0) != (q < 0);
  const uint128 ua = a < 0 ? uint128{0} - static_cast<uint128>(a) : static_cast<uint128>(a);
  const uint128 uq = q < 0 ? uint128{0} - static_cast<uint128>(q) : static_cast<uint128>(q);
  const uint128 lo = ua & ~std::uint64_t{0};
  const uint128 hi = ua >> 64;
  const uint128 high_part = hi * uq;  // hi < 2^40, uq <= 2^63: exact
  if (high_part >= (uint128{1} << 40)) return std::nullopt;
  const uint128 total = (high_part << 64) + lo * uq;  // < 2^104 + 2^127: exact
  const uint128 limit = static_cast<uint128>(int128{1} << 63) * static_cast<uint128>(unit);
  if (total > limit) return std::nullopt;
  return negative ? -static_cast<int128>(total) : static_cast<int128>(total);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(core_decimal)

BOOST_AUTO_TEST_CASE(D8_valid_decimals_parse_exactly_and_print_canonically) {
  struct valid {
    const char* text;
    int128 raw;
    const char* canonical;
  };
  const std::vector<valid> cases{
      {"0", 0, "0"},
      {"00", 0, "0"},
      {"0.0", 0, "0"},
      {"0.000000000000", 0, "0"},
      {"1", unit, "1"},
      {"007", 7 * unit, "7"},
      {"5.5", 5 * unit + unit / 2, "5.5"},
      {"0.5", unit / 2, "0.5"},
      {"123.450", 123 * unit + 450'000'000'000, "123.45"},
      {"1.000000000000", unit, "1"},
      {"0.000000000001", 1, "0.000000000001"},
      {"0.100000000000", unit / 10, "0.1"},
      {"12.345678901234", 12 * unit + 345'678'901'234, "12.345678901234"},
      {"99999999", 99'999'999 * unit, "99999999"},
      {"9223372036854775807", int128{i64_max} * unit, "9223372036854775807"},
      {"9223372036854775807.999999999999", int128{i64_max} * unit + unit - 1,
       "9223372036854775807.999999999999"},
      {"00000000000000000000000000000001.5", unit + unit / 2, "1.5"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.text) {
      const auto r = decimal::parse(c.text);
      BOOST_TEST_REQUIRE(r.has_value());
      BOOST_TEST((r->raw() == c.raw));
      BOOST_TEST(r->to_string() == c.canonical);
      BOOST_TEST(!reason_of(c.text).has_value());
      BOOST_TEST((*parse_decimal(c.text) == *r));
      BOOST_TEST((*decimal::parse(r->to_string()) == *r));  // round trip
    }
  }
}

BOOST_AUTO_TEST_CASE(D8_every_class_of_invalid_decimal_is_rejected_with_its_reason) {
  struct invalid {
    const char* text;
    decimal_error reason;
    const char* says;  // part of the message
  };
  const std::vector<invalid> cases{
      {"", decimal_error::empty, "empty"},
      {"+5", decimal_error::sign_not_allowed, "sign ('+')"},
      {"-5", decimal_error::sign_not_allowed, "sign ('-')"},
      {"-0.5", decimal_error::sign_not_allowed, "sign"},
      {".5", decimal_error::leading_point, "leading '.'"},
      {".", decimal_error::leading_point, "leading '.'"},
      {"5.", decimal_error::missing_fraction_digits, "followed by 1 to 12 digits"},
      {"1e3", decimal_error::exponent_not_allowed, "exponent ('e')"},
      {"1E3", decimal_error::exponent_not_allowed, "exponent ('E')"},
      {"1.5e-3", decimal_error::exponent_not_allowed, "exponent"},
      {"NaN", decimal_error::invalid_character, "'N' at position 1"},
      {"nan", decimal_error::invalid_character, "'n' at position 1"},
      {"inf", decimal_error::invalid_character, "'i' at position 1"},
      {"Infinity", decimal_error::invalid_character, "'I'"},
      {" 5", decimal_error::invalid_character, "a space at position 1"},
      {"5 ", decimal_error::invalid_character, "a space at position 2"},
      {"5\n", decimal_error::invalid_character, "byte 0x0a at position 2"},
      {"1,5", decimal_error::invalid_character, "',' at position 2"},
      {"1_000", decimal_error::invalid_character, "'_'"},
      {"0x10", decimal_error::invalid_character, "'x'"},
      {"12abc", decimal_error::invalid_character, "'a' at position 3"},
      {"5-", decimal_error::invalid_character, "'-' at position 2"},
      {"\xd9\xa1", decimal_error::invalid_character, "byte 0xd9"},  // ARABIC-INDIC DIGIT ONE
      {"1.2.3", decimal_error::multiple_points, "second '.' at position 4"},
      {"1..2", decimal_error::multiple_points, "second '.'"},
      {"1.1234567890123", decimal_error::too_many_fraction_digits, "13 fractional digits, at most 12"},
      {"0.00000000000000000001", decimal_error::too_many_fraction_digits, "20 fractional digits"},
      {"9223372036854775808", decimal_error::too_large, "larger than 9223372036854775807"},
      {"9223372036854775808.5", decimal_error::too_large, "larger than"},
      {"99999999999999999999999999999999999999999999", decimal_error::too_large, "larger than"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT('"' << c.text << '"') {
      BOOST_TEST((reason_of(c.text) == c.reason), "reason " << to_string(*reason_of(c.text)));
      const auto r = decimal::parse(c.text, "prices[0].unit_amount_decimal");
      BOOST_TEST_REQUIRE(!r.has_value());
      BOOST_TEST((r.error().code == error_code::invalid_decimal));
      BOOST_TEST(r.error().param == "prices[0].unit_amount_decimal");
      BOOST_TEST(r.error().message.find(c.says) != std::string::npos, r.error().message);
      BOOST_TEST(r.error().message.find("\"" + std::string(c.text) + "\" is not a valid decimal") == 0,
                 r.error().message);
    }
  }
}

BOOST_AUTO_TEST_CASE(D8_reasons_have_distinct_stable_names) {
  const std::vector<decimal_error> all{
      decimal_error::empty,
      decimal_error::sign_not_allowed,
      decimal_error::leading_point,
      decimal_error::invalid_character,
      decimal_error::exponent_not_allowed,
      decimal_error::multiple_points,
      decimal_error::missing_fraction_digits,
      decimal_error::too_many_fraction_digits,
      decimal_error::too_large,
  };
  std::vector<std::string_view> names;
  for (auto e : all) names.push_back(to_string(e));
  std::sort(names.begin(), names.end());
  BOOST_TEST((std::adjacent_find(names.begin(), names.end()) == names.end()));
  BOOST_TEST((std::find(names.begin(), names.end(), "unknown") == names.end()));
  BOOST_TEST(to_string(decimal_error::too_many_fraction_digits) == "too_many_fraction_digits");
}

BOOST_AUTO_TEST_CASE(D8_parsing_and_rounding_work_at_compile_time) {
  static_assert(std::get<decimal>(decimal::parse_or_reason("2.5")).round() == 3);
  static_assert(std::get<decimal>(decimal::parse_or_reason("2.5")).round<half_even>() == 2);
  static_assert(std::get<decimal_error>(decimal::parse_or_reason("1e3")) ==
                decimal_error::exponent_not_allowed);
  static_assert(decimal::from_integer(7) * 3 == decimal::from_integer(21));
  static_assert(decimal::from_integer(-7) < decimal{});
  BOOST_TEST(dec("2.5").round() == 3);
}

BOOST_AUTO_TEST_CASE(P1_property_canonical_text_round_trips) {
  const auto seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  BOOST_TEST_CONTEXT("seed " << seed) {
    for (int i = 0; i < 5000; ++i) {
      const int128 whole = static_cast<int128>(rng() >> (rng() % 63 + 1));  // < 2^63, many magnitudes
      const int128 frac = static_cast<int128>(rng() % static_cast<std::uint64_t>(unit));
      const auto d = decimal::from_raw(whole * unit + (i % 3 == 0 ? 0 : frac));
      BOOST_TEST_REQUIRE(d.has_value());
      const std::string text = d->to_string();
      const auto back = decimal::parse(text);
      BOOST_TEST_REQUIRE(back.has_value(), text);
      BOOST_TEST_REQUIRE((*back == *d), text);
      BOOST_TEST_REQUIRE(text.back() != '.', text);
      if (text.find('.') != std::string::npos) BOOST_TEST_REQUIRE(text.back() != '0', text);
      const auto negative = -*d;
      if (!d->is_zero()) BOOST_TEST_REQUIRE(negative.to_string() == "-" + text);
    }
  }
}

BOOST_AUTO_TEST_CASE(P4_negative_values_print_with_a_minus_sign) {
  BOOST_TEST((decimal{} - dec("0.5")).to_string() == "-0.5");
  BOOST_TEST((-dec("0.000000000001")).to_string() == "-0.000000000001");
  BOOST_TEST(decimal::from_integer(i64_min).to_string() == "-9223372036854775808");
  BOOST_TEST((-decimal{}).to_string() == "0");
  BOOST_TEST(decimal{}.to_string() == "0");
}

BOOST_AUTO_TEST_CASE(P5_from_integer_and_from_raw_cover_the_range) {
  BOOST_TEST((decimal::from_integer(5702).raw() == 5702 * unit));
  BOOST_TEST(decimal::from_integer(i64_max).to_string() == "9223372036854775807");
  BOOST_TEST(decimal::from_integer(i64_min).round() == i64_min);
  BOOST_TEST(decimal::from_integer(42).is_integer());
  BOOST_TEST(!dec("42.1").is_integer());
  BOOST_TEST(decimal::from_raw(decimal::max_raw).has_value());
  BOOST_TEST(decimal::from_raw(-decimal::max_raw).has_value());
  BOOST_TEST(!decimal::from_raw(decimal::max_raw + 1).has_value());
  BOOST_TEST(!decimal::from_raw(-decimal::max_raw - 1).has_value());
  BOOST_TEST(decimal::from_raw(decimal::max_raw)->to_string() == "9223372036854775808");
}

BOOST_AUTO_TEST_CASE(P4_comparison_orders_by_value) {
  BOOST_TEST((dec("1.5") == dec("1.500")));
  BOOST_TEST((dec("1.5") != dec("1.500000000001")));
  BOOST_TEST((dec("1.5") < dec("1.500000000001")));
  BOOST_TEST((dec("2") > dec("1.999999999999")));
  BOOST_TEST((decimal{} - dec("3") < decimal{} - dec("2")));
  BOOST_TEST(((dec("1") <=> dec("1.0")) == std::strong_ordering::equal));
  std::vector<decimal> v{dec("10"), dec("0.5"), -dec("7"), dec("0"), dec("9.999")};
  std::sort(v.begin(), v.end());
  std::vector<std::string> printed;
  for (const auto& d : v) printed.push_back(d.to_string());
  BOOST_TEST((printed == std::vector<std::string>{"-7", "0", "0.5", "9.999", "10"}));
}

BOOST_AUTO_TEST_CASE(P1_products_with_quantities_up_to_int64_limits_are_exact_or_detected) {
  struct product_case {
    const char* amount;
    std::int64_t quantity;
    const char* expected;  // nullptr: overflow
  };
  const std::vector<product_case> cases{
      {"0.000000000001", 999999999999, "0.999999999999"},
      {"0.000000000001", 1'000'000'000'000, "1"},
      {"0.000000000001", i64_max, "9223372.036854775807"},
      {"0.000000000001", i64_min, "-9223372.036854775808"},
      {"0.999999999999", i64_max, "9223372036845552434.963145224193"},
      {"1", i64_max, "9223372036854775807"},
      {"1", i64_min, "-9223372036854775808"},
      {"1", -1, "-1"},
      {"0.5", i64_min, "-4611686018427387904"},
      {"0.5", i64_max, "4611686018427387903.5"},
      {"2", i64_max, nullptr},
      {"1.000000000001", i64_max, nullptr},
      {"1.5", i64_min, nullptr},
      {"9223372036854775807.999999999999", 1, "9223372036854775807.999999999999"},
      {"9223372036854775807.999999999999", -1, "-9223372036854775807.999999999999"},
      {"9223372036854775807.999999999999", 0, "0"},
      {"9223372036854775807.999999999999", 2, nullptr},
      {"9223372036854775807.999999999999", i64_max, nullptr},
      {"9223372036854775807.999999999999", i64_min, nullptr},
      {"4611686018427387904", 2, "9223372036854775808"},  // exactly 2^63: in range, but not as int64
      {"4611686018427387904", -2, "-9223372036854775808"},
      {"0.000000000003", 3074457345618258603, "9223372.036854775809"},  // digits at the 10^-12 end
      {"12.345678901234", 1000, "12345.678901234"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.amount << " x " << c.quantity) {
      const decimal a = dec(c.amount);
      const auto p = checked_mul(a, c.quantity);
      if (c.expected == nullptr) {
        BOOST_TEST(!p.has_value());
        BOOST_CHECK_THROW((void)(a * c.quantity), overflow_error);
        BOOST_CHECK_THROW((void)(c.quantity * a), overflow_error);
      } else {
        BOOST_TEST_REQUIRE(p.has_value());
        BOOST_TEST(p->to_string() == c.expected);
        BOOST_TEST((a * c.quantity == *p));
        BOOST_TEST((c.quantity * a == *p));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(P1_property_product_equals_a_hand_written_128_bit_reference) {
  const auto seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  BOOST_TEST_CONTEXT("seed " << seed) {
    const std::vector<std::int64_t> edges{0, 1, -1, 2, -2, i64_max, i64_min, i64_max - 1, i64_min + 1};
    std::size_t overflows = 0;
    for (int i = 0; i < 20000; ++i) {
      // amounts of every magnitude from 10^-12 to 2^63, and quantities of every magnitude
      const auto shift_a = static_cast<int>(rng() % 104);
      const uint128 bits = (static_cast<uint128>(rng()) << 64) | rng();
      int128 raw = static_cast<int128>(bits >> (24 + shift_a));
      if (raw > decimal::max_raw) raw = decimal::max_raw;
      if (rng() % 2 != 0) raw = -raw;
      std::int64_t q =
          i % 10 == 0 ? edges[rng() % edges.size()] : static_cast<std::int64_t>(rng() >> (rng() % 64));
      if (rng() % 2 != 0 && q != i64_min) q = -q;
      const decimal a = *decimal::from_raw(raw);
      const auto expected = reference_product(raw, q);
      const auto got = checked_mul(a, q);
      BOOST_TEST_REQUIRE(got.has_value() == expected.has_value(), a.to_string() << " x " << q);
      if (expected) {
        BOOST_TEST_REQUIRE((got->raw() == *expected), a.to_string() << " x " << q);
        // rounding the exact product agrees with rounding the reference
        BOOST_TEST_REQUIRE((got->checked_round() == checked_divide_and_round(*expected, unit)));
      } else {
        ++overflows;
        BOOST_CHECK_THROW((void)(a * q), overflow_error);
      }
    }
    BOOST_TEST(overflows > 100u);  // the edges are exercised
    BOOST_TEST(overflows < 19000u);
  }
}

BOOST_AUTO_TEST_CASE(P4_addition_and_subtraction_are_exact_and_checked) {
  BOOST_TEST((dec("0.1") + dec("0.2") == dec("0.3")));
  BOOST_TEST((dec("0.000000000001") + dec("0.999999999999") == dec("1")));
  BOOST_TEST((dec("1") - dec("1.5")).to_string() == "-0.5");
  decimal total;
  for (int i = 0; i < 1000; ++i) total += dec("0.001");
  BOOST_TEST((total == dec("1")));
  total -= dec("0.25");
  total *= 4;
  BOOST_TEST((total == dec("3")));
  const decimal top = *decimal::from_raw(decimal::max_raw);
  const decimal bottom = *decimal::from_raw(-decimal::max_raw);
  BOOST_TEST(!checked_add(top, dec("0.000000000001")).has_value());
  BOOST_TEST(!checked_sub(bottom, dec("0.000000000001")).has_value());
  BOOST_TEST(!checked_sub(top, bottom).has_value());
  BOOST_TEST((checked_add(top, bottom) == decimal{}));
  BOOST_TEST((checked_neg(top) == bottom));
  BOOST_CHECK_THROW((void)(top + top), overflow_error);
  BOOST_CHECK_THROW((void)(bottom - top), overflow_error);
  BOOST_TEST(!checked_sub(decimal::from_integer(i64_min), dec("0.5")).has_value());
}

BOOST_AUTO_TEST_CASE(P4_rounding_table_for_both_policies_incl_negative_halves) {
  struct rounding_case {
    const char* text;
    bool negative;
    std::optional<std::int64_t> away;
    std::optional<std::int64_t> even;
  };
  const std::vector<rounding_case> cases{
      {"0", false, 0, 0},
      {"0.5", false, 1, 0},
      {"1.5", false, 2, 2},
      {"2.5", false, 3, 2},
      {"3.5", false, 4, 4},
      {"0.5", true, -1, 0},
      {"1.5", true, -2, -2},
      {"2.5", true, -3, -2},
      {"0.499999999999", false, 0, 0},
      {"0.500000000001", false, 1, 1},
      {"2.500000000001", false, 3, 3},
      {"2.499999999999", true, -2, -2},
      {"2.500000000001", true, -3, -3},
      {"0.000000000001", false, 0, 0},
      {"0.999999999999", true, -1, -1},
      {"57.02", false, 57, 57},
      {"9223372036854775807.4", false, i64_max, i64_max},
      {"9223372036854775807.5", false, std::nullopt, std::nullopt},  // i64_max is odd
      {"9223372036854775806.5", false, i64_max, i64_max - 1},
      {"9223372036854775807.5", true, i64_min, i64_min},  // -2^63 fits and is even
      {"9223372036854775807.4", true, -i64_max, -i64_max},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT((c.negative ? "-" : "") << c.text) {
      const decimal d = c.negative ? -dec(c.text) : dec(c.text);
      BOOST_TEST((d.checked_round<half_away_from_zero>() == c.away));
      BOOST_TEST((d.checked_round<half_even>() == c.even));
      BOOST_TEST((d.checked_round(rounding_mode::half_away_from_zero) == c.away));
      BOOST_TEST((d.checked_round(rounding_mode::half_even) == c.even));
      BOOST_TEST((d.checked_round() == c.away));
      if (c.away) {
        BOOST_TEST(d.round() == *c.away);
      } else {
        BOOST_CHECK_THROW((void)d.round(), overflow_error);
      }
      if (c.even) {
        BOOST_TEST(d.round(rounding_mode::half_even) == *c.even);
      } else {
        BOOST_CHECK_THROW((void)d.round<half_even>(), overflow_error);
      }
    }
  }
  BOOST_CHECK_THROW((void)decimal::from_raw(decimal::max_raw)->round(), overflow_error);
}

BOOST_AUTO_TEST_CASE(P1_twelve_digit_unit_amounts_times_large_quantities_are_exact) {
  // 10^-12 of a cent per unit: only the exact product shows the whole cents
  BOOST_TEST((dec("0.000000000001") * 999'999'999'999).round() == 1);
  BOOST_TEST((dec("0.000000000001") * 999'999'999'999).round<half_even>() == 1);
  BOOST_TEST((dec("0.000000000001") * 499'999'999'999).round() == 0);
  BOOST_TEST((dec("0.000000000001") * 500'000'000'000).round() == 1);
  BOOST_TEST((dec("0.000000000001") * 500'000'000'000).round<half_even>() == 0);
  BOOST_TEST((dec("0.000000000001") * 1'500'000'000'000).round<half_even>() == 2);
  BOOST_TEST((dec("0.000000000001") * i64_max).round() == 9'223'372);
  BOOST_TEST((dec("0.123456789012") * 1'000'000'000'000).round() == 123'456'789'012);
  BOOST_TEST((dec("0.004") * 125).round() == 1);  // 0.5 exactly
  BOOST_TEST((dec("0.004") * 125).round<half_even>() == 0);
  BOOST_TEST((dec("0.333333333333") * 3).to_string() == "0.999999999999");
  BOOST_TEST((dec("99999999.999999999999") * 92'233'720'368).to_string() ==
             "9223372036799999999.907766279632");
}

BOOST_AUTO_TEST_CASE(P2_divide_and_round_shares_an_amount_over_a_positive_divisor) {
  BOOST_TEST(divide_and_round(dec("10"), 4, rounding_mode::half_away_from_zero) == 3);  // 2.5
  BOOST_TEST(divide_and_round(dec("10"), 4, rounding_mode::half_even) == 2);
  BOOST_TEST(divide_and_round<half_even>(dec("14"), 4) == 4);  // 3.5
  BOOST_TEST(divide_and_round(dec("1"), 3) == 0);
  BOOST_TEST(divide_and_round(dec("2"), 3) == 1);
  BOOST_TEST(divide_and_round(-dec("5"), 2) == -3);
  BOOST_TEST(divide_and_round<half_even>(-dec("5"), 2) == -2);
  BOOST_TEST(divide_and_round(dec("0.000000000001"), 1) == 0);
  BOOST_TEST(divide_and_round(dec("9223372036854775807.999999999999"), i64_max) == 1);
  BOOST_TEST((checked_divide_and_round(dec("9223372036854775807.5"), 1) == std::nullopt));
  BOOST_TEST(
      (checked_divide_and_round(dec("9223372036854775807.5"), 1, rounding_mode::half_even) == std::nullopt));
  BOOST_CHECK_THROW((void)divide_and_round(dec("9223372036854775807.5"), 1), overflow_error);
  BOOST_CHECK_THROW((void)divide_and_round(dec("1"), 0), precondition_error);
  BOOST_CHECK_THROW((void)divide_and_round(dec("1"), -1, rounding_mode::half_even), precondition_error);
}

BOOST_AUTO_TEST_CASE(B4_scale_and_round_prorates_exactly_and_rounds_once) {
  constexpr std::int64_t day = 86400;
  struct proration {
    const char* amount;
    std::int64_t num;
    std::int64_t den;
    std::optional<std::int64_t> away;
    std::optional<std::int64_t> even;
  };
  const std::vector<proration> cases{
      {"3000", 10 * day, 31 * day, 968, 968},  // 967.74...
      {"3000", 15 * day, 30 * day, 1500, 1500},
      {"5", 1, 2, 3, 2},    // 2.5
      {"7", 1, 2, 4, 4},    // 3.5
      {"0.4", 5, 4, 1, 0},  // 0.5: rounded once, not 0.4 -> 0 first
      {"999.999999999999", 1, 1, 1000, 1000},
      {"1999", 14 * day + 3600, 28 * day, 1002, 1002},  // 1002.4747...
      {"0.000000000001", i64_max, i64_max, 0, 0},
      {"9223372036854775807", 86400, 86400, i64_max, i64_max},
      {"9223372036854775807", 2 * day, day, std::nullopt, std::nullopt},
      {"9223372036854775807", 0, day, 0, 0},
      {"100", -1, 3, -33, -33},
      {"100", -1, 8, -13, -12},                                         // -12.5
      {"9223372036854775807", i64_max, 1, std::nullopt, std::nullopt},  // the result overflows
      // the product needs 190 bits but the result fits: exact, not an overflow (regression)
      {"9223372036854775807", i64_max, i64_max, i64_max, i64_max},
      {"4611686018427387904", 1 << 30, 1 << 30, 4611686018427387904, 4611686018427387904},
      {"9223372036854775807", i64_max - 1, i64_max, i64_max - 1, i64_max - 1},  // exactly i64_max - 1
      {"4611686018427387904.5", i64_max, i64_max, 4611686018427387905, 4611686018427387904},  // a wide tie
      {"4611686018427387904.5", -i64_max, i64_max, -4611686018427387905, -4611686018427387904},
      {"9223372036854775807", i64_max, i64_max - 1, std::nullopt, std::nullopt},  // the result is too big
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.amount << " x " << c.num << " / " << c.den) {
      const decimal a = dec(c.amount);
      BOOST_TEST((checked_scale_and_round(a, c.num, c.den) == c.away));
      BOOST_TEST((checked_scale_and_round<half_even>(a, c.num, c.den) == c.even));
      BOOST_TEST((checked_scale_and_round(a, c.num, c.den, rounding_mode::half_away_from_zero) == c.away));
      BOOST_TEST((checked_scale_and_round(a, c.num, c.den, rounding_mode::half_even) == c.even));
      if (c.away) {
        BOOST_TEST(scale_and_round(a, c.num, c.den) == *c.away);
        BOOST_TEST(scale_and_round(a, c.num, c.den, rounding_mode::half_away_from_zero) == *c.away);
      } else {
        BOOST_CHECK_THROW((void)scale_and_round(a, c.num, c.den), overflow_error);
        BOOST_CHECK_THROW((void)scale_and_round(a, c.num, c.den, rounding_mode::half_even), overflow_error);
      }
    }
  }
  BOOST_CHECK_THROW((void)scale_and_round(dec("1"), 1, 0), precondition_error);
  BOOST_CHECK_THROW((void)checked_scale_and_round(dec("1"), 1, -5), precondition_error);
}

BOOST_AUTO_TEST_CASE(B4_property_proration_matches_a_reference_on_small_values) {
  const auto seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  BOOST_TEST_CONTEXT("seed " << seed) {
    for (int i = 0; i < 10000; ++i) {
      // amount in thousandths of a minor unit, proration over up to a year of seconds
      const auto thousandths = static_cast<std::int64_t>(rng() % 100'000'000);
      const auto den = static_cast<std::int64_t>(rng() % (366 * 86400) + 1);
      const auto num = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(den + 1));
      const decimal amount = *decimal::from_raw(int128{thousandths} * (unit / 1000));
      // reference: thousandths * num / (1000 * den), half away from zero, in plain integers
      const int128 n = int128{thousandths} * num;
      const int128 d = int128{1000} * den;
      const int128 q = n / d;
      const int128 twice_r = 2 * (n % d);
      const auto expected_away = static_cast<std::int64_t>(twice_r >= d ? q + 1 : q);
      const auto expected_even =
          static_cast<std::int64_t>(twice_r > d || (twice_r == d && q % 2 != 0) ? q + 1 : q);
      BOOST_TEST_REQUIRE(scale_and_round(amount, num, den) == expected_away,
                         amount.to_string() << " x " << num << " / " << den);
      BOOST_TEST_REQUIRE(scale_and_round<half_even>(amount, num, den) == expected_even,
                         amount.to_string() << " x " << num << " / " << den);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
