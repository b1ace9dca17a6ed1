// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Unbilled usage: meter events accepted for a meter and customer that no subscription item of
/// the plan bills (a customer without a subscription, or a meter no item of the customer's
/// subscriptions is priced on). Such usage is valid (M6 accepts it: the customer is known) but
/// appears on no invoice; the simulator reports it per (meter, customer) so that it is not lost
/// from sight (docs/cli.md "Unbilled usage").

#include <cstdint>
#include <string>
#include <vector>

#include <meterkit/billing/invoice.hpp>

namespace meterkit {

/// The usage of one meter and customer that no subscription item bills.
struct unbilled_usage {
  std::string meter;     ///< the meter's id
  std::string customer;  ///< the customer's id
  /// The sum of the values of those events as sent (1 each for a `count` meter): before an hour or
  /// day window keeps one value per window (M8) and before a `last` formula keeps one reading (M9),
  /// since there is no billing period to aggregate them in.
  std::int64_t quantity = 0;
  std::uint64_t events = 0;  ///< how many accepted events, not cancelled

  friend bool operator==(const unbilled_usage&, const unbilled_usage&) = default;
};

/// A replay's invoices with the usage no subscription bills (by meter in plan order, then customer
/// in the plan's customer order).
struct replay_report {
  simulation_result result{};
  std::vector<unbilled_usage> unbilled{};
  /// The ids of the metered subscription items that no accepted operation fed, in plan order:
  /// their lines bill 0 (`invoice_simulator::items_without_usage`, D23).
  std::vector<std::string> items_without_usage{};

  friend bool operator==(const replay_report&, const replay_report&) = default;
};

}  // namespace meterkit
