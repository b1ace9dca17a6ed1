// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// What the invoice simulator replays: API requests as they reached the billing system, each with
/// its arrival time and where it came from (SPEC "The model in one paragraph", D1, D5, D7, D19).
///
/// A request carries one or more operations (a v2 meter event stream line carries N events, D7)
/// that share its source, arrival time and idempotency key. Values are kept as they were written
/// (strings), because turning them into numbers is part of the acceptance rules: a malformed value
/// is a rejection with a code (D6), not a broken input.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <meterkit/billing/credit_grant.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/legacy/usage_record.hpp>
#include <meterkit/meter/meter_event.hpp>

namespace meterkit {

/// Where an operation comes from (D1), made into text only when it is reported (a rejection, late
/// usage): `name` alone, or `name` followed by a line number (`events.csv:` and 12 give
/// `events.csv:12`). The text it refers to must outlive it.
struct source_ref {
  std::string_view name{};
  std::uint64_t line = 0;  ///< 0: `name` is the whole source

  [[nodiscard]] std::string text() const {
    std::string out(name);
    if (line == 0) return out;
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, line).ptr;
    out.append(digits, end);
    return out;
  }
};

/// One item of a subscription change (B8): the item and what changes, as written (a value's
/// spelling is checked when the change is applied).
struct item_change {
  std::string item{};
  std::optional<std::string> price{};
  std::optional<std::string> quantity{};     ///< an integer as text
  std::optional<std::string> deleted{};      ///< B10: "true" deletes the item
  std::optional<std::string> clear_usage{};  ///< B10, with a deletion: "true" or "false"

  friend bool operator==(const item_change&, const item_change&) = default;
};

/// A change of a subscription with Stripe's prorations: its licensed items (B8) or its end (B9).
/// `POST /v1/subscriptions/{id}` with `items[]`, `cancel_at` or `cancel_at_period_end`;
/// `POST /v1/subscription_items/{id}` (then `subscription` is empty and `items` holds that one
/// item); `DELETE /v1/subscriptions/{id}` (`cancel_now`, with `invoice_now` and `prorate`);
/// `DELETE /v1/subscription_items/{id}` (B10: the one item with `deleted` set to "true").
struct subscription_change {
  std::string subscription{};
  std::vector<item_change> items{};
  std::optional<std::string> proration_behavior{};    ///< absent: `create_prorations`
  std::optional<std::string> proration_date{};        ///< unix seconds as text; absent: the arrival
  std::optional<std::string> cancel_at{};             ///< B9: unix seconds as text
  std::optional<std::string> cancel_at_period_end{};  ///< B9: "true" or "false"
  bool cancel_now = false;                            ///< B9: `DELETE /v1/subscriptions/{id}`
  std::optional<std::string> invoice_now{};           ///< B9, with `cancel_now`: "true" or "false"
  std::optional<std::string> prorate{};               ///< B9, with `cancel_now`: "true" or "false"
  std::optional<std::string> billing_cycle_anchor{};  ///< B17: "now" or "unchanged"
  std::optional<std::string> trial_end{};             ///< B18: "now" or unix seconds as text
  /// The first parameter the endpoint does not take, refused as Stripe refuses it (B8).
  std::optional<std::string> unknown_parameter{};

  friend bool operator==(const subscription_change&, const subscription_change&) = default;
};

/// B14: `POST /v1/billing/credit_grants`: a credit grant created at the request's arrival, read
/// into `grant` (its `id` and `created` are given when it is accepted); values are checked then.
struct credit_grant_creation {
  credit_grant grant{};
  /// The first parameter the endpoint does not take, refused as Stripe refuses it.
  std::optional<std::string> unknown_parameter{};
  /// A `priority` outside 0 ... 100, refused when the request is applied (a value Stripe refuses
  /// is a rejection, not an unusable input: D6).
  std::optional<std::int64_t> priority_out_of_range{};
  /// A required parameter the request leaves out (`amount`, `amount[monetary]`,
  /// `amount[monetary][value]`), refused when the request is applied (`parameter_missing`).
  std::optional<std::string> missing_parameter{};

  friend bool operator==(const credit_grant_creation&, const credit_grant_creation&) = default;
};

/// One operation: a meter event, a cancellation (meter/meter_event.hpp), a usage record
/// (legacy/usage_record.hpp), a subscription change or a credit grant's creation.
using operation_body = std::variant<meter_event, meter_event_adjustment, usage_record, subscription_change,
                                    credit_grant_creation>;

/// One request with its operations, in the order the simulator must apply them.
struct request {
  std::vector<operation_body> operations{};
  timestamp received_at{};
  /// `path:line` of the request (D1); every operation of the request has this source.
  std::string source{};
  /// Absent or empty: no key (D3).
  std::optional<std::string> idempotency_key{};
  /// What makes two requests "the same" for idempotency (D19): method, path and parameters in a
  /// canonical form that distinguishes types. Built by whoever reads the request.
  std::string fingerprint{};
  /// A v2 meter event stream request: its operations are `events[0]`, `events[1]`, ... and a
  /// rejection names its index (D27).
  bool stream = false;

  friend bool operator==(const request&, const request&) = default;
};

}  // namespace meterkit
