// SPDX-License-Identifier: MIT
// Meters (SPEC M7-M9, M5) against hand-written loops doing the same computation:
// - raw sum / count / last / peak per customer with a dense customer index vs a flat array;
// - raw sum with string customer ids vs a std::unordered_map loop;
// - hourly pre-aggregation (latest arrival per customer and hour, M8) then sum vs flat slots;
// - identifier deduplication (24 h rolling window, M5) then sum vs a hand-written open-addressing
//   set.
// Inputs: N events in arrival order over 30 days, C customers, uniform or skewed (about 80% of
// the events on 20% of the customers). Arguments: N, C, skew. With METERKIT_BENCHMARK_SMOKE set
// only small inputs run.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <meterkit/acceptance/identifier_dedup.hpp>
#include <meterkit/aggregation/count.hpp>
#include <meterkit/aggregation/last_value.hpp>
#include <meterkit/aggregation/peak.hpp>
#include <meterkit/aggregation/sum.hpp>
#include <meterkit/ingestion/pre_aggregated.hpp>
#include <meterkit/ingestion/raw.hpp>
#include <meterkit/meter/meter.hpp>

namespace {

using namespace meterkit;

constexpr std::int64_t start = 1735689600;  // 2025-01-01
constexpr std::int64_t span = 30 * 86400;

struct event {
  std::uint32_t customer;
  std::int64_t time;
  std::int64_t value;
};

struct dataset {
  std::vector<event> events;
  std::vector<std::string> customer_ids;
  std::vector<std::string> identifiers;  // ~1% repeats of a recent identifier
};

const dataset& data(std::int64_t n, std::int64_t customers, bool skewed) {
  static std::unordered_map<std::string, dataset> cache;
  const std::string key = std::to_string(n) + "/" + std::to_string(customers) + "/" + std::to_string(skewed);
  auto [it, fresh] = cache.try_emplace(key);
  if (!fresh) return it->second;
  if (cache.size() > 2) {  // keep memory bounded: drop the other datasets
    for (auto j = cache.begin(); j != cache.end();) j = (j->first == key) ? std::next(j) : cache.erase(j);
  }
  dataset& d = it->second;
  std::mt19937_64 rng(42);
  const auto c = static_cast<std::uint64_t>(customers);
  const auto hot = std::max<std::uint64_t>(1, c / 5);
  d.events.resize(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < d.events.size(); ++i) {
    std::uint64_t who = rng() % c;
    if (skewed && rng() % 10 < 8) who = rng() % hot;
    d.events[i] =
        event{static_cast<std::uint32_t>(who),
              start + static_cast<std::int64_t>(i) * span / n - static_cast<std::int64_t>(rng() % 60),
              static_cast<std::int64_t>(rng() % 100)};
  }
  d.customer_ids.reserve(c);
  for (std::uint64_t i = 0; i < c; ++i) d.customer_ids.push_back("cus_" + std::to_string(1000000 + i));
  d.identifiers.reserve(d.events.size());
  for (std::size_t i = 0; i < d.events.size(); ++i) {
    if (i > 100 && rng() % 100 == 0) {
      d.identifiers.push_back(d.identifiers[i - 1 - rng() % 100]);
    } else {
      d.identifiers.push_back("evt_" + std::to_string(rng()));
    }
  }
  return d;
}

const dataset& data_of(const benchmark::State& state) {
  return data(state.range(0), state.range(1), state.range(2) != 0);
}
void finish(benchmark::State& state) { state.SetItemsProcessed(state.iterations() * state.range(0)); }

// ---------------------------------------------------------------------------------------------
// Raw formulas, dense customer index

template <class F>
void BM_raw_dense(benchmark::State& state) {
  const auto& d = data_of(state);
  for (auto _ : state) {
    meter<F, raw, dense_customers, running_state_only> m;
    std::uint64_t arrival = 0;
    for (const auto& e : d.events)
      m.add(e.customer, sample{from_unix(e.time), ++arrival, e.value}, from_unix(e.time));
    benchmark::DoNotOptimize(m.total(0));
  }
  finish(state);
}

void BM_raw_sum_dense_baseline(benchmark::State& state) {
  const auto& d = data_of(state);
  for (auto _ : state) {
    std::vector<std::int64_t> totals;
    for (const auto& e : d.events) {
      if (e.customer >= totals.size()) totals.resize(e.customer + 1);
      if (__builtin_add_overflow(totals[e.customer], e.value, &totals[e.customer])) std::abort();
    }
    benchmark::DoNotOptimize(totals[0]);
  }
  finish(state);
}

void BM_raw_count_dense_baseline(benchmark::State& state) {
  const auto& d = data_of(state);
  for (auto _ : state) {
    std::vector<std::int64_t> counts;
    for (const auto& e : d.events) {
      if (e.customer >= counts.size()) counts.resize(e.customer + 1);
      if (__builtin_add_overflow(counts[e.customer], 1, &counts[e.customer])) std::abort();
    }
    benchmark::DoNotOptimize(counts[0]);
  }
  finish(state);
}

void BM_raw_last_dense_baseline(benchmark::State& state) {
  struct latest {
    bool present = false;
    std::int64_t time = 0;
    std::uint64_t arrival = 0;
    std::int64_t value = 0;
  };
  const auto& d = data_of(state);
  for (auto _ : state) {
    std::vector<latest> lasts;
    std::uint64_t arrival = 0;
    for (const auto& e : d.events) {
      if (e.customer >= lasts.size()) lasts.resize(e.customer + 1);
      auto& l = lasts[e.customer];
      ++arrival;
      if (!l.present || e.time > l.time || (e.time == l.time && arrival > l.arrival))
        l = {true, e.time, arrival, e.value};
    }
    benchmark::DoNotOptimize(lasts[0].value);
  }
  finish(state);
}

void BM_raw_peak_dense_baseline(benchmark::State& state) {
  struct top {
    bool present = false;
    std::int64_t value = 0;
  };
  const auto& d = data_of(state);
  for (auto _ : state) {
    std::vector<top> peaks;
    for (const auto& e : d.events) {
      if (e.customer >= peaks.size()) peaks.resize(e.customer + 1);
      auto& p = peaks[e.customer];
      if (!p.present || e.value > p.value) p = {true, e.value};
    }
    benchmark::DoNotOptimize(peaks[0].value);
  }
  finish(state);
}

// ---------------------------------------------------------------------------------------------
// Raw sum, string customer ids

void BM_raw_sum_string_ids(benchmark::State& state) {
  const auto& d = data_of(state);
  for (auto _ : state) {
    meter<sum, raw, string_customer_ids, running_state_only> m;
    std::uint64_t arrival = 0;
    for (const auto& e : d.events) {
      m.add(d.customer_ids[e.customer], sample{from_unix(e.time), ++arrival, e.value}, from_unix(e.time));
    }
    benchmark::DoNotOptimize(m.total(d.customer_ids[0]));
  }
  finish(state);
}

void BM_raw_sum_string_ids_baseline(benchmark::State& state) {
  const auto& d = data_of(state);
  for (auto _ : state) {
    std::unordered_map<std::string, std::int64_t> totals;
    for (const auto& e : d.events) {
      auto& t = totals[d.customer_ids[e.customer]];
      if (__builtin_add_overflow(t, e.value, &t)) std::abort();
    }
    benchmark::DoNotOptimize(totals[d.customer_ids[0]]);
  }
  finish(state);
}

// ---------------------------------------------------------------------------------------------
// Hourly pre-aggregation (latest arrival per customer and hour) then sum

void BM_hourly_sum_dense(benchmark::State& state) {
  const auto& d = data_of(state);
  for (auto _ : state) {
    meter<sum, pre_aggregated<utc_hour>, dense_customers, running_state_only> m;
    std::uint64_t arrival = 0;
    for (const auto& e : d.events)
      m.add(e.customer, sample{from_unix(e.time), ++arrival, e.value}, from_unix(e.time));
    benchmark::DoNotOptimize(m.total(0));
  }
  finish(state);
}

void BM_hourly_sum_dense_baseline(benchmark::State& state) {
  struct slot {
    std::uint64_t arrival = 0;  // 0: empty
    std::int64_t value = 0;
  };
  const auto& d = data_of(state);
  const std::int64_t first_hour = (start - 3600) / 3600;
  const std::int64_t hours = span / 3600 + 2;
  for (auto _ : state) {
    std::vector<slot> slots(static_cast<std::size_t>(state.range(1) * hours));
    std::vector<std::int64_t> totals(static_cast<std::size_t>(state.range(1)));
    std::uint64_t arrival = 0;
    for (const auto& e : d.events) {
      ++arrival;
      auto& s = slots[static_cast<std::size_t>(e.customer * hours + (e.time / 3600 - first_hour))];
      auto& t = totals[e.customer];
      if (s.arrival == 0) {
        if (__builtin_add_overflow(t, e.value, &t)) std::abort();
      } else if (arrival > s.arrival) {
        if (__builtin_sub_overflow(t, s.value, &t) || __builtin_add_overflow(t, e.value, &t)) std::abort();
      } else {
        continue;
      }
      s = slot{arrival, e.value};
    }
    benchmark::DoNotOptimize(totals[0]);
  }
  finish(state);
}

// ---------------------------------------------------------------------------------------------
// Identifier deduplication (24 h) then sum

void BM_dedup_sum(benchmark::State& state) {
  const auto& d = data_of(state);
  for (auto _ : state) {
    stripe_identifier_window::store ids;
    meter<sum, raw, dense_customers, running_state_only> m;
    std::uint64_t arrival = 0;
    for (std::size_t i = 0; i < d.events.size(); ++i) {
      const auto& e = d.events[i];
      const auto now = from_unix(start + static_cast<std::int64_t>(i) * span / state.range(0));
      if (ids.holder(d.identifiers[i], now)) continue;
      ids.remember(d.identifiers[i], now);
      m.add(e.customer, sample{from_unix(e.time), ++arrival, e.value}, now);
    }
    benchmark::DoNotOptimize(m.total(0));
  }
  finish(state);
}

/// A hand-written open-addressing map identifier -> last acceptance (no eviction).
class open_addressing_ids {
 public:
  explicit open_addressing_ids(std::size_t expected) {
    std::size_t cap = 16;
    while (cap < expected * 2) cap *= 2;
    slots_.resize(cap);
    mask_ = cap - 1;
  }
  /// True if `id` was accepted less than 86400 s before `now`; otherwise records it and returns false.
  bool seen(std::string_view id, std::int64_t now) {
    const std::size_t h = std::hash<std::string_view>{}(id);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      auto& s = slots_[i];
      if (!s.used) {
        s = {true, h, std::string(id), now};
        return false;
      }
      if (s.hash == h && s.key == id) {
        if (now - s.time < 86400) return true;
        s.time = now;
        return false;
      }
    }
  }

 private:
  struct slot {
    bool used = false;
    std::size_t hash = 0;
    std::string key;
    std::int64_t time = 0;
  };
  std::vector<slot> slots_;
  std::size_t mask_ = 0;
};

void BM_dedup_sum_baseline(benchmark::State& state) {
  const auto& d = data_of(state);
  for (auto _ : state) {
    open_addressing_ids ids(d.events.size());
    std::vector<std::int64_t> totals(static_cast<std::size_t>(state.range(1)));
    for (std::size_t i = 0; i < d.events.size(); ++i) {
      const auto& e = d.events[i];
      const std::int64_t now = start + static_cast<std::int64_t>(i) * span / state.range(0);
      if (ids.seen(d.identifiers[i], now)) continue;
      if (__builtin_add_overflow(totals[e.customer], e.value, &totals[e.customer])) std::abort();
    }
    benchmark::DoNotOptimize(totals[0]);
  }
  finish(state);
}

// ---------------------------------------------------------------------------------------------

void apply_sizes(benchmark::internal::Benchmark* b) {
  const bool smoke = std::getenv("METERKIT_BENCHMARK_SMOKE") != nullptr;
  const std::vector<std::int64_t> ns =
      smoke ? std::vector<std::int64_t>{10000} : std::vector<std::int64_t>{1000000};
  for (std::int64_t n : ns) {
    for (std::int64_t c : {1000, 100000}) {
      for (std::int64_t skew : {0, 1}) b->Args({n, c, skew});
    }
  }
  if (!smoke && std::getenv("METERKIT_BENCHMARK_LARGE") != nullptr) {
    for (std::int64_t c : {1000, 100000}) b->Args({20000000, c, 0});
  }
  b->ArgNames({"events", "customers", "skewed"})->Unit(benchmark::kMillisecond);
}

const int registered = [] {
  auto reg = [](const char* name, void (*fn)(benchmark::State&)) {
    apply_sizes(benchmark::RegisterBenchmark(name, fn));
  };
  reg("BM_raw_sum_dense", BM_raw_dense<sum>);
  reg("BM_raw_sum_dense_baseline", BM_raw_sum_dense_baseline);
  reg("BM_raw_count_dense", BM_raw_dense<count>);
  reg("BM_raw_count_dense_baseline", BM_raw_count_dense_baseline);
  reg("BM_raw_last_dense", BM_raw_dense<last_value>);
  reg("BM_raw_last_dense_baseline", BM_raw_last_dense_baseline);
  reg("BM_raw_peak_dense", BM_raw_dense<peak>);
  reg("BM_raw_peak_dense_baseline", BM_raw_peak_dense_baseline);
  reg("BM_raw_sum_string_ids", BM_raw_sum_string_ids);
  reg("BM_raw_sum_string_ids_baseline", BM_raw_sum_string_ids_baseline);
  reg("BM_hourly_sum_dense", BM_hourly_sum_dense);
  reg("BM_hourly_sum_dense_baseline", BM_hourly_sum_dense_baseline);
  reg("BM_dedup_sum", BM_dedup_sum);
  reg("BM_dedup_sum_baseline", BM_dedup_sum_baseline);
  return 0;
}();

}  // namespace
