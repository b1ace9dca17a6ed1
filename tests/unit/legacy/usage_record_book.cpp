// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/legacy/usage_record_book.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <meterkit/calendar/billing_schedule.hpp>

using namespace meterkit;

namespace meterkit {
// How Boost.Test prints a period in a failed check.
inline std::ostream& boost_test_print_type(std::ostream& os, const period& p) {
  return os << "[" << to_unix(p.start) << ", " << to_unix(p.end) << ")";
}
}  // namespace meterkit

namespace {

// Periods [S + k L, S + (k + 1) L) from S on; G = 300 s unless a test says otherwise.
constexpr std::int64_t S = 1'000'000'000;
constexpr std::int64_t L = 10'000;
constexpr std::int64_t G = 300;

period P(std::int64_t k) { return period{from_unix(S + k * L), from_unix(S + (k + 1) * L)}; }
std::int64_t start_of(std::int64_t k) { return S + k * L; }

/// A period source of equal periods, with no calendar behind it.
struct stub_periods {
  [[nodiscard]] std::optional<period> period_containing(timestamp t) const {
    if (to_unix(t) < S) return std::nullopt;
    return P((to_unix(t) - S) / L);
  }
  [[nodiscard]] period first_period() const { return P(0); }
  [[nodiscard]] std::optional<period> previous_period(const period& p) const {
    if (to_unix(p.start) <= S) return std::nullopt;
    return period_containing(p.start - seconds{1});
  }
  [[nodiscard]] period next_period(const period& p) const { return *period_containing(p.end); }
};
static_assert(detail::check_period_source<stub_periods>());
static_assert(period_source<billing_schedule<>>, "the calendar's schedule is a period source");
static_assert(period_source_has_trial_end<billing_schedule<>>);
static_assert(!period_source_has_trial_end<stub_periods>);

/// An invoice clock of our own: each period's finalization time is set by the test.
struct stub_clock {
  std::map<timestamp, timestamp> finalized;  // by period start; default: end + 3600
  [[nodiscard]] timestamp finalized_at(const period& p) const {
    const auto it = finalized.find(p.start);
    return it == finalized.end() ? p.end + seconds{3600} : it->second;
  }
};
static_assert(finalization_clock<stub_clock>);

template <class F>
using book = usage_record_book<F, stub_periods, stub_clock>;
using any_book = any_usage_record_book<stub_periods, stub_clock>;

/// A usage record with the arrival it came with.
struct arriving {
  usage_record record;
  arrival_stamp at;
};
/// Records `a` in book `b` (with `clock` when given).
template <class Book, class... Clock>
auto feed(Book& b, const arriving& a, const Clock&... clock) {
  return b.record(a.record, a.at, clock...);
}

arriving inc(std::int64_t t, std::int64_t q, std::int64_t received) {
  return {usage_record{"", q, t, std::nullopt}, arrival_stamp{from_unix(received), 0}};
}
arriving set_to(std::int64_t t, std::int64_t q, std::int64_t received) {
  return {usage_record{"", q, t, std::string("set")}, arrival_stamp{from_unix(received), 0}};
}

std::string code_of(const rejection& r) { return std::string(to_string(r.code)); }

constexpr aggregate_usage all_modes[] = {aggregate_usage::sum, aggregate_usage::last_during_period,
                                         aggregate_usage::last_ever, aggregate_usage::max};

}  // namespace

BOOST_AUTO_TEST_SUITE(legacy_usage_record_book)

// ---- the book's clock, which a restoring owner compares with its own --------------------------------

BOOST_AUTO_TEST_CASE(the_last_arrival_is_the_latest_accepted_records_and_survives_save_and_load) {
  const std::int64_t t = start_of(1) + 100, r = start_of(1) + 5000;
  for (const auto mode : all_modes) {
    any_book b{mode, stub_periods{}};
    BOOST_TEST(!b.last_arrival().has_value());
    BOOST_TEST_REQUIRE(
        feed(b, arriving{usage_record{"", 5, t, std::nullopt}, arrival_stamp{from_unix(r), 7}}).has_value());
    BOOST_TEST_REQUIRE(!feed(b, inc(start_of(5), 1, r + 1)).has_value());  // refused: it moves no clock
    BOOST_TEST_REQUIRE(b.last_arrival().has_value());
    BOOST_TEST(to_unix(b.last_arrival()->first) == r);
    BOOST_TEST(b.last_arrival()->second == 7u);
    state_writer out;
    b.save(out);
    any_book loaded{mode, stub_periods{}};
    state_reader in(out.bytes());
    loaded.load(in);
    BOOST_TEST((loaded.last_arrival() == b.last_arrival()));
  }
}

// ---- L2, L3: values per exact timestamp ------------------------------------------------------------

BOOST_AUTO_TEST_CASE(L2_same_timestamp_increments_add_and_set_overwrites_only_its_timestamp) {
  // All records in period 1, arriving in order; t1 < t2 inside the period.
  const std::int64_t t1 = start_of(1) + 100, t2 = start_of(1) + 200, r = start_of(1) + 5000;
  struct op {
    bool set;
    std::int64_t t;
    std::int64_t q;
  };
  struct row {
    const char* name;
    std::vector<op> ops;
    std::int64_t sum, last_during_period, last_ever, max;
  };
  const std::vector<row> table = {
      {"E21 increments at one timestamp add", {{false, t1, 5}, {false, t1, 3}}, 8, 8, 8, 8},
      {"E22 set replaces the value at its timestamp", {{false, t1, 5}, {true, t1, 2}}, 2, 2, 2, 2},
      {"set leaves other timestamps alone", {{false, t1, 5}, {false, t2, 7}, {true, t1, 1}}, 8, 7, 7, 7},
      {"increment after set adds to the set value",
       {{true, t2, 4}, {false, t2, 1}, {false, t1, 10}},
       15,
       5,
       5,
       10},
      {"a stored 0 counts as present (D18)", {{false, t1, 3}, {true, t2, 0}}, 3, 0, 0, 3},
      {"set to 0 then increment", {{true, t1, 0}, {false, t1, 4}}, 4, 4, 4, 4},
      {"latest orders by timestamp, not arrival", {{false, t2, 9}, {false, t1, 1}}, 10, 9, 9, 9},
  };
  for (const auto& row : table) {
    for (const auto mode : all_modes) {
      any_book b{mode, stub_periods{}};
      for (const auto& o : row.ops) {
        BOOST_TEST_REQUIRE(feed(b, o.set ? set_to(o.t, o.q, r) : inc(o.t, o.q, r)).has_value());
      }
      const std::int64_t expected = mode == aggregate_usage::sum                  ? row.sum
                                    : mode == aggregate_usage::last_during_period ? row.last_during_period
                                    : mode == aggregate_usage::last_ever          ? row.last_ever
                                                                                  : row.max;
      BOOST_TEST(b.quantity(P(1)) == expected, row.name << " / " << to_string(mode));
      BOOST_TEST(b.quantity(P(0)) == 0, row.name << " / " << to_string(mode));
    }
  }
}

BOOST_AUTO_TEST_CASE(L3_max_is_over_the_merged_value_per_timestamp) {
  book<peak> b{stub_periods{}};
  const std::int64_t t1 = start_of(0) + 10, t2 = start_of(0) + 20, r = start_of(0) + 100;
  BOOST_TEST_REQUIRE(feed(b, inc(t1, 6, r)).has_value());
  BOOST_TEST_REQUIRE(feed(b, inc(t1, 6, r)).has_value());
  BOOST_TEST_REQUIRE(feed(b, inc(t2, 10, r)).has_value());
  BOOST_TEST(b.quantity(P(0)) == 12);  // 6 + 6 at t1, not the largest single record (10)
  BOOST_TEST_REQUIRE(feed(b, set_to(t1, 1, r)).has_value());
  BOOST_TEST(b.quantity(P(0)) == 10);  // set lowers t1; t2 is the largest again
  BOOST_TEST(b.quantity(P(1)) == 0);   // no value: 0
}

BOOST_AUTO_TEST_CASE(L3_last_ever_carries_the_latest_earlier_value_into_an_empty_period) {
  book<last_ever> ever{stub_periods{}};
  book<last_during_period> during{stub_periods{}};
  const arriving records[] = {
      inc(start_of(0) + 100, 4, start_of(0) + 500),
      set_to(start_of(0) + 200, 9, start_of(0) + 600),  // the latest value of period 0
      inc(start_of(0) + 150, 20, start_of(0) + 700),    // later arrival, earlier timestamp
  };
  for (const auto& r : records) {
    BOOST_TEST_REQUIRE(feed(ever, r).has_value());
    BOOST_TEST_REQUIRE(feed(during, r).has_value());
  }
  BOOST_TEST(ever.quantity(P(0)) == 9);
  BOOST_TEST(ever.quantity(P(1)) == 9);  // empty: carried over
  BOOST_TEST(ever.quantity(P(2)) == 9);  // still carried
  BOOST_TEST(during.quantity(P(1)) == 0);
  // A stored 0 in period 2 is present: no carry-over there, and period 3 carries the 0.
  BOOST_TEST_REQUIRE(feed(ever, set_to(start_of(2) + 1, 0, start_of(2) + 10)).has_value());
  BOOST_TEST(ever.quantity(P(2)) == 0);
  BOOST_TEST(ever.quantity(P(3)) == 0);
  BOOST_TEST(ever.quantity(P(1)) == 9);
  // As of a time before any record, nothing to carry.
  BOOST_TEST(ever.quantity(P(1), from_unix(start_of(0) + 499)) == 0);
  BOOST_TEST(ever.quantity(P(1), from_unix(start_of(0) + 500)) == 4);
}

BOOST_AUTO_TEST_CASE(B4_D18_values_before_trial_end_count_in_no_mode_not_even_last_ever_carry_over) {
  // Period 0 is the trial: trial_end = start of period 1.
  const usage_record_book_options trial{seconds{G}, from_unix(start_of(1))};
  for (const auto mode : all_modes) {
    any_book b{mode, stub_periods{}, trial};
    BOOST_TEST_REQUIRE(feed(b, inc(start_of(0) + 10, 50, start_of(0) + 20)).has_value());  // accepted
    BOOST_TEST(b.quantity(P(0)) == 0, to_string(mode));
    BOOST_TEST(b.quantity(P(1)) == 0, to_string(mode));  // last_ever: nothing to carry from the trial
    BOOST_TEST_REQUIRE(feed(b, inc(start_of(1) + 10, 7, start_of(1) + 20)).has_value());
    BOOST_TEST(b.quantity(P(1)) == 7, to_string(mode));
    BOOST_TEST(b.quantity(P(2)) == (mode == aggregate_usage::last_ever ? 7 : 0), to_string(mode));
  }
  // A grace record timestamped in the trial is accepted (sum) but billed nowhere.
  book<sum> s{stub_periods{}, trial};
  const auto grace = feed(s, inc(start_of(1) - 5, 11, start_of(1) + 5));
  BOOST_TEST_REQUIRE(grace.has_value());
  BOOST_TEST(grace->by_grace);
  BOOST_TEST(s.quantity(P(0)) + s.quantity(P(1)) == 0);
}

BOOST_AUTO_TEST_CASE(B4_trial_end_comes_from_the_billing_schedule) {
  const auto start = from_unix(1735689600);      // 2025-01-01
  const auto trial_end = from_unix(1736294400);  // 2025-01-08
  const billing_schedule<> schedule{start, std::nullopt, trial_end,
                                    billing_interval{interval_unit::month, 1}};
  usage_record_book<last_ever, billing_schedule<>> b{schedule};
  BOOST_TEST_REQUIRE(b.options().trial_end.has_value());
  BOOST_TEST(to_unix(*b.options().trial_end) == to_unix(trial_end));
  BOOST_TEST_REQUIRE(feed(b, inc(to_unix(start) + 60, 3, to_unix(start) + 120)).has_value());
  const auto after_trial = schedule.next_period(schedule.first_period());
  BOOST_TEST(b.quantity(schedule.first_period()) == 0);
  BOOST_TEST(b.quantity(after_trial) == 0);
}

// ---- L4: the current period ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(L4_timestamps_outside_the_current_period_or_in_the_future_are_rejected) {
  struct row {
    const char* name;
    usage_timestamp_input t;
    std::int64_t received;
    bool accepted;
  };
  const std::int64_t r = start_of(2) + 5000;
  const std::vector<row> table = {
      {"at the current period's start", start_of(2), r, true},
      {"at the arrival second", r, r, true},
      {"\"now\"", std::string("now"), r, true},
      {"absent timestamp", std::monostate{}, r, true},
      {"one second in the future", r + 1, r, false},
      {"far in the future", start_of(5), r, false},
      {"one second before the current period, no grace window open", start_of(2) - 1, r, false},
      {"in an earlier period", start_of(0) + 10, r, false},
      {"arrival before the subscription starts", S - 10, S - 5, false},
      {"\"now\" before the subscription starts", std::string("now"), S - 5, false},
  };
  for (const auto mode : all_modes) {
    for (const auto& row : table) {
      any_book b{mode, stub_periods{}};
      const auto got = feed(b, arriving{usage_record{"", std::int64_t{1}, row.t, std::nullopt},
                                        arrival_stamp{from_unix(row.received), 0}});
      BOOST_TEST_CONTEXT(row.name << " / " << to_string(mode)) {
        BOOST_TEST_REQUIRE(got.has_value() == row.accepted);
        if (!row.accepted) {
          BOOST_TEST(code_of(got.error()) == "usage_record_timestamp_out_of_period");
          BOOST_TEST(got.error().param == "timestamp");
          BOOST_TEST(b.size() == 0u);
        } else {
          BOOST_TEST(got->billed_in == P(2));
          BOOST_TEST(!got->by_grace);
        }
      }
    }
  }
}

// ---- L5, D18: clock-drift grace ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(L5_grace_is_open_until_start_plus_G_minus_1_and_closed_at_start_plus_G) {
  struct row {
    std::int64_t received_offset;  // from the current period's start
    bool accepted;
  };
  const row table[] = {{0, true}, {1, true}, {G - 1, true}, {G, false}, {G + 1, false}};
  for (const auto& row : table) {
    book<sum> b{stub_periods{}};
    const auto got = feed(b, inc(start_of(1) - 1, 5, start_of(1) + row.received_offset));
    BOOST_TEST_CONTEXT("received at start + " << row.received_offset) {
      BOOST_TEST_REQUIRE(got.has_value() == row.accepted);
      if (row.accepted) BOOST_TEST(got->by_grace);
      if (!row.accepted) BOOST_TEST(code_of(got.error()) == "usage_record_timestamp_out_of_period");
    }
  }
}

BOOST_AUTO_TEST_CASE(L5_timestamp_start_minus_G_is_accepted_and_start_minus_G_minus_1_rejected) {
  struct row {
    std::int64_t t_offset;  // from the current period's start
    bool accepted;
  };
  const row table[] = {{-1, true}, {-G + 1, true}, {-G, true}, {-G - 1, false}, {-2 * G, false}};
  for (const auto& row : table) {
    book<sum> b{stub_periods{}};
    const auto got = feed(b, inc(start_of(1) + row.t_offset, 5, start_of(1) + 10));
    BOOST_TEST_CONTEXT("timestamp start " << row.t_offset) {
      BOOST_TEST_REQUIRE(got.has_value() == row.accepted);
      if (!row.accepted) BOOST_TEST(got.error().param == "timestamp");
    }
  }
}

BOOST_AUTO_TEST_CASE(L5_D18_grace_goes_to_the_previous_invoice_until_it_is_finalized_then_to_the_current) {
  // Period 0's invoice is finalized at start(1) + 100 (inside the grace window).
  stub_clock clock;
  clock.finalized[P(0).start] = from_unix(start_of(1) + 100);
  book<sum> b{stub_periods{}, {}, clock};
  const std::int64_t t = start_of(1) - 7;
  const auto on_time = feed(b, inc(t, 5, start_of(1) + 100));  // received_at == finalized_at
  BOOST_TEST_REQUIRE(on_time.has_value());
  BOOST_TEST(on_time->billed_in == P(0));
  BOOST_TEST(on_time->by_grace);
  const auto after = feed(b, inc(t, 7, start_of(1) + 101));  // one second later
  BOOST_TEST_REQUIRE(after.has_value());
  BOOST_TEST(after->billed_in == P(1));
  // D18: values are per (period billed in, timestamp): the same timestamp has a slot in each.
  BOOST_TEST(b.quantity(P(0)) == 5);
  BOOST_TEST(b.quantity(P(1)) == 7);
  // The invoice of period 0, as of its finalization, holds the routed record.
  BOOST_TEST(b.quantity(P(0), clock.finalized_at(P(0))) == 5);
}

BOOST_AUTO_TEST_CASE(L5_grace_routing_reads_the_clock_given_to_record) {
  book<sum> b{stub_periods{}};  // its own clock: end + 3600, so period 0 would still be open
  stub_clock closed;
  closed.finalized[P(0).start] = P(0).end;  // finalized at the boundary
  const auto got = feed(b, inc(start_of(1) - 1, 2, start_of(1) + 1), closed);
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(got->billed_in == P(1));
  const auto with_default = feed(b, inc(start_of(1) - 1, 2, start_of(1) + 1));
  BOOST_TEST_REQUIRE(with_default.has_value());
  BOOST_TEST(with_default->billed_in == P(0));
}

BOOST_AUTO_TEST_CASE(D18_the_first_period_has_no_grace) {
  book<sum> b{stub_periods{}};
  const auto got = feed(b, inc(S - 5, 1, S + 10));
  BOOST_TEST_REQUIRE(!got.has_value());
  BOOST_TEST(code_of(got.error()) == "usage_record_timestamp_out_of_period");
}

BOOST_AUTO_TEST_CASE(L4_L5_grace_never_reaches_before_the_subscription_start) {
  // A stub first period of 100 s, shorter than G: the grace window of the second period would
  // reach 200 s before the subscription starts.
  struct short_stub {
    [[nodiscard]] std::optional<period> period_containing(timestamp t) const {
      if (to_unix(t) < S) return std::nullopt;
      if (to_unix(t) < S + 100) return period{from_unix(S), from_unix(S + 100)};
      return period{from_unix(S + 100), from_unix(S + 100 + L)};
    }
    [[nodiscard]] period first_period() const { return *period_containing(from_unix(S)); }
    [[nodiscard]] std::optional<period> previous_period(const period& p) const {
      if (to_unix(p.start) <= S) return std::nullopt;
      return period_containing(p.start - seconds{1});
    }
    [[nodiscard]] period next_period(const period& p) const { return *period_containing(p.end); }
  };
  usage_record_book<sum, short_stub> b{short_stub{}};
  const auto before_start = feed(b, inc(S - 100, 1, S + 110));
  BOOST_TEST_REQUIRE(!before_start.has_value());
  BOOST_TEST(code_of(before_start.error()) == "usage_record_timestamp_out_of_period");
  const auto in_stub = feed(b, inc(S + 5, 1, S + 110));
  BOOST_TEST_REQUIRE(in_stub.has_value());
  BOOST_TEST(in_stub->billed_in == (period{from_unix(S), from_unix(S + 100)}));
}

BOOST_AUTO_TEST_CASE(L5_modes_other_than_sum_have_no_grace) {
  for (const auto mode : all_modes) {
    any_book b{mode, stub_periods{}};
    const auto got = feed(b, inc(start_of(1) - 5, 1, start_of(1) + 10));
    BOOST_TEST(got.has_value() == (mode == aggregate_usage::sum), to_string(mode));
    if (!got) BOOST_TEST(code_of(got.error()) == "usage_record_timestamp_out_of_period");
  }
}

BOOST_AUTO_TEST_CASE(L5_grace_length_is_a_policy_parameter) {
  book<sum> off{stub_periods{}, usage_record_book_options{seconds{0}, std::nullopt}};
  BOOST_TEST(!feed(off, inc(start_of(1) - 1, 1, start_of(1))).has_value());
  book<sum> wide{stub_periods{}, usage_record_book_options{seconds{1000}, std::nullopt}};
  BOOST_TEST(feed(wide, inc(start_of(1) - 1000, 1, start_of(1) + 999)).has_value());
  BOOST_TEST(!feed(wide, inc(start_of(1) - 1, 1, start_of(1) + 1000)).has_value());
  BOOST_CHECK_THROW((book<sum>{stub_periods{}, usage_record_book_options{seconds{-1}, std::nullopt}}),
                    configuration_error);
}

BOOST_AUTO_TEST_CASE(L5_B3_grace_at_a_monthly_boundary_with_the_default_invoice_clock) {
  const auto jan1 = from_unix(1735689600);  // 2025-01-01T00:00:00Z
  const auto feb1 = from_unix(1738368000);  // 2025-02-01T00:00:00Z
  const billing_schedule<> schedule{jan1, std::nullopt, std::nullopt,
                                    billing_interval{interval_unit::month, 1}};
  usage_record_book<sum, billing_schedule<>> b{schedule};  // finalized_at = end + 3600
  const auto got = feed(b, inc(to_unix(feb1) - 60, 4, to_unix(feb1) + 60));
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(to_unix(got->billed_in.start) == to_unix(jan1));
  BOOST_TEST(to_unix(got->billed_in.end) == to_unix(feb1));
  // The first period has no grace: nothing before Jan 1.
  BOOST_TEST(!feed(b, inc(to_unix(jan1) - 1, 1, to_unix(jan1) + 1)).has_value());
}

// ---- D17: the order of the checks ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(D17_a_record_failing_several_checks_gets_the_first_code) {
  const auto r = from_unix(start_of(1) + 50);
  const std::int64_t out = start_of(0);  // out of period
  struct row {
    arriving record;
    const char* code;
    const char* param;
  };
  const std::vector<row> table = {
      {{usage_record{"", std::int64_t{-1}, std::string("x"), std::string("bogus")}, arrival_stamp{r, 0}},
       "usage_record_invalid_parameter",
       "quantity"},
      {{usage_record{"", std::int64_t{1}, std::string("x"), std::string("bogus")}, arrival_stamp{r, 0}},
       "usage_record_invalid_parameter",
       "action"},
      {{usage_record{"", std::int64_t{1}, std::string("x"), std::string("set")}, arrival_stamp{r, 0}},
       "usage_record_invalid_parameter",
       "timestamp"},
      {{usage_record{"", std::string("1.5"), out, std::nullopt}, arrival_stamp{r, 0}},
       "usage_record_invalid_parameter",
       "quantity"},
      {{usage_record{"", std::int64_t{1}, out, std::string("add")}, arrival_stamp{r, 0}},
       "usage_record_invalid_parameter",
       "action"},
      {{usage_record{"", std::int64_t{1}, out, std::string("set")}, arrival_stamp{r, 0}},
       "usage_record_timestamp_out_of_period",
       "timestamp"},
  };
  for (const auto mode : all_modes) {
    any_book b{mode, stub_periods{}};
    int i = 0;
    for (const auto& row : table) {
      const auto got = feed(b, row.record);
      BOOST_TEST_CONTEXT("row " << i++ << " / " << to_string(mode)) {
        BOOST_TEST_REQUIRE(!got.has_value());
        BOOST_TEST(code_of(got.error()) == row.code);
        BOOST_TEST(got.error().param == row.param);
      }
    }
    BOOST_TEST(b.size() == 0u);
  }
}

// ---- bitemporal: as_of -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(B3_quantity_as_of_excludes_records_that_arrived_later) {
  book<sum> b{stub_periods{}};
  const std::int64_t t = start_of(0) + 10;
  BOOST_TEST_REQUIRE(feed(b, inc(t, 5, start_of(0) + 100)).has_value());
  BOOST_TEST_REQUIRE(feed(b, inc(t + 1, 6, start_of(0) + 200)).has_value());
  BOOST_TEST_REQUIRE(feed(b, set_to(t, 1, start_of(0) + 300)).has_value());
  struct row {
    std::int64_t as_of;
    std::int64_t expected;
  };
  const row table[] = {{start_of(0) + 99, 0},   {start_of(0) + 100, 5},  {start_of(0) + 199, 5},
                       {start_of(0) + 200, 11}, {start_of(0) + 299, 11}, {start_of(0) + 300, 7}};
  for (const auto& row : table) {
    BOOST_TEST(b.quantity(P(0), from_unix(row.as_of)) == row.expected, "as of " << row.as_of);
  }
  BOOST_TEST(b.quantity(P(0)) == 7);
}

BOOST_AUTO_TEST_CASE(L2_records_must_be_given_in_arrival_order) {
  book<sum> b{stub_periods{}};
  BOOST_TEST_REQUIRE(feed(b, inc(start_of(0) + 10, 1, start_of(0) + 100)).has_value());
  BOOST_CHECK_THROW((void)feed(b, inc(start_of(0) + 10, 1, start_of(0) + 99)), precondition_error);
  BOOST_TEST(b.size() == 1u);
}

// ---- overflow ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(L2_overflow_of_a_timestamps_increments_is_an_error_and_stores_nothing) {
  constexpr auto big = std::numeric_limits<std::int64_t>::max();
  for (const auto mode : all_modes) {
    any_book b{mode, stub_periods{}};
    const std::int64_t t = start_of(0) + 10, r = start_of(0) + 20;
    BOOST_TEST_REQUIRE(feed(b, inc(t, big, r)).has_value());
    BOOST_CHECK_THROW((void)feed(b, inc(t, 1, r)), overflow_error);
    BOOST_TEST(b.size() == 1u);
    BOOST_TEST(b.quantity(P(0)) == big);
    BOOST_TEST_REQUIRE(feed(b, set_to(t, 0, r)).has_value());  // set replaces, no addition
    BOOST_TEST(b.quantity(P(0)) == 0);
  }
  // sum over two timestamps leaves the range: an error for sum, fine for max.
  book<sum> s{stub_periods{}};
  BOOST_TEST_REQUIRE(feed(s, inc(start_of(0) + 1, big, start_of(0) + 5)).has_value());
  BOOST_CHECK_THROW((void)feed(s, inc(start_of(0) + 2, 1, start_of(0) + 5)), overflow_error);
  BOOST_TEST(s.quantity(P(0)) == big);
  book<peak> m{stub_periods{}};
  BOOST_TEST_REQUIRE(feed(m, inc(start_of(0) + 1, big, start_of(0) + 5)).has_value());
  BOOST_TEST_REQUIRE(feed(m, inc(start_of(0) + 2, 1, start_of(0) + 5)).has_value());
  BOOST_TEST(m.quantity(P(0)) == big);
}

// ---- L6: summaries ---------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(L6_one_summary_per_period_newest_first_with_the_period_quantity) {
  book<last_ever> b{stub_periods{}};
  BOOST_TEST_REQUIRE(feed(b, inc(start_of(0) + 10, 4, start_of(0) + 20)).has_value());
  BOOST_TEST_REQUIRE(feed(b, inc(start_of(2) + 10, 6, start_of(2) + 20)).has_value());
  const auto list = b.summaries(from_unix(start_of(3) + 5));
  BOOST_TEST_REQUIRE(list.size() == 4u);
  const std::int64_t expected[] = {6, 6, 4, 4};  // periods 3 (carried), 2, 1 (carried), 0
  for (std::size_t i = 0; i < 4; ++i) {
    BOOST_TEST(list[i].period == P(static_cast<std::int64_t>(3 - i)), "summary " << i);
    BOOST_TEST(list[i].total_usage == expected[i], "summary " << i);
    BOOST_TEST(list[i].total_usage == b.quantity(list[i].period, from_unix(start_of(3) + 5)));
  }
  // As of an earlier time: fewer periods, and later arrivals left out.
  const auto earlier = b.summaries(from_unix(start_of(2) + 19));
  BOOST_TEST_REQUIRE(earlier.size() == 3u);
  BOOST_TEST(earlier[0].total_usage == 4);
  BOOST_TEST(b.summaries(from_unix(S - 1)).empty());
  BOOST_TEST(b.summaries(from_unix(S)).size() == 1u);
}

// ---- properties ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(L2_property_arrival_order_of_increments_at_distinct_timestamps_does_not_change_the_sum) {
  const auto seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 500; ++round) {
    const auto n = 1 + rng() % 30;
    std::vector<std::int64_t> quantities(n);
    for (auto& q : quantities) q = static_cast<std::int64_t>(rng() % 1000);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::int64_t first = -1;
    for (int perm = 0; perm < 5; ++perm) {
      std::shuffle(order.begin(), order.end(), rng);
      book<sum> b{stub_periods{}};
      // The i-th arrival carries record order[i]; timestamps are distinct and before every arrival.
      for (std::size_t i = 0; i < n; ++i) {
        const auto k = order[i];
        BOOST_TEST_REQUIRE(feed(b, inc(start_of(1) + static_cast<std::int64_t>(k), quantities[k],
                                       start_of(1) + 100 + static_cast<std::int64_t>(i)))
                               .has_value());
      }
      const auto got = b.quantity(P(1));
      if (first < 0) first = got;
      BOOST_TEST_REQUIRE(got == first, "seed " << seed << " round " << round);
    }
    BOOST_TEST_REQUIRE(first == std::accumulate(quantities.begin(), quantities.end(), std::int64_t{0}),
                       "seed " << seed);
  }
}

namespace {
/// A model of L2, L3, D18 written from the rules, without the book's storage: the accepted records
/// with where the book placed them, replayed in arrival order.
struct model_record {
  period billed_in;
  std::int64_t t;
  std::int64_t q;
  bool set;
  std::int64_t received;
};

std::int64_t model_quantity(aggregate_usage mode, const std::vector<model_record>& records, const period& p,
                            std::int64_t as_of, std::optional<std::int64_t> trial_end) {
  std::map<std::pair<period, std::int64_t>, std::int64_t> values;
  for (const auto& r : records) {
    if (r.received > as_of) continue;
    auto& v = values[{r.billed_in, r.t}];
    v = r.set ? r.q : v + r.q;
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> in, before;  // (t, value)
  for (const auto& [key, v] : values) {
    if (trial_end && key.second < *trial_end) continue;
    if (key.first == p) in.emplace_back(key.second, v);
    if (key.first < p) before.emplace_back(key.second, v);
  }
  const auto latest = [](const auto& xs) {
    return std::max_element(xs.begin(), xs.end(), [](auto a, auto b) { return a.first < b.first; })->second;
  };
  switch (mode) {
    case aggregate_usage::sum: {
      std::int64_t s = 0;
      for (const auto& x : in) s += x.second;
      return s;
    }
    case aggregate_usage::last_during_period:
      return in.empty() ? 0 : latest(in);
    case aggregate_usage::last_ever:
      return !in.empty() ? latest(in) : before.empty() ? 0 : latest(before);
    case aggregate_usage::max: {
      std::int64_t m = 0;
      for (const auto& x : in) m = std::max(m, x.second);
      return m;
    }
  }
  return 0;
}
}  // namespace

BOOST_AUTO_TEST_CASE(L3_D18_B3_property_book_agrees_with_a_replay_model_for_every_mode_and_as_of) {
  const auto seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 120; ++round) {
    const auto mode = all_modes[rng() % 4];
    std::optional<std::int64_t> trial_end;
    if (rng() % 3 == 0) trial_end = start_of(1);
    stub_clock clock;
    for (std::int64_t k = 0; k < 6; ++k) {
      clock.finalized[P(k).start] = from_unix(start_of(k + 1) + static_cast<std::int64_t>(rng() % (2 * G)));
    }
    any_book b{mode, stub_periods{},
               usage_record_book_options{seconds{G},
                                         trial_end ? std::optional{from_unix(*trial_end)} : std::nullopt},
               clock};
    std::vector<model_record> accepted;
    std::int64_t now = S;
    for (int i = 0; i < 60; ++i) {
      now += static_cast<std::int64_t>(rng() % 1500);
      const auto current = stub_periods{}.period_containing(from_unix(now));
      // timestamps mostly valid, sometimes in the grace window or out of period
      const std::int64_t lo = std::max(S, to_unix(current->start) - 2 * G);
      const std::int64_t t = lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(now - lo + 2));
      const bool set = rng() % 4 == 0;
      const std::int64_t q = static_cast<std::int64_t>(rng() % 50);
      const auto got = feed(b, set ? set_to(t, q, now) : inc(t, q, now));
      if (got) accepted.push_back({got->billed_in, t, q, set, now});
    }
    for (int probe = 0; probe < 20; ++probe) {
      const std::int64_t as_of =
          S + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(now - S + 100));
      for (std::int64_t k = 0; k < 6; ++k) {
        BOOST_TEST_REQUIRE(
            b.quantity(P(k), from_unix(as_of)) == model_quantity(mode, accepted, P(k), as_of, trial_end),
            "seed " << seed << " round " << round << " mode " << to_string(mode) << " period " << k
                    << " as_of " << as_of);
      }
    }
    for (std::int64_t k = 0; k < 6; ++k) {
      BOOST_TEST_REQUIRE(b.quantity(P(k)) == model_quantity(mode, accepted, P(k), now, trial_end),
                         "seed " << seed);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
