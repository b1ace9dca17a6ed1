// SPDX-License-Identifier: MIT
// The checksum of saved states (core/persistence.hpp): CRC-32C slicing-by-8 (`state_checksum`)
// beside the FNV-1a 64 it replaced (the baseline) and a byte-at-a-time CRC-32C (what slicing buys),
// over a body of 1 MiB and 64 MiB of pseudo-random bytes. Bytes per second is the figure to read.
// With METERKIT_BENCHMARK_SMOKE set: 64 KiB only.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

#include <meterkit/core/checksum.hpp>
#include <meterkit/core/persistence.hpp>

namespace {

const std::string& body(std::size_t bytes) {
  static std::string b;
  if (b.size() != bytes) {
    std::mt19937_64 rng{11};
    b.resize(bytes);
    for (auto& c : b) c = static_cast<char>(rng());
  }
  return b;
}

void run(benchmark::State& state, std::uint64_t (*sum)(std::string_view)) {
  const std::string& b = body(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(sum(b));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_state_checksum(benchmark::State& state) {
  run(state, [](std::string_view b) -> std::uint64_t { return meterkit::state_checksum(b); });
}

void BM_state_checksum_baseline(benchmark::State& state) {  // FNV-1a 64, the checksum before format 13
  run(state, [](std::string_view b) -> std::uint64_t { return meterkit::fnv1a_64(b); });
}

void BM_state_checksum_bytewise_crc32c(benchmark::State& state) {  // one table, one byte per step
  run(state, [](std::string_view b) -> std::uint64_t {
    const auto& t = meterkit::detail::crc32c_tables[0];
    std::uint32_t c = 0xffffffffu;
    for (const char x : b) c = (c >> 8) ^ t[(c ^ static_cast<unsigned char>(x)) & 0xffu];
    return ~c;
  });
}

void sizes(benchmark::internal::Benchmark* b) {
  if (std::getenv("METERKIT_BENCHMARK_SMOKE") != nullptr) {
    b->Arg(64 << 10);
  } else {
    b->Arg(1 << 20)->Arg(64 << 20);
  }
  b->ArgName("bytes")->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(BM_state_checksum)->Apply(sizes);
BENCHMARK(BM_state_checksum_baseline)->Apply(sizes);
BENCHMARK(BM_state_checksum_bytewise_crc32c)->Apply(sizes);
