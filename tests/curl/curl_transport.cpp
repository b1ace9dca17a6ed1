// SPDX-License-Identifier: MIT
// The libcurl transport against a local server that answers like Stripe (tests/curl/stripe_server.py,
// which runs this program with `-- --host 127.0.0.1:PORT` and then checks every request it received).
#define BOOST_TEST_MODULE meterkit_curl_transport
#include <boost/test/unit_test.hpp>

#include <meterkit/stripe/wire/curl_transport.hpp>

#include <meterkit/stripe/wire/client.hpp>
#include <meterkit/stripe/wire/meter_event_stream.hpp>
#include <meterkit/stripe/wire/objects.hpp>
#include <meterkit/stripe/wire/reporter.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace meterkit;

namespace {

/// The `--host` argument: where the local server listens.
std::string server_host() {
  const auto& suite = boost::unit_test::framework::master_test_suite();
  for (int i = 1; i + 1 < suite.argc; ++i) {
    if (std::string(suite.argv[i]) == "--host") return suite.argv[i + 1];
  }
  BOOST_FAIL("run by tests/curl/stripe_server.py, which passes -- --host 127.0.0.1:PORT");
  return {};
}

api_settings local_settings() {
  api_settings s;
  s.secret_key = "sk_test_local";
  s.api_host = server_host();
  s.meter_events_host = s.api_host;
  return s;
}

curl_options local_http() {
  curl_options o;
  o.scheme = "http";
  o.connect_timeout = std::chrono::milliseconds{2000};
  o.timeout = std::chrono::milliseconds{10'000};
  return o;
}

meter_event api_event(std::string value, std::optional<std::string> identifier, timestamp t) {
  return {"api_requests",
          {{"stripe_customer_id", "cus_1"}, {"value", std::move(value)}},
          std::move(identifier),
          t};
}

}  // namespace

// The server runs these in order and checks what it received in that order.
BOOST_AUTO_TEST_CASE(W2_a_v1_event_is_retried_after_a_500_with_the_same_key_and_read_back) {
  system_wire_clock clock;
  random_unit unit;
  stripe_client client(local_settings(), curl_transport(local_http()), clock, unit);
  const auto r = client.send(
      meter_event_v1(client.settings(), api_event("25", std::string("local-evt-1"), from_unix(1'735'689'600)),
                     std::string("local-key-1")));
  BOOST_TEST(client.transport().last_error() == "");
  BOOST_TEST(r.attempts == 2);
  BOOST_REQUIRE_MESSAGE(r.succeeded(), (r.error ? r.error->message : ""));
  BOOST_TEST(r.response.status == 200);
  BOOST_TEST(r.response.header("Request-Id").has_value());  // the final response's headers are kept
  BOOST_TEST(r.response.header("Content-Type").value() == "application/json");
  const auto echoed = meter_event_from_response(r.response);
  BOOST_REQUIRE(echoed.has_value());
  BOOST_TEST(echoed.value().event.identifier.value() == "local-evt-1");
  BOOST_TEST(*echoed.value().event.find("value") == "25");
}

BOOST_AUTO_TEST_CASE(W1_a_session_and_a_stream_batch_then_the_reporter_through_the_same_stream) {
  system_wire_clock clock;
  random_unit unit;
  stripe_client client(local_settings(), curl_transport(local_http()), clock, unit);
  meter_event_stream stream(client);
  const timestamp now = std::chrono::floor<seconds>(clock.now());
  const std::vector<meter_event> batch(3, api_event("1", std::nullopt, now));
  const auto sent = stream.send(batch);
  BOOST_REQUIRE_MESSAGE(sent.succeeded(), client.transport().last_error());
  BOOST_TEST(sent.batches.front().call.response.status == 202);
  BOOST_TEST(stream.session()->authentication_token == "ekst_local");

  // A reporter that knows one meter and one customer: three local events, one summed event.
  usage_reporter reporter(meter_event_billing{
      .meters = {{.id = "mtr_api", .event_name = "api_requests"}},
      .customers = {{.customer = "cus_1", .billing_cycle_anchor = now - seconds{86400}}}});
  const timestamp earlier = now - seconds{7200};  // reported at the next hourly tick, already past
  for (std::uint64_t i = 0; i < 3; ++i) {
    reporter.record("mtr_api", "cus_1",
                    event_record{.time = earlier, .received_at = earlier, .arrival = i, .value = 2});
  }
  BOOST_REQUIRE((reporter.next_due() <= now));
  const auto done = reporter.flush(now, client, stream);
  BOOST_TEST(done.complete());
  BOOST_TEST(reporter.stats().events_sent == 1u);
  BOOST_TEST(stream.sessions_created() == 1u);
}

BOOST_AUTO_TEST_CASE(W2_a_server_slower_than_the_timeout_is_a_connection_error_not_a_hang) {
  curl_options o = local_http();
  o.timeout = std::chrono::milliseconds{300};
  curl_transport transport(o);
  api_request slow;
  slow.method = "GET";
  slow.host = server_host();
  slow.path = "/test/slow";
  const auto started = std::chrono::steady_clock::now();
  const auto r = transport(slow);
  BOOST_TEST(r.connection_failed());
  BOOST_TEST(!transport.last_error().empty());
  BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds{2}));
}

BOOST_AUTO_TEST_CASE(W2_nothing_listening_is_a_connection_error_and_the_transport_recovers) {
  curl_transport transport(local_http());
  api_request r;
  r.method = "GET";
  r.host = "127.0.0.1:1";  // nothing listens on port 1
  r.path = "/v1/nothing";
  BOOST_TEST(transport(r).connection_failed());
  BOOST_TEST(!transport.last_error().empty());
  r.host = server_host();  // the same transport answers again afterwards
  const auto answered = transport(r);
  BOOST_TEST(answered.status == 404);
  BOOST_TEST(transport.last_error() == "");
}

BOOST_AUTO_TEST_CASE(W1_a_scheme_other_than_http_or_https_is_refused) {
  curl_options o;
  o.scheme = "ftp";
  BOOST_CHECK_EXCEPTION(curl_transport{o}, configuration_error, [](const configuration_error& e) {
    return std::string(e.what()).find("scheme") != std::string::npos;
  });
}
