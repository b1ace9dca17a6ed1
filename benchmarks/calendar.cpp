// SPDX-License-Identifier: MIT
// Calendar lookups (SPEC B2, M8): the period of a monthly cycle containing an instant, and the UTC
// hour of an instant, each beside a hand-written computation of the same result.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include <meterkit/calendar/billing_cycle.hpp>
#include <meterkit/calendar/window.hpp>

namespace {

std::vector<std::int64_t> random_instants(std::size_t n) {
  std::mt19937_64 rng{7};
  std::uniform_int_distribution<std::int64_t> any{1704067200, 1704067200 + 10LL * 365 * 86400};  // 2024..2033
  std::vector<std::int64_t> out(n);
  for (auto& x : out) x = any(rng);
  return out;
}

// ---- hand-written civil calendar (Howard Hinnant's algorithms), clamp to month end ----------
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
struct civil {
  std::int64_t y;
  unsigned m, d;
};
constexpr civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}
constexpr unsigned last_day(std::int64_t y, unsigned m) {
  if (m == 2) return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
  return (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
}
struct baseline_cycle {
  std::int64_t anchor_month;  // y * 12 + m - 1
  unsigned anchor_day;
  std::int64_t time_of_day;
  std::int64_t boundary(std::int64_t n) const {
    const std::int64_t mi = anchor_month + n;
    const std::int64_t y = mi >= 0 ? mi / 12 : (mi - 11) / 12;
    const auto m = static_cast<unsigned>(mi - y * 12 + 1);
    const unsigned d = anchor_day < last_day(y, m) ? anchor_day : last_day(y, m);
    return days_from_civil(y, m, d) * 86400 + time_of_day;
  }
  std::pair<std::int64_t, std::int64_t> containing(std::int64_t t) const {
    const std::int64_t day_number = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    const civil c = civil_from_days(day_number);
    std::int64_t k = c.y * 12 + c.m - 1 - anchor_month;
    std::int64_t lo = boundary(k);
    if (t < lo) lo = boundary(--k);
    return {lo, boundary(k + 1)};
  }
};

}  // namespace

static void BM_period_containing(benchmark::State& state) {
  const auto instants = random_instants(4096);
  const meterkit::billing_cycle<> cycle{meterkit::from_unix(1706704200), {meterkit::interval_unit::month, 1}};
  for (auto _ : state) {
    for (const auto x : instants) benchmark::DoNotOptimize(cycle.period_containing(meterkit::from_unix(x)));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(instants.size()));
}
BENCHMARK(BM_period_containing);

static void BM_period_containing_baseline(benchmark::State& state) {
  const auto instants = random_instants(4096);
  // The same anchor: 2024-01-31T12:30:00Z.
  const baseline_cycle cycle{2024 * 12 + 0, 31, 12 * 3600 + 30 * 60};
  for (auto _ : state) {
    for (const auto x : instants) benchmark::DoNotOptimize(cycle.containing(x));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(instants.size()));
}
BENCHMARK(BM_period_containing_baseline);

static void BM_utc_hour_floor(benchmark::State& state) {
  const auto instants = random_instants(4096);
  for (auto _ : state) {
    for (const auto x : instants) benchmark::DoNotOptimize(meterkit::utc_hour::floor(meterkit::from_unix(x)));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(instants.size()));
}
BENCHMARK(BM_utc_hour_floor);

static void BM_utc_hour_floor_baseline(benchmark::State& state) {
  const auto instants = random_instants(4096);
  for (auto _ : state) {
    for (const auto x : instants) {
      const std::int64_t r = x % 3600;
      benchmark::DoNotOptimize(x - (r < 0 ? r + 3600 : r));
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(instants.size()));
}
BENCHMARK(BM_utc_hour_floor_baseline);
