// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Client-side rate limiting with Stripe's limits as defaults (SPEC W1): a token bucket per
/// endpoint class, driven by an injected clock, and the rule of at most one meter event in flight
/// per (customer, meter).
///
/// | class | live | test |
/// | --- | --- | --- |
/// | writes (usage records, adjustments, sessions, other POSTs) | 100/s | 25/s |
/// | reads (GET) | 100/s | 25/s |
/// | meter events (`/v1` and `/v2/billing/meter_events`) | 1000/s | 1000/s |
/// | meter event stream | 10 000 requests/s (of at most 100 events) | 10 000/s |
///
/// SPEC W1 gives test mode's 25/s for writes only; the meter-event classes keep their live figure
/// in test mode (a decision; every rate is a parameter). A bucket holds one second of tokens.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include <meterkit/core/time.hpp>
#include <meterkit/stripe/wire/api_request.hpp>
#include <meterkit/stripe/wire/endpoints.hpp>
#include <meterkit/stripe/wire/retry.hpp>

namespace meterkit {

/// The classes Stripe limits separately.
enum class endpoint_class { writes, reads, meter_events, meter_event_stream };

/// The class of a request: by endpoint, else GET = reads, anything else = writes.
[[nodiscard]] inline endpoint_class endpoint_class_of(const api_request& r) {
  if (const auto which = classify(r.method, r.path)) {
    switch (which->endpoint) {
      case stripe_endpoint::v1_meter_events:
      case stripe_endpoint::v2_meter_events:
        return endpoint_class::meter_events;
      case stripe_endpoint::v2_meter_event_stream:
        return endpoint_class::meter_event_stream;
      default:
        break;
    }
  }
  return r.method == "GET" ? endpoint_class::reads : endpoint_class::writes;
}

/// Requests per second for each class (W1).
struct rate_limits {
  std::int64_t writes = 100;
  std::int64_t reads = 100;
  std::int64_t meter_events = 1000;
  std::int64_t meter_event_stream = 10000;

  [[nodiscard]] static constexpr rate_limits live() noexcept { return {}; }
  [[nodiscard]] static constexpr rate_limits test() noexcept { return {25, 25, 1000, 10000}; }
  [[nodiscard]] static constexpr rate_limits for_mode(bool livemode) noexcept {
    return livemode ? live() : test();
  }
  [[nodiscard]] constexpr std::int64_t of(endpoint_class c) const noexcept {
    switch (c) {
      case endpoint_class::writes:
        return writes;
      case endpoint_class::reads:
        return reads;
      case endpoint_class::meter_events:
        return meter_events;
      case endpoint_class::meter_event_stream:
        return meter_event_stream;
    }
    return writes;
  }
};

/// A token bucket of `per_second` tokens a second holding at most one second's worth, exact in
/// integer arithmetic (milli-tokens, milliseconds).
class token_bucket {
 public:
  explicit token_bucket(std::int64_t per_second, wire_time start = wire_time{})
      : rate_(per_second), milli_tokens_(capacity()), last_(start) {
    if (per_second < 1)
      METERKIT_THROW(configuration_error("rate_limits", "a rate must be at least 1 per second"));
  }

  /// Takes one token at `now` or later: returns how long to wait first (0 if one is there). The
  /// token is reserved either way, so callers that wait the returned time stay within the rate.
  [[nodiscard]] wire_duration reserve(wire_time now) {
    refill(now);
    milli_tokens_ -= 1000;
    if (milli_tokens_ >= 0) return wire_duration{0};
    return wire_duration{(-milli_tokens_ + rate_ - 1) / rate_};
  }
  /// Whether a token is there at `now` (nothing is taken).
  [[nodiscard]] bool available(wire_time now) {
    refill(now);
    return milli_tokens_ >= 1000;
  }
  [[nodiscard]] std::int64_t per_second() const noexcept { return rate_; }

 private:
  [[nodiscard]] std::int64_t capacity() const noexcept { return rate_ * 1000; }
  void refill(wire_time now) {
    if (now <= last_) return;
    const std::int64_t elapsed = (now - last_).count();
    const std::int64_t room = capacity() - milli_tokens_;
    milli_tokens_ += elapsed >= room / rate_ + 1 ? room : elapsed * rate_;
    milli_tokens_ = std::min(milli_tokens_, capacity());
    last_ = now;
  }

  std::int64_t rate_;
  std::int64_t milli_tokens_;
  wire_time last_;
};

/// One bucket per endpoint class.
class rate_limiter {
 public:
  explicit rate_limiter(rate_limits limits = rate_limits::live(), wire_time start = wire_time{})
      : limits_(limits),
        buckets_{token_bucket(limits.writes, start), token_bucket(limits.reads, start),
                 token_bucket(limits.meter_events, start), token_bucket(limits.meter_event_stream, start)} {}

  /// Reserves a token for a request of class `c` at `now`; returns the wait before sending.
  [[nodiscard]] wire_duration reserve(endpoint_class c, wire_time now) {
    return buckets_[static_cast<std::size_t>(c)].reserve(now);
  }
  [[nodiscard]] const rate_limits& limits() const noexcept { return limits_; }

 private:
  rate_limits limits_;
  std::array<token_bucket, 4> buckets_;
};

/// At most one meter event in flight per (customer, meter) (W1). Thread-safe.
class in_flight_meter_events {
 public:
  /// Marks (customer, event name) busy; false when it already is.
  [[nodiscard]] bool try_begin(const std::string& customer, const std::string& event_name) {
    const std::lock_guard lock(mutex_);
    return busy_.emplace(customer, event_name).second;
  }
  void end(const std::string& customer, const std::string& event_name) {
    const std::lock_guard lock(mutex_);
    busy_.erase({customer, event_name});
  }
  [[nodiscard]] std::size_t size() const {
    const std::lock_guard lock(mutex_);
    return busy_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::pair<std::string, std::string>> busy_;
};

}  // namespace meterkit
