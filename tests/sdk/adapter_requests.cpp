// SPDX-License-Identifier: MIT
// The wire adapter's side of the SDK check (SPEC W1, W2, I1, I2, D7, D19).
//
//   meterkit_sdk_adapter ops WORK_DIR
//     writes WORK_DIR/ops.json      the operations, as parameters for the official client
//            WORK_DIR/adapter.json  the requests the adapter encodes for the same operations
//            WORK_DIR/plan.json     a plan that bills them
//            WORK_DIR/adapter/traffic.requests.jsonl  the adapter's traffic as a request log
//   meterkit_sdk_adapter to-log CAPTURED.json OUT.requests.jsonl
//     turns the client's captured requests into a request log (for `meterkit simulate`)
#include <meterkit/stripe.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace mk = meterkit;
using json = nlohmann::json;

namespace {

const mk::timestamp jan1 = mk::from_unix(1735689600);  // 2025-01-01T00:00:00Z
constexpr const char* session_token = "tok_sdk_session";

mk::api_settings settings() {
  mk::api_settings s;
  s.secret_key = "sk_test_meterkit_sdk_check";
  return s;
}

mk::meter_event event(const std::string& id, const std::string& value, std::int64_t at) {
  return {"api_requests", {{"stripe_customer_id", "cus_1"}, {"value", value}}, id, jan1 + mk::seconds{at}};
}

/// Usage record parameters as a client user would pass them: integers where the text is digits.
json natural_usage_params(const mk::usage_record& u) {
  json p = json::object();
  const auto number_or_text = [](const std::string& s) -> json {
    if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) return std::stoll(s);
    return s;
  };
  if (const auto q = mk::usage_parameter_text(u.quantity)) p["quantity"] = number_or_text(*q);
  if (const auto t = mk::usage_parameter_text(u.timestamp)) p["timestamp"] = number_or_text(*t);
  if (u.action) p["action"] = *u.action;
  return p;
}

json request_json(const mk::api_request& r) {
  const auto h = [&](const char* name) -> json {
    auto v = r.header(name);
    return v ? json(std::string(*v)) : json(nullptr);
  };
  return {{"method", r.method},
          {"host", r.host},
          {"path", r.path},
          {"query", r.query},
          {"headers",
           {{"authorization", h("Authorization")},
            {"stripe-version", h("Stripe-Version")},
            {"content-type", h("Content-Type")},
            {"idempotency-key", h("Idempotency-Key")}}},
          {"body", r.body}};
}

mk::api_request request_from_json(const json& j) {
  mk::api_request r;
  r.method = j.at("method").get<std::string>();
  r.host = j.value("host", "");
  r.path = j.at("path").get<std::string>();
  r.query = j.value("query", "");
  for (const auto& [name, value] : j.at("headers").items()) {
    if (value.is_string()) r.set_header(name, value.get<std::string>());
  }
  r.body = j.value("body", "");
  return r;
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) {
    std::cerr << "cannot write " << p << "\n";
    std::exit(2);
  }
}

const char* const plan_json = R"({
  "meters": [{"id": "mtr_api", "event_name": "api_requests", "display_name": "API requests",
              "default_aggregation": {"formula": "sum"},
              "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
              "value_settings": {"event_payload_key": "value"}, "event_time_window": null, "status": "active"}],
  "prices": [{"id": "price_api", "currency": "usd", "billing_scheme": "per_unit", "unit_amount": 2,
              "recurring": {"interval": "month", "interval_count": 1, "usage_type": "metered", "meter": "mtr_api"}},
             {"id": "price_legacy", "currency": "usd", "billing_scheme": "per_unit", "unit_amount": 3,
              "recurring": {"interval": "month", "interval_count": 1, "usage_type": "metered", "aggregate_usage": "sum"}}],
  "subscriptions": [{"id": "sub_1", "customer": "cus_1", "start_date": 1735689600, "billing_cycle_anchor": 1735689600,
                     "items": [{"id": "si_api", "price": "price_api"}, {"id": "si_legacy", "price": "price_legacy"}]}],
  "settings": {"invoice_finalization_delay": 3600}
})";

int make_ops(const std::filesystem::path& dir) {
  const auto s = settings();
  json ops = json::array();
  std::vector<mk::api_request> adapter;
  std::vector<std::optional<std::int64_t>> arrivals;  // per adapter request
  const auto add = [&](json op, std::vector<mk::api_request> requests, std::optional<std::int64_t> at) {
    if (at) op["received_at"] = mk::to_unix(jan1) + *at;
    ops.push_back(std::move(op));
    for (auto& r : requests) {
      adapter.push_back(std::move(r));
      arrivals.push_back(at);
    }
  };
  const auto v1_event = [&](const mk::meter_event& e, const std::string& key, std::int64_t at) {
    add({{"kind", "v1_meter_event"},
         {"params", mk::detail::meter_event_params(e, false)},
         {"idempotency_key", key}},
        {mk::meter_event_v1(s, e, key)}, at);
  };

  v1_event(event("evt_1", "25", 100), "key-evt-1", 100);
  v1_event(event("evt_2", "10", 200), "key-evt-2", 200);
  const mk::meter_event_adjustment cancel{"api_requests", std::string("cancel"), std::string("evt_2")};
  add({{"kind", "v1_meter_event_adjustment"},
       {"params", mk::detail::adjustment_params(cancel)},
       {"idempotency_key", "key-cancel-2"}},
      {mk::meter_event_adjustment_v1(s, cancel, std::string("key-cancel-2"))}, 300);
  const auto v2 = event("evt_3", "7", 400);
  add({{"kind", "v2_meter_event"},
       {"params", mk::detail::meter_event_params(v2, true)},
       {"idempotency_key", "key-evt-3"}},
      {mk::meter_event_v2(s, v2, std::string("key-evt-3"))}, 400);
  const std::vector<mk::meter_event> stream = {event("evt_4", "5", 500), event("evt_5", "6", 501),
                                               event("evt_6", "-2", 502)};
  json stream_params = {{"events", json::array()}};
  for (const auto& e : stream) stream_params["events"].push_back(mk::detail::meter_event_params(e, true));
  add({{"kind", "v2_meter_event_stream"},
       {"params", stream_params},
       {"idempotency_key", "key-stream-1"},
       {"session_idempotency_key", "key-session-1"}},
      {mk::meter_event_session_v2(s, std::string("key-session-1")),
       mk::meter_event_stream_v2(s, session_token, stream, std::string("key-stream-1"))},
      600);
  for (const auto& [q, key, at] :
       {std::tuple{"12", "key-usage-1", 700}, std::tuple{"3", "key-usage-2", 800}}) {
    const mk::usage_record u{"si_legacy", std::string(q), std::to_string(mk::to_unix(jan1) + at - 50),
                             "increment"};
    add({{"kind", "v1_usage_record"},
         {"subscription_item", "si_legacy"},
         {"params", natural_usage_params(u)},
         {"idempotency_key", key}},
        {mk::usage_record_v1(s, u, std::string(key))}, at);
  }
  v1_event(event("evt_1", "25", 100), "key-evt-1", 900);  // a retry after a lost answer: replayed (I2)
  const mk::meter_event_summaries_query summaries{
      "mtr_api", "cus_1",      jan1,        jan1 + mk::seconds{86400}, mk::window_kind::hour,
      10,        std::nullopt, std::nullopt};
  add({{"kind", "v1_meter_event_summaries"},
       {"meter", "mtr_api"},
       {"params",
        {{"customer", "cus_1"},
         {"start_time", mk::to_unix(summaries.start_time)},
         {"end_time", mk::to_unix(summaries.end_time)},
         {"value_grouping_window", "hour"},
         {"limit", 10}}}},
      {mk::meter_event_summaries(s, summaries)}, std::nullopt);
  add({{"kind", "v1_usage_record_summaries"},
       {"subscription_item", "si_legacy"},
       {"params", {{"limit", 10}}}},
      {mk::usage_record_summaries(s, {"si_legacy", 10, std::nullopt, std::nullopt})}, std::nullopt);

  std::filesystem::create_directories(dir / "adapter");
  json adapter_json = json::array();
  std::string log;
  for (std::size_t i = 0; i < adapter.size(); ++i) {
    adapter_json.push_back(request_json(adapter[i]));
    if (!arrivals[i]) continue;
    if (auto line = mk::request_log_entry(adapter[i], jan1 + mk::seconds{*arrivals[i]}))
      log += line->dump() + "\n";
  }
  write(dir / "ops.json", json{{"secret_key", s.secret_key}, {"operations", ops}}.dump(1));
  write(dir / "adapter.json", adapter_json.dump(1));
  write(dir / "plan.json", plan_json);
  write(dir / "adapter" / "traffic.requests.jsonl", log);
  return 0;
}

int to_log(const std::filesystem::path& captured, const std::filesystem::path& out) {
  std::ifstream in(captured);
  std::stringstream text;
  text << in.rdbuf();
  const json requests = json::parse(text.str());
  std::string log;
  for (const auto& j : requests) {
    if (!j.contains("received_at") || !j["received_at"].is_number_integer()) continue;
    const auto r = request_from_json(j);
    if (auto line = mk::request_log_entry(r, mk::from_unix(j["received_at"].get<std::int64_t>()))) {
      log += line->dump() + "\n";
    }
  }
  std::filesystem::create_directories(out.parent_path());
  write(out, log);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "ops") return make_ops(args[1]);
  if (args.size() == 3 && args[0] == "to-log") return to_log(args[1], args[2]);
  std::cerr << "usage: meterkit_sdk_adapter ops WORK_DIR | to-log CAPTURED.json OUT.requests.jsonl\n";
  return 2;
}
