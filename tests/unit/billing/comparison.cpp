// SPDX-License-Identifier: MIT
#include <meterkit/billing/comparison.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace mk = meterkit;

namespace {

mk::timestamp at(std::string_view rfc3339) { return *mk::parse_time(rfc3339); }

mk::price per_unit(std::string id, std::int64_t amount) {
  mk::price p{std::move(id), mk::currency("usd")};
  p.unit_amount = mk::decimal::from_integer(amount);
  p.recurring.usage_type = mk::usage_type::metered;
  return p;
}

mk::plan legacy_plan() {
  mk::plan p;
  auto sum_price = per_unit("price_sum", 2);
  sum_price.recurring.aggregate_usage = mk::aggregate_usage::sum;
  auto last_price = per_unit("price_last", 10);
  last_price.recurring.aggregate_usage = mk::aggregate_usage::last_during_period;
  auto max_price = per_unit("price_max", 100);
  max_price.recurring.aggregate_usage = mk::aggregate_usage::max;
  p.prices = {sum_price, last_price, max_price};
  mk::subscription s;
  s.id = "sub_1";
  s.customer = "cus_1";
  s.start_date = at("2025-01-01T00:00:00Z");
  s.items = {{"si_sum", "price_sum", 1}, {"si_last", "price_last", 1}, {"si_max", "price_max", 1}};
  p.subscriptions.push_back(s);
  return p;
}

mk::request record(std::string source, mk::timestamp received, std::string item, std::string quantity,
                   mk::timestamp time) {
  mk::usage_record u;
  u.subscription_item = std::move(item);
  u.quantity = std::move(quantity);
  u.timestamp = std::to_string(mk::to_unix(time));
  mk::request r;
  r.operations.emplace_back(std::move(u));
  r.received_at = received;
  r.source = std::move(source);
  return r;
}

const mk::line_comparison& line_of(const mk::invoice_comparison& inv, std::string_view item) {
  for (const auto& l : inv.lines) {
    if (l.subscription_item == item) return l;
  }
  BOOST_FAIL("no line for " + std::string(item));
  return inv.lines.front();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_comparison)

BOOST_AUTO_TEST_CASE(what_if_the_same_usage_under_a_dearer_price) {
  const auto a = legacy_plan();
  auto b = a;
  b.prices[0].unit_amount = mk::decimal::from_integer(3);
  const auto t = at("2025-01-10T00:00:00Z");
  const auto cmp = mk::compare_plans(a, b, {record("r:1", t, "si_sum", "50", t)}, at("2025-02-02T00:00:00Z"));
  BOOST_TEST(cmp.changed_invoices() == 1u);
  const auto& feb = cmp.invoices[1];
  BOOST_TEST(mk::to_unix(feb.created) == mk::to_unix(at("2025-02-01T00:00:00Z")));
  BOOST_TEST(feb.currency == "usd");
  BOOST_TEST(feb.total_a == 100);
  BOOST_TEST(feb.total_b == 150);
  BOOST_TEST(feb.difference() == 50);
  BOOST_TEST(line_of(feb, "si_sum").changed());
  BOOST_TEST(!line_of(feb, "si_max").changed());
  BOOST_TEST(cmp.total_b - cmp.total_a == 50);
}

BOOST_AUTO_TEST_CASE(L3_legacy_modes_map_to_meters_where_an_equivalent_exists) {
  const auto m = mk::migrate_legacy_plan(legacy_plan());
  BOOST_REQUIRE_EQUAL(m.items.size(), 3u);
  BOOST_TEST(m.find("si_sum")->meter_id.has_value());
  BOOST_TEST(m.find("si_last")->meter_id.has_value());
  BOOST_TEST(!m.find("si_max")->meter_id.has_value());  // max has no meter equivalent
  BOOST_TEST(m.migrated.meters.size() == 2u);
  BOOST_TEST((m.migrated.meters[1].formula == mk::formula_kind::last));
  // The max item keeps its legacy price.
  BOOST_TEST(m.migrated.subscriptions[0].items[2].price == "price_max");
}

BOOST_AUTO_TEST_CASE(legacy_migration_shows_which_invoices_change_and_why) {
  const auto t1 = at("2025-01-10T00:00:00Z");
  const auto t2 = at("2025-01-12T00:00:00Z");
  const std::vector<mk::request> requests{
      record("r:1", t1, "si_sum", "5", t1),
      record("r:2", t2, "si_sum", "7", t2),
      // Two increments at one timestamp add up under last_during_period (L2) but a meter's last
      // keeps only the later arrival (M9).
      record("r:3", t2, "si_last", "4", t2),
      record("r:4", t2 + mk::seconds{1}, "si_last", "3", t2),
      record("r:5", t1, "si_max", "9", t1),
  };
  const auto cmp = mk::compare_legacy_migration(legacy_plan(), requests, at("2025-02-02T00:00:00Z"));
  const auto& feb = cmp.invoices[1];
  BOOST_TEST(!line_of(feb, "si_sum").changed());  // sum migrates exactly
  BOOST_TEST(line_of(feb, "si_sum").amount_a == 24);
  BOOST_TEST(!line_of(feb, "si_max").changed());  // max stays on usage records
  const auto& last = line_of(feb, "si_last");
  BOOST_TEST(last.changed());
  BOOST_TEST(last.quantity_a == 7);
  BOOST_TEST(last.quantity_b == 3);
  BOOST_TEST(last.reason ==
             "L2: 1 `increment` record added to the value at its timestamp as usage records; a meter's "
             "last keeps only the later event (M9); quantity 7 \u2192 3");
  BOOST_TEST(line_of(feb, "si_sum").reason.empty());  // unchanged lines have no reason
  BOOST_TEST(feb.difference() == -40);
}

BOOST_AUTO_TEST_CASE(L2_a_set_that_replaced_a_value_becomes_an_additive_meter_event) {
  const auto t = at("2025-01-10T00:00:00Z");
  auto set = record("r:2", t + mk::seconds{60}, "si_sum", "7", t);
  std::get<mk::usage_record>(set.operations[0]).action = "set";
  const std::vector<mk::request> requests{
      record("r:1", t, "si_sum", "5", t), set,
      record("r:3", t + mk::seconds{120}, "si_sum", "1", t + mk::seconds{1})};
  const auto cmp = mk::compare_legacy_migration(legacy_plan(), requests, at("2025-02-02T00:00:00Z"));
  const auto& sum = line_of(cmp.invoices[1], "si_sum");
  BOOST_TEST(sum.quantity_a == 8);   // 7 replaced 5, then 1 at another second
  BOOST_TEST(sum.quantity_b == 13);  // 5 + 7 + 1
  BOOST_TEST(sum.reason ==
             "L2: 1 `set` record replaced the value at its timestamp as usage records and became an "
             "additive meter event (M9 sum); quantity 8 \u2192 13");
}

BOOST_AUTO_TEST_CASE(L4_a_record_refused_out_of_its_period_is_a_meter_event_within_35_days) {
  const auto jan = at("2025-01-20T00:00:00Z");
  const auto feb = at("2025-02-01T00:30:00Z");  // in February, before January's invoice is finalized
  const std::vector<mk::request> requests{record("r:1", jan, "si_sum", "5", jan),
                                          record("r:2", feb, "si_sum", "4", jan)};
  const auto cmp = mk::compare_legacy_migration(legacy_plan(), requests, at("2025-02-04T00:00:00Z"));
  BOOST_TEST(cmp.counts_a.rejected == 1u);
  BOOST_TEST(cmp.counts_b.rejected == 0u);
  BOOST_TEST(cmp.counts_b.accepted == 2u);
  BOOST_TEST(cmp.late_a == 0u);
  const auto& line = line_of(cmp.invoices[1], "si_sum");
  BOOST_TEST(line.quantity_a == 5);
  BOOST_TEST(line.quantity_b == 9);
  BOOST_TEST(line.reason ==
             "L4: 1 record refused as a usage record (usage_record_timestamp_out_of_period) was accepted as "
             "a meter event (M4: within 35 days before its arrival); quantity 5 \u2192 9");
}

BOOST_AUTO_TEST_CASE(D24_a_record_refused_after_finalization_is_late_usage_as_a_meter_event) {
  const auto jan = at("2025-01-20T00:00:00Z");
  const auto feb = at("2025-02-03T00:00:00Z");  // January's invoice is finalized: no line changes
  const std::vector<mk::request> requests{record("r:1", jan, "si_sum", "5", jan),
                                          record("r:2", feb, "si_sum", "4", jan)};
  const auto cmp = mk::compare_legacy_migration(legacy_plan(), requests, feb);
  BOOST_TEST(cmp.changed_invoices() == 0u);
  BOOST_TEST(cmp.counts_a.rejected == 1u);
  BOOST_TEST(cmp.counts_b.accepted == 2u);
  BOOST_TEST(cmp.late_a == 0u);
  BOOST_TEST(cmp.late_b == 1u);
}

BOOST_AUTO_TEST_CASE(M4_a_record_of_a_yearly_period_older_than_35_days_is_refused_as_a_meter_event) {
  auto p = legacy_plan();
  p.prices[0].recurring.interval.unit = mk::interval_unit::year;
  p.subscriptions[0].items = {{"si_sum", "price_sum", 1}};
  const auto t = at("2025-01-10T00:00:00Z");
  const auto arrival = at("2025-03-01T00:00:00Z");  // 50 days later, in the same yearly period (L4)
  const std::vector<mk::request> requests{record("r:1", t, "si_sum", "5", t),
                                          record("r:2", arrival, "si_sum", "4", t)};
  const auto cmp = mk::compare_legacy_migration(p, requests, arrival);
  BOOST_REQUIRE_EQUAL(cmp.invoices.size(), 2u);  // the yearly period's licensed start, its upcoming end
  const auto& line = line_of(cmp.invoices[1], "si_sum");
  BOOST_TEST(line.quantity_a == 9);
  BOOST_TEST(line.quantity_b == 5);
  BOOST_TEST(
      line.reason ==
      "M4: 1 record accepted as a usage record was refused as a meter event (timestamp_too_far_in_past); "
      "quantity 9 \u2192 5");
}

BOOST_AUTO_TEST_CASE(a_change_no_record_explains_falls_back_to_the_modes_difference) {
  mk::legacy_migration m = mk::migrate_legacy_plan(legacy_plan());
  mk::line_comparison line;
  line.subscription_item = "si_sum";
  line.service_period = {at("2025-01-01T00:00:00Z"), at("2025-02-01T00:00:00Z")};
  line.quantity_a = 1;
  line.quantity_b = 2;
  BOOST_TEST(mk::detail::migration_cause(*m.find("si_sum"), line, {}) ==
             "sum: " + std::string(mk::meter_equivalent_of(mk::aggregate_usage::sum).differences) +
                 "; quantity 1 \u2192 2");
}

BOOST_AUTO_TEST_SUITE_END()
