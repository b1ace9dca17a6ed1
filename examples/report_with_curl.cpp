// SPDX-License-Identifier: MIT
// Reports usage to Stripe (or to any server that speaks its API) through libcurl: the wire adapter
// builds the requests, retries and rate-limits them; this file only moves bytes and tells time.
//
//   report_with_curl [BASE_URL] [SECRET_KEY]
//
// BASE_URL defaults to https://api.stripe.com (the stream then goes to
// https://meter-events.stripe.com); with another base URL every request goes there, which is how
// a local test server or a proxy stands in for Stripe. SECRET_KEY defaults to $STRIPE_SECRET_KEY.
#include <meterkit/stripe.hpp>

#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace mk = meterkit;

namespace {

/// The transport: one blocking HTTPS exchange per request; status 0 when nothing came back.
struct curl_transport {
  std::string api_base;
  std::string meter_events_base;
  std::string meter_events_host;

  mk::api_response operator()(const mk::api_request& r) const {
    mk::api_response out;
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return out;
    const std::string base = r.host == meter_events_host ? meter_events_base : api_base;
    const std::string url = base + r.target();
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : r.headers)
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (r.method == "POST") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r.body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(r.body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 80L);
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION, +[](char* p, size_t size, size_t n, void* body) {
          static_cast<std::string*>(body)->append(p, size * n);
          return size * n;
        });
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(
        curl, CURLOPT_HEADERFUNCTION, +[](char* p, size_t size, size_t n, void* list) {
          const std::string line(p, size * n);
          if (const auto colon = line.find(':'); colon != std::string::npos) {
            const auto value_start = line.find_first_not_of(' ', colon + 1);
            const auto value_end = line.find_last_not_of("\r\n");
            static_cast<std::vector<mk::http_header>*>(list)->emplace_back(
                line.substr(0, colon),
                value_start <= value_end ? line.substr(value_start, value_end - value_start + 1) : "");
          }
          return size * n;
        });
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out.headers);
    if (curl_easy_perform(curl) == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
      out.status = static_cast<int>(status);
    } else {
      out = mk::api_response::connection_error();  // retried by the client (W2)
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return out;
  }
};

/// The real clock, injected: the library itself never reads one.
struct system_clock {
  [[nodiscard]] mk::wire_time now() const {
    return std::chrono::time_point_cast<mk::wire_duration>(std::chrono::system_clock::now());
  }
  void sleep_for(mk::wire_duration d) { std::this_thread::sleep_for(d); }
};

struct jitter {
  std::mt19937_64 rng{std::random_device{}()};
  double operator()() { return std::uniform_real_distribution<double>(0, 1)(rng); }
};

}  // namespace

int main(int argc, char** argv) {
  const std::string base = argc > 1 ? argv[1] : "https://api.stripe.com";
  const char* env_key = std::getenv("STRIPE_SECRET_KEY");
  mk::api_settings settings;
  settings.secret_key = argc > 2 ? argv[2] : (env_key != nullptr ? env_key : "sk_test_placeholder");
  const bool real_stripe = base == "https://api.stripe.com";
  curl_global_init(CURL_GLOBAL_DEFAULT);

  system_clock clock;
  jitter random;
  curl_transport transport{base, real_stripe ? "https://meter-events.stripe.com" : base,
                           settings.meter_events_host};
  mk::stripe_client client(settings, transport, clock, random);

  // One meter event on v1, with an idempotency key that every retry reuses (I1, W2).
  const auto now = std::chrono::floor<mk::seconds>(clock.now());
  const mk::meter_event event{"api_requests",
                              {{"stripe_customer_id", "cus_123"}, {"value", "25"}},
                              std::string("example-evt-1"),
                              now};
  const auto one = client.send(mk::meter_event_v1(settings, event, std::string("example-key-1")));
  std::cout << "v1 meter event: HTTP " << one.response.status << " after " << one.attempts << " attempt(s)";
  if (one.error) std::cout << ", " << mk::to_string(one.error->code) << ": " << one.error->message;
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
  curl_global_cleanup();
  return one.succeeded() && sent.succeeded() ? 0 : 1;
}
