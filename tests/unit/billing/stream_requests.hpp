// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Requests of a test stream, one operation each, with the source `stream:<line>`: what the
/// bounded-history tests and the simulator differential fuzz harness build their streams from.

#include <meterkit/billing/request.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace meterkit::test_stream {

/// A request received at `received` (unix seconds) holding `op`.
template <class Operation>
[[nodiscard]] request single(std::int64_t received, std::size_t line, Operation op) {
  request r;
  r.received_at = from_unix(received);
  r.source = "stream:" + std::to_string(line);
  r.operations.emplace_back(std::move(op));
  return r;
}

/// A meter event of `customer` with `value`; no `time`: the arrival time (M2).
[[nodiscard]] inline request event(std::int64_t received, std::string name, std::string customer,
                                   std::int64_t value, std::optional<std::string> identifier,
                                   std::optional<std::int64_t> time, std::size_t line) {
  meter_event e;
  e.event_name = std::move(name);
  e.payload = {{"stripe_customer_id", std::move(customer)}, {"value", std::to_string(value)}};
  e.identifier = std::move(identifier);
  if (time) e.timestamp = from_unix(*time);
  return single(received, line, std::move(e));
}

/// A cancellation of the event `identifier` of `name` (M10).
[[nodiscard]] inline request cancellation(std::int64_t received, std::string name, std::string identifier,
                                          std::size_t line) {
  return single(received, line, meter_event_adjustment{std::move(name), "cancel", std::move(identifier)});
}

/// A legacy usage record of `item` (`action` "set" or "increment") for the time `at`.
[[nodiscard]] inline request usage_record_of(std::int64_t received, std::string item, std::int64_t quantity,
                                             std::int64_t at, std::string action, std::size_t line) {
  usage_record u;
  u.subscription_item = std::move(item);
  u.quantity = std::to_string(quantity);
  u.timestamp = std::to_string(at);
  u.action = std::move(action);
  return single(received, line, std::move(u));
}

}  // namespace meterkit::test_stream
