// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/ingestion/raw.hpp>

#include <utility>
#include <vector>

#include <meterkit/aggregation/count.hpp>
#include <meterkit/aggregation/sum.hpp>

namespace mk = meterkit;

namespace {
mk::event_record rec(std::int64_t t, std::int64_t r, std::uint64_t a, std::int64_t v,
                     mk::timestamp c = mk::never) {
  return mk::event_record{mk::from_unix(t), mk::from_unix(r), a, v, c};
}
template <class F>
std::int64_t fold(const std::vector<mk::event_record>& rs, std::int64_t s, std::int64_t e,
                  std::int64_t as_of) {
  auto st = F::identity();
  mk::raw::fold<F>(st, rs, mk::period{mk::from_unix(s), mk::from_unix(e)}, mk::from_unix(as_of));
  return F::result(st);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(ingestion_raw)

BOOST_AUTO_TEST_CASE(M7_events_with_the_same_timestamp_do_not_overwrite_each_other) {
  const std::vector<mk::event_record> rs{rec(100, 100, 1, 2), rec(100, 101, 2, 3), rec(100, 102, 3, 4)};
  BOOST_TEST(fold<mk::sum>(rs, 0, 1000, 1000) == 9);
  BOOST_TEST(fold<mk::count>(rs, 0, 1000, 1000) == 3);
}

BOOST_AUTO_TEST_CASE(M7_only_events_arrived_and_not_cancelled_as_of_count_inside_the_period) {
  const std::vector<mk::event_record> rs{rec(10, 10, 1, 1), rec(20, 50, 2, 10),
                                         rec(30, 30, 3, 100, mk::from_unix(60)), rec(40, 40, 4, 1000)};
  BOOST_TEST(fold<mk::sum>(rs, 0, 100, 49) == 1101);  // 20 not yet arrived
  BOOST_TEST(fold<mk::sum>(rs, 0, 100, 50) == 1111);
  BOOST_TEST(fold<mk::sum>(rs, 0, 100, 59) == 1111);  // cancellation not yet arrived
  BOOST_TEST(fold<mk::sum>(rs, 0, 100, 60) == 1011);  // from the cancellation's arrival on
  BOOST_TEST(fold<mk::sum>(rs, 20, 40, 100) == 10);   // [20, 40): 40 excluded
  BOOST_TEST(fold<mk::sum>(rs, 40, 40, 100) == 0);    // empty period
  BOOST_TEST(fold<mk::sum>(rs, 50, 20, 100) == 0);    // inverted period is empty
  static_assert(!mk::raw::is_pre_aggregated);
  static_assert(mk::ingestion_policy<mk::raw>);
}

BOOST_AUTO_TEST_CASE(M7_every_arrival_counts_and_every_cancellation_uncounts) {
  mk::raw::survivor_index index;
  static_assert(!mk::raw::survivor_index::replaces_on_arrival);
  std::vector<std::pair<std::int64_t, std::int64_t>> changes;
  const auto log = [&](const mk::window_survivor* counted, const mk::window_survivor* uncounted) {
    changes.emplace_back(counted != nullptr ? counted->value : 0,
                         uncounted != nullptr ? uncounted->value : 0);
  };
  std::vector<mk::event_record> rs{rec(10, 10, 1, 5), rec(10, 11, 2, 7)};
  for (const auto& r : rs) index.add(mk::window_survivor{r.time, r.arrival, r.value}, log);
  index.cancel(mk::from_unix(10), 2, rs, log);
  index.cancel(mk::from_unix(10), 9, rs, log);  // no such record: nothing
  BOOST_TEST((changes == std::vector<std::pair<std::int64_t, std::int64_t>>{{5, 0}, {7, 0}, {0, 7}}));
}

BOOST_AUTO_TEST_CASE(M7_running_state_is_the_formula_state_alone_and_saves_through_its_codec) {
  mk::raw::running_state<mk::count> s;
  s.add(rec(10, 10, 1, 5));
  s.add(rec(10, 10, 2, 5));
  BOOST_TEST(s.state() == 2);
  static_assert(sizeof(mk::raw::running_state<mk::count>) == sizeof(mk::count::state_type));
  mk::state_writer out;
  s.save(out);
  mk::raw::running_state<mk::count> back;
  mk::state_reader in(out.bytes());
  back.load(in);
  BOOST_TEST(back.state() == 2);
  back.merge(s);
  BOOST_TEST(back.state() == 4);
}

BOOST_AUTO_TEST_SUITE_END()
