// SPDX-License-Identifier: MIT
// trial_end through the request log (B18): a trial extended, shortened or ended at once, the
// paid cycle anchored at its new end, the refusals; through the simulator, its bounded history and
// its snapshots, and against a plan that had the new trial's end from the start.
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

/// The seat plan with a trial until `trial_end`.
mk::plan trial_plan(std::string_view trial_end = "2025-01-15T00:00:00Z") {
  auto p = seat_and_usage_plan();
  p.subscriptions[0].trial_end = at(trial_end);
  return p;
}

/// `POST /v1/subscriptions/sub_1` with `trial_end` (B18).
mk::request trial_until(std::string_view received, std::string trial_end,
                        std::vector<mk::item_change> items = {}) {
  mk::subscription_change c;
  c.subscription = "sub_1";
  c.trial_end = std::move(trial_end);
  c.items = std::move(items);
  return ts::single(unix_at(received), 800, std::move(c));
}

std::string unix_text(std::string_view t) { return std::to_string(unix_at(t)); }

/// API calls on the 3rd, 12th and 20th of January and the 5th of February, each arriving then.
std::vector<mk::request> with_usage(std::vector<mk::request> more) {
  std::vector<mk::request> out;
  std::size_t line = 1;
  for (const char* t :
       {"2025-01-03T00:00:00Z", "2025-01-12T00:00:00Z", "2025-01-20T00:00:00Z", "2025-02-05T00:00:00Z"})
    out.push_back(ts::event(unix_at(t), "api_requests", "cus_1", 100, std::nullopt, std::nullopt, line++));
  for (auto& r : more) out.push_back(std::move(r));
  return in_arrival_order(std::move(out));
}

const auto until = at("2025-03-01T00:00:00Z");

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_trial_changes)

BOOST_AUTO_TEST_CASE(B18_an_extended_trial_bills_nothing_until_its_new_end_and_anchors_the_cycle_there) {
  const auto r = mk::simulate(
      trial_plan(), with_usage({trial_until("2025-01-10T00:00:00Z", unix_text("2025-01-25T00:00:00Z"))}),
      until);
  BOOST_TEST(r.rejected.empty());
  BOOST_TEST(created_texts(r) == (std::vector<std::string>{"2025-01-01T00:00:00Z", "2025-01-25T00:00:00Z",
                                                           "2025-02-25T00:00:00Z", "2025-03-25T00:00:00Z"}),
             boost::test_tools::per_element());
  const auto& end = invoice_at(r, "2025-01-25T00:00:00Z");
  BOOST_TEST(end.reason == mk::billing_reason::subscription_cycle);
  BOOST_TEST(find_line(end, "si_api")->trial);  // the trial's usage bills 0 (B4)
  BOOST_TEST(find_line(end, "si_api")->amount == 0);
  BOOST_TEST(find_line(end, "si_seat")->amount == 1000);
  BOOST_TEST((find_line(end, "si_seat")->service_period ==
              mk::period{at("2025-01-25T00:00:00Z"), at("2025-02-25T00:00:00Z")}));
  // January 20's and February 5's calls are in the first paid period.
  BOOST_TEST(find_line(invoice_at(r, "2025-02-25T00:00:00Z"), "si_api")->quantity == 100);

  // As of before the change, the trial ends as the plan says.
  mk::invoice_simulator sim(trial_plan());
  for (const auto& q : with_usage({trial_until("2025-01-10T00:00:00Z", unix_text("2025-01-25T00:00:00Z"))}))
    sim.apply(q);
  BOOST_TEST(sim.result(at("2025-01-09T00:00:00Z")).invoices.back().created == at("2025-01-15T00:00:00Z"));
  BOOST_TEST(sim.result(at("2025-01-10T00:00:00Z")).invoices.back().created == at("2025-01-25T00:00:00Z"));
}

BOOST_AUTO_TEST_CASE(B18_trial_end_now_ends_the_trial_with_an_invoice_at_once) {
  const auto r = mk::simulate(trial_plan(),
                              with_usage({trial_until("2025-01-10T00:00:00Z", "now",
                                                      {mk::item_change{"si_seat", std::nullopt, "3"}})}),
                              until);
  BOOST_TEST(r.rejected.empty());
  const auto& now = invoice_at(r, "2025-01-10T00:00:00Z");
  BOOST_TEST(now.reason == mk::billing_reason::subscription_update);
  BOOST_TEST(find_line(now, "si_api")->trial);
  BOOST_TEST((find_line(now, "si_api")->service_period ==
              mk::period{at("2025-01-01T00:00:00Z"), at("2025-01-10T00:00:00Z")}));
  // The request's items bill the first paid period, with no proration (the trial billed nothing).
  BOOST_TEST(find_line(now, "si_seat")->quantity == 3);
  BOOST_TEST(find_line(now, "si_seat")->amount == 3000);
  BOOST_TEST(now.lines.size() == 3u);
  BOOST_TEST(invoice_at(r, "2025-02-10T00:00:00Z").reason == mk::billing_reason::subscription_cycle);
  BOOST_TEST(find_line(invoice_at(r, "2025-02-10T00:00:00Z"), "si_api")->quantity == 300);
}

BOOST_AUTO_TEST_CASE(B18_L4_usage_records_follow_the_trials_new_end) {
  const auto record = [](std::string_view received, std::string_view t, std::int64_t q, std::size_t line) {
    return ts::usage_record_of(unix_at(received), "si_legacy", q, unix_at(t), "increment", line);
  };
  const auto r = mk::simulate(trial_plan(),
                              {trial_until("2025-01-10T00:00:00Z", "now"),
                               record("2025-01-11T00:00:00Z", "2025-01-09T00:00:00Z", 5, 2),
                               record("2025-01-11T00:00:00Z", "2025-01-11T00:00:00Z", 9, 3)},
                              until);
  BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
  BOOST_TEST(r.rejected[0].code == mk::error_code::usage_record_timestamp_out_of_period);
  BOOST_TEST(find_line(invoice_at(r, "2025-02-10T00:00:00Z"), "si_legacy")->quantity == 9);
}

BOOST_AUTO_TEST_CASE(B18_trial_ends_meterkit_does_not_model_are_refused_naming_the_parameter) {
  struct refusal {
    mk::plan plan;
    mk::request request;
    mk::error_code code;
    std::string says;
  };
  mk::request with_cancel = trial_until("2025-01-10T00:00:00Z", "now");
  std::get<mk::subscription_change>(with_cancel.operations[0]).cancel_at_period_end = "true";
  const auto invalid = mk::error_code::subscription_update_invalid;
  const std::vector<refusal> refusals{
      {trial_plan(), trial_until("2025-01-10T00:00:00Z", "soon"), mk::error_code::parameter_invalid_integer,
       "Invalid integer"},
      {trial_plan(), trial_until("2025-01-10T00:00:00Z", unix_text("2025-01-09T00:00:00Z")), invalid,
       "future"},
      {trial_plan(), trial_until("2025-01-10T00:00:00Z", unix_text("2027-02-01T00:00:00Z")), invalid,
       "two years"},
      {trial_plan(), with_cancel, invalid, "cancel_at_period_end"},
      {trial_plan(), trial_until("2025-01-20T00:00:00Z", unix_text("2025-01-25T00:00:00Z")), invalid,
       "out of its trial"},
      {seat_and_usage_plan(), trial_until("2025-01-10T00:00:00Z", "now"), invalid, "out of its trial"},
      {trial_plan(), trial_until("2025-01-01T00:00:00Z", "now"), invalid, "leaves no trial"},
  };
  for (const auto& [plan, request, code, says] : refusals) {
    const auto r = mk::simulate(plan, {request}, until);
    BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
    BOOST_TEST(r.rejected[0].code == code);
    BOOST_TEST(r.rejected[0].param == "trial_end");
    BOOST_TEST(r.rejected[0].message.find(says) != std::string::npos, r.rejected[0].message);
    BOOST_TEST((r.invoices == mk::simulate(plan, {}, until).invoices));  // refused whole
  }
}

BOOST_AUTO_TEST_CASE(B18_property_a_trial_moved_in_the_trial_bills_as_a_plan_with_that_trial) {
  // Extended, shortened, ended now: after the first invoice (billed when the trial ended as
  // planned), every invoice is the one of a plan with the new trial's end.
  for (const auto& [received, to] :
       std::vector<std::pair<std::string, std::string>>{{"2025-01-10T00:00:00Z", "2025-01-25T00:00:00Z"},
                                                        {"2025-01-04T00:00:00Z", "2025-01-08T06:30:00Z"},
                                                        {"2025-01-12T07:00:00Z", "now"}}) {
    const std::string new_end = to == "now" ? received : to;
    const auto changed = mk::simulate(
        trial_plan(), with_usage({trial_until(received, to == "now" ? "now" : unix_text(to))}), until);
    const auto planned = mk::simulate(trial_plan(new_end), with_usage({}), until);
    BOOST_TEST_CONTEXT("trial_end " << to << " at " << received) {
      BOOST_TEST(changed.rejected.empty());
      BOOST_REQUIRE_EQUAL(changed.invoices.size(), planned.invoices.size());
      BOOST_TEST(changed.invoices[0].total == planned.invoices[0].total);
      for (std::size_t i = 1; i < changed.invoices.size(); ++i) {
        auto a = changed.invoices[i];
        if (to == "now" && i == 1) a.reason = mk::billing_reason::subscription_cycle;  // ended at once
        BOOST_TEST((a == planned.invoices[i]), i);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(B18_property_bounded_and_restored_runs_bill_trial_changes_as_the_full_history) {
  const auto plan = trial_plan("2025-02-01T00:00:00Z");
  std::vector<mk::request> requests;
  std::size_t line = 1;
  for (std::int64_t t = unix_at("2025-01-01T00:00:00Z"); t < unix_at("2025-04-30T00:00:00Z"); t += 5 * 3600) {
    requests.push_back(ts::event(t, "api_requests", "cus_1", static_cast<std::int64_t>(line % 11),
                                 std::nullopt, t - static_cast<std::int64_t>(line % 4) * 3600, line));
    ++line;
  }
  requests.push_back(trial_until("2025-01-10T00:00:00Z", unix_text("2025-01-20T12:00:00Z")));
  requests.push_back(trial_until("2025-01-15T00:00:00Z", "now"));
  requests = in_arrival_order(std::move(requests));
  const auto as_of = at("2025-05-01T00:00:00Z");
  const auto runs = full_and_bounded(plan, requests, as_of);
  BOOST_TEST(runs.full.rejected.empty());
  BOOST_TEST((runs.full == runs.bounded));
  BOOST_TEST(runs.kept < requests.size());
  BOOST_TEST(invoice_at(runs.full, "2025-01-15T00:00:00Z").reason == mk::billing_reason::subscription_update);
  check_unforeseen_cut_refused(plan, requests, as_of);
  check_restored_half_way(plan, requests, as_of, 43);
}

BOOST_AUTO_TEST_SUITE_END()
