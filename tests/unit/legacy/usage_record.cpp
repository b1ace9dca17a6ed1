// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/legacy/usage_record.hpp>

#include <cstdint>
#include <optional>
#include <string>

using namespace meterkit;

namespace {
constexpr std::int64_t arrival = 1735689600;

std::string code_of(const rejection& r) { return std::string(to_string(r.code)); }
}  // namespace

BOOST_AUTO_TEST_SUITE(legacy_usage_record)

BOOST_AUTO_TEST_CASE(L1_D17_quantity_is_an_integer_or_digit_string_at_least_zero) {
  struct row {
    usage_quantity_input given;
    std::optional<std::int64_t> expected;  // nullopt: usage_record_invalid_parameter on quantity
  };
  const row table[] = {
      {std::int64_t{0}, 0},
      {std::int64_t{5}, 5},
      {std::int64_t{9223372036854775807}, 9223372036854775807},
      {std::string("5"), 5},
      {std::string("0"), 0},
      {std::string("007"), 7},
      {std::string("9223372036854775807"), 9223372036854775807},
      {std::int64_t{-1}, std::nullopt},                    // negative
      {std::string("-1"), std::nullopt},                   // negative
      {std::string("1.5"), std::nullopt},                  // not an integer
      {std::string("5.0"), std::nullopt},                  // not an integer
      {std::string("1e3"), std::nullopt},                  // not an integer
      {std::string(""), std::nullopt},                     // empty
      {std::string("+5"), std::nullopt},                   // sign
      {std::string(" 5"), std::nullopt},                   // padding
      {std::string("5 "), std::nullopt},                   // padding
      {std::string("12abc"), std::nullopt},                //
      {std::string("9223372036854775808"), std::nullopt},  // beyond 64 bits
      {std::monostate{}, std::nullopt},                    // missing
  };
  int i = 0;
  for (const auto& r : table) {
    const auto got = check_usage_quantity(r.given);
    BOOST_TEST_CONTEXT("row " << i++) {
      BOOST_TEST_REQUIRE(got.has_value() == r.expected.has_value());
      if (r.expected) {
        BOOST_TEST(*got == *r.expected);
      } else {
        BOOST_TEST(code_of(got.error()) == "usage_record_invalid_parameter");
        BOOST_TEST(got.error().param == "quantity");
        BOOST_TEST(!got.error().message.empty());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(L1_action_is_increment_by_default_or_set) {
  struct row {
    std::optional<std::string> given;
    std::optional<usage_action> expected;
  };
  const row table[] = {
      {std::nullopt, usage_action::increment}, {std::string("increment"), usage_action::increment},
      {std::string("set"), usage_action::set}, {std::string("SET"), std::nullopt},
      {std::string(""), std::nullopt},         {std::string("delete"), std::nullopt},
      {std::string("set "), std::nullopt},
  };
  int i = 0;
  for (const auto& r : table) {
    const auto got = check_usage_action(r.given);
    BOOST_TEST_CONTEXT("row " << i++) {
      BOOST_TEST_REQUIRE(got.has_value() == r.expected.has_value());
      if (r.expected) {
        BOOST_TEST(to_string(*got) == to_string(*r.expected));
      } else {
        BOOST_TEST(code_of(got.error()) == "usage_record_invalid_parameter");
        BOOST_TEST(got.error().param == "action");
      }
    }
  }
  BOOST_TEST(to_string(usage_action::increment) == "increment");
  BOOST_TEST(to_string(usage_action::set) == "set");
}

BOOST_AUTO_TEST_CASE(L4_D17_timestamp_is_unix_seconds_or_now_else_invalid_parameter) {
  struct row {
    usage_timestamp_input given;
    std::optional<std::int64_t> expected;
  };
  const row table[] = {
      {std::monostate{}, arrival},  // absent: the arrival time
      {std::string("now"), arrival},
      {std::int64_t{1735600000}, 1735600000},
      {std::string("1735600000"), 1735600000},
      {std::int64_t{0}, 0},
      {std::int64_t{253402300799}, 253402300799},  // 9999-12-31T23:59:59Z
      {std::int64_t{253402300800}, std::nullopt},  // beyond D4
      {std::int64_t{-5}, std::nullopt},
      {std::string("-5"), std::nullopt},
      {std::string("NOW"), std::nullopt},
      {std::string("now "), std::nullopt},
      {std::string(""), std::nullopt},
      {std::string("1.5"), std::nullopt},
      {std::string("2025-01-01T00:00:00Z"), std::nullopt},  // usage records take unix seconds
  };
  int i = 0;
  for (const auto& r : table) {
    const auto got = check_usage_timestamp_format(r.given, from_unix(arrival));
    BOOST_TEST_CONTEXT("row " << i++) {
      BOOST_TEST_REQUIRE(got.has_value() == r.expected.has_value());
      if (r.expected) {
        BOOST_TEST(to_unix(*got) == *r.expected);
      } else {
        BOOST_TEST(code_of(got.error()) == "usage_record_invalid_parameter");
        BOOST_TEST(got.error().param == "timestamp");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(D17_checks_run_quantity_then_action_then_timestamp_format) {
  struct row {
    usage_record record;
    const char* param;  // the failing check's param, "" when accepted
  };
  const arrival_stamp stamp{from_unix(arrival), 0};
  const row table[] = {
      {{"", std::string("-1"), std::string("junk"), std::string("bogus")}, "quantity"},
      {{"", std::int64_t{1}, std::string("junk"), std::string("bogus")}, "action"},
      {{"", std::int64_t{1}, std::string("junk"), std::string("set")}, "timestamp"},
      {{"", std::int64_t{1}, std::string("now"), std::string("set")}, ""},
      {{"", std::monostate{}, std::monostate{}, std::string("")}, "quantity"},
      {{"", std::string("3"), std::monostate{}, std::string("")}, "action"},
  };
  int i = 0;
  for (const auto& r : table) {
    const auto got = check_usage_record(r.record, stamp);
    BOOST_TEST_CONTEXT("row " << i++) {
      if (std::string(r.param).empty()) {
        BOOST_TEST_REQUIRE(got.has_value());
        BOOST_TEST(got->quantity == 1);
        BOOST_TEST(to_string(got->action) == "set");
        BOOST_TEST(to_unix(got->time) == arrival);
      } else {
        BOOST_TEST_REQUIRE(!got.has_value());
        BOOST_TEST(code_of(got.error()) == "usage_record_invalid_parameter");
        BOOST_TEST(got.error().param == r.param);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(D17_unknown_or_non_legacy_item_is_resource_missing) {
  const auto unknown = check_subscription_item("si_nope", subscription_item_status::unknown);
  BOOST_TEST_REQUIRE(unknown.rejected());
  BOOST_TEST(code_of(unknown.error()) == "resource_missing");
  BOOST_TEST(unknown.error().message.find("si_nope") != std::string::npos);
  const auto licensed = check_subscription_item("si_lic", subscription_item_status::not_legacy_metered);
  BOOST_TEST_REQUIRE(licensed.rejected());
  BOOST_TEST(code_of(licensed.error()) == "resource_missing");
  BOOST_TEST(check_subscription_item("si_ok", subscription_item_status::legacy_metered).accepted());
}

BOOST_AUTO_TEST_SUITE_END()
