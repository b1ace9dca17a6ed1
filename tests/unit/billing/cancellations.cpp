// SPDX-License-Identifier: MIT
// Cancellations that arrive through the request log (B9): DELETE /v1/subscriptions/{id} with and
// without invoice_now and prorate, cancel_at and cancel_at_period_end set and undone; and items
// deleted (B10) in classic and flexible billing modes; through the pure invoicing function, the
// simulator, its bounded history and its snapshots.
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

/// `DELETE /v1/subscriptions/{id}` arriving at `received` (B9).
mk::request cancel_now(std::string_view received, std::optional<std::string> invoice_now = std::nullopt,
                       std::optional<std::string> prorate = std::nullopt, std::string id = "sub_1") {
  mk::subscription_change c;
  c.subscription = std::move(id);
  c.cancel_now = true;
  c.invoice_now = std::move(invoice_now);
  c.prorate = std::move(prorate);
  return ts::single(unix_at(received), 200, std::move(c));
}

/// `POST /v1/subscriptions/sub_1` with `cancel_at` or `cancel_at_period_end` (B9).
mk::request cancel_later(std::string_view received, std::optional<std::string> cancel_at,
                         std::optional<std::string> at_period_end,
                         std::optional<std::string> behavior = std::nullopt) {
  mk::subscription_change c;
  c.subscription = "sub_1";
  c.cancel_at = std::move(cancel_at);
  c.cancel_at_period_end = std::move(at_period_end);
  c.proration_behavior = std::move(behavior);
  return ts::single(unix_at(received), 300, std::move(c));
}

std::vector<mk::request> with_usage(std::vector<mk::request> more) {
  auto out = monthly_usage();
  for (auto& r : more) out.push_back(std::move(r));
  return in_arrival_order(std::move(out));
}

std::vector<mk::timestamp> created_times(const mk::simulation_result& r) {
  std::vector<mk::timestamp> out;
  for (const auto& inv : r.invoices) out.push_back(inv.created);
  return out;
}

const auto until = at("2025-06-10T00:00:00Z");

/// `DELETE /v1/subscription_items/{item}` arriving at `received` (B10).
mk::request delete_item(std::string_view received, std::string item,
                        std::optional<std::string> behavior = std::nullopt,
                        std::optional<std::string> clear_usage = std::nullopt) {
  mk::subscription_change c;
  mk::item_change i;
  i.item = std::move(item);
  i.deleted = "true";
  i.clear_usage = std::move(clear_usage);
  c.items.push_back(std::move(i));
  c.proration_behavior = std::move(behavior);
  return ts::single(unix_at(received), 500, std::move(c));
}

mk::plan flexible_plan() {
  auto p = seat_and_usage_plan();
  p.subscriptions[0].billing_mode = mk::billing_mode_type::flexible;
  return p;
}

/// API calls of cus_1 every 5 hours from January to April, some arriving hours after their time,
/// with `changes`, in arrival order.
std::vector<mk::request> steady_usage_with(std::vector<mk::request> changes) {
  std::vector<mk::request> requests;
  std::size_t line = 1;
  for (std::int64_t t = unix_at("2025-01-01T00:00:00Z"); t < unix_at("2025-04-30T00:00:00Z"); t += 5 * 3600) {
    requests.push_back(ts::event(t, "api_requests", "cus_1", static_cast<std::int64_t>(line % 11),
                                 std::nullopt, t - static_cast<std::int64_t>(line % 4) * 3600, line));
    ++line;
  }
  for (auto& c : changes) requests.push_back(std::move(c));
  return in_arrival_order(std::move(requests));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_cancellations)

BOOST_AUTO_TEST_CASE(B9_delete_ends_at_once_and_discards_the_cut_periods_usage) {
  const auto r = mk::simulate(seat_and_usage_plan(), with_usage({cancel_now("2025-03-20T00:00:00Z")}), until);
  // January's create, February's and March's cycle invoices; nothing at the end, nothing after.
  BOOST_TEST(created_times(r) == (std::vector{at("2025-01-01T00:00:00Z"), at("2025-02-01T00:00:00Z"),
                                              at("2025-03-01T00:00:00Z")}),
             boost::test_tools::per_element());
  BOOST_TEST(find_line(r.invoices.back(), "si_seat")->amount == 1000);  // March was billed whole
  for (const auto& inv : r.invoices) BOOST_TEST(inv.total >= 0);
  BOOST_TEST(r.late.empty());  // April's and May's calls count nowhere, and are not late
  BOOST_TEST(r.rejected.empty());
}

BOOST_AUTO_TEST_CASE(B9_a_result_as_of_before_the_cancellation_arrived_does_not_know_it) {
  mk::invoice_simulator sim(seat_and_usage_plan());
  for (const auto& r : with_usage({cancel_now("2025-03-20T00:00:00Z", "true")})) sim.apply(r);
  const auto before = sim.result(at("2025-03-10T00:00:00Z"));
  BOOST_TEST(before.invoices.back().created == at("2025-04-01T00:00:00Z"));
  BOOST_TEST(before.invoices.back().status == mk::invoice_status::upcoming);
  const auto after = sim.result(at("2025-03-21T00:00:00Z"));
  BOOST_TEST(after.invoices.back().created == at("2025-03-20T00:00:00Z"));
}

BOOST_AUTO_TEST_CASE(B9_invoice_now_bills_the_cut_periods_usage_on_a_final_invoice_at_the_arrival) {
  const auto r =
      mk::simulate(seat_and_usage_plan(), with_usage({cancel_now("2025-03-20T00:00:00Z", "true")}), until);
  BOOST_REQUIRE_EQUAL(r.invoices.size(), 4u);
  const auto& last = r.invoices.back();
  BOOST_TEST(last.created == at("2025-03-20T00:00:00Z"));
  BOOST_TEST(last.reason == mk::billing_reason::subscription_update);
  BOOST_TEST(last.status == mk::invoice_status::finalized);
  BOOST_TEST(find_line(last, "si_seat") == nullptr);  // no period starts
  const auto* api = find_line(last, "si_api");
  BOOST_REQUIRE(api != nullptr);
  BOOST_TEST(api->quantity == 100);
  BOOST_TEST(api->amount == 200);
  BOOST_TEST((api->service_period == mk::period{at("2025-03-01T00:00:00Z"), at("2025-03-20T00:00:00Z")}));
  BOOST_TEST(last.total == 200);
}

BOOST_AUTO_TEST_CASE(B9_prorate_credits_the_unused_licensed_time_on_the_final_invoice) {
  // 12 of March's 31 days remain after March 20: 1000 x 12/31 = 387.10, credited as -387.
  const auto r = mk::simulate(seat_and_usage_plan(),
                              with_usage({cancel_now("2025-03-20T00:00:00Z", "true", "true")}), until);
  const auto& last = r.invoices.back();
  const auto* credit = find_line(last, "si_seat", true);
  BOOST_REQUIRE(credit != nullptr);
  BOOST_TEST(credit->amount == -387);
  BOOST_TEST(credit->quantity == 1);
  BOOST_TEST((credit->service_period == mk::period{at("2025-03-20T00:00:00Z"), at("2025-04-01T00:00:00Z")}));
  BOOST_TEST(last.total == 200 - 387);
}

BOOST_AUTO_TEST_CASE(B9_prorate_without_invoice_now_leaves_the_credit_for_the_customers_next_invoice) {
  // Alone: no later invoice of the customer yet, so the credit waits on an upcoming invoice.
  const auto alone = mk::simulate(seat_and_usage_plan(),
                                  with_usage({cancel_now("2025-03-20T00:00:00Z", "false", "true")}), until);
  const auto& pending = alone.invoices.back();
  BOOST_TEST(pending.status == mk::invoice_status::upcoming);
  BOOST_TEST(pending.created == until);
  BOOST_REQUIRE_EQUAL(pending.lines.size(), 1u);
  BOOST_TEST(pending.lines[0].amount == -387);
  BOOST_TEST(pending.total == -387);

  // With another subscription of the same customer: on its next invoice after the cancellation.
  auto plan = seat_and_usage_plan();
  mk::subscription other;
  other.id = "sub_2";
  other.customer = "cus_1";
  other.start_date = at("2025-01-15T00:00:00Z");
  other.items = {{"si_other", "price_seat", 2}};
  plan.subscriptions.push_back(other);
  const auto r = mk::simulate(plan, with_usage({cancel_now("2025-03-20T00:00:00Z", "false", "true")}), until);
  const auto next = std::find_if(r.invoices.begin(), r.invoices.end(), [](const mk::invoice& inv) {
    return inv.subscription == "sub_2" && inv.created == at("2025-04-15T00:00:00Z");
  });
  BOOST_REQUIRE(next != r.invoices.end());
  BOOST_TEST(find_line(*next, "si_seat", true)->amount == -387);
  BOOST_TEST(next->total == 2000 - 387);
  for (const auto& inv : r.invoices) {
    const bool pending_credit = inv.subscription == "sub_1" && inv.status == mk::invoice_status::upcoming;
    BOOST_TEST(!pending_credit);  // the credit went to sub_2's invoice
  }
}

BOOST_AUTO_TEST_CASE(B9_pending_prorations_are_removed_only_when_neither_invoice_now_nor_prorate) {
  mk::subscription_change seats;
  seats.items.push_back(mk::item_change{"si_seat", std::nullopt, "3"});
  const auto seat_change = ts::single(unix_at("2025-03-10T00:00:00Z"), 150, seats);
  // 1 -> 3 seats on March 10: 22 of 31 days, -710 + 2129.
  const auto dropped = mk::simulate(seat_and_usage_plan(),
                                    with_usage({seat_change, cancel_now("2025-03-20T00:00:00Z")}), until);
  for (const auto& inv : dropped.invoices) {
    for (const auto& l : inv.lines) BOOST_TEST(!l.proration);
  }
  const auto kept = mk::simulate(
      seat_and_usage_plan(), with_usage({seat_change, cancel_now("2025-03-20T00:00:00Z", "true")}), until);
  const auto& last = kept.invoices.back();
  BOOST_TEST(last.created == at("2025-03-20T00:00:00Z"));
  std::int64_t prorations = 0;
  for (const auto& l : last.lines) prorations += l.proration ? l.amount : 0;
  BOOST_TEST(prorations == -710 + 2129);
}

BOOST_AUTO_TEST_CASE(B9_cancel_at_period_end_ends_with_the_cycle_and_undoing_it_changes_nothing) {
  const auto plain = mk::simulate(seat_and_usage_plan(), monthly_usage(), until);
  const auto ended = mk::simulate(
      seat_and_usage_plan(), with_usage({cancel_later("2025-03-10T00:00:00Z", std::nullopt, "true")}), until);
  BOOST_REQUIRE_EQUAL(ended.invoices.size(), 4u);
  const auto& last = ended.invoices.back();
  BOOST_TEST(last.created == at("2025-04-01T00:00:00Z"));
  BOOST_TEST(last.reason == mk::billing_reason::subscription_cycle);
  BOOST_TEST(find_line(last, "si_seat") == nullptr);
  BOOST_TEST(find_line(last, "si_api")->amount == 200);
  for (const auto& l : last.lines) BOOST_TEST(!l.proration);

  // cancel_at=min_period_end and max_period_end name the same end (one interval per subscription).
  for (const char* named : {"min_period_end", "max_period_end"}) {
    const auto same =
        mk::simulate(seat_and_usage_plan(),
                     with_usage({cancel_later("2025-03-10T00:00:00Z", named, std::nullopt)}), until);
    BOOST_TEST((same.invoices == ended.invoices), named);
  }

  const auto undone = mk::simulate(seat_and_usage_plan(),
                                   with_usage({cancel_later("2025-03-10T00:00:00Z", std::nullopt, "true"),
                                               cancel_later("2025-03-15T00:00:00Z", std::nullopt, "false")}),
                                   until);
  BOOST_TEST((undone.invoices == plain.invoices));
}

BOOST_AUTO_TEST_CASE(B9_cancel_at_in_a_later_period_bills_that_period_as_a_stub) {
  const auto r =
      mk::simulate(seat_and_usage_plan(),
                   with_usage({cancel_later("2025-03-10T00:00:00Z",
                                            std::to_string(unix_at("2025-04-16T00:00:00Z")), std::nullopt)}),
                   until);
  const auto april = std::find_if(r.invoices.begin(), r.invoices.end(), [](const mk::invoice& inv) {
    return inv.created == at("2025-04-01T00:00:00Z");
  });
  BOOST_REQUIRE(april != r.invoices.end());
  const auto* seat = find_line(*april, "si_seat", true);
  BOOST_REQUIRE(seat != nullptr);
  BOOST_TEST(seat->amount == 500);  // 15 of April's 30 days
  const auto& last = r.invoices.back();
  BOOST_TEST(last.created == at("2025-04-16T00:00:00Z"));
  BOOST_TEST(last.reason == mk::billing_reason::subscription_update);
  BOOST_TEST(find_line(last, "si_api")->quantity == 100);
}

BOOST_AUTO_TEST_CASE(B9_cancel_at_inside_the_current_period_credits_the_time_after_it) {
  const std::string march_25 = std::to_string(unix_at("2025-03-25T00:00:00Z"));
  // create_prorations (the default): -1000 x 7/31 = -226 on the final invoice at March 25.
  const auto pending =
      mk::simulate(seat_and_usage_plan(),
                   with_usage({cancel_later("2025-03-10T00:00:00Z", march_25, std::nullopt)}), until);
  const auto& last = pending.invoices.back();
  BOOST_TEST(last.created == at("2025-03-25T00:00:00Z"));
  BOOST_REQUIRE(find_line(last, "si_seat", true) != nullptr);
  BOOST_TEST(find_line(last, "si_seat", true)->amount == -226);
  BOOST_TEST(last.total == 200 - 226);
  // none: no credit.
  const auto none =
      mk::simulate(seat_and_usage_plan(),
                   with_usage({cancel_later("2025-03-10T00:00:00Z", march_25, std::nullopt, "none")}), until);
  BOOST_TEST(none.invoices.back().total == 200);
  // always_invoice: an invoice at the arrival with the credit.
  const auto now = mk::simulate(
      seat_and_usage_plan(),
      with_usage({cancel_later("2025-03-10T00:00:00Z", march_25, std::nullopt, "always_invoice")}), until);
  const auto update = std::find_if(now.invoices.begin(), now.invoices.end(), [](const mk::invoice& inv) {
    return inv.created == at("2025-03-10T00:00:00Z");
  });
  BOOST_REQUIRE(update != now.invoices.end());
  BOOST_TEST(update->total == -226);
  BOOST_TEST(now.invoices.back().total == 200);
  // Moved back to the period's end: the credit is charged back (+226), nothing lost or doubled.
  const auto moved = mk::simulate(seat_and_usage_plan(),
                                  with_usage({cancel_later("2025-03-10T00:00:00Z", march_25, std::nullopt),
                                              cancel_later("2025-03-12T00:00:00Z", std::nullopt, "true")}),
                                  until);
  const auto& final_cycle = moved.invoices.back();
  BOOST_TEST(final_cycle.created == at("2025-04-01T00:00:00Z"));
  std::int64_t prorations = 0;
  for (const auto& l : final_cycle.lines) prorations += l.proration ? l.amount : 0;
  BOOST_TEST(prorations == 0);
}

BOOST_AUTO_TEST_CASE(B9_L4_usage_records_follow_the_end_a_request_sets) {
  const auto record = [](std::string_view t, std::int64_t q, std::size_t line) {
    return ts::usage_record_of(unix_at(t), "si_legacy", q, unix_at(t), "increment", line);
  };
  const auto r = mk::simulate(
      seat_and_usage_plan(),
      with_usage({record("2025-03-12T00:00:00Z", 7, 400), cancel_now("2025-03-20T00:00:00Z", "true"),
                  record("2025-03-21T00:00:00Z", 9, 401)}),
      until);
  BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
  BOOST_TEST(r.rejected[0].code == mk::error_code::usage_record_timestamp_out_of_period);
  BOOST_TEST(r.rejected[0].message.find("after the subscription ended") != std::string::npos);
  BOOST_TEST(find_line(r.invoices.back(), "si_legacy")->quantity == 7);
}

BOOST_AUTO_TEST_CASE(B9_cancellations_stripe_refuses_are_rejected_with_its_codes) {
  struct refusal {
    mk::request request;
    mk::error_code code;
    std::string param;
  };
  mk::subscription_change both;
  both.subscription = "sub_1";
  both.cancel_at = std::to_string(unix_at("2025-04-10T00:00:00Z"));
  both.cancel_at_period_end = "true";
  mk::subscription_change dated;  // proration_date with an end: not modelled (B9's known difference)
  dated.subscription = "sub_1";
  dated.cancel_at_period_end = "true";
  dated.proration_date = std::to_string(unix_at("2025-03-15T00:00:00Z"));
  mk::subscription_change unknown;
  unknown.subscription = "sub_1";
  unknown.cancel_now = true;
  unknown.unknown_parameter = "at_period_end";
  const std::vector<refusal> cases{
      {cancel_now("2025-03-20T00:00:00Z", "yes"), mk::error_code::subscription_update_invalid, "invoice_now"},
      {cancel_now("2025-03-20T00:00:00Z", std::nullopt, std::nullopt, "sub_nope"),
       mk::error_code::resource_missing, "id"},
      {cancel_later("2025-03-20T00:00:00Z", std::to_string(unix_at("2025-03-01T00:00:00Z")), std::nullopt),
       mk::error_code::subscription_update_invalid, "cancel_at"},
      {cancel_later("2025-03-20T00:00:00Z", "soon", std::nullopt), mk::error_code::parameter_invalid_integer,
       "cancel_at"},
      {ts::single(unix_at("2025-03-20T00:00:00Z"), 9, both), mk::error_code::subscription_update_invalid,
       "cancel_at"},
      {ts::single(unix_at("2025-03-20T00:00:00Z"), 9, dated), mk::error_code::subscription_update_invalid,
       "proration_date"},
      {ts::single(unix_at("2025-03-20T00:00:00Z"), 9, unknown), mk::error_code::parameter_unknown,
       "at_period_end"},
  };
  for (const auto& c : cases) {
    const auto r = mk::simulate(seat_and_usage_plan(), {c.request}, until);
    BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
    BOOST_TEST(r.rejected[0].code == c.code, c.param);
    BOOST_TEST(r.rejected[0].param == c.param);
    BOOST_TEST(r.invoices.size() == 7u, c.param);  // the subscription runs on
  }
  // Once ended, a subscription takes no further change.
  const auto twice =
      mk::simulate(seat_and_usage_plan(),
                   {cancel_now("2025-03-20T00:00:00Z"), cancel_now("2025-03-21T00:00:00Z", "true")}, until);
  BOOST_REQUIRE_EQUAL(twice.rejected.size(), 1u);
  BOOST_TEST(twice.rejected[0].code == mk::error_code::subscription_update_invalid);
  BOOST_TEST(twice.invoices.size() == 3u);
}

BOOST_AUTO_TEST_CASE(B9_items_and_an_end_in_one_request_bill_as_the_two_requests_items_first) {
  const auto seats = [](std::string quantity) {
    mk::subscription_change c;
    c.subscription = "sub_1";
    c.items.push_back(mk::item_change{"si_seat", std::nullopt, std::move(quantity)});
    return c;
  };
  const auto when = unix_at("2025-03-10T00:00:00Z");
  const std::string march_25 = std::to_string(unix_at("2025-03-25T00:00:00Z"));
  for (const auto& [cancel_at, at_period_end] :
       {std::pair<std::optional<std::string>, std::optional<std::string>>{march_25, std::nullopt},
        {std::nullopt, "true"}}) {
    auto both = seats("3");
    both.cancel_at = cancel_at;
    both.cancel_at_period_end = at_period_end;
    const auto one = mk::simulate(seat_and_usage_plan(), with_usage({ts::single(when, 150, both)}), until);
    const auto two =
        mk::simulate(seat_and_usage_plan(),
                     with_usage({ts::single(when, 150, seats("3")),
                                 cancel_later("2025-03-10T00:00:00Z", cancel_at, at_period_end)}),
                     until);
    BOOST_TEST(one.rejected.empty());
    BOOST_TEST((one.invoices == two.invoices));
    // The end's credit is for the three seats the request leaves.
    if (cancel_at) {
      const auto& last = one.invoices.back();
      BOOST_TEST(last.created == at("2025-03-25T00:00:00Z"));
      bool credited_three = false;
      for (const auto& l : last.lines) credited_three |= l.proration && l.quantity == 3 && l.amount < 0;
      BOOST_TEST(credited_three);
    }
  }
  // All or nothing: a bad end leaves the seats as they were, a bad item leaves the end.
  const auto plain = mk::simulate(seat_and_usage_plan(), monthly_usage(), until);
  auto bad_end = seats("3");
  bad_end.cancel_at = "soon";
  auto bad_item = seats("-1");
  bad_item.cancel_at_period_end = "true";
  for (const auto& [change, param] :
       {std::pair{bad_end, "cancel_at"}, std::pair{bad_item, "items[0][quantity]"}}) {
    const auto r = mk::simulate(seat_and_usage_plan(), with_usage({ts::single(when, 150, change)}), until);
    BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
    BOOST_TEST(r.rejected[0].param == param);
    BOOST_TEST((r.invoices == plain.invoices));
  }
  // A cancellation now takes no items.
  auto now_with_items = seats("3");
  now_with_items.cancel_now = true;
  const auto r = mk::simulate(seat_and_usage_plan(), {ts::single(when, 150, now_with_items)}, until);
  BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
  BOOST_TEST(r.rejected[0].param == "items");
}

BOOST_AUTO_TEST_CASE(B9_property_a_bounded_history_that_knows_the_ends_bills_as_the_full_history) {
  const auto plan = seat_and_usage_plan();
  const auto requests = steady_usage_with(
      {cancel_later("2025-02-10T00:00:00Z", std::to_string(unix_at("2025-03-18T12:00:00Z")), std::nullopt),
       cancel_later("2025-03-02T00:00:00Z", std::nullopt, "false"),
       cancel_now("2025-03-27T06:00:00Z", "true", "true")});
  const auto as_of = at("2025-05-01T00:00:00Z");
  const auto runs = full_and_bounded(plan, requests, as_of);
  const auto& a = runs.full;
  BOOST_TEST(a.rejected.empty());
  BOOST_TEST((a == runs.bounded));
  BOOST_TEST(runs.kept < requests.size());
  BOOST_TEST(a.invoices.back().created == at("2025-03-27T06:00:00Z"));

  // Without the ends, a bounded history cannot cut what it settled: the cancellation is refused,
  // naming the fix.
  check_unforeseen_cut_refused(plan, requests, as_of);
}

BOOST_AUTO_TEST_CASE(B9_property_restored_half_way_bills_as_a_run_that_never_stopped) {
  mk::subscription_change seats;
  seats.items.push_back(mk::item_change{"si_seat", std::nullopt, "3"});
  const auto requests = with_usage({ts::single(unix_at("2025-02-10T00:00:00Z"), 150, seats),
                                    cancel_later("2025-02-20T00:00:00Z", std::nullopt, "true"),
                                    cancel_later("2025-02-25T00:00:00Z", std::nullopt, "false"),
                                    cancel_now("2025-04-20T00:00:00Z", "true", "true")});
  const auto plan = seat_and_usage_plan();
  check_restored_half_way(plan, requests, until);
  BOOST_TEST(mk::simulate(plan, requests, until).invoices.back().created == at("2025-04-20T00:00:00Z"));
}

BOOST_AUTO_TEST_CASE(B10_a_deleted_licensed_item_is_credited_its_unused_time_and_billed_no_more) {
  const auto r = mk::simulate(seat_and_usage_plan(),
                              with_usage({delete_item("2025-03-20T00:00:00Z", "si_seat")}), until);
  const auto& april = invoice_at(r, "2025-04-01T00:00:00Z");
  BOOST_TEST(find_line(april, "si_seat") == nullptr);
  BOOST_REQUIRE(find_line(april, "si_seat", true) != nullptr);
  BOOST_TEST(find_line(april, "si_seat", true)->amount == -387);  // 12 of 31 days
  BOOST_TEST(april.total == 200 - 387);
  BOOST_TEST(find_line(invoice_at(r, "2025-05-01T00:00:00Z"), "si_seat") == nullptr);
  BOOST_TEST(find_line(invoice_at(r, "2025-03-01T00:00:00Z"), "si_seat")->amount == 1000);
}

BOOST_AUTO_TEST_CASE(B10_classic_bills_none_of_a_deleted_metered_items_usage) {
  // A March call reported in April, after March's invoice was finalized: billed nowhere, and not
  // late usage either, since no invoice bills March's usage of the item.
  const auto late = ts::event(unix_at("2025-04-10T00:00:00Z"), "api_requests", "cus_1", 7, std::nullopt,
                              unix_at("2025-03-10T00:00:00Z"), 77);
  const auto r = mk::simulate(seat_and_usage_plan(),
                              with_usage({delete_item("2025-03-20T00:00:00Z", "si_api"), late}), until);
  BOOST_TEST(r.late.empty());
  // March's 100 calls are not billed; February's were, before the deletion.
  BOOST_TEST(find_line(invoice_at(r, "2025-04-01T00:00:00Z"), "si_api") == nullptr);
  BOOST_TEST(find_line(invoice_at(r, "2025-04-01T00:00:00Z"), "si_api", true) == nullptr);
  BOOST_TEST(find_line(invoice_at(r, "2025-03-01T00:00:00Z"), "si_api")->amount == 200);
  BOOST_TEST(find_line(r.invoices.back(), "si_api") == nullptr);
  BOOST_TEST(find_line(r.invoices.back(), "si_seat")->amount == 1000);
}

BOOST_AUTO_TEST_CASE(B10_flexible_bills_the_usage_reported_before_the_deletion) {
  const auto pending =
      mk::simulate(flexible_plan(), with_usage({delete_item("2025-03-20T00:00:00Z", "si_api")}), until);
  const auto* usage = find_line(invoice_at(pending, "2025-04-01T00:00:00Z"), "si_api", true);
  BOOST_REQUIRE(usage != nullptr);
  BOOST_TEST(usage->metered);
  BOOST_TEST(usage->quantity == 100);
  BOOST_TEST(usage->amount == 200);
  BOOST_TEST((usage->service_period == mk::period{at("2025-03-01T00:00:00Z"), at("2025-03-20T00:00:00Z")}));
  BOOST_TEST(find_line(invoice_at(pending, "2025-04-01T00:00:00Z"), "si_api") == nullptr);

  // always_invoice: billed at once; none or clear_usage: not billed.
  const auto now = mk::simulate(
      flexible_plan(), with_usage({delete_item("2025-03-20T00:00:00Z", "si_api", "always_invoice")}), until);
  BOOST_TEST(invoice_at(now, "2025-03-20T00:00:00Z").total == 200);
  for (const auto& [behavior, clear] :
       {std::pair<std::optional<std::string>, std::optional<std::string>>{"none", {}},
        {std::nullopt, "true"}}) {
    const auto r = mk::simulate(
        flexible_plan(), with_usage({delete_item("2025-03-20T00:00:00Z", "si_api", behavior, clear)}), until);
    for (const auto& inv : r.invoices) BOOST_TEST(find_line(inv, "si_api", true) == nullptr);
  }
}

BOOST_AUTO_TEST_CASE(B10_L4_an_item_billed_by_usage_records_is_deleted_like_a_metered_one) {
  const auto record = [](std::string_view t, std::int64_t q, std::size_t line) {
    return ts::usage_record_of(unix_at(t), "si_legacy", q, unix_at(t), "increment", line);
  };
  const auto requests =
      with_usage({record("2025-02-12T00:00:00Z", 5, 400), record("2025-03-12T00:00:00Z", 7, 401),
                  delete_item("2025-03-20T00:00:00Z", "si_legacy"), record("2025-03-21T00:00:00Z", 9, 402)});
  // Classic: February's record is billed, March's is not; a record after the deletion names an
  // item that is gone.
  const auto classic = mk::simulate(seat_and_usage_plan(), requests, until);
  BOOST_REQUIRE_EQUAL(classic.rejected.size(), 1u);
  BOOST_TEST(classic.rejected[0].code == mk::error_code::resource_missing);
  BOOST_TEST(classic.rejected[0].param == "subscription_item");
  BOOST_TEST(find_line(invoice_at(classic, "2025-03-01T00:00:00Z"), "si_legacy")->quantity == 5);
  for (const auto& inv : classic.invoices) {
    if (inv.created > at("2025-03-01T00:00:00Z")) BOOST_TEST(find_line(inv, "si_legacy") == nullptr);
    BOOST_TEST(find_line(inv, "si_legacy", true) == nullptr);
  }
  // Flexible: the deletion bills March's 7 at 0.01 USD on the next invoice.
  const auto flexible = mk::simulate(flexible_plan(), requests, until);
  const auto* usage = find_line(invoice_at(flexible, "2025-04-01T00:00:00Z"), "si_legacy", true);
  BOOST_REQUIRE(usage != nullptr);
  BOOST_TEST(usage->quantity == 7);
  BOOST_TEST(usage->amount == 7);
  BOOST_TEST((usage->service_period == mk::period{at("2025-03-01T00:00:00Z"), at("2025-03-20T00:00:00Z")}));
  check_restored_half_way(flexible_plan(), requests, until);
  // A usage-record item's usage is read from its book, not settled into segments: a bounded
  // history not told the deletion's time (`ends_later`) has nothing to cut and bills the same.
  mk::simulator_history blind;
  blind.bounded = true;
  blind.forget_from = 8;
  mk::invoice_simulator unknowing(flexible_plan(), blind);
  for (const auto& r : requests) unknowing.apply(r);
  BOOST_TEST((unknowing.result(until) == flexible));
}

BOOST_AUTO_TEST_CASE(B10_deletions_stripe_refuses_are_rejected_with_its_codes) {
  mk::subscription_change with_quantity;
  with_quantity.items.push_back(mk::item_change{"si_seat", std::nullopt, "2", "true", std::nullopt});
  mk::subscription_change invalid;
  invalid.items.push_back(mk::item_change{"si_seat", std::nullopt, std::nullopt, "yes", std::nullopt});
  mk::subscription_change stray_clear;
  stray_clear.items.push_back(mk::item_change{"si_api", std::nullopt, std::nullopt, std::nullopt, "true"});
  mk::subscription_change all;
  all.subscription = "sub_1";
  all.items.push_back(mk::item_change{"si_seat", std::nullopt, std::nullopt, "true", std::nullopt});
  all.items.push_back(mk::item_change{"si_api", std::nullopt, std::nullopt, "true", std::nullopt});
  auto two_items = seat_and_usage_plan();
  two_items.subscriptions[0].items.pop_back();
  struct refusal {
    mk::plan plan;
    mk::request request;
    mk::error_code code;
    std::string param;
  };
  const auto when = unix_at("2025-03-20T00:00:00Z");
  const std::vector<refusal> cases{
      {seat_and_usage_plan(), delete_item("2025-03-20T00:00:00Z", "si_seat", std::nullopt, "true"),
       mk::error_code::subscription_update_invalid, "clear_usage"},
      {seat_and_usage_plan(), delete_item("2025-03-20T00:00:00Z", "si_nope"),
       mk::error_code::resource_missing, "id"},
      {seat_and_usage_plan(), ts::single(when, 9, with_quantity), mk::error_code::subscription_update_invalid,
       "quantity"},
      {seat_and_usage_plan(), ts::single(when, 9, invalid), mk::error_code::subscription_update_invalid,
       "deleted"},
      {seat_and_usage_plan(), ts::single(when, 9, stray_clear), mk::error_code::subscription_update_invalid,
       "clear_usage"},
      {two_items, ts::single(when, 9, all), mk::error_code::subscription_update_invalid, "items"},
  };
  for (const auto& c : cases) {
    const auto r = mk::simulate(c.plan, {c.request}, until);
    BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
    BOOST_TEST(r.rejected[0].code == c.code, c.param);
    BOOST_TEST(r.rejected[0].param == c.param);
  }
  // A deleted item is gone: deleting or changing it again is resource_missing.
  mk::subscription_change seats;
  seats.items.push_back(mk::item_change{"si_seat", std::nullopt, "3"});
  const auto again =
      mk::simulate(seat_and_usage_plan(),
                   {delete_item("2025-03-20T00:00:00Z", "si_seat"),
                    delete_item("2025-03-21T00:00:00Z", "si_seat"), ts::single(when + 86400 * 2, 9, seats)},
                   until);
  BOOST_REQUIRE_EQUAL(again.rejected.size(), 2u);
  for (const auto& rj : again.rejected) BOOST_TEST(rj.code == mk::error_code::resource_missing);
}

BOOST_AUTO_TEST_CASE(B10_property_bounded_and_restored_runs_bill_deletions_as_the_full_history) {
  const auto plan = flexible_plan();
  const auto requests = steady_usage_with(
      {delete_item("2025-02-10T00:00:00Z", "si_seat"), delete_item("2025-03-17T06:30:00Z", "si_api")});
  const auto as_of = at("2025-05-01T00:00:00Z");
  const auto runs = full_and_bounded(plan, requests, as_of);
  const auto& a = runs.full;
  BOOST_TEST(a.rejected.empty());
  BOOST_TEST((a == runs.bounded));
  BOOST_TEST(find_line(invoice_at(a, "2025-04-01T00:00:00Z"), "si_api", true)->quantity > 0);
  check_restored_half_way(plan, requests, as_of, 37);
}

BOOST_AUTO_TEST_SUITE_END()
