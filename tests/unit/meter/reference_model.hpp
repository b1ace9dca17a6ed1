// SPDX-License-Identifier: MIT
#pragma once
// The meter rules (M7-M10, D15) written as plainly as possible, independent of the library's
// ingestion and formula code: the reference the meter tests (tests/unit/meter/meter.cpp) and the
// differential fuzz harness (tests/fuzz/meter_differential.cpp) compare every meter path with.

#include <meterkit/meter/meter.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <type_traits>
#include <vector>

namespace meterkit::reference {

/// One accepted event of a stream, with the customer it belongs to.
struct meter_op {
  std::size_t customer = 0;
  event_record record;
};

/// `quantity(customer, p, as_of)` of SPEC "The model": the events of `customer` received by
/// `as_of` and not cancelled by then; with pre-aggregated ingestion the latest arrival per window
/// (M8); those with a timestamp in `p`; then the formula (M9), 0 without events. Sums in 64 bits:
/// callers keep values small.
template <class F, class Ingestion>
std::int64_t quantity(const std::vector<meter_op>& ops, std::size_t customer, period p, timestamp as_of) {
  std::vector<event_record> visible;
  for (const auto& o : ops) {
    const auto& r = o.record;
    if (o.customer == customer && r.received_at <= as_of && !(r.cancelled_at <= as_of)) visible.push_back(r);
  }
  std::vector<event_record> counting;
  if constexpr (Ingestion::is_pre_aggregated) {
    std::map<std::int64_t, event_record> latest;  // window index -> latest arrival (M8)
    const std::int64_t len = std::chrono::seconds{Ingestion::window::length}.count();
    const std::int64_t origin = to_unix(Ingestion::window::floor(from_unix(0)));  // a window start
    for (const auto& r : visible) {
      const std::int64_t t = to_unix(r.time) - origin;
      const std::int64_t w = t >= 0 ? t / len : -((-t + len - 1) / len);
      auto [it, fresh] = latest.try_emplace(w, r);
      if (!fresh && r.arrival > it->second.arrival) it->second = r;
    }
    for (const auto& [w, r] : latest) {
      if (p.contains(r.time)) counting.push_back(r);
    }
  } else {
    for (const auto& r : visible) {
      if (p.contains(r.time)) counting.push_back(r);
    }
  }
  if (counting.empty()) return 0;
  if constexpr (std::is_same_v<F, sum>) {
    std::int64_t s = 0;
    for (const auto& r : counting) s += r.value;
    return s;
  } else if constexpr (std::is_same_v<F, count>) {
    return static_cast<std::int64_t>(counting.size());
  } else if constexpr (std::is_same_v<F, peak>) {
    std::int64_t m = counting.front().value;
    for (const auto& r : counting) m = std::max(m, r.value);
    return m;
  } else {  // last_value and friends: greatest timestamp, ties by later arrival (M9)
    auto best = counting.front();
    for (const auto& r : counting) {
      if (r.time > best.time || (r.time == best.time && r.arrival > best.arrival)) best = r;
    }
    return best.value;
  }
}

}  // namespace meterkit::reference
