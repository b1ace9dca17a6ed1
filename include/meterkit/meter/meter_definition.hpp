// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// A meter as configured at run time: the fields of Stripe's `billing.meter` that decide its
/// semantics (SPEC M1). `validate` checks what a single definition can check; uniqueness of ids
/// and event names across meters (D11) is checked by the ledger that holds them.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <string>

#include <meterkit/aggregation/formula_kind.hpp>
#include <meterkit/calendar/window.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/meter/meter_event.hpp>

namespace meterkit {

/// The fields of Stripe's `billing.meter` (M1).
struct meter_definition {
  std::string id{};                                   ///< `id`
  std::string event_name{};                           ///< `event_name`, unique among meters
  std::string display_name{};                         ///< `display_name`
  formula_kind formula = formula_kind::sum;           ///< `default_aggregation.formula`
  std::string customer_key = "stripe_customer_id";    ///< `customer_mapping.event_payload_key`
  std::string value_key = "value";                    ///< `value_settings.event_payload_key`
  window_kind event_time_window = window_kind::none;  ///< `event_time_window` (null = none)
  bool active = true;                                 ///< `status == active`

  friend bool operator==(const meter_definition&, const meter_definition&) = default;
};

/// Throws `configuration_error` naming the field when `m` is unusable on its own: an empty id,
/// event name, customer key or value key, or an event name longer than a meter event may name (M2).
inline void validate(const meter_definition& m) {
  const std::string where = "meters[" + m.id + "]";
  if (m.id.empty()) METERKIT_THROW(configuration_error("meters[].id", "must not be empty"));
  if (m.event_name.empty()) METERKIT_THROW(configuration_error(where + ".event_name", "must not be empty"));
  // No meter event could name a longer one (M2); Stripe's meters have the same limit.
  if (const auto long_name = too_long_rejection(m.event_name, "event_name")) {
    METERKIT_THROW(configuration_error(where + ".event_name", long_name->message + " (M2)"));
  }
  if (m.customer_key.empty()) {
    METERKIT_THROW(configuration_error(where + ".customer_mapping.event_payload_key", "must not be empty"));
  }
  if (m.value_key.empty()) {
    METERKIT_THROW(configuration_error(where + ".value_settings.event_payload_key", "must not be empty"));
  }
}

}  // namespace meterkit
