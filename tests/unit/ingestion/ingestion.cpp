// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/ingestion/ingestion.hpp>

#include <meterkit/ingestion/pre_aggregated.hpp>
#include <meterkit/ingestion/raw.hpp>

namespace mk = meterkit;

namespace {
struct no_kind {};
struct windowless {
  static constexpr bool is_pre_aggregated = true;
};
struct raw_without_fold {
  static constexpr bool is_pre_aggregated = false;
};
}  // namespace

BOOST_AUTO_TEST_SUITE(ingestion_ingestion)

BOOST_AUTO_TEST_CASE(M7_M8_the_concept_accepts_the_policies_and_names_what_is_missing) {
  static_assert(mk::ingestion_policy<mk::raw>);
  static_assert(mk::ingestion_policy<mk::pre_aggregated<mk::utc_hour>>);
  static_assert(mk::ingestion_policy<mk::pre_aggregated<mk::utc_day>>);
  static_assert(!mk::ingestion_declares_kind<no_kind>);
  static_assert(mk::ingestion_declares_kind<windowless> && !mk::ingestion_has_window<windowless>);
  static_assert(mk::ingestion_has_window<raw_without_fold> && !mk::ingestion_can_fold<raw_without_fold>);
  BOOST_TEST(!mk::ingestion_policy<windowless>);
  static_assert(!mk::ingestion_has_name<windowless>);
}

BOOST_AUTO_TEST_CASE(M7_M8_each_policy_carries_the_name_its_saved_states_use) {
  static_assert(mk::raw::name == "raw");
  static_assert(mk::pre_aggregated<mk::utc_hour>::name == "pre_aggregated<utc_hour>");
  static_assert(mk::pre_aggregated<mk::utc_day>::name == "pre_aggregated<utc_day>");
  static_assert(mk::pre_aggregated<mk::utc_week>::name == "pre_aggregated<utc_week>");
  using two_minutes = mk::pre_aggregated<mk::fixed_window<120, 30>>;
  BOOST_TEST(two_minutes::name == "pre_aggregated<fixed_window<120, 30>>");
}

BOOST_AUTO_TEST_SUITE_END()
