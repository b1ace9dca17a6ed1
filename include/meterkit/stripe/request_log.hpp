// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Request logs (`.requests.jsonl`): one Stripe API request a line, as it was (or would be) sent,
/// read into the simulator's requests (CONTRACT.md "Usage inputs" 2; SPEC D1, D3-D7, D19).
///
/// A line is `{"received_at": T?, "method": "POST"?, "path": P, "idempotency_key": K?,
/// "params": {...}}`; other members are ignored, blank lines are skipped. `P` is one of
///   - `/v1/billing/meter_events`, `/v2/billing/meter_events`: one meter event;
///   - `/v1/billing/meter_event_adjustments`: one cancellation;
///   - `/v1/subscription_items/{id}/usage_records`: one usage record for item `{id}`;
///   - `/v2/billing/meter_event_stream`: `params.events`, N >= 1 meter events, which become N
///     operations with the line's source, arrival and idempotency key, in array order (D7);
///   - `/v1/subscription_items/{id}` (`price`, `quantity`, `proration_behavior`,
///     `proration_date`) and `/v1/subscriptions/{id}` (`items[]` of `{id, price, quantity}`,
///     `proration_behavior`, `proration_date`, `cancel_at`, `cancel_at_period_end`,
///     `billing_cycle_anchor`, `trial_end`): one subscription change (B8, B9, B17, B18), which
///     needs `received_at`;
///   - `DELETE /v1/subscriptions/{id}` (`invoice_now`, `prorate`; `cancellation_details` is
///     accepted and ignored): the subscription cancelled at the arrival (B9);
///   - `DELETE /v1/subscription_items/{id}` (`clear_usage`, `proration_behavior`,
///     `proration_date`): the item deleted (B10); so is an `items[]` entry with `deleted`;
///   - `/v1/billing/credit_grants` (`customer`, `amount`, `applicability_config`, `category`,
///     `priority`, `effective_at`, `expires_at`, `name`, `metadata`): a credit grant created at the
///     arrival (B14), which needs `received_at`.
///
/// Unusable (D6, `input_error`): invalid JSON, wrong types, an unknown path, a method other than
/// POST (absent means POST) or, for a subscription or an item, DELETE, an empty `events` array, a time that
/// is not a time, and a line whose arrival cannot be known (D5): without `received_at`, a meter
/// event arrives at `params.timestamp`, a usage record at an integer `params.timestamp`; a stream,
/// an adjustment, or a usage record with `"now"` or no timestamp needs `received_at`. Only the
/// line's own top-level `received_at` counts.
///
/// The fingerprint (D19) is `METHOD path canonical-params` and is built only for a request that has
/// an idempotency key (without a key there is nothing to compare it with).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include <meterkit/billing/request.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/stripe/bulk_upload.hpp>
#include <meterkit/stripe/canonical_json.hpp>
#include <meterkit/stripe/input_error.hpp>
#include <meterkit/stripe/input_source.hpp>
#include <meterkit/stripe/json.hpp>
#include <meterkit/stripe/plan_json.hpp>
#include <meterkit/stripe/usage_objects.hpp>

namespace meterkit {

/// The API endpoints a request log may name.
enum class api_endpoint {
  v1_meter_events,              ///< POST /v1/billing/meter_events
  v1_meter_event_adjustments,   ///< POST /v1/billing/meter_event_adjustments
  v1_usage_records,             ///< POST /v1/subscription_items/{id}/usage_records
  v2_meter_events,              ///< POST /v2/billing/meter_events
  v2_meter_event_stream,        ///< POST /v2/billing/meter_event_stream
  v1_subscription_update,       ///< POST /v1/subscriptions/{id} (B8)
  v1_subscription_item_update,  ///< POST /v1/subscription_items/{id} (B8)
  v1_credit_grants              ///< POST /v1/billing/credit_grants (B14)
};

/// A request path understood: its endpoint and the subscription item or subscription it names.
struct api_path {
  api_endpoint endpoint{};
  std::string subscription_item;  ///< usage records, an item update
  std::string subscription{};     ///< a subscription update

  friend bool operator==(const api_path&, const api_path&) = default;
};

/// The endpoint of `path`, or nullopt for any other path.
[[nodiscard]] inline std::optional<api_path> parse_api_path(std::string_view path) {
  if (path == "/v1/billing/meter_events") return api_path{api_endpoint::v1_meter_events, {}};
  if (path == "/v1/billing/meter_event_adjustments")
    return api_path{api_endpoint::v1_meter_event_adjustments, {}};
  if (path == "/v2/billing/meter_events") return api_path{api_endpoint::v2_meter_events, {}};
  if (path == "/v2/billing/meter_event_stream") return api_path{api_endpoint::v2_meter_event_stream, {}};
  if (path == "/v1/billing/credit_grants") return api_path{api_endpoint::v1_credit_grants, {}};
  constexpr std::string_view head = "/v1/subscription_items/";
  constexpr std::string_view tail = "/usage_records";
  if (path.size() > head.size() + tail.size() && path.substr(0, head.size()) == head &&
      path.substr(path.size() - tail.size()) == tail) {
    const std::string_view id = path.substr(head.size(), path.size() - head.size() - tail.size());
    if (id.find('/') == std::string_view::npos)
      return api_path{api_endpoint::v1_usage_records, std::string(id)};
  }
  // B8: /v1/subscription_items/{id} and /v1/subscriptions/{id}, one non-empty segment.
  const auto one_id = [&](std::string_view prefix) -> std::optional<std::string> {
    if (path.size() <= prefix.size() || path.substr(0, prefix.size()) != prefix) return std::nullopt;
    const std::string_view id = path.substr(prefix.size());
    if (id.find('/') != std::string_view::npos) return std::nullopt;
    return std::string(id);
  };
  if (auto id = one_id(head)) return api_path{api_endpoint::v1_subscription_item_update, std::move(*id), {}};
  if (auto id = one_id("/v1/subscriptions/"))
    return api_path{api_endpoint::v1_subscription_update, {}, std::move(*id)};
  return std::nullopt;
}

namespace detail {

inline constexpr std::string_view known_paths =
    "/v1/billing/meter_events, /v1/billing/meter_event_adjustments, "
    "/v1/subscription_items/{id}/usage_records, /v1/subscription_items/{id}, /v1/subscriptions/{id}, "
    "/v1/billing/credit_grants, /v2/billing/meter_events or /v2/billing/meter_event_stream";

/// B14: the parameters of `POST /v1/billing/credit_grants` read as a plan's grant is; an id, a
/// creation time or a voiding are not parameters of the creation, and are refused as unknown.
[[nodiscard]] inline credit_grant_creation credit_grant_creation_from_json(const nlohmann::json& params,
                                                                           const json_path& where) {
  credit_grant_creation out;
  static constexpr std::string_view known[] = {"amount",       "applicability_config", "category", "customer",
                                               "effective_at", "expires_at",           "metadata", "name",
                                               "priority"};
  for (const auto& [key, value] : params.items()) {
    if (std::find(std::begin(known), std::end(known), key) == std::end(known)) {
      out.unknown_parameter = key;
      return out;
    }
  }
  // Required parameters left out are Stripe's `parameter_missing`, a rejection (D6).
  const nlohmann::json* amount = json_member(params, "amount");
  const nlohmann::json* money = amount && amount->is_object() ? json_member(*amount, "monetary") : nullptr;
  if (amount == nullptr || (amount->is_object() && money == nullptr) ||
      (money != nullptr && money->is_object() && json_member(*money, "value") == nullptr)) {
    out.missing_parameter = amount == nullptr  ? "amount"
                            : money == nullptr ? "amount[monetary]"
                                               : "amount[monetary][value]";
    if (const auto c = json_member(params, "customer"); c && c->is_string())
      out.grant.customer = c->get<std::string>();
    return out;
  }
  const nlohmann::json* priority = json_member(params, "priority");
  if (priority != nullptr && priority->is_number_integer()) {
    const auto value = priority->get<std::int64_t>();
    if (value < 0 || value > max_credit_grant_priority) {
      out.priority_out_of_range = value;
      nlohmann::json rest = params;
      rest.erase("priority");
      out.grant = credit_grant_from_json(rest, where);
      return out;
    }
  }
  out.grant = credit_grant_from_json(params, where);
  return out;
}

/// The parameters of `POST /v1/subscription_items/{id}`, of `POST /v1/subscriptions/{id}` (B8,
/// B9) or, with `cancel_now`, of `DELETE /v1/subscriptions/{id}` (B9) or
/// `DELETE /v1/subscription_items/{id}` (B10). Values keep their text (the
/// simulator checks them); a parameter the endpoint does not take is kept to be refused as Stripe
/// refuses it.
[[nodiscard]] inline subscription_change subscription_change_from_json(const api_path& path,
                                                                       const nlohmann::json& params,
                                                                       const json_path& where,
                                                                       bool cancel_now = false) {
  subscription_change out;
  const bool whole = path.endpoint == api_endpoint::v1_subscription_update;
  out.subscription = path.subscription;
  // The first parameter not among `known`, kept to be refused.
  const auto refuse_other = [&](std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : params.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        out.unknown_parameter = key;
        return;
      }
    }
  };
  if (cancel_now && !whole) {  // B10: DELETE /v1/subscription_items/{id}
    item_change c;
    c.item = path.subscription_item;
    c.deleted = "true";
    c.clear_usage = usage_record_text(params, "clear_usage", where);
    out.items.push_back(std::move(c));
    out.proration_behavior = usage_record_text(params, "proration_behavior", where);
    out.proration_date = usage_record_text(params, "proration_date", where);
    refuse_other({"clear_usage", "proration_behavior", "proration_date"});
    return out;
  }
  if (cancel_now) {  // B9: DELETE /v1/subscriptions/{id}
    out.cancel_now = true;
    out.invoice_now = usage_record_text(params, "invoice_now", where);
    out.prorate = usage_record_text(params, "prorate", where);
    refuse_other({"invoice_now", "prorate", "cancellation_details"});
    return out;
  }
  out.proration_behavior = usage_record_text(params, "proration_behavior", where);
  out.proration_date = usage_record_text(params, "proration_date", where);
  const auto item_of = [&](const nlohmann::json& j, const json_path& at, std::string id) {
    item_change c;
    c.item = std::move(id);
    if (auto v = json_string_member(j, "id", at)) c.item = std::move(*v);
    c.price = usage_record_text(j, "price", at);
    c.quantity = usage_record_text(j, "quantity", at);
    c.deleted = usage_record_text(j, "deleted", at);
    c.clear_usage = usage_record_text(j, "clear_usage", at);
    return c;
  };
  for (const auto& [key, value] : params.items()) {
    const bool known = key == "proration_behavior" || key == "proration_date" ||
                       (whole ? key == "items" || key == "cancel_at" || key == "cancel_at_period_end" ||
                                    key == "billing_cycle_anchor" || key == "trial_end"
                              : key == "price" || key == "quantity");
    if (!known && !out.unknown_parameter) out.unknown_parameter = key;
  }
  if (whole) {
    out.cancel_at = usage_record_text(params, "cancel_at", where);
    out.cancel_at_period_end = usage_record_text(params, "cancel_at_period_end", where);
    out.billing_cycle_anchor = usage_record_text(params, "billing_cycle_anchor", where);
    out.trial_end = usage_record_text(params, "trial_end", where);
  } else {
    out.items.push_back(item_of(params, where, path.subscription_item));
    out.items.back().item = path.subscription_item;  // an "id" parameter is unknown here
    return out;
  }
  if (const nlohmann::json* items = json_member(params, "items")) {
    const json_path items_path = where / "items";
    if (!items->is_array())
      fail_json_value(items_path, "expected an array of items, found " + describe_json(*items));
    for (std::size_t i = 0; i < items->size(); ++i) {
      const nlohmann::json& item = (*items)[i];
      require_json_object(item, items_path[i], "a subscription item change");
      for (const auto& [key, value] : item.items()) {
        const bool known =
            key == "id" || key == "price" || key == "quantity" || key == "deleted" || key == "clear_usage";
        if (!known && !out.unknown_parameter)
          out.unknown_parameter = "items[" + std::to_string(i) + "][" + key + "]";
      }
      out.items.push_back(item_of(item, items_path[i], {}));
    }
  }
  return out;
}

/// The arrival of a usage record without `received_at`: its integer timestamp (D5).
[[nodiscard]] inline std::optional<timestamp> usage_record_arrival(const usage_record& record) {
  const auto text = usage_parameter_text(record.timestamp);
  if (!text) return std::nullopt;
  auto t = parse_unix_seconds(*text);
  return t ? std::optional<timestamp>(*t) : std::nullopt;
}

/// The largest `events` array a request-log line may hold: Stripe takes at most 100 events in one
/// stream request (W1, D7).
inline constexpr std::size_t max_request_events = 100;
/// The largest `items` array: Stripe takes a list of at most 20 subscription items (B8, D7).
inline constexpr std::size_t max_request_items = 20;

/// What `request_from_log_entry` looks into (D6):
/// - the containers it reads are built;
/// - payloads, `metadata` and unknown parameters are kept as their text, for the request's
///   fingerprint (D19) and for `meter_event_from_json` (a container nested in a payload by its
///   kind alone: it is refused);
/// - members of the line other than `params` (never compared) by their kind alone.
/// A record then costs its bytes at most whatever it nests, and `events` and `items` hold at most
/// what Stripe takes.
[[nodiscard]] inline json_container_rule request_log_shape(std::span<const std::string> keys, bool is_array) {
  json_container_rule tree;
  json_container_rule text;
  text.keep = json_keep::text;
  json_container_rule kind;
  kind.keep = json_keep::kind;
  json_container_rule payload;  // its values are strings or integers: a container among them is refused
  payload.keep = json_keep::shallow_text;
  const auto is = [&](std::size_t i, std::string_view name) { return keys.size() > i && keys[i] == name; };
  if (keys.empty()) return is_array ? kind : tree;  // the line: an array is refused by its kind
  if (!is(0, "params")) return kind;
  switch (keys.size()) {
    case 1:
      return tree;
    case 2:
      if (is(1, "events")) {
        tree.max_elements = max_request_events;
        tree.too_many =
            "params.events: more than 100 meter events; Stripe takes at most 100 in one request (D7)";
        return tree;
      }
      if (is(1, "items")) {
        tree.max_elements = max_request_items;
        tree.too_many = "params.items: more than 20 items; Stripe takes at most 20 in one request (D7)";
        return tree;
      }
      if (is(1, "payload")) return payload;
      return is(1, "cancel") || is(1, "amount") || is(1, "applicability_config") ? tree : text;
    case 3:  // an event, an item, the monetary amount, the scope
      return ((is(1, "events") || is(1, "items")) && is(2, "[]")) || (is(1, "amount") && is(2, "monetary")) ||
                     (is(1, "applicability_config") && is(2, "scope"))
                 ? tree
                 : text;
    case 4:  // an event's payload, a scope's prices
      if (is(1, "events") && is(3, "payload")) return payload;
      return is(1, "applicability_config") && is(3, "prices") ? tree : text;
    case 5:  // a price of a scope
      return is(1, "applicability_config") && is(3, "prices") && is(4, "[]") ? tree : text;
    default:
      return text;
  }
}

}  // namespace detail

/// One request log line (a parsed JSON object) into a request with the given source (D5-D7, D19);
/// with `fingerprint` false, a request with an idempotency key is left without its fingerprint.
/// Raises `json_value_error` for what makes the line unusable.
[[nodiscard]] inline request request_from_log_entry(const nlohmann::json& line, std::string source,
                                                    bool fingerprint = true) {
  const json_path root;
  require_json_object(line, root, "an API request");
  const std::optional<std::string> method = json_string_member(line, "method", root);
  const std::optional<std::string> path_text = json_string_member(line, "path", root);
  if (!path_text)
    fail_json_value(root, "missing \"path\"; expected one of " + std::string(detail::known_paths));
  const std::optional<api_path> path = parse_api_path(*path_text);
  if (!path) {
    fail_json_value(root / "path", "unknown request path \"" + *path_text + "\"; expected " +
                                       std::string(detail::known_paths));
  }
  // B9, B10: DELETE cancels a subscription or deletes an item; every other request is a POST.
  const bool deletion = method && *method == "DELETE";
  const bool deletable = path->endpoint == api_endpoint::v1_subscription_update ||
                         path->endpoint == api_endpoint::v1_subscription_item_update;
  if (method && *method != "POST" && !(deletion && deletable)) {
    fail_json_value(root / "method", deletable ? "expected \"POST\" or \"DELETE\", found \"" + *method + "\""
                                               : "expected \"POST\", found \"" + *method + "\"");
  }
  std::optional<std::string> key = json_string_member(line, "idempotency_key", root);
  if (key && key->empty()) key.reset();  // D3
  static const nlohmann::json no_params = nlohmann::json::object();
  const nlohmann::json* params_ptr = json_member(line, "params");
  const nlohmann::json& params = params_ptr ? *params_ptr : no_params;
  const json_path params_path = root / "params";
  require_json_object(params, params_path, "the request parameters");
  const std::optional<timestamp> received = json_time_member(line, "received_at", root);

  request out;
  out.source = std::move(source);
  std::optional<timestamp> arrival = received;
  const auto need_arrival = [&](std::string_view what) {
    if (!arrival) {
      fail_json_value(root,
                      "missing \"received_at\"; " + std::string(what) + " needs the time it arrived (D5)");
    }
  };
  switch (path->endpoint) {
    case api_endpoint::v1_meter_events:
    case api_endpoint::v2_meter_events: {
      meter_event event = meter_event_from_json(params, params_path);
      if (!arrival) arrival = event.timestamp;
      need_arrival("a meter event without params.timestamp");
      out.operations.emplace_back(std::move(event));
      break;
    }
    case api_endpoint::v1_meter_event_adjustments:
      need_arrival("a meter event adjustment");
      out.operations.emplace_back(meter_event_adjustment_from_json(params, params_path));
      break;
    case api_endpoint::v1_usage_records: {
      usage_record record = usage_record_from_json(path->subscription_item, params, params_path);
      if (!arrival) arrival = detail::usage_record_arrival(record);
      need_arrival("a usage record without an integer params.timestamp");
      out.operations.emplace_back(std::move(record));
      break;
    }
    case api_endpoint::v2_meter_event_stream: {
      need_arrival("a meter event stream request");
      const nlohmann::json* events = json_member(params, "events");
      const json_path events_path = params_path / "events";
      if (events == nullptr)
        fail_json_value(params_path, "missing \"events\"; expected an array of meter events");
      if (!events->is_array()) {
        fail_json_value(events_path, "expected an array of meter events, found " + describe_json(*events));
      }
      if (events->empty())
        fail_json_value(events_path, "expected at least one meter event, found an empty array");
      out.operations.reserve(events->size());
      out.stream = true;
      for (std::size_t i = 0; i < events->size(); ++i) {
        out.operations.emplace_back(meter_event_from_json((*events)[i], events_path[i]));
      }
      break;
    }
    case api_endpoint::v1_credit_grants:
      need_arrival("a credit grant");
      out.operations.emplace_back(detail::credit_grant_creation_from_json(params, params_path));
      break;
    case api_endpoint::v1_subscription_update:
    case api_endpoint::v1_subscription_item_update:
      need_arrival("a subscription change");
      out.operations.emplace_back(
          detail::subscription_change_from_json(*path, params, params_path, deletion));
      break;
  }
  out.received_at = *arrival;
  if (key) {
    if (fingerprint) out.fingerprint = request_fingerprint(deletion ? "DELETE" : "POST", *path_text, params);
    out.idempotency_key = std::move(key);
  }
  return out;
}

/// Reads a request log and calls `sink(request&&)` for each line that is not blank, in file order.
/// A log with no line, or only blank ones, holds no requests.
template <class Sink>
void read_request_log(input_source& source, Sink&& sink, const read_options& options = {}) {
  detail::line_reader lines(source, options);
  const std::string& name = source.name();
  const std::string prefix = name + ":";
  std::string_view line;
  while (lines.next(line)) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const text_position where{lines.line_number(), 1};
    auto r = detail::one_record(options, [&]() -> request {  // D29: a bad line may be skipped
      const nlohmann::json entry =
          read_json(line, name, where, max_json_depth, max_json_depth, detail::request_log_shape);
      if (!entry.is_object()) {
        METERKIT_THROW(
            input_error(name, where, "expected an API request object, found " + describe_json(entry)));
      }
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
      try {
        return request_from_log_entry(entry, detail::source_of(prefix, where.line), options.fingerprints);
      } catch (const json_value_error& e) {
        raise_at_value(e, line, name, where);
      }
#else
      return request_from_log_entry(entry, detail::source_of(prefix, where.line), options.fingerprints);
#endif
    });
    if (r) sink(std::move(*r));
  }
}

}  // namespace meterkit
