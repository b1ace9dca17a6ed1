// SPDX-License-Identifier: MIT
// A program that routes broken preconditions to its own hook: METERKIT_ASSERT defined before any
// meterkit header (core/error.hpp), here to throw this program's own exception type. It is a program
// of its own because the hook changes inline library code: every translation unit of a program must
// see the same definition.
#include <string>
#include <utility>

namespace hook {
/// What this program's hook raises instead of meterkit::precondition_error.
struct broken_precondition {
  std::string message;
};
}  // namespace hook

#define METERKIT_ASSERT(condition, message) \
  ((condition) ? static_cast<void>(0) : throw ::hook::broken_precondition{std::string(message)})

#define BOOST_TEST_MODULE meterkit_precondition_hook
#include <boost/test/unit_test.hpp>
#include <meterkit/meterkit.hpp>
#include <meterkit/stripe.hpp>

namespace mk = meterkit;

namespace {
/// The message the hook received from `f`, or a failed test.
template <class F>
std::string hook_message(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const hook::broken_precondition& b) {
    return b.message;
  } catch (const mk::error& e) {
    BOOST_ERROR("the library raised its own error instead of calling the hook: " << e.what());
    return {};
  }
  BOOST_ERROR("the hook was not called");
  return {};
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_precondition_hook_defined_before_the_headers_receives_every_broken_precondition) {
  // core
  BOOST_TEST(hook_message([] { (void)mk::divide_and_round(1, 0); }) ==
             "meterkit: divide_and_round needs a positive denominator");
  BOOST_TEST(hook_message([] { (void)mk::format_minor_units(5, 19); }) ==
             "meterkit: a minor-unit exponent must be 0..18");
  // acceptance (I2)
  BOOST_TEST(hook_message([] {
               mk::idempotency_store<int> store;
               store.remember("k", "fp", mk::from_unix(10), 1);
               (void)store.check("k", "fp", mk::from_unix(9));
             }).find("needs arrivals in order") != std::string::npos);
  // meter
  BOOST_TEST(hook_message([] {
               mk::meter<mk::sum> m;
               m.add("c", mk::sample{mk::from_unix(0), 1, 5}, mk::from_unix(0));
               m.add("c", mk::sample{mk::from_unix(0), 1, 6}, mk::from_unix(0));
             }) == "meterkit: meter: two records with the same arrival");
  // billing (M12: the caller clamps a negative line quantity first; P3)
  BOOST_TEST(hook_message([] {
               (void)mk::transform_quantity{0, mk::round_direction::up}.apply(5);
             }) == "meterkit: transform_quantity.divide_by must be >= 1");
  BOOST_TEST(hook_message([] { (void)mk::graduated::amount({}, 1); }) ==
             "meterkit: a tiered price needs at least one tier");
  BOOST_TEST(hook_message([] {
               (void)mk::prorated_line_amount(mk::price{"p", mk::currency{"usd"}}, 1, 1, 0,
                                              mk::rounding_mode::half_away_from_zero);
             }) == "meterkit: proration needs numerator >= 0 and denominator > 0");
  // the Stripe adapter (W1, D7)
  BOOST_TEST(hook_message([] {
               (void)mk::meter_event_stream_v2(mk::api_settings{}, "token", {});  // no events
             }).find("1 to 100 events") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_hook_is_not_called_when_preconditions_hold) {
  BOOST_TEST(mk::divide_and_round(7, 2) == 4);
  BOOST_TEST(mk::format_minor_units(5702, 2) == "57.02");
  // Other errors keep their own types: an overflow is not a precondition.
  BOOST_CHECK_THROW((void)mk::add_or_throw(INT64_MAX, 1), mk::overflow_error);
}
