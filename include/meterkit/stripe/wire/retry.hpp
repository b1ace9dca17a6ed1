// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Retries as the official Stripe clients do them (SPEC W2, I1, I2), with time and chance injected
/// so that tests never sleep and never depend on luck.
///
/// - Retry when: no response (connection error); `Stripe-Should-Retry: true`; a 409 (conflict, for
///   example a concurrent request with the same idempotency key); a status >= 500. Never when
///   `Stripe-Should-Retry: false`, and never more than `max_retries` times. A 429 is retried when
///   the API says so with `Stripe-Should-Retry: true`, as the official clients do, or always with
///   `retry_rate_limited` (W2; off by default, meterkit's behaviour before 0.2).
/// - Delay before retry n (n = retries so far, 0 for the first): `min(initial * 2^(n-1), max)`,
///   times a jitter factor in [0.5, 1), but never below `initial`; and never below a `Retry-After`
///   of at most `max_retry_after` seconds.
/// - Every attempt carries the same `Idempotency-Key`; a POST without one gets a generated key
///   (`meterkit-retry-<uuid>`) when retries are on (v1) or always (v2), as the clients do.
///
/// Defaults are the clients': 2 retries, 0.5 s initial delay, 5 s cap, Retry-After up to 60 s.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <meterkit/core/time.hpp>
#include <meterkit/stripe/wire/api_request.hpp>

namespace meterkit {

/// Wall-clock time on the wire, in milliseconds (retry delays are fractions of a second).
using wire_duration = std::chrono::milliseconds;
using wire_time = std::chrono::sys_time<std::chrono::milliseconds>;

/// A clock tells the time ...
template <class C>
concept wire_clock_now = requires(const C& c) {
  { c.now() } -> std::convertible_to<wire_time>;
};
/// ... and waits (a test clock just moves on).
template <class C>
concept wire_clock_sleep = requires(C& c, wire_duration d) {
  c.sleep_for(d);
};
/// What retries and rate limits need from time: `now()` and `sleep_for(d)`. The adapter reads no
/// clock of its own; the caller injects one.
template <class C>
concept wire_clock = wire_clock_now<C> && wire_clock_sleep<C>;

/// A source of chance: `r()` gives a double in [0, 1) (jitter, generated keys).
template <class R>
concept unit_random = std::invocable<R&> && std::convertible_to < std::invoke_result_t<R&>,
double > ;

namespace detail {
template <class C>
constexpr bool check_wire_clock() {
  static_assert(
      wire_clock_now<C>,
      "meterkit: a wire clock needs now() returning meterkit::wire_time (see stripe/wire/retry.hpp)");
  static_assert(
      wire_clock_sleep<C>,
      "meterkit: a wire clock needs sleep_for(meterkit::wire_duration) (see stripe/wire/retry.hpp)");
  return true;
}
template <class R>
constexpr bool check_unit_random() {
  static_assert(unit_random<R>,
                "meterkit: a random source is callable as r() and returns a double in [0, 1) "
                "(see stripe/wire/retry.hpp)");
  return true;
}
}  // namespace detail

/// A clock that only moves when told: for tests, simulations and replays. Safe to share between
/// threads (its time is one atomic count of milliseconds), like the `stripe_client` that uses it.
class manual_clock {
 public:
  explicit manual_clock(wire_time start = wire_time{}) : now_(start.time_since_epoch().count()) {}
  [[nodiscard]] wire_time now() const noexcept { return wire_time{wire_duration{now_.load()}}; }
  void sleep_for(wire_duration d) noexcept { now_.fetch_add(std::max(d, wire_duration{0}).count()); }
  /// Moves to `t` if it is later.
  void advance_to(wire_time t) noexcept {
    const auto target = t.time_since_epoch().count();
    auto seen = now_.load();
    while (seen < target && !now_.compare_exchange_weak(seen, target)) {
    }
  }
  /// The current time in whole seconds (what an API server would record as arrival).
  [[nodiscard]] timestamp seconds_now() const noexcept { return std::chrono::floor<seconds>(now()); }

 private:
  std::atomic<wire_duration::rep> now_;
};

/// The retry rules of the official clients, as parameters.
struct retry_policy {
  int max_retries = 2;
  wire_duration initial_delay{500};
  wire_duration max_delay{5000};
  std::chrono::seconds max_retry_after{60};
  /// W2: retry a 429 even without `Stripe-Should-Retry: true`. Off by default, as in Stripe's
  /// official clients (a 429 is retried when Stripe says so); meterkit retried every 429 before.
  bool retry_rate_limited = false;

  /// Whether to retry after `retries_so_far` retries ended in `r`.
  [[nodiscard]] bool should_retry(const api_response& r, int retries_so_far) const {
    if (retries_so_far >= max_retries) return false;
    if (r.connection_failed()) return true;
    if (const auto hint = r.should_retry_hint()) return *hint;
    if (r.status == 409) return true;
    if (r.status == 429) return retry_rate_limited;
    return r.status >= 500;
  }

  /// The wait before the next attempt, `retries_so_far` retries done, `unit` a draw in [0, 1),
  /// `retry_after` the response's `Retry-After` in seconds, if any.
  [[nodiscard]] wire_duration delay(int retries_so_far, double unit,
                                    std::optional<std::int64_t> retry_after = std::nullopt) const {
    const double initial = static_cast<double>(initial_delay.count());
    double ms = std::min(initial * std::pow(2.0, retries_so_far - 1), static_cast<double>(max_delay.count()));
    ms *= 0.5 * (1.0 + std::clamp(unit, 0.0, 1.0));
    ms = std::max(initial, ms);
    if (retry_after && *retry_after >= 0 && *retry_after <= max_retry_after.count()) {
      ms = std::max(ms, static_cast<double>(*retry_after) * 1000.0);
    }
    return wire_duration{static_cast<std::int64_t>(std::llround(ms))};
  }
};

/// `Retry-After` in whole seconds, when the response has one.
[[nodiscard]] inline std::optional<std::int64_t> retry_after_seconds(const api_response& r) {
  const auto v = r.header("Retry-After");
  if (!v || v->empty() || v->size() > 9 || v->find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::int64_t s = 0;
  for (const char c : *v) s = s * 10 + (c - '0');
  return s;
}

/// A version-4 UUID drawn from `random` (for generated idempotency keys).
template <class Random>
[[nodiscard]] std::string random_uuid(Random& random) {
  static_assert(detail::check_unit_random<Random>());
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    int nibble =
        static_cast<int>(std::floor(std::clamp(static_cast<double>(random()), 0.0, 0.999999) * 16.0));
    if (i == 12) nibble = 4;
    if (i == 16) nibble = 8 + (nibble & 3);
    if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
    out += hex[nibble];
  }
  return out;
}

}  // namespace meterkit
