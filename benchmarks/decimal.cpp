// SPDX-License-Identifier: MIT
// Exact decimal money arithmetic (SPEC P1, P4, D8) against hand-written 128-bit code doing the same
// work: parsing a unit amount with up to 12 fractional digits, and pricing quantities (checked
// multiply, then rounding once half away from zero).
#include <meterkit/core/decimal.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {
using meterkit::int128;

std::vector<std::string> amounts() {
  std::mt19937_64 rng(42);
  std::vector<std::string> out;
  for (int i = 0; i < 4096; ++i) {
    std::string s = std::to_string(rng() % 100000);
    const auto frac = rng() % 13;
    if (frac > 0) {
      s += '.';
      for (std::uint64_t k = 0; k < frac; ++k) s += static_cast<char>('0' + rng() % 10);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::int64_t> quantities() {
  std::mt19937_64 rng(7);
  std::vector<std::int64_t> out;
  for (int i = 0; i < 4096; ++i) out.push_back(static_cast<std::int64_t>(rng() % 10'000'000));
  return out;
}

/// Baseline parse: the same D8 rules, written inline without error reasons.
std::optional<int128> baseline_parse(std::string_view s) {
  if (s.empty() || s[0] == '.') return std::nullopt;
  int128 whole = 0;
  std::size_t i = 0;
  for (; i < s.size() && s[i] != '.'; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    whole = whole * 10 + (s[i] - '0');
    if (whole > INT64_MAX) return std::nullopt;
  }
  int128 frac = 0;
  int digits = 0;
  if (i < s.size()) {
    for (++i; i < s.size(); ++i, ++digits) {
      if (s[i] < '0' || s[i] > '9' || digits == 12) return std::nullopt;
      frac = frac * 10 + (s[i] - '0');
    }
    if (digits == 0) return std::nullopt;
  }
  for (; digits < 12; ++digits) frac *= 10;
  return whole * 1'000'000'000'000 + frac;
}

void BM_decimal_parse(benchmark::State& state) {
  const auto in = amounts();
  for (auto _ : state) {
    for (const auto& s : in) {
      auto r = meterkit::decimal::parse_or_reason(s);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(in.size()));
}
BENCHMARK(BM_decimal_parse);

void BM_decimal_parse_baseline(benchmark::State& state) {
  const auto in = amounts();
  for (auto _ : state) {
    for (const auto& s : in) {
      auto r = baseline_parse(s);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(in.size()));
}
BENCHMARK(BM_decimal_parse_baseline);

void BM_decimal_price_line(benchmark::State& state) {
  std::vector<meterkit::decimal> unit;
  for (const auto& s : amounts()) unit.push_back(*meterkit::decimal::parse(s));
  const auto q = quantities();
  for (auto _ : state) {
    std::int64_t total = 0;
    for (std::size_t i = 0; i < unit.size(); ++i) total += (unit[i] * q[i]).round();
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(unit.size()));
}
BENCHMARK(BM_decimal_price_line);

void BM_decimal_price_line_baseline(benchmark::State& state) {
  std::vector<int128> unit;
  for (const auto& s : amounts()) unit.push_back(*baseline_parse(s));
  const auto q = quantities();
  constexpr int128 scale = 1'000'000'000'000;
  for (auto _ : state) {
    std::int64_t total = 0;
    for (std::size_t i = 0; i < unit.size(); ++i) {
      // inputs are small enough that the product cannot overflow 128 bits; check the result only
      const int128 p = unit[i] * q[i];
      int128 r = p / scale;
      const int128 rem = p % scale;
      if (2 * rem >= scale) ++r;  // non-negative inputs
      if (r > INT64_MAX) state.SkipWithError("overflow");
      total += static_cast<std::int64_t>(r);
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(unit.size()));
}
BENCHMARK(BM_decimal_price_line_baseline);
}  // namespace
