// SPDX-License-Identifier: MIT
// Overflow and extremes across the public APIs (SPEC "Overflow anywhere ... is an error, never a
// wrapped number", D4, D9, D13, D25, B1-B4, P1-P4): sums and counts near the 64-bit limits, decimal
// products beyond range, times at 1970 and 9999 and just beyond, 3-year billing cycles and one past
// each limit, and a million customers. Every case must end in a number that is right or in a
// specific, documented error; the suite runs under -fsanitize=undefined, so a signed overflow
// anywhere on the way fails it too.
#include <meterkit/billing/replay.hpp>
#include <meterkit/billing/simulator.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <meterkit/core/checked.hpp>
#include <meterkit/core/decimal.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/meter/meter.hpp>

namespace mk = meterkit;

namespace meterkit {
inline std::ostream& boost_test_print_type(std::ostream& os, error_code c) { return os << to_string(c); }
inline std::ostream& boost_test_print_type(std::ostream& os, invoice_status s) { return os << to_string(s); }
}  // namespace meterkit
BOOST_TEST_DONT_PRINT_LOG_VALUE(meterkit::timestamp)
BOOST_TEST_DONT_PRINT_LOG_VALUE(meterkit::period)

namespace {

constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();
/// The largest meter value (M3, D13: at most 15 digits).
constexpr std::int64_t max_value = 999'999'999'999'999;
/// 9223 x max_value + this = INT64_MAX exactly.
constexpr std::int64_t to_the_limit = i64_max - 9223 * max_value;
static_assert(to_the_limit == 372'036'854'785'030);

mk::timestamp at(std::string_view text) {
  const auto t = mk::parse_time(text);
  BOOST_TEST_REQUIRE(t.has_value(), text);
  return *t;
}

mk::decimal dec(std::string_view text) {
  const auto d = mk::parse_decimal(text);
  BOOST_TEST_REQUIRE(d.has_value(), text);
  return *d;
}

/// The field of the `configuration_error` that `f` raises ("" when it raises none).
std::string refused_field(const std::function<void()>& f) {
  try {
    f();
  } catch (const mk::configuration_error& e) {
    return e.field();
  }
  return "";
}

/// The message of the `overflow_error` that `f` raises ("" when it raises none).
std::string overflow_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const mk::overflow_error& e) {
    return e.what();
  }
  return "";
}

mk::event_record record(std::int64_t time, std::uint64_t arrival, std::int64_t value) {
  return mk::event_record{mk::from_unix(time), mk::from_unix(time), arrival, value, mk::never};
}

// ---- plans -----------------------------------------------------------------------------------

mk::meter_definition sum_meter(std::string id, std::string event_name) {
  mk::meter_definition m;
  m.id = std::move(id);
  m.event_name = std::move(event_name);
  return m;
}

mk::price price_of(std::string id, mk::decimal unit_amount) {
  mk::price p{std::move(id), mk::currency("usd")};
  p.unit_amount = unit_amount;
  return p;
}

mk::price metered(std::string id, std::string meter_id, mk::decimal unit_amount) {
  mk::price p = price_of(std::move(id), unit_amount);
  p.recurring.usage_type = mk::usage_type::metered;
  p.recurring.meter = std::move(meter_id);
  return p;
}

mk::subscription subscription(std::string id, std::string customer, mk::timestamp start,
                              std::vector<mk::subscription_item> items) {
  mk::subscription s;
  s.id = std::move(id);
  s.customer = std::move(customer);
  s.start_date = start;
  s.items = std::move(items);
  return s;
}

mk::request event(mk::timestamp received, std::string customer, std::string value,
                  std::optional<mk::timestamp> time = std::nullopt) {
  mk::meter_event e;
  e.event_name = "api_requests";
  e.payload = {{"stripe_customer_id", std::move(customer)}, {"value", std::move(value)}};
  e.timestamp = time;
  mk::request r;
  r.operations.emplace_back(std::move(e));
  r.received_at = received;
  r.source = "extremes:" + std::to_string(mk::to_unix(received));
  return r;
}

/// One sum meter `api_requests` billed per unit at `unit_amount` to cus_1 from 2025-01-01, monthly.
mk::plan metered_plan(mk::decimal unit_amount) {
  mk::plan p;
  p.meters.push_back(sum_meter("mtr_api", "api_requests"));
  p.prices.push_back(metered("price_api", "mtr_api", unit_amount));
  p.subscriptions.push_back(
      subscription("sub_1", "cus_1", at("2025-01-01T00:00:00Z"), {{"si_api", "price_api", 1}}));
  return p;
}

/// `n` events of `value` for cus_1, timestamped in January 2025, all arriving 2025-01-20.
std::vector<mk::request> many_events(std::size_t n, const std::string& value) {
  std::vector<mk::request> out;
  out.reserve(n);
  const mk::timestamp received = at("2025-01-20T00:00:00Z");
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(event(received, "cus_1", value, received - mk::seconds{static_cast<std::int64_t>(i)}));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_extremes)

// ================================================================================================
// core: checked integers, decimals, scale_and_round
// ================================================================================================

BOOST_AUTO_TEST_CASE(D25_checked_integers_at_both_limits_give_nullopt_or_overflow_error) {
  BOOST_TEST((mk::checked_add(i64_max - 1, std::int64_t{1}) == i64_max));
  BOOST_TEST((mk::checked_add(i64_max, std::int64_t{1}) == std::nullopt));
  BOOST_TEST((mk::checked_add(i64_min, std::int64_t{-1}) == std::nullopt));
  BOOST_TEST((mk::checked_sub(i64_min + 1, std::int64_t{1}) == i64_min));
  BOOST_TEST((mk::checked_sub(std::int64_t{0}, i64_min) == std::nullopt));
  BOOST_TEST((mk::checked_sub(std::int64_t{-1}, i64_max) == i64_min));
  BOOST_TEST((mk::checked_mul(i64_min, std::int64_t{-1}) == std::nullopt));
  BOOST_TEST((mk::checked_mul(i64_max, std::int64_t{-1}) == i64_min + 1));
  BOOST_TEST((mk::checked_mul(std::int64_t{3037000500}, std::int64_t{3037000500}) == std::nullopt));
  BOOST_TEST((mk::checked_mul(std::int64_t{3037000499}, std::int64_t{3037000499}) == 9223372030926249001));
  BOOST_TEST((mk::checked_neg(i64_min) == std::nullopt));
  BOOST_TEST((mk::checked_neg(i64_max) == i64_min + 1));
  BOOST_TEST(overflow_message([] { (void)mk::add_or_throw(i64_max, 1, "invoice total"); }) ==
             "invoice total: addition overflows the signed 64-bit range");
  BOOST_TEST(overflow_message([] { (void)mk::sub_or_throw(i64_min, 1, "sum"); }) ==
             "sum: subtraction overflows the signed 64-bit range");
  BOOST_TEST(overflow_message([] { (void)mk::mul_or_throw(i64_min, -1, "quantity"); }) ==
             "quantity: multiplication overflows the signed 64-bit range");
}

BOOST_AUTO_TEST_CASE(P1_D8_decimals_at_the_edge_of_their_range) {
  // The largest integer part D8 accepts, with 12 fractional digits.
  const mk::decimal top = dec("9223372036854775807.999999999999");
  BOOST_TEST(top.to_string() == "9223372036854775807.999999999999");
  BOOST_TEST((top.checked_round() == std::nullopt));  // rounds to 2^63
  BOOST_TEST((dec("9223372036854775807.499999999999").checked_round() == i64_max));
  BOOST_TEST((dec("9223372036854775807.5").checked_round<mk::half_even>() == std::nullopt));
  BOOST_CHECK_THROW((void)top.round(), mk::overflow_error);
  // One more and the text is refused with a reason, never wrapped.
  const auto too_large = mk::parse_decimal("9223372036854775808", "prices[0].unit_amount_decimal");
  BOOST_TEST_REQUIRE(!too_large.has_value());
  BOOST_TEST(too_large.error().code == mk::error_code::invalid_decimal);
  BOOST_TEST(too_large.error().param == "prices[0].unit_amount_decimal");
  BOOST_TEST((std::get<mk::decimal_error>(mk::decimal::parse_or_reason("99999999999999999999999999999")) ==
              mk::decimal_error::too_large));
  // The stored range is exactly +-2^63 units.
  BOOST_TEST(mk::decimal::from_raw(mk::decimal::max_raw).has_value());
  BOOST_TEST(!mk::decimal::from_raw(mk::decimal::max_raw + 1).has_value());
  BOOST_TEST(!mk::decimal::from_raw(-mk::decimal::max_raw - 1).has_value());
  // Products and sums that leave it: nullopt / overflow_error.
  BOOST_TEST(!mk::checked_mul(dec("1.000000000001"), i64_max).has_value());
  BOOST_TEST(mk::checked_mul(dec("0.000000000001"), i64_max).has_value());
  BOOST_TEST(!mk::checked_mul(dec("4611686018427387904.000000000001"), 2).has_value());
  BOOST_TEST((mk::checked_mul(dec("4611686018427387904"), 2)->raw() == mk::decimal::max_raw));
  BOOST_TEST((mk::checked_mul(dec("4611686018427387904"), -2)->raw() == -mk::decimal::max_raw));
  BOOST_TEST(!mk::checked_mul(dec("4611686018427387904"), i64_min).has_value());
  BOOST_CHECK_THROW((void)(top * 2), mk::overflow_error);
  BOOST_CHECK_THROW((void)(top + top), mk::overflow_error);
  BOOST_CHECK_THROW((void)(-top - top), mk::overflow_error);
  BOOST_CHECK_NO_THROW((void)(-top));
}

BOOST_AUTO_TEST_CASE(B4_scale_and_round_is_exact_when_the_product_needs_more_than_128_bits) {
  // Regression: 2^62 x 2^30 / 2^30 was reported as overflow (the 128-bit product does not fit).
  const mk::decimal two_62 = mk::decimal::from_integer(std::int64_t{1} << 62);
  BOOST_TEST((mk::checked_scale_and_round(two_62, 1 << 30, 1 << 30) == std::int64_t{1} << 62));
  BOOST_TEST(mk::scale_and_round(mk::decimal::from_integer(i64_max), i64_max, i64_max) == i64_max);
  BOOST_TEST(mk::scale_and_round(mk::decimal::from_integer(i64_max), -i64_max, i64_max) == -i64_max);
  BOOST_TEST(mk::scale_and_round(dec("9223372036854775807.999999999999"), i64_max - 7, i64_max) ==
             i64_max - 6);  // 9223372036854775800.999999999999...
  BOOST_TEST((mk::checked_scale_and_round(mk::decimal::from_integer(i64_max), i64_max, i64_max - 1) ==
              std::nullopt));
  BOOST_CHECK_THROW((void)mk::scale_and_round(mk::decimal::from_integer(i64_max), i64_max, i64_max / 2),
                    mk::overflow_error);
  // -2^63 is a result that fits, also after a wide product.
  BOOST_TEST((mk::checked_scale_and_round(mk::decimal::from_integer(std::int64_t{1} << 62), i64_min,
                                          std::int64_t{1} << 62) == i64_min));
  BOOST_TEST((mk::checked_scale_and_round(mk::decimal::from_integer(std::int64_t{1} << 62), i64_min,
                                          (std::int64_t{1} << 62) - 1) == std::nullopt));
}

BOOST_AUTO_TEST_CASE(B4_property_scale_and_round_ignores_a_common_factor_of_num_and_den) {
  // a x (k m) / (k n) == a x m / (k n) ... == a x m / n: the small fraction stays in 128 bits, the
  // scaled one needs up to 190; both must round to the same number (or both overflow).
  const auto seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  BOOST_TEST_CONTEXT("seed " << seed) {
    for (int i = 0; i < 20000; ++i) {
      const auto raw = static_cast<mk::int128>(rng() >> 1) * static_cast<mk::int128>(rng() % 1000000) +
                       static_cast<mk::int128>(rng() % 1000000000000);
      const auto a = *mk::decimal::from_raw(i % 2 == 0 ? raw : -raw);
      const auto n = static_cast<std::int64_t>(rng() % 1000 + 1);
      const auto m = static_cast<std::int64_t>(rng() % (2 * static_cast<std::uint64_t>(n) + 1)) - n;
      const std::int64_t k = i64_max / 1000 - static_cast<std::int64_t>(rng() % 1000);
      const auto small = mk::checked_scale_and_round(a, m, n);
      BOOST_TEST_REQUIRE((mk::checked_scale_and_round(a, k / n * m, k / n * n) == small),
                         a.to_string() << " x " << m << " / " << n << " scaled by " << k / n);
      BOOST_TEST_REQUIRE((mk::checked_scale_and_round<mk::half_even>(a, k / n * m, k / n * n) ==
                          mk::checked_scale_and_round<mk::half_even>(a, m, n)),
                         a.to_string() << " x " << m << " / " << n << " scaled by " << k / n);
    }
  }
}

// ================================================================================================
// time: 1970, 9999 and just beyond (D4)
// ================================================================================================

BOOST_AUTO_TEST_CASE(D4_times_at_1970_and_9999_are_accepted_and_just_beyond_refused) {
  struct accepted_case {
    const char* text;
    std::int64_t seconds_since_epoch;
  };
  for (const auto& c : std::vector<accepted_case>{
           {"0", 0},
           {"0000000000", 0},
           {"1970-01-01T00:00:00Z", 0},
           {"1970-01-01T01:00:00+01:00", 0},
           {"253402300799", 253402300799},
           {"9999-12-31T23:59:59Z", 253402300799},
           {"9999-12-31T23:59:59.999999999Z", 253402300799},
           {"9999-12-31T23:59:59+00:00", 253402300799},
       }) {
    BOOST_TEST_CONTEXT(c.text) {
      const auto t = mk::parse_time(c.text);
      BOOST_TEST_REQUIRE(t.has_value());
      BOOST_TEST(mk::to_unix(*t) == c.seconds_since_epoch);
    }
  }
  struct refused_case {
    const char* text;
    const char* why;  // a part of the message that says what is wrong
  };
  for (const auto& c : std::vector<refused_case>{
           {"253402300800", "outside 1970-01-01 ... 9999-12-31"},
           {"99999999999999999999999", "outside 1970-01-01 ... 9999-12-31"},  // no overflow on the way
           {"10000-01-01T00:00:00Z", "outside 1970-01-01 ... 9999-12-31"},
           {"10000-01-01T00:59:59+01:00", "more than 4 digits"},  // 9999-12-31T23:59:59Z, but 5 digits
           {"99999-12-31T23:59:59Z", "outside 1970-01-01 ... 9999-12-31"},
           {"9999-12-31T23:59:60Z", "outside 1970-01-01 ... 9999-12-31"},  // the leap second is 10000
           {"9999-12-31T23:59:59-00:01", "outside 1970-01-01 ... 9999-12-31"},
           {"1969-12-31T23:59:59Z", "outside 1970-01-01 ... 9999-12-31"},
           {"1970-01-01T00:00:00+00:01", "outside 1970-01-01 ... 9999-12-31"},
           {"0000-01-01T00:00:00Z", "outside 1970-01-01 ... 9999-12-31"},
           {"-1", "negative unix seconds"},
           {"-9223372036854775808", "negative unix seconds"},
           {"+1", "expected YYYY-MM-DD"},
       }) {
    BOOST_TEST_CONTEXT(c.text) {
      const auto t = mk::parse_time(c.text);
      BOOST_TEST_REQUIRE(!t.has_value());
      BOOST_TEST(t.error().code == mk::error_code::invalid_timestamp);
      BOOST_TEST(t.error().message.find(c.why) != std::string::npos, t.error().message);
    }
  }
  // Integers read elsewhere (JSON numbers) have the same range.
  for (const std::int64_t s : {std::int64_t{-1}, std::int64_t{253402300800}, i64_min, i64_max}) {
    const auto t = mk::time_from_unix_checked(s);
    BOOST_TEST_REQUIRE(!t.has_value());
    BOOST_TEST(t.error().code == mk::error_code::invalid_timestamp);
  }
  BOOST_TEST(mk::time_from_unix_checked(0).has_value());
  BOOST_TEST(mk::time_from_unix_checked(253402300799).has_value());
}

BOOST_AUTO_TEST_CASE(D4_format_rfc3339_is_defined_for_every_timestamp) {
  // Regression: INT64_MIN overflowed inside std::chrono::floor (UB) and INT64_MAX printed year 23737.
  BOOST_TEST(mk::format_rfc3339(mk::from_unix(i64_max)) == "292277026596-12-04T15:30:07Z");
  BOOST_TEST(mk::format_rfc3339(mk::from_unix(i64_min)) == "-292277022657-01-27T08:29:52Z");
  BOOST_TEST(mk::format_rfc3339(mk::from_unix(253402300800)) == "10000-01-01T00:00:00Z");
  BOOST_TEST(mk::format_rfc3339(mk::from_unix(-1)) == "1969-12-31T23:59:59Z");
  BOOST_TEST(mk::format_rfc3339(mk::earliest_time) == "1970-01-01T00:00:00Z");
  BOOST_TEST(mk::format_rfc3339(mk::latest_time) == "9999-12-31T23:59:59Z");
  // Agrees with std::chrono over the whole calendar range it supports.
  const auto seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  BOOST_TEST_CONTEXT("seed " << seed) {
    constexpr std::int64_t span = 2 * 1000LL * 366 * 86400;  // years 970 ... 2970
    for (int i = 0; i < 20000; ++i) {
      const auto s = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(span)) - span / 2;
      const auto t = mk::from_unix(s);
      const auto day = std::chrono::floor<std::chrono::days>(t);
      const std::chrono::year_month_day ymd{day};
      const std::chrono::hh_mm_ss<mk::seconds> tod{t - day};
      char expected[40];
      std::snprintf(expected, sizeof expected, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                    static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                    static_cast<int>(tod.seconds().count()));
      BOOST_TEST_REQUIRE(mk::format_rfc3339(t) == expected, s);
      if (mk::in_supported_range(t)) BOOST_TEST_REQUIRE(mk::to_unix(*mk::parse_time(expected)) == s);
    }
  }
}

// ================================================================================================
// calendar: 3-year cycles, one past each limit, 1970 and 9999
// ================================================================================================

BOOST_AUTO_TEST_CASE(D9_interval_count_limits_and_one_past_each_are_refused_naming_the_field) {
  struct limit_case {
    mk::interval_unit unit;
    std::int32_t max;
  };
  for (const auto& c : std::vector<limit_case>{{mk::interval_unit::day, 1095},
                                               {mk::interval_unit::week, 156},
                                               {mk::interval_unit::month, 36},
                                               {mk::interval_unit::year, 3}}) {
    BOOST_TEST_CONTEXT(mk::to_string(c.unit)) {
      BOOST_TEST(mk::max_interval_count(c.unit) == c.max);
      BOOST_TEST(mk::is_valid(mk::billing_interval{c.unit, c.max}));
      for (const std::int32_t bad : {c.max + 1, 0, -1, std::numeric_limits<std::int32_t>::max(),
                                     std::numeric_limits<std::int32_t>::min()}) {
        BOOST_TEST_CONTEXT("interval_count " << bad) {
          const mk::billing_interval interval{c.unit, bad};
          BOOST_TEST(!mk::is_valid(interval));
          BOOST_TEST(refused_field([&] { (void)mk::validate(interval); }) == "interval_count");
          BOOST_TEST(refused_field([&] { mk::billing_cycle<> cycle(mk::from_unix(0), interval); }) ==
                     "interval_count");
          mk::plan p = metered_plan(dec("1"));
          p.prices[0].recurring.interval = interval;
          BOOST_TEST(refused_field([&] { mk::validate(p); }) == "prices[0].recurring.interval_count");
          BOOST_TEST(refused_field([&] { (void)mk::simulate(p, {}, mk::from_unix(0)); }) ==
                     "prices[0].recurring.interval_count");
        }
      }
      mk::plan p = metered_plan(dec("1"));
      p.prices[0].recurring.interval = mk::billing_interval{c.unit, c.max};
      BOOST_CHECK_NO_THROW(mk::validate(p));
    }
  }
}

BOOST_AUTO_TEST_CASE(B2_three_year_cycles_keep_month_end_anchors_including_feb_29) {
  // 3 years and 36 months from Feb 29 fall on Feb 28 until the next leap year in the sequence.
  for (const auto interval : {mk::billing_interval{mk::interval_unit::year, 3},
                              mk::billing_interval{mk::interval_unit::month, 36}}) {
    const mk::billing_cycle<> cycle(at("2024-02-29T12:00:00Z"), interval);
    BOOST_TEST(cycle.boundary(1) == at("2027-02-28T12:00:00Z"));
    BOOST_TEST(cycle.boundary(2) == at("2030-02-28T12:00:00Z"));
    BOOST_TEST(cycle.boundary(4) == at("2036-02-29T12:00:00Z"));  // 2036 is a leap year
    BOOST_TEST(cycle.boundary(-1) == at("2021-02-28T12:00:00Z"));
    BOOST_TEST(cycle.boundary(-8) == at("2000-02-29T12:00:00Z"));
    BOOST_TEST(cycle.boundary(-18) == at("1970-02-28T12:00:00Z"));
    BOOST_TEST((cycle.period_containing(at("2030-02-28T11:59:59Z")) ==
                mk::period{at("2027-02-28T12:00:00Z"), at("2030-02-28T12:00:00Z")}));
    BOOST_TEST(cycle.index_of(at("2036-02-29T12:00:00Z")) == 4);
    BOOST_TEST(cycle.index_of(at("1970-01-01T00:00:00Z")) == -19);
    BOOST_TEST(mk::format_rfc3339(cycle.period_containing(mk::latest_time).end) == "10001-02-28T12:00:00Z");
  }
  // Day 31 across 36 months: a 31st every time (Jan, Jan, ...); Aug 31 too.
  const mk::billing_cycle<> jan31(at("2023-01-31T00:00:00Z"), {mk::interval_unit::month, 36});
  BOOST_TEST(jan31.boundary(1) == at("2026-01-31T00:00:00Z"));
  const mk::billing_cycle<> aug31(at("2021-08-31T23:59:59Z"), {mk::interval_unit::month, 36});
  BOOST_TEST(aug31.boundary(1) == at("2024-08-31T23:59:59Z"));
  // 35 months from Mar 31 land in February: clamped to Feb 29 in a leap year.
  const mk::billing_cycle<> mar31(at("2021-03-31T00:00:00Z"), {mk::interval_unit::month, 35});
  BOOST_TEST(mar31.boundary(1) == at("2024-02-29T00:00:00Z"));
  BOOST_TEST(mar31.boundary(2) == at("2027-01-31T00:00:00Z"));  // back on the anchor day
  // 1095 days and 156 weeks are plain seconds from the anchor.
  const mk::billing_cycle<> days(at("2024-02-29T00:00:00Z"), {mk::interval_unit::day, 1095});
  BOOST_TEST(days.boundary(1) == at("2027-02-28T00:00:00Z"));
  BOOST_TEST(days.boundary(-1) == at("2021-03-01T00:00:00Z"));
  const mk::billing_cycle<> weeks(at("1970-01-01T00:00:00Z"), {mk::interval_unit::week, 156});
  BOOST_TEST(weeks.boundary(1) == mk::from_unix(156 * 604800));
  BOOST_TEST(weeks.period_containing(mk::latest_time).end > mk::latest_time);
}

BOOST_AUTO_TEST_CASE(B1_cycles_past_year_9999_are_exact_and_beyond_the_calendar_overflow_error) {
  // Decision: a boundary after 9999-12-31 is computed exactly (calendar years up to 32767); only
  // input times are limited to D4's range. Beyond the calendar: overflow_error, never a wrap.
  const mk::billing_cycle<> monthly(at("9999-12-31T00:00:00Z"), {mk::interval_unit::month, 1});
  BOOST_TEST(mk::format_rfc3339(monthly.boundary(1)) == "10000-01-31T00:00:00Z");
  BOOST_TEST((monthly.period_containing(mk::latest_time) ==
              mk::period{at("9999-12-31T00:00:00Z"), mk::from_unix(253402300800 + 30 * 86400)}));
  const mk::billing_cycle<> three_years(at("9999-06-15T00:00:00Z"), {mk::interval_unit::year, 3});
  BOOST_TEST(mk::format_rfc3339(three_years.next_boundary_after(mk::latest_time)) == "10002-06-15T00:00:00Z");
  BOOST_TEST(mk::format_rfc3339(three_years.boundary(7589)) == "32766-06-15T00:00:00Z");
  const std::string calendar = "billing cycle: the boundary lies outside the representable calendar";
  BOOST_TEST(overflow_message([&] { (void)three_years.boundary(7590); }) == calendar);  // year 32769
  BOOST_TEST(overflow_message([&] { (void)three_years.boundary(i64_max); }) == calendar);
  BOOST_TEST(overflow_message([&] { (void)three_years.boundary(i64_min); }) == calendar);
  BOOST_TEST(overflow_message([&] { (void)three_years.period_at(i64_max); }) == calendar);
  BOOST_TEST(overflow_message([&] { (void)three_years.index_of(mk::from_unix(i64_max)); }) == calendar);
  BOOST_TEST(overflow_message([&] { (void)three_years.index_of(mk::from_unix(i64_min)); }) == calendar);
  const mk::billing_cycle<> days(at("9999-12-31T23:59:59Z"), {mk::interval_unit::day, 1095});
  BOOST_TEST(mk::to_unix(days.boundary(1)) == 253402300799 + 1095 * 86400);
  BOOST_TEST(overflow_message([&] { (void)days.boundary(i64_max / 86400); }) == calendar);
  BOOST_TEST(overflow_message([&] { (void)days.index_of(mk::from_unix(i64_min)); }) == calendar);
  BOOST_TEST(overflow_message([&] { (void)days.index_of(mk::from_unix(i64_max)); }) == calendar);
  // An anchor outside the calendar cannot make a month cycle.
  BOOST_TEST(overflow_message([&] {
               mk::billing_cycle<> c(mk::from_unix(i64_max), {mk::interval_unit::month, 1});
             }) == calendar);
}

BOOST_AUTO_TEST_CASE(B3_B4_schedules_starting_at_1970_and_ending_after_9999) {
  // From the first second of D4: an explicit anchor later in January makes a stub whose full
  // cycle starts in 1969 (the cycle extends before the anchor, B4).
  const mk::billing_schedule<> first(mk::earliest_time, at("1970-01-15T00:00:00Z"), std::nullopt,
                                     {mk::interval_unit::month, 1});
  const mk::period stub = first.first_period();
  BOOST_TEST((stub == mk::period{mk::earliest_time, at("1970-01-15T00:00:00Z")}));
  BOOST_TEST(first.is_stub(stub));
  BOOST_TEST(mk::format_rfc3339(first.full_cycle_of(stub).start) == "1969-12-15T00:00:00Z");
  BOOST_TEST(!first.period_containing(mk::from_unix(-1)).has_value());
  // A 3-year schedule from 1970 reaches 9999 in O(1).
  const mk::billing_schedule<> long_one(mk::earliest_time, std::nullopt, std::nullopt,
                                        {mk::interval_unit::year, 3});
  BOOST_TEST(mk::format_rfc3339(long_one.period_containing(mk::latest_time)->start) ==
             "9998-01-01T00:00:00Z");
  BOOST_TEST(mk::format_rfc3339(long_one.period_containing(mk::latest_time)->end) == "10001-01-01T00:00:00Z");
  // The last periods before the end of D4's range end after it.
  const mk::billing_schedule<> last(at("9999-10-31T00:00:00Z"), std::nullopt, at("9999-12-31T23:59:59Z"),
                                    {mk::interval_unit::month, 1});
  const auto periods = last.periods_through(mk::latest_time);
  BOOST_TEST_REQUIRE(periods.size() == 2U);
  BOOST_TEST(last.is_trial(periods[0]));
  BOOST_TEST(mk::format_rfc3339(periods[1].end) == "10000-01-31T23:59:59Z");
}

// ================================================================================================
// pricing: quantity x unit amount, tiers, transform_quantity beyond range (P1-P4, D25)
// ================================================================================================

BOOST_AUTO_TEST_CASE(P1_D25_per_unit_amounts_beyond_the_64_bit_range_are_overflow_error) {
  struct amount_case {
    const char* unit_amount;
    std::int64_t quantity;
    std::optional<std::int64_t> away;  // nullopt: overflow_error
    std::optional<std::int64_t> even;
  };
  for (const auto& c : std::vector<amount_case>{
           {"1", i64_max, i64_max, i64_max},
           {"9223372036854775807", 1, i64_max, i64_max},
           {"9223372036854775807", 2, std::nullopt, std::nullopt},
           {"1000000000000", 10'000'000, std::nullopt, std::nullopt},  // 1e19
           {"1000000000000", 9'223'372, 9'223'372'000'000'000'000, 9'223'372'000'000'000'000},
           {"0.000000000001", i64_max, 9'223'372, 9'223'372},               // 9223372.036854775807
           {"0.5", i64_max, 4611686018427387904, 4611686018427387904},      // ...903.5
           {"0.5", i64_max - 2, 4611686018427387903, 4611686018427387902},  // ...902.5
           {"0.999999999999", i64_max, 9223372036845552435, 9223372036845552435},
           {"1.000000000001", i64_max, std::nullopt, std::nullopt},
           {"1.000000000001", i64_max - 9'223'371, std::nullopt, std::nullopt},  // i64_max + 1.03...
           {"1.000000000001", i64_max - 9'223'372, i64_max, i64_max},            // i64_max + 0.03...
           {"1.000000000001", i64_max - 9'223'373, i64_max - 1, i64_max - 1},    // i64_max - 0.96...
           {"9223372036854775807.999999999999", 1, std::nullopt, std::nullopt},
           {"9223372036854775807.999999999999", 0, 0, 0},
       }) {
    BOOST_TEST_CONTEXT(c.unit_amount << " x " << c.quantity) {
      const mk::price p = price_of("price", dec(c.unit_amount));
      if (c.away) {
        BOOST_TEST(mk::line_amount(p, c.quantity, mk::rounding_mode::half_away_from_zero) == *c.away);
        BOOST_TEST(mk::line_amount(p, c.quantity, mk::rounding_mode::half_even) == *c.even);
      } else {
        BOOST_CHECK_THROW((void)mk::line_amount(p, c.quantity, mk::rounding_mode::half_away_from_zero),
                          mk::overflow_error);
        BOOST_CHECK_THROW((void)mk::line_amount<mk::half_even>(p, c.quantity), mk::overflow_error);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(P3_D25_tiers_at_the_64_bit_limits) {
  mk::price p{"price_tiers", mk::currency("usd")};
  p.billing_scheme = mk::billing_scheme::tiered;
  p.tiers_mode = mk::tiers_mode::graduated;
  p.tiers = {
      mk::price_tier{i64_max - 1, dec("1"), std::nullopt},
      mk::price_tier{std::nullopt, dec("0"), dec("1")},
  };
  BOOST_CHECK_NO_THROW(mk::validate(p, "prices[0]"));
  const auto amount = [&](std::int64_t q) { return mk::line_amount(p, q, mk::rounding_mode::half_even); };
  BOOST_TEST(amount(i64_max - 1) == i64_max - 1);
  BOOST_TEST(amount(i64_max) == i64_max);  // i64_max - 1 units, then the last tier's flat 1
  p.tiers[1].flat_amount = dec("2");
  BOOST_CHECK_THROW((void)amount(i64_max), mk::overflow_error);
  BOOST_TEST(amount(i64_max - 1) == i64_max - 1);  // the last tier is not reached
  // An up_to of INT64_MAX before the inf tier: the inf tier is never reached.
  p.tiers = {
      mk::price_tier{i64_max, dec("1"), dec("0")},
      mk::price_tier{std::nullopt, dec("1000"), dec("1000")},
  };
  BOOST_CHECK_NO_THROW(mk::validate(p, "prices[0]"));
  BOOST_TEST(amount(i64_max) == i64_max);
  // Volume: the whole quantity at its tier; a flat amount on top of INT64_MAX overflows.
  p.tiers_mode = mk::tiers_mode::volume;
  BOOST_TEST(amount(i64_max) == i64_max);
  p.tiers[0].flat_amount = dec("0.5");
  BOOST_CHECK_THROW((void)amount(i64_max), mk::overflow_error);
  p.tiers[0].unit_amount = dec("2");
  p.tiers[0].flat_amount = std::nullopt;
  BOOST_CHECK_THROW((void)amount(i64_max / 2 + 1), mk::overflow_error);
  BOOST_TEST(amount(i64_max / 2) == i64_max - 1);
  // 12 fractional digits per unit at the top of the range.
  p.tiers[0].unit_amount = dec("0.000000000001");
  BOOST_TEST(amount(i64_max) == 9'223'372);
}

BOOST_AUTO_TEST_CASE(P2_D25_transform_quantity_at_the_limits) {
  const auto packages = [](std::int64_t divide_by, mk::round_direction r, std::int64_t q) {
    return mk::transform_quantity{divide_by, r}.apply(q);
  };
  BOOST_TEST(packages(1, mk::round_direction::up, i64_max) == i64_max);
  BOOST_TEST(packages(i64_max, mk::round_direction::up, i64_max) == 1);
  BOOST_TEST(packages(i64_max, mk::round_direction::up, i64_max - 1) == 1);
  BOOST_TEST(packages(i64_max, mk::round_direction::down, i64_max - 1) == 0);
  BOOST_TEST(packages(2, mk::round_direction::up, i64_max) == std::int64_t{1} << 62);
  BOOST_TEST(packages(2, mk::round_direction::down, i64_max) == (std::int64_t{1} << 62) - 1);
  BOOST_CHECK_THROW((void)packages(i64_min, mk::round_direction::up, 1), mk::precondition_error);
  // Priced: 2^62 packages at 2 = 2^63, one past the range.
  mk::price p = price_of("price_packages", dec("2"));
  p.transform_quantity = mk::transform_quantity{2, mk::round_direction::up};
  BOOST_CHECK_THROW((void)mk::line_amount(p, i64_max, mk::rounding_mode::half_away_from_zero),
                    mk::overflow_error);
  p.transform_quantity->round = mk::round_direction::down;
  BOOST_TEST(mk::line_amount(p, i64_max, mk::rounding_mode::half_away_from_zero) == i64_max - 1);
  // A divide_by below 1 is a plan error naming the field (D11).
  p.transform_quantity->divide_by = 0;
  BOOST_TEST(refused_field([&] { mk::validate(p, "prices[3]"); }) ==
             "prices[3].transform_quantity.divide_by");
}

BOOST_AUTO_TEST_CASE(B4_prorated_line_of_a_three_year_cycle_with_a_huge_amount) {
  // Regression: stub seconds / cycle seconds that do not reduce (gcd 1) made amount x num exceed
  // 128 bits and reported overflow although the prorated amount fits.
  const mk::price p = price_of("price_big", mk::decimal::from_integer(9'000'000'000'000'000'000));
  constexpr std::int64_t cycle = 1095 * 86400;
  BOOST_TEST(mk::prorated_line_amount(p, 1, cycle - 1, cycle, mk::rounding_mode::half_away_from_zero) ==
             8999999904870624049);
  BOOST_TEST(mk::prorated_line_amount(p, 1, cycle, cycle, mk::rounding_mode::half_even) ==
             9'000'000'000'000'000'000);
  // The full amount must itself fit in the decimal range, prorated or not (decision, see report).
  BOOST_CHECK_THROW((void)mk::prorated_line_amount(p, 2, 1, cycle, mk::rounding_mode::half_away_from_zero),
                    mk::overflow_error);
  // The same through the simulator: a stub one second shorter than its 3-year cycle.
  mk::plan plan;
  plan.prices.push_back(price_of("price_big", mk::decimal::from_integer(9'000'000'000'000'000'000)));
  plan.prices.back().recurring.interval = {mk::interval_unit::year, 3};
  plan.subscriptions.push_back(
      subscription("sub_1", "cus_1", at("2022-01-01T00:00:01Z"), {{"si_big", "price_big", 1}}));
  plan.subscriptions.back().billing_cycle_anchor = at("2025-01-01T00:00:00Z");
  const auto result = mk::simulate(plan, {}, at("2022-01-01T00:00:01Z"));
  BOOST_TEST_REQUIRE(result.invoices.size() == 2U);
  const mk::invoice& opening = result.invoices.front();
  BOOST_TEST_REQUIRE(opening.lines.size() == 1U);
  BOOST_TEST(opening.lines[0].proration);
  BOOST_TEST(opening.lines[0].amount == 8999999904957420925);  // 9e18 x 94694399 / 94694400
  BOOST_TEST(opening.total == 8999999904957420925);
  BOOST_TEST(result.invoices.back().lines[0].amount == 9'000'000'000'000'000'000);
}

// ================================================================================================
// meters: sums and counts near INT64_MAX / INT64_MIN on every path (M3, M9, M12, D13, D25)
// ================================================================================================

template <class Ingestion, class History>
void check_meter_sum_reaches_the_limit(std::int64_t sign) {
  // Events one hour apart, so that pre-aggregation keeps every one of them.
  mk::meter<mk::sum, Ingestion, mk::string_customer_ids, History> m;
  std::uint64_t arrival = 0;
  std::int64_t t = 0;
  for (int i = 0; i < 9223; ++i, t += 3600) m.add("c", record(t, arrival++, sign * max_value));
  m.add("c", record(t, arrival++, sign * to_the_limit));
  t += 3600;
  const std::int64_t limit = sign > 0 ? i64_max : -i64_max;
  BOOST_TEST(m.total("c") == limit);
  // One more unit beyond: accepted (the state is an exact 128-bit total), and only a query whose
  // total leaves the range is an overflow_error, never a wrapped number (D25).
  m.add("c", record(t, arrival++, sign * 2));
  BOOST_TEST(overflow_message([&] { (void)m.total("c"); }) ==
             "sum: the total leaves the signed 64-bit range");
  if constexpr (!std::is_same_v<History, mk::running_state_only>) {
    BOOST_CHECK_THROW((void)m.quantity("c", mk::all_time, mk::end_of_time), mk::overflow_error);
    BOOST_CHECK_THROW((void)m.quantity_by_fold("c", mk::all_time, mk::end_of_time), mk::overflow_error);
    // Periods that do not contain all of it still have their exact quantity.
    const mk::period without_last{mk::from_unix(0), mk::from_unix(t)};
    BOOST_TEST(m.quantity("c", without_last, mk::end_of_time) == limit);
    const mk::period last_hour{mk::from_unix(t - 3600), mk::from_unix(t + 1)};
    BOOST_TEST(m.quantity("c", last_hour, mk::end_of_time) == sign * (to_the_limit + 2));
    // As of before the last arrival the total is back in range.
    BOOST_TEST(m.quantity("c", mk::all_time, mk::from_unix(t - 1)) == limit);
  }
  // INT64_MIN itself is reachable with negative corrections.
  if (sign < 0) {
    mk::meter<mk::sum, Ingestion, mk::string_customer_ids, History> low;
    arrival = 0;
    t = 0;
    for (int i = 0; i < 9223; ++i, t += 3600) low.add("c", record(t, arrival++, -max_value));
    low.add("c", record(t, arrival++, -to_the_limit - 1));
    BOOST_TEST(low.total("c") == i64_min);
  }
}

BOOST_AUTO_TEST_CASE(M9_D25_meter_sums_reach_int64_max_and_min_then_overflow_error_on_every_path) {
  for (const std::int64_t sign : {std::int64_t{1}, std::int64_t{-1}}) {
    BOOST_TEST_CONTEXT("sign " << sign) {
      check_meter_sum_reaches_the_limit<mk::raw, mk::keep_history>(sign);
      check_meter_sum_reaches_the_limit<mk::raw, mk::running_state_only>(sign);
      check_meter_sum_reaches_the_limit<mk::pre_aggregated<mk::utc_hour>, mk::keep_history>(sign);
      check_meter_sum_reaches_the_limit<mk::pre_aggregated<mk::utc_hour>, mk::running_state_only>(sign);
    }
  }
}

BOOST_AUTO_TEST_CASE(M10_M12_cancelling_the_overflowing_event_brings_the_sum_back) {
  mk::meter<mk::sum> m;
  std::uint64_t arrival = 0;
  for (int i = 0; i < 9223; ++i) m.add("c", record(i, arrival++, max_value));
  m.add("c", record(9223, arrival++, to_the_limit));
  m.add("c", mk::event_record{mk::from_unix(9224), mk::from_unix(20000), arrival++, 1, mk::never});
  BOOST_CHECK_THROW((void)m.total("c"), mk::overflow_error);
  BOOST_TEST(m.cancel("c", mk::from_unix(9224), arrival - 1, mk::from_unix(30000)));
  BOOST_TEST(m.total("c") == i64_max);
  BOOST_TEST(m.quantity("c", mk::all_time, mk::from_unix(19999)) == i64_max);  // before its arrival
  BOOST_CHECK_THROW((void)m.quantity("c", mk::all_time, mk::from_unix(29999)), mk::overflow_error);
  BOOST_TEST(m.quantity("c", mk::all_time, mk::from_unix(30000)) == i64_max);  // cancelled (M10)
  // A negative correction at the other end is an ordinary event (M12).
  m.add("c", record(9225, arrival++, -max_value));
  BOOST_TEST(m.total("c") == i64_max - max_value);
}

BOOST_AUTO_TEST_CASE(M9_D25_count_and_merge_at_int64_max_via_a_saved_state) {
  // 2^63 events cannot be fed in a test; a saved running state can hold the count.
  using counter = mk::meter<mk::count, mk::raw, mk::string_customer_ids, mk::running_state_only>;
  counter one;
  one.add("c", record(0, 0, 1));
  // The saved state of customer "c" with a count of `count` (meter/meter.hpp, "Saved state").
  const auto with_state = [](std::uint64_t count) {
    mk::state_writer body;
    for (const std::string_view name :
         {mk::count::name, mk::raw::name, mk::running_state_only::name, mk::string_customer_ids::name}) {
      body.str(name);
    }
    body.u64(1);  // the arrival add_next gives next (format 4)
    body.boolean(false);
    body.size(1);
    body.str("c");
    body.u64(count);
    std::ostringstream out;
    mk::write_state_frame(out, counter::state_magic, counter::state_version, body.bytes());
    return out.str();
  };
  std::istringstream near_limit(with_state(static_cast<std::uint64_t>(i64_max - 1)));
  counter m = counter::load(near_limit);
  BOOST_TEST(m.total("c") == i64_max - 1);
  m.add("c", record(1, 1, 1));
  BOOST_TEST(m.total("c") == i64_max);
  BOOST_TEST(overflow_message([&] { m.add("c", record(2, 2, 1)); }) ==
             "count: addition overflows the signed 64-bit range");
  BOOST_TEST(m.total("c") == i64_max);
  BOOST_CHECK_THROW(m.merge(one), mk::overflow_error);
  // A saved count beyond the range is refused on load, not wrapped.
  std::istringstream beyond(with_state(std::uint64_t{1} << 63U));
  BOOST_CHECK_THROW((void)counter::load(beyond), mk::corrupt_state_error);
  // Two sums that together leave the range merge exactly; their total is an overflow_error.
  using summer = mk::meter<mk::sum, mk::raw, mk::string_customer_ids, mk::running_state_only>;
  summer a;
  summer b;
  for (int i = 0; i < 5000; ++i) {
    a.add("c", record(i, static_cast<std::uint64_t>(i), max_value));
    b.add("c", record(i, static_cast<std::uint64_t>(i), max_value));
  }
  a.merge(b);
  BOOST_CHECK_THROW((void)a.total("c"), mk::overflow_error);
}

BOOST_AUTO_TEST_CASE(D13_D25_ledger_accepts_15_digit_values_and_reports_overflow_at_the_query) {
  mk::meter_ledger ledger({sum_meter("mtr_api", "api_requests")}, {"cus_1"});
  const mk::timestamp received = at("2025-01-20T00:00:00Z");
  std::uint64_t arrival = 0;
  const auto submit = [&](std::string value, mk::timestamp time) {
    mk::meter_event e;
    e.event_name = "api_requests";
    e.payload = {{"stripe_customer_id", "cus_1"}, {"value", std::move(value)}};
    e.timestamp = time;
    return ledger.submit(e, {received, arrival++});
  };
  // 16 digits is not a value (D13), whatever the sign.
  for (const char* bad : {"9999999999999999", "-9999999999999999", "9223372036854775807",
                          "-9223372036854775808", "99999999999999999999999"}) {
    const auto o = submit(bad, received);
    BOOST_TEST_REQUIRE(o.rejected(), bad);
    BOOST_TEST(o.code() == mk::error_code::meter_event_invalid_value);
  }
  BOOST_TEST(submit("-000000000000001", received).accepted());  // 15 digits with leading zeros
  for (int i = 0; i < 9223; ++i) {
    BOOST_TEST_REQUIRE(submit("999999999999999", received - mk::seconds{1 + i}).accepted());
  }
  BOOST_TEST_REQUIRE(submit(std::to_string(to_the_limit + 1), at("2025-01-05T00:00:00Z")).accepted());
  const mk::period january{at("2025-01-01T00:00:00Z"), at("2025-02-01T00:00:00Z")};
  BOOST_TEST(ledger.quantity("mtr_api", "cus_1", january, received) == i64_max);
  BOOST_TEST_REQUIRE(submit("1", received).accepted());  // accepted: the value itself is fine
  BOOST_CHECK_THROW((void)ledger.quantity("mtr_api", "cus_1", january, received), mk::overflow_error);
  BOOST_TEST(ledger.quantity("mtr_api", "cus_1", {january.start, at("2025-01-19T00:00:00Z")}, received) ==
             to_the_limit + 1);
  BOOST_TEST(ledger.quantity("mtr_api", "cus_1", {at("2025-01-19T00:00:00Z"), january.end}, received) ==
             9223 * max_value);
  // Summaries report the overflow of their own window only.
  const auto daily = ledger.summaries("mtr_api", "cus_1", january, mk::window_kind::day, received);
  BOOST_TEST_REQUIRE(daily.has_value());  // each day fits: the overflow is only in the total
  std::int64_t day_19 = 0;
  for (const auto& s : *daily) {
    if (s.window.start == at("2025-01-19T00:00:00Z")) day_19 = s.aggregated_value;
  }
  BOOST_TEST(day_19 == 9223 * max_value);
}

// ================================================================================================
// legacy usage records near the limit (L1, L2, L3, D17, D25)
// ================================================================================================

BOOST_AUTO_TEST_CASE(L2_D25_usage_record_increments_and_sums_near_int64_max) {
  const mk::billing_schedule<> schedule(at("2025-01-01T00:00:00Z"), std::nullopt, std::nullopt,
                                        {mk::interval_unit::month, 1});
  mk::usage_record_book<mk::sum, mk::billing_schedule<>> book(schedule);
  const mk::timestamp received = at("2025-01-20T00:00:00Z");
  std::uint64_t sequence = 0;
  const auto record_at = [&](mk::usage_quantity_input q, mk::timestamp t, const char* action = "increment") {
    mk::usage_record r;
    r.quantity = std::move(q);
    r.timestamp = mk::to_unix(t);
    r.action = action;
    return book.record(r, mk::arrival_stamp{received, sequence++});
  };
  const mk::timestamp t1 = at("2025-01-10T00:00:00Z");
  const mk::timestamp t2 = at("2025-01-11T00:00:00Z");
  const mk::period january{at("2025-01-01T00:00:00Z"), at("2025-02-01T00:00:00Z")};
  // Beyond INT64_MAX the quantity itself is refused (D17: a rejection, param quantity).
  const auto too_big = record_at(std::string("9223372036854775808"), t1);
  BOOST_TEST_REQUIRE(!too_big.has_value());
  BOOST_TEST(too_big.error().code == mk::error_code::usage_record_invalid_parameter);
  BOOST_TEST(too_big.error().param == "quantity");
  BOOST_TEST(record_at(std::string("9223372036854775807"), t1).has_value());
  BOOST_TEST(book.quantity(january) == i64_max);
  // An increment at the same timestamp would wrap: overflow_error, and nothing is stored.
  BOOST_TEST(overflow_message([&] { (void)record_at(std::int64_t{1}, t1); }) ==
             "usage record values at one timestamp: addition overflows the signed 64-bit range");
  BOOST_TEST(book.size() == 1U);
  // So does a value at another timestamp that would take the period's sum beyond the range.
  BOOST_TEST(overflow_message([&] { (void)record_at(std::int64_t{1}, t2); }) ==
             "sum: the total leaves the signed 64-bit range");
  BOOST_TEST(book.size() == 1U);
  BOOST_TEST(book.quantity(january) == i64_max);
  // `set` makes room again, then the other timestamp fits.
  BOOST_TEST(record_at(std::int64_t{i64_max - 5}, t1, "set").has_value());
  BOOST_TEST(record_at(std::int64_t{5}, t2).has_value());
  BOOST_TEST(book.quantity(january) == i64_max);
  BOOST_TEST(book.quantity(january, received) == i64_max);
  // Other modes never add: max and last of INT64_MAX values.
  mk::any_usage_record_book<mk::billing_schedule<>> max_book(mk::aggregate_usage::max, schedule);
  mk::usage_record r;
  r.quantity = i64_max;
  for (const mk::timestamp t : {t1, t2}) {
    r.timestamp = mk::to_unix(t);
    BOOST_TEST(max_book.record(r, mk::arrival_stamp{received, sequence++}).has_value());
  }
  BOOST_TEST(max_book.quantity(january) == i64_max);
}

// ================================================================================================
// invoices: lines and totals beyond range stop the simulation with overflow_error (D25)
// ================================================================================================

BOOST_AUTO_TEST_CASE(D25_invoice_lines_and_totals_beyond_range_are_overflow_error) {
  const mk::timestamp until = at("2025-02-01T02:00:00Z");  // January's invoice is finalized
  // A metered sum beyond INT64_MAX.
  {
    auto requests = many_events(9224, "999999999999999");
    BOOST_TEST(overflow_message([&] { (void)mk::simulate(metered_plan(dec("0")), requests, until); }) ==
               "subscription sub_1 (cus_1): item si_api (price price_api), period 2025-01-01T00:00:00Z to "
               "2025-02-01T00:00:00Z: sum: the total leaves the signed 64-bit range");  // named (D25)
    requests.pop_back();  // 9223 x max_value fits; priced at 1 it is the line amount
    const auto result = mk::simulate(metered_plan(dec("1")), requests, until);
    BOOST_TEST_REQUIRE(result.invoices.size() == 3U);
    BOOST_TEST(result.invoices[1].lines.at(0).quantity == 9223 * max_value);
    BOOST_TEST(result.invoices[1].total == 9223 * max_value);
    // The same quantity at 2 per unit, or at 1.0001, leaves the range.
    BOOST_CHECK_THROW((void)mk::simulate(metered_plan(dec("2")), requests, until), mk::overflow_error);
    BOOST_CHECK_THROW((void)mk::simulate(metered_plan(dec("1.0001")), requests, until), mk::overflow_error);
    BOOST_TEST(mk::simulate(metered_plan(dec("0.000000000001")), requests, until).invoices[1].total ==
               9'223'000);  // 9222999.999999990777
  }
  // Negative sums far below zero clamp to 0 at the line (M12), whatever their size.
  {
    const auto requests = many_events(9223, "-999999999999999");
    const auto result = mk::simulate(metered_plan(dec("1")), requests, until);
    BOOST_TEST(result.invoices[1].lines.at(0).quantity == 0);
    BOOST_TEST(result.invoices[1].total == 0);
  }
  // Two licensed lines that fit on their own but not together: the invoice total overflows.
  {
    mk::plan p;
    p.prices.push_back(price_of("price_a", mk::decimal::from_integer(5'000'000'000'000'000'000)));
    p.prices.push_back(price_of("price_b", mk::decimal::from_integer(5'000'000'000'000'000'000)));
    p.subscriptions.push_back(subscription("sub_1", "cus_1", at("2025-01-01T00:00:00Z"),
                                           {{"si_a", "price_a", 1}, {"si_b", "price_b", 1}}));
    BOOST_TEST(overflow_message([&] { (void)mk::simulate(p, {}, until); }) ==
               "subscription sub_1 (cus_1): invoice total: addition overflows the signed 64-bit range");
    p.subscriptions[0].items[1].quantity = 0;
    BOOST_TEST(mk::simulate(p, {}, until).invoices.front().total == 5'000'000'000'000'000'000);
    // A licensed quantity x unit amount beyond the range.
    p.subscriptions[0].items[1].quantity = 2;
    BOOST_CHECK_THROW((void)mk::simulate(p, {}, until), mk::overflow_error);
  }
}

// ================================================================================================
// simulations at 1970 and 9999 (D4, D20, D21)
// ================================================================================================

BOOST_AUTO_TEST_CASE(D4_D21_simulations_at_1970_and_up_to_9999_12_31) {
  // From the first second of 1970: usage of the first hour is billed.
  {
    mk::plan p = metered_plan(dec("2"));
    p.subscriptions[0].start_date = mk::earliest_time;
    const std::vector<mk::request> requests{event(mk::from_unix(0), "cus_1", "5"),
                                            event(mk::from_unix(3599), "cus_1", "7")};
    const auto result = mk::simulate(p, requests, at("1970-02-01T01:00:00Z"));
    BOOST_TEST_REQUIRE(result.invoices.size() == 3U);
    BOOST_TEST(result.invoices[1].created == at("1970-02-01T00:00:00Z"));
    BOOST_TEST(result.invoices[1].status == mk::invoice_status::finalized);
    BOOST_TEST(result.invoices[1].total == 24);
  }
  // Up to the last second of 9999: the upcoming invoice is created after it (decision: shown,
  // with its exact date in year 10000).
  {
    mk::plan p = metered_plan(dec("2"));
    p.subscriptions[0].start_date = at("9999-12-01T00:00:00Z");
    const std::vector<mk::request> requests{event(mk::latest_time, "cus_1", "5")};
    const auto result = mk::simulate(p, requests);
    BOOST_TEST(result.until == mk::latest_time);
    BOOST_TEST_REQUIRE(result.invoices.size() == 2U);
    const mk::invoice& upcoming = result.invoices.back();
    BOOST_TEST(upcoming.status == mk::invoice_status::upcoming);
    BOOST_TEST(mk::format_rfc3339(upcoming.created) == "10000-01-01T00:00:00Z");
    BOOST_TEST(mk::format_rfc3339(upcoming.finalized_at) == "10000-01-01T01:00:00Z");
    BOOST_TEST(upcoming.total == 10);
    // A 3-year cycle from the end of D4 reaches year 10002.
    p.prices[0].recurring.interval = {mk::interval_unit::year, 3};
    const auto long_cycle = mk::simulate(p, requests);
    BOOST_TEST(mk::format_rfc3339(long_cycle.invoices.back().created) == "10002-12-01T00:00:00Z");
  }
  // Times of a plan outside D4's range are refused naming the field (decision for anchor/trial).
  {
    mk::plan p = metered_plan(dec("1"));
    p.subscriptions[0].start_date = mk::from_unix(253402300800);
    BOOST_TEST(refused_field([&] { mk::validate(p); }) == "subscriptions[0].start_date");
    p.subscriptions[0].start_date = mk::from_unix(-1);
    BOOST_TEST(refused_field([&] { mk::validate(p); }) == "subscriptions[0].start_date");
    p.subscriptions[0].start_date = mk::earliest_time;
    p.subscriptions[0].billing_cycle_anchor = mk::from_unix(-86400);
    BOOST_TEST(refused_field([&] { mk::validate(p); }) == "subscriptions[0].billing_cycle_anchor");
    p.subscriptions[0].billing_cycle_anchor = mk::from_unix(i64_max);
    BOOST_TEST(refused_field([&] { (void)mk::simulate(p, {}, mk::earliest_time); }) ==
               "subscriptions[0].billing_cycle_anchor");
    p.subscriptions[0].billing_cycle_anchor = mk::latest_time;
    p.subscriptions[0].trial_end = mk::from_unix(253402300800);
    BOOST_TEST(refused_field([&] { mk::validate(p); }) == "subscriptions[0].trial_end");
    p.subscriptions[0].trial_end = mk::latest_time;
    BOOST_CHECK_NO_THROW(mk::validate(p));
    BOOST_CHECK_NO_THROW((void)mk::simulate(p, {}, mk::latest_time));
  }
}

// ================================================================================================
// a million customers
// ================================================================================================

constexpr std::size_t million = 1'000'000;

BOOST_AUTO_TEST_CASE(M9_meters_with_a_million_customers_keep_every_total) {
  // The fast path by dense index and by string id; customer 0 also goes up to the limit.
  mk::meter<mk::sum, mk::raw, mk::dense_customers, mk::running_state_only> dense;
  mk::meter<mk::sum, mk::raw, mk::string_customer_ids, mk::running_state_only> by_id;
  dense.reserve_customers(million);
  by_id.reserve_customers(million);
  std::vector<std::string> ids;
  ids.reserve(million);
  for (std::size_t c = 0; c < million; ++c) ids.push_back("cus_" + std::to_string(c));
  const auto value_of = [](std::size_t c) { return static_cast<std::int64_t>(c % 1000) - 500; };
  for (std::size_t c = 0; c < million; ++c) {
    dense.add(c, record(static_cast<std::int64_t>(c), c, value_of(c)));
    by_id.add(ids[c], record(static_cast<std::int64_t>(c), c, value_of(c)));
  }
  for (std::uint64_t i = 0; i < 9223; ++i) dense.add(0, record(0, million + i, max_value));
  BOOST_TEST(dense.customer_count() == million);
  BOOST_TEST(by_id.customer_count() == million);
  std::int64_t total = 0;
  std::size_t wrong = 0;  // counted, not asserted one by one: a million assertions take seconds
  for (std::size_t c = 0; c < million; ++c) {
    const std::int64_t q = by_id.total(ids[c]);
    if (q != value_of(c) || (c > 0 && dense.total(c) != q)) ++wrong;
    total += q;
  }
  BOOST_TEST(wrong == 0U);
  BOOST_TEST(total == -500 * std::int64_t{1000});  // each block of 1000 customers sums to -500
  BOOST_TEST(dense.total(0) == -500 + 9223 * max_value);
  BOOST_TEST(by_id.total("cus_unknown") == 0);
}

BOOST_AUTO_TEST_CASE(M6_M9_a_ledger_with_a_million_customers_keeps_every_quantity) {
  // The general path: a million known customers, every tenth of them sends one event to a
  // keep-history meter (all of them would take too long under the sanitizers).
  mk::meter_ledger ledger({sum_meter("mtr_api", "api_requests")});
  std::vector<std::string> ids;
  ids.reserve(million);
  for (std::size_t c = 0; c < million; ++c) ids.push_back("cus_" + std::to_string(c));
  for (const auto& id : ids) ledger.add_customer(id);
  BOOST_TEST(ledger.customer_count() == million);
  const mk::timestamp received = at("2025-01-20T00:00:00Z");
  mk::meter_event e;
  e.event_name = "api_requests";
  e.payload = {{"stripe_customer_id", ""}, {"value", ""}};
  for (std::size_t c = 0; c < million; c += 10) {
    e.payload[0].second = ids[c];
    e.payload[1].second = std::to_string(c);
    BOOST_TEST_REQUIRE(ledger.submit(e, {received, c}).accepted());
  }
  const mk::period january{at("2025-01-01T00:00:00Z"), at("2025-02-01T00:00:00Z")};
  for (std::size_t c = 0; c < million; c += 997) {
    BOOST_TEST_REQUIRE(ledger.quantity("mtr_api", ids[c], january, received) ==
                       (c % 10 == 0 ? static_cast<std::int64_t>(c) : 0));
  }
  std::int64_t total = 0;
  const auto m = *ledger.meter_index("mtr_api");
  for (std::size_t c = 0; c < million; ++c) total += ledger.quantity(m, c, january, received);
  BOOST_TEST(total == static_cast<std::int64_t>(million * (million - 10) / 20));  // 0 + 10 + ... + 999990
  BOOST_TEST(ledger.events().size() == million / 10);
}

BOOST_AUTO_TEST_CASE(M6_D23_a_simulation_that_knows_a_million_customers) {
  // A million known customers (D10 `customers`), events from some of them and from an unknown one.
  mk::plan p = metered_plan(dec("3"));
  p.customers.reserve(million);
  for (std::size_t c = 0; c < million; ++c) p.customers.push_back("cus_" + std::to_string(c));
  p.subscriptions[0].customer = "cus_999999";
  const mk::timestamp received = at("2025-01-20T00:00:00Z");
  std::vector<mk::request> requests;
  for (std::size_t c = 0; c < million; c += 1000) requests.push_back(event(received, p.customers[c], "2"));
  requests.push_back(event(received, "cus_999999", "2"));
  requests.push_back(event(received, "cus_1000000", "2"));  // one past the known ones
  const auto result = mk::simulate(p, requests, at("2025-02-01T02:00:00Z"));
  BOOST_TEST(result.counts.read == 1002U);
  BOOST_TEST(result.counts.accepted == 1001U);
  BOOST_TEST_REQUIRE(result.rejected.size() == 1U);
  BOOST_TEST(result.rejected[0].code == mk::error_code::meter_event_customer_not_found);
  BOOST_TEST(result.counts.reconciles());
  BOOST_TEST_REQUIRE(result.invoices.size() == 3U);
  BOOST_TEST(result.invoices[1].total == 6);  // only cus_999999 is subscribed (D23)
}

BOOST_AUTO_TEST_SUITE_END()
