// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/usage_objects.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace meterkit;

namespace {
nlohmann::json parse(const std::string& text) { return read_json(text, "o.json"); }

/// The json_value_error of `f`, or a failed test.
template <class F>
json_value_error error_of(F&& f) {
  try {
    f();
  } catch (const json_value_error& e) {
    return e;
  }
  BOOST_FAIL("expected a json_value_error");
  return json_value_error({}, "");
}

using payload = std::vector<std::pair<std::string, std::string>>;
}  // namespace

BOOST_AUTO_TEST_SUITE(stripe_usage_objects)

BOOST_AUTO_TEST_CASE(M2_a_meter_event_keeps_its_fields_as_text) {
  const auto e =
      meter_event_from_json(parse(R"({"event_name": "api", "identifier": "evt_1", "timestamp": 1735689600,
                "payload": {"stripe_customer_id": "cus_1", "value": "-15"}, "unknown": [1]})"),
                            json_path());
  BOOST_TEST(e.event_name == "api");
  BOOST_TEST((e.identifier == std::optional<std::string>("evt_1")));
  BOOST_TEST((e.timestamp == std::optional<timestamp>(from_unix(1735689600))));
  BOOST_TEST((e.payload == payload{{"stripe_customer_id", "cus_1"}, {"value", "-15"}}));
}

BOOST_AUTO_TEST_CASE(D3_a_json_integer_payload_value_is_its_decimal_text) {
  const auto e = meter_event_from_json(
      parse(
          R"({"event_name": "api", "payload": {"a": 5, "b": -0, "c": 123456789012345678901234567890, "d": "1.5"}})"),
      json_path());
  BOOST_TEST(
      (e.payload == payload{{"a", "5"}, {"b", "0"}, {"c", "123456789012345678901234567890"}, {"d", "1.5"}}));
}

BOOST_AUTO_TEST_CASE(D3_any_other_payload_value_type_is_unusable) {
  for (const std::string value : {"1.5", "1e3", "true", "null", "[\"5\"]", "{\"v\": 5}"}) {
    BOOST_TEST_CONTEXT(value) {
      const auto e = error_of([&] {
        (void)meter_event_from_json(parse("{\"payload\": {\"value\": " + value + "}}"), json_path());
      });
      BOOST_TEST(to_string(e.path()) == "payload.value");
      BOOST_TEST(std::string(e.what()).find("expected a string or an integer") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(D3_an_empty_identifier_means_none_and_null_means_absent) {
  const auto e = meter_event_from_json(parse(R"({"event_name": null, "identifier": "", "timestamp": null,
                                                 "payload": null})"),
                                       json_path());
  BOOST_TEST(e.event_name.empty());
  BOOST_TEST(!e.identifier.has_value());
  BOOST_TEST(!e.timestamp.has_value());
  BOOST_TEST(e.payload.empty());
}

BOOST_AUTO_TEST_CASE(D6_wrong_types_name_the_path_of_the_value) {
  struct row {
    std::string text;
    std::string path;
  };
  const row rows[] = {
      {R"([1])", "event"},
      {R"({"event_name": 5})", "event.event_name"},
      {R"({"identifier": 5})", "event.identifier"},
      {R"({"payload": []})", "event.payload"},
      {R"({"payload": "v=1"})", "event.payload"},
      {R"({"timestamp": true})", "event.timestamp"},
      {R"({"timestamp": 1.5})", "event.timestamp"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.text) {
      const auto e = error_of([&] { (void)meter_event_from_json(parse(r.text), json_path("event")); });
      BOOST_TEST(to_string(e.path()) == r.path);
    }
  }
}

BOOST_AUTO_TEST_CASE(D4_times_are_unix_seconds_or_rfc3339_inside_the_supported_range) {
  struct row {
    std::string json;
    std::int64_t seconds_since_epoch;
  };
  const row good[] = {{"0", 0},
                      {"1735689600", 1735689600},
                      {"\"1735689600\"", 1735689600},
                      {"\"2025-01-01T00:00:00Z\"", 1735689600},
                      {"\"2025-01-01t01:00:00.999+01:00\"", 1735689600},
                      {"253402300799", 253402300799}};
  for (const auto& r : good) {
    BOOST_TEST(to_unix(time_from_json(parse(r.json), json_path("t"))) == r.seconds_since_epoch, r.json);
  }
  for (const std::string bad :
       {"-1", "253402300800", "99999999999999999999", "\"\"", "\"-5\"", "\"+5\"", "\"2025-02-30T00:00:00Z\"",
        "\"2025-01-01 00:00:00Z\"", "\"tomorrow\"", "1.0", "false", "{}", "[]"}) {
    BOOST_TEST_CONTEXT(bad) {
      const auto e = error_of([&] { (void)time_from_json(parse(bad), json_path("t")); });
      BOOST_TEST(to_string(e.path()) == "t");
    }
  }
}

BOOST_AUTO_TEST_CASE(M10_an_adjustment_reads_type_and_cancel_identifier) {
  const auto a = meter_event_adjustment_from_json(
      parse(R"({"event_name": "api", "type": "cancel", "cancel": {"identifier": "evt_1"}})"), json_path());
  BOOST_TEST(a.event_name == "api");
  BOOST_TEST((a.type == std::optional<std::string>("cancel")));
  BOOST_TEST((a.cancel_identifier == std::optional<std::string>("evt_1")));
  // D16: problems with the values are rejections later, so they are kept as they are.
  const auto odd = meter_event_adjustment_from_json(
      parse(R"({"type": "void", "cancel": {"identifier": ""}})"), json_path());
  BOOST_TEST(odd.event_name.empty());
  BOOST_TEST((odd.type == std::optional<std::string>("void")));
  BOOST_TEST(!odd.cancel_identifier.has_value());
  const auto e =
      error_of([&] { (void)meter_event_adjustment_from_json(parse(R"({"cancel": "evt_1"})"), json_path()); });
  BOOST_TEST(to_string(e.path()) == "cancel");
}

BOOST_AUTO_TEST_CASE(D17_usage_record_parameters_are_kept_as_text_for_the_acceptance_rules) {
  const auto r = usage_record_from_json(
      "si_1", parse(R"({"quantity": 5, "timestamp": 1735689600, "action": "set"})"), json_path());
  BOOST_TEST(r.subscription_item == "si_1");
  BOOST_TEST((std::get<std::string>(r.quantity) == "5"));
  BOOST_TEST((std::get<std::string>(r.timestamp) == "1735689600"));
  BOOST_TEST((r.action == std::optional<std::string>("set")));
  // Values the rules reject (L1, D17) are not input errors.
  const auto odd = usage_record_from_json(
      "si_1", parse(R"({"quantity": 1.5, "timestamp": "now", "action": true})"), json_path());
  BOOST_TEST((std::get<std::string>(odd.quantity) == "1.5"));
  BOOST_TEST((std::get<std::string>(odd.timestamp) == "now"));
  BOOST_TEST((odd.action == std::optional<std::string>("true")));
  const auto none = usage_record_from_json("si_1", parse("{}"), json_path());
  BOOST_TEST(std::holds_alternative<std::monostate>(none.quantity));
  BOOST_TEST(std::holds_alternative<std::monostate>(none.timestamp));
  BOOST_TEST(!none.action.has_value());
  const auto e = error_of(
      [&] { (void)usage_record_from_json("si_1", parse(R"({"quantity": [5]})"), json_path("params")); });
  BOOST_TEST(to_string(e.path()) == "params.quantity");
}

BOOST_AUTO_TEST_SUITE_END()
