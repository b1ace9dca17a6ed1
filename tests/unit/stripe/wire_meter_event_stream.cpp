// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/wire/meter_event_stream.hpp>

#include <functional>
#include <random>
#include <set>
#include <vector>

BOOST_AUTO_TEST_SUITE(stripe_wire_meter_event_stream)

using namespace meterkit;

namespace {

struct seeded_unit {
  std::mt19937_64 rng{3};
  double operator()() { return std::uniform_real_distribution<double>(0, 1)(rng); }
};

/// A stand-in for Stripe's session and stream endpoints.
struct stream_server {
  manual_clock* clock = nullptr;
  std::set<std::string> valid_tokens;
  int sessions = 0;
  bool expire_next_stream = false;
  std::vector<api_request> streams;
  api_response operator()(const api_request& r) {
    if (r.path == "/v2/billing/meter_event_session") {
      BOOST_TEST(r.header("Authorization").value() == "Bearer sk_test_1");
      const std::string token = "tok_" + std::to_string(++sessions);
      valid_tokens.insert(token);
      const auto now = clock->seconds_now();
      return {200, {}, meter_event_session_body("mes_" + token, token, now, now + seconds{900})};
    }
    BOOST_TEST(r.host == "meter-events.stripe.com");
    streams.push_back(r);
    const std::string token(r.header("Authorization").value().substr(7));
    if (expire_next_stream) {
      expire_next_stream = false;
      valid_tokens.erase(token);
    }
    if (!valid_tokens.contains(token)) {
      return {401, {}, error_body("invalid_request_error", "billing_meter_event_session_expired", "expired")};
    }
    return {200, {}, "{}"};
  }
};

using transport_fn = std::function<api_response(const api_request&)>;
using client = stripe_client<transport_fn, manual_clock, seeded_unit>;

struct fixture {
  manual_clock clock{wire_time{std::chrono::seconds{1'700'000'000}}};
  seeded_unit unit;
  stream_server server;
  client c;
  fixture()
      : c(
            [] {
              api_settings s;
              s.secret_key = "sk_test_1";
              return s;
            }(),
            [this](const api_request& r) { return server(r); }, clock, unit) {
    server.clock = &clock;
  }
};

std::vector<meter_event> events(std::size_t n) {
  std::vector<meter_event> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back({"api",
                   {{"stripe_customer_id", "cus_" + std::to_string(i % 7)}, {"value", "1"}},
                   "e" + std::to_string(i),
                   from_unix(1'700'000'000)});
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(W1_events_go_in_batches_of_at_most_one_hundred_on_one_session) {
  fixture f;
  meter_event_stream stream(f.c);
  const auto all = events(250);
  const auto r = stream.send(all);
  BOOST_TEST(r.succeeded());
  BOOST_REQUIRE(r.batches.size() == 3u);
  BOOST_TEST(r.batches[2].first == 200u);
  BOOST_TEST(r.batches[2].count == 50u);
  BOOST_TEST(stream.sessions_created() == 1u);
  BOOST_REQUIRE(f.server.streams.size() == 3u);
  std::size_t sent = 0;
  for (const auto& s : f.server.streams) {
    const auto body = nlohmann::json::parse(s.body);
    BOOST_TEST(body["events"].size() <= 100u);
    sent += body["events"].size();
    BOOST_TEST(s.header("Authorization").value() == "Bearer tok_1");
    BOOST_TEST(s.header("Idempotency-Key").has_value());
  }
  BOOST_TEST(sent == 250u);
}

BOOST_AUTO_TEST_CASE(W1_a_session_is_reused_until_near_its_fifteen_minutes_then_refreshed) {
  fixture f;
  meter_event_stream stream(f.c);
  (void)stream.send(events(1));
  f.clock.sleep_for(std::chrono::minutes{13});
  (void)stream.send(events(1));
  BOOST_TEST(stream.sessions_created() == 1u);
  f.clock.sleep_for(std::chrono::seconds{61});  // 14:01 in: within a minute of expiry
  (void)stream.send(events(1));
  BOOST_TEST(stream.sessions_created() == 2u);
  BOOST_TEST(f.server.streams.back().header("Authorization").value() == "Bearer tok_2");
}

BOOST_AUTO_TEST_CASE(W1_an_expired_session_answer_gets_a_new_session_and_the_same_batch_and_key_again) {
  fixture f;
  meter_event_stream stream(f.c);
  (void)stream.send(events(1));
  f.server.expire_next_stream = true;
  const auto r = stream.send(events(5), [](std::span<const meter_event> b) {
    return std::optional<std::string>("batch-" + *b.front().identifier);
  });
  BOOST_TEST(r.succeeded());
  BOOST_TEST(stream.sessions_created() == 2u);
  BOOST_REQUIRE(f.server.streams.size() == 3u);
  BOOST_TEST(f.server.streams[1].body == f.server.streams[2].body);
  BOOST_TEST(f.server.streams[1].header("Idempotency-Key").value() == "batch-e0");
  BOOST_TEST(f.server.streams[2].header("Idempotency-Key").value() == "batch-e0");
  BOOST_TEST(f.server.streams[2].header("Authorization").value() == "Bearer tok_2");
}

BOOST_AUTO_TEST_CASE(W1_a_generated_batch_key_survives_the_session_refresh) {
  fixture f;
  meter_event_stream stream(f.c);
  (void)stream.send(events(1));
  f.server.expire_next_stream = true;
  (void)stream.send(events(2));
  BOOST_REQUIRE(f.server.streams.size() == 3u);
  BOOST_TEST(f.server.streams[1].header("Idempotency-Key").value() ==
             f.server.streams[2].header("Idempotency-Key").value());
  BOOST_CHECK_THROW(meter_event_stream(f.c, stream_options{wire_duration{0}, 101}), configuration_error);
}

BOOST_AUTO_TEST_SUITE_END()
