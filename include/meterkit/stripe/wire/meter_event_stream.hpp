// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The v2 high-throughput meter event stream (SPEC W1, D7): sessions created, reused and
/// refreshed, and events sent in batches of at most 100.
///
/// `POST /v2/billing/meter_event_session` (with the secret key) answers an `authentication_token`
/// valid 15 minutes; stream requests go to the meter-events host with that token as bearer. The
/// stream keeps one session and creates a new one when there is none, when it expires within
/// `refresh_before_expiry`, or when Stripe answers `billing_meter_event_session_expired` (then the
/// batch is sent again once, with the same idempotency key). Each batch carries the key given by
/// the caller's `key_for(batch)` or, without one, a generated key (every attempt of a batch reuses
/// it, W2).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/meter/meter_event.hpp>
#include <meterkit/stripe/wire/client.hpp>
#include <meterkit/stripe/wire/endpoints.hpp>
#include <meterkit/stripe/wire/objects.hpp>
#include <meterkit/stripe/wire/retry.hpp>

namespace meterkit {

struct stream_options {
  /// Refresh a session this long before its `expires_at`.
  wire_duration refresh_before_expiry{60'000};
  /// At most this many events per request (W1: 100).
  std::size_t batch_size = max_stream_events;
};

/// One stream request: which events it carried and how it went.
struct stream_batch_result {
  std::size_t first = 0;  ///< index of its first event in the input
  std::size_t count = 0;
  call_result call;
};

struct stream_result {
  std::vector<stream_batch_result> batches;
  [[nodiscard]] bool succeeded() const {
    return std::all_of(batches.begin(), batches.end(), [](const auto& b) { return b.call.succeeded(); });
  }
};

/// Chooses the idempotency key of a batch (nullopt: a generated one).
using stream_key_function = std::function<std::optional<std::string>(std::span<const meter_event>)>;

template <class Client>
class meter_event_stream {
 public:
  explicit meter_event_stream(Client& client, stream_options options = {})
      : client_(&client), options_(options) {
    if (options_.batch_size < 1 || options_.batch_size > max_stream_events) {
      METERKIT_THROW(configuration_error("batch_size", "a stream batch holds 1 to 100 events (W1)"));
    }
  }

  /// Sends `events` in order, in batches of at most `batch_size`. A batch whose session cannot
  /// be had fails with the session's rejection; later batches are still tried.
  stream_result send(std::span<const meter_event> events, const stream_key_function& key_for = {}) {
    stream_result out;
    for (std::size_t first = 0; first < events.size(); first += options_.batch_size) {
      const auto batch = events.subspan(first, std::min(options_.batch_size, events.size() - first));
      const std::optional<std::string> key = key_for ? key_for(batch) : std::nullopt;
      out.batches.push_back(stream_batch_result{first, batch.size(), send_batch(batch, key)});
    }
    return out;
  }

  /// The current session, if any.
  [[nodiscard]] const std::optional<meter_event_session>& session() const noexcept { return session_; }
  /// Sessions created so far.
  [[nodiscard]] std::size_t sessions_created() const noexcept { return sessions_created_; }
  /// Stream requests sent so far (one per batch and session refresh retry).
  [[nodiscard]] std::size_t stream_requests() const noexcept { return stream_requests_; }

 private:
  [[nodiscard]] bool session_fresh() const {
    if (!session_) return false;
    const wire_time expires = std::chrono::time_point_cast<wire_duration>(session_->expires_at);
    return client_->clock().now() + options_.refresh_before_expiry < expires;
  }

  /// A usable session, or the rejection that prevented one.
  std::optional<rejection> ensure_session() {
    if (session_fresh()) return std::nullopt;
    session_.reset();
    call_result created = client_->send(meter_event_session_v2(client_->settings()));
    if (!created.succeeded()) return created.error;
    auto s = meter_event_session_from_response(created.response);
    if (!s) return s.error();
    session_ = std::move(s).value();
    ++sessions_created_;
    return std::nullopt;
  }

  call_result send_batch(std::span<const meter_event> batch, std::optional<std::string> key) {
    for (int attempt = 0;; ++attempt) {
      if (auto why = ensure_session()) {
        call_result failed;
        failed.error = std::move(why);
        return failed;
      }
      ++stream_requests_;
      call_result r = client_->send(
          meter_event_stream_v2(client_->settings(), session_->authentication_token, batch, key));
      if (attempt == 0 && r.error && r.error->code == error_code::billing_meter_event_session_expired) {
        session_.reset();  // expired early: a new session, the same batch and key once more
        key = r.request.idempotency_key();
        continue;
      }
      return r;
    }
  }

  Client* client_;
  stream_options options_;
  std::optional<meter_event_session> session_;
  std::size_t sessions_created_ = 0;
  std::size_t stream_requests_ = 0;
};

}  // namespace meterkit
