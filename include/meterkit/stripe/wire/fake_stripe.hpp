// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `fake_stripe`: a transport for tests that answers the usage endpoints as Stripe does, keeps
/// what it received, and fails on request (SPEC W1, W2, I1, I2, M2, M4, M5, M10, L1, D7, D13,
/// D16, D17). Give it to a `stripe_client` (by `std::ref` to keep reading it, or by value and
/// read it back through `client.transport()`); it reads the time from the wire clock it is given.
///
// clang-format off
/// | request | answer |
/// | --- | --- |
/// | `POST /v1/billing/meter_events`, `/v2/billing/meter_events` | the meter event object; 400 `duplicate_meter_event` for an identifier seen in the last 24 h (M5), `timestamp_too_far_in_past` / `timestamp_in_future` outside 35 days / 5 minutes (M4), `meter_event_invalid_value` for a value that is not a whole number of at most 15 digits (D13) |
/// | `POST /v1/billing/meter_event_adjustments`, `/v2/...` | the adjustment object (`status: pending`); the event with that identifier no longer counts (M10) |
/// | `POST /v2/billing/meter_event_session` | a `v2.billing.meter_event_session` with an `authentication_token` valid 15 minutes |
/// | `POST /v2/billing/meter_event_stream` | 202 `{}` when the bearer is a live session token (401 `billing_meter_event_session_expired` after it expires); events refused or with a repeated identifier are dropped afterwards, as Stripe drops them asynchronously (`stream_errors()`, `duplicates()`) |
/// | `POST /v1/subscription_items/{id}/usage_records` | the usage record; `increment` adds to the quantity at its timestamp, `set` replaces it (L1) |
/// | anything else | 404 `invalid_request_error` "Unrecognized request URL" |
// clang-format on
///
/// Every request needs `Authorization: Bearer <key>` (401 otherwise; with `expected_secret_key`
/// set, that key). A POST with an `Idempotency-Key` seen in the last 24 h is answered from the
/// store, with `Idempotent-Replayed: true`, and changes nothing; with other parameters it is a 400
/// `idempotency_error` (I2). Failures before the request ran (injected 5xx, 429, lost connections)
/// store nothing, as at Stripe.
///
/// Totals: `meter_total(event_name, customer)` is the sum of the values of the events that count
/// (accepted, not cancelled), which is what a `sum` meter bills; `meter_event_count` what a
/// `count` meter bills; `usage_total(item)` what a legacy `sum` item bills.
///
/// Injected failures: `fail_next(n, failure)` makes the next `n` matching requests fail. A failure
/// is a status and an error body (status 0: no response at all, a connection error or timeout,
/// `api_response::connection_error()`), optional headers (`Stripe-Should-Retry`, `Retry-After`),
/// an optional endpoint it applies to, and `applied`: the request ran (and its idempotency key was
/// stored) before the answer failed, so a retry must not count it twice.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <meterkit/acceptance/meter_value.hpp>
#include <meterkit/acceptance/timestamp_window.hpp>
#include <meterkit/core/checked.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/legacy/usage_record.hpp>
#include <meterkit/meter/meter_event.hpp>
#include <meterkit/stripe/usage_objects.hpp>
#include <meterkit/stripe/wire/api_error.hpp>
#include <meterkit/stripe/wire/api_request.hpp>
#include <meterkit/stripe/wire/endpoints.hpp>
#include <meterkit/stripe/wire/objects.hpp>
#include <meterkit/stripe/wire/retry.hpp>

namespace meterkit {

/// One injected failure (see the file comment).
struct fake_failure {
  int status = 500;  ///< 0: no response (connection error, timeout)
  std::string type = "api_error";
  std::string code{};
  std::string message = "fake_stripe: injected failure";
  std::vector<http_header> headers{};
  /// Only requests to this endpoint fail; any request when absent.
  std::optional<stripe_endpoint> endpoint{};
  /// The request ran at Stripe (and its idempotency key was stored) before the answer failed.
  bool applied = false;

  /// 429 `rate_limit_error`, as Stripe answers beyond its rate limits (W1, W2); with
  /// `Stripe-Should-Retry: true` when `should_retry` (the only 429 the client retries by default).
  [[nodiscard]] static fake_failure rate_limited(bool should_retry = false) {
    fake_failure f{
        429, "rate_limit_error", "rate_limit", "Too many requests hit the API too quickly.", {}, {}, false};
    if (should_retry) f.headers.push_back({"Stripe-Should-Retry", "true"});
    return f;
  }
  /// No response: the connection failed or timed out (`applied`: after Stripe ran the request).
  [[nodiscard]] static fake_failure connection_lost(bool applied = false) {
    return {0, "", "", "", {}, {}, applied};
  }
  /// A timeout: no response, by default after Stripe ran the request (the usual way a timeout hurts).
  [[nodiscard]] static fake_failure timed_out(bool applied = true) { return connection_lost(applied); }
  /// 500 `api_error`.
  [[nodiscard]] static fake_failure server_error(bool applied = false) {
    return {500, "api_error", "", "An unknown error occurred.", {}, {}, applied};
  }
};

/// A meter event Stripe accepted.
struct fake_meter_event {
  meter_event event;  ///< with its identifier (generated when the request had none) and timestamp
  std::string customer;
  std::int64_t value = 0;
  timestamp received_at{};
  bool cancelled = false;
};

/// One usage record Stripe accepted (L1).
struct fake_usage_record {
  std::string subscription_item;
  std::int64_t quantity = 0;
  usage_action action = usage_action::increment;
  timestamp time{};
  timestamp received_at{};
};

/// What Stripe would find in a meter event's payload.
struct fake_stripe_options {
  std::string customer_key = "stripe_customer_id";  ///< the meters' `customer_mapping` key
  std::string value_key = "value";                  ///< the meters' `value_settings` key
  /// When set, requests with another secret key are refused with 401.
  std::optional<std::string> expected_secret_key{};
};

class fake_stripe {
 public:
  /// A fake that tells the time by `clock` (any wire clock, retry.hpp; kept by reference).
  template <class Clock>
  requires wire_clock_now<Clock>
  explicit fake_stripe(const Clock& clock, fake_stripe_options options = {})
      : now_([&clock] { return std::chrono::floor<seconds>(wire_time(clock.now())); }),
        options_(std::move(options)) {}

  /// The transport call (api_request.hpp).
  api_response operator()(const api_request& r) {
    requests_.push_back(r);
    const auto which = classify(r.method, r.path);
    std::optional<fake_failure> failure = take_failure(which);
    if (failure && !failure->applied) return failed(*failure);
    api_response out = answer(r, which);
    if (failure) return failed(*failure);
    return out;
  }

  // ---- injecting failures ----------------------------------------------------------------------

  /// The next `n` requests matching `f.endpoint` fail with `f` (after the failures already queued).
  void fail_next(std::size_t n, const fake_failure& f) { failures_.insert(failures_.end(), n, f); }
  /// The next `n` requests fail with `status` and an error of `type` (and `code`).
  void fail_next(std::size_t n, int status, std::string type = "api_error", std::string code = {}) {
    fake_failure f;
    f.status = status;
    f.type = std::move(type);
    f.code = std::move(code);
    fail_next(n, f);
  }
  /// Injected failures not used yet.
  [[nodiscard]] std::size_t failures_pending() const noexcept { return failures_.size(); }

  // ---- what it received --------------------------------------------------------------------------

  /// Every request, in arrival order (failed ones and replays included).
  [[nodiscard]] const std::vector<api_request>& requests() const noexcept { return requests_; }
  /// How many requests went to `e`.
  [[nodiscard]] std::size_t request_count(stripe_endpoint e) const {
    return static_cast<std::size_t>(
        std::count_if(requests_.begin(), requests_.end(), [&](const api_request& r) {
          const auto w = classify(r.method, r.path);
          return w && w->endpoint == e;
        }));
  }
  /// Requests answered from the idempotency store (I2).
  [[nodiscard]] std::size_t replays() const noexcept { return replays_; }
  /// Meter events refused or dropped because their identifier was seen in the last 24 h (M5).
  [[nodiscard]] std::size_t duplicates() const noexcept { return duplicates_; }
  /// Stream events refused after the 202 (Stripe reports them by webhook), in arrival order.
  [[nodiscard]] const std::vector<rejection>& stream_errors() const noexcept { return stream_errors_; }
  /// Sessions created (W1).
  [[nodiscard]] std::size_t sessions_created() const noexcept { return sessions_.size(); }

  /// Every meter event Stripe accepted, in arrival order (cancelled ones marked).
  [[nodiscard]] const std::vector<fake_meter_event>& meter_events() const noexcept { return events_; }
  /// The sum of the values of `customer`'s events of `event_name` that count: what a `sum` meter
  /// bills over all time.
  [[nodiscard]] std::int64_t meter_total(std::string_view event_name, std::string_view customer) const {
    std::int64_t total = 0;
    for (const auto& e : events_) {
      if (counts(e, event_name, customer)) total = add_or_throw(total, e.value, "fake_stripe total");
    }
    return total;
  }
  /// How many of `customer`'s events of `event_name` count: what a `count` meter bills.
  [[nodiscard]] std::size_t meter_event_count(std::string_view event_name, std::string_view customer) const {
    return static_cast<std::size_t>(
        std::count_if(events_.begin(), events_.end(),
                      [&](const fake_meter_event& e) { return counts(e, event_name, customer); }));
  }
  /// Every usage record Stripe accepted, in arrival order.
  [[nodiscard]] const std::vector<fake_usage_record>& usage_records() const noexcept { return records_; }
  /// The usage of `item`: per timestamp the last `set` plus the later `increment`s, summed over
  /// timestamps (what a legacy `sum` item bills, L1).
  [[nodiscard]] std::int64_t usage_total(std::string_view item) const {
    std::map<timestamp, std::int64_t> at;
    for (const auto& u : records_) {
      if (u.subscription_item != item) continue;
      auto& q = at[u.time];
      q = u.action == usage_action::set ? u.quantity : add_or_throw(q, u.quantity, "fake_stripe usage");
    }
    std::int64_t total = 0;
    for (const auto& [t, q] : at) total = add_or_throw(total, q, "fake_stripe usage");
    return total;
  }

 private:
  struct stored_answer {
    std::string fingerprint;  ///< method, path and body of the first request with the key
    api_response response;
    timestamp at{};
  };

  [[nodiscard]] bool counts(const fake_meter_event& e, std::string_view event_name,
                            std::string_view customer) const {
    return !e.cancelled && e.event.event_name == event_name && e.customer == customer;
  }

  std::optional<fake_failure> take_failure(const std::optional<endpoint_of_request>& which) {
    for (auto it = failures_.begin(); it != failures_.end(); ++it) {
      if (it->endpoint && (!which || which->endpoint != *it->endpoint)) continue;
      fake_failure f = std::move(*it);
      failures_.erase(it);
      return f;
    }
    return std::nullopt;
  }

  [[nodiscard]] static api_response failed(const fake_failure& f) {
    if (f.status == 0) return api_response::connection_error();
    return {f.status, f.headers, error_body(f.type, f.code, f.message)};
  }
  [[nodiscard]] static api_response refuse(int status, std::string_view type, std::string_view code,
                                           std::string_view message, std::string_view param = {}) {
    return {status, {}, error_body(type, code, message, param)};
  }
  /// A 400 for a refused parameter; meterkit's own `api_error` has no Stripe code.
  [[nodiscard]] static api_response refuse(const rejection& why) {
    const std::string code =
        why.code == error_code::api_error ? std::string() : std::string(to_string(why.code));
    return refuse(400, "invalid_request_error", code, why.message, why.param);
  }
  [[nodiscard]] static api_response ok(int status, nlohmann::json body) { return {status, {}, body.dump()}; }

  [[nodiscard]] std::string next_id(std::string_view prefix) {
    return std::string(prefix) + "_fake" + std::to_string(++ids_);
  }

  /// The answer of a request that reached Stripe (authentication, idempotency, then the endpoint).
  api_response answer(const api_request& r, const std::optional<endpoint_of_request>& which) {
    const timestamp now = now_();
    const auto bearer = bearer_of(r);
    const bool stream = which && which->endpoint == stripe_endpoint::v2_meter_event_stream;
    if (!bearer) {
      return refuse(401, "authentication_error", "",
                    "You did not provide an API key: send Authorization: Bearer <key>.");
    }
    if (!stream && options_.expected_secret_key && *bearer != *options_.expected_secret_key) {
      return refuse(401, "authentication_error", "", "Invalid API Key provided.");
    }
    if (!which) {
      return refuse(404, "invalid_request_error", "",
                    "Unrecognized request URL (" + r.method + ": " + r.path + ").");
    }
    const auto key = r.idempotency_key();
    const std::string fingerprint = r.method + " " + r.path + "\n" + r.body;
    if (key) {
      forget_before(now - seconds{86400});
      if (const auto it = store_.find(*key); it != store_.end()) {
        if (it->second.fingerprint != fingerprint) {
          return refuse(400, "idempotency_error", "",
                        "Keys for idempotent requests can only be used with the same parameters they were "
                        "first used with. Try using a key other than '" +
                            *key + "' if you meant to execute a different request.");
        }
        ++replays_;
        api_response replay = it->second.response;
        replay.headers.emplace_back("Idempotent-Replayed", "true");
        return replay;
      }
    }
    api_response out = run(r, *which, now, *bearer);
    // Stripe stores the result of a request that ran: not a refused authentication, not a 429.
    if (key && out.status != 401 && out.status != 429)
      store_.emplace(*key, stored_answer{fingerprint, out, now});
    return out;
  }

  void forget_before(timestamp t) {
    std::erase_if(store_, [&](const auto& kv) { return kv.second.at < t; });
  }

  [[nodiscard]] static std::optional<std::string> bearer_of(const api_request& r) {
    const auto auth = r.header("Authorization");
    if (!auth || !auth->starts_with("Bearer ") || auth->size() == 7) return std::nullopt;
    return std::string(auth->substr(7));
  }

  api_response run(const api_request& r, const endpoint_of_request& which, timestamp now,
                   const std::string& bearer) {
    auto params = request_params(r);
    if (!params) return refuse(400, "invalid_request_error", "", params.error().message);
    const nlohmann::json& p = params.value();
    switch (which.endpoint) {
      case stripe_endpoint::v1_meter_events:
      case stripe_endpoint::v2_meter_events:
        return one_event(p, which.endpoint == stripe_endpoint::v2_meter_events, now);
      case stripe_endpoint::v1_meter_event_adjustments:
      case stripe_endpoint::v2_meter_event_adjustments:
        return adjustment(p, which.endpoint == stripe_endpoint::v2_meter_event_adjustments);
      case stripe_endpoint::v2_meter_event_session:
        return session(now);
      case stripe_endpoint::v2_meter_event_stream:
        return stream(p, now, bearer);
      case stripe_endpoint::v1_usage_records:
        return usage(which.path_id, p, now);
      default:
        return refuse(404, "invalid_request_error", "",
                      "fake_stripe does not answer " + r.method + " " + r.path +
                          " (it answers meter events, adjustments, v2 sessions and streams, usage records)");
    }
  }

  /// Reads and checks one meter event; its rejection when Stripe would refuse it.
  [[nodiscard]] result<fake_meter_event> check_event(const nlohmann::json& j, timestamp now) {
    auto read = detail::guarded_read("meter event", [&] { return meter_event_from_json(j, json_path{}); });
    if (!read) return read.error();
    meter_event e = std::move(read).value();
    if (e.event_name.empty()) {
      return rejection{error_code::api_error, "Missing required param: event_name.", "event_name"};
    }
    const std::string* customer = e.find(options_.customer_key);
    if (customer == nullptr || customer->empty()) {
      return rejection{error_code::api_error,
                       "Missing required param: payload[" + options_.customer_key + "].",
                       "payload[" + options_.customer_key + "]"};
    }
    const std::string* value_text = e.find(options_.value_key);
    const std::string param = "payload[" + options_.value_key + "]";
    auto value = value_text != nullptr ? parse_meter_value(*value_text, param) : result<std::int64_t>(1);
    if (!value) return value.error();
    if (!e.timestamp) e.timestamp = now;
    if (auto window = stripe_timestamp_window::check(*e.timestamp, now); !window.accepted())
      return window.error();
    if (!e.identifier) e.identifier = next_id("evt");
    return fake_meter_event{std::move(e), *customer, value.value(), now, false};
  }

  /// Whether `identifier` was accepted in the 24 h before `now` (M5).
  [[nodiscard]] bool seen_recently(const std::string& identifier, timestamp now) const {
    const auto it = identifiers_.find(identifier);
    return it != identifiers_.end() && now - it->second < seconds{86400};
  }
  void accept(fake_meter_event e) {
    identifiers_[*e.event.identifier] = e.received_at;
    events_.push_back(std::move(e));
  }

  api_response one_event(const nlohmann::json& p, bool v2, timestamp now) {
    auto e = check_event(p, now);
    if (!e) return refuse(e.error());
    if (seen_recently(*e.value().event.identifier, now)) {
      ++duplicates_;
      return refuse(400, "invalid_request_error", to_string(error_code::duplicate_meter_event),
                    "An event with identifier " + *e.value().event.identifier +
                        " was already processed in the last 24 hours.",
                    "identifier");
    }
    std::string body = meter_event_body(e.value().event, now, v2);
    accept(std::move(e).value());
    return {200, {}, std::move(body)};
  }

  api_response adjustment(const nlohmann::json& p, bool v2) {
    auto read = detail::guarded_read("meter event adjustment",
                                     [&] { return meter_event_adjustment_from_json(p, json_path{}); });
    if (!read) return refuse(read.error());
    const meter_event_adjustment& a = read.value();
    if (a.type.value_or("") != "cancel") {
      return refuse(400, "invalid_request_error", "", "Invalid type: must be cancel.", "type");
    }
    if (!a.cancel_identifier) {
      return refuse(400, "invalid_request_error", "", "Missing required param: cancel[identifier].",
                    "cancel[identifier]");
    }
    for (auto& e : events_) {
      if (e.event.event_name == a.event_name && e.event.identifier == a.cancel_identifier) e.cancelled = true;
    }
    return ok(200, {{"object", v2 ? "v2.billing.meter_event_adjustment" : "billing.meter_event_adjustment"},
                    {"id", next_id("mtradj")},
                    {"event_name", a.event_name},
                    {"type", "cancel"},
                    {"cancel", {{"identifier", *a.cancel_identifier}}},
                    {"status", "pending"},
                    {"livemode", false}});
  }

  api_response session(timestamp now) {
    const std::string token = "ekst_" + next_id("token");
    sessions_.emplace(token, now + seconds{900});
    return {200, {}, meter_event_session_body(next_id("mes"), token, now, now + seconds{900})};
  }

  api_response stream(const nlohmann::json& p, timestamp now, const std::string& bearer) {
    const auto s = sessions_.find(bearer);
    if (s == sessions_.end()) {
      return refuse(401, "authentication_error", "",
                    "The stream needs a meter event session token as bearer, not this one.");
    }
    if (s->second <= now) {
      return refuse(401, "authentication_error", to_string(error_code::billing_meter_event_session_expired),
                    "The meter event session expired; create a new one.");
    }
    const auto events = p.find("events");
    if (events == p.end() || !events->is_array() || events->empty() || events->size() > max_stream_events) {
      return refuse(400, "invalid_request_error", "", "events must be an array of 1 to 100 meter events.",
                    "events");
    }
    // The stream answers before it processes: Stripe reports refused events later, by webhook.
    for (const auto& j : *events) {
      auto e = check_event(j, now);
      if (!e) {
        stream_errors_.push_back(e.error());
      } else if (seen_recently(*e.value().event.identifier, now)) {
        ++duplicates_;
      } else {
        accept(std::move(e).value());
      }
    }
    return ok(202, nlohmann::json::object());
  }

  api_response usage(const std::string& item, const nlohmann::json& p, timestamp now) {
    const auto given = [&](std::string_view key) -> std::variant<std::monostate, std::int64_t, std::string> {
      const auto it = p.find(key);
      if (it == p.end()) return std::monostate{};
      if (it->is_number_integer()) return it->get<std::int64_t>();
      if (it->is_string()) return it->get<std::string>();
      return it->dump();
    };
    const auto action_it = p.find("action");
    const std::optional<std::string> action_text = action_it != p.end() && action_it->is_string()
                                                       ? std::optional(action_it->get<std::string>())
                                                       : std::nullopt;
    auto quantity = check_usage_quantity(given("quantity"));
    if (!quantity) return refuse(quantity.error());
    auto action = check_usage_action(action_text);
    if (!action) return refuse(action.error());
    auto time = check_usage_timestamp_format(given("timestamp"), now);
    if (!time) return refuse(time.error());
    records_.push_back(fake_usage_record{item, quantity.value(), action.value(), time.value(), now});
    return ok(200, {{"object", "usage_record"},
                    {"id", next_id("mbur")},
                    {"subscription_item", item},
                    {"quantity", quantity.value()},
                    {"timestamp", to_unix(time.value())},
                    {"livemode", false}});
  }

  std::function<timestamp()> now_;
  fake_stripe_options options_;
  std::vector<api_request> requests_;
  std::deque<fake_failure> failures_;
  std::map<std::string, stored_answer, std::less<>> store_;
  std::map<std::string, timestamp, std::less<>> sessions_;  ///< token -> expires_at
  std::map<std::string, timestamp, std::less<>> identifiers_;
  std::vector<fake_meter_event> events_;
  std::vector<fake_usage_record> records_;
  std::vector<rejection> stream_errors_;
  std::size_t replays_ = 0;
  std::size_t duplicates_ = 0;
  std::uint64_t ids_ = 0;
};

}  // namespace meterkit
