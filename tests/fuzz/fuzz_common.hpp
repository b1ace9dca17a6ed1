// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// What the fuzz harnesses share: a failure that stops the fuzzer with a message, and a small plan
/// to replay parsed requests against (so that every reader is followed through the simulator).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <meterkit/billing/invoicing.hpp>
#include <meterkit/billing/replay.hpp>
#include <meterkit/billing/simulator.hpp>
#include <meterkit/stripe/input_error.hpp>
#include <meterkit/stripe/plan_json.hpp>
#include <meterkit/stripe/usage_file.hpp>

namespace meterkit::fuzz {

/// The fuzz input, a byte at a time; past its end, zeros (harnesses that decode a stream).
class byte_reader {
 public:
  byte_reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  [[nodiscard]] bool more() const { return at_ < size_; }
  std::uint8_t next() { return at_ < size_ ? data_[at_++] : std::uint8_t{0}; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

/// Stops the run: libFuzzer saves the input that got here as a crash artifact.
[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "meterkit fuzz: property violated: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

inline void require(bool ok, const std::string& what) {
  if (!ok) fail(what);
}

[[nodiscard]] inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Two meters (raw sum with graduated tiers, hourly `last`), an inactive one, a legacy `max` item,
/// two subscriptions and a third known customer: the customers and names the seed corpora use.
inline constexpr std::string_view replay_plan_json = R"({
  "meters": [
    {"id": "mtr_api", "event_name": "api_requests", "default_aggregation": {"formula": "sum"},
     "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
     "value_settings": {"event_payload_key": "value"}, "event_time_window": null, "status": "active"},
    {"id": "mtr_storage", "event_name": "storage_gb", "default_aggregation": {"formula": "last"},
     "event_time_window": "hour"},
    {"id": "mtr_calls", "event_name": "calls", "default_aggregation": {"formula": "count"},
     "event_time_window": "day"},
    {"id": "mtr_old", "event_name": "old_events", "status": "inactive"}
  ],
  "prices": [
    {"id": "price_api", "currency": "usd", "billing_scheme": "tiered", "tiers_mode": "graduated",
     "tiers": [{"up_to": 1000, "unit_amount_decimal": "5.25", "flat_amount": 0}, {"up_to": "inf", "unit_amount": 3}],
     "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_api"}},
    {"id": "price_storage", "currency": "usd", "unit_amount": 10,
     "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_storage"}},
    {"id": "price_calls", "currency": "usd", "unit_amount_decimal": "0.5",
     "transform_quantity": {"divide_by": 3, "round": "up"},
     "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_calls"}},
    {"id": "price_seats", "currency": "usd", "unit_amount": 1000, "recurring": {"interval": "month"}},
    {"id": "price_peak", "currency": "usd", "unit_amount": 7,
     "recurring": {"interval": "month", "usage_type": "metered", "aggregate_usage": "max"}},
    {"id": "price_total", "currency": "usd", "unit_amount": 2,
     "recurring": {"interval": "month", "usage_type": "metered", "aggregate_usage": "sum"}}
  ],
  "subscriptions": [
    {"id": "sub_1", "customer": "cus_1", "start_date": 1735689600, "trial_end": 1736294400,
     "items": [{"id": "si_api_1", "price": "price_api"}, {"id": "si_seats_1", "price": "price_seats", "quantity": 3},
               {"id": "si_total_1", "price": "price_total"}]},
    {"id": "sub_2", "customer": "cus_2", "start_date": "2025-01-15T00:00:00Z",
     "items": [{"id": "si_peak_2", "price": "price_peak"}, {"id": "si_storage_2", "price": "price_storage"},
               {"id": "si_api_2", "price": "price_api"}, {"id": "si_calls_2", "price": "price_calls"}]}
  ],
  "customers": ["cus_3"]
})";

[[nodiscard]] inline const plan& replay_plan() {
  static const plan p = read_plan_text(replay_plan_json, "replay_plan.json");
  return p;
}

/// The replay plan moved to the end of the time range: its subscriptions start in 9999 (sub_1 on
/// January 1 with a week of trial, sub_2 on June 15), and both settings are at their bound (D10:
/// a year), so that a period ends and a finalization falls past the last second of 9999.
[[nodiscard]] inline const plan& far_replay_plan() {
  static const plan p = [] {
    plan far = replay_plan();
    far.subscriptions[0].start_date = from_unix(253370764800);  // 9999-01-01
    far.subscriptions[0].trial_end = from_unix(253371369600);   // 9999-01-08
    far.subscriptions[1].start_date = from_unix(253385020800);  // 9999-06-15
    far.settings.invoice_finalization_delay = max_setting_delay;
    far.settings.legacy_grace_period = max_setting_delay;
    return far;
  }();
  return p;
}

/// The most cycle invoices one result may hold in a harness (`cycle_invoice_count`, D20): a few
/// hundred, so that asking as late as 9999-12-31 stays cheap.
inline constexpr std::size_t max_fuzz_invoices = 300;

/// `wanted` when the plan's billing cycles make at most `max_fuzz_invoices` invoices through it;
/// else the latest earlier second at which they still do (cycle_invoice_count grows with time, so
/// bisection finds it), or nothing when even 1970 is over the bound. Checks that the count past
/// that second stops one past the limit instead of counting on.
[[nodiscard]] inline std::optional<timestamp> bounded_until(const compiled_plan& cp, timestamp wanted) {
  const auto count = [&](timestamp t) { return cycle_invoice_count(cp, t, max_fuzz_invoices); };
  const std::size_t n = count(wanted);
  if (n <= max_fuzz_invoices) return wanted;
  require(n == max_fuzz_invoices + 1, "cycle_invoice_count counted past its limit");
  if (count(earliest_time) > max_fuzz_invoices) return std::nullopt;
  std::int64_t fits = to_unix(earliest_time), over = to_unix(wanted);
  while (over - fits > 1) {
    const std::int64_t mid = fits + (over - fits) / 2;
    (count(from_unix(mid)) <= max_fuzz_invoices ? fits : over) = mid;
  }
  return from_unix(fits);
}

/// Without requests, invoicing builds no more cycle invoices than `cycle_invoice_count` says (D20).
inline void require_counted(const compiled_plan& cp, const simulation_result& r, timestamp until) {
  const std::size_t built =
      static_cast<std::size_t>(std::count_if(r.invoices.begin(), r.invoices.end(), [](const invoice& inv) {
        return inv.reason != billing_reason::subscription_threshold;
      }));
  require(built <= cycle_invoice_count(cp, until, max_fuzz_invoices),
          "invoicing built more cycle invoices than cycle_invoice_count counts");
}

/// Replays `requests` against `p` as of `until` and checks what must hold for any input: the
/// counts reconcile, every invoice's total is the sum of its lines, and no metered line is negative
/// (M12). Overflow is a specific error, never a wrapped number.
inline void replay_against(const plan& p, const std::vector<request>& requests, timestamp until) {
  simulation_result r;
  try {
    r = simulate(p, requests, until);
  } catch (const overflow_error&) {
    return;  // a total beyond 64 bits: reported, never wrapped
  }
  // The same stream through a simulator with a bounded history that forgets as early as it can
  // (after every event), told which identifiers a later cancellation names: the same result.
  cancellation_targets cancelled;
  for (const auto& q : requests) cancelled.add(q);
  simulator_history history;
  history.bounded = true;
  history.forget_from = 1;
  history.cancelled_later = std::cref(cancelled);
  std::vector<const request*> order;
  for (const auto& q : requests) order.push_back(&q);
  std::stable_sort(order.begin(), order.end(),
                   [](const request* a, const request* b) { return a->received_at < b->received_at; });
  invoice_simulator bounded(p, std::move(history));
  for (const request* q : order) {
    if (q->received_at > until) {
      bounded.count_pending(*q);
    } else {
      bounded.apply(*q);
    }
  }
  require(bounded.result(until) == r, "a bounded history bills differently from the full history");
  require(r.counts.reconciles(), "simulation counts do not reconcile");
  require(r.counts.rejected == r.rejected.size(), "rejected count differs from the rejections listed");
  for (const auto& inv : r.invoices) {
    std::int64_t total = 0;
    for (const auto& line : inv.lines) {
      require(!line.metered || line.quantity >= 0, "a metered line has a negative quantity (M12)");
      total += line.amount;
    }
    require(total == inv.total, "an invoice total is not the sum of its lines");
  }
}

/// Replays `requests` as of their latest arrival (up to 9999-12-31) against the replay plan and
/// against the same plan moved to 9999 (`replay_against`). The replay plan's monthly cycles from
/// 2025 make more than `max_fuzz_invoices` invoices within a few decades: past that, it is asked
/// as of the latest time within the bound, and the rest of the requests stay pending.
inline void replay(const std::vector<request>& requests) {
  if (requests.empty()) return;
  const timestamp latest = *latest_arrival(requests);
  static const std::array<std::pair<const plan*, compiled_plan>, 2> plans{
      std::pair{&replay_plan(), compiled_plan(replay_plan())},
      std::pair{&far_replay_plan(), compiled_plan(far_replay_plan())}};
  for (const auto& [p, compiled] : plans) {
    if (const auto until = bounded_until(compiled, latest)) replay_against(*p, requests, *until);
  }
}

/// Reads `text` as `format` in one block and again in blocks of 1 to 61 bytes (chosen by the
/// input's size): the requests, or the error, must be the same. Returns the requests, or nothing
/// when the input is refused; a refusal must name the file and a line and column inside the text.
[[nodiscard]] inline std::vector<request> read_both_ways(std::string_view text, const std::string& name,
                                                         usage_format format) {
  auto read = [&](std::size_t block, std::string& error) {
    read_options options;
    options.block_bytes = block;
    options.max_record_bytes = std::size_t{1} << 20;
    try {
      return read_usage_text(std::string(text), name, format, options);
    } catch (const input_error& e) {
      error = e.what();
      require(error.rfind(name, 0) == 0, "an input error that does not start with the file name: " + error);
      return std::vector<request>{};
    }
  };
  std::string big_error, small_error;
  auto big = read(text.size() + 1, big_error);  // the whole text in one block
  const auto small = read(1 + text.size() % 61, small_error);
  require(big_error == small_error, "errors differ by block size:\n  " + big_error + "\n  " + small_error);
  require(big == small, "requests differ by block size");
  for (const auto& r : big) {
    require(r.source.rfind(name + ":", 0) == 0, "a request source that does not name the file: " + r.source);
    require(in_supported_range(r.received_at), "a request received outside 1970 ... 9999");
  }
  return big;
}

}  // namespace meterkit::fuzz
