// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/meter/meter_definition.hpp>

namespace mk = meterkit;

BOOST_AUTO_TEST_SUITE(meter_meter_definition)

BOOST_AUTO_TEST_CASE(M1_defaults_are_stripes) {
  const mk::meter_definition d;
  BOOST_TEST(d.customer_key == "stripe_customer_id");
  BOOST_TEST(d.value_key == "value");
  BOOST_TEST((d.formula == mk::formula_kind::sum));
  BOOST_TEST((d.event_time_window == mk::window_kind::none));
  BOOST_TEST(d.active);
}

BOOST_AUTO_TEST_CASE(M1_unusable_definitions_are_configuration_errors_naming_the_field) {
  mk::meter_definition d;
  d.id = "mtr_1";
  d.event_name = "api";
  BOOST_CHECK_NO_THROW(mk::validate(d));
  auto no_key = d;
  no_key.value_key.clear();
  try {
    mk::validate(no_key);
    BOOST_TEST(false);
  } catch (const mk::configuration_error& e) {
    BOOST_TEST(e.field() == "meters[mtr_1].value_settings.event_payload_key");
  }
  auto no_name = d;
  no_name.event_name.clear();
  BOOST_CHECK_THROW(mk::validate(no_name), mk::configuration_error);
  auto no_customer_key = d;
  no_customer_key.customer_key.clear();
  BOOST_CHECK_THROW(mk::validate(no_customer_key), mk::configuration_error);
}

BOOST_AUTO_TEST_SUITE_END()
