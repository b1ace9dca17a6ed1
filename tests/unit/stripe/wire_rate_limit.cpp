// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/wire/rate_limit.hpp>

#include <deque>
#include <random>

BOOST_AUTO_TEST_SUITE(stripe_wire_rate_limit)

using namespace meterkit;

namespace {
wire_time ms(std::int64_t n) { return wire_time{wire_duration{n}}; }
}  // namespace

BOOST_AUTO_TEST_CASE(W1_a_bucket_holds_one_second_and_refills_at_its_rate) {
  token_bucket b(100, ms(0));
  for (int i = 0; i < 100; ++i) BOOST_REQUIRE(b.reserve(ms(0)).count() == 0);
  BOOST_TEST(b.reserve(ms(0)).count() == 10);  // the 101st waits one refill step
  BOOST_TEST(b.reserve(ms(0)).count() == 20);
  BOOST_TEST(!b.available(ms(25)));
  BOOST_TEST(b.available(ms(30)));
  token_bucket idle(25, ms(0));
  for (int i = 0; i < 25; ++i) (void)idle.reserve(ms(0));
  BOOST_TEST(idle.reserve(ms(1'000'000)).count() == 0);  // a long pause refills, no more than capacity
  int free = 1;
  while (idle.reserve(ms(1'000'000)).count() == 0) ++free;
  BOOST_TEST(free == 25);
  BOOST_CHECK_THROW(token_bucket(0), configuration_error);
}

BOOST_AUTO_TEST_CASE(W1_callers_that_wait_as_told_never_exceed_rate_plus_burst_in_any_second) {
  const std::uint64_t seed = 0x7b;
  std::mt19937_64 rng(seed);
  for (const std::int64_t rate : {25, 100, 1000}) {
    token_bucket b(rate, ms(0));
    std::int64_t now = 0;
    std::deque<std::int64_t> sent;
    for (int i = 0; i < 5000; ++i) {
      now += static_cast<std::int64_t>(rng() % 3 == 0 ? rng() % 50 : 0);
      now += b.reserve(ms(now)).count();
      sent.push_back(now);
      while (sent.front() <= now - 1000) sent.pop_front();
      BOOST_REQUIRE_MESSAGE(static_cast<std::int64_t>(sent.size()) <= 2 * rate,
                            "seed " << seed << " rate " << rate << " at " << now);
    }
    // Long-run: 5000 requests take at least (5000 - capacity) / rate seconds.
    BOOST_TEST(now >= (5000 - rate) * 1000 / rate);
  }
}

BOOST_AUTO_TEST_CASE(W1_endpoint_classes_and_default_limits) {
  struct row {
    const char* method;
    const char* path;
    endpoint_class want;
  };
  const row table[] = {
      {"POST", "/v1/billing/meter_events", endpoint_class::meter_events},
      {"POST", "/v2/billing/meter_events", endpoint_class::meter_events},
      {"POST", "/v2/billing/meter_event_stream", endpoint_class::meter_event_stream},
      {"POST", "/v1/subscription_items/si_1/usage_records", endpoint_class::writes},
      {"POST", "/v1/billing/meter_event_adjustments", endpoint_class::writes},
      {"POST", "/v2/billing/meter_event_session", endpoint_class::writes},
      {"GET", "/v1/billing/meters/m/event_summaries", endpoint_class::reads},
  };
  for (const auto& r : table) {
    api_request q;
    q.method = r.method;
    q.path = r.path;
    BOOST_TEST((endpoint_class_of(q) == r.want), r.path);
  }
  BOOST_TEST(rate_limits::live().of(endpoint_class::writes) == 100);
  BOOST_TEST(rate_limits::test().of(endpoint_class::writes) == 25);
  BOOST_TEST(rate_limits::live().of(endpoint_class::meter_events) == 1000);
  BOOST_TEST(rate_limits::live().of(endpoint_class::meter_event_stream) == 10000);
  BOOST_TEST(rate_limits::for_mode(false).of(endpoint_class::reads) == 25);
  rate_limiter limiter(rate_limits::test(), ms(0));
  for (int i = 0; i < 25; ++i) BOOST_REQUIRE(limiter.reserve(endpoint_class::writes, ms(0)).count() == 0);
  BOOST_TEST(limiter.reserve(endpoint_class::writes, ms(0)).count() == 40);
  BOOST_TEST(limiter.reserve(endpoint_class::meter_events, ms(0)).count() == 0);  // separate buckets
}

BOOST_AUTO_TEST_CASE(W1_one_meter_event_in_flight_per_customer_and_meter) {
  in_flight_meter_events f;
  BOOST_TEST(f.try_begin("cus_1", "api"));
  BOOST_TEST(!f.try_begin("cus_1", "api"));
  BOOST_TEST(f.try_begin("cus_1", "storage"));
  BOOST_TEST(f.try_begin("cus_2", "api"));
  f.end("cus_1", "api");
  BOOST_TEST(f.try_begin("cus_1", "api"));
  BOOST_TEST(f.size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
