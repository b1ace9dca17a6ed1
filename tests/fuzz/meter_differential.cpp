// SPDX-License-Identifier: MIT
// Differential fuzzing of the meter paths (M7-M10, D15). One operation stream, decoded from the
// input, is fed to:
//   - the general (bitemporal) path in arrival order, cancellations as separate calls;
//   - the general path in a shuffled order with the cancellations inside the records;
//   - the general path as shards (chunks of the stream) merged into one;
//   - the general path saved and loaded back;
//   - the fast (running-state) path, with the events that are never cancelled, in order and in
//     shuffled chunks;
//   - with raw ingestion, the general path with a random part of its records settled (folded into
//     six-hour segments, or forgotten before a horizon), then saved and loaded back, for the
//     queries the bounded history still asks: whole segments after the horizon, as of the latest
//     change settled or later;
// and compared with a plain model of the rules for many (customer, period, as_of) queries. Any
// difference stops the run.
#include <meterkit/meter/meter.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <type_traits>

#include "../unit/meter/reference_model.hpp"
#include "fuzz_common.hpp"

namespace {
namespace mk = meterkit;

constexpr std::int64_t t0 = 1735689600;
constexpr std::size_t customers = 4;

using op = mk::reference::meter_op;

/// 8 bytes per event: customer, event time (+-63 h in 7 s steps), arrival gap, value, cancellation.
std::vector<op> decode(const std::uint8_t* data, std::size_t size) {
  std::vector<op> out;
  std::int64_t received = t0;
  for (std::size_t i = 0; i + 8 <= size && out.size() < 512; i += 8) {
    const std::uint8_t* b = data + i;
    op o;
    o.customer = b[0] % customers;
    o.record.time = mk::from_unix(t0 + (static_cast<std::int64_t>(b[1] << 8 | b[2]) - 32768) * 7);
    received += static_cast<std::int64_t>(b[3] % 64) * 97;
    o.record.received_at = mk::from_unix(received);
    o.record.arrival = out.size() + 1;
    o.record.value = static_cast<std::int16_t>(static_cast<std::uint16_t>(b[4] << 8 | b[5]));
    if (b[6] % 4 == 0)
      o.record.cancelled_at = mk::from_unix(received + 1 + static_cast<std::int64_t>(b[7]) * 53);
    out.push_back(o);
  }
  return out;
}

/// The query of a failed comparison, for its message.
std::string describe(std::size_t customer, mk::period p, mk::timestamp as_of, std::int64_t want) {
  return "customer " + std::to_string(customer) + " period [" + std::to_string(mk::to_unix(p.start)) + ", " +
         std::to_string(mk::to_unix(p.end)) + ") as_of " + std::to_string(mk::to_unix(as_of)) + ": model " +
         std::to_string(want);
}

template <class F, class I>
void run(const std::vector<op>& ops, std::mt19937_64& rng) {
  using general = mk::meter<F, I, mk::dense_customers, mk::keep_history>;
  using fast = mk::meter<F, I, mk::dense_customers, mk::running_state_only>;

  // In arrival order; each cancellation as a call at its own arrival time.
  general in_order;
  {
    std::vector<std::pair<mk::timestamp, std::size_t>> cancels;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      while (!cancels.empty() && cancels.front().first <= ops[i].record.received_at) {
        const auto& c = ops[cancels.front().second];
        mk::fuzz::require(in_order.cancel(c.customer, c.record.time, c.record.arrival, c.record.cancelled_at),
                          "a cancellation was refused");
        cancels.erase(cancels.begin());
      }
      auto r = ops[i].record;
      r.cancelled_at = mk::never;
      in_order.add(ops[i].customer, r);
      if (ops[i].record.cancelled()) {
        cancels.emplace_back(ops[i].record.cancelled_at, i);
        std::sort(cancels.begin(), cancels.end());
      }
    }
    for (const auto& [at, i] : cancels) {
      mk::fuzz::require(in_order.cancel(ops[i].customer, ops[i].record.time, ops[i].record.arrival, at),
                        "a cancellation was refused");
    }
  }
  // Shuffled, cancellations inside the records.
  std::vector<std::size_t> order(ops.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::shuffle(order.begin(), order.end(), rng);
  general shuffled;
  for (const std::size_t i : order) shuffled.add(ops[i].customer, ops[i].record);
  // Shards of the shuffled order, merged.
  general merged;
  {
    const std::size_t shards = 1 + rng() % 4;
    std::vector<general> parts(shards);
    for (std::size_t k = 0; k < order.size(); ++k)
      parts[k * shards / std::max<std::size_t>(1, order.size())].add(ops[order[k]].customer,
                                                                     ops[order[k]].record);
    for (const auto& part : parts) merged.merge(part);
  }
  // Saved and loaded back.
  std::stringstream state;
  in_order.save(state);
  const general loaded = general::load(state);
  // The fast path over the events never cancelled, in arrival order and in shuffled chunks.
  fast fast_in_order, fast_shuffled;
  std::vector<op> kept;
  for (const auto& o : ops) {
    if (!o.record.cancelled()) kept.push_back(o);
  }
  for (const auto& o : kept) fast_in_order.add(o.customer, o.record);
  {
    auto copy = kept;
    std::shuffle(copy.begin(), copy.end(), rng);
    for (const auto& o : copy) fast_shuffled.add(o.customer, o.record);
  }

  // Settled: a random part of the records folded into six-hour segments, those before the horizon
  // forgotten (billing/history.hpp's bounded history).
  constexpr std::int64_t segment = 6 * 3600;
  const std::int64_t horizon = t0 + (static_cast<std::int64_t>(rng() % 16) - 11) * segment;
  general settled = in_order;
  mk::timestamp settled_through = mk::from_unix(std::numeric_limits<std::int64_t>::min());
  if constexpr (general::can_settle) {
    const auto segment_of = [&](mk::timestamp t) {
      const std::int64_t u = mk::to_unix(t) - t0;
      const std::int64_t start = t0 + u - ((u % segment) + segment) % segment;
      return mk::period{mk::from_unix(start), mk::from_unix(start + segment)};
    };
    std::map<std::size_t, std::vector<mk::record_settlement>> orders;
    for (const auto& o : ops) {
      if (rng() % 4 == 0) continue;
      const bool forget = mk::to_unix(o.record.time) < horizon;
      orders[o.customer].push_back({o.record.arrival, forget ? mk::period{} : segment_of(o.record.time)});
      settled_through =
          std::max(settled_through, o.record.cancelled() ? o.record.cancelled_at : o.record.received_at);
    }
    for (const auto& [c, list] : orders) settled.settle(c, list);
  }
  std::stringstream settled_state;
  settled.save(settled_state);
  const general settled_loaded = general::load(settled_state);

  std::vector<mk::timestamp> as_ofs{mk::end_of_time};
  for (std::size_t k = 0; k < 6 && !ops.empty(); ++k) {
    const auto& o = ops[rng() % ops.size()];
    as_ofs.push_back(o.record.received_at + mk::seconds{static_cast<std::int64_t>(rng() % 5) - 2});
    if (o.record.cancelled()) as_ofs.push_back(o.record.cancelled_at);
  }
  std::vector<mk::period> periods{mk::all_time};
  for (std::size_t k = 0; k < 6; ++k) {
    const std::int64_t a = t0 - 64 * 3600 + static_cast<std::int64_t>(rng() % (128 * 3600));
    const std::int64_t len =
        static_cast<std::int64_t>(rng() % 3 == 0 ? (rng() % 48) * 3600 : rng() % (40 * 3600));
    periods.push_back({mk::from_unix(a), mk::from_unix(a + len)});
  }
  for (std::size_t c = 0; c <= customers && general::can_settle; ++c) {
    for (std::size_t k = 0; k < 8; ++k) {
      const std::int64_t from = horizon + static_cast<std::int64_t>(rng() % 24) * segment;
      const mk::period p{mk::from_unix(from),
                         mk::from_unix(from + static_cast<std::int64_t>(1 + rng() % 12) * segment)};
      for (const auto as_of : {mk::end_of_time, settled_through, settled_through + mk::seconds{97}}) {
        const std::int64_t want = mk::reference::quantity<F, I>(ops, c, p, as_of);
        const std::string where = describe(c, p, as_of, want);
        mk::fuzz::require(settled.quantity(c, p, as_of) == want, "settled differs, " + where);
        mk::fuzz::require(settled.quantity_by_fold(c, p, as_of) == want, "settled fold differs, " + where);
        mk::fuzz::require(settled_loaded.quantity(c, p, as_of) == want,
                          "settled, saved and loaded differs, " + where);
      }
    }
  }
  for (std::size_t c = 0; c <= customers; ++c) {
    for (const auto& p : periods) {
      for (const auto& as_of : as_ofs) {
        const std::int64_t want = mk::reference::quantity<F, I>(ops, c, p, as_of);
        const std::string where = describe(c, p, as_of, want);
        mk::fuzz::require(in_order.quantity(c, p, as_of) == want, "in order differs, " + where);
        mk::fuzz::require(in_order.quantity_by_fold(c, p, as_of) == want, "fold differs, " + where);
        mk::fuzz::require(shuffled.quantity(c, p, as_of) == want, "shuffled differs, " + where);
        mk::fuzz::require(merged.quantity(c, p, as_of) == want, "merged shards differ, " + where);
        mk::fuzz::require(loaded.quantity(c, p, as_of) == want, "saved and loaded differs, " + where);
      }
      if constexpr (I::is_pre_aggregated) {
        const std::int64_t now = mk::reference::quantity<F, I>(kept, c, p, mk::end_of_time);
        mk::fuzz::require(fast_in_order.quantity(c, p) == now, "fast path differs by period");
        mk::fuzz::require(fast_shuffled.quantity(c, p) == now, "shuffled fast path differs by period");
      }
    }
    const std::int64_t total = mk::reference::quantity<F, I>(kept, c, mk::all_time, mk::end_of_time);
    mk::fuzz::require(fast_in_order.total(c) == total,
                      "fast path total differs for customer " + std::to_string(c));
    mk::fuzz::require(fast_shuffled.total(c) == total, "shuffled fast path total differs");
    mk::fuzz::require(
        in_order.total(c) == mk::reference::quantity<F, I>(ops, c, mk::all_time, mk::end_of_time),
        "total differs");
  }
}

using hour = mk::pre_aggregated<mk::utc_hour>;
using day = mk::pre_aggregated<mk::utc_day>;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto ops = decode(data + 1, size - 1);
  std::mt19937_64 rng(std::hash<std::string_view>{}(mk::fuzz::text_of(data, size)));
  switch (data[0] % 9) {
    case 0:
      run<mk::sum, mk::raw>(ops, rng);
      break;
    case 1:
      run<mk::count, mk::raw>(ops, rng);
      break;
    case 2:
      run<mk::last_value, mk::raw>(ops, rng);
      break;
    case 3:
      run<mk::peak, mk::raw>(ops, rng);
      break;
    case 4:
      run<mk::sum, hour>(ops, rng);
      break;
    case 5:
      run<mk::count, hour>(ops, rng);
      break;
    case 6:
      run<mk::last_value, hour>(ops, rng);
      break;
    case 7:
      run<mk::sum, day>(ops, rng);
      break;
    default:
      run<mk::peak, day>(ops, rng);
      break;
  }
  return 0;
}
