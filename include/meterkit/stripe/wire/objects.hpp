// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Stripe's response objects for the usage endpoints read back into meterkit types (SPEC M2, M10,
/// M13, L1, L6, W1): `billing.meter_event` / `v2.billing.meter_event`,
/// `billing.meter_event_adjustment`, `usage_record`, lists of `billing.meter_event_summary` and of
/// `usage_record_summary`, and `v2.billing.meter_event_session`. Each reader takes the whole
/// response: a failed one gives its rejection (api_error.hpp), a body of the wrong shape an
/// `api_error` rejection naming what was wrong. Writers of the same objects serve test servers.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <meterkit/calendar/period.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/meter/event_summary.hpp>
#include <meterkit/stripe/usage_objects.hpp>
#include <meterkit/stripe/wire/api_error.hpp>
#include <meterkit/stripe/wire/api_request.hpp>

namespace meterkit {

/// A meter event as Stripe echoes it.
struct meter_event_object {
  meter_event event;
  timestamp created{};
  bool livemode = false;
};

/// A meter event adjustment as Stripe echoes it (`status`: `pending` or `complete`).
struct meter_event_adjustment_object {
  std::string id;
  meter_event_adjustment adjustment;
  std::string status;
  bool livemode = false;
};

/// A usage record (L1) as Stripe echoes it.
struct usage_record_object {
  std::string id;
  std::string subscription_item;
  std::int64_t quantity = 0;
  timestamp time{};
  bool livemode = false;
};

/// One page of a list.
template <class T>
struct list_page {
  std::vector<T> data;
  bool has_more = false;
};

/// One `billing.meter_event_summary` (M13).
struct meter_event_summary_object {
  std::string id;
  std::string meter;
  event_summary summary;
};

/// One `usage_record_summary` (L6).
struct usage_record_summary_object {
  std::string id;
  std::string subscription_item;
  std::optional<std::string> invoice;
  period service_period;
  std::int64_t total_usage = 0;
};

/// A `v2.billing.meter_event_session`: the token the stream authenticates with, and its expiry
/// (W1: 15 minutes after creation).
struct meter_event_session {
  std::string id;
  std::string authentication_token;
  timestamp created{};
  timestamp expires_at{};
  bool livemode = false;

  friend bool operator==(const meter_event_session&, const meter_event_session&) = default;
};

namespace detail {

[[nodiscard]] inline rejection shape_error(std::string_view object, const std::string& what) {
  return rejection{
      error_code::api_error, "unexpected " + std::string(object) + " in the response: " + what, {}};
}

/// The JSON body of a successful response, or the rejection of a failed or unreadable one.
[[nodiscard]] inline result<nlohmann::json> success_body(const api_response& r, std::string_view object) {
  if (auto e = api_error_of(r)) return to_rejection(*e);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return shape_error(object, "the body is not a JSON object");
  return j;
}

[[nodiscard]] inline std::optional<std::int64_t> json_whole_number(const nlohmann::json& j) {
  if (j.is_number_integer()) return j.get<std::int64_t>();
  if (j.is_number_float()) {
    const double d = j.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.2e18) return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

/// A time member: unix seconds (v1) or RFC 3339 (v2).
[[nodiscard]] inline std::optional<timestamp> json_any_time(const nlohmann::json& o, std::string_view key) {
  const auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  if (it->is_number_integer()) return from_unix(it->get<std::int64_t>());
  if (it->is_string()) {
    auto t = parse_time(it->get<std::string>());
    if (t) return *t;
  }
  return std::nullopt;
}

[[nodiscard]] inline bool json_flag(const nlohmann::json& o, std::string_view key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_boolean() && it->get<bool>();
}

/// Runs a reader of F's usage objects, turning its `json_value_error` into a rejection.
template <class Fn>
[[nodiscard]] auto guarded_read(std::string_view object, Fn&& fn) -> result<decltype(fn())> {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
  try {
    return fn();
  } catch (const json_value_error& e) {
    return shape_error(object, e.what());
  }
#else
  (void)object;
  return fn();
#endif
}

template <class T, class Fn>
[[nodiscard]] result<list_page<T>> read_list(const api_response& r, std::string_view object, Fn&& one) {
  auto body = success_body(r, "list");
  if (!body) return body.error();
  const auto& j = body.value();
  const auto data = j.find("data");
  if (json_text_member(j, "object") != "list" || data == j.end() || !data->is_array()) {
    return shape_error("list", "expected {\"object\": \"list\", \"data\": [...]}");
  }
  list_page<T> page;
  page.has_more = json_flag(j, "has_more");
  for (const auto& item : *data) {
    if (!item.is_object() || json_text_member(item, "object") != object) {
      return shape_error(object, "a list element is not a " + std::string(object));
    }
    auto one_item = one(item);
    if (!one_item) return one_item.error();
    page.data.push_back(std::move(one_item).value());
  }
  return page;
}

}  // namespace detail

/// `billing.meter_event` (v1) or `v2.billing.meter_event` (v2, RFC 3339 times).
[[nodiscard]] inline result<meter_event_object> meter_event_from_response(const api_response& r) {
  auto body = detail::success_body(r, "meter event");
  if (!body) return body.error();
  const auto& j = body.value();
  const auto object = detail::json_text_member(j, "object");
  if (object != "billing.meter_event" && object != "v2.billing.meter_event") {
    return detail::shape_error("meter event", "object is \"" + object + "\"");
  }
  auto event = detail::guarded_read("meter event", [&] { return meter_event_from_json(j, json_path{}); });
  if (!event) return event.error();
  meter_event_object out;
  out.event = std::move(event).value();
  out.created = detail::json_any_time(j, "created").value_or(timestamp{});
  out.livemode = detail::json_flag(j, "livemode");
  return out;
}

/// `billing.meter_event_adjustment` (v1) or `v2.billing.meter_event_adjustment`.
[[nodiscard]] inline result<meter_event_adjustment_object> meter_event_adjustment_from_response(
    const api_response& r) {
  auto body = detail::success_body(r, "meter event adjustment");
  if (!body) return body.error();
  const auto& j = body.value();
  const auto object = detail::json_text_member(j, "object");
  if (object != "billing.meter_event_adjustment" && object != "v2.billing.meter_event_adjustment") {
    return detail::shape_error("meter event adjustment", "object is \"" + object + "\"");
  }
  auto adjustment = detail::guarded_read("meter event adjustment",
                                         [&] { return meter_event_adjustment_from_json(j, json_path{}); });
  if (!adjustment) return adjustment.error();
  return meter_event_adjustment_object{detail::json_text_member(j, "id"), std::move(adjustment).value(),
                                       detail::json_text_member(j, "status"),
                                       detail::json_flag(j, "livemode")};
}

/// `usage_record` (L1).
[[nodiscard]] inline result<usage_record_object> usage_record_from_response(const api_response& r) {
  auto body = detail::success_body(r, "usage record");
  if (!body) return body.error();
  const auto& j = body.value();
  if (detail::json_text_member(j, "object") != "usage_record")
    return detail::shape_error("usage record", "object is not \"usage_record\"");
  const auto q = j.find("quantity");
  const auto t = detail::json_any_time(j, "timestamp");
  if (q == j.end() || !q->is_number_integer() || !t)
    return detail::shape_error("usage record", "needs an integer quantity and timestamp");
  return usage_record_object{detail::json_text_member(j, "id"),
                             detail::json_text_member(j, "subscription_item"), q->get<std::int64_t>(), *t,
                             detail::json_flag(j, "livemode")};
}

/// A page of `billing.meter_event_summary` (M13); `aggregated_value` must be a whole number.
[[nodiscard]] inline result<list_page<meter_event_summary_object>> meter_event_summaries_from_response(
    const api_response& r) {
  return detail::read_list<meter_event_summary_object>(
      r, "billing.meter_event_summary", [](const nlohmann::json& j) -> result<meter_event_summary_object> {
        const auto start = detail::json_any_time(j, "start_time");
        const auto end = detail::json_any_time(j, "end_time");
        const auto v = j.find("aggregated_value");
        const auto value = v == j.end() ? std::nullopt : detail::json_whole_number(*v);
        if (!start || !end || !value)
          return detail::shape_error("meter event summary",
                                     "needs start_time, end_time and a whole aggregated_value");
        return meter_event_summary_object{detail::json_text_member(j, "id"),
                                          detail::json_text_member(j, "meter"),
                                          event_summary{period{*start, *end}, *value}};
      });
}

/// A page of `usage_record_summary` (L6), newest period first as Stripe sends them.
[[nodiscard]] inline result<list_page<usage_record_summary_object>> usage_record_summaries_from_response(
    const api_response& r) {
  return detail::read_list<usage_record_summary_object>(
      r, "usage_record_summary", [](const nlohmann::json& j) -> result<usage_record_summary_object> {
        const auto p = j.find("period");
        const auto total = j.find("total_usage");
        if (p == j.end() || !p->is_object() || total == j.end() || !total->is_number_integer())
          return detail::shape_error("usage record summary", "needs period and an integer total_usage");
        const auto start = detail::json_any_time(*p, "start");
        const auto end = detail::json_any_time(*p, "end");
        if (!start || !end)
          return detail::shape_error("usage record summary", "needs period.start and period.end");
        const auto invoice = detail::json_text_member(j, "invoice");
        return usage_record_summary_object{
            detail::json_text_member(j, "id"), detail::json_text_member(j, "subscription_item"),
            invoice.empty() ? std::nullopt : std::optional<std::string>(invoice), period{*start, *end},
            total->get<std::int64_t>()};
      });
}

/// `v2.billing.meter_event_session` (W1).
[[nodiscard]] inline result<meter_event_session> meter_event_session_from_response(const api_response& r) {
  auto body = detail::success_body(r, "meter event session");
  if (!body) return body.error();
  const auto& j = body.value();
  const auto token = detail::json_text_member(j, "authentication_token");
  const auto created = detail::json_any_time(j, "created");
  const auto expires = detail::json_any_time(j, "expires_at");
  if (detail::json_text_member(j, "object") != "v2.billing.meter_event_session" || token.empty() ||
      !expires) {
    return detail::shape_error("meter event session", "needs object, authentication_token and expires_at");
  }
  return meter_event_session{detail::json_text_member(j, "id"), token,
                             created.value_or(*expires - seconds{900}), *expires,
                             detail::json_flag(j, "livemode")};
}

// ---- writers, for test servers ------------------------------------------------------------------

/// The body Stripe answers a meter event with (`v2`: RFC 3339 times and the v2 object name).
[[nodiscard]] inline std::string meter_event_body(const meter_event& e, timestamp created, bool v2) {
  nlohmann::json j = nlohmann::json::object();
  j["object"] = v2 ? "v2.billing.meter_event" : "billing.meter_event";
  j["event_name"] = e.event_name;
  nlohmann::json payload = nlohmann::json::object();
  for (const auto& [k, v] : e.payload) payload[k] = v;
  j["payload"] = std::move(payload);
  if (e.identifier) j["identifier"] = *e.identifier;
  const timestamp t = e.timestamp.value_or(created);
  if (v2) {
    j["timestamp"] = format_rfc3339(t);
    j["created"] = format_rfc3339(created);
  } else {
    j["timestamp"] = to_unix(t);
    j["created"] = to_unix(created);
  }
  j["livemode"] = false;
  return j.dump();
}

/// The body of a meter event session created at `created` with `token`.
[[nodiscard]] inline std::string meter_event_session_body(std::string_view id, std::string_view token,
                                                          timestamp created, timestamp expires_at) {
  return nlohmann::json{{"object", "v2.billing.meter_event_session"},
                        {"id", id},
                        {"authentication_token", token},
                        {"created", format_rfc3339(created)},
                        {"expires_at", format_rfc3339(expires_at)},
                        {"livemode", false}}
      .dump();
}

}  // namespace meterkit
