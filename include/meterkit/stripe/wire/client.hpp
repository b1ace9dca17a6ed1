// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `stripe_client`: sends `api_request`s through a user-supplied transport with the official
/// clients' retries and Stripe's rate limits (SPEC W1, W2, I1, I2). It does no I/O of its own:
/// the transport talks to the network, the injected clock tells the time and waits, the injected
/// random source draws jitter and generated keys.
///
/// One `send`:
/// 1. a POST without `Idempotency-Key` gets a generated one (v2 always, v1 when retries are on);
///    every attempt then carries the same key, so a retry cannot apply twice (W2, I2);
/// 2. a request the simulator rejects and that would do something else on Stripe (an adjustment
///    without `type` or `cancel.identifier`), or that Stripe refuses anyway (an event name or
///    identifier over 100 characters), is refused locally with the simulator's code (W3,
///    `local_refusal` of endpoints.hpp); a meter event (`/v1` or `/v2/billing/meter_events`) is
///    refused locally with `rate_limit` while another one for the same (customer, meter) is in
///    flight (W1);
/// 3. each attempt first takes a token from its endpoint class's bucket, waiting on the clock if
///    none is there (W1);
/// 4. the response is retried per `retry_policy` (connection errors, 409, 5xx,
///    `Stripe-Should-Retry`, 429) after the policy's delay;
/// 5. the result names the last response, the attempts, the rejection (error mapping of
///    api_error.hpp) and whether Stripe answered from its idempotency store.
///
/// Threads (W1): one client may be shared by several threads sending at once, and it is the way to
/// keep all of them within one set of rate limits and one in-flight registry. The client's own
/// state (statistics, the token buckets, the in-flight registry) and its draws from `Random` and
/// reads of `Clock::now()` are guarded by the client's mutex; the waits (`Clock::sleep_for`) and the
/// exchanges (`Transport`) happen outside it, concurrently. So a shared client needs a transport
/// and a clock that may be called from several threads at once: `manual_clock` and
/// `system_wire_clock` may; `curl_transport` may not (give each thread its own client then, with
/// its own limits). `Random` is only called under the lock. `stats()` returns a copy taken under
/// the lock.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/stripe/wire/api_error.hpp>
#include <meterkit/stripe/wire/api_request.hpp>
#include <meterkit/stripe/wire/endpoints.hpp>
#include <meterkit/stripe/wire/rate_limit.hpp>
#include <meterkit/stripe/wire/retry.hpp>

namespace meterkit {

/// What a client may change.
struct client_options {
  retry_policy retry;
  /// Requests per second per class; default: `rate_limits::for_mode(settings.livemode())`.
  std::optional<rate_limits> limits{};
  /// The payload key that names the customer of a meter event (for the in-flight rule, W1).
  std::string customer_payload_key = "stripe_customer_id";
};

/// The outcome of one `send`.
struct call_result {
  api_request request;    ///< as sent, with its idempotency key
  api_response response;  ///< the last response (status 0: none came)
  int attempts = 0;       ///< 0 when refused locally
  std::optional<rejection> error;
  bool replayed = false;  ///< `Idempotent-Replayed: true` on the last response (I2)

  [[nodiscard]] bool succeeded() const noexcept { return !error.has_value(); }
};

/// Counters over the client's life.
struct client_stats {
  std::uint64_t requests = 0;  ///< calls of `send`
  std::uint64_t attempts = 0;  ///< transport calls
  std::uint64_t retries = 0;
  std::uint64_t refused_in_flight = 0;
  std::uint64_t refused_invalid = 0;  ///< refused before sending (W3)
  wire_duration rate_limit_wait{0};
  wire_duration retry_wait{0};
};

template <class Transport, class Clock, class Random>
class stripe_client {
  static_assert(detail::check_transport<Transport>());
  static_assert(detail::check_wire_clock<Clock>());
  static_assert(detail::check_unit_random<Random>());

 public:
  stripe_client(api_settings settings, Transport transport, Clock& clock, Random& random,
                client_options options = {})
      : settings_(std::move(settings)),
        transport_(std::move(transport)),
        clock_(&clock),
        random_(&random),
        options_(std::move(options)),
        limiter_(options_.limits.value_or(rate_limits::for_mode(settings_.livemode())), clock.now()),
        warnings_(settings_.warnings()) {}

  [[nodiscard]] const api_settings& settings() const noexcept { return settings_; }
  [[nodiscard]] const client_options& options() const noexcept { return options_; }
  /// What the settings ask for that Stripe will not do (`api_settings::warnings`, W4), for the
  /// caller to show; empty when nothing.
  [[nodiscard]] const std::vector<std::string>& warnings() const noexcept { return warnings_; }
  /// The counters so far (a copy: other threads may be sending).
  [[nodiscard]] client_stats stats() const {
    const std::lock_guard lock(mutex_);
    return stats_;
  }
  [[nodiscard]] Clock& clock() noexcept { return *clock_; }
  [[nodiscard]] Transport& transport() noexcept { return transport_; }

  /// Sends `request` with retries and rate limits (see the file comment).
  call_result send(api_request request) {
    call_result out;
    const auto which = classify(request.method, request.path);
    const bool generate_key = request.method == "POST" && !request.idempotency_key() &&
                              ((which ? is_v2(which->endpoint) : request.path.starts_with("/v2/")) ||
                               options_.retry.max_retries > 0);
    {
      const std::lock_guard lock(mutex_);
      ++stats_.requests;
      if (generate_key) request.set_header("Idempotency-Key", "meterkit-retry-" + random_uuid(*random_));
    }
    if (auto refused = local_refusal(request)) {  // W3: never sent
      {
        const std::lock_guard lock(mutex_);
        ++stats_.refused_invalid;
      }
      out.request = std::move(request);
      out.error = std::move(refused);
      return out;
    }
    const auto target = in_flight_target(request, which);
    if (target && !in_flight_.try_begin(target->first, target->second)) {
      {
        const std::lock_guard lock(mutex_);
        ++stats_.refused_in_flight;
      }
      out.request = std::move(request);
      out.error = rejection{error_code::rate_limit,
                            "a meter event for customer \"" + target->first + "\" and event name \"" +
                                target->second + "\" is already in flight (W1: one at a time)",
                            {}};
      return out;
    }
    // Releases the (customer, meter) slot however the attempts end (a transport may throw).
    struct release_slot {
      in_flight_meter_events* registry;
      const std::optional<std::pair<std::string, std::string>>* slot;
      ~release_slot() {
        if (*slot) registry->end((*slot)->first, (*slot)->second);
      }
    } release{&in_flight_, &target};
    const endpoint_class cls = endpoint_class_of(request);
    for (int retries = 0;; ++retries) {
      wire_duration wait{0};
      {
        const std::lock_guard lock(mutex_);
        wait = limiter_.reserve(cls, clock_->now());
        stats_.rate_limit_wait += std::max(wait, wire_duration{0});
        ++stats_.attempts;
      }
      if (wait.count() > 0) clock_->sleep_for(wait);
      ++out.attempts;
      out.response = transport_(static_cast<const api_request&>(request));
      if (!options_.retry.should_retry(out.response, retries)) break;
      wire_duration delay{0};
      {
        const std::lock_guard lock(mutex_);
        delay = options_.retry.delay(retries, static_cast<double>((*random_)()),
                                     retry_after_seconds(out.response));
        ++stats_.retries;
        stats_.retry_wait += delay;
      }
      clock_->sleep_for(delay);
    }
    out.replayed = out.response.idempotent_replayed();
    out.error = rejection_of(request, out.response);
    out.request = std::move(request);
    return out;
  }

  /// The in-flight registry (one per client, shared by the threads that send through it).
  [[nodiscard]] in_flight_meter_events& in_flight() noexcept { return in_flight_; }

 private:
  /// (customer, event name) of a single meter event request.
  [[nodiscard]] std::optional<std::pair<std::string, std::string>> in_flight_target(
      const api_request& r, const std::optional<endpoint_of_request>& which) const {
    if (!which || (which->endpoint != stripe_endpoint::v1_meter_events &&
                   which->endpoint != stripe_endpoint::v2_meter_events))
      return std::nullopt;
    auto params = request_params(r);
    if (!params) return std::nullopt;
    const auto& p = params.value();
    const auto name = p.find("event_name");
    const auto payload = p.find("payload");
    if (name == p.end() || !name->is_string() || payload == p.end() || !payload->is_object())
      return std::nullopt;
    const auto customer = payload->find(options_.customer_payload_key);
    if (customer == payload->end() || !customer->is_string()) return std::nullopt;
    return std::pair{customer->template get<std::string>(), name->template get<std::string>()};
  }

  api_settings settings_;
  Transport transport_;
  Clock* clock_;
  Random* random_;
  client_options options_;
  rate_limiter limiter_;
  std::vector<std::string> warnings_;  // fixed at construction
  in_flight_meter_events in_flight_;   // has its own lock
  mutable std::mutex mutex_;           // guards limiter_, stats_ and the calls of *random_
  client_stats stats_;
};

}  // namespace meterkit
