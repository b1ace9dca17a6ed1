// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/acceptance/identifier_dedup.hpp>

#include <map>
#include <optional>
#include <random>
#include <string>

namespace mk = meterkit;

BOOST_AUTO_TEST_SUITE(acceptance_identifier_dedup)

BOOST_AUTO_TEST_CASE(M5_identifier_is_held_for_exactly_the_window) {
  mk::stripe_identifier_window::store s;
  const auto r = mk::from_unix(1735689600);
  BOOST_TEST(!s.holder("evt", r).has_value());
  s.remember("evt", r);
  BOOST_TEST((s.holder("evt", r) == r));
  BOOST_TEST((s.holder("evt", r + mk::seconds{86399}) == r));
  BOOST_TEST(!s.holder("evt", r + mk::seconds{86400}).has_value());
  BOOST_TEST(!s.holder("other", r + mk::seconds{86400}).has_value());
}

BOOST_AUTO_TEST_CASE(D14_window_restarts_at_each_acceptance) {
  mk::rolling_identifier_window<100>::store s;
  s.remember("a", mk::from_unix(0));
  BOOST_TEST(!s.holder("a", mk::from_unix(100)).has_value());
  s.remember("a", mk::from_unix(100));
  BOOST_TEST((s.holder("a", mk::from_unix(199)) == mk::from_unix(100)));
  BOOST_TEST(!s.holder("a", mk::from_unix(200)).has_value());
}

BOOST_AUTO_TEST_CASE(M5_memory_is_bounded_by_the_window) {
  mk::rolling_identifier_window<1000>::store s;
  for (std::int64_t t = 0; t < 100000; ++t) {
    s.remember("id" + std::to_string(t), mk::from_unix(t));
    BOOST_TEST_REQUIRE(s.size() <= 2000u);  // identifiers of the last two windows at most
  }
  (void)s.holder("x", mk::from_unix(200000));
  BOOST_TEST(s.size() == 0u);
}

BOOST_AUTO_TEST_CASE(M5_rolling_store_matches_a_plain_model_on_random_streams) {
  const std::uint64_t seed = 0xded09;
  std::mt19937_64 rng(seed);
  for (int run = 0; run < 200; ++run) {
    mk::rolling_identifier_window<50>::store s;
    std::map<std::string, std::int64_t> accepted;  // id -> last acceptance
    std::int64_t now = 0;
    for (int i = 0; i < 300; ++i) {
      now += static_cast<std::int64_t>(rng() % 7);
      const std::string id = "e" + std::to_string(rng() % 20);
      const auto it = accepted.find(id);
      const bool held = it != accepted.end() && now - it->second < 50;
      const auto h = s.holder(id, mk::from_unix(now));
      BOOST_TEST_CONTEXT("seed " << seed << " run " << run << " op " << i) {
        BOOST_TEST(h.has_value() == held);
        if (held) BOOST_TEST((*h == mk::from_unix(it->second)));
      }
      if (!held && rng() % 3 != 0) {  // some events are rejected for other reasons: not remembered
        s.remember(id, mk::from_unix(now));
        accepted[id] = now;
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(M5_short_and_long_identifiers_match_a_plain_model_across_growth_and_snapshots) {
  // Identifiers of 2 to 43 bytes (held inline in the table or out of line), generations that grow
  // and turn over, and a save and load now and then: the store answers as the plain model, and
  // saving what was loaded gives the same bytes.
  const std::uint64_t seed = 0x1d5;
  std::mt19937_64 rng(seed);
  for (int run = 0; run < 20; ++run) {
    std::optional<mk::rolling_identifier_window<500>::store> s(std::in_place);
    std::map<std::string, std::int64_t> accepted;  // id -> last acceptance
    std::int64_t now = 0;
    for (int i = 0; i < 3000; ++i) {
      now += static_cast<std::int64_t>(rng() % 3);
      const auto extra = static_cast<std::size_t>(rng() % 42);
      std::string id = "e" + std::to_string(rng() % 1000);
      id.append(extra, static_cast<char>('a' + extra % 26));
      const auto it = accepted.find(id);
      const bool held = it != accepted.end() && now - it->second < 500;
      const auto h = s->holder(id, mk::from_unix(now));
      BOOST_TEST_CONTEXT("seed " << seed << " run " << run << " op " << i << " id " << id) {
        BOOST_TEST_REQUIRE(h.has_value() == held);
        if (held) BOOST_TEST((*h == mk::from_unix(it->second)));
      }
      if (!held && rng() % 4 != 0) {
        s->remember(id, mk::from_unix(now));
        accepted[id] = now;
      }
      if (i % 700 == 350) {
        mk::state_writer out;
        s->save(out);
        mk::rolling_identifier_window<500>::store loaded;
        mk::state_reader in(out.bytes(), "identifier store");
        loaded.load(in);
        mk::state_writer again;
        loaded.save(again);
        BOOST_TEST_REQUIRE((again.bytes() == out.bytes()));
        s.emplace(std::move(loaded));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(M5_forever_and_off_are_policies) {
  mk::identifiers_never_expire::store forever;
  forever.remember("a", mk::from_unix(0));
  BOOST_TEST(forever.holder("a", mk::from_unix(1000000000)).has_value());
  mk::no_identifier_dedup::store off;
  off.remember("a", mk::from_unix(0));
  BOOST_TEST(!off.holder("a", mk::from_unix(0)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
