// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/legacy/aggregate_usage.hpp>

#include <string>
#include <string_view>

using namespace meterkit;

namespace {
constexpr aggregate_usage all_modes[] = {aggregate_usage::sum, aggregate_usage::last_during_period,
                                         aggregate_usage::last_ever, aggregate_usage::max};

// Compile-time: each mode dispatches onto its policy, and the policies declare L3/L5's traits.
static_assert(detail::check_formula<sum>() && detail::check_formula<last_during_period>() &&
              detail::check_formula<last_ever>() && detail::check_formula<peak>());
static_assert(accepts_clock_drift_grace<sum>);
static_assert(!accepts_clock_drift_grace<last_during_period> && !accepts_clock_drift_grace<last_ever> &&
              !accepts_clock_drift_grace<peak>);
static_assert(carries_over_earlier_periods<last_ever>);
static_assert(!carries_over_earlier_periods<sum> && !carries_over_earlier_periods<last_during_period> &&
              !carries_over_earlier_periods<peak>);
}  // namespace

BOOST_AUTO_TEST_SUITE(legacy_aggregate_usage)

BOOST_AUTO_TEST_CASE(L3_modes_parse_from_and_print_as_stripe_spelling) {
  const std::string_view spellings[] = {"sum", "last_during_period", "last_ever", "max"};
  for (int i = 0; i < 4; ++i) {
    const auto parsed = parse_aggregate_usage(spellings[i]);
    BOOST_TEST_REQUIRE(parsed.has_value(), spellings[i]);
    BOOST_TEST(to_string(*parsed) == spellings[i]);
    BOOST_TEST(to_string(all_modes[i]) == spellings[i]);
  }
  for (std::string_view bad : {"", "Sum", "maximum", "last", "count", "sum "}) {
    BOOST_TEST(!parse_aggregate_usage(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(L3_runtime_mode_dispatches_onto_its_compiled_policy) {
  for (const auto mode : all_modes) {
    const auto back = visit_aggregate_usage(mode, [](auto tag) {
      using F = typename decltype(tag)::type;
      return aggregate_usage_of<F>;
    });
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(to_string(*back) == to_string(mode));
  }
  // max is the `peak` policy: the largest value, 0 for none.
  const bool max_is_peak = visit_aggregate_usage(
      aggregate_usage::max, [](auto tag) { return std::is_same_v<typename decltype(tag)::type, peak>; });
  BOOST_TEST(max_is_peak);
}

BOOST_AUTO_TEST_CASE(L5_only_sum_takes_the_clock_drift_grace_at_run_time_too) {
  for (const auto mode : all_modes) {
    const bool grace = visit_aggregate_usage(
        mode, [](auto tag) { return accepts_clock_drift_grace<typename decltype(tag)::type>; });
    BOOST_TEST(grace == (mode == aggregate_usage::sum), to_string(mode));
  }
}

BOOST_AUTO_TEST_SUITE_END()
