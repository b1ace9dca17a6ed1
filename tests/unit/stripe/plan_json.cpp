// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/plan_json.hpp>

#include <string>
#include <vector>

using namespace meterkit;

namespace {
/// CONTRACT.md's example plan.
const std::string contract_plan = R"({
  "meters": [{"id": "mtr_api", "event_name": "api_requests", "display_name": "API requests",
              "default_aggregation": {"formula": "sum"},
              "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
              "value_settings": {"event_payload_key": "value"},
              "event_time_window": null, "status": "active"}],
  "prices": [{"id": "price_api", "currency": "usd", "billing_scheme": "tiered",
              "tiers_mode": "graduated",
              "tiers": [{"up_to": 1000, "unit_amount_decimal": "5", "flat_amount": 0},
                        {"up_to": "inf", "unit_amount": 3}],
              "transform_quantity": null,
              "recurring": {"interval": "month", "interval_count": 1,
                            "usage_type": "metered", "meter": "mtr_api"}}],
  "subscriptions": [{"id": "sub_1", "customer": "cus_1", "start_date": 1735689600,
                     "billing_cycle_anchor": 1735689600, "trial_end": null,
                     "items": [{"id": "si_1", "price": "price_api"}]}],
  "settings": {"invoice_finalization_delay": 3600, "legacy_grace_period": 300,
               "rounding": "half_away_from_zero"}
})";

/// `contract_plan` with a second meter that no price bills.
std::string contract_plan_with_extra_meter();

/// `contract_plan` with the first occurrence of `from` replaced by `to`.
std::string edited(const std::string& from, const std::string& to) {
  std::string text = contract_plan;
  const auto at = text.find(from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, "the example plan has no " << from);
  return text.replace(at, from.size(), to);
}

std::string contract_plan_with_extra_meter() {
  std::string text = contract_plan;
  const auto at = text.find("\"meters\": [");
  BOOST_REQUIRE(at != std::string::npos);
  const auto close = text.find("}]", at);  // the end of the first meter... and of its list
  BOOST_REQUIRE(close != std::string::npos);
  return text.insert(close + 1, R"(, {"id": "mtr_unused", "event_name": "unused_events"})");
}

input_error error_of(const std::string& text) {
  try {
    (void)read_plan_text(text, "plan.json");
  } catch (const input_error& e) {
    return e;
  }
  BOOST_FAIL("expected an input_error");
  return input_error("", {}, "");
}

/// The position of the first occurrence of `marker` in `text` at or after `from`.
text_position position_of(const std::string& text, const std::string& marker, std::size_t from = 0) {
  return detail::advance_position(text, text.find(marker, from));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(stripe_plan_json)

BOOST_AUTO_TEST_CASE(M1_the_contract_plan_reads_into_meters_prices_and_subscriptions) {
  const plan p = read_plan_text(contract_plan, "plan.json");
  BOOST_REQUIRE(p.meters.size() == 1u);
  const auto& m = p.meters[0];
  BOOST_TEST(m.id == "mtr_api");
  BOOST_TEST(m.event_name == "api_requests");
  BOOST_TEST(m.display_name == "API requests");
  BOOST_TEST((m.formula == formula_kind::sum));
  BOOST_TEST(m.customer_key == "stripe_customer_id");
  BOOST_TEST(m.value_key == "value");
  BOOST_TEST((m.event_time_window == window_kind::none));
  BOOST_TEST(m.active);
  BOOST_REQUIRE(p.prices.size() == 1u);
  const auto& pr = p.prices[0];
  BOOST_TEST(pr.id == "price_api");
  BOOST_TEST(pr.currency.code() == "usd");
  BOOST_TEST((pr.billing_scheme == billing_scheme::tiered));
  BOOST_TEST((pr.tiers_mode == std::optional(tiers_mode::graduated)));
  BOOST_REQUIRE(pr.tiers.size() == 2u);
  BOOST_TEST((pr.tiers[0].up_to == std::optional<std::int64_t>(1000)));
  BOOST_TEST((pr.tiers[0].unit_amount == std::optional(decimal::from_integer(5))));
  BOOST_TEST((pr.tiers[0].flat_amount == std::optional(decimal::from_integer(0))));
  BOOST_TEST(!pr.tiers[1].up_to.has_value());
  BOOST_TEST(!pr.transform_quantity.has_value());
  BOOST_TEST((pr.recurring.interval.unit == interval_unit::month));
  BOOST_TEST(pr.recurring.interval.count == 1);
  BOOST_TEST((pr.recurring.usage_type == usage_type::metered));
  BOOST_TEST((pr.recurring.meter == std::optional<std::string>("mtr_api")));
  BOOST_REQUIRE(p.subscriptions.size() == 1u);
  const auto& s = p.subscriptions[0];
  BOOST_TEST(s.id == "sub_1");
  BOOST_TEST(s.customer == "cus_1");
  BOOST_TEST(to_unix(s.start_date) == 1735689600);
  BOOST_TEST((s.billing_cycle_anchor == std::optional(from_unix(1735689600))));
  BOOST_TEST(!s.trial_end.has_value());
  BOOST_REQUIRE(s.items.size() == 1u);
  BOOST_TEST(s.items[0].id == "si_1");
  BOOST_TEST(s.items[0].price == "price_api");
  BOOST_TEST(s.items[0].quantity == 1);
  BOOST_TEST(p.settings.invoice_finalization_delay.count() == 3600);
  BOOST_TEST(p.settings.legacy_grace_period.count() == 300);
  BOOST_TEST((p.settings.rounding == rounding_mode::half_away_from_zero));
}

BOOST_AUTO_TEST_CASE(D6_a_plan_that_is_not_an_object_is_refused_by_its_kind_even_a_byte_order_mark_alone) {
  // What is not an object is read, not built; a byte order mark alone (nothing after it) is the
  // end of input it is, found by fuzzing when the reader looked past it.
  BOOST_TEST(error_of("\xef\xbb\xbf").message().find("unexpected end of input") != std::string::npos);
  BOOST_TEST(error_of("\xef\xbb\xbf  \n").message().find("unexpected end of input") != std::string::npos);
  BOOST_TEST(error_of("[{}, {}, [1]]").message().find("found an array") != std::string::npos);
  BOOST_TEST(error_of(" 7").column() == 2u);
}

BOOST_AUTO_TEST_CASE(D9_defaults_apply_to_what_is_left_out) {
  const plan p = read_plan_text(R"({
    "meters": [{"id": "m", "event_name": "e"}],
    "prices": [{"id": "p", "currency": "EUR", "unit_amount": 100, "recurring": {"interval": "year"}}],
    "subscriptions": [{"id": "s", "customer": "c", "start_date": "2025-01-31T00:00:00Z", "items": [{"id": "i", "price": "p"}]}]
  })",
                                "plan.json");
  BOOST_TEST((p.meters[0].formula == formula_kind::sum));
  BOOST_TEST(p.meters[0].customer_key == "stripe_customer_id");
  BOOST_TEST(p.meters[0].value_key == "value");
  BOOST_TEST(p.meters[0].active);
  const auto& pr = p.prices[0];
  BOOST_TEST(pr.currency.code() == "eur");  // D25: lower case
  BOOST_TEST((pr.billing_scheme == billing_scheme::per_unit));
  BOOST_TEST((pr.recurring.usage_type == usage_type::licensed));
  BOOST_TEST(pr.recurring.interval.count == 1);
  BOOST_TEST((pr.unit_amount == std::optional(decimal::from_integer(100))));
  BOOST_TEST(p.subscriptions[0].items[0].quantity == 1);
  BOOST_TEST(to_unix(p.subscriptions[0].start_date) == 1738281600);
  BOOST_TEST(p.settings.invoice_finalization_delay.count() == 3600);
  BOOST_TEST(p.customers.empty());
}

BOOST_AUTO_TEST_CASE(D8_the_decimal_form_wins_over_the_integer_form) {
  const plan p = read_plan_text(
      edited(R"("unit_amount_decimal": "5")", R"("unit_amount": 9, "unit_amount_decimal": "0.25")"),
      "plan.json");
  BOOST_TEST((p.prices[0].tiers[0].unit_amount == std::optional(*parse_decimal("0.25"))));
}

BOOST_AUTO_TEST_CASE(D10_customers_are_ids_or_objects_with_an_id) {
  const plan p = read_plan_text(
      edited(R"("settings")", R"("customers": ["cus_2", {"id": "cus_3", "email": "x"}], "settings")"),
      "plan.json");
  BOOST_TEST(p.customers == (std::vector<std::string>{"cus_2", "cus_3"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(M1_stripe_objects_paste_unchanged_with_lists_and_expanded_prices) {
  const plan p = read_plan_text(R"({
    "meters": {"object": "list", "data": [{"id": "m", "object": "billing.meter", "event_name": "e",
               "created": 1, "livemode": false, "status_transitions": {"deactivated_at": null},
               "event_time_window": "hour", "default_aggregation": {"formula": "last"}, "status": "inactive"}],
               "has_more": false, "url": "/v1/billing/meters"},
    "subscriptions": [{"id": "s", "object": "subscription", "customer": {"id": "cus_9", "object": "customer"},
      "start_date": 1735689600, "trial_end": 1736294400,
      "items": {"object": "list", "data": [{"id": "si_1", "quantity": 3,
        "price": {"id": "seat", "object": "price", "currency": "usd", "unit_amount": 1000, "type": "recurring",
                  "recurring": {"interval": "month", "interval_count": 1, "usage_type": "licensed",
                                "aggregate_usage": null, "meter": null, "trial_period_days": null}}}]}}]
  })",
                                "plan.json");
  BOOST_TEST((p.meters[0].event_time_window == window_kind::hour));
  BOOST_TEST((p.meters[0].formula == formula_kind::last));
  BOOST_TEST(!p.meters[0].active);
  BOOST_TEST(p.subscriptions[0].customer == "cus_9");
  BOOST_TEST((p.subscriptions[0].trial_end == std::optional(from_unix(1736294400))));
  BOOST_TEST(p.subscriptions[0].items[0].quantity == 3);
  BOOST_TEST(p.subscriptions[0].items[0].price == "seat");
  BOOST_REQUIRE(p.prices.size() == 1u);  // the expanded price joins the plan's prices
  BOOST_TEST(p.prices[0].id == "seat");
}

BOOST_AUTO_TEST_CASE(D6_wrong_types_and_unknown_words_are_refused_at_the_value) {
  struct row {
    std::string from, to;  ///< an edit of the example plan
    std::string at;        ///< the error points at the first occurrence of this text from the edit on
    std::string contains;
  };
  const row rows[] = {
      {R"("formula": "sum")", R"("formula": "avg")", "\"avg\"",
       "meters[0].default_aggregation.formula: unknown value"},
      {R"("event_time_window": null)", R"("event_time_window": "week")", "\"week\"",
       "meters[0].event_time_window"},
      {R"("status": "active")", R"("status": "archived")", "\"archived\"", "meters[0].status"},
      {R"("type": "by_id")", R"("type": "by_email")", "\"by_email\"", "expected by_id"},
      {R"("currency": "usd")", R"("currency": "dollars")", "\"dollars\"", "not a currency code"},
      {R"("currency": "usd", )", "", R"({"id": "price_api")", "missing \"currency\""},
      {R"("tiers_mode": "graduated")", R"("tiers_mode": "stairs")", "\"stairs\"", "prices[0].tiers_mode"},
      {R"("up_to": 1000)", R"("up_to": "1000")", "\"1000\"", "prices[0].tiers[0].up_to: expected an integer"},
      {R"("unit_amount_decimal": "5")", R"("unit_amount_decimal": 5)", "5, \"flat",
       "expected a decimal string"},
      {R"("unit_amount_decimal": "5")", R"("unit_amount_decimal": "-5")", "\"-5\"", "unit_amount_decimal"},
      {R"("unit_amount": 3)", R"("unit_amount": 3.5)", "3.5",
       "prices[0].tiers[1].unit_amount: expected an integer"},
      {R"("transform_quantity": null)", R"("transform_quantity": 10)", "10,", "transform_quantity"},
      {R"("interval": "month")", R"("interval": "fortnight")", "\"fortnight\"", "recurring.interval"},
      {R"("interval_count": 1)", R"("interval_count": 0)", "0,", "recurring.interval_count"},
      {R"("usage_type": "metered")", R"("usage_type": "tiered")", "\"tiered\"", "recurring.usage_type"},
      {R"("meter": "mtr_api"}}])", R"("aggregate_usage": "average"}}])", "\"average\"",
       "prices[0].recurring.aggregate_usage: unknown value \"average\"; expected sum, last_during_period"},
      {R"("start_date": 1735689600)", R"("start_date": "soon")", "\"soon\"", "subscriptions[0].start_date"},
      {R"("trial_end": null)", R"("trial_end": -1)", "-1", "subscriptions[0].trial_end"},
      {R"("items": [)", R"("items": 5, "x": [)", "5,", "subscriptions[0].items: expected subscription items"},
      {R"("rounding": "half_away_from_zero")", R"("rounding": "bankers")", "\"bankers\"",
       "settings.rounding"},
      {R"("legacy_grace_period": 300)", R"("legacy_grace_period": 300, "grace": 1)", "1,",
       "settings.grace: unknown setting"},
      {R"("meters": [)", R"("meters": "all", "x": [)", "\"all\"", "meters: expected meters"},
      {R"("trial_end": null)", R"("trial_end": null, "status": "cancelled")", "\"cancelled\"",
       "subscriptions[0].status: unknown value \"cancelled\""},
      {R"("trial_end": null)", R"("trial_end": null, "cancel_at_period_end": "yes")", "\"yes\"",
       "subscriptions[0].cancel_at_period_end: expected true or false"},
      {R"("trial_end": null)", R"("trial_end": null, "billing_mode": {"type": "mixed"})", "\"mixed\"",
       "subscriptions[0].billing_mode.type: unknown value"},
      {R"("trial_end": null)", R"("trial_end": null, "ended_at": "later")", "\"later\"",
       "subscriptions[0].ended_at"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.to) {
      const std::string text = edited(r.from, r.to);
      const auto e = error_of(text);
      const auto want = position_of(text, r.at, text.find(r.to));
      BOOST_TEST(e.file() == "plan.json");
      BOOST_TEST(e.line() == want.line);
      BOOST_TEST(e.column() == want.column);
      BOOST_TEST(e.message().find(r.contains) != std::string::npos, e.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(D11_an_invalid_plan_is_refused_at_the_field_it_names) {
  struct row {
    std::string from, to;
    std::string at;
    std::string contains;
  };
  const row rows[] = {
      {R"("up_to": "inf")", R"("up_to": 500)", "500", "prices[0].tiers[1].up_to"},
      {R"("price": "price_api")", R"("price": "price_x")", "\"price_x\"", "subscriptions[0].items[0].price"},
      {R"("meter": "mtr_api")", R"("meter": "mtr_x")", "\"mtr_x\"", "prices[0].recurring.meter"},
      {R"("transform_quantity": null)", R"("transform_quantity": {"divide_by": 10, "round": "up"})",
       "{\"divide_by\"", "transform_quantity"},
      {R"([{"id": "si_1", "price": "price_api"}])", "[]", "[]", "subscriptions[0].items"},
      {R"("invoice_finalization_delay": 3600)", R"("invoice_finalization_delay": -1)", "-1",
       "settings.invoice_finalization_delay"},
      {R"("trial_end": null)", R"("trial_end": null, "status": "paused")", "\"paused\"",
       "subscriptions[0].status: \"paused\" is not modelled"},
      {R"("trial_end": null)", R"("trial_end": null, "cancel_at": 1735689600)", "1735689600",
       "subscriptions[0].cancel_at: must be after start_date (B6)"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.to) {
      const std::string text = edited(r.from, r.to);
      const auto e = error_of(text);
      const auto want = position_of(text, r.at, text.find(r.to));
      BOOST_TEST(e.line() == want.line);
      BOOST_TEST(e.column() == want.column);
      BOOST_TEST(e.message().find(r.contains) != std::string::npos, e.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(B6_an_absent_end_field_is_reported_at_its_subscription) {
  const std::string text = edited(R"("trial_end": null)", R"("trial_end": null, "status": "canceled")");
  const auto e = error_of(text);
  const auto want = position_of(text, R"({"id": "sub_1")");
  BOOST_TEST(e.line() == want.line);
  BOOST_TEST(e.column() == want.column);
  BOOST_TEST(
      e.message().find("subscriptions[0].ended_at: a subscription with status \"canceled\" needs ended_at") !=
          std::string::npos,
      e.message());
}

BOOST_AUTO_TEST_CASE(B6_a_pasted_subscription_says_how_it_ends) {
  const plan p = read_plan_text(edited(R"("trial_end": null)", R"("trial_end": null, "status": "canceled",
      "cancel_at": null, "cancel_at_period_end": true, "canceled_at": 1739000000, "ended_at": 1740787200,
      "billing_mode": {"type": "flexible", "flexible": {"proration_discounts": "included"}})"),
                                "plan.json");
  const auto& s = p.subscriptions.at(0);
  BOOST_TEST((s.status == subscription_status::canceled));
  BOOST_TEST(!s.cancel_at.has_value());
  BOOST_TEST(s.cancel_at_period_end);
  BOOST_TEST(to_unix(*s.canceled_at) == 1739000000);
  BOOST_TEST(to_unix(*s.ended_at) == 1740787200);
  BOOST_TEST((s.billing_mode == billing_mode_type::flexible));
  const plan plain = read_plan_text(
      edited(R"("trial_end": null)", R"("trial_end": null, "billing_mode": "classic")"), "plan.json");
  BOOST_TEST((plain.subscriptions.at(0).billing_mode == billing_mode_type::classic));
  BOOST_TEST(!plain.subscriptions.at(0).status.has_value());
}

BOOST_AUTO_TEST_CASE(D11_a_missing_unit_amount_points_at_the_price) {
  const std::string text =
      R"({"prices": [{"id": "p", "currency": "usd", "recurring": {"interval": "month"}}]})";
  const auto e = error_of(text);
  BOOST_TEST(e.column() == text.find("{\"id\": \"p\"") + 1);
  BOOST_TEST(e.message().find("prices[0].unit_amount") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(D6_an_empty_truncated_or_non_object_plan_is_unusable) {
  BOOST_TEST(error_of("").message().find("the file is empty") != std::string::npos);
  BOOST_TEST(error_of(" \n ").message().find("the file is empty") != std::string::npos);
  BOOST_TEST(error_of("[]").message().find("expected a plan") != std::string::npos);
  const auto truncated = error_of(contract_plan.substr(0, 300));
  BOOST_TEST(truncated.message().find("invalid JSON") != std::string::npos);
  BOOST_TEST(truncated.line() == 5u);
  BOOST_TEST(read_plan_text("\xEF\xBB\xBF{}", "bom.json").meters.empty());
}

BOOST_AUTO_TEST_CASE(D11_field_names_parse_into_steps) {
  const auto steps = field_path_steps("subscriptions[0].items[12].price");
  BOOST_REQUIRE(steps.size() == 5u);
  BOOST_TEST(steps[0].key == "subscriptions");
  BOOST_TEST((steps[1].index == std::optional<std::size_t>(0)));
  BOOST_TEST((steps[3].index == std::optional<std::size_t>(12)));
  BOOST_TEST(steps[4].key == "price");
  BOOST_TEST(field_path_steps("meters[mtr_1].event_name").size() == 1u);  // not an index: stop there
  BOOST_TEST(field_path_steps("").empty());
}

// B11-B13: coupons, discounts (by id, or with an expanded coupon), tax rates (listed or expanded),
// a price's product (an id or an expanded product) and a customer's balance, as Stripe writes them.
BOOST_AUTO_TEST_CASE(B11_B13_coupons_discounts_tax_rates_and_balances_read_as_stripe_writes_them) {
  const plan p = read_plan_text(R"({
    "prices": [{"id": "price_1", "currency": "usd", "unit_amount": 100, "product": {"id": "prod_1"},
                "recurring": {"interval": "month"}}],
    "coupons": [{"id": "c_listed", "percent_off": 12.5, "duration": "forever"}],
    "tax_rates": [{"id": "txr_1", "percentage": 8.25, "inclusive": false}],
    "customers": [{"id": "cus_1", "balance": -500, "currency": "usd"}, {"id": "cus_2", "balance": 0}],
    "subscriptions": [{"id": "sub_1", "customer": "cus_1", "start_date": 1735689600,
      "discounts": ["c_listed", {"coupon": {"id": "c_expanded", "amount_off": 300, "currency": "usd",
                                             "duration": "repeating", "duration_in_months": 2},
                                  "start": 1735689600, "end": null}],
      "default_tax_rates": [{"id": "txr_2", "percentage": "20", "inclusive": true}],
      "items": {"object": "list", "data": [{"id": "si_1", "price": "price_1", "tax_rates": ["txr_1"],
                                            "discounts": [], "discount": null}]}}]
  })",
                                "plan.json");
  BOOST_TEST(*p.prices[0].product == "prod_1");
  BOOST_TEST_REQUIRE(p.coupons.size() == 2u);
  BOOST_TEST(p.coupons[0].percent_off->to_string() == "12.5");
  BOOST_TEST(p.coupons[1].id == "c_expanded");
  BOOST_TEST(*p.coupons[1].amount_off == 300);
  BOOST_TEST(*p.coupons[1].duration_in_months == 2);
  BOOST_TEST_REQUIRE(p.tax_rates.size() == 2u);
  BOOST_TEST(p.tax_rates[1].id == "txr_2");
  BOOST_TEST(p.tax_rates[1].inclusive);
  const auto& s = p.subscriptions[0];
  BOOST_TEST_REQUIRE(s.discounts.size() == 2u);
  BOOST_TEST(s.discounts[0].coupon == "c_listed");
  BOOST_TEST(s.discounts[1].coupon == "c_expanded");
  BOOST_TEST(to_unix(*s.discounts[1].start) == 1735689600);
  BOOST_TEST(!s.discounts[1].end);
  BOOST_TEST(s.default_tax_rates == std::vector<std::string>{"txr_2"}, boost::test_tools::per_element());
  BOOST_TEST(s.items[0].tax_rates->at(0) == "txr_1");
  BOOST_TEST(s.items[0].discounts.empty());
  BOOST_TEST_REQUIRE(p.balances.size() == 1u);  // a balance of 0 changes nothing
  BOOST_TEST(p.balances[0].customer == "cus_1");
  BOOST_TEST(p.balances[0].balance == -500);
  BOOST_TEST(p.adjusts_after_pricing());
}

BOOST_AUTO_TEST_CASE(B11_B12_unusable_coupons_and_tax_rates_are_refused_at_the_value) {
  const auto refused = [](const char* text, const char* expected) {
    try {
      (void)read_plan_text(text, "plan.json");
      BOOST_ERROR("accepted: " << text);
    } catch (const input_error& e) {
      BOOST_TEST(std::string(e.what()).find(expected) != std::string::npos, e.what());
    }
  };
  refused(R"({"coupons": [{"id": "c", "percent_off": true}]})",
          "coupons[0].percent_off: expected a percentage");
  refused(R"({"coupons": [{"id": "c", "percent_off": 10, "duration": "weekly"}]})",
          "expected once, repeating or forever");
  refused(R"({"coupons": [{"id": "c", "percent_off": 10, "applies_to": {"products": 5}}]})",
          "coupons[0].applies_to.products: expected an array of product ids");
  refused(R"({"tax_rates": [{"id": "t", "inclusive": false}]})", "missing \"percentage\"");
  refused(R"({"tax_rates": [{"id": "t", "percentage": 5}]})", "missing \"inclusive\"");
  refused(R"({"tax_rates": [{"id": "t", "percentage": 5, "inclusive": false}],
              "prices": [{"id": "p", "currency": "usd", "unit_amount": 1, "recurring": {"interval": "month"}}],
              "subscriptions": [{"id": "s", "customer": "c", "start_date": 0, "default_tax_rates": ["t", 5],
                                 "items": [{"id": "i", "price": "p"}]}]})",
          "plan.json:3:106: subscriptions[0].default_tax_rates[1]: expected a tax rate id or object");
  refused(
      R"({"prices": [{"id": "p", "currency": "usd", "unit_amount": 1, "recurring": {"interval": "month"}}],
              "subscriptions": [{"id": "s", "customer": "c", "start_date": 0, "discounts": ["di_1Abc"],
                                 "items": [{"id": "i", "price": "p"}]}]})",
      "no coupon has the id \"di_1Abc\"");
}

// B14: credit grants read as Stripe writes them (a list object, an expanded customer, a price
// scope), and what cannot be read is refused at the value.
BOOST_AUTO_TEST_CASE(B14_credit_grants_read_as_stripe_writes_them) {
  const std::string text = R"({
  "prices": [{"id": "p", "currency": "usd", "unit_amount": 1,
              "recurring": {"interval": "month", "usage_type": "metered", "meter": "m"}}],
  "meters": [{"id": "m", "event_name": "e"}],
  "subscriptions": [{"id": "s", "customer": "c", "start_date": 0, "items": [{"id": "i", "price": "p"}]}],
  "credit_grants": {"object": "list", "data": [
    {"id": "cg_1", "object": "billing.credit_grant", "customer": {"id": "c"},
     "amount": {"type": "monetary", "monetary": {"currency": "usd", "value": 1500}},
     "applicability_config": {"scope": {"prices": [{"id": "p"}]}}, "category": "promotional",
     "priority": 7, "effective_at": 100, "expires_at": 200, "voided_at": null, "created": 50},
    {"id": "cg_2", "customer": "c", "amount": {"monetary": {"currency": "eur", "value": 1}},
     "applicability_config": {"scope": {"price_type": "metered"}}}]}
})";
  const plan p = read_plan_text(text, "plan.json");
  BOOST_TEST_REQUIRE(p.credit_grants.size() == 2u);
  const auto& g = p.credit_grants[0];
  BOOST_TEST(g.customer == "c");
  BOOST_TEST(g.amount == 1500);
  BOOST_TEST(g.currency->code() == "usd");
  BOOST_TEST((g.category == credit_grant_category::promotional));
  BOOST_TEST(g.priority == 7);
  BOOST_TEST(to_unix(*g.effective_at) == 100);
  BOOST_TEST(to_unix(*g.expires_at) == 200);
  BOOST_TEST(!g.voided_at.has_value());
  BOOST_TEST(to_unix(*g.created) == 50);
  BOOST_TEST((g.prices == std::vector<std::string>{"p"}));
  const auto& h = p.credit_grants[1];
  BOOST_TEST(h.priority == 50);
  BOOST_TEST((h.category == credit_grant_category::paid));
  BOOST_TEST(!h.prices.has_value());
  const auto refused = [](const std::string& grant, const char* expected) {
    const std::string doc = R"({"credit_grants": [)" + grant + "]}";
    try {
      (void)read_plan_text(doc, "plan.json");
      BOOST_ERROR("accepted: " << grant);
    } catch (const input_error& e) {
      BOOST_TEST(std::string(e.what()).find(expected) != std::string::npos, e.what());
    }
  };
  refused(R"({"id": "g", "customer": "c"})", "missing \"amount\"");
  refused(R"({"id": "g", "amount": {"type": "custom_pricing_unit"}})", "expected monetary");
  refused(R"({"id": "g", "amount": {"monetary": {"currency": "usd"}}})",
          "credit_grants[0].amount.monetary: missing \"value\"");
  refused(R"({"id": "g", "amount": {"monetary": {"value": 1, "currency": "dollars"}}})",
          "not a currency code");
  refused(R"({"id": "g", "amount": {"monetary": {"value": 1}}, "priority": 101})", "between 0 and 100");
  refused(R"({"id": "g", "amount": {"monetary": {"value": 1}}, "category": "gift"})", "paid or promotional");
  refused(R"({"id": "g", "amount": {"monetary": {"value": 1}},
              "applicability_config": {"scope": {"price_type": "metered", "prices": [{"id": "p"}]}}})",
          "not both");
  refused(R"({"id": "g", "amount": {"monetary": {"value": 1}},
              "applicability_config": {"scope": {"billable_items": [{"id": "x"}]}}})",
          "billable items are not modelled");
}

// B16: billing thresholds read as Stripe writes them (null is absent); a reset of the cycle anchor
// is read, and refused at its position with an item priced last_ever, as Stripe refuses it.
BOOST_AUTO_TEST_CASE(B16_billing_thresholds_read_as_stripe_writes_them) {
  const std::string text = R"({
  "meters": [{"id": "m", "event_name": "e"}],
  "prices": [{"id": "p", "currency": "usd", "unit_amount": 1,
              "recurring": {"interval": "month", "usage_type": "metered", "meter": "m"}}],
  "subscriptions": [{"id": "s", "customer": "c", "start_date": 0,
                     "billing_thresholds": {"amount_gte": 50000, "reset_billing_cycle_anchor": false},
                     "items": [{"id": "i", "price": "p", "billing_thresholds": {"usage_gte": 10}},
                               {"id": "j", "price": "p", "billing_thresholds": null}]}]
})";
  std::vector<plan_warning> warnings;
  const plan p = read_plan_text(text, "plan.json", &warnings);
  BOOST_TEST(warnings.empty());
  BOOST_TEST((p.subscriptions[0].amount_gte == std::optional<std::int64_t>{50000}));
  BOOST_TEST(!p.subscriptions[0].reset_billing_cycle_anchor);
  BOOST_TEST((p.subscriptions[0].items[0].usage_gte == std::optional<std::int64_t>{10}));
  BOOST_TEST(!p.subscriptions[0].items[1].usage_gte.has_value());
  // With a discount, the threshold is compared after it, as Stripe does (B16): no warning.
  std::string discounted = text;
  discounted.replace(discounted.find("\"billing_thresholds\": {\"amount_gte\""), 0,
                     "\"discounts\": [\"half\"], ");
  discounted.replace(
      discounted.find("\"meters\""), 0,
      "\"coupons\": [{\"id\": \"half\", \"percent_off\": 50, \"duration\": \"forever\"}],\n  ");
  std::vector<plan_warning> discount_warnings;
  const plan with_discount = read_plan_text(discounted, "plan.json", &discount_warnings);
  BOOST_TEST(discount_warnings.empty());
  BOOST_TEST(with_discount.subscriptions[0].discounts.size() == 1u);
  std::string reset = text;
  reset.replace(reset.find("false"), 5, "true");
  BOOST_TEST(read_plan_text(reset, "plan.json", nullptr).subscriptions[0].reset_billing_cycle_anchor);
  reset.replace(reset.find(R"("meter": "m")"), 12, R"("aggregate_usage": "last_ever")");
  try {
    (void)read_plan_text(reset, "plan.json", nullptr);
    BOOST_ERROR("accepted");
  } catch (const input_error& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("plan.json:6:") == 0u, what);
    BOOST_TEST(what.find("subscriptions[0].billing_thresholds.reset_billing_cycle_anchor") !=
               std::string::npos);
    BOOST_TEST(what.find("(B16)") != std::string::npos);
  }
}

// A money field meterkit does not model is never dropped silently: a warning names it, with its
// position, and the plan is read as if it were absent.
BOOST_AUTO_TEST_CASE(B11_B13_unmodelled_money_fields_are_named_in_warnings_at_their_position) {
  const std::string text = R"({
  "prices": [{"id": "p", "currency": "usd", "unit_amount": 1, "recurring": {"interval": "month"}}],
  "customers": {"object": "list", "data": [{"id": "c", "discount": null, "invoice_credit_balance": {"usd": 0}},
                                           {"id": "d", "discount": {"coupon": {"id": "x"}}}]},
  "subscriptions": [{"id": "s", "customer": "c", "start_date": 0, "automatic_tax": {"enabled": true},
                     "items": [{"id": "i", "price": "p"}]}]
})";
  std::vector<plan_warning> warnings;
  const plan p = read_plan_text(text, "plan.json", &warnings);
  BOOST_TEST(p.subscriptions.size() == 1u);
  std::vector<std::string> fields;
  for (const auto& w : warnings) fields.push_back(w.field);
  const std::vector<std::string> expected{"subscriptions[0].automatic_tax.enabled",
                                          "customers.data[1].discount"};
  BOOST_TEST(fields == expected, boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(warnings.size() == 2u);
  BOOST_TEST((warnings[0].position == position_of(text, "true}")));
  BOOST_TEST(warnings[0].to_string().starts_with("plan.json:5:"));
  BOOST_TEST(warnings[0].to_string().find(": warning: subscriptions[0].automatic_tax.enabled: ") !=
             std::string::npos);
  std::vector<plan_warning> none;
  (void)read_plan_text(contract_plan, "plan.json", &none);
  BOOST_TEST(none.empty());
}

// A field neither meterkit nor Stripe knows is a likely typo: a warning names it and the closest
// known field; a field Stripe has that meterkit does not need is accepted quietly.
BOOST_AUTO_TEST_CASE(unknown_fields_are_warned_with_the_closest_known_name) {
  const std::string text = R"({
  "meters": [{"id": "m", "event_name": "e", "livemode": false, "default_aggregation": {"formla": "sum"}}],
  "prices": [{"id": "p", "currency": "usd", "unit_amount": 1, "nickname": "x",
              "recurring": {"interval": "month", "usage_type": "metered", "meter": "m", "metre": "m"}}],
  "subscriptions": {"object": "list", "url": "/v1/subscriptions", "data": [
    {"id": "s", "customer": "c", "start_date": 0, "trial_ends": 5, "cancellation_details": {},
     "items": [{"id": "i", "price": "p", "quantiy": 5, "zzzzzzzzzz": 1}]}]}
})";
  std::vector<plan_warning> warnings;
  (void)read_plan_text(text, "plan.json", &warnings);
  std::vector<std::string> got;
  for (const auto& w : warnings) got.push_back(w.field + ": " + w.message);
  const std::vector<std::string> expected{
      R"(meters[0].default_aggregation.formla: unknown field "formla" in a meter's default_aggregation, ignored; did you mean "formula"?)",
      R"(prices[0].recurring.metre: unknown field "metre" in a price's recurring, ignored; did you mean "meter"?)",
      R"(subscriptions.data[0].trial_ends: unknown field "trial_ends" in a subscription, ignored; did you mean "trial_end"?)",
      R"(subscriptions.data[0].items[0].quantiy: unknown field "quantiy" in a subscription item, ignored; did you mean "quantity"?)",
      R"(subscriptions.data[0].items[0].zzzzzzzzzz: unknown field "zzzzzzzzzz" in a subscription item, ignored)",
  };
  BOOST_TEST(got == expected, boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(warnings.size() == 5u);
  BOOST_TEST((warnings[3].position == position_of(text, "5, \"zzz")));
}

BOOST_AUTO_TEST_CASE(a_plan_that_bills_nothing_or_a_meter_no_price_bills_is_warned) {
  const auto warned = [](const std::string& text) {
    std::vector<plan_warning> warnings;
    (void)read_plan_text(text, "plan.json", &warnings);
    std::vector<std::string> out;
    for (const auto& w : warnings) out.push_back(w.to_string());
    return out;
  };
  BOOST_TEST(warned("{}") == std::vector<std::string>{"plan.json:1:1: warning: subscriptions: the plan has "
                                                      "no subscriptions, so no invoice will be billed"},
             boost::test_tools::per_element());
  const auto list = warned(R"({"object": "list", "data": [{"id": "sub_1"}]})");
  BOOST_TEST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].find("this is a Stripe list, not a plan") != std::string::npos);
  const auto unbilled = warned(contract_plan_with_extra_meter());
  BOOST_TEST_REQUIRE(unbilled.size() == 1u);
  BOOST_TEST(unbilled[0].find("meters[1]: no price bills meter \"mtr_unused\"") != std::string::npos,
             unbilled[0]);
}

BOOST_AUTO_TEST_SUITE_END()
