// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/meter/customer_state.hpp>

#include <meterkit/aggregation/last_value.hpp>
#include <meterkit/aggregation/sum.hpp>
#include <meterkit/ingestion/pre_aggregated.hpp>
#include <meterkit/ingestion/raw.hpp>

#include <cstdint>
#include <random>
#include <vector>

namespace mk = meterkit;

namespace {
mk::event_record rec(std::int64_t t, std::int64_t r, std::uint64_t a, std::int64_t v) {
  return mk::event_record{mk::from_unix(t), mk::from_unix(r), a, v};
}
}  // namespace

BOOST_AUTO_TEST_SUITE(meter_customer_state)

BOOST_AUTO_TEST_CASE(fast_path_answers_only_queries_that_cover_everything_as_of_every_change) {
  mk::customer_history<mk::sum, mk::raw> h;
  h.add(rec(100, 100, 1, 5));
  h.add(rec(200, 210, 2, 7));
  BOOST_TEST(h.answers_from_running(mk::all_time, mk::from_unix(210)));
  BOOST_TEST(!h.answers_from_running(mk::all_time, mk::from_unix(209)));  // 7 not yet arrived
  BOOST_TEST(!h.answers_from_running({mk::from_unix(100), mk::from_unix(200)}, mk::from_unix(300)));
  BOOST_TEST((h.state(mk::all_time, mk::from_unix(209)) == 5));
  BOOST_TEST((h.state(mk::all_time, mk::from_unix(210)) == 12));
  BOOST_TEST(h.cancel(mk::from_unix(100), 1, mk::from_unix(400)));
  BOOST_TEST(!h.cancel(mk::from_unix(100), 1, mk::from_unix(401)));  // already cancelled
  BOOST_TEST(!h.cancel(mk::from_unix(100), 9, mk::from_unix(401)));  // no such record
  BOOST_TEST(!h.answers_from_running(mk::all_time, mk::from_unix(399)));
  BOOST_TEST((h.state(mk::all_time, mk::from_unix(399)) == 12));
  BOOST_TEST(h.answers_from_running(mk::all_time, mk::from_unix(400)));
  BOOST_TEST((h.state(mk::all_time, mk::from_unix(400)) == 7));
}

BOOST_AUTO_TEST_CASE(M8_running_survivors_swap_on_later_arrival_and_cancellation) {
  mk::customer_history<mk::sum, mk::pre_aggregated<mk::utc_hour>> h;
  h.add(rec(10, 10, 1, 5));
  h.add(rec(20, 20, 2, 7));
  h.add(rec(5, 15, 3, 1));  // not sorted by arrival within the hour by time: arrival 3 wins
  BOOST_TEST((h.state(mk::all_time, mk::end_of_time) == 1));
  BOOST_TEST((h.state_by_fold(mk::all_time, mk::end_of_time) == 1));
  BOOST_TEST(h.cancel(mk::from_unix(5), 3, mk::from_unix(30)));
  BOOST_TEST((h.state(mk::all_time, mk::end_of_time) == 7));
  BOOST_TEST((h.state_by_fold(mk::all_time, mk::end_of_time) == 7));
}

BOOST_AUTO_TEST_CASE(running_state_only_keeps_window_survivors) {
  mk::customer_running_state<mk::last_value, mk::pre_aggregated<mk::utc_hour>> s;
  s.add(rec(10, 10, 2, 5));
  s.add(rec(20, 20, 1, 7));  // older arrival: ignored
  s.add(rec(3700, 3700, 3, 9));
  BOOST_TEST(mk::last_value::result(s.state()) == 9);
  BOOST_TEST(mk::last_value::result(s.state({mk::from_unix(0), mk::from_unix(3600)})) == 5);
  BOOST_TEST(s.survivors().size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_all_time_overflow_does_not_break_period_quantities_that_fit) {
  constexpr std::int64_t big = 5'000'000'000'000'000'000;
  mk::customer_history<mk::sum, mk::raw> h;
  h.add(rec(10, 10, 1, big));
  h.add(rec(100, 100, 2, big));  // the all-time total leaves 64 bits: exact in the 128-bit state
  BOOST_TEST((h.state({mk::from_unix(0), mk::from_unix(50)}, mk::end_of_time) == big));
  BOOST_TEST((h.state({mk::from_unix(50), mk::from_unix(200)}, mk::end_of_time) == big));
  BOOST_TEST((h.state(mk::all_time, mk::end_of_time) == mk::int128{2} * big));
  BOOST_CHECK_THROW((void)mk::sum::result(h.state(mk::all_time, mk::end_of_time)), mk::overflow_error);
  mk::customer_running_state<mk::sum, mk::raw> r;
  r.add(rec(10, 10, 1, big));
  r.add(rec(100, 100, 2, big));
  BOOST_CHECK_THROW((void)mk::sum::result(r.state()), mk::overflow_error);  // its total is the quantity
  r.add(rec(200, 200, 3, -big));  // a correction brings it back, exactly
  BOOST_TEST(mk::sum::result(r.state()) == big);
}

// ---- settling (billing/history.hpp's bounded history rests on it) ------------------------------

namespace {

/// Segments of 100 seconds from 0: the spans every query of the settling tests is made of.
mk::period segment(std::int64_t t) {
  const std::int64_t start = t - ((t % 100) + 100) % 100;
  return {mk::from_unix(start), mk::from_unix(start + 100)};
}

/// `n` random records over [0, 1000) arriving at 1000 + arrival, some cancelled by 1000 + n + 50.
std::vector<mk::event_record> random_records(std::mt19937_64& rng, std::size_t n) {
  std::vector<mk::event_record> out;
  for (std::uint64_t a = 1; a <= n; ++a) {
    auto r = rec(static_cast<std::int64_t>(rng() % 1000), 1000 + static_cast<std::int64_t>(a), a,
                 static_cast<std::int64_t>(rng() % 200) - 50);
    if (rng() % 5 == 0) r.cancelled_at = mk::from_unix(1000 + static_cast<std::int64_t>(n + rng() % 50));
    out.push_back(r);
  }
  return out;
}

/// Settles a random part of `h`'s records (`records`, in arrival order): forgets those before 200
/// (never asked for again) and folds the others into their segment.
template <class History>
std::size_t settle_some(History& h, const std::vector<mk::event_record>& records, std::mt19937_64& rng) {
  std::vector<mk::record_settlement> orders;
  for (const auto& r : records) {
    if (rng() % 3 == 0) continue;
    orders.push_back({r.arrival, mk::to_unix(r.time) < 200 ? mk::period{} : segment(mk::to_unix(r.time))});
  }
  return h.settle(orders);
}

/// Every query made of whole segments from 200 on, as of the end of the stream or later, answers
/// alike in `settled` and `whole`.
template <class Formula, class History>
void require_same_answers(const History& settled, const History& whole) {
  for (std::int64_t from = 200; from < 1000; from += 100) {
    for (std::int64_t to = from + 100; to <= 1100; to += 100) {
      const mk::period p{mk::from_unix(from), mk::from_unix(to)};
      for (const std::int64_t as_of : {1500, 2000}) {
        BOOST_TEST_CONTEXT("[" << from << ", " << to << ") as of " << as_of) {
          BOOST_TEST(Formula::result(settled.state(p, mk::from_unix(as_of))) ==
                     Formula::result(whole.state(p, mk::from_unix(as_of))));
          BOOST_TEST(Formula::result(settled.state_by_fold(p, mk::from_unix(as_of))) ==
                     Formula::result(whole.state_by_fold(p, mk::from_unix(as_of))));
        }
      }
    }
  }
}

template <class Formula>
void settling_keeps_every_aligned_answer(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto first = random_records(rng, 300);
  mk::customer_history<Formula, mk::raw> settled;
  mk::customer_history<Formula, mk::raw> whole;
  for (const auto& r : first) {
    settled.add(r);
    whole.add(r);
  }
  const std::size_t taken = settle_some(settled, first, rng);
  BOOST_TEST(settled.size() == first.size() - taken);
  BOOST_TEST(!settled.settled().empty());
  require_same_answers<Formula>(settled, whole);
  // Records added after settling, into settled segments too, and a second settling.
  auto later = random_records(rng, 100);
  for (auto& r : later) {
    r.arrival += 1000;
    r.received_at = r.received_at + mk::seconds{150};
    settled.add(r);
    whole.add(r);
  }
  settle_some(settled, later, rng);
  require_same_answers<Formula>(settled, whole);
  // What is saved reads back the same, and a merge carries the settled segments.
  mk::state_writer out;
  settled.save_settled(out);
  mk::customer_history<Formula, mk::raw> restored;
  BOOST_TEST(restored.assign(settled.records()));
  mk::state_reader in(out.bytes());
  restored.load_settled(in);
  in.expect_end();
  BOOST_TEST((restored.settled().size() == settled.settled().size()));
  require_same_answers<Formula>(restored, whole);
  mk::customer_history<Formula, mk::raw> merged;
  merged.merge(settled);
  require_same_answers<Formula>(merged, whole);
}

}  // namespace

BOOST_AUTO_TEST_CASE(B3_settled_records_answer_every_aligned_query_as_before) {
  for (const std::uint64_t seed : {1U, 2U, 3U}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      settling_keeps_every_aligned_answer<mk::sum>(seed);
      settling_keeps_every_aligned_answer<mk::last_value>(seed);
    }
  }
}

BOOST_AUTO_TEST_CASE(B3_a_query_that_cuts_a_settled_segment_or_looks_before_it_is_refused) {
  mk::customer_history<mk::sum, mk::raw> h;
  h.add(rec(150, 1000, 1, 5));
  h.add(rec(160, 1010, 2, 7));
  h.add(rec(250, 1020, 3, 11));
  const mk::record_settlement orders[] = {{1, segment(150)}, {2, segment(160)}};
  BOOST_TEST(h.settle(orders) == 2U);
  BOOST_TEST(h.size() == 1U);
  BOOST_TEST(mk::to_unix(h.settled_through()) == 1010);
  BOOST_TEST((h.state({mk::from_unix(100), mk::from_unix(200)}, mk::from_unix(1010)) == 12));
  BOOST_TEST((h.state(mk::all_time, mk::from_unix(1020)) == 23));
  BOOST_TEST((h.state({mk::from_unix(200), mk::from_unix(300)}, mk::from_unix(1020)) == 11));
  BOOST_CHECK_THROW((void)h.state({mk::from_unix(100), mk::from_unix(155)}, mk::from_unix(1020)),
                    mk::precondition_error);  // cuts [100, 200)
  BOOST_CHECK_THROW((void)h.state({mk::from_unix(100), mk::from_unix(200)}, mk::from_unix(1009)),
                    mk::precondition_error);                          // before the records it folds arrived
  BOOST_TEST(!h.cancel(mk::from_unix(150), 1, mk::from_unix(1030)));  // settled: no longer a record
  const mk::record_settlement unknown[] = {{9, segment(150)}};
  BOOST_CHECK_THROW((void)h.settle(unknown), mk::precondition_error);
}

BOOST_AUTO_TEST_CASE(M8_pre_aggregated_records_cannot_be_settled_into_segments) {
  static_assert(mk::customer_history<mk::sum, mk::raw>::can_settle);
  static_assert(mk::customer_history<mk::last_value, mk::raw>::can_settle);
  static_assert(!mk::customer_history<mk::sum, mk::pre_aggregated<mk::utc_hour>>::can_settle);
  mk::customer_history<mk::sum, mk::pre_aggregated<mk::utc_hour>> h;
  h.add(rec(10, 10, 1, 5));
  h.add(rec(20, 20, 2, 7));
  const mk::record_settlement fold[] = {{1, segment(10)}};
  BOOST_CHECK_THROW((void)h.settle(fold), mk::precondition_error);
  mk::customer_history<mk::sum, mk::pre_aggregated<mk::utc_hour>> g;
  g.add(rec(10, 10, 1, 5));
  g.add(rec(20, 20, 2, 7));
  const mk::record_settlement forget[] = {{2, mk::period{}}};
  BOOST_TEST(g.settle(forget) == 1U);  // forgetting stays possible: the earlier arrival counts again
  BOOST_TEST((g.state(mk::all_time, mk::end_of_time) == 5));
}

BOOST_AUTO_TEST_SUITE_END()
