// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/calendar/billing_cycle.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace meterkit;

namespace {
/// "2024-01-31" (midnight UTC) or a full RFC 3339 time.
timestamp at(std::string_view text) {
  if (text.size() == 10) return parse_rfc3339(std::string(text) + "T00:00:00Z").value();
  return parse_rfc3339(text).value();
}
std::string iso(timestamp t) { return format_rfc3339(t); }
std::string date(timestamp t) { return format_rfc3339(t).substr(0, 10); }
std::string show(const period& p) { return "[" + iso(p.start) + ", " + iso(p.end) + ")"; }

constexpr billing_interval monthly{interval_unit::month, 1};

/// B2 written independently of the library: the month `months` after the anchor's, on the
/// anchor's day of month or the month's last day, at the anchor's time of day.
timestamp clamp_rule(timestamp anchor, std::int64_t months) {
  using namespace std::chrono;
  const sys_days d = floor<days>(anchor);
  const year_month_day ymd{d};
  const year_month target = year_month{ymd.year(), ymd.month()} + std::chrono::months{months};
  const day last = year_month_day_last{target.year(), month_day_last{target.month()}}.day();
  return timestamp{sys_days{target / std::min(ymd.day(), last)}} + (anchor - timestamp{d});
}
}  // namespace

BOOST_AUTO_TEST_SUITE(calendar_billing_cycle)

BOOST_AUTO_TEST_CASE(B1_interval_units_parse_from_stripe_spellings) {
  struct row {
    std::string_view text;
    std::optional<interval_unit> unit;
  };
  const std::vector<row> rows{{"day", interval_unit::day},
                              {"week", interval_unit::week},
                              {"month", interval_unit::month},
                              {"year", interval_unit::year},
                              {"", std::nullopt},
                              {"Month", std::nullopt},
                              {"months", std::nullopt},
                              {"hour", std::nullopt}};
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT("\"" << r.text << "\"") {
      BOOST_TEST((parse_interval_unit(r.text) == r.unit));
      if (r.unit) BOOST_TEST(to_string(*r.unit) == r.text);
    }
  }
}

BOOST_AUTO_TEST_CASE(D9_interval_count_limits_are_1095_days_156_weeks_36_months_3_years) {
  struct row {
    interval_unit unit;
    std::int32_t count;
    bool valid;
  };
  const std::vector<row> rows{
      {interval_unit::day, 1, true},
      {interval_unit::day, 1095, true},
      {interval_unit::day, 1096, false},
      {interval_unit::day, 0, false},
      {interval_unit::day, -1, false},
      {interval_unit::week, 156, true},
      {interval_unit::week, 157, false},
      {interval_unit::month, 1, true},
      {interval_unit::month, 36, true},
      {interval_unit::month, 37, false},
      {interval_unit::month, 0, false},
      {interval_unit::year, 3, true},
      {interval_unit::year, 4, false},
      {interval_unit::year, 0, false},
      {interval_unit::week, 0, false},
      {interval_unit::year, std::numeric_limits<std::int32_t>::max(), false},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(to_string(r.unit) << " x " << r.count) {
      const billing_interval interval{r.unit, r.count};
      BOOST_TEST(is_valid(interval) == r.valid);
      if (r.valid) {
        BOOST_TEST((validate(interval) == interval));
        BOOST_CHECK_NO_THROW(billing_cycle<>(at("2024-01-01"), interval));
      } else {
        BOOST_CHECK_EXCEPTION(billing_cycle<>(at("2024-01-01"), interval), configuration_error,
                              [](const configuration_error& e) { return e.field() == "interval_count"; });
        BOOST_CHECK_EXCEPTION((void)validate(interval), configuration_error,
                              [](const configuration_error& e) { return e.field() == "interval_count"; });
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(D9_interval_count_defaults_to_one) {
  const billing_interval interval{interval_unit::week};
  BOOST_TEST(interval.count == 1);
}

BOOST_AUTO_TEST_CASE(B2_monthly_anchors_on_the_28th_to_31st_through_a_leap_and_a_common_year) {
  struct row {
    std::string_view anchor;
    std::vector<std::string_view> boundaries;  // boundary(0) ... boundary(12)
  };
  const std::vector<row> rows{
      {"2024-01-28",
       {"2024-01-28", "2024-02-28", "2024-03-28", "2024-04-28", "2024-05-28", "2024-06-28", "2024-07-28",
        "2024-08-28", "2024-09-28", "2024-10-28", "2024-11-28", "2024-12-28", "2025-01-28"}},
      {"2024-01-29",
       {"2024-01-29", "2024-02-29", "2024-03-29", "2024-04-29", "2024-05-29", "2024-06-29", "2024-07-29",
        "2024-08-29", "2024-09-29", "2024-10-29", "2024-11-29", "2024-12-29", "2025-01-29"}},
      {"2024-01-30",
       {"2024-01-30", "2024-02-29", "2024-03-30", "2024-04-30", "2024-05-30", "2024-06-30", "2024-07-30",
        "2024-08-30", "2024-09-30", "2024-10-30", "2024-11-30", "2024-12-30", "2025-01-30"}},
      {"2024-01-31",
       {"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30", "2024-07-31",
        "2024-08-31", "2024-09-30", "2024-10-31", "2024-11-30", "2024-12-31", "2025-01-31"}},
      {"2023-01-28",
       {"2023-01-28", "2023-02-28", "2023-03-28", "2023-04-28", "2023-05-28", "2023-06-28", "2023-07-28",
        "2023-08-28", "2023-09-28", "2023-10-28", "2023-11-28", "2023-12-28", "2024-01-28"}},
      {"2023-01-29",
       {"2023-01-29", "2023-02-28", "2023-03-29", "2023-04-29", "2023-05-29", "2023-06-29", "2023-07-29",
        "2023-08-29", "2023-09-29", "2023-10-29", "2023-11-29", "2023-12-29", "2024-01-29"}},
      {"2023-01-30",
       {"2023-01-30", "2023-02-28", "2023-03-30", "2023-04-30", "2023-05-30", "2023-06-30", "2023-07-30",
        "2023-08-30", "2023-09-30", "2023-10-30", "2023-11-30", "2023-12-30", "2024-01-30"}},
      {"2023-01-31",
       {"2023-01-31", "2023-02-28", "2023-03-31", "2023-04-30", "2023-05-31", "2023-06-30", "2023-07-31",
        "2023-08-31", "2023-09-30", "2023-10-31", "2023-11-30", "2023-12-31", "2024-01-31"}},
  };
  for (const auto& r : rows) {
    const billing_cycle<> cycle{at(r.anchor), monthly};
    for (std::size_t n = 0; n < r.boundaries.size(); ++n) {
      BOOST_TEST_CONTEXT("anchor " << r.anchor << " n = " << n) {
        const timestamp b = cycle.boundary(static_cast<std::int64_t>(n));
        BOOST_TEST(iso(b) == std::string(r.boundaries[n]) + "T00:00:00Z");
        if (n + 1 < r.boundaries.size()) {
          BOOST_TEST(show(cycle.period_containing(b)) == show(period{b, at(r.boundaries[n + 1])}));
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(B2_feb_29_anchor_monthly_returns_to_the_29th) {
  const billing_cycle<> cycle{at("2024-02-29"), monthly};
  const std::vector<std::pair<std::int64_t, std::string_view>> rows{
      {-2, "2023-12-29"}, {-1, "2024-01-29"}, {0, "2024-02-29"},  {1, "2024-03-29"},
      {11, "2025-01-29"}, {12, "2025-02-28"}, {13, "2025-03-29"}, {48, "2028-02-29"}};
  for (const auto& [n, expected] : rows) {
    BOOST_TEST_CONTEXT("n = " << n) { BOOST_TEST(date(cycle.boundary(n)) == expected); }
  }
}

BOOST_AUTO_TEST_CASE(B2_feb_29_anchor_yearly_falls_on_feb_28_and_returns_in_leap_years) {
  const billing_cycle<> cycle{at("2024-02-29T08:00:00Z"), {interval_unit::year, 1}};
  const std::vector<std::pair<std::int64_t, std::string_view>> rows{
      {-4, "2020-02-29T08:00:00Z"}, {-1, "2023-02-28T08:00:00Z"}, {0, "2024-02-29T08:00:00Z"},
      {1, "2025-02-28T08:00:00Z"},  {2, "2026-02-28T08:00:00Z"},  {3, "2027-02-28T08:00:00Z"},
      {4, "2028-02-29T08:00:00Z"},  {76, "2100-02-28T08:00:00Z"}, {376, "2400-02-29T08:00:00Z"}};
  for (const auto& [n, expected] : rows) {
    BOOST_TEST_CONTEXT("n = " << n) { BOOST_TEST(iso(cycle.boundary(n)) == expected); }
  }
  BOOST_TEST(show(cycle.period_containing(at("2025-02-28T07:59:59Z"))) ==
             "[2024-02-29T08:00:00Z, 2025-02-28T08:00:00Z)");
  BOOST_TEST(show(cycle.period_containing(at("2025-02-28T08:00:00Z"))) ==
             "[2025-02-28T08:00:00Z, 2026-02-28T08:00:00Z)");
}

BOOST_AUTO_TEST_CASE(B2_boundaries_cross_year_ends_both_ways) {
  const billing_cycle<> dec15{at("2023-12-15"), monthly};
  BOOST_TEST(date(dec15.boundary(1)) == "2024-01-15");
  BOOST_TEST(date(dec15.boundary(-12)) == "2022-12-15");
  BOOST_TEST(date(dec15.boundary(13)) == "2025-01-15");
  const billing_cycle<> jan31{at("2024-01-31"), monthly};
  BOOST_TEST(date(jan31.boundary(-1)) == "2023-12-31");
  BOOST_TEST(date(jan31.boundary(-11)) == "2023-02-28");
  BOOST_TEST(date(jan31.boundary(-12)) == "2023-01-31");
  BOOST_TEST(show(jan31.period_containing(at("2023-12-31T23:59:59Z"))) ==
             "[2023-12-31T00:00:00Z, 2024-01-31T00:00:00Z)");
  BOOST_TEST(show(jan31.period_containing(at("2023-12-30T23:59:59Z"))) ==
             "[2023-11-30T00:00:00Z, 2023-12-31T00:00:00Z)");
}

BOOST_AUTO_TEST_CASE(B2_negative_n_counts_boundaries_before_the_anchor) {
  const billing_cycle<> cycle{at("2024-03-31"), monthly};
  const std::vector<std::pair<std::int64_t, std::string_view>> rows{
      {-1, "2024-02-29"}, {-2, "2024-01-31"}, {-3, "2023-12-31"}, {-13, "2023-02-28"}, {-25, "2022-02-28"}};
  for (const auto& [n, expected] : rows) {
    BOOST_TEST_CONTEXT("n = " << n) {
      BOOST_TEST(date(cycle.boundary(n)) == expected);
      BOOST_TEST(cycle.index_of(cycle.boundary(n)) == n);
    }
  }
}

BOOST_AUTO_TEST_CASE(B2_the_anchors_time_of_day_is_kept_across_months) {
  const billing_cycle<> cycle{at("2024-01-31T13:45:10Z"), monthly};
  BOOST_TEST(iso(cycle.boundary(1)) == "2024-02-29T13:45:10Z");
  BOOST_TEST(iso(cycle.boundary(2)) == "2024-03-31T13:45:10Z");
  BOOST_TEST(iso(cycle.boundary(3)) == "2024-04-30T13:45:10Z");
  BOOST_TEST(iso(cycle.boundary(-1)) == "2023-12-31T13:45:10Z");
  // On the boundary's own day, the time decides.
  BOOST_TEST(show(cycle.period_containing(at("2024-02-29T13:45:09Z"))) ==
             "[2024-01-31T13:45:10Z, 2024-02-29T13:45:10Z)");
  BOOST_TEST(show(cycle.period_containing(at("2024-02-29T13:45:10Z"))) ==
             "[2024-02-29T13:45:10Z, 2024-03-31T13:45:10Z)");
  BOOST_TEST(show(cycle.period_containing(at("2024-01-31T00:00:00Z"))) ==
             "[2023-12-31T13:45:10Z, 2024-01-31T13:45:10Z)");
}

BOOST_AUTO_TEST_CASE(B3_first_and_last_second_of_a_period_end_is_exclusive) {
  const billing_cycle<> cycle{at("2024-01-15"), monthly};
  const period p = cycle.period_containing(at("2024-02-15T00:00:00Z"));
  BOOST_TEST(show(p) == "[2024-02-15T00:00:00Z, 2024-03-15T00:00:00Z)");
  BOOST_TEST((cycle.period_containing(at("2024-03-14T23:59:59Z")) == p));
  BOOST_TEST((cycle.period_containing(at("2024-03-15T00:00:00Z")).start == p.end));
  BOOST_TEST((cycle.period_containing(at("2024-02-14T23:59:59Z")).end == p.start));
  BOOST_TEST(iso(cycle.next_boundary_after(at("2024-02-15"))) == "2024-03-15T00:00:00Z");
  BOOST_TEST(iso(cycle.next_boundary_after(at("2024-02-14T23:59:59Z"))) == "2024-02-15T00:00:00Z");
  BOOST_TEST(cycle.index_of(at("2024-02-15")) == 1);
  BOOST_TEST(cycle.index_of(at("2024-02-14T23:59:59Z")) == 0);
  BOOST_TEST(cycle.index_of(at("2024-01-14T23:59:59Z")) == -1);
  BOOST_TEST(cycle.is_boundary(at("2024-02-15")));
  BOOST_TEST(!cycle.is_boundary(at("2024-02-15T00:00:01Z")));
  BOOST_TEST((cycle.period_at(1) == p));
}

BOOST_AUTO_TEST_CASE(B1_weekly_boundaries_keep_the_weekday_and_time) {
  const billing_cycle<> weekly{at("2024-05-15T09:30:00Z"), {interval_unit::week, 1}};  // a Wednesday
  BOOST_TEST(iso(weekly.boundary(1)) == "2024-05-22T09:30:00Z");
  BOOST_TEST(iso(weekly.boundary(-1)) == "2024-05-08T09:30:00Z");
  BOOST_TEST(iso(weekly.boundary(33)) == "2025-01-01T09:30:00Z");
  const billing_cycle<> fortnightly{at("2024-05-15T09:30:00Z"), {interval_unit::week, 2}};
  BOOST_TEST(iso(fortnightly.boundary(1)) == "2024-05-29T09:30:00Z");
  BOOST_TEST(show(fortnightly.period_containing(at("2024-05-29T09:29:59Z"))) ==
             "[2024-05-15T09:30:00Z, 2024-05-29T09:30:00Z)");
  for (std::int64_t n = -200; n <= 200; ++n) {
    const auto d = std::chrono::floor<std::chrono::days>(weekly.boundary(n));
    BOOST_TEST((std::chrono::weekday{d} == std::chrono::Wednesday));
    BOOST_TEST((weekly.boundary(n) - timestamp{d} == seconds{9 * 3600 + 30 * 60}));
  }
}

BOOST_AUTO_TEST_CASE(B1_daily_boundaries_with_a_count_are_multiples_of_86400_seconds) {
  const billing_cycle<> every_3_days{at("2024-02-27T06:00:00Z"), {interval_unit::day, 3}};
  BOOST_TEST(iso(every_3_days.boundary(1)) == "2024-03-01T06:00:00Z");
  BOOST_TEST(iso(every_3_days.boundary(2)) == "2024-03-04T06:00:00Z");
  BOOST_TEST(iso(every_3_days.boundary(-1)) == "2024-02-24T06:00:00Z");
  BOOST_TEST(show(every_3_days.period_containing(at("2024-03-01T05:59:59Z"))) ==
             "[2024-02-27T06:00:00Z, 2024-03-01T06:00:00Z)");
  const billing_cycle<> longest{at("2024-01-01"), {interval_unit::day, 1095}};
  BOOST_TEST(iso(longest.boundary(1)) == "2026-12-31T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(B2_three_month_intervals_keep_the_anchor_day) {
  const billing_cycle<> quarterly{at("2023-11-30"), {interval_unit::month, 3}};
  const std::vector<std::pair<std::int64_t, std::string_view>> rows{
      {-1, "2023-08-30"}, {0, "2023-11-30"}, {1, "2024-02-29"}, {2, "2024-05-30"},
      {3, "2024-08-30"},  {4, "2024-11-30"}, {5, "2025-02-28"}, {6, "2025-05-30"}};
  for (const auto& [n, expected] : rows) {
    BOOST_TEST_CONTEXT("n = " << n) { BOOST_TEST(date(quarterly.boundary(n)) == expected); }
  }
  BOOST_TEST(show(quarterly.period_containing(at("2024-03-01"))) ==
             "[2024-02-29T00:00:00Z, 2024-05-30T00:00:00Z)");
  const billing_cycle<> three_years{at("2024-02-29"), {interval_unit::year, 3}};
  BOOST_TEST(date(three_years.boundary(1)) == "2027-02-28");
  BOOST_TEST(date(three_years.boundary(4)) == "2036-02-29");
  const billing_cycle<> thirty_six_months{at("2024-02-29"), {interval_unit::month, 36}};
  BOOST_TEST(date(thirty_six_months.boundary(4)) == "2036-02-29");
}

BOOST_AUTO_TEST_CASE(B2_overflow_into_next_month_carries_the_missing_days) {
  const billing_cycle<overflow_into_next_month> common{at("2023-01-31"), monthly};
  BOOST_TEST(date(common.boundary(1)) == "2023-03-03");
  BOOST_TEST(date(common.boundary(2)) == "2023-03-31");
  BOOST_TEST(date(common.boundary(3)) == "2023-05-01");
  BOOST_TEST(date(common.boundary(-2)) == "2022-12-01");
  BOOST_TEST(show(common.period_containing(at("2023-03-02"))) ==
             "[2023-01-31T00:00:00Z, 2023-03-03T00:00:00Z)");
  const billing_cycle<overflow_into_next_month> leap{at("2024-01-31"), monthly};
  BOOST_TEST(date(leap.boundary(1)) == "2024-03-02");
  const billing_cycle<overflow_into_next_month> yearly{at("2024-02-29"), {interval_unit::year, 1}};
  BOOST_TEST(date(yearly.boundary(1)) == "2025-03-01");
  BOOST_TEST(date(yearly.boundary(4)) == "2028-02-29");
}

BOOST_AUTO_TEST_CASE(B2_a_boundary_outside_the_calendar_is_an_overflow_not_a_wrap) {
  const billing_cycle<> monthly_cycle{at("2024-01-31"), monthly};
  BOOST_CHECK_THROW((void)monthly_cycle.boundary(std::numeric_limits<std::int64_t>::max()), overflow_error);
  BOOST_CHECK_THROW((void)monthly_cycle.boundary(12 * 40000), overflow_error);
  BOOST_CHECK_THROW(
      (void)monthly_cycle.period_containing(from_unix(std::numeric_limits<std::int64_t>::max())),
      overflow_error);
  const billing_cycle<> daily{at("2024-01-31"), {interval_unit::day, 1}};
  BOOST_CHECK_THROW((void)daily.boundary(std::numeric_limits<std::int64_t>::min()), overflow_error);
  BOOST_CHECK_THROW((void)daily.index_of(from_unix(std::numeric_limits<std::int64_t>::min())),
                    overflow_error);
}

namespace {
billing_interval random_interval(std::mt19937_64& rng) {
  const auto unit = static_cast<interval_unit>(std::uniform_int_distribution<int>{0, 3}(rng));
  // Half the time a small count, so that short cycles are well represented.
  const std::int32_t top = std::uniform_int_distribution<int>{0, 1}(rng) == 0 ? 3 : max_interval_count(unit);
  return {unit, std::uniform_int_distribution<std::int32_t>{1, top}(rng)};
}
std::int64_t months_per_step(billing_interval i) {
  return i.unit == interval_unit::year ? 12 * std::int64_t{i.count} : std::int64_t{i.count};
}
std::int64_t seconds_per_step(billing_interval i) {
  return (i.unit == interval_unit::week ? 604800 : 86400) * std::int64_t{i.count};
}
}  // namespace

BOOST_AUTO_TEST_CASE(B2_boundary_n_is_the_month_end_rule_applied_directly_from_the_anchor) {
  const std::uint64_t seed = 31;
  std::mt19937_64 rng{seed};
  std::uniform_int_distribution<std::int64_t> any_time{to_unix(earliest_time), to_unix(latest_time)};
  for (int i = 0; i < 3000; ++i) {
    const timestamp anchor = from_unix(any_time(rng));
    const billing_interval interval = random_interval(rng);
    const billing_cycle<> cycle{anchor, interval};
    BOOST_TEST_CONTEXT("seed " << seed << " case " << i << ": anchor " << iso(anchor) << " every "
                               << interval.count << " " << to_string(interval.unit)) {
      BOOST_TEST((cycle.boundary(0) == anchor));
      for (int j = 0; j < 5; ++j) {
        const std::int64_t n = std::uniform_int_distribution<std::int64_t>{-60, 60}(rng);
        const timestamp expected =
            (interval.unit == interval_unit::month || interval.unit == interval_unit::year)
                ? clamp_rule(anchor, n * months_per_step(interval))
                : anchor + seconds{n * seconds_per_step(interval)};
        BOOST_TEST_CONTEXT("n = " << n) {
          BOOST_TEST(iso(cycle.boundary(n)) == iso(expected));
          BOOST_TEST((cycle.boundary(n) < cycle.boundary(n + 1)));
          BOOST_TEST((cycle.period_containing(cycle.boundary(n)).start == cycle.boundary(n)));
          BOOST_TEST(cycle.index_of(cycle.boundary(n)) == n);
        }
      }
    }
  }
}

template <class EndOfMonth>
void check_every_instant_lies_in_exactly_one_period(std::uint64_t seed) {
  std::mt19937_64 rng{seed};
  std::uniform_int_distribution<std::int64_t> any_time{to_unix(earliest_time), to_unix(latest_time)};
  for (int i = 0; i < 4000; ++i) {
    const timestamp anchor = from_unix(any_time(rng));
    const billing_interval interval = random_interval(rng);
    const billing_cycle<EndOfMonth> cycle{anchor, interval};
    // A third of the instants anywhere in 1970..9999, a third near the anchor (within ~10
    // cycles), a third within 3 days of a boundary, where month ends make the estimate miss.
    const int mode = std::uniform_int_distribution<int>{0, 2}(rng);
    const std::int64_t reach = 10 * 31 * 86400 * months_per_step(interval);
    const timestamp t =
        mode == 0   ? from_unix(any_time(rng))
        : mode == 1 ? anchor + seconds{std::uniform_int_distribution<std::int64_t>{-reach, reach}(rng)}
                    : cycle.boundary(std::uniform_int_distribution<std::int64_t>{-10, 10}(rng)) +
                          seconds{std::uniform_int_distribution<std::int64_t>{-3 * 86400, 3 * 86400}(rng)};
    BOOST_TEST_CONTEXT("seed " << seed << " case " << i << ": anchor " << iso(anchor) << " every "
                               << interval.count << " " << to_string(interval.unit) << ", t = " << iso(t)) {
      const period p = cycle.period_containing(t);
      const std::int64_t k = cycle.index_of(t);
      BOOST_TEST(p.contains(t));
      BOOST_TEST((p.start == cycle.boundary(k)));
      BOOST_TEST((p.end == cycle.boundary(k + 1)));
      BOOST_TEST((cycle.next_boundary_after(t) == p.end));
      // The neighbours touch p and do not contain t: t lies in exactly one period.
      const period before = cycle.period_at(k - 1);
      const period after = cycle.period_at(k + 1);
      BOOST_TEST((before.end == p.start && after.start == p.end));
      BOOST_TEST((!before.contains(t) && !after.contains(t)));
      BOOST_TEST((cycle.period_containing(p.start) == p));
      BOOST_TEST((cycle.period_containing(p.end - seconds{1}) == p));
      BOOST_TEST((cycle.period_containing(p.end) == after));
    }
  }
}

BOOST_AUTO_TEST_CASE(B2_every_instant_lies_in_exactly_one_period_clamped) {
  check_every_instant_lies_in_exactly_one_period<clamp_to_month_end>(2025);
}

BOOST_AUTO_TEST_CASE(B2_every_instant_lies_in_exactly_one_period_overflowing) {
  check_every_instant_lies_in_exactly_one_period<overflow_into_next_month>(1999);
}

template <class EndOfMonth>
void check_every_day_near_month_ends(std::uint64_t seed) {
  using namespace std::chrono;
  std::mt19937_64 rng{seed};
  for (int i = 0; i < 150; ++i) {
    // An anchor on the 28th..31st of a random month in 1970..9990, at a random time of day.
    const int y = std::uniform_int_distribution<int>{1970, 9990}(rng);
    const unsigned m = std::uniform_int_distribution<unsigned>{1, 12}(rng);
    const year_month ym{year{y}, month{m}};
    const unsigned last =
        static_cast<unsigned>(year_month_day_last{ym.year(), month_day_last{ym.month()}}.day());
    const unsigned d = std::uniform_int_distribution<unsigned>{std::min(28u, last), last}(rng);
    const timestamp anchor = timestamp{sys_days{ym / day{d}}} +
                             seconds{std::uniform_int_distribution<std::int64_t>{0, 86399}(rng)};
    const billing_interval interval{
        std::uniform_int_distribution<int>{0, 1}(rng) == 0 ? interval_unit::month : interval_unit::year,
        std::uniform_int_distribution<std::int32_t>{1, 2}(rng)};
    const billing_cycle<EndOfMonth> cycle{anchor, interval};
    // Every day of two years around the anchor, at a random second of it.
    const sys_days first = floor<days>(anchor) - days{366};
    int failures = 0;
    for (sys_days day_point = first; day_point < first + days{2 * 366} && failures < 3;
         day_point += days{1}) {
      const timestamp t =
          timestamp{day_point} + seconds{std::uniform_int_distribution<std::int64_t>{0, 86399}(rng)};
      const std::int64_t k = cycle.index_of(t);
      const period p = cycle.period_containing(t);
      const bool ok = p.contains(t) && p.start == cycle.boundary(k) && p.end == cycle.boundary(k + 1);
      if (!ok) {
        ++failures;
        BOOST_ERROR("seed " << seed << " case " << i << ": anchor " << iso(anchor) << " every "
                            << interval.count << " " << to_string(interval.unit) << ", t = " << iso(t)
                            << " gave " << show(p) << " index " << k);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(B2_every_day_around_month_end_anchors_lies_in_its_period_clamped) {
  check_every_day_near_month_ends<clamp_to_month_end>(28293031);
}

BOOST_AUTO_TEST_CASE(B2_every_day_around_month_end_anchors_lies_in_its_period_overflowing) {
  check_every_day_near_month_ends<overflow_into_next_month>(31302928);
}

BOOST_AUTO_TEST_SUITE_END()
