// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/wire/retry.hpp>

#include <random>
#include <set>

BOOST_AUTO_TEST_SUITE(stripe_wire_retry)

using namespace meterkit;

BOOST_AUTO_TEST_CASE(W2_which_responses_are_retried_table) {
  struct row {
    int status;
    const char* should_retry;  // "" = no header
    int retries_so_far;
    bool want;
  };
  const row table[] = {
      {0, "", 0, true},         {0, "", 2, false},        {500, "", 0, true},  {503, "", 1, true},
      {500, "false", 0, false}, {400, "true", 0, true},   {409, "", 0, true},  {409, "false", 0, false},
      {429, "", 0, false},      {429, "false", 0, false}, {400, "", 0, false}, {404, "", 0, false},
      {429, "true", 0, true},   {429, "true", 2, false},  {401, "", 0, false}, {200, "", 0, false},
      {200, "true", 0, true},   {502, "true", 2, false},
  };
  const retry_policy p;
  for (const auto& r : table) {
    api_response resp{r.status, {}, ""};
    if (*r.should_retry) resp.headers.emplace_back("Stripe-Should-Retry", r.should_retry);
    BOOST_TEST(p.should_retry(resp, r.retries_so_far) == r.want,
               r.status << " " << r.should_retry << " after " << r.retries_so_far);
  }
  // By default a 429 waits for Stripe's word, as the official clients do; the option retries every one.
  BOOST_TEST(!p.retry_rate_limited);
  retry_policy every_429;
  every_429.retry_rate_limited = true;
  BOOST_TEST(every_429.should_retry(api_response{429, {}, ""}, 0));
  BOOST_TEST(!every_429.should_retry(api_response{429, {{"Stripe-Should-Retry", "false"}}, ""}, 0));
  BOOST_TEST(!every_429.should_retry(api_response{429, {}, ""}, 2));
  retry_policy none;
  none.max_retries = 0;
  BOOST_TEST(!none.should_retry(api_response::connection_error(), 0));
}

BOOST_AUTO_TEST_CASE(W2_backoff_doubles_from_half_a_second_with_jitter_and_caps_at_five) {
  const retry_policy p;
  // Smallest jitter: half of the exponential step, never below the initial delay.
  BOOST_TEST(p.delay(0, 0.0).count() == 500);
  BOOST_TEST(p.delay(1, 0.0).count() == 500);
  BOOST_TEST(p.delay(2, 0.0).count() == 500);
  BOOST_TEST(p.delay(3, 0.0).count() == 1000);
  BOOST_TEST(p.delay(4, 0.0).count() == 2000);
  BOOST_TEST(p.delay(5, 0.0).count() == 2500);
  BOOST_TEST(p.delay(3, 0.5).count() == 1500);
  BOOST_TEST(p.delay(10, 0.0).count() == 2500);
  BOOST_TEST(p.delay(10, 1.0).count() == 5000);
  // Retry-After wins when longer and reasonable (at most 60 s).
  BOOST_TEST(p.delay(0, 0.0, 3).count() == 3000);
  BOOST_TEST(p.delay(0, 0.0, 61).count() == 500);
  const std::uint64_t seed = 0xbac0ff;
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 5000; ++i) {
    const int n = static_cast<int>(rng() % 12);
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    const auto d = p.delay(n, u).count();
    BOOST_REQUIRE_MESSAGE(d >= 500 && d <= 5000, "seed " << seed << " n " << n << " u " << u << " -> " << d);
    BOOST_REQUIRE_MESSAGE(d <= p.delay(n + 1, 1.0).count(), "seed " << seed << ": the ceiling grows with n");
  }
}

BOOST_AUTO_TEST_CASE(W2_retry_after_is_read_as_whole_seconds) {
  BOOST_TEST(retry_after_seconds(api_response{429, {{"Retry-After", "2"}}, ""}).value() == 2);
  BOOST_TEST(!retry_after_seconds(api_response{429, {{"Retry-After", "soon"}}, ""}).has_value());
  BOOST_TEST(!retry_after_seconds(api_response{429, {}, ""}).has_value());
}

BOOST_AUTO_TEST_CASE(I1_generated_keys_are_version_4_uuids_from_the_injected_source) {
  std::mt19937_64 rng(7);
  auto unit = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto u = random_uuid(unit);
    BOOST_REQUIRE(u.size() == 36u);
    BOOST_REQUIRE(u[14] == '4');
    BOOST_REQUIRE(std::string("89ab").find(u[19]) != std::string::npos);
    BOOST_REQUIRE(u[8] == '-' && u[13] == '-' && u[18] == '-' && u[23] == '-');
    seen.insert(u);
  }
  BOOST_TEST(seen.size() == 1000u);
  std::mt19937_64 again(7);
  auto unit2 = [&] { return std::uniform_real_distribution<double>(0, 1)(again); };
  std::mt19937_64 first(7);
  auto unit1 = [&] { return std::uniform_real_distribution<double>(0, 1)(first); };
  BOOST_TEST(random_uuid(unit1) == random_uuid(unit2));
}

BOOST_AUTO_TEST_CASE(W2_the_manual_clock_moves_only_when_told) {
  manual_clock c(wire_time{wire_duration{1'000'500}});
  BOOST_TEST(to_unix(c.seconds_now()) == 1000);
  c.sleep_for(wire_duration{600});
  BOOST_TEST(to_unix(c.seconds_now()) == 1001);
  c.advance_to(wire_time{wire_duration{5}});
  BOOST_TEST(c.now().time_since_epoch().count() == 1'001'100);
  static_assert(wire_clock<manual_clock>);
}

BOOST_AUTO_TEST_SUITE_END()
