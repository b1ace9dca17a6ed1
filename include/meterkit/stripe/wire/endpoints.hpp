// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The usage endpoints of Stripe's API as `api_request`s (SPEC W1, I1, D7): method, host, path,
/// query, headers and body, built from meterkit's request types (billing/request.hpp), and read
/// back into request-log lines (CONTRACT.md "Request log") so that any traffic can be replayed
/// through the simulator.
///
// clang-format off
/// | endpoint | method | body |
/// | --- | --- | --- |
/// | `/v1/billing/meter_events` | POST | form: `event_name`, `payload[k]`, `identifier`, `timestamp` (unix s) |
/// | `/v1/billing/meter_event_adjustments` | POST | form: `event_name`, `type=cancel`, `cancel[identifier]` |
/// | `/v1/subscription_items/{id}/usage_records` | POST | form: `quantity`, `timestamp`, `action` |
/// | `/v1/billing/meters/{id}/event_summaries` | GET | query: `customer`, `start_time`, `end_time`, `value_grouping_window`, paging |
/// | `/v1/subscription_items/{id}/usage_record_summaries` | GET | query: paging |
/// | `/v2/billing/meter_event_session` | POST | JSON `{}`; answers an `authentication_token` valid 15 min |
/// | `/v2/billing/meter_events` | POST | JSON, `timestamp` in RFC 3339 |
/// | `/v2/billing/meter_event_adjustments` | POST | JSON `{event_name, type, cancel: {identifier}}` |
/// | `/v2/billing/meter_event_stream` | POST | JSON `{events: [...]}` (at most 100), on the meter-events host, authenticated by the session token |
// clang-format on
///
/// Headers: `Authorization: Bearer <key>`, `Stripe-Version` (W4: a current version for meter
/// calls, the last one with usage records for usage-record calls), `Content-Type`
/// (`application/x-www-form-urlencoded` for v1 POSTs, `application/json` for v2), `Idempotency-Key`
/// when given (I1: at most 255 characters; a longer one is refused by Stripe, D19), and
/// `Stripe-Account` when set.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <meterkit/billing/request.hpp>
#include <meterkit/calendar/window.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/stripe/wire/api_request.hpp>
#include <meterkit/stripe/wire/form_encoding.hpp>

namespace meterkit {

/// The API version of meter calls by default (W4): a current one, the version Stripe's official
/// server-side libraries pinned in their releases of November 2025.
inline constexpr std::string_view current_stripe_version = "2025-11-17.clover";
/// The last API version with legacy usage records (W4): 2025-03-31.basil removed them.
inline constexpr std::string_view last_usage_records_version = "2025-02-24.acacia";
/// The first API version without legacy usage records.
inline constexpr std::string_view usage_records_removed_in = "2025-03-31.basil";

/// Whether an API version (`YYYY-MM-DD.name`) is `usage_records_removed_in` or later: its date,
/// compared as text, is not before 2025-03-31.
[[nodiscard]] constexpr bool lacks_usage_records(std::string_view stripe_version) noexcept {
  return stripe_version.substr(0, 10) >= usage_records_removed_in.substr(0, 10);
}

/// Who is calling and where: the secret key, the API versions and the hosts. The hosts are
/// configurable so that a test server or a proxy can stand in for Stripe: a host may carry a port
/// (`127.0.0.1:12111`); the transport chooses the scheme (`curl_options::scheme`).
///
/// Two API versions (W4): meter calls (v1 and v2 meter events, adjustments, summaries, sessions,
/// streams) send `stripe_version`, a current version; legacy usage-record calls (records and their
/// summaries) send `usage_records_stripe_version`, the last version that has them. Legacy usage
/// records are kept for historical simulation and migration to meters, not for new integrations.
struct api_settings {
  std::string secret_key;
  std::string stripe_version = std::string(current_stripe_version);  ///< `Stripe-Version` of meter calls
  /// `Stripe-Version` of usage-record calls; 2025-03-31.basil or later has none (`warnings()`).
  std::string usage_records_stripe_version = std::string(last_usage_records_version);
  std::string api_host = "api.stripe.com";
  std::string meter_events_host = "meter-events.stripe.com";
  std::optional<std::string> stripe_account{};  ///< `Stripe-Account` (Connect), when set
  /// Live mode (W1: 100 writes/s) or test mode (25/s); read from the key when it says
  /// (`sk_live_`, `rk_live_`), else test.
  [[nodiscard]] bool livemode() const {
    return secret_key.starts_with("sk_live_") || secret_key.starts_with("rk_live_");
  }
  /// What these settings ask for that Stripe will not do, in words (W4): usage records under an
  /// API version that removed them. Such calls are still sent (Stripe answers them with an
  /// error); `stripe_client::warnings()` holds these too.
  [[nodiscard]] std::vector<std::string> warnings() const {
    std::vector<std::string> out;
    if (lacks_usage_records(usage_records_stripe_version)) {
      out.push_back("usage_records_stripe_version " + usage_records_stripe_version +
                    " has no usage records: " + std::string(usage_records_removed_in) +
                    " removed them, so Stripe refuses every usage-record call under it; " +
                    std::string(last_usage_records_version) + " is the last version with them (W4)");
    }
    return out;
  }
};

/// Every endpoint the adapter speaks.
enum class stripe_endpoint {
  v1_meter_events,
  v1_meter_event_adjustments,
  v1_usage_records,
  v1_meter_event_summaries,
  v1_usage_record_summaries,
  v2_meter_event_session,
  v2_meter_events,
  v2_meter_event_adjustments,
  v2_meter_event_stream,
};

/// The maximum number of events in one `/v2/billing/meter_event_stream` request (W1).
inline constexpr std::size_t max_stream_events = 100;
/// The longest idempotency key Stripe stores (I1, D19).
inline constexpr std::size_t max_idempotency_key_length = 255;

/// Which endpoint a request is for, and the id in its path (subscription item or meter, as it is,
/// not as the URL escapes it), from method and path alone; nullopt for any other request.
struct endpoint_of_request {
  stripe_endpoint endpoint{};
  std::string path_id;

  friend bool operator==(const endpoint_of_request&, const endpoint_of_request&) = default;
};

[[nodiscard]] inline std::optional<endpoint_of_request> classify(std::string_view method,
                                                                 std::string_view path) {
  const auto between = [&](std::string_view head, std::string_view tail) -> std::optional<std::string> {
    if (path.size() > head.size() + tail.size() && path.starts_with(head) && path.ends_with(tail)) {
      const auto id = path.substr(head.size(), path.size() - head.size() - tail.size());
      if (id.find('/') == std::string_view::npos) return path_unescape(id);
    }
    return std::nullopt;
  };
  if (method == "POST") {
    if (path == "/v1/billing/meter_events") return endpoint_of_request{stripe_endpoint::v1_meter_events, {}};
    if (path == "/v1/billing/meter_event_adjustments")
      return endpoint_of_request{stripe_endpoint::v1_meter_event_adjustments, {}};
    if (path == "/v2/billing/meter_event_session")
      return endpoint_of_request{stripe_endpoint::v2_meter_event_session, {}};
    if (path == "/v2/billing/meter_events") return endpoint_of_request{stripe_endpoint::v2_meter_events, {}};
    if (path == "/v2/billing/meter_event_adjustments")
      return endpoint_of_request{stripe_endpoint::v2_meter_event_adjustments, {}};
    if (path == "/v2/billing/meter_event_stream")
      return endpoint_of_request{stripe_endpoint::v2_meter_event_stream, {}};
    if (auto id = between("/v1/subscription_items/", "/usage_records"))
      return endpoint_of_request{stripe_endpoint::v1_usage_records, std::move(*id)};
  } else if (method == "GET") {
    if (auto id = between("/v1/billing/meters/", "/event_summaries"))
      return endpoint_of_request{stripe_endpoint::v1_meter_event_summaries, std::move(*id)};
    if (auto id = between("/v1/subscription_items/", "/usage_record_summaries"))
      return endpoint_of_request{stripe_endpoint::v1_usage_record_summaries, std::move(*id)};
  }
  return std::nullopt;
}

/// Whether the endpoint is a v2 endpoint (JSON bodies, RFC 3339 times).
[[nodiscard]] constexpr bool is_v2(stripe_endpoint e) noexcept {
  return e == stripe_endpoint::v2_meter_event_session || e == stripe_endpoint::v2_meter_events ||
         e == stripe_endpoint::v2_meter_event_adjustments || e == stripe_endpoint::v2_meter_event_stream;
}

namespace detail {

inline constexpr std::string_view form_content_type = "application/x-www-form-urlencoded";
inline constexpr std::string_view json_content_type = "application/json";

/// A path segment as the clients put it in a URL: percent-encoded, and `.` and `..` too, which a
/// URL would otherwise resolve away (a request for `/v1/subscription_items/../usage_records`).
[[nodiscard]] inline std::string path_segment(std::string_view id) {
  if (id == "." || id == "..") return id.size() == 1 ? "%2E" : "%2E%2E";
  return form_escape(id);
}

/// Refuses a header value that would split or cut the header: CR, LF, NUL or any other control
/// character (header injection with a line-based transport; two keys made one by a C-string
/// one). Throws `configuration_error` naming the header.
inline void check_header_value(std::string_view name, std::string_view value) {
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      METERKIT_THROW(configuration_error(
          std::string(name), "contains a control character (byte " + std::to_string(byte) +
                                 "): a header value may not hold CR, LF, NUL or other control characters"));
    }
  }
}

[[nodiscard]] inline api_request base_request(const api_settings& s, std::string method, std::string host,
                                              std::string path, std::string_view bearer) {
  api_request r;
  r.method = std::move(method);
  r.host = std::move(host);
  r.path = std::move(path);
  r.set_header("Authorization", "Bearer " + std::string(bearer));
  // W4: usage-record calls (all under /v1/subscription_items/) on the version that still has them.
  const std::string& version =
      r.path.starts_with("/v1/subscription_items/") ? s.usage_records_stripe_version : s.stripe_version;
  check_header_value("Stripe-Version", version);
  r.set_header("Stripe-Version", version);
  if (s.stripe_account) {
    check_header_value("Stripe-Account", *s.stripe_account);
    r.set_header("Stripe-Account", *s.stripe_account);
  }
  return r;
}

inline void set_form_body(api_request& r, const nlohmann::json& params) {
  r.set_header("Content-Type", std::string(form_content_type));
  r.body = form_encode(params);
}
inline void set_json_body(api_request& r, const nlohmann::json& params) {
  r.set_header("Content-Type", std::string(json_content_type));
  r.body = params.dump();
}
inline void set_key(api_request& r, const std::optional<std::string>& key) {
  if (!key || key->empty()) return;
  check_header_value("Idempotency-Key", *key);
  r.set_header("Idempotency-Key", *key);
}

/// A meter event's parameters; `rfc3339` chooses v2's time format over v1's unix seconds.
[[nodiscard]] inline nlohmann::json meter_event_params(const meter_event& e, bool rfc3339) {
  nlohmann::json p = nlohmann::json::object();
  p["event_name"] = e.event_name;
  nlohmann::json payload = nlohmann::json::object();
  for (const auto& [k, v] : e.payload) payload[k] = v;
  p["payload"] = std::move(payload);
  if (e.identifier && !e.identifier->empty()) p["identifier"] = *e.identifier;
  if (e.timestamp) {
    if (rfc3339) {
      p["timestamp"] = format_rfc3339(*e.timestamp);
    } else {
      p["timestamp"] = to_unix(*e.timestamp);
    }
  }
  return p;
}

[[nodiscard]] inline nlohmann::json adjustment_params(const meter_event_adjustment& a) {
  nlohmann::json p = nlohmann::json::object();
  p["event_name"] = a.event_name;
  if (a.type) p["type"] = *a.type;  // none when none was given: never a cancellation by default (W3)
  if (a.cancel_identifier) p["cancel"] = nlohmann::json{{"identifier", *a.cancel_identifier}};
  return p;
}

}  // namespace detail

/// `POST /v1/billing/meter_events` (M2).
[[nodiscard]] inline api_request meter_event_v1(const api_settings& s, const meter_event& e,
                                                const std::optional<std::string>& idempotency_key = {}) {
  auto r = detail::base_request(s, "POST", s.api_host, "/v1/billing/meter_events", s.secret_key);
  detail::set_form_body(r, detail::meter_event_params(e, false));
  detail::set_key(r, idempotency_key);
  return r;
}

/// `POST /v1/billing/meter_event_adjustments` (M10). `type` is sent as given (Stripe requires
/// it); `stripe_client` refuses an adjustment without `type` or `cancel.identifier` (W3).
[[nodiscard]] inline api_request meter_event_adjustment_v1(
    const api_settings& s, const meter_event_adjustment& a,
    const std::optional<std::string>& idempotency_key = {}) {
  auto r = detail::base_request(s, "POST", s.api_host, "/v1/billing/meter_event_adjustments", s.secret_key);
  detail::set_form_body(r, detail::adjustment_params(a));
  detail::set_key(r, idempotency_key);
  return r;
}

/// `POST /v1/subscription_items/{id}/usage_records` (L1). Quantity, timestamp and action go as
/// written (absent ones are left out: Stripe's defaults apply).
[[nodiscard]] inline api_request usage_record_v1(const api_settings& s, const usage_record& u,
                                                 const std::optional<std::string>& idempotency_key = {}) {
  auto r = detail::base_request(
      s, "POST", s.api_host,
      "/v1/subscription_items/" + detail::path_segment(u.subscription_item) + "/usage_records", s.secret_key);
  nlohmann::json p = nlohmann::json::object();
  if (auto q = usage_parameter_text(u.quantity)) p["quantity"] = std::move(*q);
  if (auto t = usage_parameter_text(u.timestamp)) p["timestamp"] = std::move(*t);
  if (u.action) p["action"] = *u.action;
  detail::set_form_body(r, p);
  detail::set_key(r, idempotency_key);
  return r;
}

/// The query of `GET /v1/billing/meters/{id}/event_summaries` (M13).
struct meter_event_summaries_query {
  std::string meter_id;
  std::string customer;
  timestamp start_time{};
  timestamp end_time{};
  window_kind value_grouping_window = window_kind::none;
  std::optional<int> limit;
  std::optional<std::string> starting_after;
  std::optional<std::string> ending_before;
};

[[nodiscard]] inline api_request meter_event_summaries(const api_settings& s,
                                                       const meter_event_summaries_query& q) {
  auto r = detail::base_request(s, "GET", s.api_host,
                                "/v1/billing/meters/" + detail::path_segment(q.meter_id) + "/event_summaries",
                                s.secret_key);
  nlohmann::json p = nlohmann::json::object();
  p["customer"] = q.customer;
  p["start_time"] = to_unix(q.start_time);
  p["end_time"] = to_unix(q.end_time);
  if (q.value_grouping_window != window_kind::none)
    p["value_grouping_window"] = to_string(q.value_grouping_window);
  if (q.limit) p["limit"] = *q.limit;
  if (q.starting_after) p["starting_after"] = *q.starting_after;
  if (q.ending_before) p["ending_before"] = *q.ending_before;
  r.query = form_encode(p);
  return r;
}

/// The query of `GET /v1/subscription_items/{id}/usage_record_summaries` (L6).
struct usage_record_summaries_query {
  std::string subscription_item;
  std::optional<int> limit;
  std::optional<std::string> starting_after;
  std::optional<std::string> ending_before;
};

[[nodiscard]] inline api_request usage_record_summaries(const api_settings& s,
                                                        const usage_record_summaries_query& q) {
  auto r = detail::base_request(
      s, "GET", s.api_host,
      "/v1/subscription_items/" + detail::path_segment(q.subscription_item) + "/usage_record_summaries",
      s.secret_key);
  nlohmann::json p = nlohmann::json::object();
  if (q.limit) p["limit"] = *q.limit;
  if (q.starting_after) p["starting_after"] = *q.starting_after;
  if (q.ending_before) p["ending_before"] = *q.ending_before;
  r.query = form_encode(p);
  return r;
}

/// `POST /v2/billing/meter_event_session` (W1): a token for the stream, valid 15 minutes.
[[nodiscard]] inline api_request meter_event_session_v2(
    const api_settings& s, const std::optional<std::string>& idempotency_key = {}) {
  auto r = detail::base_request(s, "POST", s.api_host, "/v2/billing/meter_event_session", s.secret_key);
  detail::set_json_body(r, nlohmann::json::object());
  detail::set_key(r, idempotency_key);
  return r;
}

/// `POST /v2/billing/meter_events`: one event, RFC 3339 timestamp.
[[nodiscard]] inline api_request meter_event_v2(const api_settings& s, const meter_event& e,
                                                const std::optional<std::string>& idempotency_key = {}) {
  auto r = detail::base_request(s, "POST", s.api_host, "/v2/billing/meter_events", s.secret_key);
  detail::set_json_body(r, detail::meter_event_params(e, true));
  detail::set_key(r, idempotency_key);
  return r;
}

/// `POST /v2/billing/meter_event_adjustments`; as v1's, refused by `stripe_client` without `type`
/// or `cancel.identifier` (W3).
[[nodiscard]] inline api_request meter_event_adjustment_v2(
    const api_settings& s, const meter_event_adjustment& a,
    const std::optional<std::string>& idempotency_key = {}) {
  auto r = detail::base_request(s, "POST", s.api_host, "/v2/billing/meter_event_adjustments", s.secret_key);
  detail::set_json_body(r, detail::adjustment_params(a));
  detail::set_key(r, idempotency_key);
  return r;
}

/// `POST /v2/billing/meter_event_stream` on the meter-events host, authenticated by a session
/// token (W1). Precondition: 1 to `max_stream_events` events (D7: an empty stream is unusable).
[[nodiscard]] inline api_request meter_event_stream_v2(
    const api_settings& s, std::string_view session_token, std::span<const meter_event> events,
    const std::optional<std::string>& idempotency_key = {}) {
  METERKIT_ASSERT(!events.empty() && events.size() <= max_stream_events,
                  "meterkit: a meter event stream request carries 1 to 100 events (W1, D7), not " +
                      std::to_string(events.size()));
  auto r =
      detail::base_request(s, "POST", s.meter_events_host, "/v2/billing/meter_event_stream", session_token);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : events) list.push_back(detail::meter_event_params(e, true));
  detail::set_json_body(r, nlohmann::json{{"events", std::move(list)}});
  detail::set_key(r, idempotency_key);
  return r;
}

/// The parameters of a request as a JSON object: the decoded form body of a v1 POST (every leaf a
/// string), the query of a GET, or the JSON body of a v2 POST. A malformed body is a rejection
/// (`api_error`).
[[nodiscard]] inline result<nlohmann::json> request_params(const api_request& r) {
  if (r.method == "GET") return form_decode(r.query);
  const auto type = r.header("Content-Type").value_or(std::string_view{});
  if (type.starts_with(detail::json_content_type)) {
    if (r.body.empty()) return nlohmann::json::object();
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return rejection{error_code::api_error, "the JSON body of " + r.path + " is not a JSON object", {}};
    }
    return j;
  }
  return form_decode(r.body);
}

/// What `stripe_client` refuses before sending (W3): a request that the simulator rejects and
/// that would do something else on Stripe, or that Stripe refuses anyway.
/// - A meter event adjustment (v1 or v2) whose `type` is not `cancel` (absent included), or without
///   a non-empty `cancel.identifier`, is `meter_event_adjustment_invalid`, the simulator's code and
///   order (D16); then an `event_name` or `cancel.identifier` over 100 characters is
///   `string_too_long` (M2).
/// - A meter event (v1, v2, or any event of a v2 stream, named `events[i].…`) whose `event_name`
///   or `identifier` is over 100 characters is `string_too_long` (M2, D12).
/// Nullopt for a request to send.
[[nodiscard]] inline std::optional<rejection> local_refusal(const api_request& r) {
  const auto which = classify(r.method, r.path);
  if (!which) return std::nullopt;
  const bool adjustment = which->endpoint == stripe_endpoint::v1_meter_event_adjustments ||
                          which->endpoint == stripe_endpoint::v2_meter_event_adjustments;
  const bool events = which->endpoint == stripe_endpoint::v1_meter_events ||
                      which->endpoint == stripe_endpoint::v2_meter_events ||
                      which->endpoint == stripe_endpoint::v2_meter_event_stream;
  if (!adjustment && !events) return std::nullopt;
  auto params = request_params(r);
  if (!params)
    return adjustment ? std::optional<rejection>(params.error()) : std::nullopt;  // events: Stripe judges
  const auto& p = params.value();
  // A string member over Stripe's maxLength, the param named with `prefix`.
  const auto too_long = [](const nlohmann::json& object, std::string_view member,
                           const std::string& prefix) -> std::optional<rejection> {
    const auto it = object.find(member);
    if (it == object.end() || !it->is_string()) return std::nullopt;
    return too_long_rejection(it->get_ref<const std::string&>(), prefix + std::string(member));
  };
  if (events) {
    if (which->endpoint != stripe_endpoint::v2_meter_event_stream) {
      if (auto refused = too_long(p, "event_name", {})) return refused;
      return too_long(p, "identifier", {});
    }
    const auto list = p.find("events");
    if (list == p.end() || !list->is_array()) return std::nullopt;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& event = (*list)[i];
      if (!event.is_object()) continue;
      const std::string prefix = "events[" + std::to_string(i) + "].";
      if (auto refused = too_long(event, "event_name", prefix)) return refused;
      if (auto refused = too_long(event, "identifier", prefix)) return refused;
    }
    return std::nullopt;
  }
  const auto type = p.find("type");
  if (type == p.end() || !type->is_string() || type->get<std::string>() != "cancel") {
    return rejection{error_code::meter_event_adjustment_invalid,
                     type == p.end() ? std::string("type is required; its only value is \"cancel\" (W3, D16)")
                                     : "type must be \"cancel\", got " + type->dump() + " (W3, D16)",
                     "type"};
  }
  const auto cancel = p.find("cancel");
  const auto identifier = cancel != p.end() && cancel->is_object() ? cancel->find("identifier") : p.end();
  if (cancel == p.end() || !cancel->is_object() || identifier == cancel->end() || !identifier->is_string() ||
      identifier->get<std::string>().empty()) {
    return rejection{error_code::meter_event_adjustment_invalid, "cancel.identifier is required (W3, D16)",
                     "cancel.identifier"};
  }
  if (auto refused = too_long(p, "event_name", {})) return refused;
  return too_long(*cancel, "identifier", "cancel.");
}

/// The request-log line (CONTRACT.md "Request log") of a usage request sent at `received_at`:
/// `{"received_at", "method", "path", "idempotency_key"?, "params"}`. Nullopt for a request that
/// is not a usage operation (summaries, session creation): those change nothing to replay. A v2
/// adjustment is logged under the v1 path, the only one request logs know.
[[nodiscard]] inline std::optional<nlohmann::json> request_log_entry(const api_request& r,
                                                                     timestamp received_at) {
  const auto which = classify(r.method, r.path);
  if (!which) return std::nullopt;
  std::string path = r.path;
  switch (which->endpoint) {
    case stripe_endpoint::v1_usage_records:
      // The id as it was, not as the URL escaped it: a request log names ids unescaped.
      if (which->path_id.find('/') == std::string::npos)
        path = "/v1/subscription_items/" + which->path_id + "/usage_records";
      break;
    case stripe_endpoint::v1_meter_events:
    case stripe_endpoint::v1_meter_event_adjustments:
    case stripe_endpoint::v2_meter_events:
    case stripe_endpoint::v2_meter_event_stream:
      break;
    case stripe_endpoint::v2_meter_event_adjustments:
      // Same operation as v1's (M10); request logs name only the v1 path.
      path = "/v1/billing/meter_event_adjustments";
      break;
    default:
      return std::nullopt;
  }
  auto params = request_params(r);
  if (!params) return std::nullopt;
  nlohmann::json line = nlohmann::json::object();
  line["received_at"] = to_unix(received_at);
  line["method"] = r.method;
  line["path"] = std::move(path);
  if (auto key = r.idempotency_key()) line["idempotency_key"] = *key;
  line["params"] = std::move(params).value();
  return line;
}

}  // namespace meterkit
