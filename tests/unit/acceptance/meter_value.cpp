// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/acceptance/meter_value.hpp>

#include <string>

namespace mk = meterkit;

BOOST_AUTO_TEST_SUITE(acceptance_meter_value)

BOOST_AUTO_TEST_CASE(D13_digits_with_optional_leading_minus_are_values) {
  struct row {
    const char* text;
    std::int64_t value;
  };
  for (const row& r : {row{"0", 0}, row{"15", 15}, row{"-15", -15}, row{"007", 7}, row{"-0", 0},
                       row{"999999999999999", 999999999999999}, row{"-999999999999999", -999999999999999},
                       row{"000000000000001", 1}}) {
    BOOST_TEST_CONTEXT(r.text) {
      const auto v = mk::parse_meter_value(r.text);
      BOOST_REQUIRE(v.has_value());
      BOOST_TEST(*v == r.value);
    }
  }
}

BOOST_AUTO_TEST_CASE(D13_plus_sign_is_invalid) {
  const auto v = mk::parse_meter_value("+5");
  BOOST_REQUIRE(!v.has_value());
  BOOST_TEST((v.error().code == mk::error_code::meter_event_invalid_value));
}

BOOST_AUTO_TEST_CASE(M3_anything_else_is_meter_event_invalid_value) {
  for (const char* bad : {"", "-", "1.5", "1e3", "12abc", " 5", "5 ", "5.0", "--5", "-+5", "1,000", "0x10",
                          "１", "1234567890123456", "-1234567890123456", "0000000000000000"}) {
    BOOST_TEST_CONTEXT('"' << bad << '"') {
      const auto v = mk::parse_meter_value(bad, "payload[tokens]");
      BOOST_REQUIRE(!v.has_value());
      BOOST_TEST((v.error().code == mk::error_code::meter_event_invalid_value));
      BOOST_TEST(v.error().param == "payload[tokens]");
      BOOST_TEST(v.error().message.find("payload[tokens]") != std::string::npos);
      BOOST_TEST(!mk::is_valid_meter_value(bad));
    }
  }
}

BOOST_AUTO_TEST_CASE(M3_fifteen_digits_is_the_limit) {
  BOOST_TEST(mk::is_valid_meter_value(std::string(15, '9')));
  BOOST_TEST(!mk::is_valid_meter_value(std::string(16, '9')));
  BOOST_TEST(mk::is_valid_meter_value("-" + std::string(15, '9')));
  BOOST_TEST(!mk::is_valid_meter_value("-" + std::string(16, '1')));
}

BOOST_AUTO_TEST_SUITE_END()
