// SPDX-License-Identifier: MIT
// Line amounts (SPEC P1, P3, P4): meterkit's runtime price, dispatched once per line onto its
// compiled pricing scheme, against a hand-written loop over the same tiers in raw 128-bit
// fixed point. Each iteration prices a batch of 1024 random quantities.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <random>
#include <vector>

#include <meterkit/billing/price.hpp>

namespace {

using meterkit::int128;

constexpr std::size_t batch = 1024;

std::vector<std::int64_t> quantities(std::int64_t largest) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> q(0, largest);
  std::vector<std::int64_t> out(batch);
  for (auto& v : out) v = q(rng);
  return out;
}

meterkit::decimal dec(const char* text) { return meterkit::parse_decimal(text).value(); }

// Five graduated tiers with decimal unit amounts and flat amounts, as an API price would have.
meterkit::price graduated_price() {
  meterkit::price p{"price_api", meterkit::currency{"usd"}};
  p.billing_scheme = meterkit::billing_scheme::tiered;
  p.tiers_mode = meterkit::tiers_mode::graduated;
  p.tiers = {{1000, std::nullopt, dec("500")},
             {10000, dec("0.4"), dec("100")},
             {50000, dec("0.25"), std::nullopt},
             {100000, dec("0.125"), std::nullopt},
             {std::nullopt, dec("0.0625"), dec("0.5")}};
  meterkit::validate(p, "prices[0]");
  return p;
}

// The same tiers for the baseline: inclusive upper bounds (-1 = inf) and amounts x 10^12.
struct raw_tier {
  std::int64_t up_to;
  int128 unit;
  int128 flat;
};

std::vector<raw_tier> raw_tiers(const meterkit::price& p) {
  std::vector<raw_tier> out;
  for (const auto& t : p.tiers) {
    out.push_back({t.up_to.value_or(-1), t.unit_or_zero().raw(), t.flat_or_zero().raw()});
  }
  return out;
}

// Graduated tiers by hand: each tier's own units plus its flat amount, rounded half away from zero.
std::int64_t graduated_by_hand(const std::vector<raw_tier>& tiers, std::int64_t q) {
  constexpr int128 scale = 1'000'000'000'000;
  int128 total = 0;
  std::int64_t below = 0;
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    const raw_tier& t = tiers[i];
    if (i > 0 && q <= below) break;
    const bool last = t.up_to < 0 || q <= t.up_to;
    const std::int64_t top = last ? q : t.up_to;
    if (top > below) total += t.unit * (top - below);
    total += t.flat;
    if (last) break;
    below = t.up_to;
  }
  return static_cast<std::int64_t>((total + scale / 2) / scale);  // amounts are >= 0
}

void BM_graduated_line_amount(benchmark::State& state) {
  const auto p = graduated_price();
  const auto qs = quantities(state.range(0));
  for (auto _ : state) {
    std::int64_t sum = 0;
    for (auto q : qs) sum += meterkit::line_amount(p, q, meterkit::rounding_mode::half_away_from_zero);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(batch));
}

void BM_graduated_line_amount_baseline(benchmark::State& state) {
  const auto tiers = raw_tiers(graduated_price());
  const auto qs = quantities(state.range(0));
  for (auto _ : state) {
    std::int64_t sum = 0;
    for (auto q : qs) sum += graduated_by_hand(tiers, q);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(batch));
}

// The two must agree before their speeds are compared.
[[maybe_unused]] const bool same_results = [] {
  const auto p = graduated_price();
  const auto tiers = raw_tiers(p);
  for (auto q : quantities(200000)) {
    if (meterkit::line_amount(p, q, meterkit::rounding_mode::half_away_from_zero) !=
        graduated_by_hand(tiers, q)) {
      std::abort();
    }
  }
  return true;
}();

}  // namespace

// Quantities within the first tiers (1e3) and across all five (2e5).
BENCHMARK(BM_graduated_line_amount)->Arg(1000)->Arg(200000);
BENCHMARK(BM_graduated_line_amount_baseline)->Arg(1000)->Arg(200000);
