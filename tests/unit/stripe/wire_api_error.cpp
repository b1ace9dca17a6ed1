// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/wire/api_error.hpp>

BOOST_AUTO_TEST_SUITE(stripe_wire_api_error)

using namespace meterkit;

BOOST_AUTO_TEST_CASE(W2_error_bodies_map_onto_stable_codes_table) {
  struct row {
    int status;
    const char* type;
    const char* code;
    const char* param;
    std::optional<stripe_endpoint> endpoint;
    error_code want;
  };
  const row table[] = {
      {400, "invalid_request_error", "duplicate_meter_event", "", {}, error_code::duplicate_meter_event},
      {401,
       "invalid_request_error",
       "billing_meter_event_session_expired",
       "",
       {},
       error_code::billing_meter_event_session_expired},
      {404, "invalid_request_error", "resource_missing", "id", {}, error_code::resource_missing},
      {400, "idempotency_error", "", "", {}, error_code::idempotency_error},
      {409, "invalid_request_error", "idempotency_key_in_use", "", {}, error_code::idempotency_error},
      {429, "invalid_request_error", "", "", {}, error_code::rate_limit},
      {400, "rate_limit_error", "", "", {}, error_code::rate_limit},
      {429, "invalid_request_error", "rate_limit", "", {}, error_code::rate_limit},
      {401, "authentication_error", "", "", {}, error_code::authentication_error},
      {401, "", "", "", {}, error_code::authentication_error},
      {400, "invalid_request_error", "", "timestamp", stripe_endpoint::v1_usage_records,
       error_code::usage_record_timestamp_out_of_period},
      {400, "invalid_request_error", "", "quantity", stripe_endpoint::v1_usage_records,
       error_code::usage_record_invalid_parameter},
      {400, "invalid_request_error", "", "timestamp", stripe_endpoint::v1_meter_events,
       error_code::api_error},
      {500, "api_error", "", "", {}, error_code::api_error},
      {400, "invalid_request_error", "invalid_timestamp", "", {}, error_code::api_error},
  };
  for (const auto& r : table) {
    const api_response resp{r.status, {}, error_body(r.type, r.code, "because", r.param)};
    const auto e = api_error_of(resp);
    BOOST_REQUIRE(e.has_value());
    BOOST_TEST(e->type == r.type);
    BOOST_TEST(e->code == r.code);
    BOOST_TEST(e->message == "because");
    BOOST_TEST(e->param == r.param);
    BOOST_TEST((error_code_of(*e, r.endpoint) == r.want), r.code << "/" << r.type << "/" << r.status);
    const auto rj = to_rejection(*e, r.endpoint);
    BOOST_TEST(rj.message == "because");
    BOOST_TEST(rj.param == r.param);
  }
}

BOOST_AUTO_TEST_CASE(M2_W3_stripes_answer_to_a_string_over_its_max_length_is_string_too_long) {
  const auto code_of_body = [](const char* code, const char* message) {
    const auto e =
        api_error_of(api_response{400, {}, error_body("invalid_request_error", code, message, "identifier")});
    BOOST_REQUIRE(e.has_value());
    return error_code_of(*e, stripe_endpoint::v1_meter_events);
  };
  BOOST_TEST((code_of_body("", "Invalid string: aaaa...; must be at most 100 characters") ==
              error_code::string_too_long));
  // Another message, or one with a code of its own, is not a length.
  BOOST_TEST((code_of_body("", "Invalid identifier") == error_code::api_error));
  BOOST_TEST((code_of_body("duplicate_meter_event", "must be at most 100 characters") ==
              error_code::duplicate_meter_event));
}

BOOST_AUTO_TEST_CASE(W2_successes_have_no_error_and_odd_bodies_still_give_the_status) {
  BOOST_TEST(!api_error_of(api_response{200, {}, "{}"}).has_value());
  const auto html = api_error_of(api_response{502, {}, "<html>bad gateway</html>"});
  BOOST_REQUIRE(html.has_value());
  BOOST_TEST(html->message == "HTTP 502 from the API");
  BOOST_TEST((error_code_of(*html) == error_code::api_error));
  const auto none = api_error_of(api_response::connection_error());
  BOOST_REQUIRE(none.has_value());
  BOOST_TEST(none->http_status == 0);
  BOOST_TEST((error_code_of(*none) == error_code::api_error));
}

BOOST_AUTO_TEST_CASE(I2_replay_and_retry_headers_travel_with_the_error) {
  const api_response resp{500,
                          {{"Stripe-Should-Retry", "false"}, {"Idempotent-Replayed", "true"}},
                          error_body("api_error", "", "first outcome")};
  const auto e = api_error_of(resp);
  BOOST_REQUIRE(e.has_value());
  BOOST_TEST(e->idempotent_replayed);
  BOOST_TEST((e->should_retry == std::optional<bool>(false)));
}

BOOST_AUTO_TEST_CASE(L4_rejection_of_uses_the_endpoint_of_the_request) {
  api_request usage;
  usage.method = "POST";
  usage.path = "/v1/subscription_items/si_1/usage_records";
  const api_response resp{400, {}, error_body("invalid_request_error", "", "out of period", "timestamp")};
  BOOST_TEST((rejection_of(usage, resp)->code == error_code::usage_record_timestamp_out_of_period));
  BOOST_TEST(!rejection_of(usage, api_response{200, {}, "{}"}).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
