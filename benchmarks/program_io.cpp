// SPDX-License-Identifier: MIT
// The meterkit program's input path (CONTRACT.md "Usage inputs"; SPEC D1-D6): Stripe bulk upload
// CSV and JSON Lines read into requests, and the same end to end through the simulator, beside a
// baseline that only reads the file's bytes (the floor any reader pays). Events/s are reported as
// items_per_second.
//
// Sizes: 1e6 events; 1e4 with METERKIT_BENCHMARK_SMOKE set; also 1e7 with METERKIT_BENCHMARK_LARGE
// (about 500 MB of CSV in the temporary directory).
#include <meterkit/stripe.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr std::int64_t customers = 1000;
constexpr std::int64_t start = 1735689600;  // 2025-01-01T00:00:00Z
constexpr std::int64_t span = 28 * 86400;

/// Files written once per (format, size) and removed at exit.
class data_files {
 public:
  ~data_files() {
    for (const auto& [key, path] : files_) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  }
  const std::string& get(bool csv, std::int64_t n) {
    auto& path = files_[{csv, n}];
    if (!path.empty()) return path;
    path = (std::filesystem::temp_directory_path() /
            ("meterkit_program_io_" + std::to_string(n) + (csv ? ".csv" : ".jsonl")))
               .string();
    std::ofstream out(path, std::ios::binary);
    std::string buf;
    if (csv) buf = "identifier,timestamp,event_name,payload_stripe_customer_id,payload_value\n";
    for (std::int64_t i = 0; i < n; ++i) {
      const std::string id = "evt_" + std::to_string(i);
      const std::string t = std::to_string(start + i * span / n);
      const std::string customer = "cus_" + std::to_string(i % customers);
      const std::string value = std::to_string((i * 7919) % 100);
      if (csv) {
        buf += id + "," + t + ",api_requests," + customer + "," + value + "\n";
      } else {
        buf += R"({"identifier":")" + id + R"(","timestamp":)" + t +
               R"(,"event_name":"api_requests","payload":{"stripe_customer_id":")" + customer +
               R"(","value":")" + value + "\"}}\n";
      }
      if (buf.size() > (std::size_t{1} << 20)) {
        out << buf;
        buf.clear();
      }
    }
    out << buf;
    return path;
  }

 private:
  std::map<std::pair<bool, std::int64_t>, std::string> files_;
};

data_files& files() {
  static data_files f;
  return f;
}

/// A plan with one raw `sum` meter, a per-unit metered price and one subscription per customer.
const meterkit::plan& bench_plan() {
  static const meterkit::plan p = [] {
    std::string text = R"({"meters": [{"id": "mtr_api", "event_name": "api_requests"}],
      "prices": [{"id": "price_api", "currency": "usd", "unit_amount_decimal": "0.5",
                  "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_api"}}],
      "subscriptions": [)";
    for (std::int64_t c = 0; c < customers; ++c) {
      const std::string id = std::to_string(c);
      text += (c ? "," : "") + std::string(R"({"id": "sub_)") + id + R"(", "customer": "cus_)" + id +
              R"(", "start_date": 1735689600, "items": [{"id": "si_)" + id + R"(", "price": "price_api"}]})";
    }
    text += "]}";
    return meterkit::read_plan_text(text, "bench_plan.json");
  }();
  return p;
}

void finish(benchmark::State& state, const std::string& path) {
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(std::filesystem::file_size(path)));
}

/// Baseline: the file's bytes read in the same 4 MiB blocks, each byte looked at once (lines counted).
void read_bytes(benchmark::State& state, bool csv) {
  const std::string& path = files().get(csv, state.range(0));
  std::vector<char> block(std::size_t{4} << 20);
  for (auto _ : state) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) std::abort();
    std::int64_t lines = 0;
    for (;;) {
      const std::size_t got = std::fread(block.data(), 1, block.size(), f);
      if (got == 0) break;
      for (std::size_t i = 0; i < got; ++i) lines += block[i] == '\n';
    }
    std::fclose(f);
    benchmark::DoNotOptimize(lines);
  }
  finish(state, path);
}

/// Every event read into a request (what `meterkit simulate` keeps in memory).
void read_requests(benchmark::State& state, bool csv) {
  const std::string& path = files().get(csv, state.range(0));
  for (auto _ : state) {
    std::vector<meterkit::request> requests;
    requests.reserve(static_cast<std::size_t>(state.range(0)));
    meterkit::input_source source = meterkit::input_source::open_file(path);
    meterkit::read_usage(source, csv ? meterkit::usage_format::bulk_csv : meterkit::usage_format::bulk_jsonl,
                         [&](meterkit::request&& r) { requests.push_back(std::move(r)); });
    if (static_cast<std::int64_t>(requests.size()) != state.range(0)) std::abort();
    benchmark::DoNotOptimize(requests.data());
  }
  finish(state, path);
}

/// End to end: read, then replay against the plan and produce the invoices.
void simulate_file(benchmark::State& state, bool csv) {
  const std::string& path = files().get(csv, state.range(0));
  const meterkit::plan& p = bench_plan();
  for (auto _ : state) {
    std::vector<meterkit::request> requests;
    requests.reserve(static_cast<std::size_t>(state.range(0)));
    meterkit::input_source source = meterkit::input_source::open_file(path);
    meterkit::read_usage(source, csv ? meterkit::usage_format::bulk_csv : meterkit::usage_format::bulk_jsonl,
                         [&](meterkit::request&& r) { requests.push_back(std::move(r)); });
    const auto result = meterkit::simulate(p, requests);
    if (result.counts.accepted != static_cast<std::uint64_t>(state.range(0))) std::abort();
    benchmark::DoNotOptimize(result.invoices.data());
  }
  finish(state, path);
}

void BM_read_bulk_csv(benchmark::State& state) { read_requests(state, true); }
void BM_read_bulk_csv_baseline(benchmark::State& state) { read_bytes(state, true); }
void BM_read_bulk_jsonl(benchmark::State& state) { read_requests(state, false); }
void BM_read_bulk_jsonl_baseline(benchmark::State& state) { read_bytes(state, false); }
void BM_simulate_bulk_csv(benchmark::State& state) { simulate_file(state, true); }
void BM_simulate_bulk_csv_baseline(benchmark::State& state) { read_bytes(state, true); }
void BM_simulate_bulk_jsonl(benchmark::State& state) { simulate_file(state, false); }
void BM_simulate_bulk_jsonl_baseline(benchmark::State& state) { read_bytes(state, false); }

void apply_sizes(benchmark::internal::Benchmark* b) {
  const bool smoke = std::getenv("METERKIT_BENCHMARK_SMOKE") != nullptr;
  b->Arg(smoke ? 10000 : 1000000);
  if (!smoke && std::getenv("METERKIT_BENCHMARK_LARGE") != nullptr) b->Arg(10000000);
  b->ArgName("events")->Unit(benchmark::kMillisecond)->UseRealTime();
}

const int registered = [] {
  auto reg = [](const char* name, void (*fn)(benchmark::State&)) {
    apply_sizes(benchmark::RegisterBenchmark(name, fn));
  };
  reg("BM_read_bulk_csv", BM_read_bulk_csv);
  reg("BM_read_bulk_csv_baseline", BM_read_bulk_csv_baseline);
  reg("BM_read_bulk_jsonl", BM_read_bulk_jsonl);
  reg("BM_read_bulk_jsonl_baseline", BM_read_bulk_jsonl_baseline);
  reg("BM_simulate_bulk_csv", BM_simulate_bulk_csv);
  reg("BM_simulate_bulk_csv_baseline", BM_simulate_bulk_csv_baseline);
  reg("BM_simulate_bulk_jsonl", BM_simulate_bulk_jsonl);
  reg("BM_simulate_bulk_jsonl_baseline", BM_simulate_bulk_jsonl_baseline);
  return 0;
}();

}  // namespace
