// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/wire/endpoints.hpp>

#include <meterkit/stripe/request_log.hpp>

#include <string>
#include <vector>

BOOST_AUTO_TEST_SUITE(stripe_wire_endpoints)

using namespace meterkit;
using json = nlohmann::json;

namespace {
api_settings settings() {
  api_settings s;
  s.secret_key = "sk_test_123";
  return s;
}
meter_event event() {
  return meter_event{"api_requests",
                     {{"stripe_customer_id", "cus_1"}, {"value", "25"}},
                     std::string("evt_1"),
                     from_unix(1735689600)};
}
}  // namespace

BOOST_AUTO_TEST_CASE(W1_v1_meter_event_is_a_form_post_with_bearer_version_and_key) {
  const auto r = meter_event_v1(settings(), event(), std::string("key-1"));
  BOOST_TEST(r.method == "POST");
  BOOST_TEST(r.host == "api.stripe.com");
  BOOST_TEST(r.path == "/v1/billing/meter_events");
  BOOST_TEST(r.query.empty());
  BOOST_TEST(r.header("Authorization").value() == "Bearer sk_test_123");
  BOOST_TEST(r.header("Stripe-Version").value() == "2025-11-17.clover");
  BOOST_TEST(r.header("Content-Type").value() == "application/x-www-form-urlencoded");
  BOOST_TEST(r.header("Idempotency-Key").value() == "key-1");
  BOOST_TEST(r.body ==
             "event_name=api_requests&identifier=evt_1&payload[stripe_customer_id]=cus_1&payload[value]=25&"
             "timestamp=1735689600");
}

BOOST_AUTO_TEST_CASE(I1_no_key_means_no_idempotency_header_and_an_empty_key_is_none) {
  BOOST_TEST(!meter_event_v1(settings(), event()).header("Idempotency-Key").has_value());
  BOOST_TEST(!meter_event_v1(settings(), event(), std::string()).header("Idempotency-Key").has_value());
  auto s = settings();
  s.stripe_account = "acct_9";
  BOOST_TEST(meter_event_v1(s, event()).header("Stripe-Account").value() == "acct_9");
}

BOOST_AUTO_TEST_CASE(M2_a_missing_timestamp_or_identifier_is_left_out) {
  meter_event e{"x", {{"stripe_customer_id", "c"}}, std::nullopt, std::nullopt};
  BOOST_TEST(meter_event_v1(settings(), e).body == "event_name=x&payload[stripe_customer_id]=c");
  BOOST_TEST(meter_event_v2(settings(), e).body ==
             R"({"event_name":"x","payload":{"stripe_customer_id":"c"}})");
}

BOOST_AUTO_TEST_CASE(M10_adjustment_and_L1_usage_record_bodies) {
  const auto a = meter_event_adjustment_v1(
      settings(), {"api_requests", std::string("cancel"), std::string("evt_1")}, std::string("k"));
  BOOST_TEST(a.path == "/v1/billing/meter_event_adjustments");
  BOOST_TEST(a.body == "cancel[identifier]=evt_1&event_name=api_requests&type=cancel");
  // W3: no `type` is sent when none was given (Stripe would refuse it; never a cancellation).
  BOOST_TEST(
      meter_event_adjustment_v1(settings(), {"api_requests", std::nullopt, std::string("evt_1")}).body ==
      "cancel[identifier]=evt_1&event_name=api_requests");
  const auto u = usage_record_v1(settings(), {"si_1", "5", "1735689600", "set"}, std::string("k2"));
  BOOST_TEST(u.path == "/v1/subscription_items/si_1/usage_records");
  BOOST_TEST(u.body == "action=set&quantity=5&timestamp=1735689600");
  const auto now = usage_record_v1(settings(), {"si 1", "0", "now", std::nullopt});
  BOOST_TEST(now.path == "/v1/subscription_items/si%201/usage_records");
  BOOST_TEST(now.body == "quantity=0&timestamp=now");
}

BOOST_AUTO_TEST_CASE(M13_summaries_are_gets_with_a_query_string_and_no_body) {
  meter_event_summaries_query q{"mtr_1",           "cus_1", from_unix(1735689600), from_unix(1735776000),
                                window_kind::hour, 10,      std::string("sum_9"),  std::nullopt};
  const auto r = meter_event_summaries(settings(), q);
  BOOST_TEST(r.method == "GET");
  BOOST_TEST(r.path == "/v1/billing/meters/mtr_1/event_summaries");
  BOOST_TEST(r.query ==
             "customer=cus_1&end_time=1735776000&limit=10&start_time=1735689600&starting_after=sum_9&"
             "value_grouping_window=hour");
  BOOST_TEST(r.body.empty());
  BOOST_TEST(!r.header("Content-Type").has_value());
  const auto l = usage_record_summaries(settings(), {"si_1", 3, std::nullopt, std::nullopt});
  BOOST_TEST(l.target() == "/v1/subscription_items/si_1/usage_record_summaries?limit=3");
}

BOOST_AUTO_TEST_CASE(W1_v2_bodies_are_json_with_rfc3339_times_and_the_stream_uses_its_host_and_token) {
  const auto v2 = meter_event_v2(settings(), event(), std::string("k"));
  BOOST_TEST(v2.path == "/v2/billing/meter_events");
  BOOST_TEST(v2.header("Content-Type").value() == "application/json");
  BOOST_TEST(json::parse(v2.body) == json({{"event_name", "api_requests"},
                                           {"identifier", "evt_1"},
                                           {"payload", {{"stripe_customer_id", "cus_1"}, {"value", "25"}}},
                                           {"timestamp", "2025-01-01T00:00:00Z"}}));
  const auto session = meter_event_session_v2(settings());
  BOOST_TEST(session.path == "/v2/billing/meter_event_session");
  BOOST_TEST(session.body == "{}");
  std::vector<meter_event> events(3, event());
  const auto stream = meter_event_stream_v2(settings(), "tok_abc", events, std::string("s1"));
  BOOST_TEST(stream.host == "meter-events.stripe.com");
  BOOST_TEST(stream.path == "/v2/billing/meter_event_stream");
  BOOST_TEST(stream.header("Authorization").value() == "Bearer tok_abc");
  BOOST_TEST(json::parse(stream.body)["events"].size() == 3u);
}

BOOST_AUTO_TEST_CASE(W1_a_stream_request_carries_one_to_one_hundred_events) {
  std::vector<meter_event> events(101, event());
  BOOST_CHECK_THROW((void)meter_event_stream_v2(settings(), "t", events), precondition_error);
  BOOST_CHECK_THROW((void)meter_event_stream_v2(settings(), "t", std::span<const meter_event>{}),
                    precondition_error);
  BOOST_CHECK_NO_THROW((void)meter_event_stream_v2(settings(), "t", std::span(events).first(100)));
}

BOOST_AUTO_TEST_CASE(W1_classify_names_every_endpoint_from_method_and_path) {
  struct row {
    const char* method;
    const char* path;
    std::optional<stripe_endpoint> want;
    const char* id;
  };
  const row table[] = {
      {"POST", "/v1/billing/meter_events", stripe_endpoint::v1_meter_events, ""},
      {"POST", "/v1/billing/meter_event_adjustments", stripe_endpoint::v1_meter_event_adjustments, ""},
      {"POST", "/v1/subscription_items/si_1/usage_records", stripe_endpoint::v1_usage_records, "si_1"},
      {"GET", "/v1/billing/meters/mtr_1/event_summaries", stripe_endpoint::v1_meter_event_summaries, "mtr_1"},
      {"GET", "/v1/subscription_items/si_1/usage_record_summaries",
       stripe_endpoint::v1_usage_record_summaries, "si_1"},
      {"POST", "/v2/billing/meter_event_session", stripe_endpoint::v2_meter_event_session, ""},
      {"POST", "/v2/billing/meter_events", stripe_endpoint::v2_meter_events, ""},
      {"POST", "/v2/billing/meter_event_adjustments", stripe_endpoint::v2_meter_event_adjustments, ""},
      {"POST", "/v2/billing/meter_event_stream", stripe_endpoint::v2_meter_event_stream, ""},
      {"GET", "/v1/billing/meter_events", std::nullopt, ""},
      {"POST", "/v1/subscription_items/a/b/usage_records", std::nullopt, ""},
      {"POST", "/v1/subscription_items//usage_records", std::nullopt, ""},
  };
  for (const auto& r : table) {
    const auto got = classify(r.method, r.path);
    BOOST_TEST(got.has_value() == r.want.has_value(), r.path);
    if (got && r.want) {
      BOOST_TEST((got->endpoint == *r.want), r.path);
      BOOST_TEST(got->path_id == r.id, r.path);
    }
  }
}

BOOST_AUTO_TEST_CASE(W4_meter_calls_send_a_current_version_usage_record_calls_the_last_one_with_them) {
  const auto s = settings();
  const meter_event_summaries_query summaries{"mtr_1", "cus_1", from_unix(0), from_unix(3600),
                                              {},      {},      {},           {}};
  const std::vector<api_request> meter_calls{
      meter_event_v1(s, event()),
      meter_event_adjustment_v1(s, {"api_requests", std::string("cancel"), std::string("evt_1")}),
      meter_event_summaries(s, summaries),
      meter_event_session_v2(s),
      meter_event_v2(s, event()),
      meter_event_adjustment_v2(s, {"api_requests", std::string("cancel"), std::string("evt_1")}),
      meter_event_stream_v2(s, "tok_1", std::vector<meter_event>{event()})};
  for (const auto& r : meter_calls)
    BOOST_TEST(r.header("Stripe-Version").value() == "2025-11-17.clover", r.path);
  const std::vector<api_request> legacy_calls{usage_record_v1(s, {"si_1", "1", "1000", "increment"}),
                                              usage_record_summaries(s, {"si_1", {}, {}, {}})};
  for (const auto& r : legacy_calls)
    BOOST_TEST(r.header("Stripe-Version").value() == "2025-02-24.acacia", r.path);
  BOOST_TEST(s.warnings().empty());
  // Each family follows its own setting.
  auto pinned = s;
  pinned.stripe_version = "2026-04-22.dahlia";
  pinned.usage_records_stripe_version = "2024-06-20";
  BOOST_TEST(meter_event_v2(pinned, event()).header("Stripe-Version").value() == "2026-04-22.dahlia");
  BOOST_TEST(usage_record_v1(pinned, {"si_1", "1", "1000", "increment"}).header("Stripe-Version").value() ==
             "2024-06-20");
  BOOST_TEST(pinned.warnings().empty());
  // Usage records asked for under a version that removed them: sent as asked, with a warning.
  for (const char* removed : {"2025-03-31.basil", "2025-11-17.clover"}) {
    auto late = s;
    late.usage_records_stripe_version = removed;
    BOOST_TEST(usage_record_v1(late, {"si_1", "1", "1000", "increment"}).header("Stripe-Version").value() ==
               removed);
    BOOST_REQUIRE(late.warnings().size() == 1u);
    BOOST_TEST(late.warnings()[0].find("2025-03-31.basil removed them") != std::string::npos);
  }
  BOOST_TEST(!lacks_usage_records("2025-03-30.acacia"));
  BOOST_TEST(lacks_usage_records("2025-03-31.basil"));
}

BOOST_AUTO_TEST_CASE(I1_W1_header_values_with_control_characters_are_refused_before_sending) {
  for (const std::string& bad : {std::string("key\r\nX-Injected: 1"), std::string("key\nsecond"),
                                 std::string("key\0tail", 8), std::string("key\x1b[31m")}) {
    BOOST_CHECK_THROW((void)meter_event_v1(settings(), event(), bad), configuration_error);
    auto s = settings();
    s.stripe_account = "acct_1" + bad;
    BOOST_CHECK_THROW((void)meter_event_v1(s, event()), configuration_error);
  }
  try {
    (void)meter_event_v1(settings(), event(), std::string("a\r\nb"));
  } catch (const configuration_error& e) {
    BOOST_TEST(std::string(e.what()).find("Idempotency-Key") != std::string::npos);
  }
  // Tabs and ordinary text pass.
  BOOST_TEST(meter_event_v1(settings(), event(), std::string("key 1/é")).header("Idempotency-Key").value() ==
             "key 1/é");
}

BOOST_AUTO_TEST_CASE(W1_path_ids_are_escaped_and_logged_unescaped) {
  for (const std::string& id : {std::string("."), std::string("..")}) {
    usage_record u;
    u.subscription_item = id;
    u.quantity = std::string("1");
    const auto r = usage_record_v1(settings(), u);
    BOOST_TEST(r.path.find("/./") == std::string::npos);
    BOOST_TEST(r.path.find("/../") == std::string::npos);
    BOOST_TEST(classify(r.method, r.path)->path_id == id);
  }
  usage_record u;
  u.subscription_item = "si 1+2%";
  u.quantity = std::string("3");
  const auto r = usage_record_v1(settings(), u);
  BOOST_TEST(r.path == "/v1/subscription_items/si%201%2B2%25/usage_records");
  BOOST_TEST(classify(r.method, r.path)->path_id == "si 1+2%");
  // The request log names the item as it is, so that the replay bills the same item.
  const auto line = request_log_entry(r, from_unix(1735689600));
  BOOST_REQUIRE(line.has_value());
  BOOST_TEST((*line)["path"].get<std::string>() == "/v1/subscription_items/si 1+2%/usage_records");
  const auto replayed = request_from_log_entry(*line, "log:1");
  BOOST_TEST(std::get<usage_record>(replayed.operations.at(0)).subscription_item == "si 1+2%");
}

BOOST_AUTO_TEST_CASE(W1_payload_keys_a_form_body_cannot_carry_are_refused) {
  auto e = event();
  e.payload.emplace_back("odd]key", "1");
  BOOST_CHECK_THROW((void)meter_event_v1(settings(), e), configuration_error);
  // v2 bodies are JSON and carry any key.
  BOOST_TEST(meter_event_v2(settings(), e).body.find("odd]key") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(D7_D19_request_log_entries_replay_as_the_same_operations) {
  const auto at = from_unix(1735690000);
  std::vector<meter_event> events = {event(), event()};
  events[1].identifier = "evt_2";
  const std::vector<api_request> traffic = {
      meter_event_v1(settings(), event(), std::string("k1")),
      meter_event_v2(settings(), event(), std::string("k2")),
      meter_event_stream_v2(settings(), "tok", events, std::string("k3")),
      meter_event_adjustment_v1(settings(), {"api_requests", std::string("cancel"), std::string("evt_1")},
                                std::string("k4")),
      meter_event_adjustment_v2(settings(), {"api_requests", std::string("cancel"), std::string("evt_1")}),
      usage_record_v1(settings(), {"si_1", "7", "1735689000", "increment"}, std::string("k5")),
  };
  std::vector<std::vector<operation_body>> want = {
      {event()},
      {event()},
      {events[0], events[1]},
      {meter_event_adjustment{"api_requests", std::string("cancel"), std::string("evt_1")}},
      {meter_event_adjustment{"api_requests", std::string("cancel"), std::string("evt_1")}},
      {usage_record{"si_1", std::string("7"), std::string("1735689000"), "increment"}},
  };
  for (std::size_t i = 0; i < traffic.size(); ++i) {
    const auto line = request_log_entry(traffic[i], at);
    BOOST_REQUIRE(line.has_value());
    const request r = request_from_log_entry(*line, "t:" + std::to_string(i + 1));
    BOOST_TEST(to_unix(r.received_at) == to_unix(at));
    BOOST_TEST((r.operations == want[i]), "request " << i << ": " << line->dump());
    BOOST_TEST((r.idempotency_key == traffic[i].idempotency_key()));
  }
  // The same request gives the same fingerprint, a different one another (D19).
  const auto a = request_from_log_entry(*request_log_entry(traffic[0], at), "a");
  const auto b = request_from_log_entry(*request_log_entry(traffic[0], at + seconds{5}), "b");
  auto changed = event();
  changed.payload[1].second = "26";
  const auto c = request_from_log_entry(
      *request_log_entry(meter_event_v1(settings(), changed, std::string("k1")), at), "c");
  BOOST_TEST(a.fingerprint == b.fingerprint);
  BOOST_TEST(a.fingerprint != c.fingerprint);
  BOOST_TEST(!request_log_entry(meter_event_session_v2(settings()), at).has_value());
  BOOST_TEST(!request_log_entry(usage_record_summaries(settings(), {"si_1", {}, {}, {}}), at).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
