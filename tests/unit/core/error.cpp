// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/core/rounding.hpp>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

using namespace meterkit;

namespace {
/// Every enumerator, written out by hand so that a code added to the enum without a spelling is
/// noticed here (the table size check below) rather than printed as "unknown_error".
const std::vector<error_code> all_codes{
    error_code::no_meter,
    error_code::archived_meter,
    error_code::meter_event_no_customer_defined,
    error_code::meter_event_value_not_found,
    error_code::meter_event_invalid_value,
    error_code::meter_event_customer_not_found,
    error_code::timestamp_too_far_in_past,
    error_code::timestamp_in_future,
    error_code::duplicate_meter_event,
    error_code::meter_event_adjustment_invalid,
    error_code::meter_event_adjustment_not_found,
    error_code::meter_event_already_cancelled,
    error_code::meter_event_adjustment_too_late,
    error_code::resource_missing,
    error_code::usage_record_invalid_parameter,
    error_code::usage_record_timestamp_out_of_period,
    error_code::idempotency_error,
    error_code::rate_limit,
    error_code::billing_meter_event_session_expired,
    error_code::api_error,
    error_code::authentication_error,
    error_code::arithmetic_overflow,
    error_code::invalid_decimal,
    error_code::invalid_timestamp,
    error_code::invalid_configuration,
    error_code::precondition_failed,
    error_code::corrupt_state,
    error_code::invalid_input,
    error_code::parameter_unknown,
    error_code::parameter_invalid_integer,
    error_code::subscription_update_invalid,
    error_code::parameter_missing,
    error_code::string_too_long,
};
}  // namespace

BOOST_AUTO_TEST_SUITE(core_error)

BOOST_AUTO_TEST_CASE(D12_every_error_code_has_a_distinct_spelling_that_round_trips) {
  BOOST_TEST(all_codes.size() == error_code_names.size());
  std::set<std::string_view> seen;
  for (auto code : all_codes) {
    const std::string_view name = to_string(code);
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(name != "unknown_error");
      BOOST_TEST(!name.empty());
      BOOST_TEST(seen.insert(name).second);
      BOOST_TEST((parse_error_code(name) == code));
      BOOST_TEST((name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos));
    }
  }
  // every enumerator value up to the last one is named; one past it is not
  for (int i = 0; i <= static_cast<int>(error_code::string_too_long); ++i) {
    BOOST_TEST(to_string(static_cast<error_code>(i)) != "unknown_error", i);
  }
  BOOST_TEST(to_string(static_cast<error_code>(static_cast<int>(error_code::string_too_long) + 1)) ==
             "unknown_error");
}

BOOST_AUTO_TEST_CASE(D12_spellings_are_the_codes_of_the_spec) {
  BOOST_TEST(to_string(error_code::no_meter) == "no_meter");
  BOOST_TEST(to_string(error_code::duplicate_meter_event) == "duplicate_meter_event");
  BOOST_TEST(to_string(error_code::meter_event_invalid_value) == "meter_event_invalid_value");
  BOOST_TEST(to_string(error_code::timestamp_too_far_in_past) == "timestamp_too_far_in_past");
  BOOST_TEST(to_string(error_code::meter_event_adjustment_too_late) == "meter_event_adjustment_too_late");
  BOOST_TEST(to_string(error_code::usage_record_timestamp_out_of_period) ==
             "usage_record_timestamp_out_of_period");
  BOOST_TEST(to_string(error_code::resource_missing) == "resource_missing");
  BOOST_TEST(to_string(error_code::idempotency_error) == "idempotency_error");
  static_assert(to_string(error_code::archived_meter) == "archived_meter");
  static_assert(parse_error_code("no_meter") == error_code::no_meter);
}

BOOST_AUTO_TEST_CASE(D12_unknown_spellings_are_not_codes) {
  for (const char* name :
       {"", "unknown_error", "NO_METER", "no_meter ", "no-meter", "invalid_request_error"}) {
    BOOST_TEST(!parse_error_code(name).has_value(), name);
  }
}

BOOST_AUTO_TEST_CASE(D6_result_holds_a_value_or_the_rejection) {
  const result<int> ok = 42;
  BOOST_TEST(ok.has_value());
  BOOST_TEST(static_cast<bool>(ok));
  BOOST_TEST(*ok == 42);
  BOOST_TEST(ok.value() == 42);

  const result<int> bad =
      rejection{error_code::invalid_decimal, "\"x\" is not a valid decimal", "unit_amount"};
  BOOST_TEST(!bad.has_value());
  BOOST_TEST(!static_cast<bool>(bad));
  BOOST_TEST((bad.error().code == error_code::invalid_decimal));
  BOOST_TEST(bad.error().message == "\"x\" is not a valid decimal");
  BOOST_TEST(bad.error().param == "unit_amount");
  BOOST_CHECK_THROW((void)bad.value(), std::bad_variant_access);
  BOOST_CHECK_THROW((void)ok.error(), std::bad_variant_access);

  result<std::string> text = std::string("moved");
  text.value() += " out";
  const std::string taken = std::move(text).value();
  BOOST_TEST(taken == "moved out");
  const result<std::string> s = std::string("abc");
  BOOST_TEST(s->size() == 3u);
}

BOOST_AUTO_TEST_CASE(D6_outcome_is_accepted_or_rejected_with_code_message_and_param) {
  const outcome yes = outcome::accept();
  BOOST_TEST(yes.accepted());
  BOOST_TEST(!yes.rejected());
  BOOST_TEST(static_cast<bool>(yes));
  BOOST_TEST((yes == outcome{}));

  const outcome no = outcome::reject(error_code::duplicate_meter_event, "already seen", "identifier");
  BOOST_TEST(no.rejected());
  BOOST_TEST(!no.accepted());
  BOOST_TEST(!static_cast<bool>(no));
  BOOST_TEST((no.code() == error_code::duplicate_meter_event));
  BOOST_TEST(no.error().message == "already seen");
  BOOST_TEST(no.error().param == "identifier");
  BOOST_TEST((no != yes));
  BOOST_TEST((no == outcome::reject(error_code::duplicate_meter_event, "already seen", "identifier")));
  BOOST_TEST((no != outcome::reject(error_code::duplicate_meter_event, "already seen")));
  BOOST_TEST((no != outcome::reject(error_code::no_meter, "already seen", "identifier")));
  const outcome from_rejection = rejection{error_code::no_meter, "no such meter", "event_name"};
  BOOST_TEST((from_rejection.code() == error_code::no_meter));
  BOOST_TEST(outcome::reject(error_code::no_meter, "m").error().param.empty());
}

BOOST_AUTO_TEST_CASE(D11_configuration_error_names_the_field) {
  const configuration_error with_field("prices[2].tiers[1].up_to", "must increase");
  BOOST_TEST(with_field.field() == "prices[2].tiers[1].up_to");
  BOOST_TEST(std::string(with_field.what()) == "prices[2].tiers[1].up_to: must increase");
  const configuration_error without_field("", "no subscriptions");
  BOOST_TEST(without_field.field().empty());
  BOOST_TEST(std::string(without_field.what()) == "no subscriptions");
  BOOST_CHECK_THROW(METERKIT_THROW(configuration_error("currency", "bad")), error);
}

BOOST_AUTO_TEST_CASE(D25_overflow_error_is_a_meterkit_error) {
  try {
    METERKIT_THROW(overflow_error("total overflows"));
  } catch (const error& e) {
    BOOST_TEST(std::string(e.what()) == "total overflows");
    BOOST_TEST((e.code() == error_code::arithmetic_overflow));
    return;
  }
  BOOST_FAIL("METERKIT_THROW did not throw");
}

namespace {
/// The code and message of the `meterkit::error` that `raise` throws, caught as the root and as a
/// `std::exception`.
template <class Raise>
std::pair<error_code, std::string> caught_as_root(Raise&& raise) {
  try {
    raise();
  } catch (const error& e) {
    try {
      throw;
    } catch (const std::exception& standard) {
      BOOST_TEST(std::string(standard.what()) == e.what());
    }
    return {e.code(), e.what()};
  }
  BOOST_FAIL("nothing was thrown");
  return {};
}
}  // namespace

BOOST_AUTO_TEST_CASE(D6_D25_every_library_exception_is_a_meterkit_error_with_its_code) {
  static_assert(std::is_base_of_v<std::runtime_error, error>);
  static_assert(std::is_base_of_v<error, configuration_error>);
  static_assert(std::is_base_of_v<error, overflow_error>);
  static_assert(std::is_base_of_v<error, precondition_error>);
  static_assert(std::is_base_of_v<error, corrupt_state_error>);
  using code_and_message = std::pair<error_code, std::string>;
  BOOST_TEST((caught_as_root([] { METERKIT_THROW(configuration_error("currency", "bad")); }) ==
              code_and_message{error_code::invalid_configuration, "currency: bad"}));
  BOOST_TEST((caught_as_root([] { METERKIT_THROW(overflow_error("total overflows")); }) ==
              code_and_message{error_code::arithmetic_overflow, "total overflows"}));
  BOOST_TEST((caught_as_root([] { METERKIT_THROW(precondition_error("needs d > 0")); }) ==
              code_and_message{error_code::precondition_failed, "needs d > 0"}));
  BOOST_TEST((caught_as_root([] { METERKIT_THROW(corrupt_state_error("truncated")); }) ==
              code_and_message{error_code::corrupt_state, "truncated"}));
  // The adapter's input_error and json_value_error: tests/unit/stripe/input_error.cpp, json.cpp.
}

BOOST_AUTO_TEST_CASE(broken_preconditions_raise_precondition_error_through_METERKIT_ASSERT) {
  BOOST_CHECK_NO_THROW(METERKIT_ASSERT(1 + 1 == 2, "never evaluated"));
  int evaluated = 0;
  const auto message = [&] {
    ++evaluated;
    return std::string("meterkit: two is not three");
  };
  BOOST_CHECK_NO_THROW(METERKIT_ASSERT(true, message()));
  BOOST_TEST(evaluated == 0);  // the message is built only for a broken precondition
  try {
    METERKIT_ASSERT(1 + 1 == 3, message());
    BOOST_FAIL("METERKIT_ASSERT did not raise");
  } catch (const precondition_error& e) {
    BOOST_TEST(std::string(e.what()) == "meterkit: two is not three");
    BOOST_TEST((e.code() == error_code::precondition_failed));
  }
  BOOST_TEST(evaluated == 1);
  // A library precondition: a positive denominator (core/rounding.hpp).
  BOOST_CHECK_THROW((void)divide_and_round(1, 0), precondition_error);
}

BOOST_AUTO_TEST_SUITE_END()
