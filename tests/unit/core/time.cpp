// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/core/time.hpp>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace meterkit;

namespace {
constexpr std::int64_t last_second = 253402300799;  // 9999-12-31T23:59:59Z

struct time_case {
  const char* text;
  std::optional<std::int64_t> unix_seconds;  // nullopt: rejected
};

void check(const std::vector<time_case>& cases, result<timestamp> (*parse)(std::string_view)) {
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT('"' << c.text << '"') {
      const auto r = parse(c.text);
      BOOST_TEST(r.has_value() == c.unix_seconds.has_value());
      if (r && c.unix_seconds) BOOST_TEST(to_unix(*r) == *c.unix_seconds);
      if (!r) {
        BOOST_TEST((r.error().code == error_code::invalid_timestamp));
        BOOST_TEST(r.error().message.find("\"" + std::string(c.text) + "\" is not a time") == 0,
                   r.error().message);
      }
    }
  }
}
}  // namespace

BOOST_AUTO_TEST_SUITE(core_time)

BOOST_AUTO_TEST_CASE(D4_unix_seconds_are_plain_digits_inside_the_range) {
  const std::vector<time_case> cases{
      {"0", 0},
      {"1735689600", 1735689600},
      {"000000000001", 1},
      {"253402300799", last_second},
      {"253402300800", std::nullopt},
      {"999999999999", std::nullopt},
      {"1000000000000", std::nullopt},
      {"", std::nullopt},
      {"-1", std::nullopt},
      {"+5", std::nullopt},
      {" 5", std::nullopt},
      {"5 ", std::nullopt},
      {"1.5", std::nullopt},
      {"1e3", std::nullopt},
      {"0x10", std::nullopt},
  };
  check(cases, parse_unix_seconds);
}

BOOST_AUTO_TEST_CASE(D4_rfc3339_accepts_both_cases_offsets_and_drops_fractions) {
  const std::vector<time_case> cases{
      {"2025-01-01T00:00:00Z", 1735689600},
      {"2025-01-01t00:00:00z", 1735689600},
      {"2025-01-01T00:00:00z", 1735689600},
      {"2025-01-01t00:00:00Z", 1735689600},
      {"2025-01-01T01:00:00+01:00", 1735689600},
      {"2024-12-31T23:00:00-01:00", 1735689600},
      {"2025-01-01T05:30:00+05:30", 1735689600},
      {"2025-01-01T00:00:00+00:00", 1735689600},
      {"2025-01-01T00:00:00-00:00", 1735689600},
      {"2025-01-01T23:59:00+23:59", 1735689600},
      {"2025-01-01T00:00:00.999999999Z", 1735689600},  // dropped, not rounded
      {"2025-01-01T00:00:00.5+01:00", 1735689600 - 3600},
      {"2025-01-01T00:00:00.0Z", 1735689600},
      {"2024-02-29T12:00:00Z", 1709208000},  // leap year
      {"2000-02-29T00:00:00Z", 951782400},   // divisible by 400
      {"2016-12-31T23:59:60Z", 1483228800},  // leap second = next minute's first second
      {"1970-01-01T00:00:00Z", 0},
      {"1970-01-01T01:00:00+01:00", 0},
      {"9999-12-31T23:59:59Z", last_second},
      {"9999-12-31T23:59:59.999Z", last_second},
  };
  check(cases, parse_rfc3339);
}

BOOST_AUTO_TEST_CASE(D4_rfc3339_rejects_impossible_dates_and_times) {
  const std::vector<time_case> cases{
      {"2025-02-30T00:00:00Z", std::nullopt},      {"2025-02-29T00:00:00Z", std::nullopt},  // not a leap year
      {"2100-02-29T00:00:00Z", std::nullopt},  // divisible by 100, not by 400
      {"2025-04-31T00:00:00Z", std::nullopt},      {"2025-13-01T00:00:00Z", std::nullopt},
      {"2025-00-01T00:00:00Z", std::nullopt},      {"2025-01-00T00:00:00Z", std::nullopt},
      {"2025-01-32T00:00:00Z", std::nullopt},      {"2025-01-01T24:00:00Z", std::nullopt},
      {"2025-01-01T00:60:00Z", std::nullopt},      {"2025-01-01T00:00:61Z", std::nullopt},
      {"2025-01-01T00:00:00+24:00", std::nullopt}, {"2025-01-01T00:00:00+01:60", std::nullopt},
  };
  check(cases, parse_rfc3339);
}

BOOST_AUTO_TEST_CASE(D4_times_outside_1970_to_9999_are_rejected) {
  const std::vector<time_case> cases{
      {"1969-12-31T23:59:59Z", std::nullopt},
      {"1970-01-01T00:00:00+00:01", std::nullopt},  // 1969-12-31T23:59:00Z
      {"1970-01-01T00:59:59+01:00", std::nullopt},
      {"1969-12-31T23:00:00-01:00", 0},  // inside after the offset
      {"0000-01-01T00:00:00Z", std::nullopt},
      {"9999-12-31T23:59:59-00:01", std::nullopt},  // 10000-01-01T00:00:59Z
      {"9999-12-31T23:59:60Z", std::nullopt},       // the leap second is 10000-01-01
      {"10000-01-01T00:00:00Z", std::nullopt},
  };
  check(cases, parse_rfc3339);
  BOOST_TEST(!time_from_unix_checked(-1).has_value());
  BOOST_TEST(time_from_unix_checked(0).has_value());
  BOOST_TEST(time_from_unix_checked(last_second).has_value());
  BOOST_TEST(!time_from_unix_checked(last_second + 1).has_value());
  BOOST_TEST(!time_from_unix_checked(std::numeric_limits<std::int64_t>::min()).has_value());
  BOOST_TEST(!time_from_unix_checked(std::numeric_limits<std::int64_t>::max()).has_value());
  BOOST_TEST((time_from_unix_checked(-1).error().code == error_code::invalid_timestamp));
  static_assert(in_supported_range(earliest_time) && in_supported_range(latest_time));
  static_assert(!in_supported_range(from_unix(-1)) && !in_supported_range(from_unix(last_second + 1)));
}

BOOST_AUTO_TEST_CASE(D4_garbage_is_not_a_time) {
  const std::vector<time_case> cases{
      {"", std::nullopt},
      {"now", std::nullopt},
      {"2025-01-01", std::nullopt},
      {"2025-01-01T00:00:00", std::nullopt},   // no offset
      {"2025-01-01T00:00Z", std::nullopt},     // no seconds
      {"2025-01-01 00:00:00Z", std::nullopt},  // space instead of T
      {"2025-01-01X00:00:00Z", std::nullopt},
      {"2025/01/01T00:00:00Z", std::nullopt},
      {"2025-1-01T00:00:00Z", std::nullopt},
      {"2025-01-01T00:00:00.Z", std::nullopt},  // a point without digits
      {"2025-01-01T00:00:00ZZ", std::nullopt},
      {"2025-01-01T00:00:00Z ", std::nullopt},
      {" 2025-01-01T00:00:00Z", std::nullopt},
      {"2025-01-01T00:00:00+0100", std::nullopt},
      {"2025-01-01T00:00:00+01", std::nullopt},
      {"2025-01-01T00:00:00+1:00", std::nullopt},
      {"2025-01-01T00:00:00+01:00:00", std::nullopt},
      {"2025-01-01T00:00:00UTC", std::nullopt},
      {"2025-01-01T0a:00:00Z", std::nullopt},
      {"-2025-01-01T00:00:00Z", std::nullopt},
      {"1735689600Z", std::nullopt},
      {"-1735689600", std::nullopt},
  };
  check(cases, parse_time);
}

BOOST_AUTO_TEST_CASE(D4_parse_time_accepts_either_form) {
  BOOST_TEST(to_unix(*parse_time("1735689600")) == 1735689600);
  BOOST_TEST(to_unix(*parse_time("2025-01-01T00:00:00Z")) == 1735689600);
  BOOST_TEST(to_unix(*parse_time("0")) == 0);
  BOOST_TEST(!parse_time("253402300800").has_value());
}

BOOST_AUTO_TEST_CASE(D4_formatting_is_rfc3339_utc_with_z) {
  BOOST_TEST(format_rfc3339(from_unix(0)) == "1970-01-01T00:00:00Z");
  BOOST_TEST(format_rfc3339(from_unix(1735689600)) == "2025-01-01T00:00:00Z");
  BOOST_TEST(format_rfc3339(from_unix(1709208000 + 3661)) == "2024-02-29T13:01:01Z");
  BOOST_TEST(format_rfc3339(latest_time) == "9999-12-31T23:59:59Z");
  BOOST_TEST(format_rfc3339(from_unix(-1)) == "1969-12-31T23:59:59Z");
  BOOST_TEST(format_rfc3339(from_unix(-62167219200)) == "0000-01-01T00:00:00Z");  // the first four-digit year
  BOOST_TEST(format_rfc3339(from_unix(-62167219201)) == "-001-12-31T23:59:59Z");  // and beyond it
  static_assert(to_unix(from_unix(1735689600)) == 1735689600);
}

BOOST_AUTO_TEST_CASE(D4_property_format_then_parse_is_the_identity) {
  const auto seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> any_time(0, last_second);
  std::uniform_int_distribution<std::int64_t> offset_minutes(-(23 * 60 + 59), 23 * 60 + 59);
  BOOST_TEST_CONTEXT("seed " << seed) {
    for (int i = 0; i < 5000; ++i) {
      const timestamp t = from_unix(any_time(rng));
      const std::string text = format_rfc3339(t);
      const auto back = parse_rfc3339(text);
      BOOST_TEST_REQUIRE(back.has_value(), text);
      BOOST_TEST_REQUIRE((*back == t), text);
      BOOST_TEST_REQUIRE((*parse_time(std::to_string(to_unix(t))) == t));
      // the same instant written with another offset
      const std::int64_t off = offset_minutes(rng);
      const timestamp shifted = t + seconds{off * 60};
      if (!in_supported_range(shifted)) continue;
      std::string local = format_rfc3339(shifted);
      local.pop_back();  // the Z
      char buf[8];
      const std::int64_t a = off < 0 ? -off : off;
      std::snprintf(buf, sizeof buf, "%c%02d:%02d", off < 0 ? '-' : '+', static_cast<int>(a / 60),
                    static_cast<int>(a % 60));
      local += buf;
      const auto parsed = parse_rfc3339(local);
      BOOST_TEST_REQUIRE(parsed.has_value(), local);
      BOOST_TEST_REQUIRE((*parsed == t), local);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
