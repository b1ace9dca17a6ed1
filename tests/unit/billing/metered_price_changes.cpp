// SPDX-License-Identifier: MIT
// A metered item's price changed in the middle of a period (B8): classic bills the usage from the
// change on at the new price and none before it; flexible bills the usage before it at the old
// price on the change, as B10's usage line; through the simulator, its bounded history, its
// snapshots and late usage (D24).
#include <meterkit/billing/replay.hpp>
#include <meterkit/billing/simulator.hpp>

#include "seat_plan.hpp"
#include "stream_requests.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mk = meterkit;
namespace ts = meterkit::test_stream;
using namespace meterkit::test_seat_plan;

namespace {

/// The seat plan with two more prices: API calls at 0.03 USD on the same meter, and a price on
/// another meter.
mk::plan repricing_plan(mk::billing_mode_type mode = mk::billing_mode_type::classic) {
  auto p = seat_and_usage_plan();
  p.subscriptions[0].billing_mode = mode;
  mk::price dearer{"price_api_v2", mk::currency("usd")};
  dearer.unit_amount = mk::decimal::from_integer(3);
  dearer.recurring.usage_type = mk::usage_type::metered;
  dearer.recurring.meter = "mtr_api";
  mk::meter_definition other;
  other.id = "mtr_other";
  other.event_name = "other_calls";
  p.meters.push_back(other);
  mk::price elsewhere{"price_other", mk::currency("usd")};
  elsewhere.unit_amount = mk::decimal::from_integer(5);
  elsewhere.recurring.usage_type = mk::usage_type::metered;
  elsewhere.recurring.meter = "mtr_other";
  p.prices.push_back(dearer);
  p.prices.push_back(elsewhere);
  return p;
}

/// `POST /v1/subscription_items/{item}` with `price`, arriving at `received` (B8).
mk::request reprice(std::string_view received, std::string price, std::string item = "si_api",
                    std::optional<std::string> behavior = std::nullopt) {
  mk::subscription_change c;
  c.items.push_back(mk::item_change{std::move(item), std::move(price), std::nullopt});
  c.proration_behavior = std::move(behavior);
  return ts::single(unix_at(received), 700, std::move(c));
}

mk::request calls(std::string_view time, std::int64_t n, std::size_t line,
                  std::optional<std::string_view> received = std::nullopt) {
  return ts::event(unix_at(received.value_or(time)), "api_requests", "cus_1", n, std::nullopt, unix_at(time),
                   line);
}

/// 100 calls on the 5th of each month (seat_plan.hpp), 50 on March 25, and `more`.
std::vector<mk::request> march_usage_with(std::vector<mk::request> more) {
  auto out = monthly_usage();
  out.push_back(calls("2025-03-25T00:00:00Z", 50, 60));
  for (auto& r : more) out.push_back(std::move(r));
  return in_arrival_order(std::move(out));
}

std::vector<const mk::invoice_line*> lines_of(const mk::invoice& inv, std::string_view item, bool proration) {
  std::vector<const mk::invoice_line*> out;
  for (const auto& l : inv.lines) {
    if (l.subscription_item == item && l.proration == proration) out.push_back(&l);
  }
  return out;
}

const auto until = at("2025-06-10T00:00:00Z");

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_metered_price_changes)

BOOST_AUTO_TEST_CASE(B8_classic_bills_the_usage_from_the_change_at_the_new_price_and_none_before) {
  const auto r = mk::simulate(repricing_plan(),
                              march_usage_with({reprice("2025-03-20T00:00:00Z", "price_api_v2")}), until);
  BOOST_TEST(r.rejected.empty());
  // February at the old price, as before the change.
  const auto feb = lines_of(invoice_at(r, "2025-03-01T00:00:00Z"), "si_api", false);
  BOOST_REQUIRE_EQUAL(feb.size(), 1u);
  BOOST_TEST(feb[0]->price == "price_api");
  BOOST_TEST(feb[0]->amount == 200);
  // March: only the 50 calls after March 20, at 0.03 USD; the 100 calls of March 5 are billed nowhere.
  const auto& april = invoice_at(r, "2025-04-01T00:00:00Z");
  const auto march = lines_of(april, "si_api", false);
  BOOST_REQUIRE_EQUAL(march.size(), 1u);
  BOOST_TEST(march[0]->price == "price_api_v2");
  BOOST_TEST(march[0]->quantity == 50);
  BOOST_TEST(march[0]->amount == 150);
  BOOST_TEST(
      (march[0]->service_period == mk::period{at("2025-03-20T00:00:00Z"), at("2025-04-01T00:00:00Z")}));
  BOOST_TEST(lines_of(april, "si_api", true).empty());
  BOOST_TEST(april.total == 1000 + 150);
  // April: the whole period at the new price.
  const auto apr = lines_of(invoice_at(r, "2025-05-01T00:00:00Z"), "si_api", false);
  BOOST_REQUIRE_EQUAL(apr.size(), 1u);
  BOOST_TEST(apr[0]->amount == 300);
  BOOST_TEST((apr[0]->service_period == mk::period{at("2025-04-01T00:00:00Z"), at("2025-05-01T00:00:00Z")}));
}

BOOST_AUTO_TEST_CASE(
    B8_flexible_bills_the_usage_before_the_change_at_the_old_price_as_proration_behavior_says) {
  const auto plan = repricing_plan(mk::billing_mode_type::flexible);
  const auto pending =
      mk::simulate(plan, march_usage_with({reprice("2025-03-20T00:00:00Z", "price_api_v2")}), until);
  const auto& april = invoice_at(pending, "2025-04-01T00:00:00Z");
  const auto before = lines_of(april, "si_api", true);
  BOOST_REQUIRE_EQUAL(before.size(), 1u);
  BOOST_TEST(before[0]->metered);
  BOOST_TEST(before[0]->price == "price_api");
  BOOST_TEST(before[0]->quantity == 100);
  BOOST_TEST(before[0]->amount == 200);
  BOOST_TEST(
      (before[0]->service_period == mk::period{at("2025-03-01T00:00:00Z"), at("2025-03-20T00:00:00Z")}));
  const auto after = lines_of(april, "si_api", false);
  BOOST_REQUIRE_EQUAL(after.size(), 1u);
  BOOST_TEST(after[0]->amount == 150);
  BOOST_TEST(april.total == 1000 + 200 + 150);

  // always_invoice: the usage before the change is invoiced at the change; none: billed nowhere.
  const auto now = mk::simulate(
      plan, march_usage_with({reprice("2025-03-20T00:00:00Z", "price_api_v2", "si_api", "always_invoice")}),
      until);
  const auto& update = invoice_at(now, "2025-03-20T00:00:00Z");
  BOOST_TEST(update.reason == mk::billing_reason::subscription_update);
  BOOST_TEST(update.total == 200);
  BOOST_TEST(invoice_at(now, "2025-04-01T00:00:00Z").total == 1000 + 150);
  const auto none = mk::simulate(
      plan, march_usage_with({reprice("2025-03-20T00:00:00Z", "price_api_v2", "si_api", "none")}), until);
  for (const auto& inv : none.invoices) BOOST_TEST(lines_of(inv, "si_api", true).empty());
  BOOST_TEST(invoice_at(none, "2025-04-01T00:00:00Z").total == 1000 + 150);
}

BOOST_AUTO_TEST_CASE(
    B8_each_new_price_in_a_period_bills_its_own_stretch_and_a_change_at_the_boundary_the_whole_period) {
  // Flexible: 0.02 until March 10, 0.03 until March 22, back to 0.02 for the rest of March.
  const auto plan = repricing_plan(mk::billing_mode_type::flexible);
  const auto r = mk::simulate(
      plan,
      march_usage_with({calls("2025-03-15T00:00:00Z", 7, 61), reprice("2025-03-10T00:00:00Z", "price_api_v2"),
                        reprice("2025-03-22T00:00:00Z", "price_api")}),
      until);
  BOOST_TEST(r.rejected.empty());
  const auto& april = invoice_at(r, "2025-04-01T00:00:00Z");
  const auto stretches = lines_of(april, "si_api", true);
  BOOST_REQUIRE_EQUAL(stretches.size(), 2u);
  BOOST_TEST(stretches[0]->amount == 100 * 2);
  BOOST_TEST(stretches[1]->amount == 7 * 3);
  BOOST_TEST(
      (stretches[1]->service_period == mk::period{at("2025-03-10T00:00:00Z"), at("2025-03-22T00:00:00Z")}));
  const auto last = lines_of(april, "si_api", false);
  BOOST_REQUIRE_EQUAL(last.size(), 1u);
  BOOST_TEST(last[0]->price == "price_api");
  BOOST_TEST(last[0]->amount == 50 * 2);

  // Classic, changed exactly as April begins: March bills at the old price, April wholly at the new.
  const auto edge = mk::simulate(repricing_plan(),
                                 march_usage_with({reprice("2025-04-01T00:00:00Z", "price_api_v2")}), until);
  BOOST_TEST(lines_of(invoice_at(edge, "2025-04-01T00:00:00Z"), "si_api", false)[0]->amount == 150 * 2);
  BOOST_TEST(lines_of(invoice_at(edge, "2025-05-01T00:00:00Z"), "si_api", false)[0]->amount == 100 * 3);
}

BOOST_AUTO_TEST_CASE(B8_D24_usage_before_the_change_is_never_late_usage_after_it_is) {
  // Both arrive on April 10, after March's invoice was finalized: the call of March 10 (before the
  // change) was billed by nothing (classic), the call of March 25 would have been billed at 0.03.
  const auto r =
      mk::simulate(repricing_plan(),
                   march_usage_with({reprice("2025-03-20T00:00:00Z", "price_api_v2"),
                                     calls("2025-03-10T00:00:00Z", 4, 70, "2025-04-10T00:00:00Z"),
                                     calls("2025-03-26T00:00:00Z", 9, 71, "2025-04-10T00:00:00Z")}),
                   until);
  BOOST_REQUIRE_EQUAL(r.late.size(), 1u);
  BOOST_TEST(r.late[0].quantity == 9);
  BOOST_TEST(
      (r.late[0].service_period == mk::period{at("2025-03-20T00:00:00Z"), at("2025-04-01T00:00:00Z")}));
}

BOOST_AUTO_TEST_CASE(B8_metered_price_changes_stripe_or_meterkit_refuse_are_rejected_naming_the_parameter) {
  auto thresholds = repricing_plan();
  thresholds.subscriptions[0].amount_gte = 100000;
  mk::subscription_change dated;
  dated.items.push_back(mk::item_change{"si_api", "price_api_v2", std::nullopt});
  dated.proration_date = std::to_string(unix_at("2025-03-15T00:00:00Z"));
  mk::subscription_change quantity;
  quantity.items.push_back(mk::item_change{"si_api", std::nullopt, "3"});
  struct refusal {
    mk::plan plan;
    mk::request request;
    std::string param;
    std::string says;
  };
  const std::vector<refusal> cases{
      {repricing_plan(), reprice("2025-03-20T00:00:00Z", "price_other"), "price",
       "to another is not modelled yet"},
      {repricing_plan(), reprice("2025-03-20T00:00:00Z", "price_seat"), "price",
       "only move to another price on its meter"},
      {repricing_plan(), reprice("2025-03-20T00:00:00Z", "price_api_v2", "si_seat"), "price",
       "licensed price"},
      {repricing_plan(), reprice("2025-03-20T00:00:00Z", "price_api_v2", "si_legacy"), "price",
       "usage records"},
      {repricing_plan(), ts::single(unix_at("2025-03-20T00:00:00Z"), 9, dated), "proration_date",
       "proration_date"},
      {thresholds, reprice("2025-03-20T00:00:00Z", "price_api_v2"), "price", "billing thresholds"},
      {repricing_plan(), ts::single(unix_at("2025-03-20T00:00:00Z"), 9, quantity), "quantity", "Quantity"},
  };
  for (const auto& c : cases) {
    const auto r = mk::simulate(c.plan, {c.request}, until);
    BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
    BOOST_TEST(r.rejected[0].code == mk::error_code::subscription_update_invalid, c.says);
    BOOST_TEST(r.rejected[0].param == c.param, c.says);
    BOOST_TEST(r.rejected[0].message.find(c.says) != std::string::npos, r.rejected[0].message);
  }
}

BOOST_AUTO_TEST_CASE(B8_property_bounded_and_restored_runs_bill_repricing_as_the_full_history) {
  for (const auto mode : {mk::billing_mode_type::classic, mk::billing_mode_type::flexible}) {
    const auto plan = repricing_plan(mode);
    // Calls every 5 hours from January to April, some arriving hours late, with new prices inside
    // February and March.
    std::vector<mk::request> requests;
    std::size_t line = 1;
    for (std::int64_t t = unix_at("2025-01-01T00:00:00Z"); t < unix_at("2025-04-30T00:00:00Z");
         t += 5 * 3600) {
      requests.push_back(ts::event(t, "api_requests", "cus_1", static_cast<std::int64_t>(line % 11),
                                   std::nullopt, t - static_cast<std::int64_t>(line % 4) * 3600, line));
      ++line;
    }
    requests.push_back(reprice("2025-02-11T07:00:00Z", "price_api_v2"));
    requests.push_back(reprice("2025-03-17T06:30:00Z", "price_api"));
    requests = in_arrival_order(std::move(requests));

    const auto as_of = at("2025-05-01T00:00:00Z");
    const auto runs = full_and_bounded(plan, requests, as_of);
    const auto& expected = runs.full;
    BOOST_TEST(expected.rejected.empty());
    BOOST_TEST((runs.bounded == expected));
    BOOST_TEST(runs.kept < requests.size());
    const auto march = lines_of(invoice_at(expected, "2025-04-01T00:00:00Z"), "si_api", false);
    BOOST_REQUIRE_EQUAL(march.size(), 1u);
    BOOST_TEST(march[0]->service_period.start == at("2025-03-17T06:30:00Z"));
    check_restored_half_way(plan, requests, as_of, 41);

    // Not told where the new prices cut a period, a bounded history refuses them, naming the fix.
    check_unforeseen_cut_refused(plan, requests, as_of);
  }
}

BOOST_AUTO_TEST_SUITE_END()
