// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/meter/meter_ledger.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace mk = meterkit;

namespace {

constexpr std::int64_t day = 86400;
constexpr std::int64_t t0 = 1735689600;  // 2025-01-01T00:00:00Z

mk::meter_definition def(std::string id, std::string event_name, mk::formula_kind f = mk::formula_kind::sum,
                         mk::window_kind w = mk::window_kind::none) {
  mk::meter_definition d;
  d.id = std::move(id);
  d.event_name = std::move(event_name);
  d.display_name = d.id;
  d.formula = f;
  d.event_time_window = w;
  return d;
}

/// A ledger with meters `api` (sum, raw), `seats` (last), `calls` (count), `hourly` (sum per
/// hour), `daily` (last per day), `old` (inactive), and customers cus_1, cus_2.
struct fixture {
  mk::meter_ledger ledger;
  std::uint64_t arrival = 0;

  fixture() {
    ledger.add_meter(def("mtr_api", "api"));
    ledger.add_meter(def("mtr_seats", "seats", mk::formula_kind::last));
    ledger.add_meter(def("mtr_calls", "calls", mk::formula_kind::count));
    ledger.add_meter(def("mtr_hourly", "hourly", mk::formula_kind::sum, mk::window_kind::hour));
    ledger.add_meter(def("mtr_daily", "daily", mk::formula_kind::last, mk::window_kind::day));
    auto old = def("mtr_old", "old");
    old.active = false;
    ledger.add_meter(old);
    ledger.add_customer("cus_1");
    ledger.add_customer("cus_2");
  }

  /// A meter event and its arrival stamp (the next position).
  struct stamped_event {
    mk::meter_event event;
    mk::arrival_stamp at;
  };
  stamped_event event(std::string name, std::optional<std::string> value, std::int64_t ts,
                      std::int64_t received, std::optional<std::string> identifier = std::nullopt,
                      std::string customer = "cus_1") {
    mk::meter_event e;
    e.event_name = std::move(name);
    e.payload.emplace_back("stripe_customer_id", std::move(customer));
    if (value) e.payload.emplace_back("value", *value);
    e.identifier = std::move(identifier);
    e.timestamp = mk::from_unix(ts);
    ++arrival;
    return {std::move(e), mk::arrival_stamp{mk::from_unix(received), arrival, arrival * 10}};
  }
  mk::outcome submit(std::string name, std::optional<std::string> value, std::int64_t ts,
                     std::int64_t received, std::optional<std::string> identifier = std::nullopt,
                     std::string customer = "cus_1") {
    const auto e = event(std::move(name), std::move(value), ts, received, std::move(identifier), customer);
    return ledger.submit(e.event, e.at);
  }
  mk::outcome cancel(std::string name, std::optional<std::string> identifier, std::int64_t received,
                     std::string type = "cancel") {
    mk::meter_event_adjustment a;
    a.event_name = std::move(name);
    a.type = std::move(type);
    a.cancel_identifier = std::move(identifier);
    return ledger.submit(a, {mk::from_unix(received), ++arrival});
  }
  std::int64_t quantity(const char* meter, std::int64_t start, std::int64_t end, std::int64_t as_of,
                        const char* customer = "cus_1") const {
    return ledger.quantity(meter, customer, mk::period{mk::from_unix(start), mk::from_unix(end)},
                           mk::from_unix(as_of));
  }
};

std::string code_of(const mk::outcome& o) {
  return o.accepted() ? "accepted" : std::string(mk::to_string(o.code()));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(meter_meter_ledger)

// ---------------------------------------------------------------------------------------------
// Configuration (M1, D11)

BOOST_AUTO_TEST_CASE(D11_duplicate_meter_id_or_event_name_is_a_configuration_error) {
  mk::meter_ledger l;
  l.add_meter(def("mtr_1", "a"));
  BOOST_CHECK_THROW(l.add_meter(def("mtr_1", "b")), mk::configuration_error);
  auto inactive = def("mtr_2", "a");
  inactive.active = false;
  BOOST_CHECK_THROW(l.add_meter(inactive), mk::configuration_error);  // active or not
  BOOST_CHECK_THROW(l.add_meter(def("", "c")), mk::configuration_error);
  BOOST_CHECK_THROW(l.add_meter(def("mtr_3", "")), mk::configuration_error);
  BOOST_CHECK_THROW((mk::meter_ledger{{def("x", "e"), def("y", "e")}}), mk::configuration_error);
  BOOST_TEST(l.meters().size() == 1u);
}

BOOST_AUTO_TEST_CASE(M1_payload_keys_can_be_overridden) {
  auto d = def("mtr_tokens", "tokens");
  d.customer_key = "account";
  d.value_key = "tokens_used";
  mk::meter_ledger l({d}, {"acct_9"});
  mk::meter_event e{"tokens", {{"account", "acct_9"}, {"tokens_used", "40"}}, {}, mk::from_unix(t0)};
  BOOST_TEST(l.submit(e, {mk::from_unix(t0), 1}).accepted());
  mk::meter_event defaults{
      "tokens", {{"stripe_customer_id", "acct_9"}, {"value", "40"}}, {}, mk::from_unix(t0)};
  const auto o = l.submit(defaults, {mk::from_unix(t0), 2});
  BOOST_TEST(code_of(o) == "meter_event_no_customer_defined");
  BOOST_TEST(o.error().param == "payload[account]");
  BOOST_TEST(l.quantity("mtr_tokens", "acct_9", mk::all_time, mk::from_unix(t0)) == 40);
}

// ---------------------------------------------------------------------------------------------
// Acceptance of events (M2-M6, D12-D14)

BOOST_AUTO_TEST_CASE(D12_check_order_gives_the_first_failing_code) {
  struct row {
    const char* name;
    std::string event_name;
    bool with_customer;
    std::string customer;
    std::optional<std::string> value;
    std::int64_t ts_offset;
    std::string expected;
    std::string param;
  };
  // Each row also fails every later check where it can.
  const std::vector<row> table{
      {"missing event name", "", false, "", "x", -40 * day, "no_meter", "event_name"},
      {"unknown event name", "nope", false, "", "x", -40 * day, "no_meter", "event_name"},
      {"inactive meter", "old", false, "", "x", -40 * day, "archived_meter", "event_name"},
      {"no customer key", "api", false, "", std::nullopt, -40 * day, "meter_event_no_customer_defined",
       "payload[stripe_customer_id]"},
      {"no value key", "api", true, "cus_unknown", std::nullopt, -40 * day, "meter_event_value_not_found",
       "payload[value]"},
      {"bad value", "api", true, "cus_unknown", "1.5", -40 * day, "meter_event_invalid_value",
       "payload[value]"},
      {"unknown customer", "api", true, "cus_unknown", "1", -40 * day, "meter_event_customer_not_found",
       "payload[stripe_customer_id]"},
      {"too far in the past", "api", true, "cus_1", "1", -40 * day, "timestamp_too_far_in_past", "timestamp"},
      {"in the future", "api", true, "cus_1", "1", 301, "timestamp_in_future", "timestamp"},
      {"duplicate", "api", true, "cus_1", "1", 0, "duplicate_meter_event", "identifier"},
      {"count meter never reads the value", "calls", true, "cus_unknown", "1.5", 0,
       "meter_event_customer_not_found", "payload[stripe_customer_id]"},
  };
  for (const auto& r : table) {
    fixture f;
    BOOST_REQUIRE(f.submit("api", "1", t0, t0, "dup").accepted());
    mk::meter_event e;
    e.event_name = r.event_name;
    if (r.with_customer) e.payload.emplace_back("stripe_customer_id", r.customer);
    if (r.value) e.payload.emplace_back("value", *r.value);
    e.identifier = "dup";
    e.timestamp = mk::from_unix(t0 + 10 + r.ts_offset);
    const auto o = f.ledger.submit(e, {mk::from_unix(t0 + 10), 99});
    BOOST_TEST_CONTEXT(r.name) {
      BOOST_TEST(code_of(o) == r.expected);
      if (o.rejected()) {
        BOOST_TEST(o.error().param == r.param);
        BOOST_TEST(o.error().message.find(r.param.substr(0, r.param.find('['))) != std::string::npos);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_last_arrival_is_the_latest_submissions_accepted_or_not) {
  fixture f;
  BOOST_TEST(!f.ledger.last_arrival().has_value());
  BOOST_REQUIRE(f.submit("api", "1", t0, t0).accepted());
  BOOST_REQUIRE(!f.submit("api", "oops", t0, t0 + 5).accepted());
  BOOST_REQUIRE(f.ledger.last_arrival().has_value());
  BOOST_TEST(mk::to_unix(f.ledger.last_arrival()->first) == t0 + 5);
  BOOST_TEST(f.ledger.last_arrival()->second == f.arrival);
}

BOOST_AUTO_TEST_CASE(D12_a_rejected_event_never_takes_its_identifier) {
  fixture f;
  BOOST_TEST(code_of(f.submit("api", "oops", t0, t0, "id1")) == "meter_event_invalid_value");
  BOOST_TEST(code_of(f.submit("api", "1", t0 - 40 * day, t0 + 1, "id1")) == "timestamp_too_far_in_past");
  BOOST_TEST(f.submit("api", "1", t0, t0 + 2, "id1").accepted());
}

BOOST_AUTO_TEST_CASE(D12_count_meter_accepts_without_a_value_and_counts_one) {
  fixture f;
  BOOST_TEST(f.submit("calls", std::nullopt, t0, t0).accepted());
  BOOST_TEST(f.submit("calls", "not a number", t0, t0).accepted());
  BOOST_TEST(f.quantity("mtr_calls", t0, t0 + 1, t0) == 2);
  BOOST_TEST(f.ledger.events().back().value == 1);  // D24: quantity 1 for count
}

BOOST_AUTO_TEST_CASE(M2_a_missing_timestamp_means_the_arrival_time) {
  fixture f;
  auto e = f.event("api", "4", 0, t0 + 500);
  e.event.timestamp.reset();
  BOOST_TEST(f.ledger.submit(e.event, e.at).accepted());
  BOOST_TEST((f.ledger.events().back().time == mk::from_unix(t0 + 500)));
  BOOST_TEST(f.quantity("mtr_api", t0 + 500, t0 + 501, t0 + 500) == 4);
  BOOST_TEST(f.quantity("mtr_api", t0, t0 + 500, t0 + 500) == 0);
}

BOOST_AUTO_TEST_CASE(M3_D13_values_are_whole_numbers_with_an_optional_minus) {
  for (const char* bad :
       {"1.5", "1e3", "", "12abc", "+5", " 5", "5 ", "5.0", "-", "1234567890123456", "--1", "0x1"}) {
    fixture f;
    BOOST_TEST_CONTEXT(bad) {
      BOOST_TEST(code_of(f.submit("api", std::string(bad), t0, t0)) == "meter_event_invalid_value");
    }
  }
  fixture f;
  for (const char* good : {"0", "-15", "007", "123456789012345", "-123456789012345"}) {
    BOOST_TEST_CONTEXT(good) { BOOST_TEST(f.submit("api", std::string(good), t0, t0).accepted()); }
  }
  BOOST_TEST(f.quantity("mtr_api", t0, t0 + 1, t0) == 0 - 15 + 7 + 123456789012345 - 123456789012345);
}

BOOST_AUTO_TEST_CASE(M4_timestamp_window_bounds_are_inclusive_and_exact) {
  fixture f;
  const std::int64_t r = t0 + 100 * day;
  BOOST_TEST(f.submit("api", "1", r - 35 * day, r).accepted());
  BOOST_TEST(code_of(f.submit("api", "1", r - 35 * day - 1, r)) == "timestamp_too_far_in_past");
  BOOST_TEST(f.submit("api", "1", r + 300, r).accepted());
  BOOST_TEST(code_of(f.submit("api", "1", r + 301, r)) == "timestamp_in_future");
}

BOOST_AUTO_TEST_CASE(M4_bounds_are_policy_parameters) {
  mk::basic_meter_ledger<mk::timestamp_window<10, 0>> l({def("m", "api")}, {"cus_1"});
  auto e = [&](std::int64_t ts) {
    return mk::meter_event{"api", {{"stripe_customer_id", "cus_1"}, {"value", "1"}}, {}, mk::from_unix(ts)};
  };
  BOOST_TEST(l.submit(e(t0 - 10), {mk::from_unix(t0), 1}).accepted());
  BOOST_TEST(code_of(l.submit(e(t0 - 11), {mk::from_unix(t0), 2})) == "timestamp_too_far_in_past");
  BOOST_TEST(code_of(l.submit(e(t0 + 1), {mk::from_unix(t0), 3})) == "timestamp_in_future");
}

BOOST_AUTO_TEST_CASE(M5_identifier_window_is_one_day_from_acceptance) {
  fixture f;
  const std::int64_t r = t0;
  BOOST_TEST(f.submit("api", "1", r, r, "evt").accepted());
  const auto dup = f.submit("api", "2", r + 86399, r + 86399, "evt");
  BOOST_TEST(code_of(dup) == "duplicate_meter_event");
  BOOST_TEST(dup.error().message.find(std::to_string(r)) != std::string::npos);
  BOOST_TEST(f.submit("api", "4", r + 86400, r + 86400, "evt").accepted());
  BOOST_TEST(f.quantity("mtr_api", r, r + 2 * day, r + 2 * day) == 5);
}

BOOST_AUTO_TEST_CASE(D14_identifier_window_restarts_at_each_acceptance) {
  fixture f;
  BOOST_TEST(f.submit("api", "1", t0, t0, "evt").accepted());
  BOOST_TEST(f.submit("api", "1", t0 + day, t0 + day, "evt").accepted());
  BOOST_TEST(code_of(f.submit("api", "1", t0 + 2 * day - 1, t0 + 2 * day - 1, "evt")) ==
             "duplicate_meter_event");
  BOOST_TEST(f.submit("api", "1", t0 + 2 * day, t0 + 2 * day, "evt").accepted());
}

BOOST_AUTO_TEST_CASE(M5_one_identifier_space_across_meters) {
  fixture f;
  BOOST_TEST(f.submit("api", "1", t0, t0, "evt").accepted());
  BOOST_TEST(code_of(f.submit("hourly", "1", t0, t0 + 5, "evt")) == "duplicate_meter_event");
  BOOST_TEST(code_of(f.submit("calls", std::nullopt, t0, t0 + 5, "evt", "cus_2")) == "duplicate_meter_event");
}

BOOST_AUTO_TEST_CASE(M5_a_cancelled_event_still_holds_its_identifier) {
  fixture f;
  BOOST_TEST(f.submit("api", "1", t0, t0, "evt").accepted());
  BOOST_TEST(f.cancel("api", "evt", t0 + 10).accepted());
  BOOST_TEST(code_of(f.submit("api", "1", t0, t0 + 20, "evt")) == "duplicate_meter_event");
}

BOOST_AUTO_TEST_CASE(D14_events_without_identifier_never_collide) {
  fixture f;
  BOOST_TEST(f.submit("api", "1", t0, t0).accepted());
  BOOST_TEST(f.submit("api", "1", t0, t0, std::string{}).accepted());  // empty = none (D3)
  BOOST_TEST(f.submit("api", "1", t0, t0).accepted());
  BOOST_TEST(f.quantity("mtr_api", t0, t0 + 1, t0) == 3);
  BOOST_TEST(code_of(f.cancel("api", std::string{}, t0 + 1)) == "meter_event_adjustment_invalid");
}

BOOST_AUTO_TEST_CASE(M5_identifier_dedup_off_and_forever_are_policies) {
  mk::basic_meter_ledger<mk::stripe_timestamp_window, mk::no_identifier_dedup> off({def("m", "api")}, {"c"});
  mk::basic_meter_ledger<mk::stripe_timestamp_window, mk::identifiers_never_expire> forever({def("m", "api")},
                                                                                            {"c"});
  const mk::meter_event e{"api", {{"stripe_customer_id", "c"}, {"value", "1"}}, "same", {}};
  auto at = [](std::int64_t r, std::uint64_t a) { return mk::arrival_stamp{mk::from_unix(r), a}; };
  BOOST_TEST(off.submit(e, at(t0, 1)).accepted());
  BOOST_TEST(off.submit(e, at(t0, 2)).accepted());
  BOOST_TEST(forever.submit(e, at(t0, 1)).accepted());
  BOOST_TEST(code_of(forever.submit(e, at(t0 + 30 * day, 2))) == "duplicate_meter_event");
}

BOOST_AUTO_TEST_CASE(M6_unknown_meter_inactive_meter_missing_keys_unknown_customer) {
  fixture f;
  BOOST_TEST(code_of(f.submit("nope", "1", t0, t0)) == "no_meter");
  BOOST_TEST(code_of(f.submit("old", "1", t0, t0)) == "archived_meter");
  BOOST_TEST(code_of(f.submit("api", std::nullopt, t0, t0)) == "meter_event_value_not_found");
  BOOST_TEST(code_of(f.submit("api", "1", t0, t0, std::nullopt, "cus_404")) ==
             "meter_event_customer_not_found");
  BOOST_TEST(code_of(f.submit("api", "1", t0, t0, std::nullopt, "")) == "meter_event_customer_not_found");
  mk::meter_event no_customer{"api", {{"value", "1"}}, {}, mk::from_unix(t0)};
  BOOST_TEST(code_of(f.ledger.submit(no_customer, {mk::from_unix(t0), ++f.arrival})) ==
             "meter_event_no_customer_defined");
  BOOST_TEST(f.ledger.events().empty());
}

// ---------------------------------------------------------------------------------------------
// Ingestion and formulas (M7-M9, M12, D15)

BOOST_AUTO_TEST_CASE(M7_raw_events_with_the_same_timestamp_all_count) {
  fixture f;
  BOOST_TEST(f.submit("api", "2", t0, t0).accepted());
  BOOST_TEST(f.submit("api", "3", t0, t0 + 1).accepted());
  BOOST_TEST(f.quantity("mtr_api", t0, t0 + 1, t0 + 1) == 5);
}

BOOST_AUTO_TEST_CASE(M8_newer_arrival_replaces_older_in_hour) {
  fixture f;
  BOOST_TEST(f.submit("hourly", "10", t0 + 3000, t0 + 3000).accepted());
  BOOST_TEST(f.submit("hourly", "4", t0 + 100, t0 + 3100).accepted());   // earlier timestamp, later arrival
  BOOST_TEST(f.submit("hourly", "7", t0 + 3600, t0 + 3700).accepted());  // next hour
  BOOST_TEST(f.quantity("mtr_hourly", t0, t0 + 7200, t0 + 3050) == 10);
  BOOST_TEST(f.quantity("mtr_hourly", t0, t0 + 7200, t0 + 3100) == 4);
  BOOST_TEST(f.quantity("mtr_hourly", t0, t0 + 7200, t0 + 3700) == 11);
}

BOOST_AUTO_TEST_CASE(M8_cancelling_the_latest_makes_the_previous_arrival_count_again) {
  fixture f;
  BOOST_TEST(f.submit("hourly", "10", t0 + 10, t0 + 10, "a").accepted());
  BOOST_TEST(f.submit("hourly", "20", t0 + 20, t0 + 20, "b").accepted());
  BOOST_TEST(f.submit("hourly", "30", t0 + 30, t0 + 30, "c").accepted());
  BOOST_TEST(f.cancel("hourly", "c", t0 + 100).accepted());
  BOOST_TEST(f.quantity("mtr_hourly", t0, t0 + 3600, t0 + 99) == 30);   // as_of before the cancel
  BOOST_TEST(f.quantity("mtr_hourly", t0, t0 + 3600, t0 + 100) == 20);  // at and after the cancel
  BOOST_TEST(f.cancel("hourly", "b", t0 + 200).accepted());
  BOOST_TEST(f.quantity("mtr_hourly", t0, t0 + 3600, t0 + 200) == 10);
  BOOST_TEST(f.quantity("mtr_hourly", t0, t0 + 3600, t0 + 150) == 20);
  BOOST_TEST(f.cancel("hourly", "a", t0 + 300).accepted());
  BOOST_TEST(f.quantity("mtr_hourly", t0, t0 + 3600, t0 + 300) == 0);
}

BOOST_AUTO_TEST_CASE(D15_survivor_is_chosen_before_the_period_filter_and_counts_in_its_own_period) {
  fixture f;
  // One hour [t0, t0+3600); a period boundary at t0+1800 splits it.
  BOOST_TEST(f.submit("hourly", "5", t0 + 100, t0 + 100).accepted());
  BOOST_TEST(f.submit("hourly", "9", t0 + 2000, t0 + 2000).accepted());
  // The survivor (value 9) has timestamp t0+2000: it counts in [t0+1800, ...) only, and the
  // superseded 5 does not come back in the earlier period.
  BOOST_TEST(f.quantity("mtr_hourly", t0, t0 + 1800, t0 + 5000) == 0);
  BOOST_TEST(f.quantity("mtr_hourly", t0 + 1800, t0 + 3600, t0 + 5000) == 9);
  BOOST_TEST(f.quantity("mtr_hourly", t0, t0 + 1800, t0 + 1000) == 5);  // as of before the 9 arrived
}

BOOST_AUTO_TEST_CASE(M8_day_windows_and_last_take_the_latest_arrival_per_day) {
  fixture f;
  BOOST_TEST(f.submit("daily", "3", t0 + 80000, t0 + 80000).accepted());
  BOOST_TEST(f.submit("daily", "8", t0 + 10, t0 + 80001).accepted());  // same day, later arrival wins
  BOOST_TEST(f.submit("daily", "6", t0 + day + 5, t0 + day + 5).accepted());
  BOOST_TEST(f.quantity("mtr_daily", t0, t0 + day, t0 + 2 * day) == 8);
  BOOST_TEST(f.quantity("mtr_daily", t0, t0 + 2 * day, t0 + 2 * day) == 6);  // last by timestamp
}

BOOST_AUTO_TEST_CASE(M9_last_takes_greatest_timestamp_ties_by_later_arrival) {
  fixture f;
  BOOST_TEST(f.submit("seats", "5", t0 + 50, t0 + 50).accepted());
  BOOST_TEST(f.submit("seats", "3", t0 + 40, t0 + 60).accepted());
  BOOST_TEST(f.quantity("mtr_seats", t0, t0 + 100, t0 + 100) == 5);
  BOOST_TEST(f.submit("seats", "9", t0 + 50, t0 + 70).accepted());
  BOOST_TEST(f.quantity("mtr_seats", t0, t0 + 100, t0 + 100) == 9);
  BOOST_TEST(f.quantity("mtr_seats", t0, t0 + 100, t0 + 65) == 5);
}

BOOST_AUTO_TEST_CASE(M9_no_events_is_zero_and_unknown_customers_are_zero) {
  fixture f;
  BOOST_TEST(f.quantity("mtr_api", t0, t0 + day, t0 + day) == 0);
  BOOST_TEST(f.quantity("mtr_seats", t0, t0 + day, t0 + day, "cus_404") == 0);
  BOOST_CHECK_THROW((void)f.quantity("mtr_404", t0, t0 + day, t0 + day), mk::configuration_error);
}

BOOST_AUTO_TEST_CASE(M12_negative_corrections_are_summed_unclamped) {
  fixture f;
  BOOST_TEST(f.submit("api", "5", t0, t0).accepted());
  BOOST_TEST(f.submit("api", "-15", t0 + 1, t0 + 1).accepted());
  BOOST_TEST(f.quantity("mtr_api", t0, t0 + day, t0 + day) == -10);
  const auto s = f.ledger.summaries("mtr_api", "cus_1", {mk::from_unix(t0), mk::from_unix(t0 + day)},
                                    mk::window_kind::none, mk::from_unix(t0 + day));
  BOOST_REQUIRE(s.has_value());
  BOOST_TEST(s->front().aggregated_value == -10);
}

BOOST_AUTO_TEST_CASE(period_is_half_open_start_included_end_excluded) {
  fixture f;
  BOOST_TEST(f.submit("api", "1", t0, t0).accepted());
  BOOST_TEST(f.submit("api", "2", t0 + 100, t0 + 100).accepted());
  BOOST_TEST(f.quantity("mtr_api", t0, t0 + 100, t0 + 100) == 1);
  BOOST_TEST(f.quantity("mtr_api", t0 + 100, t0 + 101, t0 + 100) == 2);
}

// ---------------------------------------------------------------------------------------------
// Cancellations (M10, M11, D16)

BOOST_AUTO_TEST_CASE(M10_cancellation_is_too_late_at_exactly_one_day_after_arrival) {
  fixture f;
  BOOST_TEST(f.submit("api", "1", t0, t0 + 5, "a").accepted());
  BOOST_TEST(f.submit("api", "1", t0, t0 + 5, "b").accepted());
  BOOST_TEST(f.cancel("api", "a", t0 + 5 + 86399).accepted());
  BOOST_TEST(code_of(f.cancel("api", "b", t0 + 5 + 86400)) == "meter_event_adjustment_too_late");
}

BOOST_AUTO_TEST_CASE(D16_already_cancelled_is_checked_before_too_late) {
  fixture f;
  BOOST_TEST(f.submit("api", "1", t0, t0, "a").accepted());
  BOOST_TEST(f.cancel("api", "a", t0 + 10).accepted());
  BOOST_TEST(code_of(f.cancel("api", "a", t0 + 20)) == "meter_event_already_cancelled");
  BOOST_TEST(code_of(f.cancel("api", "a", t0 + 2 * day)) == "meter_event_already_cancelled");
}

BOOST_AUTO_TEST_CASE(D16_invalid_type_missing_identifier_unknown_name_and_unknown_identifier) {
  fixture f;
  BOOST_TEST(f.submit("api", "1", t0, t0, "a").accepted());
  BOOST_TEST(code_of(f.cancel("api", "a", t0 + 1, "void")) == "meter_event_adjustment_invalid");
  BOOST_TEST(code_of(f.cancel("nope", "a", t0 + 1, "void")) == "meter_event_adjustment_invalid");
  BOOST_TEST(code_of(f.cancel("api", std::nullopt, t0 + 1)) == "meter_event_adjustment_invalid");
  BOOST_TEST(code_of(f.cancel("nope", "a", t0 + 1)) == "meter_event_adjustment_not_found");
  BOOST_TEST(code_of(f.cancel("", "a", t0 + 1)) == "meter_event_adjustment_not_found");
  BOOST_TEST(code_of(f.cancel("api", "zzz", t0 + 1)) == "meter_event_adjustment_not_found");
  BOOST_TEST(code_of(f.cancel("hourly", "a", t0 + 1)) == "meter_event_adjustment_not_found");  // other meter
  BOOST_TEST(f.quantity("mtr_api", t0, t0 + 1, t0 + 10) == 1);
}

// Stripe's maxLength of 100 on event_name, identifier and cancel.identifier, counted in characters.
BOOST_AUTO_TEST_CASE(M2_D12_D16_names_and_identifiers_hold_at_most_100_characters) {
  const std::string hundred(100, 'n');
  const std::string hundred_and_one(101, 'n');
  std::string hundred_euros;  // 100 characters of 3 bytes each: 300 bytes
  for (int i = 0; i < 100; ++i) hundred_euros += "\u20ac";
  mk::meter_ledger l({def("mtr_long", hundred)}, {"cus_1"});
  std::uint64_t position = 0;
  const auto submit = [&](const std::string& name, const std::optional<std::string>& identifier) {
    mk::meter_event e{name, {{"stripe_customer_id", "cus_1"}, {"value", "1"}}, identifier, mk::from_unix(t0)};
    ++position;
    return l.submit(e, {mk::from_unix(t0), position});
  };
  const auto cancel = [&](const std::string& name, const std::optional<std::string>& identifier,
                          std::optional<std::string> type = std::string("cancel")) {
    mk::meter_event_adjustment a{name, std::move(type), identifier};
    ++position;
    return l.submit(a, {mk::from_unix(t0 + 1), position});
  };
  BOOST_TEST(submit(hundred, hundred).accepted());
  BOOST_TEST(submit(hundred, hundred_euros).accepted());
  const auto long_identifier = submit(hundred, hundred_euros + "x");
  BOOST_TEST(code_of(long_identifier) == "string_too_long");
  BOOST_TEST(long_identifier.error().param == "identifier");
  BOOST_TEST(long_identifier.error().message == "identifier is 101 characters long; at most 100 are allowed");
  // The length comes before every other check: a long unknown name is too long, not unknown.
  const auto long_name = submit(hundred_and_one, "i");
  BOOST_TEST(code_of(long_name) == "string_too_long");
  BOOST_TEST(long_name.error().param == "event_name");
  BOOST_TEST(code_of(submit(hundred + "\u20ac", std::nullopt)) == "string_too_long");
  BOOST_TEST(l.quantity("mtr_long", "cus_1", mk::all_time, mk::from_unix(t0)) ==
             2);  // rejected ones took nothing
  // Cancellations: type and presence first (D16), then the lengths, then the lookup.
  BOOST_TEST(code_of(cancel(hundred_and_one, hundred_and_one, "void")) == "meter_event_adjustment_invalid");
  const auto long_cancel = cancel(hundred, hundred_and_one);
  BOOST_TEST(code_of(long_cancel) == "string_too_long");
  BOOST_TEST(long_cancel.error().param == "cancel.identifier");
  BOOST_TEST(code_of(cancel(hundred_and_one, "x")) == "string_too_long");
  BOOST_TEST(cancel(hundred, hundred_euros).accepted());
  BOOST_TEST(l.quantity("mtr_long", "cus_1", mk::all_time, mk::from_unix(t0 + 2)) == 1);
}

BOOST_AUTO_TEST_CASE(M2_a_meter_whose_event_name_no_event_could_name_is_refused) {
  mk::meter_ledger l;
  BOOST_CHECK_THROW(l.add_meter(def("mtr_long", std::string(101, 'n'))), mk::configuration_error);
  try {
    l.add_meter(def("mtr_long", std::string(101, 'n')));
  } catch (const mk::configuration_error& e) {
    BOOST_TEST(std::string(e.what()).find("101 characters long; at most 100 are allowed (M2)") !=
               std::string::npos);
  }
  l.add_meter(def("mtr_ok", std::string(100, 'n')));
  BOOST_TEST(l.meters().size() == 1u);
}

BOOST_AUTO_TEST_CASE(D16_rejected_events_cannot_be_cancelled) {
  fixture f;
  BOOST_TEST(code_of(f.submit("api", "x", t0, t0, "a")) == "meter_event_invalid_value");
  BOOST_TEST(code_of(f.cancel("api", "a", t0 + 1)) == "meter_event_adjustment_not_found");
}

BOOST_AUTO_TEST_CASE(D16_cancellation_targets_the_most_recently_accepted_event_with_that_identifier) {
  fixture f;
  BOOST_TEST(f.submit("api", "1", t0, t0, "a").accepted());
  BOOST_TEST(f.submit("api", "100", t0 + day, t0 + day, "a").accepted());  // identifier free again
  BOOST_TEST(f.cancel("api", "a", t0 + day + 10).accepted());
  BOOST_TEST(f.quantity("mtr_api", t0, t0 + 2 * day, t0 + 2 * day) == 1);
  BOOST_TEST(!f.ledger.events()[0].cancelled_at.has_value());
  BOOST_TEST((f.ledger.events()[1].cancelled_at == mk::from_unix(t0 + day + 10)));
}

BOOST_AUTO_TEST_CASE(M11_a_cancellation_does_not_change_quantities_as_of_before_it) {
  fixture f;
  BOOST_TEST(f.submit("api", "7", t0, t0, "a").accepted());
  BOOST_TEST(f.submit("api", "3", t0, t0 + 1, "b").accepted());
  BOOST_TEST(f.cancel("api", "a", t0 + 3600).accepted());
  // an invoice finalized at t0+3599 keeps 10; any as_of from the cancellation on sees 3
  BOOST_TEST(f.quantity("mtr_api", t0, t0 + day, t0 + 3599) == 10);
  BOOST_TEST(f.quantity("mtr_api", t0, t0 + day, t0 + 3600) == 3);
  BOOST_TEST(f.quantity("mtr_api", t0, t0 + day, t0) == 7);  // b not yet arrived
}

// ---------------------------------------------------------------------------------------------
// Summaries (M13) and records (D24)

BOOST_AUTO_TEST_CASE(M13_summaries_one_value_per_window_in_time_order) {
  fixture f;
  BOOST_TEST(f.submit("api", "1", t0 + 10, t0 + 10).accepted());
  BOOST_TEST(f.submit("api", "2", t0 + 3600 * 2 + 5, t0 + 3600 * 2 + 5).accepted());
  const auto s = f.ledger.summaries("mtr_api", "cus_1", {mk::from_unix(t0), mk::from_unix(t0 + 3 * 3600)},
                                    mk::window_kind::hour, mk::from_unix(t0 + day));
  BOOST_REQUIRE(s.has_value());
  BOOST_REQUIRE(s->size() == 3u);
  BOOST_TEST((*s)[0].aggregated_value == 1);
  BOOST_TEST((*s)[1].aggregated_value == 0);
  BOOST_TEST((*s)[2].aggregated_value == 2);
  BOOST_TEST(((*s)[2].window == mk::period{mk::from_unix(t0 + 7200), mk::from_unix(t0 + 10800)}));
  const auto d = f.ledger.summaries("mtr_api", "cus_1", {mk::from_unix(t0), mk::from_unix(t0 + 2 * day)},
                                    mk::window_kind::day, mk::from_unix(t0 + day));
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->size() == 2u);
  BOOST_TEST((*d)[0].aggregated_value == 3);
}

BOOST_AUTO_TEST_CASE(M13_bounds_must_be_aligned) {
  fixture f;
  auto code = [&](std::int64_t start, std::int64_t end, mk::window_kind g) -> std::string {
    const auto s = f.ledger.summaries("mtr_api", "cus_1", {mk::from_unix(start), mk::from_unix(end)}, g,
                                      mk::from_unix(t0 + day));
    return s.has_value() ? "ok" : s.error().param;
  };
  BOOST_TEST(code(t0 + 60, t0 + 120, mk::window_kind::none) == "ok");
  BOOST_TEST(code(t0 + 61, t0 + 120, mk::window_kind::none) == "start_time");
  BOOST_TEST(code(t0, t0 + 121, mk::window_kind::none) == "end_time");
  BOOST_TEST(code(t0 + 60, t0 + 60, mk::window_kind::none) == "end_time");  // start < end
  BOOST_TEST(code(t0 + 120, t0 + 60, mk::window_kind::none) == "end_time");
  BOOST_TEST(code(t0 + 60, t0 + 3600, mk::window_kind::hour) == "start_time");
  BOOST_TEST(code(t0, t0 + 3660, mk::window_kind::hour) == "end_time");
  BOOST_TEST(code(t0, t0 + 7200, mk::window_kind::hour) == "ok");
  BOOST_TEST(code(t0 + 3600, t0 + day, mk::window_kind::day) == "start_time");
  BOOST_TEST(code(t0, t0 + day + 3600, mk::window_kind::day) == "end_time");
  BOOST_TEST(code(t0, t0 + day, mk::window_kind::day) == "ok");
  const auto s = f.ledger.summaries("mtr_api", "cus_1", {mk::from_unix(t0 + 1), mk::from_unix(t0 + 60)},
                                    mk::window_kind::none, mk::from_unix(t0));
  BOOST_TEST((s.error().code == mk::error_code::invalid_configuration));
}

BOOST_AUTO_TEST_CASE(D24_every_accepted_event_is_readable_with_its_cancellation_and_tag) {
  fixture f;
  BOOST_TEST(f.submit("api", "5", t0 - 100, t0, "a").accepted());
  BOOST_TEST(code_of(f.submit("api", "5", t0, t0 + 1, "a")) == "duplicate_meter_event");
  BOOST_TEST(f.submit("calls", std::nullopt, t0, t0 + 2, std::nullopt, "cus_2").accepted());
  BOOST_TEST(f.cancel("api", "a", t0 + 3).accepted());
  const auto& evs = f.ledger.events();
  BOOST_REQUIRE(evs.size() == 2u);
  BOOST_TEST(f.ledger.meter_of(evs[0]).id == "mtr_api");
  BOOST_TEST(f.ledger.customer_of(evs[0]) == "cus_1");
  BOOST_TEST((evs[0].time == mk::from_unix(t0 - 100)));
  BOOST_TEST((evs[0].received_at == mk::from_unix(t0)));
  BOOST_TEST(evs[0].value == 5);
  BOOST_TEST(evs[0].arrival == 1u);
  BOOST_TEST(evs[0].tag == 10u);
  BOOST_TEST((evs[0].cancelled_at == mk::from_unix(t0 + 3)));
  BOOST_TEST((evs[0].identifier == std::optional<std::string>("a")));
  BOOST_TEST(f.ledger.meter_of(evs[1]).id == "mtr_calls");
  BOOST_TEST(f.ledger.customer_of(evs[1]) == "cus_2");
  BOOST_TEST(evs[1].value == 1);
  BOOST_TEST(!evs[1].cancelled_at.has_value());
}

BOOST_AUTO_TEST_CASE(M5_M10_a_ledger_promised_no_cancellations_deduplicates_and_bills_alike) {
  fixture with;
  fixture without;
  without.ledger.expect_no_cancellations();
  BOOST_TEST(!without.ledger.takes_cancellations());
  for (fixture* f : {&with, &without}) {
    BOOST_TEST(f->submit("api", "5", t0, t0 + 10, "evt_1").accepted());
    BOOST_TEST(code_of(f->submit("api", "7", t0, t0 + 20, "evt_1")) == "duplicate_meter_event");  // M5 stays
    BOOST_TEST(f->submit("api", "9", t0 + 30, t0 + 40, "evt_2").accepted());
    BOOST_TEST(f->submit("hourly", "4", t0 + 50, t0 + 60, "evt_3").accepted());
  }
  for (const char* meter : {"mtr_api", "mtr_hourly"})
    BOOST_TEST(with.quantity(meter, t0, t0 + day, t0 + day) ==
               without.quantity(meter, t0, t0 + day, t0 + day));
  // No identifier is kept for cancellations, and a cancellation breaks the promise.
  for (const auto& e : without.ledger.events()) BOOST_TEST(!e.identifier.has_value());
  BOOST_CHECK_THROW((void)without.cancel("api", std::string("evt_1"), t0 + 100), mk::precondition_error);
  // The promise is saved with the ledger and restored from it.
  mk::state_writer out;
  without.ledger.save(out);
  fixture restored;
  mk::state_reader in(out.bytes(), "ledger");
  restored.ledger.load(in);
  BOOST_TEST(!restored.ledger.takes_cancellations());
  BOOST_TEST(restored.quantity("mtr_api", t0, t0 + day, t0 + day) == 14);
  // A ledger that takes cancellations and its saved state keep the identifiers.
  mk::state_writer taking;
  with.ledger.save(taking);
  mk::state_reader again(taking.bytes(), "ledger");
  fixture both;
  both.ledger.load(again);
  both.arrival = with.arrival;  // operations go on after the saved ones
  BOOST_TEST(both.ledger.takes_cancellations());
  BOOST_TEST(both.cancel("api", std::string("evt_1"), t0 + 100).accepted());
}

BOOST_AUTO_TEST_CASE(M10_D14_an_event_no_cancellation_can_name_is_settled_on_arrival) {
  // Settling on arrival is settling later, done at once: same quantities for every period that
  // contains or misses the segment, and the event log never holds what was settled.
  const mk::period segment{mk::from_unix(t0), mk::from_unix(t0 + day)};
  const auto where = [&](const mk::accepted_meter_event& e) -> std::optional<mk::period> {
    if (e.time < segment.start) return mk::period{};  // forgotten
    if (segment.contains(e.time)) return segment;
    return std::nullopt;  // kept
  };
  fixture at_once;
  fixture later;
  struct step {
    const char* name;
    std::int64_t value, time, received;
    std::optional<std::string> identifier;
    std::size_t log_after;  // events in at_once's log afterwards
  };
  const std::vector<step> steps = {
      {"api", 5, t0 + 5, t0 + 6, std::nullopt, 0},              // no identifier (D14): into the segment
      {"api", 7, t0 + 10, t0 + 11, "evt_1", 1},                 // may still be cancelled (M10): kept
      {"api", 100, t0 - 100, t0 + 20, std::nullopt, 1},         // before the segment: forgotten
      {"api", 3, t0 + day + 5, t0 + day + 6, std::nullopt, 2},  // where() keeps it
      {"hourly", 4, t0 + 30, t0 + day + 7, std::nullopt, 3},    // pre-aggregated: cannot settle (M8)
      {"api", 2, t0 + 40, t0 + day + 8, std::nullopt, 3},       // into the segment again
  };
  for (const auto& s : steps) {
    const auto e = at_once.event(s.name, std::to_string(s.value), s.time, s.received, s.identifier);
    BOOST_TEST(at_once.ledger.submit(e.event, e.at, where).accepted());
    BOOST_TEST(later.submit(s.name, std::to_string(s.value), s.time, s.received, s.identifier).accepted());
    BOOST_TEST(at_once.ledger.events().size() == s.log_after);
    // The event just accepted, whether the log holds it or not.
    BOOST_TEST(mk::to_unix(at_once.ledger.last_accepted().time) == s.time);
    BOOST_TEST(at_once.ledger.last_accepted().value == s.value);
  }
  later.ledger.settle_events([&](const mk::accepted_meter_event& e) -> std::optional<mk::period> {
    if (e.identifier) return std::nullopt;
    return where(e);
  });
  const std::int64_t as_of = t0 + day + 100;
  for (const auto& [meter, start, end] :
       {std::tuple{"mtr_api", t0, t0 + day}, std::tuple{"mtr_api", t0, t0 + 2 * day},
        std::tuple{"mtr_api", t0 + day, t0 + 2 * day}, std::tuple{"mtr_hourly", t0, t0 + day}}) {
    BOOST_TEST_CONTEXT(meter << " [" << start << ", " << end << ")") {
      BOOST_TEST(at_once.quantity(meter, start, end, as_of) == later.quantity(meter, start, end, as_of));
    }
  }
  BOOST_TEST(at_once.quantity("mtr_api", t0, t0 + day, as_of) == 5 + 7 + 2);
  // The identified event is still cancellable, and so is nothing that was settled.
  BOOST_TEST(at_once.cancel("api", std::string("evt_1"), t0 + day + 9).accepted());
  BOOST_TEST(at_once.quantity("mtr_api", t0, t0 + day, as_of) == 5 + 2);
  // A ledger promised no cancellations settles identified events on arrival too.
  fixture promised;
  promised.ledger.expect_no_cancellations();
  const auto e = promised.event("api", "9", t0 + 1, t0 + 2, "evt_9");
  BOOST_TEST(promised.ledger.submit(e.event, e.at, where).accepted());
  BOOST_TEST(promised.ledger.events().empty());
  BOOST_TEST(code_of(promised.submit("api", "9", t0 + 1, t0 + 3, "evt_9")) == "duplicate_meter_event");  // M5
  BOOST_TEST(promised.quantity("mtr_api", t0, t0 + day, t0 + day) == 9);
}

BOOST_AUTO_TEST_CASE(M1_every_payload_entry_is_read_however_many_there_are) {
  // The customer and value keys after many other entries (more than fit on the stack).
  for (const std::size_t others : {0U, 7U, 8U, 30U}) {
    fixture f;
    mk::meter_event e;
    e.event_name = "api";
    for (std::size_t k = 0; k < others; ++k) e.payload.emplace_back("k" + std::to_string(k), "v");
    e.payload.emplace_back("value", "6");
    e.payload.emplace_back("stripe_customer_id", "cus_2");
    e.timestamp = mk::from_unix(t0);
    BOOST_TEST_CONTEXT(others << " other entries") {
      BOOST_TEST(f.ledger.submit(e, mk::arrival_stamp{mk::from_unix(t0 + 1), 1}).accepted());
      BOOST_TEST(f.quantity("mtr_api", t0, t0 + day, t0 + day, "cus_2") == 6);
    }
  }
}

BOOST_AUTO_TEST_CASE(operations_must_come_in_arrival_order) {
  fixture f;
  BOOST_TEST(f.submit("api", "1", t0, t0 + 10).accepted());
  BOOST_CHECK_THROW(f.submit("api", "1", t0, t0 + 9), mk::precondition_error);
  auto e = f.event("api", "1", t0, t0 + 10);
  e.at.position = 1;  // not after the previous arrival
  BOOST_CHECK_THROW(f.ledger.submit(e.event, e.at), mk::precondition_error);
}

BOOST_AUTO_TEST_CASE(M10_D16_settled_events_a_later_cancellation_names_answer_it_through_closed_targets) {
  // Events a later cancellation will name need not stay past their window: the ledger keeps only
  // what answers that cancellation (already cancelled, or too late), for the latest acceptance.
  fixture f;
  BOOST_TEST(f.submit("api", "5", t0, t0, "a").accepted());
  BOOST_TEST(f.submit("api", "7", t0 + 10, t0 + 10, "b").accepted());
  BOOST_TEST(f.cancel("api", std::string("b"), t0 + 20).accepted());
  BOOST_TEST(f.submit("seats", "3", t0 + 30, t0 + 30, "s").accepted());            // older acceptance
  BOOST_TEST(f.submit("seats", "4", t0 + 2 * day, t0 + 2 * day, "s").accepted());  // latest (D16)
  BOOST_TEST(f.submit("api", "1", t0 + 5 * day, t0 + 5 * day, "c").accepted());    // in its window
  const auto older_seats = [](const mk::accepted_meter_event& e) {
    return e.meter == 1 && mk::to_unix(e.received_at) == t0 + 30;
  };
  // Everything out but the older seats event (kept, as a bounded history keeps events of open
  // periods of meters that cannot settle); every identifier is named by a later cancellation.
  const auto where = [&](const mk::accepted_meter_event& e) -> std::optional<mk::period> {
    if (older_seats(e)) return std::nullopt;
    return mk::period{};
  };
  const auto named = [](const mk::accepted_meter_event&) { return true; };
  BOOST_TEST(f.ledger.settle_events(where, named) == 3U);
  // "c" is still inside its window: kept whatever `where` said.
  BOOST_TEST(f.ledger.events().size() == 2U);
  const auto answers = [&](fixture& g, std::int64_t at) {
    std::vector<std::string> out;
    for (const char* name : {"api", "api", "seats", "api", "api"}) {
      static const char* ids[] = {"a", "b", "s", "z", "c"};
      const auto o = g.cancel(name, std::string(ids[out.size()]), at);
      out.push_back(code_of(o) + (o.accepted() ? "" : ": " + o.error().message));
    }
    return out;
  };
  // Saved and loaded, the closed targets answer the same.
  mk::state_writer saved;
  f.ledger.save(saved);
  fixture restored;
  mk::state_reader in(saved.bytes(), "ledger");
  restored.ledger.load(in);
  restored.arrival = f.arrival;
  const std::int64_t at = t0 + 5 * day + 1;
  for (fixture* g : {&f, &restored}) {
    const auto got = answers(*g, at);
    BOOST_TEST(got[0] == "meter_event_adjustment_too_late: the event with identifier a arrived at " +
                             mk::message_time(mk::from_unix(t0)) +
                             ", more than 86400 seconds before this cancellation");
    BOOST_TEST(got[1] ==
               "meter_event_already_cancelled: the event with identifier b was already cancelled at " +
                   mk::message_time(mk::from_unix(t0 + 20)));
    // The latest acceptance of "s" was taken out, the older one is still held: the latest answers.
    BOOST_TEST(got[2] == "meter_event_adjustment_too_late: the event with identifier s arrived at " +
                             mk::message_time(mk::from_unix(t0 + 2 * day)) +
                             ", more than 86400 seconds before this cancellation");
    BOOST_TEST(got[3].rfind("meter_event_adjustment_not_found", 0) == 0);
    BOOST_TEST(got[4] == "accepted");
  }
  // Without closed targets, a settled event is as if never accepted.
  fixture plain;
  BOOST_TEST(plain.submit("api", "5", t0, t0, "a").accepted());
  BOOST_TEST(plain.submit("api", "1", t0 + 2 * day, t0 + 2 * day).accepted());
  BOOST_TEST(plain.ledger.settle_events([](const mk::accepted_meter_event&) { return mk::period{}; }) == 2U);
  BOOST_TEST(code_of(plain.cancel("api", std::string("a"), t0 + 2 * day)) ==
             "meter_event_adjustment_not_found");
}

BOOST_AUTO_TEST_SUITE_END()
