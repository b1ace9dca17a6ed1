// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Parsing of a meter event's value (SPEC M3, D13): ASCII digits with an optional leading `-`,
/// 1 to 15 digits not counting the sign, leading zeros allowed. Anything else (`+5`, ` 5`, `5.0`,
/// `1e3`, `""`, `12abc`, 16 digits) is rejected with `meter_event_invalid_value`.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <string>
#include <string_view>

#include <meterkit/core/error.hpp>

namespace meterkit {

/// The most digits a value may have, not counting the sign (M3).
inline constexpr std::size_t max_meter_value_digits = 15;

/// Whether `text` is a valid value by D13.
[[nodiscard]] constexpr bool is_valid_meter_value(std::string_view text) noexcept {
  std::size_t i = (!text.empty() && text[0] == '-') ? 1 : 0;
  const std::size_t digits = text.size() - i;
  if (digits == 0 || digits > max_meter_value_digits) return false;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

/// The value written in `text`, or a `meter_event_invalid_value` rejection naming `param` (the
/// payload field, e.g. `payload[value]`). 15 digits always fit in 64 bits.
[[nodiscard]] inline result<std::int64_t> parse_meter_value(std::string_view text,
                                                            std::string_view param = "payload[value]") {
  if (!is_valid_meter_value(text)) {
    return rejection{error_code::meter_event_invalid_value,
                     std::string(param) +
                         " must be a whole number of at most 15 digits, optionally negative; got \"" +
                         std::string(text) + "\"",
                     std::string(param)};
  }
  const bool negative = text[0] == '-';
  std::int64_t v = 0;
  for (std::size_t i = negative ? 1 : 0; i < text.size(); ++i) v = v * 10 + (text[i] - '0');
  return negative ? -v : v;
}

}  // namespace meterkit
