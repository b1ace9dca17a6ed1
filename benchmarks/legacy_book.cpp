// SPDX-License-Identifier: MIT
// The usage-record book (SPEC L2-L5) against a hand-written per-timestamp map with a running total:
// N increments for one item over a month of 10-second timestamps, in arrival order, then the
// period quantity. The book also checks each record (D17), keeps every record for as_of queries
// and checks overflow; the baseline does the same storage and arithmetic without the checks.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <vector>

#include <meterkit/legacy/usage_record_book.hpp>

namespace {

using namespace meterkit;

constexpr std::int64_t month_start = 1735689600;
constexpr std::int64_t month_length = 31 * 86400;

struct monthly_stub {
  [[nodiscard]] std::optional<period> period_containing(timestamp t) const {
    if (to_unix(t) < month_start) return std::nullopt;
    const auto k = (to_unix(t) - month_start) / month_length;
    return period{from_unix(month_start + k * month_length), from_unix(month_start + (k + 1) * month_length)};
  }
  [[nodiscard]] period first_period() const { return *period_containing(from_unix(month_start)); }
  [[nodiscard]] std::optional<period> previous_period(const period& p) const {
    if (to_unix(p.start) <= month_start) return std::nullopt;
    return period_containing(p.start - seconds{1});
  }
  [[nodiscard]] period next_period(const period& p) const { return *period_containing(p.end); }
};

struct input {
  std::int64_t time;
  std::int64_t received;
  std::int64_t quantity;
};

std::vector<input> make_inputs(std::size_t n) {
  std::mt19937_64 rng(42);
  std::vector<input> out(n);
  std::int64_t received = month_start + 600;
  for (auto& x : out) {
    received += static_cast<std::int64_t>(rng() % 3);
    const auto back = static_cast<std::int64_t>(rng() % 600);  // up to 10 minutes late
    x.time = std::max(month_start, received - back) / 10 * 10;
    x.received = received;
    x.quantity = static_cast<std::int64_t>(rng() % 100);
  }
  return out;
}

void BM_legacy_book_sum(benchmark::State& state) {
  const auto inputs = make_inputs(static_cast<std::size_t>(state.range(0)));
  std::vector<std::pair<usage_record, arrival_stamp>> records;
  records.reserve(inputs.size());
  for (const auto& x : inputs) {
    records.emplace_back(usage_record{"", x.quantity, x.time, std::nullopt},
                         arrival_stamp{from_unix(x.received), 0});
  }
  const period month = monthly_stub{}.first_period();
  for (auto _ : state) {
    usage_record_book<sum, monthly_stub> book{monthly_stub{}};
    for (const auto& [r, at] : records) benchmark::DoNotOptimize(book.record(r, at));
    benchmark::DoNotOptimize(book.quantity(month));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_legacy_book_sum_baseline(benchmark::State& state) {
  const auto inputs = make_inputs(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::vector<input> log;  // every record kept, as the book keeps them for as_of queries
    std::map<std::int64_t, std::int64_t> values;
    std::int64_t total = 0;
    for (const auto& x : inputs) {
      if (x.quantity < 0 || x.time > x.received || x.time < month_start) continue;
      log.push_back(x);
      auto& v = values[x.time];
      if (__builtin_add_overflow(v, x.quantity, &v) || __builtin_add_overflow(total, x.quantity, &total)) {
        state.SkipWithError("overflow");
      }
    }
    benchmark::DoNotOptimize(log.data());
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_legacy_book_sum)->Arg(1 << 10)->Arg(1 << 16);
BENCHMARK(BM_legacy_book_sum_baseline)->Arg(1 << 10)->Arg(1 << 16);

}  // namespace
