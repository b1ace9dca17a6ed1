// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The reporter: from a local meter's truth, the fewest Stripe calls that make Stripe bill the
/// same numbers (SPEC W1, W2, M4, M5, M8, M9, M10, L2-L5, B3, I2, D7, D19).
///
/// It is built from a plan (meters, and deadlines from its subscriptions and legacy items) or, for
/// meter events alone, from `meter_event_billing`: the meters and each customer's billing cycle.
/// The caller feeds it every operation its local meters accepted (or lets it read a `meter`), and
/// calls `flush(now, ...)` at least at every `next_due()`. The reporter turns the operations into:
///
// clang-format off
/// | local truth | sent to Stripe |
/// | --- | --- |
/// | raw `sum` meter | one event per (customer, flush cell) and flush tick: the sum of what arrived, negative for cancellations (M12) |
/// | raw `count` meter | one event per local event (count cannot be batched), cancellations as adjustments (M10) |
/// | raw `last` meter | per (customer, billing segment) and tick only the event with the greatest (timestamp, arrival) (M9) |
/// | pre-aggregated (`hour`/`day`) meter | per (customer, window) and tick the latest-arrived event: the cumulative window value (M8) |
/// | legacy `sum` item | one `increment` usage record per (item, period) and tick (L2, L3) |
/// | legacy `last_during_period` / `last_ever` | one `set` per (item, period) and tick, at the latest timestamp (L3) |
/// | legacy `max` item | one `set` per (item, timestamp) and tick (L3) |
// clang-format on
///
/// Meter events go on the v2 stream, up to 100 per request, so events of many customers share a
/// call (W1); `events_api::v1` sends one `/v1/billing/meter_events` call each instead.
///
/// **Ticks.** An operation that arrived locally at `a` is sent at the first *tick* at or after
/// `a`. A customer's (an item's) ticks are the multiples of `flush_interval` (UTC-aligned) and, for
/// each of its billing periods, the deadline `finalized_at - finalization_margin` (meters, B3) or
/// `end - finalization_margin` (legacy items, whose records must arrive inside the current period,
/// L4). So everything that arrived before a period's deadline reaches Stripe before the period's
/// invoice is finalized, and the event timestamps chosen stay inside the 35-day window (M4) as long
/// as the local events were inside it and `flush_interval` is small against 35 days. Usage that
/// arrives locally within `finalization_margin` of a deadline may miss its invoice, as it would
/// when sent directly.
///
/// **No double counting.** Ticks depend on time alone, so the batch of a tick is a pure function
/// of the operations that arrived before it: identifiers (M5) and idempotency keys (I2) are hashes
/// of (meter or item, customer, cell, tick). A retry reuses them (W2); a restart from a checkpoint
/// rebuilds the same batches with the same identifiers, and Stripe drops the repeats
/// (`duplicate_meter_event`, or the idempotent replay). This holds while repeats come within 24 h
/// (M5, I2): checkpoint at least that often.
///
/// **Cells.** A sum batch is keyed by the cell of the events' timestamps: the `flush_interval`
/// window cut at the customer's billing-period boundaries, and is sent with a timestamp inside that
/// cell, so every period (and every summary window that is a multiple of `flush_interval`, M13)
/// gets exactly its own total.
///
/// Cancellations of `last` and pre-aggregated meters' events would need a re-send of an older
/// event that cannot win on arrival order; they are refused (`invalid_configuration`), never
/// dropped silently.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <meterkit/aggregation/formula_kind.hpp>
#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/plan.hpp>
#include <meterkit/calendar/billing_schedule.hpp>
#include <meterkit/core/checked.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/string_hash.hpp>
#include <meterkit/ingestion/event_record.hpp>
#include <meterkit/legacy/aggregate_usage.hpp>
#include <meterkit/legacy/usage_record.hpp>
#include <meterkit/meter/meter_definition.hpp>
#include <meterkit/meter/meter_policies.hpp>
#include <meterkit/stripe/wire/client.hpp>
#include <meterkit/stripe/wire/endpoints.hpp>
#include <meterkit/stripe/wire/meter_event_stream.hpp>

namespace meterkit {

/// Which API carries meter events.
enum class events_api { v2_stream, v1 };

/// How the reporter sends the events of a meter (see the table in the file comment).
enum class report_batching {
  sum_per_cell,               ///< one event per (customer, flush cell) and tick carrying the sum (M12)
  every_event,                ///< one event per local event; cancellations as adjustments (M10)
  latest_per_segment,         ///< only the greatest (timestamp, arrival) per billing segment (M9)
  latest_arrival_per_window,  ///< only the latest arrival per window of the ingestion (M8)
};

/// The reporting of a meter with formula `F` and ingestion `I`: a trait per policy pair, reached
/// at run time through `visit_meter_policies` (meter/meter_policies.hpp). A pair without a
/// specialisation cannot be reported. Members: `batching`, and `reports_cancellations` (a
/// cancellation of a `last` or pre-aggregated meter's event would need an older event re-sent,
/// which cannot win on arrival order, so it is refused, never dropped silently).
template <class F, class I>
struct report_policy;

/// Pre-aggregated (M8): what survives a window is the latest arrival, whatever the formula.
template <class F, class W>
struct report_policy<F, pre_aggregated<W>> {
  static constexpr report_batching batching = report_batching::latest_arrival_per_window;
  static constexpr bool reports_cancellations = false;
};
/// Raw `sum`: values add up, so a batch is one event with their sum.
template <>
struct report_policy<sum, raw> {
  static constexpr report_batching batching = report_batching::sum_per_cell;
  static constexpr bool reports_cancellations = true;
};
/// Raw `count`: every event counts once, whatever its value.
template <>
struct report_policy<count, raw> {
  static constexpr report_batching batching = report_batching::every_event;
  static constexpr bool reports_cancellations = true;
};
/// Raw `last`: only the greatest (timestamp, arrival) of a period counts.
template <>
struct report_policy<last_value, raw> {
  static constexpr report_batching batching = report_batching::latest_per_segment;
  static constexpr bool reports_cancellations = false;
};

struct reporter_options {
  /// Ticks every `flush_interval` (UTC-aligned), and the event-time cells of sum batches.
  seconds flush_interval{3600};
  /// Deadlines come this long before finalization (meters) or the period end (legacy items).
  seconds finalization_margin{600};
  events_api api = events_api::v2_stream;
};

/// What a restarted reporter needs: every tick up to `watermark` is done.
struct reporter_checkpoint {
  std::optional<timestamp> watermark;
  /// Local operations that arrived after this time must be fed again after a restart (the
  /// reporter ignores those it already reported).
  [[nodiscard]] std::optional<timestamp> replay_after(seconds flush_interval) const {
    if (!watermark) return std::nullopt;
    return *watermark - flush_interval;
  }
  /// Whether resuming from this checkpoint at `now` is safe: everything it would send again was
  /// first sent less than 24 h ago (M5, I2), with an hour to spare. `first_send` is when the
  /// reporter first sent anything (for a checkpoint without a watermark).
  [[nodiscard]] bool resumable_at(timestamp now, timestamp first_send) const {
    return now < watermark.value_or(first_send) + seconds{86400 - 3600};
  }
  friend bool operator==(const reporter_checkpoint&, const reporter_checkpoint&) = default;
};

/// Counters: how much local usage became how many calls.
struct reporter_stats {
  std::uint64_t local_operations = 0;  ///< events, cancellations and usage records fed
  std::uint64_t events_sent = 0;       ///< meter events handed to Stripe (first sends)
  std::uint64_t adjustments_sent = 0;
  std::uint64_t usage_records_sent = 0;
  std::uint64_t calls = 0;                    ///< API requests (sessions included, retries not)
  std::uint64_t duplicates_acknowledged = 0;  ///< repeats Stripe dropped (restart, M5)
  std::vector<rejection> failures;            ///< permanent refusals by Stripe (never silent)
};

/// The calls of one tick, before they are sent.
struct report_tick {
  timestamp tick{};
  std::vector<meter_event> events;
  std::vector<std::pair<meter_event_adjustment, std::string>> adjustments;  ///< with key
  std::vector<std::pair<usage_record, std::string>> usage_records;          ///< with key
  [[nodiscard]] bool empty() const noexcept {
    return events.empty() && adjustments.empty() && usage_records.empty();
  }
};

/// How a flush ended.
struct flush_result {
  std::size_t ticks_done = 0;
  /// A transient failure (retries exhausted, 5xx, rate limited) stopped the flush before this
  /// tick; the next flush sends it again with the same identifiers and keys.
  std::optional<rejection> stopped;
  [[nodiscard]] bool complete() const noexcept { return !stopped.has_value(); }
};

namespace detail {

/// FNV-1a over the parts, separated, as 16 hex digits: the deterministic ids and keys.
template <class... Parts>
[[nodiscard]] std::string report_hash(const Parts&... parts) {
  std::uint64_t h = 14695981039346656037ULL;
  const auto mix = [&](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
    h ^= 0xFF;
    h *= 1099511628211ULL;
  };
  (mix(parts), ...);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = hex[h & 0xF];
    h >>= 4;
  }
  return out;
}

[[nodiscard]] inline std::string unix_text(timestamp t) { return std::to_string(to_unix(t)); }

/// The largest value a meter event may carry (D13: 15 digits).
inline constexpr std::int64_t max_event_value = 999'999'999'999'999;

/// A schedule and the offset of its deadlines from each period end.
struct deadline_schedule {
  billing_schedule<> schedule;
  seconds offset{};  ///< deadline = end + offset
};

/// The first period end `e` with `e >= x` (every period end of the schedule lies after start).
[[nodiscard]] inline timestamp first_end_at_or_after(const billing_schedule<>& s, timestamp x) {
  if (x <= s.start_date()) return s.first_period().end;
  const auto p = s.period_containing(x);
  return p->start == x ? x : p->end;
}

struct sum_cell {
  std::int64_t total = 0;
  timestamp cell_end{};
  timestamp latest_time{};
};
struct chosen_event {
  timestamp time{};
  std::uint64_t arrival = 0;
  std::int64_t value = 0;
  std::string customer;
};
struct usage_sum {
  std::int64_t total = 0;
  timestamp latest_time{};
};

/// A meter as the reporter sends it: its definition and its `report_policy`.
struct reported_meter {
  meter_definition definition;
  report_batching batching = report_batching::sum_per_cell;
  bool reports_cancellations = false;
  bool sends_value = true;  ///< false when the formula never reads a value
  /// Pre-aggregated: the ingestion's own rule (M8, ingestion/pre_aggregated.hpp): the window of an
  /// event, and whether a later arrival replaces the one kept for its window.
  timestamp (*window_start)(timestamp) = nullptr;
  bool (*supersedes)(std::uint64_t arrival, std::uint64_t held) = nullptr;

  // A template only so that it is compiled where it is used (see `basic_usage_reporter`).
  template <class = void>
  explicit reported_meter(const meter_definition& m) : definition(m) {
    visit_meter_policies(m, [&](auto ftag, auto itag) {
      using F = typename decltype(ftag)::type;
      using I = typename decltype(itag)::type;
      using policy = report_policy<F, I>;
      batching = policy::batching;
      reports_cancellations = policy::reports_cancellations;
      if constexpr (requires { F::reads_value; }) sends_value = F::reads_value;
      if constexpr (I::is_pre_aggregated) {
        window_start = [](timestamp t) { return I::window_start(t); };
        supersedes = [](std::uint64_t arrival, std::uint64_t held) { return I::supersedes(arrival, held); };
      }
    });
  }
};

/// Everything that goes out at one tick.
struct tick_content {
  // (meter, customer, cell start)
  std::map<std::tuple<std::string, std::string, timestamp>, sum_cell> sums;
  // (meter, customer, arrival) -> event time
  std::map<std::tuple<std::string, std::string, std::uint64_t>, timestamp> counts;
  // (meter, customer, arrival) of count events to cancel
  std::vector<std::tuple<std::string, std::string, std::uint64_t>> count_cancels;
  // (meter, customer, segment start or window start) -> the one event to send
  std::map<std::tuple<std::string, std::string, timestamp>, chosen_event> chosen;
  // (item, period start)
  std::map<std::pair<std::string, timestamp>, usage_sum> usage_sums;
  // (item, timestamp) -> value
  std::map<std::pair<std::string, timestamp>, std::int64_t> usage_sets;
};

}  // namespace detail

/// A customer's billing cycle, for a reporter that knows meters and customers but no plan: the
/// periods of `billing_schedule(start_date, billing_cycle_anchor, trial_end, interval)`
/// (calendar/billing_schedule.hpp, B3, B4), whose invoices the reporter's deadlines precede.
struct customer_billing {
  std::string customer{};
  timestamp billing_cycle_anchor{};
  billing_interval interval{};            ///< monthly by default
  std::optional<timestamp> start_date{};  ///< when billing starts; the anchor when absent
  std::optional<timestamp> trial_end{};
};

/// Everything a meter-event reporter needs when there is no plan with prices and subscriptions:
/// the meters, the customers' billing cycles (a customer may be listed once per subscription; one
/// not listed is flushed on the `flush_interval` grid only), and Stripe's finalization delay (B3).
struct meter_event_billing {
  std::vector<meter_definition> meters{};
  std::vector<customer_billing> customers{};
  seconds invoice_finalization_delay{3600};
};

/// See the file comment. A class template only so that it is compiled where it is used, not in
/// every translation unit that includes the adapter: `usage_reporter` is the one instantiation.
template <class = void>
class basic_usage_reporter {
 public:
  /// A reporter of the meter events of `billing`'s meters. Throws `configuration_error` naming
  /// the field for an invalid meter, a duplicate meter id or event name, an empty customer, a
  /// trial ending before its start, or an interval outside D9's limits.
  explicit basic_usage_reporter(const meter_event_billing& billing, reporter_options options = {},
                                reporter_checkpoint from = {})
      : options_(options), watermark_(from.watermark) {
    check_options();
    std::unordered_map<std::string, std::size_t> event_names;
    for (std::size_t i = 0; i < billing.meters.size(); ++i) {
      const meter_definition& m = billing.meters[i];
      validate(m);
      const std::string field = "meters[" + std::to_string(i) + "]";
      if (!meters_.emplace(m.id, detail::reported_meter(m)).second)
        METERKIT_THROW(configuration_error(field + ".id", "duplicate meter id \"" + m.id + "\""));
      if (!event_names.emplace(m.event_name, i).second)
        METERKIT_THROW(configuration_error(field + ".event_name",
                                           "duplicate event_name \"" + m.event_name + "\" (also meters[" +
                                               std::to_string(event_names[m.event_name]) + "])"));
    }
    const seconds offset = billing.invoice_finalization_delay - options_.finalization_margin;
    for (std::size_t i = 0; i < billing.customers.size(); ++i) {
      const customer_billing& c = billing.customers[i];
      if (c.customer.empty())
        METERKIT_THROW(
            configuration_error("customers[" + std::to_string(i) + "].customer", "must not be empty"));
      customers_[c.customer].push_back({billing_schedule<>(c.start_date.value_or(c.billing_cycle_anchor),
                                                           c.billing_cycle_anchor, c.trial_end, c.interval),
                                        offset});
    }
  }

  /// A reporter of the usage of plan `p`: its meters' events, with deadlines from its
  /// subscriptions, and the usage records of its legacy items.
  basic_usage_reporter(const plan& p, reporter_options options = {}, reporter_checkpoint from = {})
      : options_(options), watermark_(from.watermark) {
    check_options();
    const compiled_plan compiled(p);  // validates
    for (const auto& m : p.meters) meters_.emplace(m.id, detail::reported_meter(m));
    const seconds meter_offset = p.settings.invoice_finalization_delay - options_.finalization_margin;
    // Deadlines follow the schedules without their ends (B6): one more flush after an end is harmless.
    for (std::size_t s = 0; s < compiled.subscriptions().size(); ++s) {
      const auto& schedule = compiled.subscriptions()[s].schedule;
      customers_[compiled.subscription_at(s).customer].push_back({schedule.without_end(), meter_offset});
    }
    for (std::size_t i = 0; i < compiled.items().size(); ++i) {
      const compiled_item& it = compiled.items()[i];
      if (it.billing != item_billing::usage_records) continue;
      items_.emplace(compiled.item_at(i).id,
                     legacy_item{{compiled.subscriptions()[it.subscription].schedule.without_end(),
                                  -options_.finalization_margin},
                                 it.mode});
    }
  }

  [[nodiscard]] const reporter_options& options() const noexcept { return options_; }
  [[nodiscard]] const reporter_stats& stats() const noexcept { return stats_; }
  /// Where a restarted reporter picks up (see `reporter_checkpoint`).
  [[nodiscard]] reporter_checkpoint checkpoint() const { return {watermark_}; }

  // ---- feeding ---------------------------------------------------------------------------------

  /// One meter event of the plan's meter `meter_id` for `customer`, as a local meter accepted it
  /// (`e.time`, `e.received_at`, `e.arrival` unique per meter, `e.value`). False when its tick was
  /// already reported (a re-fed event after a restart), or the meter is unknown.
  bool record(std::string_view meter_id, std::string_view customer, const event_record& e) {
    const auto m = meters_.find(meter_id);
    if (m == meters_.end()) return false;
    const timestamp tick = meter_tick(customer, e.received_at);
    if (done(tick)) return false;
    ++stats_.local_operations;
    auto& content = pending_[tick];
    const detail::reported_meter& rm = m->second;
    switch (rm.batching) {
      case report_batching::latest_arrival_per_window:
        keep_survivor(content.chosen[{m->first, std::string(customer), rm.window_start(e.time)}], customer, e,
                      rm);
        break;
      case report_batching::sum_per_cell: {
        const auto [start, end] = cell_of(customer, e.time);
        add_to_cell(content.sums[{m->first, std::string(customer), start}], end, e.time, e.value);
        break;
      }
      case report_batching::every_event:
        content.counts[{m->first, std::string(customer), e.arrival}] = e.time;
        break;
      case report_batching::latest_per_segment:
        keep_latest(content.chosen[{m->first, std::string(customer), segment_of(customer, e.time).first}],
                    customer, e);
        break;
    }
    return true;
  }

  /// The cancellation (M10) of `original`, accepted locally at `cancelled_at`. Refused for `last`
  /// and pre-aggregated meters (see the file comment); false-but-accepted when already reported.
  outcome cancel(std::string_view meter_id, std::string_view customer, const event_record& original,
                 timestamp cancelled_at) {
    const auto m = meters_.find(meter_id);
    if (m == meters_.end()) {
      return outcome::reject(error_code::no_meter, "no meter has the id \"" + std::string(meter_id) + "\"");
    }
    const detail::reported_meter& rm = m->second;
    const meter_definition& def = rm.definition;
    if (!rm.reports_cancellations) {
      return outcome::reject(error_code::invalid_configuration,
                             "cancelling an event of meter \"" + def.id +
                                 "\" cannot be reported: a last or pre-aggregated meter would need an older "
                                 "event re-sent, which cannot win on arrival order");
    }
    const timestamp tick = meter_tick(customer, cancelled_at);
    if (done(tick)) return outcome::accept();
    ++stats_.local_operations;
    auto& content = pending_[tick];
    if (rm.batching == report_batching::sum_per_cell) {
      const auto [start, end] = cell_of(customer, original.time);
      add_to_cell(content.sums[{def.id, std::string(customer), start}], end, original.time, -original.value);
      return outcome::accept();
    }
    // every_event: drop it if it has not left yet at this tick, else cancel the forwarded event.
    const auto key = std::tuple{def.id, std::string(customer), original.arrival};
    if (content.counts.erase(key) == 0) content.count_cancels.push_back(key);
    return outcome::accept();
  }

  /// One accepted local usage record of a legacy item (`increment` for `sum` items, `set` for the
  /// others). False when its tick was already reported or the item is not a legacy item.
  bool record(std::string_view subscription_item, const checked_usage_record& u) {
    const auto it = items_.find(subscription_item);
    if (it == items_.end()) return false;
    const timestamp tick = next_tick(it->second.deadlines, u.received_at);
    if (done(tick)) return false;
    const auto p = it->second.deadlines.schedule.period_containing(u.time);
    if (!p) return false;
    ++stats_.local_operations;
    auto& content = pending_[tick];
    if (it->second.mode == aggregate_usage::sum) {
      auto& s = content.usage_sums[{std::string(subscription_item), p->start}];
      s.total = add_or_throw(s.total, u.quantity, "reported usage");
      s.latest_time = std::max(s.latest_time, u.time);
    } else {
      content.usage_sets[{std::string(subscription_item), u.time}] = u.quantity;
    }
    return true;
  }

  /// Feeds what a local `meter` (meter/meter.hpp, with history) accepted or cancelled in
  /// `(after, through]` of arrival time, for the plan's meter `meter_id`.
  template <class Meter>
  void sync(std::string_view meter_id, const Meter& m, std::optional<timestamp> after, timestamp through) {
    const auto in_range = [&](timestamp t) { return (!after || *after < t) && t <= through; };
    for (std::size_t i = 0; i < m.customer_count(); ++i) {
      const std::string customer(m.customer_at(i));
      for (const auto& r : m.records(m.customer_at(i))) {
        if (in_range(r.received_at)) record(meter_id, customer, r);
        if (r.cancelled() && in_range(r.cancelled_at)) (void)cancel(meter_id, customer, r, r.cancelled_at);
      }
    }
  }

  // ---- flushing --------------------------------------------------------------------------------

  /// The earliest tick with something to send, if any.
  [[nodiscard]] std::optional<timestamp> next_due() const {
    if (pending_.empty()) return std::nullopt;
    return pending_.begin()->first;
  }

  /// The calls of every tick at or before `now`, in tick order (nothing is marked done).
  [[nodiscard]] std::vector<report_tick> due(timestamp now) const {
    std::vector<report_tick> out;
    for (auto it = pending_.begin(); it != pending_.end() && it->first <= now; ++it) {
      out.push_back(build(it->first, it->second));
    }
    return out;
  }

  /// Marks every tick at or before `tick` as reported (the watermark of the checkpoint).
  void mark_done(timestamp tick) {
    pending_.erase(pending_.begin(), pending_.upper_bound(tick));
    if (!watermark_ || *watermark_ < tick) watermark_ = tick;
  }

  /// Sends every tick at or before `now` through `client` (meter events on `stream` when the
  /// options say v2), in order; stops at the first transient failure (see `flush_result`).
  /// Permanent refusals are listed in `stats().failures`; `duplicate_meter_event` is success.
  template <class Client>
  flush_result flush(timestamp now, Client& client, meter_event_stream<Client>& stream) {
    flush_result out;
    for (const report_tick& t : due(now)) {
      if (auto stop = send(t, client, stream)) {
        out.stopped = std::move(stop);
        return out;
      }
      mark_done(t.tick);
      ++out.ticks_done;
    }
    if (!watermark_ || *watermark_ < now) watermark_ = now;
    return out;
  }

  /// The tick at which a meter event of `customer` that arrived at `a` is sent.
  [[nodiscard]] timestamp meter_tick(std::string_view customer, timestamp a) const {
    const auto c = customers_.find(customer);
    return c == customers_.end() ? grid_tick(a) : next_tick(c->second, a);
  }

 private:
  struct legacy_item {
    detail::deadline_schedule deadlines;
    aggregate_usage mode = aggregate_usage::sum;
  };

  void check_options() const {
    if (options_.flush_interval < seconds{1}) {
      METERKIT_THROW(configuration_error("flush_interval", "must be at least one second"));
    }
    if (options_.finalization_margin < seconds{0}) {
      METERKIT_THROW(configuration_error("finalization_margin", "must not be negative"));
    }
  }

  [[nodiscard]] bool done(timestamp tick) const { return watermark_ && tick <= *watermark_; }

  [[nodiscard]] timestamp grid_tick(timestamp a) const {
    const std::int64_t i = options_.flush_interval.count();
    const std::int64_t s = to_unix(a);
    const std::int64_t q = s / i + (s % i > 0 ? 1 : 0) - (s < 0 && s % i != 0 ? 1 : 0);
    return from_unix(q * i);
  }
  [[nodiscard]] timestamp grid_floor(timestamp t) const {
    const std::int64_t i = options_.flush_interval.count();
    const std::int64_t s = to_unix(t);
    return from_unix((s / i - (s % i < 0 ? 1 : 0)) * i);
  }

  [[nodiscard]] timestamp next_tick(const detail::deadline_schedule& d, timestamp a) const {
    return std::min(grid_tick(a), detail::first_end_at_or_after(d.schedule, a - d.offset) + d.offset);
  }
  [[nodiscard]] timestamp next_tick(const std::vector<detail::deadline_schedule>& ds, timestamp a) const {
    timestamp t = grid_tick(a);
    for (const auto& d : ds) t = std::min(t, next_tick(d, a));
    return t;
  }

  /// The customer's billing segment containing `t`: between consecutive boundaries of all its
  /// schedules (unbounded without subscriptions).
  [[nodiscard]] std::pair<timestamp, timestamp> segment_of(std::string_view customer, timestamp t) const {
    timestamp lo = earliest_time;
    timestamp hi = from_unix(to_unix(latest_time) + 1);
    if (const auto c = customers_.find(customer); c != customers_.end()) {
      for (const auto& d : c->second) {
        if (t < d.schedule.start_date()) {
          hi = std::min(hi, d.schedule.start_date());
        } else {
          const auto p = d.schedule.period_containing(t);
          lo = std::max(lo, p->start);
          hi = std::min(hi, p->end);
        }
      }
    }
    return {lo, hi};
  }
  /// The sum cell of `t`: its flush window cut at the billing segment.
  [[nodiscard]] std::pair<timestamp, timestamp> cell_of(std::string_view customer, timestamp t) const {
    const auto [lo, hi] = segment_of(customer, t);
    const timestamp w = grid_floor(t);
    return {std::max(lo, w), std::min(hi, w + options_.flush_interval)};
  }

  static void add_to_cell(detail::sum_cell& c, timestamp cell_end, timestamp t, std::int64_t v) {
    c.total = add_or_throw(c.total, v, "reported sum");
    c.cell_end = cell_end;
    c.latest_time = std::max(c.latest_time, t);
  }
  /// Pre-aggregated (M8): the event that survives its window, by the ingestion policy's rule.
  static void keep_survivor(detail::chosen_event& slot, std::string_view customer, const event_record& e,
                            const detail::reported_meter& rm) {
    if (slot.customer.empty() || rm.supersedes(e.arrival, slot.arrival)) {
      slot = detail::chosen_event{e.time, e.arrival, e.value, std::string(customer)};
    }
  }
  /// Raw `last` (M9): the greatest (timestamp, arrival) of the segment.
  static void keep_latest(detail::chosen_event& slot, std::string_view customer, const event_record& e) {
    if (slot.customer.empty() || std::pair(e.time, e.arrival) > std::pair(slot.time, slot.arrival)) {
      slot = detail::chosen_event{e.time, e.arrival, e.value, std::string(customer)};
    }
  }

  [[nodiscard]] meter_event event_of(const detail::reported_meter& rm, const std::string& customer,
                                     std::string identifier, timestamp t, std::int64_t value) const {
    const meter_definition& def = rm.definition;
    meter_event e;
    e.event_name = def.event_name;
    e.payload.emplace_back(def.customer_key, customer);
    if (rm.sends_value) e.payload.emplace_back(def.value_key, std::to_string(value));
    e.identifier = std::move(identifier);
    e.timestamp = t;
    return e;
  }

  [[nodiscard]] report_tick build(timestamp tick, const detail::tick_content& c) const {
    report_tick out;
    out.tick = tick;
    const std::string tick_text = detail::unix_text(tick);
    for (const auto& [key, cell] : c.sums) {
      const auto& [meter_id, customer, start] = key;
      if (cell.total == 0) continue;  // nothing to say
      const timestamp t = std::max(cell.latest_time, std::min(cell.cell_end - seconds{1}, tick));
      const std::string id =
          "mk_" + detail::report_hash("sum", meter_id, customer, detail::unix_text(start), tick_text);
      // D13: at most 15 digits an event; a larger total goes in parts.
      std::int64_t left = cell.total;
      for (int part = 0; left != 0; ++part) {
        const std::int64_t v = std::clamp(left, -detail::max_event_value, detail::max_event_value);
        out.events.push_back(
            event_of(meters_.at(meter_id), customer, part == 0 ? id : id + "_" + std::to_string(part), t, v));
        left -= v;
      }
    }
    for (const auto& [key, time] : c.counts) {
      const auto& [meter_id, customer, arrival] = key;
      out.events.push_back(
          event_of(meters_.at(meter_id), customer, count_identifier(meter_id, customer, arrival), time, 1));
    }
    for (const auto& [key, ev] : c.chosen) {
      const auto& [meter_id, customer, start] = key;
      const std::string id =
          "mk_" + detail::report_hash("one", meter_id, customer, detail::unix_text(start), tick_text);
      out.events.push_back(event_of(meters_.at(meter_id), customer, id, ev.time, ev.value));
    }
    for (const auto& [meter_id, customer, arrival] : c.count_cancels) {
      const std::string id = count_identifier(meter_id, customer, arrival);
      out.adjustments.emplace_back(
          meter_event_adjustment{meters_.at(meter_id).definition.event_name, std::string("cancel"), id},
          "mk-" + detail::report_hash("cancel", id));
    }
    for (const auto& [key, s] : c.usage_sums) {
      const auto& [item, start] = key;
      if (s.total == 0) continue;
      // Inside the current period at the tick (L4), or in the grace before it (L5) when the tick
      // crossed into the next period.
      const auto& schedule = items_.at(item).deadlines.schedule;
      const auto current = schedule.period_containing(tick);
      timestamp t = s.latest_time;
      if (current && current->start > start) t = current->start - seconds{1};
      usage_record u{item, s.total, to_unix(t), std::string("increment")};
      out.usage_records.emplace_back(
          std::move(u), "mk-" + detail::report_hash("usage", item, detail::unix_text(start), tick_text));
    }
    // set modes: last_* send only the latest timestamp of each period; max sends every timestamp.
    std::map<std::pair<std::string, timestamp>, std::pair<timestamp, std::int64_t>> latest;
    for (const auto& [key, value] : c.usage_sets) {
      const auto& [item, t] = key;
      const auto& li = items_.at(item);
      if (li.mode == aggregate_usage::max) {
        out.usage_records.emplace_back(
            usage_record{item, value, to_unix(t), std::string("set")},
            "mk-" + detail::report_hash("set", item, detail::unix_text(t), tick_text));
      } else {
        const auto p = li.deadlines.schedule.period_containing(t);
        auto& slot = latest[{item, p->start}];
        if (slot.first <= t) slot = {t, value};
      }
    }
    for (const auto& [key, tv] : latest) {
      out.usage_records.emplace_back(
          usage_record{key.first, tv.second, to_unix(tv.first), std::string("set")},
          "mk-" + detail::report_hash("set", key.first, detail::unix_text(tv.first), tick_text));
    }
    return out;
  }

  [[nodiscard]] static std::string count_identifier(const std::string& meter_id, const std::string& customer,
                                                    std::uint64_t arrival) {
    return "mk_" + detail::report_hash("count", meter_id, customer, std::to_string(arrival));
  }

  /// Whether a refusal is transient (try the tick again later) rather than final.
  [[nodiscard]] static bool transient(const rejection& r) {
    return r.code == error_code::api_error || r.code == error_code::rate_limit ||
           r.code == error_code::authentication_error;
  }

  /// Sends one tick; the rejection that stopped it when a failure was transient.
  template <class Client>
  std::optional<rejection> send(const report_tick& t, Client& client, meter_event_stream<Client>& stream) {
    const auto settle = [&](const call_result& r) -> std::optional<rejection> {
      if (r.succeeded()) return std::nullopt;
      if (r.error->code == error_code::duplicate_meter_event) {
        ++stats_.duplicates_acknowledged;
        return std::nullopt;
      }
      if (transient(*r.error)) return r.error;
      stats_.failures.push_back(*r.error);
      return std::nullopt;
    };
    if (!t.events.empty()) {
      if (options_.api == events_api::v2_stream) {
        const std::size_t sessions_before = stream.sessions_created();
        const std::size_t requests_before = stream.stream_requests();
        const auto r = stream.send(t.events, [](std::span<const meter_event> batch) {
          std::string ids;
          for (const auto& e : batch) ids += e.identifier.value_or("") + ",";
          return std::optional<std::string>("mk-" + detail::report_hash("stream", ids));
        });
        stats_.calls +=
            (stream.sessions_created() - sessions_before) + (stream.stream_requests() - requests_before);
        for (const auto& b : r.batches) {
          if (auto stop = settle(b.call)) return stop;
        }
      } else {
        for (const auto& e : t.events) {
          ++stats_.calls;
          if (auto stop = settle(client.send(meter_event_v1(client.settings(), e, e.identifier))))
            return stop;
        }
      }
      stats_.events_sent += t.events.size();
    }
    for (const auto& [a, key] : t.adjustments) {
      ++stats_.calls;
      if (auto stop = settle(client.send(meter_event_adjustment_v1(client.settings(), a, key)))) return stop;
      ++stats_.adjustments_sent;
    }
    for (const auto& [u, key] : t.usage_records) {
      ++stats_.calls;
      if (auto stop = settle(client.send(usage_record_v1(client.settings(), u, key)))) return stop;
      ++stats_.usage_records_sent;
    }
    return std::nullopt;
  }

  reporter_options options_;
  std::optional<timestamp> watermark_;
  template <class V>
  using by_name = std::unordered_map<std::string, V, detail::string_hash, detail::string_equal>;
  by_name<detail::reported_meter> meters_;
  by_name<std::vector<detail::deadline_schedule>> customers_;
  by_name<legacy_item> items_;
  std::map<timestamp, detail::tick_content> pending_;
  reporter_stats stats_;
};

/// The reporter (see `basic_usage_reporter` and the file comment).
using usage_reporter = basic_usage_reporter<>;

}  // namespace meterkit
