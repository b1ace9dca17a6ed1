// SPDX-License-Identifier: MIT
// Reports usage to Stripe (or to any server that speaks its API) through libcurl: the wire adapter
// builds the requests, retries and rate-limits them; curl_transport moves the bytes.
//
//   report_with_curl [BASE_URL] [SECRET_KEY]
//
// BASE_URL defaults to https://api.stripe.com (the stream then goes to
// https://meter-events.stripe.com); with another base URL (http://127.0.0.1:12111) every request
// goes there, which is how a local test server or a proxy stands in for Stripe. SECRET_KEY
// defaults to $STRIPE_SECRET_KEY.
#include <meterkit/stripe.hpp>
#include <meterkit/stripe/wire/curl_transport.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace mk = meterkit;

int main(int argc, char** argv) {
  const std::string base = argc > 1 ? argv[1] : "https://api.stripe.com";
  const char* env_key = std::getenv("STRIPE_SECRET_KEY");
  mk::api_settings settings;
  settings.secret_key = argc > 2 ? argv[2] : (env_key != nullptr ? env_key : "sk_test_placeholder");
  mk::curl_options http;
  if (const auto colon = base.find("://"); colon != std::string::npos) {
    http.scheme = base.substr(0, colon);
    if (base != "https://api.stripe.com")
      settings.api_host = settings.meter_events_host = base.substr(colon + 3);
  }

  mk::system_wire_clock clock;
  mk::random_unit random;
  mk::stripe_client client(settings, mk::curl_transport(http), clock, random);

  // One meter event on v1, with an idempotency key that every retry reuses (I1, W2).
  const auto now = std::chrono::floor<mk::seconds>(clock.now());
  const mk::meter_event event{"api_requests",
                              {{"stripe_customer_id", "cus_123"}, {"value", "25"}},
                              std::string("example-evt-1"),
                              now};
  const auto one = client.send(mk::meter_event_v1(settings, event, std::string("example-key-1")));
  std::cout << "v1 meter event: HTTP " << one.response.status << " after " << one.attempts << " attempt(s)";
  if (one.error) std::cout << ", " << mk::to_string(one.error->code) << ": " << one.error->message;
  if (one.response.connection_failed()) std::cout << " (" << client.transport().last_error() << ")";
  std::cout << "\n";

  // A batch on the v2 stream: the session is created and refreshed by the stream (W1).
  std::vector<mk::meter_event> batch;
  for (int i = 0; i < 3; ++i) {
    batch.push_back({"api_requests",
                     {{"stripe_customer_id", "cus_123"}, {"value", "1"}},
                     "example-stream-" + std::to_string(i),
                     now});
  }
  mk::meter_event_stream stream(client);
  const auto sent = stream.send(batch);
  for (const auto& b : sent.batches) {
    std::cout << "stream batch of " << b.count << ": HTTP " << b.call.response.status;
    if (b.call.error) std::cout << ", " << mk::to_string(b.call.error->code) << ": " << b.call.error->message;
    std::cout << "\n";
  }
  return one.succeeded() && sent.succeeded() ? 0 : 1;
}
