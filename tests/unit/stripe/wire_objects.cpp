// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/wire/objects.hpp>

BOOST_AUTO_TEST_SUITE(stripe_wire_objects)

using namespace meterkit;

namespace {
api_response ok(std::string body) { return api_response{200, {}, std::move(body)}; }
}  // namespace

BOOST_AUTO_TEST_CASE(M2_meter_events_come_back_from_v1_and_v2_bodies) {
  const meter_event e{
      "api", {{"stripe_customer_id", "cus_1"}, {"value", "7"}}, std::string("id1"), from_unix(1735689600)};
  for (const bool v2 : {false, true}) {
    const auto got = meter_event_from_response(ok(meter_event_body(e, from_unix(1735689700), v2)));
    BOOST_REQUIRE(got.has_value());
    BOOST_TEST((got->event == e));
    BOOST_TEST(to_unix(got->created) == 1735689700);
  }
  const auto wrong = meter_event_from_response(ok(R"({"object":"usage_record"})"));
  BOOST_TEST((wrong.error().code == error_code::api_error));
  const auto bad_payload =
      meter_event_from_response(ok(R"({"object":"billing.meter_event","event_name":"x","payload":[1]})"));
  BOOST_TEST((bad_payload.error().code == error_code::api_error));
  const auto failed = meter_event_from_response(
      api_response{400, {}, error_body("invalid_request_error", "no_meter", "no meter", "event_name")});
  BOOST_TEST((failed.error().code == error_code::no_meter));
  BOOST_TEST(failed.error().param == "event_name");
}

BOOST_AUTO_TEST_CASE(M10_adjustments_and_L1_usage_records_come_back) {
  const auto a = meter_event_adjustment_from_response(
      ok(R"({"id":"mtr_adj_1","object":"billing.meter_event_adjustment","event_name":"api","type":"cancel",)"
         R"("cancel":{"identifier":"id1"},"status":"pending","livemode":false})"));
  BOOST_REQUIRE(a.has_value());
  BOOST_TEST(a->adjustment.cancel_identifier.value() == "id1");
  BOOST_TEST(a->status == "pending");
  const auto u = usage_record_from_response(ok(
      R"({"id":"mbur_1","object":"usage_record","quantity":12,"subscription_item":"si_1","timestamp":1735689600})"));
  BOOST_REQUIRE(u.has_value());
  BOOST_TEST(u->quantity == 12);
  BOOST_TEST(u->subscription_item == "si_1");
  BOOST_TEST(to_unix(u->time) == 1735689600);
  BOOST_TEST(!usage_record_from_response(ok(R"({"object":"usage_record","quantity":"12"})")).has_value());
}

BOOST_AUTO_TEST_CASE(M13_event_summaries_and_L6_usage_record_summaries_are_lists) {
  const auto s = meter_event_summaries_from_response(ok(
      R"({"object":"list","has_more":true,"url":"/v1/billing/meters/m/event_summaries","data":[)"
      R"({"id":"s1","object":"billing.meter_event_summary","aggregated_value":25.0,"start_time":1735689600,)"
      R"("end_time":1735693200,"meter":"mtr_1","livemode":false},)"
      R"({"id":"s2","object":"billing.meter_event_summary","aggregated_value":-3,"start_time":1735693200,)"
      R"("end_time":1735696800,"meter":"mtr_1","livemode":false}]})"));
  BOOST_REQUIRE(s.has_value());
  BOOST_TEST(s->has_more);
  BOOST_REQUIRE(s->data.size() == 2u);
  BOOST_TEST(s->data[0].summary.aggregated_value == 25);
  BOOST_TEST(s->data[1].summary.aggregated_value == -3);
  BOOST_TEST(to_unix(s->data[1].summary.window.end) == 1735696800);
  const auto fractional = meter_event_summaries_from_response(
      ok(R"({"object":"list","data":[{"object":"billing.meter_event_summary","aggregated_value":2.5,)"
         R"("start_time":1,"end_time":2}]})"));
  BOOST_TEST(!fractional.has_value());
  const auto l = usage_record_summaries_from_response(ok(
      R"({"object":"list","has_more":false,"data":[{"id":"sis_1","object":"usage_record_summary",)"
      R"("invoice":null,"period":{"start":1735689600,"end":1738368000},"subscription_item":"si_1","total_usage":40}]})"));
  BOOST_REQUIRE(l.has_value());
  BOOST_TEST(l->data.at(0).total_usage == 40);
  BOOST_TEST(!l->data.at(0).invoice.has_value());
  BOOST_TEST(to_unix(l->data.at(0).service_period.end) == 1738368000);
}

BOOST_AUTO_TEST_CASE(W1_sessions_carry_a_token_and_an_rfc3339_expiry) {
  const auto s = meter_event_session_from_response(ok(
      R"({"id":"mes_1","object":"v2.billing.meter_event_session","authentication_token":"tok_1",)"
      R"("created":"2024-06-01T12:00:00.000Z","expires_at":"2024-06-01T12:15:00.000Z","livemode":false})"));
  BOOST_REQUIRE(s.has_value());
  BOOST_TEST(s->authentication_token == "tok_1");
  BOOST_TEST((s->expires_at - s->created).count() == 900);
  const auto written = meter_event_session_from_response(
      ok(meter_event_session_body("mes_2", "tok_2", from_unix(1000), from_unix(1900))));
  BOOST_REQUIRE(written.has_value());
  BOOST_TEST(to_unix(written->expires_at) == 1900);
  BOOST_TEST(
      !meter_event_session_from_response(ok(R"({"object":"v2.billing.meter_event_session"})")).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
