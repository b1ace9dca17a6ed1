// SPDX-License-Identifier: MIT
// The subscription the subscription-change tests bill (B6-B10): monthly from 2025-01-01 with a
// licensed seat, a metered API item and a legacy usage-record item, and its usage.
#pragma once

#include <meterkit/billing/history.hpp>
#include <meterkit/billing/invoice.hpp>
#include <meterkit/billing/plan.hpp>
#include <meterkit/billing/simulator.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>

#include "handed_over.hpp"
#include "stream_requests.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace meterkit {
inline std::ostream& boost_test_print_type(std::ostream& os, billing_reason r) { return os << to_string(r); }
inline std::ostream& boost_test_print_type(std::ostream& os, invoice_status s) { return os << to_string(s); }
inline std::ostream& boost_test_print_type(std::ostream& os, error_code c) { return os << to_string(c); }
}  // namespace meterkit
BOOST_TEST_DONT_PRINT_LOG_VALUE(meterkit::timestamp)

namespace meterkit::test_seat_plan {

inline timestamp at(std::string_view rfc3339) { return *parse_time(rfc3339); }
inline std::int64_t unix_at(std::string_view rfc3339) { return to_unix(at(rfc3339)); }

/// A monthly subscription from 2025-01-01: a licensed seat at 10.00 USD, API calls on a sum meter at
/// 0.02 USD, and a legacy usage-record item at 0.01 USD.
inline plan seat_and_usage_plan() {
  plan p;
  meter_definition m;
  m.id = "mtr_api";
  m.event_name = "api_requests";
  p.meters.push_back(m);
  price seat{"price_seat", currency("usd")};
  seat.unit_amount = decimal::from_integer(1000);
  price api{"price_api", currency("usd")};
  api.unit_amount = decimal::from_integer(2);
  api.recurring.usage_type = usage_type::metered;
  api.recurring.meter = "mtr_api";
  price legacy{"price_legacy", currency("usd")};
  legacy.unit_amount = decimal::from_integer(1);
  legacy.recurring.usage_type = usage_type::metered;
  p.prices = {seat, api, legacy};
  subscription s;
  s.id = "sub_1";
  s.customer = "cus_1";
  s.start_date = at("2025-01-01T00:00:00Z");
  s.items = {{"si_seat", "price_seat", 1}, {"si_api", "price_api", 1}, {"si_legacy", "price_legacy", 1}};
  p.subscriptions.push_back(s);
  return p;
}

/// 100 API calls on the 5th of every month from January to May, each arriving at its time.
inline std::vector<request> monthly_usage() {
  std::vector<request> out;
  std::size_t line = 1;
  for (const char* month : {"01", "02", "03", "04", "05"}) {
    const auto t = unix_at(std::string("2025-") + month + "-05T00:00:00Z");
    out.push_back(test_stream::event(t, "api_requests", "cus_1", 100, std::nullopt, std::nullopt, line++));
  }
  return out;
}

/// `requests` sorted by arrival, those arriving together in the order given.
inline std::vector<request> in_arrival_order(std::vector<request> requests) {
  std::stable_sort(requests.begin(), requests.end(),
                   [](const request& a, const request& b) { return a.received_at < b.received_at; });
  return requests;
}

/// Checks that a run saved after the first `half` requests and restored bills as a run that never
/// stopped, for every `step`-th `half` from 0 to all of them.
inline void check_restored_half_way(const plan& p, const std::vector<request>& requests, timestamp until,
                                    std::size_t step = 1) {
  invoice_simulator whole(p);
  for (const auto& r : requests) whole.apply(r);
  const auto expected = whole.result(until);
  test_handed_over::check_handed_over(p, requests, until, expected);
  for (std::size_t half = 0; half <= requests.size(); half += step) {
    invoice_simulator first(p);
    for (std::size_t i = 0; i < half; ++i) first.apply(requests[i]);
    std::stringstream snapshot;
    first.save(snapshot);
    auto restored = invoice_simulator::restore(p, snapshot);
    for (std::size_t i = half; i < requests.size(); ++i) restored.apply(requests[i]);
    BOOST_TEST((restored.result(until) == expected), half);
  }
}

/// The results as of `as_of` of the full history and of a bounded one that forgets early, told
/// ahead where the requests may cut a period; and how many events the bounded one kept.
struct both_histories {
  simulation_result full;
  simulation_result bounded;
  std::size_t kept = 0;
};
inline both_histories full_and_bounded(const plan& p, const std::vector<request>& requests, timestamp as_of) {
  subscription_end_times ends;
  for (const auto& r : requests) ends.add(r);
  simulator_history options;
  options.bounded = true;
  options.forget_from = 8;
  options.ends_later = ends;
  invoice_simulator full(p);
  invoice_simulator bounded(p, options);
  for (const auto& r : requests) {
    full.apply(r);
    bounded.apply(r);
  }
  return both_histories{full.result(as_of), bounded.result(as_of), bounded.kept_events()};
}

/// Checks that a bounded history not told where `requests` cut a period (`ends_later`) refuses
/// the first such request, naming the fix.
inline void check_unforeseen_cut_refused(const plan& p, const std::vector<request>& requests,
                                         timestamp as_of) {
  simulator_history blind;
  blind.bounded = true;
  blind.forget_from = 8;
  invoice_simulator unknowing(p, blind);
  for (const auto& r : requests) unknowing.apply(r);
  const auto c = unknowing.result(as_of);
  BOOST_REQUIRE(!c.rejected.empty());
  BOOST_TEST(c.rejected[0].message.find("ends_later") != std::string::npos);
}

/// The line of `item` on `inv` (a proration line when `proration`), or null.
inline const invoice_line* find_line(const invoice& inv, std::string_view item, bool proration = false) {
  for (const auto& l : inv.lines) {
    if (l.subscription_item == item && l.proration == proration) return &l;
  }
  return nullptr;
}

/// When the invoices of `r` were created, in RFC 3339.
inline std::vector<std::string> created_texts(const simulation_result& r) {
  std::vector<std::string> out;
  for (const auto& inv : r.invoices) out.push_back(format_rfc3339(inv.created));
  return out;
}

inline const invoice& invoice_at(const simulation_result& r, std::string_view created) {
  const auto it = std::find_if(r.invoices.begin(), r.invoices.end(),
                               [&](const invoice& inv) { return inv.created == at(created); });
  if (it == r.invoices.end()) BOOST_FAIL("no invoice created at " + std::string(created));
  return *it;
}

}  // namespace meterkit::test_seat_plan
