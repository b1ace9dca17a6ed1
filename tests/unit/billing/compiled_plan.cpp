// SPDX-License-Identifier: MIT
#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/invoicing.hpp>
#include <meterkit/billing/simulator.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace mk = meterkit;

namespace meterkit {
inline std::ostream& boost_test_print_type(std::ostream& os, item_billing b) {
  return os << static_cast<int>(b);
}
inline std::ostream& boost_test_print_type(std::ostream& os, aggregate_usage a) { return os << to_string(a); }
}  // namespace meterkit
BOOST_TEST_DONT_PRINT_LOG_VALUE(meterkit::timestamp)
BOOST_TEST_DONT_PRINT_LOG_VALUE(meterkit::simulation_result)

namespace {

mk::timestamp at(std::string_view rfc3339) { return *mk::parse_time(rfc3339); }

mk::price price(std::string id, std::int64_t unit_amount) {
  mk::price p{std::move(id), mk::currency("usd")};
  p.unit_amount = mk::decimal::from_integer(unit_amount);
  return p;
}

/// Two meters, a licensed seat price, a meter price that also names an aggregate_usage (D9: the
/// meter wins), legacy prices without and with an aggregate_usage; customers named by the plan
/// and by subscriptions, one customer with two subscriptions.
mk::plan mixed_plan() {
  mk::plan p;
  p.meters.push_back({.id = "mtr_api", .event_name = "api_requests"});
  p.meters.push_back({.id = "mtr_gb", .event_name = "storage_gb", .formula = mk::formula_kind::last});
  p.prices.push_back(price("seat", 1000));
  auto api = price("api", 2);
  api.recurring.usage_type = mk::usage_type::metered;
  api.recurring.meter = "mtr_api";
  api.recurring.aggregate_usage = mk::aggregate_usage::max;  // ignored: the meter wins (D9)
  p.prices.push_back(api);
  auto gb = price("gb", 5);
  gb.recurring.usage_type = mk::usage_type::metered;
  gb.recurring.meter = "mtr_gb";
  p.prices.push_back(gb);
  auto legacy_sum = price("legacy_sum", 3);
  legacy_sum.recurring.usage_type = mk::usage_type::metered;  // no aggregate_usage: sum (L3)
  p.prices.push_back(legacy_sum);
  auto legacy_max = price("legacy_max", 7);
  legacy_max.recurring.usage_type = mk::usage_type::metered;
  legacy_max.recurring.aggregate_usage = mk::aggregate_usage::max;
  p.prices.push_back(legacy_max);
  p.customers = {"cus_plan_only", "cus_b"};
  p.subscriptions.push_back(
      {.id = "sub_a",
       .customer = "cus_a",
       .start_date = at("2025-01-01T00:00:00Z"),
       .items = {{"si_seat", "seat", 3}, {"si_api", "api", 1}, {"si_sum", "legacy_sum", 1}}});
  p.subscriptions.push_back({.id = "sub_b",
                             .customer = "cus_b",
                             .start_date = at("2025-01-15T00:00:00Z"),
                             .items = {{"si_gb", "gb", 1}, {"si_max", "legacy_max", 1}}});
  p.subscriptions.push_back({.id = "sub_a2",
                             .customer = "cus_a",
                             .start_date = at("2025-01-10T00:00:00Z"),
                             .items = {{"si_api2", "api", 1}}});
  return p;
}

mk::request event(mk::timestamp received, std::string customer, std::string value, std::string identifier,
                  std::string event_name = "api_requests") {
  mk::meter_event e;
  e.event_name = std::move(event_name);
  e.payload = {{"stripe_customer_id", std::move(customer)}, {"value", std::move(value)}};
  e.identifier = std::move(identifier);
  mk::request r;
  r.operations.emplace_back(std::move(e));
  r.received_at = received;
  r.source = "test:" + std::to_string(mk::to_unix(received));
  return r;
}

mk::request usage(mk::timestamp received, std::string item, std::string quantity) {
  mk::usage_record u;
  u.subscription_item = std::move(item);
  u.quantity = std::move(quantity);
  mk::request r;
  r.operations.emplace_back(std::move(u));
  r.received_at = received;
  r.source = "test:usage";
  return r;
}

/// Requests over two months for every item kind of `mixed_plan`.
std::vector<mk::request> mixed_requests() {
  std::vector<mk::request> out;
  for (int day = 1; day <= 50; ++day) {
    const auto t = at("2025-01-01T00:00:00Z") + mk::seconds{86400 * day - 3600};
    out.push_back(event(t, "cus_a", std::to_string(day), "evt_a_" + std::to_string(day)));
    out.push_back(event(t, "cus_b", std::to_string(day * 10), "evt_b_" + std::to_string(day), "storage_gb"));
    out.push_back(usage(t, "si_sum", std::to_string(day)));
    out.push_back(usage(t, "si_max", std::to_string(day % 7)));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_compiled_plan)

BOOST_AUTO_TEST_CASE(D9_L3_items_are_typed_once_meter_wins_over_aggregate_usage_and_sum_is_the_default) {
  const mk::compiled_plan cp(mixed_plan());
  BOOST_REQUIRE(cp.items().size() == 6u);
  BOOST_REQUIRE(cp.subscriptions().size() == 3u);
  const auto& items = cp.items();
  BOOST_TEST(items[0].billing == mk::item_billing::licensed);
  BOOST_TEST(items[1].billing == mk::item_billing::meter);  // D9: the meter wins over aggregate_usage
  BOOST_TEST(items[1].meter == 0u);
  BOOST_TEST(items[2].billing == mk::item_billing::usage_records);
  BOOST_TEST(items[2].mode == mk::aggregate_usage::sum);  // L3: absent means sum
  BOOST_TEST(items[2].book == 0u);
  BOOST_TEST(items[3].billing == mk::item_billing::meter);
  BOOST_TEST(items[3].meter == 1u);
  BOOST_TEST(items[4].billing == mk::item_billing::usage_records);
  BOOST_TEST(items[4].mode == mk::aggregate_usage::max);
  BOOST_TEST(items[4].book == 1u);
  BOOST_TEST(cp.usage_record_items() == 2u);
  BOOST_TEST(cp.item_at(4).id == "si_max");
  BOOST_TEST(cp.price_of(4).id == "legacy_max");
  BOOST_TEST(*cp.item_index("si_api2") == 5u);
  BOOST_TEST(!cp.item_index("si_nope").has_value());
  BOOST_TEST(cp.items_of(2).size() == 1u);
  BOOST_TEST(cp.subscriptions()[1].first_item == 3u);
}

BOOST_AUTO_TEST_CASE(M6_customers_are_the_plans_then_the_subscriptions_in_order_of_first_appearance) {
  const mk::compiled_plan cp(mixed_plan());
  const std::vector<std::string> expected{"cus_plan_only", "cus_b", "cus_a"};
  BOOST_TEST(cp.customers() == expected, boost::test_tools::per_element());
  BOOST_TEST(cp.subscriptions()[0].customer == 2u);
  BOOST_TEST(cp.subscriptions()[1].customer == 1u);
  BOOST_TEST(cp.subscriptions()[2].customer == 2u);
  // The indexes a ledger built from the same lists gives (the simulator relies on it).
  const mk::meter_ledger ledger(cp.source().meters, cp.customers());
  for (std::size_t c = 0; c < cp.customers().size(); ++c)
    BOOST_TEST(*ledger.customer_index(cp.customers()[c]) == c);
}

BOOST_AUTO_TEST_CASE(M9_a_meter_event_of_a_customer_feeds_every_item_billed_on_its_meter_in_plan_order) {
  const mk::compiled_plan cp(mixed_plan());
  const auto cus_a = *cp.customer_index("cus_a");
  const auto fed = cp.items_billed_on(0, cus_a);
  BOOST_REQUIRE(fed.size() == 2u);
  BOOST_TEST(fed[0] == 1u);  // si_api of sub_a
  BOOST_TEST(fed[1] == 5u);  // si_api2 of sub_a2
  BOOST_TEST(cp.items_billed_on(1, cus_a).empty());
  BOOST_TEST(cp.items_billed_on(0, *cp.customer_index("cus_plan_only")).empty());
  // The dense table answers what metered_pairs() lists for every pair, and nothing outside the plan.
  for (std::size_t m = 0; m < cp.source().meters.size(); ++m) {
    for (std::size_t c = 0; c < cp.customers().size(); ++c) {
      const auto found = cp.metered_pairs().find(mk::compiled_plan::meter_customer_key(m, c));
      const auto items = cp.items_billed_on(m, c);
      const std::vector<std::size_t> got(items.begin(), items.end());
      BOOST_TEST((found == cp.metered_pairs().end() ? got.empty() : got == found->second));
    }
  }
  BOOST_TEST(cp.items_billed_on(cp.source().meters.size(), cus_a).empty());
  BOOST_TEST(cp.items_billed_on(0, cp.customers().size()).empty());
}

BOOST_AUTO_TEST_CASE(D11_an_unusable_plan_is_refused_when_compiled) {
  auto p = mixed_plan();
  p.subscriptions[0].items[0].price = "missing";
  BOOST_CHECK_THROW(mk::compiled_plan{p}, mk::configuration_error);
}

BOOST_AUTO_TEST_CASE(B3_D20_invoicing_is_a_pure_function_of_the_plan_the_quantities_and_until) {
  const mk::compiled_plan cp(mixed_plan());
  std::vector<std::tuple<std::size_t, mk::period, mk::timestamp>> asked;
  const auto quantities = [&](std::size_t item, const mk::period& p, mk::timestamp as_of) -> std::int64_t {
    asked.emplace_back(item, p, as_of);
    return item == 1 ? -5 : static_cast<std::int64_t>(item) * 100;  // si_api negative: M12 clamps
  };
  const auto until = at("2025-02-01T00:30:00Z");
  const auto invoices = mk::invoices_as_of(cp, until, quantities);
  // sub_a: at its start, at 02-01 (a draft: finalized at 01:00) and 03-01 (upcoming); sub_a2
  // (anchored 01-10) and sub_b (anchored 01-15): at their start and upcoming at the next
  // boundary. Sorted by (created, subscription) (D27).
  BOOST_REQUIRE(invoices.size() == 7u);
  BOOST_TEST(invoices[0].subscription == "sub_a");
  BOOST_TEST(invoices[1].subscription == "sub_a2");
  BOOST_TEST(invoices[2].subscription == "sub_b");
  BOOST_TEST((invoices[6].status == mk::invoice_status::upcoming));
  const auto& feb = invoices[3];
  BOOST_TEST(feb.subscription == "sub_a");
  BOOST_TEST(feb.created == at("2025-02-01T00:00:00Z"));
  BOOST_TEST((feb.status == mk::invoice_status::draft));
  BOOST_REQUIRE(feb.lines.size() == 3u);
  BOOST_TEST(feb.lines[0].subscription_item == "si_seat");
  BOOST_TEST(feb.lines[0].amount == 3000);
  BOOST_TEST(feb.lines[1].quantity == 0);  // M12
  BOOST_TEST(feb.lines[2].quantity == 200);
  BOOST_TEST(feb.lines[2].amount == 600);
  BOOST_TEST(feb.total == 3600);
  // Drafts ask as of until; nothing else was asked for the metered lines of January.
  for (const auto& [item, p, as_of] : asked) BOOST_TEST((as_of == until));
  // Same inputs, same invoices.
  BOOST_TEST((mk::invoices_as_of(cp, until, quantities) == invoices));
}

BOOST_AUTO_TEST_CASE(a_copied_simulator_outlives_its_original_and_bills_the_same) {
  const auto requests = mixed_requests();
  const auto until = at("2025-02-25T00:00:00Z");
  mk::invoice_simulator reference(mixed_plan());
  for (const auto& r : requests) reference.apply(r);
  const mk::simulation_result expected = reference.result(until);

  for (const bool bounded : {false, true}) {
    BOOST_TEST_CONTEXT("bounded history " << bounded) {
      mk::simulator_history history;
      history.bounded = bounded;
      history.forget_from = 8;
      auto original = std::make_unique<mk::invoice_simulator>(mixed_plan(), history);
      const std::size_t half = requests.size() / 2;
      for (std::size_t i = 0; i < half; ++i) original->apply(requests[i]);
      mk::invoice_simulator copy = *original;  // copy construction
      mk::invoice_simulator assigned(mk::plan{});
      assigned = *original;  // copy assignment
      original.reset();      // the copies must not refer to anything of the original
      for (std::size_t i = half; i < requests.size(); ++i) {
        copy.apply(requests[i]);
        assigned.apply(requests[i]);
      }
      BOOST_TEST((copy.result(until) == expected));
      BOOST_TEST((assigned.result(until) == expected));
      mk::invoice_simulator moved = std::move(copy);
      BOOST_TEST((moved.result(until) == expected));
      std::stringstream snapshot;
      moved.save(snapshot);
      BOOST_TEST((mk::invoice_simulator::restore(mixed_plan(), snapshot, history).result(until) == expected));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_copied_compiled_plan_keeps_every_reference_valid) {
  auto original = std::make_unique<mk::compiled_plan>(mixed_plan());
  const mk::compiled_plan copy = *original;
  original.reset();
  BOOST_TEST(copy.item_at(5).id == "si_api2");
  BOOST_TEST(copy.price_of(3).id == "gb");
  BOOST_TEST(copy.subscription_at(1).customer == "cus_b");
  BOOST_TEST(copy.items_billed_on(0, *copy.customer_index("cus_a")).size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
