// SPDX-License-Identifier: MIT
// Billing thresholds (B16) through the invoice simulator: threshold invoices at the arrival that
// reaches `amount_gte` or `usage_gte`, tiers continuing across them, the period's end billing
// what they did not (a credit when it ends below), and the edges (trial, the last 24 hours,
// arrival order), with snapshots and the bounded history billing the same.
#include <meterkit/billing/simulator.hpp>
#include <meterkit/billing/snapshot.hpp>
#include <meterkit/billing/thresholds.hpp>

#include "seat_plan.hpp"
#include "stream_requests.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace mk = meterkit;
using meterkit::test_seat_plan::at;
using meterkit::test_seat_plan::unix_at;

namespace {

/// Stripe's example: volume (or graduated) tiers, 1-10,000 units at 0.50 USD and 0.40 USD above,
/// on a sum meter; one monthly subscription from 2025-01-01 with a 5,000 USD threshold.
mk::plan threshold_plan(mk::tiers_mode mode = mk::tiers_mode::volume) {
  mk::plan p;
  mk::meter_definition m;
  m.id = "mtr_units";
  m.event_name = "units";
  p.meters.push_back(m);
  mk::price pr{"price_units", mk::currency("usd")};
  pr.billing_scheme = mk::billing_scheme::tiered;
  pr.tiers_mode = mode;
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
  s.amount_gte = 500000;
  p.subscriptions.push_back(s);
  return p;
}

/// `value` units arriving at `when` (RFC 3339), timestamped then.
mk::request units(const char* when, std::int64_t value, std::size_t line) {
  return mk::test_stream::event(unix_at(when), "units", "cus_1", value, "e" + std::to_string(line),
                                std::nullopt, line);
}

mk::simulation_result run(const mk::plan& p, const std::vector<mk::request>& requests, const char* until) {
  mk::invoice_simulator sim(p);
  for (const auto& r : requests) sim.apply(r);
  return sim.result(at(until));
}

std::vector<const mk::invoice*> with_reason(const mk::simulation_result& r, mk::billing_reason reason) {
  std::vector<const mk::invoice*> out;
  for (const auto& inv : r.invoices)
    if (inv.reason == reason) out.push_back(&inv);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_thresholds)

// Stripe's documented example: 10,000 units reach 5,000 USD and are invoiced at once; one more unit
// moves every unit to 0.40 USD (4,000.40 USD), so the period's end credits 999.60 USD, which
// becomes the customer's credit balance (B13).
BOOST_AUTO_TEST_CASE(stripes_volume_example_invoices_at_the_threshold_and_credits_the_drop) {
  const auto r =
      run(threshold_plan(), {units("2025-01-10T00:00:00Z", 10000, 1), units("2025-01-20T00:00:00Z", 1, 2)},
          "2025-02-15T00:00:00Z");
  const auto thresholds = with_reason(r, mk::billing_reason::subscription_threshold);
  BOOST_TEST_REQUIRE(thresholds.size() == 1u);
  const mk::invoice& t = *thresholds[0];
  BOOST_TEST((t.created == at("2025-01-10T00:00:00Z")));
  BOOST_TEST(t.status == mk::invoice_status::finalized);
  BOOST_TEST_REQUIRE(t.lines.size() == 1u);
  BOOST_TEST(t.lines[0].quantity == 10000);
  BOOST_TEST(t.lines[0].amount == 500000);
  BOOST_TEST(
      (t.lines[0].service_period == mk::period{at("2025-01-01T00:00:00Z"), at("2025-01-10T00:00:00Z")}));
  const auto cycle = std::find_if(r.invoices.begin(), r.invoices.end(), [](const mk::invoice& inv) {
    return inv.created == at("2025-02-01T00:00:00Z");
  });
  BOOST_TEST_REQUIRE((cycle != r.invoices.end()));
  BOOST_TEST_REQUIRE(cycle->lines.size() == 1u);
  BOOST_TEST(!t.lines[0].after_threshold);
  BOOST_TEST(cycle->lines[0].after_threshold);
  BOOST_TEST(cycle->lines[0].quantity == 1);
  BOOST_TEST(cycle->lines[0].amount == 400040 - 500000);
  BOOST_TEST(
      (cycle->lines[0].service_period == mk::period{at("2025-01-10T00:00:00Z"), at("2025-02-01T00:00:00Z")}));
  BOOST_TEST(cycle->total == -99960);
  BOOST_TEST(cycle->amount_due == 0);
  BOOST_TEST(cycle->ending_balance == -99960);
  // Over the period, what was invoiced is what the whole period's usage costs.
  BOOST_TEST(t.total + cycle->total == 400040);
}

// Table: when thresholds are reached, and what each invoice of January bills. Quantities and
// amounts of the threshold invoices in order, then of the period's end.
BOOST_AUTO_TEST_CASE(thresholds_are_reached_on_what_is_not_yet_invoiced) {
  struct row {
    const char* name;
    mk::tiers_mode mode;
    std::optional<std::int64_t> amount_gte;
    std::optional<std::int64_t> usage_gte;
    std::vector<std::pair<const char*, std::int64_t>> arrivals;
    std::vector<std::int64_t> threshold_amounts;
    std::int64_t end_quantity;
    std::int64_t end_amount;
  };
  const std::vector<row> rows = {
      {"below the threshold: none",
       mk::tiers_mode::volume,
       500000,
       std::nullopt,
       {{"2025-01-10T00:00:00Z", 9999}},
       {},
       9999,
       499950},
      // graduated: tiers continue; 15,000 units = 5,000 + 2,000 USD; the 5,000 more are 2,000 USD,
      // short of a second threshold
      {"graduated tiers continue",
       mk::tiers_mode::graduated,
       500000,
       std::nullopt,
       {{"2025-01-10T00:00:00Z", 10000}, {"2025-01-12T00:00:00Z", 5000}},
       {500000},
       5000,
       200000},
      // a second threshold counts from the first: 10,000 (5,000 USD), then 12,500 more (5,000 USD)
      {"a second threshold",
       mk::tiers_mode::graduated,
       500000,
       std::nullopt,
       {{"2025-01-10T00:00:00Z", 10000}, {"2025-01-12T00:00:00Z", 12500}, {"2025-01-13T00:00:00Z", 5}},
       {500000, 500000},
       5,
       200},
      // usage_gte 100: reached at 120 (not yet invoiced: 120), then at 240 (120 since)
      {"usage threshold",
       mk::tiers_mode::volume,
       std::nullopt,
       100,
       {{"2025-01-05T00:00:00Z", 60},
        {"2025-01-06T00:00:00Z", 60},
        {"2025-01-07T00:00:00Z", 60},
        {"2025-01-08T00:00:00Z", 60},
        {"2025-01-09T00:00:00Z", 30}},
       {6000, 6000},
       30,
       1500},
      // not evaluated in the last 24 hours of the period: the end bills it all
      {"quiet before the period ends",
       mk::tiers_mode::volume,
       500000,
       std::nullopt,
       {{"2025-01-31T00:00:01Z", 20000}},
       {},
       20000,
       800000},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      auto p = threshold_plan(r.mode);
      p.subscriptions[0].amount_gte = r.amount_gte;
      p.subscriptions[0].items[0].usage_gte = r.usage_gte;
      mk::validate(p);
      std::vector<mk::request> requests;
      for (const auto& [when, value] : r.arrivals)
        requests.push_back(units(when, value, requests.size() + 1));
      const auto result = run(p, requests, "2025-02-15T00:00:00Z");
      std::vector<std::int64_t> amounts;
      for (const auto* inv : with_reason(result, mk::billing_reason::subscription_threshold))
        amounts.push_back(inv->total);
      BOOST_TEST(amounts == r.threshold_amounts, boost::test_tools::per_element());
      const auto end =
          std::find_if(result.invoices.begin(), result.invoices.end(),
                       [](const mk::invoice& inv) { return inv.created == at("2025-02-01T00:00:00Z"); });
      BOOST_TEST_REQUIRE((end != result.invoices.end()));
      BOOST_TEST(end->lines.at(0).quantity == r.end_quantity);
      BOOST_TEST(end->lines.at(0).amount == r.end_amount);
    }
  }
}

// Table: `amount_gte` is compared with what the threshold invoice would come to after its
// discounts (B11, B16), as Stripe does: a percent_off halves what counts, an amount_off is taken
// from each threshold invoice, a discount counts only while it lasts, a `once` discount only until
// an invoice used it, and a coupon for other products not at all. Graduated tiers (0.50 USD up to
// 10,000 units, 0.40 USD above), a 5,000 USD threshold; the crossings' times and the threshold
// invoices' totals (after discounts).
BOOST_AUTO_TEST_CASE(B16_the_amount_threshold_counts_discounts) {
  struct row {
    const char* name;
    mk::coupon coupon;
    bool on_item;  ///< the discount on the item, else on the subscription
    std::optional<const char*> start;
    std::optional<const char*> end;
    std::vector<std::pair<const char*, std::int64_t>> arrivals;
    std::vector<const char*> crossed_at;
    std::vector<std::int64_t> threshold_totals;
  };
  const auto percent = [](std::int64_t off, mk::coupon_duration d = mk::coupon_duration::forever) {
    mk::coupon c;
    c.id = "co";
    c.percent_off = mk::decimal::from_integer(off);
    c.duration = d;
    return c;
  };
  mk::coupon amount_off;
  amount_off.id = "co";
  amount_off.amount_off = 100000;
  amount_off.currency = mk::currency("usd");
  amount_off.duration = mk::coupon_duration::forever;
  mk::coupon elsewhere = percent(50);
  elsewhere.applies_to_products = std::vector<std::string>{"prod_other"};
  const std::vector<row> rows = {
      // 10,000 units are 5,000 USD, 2,500 after half; 20,000 are 9,000 (4,500); 22,500 are 10,000
      // USD, 5,000 after half: the threshold
      {"percent_off halves what counts",
       percent(50),
       false,
       std::nullopt,
       std::nullopt,
       {{"2025-01-10T00:00:00Z", 10000}, {"2025-01-12T00:00:00Z", 10000}, {"2025-01-13T00:00:00Z", 2500}},
       {"2025-01-13T00:00:00Z"},
       {500000}},
      {"an item's percent_off alike",
       percent(50),
       true,
       std::nullopt,
       std::nullopt,
       {{"2025-01-10T00:00:00Z", 10000}, {"2025-01-12T00:00:00Z", 10000}, {"2025-01-13T00:00:00Z", 2500}},
       {"2025-01-13T00:00:00Z"},
       {500000}},
      // the discount ends on Jan 15: the 10,000 units of Jan 10 count 2,500 USD; one more unit on
      // Jan 16, without the discount, makes 5,000.40 USD
      {"a percent_off that ends mid-period counts until its end",
       percent(50),
       false,
       std::nullopt,
       "2025-01-15T00:00:00Z",
       {{"2025-01-10T00:00:00Z", 10000}, {"2025-01-16T00:00:00Z", 1}},
       {"2025-01-16T00:00:00Z"},
       {500040}},
      // the discount starts on Jan 11: 9,000 units on Jan 10 (4,500 USD) do not reach it, 11,000
      // on Jan 12 (5,400 USD, 2,700 after half) do not either
      {"a percent_off that starts mid-period counts from its start",
       percent(50),
       false,
       "2025-01-11T00:00:00Z",
       std::nullopt,
       {{"2025-01-10T00:00:00Z", 9000}, {"2025-01-12T00:00:00Z", 2000}},
       {},
       {}},
      // 1,000 USD off every invoice: 10,000 units (5,000 USD) count 4,000; 12,500 (6,000 USD) reach
      // it; a second threshold needs 6,000 USD more again: 15,000 units at 0.40 USD
      {"amount_off is taken from each threshold invoice",
       amount_off,
       false,
       std::nullopt,
       std::nullopt,
       {{"2025-01-10T00:00:00Z", 10000},
        {"2025-01-12T00:00:00Z", 2500},
        {"2025-01-14T00:00:00Z", 12500},
        {"2025-01-15T00:00:00Z", 2500}},
       {"2025-01-12T00:00:00Z", "2025-01-15T00:00:00Z"},
       {500000, 500000}},
      // half off once: 22,500 units (10,000 USD, 5,000 after half) make the first threshold
      // invoice, which uses it; 12,500 more (5,000 USD) then reach a second one undiscounted
      {"a once discount counts until an invoice used it",
       percent(50, mk::coupon_duration::once),
       false,
       std::nullopt,
       std::nullopt,
       {{"2025-01-05T00:00:00Z", 20000}, {"2025-01-06T00:00:00Z", 2500}, {"2025-01-08T00:00:00Z", 12500}},
       {"2025-01-06T00:00:00Z", "2025-01-08T00:00:00Z"},
       {500000, 500000}},
      {"a coupon for other products does not count",
       elsewhere,
       false,
       std::nullopt,
       std::nullopt,
       {{"2025-01-10T00:00:00Z", 10000}},
       {"2025-01-10T00:00:00Z"},
       {500000}},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      auto p = threshold_plan(mk::tiers_mode::graduated);
      p.coupons.push_back(r.coupon);
      mk::discount d;
      d.coupon = r.coupon.id;
      if (r.start) d.start = at(*r.start);
      if (r.end) d.end = at(*r.end);
      (r.on_item ? p.subscriptions[0].items[0].discounts : p.subscriptions[0].discounts).push_back(d);
      mk::validate(p);
      std::vector<mk::request> requests;
      for (const auto& [when, value] : r.arrivals)
        requests.push_back(units(when, value, requests.size() + 1));
      const auto result = run(p, requests, "2025-02-15T00:00:00Z");
      std::vector<mk::timestamp> created;
      std::vector<std::int64_t> totals;
      for (const auto* inv : with_reason(result, mk::billing_reason::subscription_threshold)) {
        created.push_back(inv->created);
        totals.push_back(inv->total);
      }
      std::vector<mk::timestamp> expected;
      for (const char* when : r.crossed_at) expected.push_back(at(when));
      BOOST_TEST((created == expected));
      BOOST_TEST(totals == r.threshold_totals, boost::test_tools::per_element());
    }
  }
}

// B11, B16: a `once` discount that the first invoice used (a licensed seat billed at the start)
// no longer counts toward the threshold: 10,000 units reach 5,000 USD undiscounted. A forever one
// still halves what counts.
BOOST_AUTO_TEST_CASE(B16_a_once_discount_used_by_the_first_invoice_no_longer_counts) {
  for (const auto duration : {mk::coupon_duration::once, mk::coupon_duration::forever}) {
    BOOST_TEST_CONTEXT(mk::to_string(duration)) {
      auto p = threshold_plan(mk::tiers_mode::graduated);
      mk::price seat{"price_seat", mk::currency("usd")};
      seat.unit_amount = mk::decimal::from_integer(2000);
      p.prices.push_back(seat);
      p.subscriptions[0].items.push_back({"si_seat", "price_seat", 1});
      mk::coupon half;
      half.id = "half";
      half.percent_off = mk::decimal::from_integer(50);
      half.duration = duration;
      p.coupons.push_back(half);
      p.subscriptions[0].discounts.push_back(mk::discount{"half", std::nullopt, std::nullopt});
      mk::validate(p);
      const auto r = run(p, {units("2025-01-10T00:00:00Z", 10000, 1)}, "2025-02-15T00:00:00Z");
      const auto first = std::find_if(r.invoices.begin(), r.invoices.end(), [](const mk::invoice& inv) {
        return inv.reason == mk::billing_reason::subscription_create;
      });
      BOOST_TEST_REQUIRE((first != r.invoices.end()));
      BOOST_TEST(first->total == 1000);  // the seat, half off
      const auto t = with_reason(r, mk::billing_reason::subscription_threshold);
      if (duration == mk::coupon_duration::once) {
        BOOST_TEST_REQUIRE(t.size() == 1u);
        BOOST_TEST((t[0]->created == at("2025-01-10T00:00:00Z")));
        BOOST_TEST(t[0]->total == 500000);
      } else {
        BOOST_TEST(t.empty());
      }
    }
  }
}

// A trial period reaches no threshold; nor does usage of a period that arrives after the threshold
// invoice of that period: the period's end bills it.
BOOST_AUTO_TEST_CASE(trials_and_usage_arriving_after_a_threshold_invoice) {
  auto trial = threshold_plan();
  trial.subscriptions[0].trial_end = at("2025-02-01T00:00:00Z");
  const auto in_trial = run(trial, {units("2025-01-10T00:00:00Z", 20000, 1)}, "2025-02-15T00:00:00Z");
  BOOST_TEST(with_reason(in_trial, mk::billing_reason::subscription_threshold).empty());

  // 10,000 units reach the threshold on Jan 10; 300 units timestamped Jan 5 arrive on Jan 11.
  std::vector<mk::request> requests{units("2025-01-10T00:00:00Z", 10000, 1)};
  requests.push_back(mk::test_stream::event(unix_at("2025-01-11T00:00:00Z"), "units", "cus_1", 300, "late",
                                            unix_at("2025-01-05T00:00:00Z"), 2));
  const auto r = run(threshold_plan(mk::tiers_mode::graduated), requests, "2025-02-15T00:00:00Z");
  const auto t = with_reason(r, mk::billing_reason::subscription_threshold);
  BOOST_TEST_REQUIRE(t.size() == 1u);
  BOOST_TEST(t[0]->lines[0].quantity == 10000);
  const auto end = std::find_if(r.invoices.begin(), r.invoices.end(), [](const mk::invoice& inv) {
    return inv.created == at("2025-02-01T00:00:00Z");
  });
  BOOST_TEST_REQUIRE((end != r.invoices.end()));
  BOOST_TEST(end->lines[0].quantity == 300);
  BOOST_TEST(end->lines[0].amount == 300 * 40);
}

// A threshold invoice is a real invoice: a cancellation now without a final invoice (B9), which
// discards the rest of the period's usage, leaves it standing.
BOOST_AUTO_TEST_CASE(a_threshold_invoice_stands_when_the_subscription_is_cancelled_after_it) {
  mk::subscription_change cancel;
  cancel.subscription = "sub_1";
  cancel.cancel_now = true;
  const std::vector<mk::request> requests{
      units("2025-01-10T00:00:00Z", 10000, 1), units("2025-01-11T00:00:00Z", 500, 2),
      mk::test_stream::single(unix_at("2025-01-12T00:00:00Z"), 3, cancel)};
  const auto r = run(threshold_plan(), requests, "2025-02-15T00:00:00Z");
  BOOST_TEST(r.rejected.empty());
  const auto t = with_reason(r, mk::billing_reason::subscription_threshold);
  BOOST_TEST_REQUIRE(t.size() == 1u);
  BOOST_TEST(t[0]->total == 500000);
  for (const auto& inv : r.invoices) BOOST_TEST((inv.created <= at("2025-01-12T00:00:00Z")));
}

// Results as of a time before a crossing do not show it; a snapshot restored at any point, and the
// bounded history, bill the same as one full run.
BOOST_AUTO_TEST_CASE(thresholds_survive_snapshots_and_the_bounded_history) {
  const auto p = threshold_plan(mk::tiers_mode::graduated);
  std::vector<mk::request> requests;
  const char* days[] = {"2025-01-03", "2025-01-08", "2025-01-15", "2025-01-22", "2025-02-02",
                        "2025-02-09", "2025-02-16", "2025-02-23", "2025-03-02", "2025-03-09"};
  for (const char* d : days)
    requests.push_back(units((std::string(d) + "T12:00:00Z").c_str(), 4500, requests.size() + 1));
  const auto until = at("2025-03-20T00:00:00Z");
  mk::test_seat_plan::check_restored_half_way(p, requests, until);

  mk::invoice_simulator full(p);
  mk::simulator_history h;
  h.bounded = true;
  mk::invoice_simulator bounded(p, h);
  for (const auto& r : requests) {
    full.apply(r);
    bounded.apply(r);
  }
  const auto expected = full.result(until);
  BOOST_TEST((bounded.result(until).invoices == expected.invoices));
  BOOST_TEST(with_reason(expected, mk::billing_reason::subscription_threshold).size() >= 2u);
  // As of Jan 9, the crossing of Jan 15 has not happened yet.
  const auto early = full.result(at("2025-01-09T00:00:00Z"));
  for (const auto* inv : with_reason(early, mk::billing_reason::subscription_threshold))
    BOOST_TEST((inv->created <= at("2025-01-09T00:00:00Z")));
}

// B16 refusals by field, and the fingerprint covers the thresholds.
BOOST_AUTO_TEST_CASE(thresholds_are_validated_and_fingerprinted) {
  struct row {
    const char* field;
    void (*change)(mk::plan&);
  };
  const std::vector<row> rows = {
      {"subscriptions[0].billing_thresholds.amount_gte",
       [](mk::plan& p) { p.subscriptions[0].amount_gte = 0; }},
      {"subscriptions[0].billing_thresholds.reset_billing_cycle_anchor",
       [](mk::plan& p) {  // B16: as Stripe refuses it, with a last_ever item
         mk::price gauge{"price_gauge", mk::currency("usd")};
         gauge.unit_amount = mk::decimal::from_integer(1);
         gauge.recurring.usage_type = mk::usage_type::metered;
         gauge.recurring.aggregate_usage = mk::aggregate_usage::last_ever;
         p.prices.push_back(gauge);
         p.subscriptions[0].items.push_back({"si_gauge", "price_gauge", 1});
         p.subscriptions[0].reset_billing_cycle_anchor = true;
       }},
      {"subscriptions[0].items[0].billing_thresholds.usage_gte",
       [](mk::plan& p) { p.subscriptions[0].items[0].usage_gte = -5; }},
      {"subscriptions[0].items[1].billing_thresholds.usage_gte",
       [](mk::plan& p) {
         mk::price seat{"price_seat", mk::currency("usd")};
         seat.unit_amount = mk::decimal::from_integer(100);
         p.prices.push_back(seat);
         p.subscriptions[0].items.push_back({"si_seat", "price_seat", 1});
         p.subscriptions[0].items[1].usage_gte = 5;
       }},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.field) {
      auto p = threshold_plan();
      mk::validate(p);
      r.change(p);
      try {
        mk::validate(p);
        BOOST_ERROR("accepted");
      } catch (const mk::configuration_error& e) {
        BOOST_TEST(e.field() == r.field);
      }
    }
  }
  auto p = threshold_plan();
  const auto base = mk::plan_fingerprint(p);
  p.subscriptions[0].amount_gte = 500001;
  BOOST_TEST(mk::plan_fingerprint(p) != base);
  p.subscriptions[0].amount_gte = std::nullopt;
  p.subscriptions[0].items[0].usage_gte = 7;
  BOOST_TEST(mk::plan_fingerprint(p) != base);
}

BOOST_AUTO_TEST_SUITE_END()
