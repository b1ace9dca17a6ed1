// SPDX-License-Identifier: MIT
// Billing thresholds with reset_billing_cycle_anchor (B16, B17): a threshold reached restarts the
// billing cycle one second after the arrival that reached it; the threshold's invoice ends the
// period; tiers start again in the new one. Through the simulator, its snapshots and its bounded
// history.
#include <meterkit/billing/replay.hpp>
#include <meterkit/billing/simulator.hpp>
#include <meterkit/billing/thresholds.hpp>

#include "seat_plan.hpp"
#include "stream_requests.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mk = meterkit;
using namespace meterkit::test_seat_plan;

namespace {

/// Stripe's example with the cycle anchor reset: volume tiers, 1-10,000 units at 0.50 USD and
/// 0.40 USD above, a 5,000 USD threshold; monthly from 2025-01-01, with a licensed seat at
/// 10.00 USD when `seat`.
mk::plan reset_plan(bool seat = false) {
  mk::plan p;
  mk::meter_definition m;
  m.id = "mtr_units";
  m.event_name = "units";
  p.meters.push_back(m);
  mk::price pr{"price_units", mk::currency("usd")};
  pr.billing_scheme = mk::billing_scheme::tiered;
  pr.tiers_mode = mk::tiers_mode::volume;
  pr.tiers = {mk::price_tier{10000, mk::decimal::from_integer(50), std::nullopt},
              mk::price_tier{std::nullopt, mk::decimal::from_integer(40), std::nullopt}};
  pr.recurring.usage_type = mk::usage_type::metered;
  pr.recurring.meter = "mtr_units";
  p.prices.push_back(pr);
  mk::subscription s;
  s.id = "sub_1";
  s.customer = "cus_1";
  s.start_date = at("2025-01-01T00:00:00Z");
  s.items = {{"si_units", "price_units", 1}};
  if (seat) {
    mk::price licensed{"price_seat", mk::currency("usd")};
    licensed.unit_amount = mk::decimal::from_integer(1000);
    p.prices.push_back(licensed);
    s.items.push_back({"si_seat", "price_seat", 1});
  }
  s.amount_gte = 500000;
  s.reset_billing_cycle_anchor = true;
  p.subscriptions.push_back(s);
  return p;
}

/// `value` units arriving at `when`, timestamped then (no timestamp: M2's arrival).
mk::request units(const char* when, std::int64_t value, std::size_t line) {
  return mk::test_stream::event(unix_at(when), "units", "cus_1", value, "e" + std::to_string(line),
                                std::nullopt, line);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_threshold_resets)

BOOST_AUTO_TEST_CASE(B16_B17_a_threshold_with_reset_ends_the_period_and_the_tiers_start_again) {
  const auto r = mk::simulate(reset_plan(),
                              {units("2025-01-10T00:00:00Z", 10000, 1), units("2025-01-20T00:00:00Z", 1, 2)},
                              at("2025-02-05T00:00:00Z"));
  BOOST_TEST(r.rejected.empty());
  BOOST_TEST_REQUIRE(r.invoices.size() == 3u);  // the first, the threshold's, the upcoming one
  const auto& t = invoice_at(r, "2025-01-10T00:00:01Z");
  BOOST_TEST(t.reason == mk::billing_reason::subscription_threshold);
  BOOST_TEST(t.status == mk::invoice_status::finalized);
  BOOST_TEST_REQUIRE(t.lines.size() == 1u);
  BOOST_TEST(t.lines[0].quantity == 10000);
  BOOST_TEST(t.lines[0].amount == 500000);
  BOOST_TEST(!t.lines[0].after_threshold);
  BOOST_TEST(
      (t.lines[0].service_period == mk::period{at("2025-01-01T00:00:00Z"), at("2025-01-10T00:00:01Z")}));
  // The next unit is in the new period, at the first tier: no credit, as without the reset.
  const auto& next = r.invoices.back();
  BOOST_TEST(next.created == at("2025-02-10T00:00:01Z"));
  BOOST_TEST(next.reason == mk::billing_reason::upcoming);
  BOOST_TEST(next.lines[0].quantity == 1);
  BOOST_TEST(next.lines[0].amount == 50);
  BOOST_TEST(
      (next.lines[0].service_period == mk::period{at("2025-01-10T00:00:01Z"), at("2025-02-10T00:00:01Z")}));
}

BOOST_AUTO_TEST_CASE(B16_B17_a_reset_credits_the_unused_licensed_time_and_bills_the_new_period) {
  const auto r =
      mk::simulate(reset_plan(true), {units("2025-01-16T12:00:00Z", 10000, 1)}, at("2025-02-01T00:00:00Z"));
  const auto& t = invoice_at(r, "2025-01-16T12:00:01Z");
  BOOST_TEST(t.reason == mk::billing_reason::subscription_threshold);
  BOOST_TEST(find_line(t, "si_units")->amount == 500000);
  BOOST_TEST(find_line(t, "si_seat")->amount == 1000);
  BOOST_TEST((find_line(t, "si_seat")->service_period ==
              mk::period{at("2025-01-16T12:00:01Z"), at("2025-02-16T12:00:01Z")}));
  // 15.5 days less a second of January's 31, of 10.00 USD, rounded once
  const auto* credit = find_line(t, "si_seat", true);
  BOOST_REQUIRE(credit);
  BOOST_TEST((credit->service_period == mk::period{at("2025-01-16T12:00:01Z"), at("2025-02-01T00:00:00Z")}));
  BOOST_TEST(credit->amount == -500);
  // January 1's invoice billed the seat for the whole of January.
  BOOST_TEST(find_line(invoice_at(r, "2025-01-01T00:00:00Z"), "si_seat")->amount == 1000);
}

BOOST_AUTO_TEST_CASE(B16_B17_each_threshold_reached_resets_the_cycle_again) {
  const auto r =
      mk::simulate(reset_plan(),
                   {units("2025-01-05T00:00:00Z", 10000, 1), units("2025-01-09T00:00:00Z", 4000, 2),
                    units("2025-01-12T00:00:00Z", 6000, 3)},
                   at("2025-02-05T00:00:00Z"));
  std::vector<std::string> thresholds;
  for (const auto& inv : r.invoices)
    if (inv.reason == mk::billing_reason::subscription_threshold)
      thresholds.push_back(mk::format_rfc3339(inv.created));
  BOOST_TEST(thresholds == (std::vector<std::string>{"2025-01-05T00:00:01Z", "2025-01-12T00:00:01Z"}),
             boost::test_tools::per_element());
  // The second counts from the first reset: 10,000 units of the new period.
  BOOST_TEST(invoice_at(r, "2025-01-12T00:00:01Z").lines[0].quantity == 10000);
  BOOST_TEST(r.invoices.back().created == at("2025-02-12T00:00:01Z"));
}

BOOST_AUTO_TEST_CASE(B16_B17_usage_in_the_second_of_the_reset_belongs_to_the_ended_period) {
  // A second event in the same second as the one that reached the threshold, timestamped then.
  const auto r = mk::simulate(reset_plan(),
                              {units("2025-01-10T00:00:00Z", 10000, 1), units("2025-01-10T00:00:00Z", 5, 2)},
                              at("2025-02-05T00:00:00Z"));
  BOOST_TEST(invoice_at(r, "2025-01-10T00:00:01Z").lines[0].quantity == 10005);
  BOOST_TEST(r.invoices.back().lines[0].quantity == 0);
}

BOOST_AUTO_TEST_CASE(B16_B17_property_bounded_and_restored_runs_bill_resets_as_the_full_history) {
  const auto plan = reset_plan(true);
  std::vector<mk::request> requests;
  std::size_t line = 1;
  for (std::int64_t t = unix_at("2025-01-01T00:00:00Z"); t < unix_at("2025-04-30T00:00:00Z"); t += 5 * 3600) {
    requests.push_back(mk::test_stream::event(t, "units", "cus_1", static_cast<std::int64_t>(150 + line % 97),
                                              std::nullopt, t - static_cast<std::int64_t>(line % 4) * 3600,
                                              line));
    ++line;
  }
  const auto as_of = at("2025-05-01T00:00:00Z");
  const auto runs = full_and_bounded(plan, requests, as_of);
  BOOST_TEST(runs.full.rejected.empty());
  BOOST_TEST((runs.full == runs.bounded));
  std::size_t resets = 0;
  for (const auto& inv : runs.full.invoices)
    resets += inv.reason == mk::billing_reason::subscription_threshold ? 1 : 0;
  BOOST_TEST(resets >= 3u);
  check_restored_half_way(plan, requests, as_of, 53);
}

BOOST_AUTO_TEST_SUITE_END()
