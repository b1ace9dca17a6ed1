// SPDX-License-Identifier: MIT
// billing_cycle_anchor=now through the request log (B17): the cut period, the restart's invoice
// with its credit, the new cycle, items changed in the same request, usage records after it, the
// refusals; through the simulator, its bounded history and its snapshots.
#include <meterkit/billing/invoicing.hpp>
#include <meterkit/billing/replay.hpp>
#include <meterkit/billing/simulator.hpp>

#include "seat_plan.hpp"
#include "stream_requests.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mk = meterkit;
namespace ts = meterkit::test_stream;
using namespace meterkit::test_seat_plan;

namespace {

/// `POST /v1/subscriptions/sub_1` with `billing_cycle_anchor` and `items` (B17).
mk::request reset(std::string_view received, std::optional<std::string> behavior = std::nullopt,
                  std::vector<mk::item_change> items = {}, std::string anchor = "now") {
  mk::subscription_change c;
  c.subscription = "sub_1";
  c.billing_cycle_anchor = std::move(anchor);
  c.proration_behavior = std::move(behavior);
  c.items = std::move(items);
  return ts::single(unix_at(received), 700, std::move(c));
}

mk::request seats(std::string_view received, std::string quantity) {
  mk::subscription_change c;
  c.items.push_back(mk::item_change{"si_seat", std::nullopt, std::move(quantity)});
  return ts::single(unix_at(received), 710, std::move(c));
}

std::vector<mk::request> with_usage(std::vector<mk::request> more) {
  auto out = monthly_usage();
  for (auto& r : more) out.push_back(std::move(r));
  return in_arrival_order(std::move(out));
}

const auto until = at("2025-05-20T00:00:00Z");

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_cycle_restarts)

BOOST_AUTO_TEST_CASE(B17_now_cuts_the_period_and_invoices_its_usage_a_credit_and_the_new_period) {
  const auto r = mk::simulate(seat_and_usage_plan(), with_usage({reset("2025-02-15T00:00:00Z")}), until);
  BOOST_TEST(r.rejected.empty());
  BOOST_TEST(created_texts(r) == (std::vector<std::string>{"2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z",
                                                           "2025-02-15T00:00:00Z", "2025-03-15T00:00:00Z",
                                                           "2025-04-15T00:00:00Z", "2025-05-15T00:00:00Z",
                                                           "2025-06-15T00:00:00Z"}),
             boost::test_tools::per_element());
  const auto& inv = invoice_at(r, "2025-02-15T00:00:00Z");
  BOOST_TEST(inv.reason == mk::billing_reason::subscription_update);
  BOOST_TEST(inv.status == mk::invoice_status::finalized);
  const auto* seat = find_line(inv, "si_seat");
  BOOST_REQUIRE(seat);
  BOOST_TEST((seat->service_period == mk::period{at("2025-02-15T00:00:00Z"), at("2025-03-15T00:00:00Z")}));
  BOOST_TEST(seat->amount == 1000);
  const auto* api = find_line(inv, "si_api");
  BOOST_REQUIRE(api);
  BOOST_TEST((api->service_period == mk::period{at("2025-02-01T00:00:00Z"), at("2025-02-15T00:00:00Z")}));
  BOOST_TEST(api->quantity == 100);
  BOOST_TEST(api->amount == 200);
  const auto* credit = find_line(inv, "si_seat", true);
  BOOST_REQUIRE(credit);
  // 14 of February's 28 days of 10.00 USD
  BOOST_TEST((credit->service_period == mk::period{at("2025-02-15T00:00:00Z"), at("2025-03-01T00:00:00Z")}));
  BOOST_TEST(credit->amount == -500);
  BOOST_TEST(inv.total == 1000 + 200 - 500);
  // The new cycle: the March 5 usage on March 15's invoice, the seat billed from March 15.
  const auto& next = invoice_at(r, "2025-03-15T00:00:00Z");
  BOOST_TEST(next.reason == mk::billing_reason::subscription_cycle);
  BOOST_TEST(find_line(next, "si_api")->quantity == 100);
  BOOST_TEST(find_line(next, "si_seat")->amount == 1000);
  BOOST_TEST(find_line(next, "si_seat", true) == nullptr);
  // February 1's invoice billed the seat for the whole of February: nobody knew of the restart.
  const auto& feb = invoice_at(r, "2025-02-01T00:00:00Z");
  BOOST_TEST((find_line(feb, "si_seat")->service_period ==
              mk::period{at("2025-02-01T00:00:00Z"), at("2025-03-01T00:00:00Z")}));
  BOOST_TEST(find_line(feb, "si_seat")->amount == 1000);
}

BOOST_AUTO_TEST_CASE(B17_a_result_as_of_before_the_restart_does_not_know_it) {
  mk::invoice_simulator sim(seat_and_usage_plan());
  for (const auto& q : with_usage({reset("2025-02-15T00:00:00Z")})) sim.apply(q);
  const auto before = sim.result(at("2025-02-14T23:59:59Z"));
  BOOST_TEST(before.invoices.back().created == at("2025-03-01T00:00:00Z"));
  BOOST_TEST(before.invoices.back().reason == mk::billing_reason::upcoming);
  const auto after = sim.result(at("2025-02-15T00:00:00Z"));
  BOOST_TEST(after.invoices.back().created == at("2025-03-15T00:00:00Z"));
}

BOOST_AUTO_TEST_CASE(B17_proration_behavior_none_leaves_out_the_credit_and_always_invoice_makes_one_invoice) {
  const auto none =
      mk::simulate(seat_and_usage_plan(), with_usage({reset("2025-02-15T00:00:00Z", "none")}), until);
  BOOST_TEST(find_line(invoice_at(none, "2025-02-15T00:00:00Z"), "si_seat", true) == nullptr);
  BOOST_TEST(invoice_at(none, "2025-02-15T00:00:00Z").total == 1200);
  const auto always = mk::simulate(seat_and_usage_plan(),
                                   with_usage({reset("2025-02-15T00:00:00Z", "always_invoice")}), until);
  const auto plain = mk::simulate(seat_and_usage_plan(), with_usage({reset("2025-02-15T00:00:00Z")}), until);
  BOOST_TEST((always.invoices == plain.invoices));
}

BOOST_AUTO_TEST_CASE(B17_items_changed_with_the_restart_bill_the_new_period_and_credit_the_old_setting) {
  const auto r = mk::simulate(seat_and_usage_plan(),
                              with_usage({seats("2025-02-08T00:00:00Z", "2"),
                                          reset("2025-02-15T00:00:00Z", std::nullopt,
                                                {mk::item_change{"si_seat", std::nullopt, "3"}})}),
                              until);
  BOOST_TEST(r.rejected.empty());
  const auto& inv = invoice_at(r, "2025-02-15T00:00:00Z");
  BOOST_TEST(find_line(inv, "si_seat")->quantity == 3);
  BOOST_TEST(find_line(inv, "si_seat")->amount == 3000);
  // The earlier change's prorations (credit 1 seat, charge 2 seats for February 8 to March 1)
  // are pending and go on the restart's invoice, with the restart's credit of the 2 seats.
  std::vector<std::int64_t> prorations;
  for (const auto& l : inv.lines)
    if (l.proration) prorations.push_back(l.amount);
  BOOST_TEST(prorations == (std::vector<std::int64_t>{-750, 1500, -1000}), boost::test_tools::per_element());
  BOOST_TEST(find_line(invoice_at(r, "2025-03-15T00:00:00Z"), "si_seat")->quantity == 3);
  BOOST_TEST(find_line(invoice_at(r, "2025-03-15T00:00:00Z"), "si_seat", true) == nullptr);
}

BOOST_AUTO_TEST_CASE(B17_a_metered_price_changed_with_the_restart_bills_from_the_new_period) {
  auto plan = seat_and_usage_plan();
  mk::price api2{"price_api_2", mk::currency("usd")};
  api2.unit_amount = mk::decimal::from_integer(3);
  api2.recurring.usage_type = mk::usage_type::metered;
  api2.recurring.meter = "mtr_api";
  plan.prices.push_back(api2);
  for (const auto mode : {mk::billing_mode_type::classic, mk::billing_mode_type::flexible}) {
    plan.subscriptions[0].billing_mode = mode;
    const auto r = mk::simulate(
        plan,
        with_usage({reset("2025-02-15T00:00:00Z", std::nullopt,
                          {mk::item_change{"si_api", std::string("price_api_2"), std::nullopt}})}),
        until);
    BOOST_TEST(r.rejected.empty());
    const auto* cut = find_line(invoice_at(r, "2025-02-15T00:00:00Z"), "si_api");
    BOOST_TEST(cut->price == "price_api");
    BOOST_TEST(cut->amount == 200);
    BOOST_TEST(find_line(invoice_at(r, "2025-02-15T00:00:00Z"), "si_api", true) == nullptr);
    const auto* next = find_line(invoice_at(r, "2025-03-15T00:00:00Z"), "si_api");
    BOOST_TEST(next->price == "price_api_2");
    BOOST_TEST((next->service_period == mk::period{at("2025-02-15T00:00:00Z"), at("2025-03-15T00:00:00Z")}));
    BOOST_TEST(next->amount == 300);
  }
}

BOOST_AUTO_TEST_CASE(B17_L4_usage_records_follow_the_new_periods) {
  const auto record = [](std::string_view received, std::string_view t, std::int64_t q, std::size_t line) {
    return ts::usage_record_of(unix_at(received), "si_legacy", q, unix_at(t), "increment", line);
  };
  const auto r = mk::simulate(seat_and_usage_plan(),
                              with_usage({record("2025-02-10T00:00:00Z", "2025-02-10T00:00:00Z", 7, 400),
                                          reset("2025-02-15T00:00:00Z"),
                                          record("2025-02-16T00:00:00Z", "2025-02-14T00:00:00Z", 5, 401),
                                          record("2025-02-16T00:00:00Z", "2025-02-16T00:00:00Z", 9, 402)}),
                              until);
  BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
  BOOST_TEST(r.rejected[0].code == mk::error_code::usage_record_timestamp_out_of_period);
  BOOST_TEST(find_line(invoice_at(r, "2025-02-15T00:00:00Z"), "si_legacy")->quantity == 7);
  BOOST_TEST(find_line(invoice_at(r, "2025-03-15T00:00:00Z"), "si_legacy")->quantity == 9);
}

BOOST_AUTO_TEST_CASE(B17_restarts_meterkit_does_not_model_are_refused_naming_the_parameter) {
  struct refusal {
    std::vector<mk::request> requests;
    std::string param;
    std::string says;
  };
  auto trial_plan = seat_and_usage_plan();
  trial_plan.subscriptions[0].trial_end = at("2025-01-10T00:00:00Z");
  mk::request with_date = reset("2025-02-15T00:00:00Z");
  std::get<mk::subscription_change>(with_date.operations[0]).proration_date =
      std::to_string(unix_at("2025-02-10T00:00:00Z"));
  mk::request with_cancel = reset("2025-02-15T00:00:00Z");
  std::get<mk::subscription_change>(with_cancel.operations[0]).cancel_at_period_end = "true";
  mk::request set_to_end = reset("2025-02-10T00:00:00Z");
  auto& end_change = std::get<mk::subscription_change>(set_to_end.operations[0]);
  end_change.billing_cycle_anchor.reset();
  end_change.cancel_at_period_end = "true";
  mk::item_change cleared{"si_api", std::nullopt, std::nullopt};
  cleared.deleted = "true";
  cleared.clear_usage = "true";
  const std::vector<refusal> refusals{
      {{reset("2025-02-15T00:00:00Z", std::nullopt, {}, "later")}, "billing_cycle_anchor", "Invalid"},
      {{reset("2025-02-01T00:00:00Z")}, "billing_cycle_anchor", "start of a period"},
      {{with_date}, "proration_date", "proration_date"},
      {{with_cancel}, "billing_cycle_anchor", "cancel_at"},
      {{set_to_end, reset("2025-02-15T00:00:00Z")}, "billing_cycle_anchor", "set to end"},
      {{reset("2025-02-15T00:00:00Z", std::nullopt, {cleared})}, "items[0][clear_usage]", "clear_usage"},
  };
  for (const auto& [requests, param, says] : refusals) {
    const auto r = mk::simulate(seat_and_usage_plan(), requests, until);
    BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
    BOOST_TEST(r.rejected[0].code == mk::error_code::subscription_update_invalid);
    BOOST_TEST(r.rejected[0].param == param);
    BOOST_TEST(r.rejected[0].message.find(says) != std::string::npos, r.rejected[0].message);
    // Refused whole: nothing changed.
    const std::vector<mk::request> before(requests.begin(), requests.end() - 1);
    BOOST_TEST((r.invoices == mk::simulate(seat_and_usage_plan(), before, until).invoices));
  }
  const auto in_trial = mk::simulate(trial_plan, {reset("2025-01-05T00:00:00Z")}, until);
  BOOST_REQUIRE_EQUAL(in_trial.rejected.size(), 1u);
  BOOST_TEST(in_trial.rejected[0].message.find("in the trial") != std::string::npos);
  // `unchanged` changes nothing.
  BOOST_TEST((mk::simulate(seat_and_usage_plan(),
                           with_usage({reset("2025-02-15T00:00:00Z", std::nullopt, {}, "unchanged")}), until)
                  .invoices == mk::simulate(seat_and_usage_plan(), monthly_usage(), until).invoices));
}

BOOST_AUTO_TEST_CASE(B17_property_bounded_and_restored_runs_bill_restarts_as_the_full_history) {
  const auto plan = seat_and_usage_plan();
  std::vector<mk::request> requests;
  std::size_t line = 1;
  for (std::int64_t t = unix_at("2025-01-01T00:00:00Z"); t < unix_at("2025-04-30T00:00:00Z"); t += 5 * 3600) {
    requests.push_back(ts::event(t, "api_requests", "cus_1", static_cast<std::int64_t>(line % 11),
                                 std::nullopt, t - static_cast<std::int64_t>(line % 4) * 3600, line));
    ++line;
  }
  requests.push_back(seats("2025-01-20T00:00:00Z", "4"));
  requests.push_back(reset("2025-02-11T07:30:00Z"));
  requests.push_back(reset("2025-03-20T12:00:00Z", "none", {mk::item_change{"si_seat", std::nullopt, "2"}}));
  requests = in_arrival_order(std::move(requests));
  const auto as_of = at("2025-05-01T00:00:00Z");
  const auto runs = full_and_bounded(plan, requests, as_of);
  BOOST_TEST(runs.full.rejected.empty());
  BOOST_TEST((runs.full == runs.bounded));
  BOOST_TEST(runs.kept < requests.size());
  BOOST_TEST(invoice_at(runs.full, "2025-03-20T12:00:00Z").reason == mk::billing_reason::subscription_update);
  check_unforeseen_cut_refused(plan, requests, as_of);
  check_restored_half_way(plan, requests, as_of, 41);
}

BOOST_AUTO_TEST_CASE(B17_a_move_to_prices_of_another_interval_restarts_the_cycle_at_once) {
  auto plan = seat_and_usage_plan();
  mk::price annual{"price_seat_annual", mk::currency("usd")};
  annual.unit_amount = mk::decimal::from_integer(10000);
  annual.recurring.interval = mk::billing_interval{mk::interval_unit::year, 1};
  mk::price api_annual{"price_api_annual", mk::currency("usd")};
  api_annual.unit_amount = mk::decimal::from_integer(1);
  api_annual.recurring.usage_type = mk::usage_type::metered;
  api_annual.recurring.meter = "mtr_api";
  api_annual.recurring.interval = annual.recurring.interval;
  plan.prices.push_back(annual);
  plan.prices.push_back(api_annual);
  mk::item_change seat{"si_seat", std::string("price_seat_annual"), std::nullopt};
  mk::item_change api{"si_api", std::string("price_api_annual"), std::nullopt};
  mk::item_change legacy{"si_legacy", std::nullopt, std::nullopt};
  legacy.deleted = "true";
  const auto move = [&](std::vector<mk::item_change> items) {
    mk::subscription_change c;
    c.subscription = "sub_1";
    c.items = std::move(items);
    return ts::single(unix_at("2025-02-15T00:00:00Z"), 720, std::move(c));
  };

  // Only the seat moves: the API and usage-record items would stay monthly.
  const auto mixed = mk::simulate(plan, with_usage({move({seat})}), until);
  BOOST_REQUIRE_EQUAL(mixed.rejected.size(), 1u);
  BOOST_TEST(mixed.rejected[0].code == mk::error_code::subscription_update_invalid);
  BOOST_TEST(mixed.rejected[0].param == "items");
  BOOST_TEST(mixed.rejected[0].message.find("mixed intervals") != std::string::npos);

  // Every item moves (or goes): the cycle restarts yearly on February 15.
  const auto r = mk::simulate(plan, with_usage({move({seat, api, legacy})}), at("2026-03-01T00:00:00Z"));
  BOOST_TEST(r.rejected.empty());
  const auto& inv = invoice_at(r, "2025-02-15T00:00:00Z");
  BOOST_TEST(inv.reason == mk::billing_reason::subscription_update);
  BOOST_TEST((find_line(inv, "si_seat")->service_period ==
              mk::period{at("2025-02-15T00:00:00Z"), at("2026-02-15T00:00:00Z")}));
  BOOST_TEST(find_line(inv, "si_seat")->amount == 10000);
  BOOST_TEST(find_line(inv, "si_seat", true)->amount == -500);  // 14 of 28 days of 10.00 USD
  BOOST_TEST(find_line(inv, "si_api")->price == "price_api");
  BOOST_TEST(find_line(inv, "si_api")->amount == 200);
  BOOST_TEST(find_line(inv, "si_legacy") != nullptr);  // its usage up to the restart, then it is gone
  const auto& year = invoice_at(r, "2026-02-15T00:00:00Z");
  BOOST_TEST(year.reason == mk::billing_reason::subscription_cycle);
  BOOST_TEST(find_line(year, "si_api")->quantity == 300);  // March, April and May
  BOOST_TEST(find_line(year, "si_api")->amount == 300);
  BOOST_TEST(find_line(year, "si_legacy") == nullptr);
  BOOST_TEST(r.invoices.size() == 5u);  // Jan 1, Feb 1, Feb 15, Feb 15 2026, the upcoming one

  // A later move back to monthly restarts it again.
  mk::item_change back_seat{"si_seat", std::string("price_seat"), std::nullopt};
  mk::item_change back_api{"si_api", std::string("price_api"), std::nullopt};
  mk::subscription_change back;
  back.subscription = "sub_1";
  back.items = {back_seat, back_api};
  const auto twice = mk::simulate(
      plan, with_usage({move({seat, api, legacy}), ts::single(unix_at("2025-03-15T12:00:00Z"), 730, back)}),
      until);
  BOOST_TEST(twice.rejected.empty());
  const auto& again = invoice_at(twice, "2025-03-15T12:00:00Z");
  BOOST_TEST(again.reason == mk::billing_reason::subscription_update);
  BOOST_TEST(find_line(again, "si_seat")->amount == 1000);
  BOOST_TEST(find_line(again, "si_api")->quantity == 100);  // March 5 at the annual price
  BOOST_TEST(find_line(again, "si_api")->price == "price_api_annual");
  BOOST_TEST(invoice_at(twice, "2025-04-15T12:00:00Z").reason == mk::billing_reason::subscription_cycle);
}

BOOST_AUTO_TEST_SUITE_END()
