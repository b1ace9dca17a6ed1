// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// One-call replays of requests held in memory (rules D21, D26; docs/rules.md): `simulate` gives
/// the invoices as of a time, `summarize` the meter event summaries of one customer. Arrival order
/// is `(received_at, position in the vector)`. For inputs read from files, with the bounded
/// history when they are already in arrival order, see `replay_files` (stripe/replay.hpp).

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <meterkit/billing/invoice.hpp>
#include <meterkit/billing/plan.hpp>
#include <meterkit/billing/request.hpp>
#include <meterkit/billing/simulator.hpp>
#include <meterkit/billing/unbilled_usage.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/meter/event_summary.hpp>

namespace meterkit {

namespace detail {
/// Indexes of `requests` in arrival order: `(received_at, position)`.
[[nodiscard]] inline std::vector<std::size_t> arrival_order(const std::vector<request>& requests) {
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return requests[a].received_at < requests[b].received_at;
  });
  return order;
}

/// Calls `fn(request)` for every request in arrival order, with progress every 1%.
template <class Fn>
void for_each_in_arrival_order(const std::vector<request>& requests, const simulation_options& options,
                               Fn&& fn) {
  const auto order = arrival_order(requests);
  const std::size_t step = std::max<std::size_t>(1, requests.size() / 100);
  for (std::size_t i = 0; i < order.size(); ++i) {
    fn(requests[order[i]]);
    if (options.progress && (i + 1) % step == 0) options.progress(i + 1, order.size());
  }
}

/// The time a replay bills as of (D21): `until` when given, else the latest arrival `latest`. No
/// operations and no `until` is a `configuration_error` (field `until`).
[[nodiscard]] inline timestamp replay_as_of(std::optional<timestamp> until, std::optional<timestamp> latest) {
  if (until) return *until;
  if (!latest) {
    METERKIT_THROW(configuration_error(
        "until",
        "there are no operations to replay, so there is no latest arrival to bill as of; give a time (D21)"));
  }
  return *latest;
}

/// The two times of a replay (D21, D28): the invoices are those as of `until` (given, else
/// `known_at`, else the latest arrival); requests arriving after `cutoff`, the earlier of `until`
/// and `known_at`, were not known then and are pending.
struct replay_times {
  timestamp until;
  timestamp cutoff;
};

[[nodiscard]] inline replay_times replay_times_of(std::optional<timestamp> until,
                                                  std::optional<timestamp> known_at,
                                                  std::optional<timestamp> latest) {
  const timestamp at = replay_as_of(until ? until : known_at, latest);
  return {at, known_at && *known_at < at ? *known_at : at};
}

/// The time summaries are asked as of (D26, D28): `known_at` when given, else the latest arrival;
/// with neither, the start of the span (nothing arrived).
[[nodiscard]] inline timestamp summary_as_of(std::optional<timestamp> known_at,
                                             std::optional<timestamp> latest, period bounds) {
  if (known_at) return *known_at;
  return latest.value_or(bounds.start);
}

/// Summaries cover a non-empty span (D26): `start >= end` is a `configuration_error` (field `start`).
inline void require_summary_bounds(period bounds) {
  if (!(bounds.start < bounds.end)) {
    METERKIT_THROW(configuration_error("start", "the start must be before the end (D26)"));
  }
}
}  // namespace detail

/// The latest arrival of all requests, rejected ones included (D21's default `until`).
[[nodiscard]] inline std::optional<timestamp> latest_arrival(const std::vector<request>& requests) {
  std::optional<timestamp> latest;
  for (const auto& r : requests) {
    if (!latest || r.received_at > *latest) latest = r.received_at;
  }
  return latest;
}

namespace detail {
/// D30: a summary lists no rejections nor late usage, so a replay for one keeps none (counted only).
[[nodiscard]] inline record_sink summaries_keep_no_records() {
  return record_sink{[](const rejected_operation&) {}, [](const late_usage&) {}};
}

/// Replays `requests` in arrival order up to `until` (default: the latest arrival, D21) and
/// answers with `finish(simulator, as_of)`.
template <class Simulator, class Finish>
[[nodiscard]] auto simulate_then(const plan& p, const std::vector<request>& requests,
                                 std::optional<timestamp> until, const simulation_options& options,
                                 Finish&& finish) {
  const replay_times at = replay_times_of(until, options.known_at, latest_arrival(requests));
  Simulator sim(p);
  sim.hand_over(options.records);  // D30
  for_each_in_arrival_order(requests, options, [&](const request& r) {
    if (r.received_at > at.cutoff) {
      sim.count_pending(r);  // D21, D28
    } else {
      sim.apply(r);
    }
  });
  return finish(std::as_const(sim), at.until);
}

/// Replays `requests` in arrival order, every one or those known at `options.known_at` (D26,
/// D28), and answers `finish(simulator, as_of)`: the one replay behind `summarize` and
/// `summarize_customers` (and `summarize_files` from memory).
template <class Simulator, class Finish>
[[nodiscard]] auto summarize_then(const plan& p, const std::vector<request>& requests, period bounds,
                                  const simulation_options& options, Finish&& finish) {
  require_summary_bounds(bounds);
  Simulator sim(p);
  sim.hand_over(summaries_keep_no_records());  // D30
  for_each_in_arrival_order(requests, options, [&](const request& r) {
    if (!options.known_at || r.received_at <= *options.known_at) sim.apply(r);
  });
  return finish(std::as_const(sim), summary_as_of(options.known_at, latest_arrival(requests), bounds));
}

/// A simulator's invoices as of `as_of`, saying what was known when (D28).
/// With `invoices` (D30), the result has none: each customer's go to `invoices` instead.
template <class Simulator>
[[nodiscard]] simulation_result result_of(const Simulator& sim, timestamp as_of,
                                          std::optional<timestamp> known_at,
                                          const invoice_visitor& invoices = {}) {
  simulation_result r = invoices ? sim.result_without_invoices(as_of) : sim.result(as_of);
  r.known_at = known_at;
  if (invoices) sim.invoices_by_customer(as_of, [&](std::vector<invoice>& mine) { invoices(mine, r); });
  return r;
}

/// `result_of`, with the unbilled usage as of `as_of`.
template <class Simulator>
[[nodiscard]] replay_report report_of(const Simulator& sim, timestamp as_of,
                                      std::optional<timestamp> known_at,
                                      const invoice_visitor& invoices = {}) {
  replay_report out{result_of(sim, as_of, known_at, invoices), sim.unbilled(as_of), {}};
  for (const std::size_t item : sim.items_without_usage())
    out.items_without_usage.push_back(sim.compiled().item_at(item).id);
  return out;
}
}  // namespace detail

/// Replays `requests` against `p` and returns the invoices as of `until` (default: the latest
/// arrival, D21); requests arriving after `until`, or after `options.known_at` (D28), are counted
/// as pending. No requests and no `until` is a `configuration_error` (field `until`).
///
/// (The replay functions are templates over the simulator only so that they are compiled where
/// they are called; call them without template arguments.)
template <class Simulator = invoice_simulator>
[[nodiscard]] simulation_result simulate(const plan& p, const std::vector<request>& requests,
                                         std::optional<timestamp> until = std::nullopt,
                                         const simulation_options& options = {}) {
  return detail::simulate_then<Simulator>(
      p, requests, until, options, [&](const Simulator& sim, timestamp as_of) {
        return detail::result_of(sim, as_of, options.known_at, options.invoices);
      });
}

/// `simulate`, with the usage that no subscription item bills (billing/unbilled_usage.hpp).
template <class Simulator = invoice_simulator>
[[nodiscard]] replay_report simulate_report(const plan& p, const std::vector<request>& requests,
                                            std::optional<timestamp> until = std::nullopt,
                                            const simulation_options& options = {}) {
  return detail::simulate_then<Simulator>(
      p, requests, until, options, [&](const Simulator& sim, timestamp as_of) {
        return detail::report_of(sim, as_of, options.known_at, options.invoices);
      });
}

/// Replays every request (D26: as of the latest arrival) and summarizes one meter for one
/// customer over `bounds`, grouped by hour, day or not at all. Throws `configuration_error` for
/// an unknown meter, `start >= end` (field `start`) or bounds that M13 refuses.
template <class Simulator = invoice_simulator>
[[nodiscard]] std::vector<event_summary> summarize(const plan& p, const std::vector<request>& requests,
                                                   std::string_view meter_id, std::string_view customer,
                                                   period bounds, window_kind grouping,
                                                   const simulation_options& options = {}) {
  return detail::summarize_then<Simulator>(
      p, requests, bounds, options, [&](const Simulator& sim, timestamp as_of) {
        return sim.summaries(meter_id, customer, bounds, grouping, as_of);
      });
}

/// `summarize` for every known customer of the plan, in one replay (D26).
template <class Simulator = invoice_simulator>
[[nodiscard]] std::vector<customer_summaries> summarize_customers(const plan& p,
                                                                  const std::vector<request>& requests,
                                                                  std::string_view meter_id, period bounds,
                                                                  window_kind grouping,
                                                                  const simulation_options& options = {}) {
  return detail::summarize_then<Simulator>(p, requests, bounds, options,
                                           [&](const Simulator& sim, timestamp as_of) {
                                             return sim.summaries(meter_id, bounds, grouping, as_of);
                                           });
}

}  // namespace meterkit
