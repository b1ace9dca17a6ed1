// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Stripe's error responses read into meterkit's error vocabulary (SPEC W2, I2, L4, D19; STYLE.md
/// "Errors"): the body `{"error": {"type", "code", "message", "param"}}`, the HTTP status, and the
/// `Stripe-Should-Retry` / `Idempotent-Replayed` headers.
///
/// Mapping to `error_code`, first match wins:
/// 1. no response at all (status 0): `api_error` (a connection error);
/// 2. a `code` that is one of meterkit's stable codes (`duplicate_meter_event`,
///    `billing_meter_event_session_expired`, `resource_missing`, `rate_limit`, ...): that code;
/// 3. `type: idempotency_error` or `code: idempotency_key_in_use`: `idempotency_error` (I2, D19);
/// 4. status 429 or `type: rate_limit_error`: `rate_limit` (W2);
/// 5. status 401 or `type: authentication_error`: `authentication_error`;
/// 6. `invalid_request_error` without a code whose message says a string "must be at most N
///    characters" (Stripe's answer to a parameter over its `maxLength`): `string_too_long` (M2, W3);
/// 7. on the usage records endpoint, `invalid_request_error` with `param: timestamp`:
///    `usage_record_timestamp_out_of_period` (L4); with another param:
///    `usage_record_invalid_parameter` (L1);
/// 8. anything else: `api_error`.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <meterkit/core/error.hpp>
#include <meterkit/stripe/wire/api_request.hpp>
#include <meterkit/stripe/wire/endpoints.hpp>

namespace meterkit {

/// What a failed response says.
struct api_error_info {
  int http_status = 0;  ///< 0: no response (connection error)
  std::string type;     ///< `invalid_request_error`, `api_error`, `rate_limit_error`, ...
  std::string code;     ///< Stripe's `code`, may be empty
  std::string message;
  std::string param;
  std::optional<bool> should_retry;  ///< `Stripe-Should-Retry`
  bool idempotent_replayed = false;  ///< `Idempotent-Replayed: true`

  friend bool operator==(const api_error_info&, const api_error_info&) = default;
};

namespace detail {
[[nodiscard]] inline std::string json_text_member(const nlohmann::json& o, std::string_view key) {
  const auto it = o.find(key);
  if (it == o.end() || !it->is_string()) return {};
  return it->get<std::string>();
}
}  // namespace detail

/// The error of a response that did not succeed (status 0, or outside 2xx); nullopt for a success.
/// A body that is not Stripe's error JSON still gives the status, with a generic message.
[[nodiscard]] inline std::optional<api_error_info> api_error_of(const api_response& r) {
  if (r.succeeded()) return std::nullopt;
  api_error_info e;
  e.http_status = r.status;
  e.should_retry = r.should_retry_hint();
  e.idempotent_replayed = r.idempotent_replayed();
  if (r.connection_failed()) {
    e.type = "api_connection_error";
    e.message = "no response from the API (connection error or timeout)";
    return e;
  }
  const auto body = nlohmann::json::parse(r.body, nullptr, false);
  const nlohmann::json* error = nullptr;
  if (!body.is_discarded() && body.is_object()) {
    const auto it = body.find("error");
    if (it != body.end() && it->is_object()) error = &*it;
  }
  if (error != nullptr) {
    e.type = detail::json_text_member(*error, "type");
    e.code = detail::json_text_member(*error, "code");
    e.message = detail::json_text_member(*error, "message");
    e.param = detail::json_text_member(*error, "param");
  }
  if (e.message.empty()) e.message = "HTTP " + std::to_string(r.status) + " from the API";
  return e;
}

/// The meterkit code of an error (see the file comment); `endpoint` refines
/// `invalid_request_error` on the usage records endpoint.
[[nodiscard]] inline error_code error_code_of(const api_error_info& e,
                                              std::optional<stripe_endpoint> endpoint = std::nullopt) {
  if (e.http_status == 0) return error_code::api_error;
  if (auto known = parse_error_code(e.code)) {
    switch (*known) {
      case error_code::arithmetic_overflow:
      case error_code::invalid_decimal:
      case error_code::invalid_timestamp:
      case error_code::invalid_configuration:
        break;  // meterkit's own, never Stripe's
      default:
        return *known;
    }
  }
  if (e.type == "idempotency_error" || e.code == "idempotency_key_in_use")
    return error_code::idempotency_error;
  if (e.http_status == 429 || e.type == "rate_limit_error") return error_code::rate_limit;
  if (e.http_status == 401 || e.type == "authentication_error") return error_code::authentication_error;
  if (e.type == "invalid_request_error" && e.code.empty() &&
      e.message.find("must be at most") != std::string::npos && e.message.ends_with("characters")) {
    return error_code::string_too_long;
  }
  if (endpoint == stripe_endpoint::v1_usage_records && e.type == "invalid_request_error") {
    return e.param == "timestamp" ? error_code::usage_record_timestamp_out_of_period
                                  : error_code::usage_record_invalid_parameter;
  }
  return error_code::api_error;
}

/// The error as a meterkit rejection: code, Stripe's message, Stripe's param.
[[nodiscard]] inline rejection to_rejection(const api_error_info& e,
                                            std::optional<stripe_endpoint> endpoint = std::nullopt) {
  return rejection{error_code_of(e, endpoint), e.message, e.param};
}

/// The rejection of a failed response, nullopt for a success (for the endpoint of `request`).
[[nodiscard]] inline std::optional<rejection> rejection_of(const api_request& request,
                                                           const api_response& r) {
  const auto e = api_error_of(r);
  if (!e) return std::nullopt;
  const auto which = classify(request.method, request.path);
  return to_rejection(*e, which ? std::optional<stripe_endpoint>(which->endpoint) : std::nullopt);
}

/// An error body as Stripe writes it, for test servers and fakes: `{"error": {...}}`.
[[nodiscard]] inline std::string error_body(std::string_view type, std::string_view code,
                                            std::string_view message, std::string_view param = {}) {
  nlohmann::json e = nlohmann::json::object();
  e["type"] = type;
  if (!code.empty()) e["code"] = code;
  e["message"] = message;
  if (!param.empty()) e["param"] = param;
  return nlohmann::json{{"error", std::move(e)}}.dump();
}

}  // namespace meterkit
