// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/acceptance/idempotency.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using namespace meterkit;

namespace {
constexpr std::int64_t r0 = 1735689600;  // first use
timestamp at(std::int64_t s) { return from_unix(s); }
const std::string fp_a = "POST /v1/subscription_items/si_1/usage_records {\"quantity\":5}";
const std::string fp_b = "POST /v1/subscription_items/si_1/usage_records {\"quantity\":\"5\"}";
}  // namespace

BOOST_AUTO_TEST_SUITE(acceptance_idempotency)

BOOST_AUTO_TEST_CASE(I2_same_request_within_window_replays_first_outcome) {
  struct row {
    std::int64_t offset;
    idempotency_verdict expected;
  };
  const row table[] = {
      {0, idempotency_verdict::replay},           // same second
      {1, idempotency_verdict::replay},           //
      {86399, idempotency_verdict::replay},       // last second of the window
      {86400, idempotency_verdict::new_request},  // first use + 86400: new again
      {90000, idempotency_verdict::new_request},
  };
  for (const auto& r : table) {
    idempotency_store<int> store;
    BOOST_TEST_REQUIRE(store.check("k", fp_a, at(r0)).is_new());
    store.remember("k", fp_a, at(r0), 42);
    const auto answer = store.check("k", fp_a, at(r0 + r.offset));
    BOOST_TEST(to_string(answer.verdict()) == to_string(r.expected), "offset " << r.offset);
    if (r.expected == idempotency_verdict::replay) {
      BOOST_TEST(answer.counts_as_replayed());
      BOOST_TEST_REQUIRE(answer.stored_outcome().has_value());
      BOOST_TEST(*answer.stored_outcome() == 42);
      BOOST_TEST(!answer.is_rejected());
    } else {
      BOOST_TEST(!answer.counts_as_replayed());
      BOOST_TEST(!answer.stored_outcome().has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(I2_expiry_at_exactly_first_use_plus_86400_makes_key_new_and_restarts_it) {
  idempotency_store<int> store;
  store.remember("k", fp_a, at(r0), 1);
  BOOST_TEST(to_string(store.check("k", fp_b, at(r0 + 86399)).verdict()) ==
             to_string(idempotency_verdict::conflict));
  auto again = store.check("k", fp_b, at(r0 + 86400));
  BOOST_TEST_REQUIRE(again.is_new());
  store.remember("k", fp_b, at(r0 + 86400), 2);
  // The new first use holds for its own window, with its own request and outcome.
  const auto replay = store.check("k", fp_b, at(r0 + 86400 + 86399));
  BOOST_TEST_REQUIRE(replay.counts_as_replayed());
  BOOST_TEST(*replay.stored_outcome() == 2);
  BOOST_TEST(to_string(store.check("k", fp_a, at(r0 + 86400 + 86399)).verdict()) ==
             to_string(idempotency_verdict::conflict));
  BOOST_TEST(store.check("k", fp_a, at(r0 + 2 * 86400)).is_new());
}

BOOST_AUTO_TEST_CASE(I2_different_parameters_under_same_key_are_idempotency_error) {
  idempotency_store<int> store;
  store.remember("k", fp_a, at(r0), 7);
  // D19: parameters compare with types distinguished; the caller's fingerprint carries that.
  const auto conflict = store.check("k", fp_b, at(r0 + 10));
  BOOST_TEST(to_string(conflict.verdict()) == to_string(idempotency_verdict::conflict));
  BOOST_TEST(conflict.is_rejected());
  BOOST_TEST(!conflict.is_new());
  BOOST_TEST(!conflict.counts_as_replayed());
  BOOST_TEST(to_string(conflict.error().code) == to_string(error_code::idempotency_error));
  // Another endpoint under the same key is a different request too.
  BOOST_TEST(store.check("k", "POST /v1/billing/meter_events {}", at(r0 + 11)).is_rejected());
  // A conflict neither replaces the first request nor restarts its window.
  const auto replay = store.check("k", fp_a, at(r0 + 86399));
  BOOST_TEST_REQUIRE(replay.counts_as_replayed());
  BOOST_TEST(*replay.stored_outcome() == 7);
  BOOST_TEST(store.check("k", fp_b, at(r0 + 86400)).is_new());
}

BOOST_AUTO_TEST_CASE(I1_key_of_255_characters_is_usable) {
  idempotency_store<int> store;
  const std::string key(255, 'k');
  BOOST_TEST_REQUIRE(store.check(key, fp_a, at(r0)).is_new());
  store.remember(key, fp_a, at(r0), 3);
  BOOST_TEST(store.size() == 1u);
  BOOST_TEST(store.check(key, fp_a, at(r0 + 1)).counts_as_replayed());
}

BOOST_AUTO_TEST_CASE(I1_the_length_is_counted_in_characters_not_bytes) {
  idempotency_store<int> store;
  std::string accented;
  for (int i = 0; i < 255; ++i) accented += "\xC3\xA9";  // 255 times U+00E9, 510 bytes
  BOOST_TEST(store.check(accented, fp_a, at(r0)).is_new());
  const auto longer = store.check(accented + "\xE2\x82\xAC", fp_a, at(r0));  // one more, 3 bytes
  BOOST_TEST(longer.is_rejected());
  BOOST_TEST(longer.error().message.find("256 characters") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(D19_key_longer_than_255_characters_is_idempotency_error_and_not_stored) {
  idempotency_store<int> store;
  const std::string key(256, 'k');
  const auto first = store.check(key, fp_a, at(r0));
  BOOST_TEST(to_string(first.verdict()) == to_string(idempotency_verdict::invalid_key));
  BOOST_TEST(first.is_rejected());
  BOOST_TEST(to_string(first.error().code) == to_string(error_code::idempotency_error));
  store.remember(key, fp_a, at(r0), 3);  // ignored: never stored
  BOOST_TEST(store.size() == 0u);
  // The same request again is rejected again, not replayed.
  BOOST_TEST(to_string(store.check(key, fp_a, at(r0 + 1)).verdict()) ==
             to_string(idempotency_verdict::invalid_key));
  int calls = 0;
  const auto via_run = store.run(key, fp_a, at(r0 + 2), [&] { return ++calls; });
  BOOST_TEST(via_run.is_rejected());
  BOOST_TEST(calls == 0);
}

BOOST_AUTO_TEST_CASE(D3_empty_key_means_no_key_and_every_request_is_new) {
  idempotency_store<int> store;
  int calls = 0;
  for (int i = 0; i < 3; ++i) {
    const auto answer = store.run("", fp_a, at(r0), [&] { return ++calls; });
    BOOST_TEST(answer.is_new());
  }
  BOOST_TEST(calls == 3);
  BOOST_TEST(store.size() == 0u);
}

BOOST_AUTO_TEST_CASE(D19_first_outcome_is_stored_even_when_it_was_a_rejection) {
  idempotency_store<outcome> store;
  const auto first = store.run("k", fp_a, at(r0), [] {
    return outcome::reject(error_code::usage_record_invalid_parameter, "quantity must be >= 0", "quantity");
  });
  BOOST_TEST_REQUIRE(first.is_new());
  BOOST_TEST(first.stored_outcome()->rejected());
  // The repeat is a replay of the rejection (counted as replayed, not as a new rejection).
  const auto repeat = store.check("k", fp_a, at(r0 + 60));
  BOOST_TEST_REQUIRE(repeat.counts_as_replayed());
  BOOST_TEST(repeat.stored_outcome()->rejected());
  BOOST_TEST(to_string(repeat.stored_outcome()->error().code) ==
             to_string(error_code::usage_record_invalid_parameter));
  BOOST_TEST(repeat.stored_outcome()->error().param == "quantity");
}

BOOST_AUTO_TEST_CASE(I2_replay_applies_nothing_twice) {
  idempotency_store<std::vector<outcome>> store;  // a stream request of N events (D7)
  int applied = 0;
  const auto apply = [&] {
    applied += 3;
    return std::vector<outcome>(3, outcome::accept());
  };
  BOOST_TEST(store.run("batch-1", fp_a, at(r0), apply).is_new());
  const auto second = store.run("batch-1", fp_a, at(r0 + 5), apply);
  BOOST_TEST(second.counts_as_replayed());
  BOOST_TEST(second.stored_outcome()->size() == 3u);
  BOOST_TEST(store.run("batch-1", fp_b, at(r0 + 6), apply).is_rejected());
  BOOST_TEST(applied == 3);
}

BOOST_AUTO_TEST_CASE(I2_window_is_a_policy_parameter) {
  idempotency_store<int> store{idempotency_policy{seconds{10}, 255}};
  store.remember("k", fp_a, at(r0), 1);
  BOOST_TEST(store.check("k", fp_a, at(r0 + 9)).counts_as_replayed());
  BOOST_TEST(store.check("k", fp_a, at(r0 + 10)).is_new());
  BOOST_CHECK_THROW((idempotency_store<int>{idempotency_policy{seconds{0}, 255}}), configuration_error);
}

BOOST_AUTO_TEST_CASE(I2_expiry_keeps_memory_bounded_under_constant_arrival_rate) {
  idempotency_store<int> store;
  constexpr std::int64_t step = 10;  // one keyed request every 10 s, for 10 days
  std::size_t most = 0;
  for (std::int64_t t = 0; t < 10 * 86400; t += step) {
    const auto key = std::to_string(t);
    BOOST_REQUIRE(store.check(key, fp_a, at(r0 + t)).is_new());
    store.remember(key, fp_a, at(r0 + t), 0);
    most = std::max(most, store.size());
  }
  BOOST_TEST(most == static_cast<std::size_t>(86400 / step));
  store.advance(at(r0 + 20 * 86400));
  BOOST_TEST(store.size() == 0u);
}

BOOST_AUTO_TEST_CASE(I2_arrivals_must_come_in_order) {
  idempotency_store<int> store;
  store.remember("k", fp_a, at(r0 + 5), 1);
  BOOST_CHECK_THROW((void)store.check("k", fp_a, at(r0 + 4)), precondition_error);
}

BOOST_AUTO_TEST_CASE(I2_remembering_a_key_that_is_already_held_is_a_broken_precondition) {
  idempotency_store<int> store;
  store.remember("k", fp_a, at(r0 + 5), 1);
  BOOST_CHECK_THROW(store.remember("k", fp_a, at(r0 + 6), 2), precondition_error);
  BOOST_TEST(store.size() == 1u);
}

BOOST_AUTO_TEST_CASE(I2_property_store_agrees_with_a_model_that_never_forgets) {
  const auto seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  BOOST_TEST_MESSAGE("seed " << seed);
  for (int round = 0; round < 200; ++round) {
    idempotency_store<int> store{idempotency_policy{seconds{100}, 4}};
    struct first_use {
      std::string fingerprint;
      std::int64_t at;
      int outcome;
    };
    std::map<std::string, std::vector<first_use>> model;  // every first use ever, in order
    std::int64_t now = 0;
    for (int i = 0; i < 300; ++i) {
      now += static_cast<std::int64_t>(rng() % 30);
      const auto key_len = rng() % 6;  // 0 (none) ... 5 (too long)
      const std::string key(key_len, static_cast<char>('a' + rng() % 3));
      const std::string fp = rng() % 4 == 0 ? "B" : "A";
      const int produced = i;
      const auto answer = store.run(key, fp, at(now), [&] { return produced; });

      idempotency_verdict expected = idempotency_verdict::new_request;
      int expected_outcome = produced;
      if (key.size() > 4) {
        expected = idempotency_verdict::invalid_key;
      } else if (!key.empty()) {
        auto& uses = model[key];
        if (!uses.empty() && uses.back().at + 100 > now) {
          expected =
              uses.back().fingerprint == fp ? idempotency_verdict::replay : idempotency_verdict::conflict;
          expected_outcome = uses.back().outcome;
        } else {
          uses.push_back({fp, now, produced});
        }
      }
      BOOST_TEST_REQUIRE(to_string(answer.verdict()) == to_string(expected),
                         "seed " << seed << " round " << round << " step " << i);
      if (expected == idempotency_verdict::replay || expected == idempotency_verdict::new_request) {
        BOOST_TEST_REQUIRE(*answer.stored_outcome() == expected_outcome, "seed " << seed);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
