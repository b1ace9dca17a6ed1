// SPDX-License-Identifier: MIT
#include <meterkit/meter/meter_policies.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <type_traits>

using namespace meterkit;

namespace {
/// The policy pair `visit_meter_policies` chooses, as text.
std::string policies_of(formula_kind f, window_kind w) {
  return visit_meter_policies(f, w, [](auto ftag, auto itag) -> std::string {
    using F = typename decltype(ftag)::type;
    using I = typename decltype(itag)::type;
    std::string out = std::is_same_v<F, sum> ? "sum" : std::is_same_v<F, count> ? "count" : "last_value";
    if constexpr (I::is_pre_aggregated) {
      out += std::is_same_v<typename I::window, utc_hour> ? " pre_aggregated<utc_hour>"
                                                          : " pre_aggregated<utc_day>";
    } else {
      static_assert(std::is_same_v<I, raw>);
      out += " raw";
    }
    return out;
  });
}
}  // namespace

BOOST_AUTO_TEST_SUITE(meter_meter_policies)

BOOST_AUTO_TEST_CASE(M1_M7_M8_a_runtime_definition_maps_onto_one_formula_and_one_ingestion) {
  BOOST_TEST(policies_of(formula_kind::sum, window_kind::none) == "sum raw");
  BOOST_TEST(policies_of(formula_kind::count, window_kind::none) == "count raw");
  BOOST_TEST(policies_of(formula_kind::last, window_kind::none) == "last_value raw");
  BOOST_TEST(policies_of(formula_kind::sum, window_kind::hour) == "sum pre_aggregated<utc_hour>");
  BOOST_TEST(policies_of(formula_kind::count, window_kind::day) == "count pre_aggregated<utc_day>");
  BOOST_TEST(policies_of(formula_kind::last, window_kind::hour) == "last_value pre_aggregated<utc_hour>");
  meter_definition m;
  m.formula = formula_kind::last;
  m.event_time_window = window_kind::day;
  BOOST_TEST(visit_meter_policies(m, [](auto ftag, auto itag) {
    return std::is_same_v<typename decltype(ftag)::type, last_value> &&
           std::is_same_v<typename decltype(itag)::type, pre_aggregated<utc_day>>;
  }));
}

BOOST_AUTO_TEST_SUITE_END()
