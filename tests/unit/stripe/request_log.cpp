// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/request_log.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace meterkit;

namespace {
std::vector<request> read(const std::string& text, const std::string& name = "r.requests.jsonl") {
  input_source source = input_source::from_text(text, name);
  std::vector<request> out;
  read_request_log(source, [&](request&& r) { out.push_back(std::move(r)); });
  return out;
}

input_error error_of(const std::string& text) {
  try {
    (void)read(text, "bad.requests.jsonl");
  } catch (const input_error& e) {
    return e;
  }
  BOOST_FAIL("expected an input_error for " << text);
  return input_error("", {}, "");
}

/// The one request of `line`, written over several lines in the source for legibility.
request one(std::string line) {
  for (auto& c : line) c = c == '\n' ? ' ' : c;
  auto rs = read(line);
  BOOST_REQUIRE(rs.size() == 1u);
  return rs.front();
}

using payload = std::vector<std::pair<std::string, std::string>>;
}  // namespace

BOOST_AUTO_TEST_SUITE(stripe_request_log)

BOOST_AUTO_TEST_CASE(D6_request_paths_name_the_endpoint) {
  BOOST_TEST((parse_api_path("/v1/billing/meter_events")->endpoint == api_endpoint::v1_meter_events));
  BOOST_TEST((parse_api_path("/v2/billing/meter_events")->endpoint == api_endpoint::v2_meter_events));
  BOOST_TEST(
      (parse_api_path("/v2/billing/meter_event_stream")->endpoint == api_endpoint::v2_meter_event_stream));
  BOOST_TEST((parse_api_path("/v1/billing/meter_event_adjustments")->endpoint ==
              api_endpoint::v1_meter_event_adjustments));
  const auto item = parse_api_path("/v1/subscription_items/si_123/usage_records");
  BOOST_REQUIRE(item.has_value());
  BOOST_TEST(item->subscription_item == "si_123");
  const auto item_update = parse_api_path("/v1/subscription_items/si_123");
  BOOST_REQUIRE(item_update.has_value());
  BOOST_TEST((item_update->endpoint == api_endpoint::v1_subscription_item_update));
  BOOST_TEST(item_update->subscription_item == "si_123");
  const auto update = parse_api_path("/v1/subscriptions/sub_9");
  BOOST_REQUIRE(update.has_value());
  BOOST_TEST((update->endpoint == api_endpoint::v1_subscription_update));
  BOOST_TEST(update->subscription == "sub_9");
  for (const char* bad :
       {"/v1/subscription_items//usage_records", "/v1/subscription_items/a/b/usage_records", "/v1/customers",
        "/v1/subscriptions/", "/v1/subscriptions/a/b", "/v1/subscription_items/", "/v1/billing/meter_events/",
        "v1/billing/meter_events", "/v2/billing/meter_event_adjustments", ""}) {
    BOOST_TEST(!parse_api_path(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(B8_subscription_changes_read_with_their_values_as_written) {
  const auto item = one(R"({"received_at": 1743465600, "path": "/v1/subscription_items/si_seat",
      "params": {"quantity": 3, "price": "price_pro", "proration_behavior": "always_invoice",
                 "proration_date": 1743000000}})");
  const auto& c = std::get<subscription_change>(item.operations.at(0));
  BOOST_TEST(c.subscription.empty());
  BOOST_REQUIRE_EQUAL(c.items.size(), 1u);
  BOOST_TEST(c.items[0].item == "si_seat");
  BOOST_TEST(*c.items[0].quantity == "3");
  BOOST_TEST(*c.items[0].price == "price_pro");
  BOOST_TEST(*c.proration_behavior == "always_invoice");
  BOOST_TEST(*c.proration_date == "1743000000");
  BOOST_TEST(!c.unknown_parameter.has_value());

  const auto whole =
      one(R"({"received_at": 1743465600, "path": "/v1/subscriptions/sub_1", "idempotency_key": "k",
      "params": {"items": [{"id": "si_seat", "quantity": "2"}, {"id": "si_extra", "price": "price_pro"}]}})");
  const auto& w = std::get<subscription_change>(whole.operations.at(0));
  BOOST_TEST(w.subscription == "sub_1");
  BOOST_REQUIRE_EQUAL(w.items.size(), 2u);
  BOOST_TEST(*w.items[0].quantity == "2");
  BOOST_TEST(w.items[1].item == "si_extra");
  BOOST_TEST(!whole.fingerprint.empty());

  // Parameters the endpoint does not take are kept, to be refused as Stripe refuses them.
  const auto odd = one(R"({"received_at": 1743465600, "path": "/v1/subscription_items/si_seat",
      "params": {"quantiy": 3}})");
  BOOST_TEST(*std::get<subscription_change>(odd.operations.at(0)).unknown_parameter == "quantiy");
  const auto odd_item = one(R"({"received_at": 1743465600, "path": "/v1/subscriptions/sub_1",
      "params": {"items": [{"id": "si_seat", "deletd": true}]}})");
  BOOST_TEST(*std::get<subscription_change>(odd_item.operations.at(0)).unknown_parameter ==
             "items[0][deletd]");

  // A change needs its arrival (D5); items must be an array of objects.
  BOOST_TEST(error_of(R"({"path": "/v1/subscriptions/sub_1", "params": {}})").message().find("received_at") !=
             std::string::npos);
  BOOST_TEST(error_of(R"({"received_at": 1, "path": "/v1/subscriptions/sub_1", "params": {"items": 5}})")
                 .message()
                 .find("params.items: expected an array of items") != std::string::npos);
}

// B14: POST /v1/billing/credit_grants reads its parameters as a plan's grant; what the creation
// does not take (an id, voided_at) is kept to be refused; the arrival is required.
BOOST_AUTO_TEST_CASE(B14_credit_grant_creations_read_as_a_plans_grant) {
  const auto r =
      one(R"({"received_at": 1739145600, "path": "/v1/billing/credit_grants", "idempotency_key": "k1",
      "params": {"customer": "cus_1", "name": "Welcome", "metadata": {"source": "crm"},
                 "amount": {"type": "monetary", "monetary": {"currency": "usd", "value": 2500}},
                 "applicability_config": {"scope": {"prices": [{"id": "price_api"}]}},
                 "category": "promotional", "priority": 10, "expires_at": 1746057600}})");
  BOOST_TEST((parse_api_path("/v1/billing/credit_grants")->endpoint == api_endpoint::v1_credit_grants));
  const auto& c = std::get<credit_grant_creation>(r.operations.at(0));
  BOOST_TEST(!c.unknown_parameter.has_value());
  BOOST_TEST(c.grant.customer == "cus_1");
  BOOST_TEST(c.grant.amount == 2500);
  BOOST_TEST(c.grant.currency->code() == "usd");
  BOOST_TEST((c.grant.category == credit_grant_category::promotional));
  BOOST_TEST(c.grant.priority == 10);
  BOOST_TEST((c.grant.prices == std::optional<std::vector<std::string>>{{"price_api"}}));
  BOOST_TEST((c.grant.expires_at == from_unix(1746057600)));
  BOOST_TEST(!c.grant.effective_at.has_value());
  BOOST_TEST(!r.fingerprint.empty());
  const auto voided = one(R"({"received_at": 1, "path": "/v1/billing/credit_grants",
      "params": {"customer": "cus_1", "voided_at": 5}})");
  BOOST_TEST(*std::get<credit_grant_creation>(voided.operations.at(0)).unknown_parameter == "voided_at");
  const auto loud = one(R"({"received_at": 1, "path": "/v1/billing/credit_grants",
      "params": {"customer": "cus_1", "priority": 500,
                 "amount": {"type": "monetary", "monetary": {"currency": "usd", "value": 1}}}})");
  BOOST_TEST(*std::get<credit_grant_creation>(loud.operations.at(0)).priority_out_of_range == 500);
  for (const auto& [params, missing] :
       {std::pair{R"({"customer": "cus_1"})", "amount"},
        std::pair{R"({"amount": {"type": "monetary"}})", "amount[monetary]"},
        std::pair{R"({"amount": {"monetary": {"currency": "usd"}}})", "amount[monetary][value]"}}) {
    const auto left_out = one(
        std::string(R"({"received_at": 1, "path": "/v1/billing/credit_grants", "params": )") + params + "}");
    BOOST_TEST(*std::get<credit_grant_creation>(left_out.operations.at(0)).missing_parameter == missing);
  }
  const auto e = error_of(R"({"path": "/v1/billing/credit_grants", "params": {"customer": "cus_1"}})");
  BOOST_TEST(std::string(e.what()).find("a credit grant needs the time it arrived") != std::string::npos,
             e.what());
}

BOOST_AUTO_TEST_CASE(B10_item_deletions_read_from_both_endpoints) {
  const auto del =
      one(R"({"received_at": 1743465600, "method": "DELETE", "path": "/v1/subscription_items/si_api",
      "params": {"clear_usage": true, "proration_behavior": "none"}})");
  const auto& d = std::get<subscription_change>(del.operations.at(0));
  BOOST_TEST(d.subscription.empty());
  BOOST_REQUIRE_EQUAL(d.items.size(), 1u);
  BOOST_TEST(d.items[0].item == "si_api");
  BOOST_TEST(*d.items[0].deleted == "true");
  BOOST_TEST(*d.items[0].clear_usage == "true");
  BOOST_TEST(*d.proration_behavior == "none");
  BOOST_TEST(!d.unknown_parameter.has_value());
  const auto in_items = one(R"({"received_at": 1743465600, "path": "/v1/subscriptions/sub_1",
      "params": {"items": [{"id": "si_seat", "deleted": true, "clear_usage": false}]}})");
  const auto& w = std::get<subscription_change>(in_items.operations.at(0));
  BOOST_TEST(*w.items.at(0).deleted == "true");
  BOOST_TEST(*w.items.at(0).clear_usage == "false");
  BOOST_TEST(!w.unknown_parameter.has_value());
  const auto odd = one(R"({"received_at": 1, "method": "DELETE", "path": "/v1/subscription_items/si_1",
      "params": {"quantity": 2}})");
  BOOST_TEST(*std::get<subscription_change>(odd.operations.at(0)).unknown_parameter == "quantity");
}

BOOST_AUTO_TEST_CASE(B9_cancellations_read_with_their_method_and_values_as_written) {
  const auto now = one(R"({"received_at": 1743465600, "method": "DELETE", "path": "/v1/subscriptions/sub_1",
      "idempotency_key": "k", "params": {"invoice_now": true, "prorate": "false",
                                         "cancellation_details": {"comment": "moving on"}}})");
  const auto& d = std::get<subscription_change>(now.operations.at(0));
  BOOST_TEST(d.cancel_now);
  BOOST_TEST(d.subscription == "sub_1");
  BOOST_TEST(*d.invoice_now == "true");
  BOOST_TEST(*d.prorate == "false");
  BOOST_TEST(!d.unknown_parameter.has_value());
  BOOST_TEST(now.fingerprint.rfind("DELETE ", 0) == 0);  // not the same request as a POST (D19)

  const auto later = one(R"({"received_at": 1743465600, "path": "/v1/subscriptions/sub_1",
      "params": {"cancel_at": 1745000000, "cancel_at_period_end": false, "proration_behavior": "none"}})");
  const auto& l = std::get<subscription_change>(later.operations.at(0));
  BOOST_TEST(!l.cancel_now);
  BOOST_TEST(*l.cancel_at == "1745000000");
  BOOST_TEST(*l.cancel_at_period_end == "false");

  // DELETE takes no items; the usage endpoints take no DELETE, and no cancellation parameter.
  const auto odd = one(R"({"received_at": 1, "method": "DELETE", "path": "/v1/subscriptions/sub_1",
      "params": {"cancel_at_period_end": true}})");
  BOOST_TEST(*std::get<subscription_change>(odd.operations.at(0)).unknown_parameter ==
             "cancel_at_period_end");
  const auto item =
      one(R"({"received_at": 1, "path": "/v1/subscription_items/si_1", "params": {"cancel_at": 5}})");
  BOOST_TEST(*std::get<subscription_change>(item.operations.at(0)).unknown_parameter == "cancel_at");
  BOOST_TEST(error_of(R"({"received_at": 1, "method": "DELETE", "path": "/v1/billing/meter_events"})")
                 .message()
                 .find("expected \"POST\", found \"DELETE\"") != std::string::npos);
  BOOST_TEST(error_of(R"({"received_at": 1, "method": "PUT", "path": "/v1/subscriptions/sub_1"})")
                 .message()
                 .find("expected \"POST\" or \"DELETE\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(M2_v1_and_v2_meter_events_read_alike) {
  const auto v1 = one(R"({"received_at": 1735689700, "method": "POST", "path": "/v1/billing/meter_events",
      "params": {"event_name": "api", "timestamp": 1735689600, "identifier": "e1",
                 "payload": {"stripe_customer_id": "cus_1", "value": "5"}}})");
  const auto v2 = one(R"({"received_at": 1735689700, "path": "/v2/billing/meter_events",
      "params": {"event_name": "api", "timestamp": "2025-01-01T00:00:00Z", "identifier": "e1",
                 "payload": {"stripe_customer_id": "cus_1", "value": 5}}})");
  BOOST_TEST(to_unix(v1.received_at) == 1735689700);
  BOOST_TEST(v1.source == "r.requests.jsonl:1");
  BOOST_TEST((v1.operations == v2.operations));
  const auto& e = std::get<meter_event>(v1.operations.front());
  BOOST_TEST((e.payload == payload{{"stripe_customer_id", "cus_1"}, {"value", "5"}}));
}

BOOST_AUTO_TEST_CASE(D5_a_meter_event_without_received_at_arrives_at_its_timestamp) {
  const auto r = one(
      R"({"path": "/v1/billing/meter_events", "params": {"event_name": "api", "timestamp": 1735689600}})");
  BOOST_TEST(to_unix(r.received_at) == 1735689600);
}

BOOST_AUTO_TEST_CASE(D5_a_usage_record_without_received_at_arrives_at_its_integer_timestamp) {
  const auto r = one(R"({"path": "/v1/subscription_items/si_1/usage_records",
                         "params": {"quantity": 3, "timestamp": 1735689600}})");
  BOOST_TEST(to_unix(r.received_at) == 1735689600);
  const auto& u = std::get<usage_record>(r.operations.front());
  BOOST_TEST(u.subscription_item == "si_1");
  BOOST_TEST((std::get<std::string>(u.quantity) == "3"));
  BOOST_TEST(!u.action.has_value());
  // With received_at, a timestamp that is not a time is a rejection later (D17), not an input error.
  const auto odd = one(R"({"received_at": 5, "path": "/v1/subscription_items/si_1/usage_records",
                           "params": {"quantity": "x", "timestamp": "yesterday", "action": "add"}})");
  BOOST_TEST(std::get<std::string>(std::get<usage_record>(odd.operations.front()).timestamp) == "yesterday");
}

BOOST_AUTO_TEST_CASE(D5_what_cannot_know_its_arrival_is_unusable) {
  const std::string lines[] = {
      R"({"path": "/v1/billing/meter_events", "params": {"event_name": "api"}})",
      R"({"path": "/v2/billing/meter_event_stream", "params": {"events": [{"event_name": "a", "timestamp": 1}]}})",
      R"({"path": "/v1/billing/meter_event_adjustments", "params": {"type": "cancel"}})",
      R"({"path": "/v1/subscription_items/si_1/usage_records", "params": {"quantity": 1, "timestamp": "now"}})",
      R"({"path": "/v1/subscription_items/si_1/usage_records", "params": {"quantity": 1}})",
      // D5: only the line's own received_at counts, not one inside the parameters.
      R"({"path": "/v1/billing/meter_event_adjustments", "params": {"received_at": 5}})",
  };
  for (const auto& line : lines) {
    BOOST_TEST_CONTEXT(line) {
      const auto e = error_of("\n" + line);
      BOOST_TEST(e.line() == 2u);
      BOOST_TEST(e.column() == 1u);
      BOOST_TEST(e.message().find("missing \"received_at\"") != std::string::npos, e.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(D7_a_stream_line_is_n_operations_with_one_source_arrival_and_key) {
  const auto r = one(R"({"received_at": "2025-01-01T00:00:00Z", "path": "/v2/billing/meter_event_stream",
      "idempotency_key": "k1",
      "params": {"events": [{"event_name": "a", "identifier": "1", "payload": {"value": "-2"}},
                            {"event_name": "b", "timestamp": "2024-12-31T23:59:00Z"},
                            {"event_name": "c"}]}})");
  BOOST_TEST(r.operations.size() == 3u);
  BOOST_TEST(to_unix(r.received_at) == 1735689600);
  BOOST_TEST((r.idempotency_key == std::optional<std::string>("k1")));
  BOOST_TEST(std::get<meter_event>(r.operations[0]).event_name == "a");
  BOOST_TEST(
      (std::get<meter_event>(r.operations[1]).timestamp == std::optional<timestamp>(from_unix(1735689540))));
  BOOST_TEST(std::get<meter_event>(r.operations[2]).event_name == "c");
}

BOOST_AUTO_TEST_CASE(M10_an_adjustment_line_is_one_cancellation) {
  const auto r = one(R"({"received_at": 10, "path": "/v1/billing/meter_event_adjustments",
      "params": {"event_name": "api", "type": "cancel", "cancel": {"identifier": "e1"}}})");
  const auto& a = std::get<meter_event_adjustment>(r.operations.front());
  BOOST_TEST(a.event_name == "api");
  BOOST_TEST((a.cancel_identifier == std::optional<std::string>("e1")));
}

BOOST_AUTO_TEST_CASE(D19_fingerprints_compare_method_path_and_typed_parameters) {
  const auto fp = [](const std::string& path, const std::string& params) {
    return one(R"({"received_at": 1, "idempotency_key": "k", "path": ")" + path + R"(", "params": )" +
               params + "}")
        .fingerprint;
  };
  const std::string item = "/v1/subscription_items/si_1/usage_records";
  BOOST_TEST(fp(item, R"({"quantity": 5, "action": "set"})") == fp(item, R"({"action":"set","quantity":5})"));
  BOOST_TEST(fp(item, R"({"quantity": 5})") != fp(item, R"({"quantity": "5"})"));
  BOOST_TEST(fp(item, R"({"quantity": 5})") !=
             fp("/v1/subscription_items/si_2/usage_records", R"({"quantity": 5})"));
  BOOST_TEST(fp(item, R"({"quantity": 5})") == "POST " + item + R"( {"quantity":5})");
}

BOOST_AUTO_TEST_CASE(D19_a_read_that_only_checks_computes_no_fingerprint_and_reads_the_rest_alike) {
  const std::string log =
      R"({"received_at": 1, "idempotency_key": "k1", "path": "/v1/billing/meter_events",)"
      R"( "params": {"event_name": "api", "timestamp": 1, "payload": {"stripe_customer_id": "c", "value": "2"}}})"
      "\n"
      R"({"received_at": 2, "path": "/v1/subscription_items/si_1/usage_records", "params": {"quantity": 5}})"
      "\n";
  const auto with = read(log);
  input_source source = input_source::from_text(log, "r.requests.jsonl");
  read_options checking;
  checking.fingerprints = false;
  std::vector<request> without;
  read_request_log(
      source, [&](request&& r) { without.push_back(std::move(r)); }, checking);
  BOOST_REQUIRE(with.size() == 2u);
  BOOST_REQUIRE(without.size() == 2u);
  BOOST_TEST(!with[0].fingerprint.empty());
  BOOST_TEST(without[0].fingerprint.empty());
  BOOST_TEST((without[0].idempotency_key == with[0].idempotency_key));
  without[0].fingerprint = with[0].fingerprint;
  for (std::size_t k = 0; k < 2; ++k) BOOST_TEST((without[k] == with[k]));
}

BOOST_AUTO_TEST_CASE(D19_containers_kept_as_text_compare_as_built_ones) {
  // Kept as their text (D6): white space and member order do not count, at any depth; array order
  // and types do.
  const auto fp = [](const std::string& params) {
    return one(R"({"received_at": 1, "idempotency_key": "k", "path": "/v1/billing/meter_events", "params": )" +
               params + "}")
        .fingerprint;
  };
  BOOST_TEST(fp(R"({"expand": [ {"a": 1} ], "event_name": "e"})") ==
             fp(R"({"event_name":"e","expand":[{"a":1}]})"));
  BOOST_TEST(fp(R"({"expand": [{"a": 1}]})") != fp(R"({"expand": [{"a": 2}]})"));
  BOOST_TEST(fp(R"({"expand": [{"a": 1, "b": {"d": [2, 1], "c": "\u0001"}}]})") ==
             fp(R"({"expand": [{"b": {"c": "\u0001", "d": [2, 1]}, "a": 1}]})"));
  BOOST_TEST(fp(R"({"expand": [{"d": [2, 1]}]})") != fp(R"({"expand": [{"d": [1, 2]}]})"));
  BOOST_TEST(fp(R"({"expand": [{"d": 1}]})") != fp(R"({"expand": [{"d": "1"}]})"));
  BOOST_TEST(fp(R"({"payload": {"b": "2", "\u0000": "1", "a": "1"}})") ==
             fp(R"({"payload": {"a": "1", "\u0000": "1", "b": "2"}})"));
  BOOST_TEST(fp(R"({"payload": {"b": "2", "a": "1"}})") == fp(R"({"payload": {"a": "1", "b": "2"}})"));
  BOOST_TEST(fp(R"({"expand": [{"a": 1}]})") == R"(POST /v1/billing/meter_events {"expand":[{"a":1}]})");
}

BOOST_AUTO_TEST_CASE(D7_more_than_100_events_or_20_items_make_a_line_unusable) {
  const auto events = [](std::size_t n, const std::string& event) {
    std::string list;
    for (std::size_t i = 0; i < n; ++i) list += (i == 0 ? "" : ", ") + event;
    return R"({"received_at": 1, "path": "/v2/billing/meter_event_stream", "params": {"events": [)" + list +
           "]}}";
  };
  const std::string event = R"({"event_name": "e", "payload": {"value": "1"}})";
  BOOST_TEST(one(events(100, event)).operations.size() == 100u);
  for (const std::string& e : {event, std::string("{}"), std::string("7")}) {
    BOOST_TEST_CONTEXT(e) {
      const std::string line = events(101, e);
      const auto error = error_of(line);
      BOOST_TEST(error.message().find("params.events: more than 100 meter events") != std::string::npos,
                 error.message());
      BOOST_TEST(error.column() > line.size() - e.size() - 4);  // at the 101st event
    }
  }
  std::string items;
  for (int i = 0; i < 21; ++i)
    items += (i == 0 ? "" : ", ") + std::string(R"({"id": "si_)" + std::to_string(i) + R"("})");
  const std::string update = R"({"received_at": 1, "path": "/v1/subscriptions/sub_1", "params": {"items": [)";
  BOOST_TEST(one(update + items.substr(0, items.rfind(", {")) + "]}}").operations.size() == 1u);
  const auto error = error_of(update + items + "]}}");
  BOOST_TEST(error.message().find("params.items: more than 20 items") != std::string::npos, error.message());
}

BOOST_AUTO_TEST_CASE(D6_a_line_nesting_what_no_endpoint_reads_costs_no_more_than_its_bytes) {
  // A payload value, an unknown parameter, a member of the line that is not read: a million
  // nested empty objects in any of them are kept as text (or refused by kind) with the same
  // messages as when they were built.
  std::string many = "[";
  for (int i = 0; i < 1'000'000; ++i) many += i == 0 ? "{}" : ",{}";
  many += "]";
  const std::string head = R"({"received_at": 1, "path": "/v1/billing/meter_events", )";
  const std::string payload_line = head + R"("params": {"payload": {"x": )" + many + "}}}";
  const auto payload_error = error_of(payload_line);
  BOOST_TEST(
      payload_error.message() ==
      "params.payload.x: expected a string or an integer (payload values are strings), found an array");
  BOOST_TEST(payload_error.column() == payload_line.find("[{}") + 1);
  const auto unknown = one(head + R"("idempotency_key": "k", "params": {"x": )" + many + "}}");
  BOOST_TEST(unknown.fingerprint.size() ==
             std::string(R"(POST /v1/billing/meter_events {"x":})").size() + many.size());
  BOOST_TEST(one(head + R"("response": )" + many + R"(, "params": {}})").operations.size() == 1u);
}

BOOST_AUTO_TEST_CASE(D6_a_log_with_no_line_or_only_blank_lines_holds_no_requests) {
  BOOST_TEST(read("").empty());
  BOOST_TEST(read("\n  \n\r\n").empty());
}

BOOST_AUTO_TEST_CASE(D3_an_empty_idempotency_key_means_none) {
  const auto r =
      one(R"({"received_at": 1, "idempotency_key": "", "path": "/v1/billing/meter_events", "params": {}})");
  BOOST_TEST(!r.idempotency_key.has_value());
  BOOST_TEST(r.fingerprint.empty());
  const auto long_key = std::string(300, 'k');
  const auto kept = one(R"({"received_at": 1, "idempotency_key": ")" + long_key +
                        R"(", "path": "/v1/billing/meter_events", "params": {}})");
  BOOST_TEST((kept.idempotency_key == std::optional<std::string>(long_key)));  // D19 rejects it when replayed
}

BOOST_AUTO_TEST_CASE(D6_malformed_lines_are_unusable_at_the_offending_value) {
  struct row {
    std::string text;
    std::string at;  ///< the error points at the first occurrence of this text
    std::string contains;
  };
  const std::string meter_events = R"("path": "/v1/billing/meter_events")";
  const std::string stream = R"("path": "/v2/billing/meter_event_stream")";
  const row rows[] = {
      {"{\"received_at\": 1, " + meter_events + "}\n[1]\n", "[1]", "expected an API request object"},
      {R"({"received_at": 1, "method": "GET", )" + meter_events + "}", "\"GET\"", "expected \"POST\""},
      {R"({"received_at": 1, "path": "/v1/invoices"})", "\"/v1/invoices\"", "unknown request path"},
      {R"({"received_at": 1})", "{", "missing \"path\""},
      {R"({"received_at": 1, "path": 7})", "7", "path: expected a string"},
      {R"({"received_at": 1, )" + meter_events + R"(, "params": [1]})", "[1]", "params: expected"},
      {R"({"received_at": 1, )" + meter_events + R"(, "idempotency_key": 5})", "5", "idempotency_key"},
      {R"({"received_at": "later", )" + meter_events + "}", "\"later\"",
       "received_at: \"later\" is not a time"},
      {R"({"received_at": 1, )" + stream + R"(, "params": {}})", "{}", "missing \"events\""},
      {R"({"received_at": 1, )" + stream + R"(, "params": {"events": {}}})", "{}}",
       "params.events: expected an array"},
      {R"({"received_at": 1, )" + stream + R"(, "params": {"events": []}})", "[]",
       "expected at least one meter event"},
      {R"({"received_at": 1, )" + stream + R"(, "params": {"events": [{}, 5]}})", "5]",
       "params.events[1]: expected"},
      {R"({"received_at": 1, )" + meter_events + R"(, "params": {"timestamp": "noon"}})", "\"noon\"",
       "params.timestamp"},
      {R"({"received_at": 1, )" + meter_events + R"(, "params": {"payload": {"v": null}}})", "null",
       "params.payload.v: expected a string or an integer"},
      {R"({"received_at": 1, )" + meter_events + R"(, "params": {"payload": {"v": {"w": [1]}}}})", "{\"w",
       "params.payload.v: expected a string or an integer (payload values are strings), found an object"},
      {R"({"received_at": {"t": 1}, )" + meter_events + "}", "{\"t", "received_at: expected a time"},
      {R"({"received_at": 1, "path": "/v1/subscription_items/si_1/usage_records", "params": {"quantity": [5]}})",
       "[5]", "params.quantity: expected a string or a number, found an array"},
      {R"({"received_at": 1, "path": "/v1/subscriptions/sub_1", "params": {"items": [{"price": {}}]}})",
       "{}}", "params.items[0].price: expected a string or a number, found an object"},
      {"{\"received_at\": 1, " + meter_events, "\"/v1", "invalid JSON"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.text) {
      const auto e = error_of(r.text);
      // Every row is one line; the expected column is where `at` starts (the end of the text for
      // the truncated line: just past its end).
      const auto column = r.contains == "invalid JSON" ? r.text.size() + 1 : r.text.find(r.at) + 1;
      BOOST_TEST(e.file() == "bad.requests.jsonl");
      BOOST_TEST(e.line() == (r.text.find('\n') == std::string::npos ? 1u : 2u));
      BOOST_TEST(e.column() == (r.text.find('\n') == std::string::npos ? column : 1u));
      BOOST_TEST(e.message().find(r.contains) != std::string::npos, e.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(D6_a_missing_method_means_post) {
  BOOST_TEST(one(R"({"received_at": 1, "path": "/v1/billing/meter_events"})").operations.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
