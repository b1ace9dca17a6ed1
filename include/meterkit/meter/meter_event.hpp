// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The operations of the Meters API, one type each, as Stripe's API takes them (rules M2, M10,
/// D3, D16; docs/rules.md): a `meter_event` and a `meter_event_adjustment`. The same types are read
/// from files and request logs, checked by the meter ledger, replayed by the simulator and sent
/// by the reporter. Values stay text, as written: turning them into numbers is part of acceptance
/// (a malformed value is a rejection with a code, D6).
///
/// When and in which order an operation arrived is not part of the operation: it comes beside it
/// as an `arrival_stamp` (core/arrival.hpp).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <meterkit/core/arrival.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/utf8.hpp>

namespace meterkit {

/// `POST /v1/billing/meter_events`, `/v2/billing/meter_events`, a v2 stream event, or a row of a
/// bulk upload (M2).
struct meter_event {
  std::string event_name{};
  /// Payload entries in input order; keys are unique (readers refuse duplicates).
  std::vector<std::pair<std::string, std::string>> payload{};
  std::optional<std::string> identifier{};           ///< absent or empty: none (D3, D14)
  std::optional<::meterkit::timestamp> timestamp{};  ///< absent: the arrival time (M2)

  /// The payload value under `key`, if any.
  [[nodiscard]] const std::string* find(std::string_view key) const noexcept {
    for (const auto& [k, v] : payload) {
      if (k == key) return &v;
    }
    return nullptr;
  }

  friend bool operator==(const meter_event&, const meter_event&) = default;
};

/// A meter event that refers to text held elsewhere (a reader's buffer): what a reader hands over
/// for a plain row, without a copy. Valid while that text is; the meter ledger checks it exactly
/// as a `meter_event` (D12).
struct meter_event_view {
  /// One payload entry.
  using entry = std::pair<std::string_view, std::string_view>;
  std::string_view event_name{};
  std::span<const entry> payload{};                  ///< keys unique, as in `meter_event`
  std::string_view identifier{};                     ///< empty: none (D3, D14)
  std::optional<::meterkit::timestamp> timestamp{};  ///< absent: the arrival time (M2)

  /// The payload value under `key`, if any.
  [[nodiscard]] std::optional<std::string_view> find(std::string_view key) const noexcept {
    for (const auto& [k, v] : payload) {
      if (k == key) return v;
    }
    return std::nullopt;
  }
};

/// The most characters Stripe accepts in a meter event's `event_name` and `identifier`, and in an
/// adjustment's `event_name` and `cancel.identifier` (M2: `maxLength` 100 in Stripe's API
/// reference); longer ones are rejected with `string_too_long` (D12, D16) and never sent (W3).
inline constexpr std::size_t max_meter_event_string_length = 100;

/// The rejection of `value`, the parameter `param`, when it is longer than
/// `max_meter_event_string_length` characters (counted as Stripe counts them, not in bytes);
/// nullopt when it fits.
[[nodiscard]] inline std::optional<rejection> too_long_rejection(std::string_view value,
                                                                 std::string_view param) {
  if (value.size() <= max_meter_event_string_length) return std::nullopt;  // no fewer bytes than characters
  const std::size_t characters = detail::character_count(value);
  if (characters <= max_meter_event_string_length) return std::nullopt;
  return rejection{error_code::string_too_long,
                   std::string(param) + " is " + std::to_string(characters) + " characters long; at most " +
                       std::to_string(max_meter_event_string_length) + " are allowed",
                   std::string(param)};
}

/// `POST /v1/billing/meter_event_adjustments` (M10, D16): cancels the accepted event with
/// `cancel.identifier`.
struct meter_event_adjustment {
  std::string event_name{};
  std::optional<std::string> type{};               ///< required; "cancel" is the only valid one (D16)
  std::optional<std::string> cancel_identifier{};  ///< `cancel.identifier`

  friend bool operator==(const meter_event_adjustment&, const meter_event_adjustment&) = default;
};

}  // namespace meterkit
