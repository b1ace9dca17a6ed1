// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/wire/client.hpp>

#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

BOOST_AUTO_TEST_SUITE(stripe_wire_client)

using namespace meterkit;

namespace {

struct seeded_unit {
  std::mt19937_64 rng{42};
  double operator()() { return std::uniform_real_distribution<double>(0, 1)(rng); }
};

/// Answers from a script and records what it was sent.
struct scripted {
  std::deque<api_response> script;
  std::vector<api_request> seen;
  std::vector<wire_time> at;
  manual_clock* clock = nullptr;
  api_response operator()(const api_request& r) {
    seen.push_back(r);
    at.push_back(clock->now());
    if (script.empty()) return api_response{200, {}, "{}"};
    auto next = script.front();
    script.pop_front();
    return next;
  }
};

using transport_fn = std::function<api_response(const api_request&)>;
using client = stripe_client<transport_fn, manual_clock, seeded_unit>;

api_settings settings() {
  api_settings s;
  s.secret_key = "sk_test_1";
  return s;
}
meter_event event(std::string customer) {
  return {
      "api", {{"stripe_customer_id", std::move(customer)}, {"value", "1"}}, std::nullopt, from_unix(1000)};
}

struct fixture {
  manual_clock clock{wire_time{wire_duration{1'000'000}}};
  seeded_unit unit;
  scripted server;
  fixture() { server.clock = &clock; }
  client make(client_options o = {}) {
    return client(
        settings(), [this](const api_request& r) { return server(r); }, clock, unit, std::move(o));
  }
};

/// `r` is refused before sending (W3): no attempt, `code`, and the offending `param`.
void check_refused(client& c, const api_request& r, error_code code, const char* param) {
  const auto out = c.send(r);
  BOOST_TEST(out.attempts == 0);
  BOOST_REQUIRE(out.error.has_value());
  BOOST_TEST((out.error->code == code));
  BOOST_TEST(out.error->param == param);
}

}  // namespace

BOOST_AUTO_TEST_CASE(W2_a_failed_attempt_is_retried_with_the_same_idempotency_key_after_the_backoff) {
  fixture f;
  f.server.script = {api_response{500, {}, ""}, api_response::connection_error(),
                     api_response{200, {{"Idempotent-Replayed", "true"}}, "{}"}};
  auto c = f.make();
  const auto r = c.send(meter_event_v1(c.settings(), event("cus_1"), std::string("key-A")));
  BOOST_TEST(r.succeeded());
  BOOST_TEST(r.attempts == 3);
  BOOST_TEST(r.replayed);
  BOOST_REQUIRE(f.server.seen.size() == 3u);
  for (const auto& s : f.server.seen) BOOST_TEST(s.header("Idempotency-Key").value() == "key-A");
  BOOST_TEST((f.server.at[1] - f.server.at[0]).count() == 500);  // first retry: the initial delay
  BOOST_TEST((f.server.at[2] - f.server.at[1]).count() == 500);
  BOOST_TEST(c.stats().retries == 2u);
}

BOOST_AUTO_TEST_CASE(W2_retries_stop_at_the_maximum_and_at_stripe_should_retry_false) {
  fixture f;
  f.server.script = {api_response::connection_error(), api_response::connection_error(),
                     api_response::connection_error(), api_response{200, {}, "{}"}};
  auto c = f.make();
  const auto r = c.send(meter_event_v1(c.settings(), event("cus_1"), std::string("k")));
  BOOST_TEST(r.attempts == 3);
  BOOST_TEST((r.error->code == error_code::api_error));
  fixture g;
  g.server.script = {
      api_response{500, {{"Stripe-Should-Retry", "false"}}, error_body("api_error", "", "no")}};
  auto d = g.make();
  const auto s = d.send(meter_event_v1(d.settings(), event("cus_1"), std::string("k")));
  BOOST_TEST(s.attempts == 1);
  BOOST_TEST(s.error->message == "no");
}

BOOST_AUTO_TEST_CASE(W2_conflicts_and_rate_limits_stripe_says_to_retry_are_retried_bad_requests_are_not) {
  const auto rate_limited = [](bool should_retry) {
    api_response r{429, {{"Retry-After", "2"}}, error_body("invalid_request_error", "rate_limit", "slow")};
    if (should_retry) r.headers.emplace_back("Stripe-Should-Retry", "true");
    return r;
  };
  const usage_record record{"si_1", "1", "1000", "increment"};
  fixture f;
  f.server.script = {api_response{409, {}, error_body("idempotency_error", "idempotency_key_in_use", "busy")},
                     rate_limited(true), api_response{200, {}, "{}"}};
  auto c = f.make();
  const auto r = c.send(usage_record_v1(c.settings(), record, std::string("k")));
  BOOST_TEST(r.succeeded());
  BOOST_TEST(r.attempts == 3);
  BOOST_TEST((f.server.at[2] - f.server.at[1]).count() >= 2000);  // Retry-After honoured
  // A 429 without Stripe's word ends the call by default, as in the official clients ...
  fixture g;
  g.server.script = {rate_limited(false), api_response{200, {}, "{}"}};
  auto d = g.make();
  const auto limited = d.send(usage_record_v1(d.settings(), record, std::string("k")));
  BOOST_TEST(limited.attempts == 1);
  BOOST_TEST((limited.error->code == error_code::rate_limit));
  // ... and is retried with `retry_rate_limited`.
  fixture h;
  h.server.script = {rate_limited(false), api_response{200, {}, "{}"}};
  client_options every_429;
  every_429.retry.retry_rate_limited = true;
  auto e = h.make(every_429);
  const auto retried = e.send(usage_record_v1(e.settings(), record, std::string("k")));
  BOOST_TEST(retried.succeeded());
  BOOST_TEST(retried.attempts == 2);
  fixture i;
  i.server.script = {api_response{400, {}, error_body("invalid_request_error", "", "bad", "timestamp")}};
  auto b = i.make();
  const auto s = b.send(usage_record_v1(b.settings(), record, std::string("k")));
  BOOST_TEST(s.attempts == 1);
  BOOST_TEST((s.error->code == error_code::usage_record_timestamp_out_of_period));
}

BOOST_AUTO_TEST_CASE(I1_posts_without_a_key_get_one_when_retries_are_on_v2_always_gets_never) {
  fixture f;
  auto c = f.make();
  (void)c.send(meter_event_v1(c.settings(), event("cus_1")));
  (void)c.send(
      meter_event_summaries(c.settings(), {"m", "cus_1", from_unix(0), from_unix(3600), {}, {}, {}, {}}));
  client_options no_retries;
  no_retries.retry.max_retries = 0;
  auto d = f.make(no_retries);
  (void)d.send(meter_event_v1(d.settings(), event("cus_1")));
  (void)d.send(meter_event_v2(d.settings(), event("cus_1")));
  BOOST_REQUIRE(f.server.seen.size() == 4u);
  BOOST_TEST(f.server.seen[0].header("Idempotency-Key").value().starts_with("meterkit-retry-"));
  BOOST_TEST(!f.server.seen[1].header("Idempotency-Key").has_value());
  BOOST_TEST(!f.server.seen[2].header("Idempotency-Key").has_value());
  BOOST_TEST(f.server.seen[3].header("Idempotency-Key").value().size() == 15u + 36u);
}

BOOST_AUTO_TEST_CASE(W1_test_mode_writes_wait_for_tokens_on_the_injected_clock) {
  fixture f;
  auto c = f.make();
  const auto start = f.clock.now();
  for (int i = 0; i < 30; ++i)
    (void)c.send(usage_record_v1(c.settings(), {"si_1", "1", "now", {}}, std::string("k")));
  BOOST_TEST((f.clock.now() - start).count() == 5 * 40);  // 25/s: the last five wait 40 ms each
  BOOST_TEST(c.stats().rate_limit_wait.count() == 200);
  BOOST_TEST((f.server.at[25] - f.server.at[24]).count() == 40);
}

BOOST_AUTO_TEST_CASE(
    W1_a_second_meter_event_for_the_same_customer_and_meter_is_refused_while_one_is_in_flight) {
  manual_clock clock;
  seeded_unit unit;
  std::vector<call_result> inner;
  client* self = nullptr;
  int calls = 0;
  client c(
      settings(),
      [&](const api_request&) {
        if (++calls == 1) {
          inner.push_back(self->send(meter_event_v1(self->settings(), event("cus_1"), std::string("k2"))));
          inner.push_back(self->send(meter_event_v1(self->settings(), event("cus_2"), std::string("k3"))));
        }
        return api_response{200, {}, "{}"};
      },
      clock, unit);
  self = &c;
  const auto outer = c.send(meter_event_v1(c.settings(), event("cus_1"), std::string("k1")));
  BOOST_TEST(outer.succeeded());
  BOOST_REQUIRE(inner.size() == 2u);
  BOOST_TEST((inner[0].error->code == error_code::rate_limit));
  BOOST_TEST(inner[0].attempts == 0);
  BOOST_TEST(inner[1].succeeded());
  BOOST_TEST(c.in_flight().size() == 0u);
  BOOST_TEST(c.send(meter_event_v1(c.settings(), event("cus_1"), std::string("k4"))).succeeded());
  BOOST_TEST(c.stats().refused_in_flight == 1u);
}

// Two threads send through one client: every count is kept, every generated key is drawn whole
// (one draw at a time from the shared random source), and each request's retry carries its key.
// Under ThreadSanitizer (tests/threads) a race on the statistics, the token buckets or the random
// source is reported.
BOOST_AUTO_TEST_CASE(W1_one_client_shared_by_two_threads_keeps_every_count_and_key) {
  manual_clock clock{wire_time{wire_duration{1'000'000}}};
  seeded_unit unit;
  std::mutex seen_mutex;
  std::multiset<std::string> keys_seen;  // the first attempt of each key fails, its retry succeeds
  client c(
      settings(),
      [&](const api_request& r) {
        const std::lock_guard lock(seen_mutex);
        const std::string key(r.header("Idempotency-Key").value_or(""));
        keys_seen.insert(key);
        return keys_seen.count(key) == 1 ? api_response{500, {}, ""} : api_response{200, {}, "{}"};
      },
      clock, unit);
  constexpr int per_thread = 300;
  const auto work = [&c](std::vector<call_result>* out) {
    for (int i = 0; i < per_thread; ++i)
      out->push_back(c.send(usage_record_v1(c.settings(), {"si_1", "1", "now", {}})));
  };
  std::vector<call_result> first, second;
  std::thread a(work, &first);
  std::thread b(work, &second);
  a.join();
  b.join();
  const auto stats = c.stats();
  BOOST_TEST(stats.requests == 2u * per_thread);
  BOOST_TEST(stats.attempts == 4u * per_thread);
  BOOST_TEST(stats.retries == 2u * per_thread);
  std::set<std::string> distinct;
  for (const auto* results : {&first, &second}) {
    for (const auto& r : *results) {
      BOOST_TEST(r.succeeded());
      BOOST_TEST(r.attempts == 2);
      distinct.insert(std::string(r.request.header("Idempotency-Key").value_or("")));
    }
  }
  BOOST_TEST(distinct.size() == 2u * per_thread);
  BOOST_TEST(keys_seen.size() == 4u * per_thread);
}

BOOST_AUTO_TEST_CASE(W3_adjustments_without_type_or_cancel_identifier_are_refused_before_sending) {
  fixture f;
  auto c = f.make();
  const auto refused = [&](const api_request& r, const char* param) {
    check_refused(c, r, error_code::meter_event_adjustment_invalid, param);
  };
  const auto cancel = std::optional<std::string>("cancel");
  refused(meter_event_adjustment_v1(c.settings(), {"api", std::nullopt, std::string("evt_1")}), "type");
  refused(meter_event_adjustment_v2(c.settings(), {"api", std::nullopt, std::string("evt_1")}), "type");
  refused(meter_event_adjustment_v1(c.settings(), {"api", std::string("undo"), std::string("evt_1")}),
          "type");
  refused(meter_event_adjustment_v2(c.settings(), {"api", cancel, std::nullopt}), "cancel.identifier");
  refused(meter_event_adjustment_v2(c.settings(), {"api", cancel, std::string("")}), "cancel.identifier");
  refused(meter_event_adjustment_v1(c.settings(), {"api", cancel, std::nullopt}), "cancel.identifier");
  BOOST_TEST(f.server.seen.empty());
  BOOST_TEST(c.stats().refused_invalid == 6u);
  BOOST_TEST(
      c.send(meter_event_adjustment_v2(c.settings(), {"api", cancel, std::string("evt_1")})).succeeded());
  BOOST_TEST(
      c.send(meter_event_adjustment_v1(c.settings(), {"api", cancel, std::string("evt_1")})).succeeded());
  BOOST_TEST(f.server.seen.size() == 2u);
}

BOOST_AUTO_TEST_CASE(W3_M2_names_and_identifiers_over_100_characters_are_refused_before_sending) {
  fixture f;
  auto c = f.make();
  const auto refused = [&](const api_request& r, const char* param) {
    check_refused(c, r, error_code::string_too_long, param);
  };
  const std::string hundred(100, 'i');
  const std::string too_long(101, 'i');
  std::string hundred_euros;  // 100 characters, 300 bytes: within the limit
  for (int i = 0; i < 100; ++i) hundred_euros += "\u20ac";
  auto named = [](std::string name, std::optional<std::string> identifier) {
    auto e = event("cus_1");
    e.event_name = std::move(name);
    e.identifier = std::move(identifier);
    return e;
  };
  const auto cancel = std::optional<std::string>("cancel");
  refused(meter_event_v1(c.settings(), named(too_long, std::nullopt)), "event_name");
  refused(meter_event_v2(c.settings(), named("api", too_long)), "identifier");
  refused(meter_event_adjustment_v1(c.settings(), {"api", cancel, too_long}), "cancel.identifier");
  refused(meter_event_adjustment_v2(c.settings(), {too_long, cancel, std::string("evt_1")}), "event_name");
  const std::vector<meter_event> batch{named("api", "a"), named("api", "b"), named("api", too_long)};
  refused(meter_event_stream_v2(c.settings(), "token", batch), "events[2].identifier");
  BOOST_TEST(f.server.seen.empty());
  BOOST_TEST(c.stats().refused_invalid == 5u);
  // At the limit, counted in characters, everything goes.
  BOOST_TEST(c.send(meter_event_v1(c.settings(), named(hundred, hundred_euros))).succeeded());
  BOOST_TEST(c.send(meter_event_adjustment_v2(c.settings(), {hundred, cancel, hundred_euros})).succeeded());
  BOOST_TEST(
      c.send(meter_event_stream_v2(c.settings(), "token", std::vector<meter_event>{named("api", hundred)}))
          .succeeded());
  BOOST_TEST(f.server.seen.size() == 3u);
}

BOOST_AUTO_TEST_CASE(W4_a_client_told_to_send_usage_records_under_a_version_without_them_warns) {
  fixture f;
  BOOST_TEST(f.make().warnings().empty());
  auto s = settings();
  s.usage_records_stripe_version = "2025-04-30.basil";
  client c(
      s, [&f](const api_request& r) { return f.server(r); }, f.clock, f.unit);
  BOOST_REQUIRE(c.warnings().size() == 1u);
  BOOST_TEST(c.warnings()[0].find("usage_records_stripe_version 2025-04-30.basil has no usage records") ==
             0u);
  // Still sent as asked: the caller may be probing, and Stripe's answer is the authority.
  const auto r = c.send(usage_record_v1(c.settings(), {"si_1", "1", "1000", "increment"}));
  BOOST_TEST(r.attempts == 1);
  BOOST_TEST(f.server.seen.back().header("Stripe-Version").value() == "2025-04-30.basil");
}

BOOST_AUTO_TEST_SUITE_END()
