// SPDX-License-Identifier: MIT
// Billing credits (B14): credit grants pay for meter-price lines after discounts and before taxes,
// drawn in Stripe's order, carried from invoice to invoice, within their effective dates.
#include <meterkit/billing/after_pricing.hpp>
#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/credit_grant.hpp>
#include <meterkit/billing/invoicing.hpp>
#include <meterkit/billing/simulator.hpp>
#include <meterkit/billing/snapshot.hpp>

#include "seat_plan.hpp"
#include "stream_requests.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mk = meterkit;
using meterkit::test_seat_plan::at;

namespace {

mk::credit_grant grant(std::string id, std::int64_t cents) {
  mk::credit_grant g;
  g.id = std::move(id);
  g.customer = "cus_1";
  g.amount = cents;
  g.currency = mk::currency("usd");
  return g;
}

/// The seat plan (seat 10.00, API calls 0.02 on a meter, legacy records 0.01) with 1,000 API calls
/// and 1,000 legacy units in every month: each cycle invoice bills the seat 1000, API 2000 and
/// legacy 1000 cents.
std::vector<mk::invoice> bill(const mk::plan& p, const char* until = "2025-04-15T00:00:00Z") {
  const mk::compiled_plan cp(p);
  return mk::invoices_as_of(cp, at(until),
                            [](std::size_t, const mk::period&, mk::timestamp) { return std::int64_t{1000}; });
}

const mk::invoice_line& line(const mk::invoice& inv, const std::string& item) {
  for (const auto& l : inv.lines)
    if (l.subscription_item == item) return l;
  BOOST_FAIL("no line for " << item);
  return inv.lines.front();
}

std::int64_t credited(const mk::invoice_line& l) {
  std::int64_t sum = 0;
  for (const auto& c : l.credit_amounts) sum += c.amount;
  return sum;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_credit_grant)

// B14: only the line of the meter price is paid; the seat and the legacy usage-record line are not
// (Stripe: "billing credits only apply to line items that link to a meter price").
BOOST_AUTO_TEST_CASE(a_grant_pays_only_meter_price_lines_and_carries_over) {
  auto p = meterkit::test_seat_plan::seat_and_usage_plan();
  p.credit_grants = {grant("cg_1", 5000)};
  const auto invs = bill(p);
  BOOST_TEST_REQUIRE(invs.size() == 5u);  // Jan 1 create, Feb/Mar/Apr cycles, May upcoming
  BOOST_TEST(invs[0].total_credit == 0);  // no usage billed yet
  BOOST_TEST(invs[0].credit_balance == 5000);
  struct step {
    std::int64_t credit;
    std::int64_t balance_after;
  };
  const std::vector<step> steps = {{2000, 3000}, {2000, 1000}, {1000, 0}, {0, 0}};
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const auto& inv = invs[k + 1];
    BOOST_TEST_CONTEXT("invoice " << k + 1) {
      BOOST_TEST(credited(line(inv, "si_api")) == steps[k].credit);
      BOOST_TEST(line(inv, "si_seat").credit_amounts.empty());
      BOOST_TEST(line(inv, "si_legacy").credit_amounts.empty());
      BOOST_TEST(inv.total_credit == steps[k].credit);
      BOOST_TEST(inv.credit_balance == steps[k].balance_after);
      BOOST_TEST(inv.subtotal == 4000);
      BOOST_TEST(inv.total == 4000 - steps[k].credit);
      BOOST_TEST(inv.amount_due == inv.total);
    }
  }
}

// B14 with B11 and B12: the credit pays what the discount left, and the tax is on what the credit
// left (Stripe's pretax credits).
BOOST_AUTO_TEST_CASE(credits_come_after_discounts_and_before_taxes) {
  auto p = meterkit::test_seat_plan::seat_and_usage_plan();
  p.coupons = {mk::coupon{
      .id = "half", .percent_off = mk::decimal::from_integer(50), .duration = mk::coupon_duration::forever}};
  p.tax_rates = {
      mk::tax_rate{.id = "txr_10", .percentage = mk::decimal::from_integer(10), .inclusive = false}};
  p.subscriptions[0].discounts = {mk::discount{.coupon = "half"}};
  p.subscriptions[0].default_tax_rates = {"txr_10"};
  p.credit_grants = {grant("cg_1", 600)};
  const auto invs = bill(p, "2025-02-15T00:00:00Z");
  const auto& feb = invs.at(1);
  const auto& api = line(feb, "si_api");
  BOOST_TEST(api.amount == 2000);
  BOOST_TEST(api.discount_amounts.at(0).amount == 1000);
  BOOST_TEST(credited(api) == 600);
  BOOST_TEST(api.tax_amounts.at(0).taxable_amount == 400);
  BOOST_TEST(api.tax_amounts.at(0).amount == 40);
  // seat 1000 → 500 + 50 tax; legacy 1000 → 500 + 50 tax; api 2000 → 1000 − 600 = 400 + 40 tax
  BOOST_TEST(feb.subtotal == 4000);
  BOOST_TEST(feb.total_discount == 2000);
  BOOST_TEST(feb.total_credit == 600);
  BOOST_TEST(feb.tax == 140);
  BOOST_TEST(feb.total == 4000 - 2000 - 600 + 140);
  BOOST_TEST(feb.total_excluding_tax == feb.total - 140);
}

// B14's order, table-driven: which of two grants pays first, each able to pay the whole line.
BOOST_AUTO_TEST_CASE(grants_are_drawn_by_priority_expiry_category_start_and_creation) {
  struct row {
    const char* why;
    void (*first)(mk::credit_grant&);  // applied to cg_a; cg_b keeps the defaults
    const char* pays;
  };
  const std::vector<row> rows = {
      {"equal: plan order", [](mk::credit_grant&) {}, "cg_b"},
      {"lower priority value first", [](mk::credit_grant& g) { g.priority = 60; }, "cg_b"},
      {"higher priority first", [](mk::credit_grant& g) { g.priority = 10; }, "cg_a"},
      {"expiring before never", [](mk::credit_grant& g) { g.expires_at = at("2026-01-01T00:00:00Z"); },
       "cg_a"},
      {"promotional before paid", [](mk::credit_grant& g) { g.category = mk::credit_grant_category::paid; },
       "cg_b"},
      {"earlier effective first", [](mk::credit_grant& g) { g.effective_at = at("2024-06-01T00:00:00Z"); },
       "cg_a"},
      {"earlier created first", [](mk::credit_grant& g) { g.created = at("2024-07-01T00:00:00Z"); }, "cg_a"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.why) {
      auto p = meterkit::test_seat_plan::seat_and_usage_plan();
      auto a = grant("cg_a", 100000);
      auto b = grant("cg_b", 100000);
      a.category = b.category = mk::credit_grant_category::promotional;
      a.effective_at = b.effective_at = at("2024-12-01T00:00:00Z");
      a.created = b.created = at("2024-12-01T00:00:00Z");
      r.first(a);
      p.credit_grants = {b, a};  // plan order favours cg_b
      const auto invs = bill(p, "2025-02-15T00:00:00Z");
      const auto& api = line(invs.at(1), "si_api");
      BOOST_TEST_REQUIRE(api.credit_amounts.size() == 1u);
      BOOST_TEST(api.credit_amounts[0].credit_grant == r.pays);
      BOOST_TEST(api.credit_amounts[0].amount == 2000);
    }
  }
}

// A line larger than the first grant takes the rest from the next one.
BOOST_AUTO_TEST_CASE(a_line_draws_on_the_next_grant_when_one_runs_out) {
  auto p = meterkit::test_seat_plan::seat_and_usage_plan();
  auto a = grant("cg_a", 700);
  a.priority = 1;
  p.credit_grants = {grant("cg_b", 10000), a};
  const auto invs = bill(p, "2025-02-15T00:00:00Z");
  const auto& api = line(invs.at(1), "si_api");
  BOOST_TEST_REQUIRE(api.credit_amounts.size() == 2u);
  BOOST_TEST(api.credit_amounts[0].credit_grant == "cg_a");
  BOOST_TEST(api.credit_amounts[0].amount == 700);
  BOOST_TEST(api.credit_amounts[1].credit_grant == "cg_b");
  BOOST_TEST(api.credit_amounts[1].amount == 1300);
  BOOST_TEST(invs.at(1).credit_balance == 10000 - 1300);
}

// A grant counts for invoices that finalize in [effective_at, expires_at) and before voided_at;
// the finalization of the invoice created at 2025-03-01 is an hour later (B3).
BOOST_AUTO_TEST_CASE(a_grant_counts_between_its_start_and_its_expiry_or_voiding) {
  struct row {
    const char* why;
    void (*set)(mk::credit_grant&);
    std::int64_t feb;  // credit on the invoice of 2025-02-01
    std::int64_t mar;  // and of 2025-03-01
  };
  const std::vector<row> rows = {
      {"always", [](mk::credit_grant&) {}, 2000, 2000},
      {"effective after February's finalization",
       [](mk::credit_grant& g) { g.effective_at = at("2025-02-01T01:00:01Z"); }, 0, 2000},
      {"effective at February's finalization",
       [](mk::credit_grant& g) { g.effective_at = at("2025-02-01T01:00:00Z"); }, 2000, 2000},
      {"created later, no effective_at", [](mk::credit_grant& g) { g.created = at("2025-02-15T00:00:00Z"); },
       0, 2000},
      {"expires at March's finalization",
       [](mk::credit_grant& g) { g.expires_at = at("2025-03-01T01:00:00Z"); }, 2000, 0},
      {"voided before March", [](mk::credit_grant& g) { g.voided_at = at("2025-02-20T00:00:00Z"); }, 2000, 0},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.why) {
      auto p = meterkit::test_seat_plan::seat_and_usage_plan();
      auto g = grant("cg_1", 100000);
      r.set(g);
      p.credit_grants = {g};
      const auto invs = bill(p, "2025-03-15T00:00:00Z");
      BOOST_TEST(invs.at(1).total_credit == r.feb);
      BOOST_TEST(invs.at(2).total_credit == r.mar);
      if (r.mar == 0) BOOST_TEST(invs.at(2).credit_balance == 0);  // an expired grant is no balance
    }
  }
}

// Scope, customer and currency: a grant scoped to other prices, or of another customer or
// currency, pays nothing here.
BOOST_AUTO_TEST_CASE(a_grant_pays_only_its_customer_currency_and_prices) {
  auto p = meterkit::test_seat_plan::seat_and_usage_plan();
  mk::price other{"price_other", mk::currency("usd")};
  other.unit_amount = mk::decimal::from_integer(1);
  other.recurring.usage_type = mk::usage_type::metered;
  other.recurring.meter = "mtr_api";
  p.prices.push_back(other);
  p.customers = {"cus_2"};
  auto scoped = grant("cg_scoped", 1000);
  scoped.prices = std::vector<std::string>{"price_other"};
  auto theirs = grant("cg_theirs", 1000);
  theirs.customer = "cus_2";
  auto euros = grant("cg_eur", 1000);
  euros.currency = mk::currency("eur");
  auto ours = grant("cg_ours", 1000);
  ours.prices = std::vector<std::string>{"price_api"};
  p.credit_grants = {scoped, theirs, euros, ours};
  const auto invs = bill(p, "2025-02-15T00:00:00Z");
  const auto& api = line(invs.at(1), "si_api");
  BOOST_TEST_REQUIRE(api.credit_amounts.size() == 1u);
  BOOST_TEST(api.credit_amounts[0].credit_grant == "cg_ours");
  BOOST_TEST(invs.at(1).credit_balance == 1000);  // cg_scoped is still usable by this customer
}

// Property: over many grant sets, no line is paid below 0 and no grant pays more than its amount.
BOOST_AUTO_TEST_CASE(credits_never_exceed_the_lines_or_the_grants) {
  for (std::int64_t seed = 1; seed <= 40; ++seed) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      auto p = meterkit::test_seat_plan::seat_and_usage_plan();
      p.coupons = {mk::coupon{.id = "off",
                              .amount_off = (seed * 37) % 900 + 1,
                              .currency = mk::currency("usd"),
                              .duration = mk::coupon_duration::forever}};
      p.subscriptions[0].discounts = {mk::discount{.coupon = "off"}};
      std::vector<std::int64_t> amounts;
      for (std::int64_t k = 0; k < seed % 4 + 1; ++k) {
        auto g = grant("cg_" + std::to_string(k), (seed * 1009 + k * 313) % 3000 + 1);
        g.priority = static_cast<std::int32_t>((seed + k * 7) % 101);
        p.credit_grants.push_back(g);
        amounts.push_back(g.amount);
      }
      const auto invs = bill(p, "2025-06-15T00:00:00Z");
      std::vector<std::int64_t> used(amounts.size(), 0);
      for (const auto& inv : invs) {
        std::int64_t invoice_credit = 0;
        for (const auto& l : inv.lines) {
          std::int64_t left = l.amount;
          for (const auto& d : l.discount_amounts) left -= d.amount;
          for (const auto& c : l.credit_amounts) {
            left -= c.amount;
            invoice_credit += c.amount;
            used[std::stoul(c.credit_grant.substr(3))] += c.amount;
            BOOST_TEST(c.amount > 0);
          }
          if (!l.credit_amounts.empty()) BOOST_TEST(left >= 0);
        }
        BOOST_TEST(invoice_credit == inv.total_credit);
        BOOST_TEST(inv.total >= 0);
      }
      for (std::size_t k = 0; k < amounts.size(); ++k) BOOST_TEST(used[k] <= amounts[k]);
    }
  }
}

// B14 on a plan that does not hold together: refused, naming the field.
BOOST_AUTO_TEST_CASE(unusable_credit_grants_are_refused_by_field) {
  struct row {
    const char* field;
    void (*change)(mk::credit_grant&);
  };
  const std::vector<row> rows = {
      {"credit_grants[0].id", [](mk::credit_grant& g) { g.id.clear(); }},
      {"credit_grants[0].customer", [](mk::credit_grant& g) { g.customer = "cus_nobody"; }},
      {"credit_grants[0].amount.monetary.value", [](mk::credit_grant& g) { g.amount = 0; }},
      {"credit_grants[0].amount.monetary.currency", [](mk::credit_grant& g) { g.currency.reset(); }},
      {"credit_grants[0].priority", [](mk::credit_grant& g) { g.priority = 101; }},
      {"credit_grants[0].expires_at",
       [](mk::credit_grant& g) {
         g.effective_at = at("2025-02-01T00:00:00Z");
         g.expires_at = at("2025-02-01T00:00:00Z");
       }},
      {"credit_grants[0].applicability_config.scope.prices",
       [](mk::credit_grant& g) { g.prices = std::vector<std::string>{}; }},
      {"credit_grants[0].applicability_config.scope.prices[0]",
       [](mk::credit_grant& g) { g.prices = std::vector<std::string>{"price_none"}; }},
      {"credit_grants[0].applicability_config.scope.prices[0]",
       [](mk::credit_grant& g) { g.prices = std::vector<std::string>{"price_legacy"}; }},
      {"credit_grants[1].id", [](mk::credit_grant&) {}},  // the duplicate below
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.field) {
      auto p = meterkit::test_seat_plan::seat_and_usage_plan();
      auto g = grant("cg_1", 100);
      r.change(g);
      p.credit_grants = {g};
      if (std::string(r.field) == "credit_grants[1].id") p.credit_grants.push_back(g);
      try {
        mk::validate(p);
        BOOST_ERROR("accepted");
      } catch (const mk::configuration_error& e) {
        BOOST_TEST(e.field() == r.field);
      }
    }
  }
}

// The plan fingerprint covers every field of a grant, so a snapshot is never restored against a
// plan whose credits differ; a plan without grants keeps the fingerprint it had.
BOOST_AUTO_TEST_CASE(the_plan_fingerprint_covers_credit_grants) {
  const auto base = meterkit::test_seat_plan::seat_and_usage_plan();
  auto with = base;
  with.credit_grants = {grant("cg_1", 100)};
  const auto f = mk::plan_fingerprint(with);
  BOOST_TEST(f != mk::plan_fingerprint(base));
  const std::vector<void (*)(mk::credit_grant&)> changes = {
      [](mk::credit_grant& g) { g.amount = 101; },
      [](mk::credit_grant& g) { g.priority = 10; },
      [](mk::credit_grant& g) { g.category = mk::credit_grant_category::promotional; },
      [](mk::credit_grant& g) { g.expires_at = at("2026-01-01T00:00:00Z"); },
      [](mk::credit_grant& g) { g.voided_at = at("2026-01-01T00:00:00Z"); },
      [](mk::credit_grant& g) { g.effective_at = at("2025-01-01T00:00:00Z"); },
      [](mk::credit_grant& g) { g.prices = std::vector<std::string>{"price_api"}; },
  };
  for (std::size_t k = 0; k < changes.size(); ++k) {
    BOOST_TEST_CONTEXT("change " << k) {
      auto changed = with;
      changes[k](changed.credit_grants[0]);
      BOOST_TEST(mk::plan_fingerprint(changed) != f);
    }
  }
}

/// A `POST /v1/billing/credit_grants` of `cents` for `customer` arriving at `when` (B14).
mk::request grant_request(const char* when, std::string customer, std::int64_t cents, std::size_t line) {
  mk::credit_grant_creation c;
  c.grant.customer = std::move(customer);
  c.grant.amount = cents;
  c.grant.currency = mk::currency("usd");
  c.grant.category = mk::credit_grant_category::promotional;
  return mk::test_stream::single(meterkit::test_seat_plan::unix_at(when), line, std::move(c));
}

// B14: a grant created through a request pays the meter-price lines of invoices that finalize after
// its arrival, as a plan's grant does; it is named by its request and created at its arrival.
BOOST_AUTO_TEST_CASE(a_grant_created_through_a_request_pays_from_its_arrival) {
  const auto p = meterkit::test_seat_plan::seat_and_usage_plan();
  auto requests = meterkit::test_seat_plan::monthly_usage();  // 100 calls (2.00 USD) a month
  requests.insert(requests.begin() + 2, grant_request("2025-02-10T00:00:00Z", "cus_1", 300, 90));
  mk::invoice_simulator sim(p);
  for (const auto& r : requests) sim.apply(r);
  const auto result = sim.result(at("2025-04-15T00:00:00Z"));
  BOOST_TEST(result.rejected.empty());
  BOOST_TEST_REQUIRE(result.credit_grants.size() == 1u);
  BOOST_TEST(result.credit_grants[0].id == "credit_grant@stream:90");
  BOOST_TEST((result.credit_grants[0].created == at("2025-02-10T00:00:00Z")));
  std::vector<std::int64_t> paid;
  for (const auto& inv : result.invoices)
    if (inv.reason == mk::billing_reason::subscription_cycle) paid.push_back(inv.total_credit);
  // January's usage (invoiced Feb 1, before the grant): nothing; February's: 2.00; March's: the 1.00 left.
  const std::vector<std::int64_t> expected{0, 200, 100};
  BOOST_TEST(paid == expected, boost::test_tools::per_element());
  // Before its arrival the grant does not exist.
  BOOST_TEST(sim.result(at("2025-02-09T00:00:00Z")).credit_grants.empty());
  meterkit::test_seat_plan::check_restored_half_way(p, requests, at("2025-04-15T00:00:00Z"));
}

// B14: a grant request the plan cannot honour is rejected with Stripe's code, naming the parameter.
BOOST_AUTO_TEST_CASE(unusable_grant_requests_are_rejected_by_parameter) {
  struct row {
    const char* param;
    mk::error_code code;
    void (*change)(mk::credit_grant_creation&);
  };
  const std::vector<row> rows = {
      {"customer", mk::error_code::resource_missing,
       [](mk::credit_grant_creation& c) { c.grant.customer = "cus_x"; }},
      {"customer", mk::error_code::parameter_missing,
       [](mk::credit_grant_creation& c) { c.grant.customer.clear(); }},
      {"amount[monetary][value]", mk::error_code::parameter_invalid_integer,
       [](mk::credit_grant_creation& c) { c.grant.amount = 0; }},
      {"amount[monetary][currency]", mk::error_code::parameter_missing,
       [](mk::credit_grant_creation& c) { c.grant.currency.reset(); }},
      {"expires_at", mk::error_code::parameter_invalid_integer,
       [](mk::credit_grant_creation& c) { c.grant.expires_at = at("2025-02-01T00:00:00Z"); }},
      {"applicability_config[scope][prices][0]", mk::error_code::resource_missing,
       [](mk::credit_grant_creation& c) { c.grant.prices = std::vector<std::string>{"price_seat"}; }},
      {"amount", mk::error_code::parameter_missing,
       [](mk::credit_grant_creation& c) { c.missing_parameter = "amount"; }},
      {"priority", mk::error_code::parameter_invalid_integer,
       [](mk::credit_grant_creation& c) { c.priority_out_of_range = 500; }},
      {"voided_at", mk::error_code::parameter_unknown,
       [](mk::credit_grant_creation& c) { c.unknown_parameter = "voided_at"; }},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.param) {
      auto req = grant_request("2025-02-10T00:00:00Z", "cus_1", 300, 1);
      r.change(std::get<mk::credit_grant_creation>(req.operations.front()));
      mk::invoice_simulator sim(meterkit::test_seat_plan::seat_and_usage_plan());
      sim.apply(req);
      const auto result = sim.result(at("2025-02-10T00:00:00Z"));
      BOOST_TEST_REQUIRE(result.rejected.size() == 1u);
      BOOST_TEST(result.rejected[0].code == r.code);
      BOOST_TEST(result.rejected[0].param == r.param);
      BOOST_TEST(result.credit_grants.empty());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
