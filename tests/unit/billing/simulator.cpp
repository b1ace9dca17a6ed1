// SPDX-License-Identifier: MIT
#include <meterkit/billing/replay.hpp>
#include <meterkit/billing/simulator.hpp>
#include <meterkit/stripe/plan_json.hpp>

#include <boost/test/unit_test.hpp>

#include "handed_over.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace mk = meterkit;

namespace meterkit {
inline std::ostream& boost_test_print_type(std::ostream& os, invoice_status s) { return os << to_string(s); }
inline std::ostream& boost_test_print_type(std::ostream& os, error_code c) { return os << to_string(c); }
}  // namespace meterkit
BOOST_TEST_DONT_PRINT_LOG_VALUE(meterkit::timestamp)

namespace {

mk::timestamp at(std::string_view rfc3339) { return *mk::parse_time(rfc3339); }

mk::meter_definition meter(std::string id, std::string event_name,
                           mk::formula_kind formula = mk::formula_kind::sum,
                           mk::window_kind window = mk::window_kind::none) {
  mk::meter_definition m;
  m.id = std::move(id);
  m.event_name = std::move(event_name);
  m.formula = formula;
  m.event_time_window = window;
  return m;
}

mk::price metered_price(std::string id, std::string meter_id, std::int64_t unit_amount) {
  mk::price p{std::move(id), mk::currency("usd")};
  p.unit_amount = mk::decimal::from_integer(unit_amount);
  p.recurring.usage_type = mk::usage_type::metered;
  p.recurring.meter = std::move(meter_id);
  return p;
}

mk::price legacy_price(std::string id, std::string aggregate_usage, std::int64_t unit_amount) {
  mk::price p{std::move(id), mk::currency("usd")};
  p.unit_amount = mk::decimal::from_integer(unit_amount);
  p.recurring.usage_type = mk::usage_type::metered;
  p.recurring.aggregate_usage = *mk::parse_aggregate_usage(aggregate_usage);
  return p;
}

mk::price licensed_price(std::string id, std::int64_t unit_amount) {
  mk::price p{std::move(id), mk::currency("usd")};
  p.unit_amount = mk::decimal::from_integer(unit_amount);
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

/// One meter `api` (sum, 2 cents a unit) billed to cus_1 from 2025-01-01, monthly.
mk::plan api_plan() {
  mk::plan p;
  p.meters.push_back(meter("mtr_api", "api_requests"));
  p.prices.push_back(metered_price("price_api", "mtr_api", 2));
  p.subscriptions.push_back(
      subscription("sub_1", "cus_1", at("2025-01-01T00:00:00Z"), {{"si_api", "price_api", 1}}));
  return p;
}

mk::request event(std::string source, mk::timestamp received, std::string customer, std::string value,
                  std::optional<mk::timestamp> time = std::nullopt,
                  std::optional<std::string> identifier = std::nullopt,
                  std::string event_name = "api_requests") {
  mk::meter_event e;
  e.event_name = std::move(event_name);
  e.payload = {{"stripe_customer_id", std::move(customer)}, {"value", std::move(value)}};
  e.identifier = std::move(identifier);
  e.timestamp = time;
  mk::request r;
  r.operations.emplace_back(std::move(e));
  r.received_at = received;
  r.source = std::move(source);
  return r;
}

mk::request cancel(std::string source, mk::timestamp received, std::string identifier,
                   std::string event_name = "api_requests") {
  mk::meter_event_adjustment a;
  a.event_name = std::move(event_name);
  a.type = "cancel";
  a.cancel_identifier = std::move(identifier);
  mk::request r;
  r.operations.emplace_back(std::move(a));
  r.received_at = received;
  r.source = std::move(source);
  return r;
}

mk::request usage(std::string source, mk::timestamp received, std::string item, std::string quantity,
                  std::optional<std::string> time, std::optional<std::string> action = std::nullopt) {
  mk::usage_record u;
  u.subscription_item = std::move(item);
  u.quantity = std::move(quantity);
  if (time) u.timestamp = std::move(*time);
  u.action = std::move(action);
  mk::request r;
  r.operations.emplace_back(std::move(u));
  r.received_at = received;
  r.source = std::move(source);
  return r;
}

std::string unix_text(mk::timestamp t) { return std::to_string(mk::to_unix(t)); }

const mk::invoice& invoice_created(const mk::simulation_result& r, mk::timestamp created,
                                   std::string_view subscription = "sub_1") {
  for (const auto& inv : r.invoices) {
    if (inv.created == created && inv.subscription == subscription) return inv;
  }
  BOOST_FAIL("no invoice created at " + mk::format_rfc3339(created));
  return r.invoices.front();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_simulator)

BOOST_AUTO_TEST_CASE(D20_D21_invoice_at_start_boundary_invoices_and_the_upcoming_preview) {
  const auto plan = api_plan();
  const std::vector<mk::request> requests{
      event("u:1", at("2025-01-10T00:00:00Z"), "cus_1", "5"),
      event("u:2", at("2025-01-31T23:00:00Z"), "cus_1", "3"),
      event("u:3", at("2025-02-01T00:30:00Z"), "cus_1", "7"),
  };
  const auto r = mk::simulate(plan, requests);
  BOOST_TEST(mk::to_unix(r.until) == mk::to_unix(at("2025-02-01T00:30:00Z")));  // D21: latest arrival
  BOOST_REQUIRE_EQUAL(r.invoices.size(), 3u);
  // D20: the invoice at start_date has no metered lines and total 0.
  BOOST_TEST(r.invoices[0].lines.empty());
  BOOST_TEST(r.invoices[0].total == 0);
  BOOST_TEST(r.invoices[0].status == mk::invoice_status::finalized);
  // The invoice at Feb 1 bills January's usage; finalization at 01:00 is still ahead: draft.
  const auto& feb = r.invoices[1];
  BOOST_TEST(feb.created == at("2025-02-01T00:00:00Z"));
  BOOST_TEST(feb.status == mk::invoice_status::draft);
  BOOST_TEST(feb.finalized_at == at("2025-02-01T01:00:00Z"));
  BOOST_REQUIRE_EQUAL(feb.lines.size(), 1u);
  BOOST_TEST(feb.lines[0].quantity == 8);
  BOOST_TEST(feb.lines[0].amount == 16);
  BOOST_TEST(feb.total == 16);
  BOOST_TEST(feb.lines[0].service_period.start == at("2025-01-01T00:00:00Z"));
  BOOST_TEST(feb.lines[0].service_period.end == at("2025-02-01T00:00:00Z"));
  // The upcoming invoice at Mar 1 previews February as of until.
  const auto& mar = r.invoices[2];
  BOOST_TEST(mar.status == mk::invoice_status::upcoming);
  BOOST_TEST(mar.created == at("2025-03-01T00:00:00Z"));
  BOOST_TEST(mar.lines[0].quantity == 7);
  BOOST_TEST(r.counts.read == 3u);
  BOOST_TEST(r.counts.accepted == 3u);
  BOOST_TEST(r.counts.reconciles());
}

BOOST_AUTO_TEST_CASE(B3_finalized_at_until_and_draft_one_second_before) {
  const auto plan = api_plan();
  const std::vector<mk::request> requests{event("u:1", at("2025-01-10T00:00:00Z"), "cus_1", "5")};
  BOOST_TEST(
      invoice_created(mk::simulate(plan, requests, at("2025-02-01T01:00:00Z")), at("2025-02-01T00:00:00Z"))
          .status == mk::invoice_status::finalized);
  BOOST_TEST(
      invoice_created(mk::simulate(plan, requests, at("2025-02-01T00:59:59Z")), at("2025-02-01T00:00:00Z"))
          .status == mk::invoice_status::draft);
  // Exactly at the boundary the new invoice exists (draft) and the next one is upcoming.
  const auto r = mk::simulate(plan, requests, at("2025-02-01T00:00:00Z"));
  BOOST_TEST(invoice_created(r, at("2025-02-01T00:00:00Z")).status == mk::invoice_status::draft);
  BOOST_TEST(invoice_created(r, at("2025-03-01T00:00:00Z")).status == mk::invoice_status::upcoming);
}

BOOST_AUTO_TEST_CASE(B3_D24_usage_at_finalized_at_is_billed_one_second_later_is_late) {
  const auto plan = api_plan();
  const auto jan31 = at("2025-01-31T23:59:59Z");
  const std::vector<mk::request> requests{
      event("u:1", at("2025-02-01T01:00:00Z"), "cus_1", "4", jan31),
      event("u:2", at("2025-02-01T01:00:01Z"), "cus_1", "6", jan31, "evt_late"),
  };
  const auto r = mk::simulate(plan, requests, at("2025-02-02T00:00:00Z"));
  const auto& feb = invoice_created(r, at("2025-02-01T00:00:00Z"));
  BOOST_TEST(feb.status == mk::invoice_status::finalized);
  BOOST_TEST(feb.lines[0].quantity == 4);
  BOOST_REQUIRE_EQUAL(r.late.size(), 1u);
  BOOST_TEST(r.late[0].source == "u:2");
  BOOST_TEST(r.late[0].quantity == 6);
  BOOST_TEST(r.late[0].subscription_item == "si_api");
  BOOST_TEST(r.late[0].service_period.start == at("2025-01-01T00:00:00Z"));
  // What the late event names (D24): identifier, event name, customer, timestamp.
  BOOST_TEST(r.late[0].identifier == "evt_late");
  BOOST_TEST(r.late[0].event_name == "api_requests");
  BOOST_TEST(r.late[0].customer == "cus_1");
  BOOST_TEST(r.late[0].event_time == jan31);
  BOOST_TEST(r.counts.accepted == 2u);  // late usage is accepted and listed, not rejected
}

BOOST_AUTO_TEST_CASE(M11_cancellation_after_finalization_leaves_the_invoice_unchanged) {
  const auto plan = api_plan();
  const auto t = at("2025-01-31T23:30:00Z");
  const std::vector<mk::request> before{
      event("u:1", t, "cus_1", "10", t, "evt_1"),
      cancel("u:2", at("2025-02-01T00:30:00Z"), "evt_1"),
  };
  const std::vector<mk::request> after{
      event("u:1", t, "cus_1", "10", t, "evt_1"),
      cancel("u:2", at("2025-02-01T01:30:00Z"), "evt_1"),
  };
  const auto until = at("2025-02-01T12:00:00Z");
  const auto r1 = mk::simulate(plan, before, until);
  const auto r2 = mk::simulate(plan, after, until);
  BOOST_TEST(invoice_created(r1, at("2025-02-01T00:00:00Z")).lines[0].quantity == 0);
  BOOST_TEST(invoice_created(r2, at("2025-02-01T00:00:00Z")).lines[0].quantity == 10);
  BOOST_TEST(r1.counts.cancelled == 1u);
  BOOST_TEST(r2.counts.cancelled == 1u);
  BOOST_TEST(r2.counts.accepted == 2u);
}

BOOST_AUTO_TEST_CASE(D16_an_adjustment_without_type_is_invalid_because_the_type_is_required) {
  const auto plan = api_plan();
  const auto t = at("2025-01-10T00:00:00Z");
  auto untyped = cancel("u:2", t + mk::seconds{60}, "evt_1");
  std::get<mk::meter_event_adjustment>(untyped.operations[0]).type.reset();
  auto wrong = cancel("u:3", t + mk::seconds{120}, "evt_1");
  std::get<mk::meter_event_adjustment>(wrong.operations[0]).type = "void";
  const auto r = mk::simulate(plan, {event("u:1", t, "cus_1", "10", t, "evt_1"), untyped, wrong},
                              at("2025-02-02T00:00:00Z"));
  BOOST_REQUIRE_EQUAL(r.rejected.size(), 2u);
  BOOST_TEST(r.rejected[0].code == mk::error_code::meter_event_adjustment_invalid);
  BOOST_TEST(r.rejected[1].code == mk::error_code::meter_event_adjustment_invalid);
  BOOST_TEST(r.counts.cancelled == 0u);
  BOOST_TEST(invoice_created(r, at("2025-02-01T00:00:00Z")).lines[0].quantity == 10);
}

BOOST_AUTO_TEST_CASE(M12_negative_period_quantity_is_clamped_at_the_line) {
  const auto plan = api_plan();
  const std::vector<mk::request> requests{
      event("u:1", at("2025-01-10T00:00:00Z"), "cus_1", "5"),
      event("u:2", at("2025-01-11T00:00:00Z"), "cus_1", "-8"),
  };
  const auto r = mk::simulate(plan, requests, at("2025-02-02T00:00:00Z"));
  const auto& feb = invoice_created(r, at("2025-02-01T00:00:00Z"));
  BOOST_TEST(feb.lines[0].quantity == 0);
  BOOST_TEST(feb.lines[0].amount == 0);
}

BOOST_AUTO_TEST_CASE(B4_trial_bills_zero_and_usage_in_the_trial_is_not_billed) {
  auto plan = api_plan();
  plan.prices.push_back(licensed_price("price_seat", 1000));
  plan.subscriptions[0].items.push_back({"si_seat", "price_seat", 2});
  plan.subscriptions[0].trial_end = at("2025-01-15T00:00:00Z");
  const std::vector<mk::request> requests{
      event("u:1", at("2025-01-10T00:00:00Z"), "cus_1", "5"),
      event("u:2", at("2025-01-20T00:00:00Z"), "cus_1", "3"),
  };
  const auto r = mk::simulate(plan, requests, at("2025-02-20T00:00:00Z"));
  const auto& start = invoice_created(r, at("2025-01-01T00:00:00Z"));
  BOOST_REQUIRE_EQUAL(start.lines.size(), 1u);  // only the licensed line of the trial
  BOOST_TEST(start.lines[0].trial);
  BOOST_TEST(start.lines[0].quantity == 2);
  BOOST_TEST(start.lines[0].amount == 0);
  // The anchor defaults to trial_end: the next boundary is Jan 15.
  const auto& end_of_trial = invoice_created(r, at("2025-01-15T00:00:00Z"));
  BOOST_REQUIRE_EQUAL(end_of_trial.lines.size(), 2u);
  BOOST_TEST(end_of_trial.lines[0].quantity == 0);  // metered line of the trial
  BOOST_TEST(end_of_trial.lines[0].amount == 0);
  BOOST_TEST(end_of_trial.lines[1].amount == 2000);  // seats for [Jan 15, Feb 15)
  BOOST_TEST(end_of_trial.total == 2000);
  const auto& feb15 = invoice_created(r, at("2025-02-15T00:00:00Z"));
  BOOST_TEST(feb15.lines[0].quantity == 3);
  BOOST_TEST(feb15.lines[0].amount == 6);
}

BOOST_AUTO_TEST_CASE(B4_licensed_stub_is_prorated_by_seconds_and_rounded_once) {
  mk::plan plan;
  plan.prices.push_back(licensed_price("price_seat", 3100));
  auto sub = subscription("sub_1", "cus_1", at("2025-01-10T00:00:00Z"), {{"si_seat", "price_seat", 1}});
  sub.billing_cycle_anchor = at("2025-02-01T00:00:00Z");
  plan.subscriptions.push_back(sub);
  const auto r = mk::simulate(plan, {}, at("2025-02-01T00:00:00Z"));
  const auto& first = invoice_created(r, at("2025-01-10T00:00:00Z"));
  BOOST_TEST(first.lines[0].proration);
  BOOST_TEST(first.lines[0].amount == 2200);  // 3100 x 22 days / 31 days
  const auto& feb = invoice_created(r, at("2025-02-01T00:00:00Z"));
  BOOST_TEST(!feb.lines[0].proration);
  BOOST_TEST(feb.lines[0].amount == 3100);
}

BOOST_AUTO_TEST_CASE(D21_no_requests_and_no_until_is_an_error_and_late_starts_have_no_invoices) {
  BOOST_CHECK_THROW((void)mk::simulate(api_plan(), {}), mk::configuration_error);
  auto plan = api_plan();
  plan.subscriptions[0].start_date = at("2025-06-01T00:00:00Z");
  BOOST_TEST(mk::simulate(plan, {}, at("2025-05-31T23:59:59Z")).invoices.empty());
  BOOST_TEST(mk::simulate(plan, {}, at("2025-06-01T00:00:00Z")).invoices.size() == 2u);
}

BOOST_AUTO_TEST_CASE(I2_D19_replays_count_once_and_conflicts_are_rejected) {
  const auto plan = api_plan();
  auto first = event("r:1", at("2025-01-10T00:00:00Z"), "cus_1", "5");
  first.idempotency_key = "key_1";
  first.fingerprint = "POST /v1/billing/meter_events {value:5}";
  auto repeat = first;
  repeat.source = "r:2";
  repeat.received_at = at("2025-01-10T01:00:00Z");
  auto conflict = event("r:3", at("2025-01-10T02:00:00Z"), "cus_1", "6");
  conflict.idempotency_key = "key_1";
  conflict.fingerprint = "POST /v1/billing/meter_events {value:6}";
  auto expired = repeat;
  expired.source = "r:4";
  expired.received_at = at("2025-01-11T00:00:00Z");  // first use + 86400: the key is new again
  const auto r = mk::simulate(plan, {first, repeat, conflict, expired}, at("2025-02-02T00:00:00Z"));
  BOOST_TEST(r.counts.read == 4u);
  BOOST_TEST(r.counts.accepted == 2u);
  BOOST_TEST(r.counts.replayed == 1u);
  BOOST_TEST(r.counts.rejected == 1u);
  BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
  BOOST_TEST(r.rejected[0].source == "r:3");
  BOOST_TEST(r.rejected[0].code == mk::error_code::idempotency_error);
  BOOST_TEST(invoice_created(r, at("2025-02-01T00:00:00Z")).lines[0].quantity == 10);
}

BOOST_AUTO_TEST_CASE(D7_a_stream_request_is_n_operations_under_one_key) {
  const auto plan = api_plan();
  mk::request stream;
  stream.received_at = at("2025-01-10T00:00:00Z");
  stream.source = "s:1";
  stream.idempotency_key = "k";
  stream.fingerprint = "POST /v2/billing/meter_event_stream [..]";
  for (const char* v : {"1", "2", "x"}) {
    mk::meter_event e;
    e.event_name = "api_requests";
    e.payload = {{"stripe_customer_id", "cus_1"}, {"value", v}};
    stream.operations.emplace_back(e);
  }
  auto again = stream;
  again.received_at = at("2025-01-10T00:00:01Z");
  const auto r = mk::simulate(plan, {stream, again}, at("2025-02-02T00:00:00Z"));
  BOOST_TEST(r.counts.read == 6u);
  BOOST_TEST(r.counts.accepted == 2u);
  BOOST_TEST(r.counts.rejected == 1u);  // "x": meter_event_invalid_value
  BOOST_TEST(r.counts.replayed == 3u);
  BOOST_TEST(r.rejected[0].code == mk::error_code::meter_event_invalid_value);
  BOOST_TEST(r.rejected[0].source == "s:1");
}

/// D27: a rejection names what its operation names (identifier, event name, customer, timestamp,
/// index in a stream request), each only where the operation has it.
BOOST_AUTO_TEST_CASE(D27_a_rejection_names_the_identifier_event_name_customer_timestamp_and_index) {
  mk::plan plan = api_plan();
  mk::meter_definition custom = meter("mtr_custom", "custom_events");
  custom.customer_key = "account";
  plan.meters.push_back(custom);
  const auto t0 = at("2025-01-10T00:00:00Z");
  mk::request custom_event = event("c:1", t0 + std::chrono::seconds{3}, "ignored", "x");
  auto& e = std::get<mk::meter_event>(custom_event.operations[0]);
  e.event_name = "custom_events";
  e.payload = {{"account", "cus_1"}, {"value", "x"}};  // the meter's own key names the customer
  mk::request stream;
  stream.received_at = t0 + std::chrono::seconds{4};
  stream.source = "s:1";
  stream.stream = true;
  for (const char* v : {"1", "y"}) {
    mk::meter_event se;
    se.event_name = "api_requests";
    se.identifier = std::string("st_") + v;
    se.payload = {{"stripe_customer_id", "cus_1"}, {"value", v}};
    stream.operations.emplace_back(se);
  }
  const std::vector<mk::request> requests{
      event("a:1", t0, "cus_1", "5", at("2025-01-09T00:00:00Z"), "evt_1"),
      event("a:2", t0 + std::chrono::seconds{1}, "cus_1", "5", std::nullopt, "evt_1"),  // duplicate
      event("a:3", t0 + std::chrono::seconds{2}, "cus_1", "1", std::nullopt, std::nullopt, "nothing"),
      custom_event,
      stream,
      cancel("a:4", t0 + std::chrono::seconds{5}, "evt_404"),
      usage("a:5", t0 + std::chrono::seconds{6}, "si_api", "1", std::string("1736467200")),
  };
  const auto r = mk::simulate(plan, requests, at("2025-01-20T00:00:00Z"));
  struct expected {
    const char* source;
    mk::error_code code;
    const char* identifier;
    const char* event_name;
    const char* customer;
    std::optional<mk::timestamp> event_time;
    std::optional<std::uint64_t> index;
  };
  const std::vector<expected> table{
      {"a:2", mk::error_code::duplicate_meter_event, "evt_1", "api_requests", "cus_1",
       t0 + std::chrono::seconds{1}, std::nullopt},
      {"a:3", mk::error_code::no_meter, "", "nothing", "cus_1", t0 + std::chrono::seconds{2}, std::nullopt},
      {"c:1", mk::error_code::meter_event_invalid_value, "", "custom_events", "cus_1",
       t0 + std::chrono::seconds{3}, std::nullopt},
      {"s:1", mk::error_code::meter_event_invalid_value, "st_y", "api_requests", "cus_1",
       t0 + std::chrono::seconds{4}, 1u},
      {"a:4", mk::error_code::meter_event_adjustment_not_found, "evt_404", "api_requests", "", std::nullopt,
       std::nullopt},
      {"a:5", mk::error_code::resource_missing, "", "", "cus_1", at("2025-01-10T00:00:00Z"), std::nullopt},
  };
  BOOST_REQUIRE(r.rejected.size() == table.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& got = r.rejected[i];
    const auto& want = table[i];
    BOOST_TEST_CONTEXT(want.source) {
      BOOST_TEST(got.source == want.source);
      BOOST_TEST((got.code == want.code));
      BOOST_TEST(got.identifier == want.identifier);
      BOOST_TEST(got.event_name == want.event_name);
      BOOST_TEST(got.customer == want.customer);
      BOOST_TEST((got.event_time == want.event_time));
      BOOST_TEST((got.index == want.index));
    }
  }
}

BOOST_AUTO_TEST_CASE(D21_requests_after_until_are_pending_and_not_applied) {
  const auto plan = api_plan();
  const std::vector<mk::request> requests{
      event("u:1", at("2025-01-10T00:00:00Z"), "cus_1", "5"),
      event("u:2", at("2025-01-20T00:00:00Z"), "cus_1", "7"),
  };
  const auto r = mk::simulate(plan, requests, at("2025-01-15T00:00:00Z"));
  BOOST_TEST(r.counts.pending == 1u);
  BOOST_TEST(r.counts.accepted == 1u);
  BOOST_TEST(r.counts.reconciles());
  BOOST_TEST(invoice_created(r, at("2025-02-01T00:00:00Z")).lines[0].quantity == 5);
}

BOOST_AUTO_TEST_CASE(D23_M6_known_customer_without_item_is_accepted_unknown_is_rejected) {
  auto plan = api_plan();
  plan.customers.push_back("cus_2");
  const std::vector<mk::request> requests{
      event("u:1", at("2025-01-10T00:00:00Z"), "cus_2", "5"),
      event("u:2", at("2025-01-10T00:00:01Z"), "cus_x", "5"),
  };
  const auto r = mk::simulate(plan, requests, at("2025-02-02T00:00:00Z"));
  BOOST_TEST(r.counts.accepted == 1u);
  BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
  BOOST_TEST(r.rejected[0].code == mk::error_code::meter_event_customer_not_found);
  BOOST_TEST(invoice_created(r, at("2025-02-01T00:00:00Z")).lines[0].quantity == 0);
}

BOOST_AUTO_TEST_CASE(D23_every_item_on_a_meter_bills_the_customers_events) {
  auto plan = api_plan();
  plan.prices.push_back(metered_price("price_api_2", "mtr_api", 3));
  plan.subscriptions.push_back(
      subscription("sub_2", "cus_1", at("2025-01-01T00:00:00Z"), {{"si_api_2", "price_api_2", 1}}));
  const auto r = mk::simulate(plan, {event("u:1", at("2025-01-10T00:00:00Z"), "cus_1", "5")},
                              at("2025-02-02T00:00:00Z"));
  BOOST_TEST(invoice_created(r, at("2025-02-01T00:00:00Z"), "sub_1").lines[0].amount == 10);
  BOOST_TEST(invoice_created(r, at("2025-02-01T00:00:00Z"), "sub_2").lines[0].amount == 15);
}

/// D23: the metered items no accepted operation fed, in plan order; a rejected event feeds none,
/// licensed items are never listed, and a snapshot keeps what was fed.
BOOST_AUTO_TEST_CASE(D23_items_without_usage_are_the_metered_items_no_accepted_operation_fed) {
  auto plan = api_plan();
  plan.meters.push_back(meter("mtr_gb", "storage"));
  plan.prices.push_back(metered_price("price_gb", "mtr_gb", 3));
  plan.prices.push_back(legacy_price("price_legacy", "sum", 4));
  plan.prices.push_back(licensed_price("price_seat", 100));
  plan.subscriptions.push_back(subscription(
      "sub_2", "cus_2", at("2025-01-01T00:00:00Z"),
      {{"si_gb_2", "price_gb", 1}, {"si_legacy_2", "price_legacy", 1}, {"si_seat_2", "price_seat", 1}}));
  plan.subscriptions[0].items.push_back({"si_gb_1", "price_gb", 1});
  mk::invoice_simulator sim(plan);
  const auto ids = [&](const mk::invoice_simulator& s) {
    std::vector<std::string> out;
    for (const std::size_t i : s.items_without_usage()) out.push_back(s.compiled().item_at(i).id);
    return out;
  };
  using names = std::vector<std::string>;
  BOOST_TEST((ids(sim) == names{"si_api", "si_gb_1", "si_gb_2", "si_legacy_2"}));
  sim.apply(event("a:1", at("2025-01-02T00:00:00Z"), "cus_1", "x"));  // rejected: feeds nothing
  BOOST_TEST((ids(sim) == names{"si_api", "si_gb_1", "si_gb_2", "si_legacy_2"}));
  sim.apply(event("a:2", at("2025-01-03T00:00:00Z"), "cus_2", "4", std::nullopt, std::nullopt, "storage"));
  BOOST_TEST((ids(sim) == names{"si_api", "si_gb_1", "si_legacy_2"}));  // cus_2's storage only
  std::stringstream saved;
  sim.save(saved);
  auto restored = mk::invoice_simulator::restore(plan, saved);
  for (auto* s : {&sim, &restored}) {
    s->apply(usage("a:3", at("2025-01-04T00:00:00Z"), "si_legacy_2", "2", std::nullopt));
    s->apply(event("a:4", at("2025-01-05T00:00:00Z"), "cus_1", "1"));
    BOOST_TEST((ids(*s) == names{"si_gb_1"}));
  }
  mk::replay_report report =
      mk::simulate_report(plan, {event("b:1", at("2025-01-05T00:00:00Z"), "cus_1", "1")});
  BOOST_TEST((report.items_without_usage == names{"si_gb_1", "si_gb_2", "si_legacy_2"}));
}

/// D25: an overflow names what overflowed: the request whose arrival overflowed a running total,
/// or the subscription, item, price and period whose line did.
BOOST_AUTO_TEST_CASE(D25_an_overflow_names_the_request_or_the_line) {
  const auto message = [](auto&& run) -> std::string {
    try {
      run();
    } catch (const mk::overflow_error& e) {
      return e.what();
    }
    return "no overflow_error";
  };
  auto plan = api_plan();
  plan.customers.push_back("cus_free");  // known, billed by nothing: its usage is tallied on arrival
  const std::string big = "999999999999999";
  std::vector<mk::request> unbilled;
  for (int i = 0; i < 9300; ++i)
    unbilled.push_back(event("u:" + std::to_string(i + 1), at("2025-01-10T00:00:00Z"), "cus_free", big));
  BOOST_TEST(
      message([&] { (void)mk::simulate_report(plan, unbilled); }).rfind("u:9224: unbilled usage: ", 0) == 0u);

  plan.prices[0].unit_amount = mk::decimal::from_integer(1'000'000'000'000);
  const auto r = message([&] {
    (void)mk::simulate(plan, {event("a:1", at("2025-01-10T00:00:00Z"), "cus_1", "99999999")},
                       at("2025-02-02T00:00:00Z"));
  });
  BOOST_TEST(
      r.rfind("subscription sub_1 (cus_1): item si_api (price price_api), period 2025-01-01T00:00:00Z to "
              "2025-02-01T00:00:00Z: ",
              0) == 0u,
      r);
}

BOOST_AUTO_TEST_CASE(L4_L5_legacy_grace_goes_to_the_previous_invoice_until_it_is_finalized) {
  mk::plan plan;
  plan.prices.push_back(legacy_price("price_legacy", "sum", 1));
  plan.subscriptions.push_back(
      subscription("sub_1", "cus_1", at("2025-01-01T00:00:00Z"), {{"si_legacy", "price_legacy", 1}}));
  plan.settings.invoice_finalization_delay = mk::seconds{60};
  const auto jan31 = unix_text(at("2025-01-31T23:58:00Z"));
  const std::vector<mk::request> requests{
      usage("l:1", at("2025-01-15T00:00:00Z"), "si_legacy", "10", std::nullopt),
      // Arrives 30 s into February, timestamped 2 minutes before: within the 300 s grace, and the
      // January invoice (finalized at 00:01:00) is still open: billed in January.
      usage("l:2", at("2025-02-01T00:00:30Z"), "si_legacy", "5", jan31),
      // Arrives after January's finalization: the grace record goes to February (L5).
      usage("l:3", at("2025-02-01T00:02:00Z"), "si_legacy", "7", jan31),
      // At start + G the grace is over: out of period.
      usage("l:4", at("2025-02-01T00:05:00Z"), "si_legacy", "9", jan31),
      usage("l:5", at("2025-02-01T00:06:00Z"), "si_unknown", "1", std::nullopt),
      usage("l:6", at("2025-02-01T00:07:00Z"), "si_legacy", "1", unix_text(at("2025-02-01T00:08:00Z"))),
  };
  const auto r = mk::simulate(plan, requests, at("2025-02-10T00:00:00Z"));
  BOOST_TEST(invoice_created(r, at("2025-02-01T00:00:00Z")).lines[0].quantity == 15);
  BOOST_TEST(invoice_created(r, at("2025-03-01T00:00:00Z")).lines[0].quantity == 7);
  BOOST_REQUIRE_EQUAL(r.rejected.size(), 3u);
  BOOST_TEST(r.rejected[0].code == mk::error_code::usage_record_timestamp_out_of_period);
  BOOST_TEST(r.rejected[0].source == "l:4");
  BOOST_TEST(r.rejected[1].code == mk::error_code::resource_missing);
  BOOST_TEST(r.rejected[2].code == mk::error_code::usage_record_timestamp_out_of_period);  // in the future
  BOOST_TEST(r.late.empty());  // D24: legacy records are never listed as late usage
}

BOOST_AUTO_TEST_CASE(D17_usage_records_for_a_meter_priced_item_are_resource_missing) {
  const auto plan = api_plan();
  const auto r = mk::simulate(plan, {usage("l:1", at("2025-01-15T00:00:00Z"), "si_api", "10", std::nullopt)});
  BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
  BOOST_TEST(r.rejected[0].code == mk::error_code::resource_missing);
  BOOST_TEST(r.rejected[0].param == "subscription_item");
}

BOOST_AUTO_TEST_CASE(L3_legacy_max_bills_the_largest_value_of_the_period) {
  mk::plan plan;
  plan.prices.push_back(legacy_price("price_peak", "max", 100));
  plan.subscriptions.push_back(
      subscription("sub_1", "cus_1", at("2025-01-01T00:00:00Z"), {{"si_peak", "price_peak", 1}}));
  const std::vector<mk::request> requests{
      usage("l:1", at("2025-01-05T00:00:00Z"), "si_peak", "4", std::nullopt, "set"),
      usage("l:2", at("2025-01-06T00:00:00Z"), "si_peak", "9", std::nullopt, "set"),
      usage("l:3", at("2025-01-07T00:00:00Z"), "si_peak", "2", std::nullopt, "set"),
  };
  const auto r = mk::simulate(plan, requests, at("2025-02-02T00:00:00Z"));
  const auto& feb = invoice_created(r, at("2025-02-01T00:00:00Z"));
  BOOST_TEST(feb.lines[0].quantity == 9);
  BOOST_TEST(feb.lines[0].amount == 900);
}

BOOST_AUTO_TEST_CASE(D11_invalid_plans_are_refused_naming_the_field) {
  const auto refused_with = [](const mk::plan& p, const std::string& field) {
    try {
      mk::validate(p);
    } catch (const mk::configuration_error& e) {
      BOOST_TEST(e.field() == field);
      return;
    }
    BOOST_FAIL("plan accepted, expected an error at " + field);
  };
  {
    auto p = api_plan();
    p.subscriptions[0].items[0].price = "price_missing";
    refused_with(p, "subscriptions[0].items[0].price");
  }
  {
    auto p = api_plan();
    p.prices[0].recurring.meter = "mtr_missing";
    refused_with(p, "prices[0].recurring.meter");
  }
  {
    auto p = api_plan();
    p.meters.push_back(meter("mtr_other", "api_requests"));
    refused_with(p, "meters[1].event_name");
  }
  {
    auto p = api_plan();
    p.meters.push_back(meter("mtr_long", std::string(101, 'n')));  // M2: no event could name it
    refused_with(p, "meters[1].event_name");
    p.meters.back().event_name = std::string(100, 'n');
    BOOST_CHECK_NO_THROW(mk::validate(p));
  }
  {
    auto p = api_plan();
    p.subscriptions[0].items.clear();
    refused_with(p, "subscriptions[0].items");
  }
  {
    auto p = api_plan();
    p.prices.push_back(licensed_price("price_eur", 5));
    p.prices.back().currency = mk::currency("eur");
    p.subscriptions[0].items.push_back({"si_eur", "price_eur", 1});
    refused_with(p, "subscriptions[0].items[1].price");
  }
  {
    auto p = api_plan();
    p.prices.push_back(licensed_price("price_yearly", 5));
    p.prices.back().recurring.interval = mk::billing_interval{mk::interval_unit::year, 1};
    p.subscriptions[0].items.push_back({"si_y", "price_yearly", 1});
    refused_with(p, "subscriptions[0].items[1].price");
  }
  {
    auto p = api_plan();
    p.prices.push_back(licensed_price("price_seat", 5));
    p.subscriptions[0].items.push_back({"si_seat", "price_seat", -1});
    refused_with(p, "subscriptions[0].items[1].quantity");
  }
  {
    auto p = api_plan();
    p.subscriptions.push_back(p.subscriptions[0]);
    refused_with(p, "subscriptions[1].id");
  }
}

BOOST_AUTO_TEST_CASE(D26_summaries_are_unclamped_as_of_the_latest_arrival_and_check_their_bounds) {
  const auto plan = api_plan();
  const std::vector<mk::request> requests{
      event("u:1", at("2025-01-10T10:15:00Z"), "cus_1", "5"),
      event("u:2", at("2025-01-10T11:20:00Z"), "cus_1", "-8"),
      event("u:3", at("2025-01-10T11:40:00Z"), "cus_1", "2"),
  };
  const mk::period day{at("2025-01-10T10:00:00Z"), at("2025-01-10T13:00:00Z")};
  const auto hourly = mk::summarize(plan, requests, "mtr_api", "cus_1", day, mk::window_kind::hour);
  BOOST_REQUIRE_EQUAL(hourly.size(), 3u);
  BOOST_TEST(hourly[0].aggregated_value == 5);
  BOOST_TEST(hourly[1].aggregated_value == -6);  // M12: summaries are not clamped
  BOOST_TEST(hourly[2].aggregated_value == 0);
  const auto whole = mk::summarize(plan, requests, "mtr_api", "cus_1", day, mk::window_kind::none);
  BOOST_REQUIRE_EQUAL(whole.size(), 1u);
  BOOST_TEST(whole[0].aggregated_value == -1);
  BOOST_CHECK_THROW(
      (void)mk::summarize(plan, requests, "mtr_api", "cus_1", {day.end, day.start}, mk::window_kind::none),
      mk::configuration_error);
  BOOST_CHECK_THROW((void)mk::summarize(plan, requests, "mtr_api", "cus_1",
                                        {at("2025-01-10T10:30:00Z"), day.end}, mk::window_kind::hour),
                    mk::configuration_error);  // M13: hour grouping needs hour-aligned bounds
  BOOST_CHECK_THROW((void)mk::summarize(plan, requests, "mtr_nope", "cus_1", day, mk::window_kind::none),
                    mk::configuration_error);
}

// ---- properties -------------------------------------------------------------------------------

namespace {

/// A plan with three meters (raw sum, count, hourly last), a legacy sum item and a licensed
/// item, two customers, and a random stream of events, cancellations and usage records.
struct random_world {
  mk::plan plan;
  std::vector<mk::request> requests;
};

random_world make_world(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  random_world w;
  w.plan.meters = {meter("m_sum", "e_sum"), meter("m_count", "e_count", mk::formula_kind::count),
                   meter("m_last", "e_last", mk::formula_kind::last, mk::window_kind::hour)};
  w.plan.prices = {metered_price("p_sum", "m_sum", 3), metered_price("p_count", "m_count", 7),
                   metered_price("p_last", "m_last", 11), legacy_price("p_legacy", "sum", 5),
                   licensed_price("p_seat", 1000)};
  const auto start = at("2025-01-01T00:00:00Z");
  w.plan.subscriptions.push_back(subscription(
      "sub_a", "cus_a", start,
      {{"a_sum", "p_sum", 1}, {"a_count", "p_count", 1}, {"a_last", "p_last", 1}, {"a_seat", "p_seat", 3}}));
  w.plan.subscriptions.push_back(subscription("sub_b", "cus_b", start + mk::seconds{86400 * 3},
                                              {{"b_sum", "p_sum", 1}, {"b_legacy", "p_legacy", 1}}));
  w.plan.settings.invoice_finalization_delay = mk::seconds{3600 * 6};
  const char* customers[] = {"cus_a", "cus_b"};
  const char* names[] = {"e_sum", "e_count", "e_last"};
  std::uniform_int_distribution<int> pick(0, 9);
  std::int64_t received = mk::to_unix(start) + 3600;
  const int n = 200;
  for (int i = 0; i < n; ++i) {
    received += std::uniform_int_distribution<std::int64_t>(0, 4 * 3600)(rng);  // ties happen
    const auto arrival = mk::from_unix(received);
    const int kind = pick(rng);
    const std::string source = "w:" + std::to_string(i + 1);
    if (kind < 6) {
      const auto time =
          mk::from_unix(received - std::uniform_int_distribution<std::int64_t>(0, 5 * 86400)(rng));
      auto ev = event(source, arrival, customers[pick(rng) % 2], std::to_string(pick(rng) - 3), time,
                      "id_" + std::to_string(pick(rng) * 3 + kind), names[kind % 3]);
      w.requests.push_back(std::move(ev));
    } else if (kind < 8) {
      w.requests.push_back(
          cancel(source, arrival, "id_" + std::to_string(pick(rng) * 3 + kind % 3), names[kind % 3]));
    } else {
      const auto time = mk::from_unix(received - std::uniform_int_distribution<std::int64_t>(0, 600)(rng));
      w.requests.push_back(usage(source, arrival, "b_legacy", std::to_string(pick(rng)), unix_text(time),
                                 pick(rng) < 3 ? std::optional<std::string>("set") : std::nullopt));
    }
  }
  return w;
}

}  // namespace

BOOST_AUTO_TEST_CASE(property_invoices_do_not_depend_on_how_requests_were_split_into_inputs) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const auto w = make_world(seed);
    const auto reference = mk::simulate(w.plan, w.requests);
    BOOST_TEST_REQUIRE(reference.counts.reconciles());
    // Arrival order is (received_at, position): any layout of the inputs that keeps requests
    // with equal arrival times in their relative order gives the same result. Shuffle whole
    // groups of equal arrival times, as if the requests came from several files in another order.
    std::mt19937_64 rng(seed);
    std::vector<mk::request> regrouped;
    std::vector<std::vector<mk::request>> blocks;
    for (const auto& r : w.requests) {
      if (blocks.empty() || blocks.back().back().received_at != r.received_at) blocks.emplace_back();
      blocks.back().push_back(r);
    }
    std::shuffle(blocks.begin(), blocks.end(), rng);
    for (const auto& b : blocks) regrouped.insert(regrouped.end(), b.begin(), b.end());
    const auto shuffled = mk::simulate(w.plan, regrouped);
    BOOST_TEST_INFO("seed " << seed);
    BOOST_TEST((shuffled == reference));
  }
}

BOOST_AUTO_TEST_CASE(
    property_streaming_in_chunks_equals_one_replay_and_later_arrivals_change_nothing_before) {
  for (std::uint64_t seed = 100; seed <= 130; ++seed) {
    const auto w = make_world(seed);
    std::mt19937_64 rng(seed);
    mk::invoice_simulator streaming(w.plan);
    std::size_t applied = 0;
    while (applied < w.requests.size()) {
      const std::size_t chunk = 1 + rng() % 25;
      const std::size_t end = std::min(w.requests.size(), applied + chunk);
      for (; applied < end; ++applied) streaming.apply(w.requests[applied]);
      // Cut at the last applied arrival: later requests are pending in the one-call replay.
      const auto cut = w.requests[applied - 1].received_at;
      if (applied < w.requests.size() && w.requests[applied].received_at == cut) continue;  // mid-tie
      const auto incremental = streaming.result(cut);
      const auto replayed = mk::simulate(w.plan, w.requests, cut);
      BOOST_TEST_INFO("seed " << seed << " cut " << mk::to_unix(cut));
      BOOST_TEST((incremental.invoices == replayed.invoices));
      BOOST_TEST((incremental.late == replayed.late));
      BOOST_TEST((incremental.rejected == replayed.rejected));
      BOOST_TEST(replayed.counts.read == incremental.counts.read + replayed.counts.pending);
      BOOST_TEST(replayed.counts.reconciles());
    }
  }
}

BOOST_AUTO_TEST_CASE(D30_property_invoices_by_customer_and_handed_over_records_are_the_result) {
  for (std::uint64_t seed = 300; seed <= 330; ++seed) {
    const auto w = make_world(seed);
    BOOST_TEST_INFO("seed " << seed);
    for (const auto until : {w.requests[w.requests.size() / 2].received_at, w.requests.back().received_at}) {
      mk::invoice_simulator whole(w.plan);
      for (const auto& r : w.requests) whole.apply(r);
      mk::test_handed_over::check_handed_over(w.plan, w.requests, until, whole.result(until));
    }
  }
}

BOOST_AUTO_TEST_CASE(D30_customers_are_visited_by_their_smallest_subscription_id) {
  // The plan lists the customers in another order than their smallest subscription ids; a
  // customer's own subscriptions are listed largest first.
  const auto p = mk::read_plan_text(R"({
    "meters": [{"id": "mtr_api", "event_name": "api_requests", "default_aggregation": {"formula": "sum"}}],
    "prices": [{"id": "price_api", "currency": "usd", "unit_amount": 2,
                "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_api"}}],
    "subscriptions": [
      {"id": "sub_m", "customer": "cus_a", "start_date": "2025-01-01T00:00:00Z", "items": [{"id": "si_m", "price": "price_api"}]},
      {"id": "sub_z", "customer": "cus_b", "start_date": "2025-01-01T00:00:00Z", "items": [{"id": "si_z", "price": "price_api"}]},
      {"id": "sub_b", "customer": "cus_b", "start_date": "2025-01-01T00:00:00Z", "items": [{"id": "si_b", "price": "price_api"}]},
      {"id": "sub_k", "customer": "cus_c", "start_date": "2025-01-01T00:00:00Z", "items": [{"id": "si_k", "price": "price_api"}]}
    ],
    "customers": ["cus_none"]
  })",
                                    "visit_order.json");
  const mk::invoice_simulator sim(p);
  std::vector<std::string> visited;
  sim.invoices_by_customer(mk::timestamp{std::chrono::seconds{1735689600 + 40 * 86400}},
                           [&](const std::vector<mk::invoice>& mine) {
                             BOOST_TEST_REQUIRE(!mine.empty());
                             visited.push_back(mine.front().customer);
                           });
  BOOST_TEST((visited == std::vector<std::string>{"cus_b", "cus_c", "cus_a"}));  // sub_b < sub_k < sub_m
}

BOOST_AUTO_TEST_CASE(property_finalized_invoices_never_change_as_until_advances) {
  for (std::uint64_t seed = 200; seed <= 220; ++seed) {
    const auto w = make_world(seed);
    const auto early = mk::simulate(w.plan, w.requests, w.requests[w.requests.size() / 2].received_at);
    const auto late = mk::simulate(w.plan, w.requests);
    for (const auto& inv : early.invoices) {
      if (inv.status != mk::invoice_status::finalized) continue;
      const auto same = std::find_if(late.invoices.begin(), late.invoices.end(), [&](const mk::invoice& x) {
        return x.created == inv.created && x.subscription == inv.subscription;
      });
      BOOST_TEST_REQUIRE((same != late.invoices.end()));
      BOOST_TEST_INFO("seed " << seed);
      BOOST_TEST((*same == inv));  // M11, B3: a finalized invoice is final
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
