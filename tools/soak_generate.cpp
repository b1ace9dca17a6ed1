// SPDX-License-Identifier: MIT
// soak_generate: writes the input of tools/soak.sh, a long stream of meter events with a constant
// arrival rate, for `meterkit simulate` (CONTRACT.md), in arrival order so that the program replays
// it while reading it instead of keeping it in memory.
//
//   soak_generate --out DIR [--events N] [--customers C] [--days D] [--segment S] [--seed X]
//
// Writes into DIR (which must exist):
//   plan.json           a `sum` meter (raw, graduated tiers) and a `last` meter pre-aggregated by the
//                       hour (M8), a monthly subscription with both for each of the C customers
//   NNNNNN.csv          Stripe bulk upload CSV: identifier,timestamp,event_name,received_at,
//                       payload_stripe_customer_id,payload_value
//   NNNNNN.requests.jsonl
//                       the cancellations (meter_event_adjustments, M10) due at the end of a segment
//   inputs.txt          the input files in the order to give them (their concatenation is in arrival
//                       order: received_at never decreases)
//   manifest.txt        key=value: what was written and the counts a run must report (written last:
//                       its presence says the files are complete)
//
// The stream: N CSV rows arriving evenly over D days (row i at start + 1h + i*D*86400/N), each for a
// customer drawn uniformly; 90% `api_requests` (values 1..100), 10% `storage_gb` readings. The event
// timestamp is 0..300 s before arrival, or for ~0.5% of the events 1..30 days before (late, inside
// the 35-day window of M4). Every event has its own identifier; ~1% of the rows are exact duplicates
// of an event re-sent 30..600 s after it (rejected as duplicate_meter_event, M5); ~0.1% of the events
// are cancelled. A bulk CSV cannot carry a cancellation, and the program only streams inputs whose
// concatenation is in arrival order, so the CSV is cut into segments at multiples of S seconds (from
// the start) and a cancellation arrives exactly at the end of the segment in which its event arrived
// (so within S seconds, default an hour, always inside M10's 24 hours), in a request log given
// between the two CSV segments. A segment is only cut where a cancellation is due, so few events
// make few files. Deterministic: the same parameters write the same bytes.

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <queue>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

__extension__ using int128 = __int128;

/// splitmix64: small, fast and good enough to draw customers, values and delays.
class rng {
 public:
  explicit rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(next() % span);
  }
  /// True with probability per_million / 1e6.
  bool chance(std::uint64_t per_million) { return next() % 1000000 < per_million; }

 private:
  std::uint64_t state_;
};

/// A file written through a large buffer; any failure ends the program with a message.
class writer {
 public:
  explicit writer(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "wb")) {
    if (file_ == nullptr) die("cannot create");
    buf_.reserve(capacity);
  }
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;
  ~writer() {
    if (file_ != nullptr) std::fclose(file_);
  }

  void put(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= capacity) flush();
  }
  void put(std::int64_t v) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
    buf_.append(digits, end);
  }
  std::uint64_t close() {
    flush();
    if (std::fclose(file_) != 0) {
      file_ = nullptr;
      die("cannot close");
    }
    file_ = nullptr;
    return bytes_;
  }

 private:
  static constexpr std::size_t capacity = std::size_t{1} << 22;
  void flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size()) die("cannot write");
    bytes_ += buf_.size();
    buf_.clear();
  }
  [[noreturn]] void die(const char* what) const {
    std::fprintf(stderr, "soak_generate: %s %s: %s\n", what, path_.c_str(), std::strerror(errno));
    std::exit(1);
  }

  std::string path_;
  std::FILE* file_;
  std::string buf_;
  std::uint64_t bytes_ = 0;
};

struct options {
  std::string out;
  std::int64_t events = 100000000;
  std::int64_t customers = 1000;
  std::int64_t days = 365;
  std::int64_t segment = 3600;
  std::uint64_t seed = 1;
};

constexpr std::int64_t start = 1735689600;  // 2025-01-01T00:00:00Z, subscription start and anchor
constexpr std::string_view csv_header =
    "identifier,timestamp,event_name,received_at,payload_stripe_customer_id,payload_value\n";

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "soak_generate: %s\nusage: soak_generate --out DIR [--events N] [--customers C] [--days D] "
               "[--segment SECONDS] [--seed X]\n",
               why);
  std::exit(2);
}

std::int64_t number(const char* name, const char* text, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  const char* end = text + std::strlen(text);
  const auto [p, ec] = std::from_chars(text, end, v);
  if (ec != std::errc{} || p != end || v < lo || v > hi) {
    std::fprintf(stderr,
                 "soak_generate: %s: expected a whole number in [%" PRId64 ", %" PRId64 "], found \"%s\"\n",
                 name, lo, hi, text);
    std::exit(2);
  }
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) usage("every option takes a value");
    const char* v = argv[++i];
    if (a == "--out")
      o.out = v;
    else if (a == "--events")
      o.events = number("--events", v, 1, 10000000000);
    else if (a == "--customers")
      o.customers = number("--customers", v, 1, 999999);
    else if (a == "--days")
      o.days = number("--days", v, 1, 36500);
    else if (a == "--segment")
      o.segment = number("--segment", v, 1, 86399);  // M10: under 24 hours
    else if (a == "--seed")
      o.seed = static_cast<std::uint64_t>(number("--seed", v, 0, INT64_MAX));
    else
      usage("unknown option");
  }
  if (o.out.empty()) usage("--out is required");
  return o;
}

std::string customer_id(std::int64_t c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "cus_%06" PRId64, c);
  return buf;
}

void write_plan(const options& o) {
  writer w(o.out + "/plan.json");
  w.put(R"json({
  "meters": [
    {"id": "mtr_api", "event_name": "api_requests", "display_name": "API requests",
     "default_aggregation": {"formula": "sum"},
     "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
     "value_settings": {"event_payload_key": "value"}, "event_time_window": null, "status": "active"},
    {"id": "mtr_storage", "event_name": "storage_gb", "display_name": "Storage (GB, hourly reading)",
     "default_aggregation": {"formula": "last"},
     "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
     "value_settings": {"event_payload_key": "value"}, "event_time_window": "hour", "status": "active"
}
  ],
  "prices": [
    {"id": "price_api", "currency": "usd", "billing_scheme": "tiered", "tiers_mode": "graduated",
     "tiers": [{"up_to": 10000, "unit_amount_decimal": "0.5", "flat_amount": 0},
               {"up_to": 100000, "unit_amount_decimal": "0.3"},
               {"up_to": "inf", "unit_amount_decimal": "0.1", "flat_amount": 500}],
     "transform_quantity": null,
     "recurring": {"interval": "month", "interval_count": 1, "usage_type": "metered", "meter": "mtr_api"}},
    {"id": "price_storage", "currency": "usd", "billing_scheme": "per_unit", "unit_amount": 25,
     "recurring": {"interval": "month", "interval_count": 1, "usage_type": "metered", "meter": "mtr_storage"}}
  ],
  "subscriptions": [
)json");
  for (std::int64_t c = 1; c <= o.customers; ++c) {
    const std::string n = std::to_string(c);
    w.put("    {\"id\": \"sub_" + n + "\", \"customer\": \"" + customer_id(c) + "\", \"start_date\": " +
          std::to_string(start) + ", \"billing_cycle_anchor\": " + std::to_string(start) +
          ", \"items\": [{\"id\": \"si_api_" + n + "\", \"price\": \"price_api\"}, {\"id\": \"si_storage_" +
          n + "\", \"price\": \"price_storage\"}]}" + (c == o.customers ? "\n" : ",\n"));
  }
  w.put(R"json(  ],
  "settings": {"invoice_finalization_delay": 3600, "legacy_grace_period": 300, "rounding": "half_away_from_zero"}
}
)json");
  w.close();
}

struct pending_duplicate {
  std::int64_t due;
  std::int64_t order;    ///< ties broken by scheduling order, so the output does not depend on the heap
  std::string row_tail;  ///< `payload_stripe_customer_id,payload_value\n`
  std::string row_head;  ///< `identifier,timestamp,event_name,`
  bool operator>(const pending_duplicate& other) const {
    return due != other.due ? due > other.due : order > other.order;
  }
};

struct cancellation {
  std::string identifier;
  std::string_view event_name;
};

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  write_plan(o);

  rng r(o.seed * 0x2545f4914f6cdd1dULL + 12345);
  const std::int64_t first_arrival = start + 3600;
  const std::int64_t span = o.days * 86400;

  std::vector<std::string> inputs;
  std::uint64_t bytes = 0;
  int file_number = 0;
  const auto next_name = [&](std::string_view ext) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%06d", file_number++);
    std::string name = std::string(buf) + std::string(ext);
    inputs.push_back(name);
    return name;
  };

  auto csv = std::make_unique<writer>(o.out + "/" + next_name(".csv"));
  csv->put(csv_header);

  std::priority_queue<pending_duplicate, std::vector<pending_duplicate>, std::greater<>> duplicates;
  std::vector<cancellation> cancellations;
  std::int64_t cancel_at = 0;  // the end of the segment the pending cancellations are due at
  std::int64_t originals = 0, duplicate_rows = 0, cancelled = 0, late = 0, storage = 0, api = 0;
  std::int64_t order = 0, last_arrival = first_arrival;
  std::vector<std::int64_t> storage_level(static_cast<std::size_t>(o.customers) + 1);
  std::vector<std::string> customer_ids(storage_level.size());
  for (std::size_t c = 1; c < storage_level.size(); ++c) {
    storage_level[c] = r.between(10, 1000);
    customer_ids[c] = customer_id(static_cast<std::int64_t>(c));
  }

  const auto flush_cancellations = [&] {
    bytes += csv->close();
    writer log(o.out + "/" + next_name(".requests.jsonl"));
    for (const auto& c : cancellations) {
      log.put("{\"received_at\": ");
      log.put(cancel_at);
      log.put(
          ", \"method\": \"POST\", \"path\": \"/v1/billing/meter_event_adjustments\", \"params\": "
          "{\"event_name\": "
          "\"");
      log.put(c.event_name);
      log.put("\", \"type\": \"cancel\", \"cancel\": {\"identifier\": \"");
      log.put(c.identifier);
      log.put("\"}}}\n");
    }
    bytes += log.close();
    cancelled += static_cast<std::int64_t>(cancellations.size());
    cancellations.clear();
  };

  for (std::int64_t i = 0; i < o.events; ++i) {
    const std::int64_t arrival =
        first_arrival + static_cast<std::int64_t>(static_cast<int128>(i) * span / o.events);
    last_arrival = arrival;
    if (!cancellations.empty() && arrival >= cancel_at) {
      flush_cancellations();
      csv = std::make_unique<writer>(o.out + "/" + next_name(".csv"));
      csv->put(csv_header);
    }
    if (!duplicates.empty() && duplicates.top().due <= arrival) {
      // The exact row again (M5: same identifier, so rejected), arriving in this slot.
      const pending_duplicate& d = duplicates.top();
      csv->put(d.row_head);
      csv->put(arrival);
      csv->put(d.row_tail);
      duplicates.pop();
      ++duplicate_rows;
      continue;
    }
    ++originals;
    const std::int64_t customer = r.between(1, o.customers);
    const bool is_storage = r.chance(100000);
    std::int64_t value = 0;
    if (is_storage) {
      auto& level = storage_level[static_cast<std::size_t>(customer)];
      level = std::max<std::int64_t>(1, level + r.between(-5, 6));
      value = level;
      ++storage;
    } else {
      value = r.between(1, 100);
      ++api;
    }
    std::int64_t timestamp = arrival - r.between(0, 300);
    if (r.chance(5000)) {
      timestamp = std::max(start, arrival - r.between(86400, 30 * 86400));  // late by days, inside M4
      ++late;
    }
    const std::string_view event_name = is_storage ? std::string_view("storage_gb") : "api_requests";
    char id[24];
    id[0] = 'e';
    const auto id_end = std::to_chars(id + 1, id + sizeof id, originals).ptr;
    const std::string_view identifier(id, static_cast<std::size_t>(id_end - id));

    std::string head;
    head.reserve(48);
    head.append(identifier)
        .append(",")
        .append(std::to_string(timestamp))
        .append(",")
        .append(event_name)
        .append(",");
    std::string tail;
    tail.reserve(24);
    tail.append(",")
        .append(customer_ids[static_cast<std::size_t>(customer)])
        .append(",")
        .append(std::to_string(value))
        .append("\n");
    csv->put(head);
    csv->put(arrival);
    csv->put(tail);

    if (r.chance(10000)) {
      duplicates.push({arrival + r.between(30, 600), order++, std::move(tail), std::move(head)});
    }
    if (r.chance(1000)) {
      // Due at the end of the segment this event arrived in (strictly after its arrival).
      cancel_at = start + ((arrival - start) / o.segment + 1) * o.segment;
      cancellations.push_back({std::string(identifier), event_name});
    }
  }
  if (!cancellations.empty()) {
    flush_cancellations();
    last_arrival = std::max(last_arrival, cancel_at);
  } else {
    bytes += csv->close();
  }

  writer list(o.out + "/inputs.txt");
  for (const auto& name : inputs) list.put(name + "\n");
  list.close();

  // Every event is accepted but the duplicates; every cancellation is accepted (its event was
  // accepted less than S seconds before). read = rows + cancellations (CONTRACT.md counts).
  const std::int64_t rows = originals + duplicate_rows;
  writer m(o.out + "/manifest.txt");
  const auto kv = [&](const char* k, std::int64_t v) {
    m.put(k);
    m.put("=");
    m.put(v);
    m.put("\n");
  };
  kv("events", rows);
  kv("originals", originals);
  kv("duplicates", duplicate_rows);
  kv("cancellations", cancelled);
  kv("late", late);
  kv("api_events", api);
  kv("storage_events", storage);
  kv("customers", o.customers);
  kv("days", o.days);
  kv("segment", o.segment);
  kv("seed", static_cast<std::int64_t>(o.seed));
  kv("first_arrival", first_arrival);
  kv("last_arrival", last_arrival);
  kv("input_files", static_cast<std::int64_t>(inputs.size()));
  kv("input_bytes", static_cast<std::int64_t>(bytes));
  kv("expect_read", rows + cancelled);
  kv("expect_accepted", originals + cancelled);
  kv("expect_rejected", duplicate_rows);
  kv("expect_cancelled", cancelled);
  m.close();
  return 0;
}
