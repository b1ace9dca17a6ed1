// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/ingestion/pre_aggregated.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include <meterkit/aggregation/count.hpp>
#include <meterkit/aggregation/last_value.hpp>
#include <meterkit/aggregation/sum.hpp>

namespace mk = meterkit;

namespace {
mk::event_record rec(std::int64_t t, std::int64_t r, std::uint64_t a, std::int64_t v,
                     mk::timestamp c = mk::never) {
  return mk::event_record{mk::from_unix(t), mk::from_unix(r), a, v, c};
}
template <class F, class W = mk::utc_hour>
std::int64_t fold(std::vector<mk::event_record> rs, std::int64_t s, std::int64_t e, std::int64_t as_of) {
  std::sort(rs.begin(), rs.end(), mk::record_before);
  auto st = F::identity();
  mk::pre_aggregated<W>::template fold<F>(st, rs, mk::period{mk::from_unix(s), mk::from_unix(e)},
                                          mk::from_unix(as_of));
  return F::result(st);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(ingestion_pre_aggregated)

BOOST_AUTO_TEST_CASE(M8_newer_arrival_replaces_older_in_hour) {
  // hour [3600, 7200): the later arrival wins even with an earlier timestamp
  const std::vector<mk::event_record> rs{rec(7000, 7000, 1, 10), rec(3700, 7100, 2, 4),
                                         rec(7300, 7300, 3, 5)};
  BOOST_TEST(fold<mk::sum>(rs, 0, 10800, 7050) == 10);
  BOOST_TEST(fold<mk::sum>(rs, 0, 10800, 7100) == 4);
  BOOST_TEST(fold<mk::sum>(rs, 0, 10800, 7300) == 9);
  BOOST_TEST(fold<mk::count>(rs, 0, 10800, 7300) == 2);
}

BOOST_AUTO_TEST_CASE(M8_cancelled_survivor_gives_way_to_the_previous_arrival) {
  const std::vector<mk::event_record> rs{rec(3600, 3600, 1, 1), rec(3601, 3601, 2, 2, mk::from_unix(5000)),
                                         rec(3602, 3602, 3, 3, mk::from_unix(4000))};
  BOOST_TEST(fold<mk::sum>(rs, 0, 7200, 3999) == 3);
  BOOST_TEST(fold<mk::sum>(rs, 0, 7200, 4000) == 2);
  BOOST_TEST(fold<mk::sum>(rs, 0, 7200, 5000) == 1);
}

BOOST_AUTO_TEST_CASE(D15_survivor_is_chosen_over_the_whole_window_before_the_period_filter) {
  const std::vector<mk::event_record> rs{rec(3700, 3700, 1, 5), rec(6000, 6000, 2, 9)};
  BOOST_TEST(fold<mk::sum>(rs, 3600, 5400, 7200) == 0);  // survivor at 6000 lies outside
  BOOST_TEST(fold<mk::sum>(rs, 5400, 7200, 7200) == 9);
  BOOST_TEST(fold<mk::sum>(rs, 5400, 5401, 7200) == 0);
  BOOST_TEST(fold<mk::sum>(rs, 3600, 5400, 5000) == 5);  // as of before the 9 arrived
}

BOOST_AUTO_TEST_CASE(D15_last_takes_the_survivor_with_the_greatest_timestamp) {
  const std::vector<mk::event_record> rs{rec(3600, 3600, 1, 7), rec(7300, 7300, 2, 8), rec(7200, 7400, 3, 6)};
  // hour 2 survivor: arrival 3 (timestamp 7200), hour 1 survivor: 7 at 3600 -> last is 6
  BOOST_TEST(fold<mk::last_value>(rs, 0, 10800, 8000) == 6);
}

BOOST_AUTO_TEST_CASE(M8_day_windows_are_utc_days) {
  const std::vector<mk::event_record> rs{rec(86399, 86399, 1, 1), rec(86400, 86400, 2, 2),
                                         rec(100, 86401, 3, 3)};
  BOOST_TEST((fold<mk::sum, mk::utc_day>(rs, 0, 2 * 86400, 90000) == 5));
  BOOST_TEST((fold<mk::sum, mk::utc_hour>(rs, 0, 2 * 86400, 90000) == 6));
}

BOOST_AUTO_TEST_CASE(M8_another_window_is_one_line) {
  using per_minute = mk::pre_aggregated<mk::utc_minute>;
  static_assert(mk::ingestion_policy<per_minute>);
  static_assert(per_minute::is_pre_aggregated);
  const std::vector<mk::event_record> rs{rec(0, 0, 1, 1), rec(59, 59, 2, 2), rec(60, 60, 3, 4)};
  BOOST_TEST((fold<mk::sum, mk::utc_minute>(rs, 0, 120, 120) == 6));
}

namespace {
using hourly = mk::pre_aggregated<mk::utc_hour>;
using change = std::pair<std::int64_t, std::int64_t>;  // (value counted, value uncounted), 0 for none

/// A receiver of survivor index changes that keeps them as (counted, uncounted) values.
struct change_log {
  std::vector<change> changes;
  void operator()(const mk::window_survivor* counted, const mk::window_survivor* uncounted) {
    changes.emplace_back(counted != nullptr ? counted->value : 0,
                         uncounted != nullptr ? uncounted->value : 0);
  }
};
}  // namespace

BOOST_AUTO_TEST_CASE(M8_the_survivor_of_a_window_is_its_latest_arrival_whatever_the_timestamps) {
  static_assert(hourly::supersedes(8, 7) && !hourly::supersedes(7, 8) && !hourly::supersedes(7, 7));
  BOOST_TEST((hourly::window_start(mk::from_unix(7199)) == mk::from_unix(3600)));
  const std::vector<mk::event_record> window{rec(3700, 3700, 5, 1), rec(3650, 3800, 9, 2),
                                             rec(7100, 3900, 7, 3, mk::from_unix(3950))};
  BOOST_TEST(hourly::survivor_of(window, mk::from_unix(3750))->value == 1);
  BOOST_TEST(hourly::survivor_of(window, mk::end_of_time)->value == 2);  // arrival 9, earliest time
  BOOST_TEST(hourly::survivor_of(window, mk::from_unix(3000)) == nullptr);
}

BOOST_AUTO_TEST_CASE(M8_the_survivor_index_reports_each_change_of_what_counts) {
  hourly::survivor_index index;
  change_log log;
  std::vector<mk::event_record> records{rec(3700, 3700, 1, 10), rec(3650, 3800, 2, 20),
                                        rec(7300, 7300, 3, 30), rec(3660, 3900, 0, 40)};
  for (const auto& r : records) index.add(mk::window_survivor{r.time, r.arrival, r.value}, std::ref(log));
  // 10 opens its hour, 20 replaces it, 30 opens the next hour, 40 (arrival 0) is older: nothing.
  BOOST_TEST((log.changes == std::vector<change>{{10, 0}, {20, 10}, {30, 0}}));
  BOOST_TEST(index.survivors().size() == 2u);
  // Cancelling the survivor of the first hour brings back the latest remaining arrival.
  std::sort(records.begin(), records.end(), mk::record_before);
  const auto cancel = [&](std::int64_t t, std::uint64_t arrival) {
    for (auto& r : records) {
      if (mk::to_unix(r.time) == t && r.arrival == arrival) r.cancelled_at = mk::from_unix(9000);
    }
    index.cancel(mk::from_unix(t), arrival, records, std::ref(log));
  };
  log.changes.clear();
  cancel(3700, 1);  // not the survivor: nothing changes
  cancel(3650, 2);  // the survivor: 40 (arrival 0) is all that is left
  cancel(3660, 0);
  cancel(7300, 3);
  BOOST_TEST((log.changes == std::vector<change>{{40, 20}, {0, 40}, {0, 30}}));
  BOOST_TEST(index.survivors().empty());
}

BOOST_AUTO_TEST_CASE(M8_an_index_kept_arrival_by_arrival_equals_the_fold_and_a_rebuilt_one) {
  std::mt19937_64 rng(0x3e7e0011);
  for (int c = 0; c < 300; ++c) {
    std::vector<mk::event_record> records;
    hourly::survivor_index index;
    std::int64_t running = 0;
    const auto keep_sum = [&](const mk::window_survivor* counted, const mk::window_survivor* uncounted) {
      if (uncounted != nullptr) running -= uncounted->value;
      if (counted != nullptr) running += counted->value;
    };
    std::vector<std::uint64_t> arrivals(rng() % 40);  // unique, in any order
    for (std::size_t i = 0; i < arrivals.size(); ++i) arrivals[i] = i + 1;
    std::shuffle(arrivals.begin(), arrivals.end(), rng);
    for (std::size_t i = 0; i < arrivals.size(); ++i) {
      const auto r =
          rec(static_cast<std::int64_t>(rng() % 5) * 1800 + static_cast<std::int64_t>(rng() % 1800),
              static_cast<std::int64_t>(i), arrivals[i], static_cast<std::int64_t>(rng() % 100));
      records.insert(std::upper_bound(records.begin(), records.end(), r, mk::record_before), r);
      index.add(mk::window_survivor{r.time, r.arrival, r.value}, keep_sum);
      if (rng() % 4 == 0) {  // cancel a random record
        auto& victim = records[rng() % records.size()];
        if (!victim.cancelled()) {
          victim.cancelled_at = mk::from_unix(100000);
          index.cancel(victim.time, victim.arrival, records, keep_sum);
        }
      }
    }
    BOOST_TEST_CONTEXT("case " << c) {
      BOOST_TEST(running == fold<mk::sum>(records, -100000, 100000, 99999999));
      hourly::survivor_index rebuilt;
      rebuilt.add_survivors_of(records);
      BOOST_TEST((std::vector<mk::window_survivor>(index.survivors().begin(), index.survivors().end()) ==
                  std::vector<mk::window_survivor>(rebuilt.survivors().begin(), rebuilt.survivors().end())));
    }
  }
}

BOOST_AUTO_TEST_CASE(M8_a_caller_that_batches_by_window_keeps_what_supersedes_and_agrees_with_the_fold) {
  // What a reporter does: key by window_start, keep the arrival that supersedes the one held.
  std::mt19937_64 rng(0x3e7e0012);
  for (int c = 0; c < 200; ++c) {
    std::vector<mk::event_record> records;
    std::map<mk::timestamp, mk::event_record> chosen;
    for (std::uint64_t a = 1; a <= 30; ++a) {
      const auto r =
          rec(static_cast<std::int64_t>(rng() % 20000), 0, a * 7 % 31, static_cast<std::int64_t>(a));
      records.insert(std::upper_bound(records.begin(), records.end(), r, mk::record_before), r);
      auto [it, fresh] = chosen.try_emplace(hourly::window_start(r.time), r);
      if (!fresh && hourly::supersedes(r.arrival, it->second.arrival)) it->second = r;
    }
    std::int64_t total = 0;
    for (const auto& [w, r] : chosen) total += r.value;
    BOOST_TEST(total == fold<mk::sum>(records, 0, 20000, 0));
  }
}

BOOST_AUTO_TEST_CASE(M8_running_state_keeps_the_survivors_and_their_running_fold) {
  hourly::running_state<mk::sum> s;
  s.add(rec(10, 10, 2, 5));
  s.add(rec(20, 20, 1, 7));  // an older arrival in the same hour: ignored
  s.add(rec(3700, 3700, 3, 9));
  s.add(rec(30, 30, 4, 6));  // a later arrival: replaces 5
  BOOST_TEST(mk::sum::result(s.state()) == 15);
  BOOST_TEST(mk::sum::result(s.state({mk::from_unix(0), mk::from_unix(3600)})) == 6);
  mk::state_writer out;
  s.save(out);
  hourly::running_state<mk::sum> back;
  mk::state_reader in(out.bytes());
  back.load(in);
  BOOST_TEST(in.remaining() == 0u);
  BOOST_TEST((std::vector<mk::window_survivor>(back.survivors().begin(), back.survivors().end()) ==
              std::vector<mk::window_survivor>(s.survivors().begin(), s.survivors().end())));
}

BOOST_AUTO_TEST_SUITE_END()
