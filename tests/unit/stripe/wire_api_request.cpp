// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/wire/api_request.hpp>

#include <functional>

BOOST_AUTO_TEST_SUITE(stripe_wire_api_request)

using meterkit::api_request;
using meterkit::api_response;

BOOST_AUTO_TEST_CASE(I1_headers_are_found_and_replaced_without_regard_to_case) {
  api_request r;
  r.set_header("Idempotency-Key", "k1");
  r.set_header("idempotency-key", "k2");
  BOOST_TEST(r.headers.size() == 1u);
  BOOST_TEST(r.header("IDEMPOTENCY-KEY").value() == "k2");
  BOOST_TEST(r.idempotency_key().value() == "k2");
  BOOST_TEST(!r.header("Stripe-Version").has_value());
  r.path = "/v1/x";
  BOOST_TEST(r.target() == "/v1/x");
  r.query = "a=1";
  BOOST_TEST(r.target() == "/v1/x?a=1");
}

BOOST_AUTO_TEST_CASE(W2_stripe_should_retry_and_idempotent_replayed_are_read_from_the_response) {
  struct row {
    const char* should_retry;
    std::optional<bool> hint;
  };
  for (const row& r : {row{"true", true}, row{"false", false}, row{"maybe", std::nullopt}}) {
    api_response resp{500, {{"stripe-should-retry", r.should_retry}}, ""};
    BOOST_TEST((resp.should_retry_hint() == r.hint), r.should_retry);
  }
  BOOST_TEST(!(api_response{500, {}, ""}.should_retry_hint().has_value()));
  BOOST_TEST(api_response({200, {{"Idempotent-Replayed", "true"}}, "{}"}).idempotent_replayed());
  BOOST_TEST(!api_response({200, {{"Idempotent-Replayed", "false"}}, "{}"}).idempotent_replayed());
  BOOST_TEST(api_response::connection_error().connection_failed());
  BOOST_TEST(api_response({204, {}, ""}).succeeded());
  BOOST_TEST(!api_response({409, {}, ""}).succeeded());
}

BOOST_AUTO_TEST_CASE(W2_a_transport_is_any_callable_from_request_to_response) {
  static_assert(meterkit::transport<std::function<api_response(const api_request&)>>);
  static_assert(meterkit::transport<api_response (*)(const api_request&)>);
  static_assert(!meterkit::transport<std::function<int(const api_request&)>>);
  static_assert(!meterkit::transport<std::function<api_response()>>);
  int calls = 0;
  auto t = [&](const api_request& r) {
    ++calls;
    return api_response{r.path == "/ok" ? 200 : 404, {}, ""};
  };
  static_assert(meterkit::detail::check_transport<decltype(t)>());
  api_request r;
  r.path = "/ok";
  BOOST_TEST(t(r).status == 200);
  BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_SUITE_END()
