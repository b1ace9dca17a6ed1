// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// A legacy usage record as a request gives it, and the checks that need nothing but the record
/// itself (SPEC L1, D17, D6): the subscription item, then `quantity`, then `action`, then the
/// format of `timestamp`. The last check of D17, the period (L4, L5), needs the item's billing
/// periods and lives in the usage-record book (legacy/usage_record_book.hpp).
///
/// - `quantity`: an integer >= 0, given as an integer or as a digit string (D17). Negative,
///   non-integer (`"1.5"`), empty, signed (`"+5"`), padded or out-of-range text, or a missing
///   quantity: `usage_record_invalid_parameter`, param `quantity`.
/// - `action`: `increment` (the default when absent) or `set`; anything else, the empty string
///   included: `usage_record_invalid_parameter`, param `action`.
/// - `timestamp`: unix seconds (an integer or a digit string inside D4's range), or `"now"` or
///   absent for the arrival time; anything else: `usage_record_invalid_parameter`, param
///   `timestamp` (D6: a rejection, never an unusable input).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <meterkit/core/arrival.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>

namespace meterkit {

/// L2: `increment` adds to the value at the record's timestamp, `set` replaces it.
enum class usage_action { increment, set };

/// `"increment"` or `"set"`.
[[nodiscard]] constexpr std::string_view to_string(usage_action a) noexcept {
  return a == usage_action::set ? "set" : "increment";
}

/// The action spelled `text` exactly, else nullopt.
[[nodiscard]] constexpr std::optional<usage_action> parse_usage_action(std::string_view text) noexcept {
  if (text == "increment") return usage_action::increment;
  if (text == "set") return usage_action::set;
  return std::nullopt;
}

/// `quantity` as given: absent, an integer, or text (a JSON string, or any other JSON value's
/// text, such as `1.5`).
using usage_quantity_input = std::variant<std::monostate, std::int64_t, std::string>;

/// `timestamp` as given: absent (the arrival time), unix seconds as an integer, or text (`"now"`
/// or unix seconds as digits).
using usage_timestamp_input = std::variant<std::monostate, std::int64_t, std::string>;

/// One `POST /v1/subscription_items/{id}/usage_records` (L1, D17), as Stripe's API takes it: the
/// item of the path and the parameters as given. It is read from request logs, checked by the
/// usage-record book, replayed by the simulator and sent by the reporter. When and in which
/// order it arrived comes beside it, as an `arrival_stamp` (core/arrival.hpp).
struct usage_record {
  std::string subscription_item{};
  usage_quantity_input quantity{};
  usage_timestamp_input timestamp{};    ///< absent or `"now"`: the arrival time
  std::optional<std::string> action{};  ///< absent: `increment`

  friend bool operator==(const usage_record&, const usage_record&) = default;
};

/// A parameter given as an integer or as text, as it would be written in a request: the
/// integer's decimal digits or the text; nullopt when absent.
[[nodiscard]] inline std::optional<std::string> usage_parameter_text(
    const std::variant<std::monostate, std::int64_t, std::string>& given) {
  if (const auto* n = std::get_if<std::int64_t>(&given)) return std::to_string(*n);
  if (const auto* text = std::get_if<std::string>(&given)) return *text;
  return std::nullopt;
}

/// A usage record that passed D17's checks up to the timestamp format.
struct checked_usage_record {
  std::int64_t quantity = 0;
  usage_action action = usage_action::increment;
  meterkit::timestamp time{};  ///< the record's timestamp, `"now"` resolved to `received_at`
  meterkit::timestamp received_at{};
  std::uint64_t sequence = 0;  ///< the arrival's position: orders records arriving in the same second

  friend constexpr bool operator==(const checked_usage_record&, const checked_usage_record&) = default;
};

namespace detail {
[[nodiscard]] inline rejection invalid_usage_parameter(std::string param, std::string message) {
  return rejection{error_code::usage_record_invalid_parameter, std::move(message), std::move(param)};
}

/// Digits only, at least one, and the value fits in `std::int64_t`.
[[nodiscard]] constexpr std::optional<std::int64_t> parse_non_negative_integer(
    std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  std::int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    if (__builtin_mul_overflow(v, std::int64_t{10}, &v) ||
        __builtin_add_overflow(v, std::int64_t{c - '0'}, &v)) {
      return std::nullopt;
    }
  }
  return v;
}
}  // namespace detail

/// L1, D17: the quantity, an integer >= 0 (an integer or a digit string).
[[nodiscard]] inline result<std::int64_t> check_usage_quantity(const usage_quantity_input& given) {
  if (std::holds_alternative<std::monostate>(given)) {
    return detail::invalid_usage_parameter("quantity", "Missing required param: quantity.");
  }
  if (const auto* n = std::get_if<std::int64_t>(&given)) {
    if (*n < 0) {
      return detail::invalid_usage_parameter(
          "quantity", "Invalid non-negative integer: quantity must be >= 0, got " + std::to_string(*n) + ".");
    }
    return *n;
  }
  const auto& text = std::get<std::string>(given);
  if (const auto v = detail::parse_non_negative_integer(text)) return *v;
  return detail::invalid_usage_parameter(
      "quantity", "Invalid non-negative integer: \"" + text + "\" is not a whole number from 0 to 2^63-1.");
}

/// L1, D17: the action, `increment` when absent.
[[nodiscard]] inline result<usage_action> check_usage_action(const std::optional<std::string>& given) {
  if (!given) return usage_action::increment;
  if (const auto a = parse_usage_action(*given)) return *a;
  return detail::invalid_usage_parameter(
      "action", "Invalid action: \"" + *given + "\"; must be one of increment, set.");
}

/// D17, D6: the timestamp's format; absent and `"now"` are `received_at` (L4).
[[nodiscard]] inline result<timestamp> check_usage_timestamp_format(const usage_timestamp_input& given,
                                                                    timestamp received_at) {
  if (std::holds_alternative<std::monostate>(given)) return received_at;
  if (const auto* n = std::get_if<std::int64_t>(&given)) {
    const auto t = from_unix(*n);
    if (in_supported_range(t)) return t;
    return detail::invalid_usage_parameter(
        "timestamp", "Invalid timestamp: " + std::to_string(*n) + " is not unix seconds in 1970 ... 9999.");
  }
  const auto& text = std::get<std::string>(given);
  if (text == "now") return received_at;
  if (const auto v = detail::parse_non_negative_integer(text)) {
    const auto t = from_unix(*v);
    if (in_supported_range(t)) return t;
  }
  return detail::invalid_usage_parameter(
      "timestamp", "Invalid timestamp: \"" + text + "\"; must be unix seconds or \"now\".");
}

/// D17 in order, up to the timestamp format: quantity, then action, then timestamp format. The
/// first failing check gives the rejection.
[[nodiscard]] inline result<checked_usage_record> check_usage_record(const usage_record& r,
                                                                     const arrival_stamp& at) {
  const auto quantity = check_usage_quantity(r.quantity);
  if (!quantity) return quantity.error();
  const auto action = check_usage_action(r.action);
  if (!action) return action.error();
  const auto time = check_usage_timestamp_format(r.timestamp, at.received_at);
  if (!time) return time.error();
  return checked_usage_record{*quantity, *action, *time, at.received_at, at.position};
}

/// What the caller knows about the subscription item named in the request's path.
enum class subscription_item_status {
  unknown,             ///< no such item
  not_legacy_metered,  ///< licensed, or billed by a meter
  legacy_metered,      ///< metered by usage records (`aggregate_usage`)
};

/// D17's first check: an unknown item, or one that is not billed by usage records, is
/// `resource_missing` (param `subscription_item`).
[[nodiscard]] inline outcome check_subscription_item(std::string_view item_id,
                                                     subscription_item_status status) {
  switch (status) {
    case subscription_item_status::legacy_metered:
      return outcome::accept();
    case subscription_item_status::not_legacy_metered:
      return outcome::reject(error_code::resource_missing,
                             "Subscription item '" + std::string(item_id) +
                                 "' is not metered by usage records (its price is licensed or uses a meter).",
                             "subscription_item");
    case subscription_item_status::unknown:
      break;
  }
  return outcome::reject(error_code::resource_missing,
                         "No such subscription item: '" + std::string(item_id) + "'", "subscription_item");
}

}  // namespace meterkit
