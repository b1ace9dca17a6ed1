// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/calendar/billing_schedule.hpp>

#include <cstdint>
#include <optional>
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
std::string show(const period& p) { return "[" + iso(p.start) + ", " + iso(p.end) + ")"; }
std::string show(const std::optional<period>& p) { return p ? show(*p) : "none"; }
std::string days_of(const period& p) { return iso(p.start).substr(0, 10) + ".." + iso(p.end).substr(0, 10); }

constexpr billing_interval monthly{interval_unit::month, 1};
constexpr std::nullopt_t none = std::nullopt;

/// The first `count` periods, walking with next_period, as "YYYY-MM-DD..YYYY-MM-DD" with a
/// marker: "T" trial, "S" stub, "" full.
std::vector<std::string> walk(const billing_schedule<>& s, int count) {
  std::vector<std::string> out;
  period p = s.first_period();
  for (int i = 0; i < count; ++i, p = s.next_period(p)) {
    out.push_back(days_of(p) + (s.is_trial(p) ? " T" : s.is_stub(p) ? " S" : ""));
  }
  return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(calendar_billing_schedule)

BOOST_AUTO_TEST_CASE(B3_B4_the_periods_of_a_subscription) {
  struct row {
    std::string_view what;
    std::string_view start;
    std::optional<std::string_view> anchor, trial_end;
    billing_interval interval;
    std::vector<std::string> periods;
  };
  const std::vector<row> rows{
      {"B3 start on the anchor: whole cycles",
       "2024-01-31",
       none,
       none,
       monthly,
       {"2024-01-31..2024-02-29", "2024-02-29..2024-03-31", "2024-03-31..2024-04-30"}},
      {"B3 anchor after start: a stub up to the anchor",
       "2024-01-10",
       "2024-02-01",
       none,
       monthly,
       {"2024-01-10..2024-02-01 S", "2024-02-01..2024-03-01", "2024-03-01..2024-04-01"}},
      {"B3 anchor months after start: the stub ends at the first boundary before the anchor",
       "2024-01-10",
       "2024-05-20",
       none,
       monthly,
       {"2024-01-10..2024-01-20 S", "2024-01-20..2024-02-20", "2024-02-20..2024-03-20"}},
      {"B3 anchor before start: the stub ends at the anchor's next boundary",
       "2024-01-10",
       "2023-12-05",
       none,
       monthly,
       {"2024-01-10..2024-02-05 S", "2024-02-05..2024-03-05", "2024-03-05..2024-04-05"}},
      {"B3 anchor before start on one of its boundaries: no stub",
       "2024-03-05",
       "2023-12-05",
       none,
       monthly,
       {"2024-03-05..2024-04-05", "2024-04-05..2024-05-05"}},
      {"B4 trial, anchor defaults to trial_end: no stub",
       "2024-01-01",
       none,
       "2024-01-15",
       monthly,
       {"2024-01-01..2024-01-15 T", "2024-01-15..2024-02-15", "2024-02-15..2024-03-15"}},
      {"B4 trial with an explicit anchor: a stub after the trial",
       "2024-01-01",
       "2024-02-01",
       "2024-01-15",
       monthly,
       {"2024-01-01..2024-01-15 T", "2024-01-15..2024-02-01 S", "2024-02-01..2024-03-01"}},
      {"B4 trial with an anchor on a boundary of trial_end: no stub",
       "2024-01-01",
       "2024-03-15",
       "2024-01-15",
       monthly,
       {"2024-01-01..2024-01-15 T", "2024-01-15..2024-02-15", "2024-02-15..2024-03-15"}},
      {"B4 trial longer than a cycle, anchor inside the trial",
       "2024-01-01",
       "2024-01-10",
       "2024-03-01",
       monthly,
       {"2024-01-01..2024-03-01 T", "2024-03-01..2024-03-10 S", "2024-03-10..2024-04-10"}},
      {"B1 weekly with a stub",
       "2024-05-15",
       "2024-05-20",
       none,
       {interval_unit::week, 1},
       {"2024-05-15..2024-05-20 S", "2024-05-20..2024-05-27", "2024-05-27..2024-06-03"}},
      {"B1 yearly from Feb 29",
       "2024-02-29",
       none,
       none,
       {interval_unit::year, 1},
       {"2024-02-29..2025-02-28", "2025-02-28..2026-02-28", "2026-02-28..2027-02-28",
        "2027-02-28..2028-02-29"}},
      {"B2 a stub into a month-end anchor",
       "2024-02-10",
       "2024-01-31",
       none,
       monthly,
       {"2024-02-10..2024-02-29 S", "2024-02-29..2024-03-31", "2024-03-31..2024-04-30"}},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.what) {
      const billing_schedule<> s{at(r.start), r.anchor ? std::optional{at(*r.anchor)} : none,
                                 r.trial_end ? std::optional{at(*r.trial_end)} : none, r.interval};
      const auto got = walk(s, static_cast<int>(r.periods.size()));
      BOOST_TEST(got == r.periods, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(B4_the_anchor_defaults_to_trial_end_else_start_date) {
  const billing_schedule<> plain{at("2024-01-10"), none, none, monthly};
  BOOST_TEST(iso(plain.billing_cycle_anchor()) == "2024-01-10T00:00:00Z");
  const billing_schedule<> trial{at("2024-01-10"), none, at("2024-01-24T12:00:00Z"), monthly};
  BOOST_TEST(iso(trial.billing_cycle_anchor()) == "2024-01-24T12:00:00Z");
  const billing_schedule<> both{at("2024-01-10"), at("2024-02-01"), at("2024-01-24"), monthly};
  BOOST_TEST(iso(both.billing_cycle_anchor()) == "2024-02-01T00:00:00Z");
  BOOST_TEST(show(trial.trial()) == "[2024-01-10T00:00:00Z, 2024-01-24T12:00:00Z)");
  BOOST_TEST(show(plain.trial()) == "none");
  BOOST_TEST((both.interval() == monthly));
  BOOST_TEST(iso(both.start_date()) == "2024-01-10T00:00:00Z");
  BOOST_TEST(iso(*both.trial_end()) == "2024-01-24T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(B4_the_full_cycle_of_a_stub_is_the_anchor_period_containing_it) {
  struct row {
    std::string_view what, start;
    std::optional<std::string_view> anchor, trial_end;
    std::string_view stub, full;
  };
  const std::vector<row> rows{
      {"stub before the anchor", "2024-01-10", "2024-02-01", none, "2024-01-10..2024-02-01",
       "2024-01-01..2024-02-01"},
      {"stub before a month-end anchor in February", "2024-02-10", "2024-03-31", none,
       "2024-02-10..2024-02-29", "2024-01-31..2024-02-29"},
      {"stub after the anchor", "2024-01-10", "2023-12-05", none, "2024-01-10..2024-02-05",
       "2024-01-05..2024-02-05"},
      {"stub after a trial", "2024-01-01", "2024-02-01", "2024-01-15", "2024-01-15..2024-02-01",
       "2024-01-01..2024-02-01"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.what) {
      const billing_schedule<> s{at(r.start), r.anchor ? std::optional{at(*r.anchor)} : none,
                                 r.trial_end ? std::optional{at(*r.trial_end)} : none, monthly};
      const period stub = s.is_trial(s.first_period()) ? s.next_period(s.first_period()) : s.first_period();
      BOOST_TEST(days_of(stub) == r.stub);
      BOOST_TEST(s.is_stub(stub));
      BOOST_TEST(days_of(s.full_cycle_of(stub)) == r.full);
      BOOST_TEST((s.full_cycle_of(stub).end == stub.end));
      BOOST_TEST((s.full_cycle_of(stub).length() > stub.length()));
      const period after = s.next_period(stub);
      BOOST_TEST((s.full_cycle_of(after) == after));
      BOOST_TEST(!s.is_stub(after));
    }
  }
  // The proration ratio of B4 in seconds: 22 days of 31.
  const billing_schedule<> s{at("2024-01-10"), at("2024-02-01"), none, monthly};
  const period stub = s.first_period();
  BOOST_TEST(stub.length().count() == 22 * 86400);
  BOOST_TEST(s.full_cycle_of(stub).length().count() == 31 * 86400);
}

BOOST_AUTO_TEST_CASE(B4_the_trial_is_never_a_stub) {
  const billing_schedule<> s{at("2024-01-01"), none, at("2024-01-03"), monthly};
  const period trial = s.first_period();
  BOOST_TEST(s.is_trial(trial));
  BOOST_TEST(!s.is_stub(trial));
  BOOST_TEST(!s.is_trial(s.next_period(trial)));
  const billing_schedule<> no_trial{at("2024-01-01"), at("2024-01-03"), none, monthly};
  BOOST_TEST(!no_trial.is_trial(no_trial.first_period()));
  BOOST_TEST(no_trial.is_stub(no_trial.first_period()));
}

BOOST_AUTO_TEST_CASE(B4_trial_end_must_be_after_start_date) {
  for (const std::string_view trial_end : {"2024-01-10", "2024-01-09T23:59:59Z", "1970-01-01"}) {
    BOOST_TEST_CONTEXT(trial_end) {
      BOOST_CHECK_EXCEPTION(billing_schedule<>(at("2024-01-10"), none, at(trial_end), monthly),
                            configuration_error,
                            [](const configuration_error& e) { return e.field() == "trial_end"; });
    }
  }
  BOOST_CHECK_NO_THROW(billing_schedule<>(at("2024-01-10"), none, at("2024-01-10T00:00:01Z"), monthly));
}

BOOST_AUTO_TEST_CASE(D9_a_schedule_rejects_an_interval_count_outside_the_limits) {
  BOOST_CHECK_EXCEPTION(billing_schedule<>(at("2024-01-10"), none, none, {interval_unit::month, 37}),
                        configuration_error,
                        [](const configuration_error& e) { return e.field() == "interval_count"; });
  BOOST_CHECK_EXCEPTION(billing_schedule<>(at("2024-01-10"), none, none, {interval_unit::day, 0}),
                        configuration_error,
                        [](const configuration_error& e) { return e.field() == "interval_count"; });
}

BOOST_AUTO_TEST_CASE(B3_period_containing_at_the_edges) {
  const billing_schedule<> s{at("2024-01-01T10:00:00Z"), at("2024-02-01"), at("2024-01-15T10:00:00Z"),
                             monthly};
  struct row {
    std::string_view t, expected;
  };
  const std::vector<row> rows{
      {"2024-01-01T09:59:59Z", "none"},
      {"1970-01-01T00:00:00Z", "none"},
      {"2024-01-01T10:00:00Z", "[2024-01-01T10:00:00Z, 2024-01-15T10:00:00Z)"},
      {"2024-01-15T09:59:59Z", "[2024-01-01T10:00:00Z, 2024-01-15T10:00:00Z)"},
      {"2024-01-15T10:00:00Z", "[2024-01-15T10:00:00Z, 2024-02-01T00:00:00Z)"},
      {"2024-01-31T23:59:59Z", "[2024-01-15T10:00:00Z, 2024-02-01T00:00:00Z)"},
      {"2024-02-01T00:00:00Z", "[2024-02-01T00:00:00Z, 2024-03-01T00:00:00Z)"},
      {"2030-06-15T12:00:00Z", "[2030-06-01T00:00:00Z, 2030-07-01T00:00:00Z)"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.t) { BOOST_TEST(show(s.period_containing(at(r.t))) == r.expected); }
  }
}

BOOST_AUTO_TEST_CASE(B3_previous_period_of_the_first_is_none_and_walks_back_otherwise) {
  const billing_schedule<> s{at("2024-01-01"), at("2024-02-01"), at("2024-01-15"), monthly};
  const period first = s.first_period();
  BOOST_TEST(show(s.previous_period(first)) == "none");
  const period second = s.next_period(first);
  const period third = s.next_period(second);
  BOOST_TEST(show(s.previous_period(second)) == show(first));
  BOOST_TEST(show(s.previous_period(third)) == show(second));
}

BOOST_AUTO_TEST_CASE(B3_periods_through_lists_every_period_that_starts_at_or_before_t) {
  const billing_schedule<> s{at("2024-01-10"), at("2024-02-01"), none, monthly};
  struct row {
    std::string_view t;
    std::size_t count;
  };
  const std::vector<row> rows{{"2024-01-09T23:59:59Z", 0}, {"2024-01-10T00:00:00Z", 1},
                              {"2024-01-31T23:59:59Z", 1}, {"2024-02-01T00:00:00Z", 2},
                              {"2024-02-29T23:59:59Z", 2}, {"2024-03-01T00:00:00Z", 3},
                              {"2025-01-01T00:00:00Z", 13}};
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.t) {
      const auto periods = s.periods_through(at(r.t));
      BOOST_TEST(periods.size() == r.count);
      for (std::size_t i = 0; i < periods.size(); ++i) {
        BOOST_TEST((periods[i].start <= at(r.t)));
        if (i > 0) BOOST_TEST((periods[i].start == periods[i - 1].end));
      }
      if (!periods.empty()) {
        BOOST_TEST((periods.front() == s.first_period()));
        BOOST_TEST(periods.back().contains(at(r.t)));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(B6_an_end_cuts_the_period_containing_it_and_nothing_starts_after_it) {
  const billing_schedule<> s{at("2024-01-10"), at("2024-02-01"), none, monthly, at("2024-03-16")};
  BOOST_TEST(walk(s, 3) == (std::vector<std::string>{"2024-01-10..2024-02-01 S", "2024-02-01..2024-03-01",
                                                     "2024-03-01..2024-03-16 S"}),
             boost::test_tools::per_element());
  const period last{at("2024-03-01"), at("2024-03-16")};
  BOOST_TEST(s.is_last(last));
  BOOST_TEST(s.is_cut(last));
  BOOST_TEST(show(s.uncut(last)) == show(period{at("2024-03-01"), at("2024-04-01")}));
  BOOST_TEST(!s.is_last(period{at("2024-02-01"), at("2024-03-01")}));
  BOOST_TEST(show(s.period_containing(at("2024-03-15T23:59:59Z"))) == show(last));
  BOOST_TEST(show(s.period_containing(at("2024-03-16"))) == "none");
  BOOST_TEST(s.periods_through(at("2030-01-01")).size() == 3u);
  BOOST_TEST(show(s.without_end().period_containing(at("2024-03-16"))) ==
             show(period{at("2024-03-01"), at("2024-04-01")}));

  // An end on a boundary cuts nothing; an end at the start leaves no period; one in the trial cuts it.
  const billing_schedule<> on_boundary{at("2024-01-10"), at("2024-02-01"), none, monthly, at("2024-03-01")};
  BOOST_TEST(on_boundary.is_last(period{at("2024-02-01"), at("2024-03-01")}));
  BOOST_TEST(!on_boundary.is_cut(period{at("2024-02-01"), at("2024-03-01")}));
  const billing_schedule<> at_start{at("2024-01-10"), none, none, monthly, at("2024-01-10")};
  BOOST_TEST(!at_start.has_periods());
  BOOST_TEST(at_start.periods_through(at("2030-01-01")).empty());
  BOOST_TEST(show(at_start.period_containing(at("2024-01-10"))) == "none");
  const billing_schedule<> in_trial{at("2024-01-10"), none, at("2024-01-20"), monthly, at("2024-01-15")};
  BOOST_TEST(walk(in_trial, 1) == (std::vector<std::string>{"2024-01-10..2024-01-15 T"}),
             boost::test_tools::per_element());
  BOOST_TEST(in_trial.is_cut(in_trial.first_period()));
}

BOOST_AUTO_TEST_CASE(B3_B4_random_schedules_tile_time_from_start_date) {
  const std::uint64_t seed = 3344;
  std::mt19937_64 rng{seed};
  std::uniform_int_distribution<std::int64_t> any_time{to_unix(earliest_time), to_unix(at("9900-01-01"))};
  std::uniform_int_distribution<std::int64_t> within_years{0, 3 * 366 * 86400};
  for (int i = 0; i < 3000; ++i) {
    const timestamp start = from_unix(any_time(rng));
    const bool has_anchor = std::uniform_int_distribution<int>{0, 1}(rng) == 1;
    const bool has_trial = std::uniform_int_distribution<int>{0, 1}(rng) == 1;
    const std::optional<timestamp> anchor =
        has_anchor ? std::optional{start + seconds{within_years(rng) - 366 * 86400}} : none;
    const std::optional<timestamp> trial_end =
        has_trial ? std::optional{start + seconds{1 + within_years(rng) / 8}} : none;
    const auto unit = static_cast<interval_unit>(std::uniform_int_distribution<int>{0, 3}(rng));
    const billing_interval interval{unit, std::uniform_int_distribution<std::int32_t>{1, 3}(rng)};
    const billing_schedule<> s{start, anchor, trial_end, interval};
    const timestamp t = start + seconds{within_years(rng) * 2};
    BOOST_TEST_CONTEXT("seed " << seed << " case " << i << ": start " << iso(start) << " anchor "
                               << (anchor ? iso(*anchor) : "-") << " trial_end "
                               << (trial_end ? iso(*trial_end) : "-") << " every " << interval.count << " "
                               << to_string(unit) << ", t = " << iso(t)) {
      const std::optional<period> found = s.period_containing(t);
      BOOST_TEST_REQUIRE(found.has_value());
      const period p = *found;
      BOOST_TEST(p.contains(t));
      BOOST_TEST(!s.period_containing(start - seconds{1}).has_value());
      BOOST_TEST((s.next_period(p).start == p.end));
      const std::optional<period> before = s.previous_period(p);
      BOOST_TEST(before.has_value() == (p.start != start));
      if (before) BOOST_TEST((before->end == p.start && s.next_period(*before) == p));
      // Only the trial or the first period after start/trial may differ from a full cycle.
      const timestamp regular_start = trial_end.value_or(start);
      if (s.is_trial(p)) {
        BOOST_TEST((p == period{start, *trial_end}));
      } else {
        const period full = s.full_cycle_of(p);
        BOOST_TEST((full.start <= p.start && p.end == full.end));
        BOOST_TEST(s.is_stub(p) == (p.start != full.start));
        if (p.start != regular_start) BOOST_TEST((p == full));
        if (s.is_stub(p)) BOOST_TEST((p.start == regular_start));
      }
      BOOST_TEST((s.period_containing(p.end - seconds{1}) == found));
      BOOST_TEST((s.period_containing(p.start) == found));
    }
  }
}

BOOST_AUTO_TEST_CASE(B17_a_restart_cuts_its_period_and_the_cycle_repeats_from_it) {
  const billing_schedule<> plain{at("2024-01-01"), none, none, monthly};
  const billing_schedule<> s = plain.restarted_at(at("2024-02-15T12:00:00Z"));
  BOOST_TEST(walk(s, 4) == (std::vector<std::string>{"2024-01-01..2024-02-01", "2024-02-01..2024-02-15 S",
                                                     "2024-02-15..2024-03-15", "2024-03-15..2024-04-15"}),
             boost::test_tools::per_element());
  const period cut{at("2024-02-01"), at("2024-02-15T12:00:00Z")};
  BOOST_TEST(show(s.period_containing(at("2024-02-10"))) == show(cut));
  BOOST_TEST(show(s.full_cycle_of(cut)) == show(period{at("2024-02-01"), at("2024-03-01")}));
  BOOST_TEST(s.is_stub(cut));
  BOOST_TEST(!s.is_cut(cut));  // B6's cut is the end's only
  BOOST_TEST(show(s.uncut(cut)) == show(cut));
  const period after{at("2024-02-15T12:00:00Z"), at("2024-03-15T12:00:00Z")};
  BOOST_TEST(show(s.period_containing(at("2024-02-15T12:00:00Z"))) == show(after));
  BOOST_TEST(!s.is_stub(after));
  BOOST_TEST(show(s.previous_period(after)) == show(cut));
  BOOST_TEST(s.restarts_at(at("2024-02-15T12:00:00Z")));
  BOOST_TEST(!s.restarts_at(at("2024-02-01")));
  BOOST_TEST(iso(s.billing_cycle_anchor()) == "2024-02-15T12:00:00Z");
  BOOST_TEST(iso(plain.billing_cycle_anchor()) == "2024-01-01T00:00:00Z");
  // The plain schedule is untouched; a second restart cuts the first restart's cycle.
  BOOST_TEST(show(plain.period_containing(at("2024-02-20"))) ==
             show(period{at("2024-02-01"), at("2024-03-01")}));
  const auto twice = s.restarted_at(at("2024-03-31"));
  BOOST_TEST(walk(twice, 5) == (std::vector<std::string>{"2024-01-01..2024-02-01", "2024-02-01..2024-02-15 S",
                                                         "2024-02-15..2024-03-15", "2024-03-15..2024-03-31 S",
                                                         "2024-03-31..2024-04-30"}),
             boost::test_tools::per_element());
  // B2 in the new cycle: an anchor on the 31st clamps to short months.
  BOOST_TEST(show(twice.period_containing(at("2024-05-01"))) ==
             show(period{at("2024-04-30"), at("2024-05-31")}));
  // An end after a restart cuts the new cycle's period.
  const auto ended = twice.with_end(at("2024-04-10"));
  const period last{at("2024-03-31"), at("2024-04-10")};
  BOOST_TEST(show(ended.period_containing(at("2024-04-01"))) == show(last));
  BOOST_TEST(ended.is_cut(last));
  BOOST_TEST(show(ended.uncut(last)) == show(period{at("2024-03-31"), at("2024-04-30")}));
  BOOST_TEST(ended.periods_through(at("2030-01-01")).size() == 5u);
}

BOOST_AUTO_TEST_CASE(B17_a_restart_comes_after_the_start_the_trial_and_the_restarts_before) {
  const billing_schedule<> trial{at("2024-01-01"), none, at("2024-01-15"), monthly};
  BOOST_CHECK_THROW((void)trial.restarted_at(at("2024-01-10")), configuration_error);
  BOOST_CHECK_THROW((void)trial.restarted_at(at("2024-01-15")), configuration_error);
  const auto s = trial.restarted_at(at("2024-01-20"));
  BOOST_TEST(walk(s, 3) == (std::vector<std::string>{"2024-01-01..2024-01-15 T", "2024-01-15..2024-01-20 S",
                                                     "2024-01-20..2024-02-20"}),
             boost::test_tools::per_element());
  BOOST_CHECK_THROW((void)s.restarted_at(at("2024-01-20")), configuration_error);
  BOOST_CHECK_THROW((void)s.restarted_at(at("2024-01-19")), configuration_error);
  // A restart before the first anchor boundary cuts the first (stub) period.
  const billing_schedule<> stub{at("2024-01-10"), at("2024-02-01"), none, monthly};
  BOOST_TEST(walk(stub.restarted_at(at("2024-01-20")), 2) ==
                 (std::vector<std::string>{"2024-01-10..2024-01-20 S", "2024-01-20..2024-02-20"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(B17_random_restarts_still_tile_time) {
  const std::uint64_t seed = 1717;
  std::mt19937_64 rng{seed};
  std::uniform_int_distribution<std::int64_t> within_year{1, 366 * 86400};
  for (int i = 0; i < 500; ++i) {
    const timestamp start = at("2024-01-01") + seconds{within_year(rng)};
    const auto unit = static_cast<interval_unit>(std::uniform_int_distribution<int>{0, 3}(rng));
    billing_schedule<> s{start, none, none, billing_interval{unit, 1}};
    std::vector<timestamp> restarts;
    timestamp t = start;
    for (int k = std::uniform_int_distribution<int>{1, 4}(rng); k > 0; --k) {
      t += seconds{within_year(rng) / 4};
      s = s.restarted_at(t);
      restarts.push_back(t);
    }
    BOOST_TEST_CONTEXT("seed " << seed << " case " << i) {
      std::size_t next = 0;
      period p = s.first_period();
      BOOST_TEST((p.start == start));
      for (int n = 0; n < 80 && p.start < t + seconds{400 * 86400}; ++n, p = s.next_period(p)) {
        BOOST_TEST((p.start < p.end));
        const period full = s.full_cycle_of(p);
        BOOST_TEST((full.start <= p.start && p.end <= full.end));
        // No period crosses a restart; every restart starts a period.
        while (next < restarts.size() && restarts[next] < p.start) ++next;
        if (next < restarts.size()) BOOST_TEST(!(restarts[next] < p.end && p.start < restarts[next]));
        if (s.restarts_at(p.start)) BOOST_TEST((full == p || full.start == p.start));
        BOOST_TEST((s.period_containing(p.end - seconds{1}) == std::optional{p}));
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
