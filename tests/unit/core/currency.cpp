// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/core/currency.hpp>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

using namespace meterkit;

namespace {
std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c - 'a' + 'A');
  return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(core_currency)

BOOST_AUTO_TEST_CASE(P5_every_zero_decimal_currency_has_exponent_0_in_any_case) {
  const std::vector<std::string> zero{"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
                                      "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"};
  BOOST_TEST(zero.size() == zero_decimal_currencies.size());
  for (const auto& code : zero) {
    BOOST_TEST_CONTEXT(code) {
      BOOST_TEST(minor_unit_exponent(code) == 0);
      BOOST_TEST(minor_unit_exponent(upper(code)) == 0);
      const currency c(upper(code));
      BOOST_TEST(c.code() == code);
      BOOST_TEST(c.exponent() == 0);
      BOOST_TEST(c.is_zero_decimal());
    }
  }
}

BOOST_AUTO_TEST_CASE(P5_three_decimal_currencies_have_exponent_3) {
  for (std::string code : {"bhd", "jod", "kwd", "omr", "tnd"}) {
    BOOST_TEST_CONTEXT(code) {
      BOOST_TEST(minor_unit_exponent(code) == 3);
      BOOST_TEST(minor_unit_exponent(upper(code)) == 3);
      BOOST_TEST(currency(code).exponent() == 3);
    }
  }
}

BOOST_AUTO_TEST_CASE(D25_other_currencies_have_exponent_2_without_special_rules) {
  // ISK, HUF, TWD and UGX have special cases at Stripe for some amounts; D25 rounds every currency
  // to an integer of its minor unit, so only the table above decides the exponent.
  for (std::string code :
       {"usd", "eur", "gbp", "chf", "isk", "huf", "twd", "inr", "brl", "zzz", "USD", "Eur"}) {
    BOOST_TEST_CONTEXT(code) {
      BOOST_TEST(minor_unit_exponent(code) == 2);
      BOOST_TEST(currency(code).exponent() == 2);
      BOOST_TEST(!currency(code).is_zero_decimal());
    }
  }
  BOOST_TEST(minor_unit_exponent("jp") == 2);  // not a code of the table
  BOOST_TEST(minor_unit_exponent("jpyy") == 2);
  static_assert(minor_unit_exponent("JpY") == 0);
  static_assert(currency("KWD").exponent() == 3);
}

BOOST_AUTO_TEST_CASE(D25_codes_are_stored_and_printed_in_lower_case) {
  BOOST_TEST(currency("USD").code() == "usd");
  BOOST_TEST(currency("uSd").code() == "usd");
  BOOST_TEST(currency("jpy").code() == "jpy");
  BOOST_TEST((currency("EUR") == currency("eur")));
  BOOST_TEST((currency("EUR") != currency("usd")));
}

BOOST_AUTO_TEST_CASE(D11_a_code_that_is_not_three_ascii_letters_is_a_configuration_error) {
  for (std::string bad : {"", "us", "usdd", "u$d", "12a", "us ", " usd", "\xc3\xbcsd", "u-d"}) {
    BOOST_TEST_CONTEXT('"' << bad << '"') {
      BOOST_TEST(!currency::is_valid_code(bad));
      try {
        (void)currency(bad);
        BOOST_FAIL("no exception");
      } catch (const configuration_error& e) {
        BOOST_TEST(e.field() == "currency");
        BOOST_TEST(std::string(e.what()).find("\"" + bad + "\"") != std::string::npos, e.what());
      }
    }
  }
  try {
    (void)currency("dollars", "prices[3].currency");
    BOOST_FAIL("no exception");
  } catch (const configuration_error& e) {
    BOOST_TEST(e.field() == "prices[3].currency");
  }
  BOOST_TEST(currency::is_valid_code("AbC"));
}

BOOST_AUTO_TEST_CASE(P5_minor_units_are_formatted_as_major_units_for_people) {
  struct format_case {
    std::int64_t amount;
    const char* code;
    const char* expected;
  };
  const std::vector<format_case> cases{
      {5702, "usd", "57.02"},
      {1000, "jpy", "1000"},
      {-5, "usd", "-0.05"},
      {1234, "kwd", "1.234"},
      {0, "usd", "0.00"},
      {0, "jpy", "0"},
      {0, "kwd", "0.000"},
      {1, "usd", "0.01"},
      {-1, "kwd", "-0.001"},
      {100, "eur", "1.00"},
      {-100, "eur", "-1.00"},
      {-1000, "krw", "-1000"},
      {12, "bhd", "0.012"},
      {std::numeric_limits<std::int64_t>::max(), "usd", "92233720368547758.07"},
      {std::numeric_limits<std::int64_t>::min(), "usd", "-92233720368547758.08"},
      {std::numeric_limits<std::int64_t>::min(), "jpy", "-9223372036854775808"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.amount << " " << c.code) {
      BOOST_TEST(format_minor_units(c.amount, currency(c.code)) == c.expected);
      BOOST_TEST(format_minor_units(c.amount, minor_unit_exponent(c.code)) == c.expected);
    }
  }
  BOOST_TEST(format_minor_units(5, 18) == "0.000000000000000005");
  BOOST_CHECK_THROW((void)format_minor_units(5, 19), precondition_error);
  BOOST_CHECK_THROW((void)format_minor_units(5, -1), precondition_error);
}

BOOST_AUTO_TEST_SUITE_END()
