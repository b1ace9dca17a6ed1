// SPDX-License-Identifier: MIT
// How a subscription ends (B6) and why each invoice exists (B7), through the pure invoicing
// function and the simulator around it.
#include <meterkit/billing/invoicing.hpp>
#include <meterkit/billing/replay.hpp>
#include <meterkit/billing/simulator.hpp>

#include "seat_plan.hpp"
#include "stream_requests.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace mk = meterkit;
namespace ts = meterkit::test_stream;

using namespace meterkit::test_seat_plan;

namespace {

const mk::invoice_line& line_of(const mk::invoice& inv, std::string_view item) {
  for (const auto& l : inv.lines) {
    if (l.subscription_item == item) return l;
  }
  BOOST_FAIL("no line for " + std::string(item));
  return inv.lines.front();
}

bool has_line(const mk::invoice& inv, std::string_view item) {
  for (const auto& l : inv.lines) {
    if (l.subscription_item == item) return true;
  }
  return false;
}

std::vector<mk::timestamp> created_times(const mk::simulation_result& r) {
  std::vector<mk::timestamp> out;
  for (const auto& inv : r.invoices) out.push_back(inv.created);
  return out;
}

/// The plan with a second licensed price at 20.00 USD a month, and one in euros.
mk::plan upgradable_plan() {
  auto p = seat_and_usage_plan();
  mk::price pro{"price_pro", mk::currency("usd")};
  pro.unit_amount = mk::decimal::from_integer(2000);
  mk::price euro{"price_euro", mk::currency("eur")};
  euro.unit_amount = mk::decimal::from_integer(900);
  p.prices.push_back(pro);
  p.prices.push_back(euro);
  return p;
}

/// `POST /v1/subscription_items/{item}` arriving at `received` (B8).
mk::request item_update(std::string_view received, std::string item, std::optional<std::string> price,
                        std::optional<std::string> quantity,
                        std::optional<std::string> behavior = std::nullopt,
                        std::optional<std::string> proration_date = std::nullopt) {
  mk::subscription_change c;
  c.items.push_back(mk::item_change{std::move(item), std::move(price), std::move(quantity)});
  c.proration_behavior = std::move(behavior);
  c.proration_date = std::move(proration_date);
  return ts::single(unix_at(received), 100, std::move(c));
}

std::vector<const mk::invoice_line*> proration_lines_of(const mk::invoice& inv) {
  std::vector<const mk::invoice_line*> out;
  for (const auto& l : inv.lines) {
    if (l.proration) out.push_back(&l);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_invoicing)

BOOST_AUTO_TEST_CASE(B7_each_invoice_says_why_it_exists) {
  const auto r = mk::simulate(seat_and_usage_plan(), monthly_usage(), at("2025-02-10T00:00:00Z"));
  BOOST_REQUIRE_EQUAL(r.invoices.size(), 3u);
  BOOST_TEST(r.invoices[0].reason == mk::billing_reason::subscription_create);
  BOOST_TEST(r.invoices[1].reason == mk::billing_reason::subscription_cycle);
  BOOST_TEST(r.invoices[2].reason == mk::billing_reason::upcoming);
  BOOST_TEST(r.invoices[2].status == mk::invoice_status::upcoming);
}

BOOST_AUTO_TEST_CASE(B6_a_pasted_canceled_subscription_stops_invoicing_at_ended_at) {
  // Cancelled at once on March 10 (Stripe's default: no final invoice, no credit): March's seat was
  // billed whole on March 1, March's usage is discarded, and nothing follows.
  auto plan = seat_and_usage_plan();
  plan.subscriptions[0].status = mk::subscription_status::canceled;
  plan.subscriptions[0].canceled_at = at("2025-03-10T00:00:00Z");
  plan.subscriptions[0].ended_at = at("2025-03-10T00:00:00Z");
  const auto r = mk::simulate(plan, monthly_usage(), at("2025-06-01T00:00:00Z"));
  const std::vector<mk::timestamp> expected{at("2025-01-01T00:00:00Z"), at("2025-02-01T00:00:00Z"),
                                            at("2025-03-01T00:00:00Z")};
  BOOST_TEST(created_times(r) == expected, boost::test_tools::per_element());
  const auto& march = r.invoices[2];
  const auto& seat = line_of(march, "si_seat");
  BOOST_TEST(seat.amount == 1000);
  BOOST_TEST(!seat.proration);
  BOOST_TEST(seat.service_period.end == at("2025-04-01T00:00:00Z"));
  BOOST_TEST(line_of(march, "si_api").quantity == 100);  // February's calls
  BOOST_TEST(r.late.empty());                            // discarded, never late
}

BOOST_AUTO_TEST_CASE(B6_canceled_as_of_a_time_inside_the_cut_period_has_no_upcoming_invoice) {
  auto plan = seat_and_usage_plan();
  plan.subscriptions[0].ended_at = at("2025-03-10T00:00:00Z");  // status absent: ended_at says it ended
  const auto r = mk::simulate(plan, monthly_usage(), at("2025-03-05T00:00:00Z"));
  BOOST_REQUIRE_EQUAL(r.invoices.size(), 3u);
  BOOST_TEST(r.invoices.back().created == at("2025-03-01T00:00:00Z"));
  BOOST_TEST(r.invoices.back().reason == mk::billing_reason::subscription_cycle);
}

BOOST_AUTO_TEST_CASE(B6_cancel_at_period_end_bills_the_last_period_on_a_final_cycle_invoice) {
  auto plan = seat_and_usage_plan();
  plan.subscriptions[0].status = mk::subscription_status::canceled;
  plan.subscriptions[0].cancel_at_period_end = true;
  plan.subscriptions[0].canceled_at = at("2025-02-15T12:00:00Z");
  plan.subscriptions[0].ended_at = at("2025-03-01T00:00:00Z");
  for (const bool with_ended_at : {true, false}) {
    auto p = plan;
    if (!with_ended_at) {  // still active, cancellation pending: the same invoices
      p.subscriptions[0].status = mk::subscription_status::active;
      p.subscriptions[0].ended_at.reset();
    }
    const auto r = mk::simulate(p, monthly_usage(), at("2025-06-01T00:00:00Z"));
    BOOST_REQUIRE_EQUAL(r.invoices.size(), 3u);
    const auto& final_invoice = r.invoices.back();
    BOOST_TEST(final_invoice.created == at("2025-03-01T00:00:00Z"));
    BOOST_TEST(final_invoice.reason == mk::billing_reason::subscription_cycle);
    BOOST_TEST(!has_line(final_invoice, "si_seat"));  // no period starts
    BOOST_TEST(line_of(final_invoice, "si_api").quantity == 100);
    BOOST_TEST(final_invoice.total == 200);
  }
}

BOOST_AUTO_TEST_CASE(B6_cancel_at_period_end_without_canceled_at_takes_the_period_before_ended_at) {
  auto plan = seat_and_usage_plan();
  plan.subscriptions[0].cancel_at_period_end = true;
  plan.subscriptions[0].ended_at = at("2025-03-01T00:00:00Z");
  const auto r = mk::simulate(plan, monthly_usage(), at("2025-06-01T00:00:00Z"));
  BOOST_REQUIRE_EQUAL(r.invoices.size(), 3u);
  BOOST_TEST(r.invoices.back().created == at("2025-03-01T00:00:00Z"));
}

BOOST_AUTO_TEST_CASE(B6_cancel_at_mid_period_prorates_the_last_period_and_ends_with_a_final_invoice) {
  // cancel_at March 16: the March 1 invoice bills the seat for 15 of March's 31 days (1000 x 15/31 =
  // 483.87 -> 484), and a final invoice on March 16 bills March's calls (100 x 2).
  auto plan = seat_and_usage_plan();
  plan.subscriptions[0].cancel_at = at("2025-03-16T00:00:00Z");
  const auto r = mk::simulate(plan, monthly_usage(), at("2025-06-01T00:00:00Z"));
  BOOST_REQUIRE_EQUAL(r.invoices.size(), 4u);
  const auto& march = r.invoices[2];
  const auto& seat = line_of(march, "si_seat");
  BOOST_TEST(seat.proration);
  BOOST_TEST(seat.amount == 484);
  BOOST_TEST(seat.service_period.end == at("2025-03-16T00:00:00Z"));
  const auto& final_invoice = r.invoices[3];
  BOOST_TEST(final_invoice.created == at("2025-03-16T00:00:00Z"));
  BOOST_TEST(final_invoice.reason == mk::billing_reason::subscription_update);
  BOOST_TEST(final_invoice.status == mk::invoice_status::finalized);
  BOOST_TEST(!has_line(final_invoice, "si_seat"));
  BOOST_TEST(line_of(final_invoice, "si_api").quantity == 100);
  BOOST_TEST(line_of(final_invoice, "si_api").service_period.end == at("2025-03-16T00:00:00Z"));

  // As of a time before the end, the final invoice is the upcoming one.
  const auto before = mk::simulate(plan, monthly_usage(), at("2025-03-10T00:00:00Z"));
  BOOST_TEST(before.invoices.back().created == at("2025-03-16T00:00:00Z"));
  BOOST_TEST(before.invoices.back().reason == mk::billing_reason::upcoming);
}

BOOST_AUTO_TEST_CASE(B6_an_end_at_start_date_has_no_invoice) {
  auto plan = seat_and_usage_plan();
  plan.subscriptions[0].status = mk::subscription_status::incomplete_expired;
  plan.subscriptions[0].ended_at = plan.subscriptions[0].start_date;
  const auto r = mk::simulate(plan, monthly_usage(), at("2025-06-01T00:00:00Z"));
  BOOST_TEST(r.invoices.empty());
  BOOST_TEST(r.counts.accepted == 5u);  // the meter still accepts the customer's events (M6)
}

BOOST_AUTO_TEST_CASE(B6_usage_after_the_end_is_billed_nowhere_and_never_late) {
  auto plan = seat_and_usage_plan();
  plan.subscriptions[0].cancel_at = at("2025-03-01T00:00:00Z");
  plan.settings.invoice_finalization_delay = mk::seconds{3600};
  std::vector<mk::request> requests;
  // A February call that arrives two hours after the final invoice was finalized: late (D24).
  requests.push_back(ts::event(unix_at("2025-03-01T02:00:00Z"), "api_requests", "cus_1", 7, std::nullopt,
                               unix_at("2025-02-28T23:00:00Z"), 1));
  // A call in March: after the end, no item bills it.
  requests.push_back(
      ts::event(unix_at("2025-03-02T00:00:00Z"), "api_requests", "cus_1", 9, std::nullopt, std::nullopt, 2));
  const auto r = mk::simulate(plan, requests, at("2025-06-01T00:00:00Z"));
  BOOST_REQUIRE_EQUAL(r.late.size(), 1u);
  BOOST_TEST(r.late[0].quantity == 7);
  BOOST_TEST(r.invoices.back().created == at("2025-03-01T00:00:00Z"));
  BOOST_TEST(line_of(r.invoices.back(), "si_api").quantity == 0);
}

BOOST_AUTO_TEST_CASE(B6_L4_usage_records_after_the_end_are_out_of_period) {
  auto plan = seat_and_usage_plan();
  plan.subscriptions[0].cancel_at = at("2025-03-01T00:00:00Z");
  const std::vector<mk::request> requests{
      ts::usage_record_of(unix_at("2025-02-20T00:00:00Z"), "si_legacy", 5, unix_at("2025-02-20T00:00:00Z"),
                          "increment", 1),
      ts::usage_record_of(unix_at("2025-03-01T00:00:00Z"), "si_legacy", 6, unix_at("2025-03-01T00:00:00Z"),
                          "increment", 2),
  };
  const auto r = mk::simulate(plan, requests, at("2025-06-01T00:00:00Z"));
  BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
  BOOST_TEST(r.rejected[0].code == mk::error_code::usage_record_timestamp_out_of_period);
  BOOST_TEST(r.rejected[0].message.find("after the subscription ended") != std::string::npos);
  BOOST_TEST(line_of(r.invoices.back(), "si_legacy").quantity == 5);
}

BOOST_AUTO_TEST_CASE(B6_an_end_in_the_trial_cuts_the_trial) {
  auto plan = seat_and_usage_plan();
  plan.subscriptions[0].trial_end = at("2025-01-15T00:00:00Z");
  plan.subscriptions[0].cancel_at = at("2025-01-10T00:00:00Z");
  const auto r = mk::simulate(plan, monthly_usage(), at("2025-06-01T00:00:00Z"));
  BOOST_REQUIRE_EQUAL(r.invoices.size(), 2u);
  BOOST_TEST(r.invoices[0].total == 0);
  BOOST_TEST(line_of(r.invoices[0], "si_seat").trial);
  BOOST_TEST(r.invoices[1].created == at("2025-01-10T00:00:00Z"));
  BOOST_TEST(r.invoices[1].total == 0);
  BOOST_TEST(line_of(r.invoices[1], "si_api").trial);
}

BOOST_AUTO_TEST_CASE(B6_end_fields_that_contradict_or_say_nothing_are_refused_naming_the_field) {
  struct refusal {
    const char* field;
    void (*change)(mk::subscription&);
  };
  const refusal cases[] = {
      {"subscriptions[0].status", [](mk::subscription& s) { s.status = mk::subscription_status::paused; }},
      {"subscriptions[0].ended_at",
       [](mk::subscription& s) { s.status = mk::subscription_status::canceled; }},
      {"subscriptions[0].status",
       [](mk::subscription& s) {
         s.status = mk::subscription_status::active;
         s.ended_at = at("2025-03-01T00:00:00Z");
       }},
      {"subscriptions[0].cancel_at", [](mk::subscription& s) { s.cancel_at = s.start_date; }},
      {"subscriptions[0].ended_at", [](mk::subscription& s) { s.ended_at = at("2024-12-31T00:00:00Z"); }},
      {"subscriptions[0].cancel_at_period_end", [](mk::subscription& s) { s.cancel_at_period_end = true; }},
      {"subscriptions[0].ended_at",
       [](mk::subscription& s) {
         s.cancel_at = at("2025-03-01T00:00:00Z");
         s.ended_at = at("2025-03-02T00:00:00Z");
       }},
  };
  for (const auto& c : cases) {
    auto plan = seat_and_usage_plan();
    c.change(plan.subscriptions[0]);
    try {
      mk::validate(plan);
      BOOST_ERROR("accepted a plan that " << c.field << " should refuse");
    } catch (const mk::configuration_error& e) {
      BOOST_TEST(e.field() == c.field);
      BOOST_TEST(std::string(e.what()).find("B6") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(B6_property_a_bounded_history_bills_ended_subscriptions_as_the_full_history_does) {
  auto plan = seat_and_usage_plan();
  auto second = plan.subscriptions[0];
  second.id = "sub_2";
  second.customer = "cus_2";
  for (auto& item : second.items) item.id += "_2";
  second.ended_at = at("2025-02-20T00:00:00Z");  // immediate
  plan.subscriptions[0].cancel_at = at("2025-03-16T00:00:00Z");
  plan.subscriptions.push_back(second);
  std::vector<mk::request> requests;
  std::size_t line = 1;
  for (std::int64_t t = unix_at("2025-01-01T00:00:00Z"); t < unix_at("2025-04-30T00:00:00Z"); t += 7 * 3600) {
    const std::string customer = line % 2 == 0 ? "cus_1" : "cus_2";
    requests.push_back(ts::event(t, "api_requests", customer, static_cast<std::int64_t>(line % 13),
                                 std::nullopt, t - static_cast<std::int64_t>(line % 5) * 86400, line));
    ++line;
  }
  const auto until = at("2025-05-01T00:00:00Z");
  mk::invoice_simulator full(plan);
  mk::simulator_history bounded_options;
  bounded_options.bounded = true;
  bounded_options.forget_from = 8;
  mk::invoice_simulator bounded(plan, bounded_options);
  for (const auto& r : requests) {
    full.apply(r);
    bounded.apply(r);
  }
  const auto a = full.result(until);
  const auto b = bounded.result(until);
  BOOST_TEST(a.invoices.size() == b.invoices.size());
  BOOST_TEST((a == b));
  BOOST_TEST(bounded.kept_events() < requests.size());
}

BOOST_AUTO_TEST_CASE(D10_delays_are_bounded_so_that_every_finalization_time_fits) {
  for (const char* name : {"invoice_finalization_delay", "legacy_grace_period"}) {
    for (const std::int64_t delay : {mk::max_setting_delay.count() + 1, std::int64_t{1} << 62, INT64_MAX}) {
      auto plan = seat_and_usage_plan();
      (std::string_view(name) == "legacy_grace_period" ? plan.settings.legacy_grace_period
                                                       : plan.settings.invoice_finalization_delay) =
          mk::seconds{delay};
      try {
        mk::validate(plan);
        BOOST_ERROR("accepted " << name << " = " << delay);
      } catch (const mk::configuration_error& e) {
        BOOST_TEST(e.field() == std::string("settings.") + name);
      }
    }
  }
  // The longest delay, on the last periods of D4's range: every time fits, nothing wraps.
  auto plan = seat_and_usage_plan();
  plan.settings.invoice_finalization_delay = mk::max_setting_delay;
  plan.settings.legacy_grace_period = mk::max_setting_delay;
  plan.subscriptions[0].start_date = at("9999-06-01T00:00:00Z");
  const auto r = mk::simulate(plan, {}, at("9999-12-31T23:59:59Z"));
  BOOST_REQUIRE(!r.invoices.empty());
  for (const auto& inv : r.invoices) BOOST_TEST((inv.finalized_at == inv.created + mk::max_setting_delay));
  BOOST_TEST(mk::to_unix(r.invoices.back().created) == 253402300800);  // 10000-01-01, the upcoming invoice
}

BOOST_AUTO_TEST_CASE(B6_property_restored_half_way_bills_the_same_and_another_end_is_another_plan) {
  auto plan = seat_and_usage_plan();
  plan.subscriptions[0].cancel_at = at("2025-03-16T00:00:00Z");
  const auto requests = monthly_usage();
  const auto until = at("2025-06-01T00:00:00Z");
  mk::invoice_simulator whole(plan);
  for (const auto& r : requests) whole.apply(r);
  mk::invoice_simulator first_half(plan);
  for (std::size_t i = 0; i < 2; ++i) first_half.apply(requests[i]);
  std::stringstream snapshot;
  first_half.save(snapshot);
  const std::string bytes = snapshot.str();
  std::istringstream in(bytes);
  auto restored = mk::invoice_simulator::restore(plan, in);
  for (std::size_t i = 2; i < requests.size(); ++i) restored.apply(requests[i]);
  BOOST_TEST((restored.result(until) == whole.result(until)));

  auto other = plan;
  other.subscriptions[0].cancel_at = at("2025-03-17T00:00:00Z");
  std::istringstream again(bytes);
  BOOST_CHECK_THROW((void)mk::invoice_simulator::restore(other, again), mk::snapshot_plan_mismatch);
}

BOOST_AUTO_TEST_CASE(B8_stripes_example_an_upgrade_halfway_credits_5_and_charges_10) {
  // Stripe's proration example: from 10 USD to 20 USD a month exactly halfway through the period:
  // -5 USD for the unused time on the old price, +10 USD for the rest of the period on the new one,
  // on the next invoice, which also bills the new price in advance.
  const auto r = mk::simulate(upgradable_plan(),
                              {item_update("2025-04-16T00:00:00Z", "si_seat", "price_pro", std::nullopt)},
                              at("2025-05-10T00:00:00Z"));
  const auto& may = r.invoices.at(4);
  BOOST_REQUIRE(may.created == at("2025-05-01T00:00:00Z"));
  const auto prorations = proration_lines_of(may);
  BOOST_REQUIRE_EQUAL(prorations.size(), 2u);
  BOOST_TEST(prorations[0]->price == "price_seat");
  BOOST_TEST(prorations[0]->amount == -500);
  BOOST_TEST(prorations[1]->price == "price_pro");
  BOOST_TEST(prorations[1]->amount == 1000);
  BOOST_TEST(prorations[0]->service_period.start == at("2025-04-16T00:00:00Z"));
  BOOST_TEST(prorations[0]->service_period.end == at("2025-05-01T00:00:00Z"));
  BOOST_TEST(line_of(may, "si_seat").price == "price_pro");
  BOOST_TEST(line_of(may, "si_seat").amount == 2000);
  BOOST_TEST(may.total == 2000 + 500);  // the new seat and the net proration
  // The April invoice, created before the change arrived, is unchanged.
  BOOST_TEST(line_of(r.invoices.at(3), "si_seat").amount == 1000);
}

BOOST_AUTO_TEST_CASE(B8_a_seat_change_with_a_proration_date_is_prorated_from_that_date) {
  // 1 -> 3 seats, arriving March 20 but dated March 11: 21 of March's 31 days remain.
  const auto r = mk::simulate(upgradable_plan(),
                              {item_update("2025-03-20T00:00:00Z", "si_seat", std::nullopt, "3", std::nullopt,
                                           std::to_string(unix_at("2025-03-11T00:00:00Z")))},
                              at("2025-04-10T00:00:00Z"));
  const auto& april = r.invoices.at(3);
  const auto prorations = proration_lines_of(april);
  BOOST_REQUIRE_EQUAL(prorations.size(), 2u);
  BOOST_TEST(prorations[0]->quantity == 1);
  BOOST_TEST(prorations[0]->amount == -677);  // 1000 x 21/31 = 677.42
  BOOST_TEST(prorations[1]->quantity == 3);
  BOOST_TEST(prorations[1]->amount == 2032);  // 3000 x 21/31 = 2032.26
  BOOST_TEST(line_of(april, "si_seat").quantity == 3);
  BOOST_TEST(line_of(april, "si_seat").amount == 3000);
}

BOOST_AUTO_TEST_CASE(B8_none_changes_the_next_period_only_and_always_invoice_bills_at_once) {
  const auto none = mk::simulate(upgradable_plan(),
                                 {item_update("2025-04-16T00:00:00Z", "si_seat", std::nullopt, "2", "none")},
                                 at("2025-05-10T00:00:00Z"));
  BOOST_TEST(proration_lines_of(none.invoices.at(4)).empty());
  BOOST_TEST(line_of(none.invoices.at(4), "si_seat").amount == 2000);

  const auto now =
      mk::simulate(upgradable_plan(),
                   {item_update("2025-04-10T00:00:00Z", "si_seat", std::nullopt, "2"),
                    item_update("2025-04-16T00:00:00Z", "si_seat", std::nullopt, "4", "always_invoice")},
                   at("2025-05-10T00:00:00Z"));
  // An invoice at the second change's arrival carries both changes' prorations.
  const auto update = std::find_if(now.invoices.begin(), now.invoices.end(), [](const mk::invoice& inv) {
    return inv.reason == mk::billing_reason::subscription_update;
  });
  BOOST_REQUIRE(update != now.invoices.end());
  BOOST_TEST(update->created == at("2025-04-16T00:00:00Z"));
  BOOST_TEST(update->status == mk::invoice_status::finalized);
  BOOST_TEST(proration_lines_of(*update).size() == 4u);
  BOOST_TEST(update->total == (-700 + 1400) + (-1000 + 2000));  // 1->2 over 21 of 30 days, 2->4 over 15
  const auto may = std::find_if(now.invoices.begin(), now.invoices.end(), [](const mk::invoice& inv) {
    return inv.created == at("2025-05-01T00:00:00Z");
  });
  BOOST_TEST(proration_lines_of(*may).empty());
  BOOST_TEST(line_of(*may, "si_seat").quantity == 4);
}

BOOST_AUTO_TEST_CASE(B8_property_changes_that_cancel_out_bill_the_same_totals) {
  const auto plain = mk::simulate(upgradable_plan(), monthly_usage(), at("2025-06-10T00:00:00Z"));
  for (const char* behavior : {"create_prorations", "none", "always_invoice"}) {
    auto requests = monthly_usage();
    requests.push_back(item_update("2025-05-20T00:00:00Z", "si_seat", "price_pro", "5", behavior));
    requests.push_back(item_update("2025-05-20T00:00:00Z", "si_seat", "price_seat", "1", behavior));
    std::stable_sort(requests.begin(), requests.end(), [](const mk::request& a, const mk::request& b) {
      return a.received_at < b.received_at;
    });
    const auto changed = mk::simulate(upgradable_plan(), requests, at("2025-06-10T00:00:00Z"));
    std::int64_t a = 0;
    std::int64_t b = 0;
    for (const auto& inv : plain.invoices) a += inv.total;
    for (const auto& inv : changed.invoices) b += inv.total;
    BOOST_TEST(a == b, behavior);
    BOOST_TEST(line_of(changed.invoices.back(), "si_seat").amount == 1000, behavior);
  }
}

BOOST_AUTO_TEST_CASE(B8_a_change_at_a_boundary_is_prorated_over_the_whole_new_period) {
  const auto r =
      mk::simulate(upgradable_plan(), {item_update("2025-04-01T00:00:00Z", "si_seat", std::nullopt, "2")},
                   at("2025-05-10T00:00:00Z"));
  BOOST_TEST(line_of(r.invoices.at(3), "si_seat").quantity == 1);  // created at the change's arrival
  const auto prorations = proration_lines_of(r.invoices.at(4));
  BOOST_REQUIRE_EQUAL(prorations.size(), 2u);
  BOOST_TEST(prorations[0]->amount + prorations[1]->amount == 1000);
}

BOOST_AUTO_TEST_CASE(B8_no_prorations_in_the_trial_and_pending_ones_go_with_an_immediate_cancellation) {
  auto trial = upgradable_plan();
  trial.subscriptions[0].trial_end = at("2025-01-15T00:00:00Z");
  const auto t = mk::simulate(trial, {item_update("2025-01-10T00:00:00Z", "si_seat", std::nullopt, "3")},
                              at("2025-01-20T00:00:00Z"));
  for (const auto& inv : t.invoices) BOOST_TEST(proration_lines_of(inv).empty());
  BOOST_TEST(line_of(t.invoices.at(1), "si_seat").quantity == 3);  // the first paid period

  auto ended = upgradable_plan();
  ended.subscriptions[0].ended_at = at("2025-03-25T00:00:00Z");
  const auto e = mk::simulate(ended, {item_update("2025-03-20T00:00:00Z", "si_seat", std::nullopt, "3")},
                              at("2025-05-01T00:00:00Z"));
  for (const auto& inv : e.invoices) BOOST_TEST(proration_lines_of(inv).empty());
  BOOST_TEST(e.invoices.size() == 3u);
}

BOOST_AUTO_TEST_CASE(B8_changes_that_stripe_refuses_are_rejected_with_its_codes) {
  struct row {
    mk::request r;
    mk::error_code code;
    std::string param;
  };
  auto unknown = item_update("2025-03-10T00:00:00Z", "si_seat", std::nullopt, "2");
  std::get<mk::subscription_change>(unknown.operations[0]).unknown_parameter = "quantiy";
  mk::subscription_change whole;
  whole.subscription = "sub_nope";
  const std::vector<row> rows{
      {unknown, mk::error_code::parameter_unknown, "quantiy"},
      {ts::single(unix_at("2025-03-10T00:00:00Z"), 1, whole), mk::error_code::resource_missing, "id"},
      {item_update("2025-03-10T00:00:00Z", "si_nope", std::nullopt, "2"), mk::error_code::resource_missing,
       "id"},
      {item_update("2025-03-10T00:00:00Z", "si_seat", std::nullopt, "-1"),
       mk::error_code::parameter_invalid_integer, "quantity"},
      {item_update("2025-03-10T00:00:00Z", "si_seat", std::nullopt, "1.5"),
       mk::error_code::parameter_invalid_integer, "quantity"},
      {item_update("2025-03-10T00:00:00Z", "si_seat", "price_gone", std::nullopt),
       mk::error_code::resource_missing, "price"},
      {item_update("2025-03-10T00:00:00Z", "si_seat", "price_euro", std::nullopt),
       mk::error_code::subscription_update_invalid, "price"},
      {item_update("2025-03-10T00:00:00Z", "si_seat", "price_api", std::nullopt),
       mk::error_code::subscription_update_invalid, "price"},
      {item_update("2025-03-10T00:00:00Z", "si_api", std::nullopt, "2"),
       mk::error_code::subscription_update_invalid, "quantity"},
      {item_update("2025-03-10T00:00:00Z", "si_seat", std::nullopt, "2", "sometimes"),
       mk::error_code::subscription_update_invalid, "proration_behavior"},
      {item_update("2025-03-10T00:00:00Z", "si_seat", std::nullopt, "2", std::nullopt,
                   std::to_string(unix_at("2025-02-28T00:00:00Z"))),
       mk::error_code::subscription_update_invalid, "proration_date"},
      {item_update("2025-03-10T00:00:00Z", "si_seat", std::nullopt, "2", std::nullopt, "soon"),
       mk::error_code::parameter_invalid_integer, "proration_date"},
  };
  for (const auto& row : rows) {
    const auto r = mk::simulate(upgradable_plan(), {row.r}, at("2025-04-10T00:00:00Z"));
    BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
    BOOST_TEST(r.rejected[0].code == row.code, r.rejected[0].message);
    BOOST_TEST(r.rejected[0].param == row.param, r.rejected[0].message);
    BOOST_TEST((r.invoices == mk::simulate(upgradable_plan(), {}, at("2025-04-10T00:00:00Z")).invoices));
  }
  // After the end: refused.
  auto ended = upgradable_plan();
  ended.subscriptions[0].cancel_at = at("2025-03-01T00:00:00Z");
  const auto late = mk::simulate(ended, {item_update("2025-03-10T00:00:00Z", "si_seat", std::nullopt, "2")},
                                 at("2025-04-10T00:00:00Z"));
  BOOST_REQUIRE_EQUAL(late.rejected.size(), 1u);
  BOOST_TEST(late.rejected[0].code == mk::error_code::subscription_update_invalid);
}

BOOST_AUTO_TEST_CASE(B8_property_changes_restored_from_a_snapshot_bill_as_a_run_that_never_stopped) {
  auto requests = monthly_usage();
  requests.push_back(item_update("2025-02-10T00:00:00Z", "si_seat", "price_pro", "2"));
  requests.push_back(item_update("2025-03-20T00:00:00Z", "si_seat", std::nullopt, "1", "always_invoice"));
  std::stable_sort(requests.begin(), requests.end(),
                   [](const mk::request& a, const mk::request& b) { return a.received_at < b.received_at; });
  const auto plan = upgradable_plan();
  check_restored_half_way(plan, requests, at("2025-06-01T00:00:00Z"));
  mk::invoice_simulator whole(plan);
  for (const auto& r : requests) whole.apply(r);
  BOOST_TEST(whole.changes().all().size() == 2u);
}

// D20: the invoices a run will build are counted before any is built, and no further than asked.
BOOST_AUTO_TEST_CASE(D20_cycle_invoice_count_is_what_invoicing_builds_and_stops_at_the_limit) {
  auto ended = seat_and_usage_plan();
  ended.subscriptions[0].status = mk::subscription_status::canceled;
  ended.subscriptions[0].canceled_at = at("2025-03-10T00:00:00Z");
  ended.subscriptions[0].ended_at = at("2025-03-10T00:00:00Z");
  auto daily = seat_and_usage_plan();
  for (auto& pr : daily.prices) pr.recurring.interval = mk::billing_interval{mk::interval_unit::day, 1};
  auto two = seat_and_usage_plan();
  two.subscriptions.push_back(two.subscriptions[0]);
  two.subscriptions[1].id = "sub_2";
  for (std::size_t i = 0; i < two.subscriptions[1].items.size(); ++i)
    two.subscriptions[1].items[i].id += "_2";
  two.subscriptions[1].start_date = at("2025-02-15T00:00:00Z");
  for (const auto* p : {&daily, &two}) {
    for (const char* until : {"2024-12-31T00:00:00Z", "2025-01-01T00:00:00Z", "2025-01-20T00:00:00Z",
                              "2025-02-01T00:00:00Z", "2025-06-07T12:00:00Z"}) {
      const auto built = mk::simulate(*p, monthly_usage(), at(until)).invoices.size();
      BOOST_TEST(mk::cycle_invoice_count(mk::compiled_plan(*p), at(until), 1'000'000) == built, until);
    }
  }
  // Changes only end subscriptions earlier: the count bounds what is built (here the period cut
  // on March 10 has no invoice at its end, B9).
  const auto built = mk::simulate(ended, monthly_usage(), at("2025-06-01T00:00:00Z")).invoices.size();
  BOOST_TEST(built == 3u);
  BOOST_TEST(mk::cycle_invoice_count(mk::compiled_plan(ended), at("2025-06-01T00:00:00Z"), 1'000'000) == 4u);
  // Up to 9999 a daily plan would make about 2.9 million; counting stops one past the limit.
  const mk::compiled_plan compiled(daily);
  BOOST_TEST(mk::cycle_invoice_count(compiled, at("9999-12-31T00:00:00Z"), 1000) == 1001u);
  BOOST_TEST(mk::cycle_invoice_count(compiled, at("2025-01-31T00:00:00Z"), 31) == 32u);
  BOOST_TEST(mk::cycle_invoice_count(compiled, at("2025-01-31T00:00:00Z"), 32) == 32u);
}

BOOST_AUTO_TEST_SUITE_END()
