// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Stripe's usage objects in JSON, read into the simulator's request bodies: a meter event, a meter
/// event adjustment, a usage record (SPEC M2, M10, L1, D3, D4, D6, D16, D17).
///
/// Values keep their text: turning them into numbers is part of the acceptance rules, so a bad
/// value is a rejection with a code later, not a broken input now (D6). What *is* a broken input
/// here raises `json_value_error` naming the value's path:
/// - a container where Stripe expects a scalar, or a member of the wrong JSON type
///   (`event_name`, `identifier`, `type`, `cancel.identifier`: strings; `payload`, `cancel`: objects);
/// - a payload value that is neither a string nor an integer (D3: an integer is taken as its
///   decimal text);
/// - a meter event's `timestamp` that is not a time (D4: unix seconds as an integer or a digit
///   string, or RFC 3339; inside 1970-01-01 ... 9999-12-31).
/// `null` means absent everywhere; an empty identifier means none (D3). Unknown members are ignored.
///
/// Usage records are lenient by rule (D17): `quantity`, `timestamp` and `action` may be any scalar
/// and are kept as text (a JSON integer as its decimal digits), to be judged when replayed.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include <meterkit/billing/request.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/legacy/usage_record.hpp>
#include <meterkit/meter/meter_event.hpp>
#include <meterkit/stripe/json.hpp>

namespace meterkit {

/// The member `key` of the object `object`, or nullptr when it is absent or `null`.
[[nodiscard]] inline const nlohmann::json* json_member(const nlohmann::json& object, std::string_view key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

/// Raises `json_value_error` unless `j` is an object; `what` names what it should be.
inline void require_json_object(const nlohmann::json& j, const json_path& where, std::string_view what) {
  if (!j.is_object())
    fail_json_value(where, "expected " + std::string(what) + " (an object), found " + describe_json(j));
}

/// A string member (absent or `null`: nullopt); any other type raises `json_value_error`.
[[nodiscard]] inline std::optional<std::string> json_string_member(const nlohmann::json& object,
                                                                   std::string_view key,
                                                                   const json_path& where) {
  const nlohmann::json* v = json_member(object, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) fail_json_value(where / key, "expected a string, found " + describe_json(*v));
  return v->get<std::string>();
}

/// A time (D4): a JSON integer of unix seconds, or a string of digits or RFC 3339. Anything else,
/// or a time outside 1970-01-01 ... 9999-12-31, raises `json_value_error`.
[[nodiscard]] inline timestamp time_from_json(const nlohmann::json& j, const json_path& where) {
  if (is_json_integer(j)) {
    const std::optional<std::int64_t> unix_seconds = json_int64(j);
    auto t = unix_seconds ? time_from_unix_checked(*unix_seconds)
                          : detail::time_error(json_integer_text(j), "outside 1970-01-01 ... 9999-12-31");
    if (!t) fail_json_value(where, t.error().message);
    return *t;
  }
  if (j.is_string()) {
    auto t = parse_time(j.get_ref<const std::string&>());
    if (!t) fail_json_value(where, t.error().message);
    return *t;
  }
  fail_json_value(where, "expected a time (unix seconds, or an RFC 3339 string), found " + describe_json(j));
}

/// A time member (absent or `null`: nullopt), see `time_from_json`.
[[nodiscard]] inline std::optional<timestamp> json_time_member(const nlohmann::json& object,
                                                               std::string_view key, const json_path& where) {
  const nlohmann::json* v = json_member(object, key);
  if (v == nullptr) return std::nullopt;
  return time_from_json(*v, where / key);
}

/// A meter event `{event_name, payload, identifier, timestamp}` (M2, D3, D4): the body of
/// `POST /v1/billing/meter_events`, `/v2/billing/meter_events`, a stream event or a bulk upload
/// object. Payload entries come in the order written (a payload the reader built: in key order).
[[nodiscard]] inline meter_event meter_event_from_json(const nlohmann::json& event, const json_path& where) {
  require_json_object(event, where, "a meter event");
  meter_event out;
  if (auto name = json_string_member(event, "event_name", where)) out.event_name = std::move(*name);
  if (const nlohmann::json* payload = json_member(event, "payload")) {
    const json_path payload_path = where / "payload";
    if (is_json_text_object(*payload)) {  // kept as its text by the reader's shape (D6)
      // Counted first (a scan that builds nothing) so that the entries are not moved as they grow.
      out.payload.reserve(json_text_member_count(*payload));
      for_each_json_text_member(*payload, [&](json_text_member&& m) {
        if (m.what == json_text_member::kind::other) {
          fail_json_value(
              payload_path / m.key,
              "expected a string or an integer (payload values are strings), found " + m.describe());
        }
        out.payload.emplace_back(std::move(m.key), std::move(m.value));
      });
    } else {
      require_json_object(*payload, payload_path, "the payload");
      out.payload.reserve(payload->size());
      for (const auto& [key, value] : payload->items()) {
        if (value.is_string()) {
          out.payload.emplace_back(key, value.get<std::string>());
        } else if (is_json_integer(value)) {
          out.payload.emplace_back(key, json_integer_text(value));
        } else {
          fail_json_value(
              payload_path / key,
              "expected a string or an integer (payload values are strings), found " + describe_json(value));
        }
      }
    }
  }
  if (auto id = json_string_member(event, "identifier", where); id && !id->empty())
    out.identifier = std::move(*id);
  out.timestamp = json_time_member(event, "timestamp", where);
  return out;
}

/// The body of `POST /v1/billing/meter_event_adjustments`: `{event_name, type, cancel:
/// {identifier}}` (M10, D16).
[[nodiscard]] inline meter_event_adjustment meter_event_adjustment_from_json(const nlohmann::json& params,
                                                                             const json_path& where) {
  require_json_object(params, where, "a meter event adjustment");
  meter_event_adjustment out;
  if (auto name = json_string_member(params, "event_name", where)) out.event_name = std::move(*name);
  out.type = json_string_member(params, "type", where);
  if (const nlohmann::json* cancel = json_member(params, "cancel")) {
    const json_path cancel_path = where / "cancel";
    require_json_object(*cancel, cancel_path, "the cancel parameters");
    if (auto id = json_string_member(*cancel, "identifier", cancel_path); id && !id->empty()) {
      out.cancel_identifier = std::move(*id);
    }
  }
  return out;
}

namespace detail {
/// A usage record parameter kept as text (D17): strings as they are, other scalars as JSON text.
[[nodiscard]] inline std::optional<std::string> usage_record_text(const nlohmann::json& params,
                                                                  std::string_view key,
                                                                  const json_path& where) {
  const nlohmann::json* v = json_member(params, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  if (is_json_integer(*v)) return json_integer_text(*v);
  if (v->is_object() || v->is_array() || is_json_text(*v)) {
    fail_json_value(where / key, "expected a string or a number, found " + describe_json(*v));
  }
  return v->dump();
}
}  // namespace detail

/// The body of `POST /v1/subscription_items/{id}/usage_records`: `{quantity, timestamp, action}`
/// (L1, D17), for the item `subscription_item` named by the path.
/// Numbers keep their text, as the request would carry them (the book checks them, D17).
[[nodiscard]] inline usage_record usage_record_from_json(std::string subscription_item,
                                                         const nlohmann::json& params,
                                                         const json_path& where) {
  require_json_object(params, where, "usage record parameters");
  usage_record out;
  out.subscription_item = std::move(subscription_item);
  if (auto q = detail::usage_record_text(params, "quantity", where)) out.quantity = std::move(*q);
  if (auto t = detail::usage_record_text(params, "timestamp", where)) out.timestamp = std::move(*t);
  out.action = detail::usage_record_text(params, "action", where);
  return out;
}

}  // namespace meterkit
