// SPDX-License-Identifier: MIT
// What Stripe applies after pricing (B11 discounts, B12 tax rates, B13 customer balance), through
// the pure function `apply_after_pricing` and through `invoices_as_of` around it.
#include <meterkit/billing/after_pricing.hpp>
#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/invoicing.hpp>
#include <meterkit/billing/snapshot.hpp>

#include "seat_plan.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace mk = meterkit;
using meterkit::test_seat_plan::at;

namespace {

mk::price licensed(std::string id, std::int64_t cents, std::optional<std::string> product = std::nullopt) {
  mk::price p{.id = std::move(id), .currency = mk::currency("usd")};
  p.unit_amount = mk::decimal::from_integer(cents);
  p.product = std::move(product);
  return p;
}

mk::coupon percent(std::string id, std::int64_t whole, mk::coupon_duration d = mk::coupon_duration::forever) {
  return mk::coupon{.id = std::move(id), .percent_off = mk::decimal::from_integer(whole), .duration = d};
}

mk::coupon amount(std::string id, std::int64_t cents, mk::coupon_duration d = mk::coupon_duration::forever) {
  return mk::coupon{.id = std::move(id), .amount_off = cents, .currency = mk::currency("usd"), .duration = d};
}

/// One monthly subscription from 2025-01-01 with licensed items `prices` (quantity 1 each).
mk::plan one_subscription(std::vector<mk::price> prices) {
  mk::plan p;
  mk::subscription s;
  s.id = "sub_1";
  s.customer = "cus_1";
  s.start_date = at("2025-01-01T00:00:00Z");
  for (std::size_t i = 0; i < prices.size(); ++i)
    s.items.push_back(mk::subscription_item{.id = "si_" + std::to_string(i), .price = prices[i].id});
  p.prices = std::move(prices);
  p.subscriptions.push_back(std::move(s));
  return p;
}

/// An invoice of sub_1 created at `created` with one line per amount, on items si_0, si_1, ...
mk::invoice invoice_of(mk::timestamp created, const std::vector<std::int64_t>& amounts,
                       std::string customer = "cus_1", std::string currency = "usd") {
  mk::invoice inv;
  inv.customer = std::move(customer);
  inv.subscription = "sub_1";
  inv.currency = std::move(currency);
  inv.created = created;
  for (std::size_t i = 0; i < amounts.size(); ++i) {
    mk::invoice_line l;
    l.subscription_item = "si_" + std::to_string(i);
    l.price = "price_" + std::to_string(i);
    l.amount = amounts[i];
    inv.lines.push_back(l);
  }
  return inv;
}

std::vector<std::int64_t> discounts_of(const mk::invoice& inv) {
  std::vector<std::int64_t> out;
  for (const auto& l : inv.lines) {
    std::int64_t d = 0;
    for (const auto& a : l.discount_amounts) d += a.amount;
    out.push_back(d);
  }
  return out;
}

std::vector<mk::price> prices_for(std::size_t n) {
  std::vector<mk::price> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(licensed("price_" + std::to_string(i), 1000));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_after_pricing)

// D30: one pass carries a run's balances and grants from invoice to invoice; a copy would carry
// them on twice.
static_assert(!std::is_copy_constructible_v<meterkit::after_pricing_pass> &&
              !std::is_copy_assignable_v<meterkit::after_pricing_pass>);
static_assert(std::is_move_constructible_v<meterkit::after_pricing_pass>);

// B11: how one discount divides over the lines it reaches, table-driven.
BOOST_AUTO_TEST_CASE(a_discount_divides_over_lines_as_stripe_rounds_it) {
  struct row {
    const char* what;
    mk::coupon coupon;
    std::vector<std::int64_t> lines;
    std::vector<std::int64_t> expected;
  };
  const std::vector<row> rows = {
      {"percent rounds each line once, half away from zero",
       percent("p15", 15),
       {1010, 30, 1},
       {152, 5, 0}},  // 151.5 -> 152, 4.5 -> 5, 0.15 -> 0
      {"100 percent takes every positive line to 0", percent("all", 100), {999, 1}, {999, 1}},
      {"a percent discount of a credit line gives back the same share",
       percent("half", 50),
       {2000, -1000},
       {1000, -500}},
      {"amount_off goes by proportion, the rounding to the largest remainders",
       amount("a10", 1000),
       {3333, 3333, 3334},
       {333, 333, 334}},
      {"amount_off ties go to the earlier line", amount("a1", 1), {500, 500}, {1, 0}},
      {"amount_off never takes more than the positive lines hold",
       amount("a50", 5000),
       {1200, 300, -400},
       {1200, 300, 0}},
      {"amount_off passes over credit lines", amount("a3", 300), {1000, -1000, 500}, {200, 0, 100}},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.what) {
      auto p = one_subscription(prices_for(r.lines.size()));
      p.coupons = {r.coupon};
      p.subscriptions[0].discounts = {mk::discount{.coupon = r.coupon.id}};
      const mk::compiled_plan cp(p);
      std::vector<mk::invoice> invs{invoice_of(at("2025-01-01T00:00:00Z"), r.lines)};
      mk::apply_after_pricing(cp, invs);
      BOOST_TEST(discounts_of(invs[0]) == r.expected, boost::test_tools::per_element());
      const std::int64_t subtotal = std::accumulate(r.lines.begin(), r.lines.end(), std::int64_t{0});
      const std::int64_t taken = std::accumulate(r.expected.begin(), r.expected.end(), std::int64_t{0});
      BOOST_TEST(invs[0].subtotal == subtotal);
      BOOST_TEST(invs[0].total_discount == taken);
      BOOST_TEST(invs[0].total == subtotal - taken);
    }
  }
}

// B11: item discounts come first, then the subscription's, each on what the earlier left.
BOOST_AUTO_TEST_CASE(discounts_stack_item_first_then_subscription_each_on_what_is_left) {
  auto p = one_subscription({licensed("price_0", 10000), licensed("price_1", 10000)});
  p.coupons = {percent("half", 50), amount("ten", 1000), percent("tenth", 10)};
  p.subscriptions[0].items[0].discounts = {mk::discount{.coupon = "half"}};
  p.subscriptions[0].discounts = {mk::discount{.coupon = "ten"}, mk::discount{.coupon = "tenth"}};
  const mk::compiled_plan cp(p);
  std::vector<mk::invoice> invs{invoice_of(at("2025-01-01T00:00:00Z"), {10000, 10000})};
  mk::apply_after_pricing(cp, invs);
  // Line 0: 10000 - 5000 (half) = 5000; ten over 5000 : 10000 -> 333 and 667 (rounding to the
  // larger remainder); tenth of what is left: 4667 -> 467, 9333 -> 933.
  const auto& l0 = invs[0].lines[0].discount_amounts;
  const auto& l1 = invs[0].lines[1].discount_amounts;
  BOOST_TEST_REQUIRE(l0.size() == 3U);
  BOOST_TEST(l0[0].coupon == "half");
  BOOST_TEST(l0[0].amount == 5000);
  BOOST_TEST(l0[1].amount == 333);
  BOOST_TEST(l0[2].amount == 467);
  BOOST_TEST_REQUIRE(l1.size() == 2U);
  BOOST_TEST(l1[0].amount == 667);
  BOOST_TEST(l1[1].amount == 933);
  BOOST_TEST(invs[0].total == 20000 - 5000 - 1000 - 467 - 933);
}

// B11: applies_to.products limits a coupon to the lines of those products.
BOOST_AUTO_TEST_CASE(applies_to_products_limits_the_lines_a_coupon_reaches) {
  auto p = one_subscription({licensed("price_0", 1000, "prod_seats"), licensed("price_1", 1000, "prod_api"),
                             licensed("price_2", 1000)});
  auto c = amount("seats_only", 5000);
  c.applies_to_products = std::vector<std::string>{"prod_seats"};
  p.coupons = {c};
  p.subscriptions[0].discounts = {mk::discount{.coupon = "seats_only"}};
  const mk::compiled_plan cp(p);
  std::vector<mk::invoice> invs{invoice_of(at("2025-01-01T00:00:00Z"), {1000, 1000, 1000})};
  mk::apply_after_pricing(cp, invs);
  BOOST_TEST(discounts_of(invs[0]) == (std::vector<std::int64_t>{1000, 0, 0}),
             boost::test_tools::per_element());
}

// B11: when a discount counts: [start, end), repeating ends after its months, once waits for an
// invoice with something to discount.
BOOST_AUTO_TEST_CASE(a_discount_counts_from_its_start_for_its_duration) {
  const auto run = [](mk::coupon c, mk::discount d, const std::vector<std::vector<std::int64_t>>& amounts,
                      std::string_view first) {
    auto p = one_subscription({licensed("price_0", 1000)});
    p.subscriptions[0].start_date = at(first);
    d.coupon = c.id;
    p.coupons = {std::move(c)};
    p.subscriptions[0].discounts = {d};
    const mk::compiled_plan cp(p);
    std::vector<mk::invoice> invs;
    const mk::billing_cycle<> months(at(first), mk::billing_interval{mk::interval_unit::month, 1});
    for (std::size_t k = 0; k < amounts.size(); ++k)
      invs.push_back(invoice_of(months.boundary(static_cast<std::int64_t>(k)), amounts[k]));
    mk::apply_after_pricing(cp, invs);
    std::vector<std::int64_t> out;
    for (const auto& inv : invs) out.push_back(inv.total_discount);
    return out;
  };
  using v = std::vector<std::int64_t>;
  auto three_months = percent("q", 10, mk::coupon_duration::repeating);
  three_months.duration_in_months = 3;
  BOOST_TEST(run(three_months, {}, {{1000}, {1000}, {1000}, {1000}}, "2025-01-01T00:00:00Z") ==
                 (v{100, 100, 100, 0}),
             boost::test_tools::per_element());
  // Jan 31 + 1 month is Feb 28 (B2): the invoice of Feb 28 is past the end.
  auto one_month = percent("m", 10, mk::coupon_duration::repeating);
  one_month.duration_in_months = 1;
  BOOST_TEST(run(one_month, {}, {{1000}, {1000}}, "2025-01-31T00:00:00Z") == (v{100, 0}),
             boost::test_tools::per_element());
  // once: the first invoice has nothing to discount (Stripe's 2013-10-29 change), the second does.
  BOOST_TEST(run(amount("o", 500, mk::coupon_duration::once), {}, {{0}, {1000}, {1000}},
                 "2025-01-01T00:00:00Z") == (v{0, 500, 0}),
             boost::test_tools::per_element());
  // An explicit start and end (a discount pasted from Stripe).
  BOOST_TEST(run(percent("f", 10),
                 mk::discount{.start = at("2025-02-01T00:00:00Z"), .end = at("2025-03-15T00:00:00Z")},
                 {{1000}, {1000}, {1000}, {1000}}, "2025-01-01T00:00:00Z") == (v{0, 100, 100, 0}),
             boost::test_tools::per_element());
}

// B12: inclusive rates are inside the discounted amount, exclusive ones on top of what is left.
BOOST_AUTO_TEST_CASE(taxes_inclusive_inside_exclusive_on_top_each_rounded_once) {
  auto p = one_subscription({licensed("price_0", 11000), licensed("price_1", 11)});
  p.tax_rates = {mk::tax_rate{.id = "vat", .percentage = mk::decimal::from_integer(10), .inclusive = true},
                 mk::tax_rate{.id = "city", .percentage = *mk::parse_decimal("5"), .inclusive = false}};
  p.subscriptions[0].default_tax_rates = {"vat", "city"};
  const mk::compiled_plan cp(p);
  std::vector<mk::invoice> invs{invoice_of(at("2025-01-01T00:00:00Z"), {11000, -11})};
  mk::apply_after_pricing(cp, invs);
  const auto& t = invs[0].lines[0].tax_amounts;
  BOOST_TEST_REQUIRE(t.size() == 2U);
  BOOST_TEST(t[0].tax_rate == "vat");
  BOOST_TEST(t[0].amount == 1000);
  BOOST_TEST(t[0].taxable_amount == 10000);
  BOOST_TEST(t[1].amount == 500);
  // A credit line is taxed alike: -11 holds -1 of VAT, and -10 * 5% = -0.5 rounds to -1.
  const auto& c = invs[0].lines[1].tax_amounts;
  BOOST_TEST_REQUIRE(c.size() == 2U);
  BOOST_TEST(c[0].amount == -1);
  BOOST_TEST(c[1].amount == -1);
  BOOST_TEST(invs[0].subtotal == 10989);
  BOOST_TEST(invs[0].tax == 1000 + 500 - 1 - 1);
  BOOST_TEST(invs[0].total == 10989 + 500 - 1);
  BOOST_TEST(invs[0].total_excluding_tax == invs[0].total - invs[0].tax);
}

// B12: an item's own rates replace the subscription's; an empty list is Stripe's "not set".
BOOST_AUTO_TEST_CASE(an_items_tax_rates_replace_the_defaults_unless_empty) {
  auto p = one_subscription({licensed("price_0", 1000), licensed("price_1", 1000)});
  p.tax_rates = {mk::tax_rate{.id = "a", .percentage = mk::decimal::from_integer(10)},
                 mk::tax_rate{.id = "b", .percentage = mk::decimal::from_integer(20)}};
  p.subscriptions[0].default_tax_rates = {"a"};
  p.subscriptions[0].items[0].tax_rates = std::vector<std::string>{"b"};
  p.subscriptions[0].items[1].tax_rates = std::vector<std::string>{};
  const mk::compiled_plan cp(p);
  std::vector<mk::invoice> invs{invoice_of(at("2025-01-01T00:00:00Z"), {1000, 1000})};
  mk::apply_after_pricing(cp, invs);
  BOOST_TEST(invs[0].lines[0].tax_amounts.at(0).tax_rate == "b");
  BOOST_TEST(invs[0].lines[1].tax_amounts.at(0).tax_rate == "a");
  BOOST_TEST(invs[0].tax == 300);
}

// B13: the balance per customer and currency, in creation order.
BOOST_AUTO_TEST_CASE(the_customer_balance_carries_from_invoice_to_invoice) {
  auto p = one_subscription({licensed("price_0", 1000)});
  p.balances = {mk::customer_balance{.customer = "cus_1", .balance = -2500}};
  const mk::compiled_plan cp(p);
  struct step {
    std::int64_t total;
    std::int64_t due;
    std::int64_t ending;
  };
  const std::vector<step> steps = {
      {1000, 0, -1500},  // credit covers it
      {0, 0, -1500},     // a zero invoice leaves the balance alone
      {2000, 500, 0},    // the rest of the credit, then due
      {-700, 0, -700},   // a negative total becomes credit
      {300, 0, -400},   {1000, 600, 0},
  };
  std::vector<mk::invoice> invs;
  const mk::billing_cycle<> months(at("2025-01-01T00:00:00Z"),
                                   mk::billing_interval{mk::interval_unit::month, 1});
  for (std::size_t k = 0; k < steps.size(); ++k)
    invs.push_back(invoice_of(months.boundary(static_cast<std::int64_t>(k)), {steps[k].total}));
  invs.push_back(invoice_of(months.boundary(9), {100}, "cus_1", "eur"));  // another currency
  mk::apply_after_pricing(cp, invs);
  std::int64_t before = -2500;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    BOOST_TEST_CONTEXT("invoice " << k) {
      BOOST_TEST(invs[k].starting_balance == before);
      BOOST_TEST(invs[k].amount_due == steps[k].due);
      BOOST_TEST(invs[k].ending_balance == steps[k].ending);
    }
    before = steps[k].ending;
  }
  BOOST_TEST(invs.back().starting_balance == 0);
  BOOST_TEST(invs.back().amount_due == 100);
}

// A plan with no discount, tax rate or balance: every invoice's total is the sum of its lines, as
// before B11-B13; a positive total is due as it is.
BOOST_AUTO_TEST_CASE(without_after_pricing_objects_the_total_is_the_sum_of_the_lines) {
  const mk::compiled_plan cp(meterkit::test_seat_plan::seat_and_usage_plan());
  BOOST_TEST(!cp.source().adjusts_after_pricing());
  const auto invoices = mk::invoices_as_of(
      cp, at("2025-06-15T00:00:00Z"), [](std::size_t item, const mk::period& per, mk::timestamp) {
        return static_cast<std::int64_t>(item) * 7 + per.start.time_since_epoch().count() % 5;
      });
  BOOST_TEST_REQUIRE(!invoices.empty());
  for (const auto& inv : invoices) {
    std::int64_t sum = 0;
    for (const auto& l : inv.lines) {
      sum += l.amount;
      BOOST_TEST(l.discount_amounts.empty());
      BOOST_TEST(l.tax_amounts.empty());
    }
    BOOST_TEST(inv.total == sum);
    BOOST_TEST(inv.subtotal == sum);
    BOOST_TEST(inv.total_excluding_tax == sum);
    BOOST_TEST(inv.amount_due == sum);
  }
}

// B11-B13 on a plan that does not hold together: refused, naming the field.
BOOST_AUTO_TEST_CASE(unusable_coupons_tax_rates_and_balances_are_refused_by_field) {
  struct row {
    const char* field;
    void (*change)(mk::plan&);
  };
  const std::vector<row> rows = {
      {"coupons[0]", [](mk::plan& p) { p.coupons[0].amount_off = 5; }},
      {"coupons[0].percent_off",
       [](mk::plan& p) { p.coupons[0].percent_off = mk::decimal::from_integer(101); }},
      {"coupons[0].percent_off", [](mk::plan& p) { p.coupons[0].percent_off = mk::decimal{}; }},
      {"coupons[0].duration_in_months",
       [](mk::plan& p) { p.coupons[0].duration = mk::coupon_duration::repeating; }},
      {"coupons[0].duration_in_months", [](mk::plan& p) { p.coupons[0].duration_in_months = 3; }},
      {"coupons[1].id", [](mk::plan& p) { p.coupons.push_back(p.coupons[0]); }},
      {"subscriptions[0].discounts[0].coupon",
       [](mk::plan& p) { p.subscriptions[0].discounts[0].coupon = "nope"; }},
      {"subscriptions[0].discounts[0].end",
       [](mk::plan& p) { p.subscriptions[0].discounts[0].end = p.subscriptions[0].start_date; }},
      {"subscriptions[0].discounts[0].start",
       [](mk::plan& p) { p.coupons[0].redeem_by = at("2024-12-31T00:00:00Z"); }},
      {"subscriptions[0].discounts[1].coupon",
       [](mk::plan& p) {
         p.coupons[0].max_redemptions = 1;
         p.subscriptions[0].discounts.push_back(p.subscriptions[0].discounts[0]);
       }},
      {"subscriptions[0].items[0].discounts[0].coupon",
       [](mk::plan& p) {
         p.coupons.push_back(mk::coupon{.id = "eur", .amount_off = 5, .currency = mk::currency("eur")});
         p.subscriptions[0].items[0].discounts = {mk::discount{.coupon = "eur"}};
       }},
      {"tax_rates[0].percentage",
       [](mk::plan& p) { p.tax_rates[0].percentage = mk::decimal::from_integer(-1); }},
      {"subscriptions[0].default_tax_rates[0]",
       [](mk::plan& p) { p.subscriptions[0].default_tax_rates = {"x"}; }},
      {"subscriptions[0].items[0].tax_rates[1]",
       [](mk::plan& p) {
         p.subscriptions[0].items[0].tax_rates = std::vector<std::string>{"vat", "vat"};
       }},
      {"balances[1].balance", [](mk::plan& p) { p.balances.push_back(p.balances[0]); }},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.field) {
      auto p = one_subscription({licensed("price_0", 1000)});
      p.coupons = {percent("c", 10)};
      p.tax_rates = {mk::tax_rate{.id = "vat", .percentage = mk::decimal::from_integer(20)}};
      p.balances = {mk::customer_balance{.customer = "cus_1", .balance = 5}};
      p.subscriptions[0].discounts = {mk::discount{.coupon = "c"}};
      mk::validate(p);  // the base plan is fine
      r.change(p);
      try {
        mk::validate(p);
        BOOST_ERROR("accepted");
      } catch (const mk::configuration_error& e) {
        BOOST_TEST(e.field() == r.field);
      }
    }
  }
}

// A snapshot is tied to its plan: a change to a coupon, a discount, a tax rate or a balance makes
// another fingerprint, so a snapshot is never restored under different discounts.
BOOST_AUTO_TEST_CASE(the_plan_fingerprint_covers_discounts_tax_rates_and_balances) {
  auto p = one_subscription({licensed("price_0", 1000, "prod_a")});
  p.coupons = {percent("c", 10)};
  p.tax_rates = {mk::tax_rate{.id = "vat", .percentage = mk::decimal::from_integer(20)}};
  p.balances = {mk::customer_balance{.customer = "cus_1", .balance = -5}};
  p.subscriptions[0].discounts = {mk::discount{.coupon = "c"}};
  p.subscriptions[0].default_tax_rates = {"vat"};
  const auto base = mk::plan_fingerprint(p);
  const std::vector<void (*)(mk::plan&)> changes = {
      [](mk::plan& q) { q.coupons[0].percent_off = mk::decimal::from_integer(11); },
      [](mk::plan& q) { q.coupons[0].duration = mk::coupon_duration::once; },
      [](mk::plan& q) { q.tax_rates[0].inclusive = true; },
      [](mk::plan& q) { q.balances[0].balance = -6; },
      [](mk::plan& q) { q.subscriptions[0].discounts[0].end = at("2025-03-01T00:00:00Z"); },
      [](mk::plan& q) { q.subscriptions[0].default_tax_rates.clear(); },
      [](mk::plan& q) { q.subscriptions[0].items[0].tax_rates = std::vector<std::string>{"vat"}; },
      [](mk::plan& q) { q.prices[0].product = "prod_b"; },
  };
  for (std::size_t k = 0; k < changes.size(); ++k) {
    auto q = p;
    changes[k](q);
    BOOST_TEST(mk::plan_fingerprint(q) != base, "change " << k);
  }
}

// B15 (a meterkit extension): the invoice closing a period bills what the period's lines net
// after discounts short of the minimum, as one true-up line; table-driven over usage, discounts,
// taxes, stubs and trials. The seat plan: seat 10.00 licensed, API calls at 0.02, legacy at 0.01.
BOOST_AUTO_TEST_CASE(a_minimum_spend_is_made_up_by_a_true_up_on_the_invoice_closing_the_period) {
  struct row {
    const char* name;
    std::int64_t api_calls;                 // per period, on the meter item
    std::int64_t expected_true_up;          // on the invoice of 2025-02-01, for January; -1: none
    std::int64_t expected_true_up_tax = 0;  // B12 on the true-up
    void (*change)(mk::plan&) = nullptr;
  };
  const std::vector<row> rows = {
      // 10.00 seat + 1,000 × 0.02 = 30.00 of 50.00: 20.00 more
      {"below", 1000, 2000},
      {"no usage", 0, 4000},
      {"exactly the minimum: no line", 2000, -1},
      {"above", 5000, -1},
      // 10 % off: 9.00 + 18.00 = 27.00; the true-up itself is not discounted
      {"after discounts", 1000, 2300, 0,
       [](mk::plan& p) {
         p.coupons = {percent("ten", 10)};
         p.subscriptions[0].discounts = {mk::discount{.coupon = "ten"}};
       }},
      // taxed at the subscription's default rates: 10 % of 20.00
      {"taxed", 1000, 2000, 200,
       [](mk::plan& p) {
         p.tax_rates = {mk::tax_rate{.id = "vat", .percentage = mk::decimal::from_integer(10)}};
         p.subscriptions[0].default_tax_rates = {"vat"};
       }},
      // anchored on Jan 15: January 1-15 is a stub of 14 of 31 days: minimum 5000 × 14/31 = 2258,
      // seat 1000 × 14/31 = 452, API calls 20.00 → above; the stub invoice is on Jan 15
      {"stub period prorated", 1000, -1, 0,
       [](mk::plan& p) { p.subscriptions[0].billing_cycle_anchor = at("2025-01-15T00:00:00Z"); }},
      // a trial period has no minimum
      {"trial", 0, -1, 0, [](mk::plan& p) { p.subscriptions[0].trial_end = at("2025-02-01T00:00:00Z"); }},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      auto p = meterkit::test_seat_plan::seat_and_usage_plan();
      p.subscriptions[0].minimum_spend = 5000;
      if (r.change) r.change(p);
      mk::validate(p);
      const mk::compiled_plan cp(p);
      const auto api = *cp.item_index("si_api");
      const auto quantities = [&](std::size_t item, const mk::period&, mk::timestamp) {
        return item == api ? r.api_calls : std::int64_t{0};
      };
      auto invoices = mk::invoices_as_of(cp, at("2025-03-15T00:00:00Z"), quantities);
      const auto again = invoices;
      mk::apply_after_pricing(cp, invoices);  // made again, not added twice
      BOOST_TEST((invoices == again));
      for (const auto& inv : invoices) {
        std::int64_t true_ups = 0;
        for (const auto& l : inv.lines) {
          if (!l.minimum_true_up) continue;
          ++true_ups;
          BOOST_TEST(l.subscription_item.empty());
          BOOST_TEST(l.price.empty());
          BOOST_TEST(l.discount_amounts.empty());
          BOOST_TEST((inv.minimum && l.service_period == inv.minimum->service_period));
          if (inv.created == at("2025-02-01T00:00:00Z")) {
            BOOST_TEST(l.amount == r.expected_true_up);
            std::int64_t tax = 0;
            for (const auto& t : l.tax_amounts) tax += t.amount;
            BOOST_TEST(tax == r.expected_true_up_tax);
          }
        }
        BOOST_TEST(true_ups <= 1);
        if (inv.created == at("2025-02-01T00:00:00Z") && std::string(r.name) != "stub period prorated")
          BOOST_TEST(true_ups == (r.expected_true_up < 0 ? 0 : 1));
        if (inv.reason == mk::billing_reason::subscription_create) BOOST_TEST(!inv.minimum.has_value());
      }
      if (std::string(r.name) == "stub period prorated") {
        const auto stub = std::find_if(invoices.begin(), invoices.end(), [](const mk::invoice& inv) {
          return inv.created == at("2025-01-15T00:00:00Z");
        });
        BOOST_TEST_REQUIRE((stub != invoices.end() && stub->minimum.has_value()));
        BOOST_TEST(stub->minimum->amount == 2258);
      }
    }
  }
}

// B15: a minimum that is not above 0 is refused, naming the field; the fingerprint covers it.
BOOST_AUTO_TEST_CASE(a_minimum_spend_is_validated_and_fingerprinted) {
  auto p = meterkit::test_seat_plan::seat_and_usage_plan();
  const auto without = mk::plan_fingerprint(p);
  p.subscriptions[0].minimum_spend = 5000;
  mk::validate(p);
  const auto with = mk::plan_fingerprint(p);
  BOOST_TEST(with != without);
  p.subscriptions[0].minimum_spend = 5001;
  BOOST_TEST(mk::plan_fingerprint(p) != with);
  for (const std::int64_t bad : {std::int64_t{0}, std::int64_t{-1}}) {
    p.subscriptions[0].minimum_spend = bad;
    try {
      mk::validate(p);
      BOOST_ERROR("accepted " << bad);
    } catch (const mk::configuration_error& e) {
      BOOST_TEST(e.field() == "subscriptions[0].meterkit.minimum_spend");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
