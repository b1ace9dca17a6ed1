// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/legacy/meter_migration.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <meterkit/legacy/usage_record_book.hpp>

using namespace meterkit;

BOOST_AUTO_TEST_SUITE(legacy_meter_migration)

BOOST_AUTO_TEST_CASE(L3_M1_legacy_modes_map_to_meter_formulas_where_one_bills_the_same) {
  struct row {
    aggregate_usage legacy;
    const char* meter;  // "" for none
  };
  const row table[] = {
      {aggregate_usage::sum, "sum"},
      {aggregate_usage::last_during_period, "last"},
      {aggregate_usage::last_ever, ""},
      {aggregate_usage::max, ""},
  };
  for (const auto& r : table) {
    const auto& m = meter_equivalent_of(r.legacy);
    BOOST_TEST_CONTEXT(to_string(r.legacy)) {
      BOOST_TEST(to_string(m.legacy) == to_string(r.legacy));
      BOOST_TEST(m.has_equivalent() == !std::string(r.meter).empty());
      if (m.formula) BOOST_TEST(to_string(*m.formula) == r.meter);
      BOOST_TEST(!m.differences.empty());  // a reason, or where the two still differ
    }
  }
  BOOST_TEST(legacy_to_meter.size() == 4u);
}

namespace {
// One period [0, 1 000 000) after the epoch is enough here.
struct one_long_period {
  [[nodiscard]] std::optional<period> period_containing(timestamp t) const {
    if (to_unix(t) < 0 || to_unix(t) >= 1'000'000) return std::nullopt;
    return first_period();
  }
  [[nodiscard]] period first_period() const { return period{from_unix(0), from_unix(1'000'000)}; }
  [[nodiscard]] std::optional<period> previous_period(const period&) const { return std::nullopt; }
  [[nodiscard]] period next_period(const period& p) const {
    return period{p.end, p.end + seconds{1'000'000}};
  }
};
}  // namespace

// Where a mapping exists, the meter formula gives the legacy book's number on usage that both
// APIs store alike (one record per timestamp, D18 / M7): the comparison a plan migration relies on.
BOOST_AUTO_TEST_CASE(L3_M9_mapped_formulas_bill_like_the_legacy_book_on_one_record_per_timestamp) {
  const auto seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  for (const auto& row : legacy_to_meter) {
    if (!row.formula) continue;
    for (int round = 0; round < 300; ++round) {
      any_usage_record_book<one_long_period> legacy{row.legacy, one_long_period{}};
      std::vector<sample> events;
      const auto n = rng() % 20;
      for (std::uint64_t i = 0; i < n; ++i) {
        const auto t = static_cast<std::int64_t>(1000 + (rng() % 1000) * 20 + i);  // distinct
        const auto value = static_cast<std::int64_t>(rng() % 1000);
        const auto arrival = static_cast<std::int64_t>(500'000 + i);
        BOOST_TEST_REQUIRE(
            legacy.record(usage_record{"", value, t, std::nullopt}, arrival_stamp{from_unix(arrival), i})
                .has_value());
        events.push_back(sample{from_unix(t), i, value});
      }
      const std::int64_t meter = visit_formula(*row.formula, [&](auto tag) {
        using F = typename decltype(tag)::type;
        auto state = F::identity();
        for (const auto& e : events) F::accumulate(state, e);
        return F::result(state);
      });
      BOOST_TEST_REQUIRE(meter == legacy.quantity(one_long_period{}.first_period()),
                         "seed " << seed << " mode " << to_string(row.legacy));
    }
  }
}

// Where there is none, some usage tells the two apart, so the reason is not idle.
BOOST_AUTO_TEST_CASE(L3_unmapped_modes_differ_from_every_meter_formula_on_some_usage) {
  // Values 5 then 2 at increasing timestamps: max = 5, last_ever = 2 in their period, and an empty
  // next period keeps last_ever at 2 where a meter's last is 0.
  any_usage_record_book<one_long_period> max_book{aggregate_usage::max, one_long_period{}};
  any_usage_record_book<one_long_period> ever_book{aggregate_usage::last_ever, one_long_period{}};
  for (auto* b : {&max_book, &ever_book}) {
    BOOST_TEST_REQUIRE(b->record(usage_record{"", std::int64_t{5}, std::int64_t{10}, std::nullopt},
                                 arrival_stamp{from_unix(100), 0})
                           .has_value());
    BOOST_TEST_REQUIRE(b->record(usage_record{"", std::int64_t{2}, std::int64_t{20}, std::nullopt},
                                 arrival_stamp{from_unix(100), 1})
                           .has_value());
  }
  const auto p = one_long_period{}.first_period();
  const auto next = one_long_period{}.next_period(p);
  BOOST_TEST(max_book.quantity(p) == 5);
  BOOST_TEST(ever_book.quantity(next) == 2);
  for (const auto kind : {formula_kind::sum, formula_kind::count, formula_kind::last}) {
    const auto meter = visit_formula(kind, [](auto tag) {
      using F = typename decltype(tag)::type;
      auto state = F::identity();
      F::accumulate(state, sample{from_unix(10), 0, 5});
      F::accumulate(state, sample{from_unix(20), 1, 2});
      return F::result(state);
    });
    BOOST_TEST(meter != 5, to_string(kind));  // max has no meter formula
  }
  BOOST_TEST(!meter_equivalent_of(aggregate_usage::max).has_equivalent());
  BOOST_TEST(!meter_equivalent_of(aggregate_usage::last_ever).has_equivalent());
}

BOOST_AUTO_TEST_SUITE_END()
