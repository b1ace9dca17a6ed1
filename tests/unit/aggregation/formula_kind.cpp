// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/aggregation/formula_kind.hpp>

#include <string>
#include <type_traits>

namespace mk = meterkit;

BOOST_AUTO_TEST_SUITE(aggregation_formula_kind)

BOOST_AUTO_TEST_CASE(M1_formula_parses_only_stripes_spelling) {
  BOOST_TEST((mk::parse_formula_kind("sum") == mk::formula_kind::sum));
  BOOST_TEST((mk::parse_formula_kind("count") == mk::formula_kind::count));
  BOOST_TEST((mk::parse_formula_kind("last") == mk::formula_kind::last));
  for (const char* bad : {"", "Sum", "max", "last_value", " sum", "sum "}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!mk::parse_formula_kind(bad).has_value()); }
  }
  for (auto k : {mk::formula_kind::sum, mk::formula_kind::count, mk::formula_kind::last}) {
    BOOST_TEST((mk::parse_formula_kind(mk::to_string(k)) == k));
  }
}

BOOST_AUTO_TEST_CASE(M1_each_kind_dispatches_onto_its_compiled_formula) {
  auto name = [](auto tag) -> std::string {
    using F = typename decltype(tag)::type;
    if constexpr (std::is_same_v<F, mk::sum>) return "sum";
    if constexpr (std::is_same_v<F, mk::count>) return "count";
    if constexpr (std::is_same_v<F, mk::last_value>) return "last";
    return "?";
  };
  BOOST_TEST(mk::visit_formula(mk::formula_kind::sum, name) == "sum");
  BOOST_TEST(mk::visit_formula(mk::formula_kind::count, name) == "count");
  BOOST_TEST(mk::visit_formula(mk::formula_kind::last, name) == "last");
  auto policy_name = [](auto tag) { return decltype(tag)::type::name; };
  BOOST_TEST(mk::visit_formula(mk::formula_kind::last, policy_name) == "last_value");
}

BOOST_AUTO_TEST_CASE(D12_only_a_count_meter_reads_no_value_as_its_policy_declares) {
  static_assert(!mk::formula_reads_value<mk::count>, "count declares reads_value = false");
  static_assert(mk::formula_reads_value<mk::sum> && mk::formula_reads_value<mk::last_value>,
                "a formula that declares nothing reads values");
  static_assert(!mk::reads_value(mk::formula_kind::count));
  BOOST_TEST(mk::reads_value(mk::formula_kind::sum));
  BOOST_TEST(mk::reads_value(mk::formula_kind::last));
}

BOOST_AUTO_TEST_SUITE_END()
