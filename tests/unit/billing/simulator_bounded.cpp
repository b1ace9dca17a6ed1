// SPDX-License-Identifier: MIT
// The invoice simulator's bounded history: on long streams it fixes finalized quantities and
// forgets events that can no longer change an invoice, and the invoices stay those of the full
// history (B3, M10, M11, D18, D20, D21).
#include <meterkit/billing/simulator.hpp>
#include <meterkit/stripe/plan_json.hpp>

#include "stream_requests.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mk = meterkit;

namespace {

constexpr std::int64_t t0 = 1735689600;  // 2025-01-01T00:00:00Z
constexpr std::int64_t day = 86400;

const mk::plan& bounded_plan() {
  static const mk::plan p = mk::read_plan_text(R"({
    "meters": [
      {"id": "mtr_api", "event_name": "api_requests", "default_aggregation": {"formula": "sum"}},
      {"id": "mtr_seats", "event_name": "seats", "default_aggregation": {"formula": "last"}, "event_time_window": "hour"},
      {"id": "mtr_calls", "event_name": "calls", "default_aggregation": {"formula": "count"}, "event_time_window": "day"}
    ],
    "prices": [
      {"id": "price_api", "currency": "usd", "unit_amount": 2,
       "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_api"}},
      {"id": "price_api_weekly", "currency": "usd", "unit_amount": 1,
       "recurring": {"interval": "week", "usage_type": "metered", "meter": "mtr_api"}},
      {"id": "price_seats", "currency": "usd", "unit_amount": 700,
       "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_seats"}},
      {"id": "price_calls", "currency": "usd", "unit_amount": 5,
       "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_calls"}},
      {"id": "price_max", "currency": "usd", "unit_amount": 17,
       "recurring": {"interval": "month", "usage_type": "metered", "aggregate_usage": "max"}},
      {"id": "price_lic", "currency": "usd", "unit_amount": 1000, "recurring": {"interval": "month"}}
    ],
    "subscriptions": [
      {"id": "sub_1", "customer": "cus_1", "start_date": "2025-01-01T00:00:00Z",
       "items": [{"id": "si_api", "price": "price_api"}, {"id": "si_seats", "price": "price_seats"},
                 {"id": "si_calls", "price": "price_calls"}, {"id": "si_lic", "price": "price_lic", "quantity": 2}]},
      {"id": "sub_2", "customer": "cus_2", "start_date": "2025-01-10T07:30:00Z", "trial_end": "2025-01-24T00:00:00Z",
       "items": [{"id": "si2_api", "price": "price_api"}, {"id": "si2_max", "price": "price_max"}]},
      {"id": "sub_3", "customer": "cus_3", "start_date": "2025-01-03T12:00:00Z",
       "items": [{"id": "si3_api", "price": "price_api_weekly"}]},
      {"id": "sub_4", "customer": "cus_1", "start_date": "2025-01-05T06:00:00Z",
       "items": [{"id": "si4_api", "price": "price_api_weekly"}]}
    ],
    "customers": ["cus_4"],
    "settings": {"invoice_finalization_delay": 7200}
  })",
                                               "bounded_plan.json");
  return p;
}

using mk::test_stream::cancellation;
using mk::test_stream::event;

/// Seven months of arrivals at a constant rate: events of every meter for every customer (the one
/// without a subscription too), late ones (some beyond 35 days), duplicates, cancellations in and
/// out of their window, of unknown identifiers and repeated; legacy usage records.
std::vector<mk::request> long_stream(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<mk::request> out;
  std::vector<std::pair<std::string, std::string>> sent;  // (event_name, identifier)
  const char* names[] = {"api_requests", "seats", "calls"};
  const char* customers[] = {"cus_1", "cus_2", "cus_3", "cus_4"};
  std::int64_t now = t0 - 3 * day;
  const std::int64_t step = 210 * day / static_cast<std::int64_t>(n);
  for (std::size_t i = 0; i < n; ++i) {
    now += static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(2 * step));
    const auto roll = rng() % 100;
    if (roll < 8 && !sent.empty()) {
      // A cancellation: mostly of a recent event, sometimes of an old one (too late, or already
      // cancelled long ago), sometimes of nothing.
      const std::size_t back =
          roll < 5 ? rng() % std::min<std::size_t>(sent.size(), 30) : rng() % sent.size();
      auto target = sent[sent.size() - 1 - back];
      if (roll == 7) target.second = "never-sent-" + std::to_string(i);
      out.push_back(cancellation(now, target.first, target.second, i));
    } else if (roll < 12) {
      const auto quantity = static_cast<std::int64_t>(rng() % 50);
      const std::int64_t at = now - static_cast<std::int64_t>(rng() % 3600);
      out.push_back(mk::test_stream::usage_record_of(now, "si2_max", quantity, at,
                                                     roll == 11 ? "increment" : "set", i));
    } else {
      const std::string name = names[rng() % 3];
      const std::string customer = customers[rng() % 4];
      std::int64_t time = now - static_cast<std::int64_t>(rng() % 7200);
      if (roll < 15) time = now - static_cast<std::int64_t>(rng() % (40 * day));  // late, some too late
      std::optional<std::string> identifier;
      if (roll % 5 != 0) {
        if (roll < 18 && !sent.empty()) {
          identifier =
              sent[sent.size() - 1 - rng() % std::min<std::size_t>(sent.size(), 50)].second;  // duplicate
        } else {
          identifier = "ev_" + std::to_string(i);
          sent.emplace_back(name, *identifier);
        }
      }
      out.push_back(
          event(now, name, customer, static_cast<std::int64_t>(rng() % 200) - 20, identifier, time, i));
    }
  }
  return out;
}

mk::cancellation_targets cancelled_targets(const std::vector<mk::request>& requests) {
  mk::cancellation_targets out;
  for (const auto& r : requests) out.add(r);
  return out;
}

mk::simulator_history bounded(const mk::cancellation_targets* targets, std::size_t forget_from) {
  mk::simulator_history h;
  h.bounded = true;
  h.forget_from = forget_from;
  if (targets != nullptr) h.cancelled_later = std::cref(*targets);
  return h;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_simulator_bounded)

BOOST_AUTO_TEST_CASE(B3_M11_bounded_history_bills_exactly_like_the_full_history) {
  for (const std::uint64_t seed : {1U, 2U, 3U, 4U}) {
    const auto stream = long_stream(seed, 6000);
    const auto targets = cancelled_targets(stream);
    mk::invoice_simulator full(bounded_plan());
    mk::invoice_simulator small(bounded_plan(), bounded(&targets, 1 + seed * 40));
    std::size_t accepted_events = 0;
    std::size_t largest_log = 0;
    for (const auto& r : stream) {
      full.apply(r);
      small.apply(r);
      largest_log = std::max(largest_log, small.kept_events());
    }
    accepted_events = full.kept_events();
    const auto last = stream.back().received_at;
    for (const auto until : {last, last + mk::seconds{3600}, last + mk::seconds{45 * day}}) {
      BOOST_TEST_CONTEXT("seed " << seed << " until " << mk::to_unix(until)) {
        BOOST_TEST((small.result(until) == full.result(until)));
      }
    }
    // Seven months of events, about one month kept at any time.
    BOOST_TEST_CONTEXT("seed " << seed << ": " << largest_log << " of " << accepted_events
                               << " events at most") {
      BOOST_TEST(largest_log * 3 < accepted_events);
    }
  }
}

BOOST_AUTO_TEST_CASE(B3_M11_events_that_can_no_longer_change_are_settled_and_memory_stays_flat) {
  // Only raw-meter events and no cancellation: every event is final once applied, so the bounded
  // history folds it into its settled segment (cus_1's api usage is billed monthly and weekly, so
  // its segments are the intersections of both schedules' periods) and keeps no event log.
  for (const std::uint64_t seed : {5U, 6U}) {
    std::vector<mk::request> stream;
    for (auto& r : long_stream(seed, 8000)) {
      const auto* e = std::get_if<mk::meter_event>(&r.operations.front());
      if (std::holds_alternative<mk::meter_event_adjustment>(r.operations.front())) continue;
      if (e != nullptr && e->event_name != "api_requests") continue;
      stream.push_back(std::move(r));
    }
    constexpr std::size_t forget_from = 50;
    mk::simulator_history h = bounded(nullptr, forget_from);
    h.no_cancellations = true;
    mk::invoice_simulator full(bounded_plan());
    std::optional<mk::invoice_simulator> small(std::in_place, bounded_plan(), h);
    std::size_t largest_log = 0;
    for (std::size_t i = 0; i < stream.size(); ++i) {
      full.apply(stream[i]);
      small->apply(stream[i]);
      largest_log = std::max(largest_log, small->kept_events());
      if (i == stream.size() / 2) {  // half way: a snapshot holds the settled segments
        std::ostringstream out;
        small->save(out);
        std::istringstream in(out.str());
        small.emplace(mk::invoice_simulator::restore(bounded_plan(), in, h));
      }
    }
    const auto last = stream.back().received_at;
    for (const auto until : {last, last + mk::seconds{3600}, last + mk::seconds{45 * day}}) {
      BOOST_TEST_CONTEXT("seed " << seed << " until " << mk::to_unix(until)) {
        BOOST_TEST((small->result(until) == full.result(until)));
      }
    }
    BOOST_TEST_CONTEXT("seed " << seed << ": " << largest_log << " of " << full.kept_events()
                               << " events at most") {
      BOOST_TEST(largest_log <= 2 * forget_from);
    }
    BOOST_CHECK_THROW((void)small->summaries("mtr_api", "cus_1", {mk::from_unix(t0), mk::from_unix(t0 + day)},
                                             mk::window_kind::hour, last),
                      mk::configuration_error);
  }
}

BOOST_AUTO_TEST_CASE(B3_bounded_history_survives_crashes_restored_from_snapshots) {
  const auto stream = long_stream(11, 4000);
  const auto targets = cancelled_targets(stream);
  mk::invoice_simulator full(bounded_plan());
  for (const auto& r : stream) full.apply(r);
  std::mt19937_64 rng(11);
  std::optional<mk::invoice_simulator> sim(std::in_place, bounded_plan(), bounded(&targets, 64));
  std::string snapshot;
  std::size_t snapshot_at = 0;
  for (std::size_t i = 0; i < stream.size();) {
    sim->apply(stream[i++]);
    if (rng() % 300 == 0) {
      std::ostringstream out;
      sim->save(out);
      snapshot = out.str();
      snapshot_at = i;
    }
    if (!snapshot.empty() && rng() % 500 == 0) {  // a crash: back to the last snapshot
      std::istringstream in(snapshot);
      sim.emplace(mk::invoice_simulator::restore(bounded_plan(), in, bounded(&targets, 64)));
      i = snapshot_at;
    }
  }
  const auto last = stream.back().received_at;
  BOOST_TEST((sim->result(last) == full.result(last)));
  std::ostringstream out;
  sim->save(out);
  std::istringstream in(out.str());
  BOOST_CHECK_THROW((void)mk::invoice_simulator::restore(bounded_plan(), in), mk::corrupt_state_error);
}

BOOST_AUTO_TEST_CASE(M10_a_forgotten_event_is_cancelled_exactly_only_when_named_in_advance) {
  // ev_1 is accepted, then 60 days of other events; its cancellation comes far too late.
  std::vector<mk::request> stream{event(t0 + 3600, "api_requests", "cus_1", 5, "ev_1", t0 + 3000, 0)};
  for (std::size_t i = 1; i <= 60; ++i) {
    const std::int64_t at = t0 + 3600 + static_cast<std::int64_t>(i) * day;
    stream.push_back(event(at, "api_requests", "cus_1", 1, "ev_" + std::to_string(i + 1), at, i));
  }
  stream.push_back(cancellation(t0 + 62 * day, "api_requests", "ev_1", 61));
  const auto targets = cancelled_targets(stream);
  const auto code_of_last = [&](mk::simulator_history h) {
    mk::invoice_simulator sim(bounded_plan(), std::move(h));
    for (const auto& r : stream) sim.apply(r);
    const auto rejected = sim.result(stream.back().received_at).rejected;
    BOOST_REQUIRE(!rejected.empty());
    return rejected.back().code;
  };
  BOOST_TEST((code_of_last({}) == mk::error_code::meter_event_adjustment_too_late));
  BOOST_TEST((code_of_last(bounded(&targets, 1)) == mk::error_code::meter_event_adjustment_too_late));
  BOOST_TEST((code_of_last(bounded(nullptr, 1)) == mk::error_code::meter_event_adjustment_not_found));
}

BOOST_AUTO_TEST_CASE(D21_a_bounded_history_answers_only_as_of_its_last_arrival_or_later) {
  mk::invoice_simulator sim(bounded_plan(), bounded(nullptr, 1));
  sim.apply(event(t0 + 40 * day, "api_requests", "cus_1", 5, "ev_1", t0 + 40 * day, 0));
  BOOST_CHECK_THROW((void)sim.result(mk::from_unix(t0 + 39 * day)), mk::configuration_error);
  BOOST_CHECK_NO_THROW((void)sim.result(mk::from_unix(t0 + 40 * day)));
}

BOOST_AUTO_TEST_CASE(M10_cancellation_targets_hold_each_named_event_once_per_event_name) {
  mk::cancellation_targets targets;
  BOOST_TEST(targets.size() == 0U);
  BOOST_TEST(!targets.contains("api_requests", "ev_1"));
  targets.add(cancellation(t0, "api_requests", "ev_1", 1));
  targets.add(cancellation(t0 + 1, "api_requests", "ev_1", 2));           // named twice: one target
  targets.add(cancellation(t0 + 2, "seats", "ev_1", 3));                  // same identifier, other meter
  targets.add(event(t0 + 3, "api_requests", "cus_1", 5, "ev_2", t0, 4));  // not a cancellation
  BOOST_TEST(targets.size() == 2U);
  BOOST_TEST(targets.contains("api_requests", "ev_1"));
  BOOST_TEST(targets.contains("seats", "ev_1"));
  BOOST_TEST(!targets.contains("api_requests", "ev_2"));
  BOOST_TEST(!targets.contains("calls", "ev_1"));
  BOOST_TEST(!targets.contains("api_requests", "ev_"));
  const std::function<bool(std::string_view, std::string_view)> predicate = std::cref(targets);
  BOOST_TEST(predicate("seats", "ev_1"));
  BOOST_TEST(!predicate("seats", "ev_2"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(billing_unbilled_usage)

BOOST_AUTO_TEST_CASE(
    D18_usage_no_item_bills_is_reported_per_meter_and_customer_the_same_with_a_bounded_history) {
  // cus_4 has no subscription, and cus_2 and cus_3 none on mtr_seats and mtr_calls: their events
  // there are accepted and billed by no invoice.
  for (const std::uint64_t seed : {21U, 22U}) {
    const auto stream = long_stream(seed, 4000);
    const auto targets = cancelled_targets(stream);
    mk::invoice_simulator full(bounded_plan());
    mk::invoice_simulator small(bounded_plan(), bounded(&targets, 32));
    for (const auto& r : stream) {
      full.apply(r);
      small.apply(r);
    }
    const auto last = stream.back().received_at;
    const auto unbilled = full.unbilled(last);
    BOOST_TEST_CONTEXT("seed " << seed) {
      BOOST_TEST((small.unbilled(last) == unbilled));
      BOOST_REQUIRE(!unbilled.empty());
      for (const auto& u : unbilled) {
        BOOST_TEST((u.customer == "cus_4" || (u.meter != "mtr_api" && u.customer != "cus_1")));
        BOOST_TEST(u.events > 0U);
        if (u.meter == "mtr_calls") BOOST_TEST(u.quantity == static_cast<std::int64_t>(u.events));
      }
      // A sum meter's quantity is what a summary of all time says.
      BOOST_TEST(unbilled.front().meter == "mtr_api");
      BOOST_TEST(unbilled.front().customer == "cus_4");
      const auto api =
          full.summaries("mtr_api", "cus_4", {mk::from_unix(t0 - 60 * day), mk::from_unix(t0 + 400 * day)},
                         mk::window_kind::none, last);
      BOOST_REQUIRE(api.size() == 1U);
      BOOST_TEST(unbilled.front().quantity == api.front().aggregated_value);
    }
  }
}

BOOST_AUTO_TEST_CASE(
    M10_a_cancelled_unbilled_event_leaves_the_count_and_the_quantity_and_snapshots_keep_both) {
  std::vector<mk::request> stream{event(t0 + 100, "api_requests", "cus_4", 7, "u1", t0 + 100, 0),
                                  event(t0 + 200, "api_requests", "cus_4", 5, "u2", t0 + 200, 1),
                                  event(t0 + 300, "api_requests", "cus_1", 9, "b1", t0 + 300, 2),
                                  cancellation(t0 + 400, "api_requests", "u1", 3)};
  mk::invoice_simulator sim(bounded_plan());
  for (const auto& r : stream) sim.apply(r);
  const auto until = mk::from_unix(t0 + 400);
  const std::vector<mk::unbilled_usage> expected{{"mtr_api", "cus_4", 5, 1}};
  BOOST_TEST((sim.unbilled(until) == expected));
  std::ostringstream out;
  sim.save(out);
  std::istringstream in(out.str());
  BOOST_TEST((mk::invoice_simulator::restore(bounded_plan(), in).unbilled(until) == expected));
}

BOOST_AUTO_TEST_SUITE_END()
