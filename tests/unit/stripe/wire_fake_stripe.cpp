// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/wire/fake_stripe.hpp>

#include <meterkit/stripe/wire/client.hpp>
#include <meterkit/stripe/wire/meter_event_stream.hpp>
#include <meterkit/stripe/wire/reporter.hpp>

#include <functional>
#include <random>
#include <string>
#include <vector>

BOOST_AUTO_TEST_SUITE(stripe_wire_fake_stripe)

using namespace meterkit;

namespace {

const timestamp t0 = from_unix(1'735'689'600);  // 2025-01-01T00:00:00Z
constexpr std::int64_t hour = 3600;
constexpr std::int64_t day = 86400;

wire_time wire_at(timestamp t) { return std::chrono::time_point_cast<wire_duration>(t); }

struct seeded_unit {
  std::mt19937_64 rng{11};
  double operator()() { return std::uniform_real_distribution<double>(0, 1)(rng); }
};

using fake_ref = std::reference_wrapper<fake_stripe>;
using client = stripe_client<fake_ref, manual_clock, seeded_unit>;

api_settings settings() {
  api_settings s;
  s.secret_key = "sk_test_fake";
  return s;
}

meter_event event(std::string customer, std::string value, std::optional<std::string> identifier,
                  timestamp t) {
  return {"api_requests",
          {{"stripe_customer_id", std::move(customer)}, {"value", std::move(value)}},
          std::move(identifier),
          t};
}

client_options without_retries() {
  client_options o;
  o.retry.max_retries = 0;
  return o;
}

/// A clock at t0 + 10 min, a fake reading it, and a client sending to the fake.
struct fixture {
  manual_clock clock{wire_at(t0 + seconds{600})};
  fake_stripe stripe{clock};
  seeded_unit unit;
  client make(client_options o = {}) {
    return client(settings(), std::ref(stripe), clock, unit, std::move(o));
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(M2_a_v1_meter_event_is_answered_with_the_event_object_and_counted) {
  fixture f;
  auto c = f.make();
  const auto r = c.send(meter_event_v1(c.settings(), event("cus_1", "25", std::string("e1"), t0)));
  BOOST_REQUIRE(r.succeeded());
  const auto echoed = meter_event_from_response(r.response);
  BOOST_REQUIRE(echoed.has_value());
  BOOST_TEST(echoed.value().event.identifier.value() == "e1");
  BOOST_TEST(to_unix(*echoed.value().event.timestamp) == to_unix(t0));
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == 25);
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_2") == 0);
  BOOST_TEST(f.stripe.meter_event_count("api_requests", "cus_1") == 1u);
  BOOST_TEST(f.stripe.request_count(stripe_endpoint::v1_meter_events) == 1u);
  BOOST_TEST(f.stripe.requests().front().header("Authorization").value() == "Bearer sk_test_fake");
}

BOOST_AUTO_TEST_CASE(M5_a_repeated_identifier_within_a_day_is_a_duplicate_and_counts_once) {
  fixture f;
  auto c = f.make();
  BOOST_REQUIRE(
      c.send(meter_event_v1(c.settings(), event("cus_1", "5", std::string("same"), t0))).succeeded());
  const auto again = c.send(meter_event_v1(c.settings(), event("cus_1", "5", std::string("same"), t0)));
  BOOST_REQUIRE(again.error.has_value());
  BOOST_TEST((again.error->code == error_code::duplicate_meter_event));
  BOOST_TEST(f.stripe.duplicates() == 1u);
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == 5);
  // A day later the identifier is free again (M5), and the event is still recent enough (M4).
  f.clock.advance_to(wire_at(t0 + seconds{600 + day}));
  BOOST_TEST(c.send(meter_event_v1(c.settings(), event("cus_1", "5", std::string("same"), t0))).succeeded());
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == 10);
}

BOOST_AUTO_TEST_CASE(I2_a_repeated_idempotency_key_is_replayed_and_changes_nothing) {
  fixture f;
  auto c = f.make();
  const auto e = event("cus_1", "7", std::nullopt, t0);
  const auto first = c.send(meter_event_v1(c.settings(), e, std::string("key-1")));
  const auto second = c.send(meter_event_v1(c.settings(), e, std::string("key-1")));
  BOOST_REQUIRE(first.succeeded());
  BOOST_REQUIRE(second.succeeded());
  BOOST_TEST(!first.replayed);
  BOOST_TEST(second.replayed);
  BOOST_TEST(second.response.body == first.response.body);
  BOOST_TEST(f.stripe.replays() == 1u);
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == 7);
  // The same key with other parameters is an idempotency error, not a second event.
  const auto other =
      c.send(meter_event_v1(c.settings(), event("cus_1", "8", std::nullopt, t0), std::string("key-1")));
  BOOST_REQUIRE(other.error.has_value());
  BOOST_TEST((other.error->code == error_code::idempotency_error));
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == 7);
}

BOOST_AUTO_TEST_CASE(M4_D13_events_stripe_would_refuse_are_refused_with_its_codes) {
  fixture f;
  auto c = f.make();
  const auto old = c.send(meter_event_v1(c.settings(), event("cus_1", "1", {}, t0 - seconds{36 * day})));
  BOOST_REQUIRE(old.error.has_value());
  BOOST_TEST((old.error->code == error_code::timestamp_too_far_in_past));
  const auto future = c.send(meter_event_v1(c.settings(), event("cus_1", "1", {}, t0 + seconds{hour})));
  BOOST_REQUIRE(future.error.has_value());
  BOOST_TEST((future.error->code == error_code::timestamp_in_future));
  const auto decimal = c.send(meter_event_v1(c.settings(), event("cus_1", "1.5", {}, t0)));
  BOOST_REQUIRE(decimal.error.has_value());
  BOOST_TEST((decimal.error->code == error_code::meter_event_invalid_value));
  BOOST_TEST(decimal.error->param == "payload[value]");
  meter_event anonymous{"api_requests", {{"value", "1"}}, {}, t0};
  const auto no_customer = c.send(meter_event_v1(c.settings(), anonymous));
  BOOST_REQUIRE(no_customer.error.has_value());
  BOOST_TEST(no_customer.error->param == "payload[stripe_customer_id]");
  BOOST_TEST(f.stripe.meter_events().empty());
}

BOOST_AUTO_TEST_CASE(M10_an_adjustment_cancels_the_event_it_names) {
  fixture f;
  auto c = f.make();
  BOOST_REQUIRE(c.send(meter_event_v1(c.settings(), event("cus_1", "4", std::string("a"), t0))).succeeded());
  BOOST_REQUIRE(c.send(meter_event_v1(c.settings(), event("cus_1", "6", std::string("b"), t0))).succeeded());
  const auto adj = c.send(meter_event_adjustment_v1(
      c.settings(), meter_event_adjustment{"api_requests", std::string("cancel"), std::string("a")}));
  BOOST_REQUIRE(adj.succeeded());
  const auto read = meter_event_adjustment_from_response(adj.response);
  BOOST_REQUIRE(read.has_value());
  BOOST_TEST(read.value().status == "pending");
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == 6);
  BOOST_TEST(f.stripe.meter_event_count("api_requests", "cus_1") == 1u);
  const auto v2 = c.send(meter_event_adjustment_v2(
      c.settings(), meter_event_adjustment{"api_requests", std::string("cancel"), std::string("b")}));
  BOOST_REQUIRE(v2.succeeded());
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == 0);
}

BOOST_AUTO_TEST_CASE(W1_sessions_and_the_stream_work_as_the_stream_class_expects) {
  fixture f;
  auto c = f.make();
  meter_event_stream<client> stream(c);
  std::vector<meter_event> batch;
  for (int i = 0; i < 250; ++i) batch.push_back(event("cus_" + std::to_string(i % 3), "2", {}, t0));
  const auto sent = stream.send(batch);
  BOOST_REQUIRE(sent.succeeded());
  BOOST_TEST(sent.batches.size() == 3u);
  BOOST_TEST(f.stripe.sessions_created() == 1u);
  BOOST_REQUIRE(stream.session().has_value());
  BOOST_TEST(stream.session()->authentication_token.starts_with("ekst_"));
  BOOST_TEST(to_unix(stream.session()->expires_at) == to_unix(t0) + 600 + 900);
  BOOST_TEST(f.stripe.request_count(stripe_endpoint::v2_meter_event_stream) == 3u);
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_0") == 2 * 84);
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_2") == 2 * 83);
  // The stream request went to the meter-events host with the session token as bearer.
  const auto& last = f.stripe.requests().back();
  BOOST_TEST(last.host == "meter-events.stripe.com");
  BOOST_TEST(last.header("Authorization").value() == "Bearer " + stream.session()->authentication_token);
  // Twenty minutes later the stream makes a new session by itself.
  f.clock.advance_to(wire_at(t0 + seconds{600 + 1200}));
  BOOST_REQUIRE(stream.send(std::vector<meter_event>{event("cus_0", "1", {}, t0)}).succeeded());
  BOOST_TEST(f.stripe.sessions_created() == 2u);
}

BOOST_AUTO_TEST_CASE(W1_an_expired_or_unknown_session_token_is_refused_on_the_stream) {
  fixture f;
  auto c = f.make();
  const auto created = c.send(meter_event_session_v2(c.settings()));
  const auto session = meter_event_session_from_response(created.response);
  BOOST_REQUIRE(session.has_value());
  const std::vector<meter_event> one{event("cus_1", "1", {}, t0)};
  const auto unknown = c.send(meter_event_stream_v2(c.settings(), "ekst_nobody", one));
  BOOST_REQUIRE(unknown.error.has_value());
  BOOST_TEST((unknown.error->code == error_code::authentication_error));
  f.clock.advance_to(wire_at(t0 + seconds{600 + 901}));
  const auto expired = c.send(meter_event_stream_v2(c.settings(), session.value().authentication_token, one));
  BOOST_REQUIRE(expired.error.has_value());
  BOOST_TEST((expired.error->code == error_code::billing_meter_event_session_expired));
  BOOST_TEST(f.stripe.meter_events().empty());
}

BOOST_AUTO_TEST_CASE(W1_M5_stream_events_stripe_refuses_are_dropped_after_the_202) {
  fixture f;
  auto c = f.make();
  meter_event_stream<client> stream(c);
  const std::vector<meter_event> batch{event("cus_1", "3", std::string("x"), t0),
                                       event("cus_1", "3", std::string("x"), t0),
                                       event("cus_1", "12abc", std::string("y"), t0)};
  BOOST_REQUIRE(stream.send(batch).succeeded());
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == 3);
  BOOST_TEST(f.stripe.duplicates() == 1u);
  BOOST_REQUIRE(f.stripe.stream_errors().size() == 1u);
  BOOST_TEST((f.stripe.stream_errors()[0].code == error_code::meter_event_invalid_value));
}

BOOST_AUTO_TEST_CASE(L1_usage_records_increment_and_set_the_quantity_at_their_timestamp) {
  fixture f;
  auto c = f.make();
  const auto send = [&](std::int64_t q, std::int64_t at, const char* action) {
    return c.send(
        usage_record_v1(c.settings(), usage_record{"si_1", q, to_unix(t0) + at, std::string(action)}));
  };
  const auto first = send(4, 10, "increment");
  BOOST_REQUIRE(first.succeeded());
  const auto read = usage_record_from_response(first.response);
  BOOST_REQUIRE(read.has_value());
  BOOST_TEST(read.value().subscription_item == "si_1");
  BOOST_TEST(read.value().quantity == 4);
  BOOST_REQUIRE(send(5, 10, "increment").succeeded());
  BOOST_REQUIRE(send(3, 20, "increment").succeeded());
  BOOST_TEST(f.stripe.usage_total("si_1") == 12);
  BOOST_REQUIRE(send(1, 10, "set").succeeded());  // replaces 4 + 5 at t0+10
  BOOST_TEST(f.stripe.usage_total("si_1") == 4);
  const auto bad = send(-1, 10, "increment");
  BOOST_REQUIRE(bad.error.has_value());
  BOOST_TEST((bad.error->code == error_code::usage_record_invalid_parameter));
  BOOST_TEST(f.stripe.usage_records().size() == 4u);
}

BOOST_AUTO_TEST_CASE(W1_requests_without_a_key_or_to_an_unknown_url_are_refused) {
  fixture f;
  api_request r = meter_event_v1(settings(), event("cus_1", "1", {}, t0));
  r.headers.clear();
  BOOST_TEST(f.stripe(r).status == 401);
  api_request unknown = meter_event_v1(settings(), event("cus_1", "1", {}, t0));
  unknown.path = "/v1/customers";
  const auto answer = f.stripe(unknown);
  BOOST_TEST(answer.status == 404);
  BOOST_TEST(answer.body.find("Unrecognized request URL (POST: /v1/customers)") != std::string::npos);
  fake_stripe strict(f.clock, fake_stripe_options{.expected_secret_key = std::string("sk_test_other")});
  BOOST_TEST(strict(meter_event_v1(settings(), event("cus_1", "1", {}, t0))).status == 401);
  BOOST_TEST(f.stripe.meter_events().empty());
  BOOST_TEST(strict.meter_events().empty());
}

BOOST_AUTO_TEST_CASE(W2_injected_failures_are_retried_with_the_same_key_and_count_once) {
  fixture f;
  auto c = f.make();
  f.stripe.fail_next(1, 500);
  f.stripe.fail_next(1, fake_failure::rate_limited(true));
  const auto r = c.send(meter_event_v1(c.settings(), event("cus_1", "9", std::string("e"), t0)));
  BOOST_REQUIRE(r.succeeded());
  BOOST_TEST(r.attempts == 3);
  BOOST_TEST(f.stripe.failures_pending() == 0u);
  BOOST_REQUIRE(f.stripe.requests().size() == 3u);
  const auto key = f.stripe.requests()[0].idempotency_key();
  BOOST_REQUIRE(key.has_value());
  for (const auto& sent : f.stripe.requests()) BOOST_TEST((sent.idempotency_key() == key));
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == 9);
  // A 429 Stripe does not say to retry ends the call (W2); the event was never applied.
  f.stripe.fail_next(1, fake_failure::rate_limited());
  const auto limited = c.send(meter_event_v1(c.settings(), event("cus_1", "5", std::string("l"), t0)));
  BOOST_TEST(limited.attempts == 1);
  BOOST_TEST((limited.error->code == error_code::rate_limit));
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == 9);
}

BOOST_AUTO_TEST_CASE(W2_I2_an_answer_lost_after_stripe_applied_it_is_replayed_not_applied_twice) {
  fixture f;
  auto c = f.make();
  f.stripe.fail_next(1, fake_failure::connection_lost(true));
  f.stripe.fail_next(1, fake_failure::server_error(true));
  const auto r = c.send(meter_event_v1(c.settings(), event("cus_1", "9", {}, t0)));
  BOOST_REQUIRE(r.succeeded());
  BOOST_TEST(r.attempts == 3);
  BOOST_TEST(r.replayed);
  BOOST_TEST(f.stripe.replays() == 2u);
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == 9);
  // Without retries the lost answer is a connection error, though Stripe counted the event.
  auto no_retry = f.make(without_retries());
  f.stripe.fail_next(1, fake_failure::connection_lost(true));
  const auto lost = no_retry.send(meter_event_v1(c.settings(), event("cus_1", "1", {}, t0)));
  BOOST_TEST(lost.response.connection_failed());
  BOOST_REQUIRE(lost.error.has_value());
  BOOST_TEST((lost.error->code == error_code::api_error));
  BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == 10);
}

BOOST_AUTO_TEST_CASE(W2_a_failure_for_one_endpoint_leaves_the_others_alone) {
  fixture f;
  auto c = f.make(without_retries());
  f.stripe.fail_next(1, fake_failure{.status = 503, .endpoint = stripe_endpoint::v1_usage_records});
  BOOST_TEST(c.send(meter_event_v1(c.settings(), event("cus_1", "1", {}, t0))).succeeded());
  BOOST_TEST(f.stripe.failures_pending() == 1u);
  const auto u = c.send(usage_record_v1(c.settings(), usage_record{"si_1", 1, {}, {}}));
  BOOST_TEST(u.response.status == 503);
  BOOST_TEST(f.stripe.failures_pending() == 0u);
  BOOST_TEST(f.stripe.usage_total("si_1") == 0);
}

// ---- the reporter that needs only meters and customers -----------------------------------------------

namespace {

meter_event_billing api_billing() {
  return meter_event_billing{
      .meters = {{.id = "mtr_api", .event_name = "api_requests"}},
      .customers = {{.customer = "cus_1", .billing_cycle_anchor = t0},
                    {.customer = "cus_2",
                     .billing_cycle_anchor = t0 + seconds{15 * day},
                     .interval = {interval_unit::week, 1}}},
  };
}

/// Reports `n` events of value 2 a minute apart for cus_1 and cus_2 starting at t0 + 10 min, flushing
/// every hour through `stripe`, failing as the caller injected; returns the local totals.
struct run_totals {
  std::int64_t cus_1 = 0;
  std::int64_t cus_2 = 0;
  int incomplete_flushes = 0;
};
run_totals report(fixture& f, usage_reporter& reporter, int n,
                  const std::function<void(int)>& before_flush = {}) {
  client_options o;
  o.limits = rate_limits::live();
  auto c = f.make(o);
  meter_event_stream<client> stream(c);
  run_totals local;
  int flushes = 0;
  for (int i = 0; i < n; ++i) {
    const timestamp t = t0 + seconds{600 + 60 * static_cast<std::int64_t>(i)};
    f.clock.advance_to(wire_at(t));
    const std::string customer = i % 3 == 0 ? "cus_2" : "cus_1";
    (i % 3 == 0 ? local.cus_2 : local.cus_1) += 2;
    reporter.record(
        "mtr_api", customer,
        event_record{.time = t, .received_at = t, .arrival = static_cast<std::uint64_t>(i), .value = 2});
    for (int guard = 0; reporter.next_due() && *reporter.next_due() <= f.clock.seconds_now(); ++guard) {
      BOOST_REQUIRE_MESSAGE(guard < 100, "the reporter does not make progress");
      if (before_flush) before_flush(flushes++);
      if (!reporter.flush(f.clock.seconds_now(), c, stream).complete()) ++local.incomplete_flushes;
    }
  }
  for (int guard = 0; reporter.next_due() && guard < 100; ++guard) {
    f.clock.advance_to(wire_at(*reporter.next_due()));
    if (before_flush) before_flush(flushes++);
    if (!reporter.flush(f.clock.seconds_now(), c, stream).complete()) ++local.incomplete_flushes;
  }
  BOOST_TEST(!reporter.next_due().has_value());
  return local;
}

}  // namespace

BOOST_AUTO_TEST_CASE(W1_a_reporter_of_meters_and_customers_reports_what_stripe_bills) {
  for (const events_api api : {events_api::v2_stream, events_api::v1}) {
    fixture f;
    usage_reporter reporter(api_billing(), reporter_options{.api = api});
    const auto local = report(f, reporter, 300);
    BOOST_TEST(local.incomplete_flushes == 0);
    BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == local.cus_1);
    BOOST_TEST(f.stripe.meter_total("api_requests", "cus_2") == local.cus_2);
    BOOST_TEST(f.stripe.duplicates() == 0u);
    BOOST_TEST(reporter.stats().events_sent < 300u / 10);  // sums per customer and hour, not one per event
  }
}

BOOST_AUTO_TEST_CASE(W2_I2_M5_retries_and_re_sent_ticks_after_injected_failures_give_the_same_totals) {
  for (const events_api api : {events_api::v2_stream, events_api::v1}) {
    fixture f;
    usage_reporter reporter(api_billing(), reporter_options{.api = api});
    // Before every other flush: lost answers after Stripe applied the call, 500s, 429s, and now and
    // then more failures than the client retries, so that the reporter stops and sends the tick again.
    const auto local = report(f, reporter, 300, [&](int flush) {
      switch (flush % 4) {
        case 0:
          f.stripe.fail_next(1, fake_failure::timed_out());
          break;
        case 1:
          f.stripe.fail_next(1, fake_failure::rate_limited());
          f.stripe.fail_next(1, fake_failure::server_error(true));
          break;
        case 2:
          f.stripe.fail_next(3, fake_failure::server_error(flush % 8 == 2));  // beyond max_retries
          break;
        default:
          break;
      }
    });
    BOOST_TEST(local.incomplete_flushes > 0);  // some flushes did stop and resume
    BOOST_TEST(f.stripe.replays() + f.stripe.duplicates() > 0u);
    BOOST_TEST(f.stripe.meter_total("api_requests", "cus_1") == local.cus_1);
    BOOST_TEST(f.stripe.meter_total("api_requests", "cus_2") == local.cus_2);
  }
}

BOOST_AUTO_TEST_CASE(B3_the_meter_only_reporter_has_the_deadlines_of_the_same_plan) {
  // cus_1 billed monthly from t0, as a plan with one metered price and one subscription says.
  plan p;
  p.meters = {{.id = "mtr_api", .event_name = "api_requests"}};
  p.prices = {{.id = "price_api",
               .currency = currency("usd"),
               .unit_amount = decimal::from_integer(1),
               .recurring = {.usage_type = usage_type::metered, .meter = "mtr_api"}}};
  subscription s;
  s.id = "sub_1";
  s.customer = "cus_1";
  s.start_date = t0;
  s.items = {{"si_1", "price_api", 1}};
  p.subscriptions = {s};
  const reporter_options o{.flush_interval = seconds{day}};
  const usage_reporter from_plan(p, o);
  const usage_reporter from_meters(api_billing(), o);
  const timestamp end = t0 + seconds{31 * day};
  for (std::int64_t at = -2 * hour; at < 2 * hour; at += 300) {
    BOOST_TEST(to_unix(from_meters.meter_tick("cus_1", end + seconds{at})) ==
               to_unix(from_plan.meter_tick("cus_1", end + seconds{at})));
  }
  // The deadline: an hour after the period end (finalization), less the ten-minute margin.
  BOOST_TEST(to_unix(from_meters.meter_tick("cus_1", end + seconds{5})) == to_unix(end) + hour - 600);
  // cus_2 is weekly from its anchor; a customer not listed follows the grid.
  const timestamp week_end = t0 + seconds{22 * day};
  BOOST_TEST(to_unix(from_meters.meter_tick("cus_2", week_end + seconds{5})) ==
             to_unix(week_end) + hour - 600);
  BOOST_TEST(to_unix(from_meters.meter_tick("cus_9", week_end + seconds{5})) == to_unix(week_end) + day);
  // A longer finalization delay moves the deadline.
  auto late = api_billing();
  late.invoice_finalization_delay = seconds{2 * hour};
  BOOST_TEST(to_unix(usage_reporter(late, o).meter_tick("cus_1", end + seconds{5})) ==
             to_unix(end) + 2 * hour - 600);
}

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
BOOST_AUTO_TEST_CASE(D11_the_meter_only_reporter_refuses_an_unusable_configuration_naming_the_field) {
  const auto refused = [](const meter_event_billing& b, const std::string& field) {
    try {
      usage_reporter r(b);
      BOOST_ERROR("accepted a configuration that names no valid " << field);
    } catch (const configuration_error& e) {
      BOOST_TEST(std::string(e.what()).find(field) != std::string::npos, e.what());
    }
  };
  auto b = api_billing();
  b.meters.push_back({.id = "mtr_api", .event_name = "other"});
  refused(b, "meters[1].id");
  b = api_billing();
  b.meters.push_back({.id = "mtr_other", .event_name = "api_requests"});
  refused(b, "meters[1].event_name");
  b = api_billing();
  b.meters.push_back({.id = "mtr_other"});
  refused(b, ".event_name");
  b = api_billing();
  b.customers.push_back({.billing_cycle_anchor = t0});
  refused(b, "customers[2].customer");
  b = api_billing();
  b.customers.push_back({.customer = "cus_3", .billing_cycle_anchor = t0, .trial_end = t0 - seconds{1}});
  refused(b, "trial_end");
}
#endif

BOOST_AUTO_TEST_SUITE_END()
