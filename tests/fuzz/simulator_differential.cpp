// SPDX-License-Identifier: MIT
// Differential fuzzing of the invoice simulator's histories (B3, M5, M10, M11, D14, D21, D24). One
// stream of requests, decoded from the input, aimed at the edges where the bounded history could
// part from the full one:
//   - cancellations arriving exactly 24 hours after their target, one second before and one after
//     (M10's half-open window), of events already cancelled, of identifiers never sent;
//   - identifiers repeated on the same meter inside and outside the 24-hour deduplication window
//     (M5), and the same identifier on other meters;
//   - events without an identifier (D14: settled on arrival), late events into periods already
//     finalized (D24), events far in the past;
//   - `last` (hourly) and `count` (daily) meters whose latest event is cancelled, a legacy `max`.
// It is applied to:
//   - the full history (the reference);
//   - a bounded history told which identifiers a later cancellation names, forgetting as early as
//     the input says, saved and restored from a snapshot part way;
//   - when the stream is stripped of its cancellations: the bounded history promised that none
//     will come (events settled on arrival through `apply(meter_event_view, ...)`, as the program
//     reads a bulk upload) against the full history of the same stripped stream.
// Every result is asked as of the last arrival, an hour and 40 days later, and, as the first byte's
// top bits say, 400 days later or as of 9999-12-31 when the plan's cycles make at most a few
// hundred invoices by then (else as of the latest time within that bound); any difference stops
// the run.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "../unit/billing/stream_requests.hpp"
#include "fuzz_common.hpp"

namespace {
namespace mk = meterkit;

constexpr std::int64_t t0 = 1735689600;  // 2025-01-01T00:00:00Z
constexpr std::int64_t hour = 3600;
constexpr std::int64_t day = 86400;

const mk::plan& history_plan() {
  static const mk::plan p = mk::read_plan_text(R"({
    "meters": [
      {"id": "mtr_api", "event_name": "api_requests", "default_aggregation": {"formula": "sum"}},
      {"id": "mtr_seats", "event_name": "seats", "default_aggregation": {"formula": "last"}, "event_time_window": "hour"},
      {"id": "mtr_calls", "event_name": "calls", "default_aggregation": {"formula": "count"}, "event_time_window": "day"}
    ],
    "prices": [
      {"id": "price_api", "currency": "usd", "unit_amount": 2,
       "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_api"}},
      {"id": "price_api_weekly", "currency": "usd", "billing_scheme": "tiered", "tiers_mode": "graduated",
       "tiers": [{"up_to": 100, "unit_amount": 3}, {"up_to": "inf", "unit_amount": 1}],
       "recurring": {"interval": "week", "usage_type": "metered", "meter": "mtr_api"}},
      {"id": "price_seats", "currency": "usd", "unit_amount": 700,
       "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_seats"}},
      {"id": "price_seats_weekly", "currency": "usd", "unit_amount": 150,
       "recurring": {"interval": "week", "usage_type": "metered", "meter": "mtr_seats"}},
      {"id": "price_calls", "currency": "usd", "unit_amount": 5,
       "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_calls"}},
      {"id": "price_calls_weekly", "currency": "usd", "unit_amount_decimal": "0.5",
       "recurring": {"interval": "week", "usage_type": "metered", "meter": "mtr_calls"}},
      {"id": "price_max", "currency": "usd", "unit_amount": 17,
       "recurring": {"interval": "week", "usage_type": "metered", "aggregate_usage": "max"}}
    ],
    "subscriptions": [
      {"id": "sub_1", "customer": "cus_1", "start_date": "2025-01-01T00:00:00Z",
       "items": [{"id": "si_api", "price": "price_api"}, {"id": "si_seats", "price": "price_seats"},
                 {"id": "si_calls", "price": "price_calls"}]},
      {"id": "sub_2", "customer": "cus_2", "start_date": "2025-01-03T07:30:00Z", "trial_end": "2025-01-10T00:00:00Z",
       "items": [{"id": "si2_api", "price": "price_api_weekly"}, {"id": "si2_max", "price": "price_max"},
                 {"id": "si2_seats", "price": "price_seats_weekly"}]},
      {"id": "sub_3", "customer": "cus_1", "start_date": "2025-01-02T12:00:00Z",
       "items": [{"id": "si3_api", "price": "price_api_weekly"}, {"id": "si3_calls", "price": "price_calls_weekly"}]}
    ],
    "customers": ["cus_3"],
    "settings": {"invoice_finalization_delay": 3600}
  })",
                                               "history_plan.json");
  return p;
}

constexpr std::array<const char*, 3> event_names{"api_requests", "seats", "calls"};
constexpr std::array<const char*, 4> customers{"cus_1", "cus_2", "cus_3", "cus_unknown"};
// Gaps between arrivals: the same second, seconds, around the hour and the day, days.
constexpr std::array<std::int64_t, 16> gaps{
    0, 0, 1, 7, 59, 600, hour - 1, hour, hour, 5 * hour, day - 1, day, day + 1, 3 * day, 6 * day, 17 * day};

struct sent_event {
  std::size_t name = 0;
  std::string identifier;
  std::int64_t received = 0;
};

using meterkit::fuzz::byte_reader;

/// The stream the input describes, in arrival order (ties in the order decoded).
std::vector<mk::request> decode(byte_reader& in) {
  std::vector<mk::request> out;
  std::vector<sent_event> sent;
  std::int64_t now = t0 - 2 * day;
  std::size_t line = 0;
  while (in.more() && out.size() < 400) {
    const std::uint8_t kind = in.next();
    const std::uint8_t a = in.next();
    const std::uint8_t b = in.next();
    const std::uint8_t c = in.next();
    now += gaps[a % gaps.size()];
    ++line;
    const std::size_t choice = kind % 16;
    if (choice >= 9 && choice <= 11 && !sent.empty()) {
      // A cancellation of a recent (or any) event: now, or scheduled at its arrival + 24 h - 1 s,
      // + 24 h or + 24 h + 1 s (sorted in below).
      const std::size_t back = choice == 11 ? b % sent.size() : b % std::min<std::size_t>(sent.size(), 8);
      const sent_event& target = sent[sent.size() - 1 - back];
      std::int64_t when = now;
      if (c % 4 != 3) when = std::max(now, target.received + day - 1 + c % 4);
      out.push_back(mk::test_stream::cancellation(when, event_names[target.name], target.identifier, line));
      if (kind & 0x10)
        out.push_back(mk::test_stream::cancellation(when, event_names[target.name], target.identifier, line));
      continue;
    }
    if (choice == 12) {  // a cancellation naming nothing ever sent
      out.push_back(
          mk::test_stream::cancellation(now, event_names[b % 3], "never_" + std::to_string(line), line));
      continue;
    }
    if (choice == 13) {  // a legacy usage record on the `max` item
      out.push_back(mk::test_stream::usage_record_of(now, "si2_max", c % 40,
                                                     now - static_cast<std::int64_t>(b) * 60,
                                                     (kind & 0x10) ? "increment" : "set", line));
      continue;
    }
    // A meter event.
    const std::size_t name = b % 3;
    const std::string customer = customers[(b / 3) % customers.size()];
    const std::int64_t value = static_cast<std::int64_t>(c % 64) - 6;
    std::optional<std::int64_t> time = now - static_cast<std::int64_t>(c % 16) * 97;
    switch ((kind >> 4) % 8) {
      case 0:
        time.reset();
        break;  // the arrival time (M2)
      case 1:
        *time = now - static_cast<std::int64_t>(a) * hour;
        break;  // late, maybe frozen (D24)
      case 2:
        *time = now - 34 * day - static_cast<std::int64_t>(c) * 600;
        break;  // about the 35-day edge
      case 3:
        *time = now + 4 * 60 + c % 120;
        break;  // about the future edge
      default:
        break;
    }
    std::optional<std::string> identifier;
    const std::size_t id_kind = (a >> 4) % 8;
    if (id_kind == 0 || id_kind == 1) {
      // none: cannot be cancelled (D14), settled on arrival by the bounded history
    } else if (id_kind == 6 && !sent.empty()) {
      identifier = sent[sent.size() - 1 - c % std::min<std::size_t>(sent.size(), 16)].identifier;  // M5
    } else if (id_kind == 7 && !sent.empty()) {
      identifier = sent[c % sent.size()].identifier;  // any earlier one, on whichever meter this is
    } else {
      identifier = "ev_" + std::to_string(line);
    }
    if (identifier) sent.push_back({name, *identifier, now});
    out.push_back(mk::test_stream::event(now, event_names[name], customer, value, identifier, time, line));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const mk::request& x, const mk::request& y) { return x.received_at < y.received_at; });
  return out;
}

bool is_cancellation(const mk::request& r) {
  return std::holds_alternative<mk::meter_event_adjustment>(r.operations.front());
}

/// Applies the one meter event of `r` as the program applies a bulk-upload row.
void apply_as_view(mk::invoice_simulator& sim, const mk::request& r) {
  const auto& e = std::get<mk::meter_event>(r.operations.front());
  const std::vector<mk::meter_event_view::entry> payload(e.payload.begin(), e.payload.end());
  const std::string_view identifier = e.identifier ? std::string_view(*e.identifier) : std::string_view{};
  const mk::meter_event_view view{e.event_name, payload, identifier, e.timestamp};
  sim.apply(view, r.received_at, mk::source_ref{r.source});
}

/// Compares the two results as of `last`, an hour and 40 days later, and, as `far` says (0: not),
/// 400 days later (1) or as of 9999-12-31 (2, 3), through `bounded_until`: at most a few hundred
/// cycle invoices, so as of the latest time within that bound when the plan makes more; a bound
/// not past the 40 days is skipped.
void require_same(const mk::invoice_simulator& a, const mk::invoice_simulator& b, mk::timestamp last,
                  unsigned far, const char* what) {
  const auto same = [&](mk::timestamp until) {
    mk::fuzz::require(a.result(until) == b.result(until),
                      std::string(what) + " as of " + std::to_string(mk::to_unix(until)));
  };
  for (const auto until : {last, last + mk::seconds{hour}, last + mk::seconds{40 * day}}) same(until);
  if (far == 0) return;  // each far result costs up to a few hundred invoices: one, when asked
  static const auto farthest = mk::fuzz::bounded_until(a.compiled(), mk::latest_time);  // one plan
  const auto until = far == 1 ? mk::fuzz::bounded_until(
                                    a.compiled(), std::min(mk::latest_time, last + mk::seconds{400 * day}))
                              : farthest;
  if (until && *until > last + mk::seconds{40 * day}) same(*until);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  byte_reader in(data, size);
  const std::uint8_t head = in.next();
  const std::size_t forget_from = 1 + head % 64;
  const unsigned far = head >> 6;
  const std::size_t snapshot_at = in.next();
  const auto stream = decode(in);
  if (stream.empty()) return 0;
  const auto last = stream.back().received_at;

  mk::cancellation_targets targets;
  for (const auto& r : stream) targets.add(r);
  mk::simulator_history told;
  told.bounded = true;
  told.forget_from = forget_from;
  told.cancelled_later = std::cref(targets);

  mk::invoice_simulator full(history_plan());
  std::optional<mk::invoice_simulator> bounded(std::in_place, history_plan(), told);
  for (std::size_t i = 0; i < stream.size(); ++i) {
    full.apply(stream[i]);
    bounded->apply(stream[i]);
    if (i == snapshot_at) {
      std::ostringstream saved;
      bounded->save(saved);
      std::istringstream back(saved.str());
      bounded.emplace(mk::invoice_simulator::restore(history_plan(), back, told));
    }
  }
  require_same(*bounded, full, last, far, "a bounded history bills differently from the full history");

  // Without cancellations: every event is final once applied.
  mk::simulator_history promised;
  promised.bounded = true;
  promised.forget_from = forget_from;
  promised.no_cancellations = true;
  mk::invoice_simulator full_plain(history_plan());
  mk::invoice_simulator settled(history_plan(), promised);
  for (const auto& r : stream) {
    if (is_cancellation(r)) continue;
    full_plain.apply(r);
    if (std::holds_alternative<mk::meter_event>(r.operations.front())) {
      apply_as_view(settled, r);
    } else {
      settled.apply(r);
    }
  }
  require_same(settled, full_plain, last, far,
               "events settled on arrival bill differently from the full history");
  return 0;
}
