// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The offline invoice simulator (SPEC B3-B5, M11, M12, L5, I2, D20-D24, D27; CONTRACT.md
/// `simulate`): replays requests in arrival order against a plan and produces every invoice, draft,
/// finalized or upcoming, with the rejected operations, late usage and counts that reconcile.
///
/// Acceptance happens at arrival; invoices are the pure function of SPEC.md's model: a finalized
/// invoice shows quantities as of its `finalized_at`, a draft or upcoming one as of `until`. The
/// same inputs give the same result, whatever way the requests were split into inputs.
///
/// Crash-restore: `save` writes a snapshot of everything the requests applied so far have built
/// (bytes, nothing else survives a crash); `invoice_simulator::restore(plan, in)` reads it back
/// under the same plan, and applying the rest of the requests then gives the results of a run
/// that never stopped. Snapshot format (version 1, integers little-endian):
///   8 bytes magic `\x89MKSIM\r\n` | u32 format version | u64 plan fingerprint (FNV-1a 64 of a
///   canonical encoding of every plan field) | u64 body length | body | u64 FNV-1a 64 of all
///   the bytes before it.
/// The body holds the meter ledger's accepted events and identifier store, the usage-record
/// books, the idempotency store with its first outcomes, rejections, late usage, counts and
/// the arrival clock (detail/binary_io.hpp encoding). A truncated, damaged or foreign snapshot
/// raises `corrupt_state_error`; one saved under another plan `snapshot_plan_mismatch`.
///
/// Bounded history (`simulator_history::bounded`): for long streams, the simulator fixes each
/// metered quantity of a finalized invoice once the stream has passed its `finalized_at` (nothing
/// that arrives later can change it, M11), and then forgets the accepted events that can no longer
/// matter: outside every period still open for their meter and customer, and past the
/// cancellation window (M10) unless `cancelled_later` says a later cancellation names them.
/// Identifiers are remembered for deduplication by their own bounded store (M5). Memory then
/// follows the events of the open periods, not the length of the stream. Invoices are the same as
/// with the full history; what is given up: `result(until)` needs `until` at or after the last
/// arrival applied, summaries cover the kept events only, and without `cancelled_later` a
/// cancellation naming an event forgotten after its window is answered
/// `meter_event_adjustment_not_found` instead of `..._too_late` or `..._already_cancelled`.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <numeric>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include <meterkit/acceptance/idempotency.hpp>
#include <meterkit/billing/invoice.hpp>
#include <meterkit/billing/plan.hpp>
#include <meterkit/billing/price.hpp>
#include <meterkit/billing/request.hpp>
#include <meterkit/calendar/billing_schedule.hpp>
#include <meterkit/core/checked.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/detail/binary_io.hpp>
#include <meterkit/detail/string_hash.hpp>
#include <meterkit/legacy/usage_record_book.hpp>
#include <meterkit/meter/meter_ledger.hpp>

namespace meterkit {

/// Knobs of a simulation that are not part of the plan.
struct simulation_options {
  /// Called now and then with (requests done, requests in all); for progress output.
  std::function<void(std::size_t, std::size_t)> progress;
};

/// How much of the past an `invoice_simulator` keeps (see "Bounded history" in the file comment).
struct simulator_history {
  /// false (the default): every accepted event is kept, for results and summaries as of any time.
  bool bounded = false;
  /// With `bounded`: whether a cancellation arriving later names `(event_name, identifier)`; such
  /// events are kept past their cancellation window, so that it is answered exactly. A caller that
  /// can read its input twice (the `meterkit` program) collects these first.
  std::function<bool(std::string_view event_name, std::string_view identifier)> cancelled_later;
  /// With `bounded`: the size of the event log at which events are first forgotten; afterwards
  /// whenever the log has doubled since (amortized constant work per event).
  std::size_t forget_from = std::size_t{1} << 16;
};

/// The events that the cancellations of a stream name, `(event_name, cancel.identifier)`, for
/// `simulator_history::cancelled_later`: a caller that can read its input twice adds every request
/// on a first read, then hands the set to the simulator, either by reference (`std::cref(targets)`,
/// which must then outlive the simulator) or as a copy.
class cancellation_targets {
 public:
  /// Adds the target of every cancellation (`meter_event_adjustment_request` with a
  /// `cancel_identifier`) in `r`.
  void add(const request& r) {
    for (const auto& op : r.operations) {
      if (const auto* a = std::get_if<meter_event_adjustment_request>(&op); a && a->cancel_identifier)
        add(a->event_name, *a->cancel_identifier);
    }
  }
  void add(std::string_view event_name, std::string_view identifier) {
    auto it = by_event_name_.find(event_name);
    if (it == by_event_name_.end()) it = by_event_name_.emplace(std::string(event_name), identifiers{}).first;
    if (it->second.find(identifier) == it->second.end()) it->second.emplace(identifier);
  }
  /// Whether a cancellation added names `identifier` of `event_name`.
  [[nodiscard]] bool contains(std::string_view event_name, std::string_view identifier) const {
    const auto it = by_event_name_.find(event_name);
    return it != by_event_name_.end() && it->second.find(identifier) != it->second.end();
  }
  /// `contains`, so that the set is itself a `cancelled_later` predicate.
  [[nodiscard]] bool operator()(std::string_view event_name, std::string_view identifier) const {
    return contains(event_name, identifier);
  }
  /// How many distinct targets were added.
  [[nodiscard]] std::size_t size() const noexcept {
    std::size_t n = 0;
    for (const auto& [name, ids] : by_event_name_) n += ids.size();
    return n;
  }

 private:
  using identifiers = std::unordered_set<std::string, detail::string_hash, detail::string_equal>;
  std::unordered_map<std::string, identifiers, detail::string_hash, detail::string_equal> by_event_name_;
};

namespace detail {

/// How one subscription item is billed.
enum class item_billing { licensed, meter, legacy };

struct compiled_item {
  std::size_t subscription = 0;
  const subscription_item* item = nullptr;
  const price* item_price = nullptr;
  item_billing billing = item_billing::licensed;
  std::string meter_id;             ///< item_billing::meter
  std::optional<std::size_t> book;  ///< item_billing::legacy: index into the books
};

struct compiled_subscription {
  const subscription* sub = nullptr;
  billing_schedule<> schedule;
  std::vector<std::size_t> items;  ///< indexes into the compiled items, in plan order
};

/// The identity of a request for idempotency (D19): the first outcome of each of its operations.
using stored_outcomes = std::vector<outcome>;

inline void save_outcomes(binary_writer& out, const stored_outcomes& outcomes) {
  out.size(outcomes.size());
  for (const auto& o : outcomes) {
    out.boolean(o.rejected());
    if (o.accepted()) continue;
    out.u32(static_cast<std::uint32_t>(o.code()));
    out.str(o.error().message);
    out.str(o.error().param);
  }
}

[[nodiscard]] inline error_code load_error_code(binary_reader& in) {
  const std::uint32_t code = in.u32();
  in.require(code < error_code_names.size(), "an unknown error code");
  return static_cast<error_code>(code);
}

[[nodiscard]] inline stored_outcomes load_outcomes(binary_reader& in) {
  stored_outcomes outcomes(in.count(1));
  for (auto& o : outcomes) {
    if (!in.boolean()) continue;
    const error_code code = load_error_code(in);
    std::string message = in.str();
    o = outcome::reject(code, std::move(message), in.str());
  }
  return outcomes;
}

inline void save_period(binary_writer& out, const period& p) {
  out.time(p.start);
  out.time(p.end);
}

[[nodiscard]] inline period load_period(binary_reader& in) {
  const timestamp start = in.time();
  return period{start, in.time()};
}

/// FNV-1a 64 of a canonical encoding of every field of `p`: a snapshot is refused under a plan
/// that differs in anything (a field added to the plan must be added here).
[[nodiscard]] inline std::uint64_t plan_fingerprint(const plan& p) {
  binary_writer out;
  auto time = [&](timestamp t) { out.i64(to_unix(t)); };
  auto optional_time = [&](const std::optional<timestamp>& t) {
    out.boolean(t.has_value());
    if (t) time(*t);
  };
  auto optional_decimal = [&](const std::optional<decimal>& d) {
    out.boolean(d.has_value());
    if (d) out.str(d->to_string());
  };
  out.size(p.meters.size());
  for (const auto& m : p.meters) {
    out.str(m.id);
    out.str(m.event_name);
    out.str(m.display_name);
    out.u8(static_cast<std::uint8_t>(m.formula));
    out.str(m.customer_key);
    out.str(m.value_key);
    out.u8(static_cast<std::uint8_t>(m.event_time_window));
    out.boolean(m.active);
  }
  out.size(p.prices.size());
  for (const auto& pr : p.prices) {
    out.str(pr.id);
    out.str(pr.currency.code());
    out.u8(static_cast<std::uint8_t>(pr.billing_scheme));
    out.boolean(pr.tiers_mode.has_value());
    if (pr.tiers_mode) out.u8(static_cast<std::uint8_t>(*pr.tiers_mode));
    optional_decimal(pr.unit_amount);
    out.size(pr.tiers.size());
    for (const auto& tier : pr.tiers) {
      out.boolean(tier.up_to.has_value());
      if (tier.up_to) out.i64(*tier.up_to);
      optional_decimal(tier.unit_amount);
      optional_decimal(tier.flat_amount);
    }
    out.boolean(pr.transform_quantity.has_value());
    if (pr.transform_quantity) {
      out.i64(pr.transform_quantity->divide_by);
      out.u8(static_cast<std::uint8_t>(pr.transform_quantity->round));
    }
    out.u8(static_cast<std::uint8_t>(pr.recurring.interval.unit));
    out.i64(pr.recurring.interval.count);
    out.u8(static_cast<std::uint8_t>(pr.recurring.usage_type));
    out.optional_str(pr.recurring.meter);
    out.optional_str(pr.recurring.aggregate_usage);
  }
  out.size(p.subscriptions.size());
  for (const auto& sub : p.subscriptions) {
    out.str(sub.id);
    out.str(sub.customer);
    time(sub.start_date);
    optional_time(sub.billing_cycle_anchor);
    optional_time(sub.trial_end);
    out.size(sub.items.size());
    for (const auto& item : sub.items) {
      out.str(item.id);
      out.str(item.price);
      out.i64(item.quantity);
    }
  }
  out.size(p.customers.size());
  for (const auto& c : p.customers) out.str(c);
  out.i64(p.settings.invoice_finalization_delay.count());
  out.i64(p.settings.legacy_grace_period.count());
  out.u8(static_cast<std::uint8_t>(p.settings.rounding));
  return fnv1a(out.bytes());
}

}  // namespace detail

/// A snapshot saved under another plan than the one it is restored with.
class snapshot_plan_mismatch : public corrupt_state_error {
 public:
  using corrupt_state_error::corrupt_state_error;
};

/// Replays requests one by one, in arrival order, and answers with invoices as of any time.
/// `simulate` below is the one-call form; this class serves callers that stream requests in.
class invoice_simulator {
 public:
  explicit invoice_simulator(plan p, simulator_history history = {})
      : plan_(std::move(p)), history_(std::move(history)) {
    validate(plan_);
    compile();
    for (const auto& cs : subscriptions_) unfrozen_.emplace_back(cs.schedule.first_period());
    next_freeze_ = earliest_open_finalization();
    compact_at_ = std::max<std::size_t>(1, history_.forget_from);
  }

  /// Whether this simulator keeps a bounded history (see the file comment).
  [[nodiscard]] bool bounded_history() const noexcept { return history_.bounded; }
  /// How many accepted meter events the simulator holds in memory (all of them, unless bounded).
  [[nodiscard]] std::size_t kept_events() const noexcept { return ledger_.events().size(); }

  [[nodiscard]] const meterkit::plan& billing_plan() const noexcept { return plan_; }

  /// The snapshot format `save` writes and `restore` reads.
  static constexpr std::uint32_t snapshot_version = 2;

  /// Writes a snapshot of the state built by the requests applied so far (see the file comment).
  /// Throws `std::ios_base::failure` when `out` fails.
  void save(std::ostream& out) const {
    detail::binary_writer body;
    ledger_.save(body);
    body.size(books_.size());
    for (const auto& b : books_) b.save(body);
    idempotency_.save(body, detail::save_outcomes);
    body.size(late_.size());
    for (const auto& l : late_) {
      body.str(l.subscription_item);
      detail::save_period(body, l.service_period);
      body.i64(l.quantity);
      body.str(l.source);
      body.time(l.received_at);
      body.time(l.finalized_at);
    }
    body.size(rejected_.size());
    for (const auto& r : rejected_) {
      body.str(r.source);
      body.u32(static_cast<std::uint32_t>(r.code));
      body.str(r.message);
      body.str(r.param);
    }
    for (const std::uint64_t n : {counts_.read, counts_.accepted, counts_.rejected, counts_.replayed,
                                  counts_.pending, counts_.cancelled})
      body.u64(n);
    body.u64(next_arrival_);
    body.optional_time(last_arrival_);
    body.boolean(history_.bounded);
    body.size(unfrozen_.size());
    for (const auto& p : unfrozen_) {
      body.boolean(p.has_value());
      if (p) detail::save_period(body, *p);
    }
    body.size(frozen_.size());
    for (const auto& [key, quantity] : frozen_) {
      body.size(key.first);
      body.i64(key.second);
      body.i64(quantity);
    }
    body.size(compact_at_);

    detail::binary_writer head;
    head.raw(snapshot_magic());
    head.u32(snapshot_version);
    head.u64(detail::plan_fingerprint(plan_));
    head.size(body.bytes().size());
    detail::binary_writer tail;
    tail.u64(detail::fnv1a(body.bytes(), detail::fnv1a(head.bytes())));
    for (const auto* part : {&head, &body, &tail}) {
      out.write(part->bytes().data(), static_cast<std::streamsize>(part->bytes().size()));
    }
    if (!out) METERKIT_THROW(std::ios_base::failure("meterkit: cannot write the simulator snapshot"));
  }

  /// The simulator of plan `p` in the state a snapshot `save`d under the same plan describes;
  /// reads exactly the snapshot's bytes from `in`. Throws `snapshot_plan_mismatch` when the
  /// snapshot was saved under another plan, `corrupt_state_error` when it is truncated, damaged,
  /// of another format version or no snapshot at all, and `configuration_error` for an unusable
  /// plan (as the constructor does).
  [[nodiscard]] static invoice_simulator restore(meterkit::plan p, std::istream& in,
                                                 simulator_history history = {}) {
    invoice_simulator sim(std::move(p), std::move(history));
    sim.load_snapshot(in);
    return sim;
  }

  /// Applies one request. Requests must come in arrival order: `received_at` never decreases.
  void apply(const request& r) {
    if (last_arrival_ && r.received_at < *last_arrival_) {
      METERKIT_THROW(configuration_error("received_at", "requests must be applied in arrival order (" +
                                                            r.source +
                                                            " arrives before the previous request)"));
    }
    last_arrival_ = r.received_at;
    if (history_.bounded) keep_history_bounded(r.received_at);
    const std::size_t n = r.operations.size();
    counts_.read += n;
    const std::string key = r.idempotency_key.value_or(std::string{});
    if (!key.empty()) {
      const auto answer = idempotency_.check(key, r.fingerprint, r.received_at);
      if (answer.counts_as_replayed()) {
        counts_.replayed += n;
        return;
      }
      if (answer.is_rejected()) {
        for (std::size_t i = 0; i < n; ++i) reject(r, answer.error());
        return;
      }
    }
    detail::stored_outcomes outcomes;
    outcomes.reserve(n);
    for (const auto& op : r.operations) {
      outcome o = std::visit([&](const auto& body) { return apply_one(r, body); }, op);
      if (o.accepted()) {
        ++counts_.accepted;
      } else {
        reject(r, o.error());
      }
      outcomes.push_back(std::move(o));
    }
    if (!key.empty()) idempotency_.remember(key, r.fingerprint, r.received_at, std::move(outcomes));
  }

  /// Counts a request that arrives after `until`: read, not applied (D21).
  void count_pending(const request& r) {
    counts_.read += r.operations.size();
    counts_.pending += r.operations.size();
  }

  /// Meter event summaries (M13, D26) as of `as_of`: unclamped, no trial filter. Throws
  /// `configuration_error` for an unknown meter id or bounds that M13 refuses.
  [[nodiscard]] std::vector<event_summary> summaries(std::string_view meter_id, std::string_view customer,
                                                     period bounds, window_kind grouping,
                                                     timestamp as_of) const {
    auto out = ledger_.summaries(meter_id, customer, bounds, grouping, as_of);
    if (!out) METERKIT_THROW(configuration_error(out.error().param, out.error().message));
    return std::move(out).value();
  }

  /// Every invoice as of `until` (D20, D21, D27), the rejections so far, late usage (D24), counts.
  [[nodiscard]] simulation_result result(timestamp until) const {
    if (history_.bounded && last_arrival_ && until < *last_arrival_) {
      METERKIT_THROW(configuration_error(
          "until", "a simulator with a bounded history answers as of its last arrival or later (until " +
                       format_rfc3339(until) + " is before " + format_rfc3339(*last_arrival_) + ")"));
    }
    simulation_result out;
    out.until = until;
    for (std::size_t s = 0; s < subscriptions_.size(); ++s) invoices_of(s, until, out.invoices);
    std::stable_sort(out.invoices.begin(), out.invoices.end(), [](const invoice& a, const invoice& b) {
      return a.created != b.created ? a.created < b.created : a.subscription < b.subscription;
    });
    out.rejected = rejected_;
    for (const auto& l : late_) {
      if (l.received_at <= until) out.late.push_back(l);
    }
    out.counts = counts_;
    return out;
  }

 private:
  // ---- acceptance ------------------------------------------------------------------------------
  void reject(const request& r, const rejection& why) {
    ++counts_.rejected;
    rejected_.push_back(rejected_operation{r.source, why.code, why.message, why.param});
  }

  outcome apply_one(const request& r, const meter_event_request& e) {
    const std::uint64_t arrival = next_arrival_++;
    meter_event event;
    event.event_name = e.event_name;
    event.payload.insert(e.payload.begin(), e.payload.end());
    event.identifier = e.identifier;
    event.timestamp = e.event_time;
    event.received_at = r.received_at;
    event.arrival = arrival;
    outcome o = ledger_.submit(event);
    if (o.accepted()) note_late_usage(r, ledger_.events().back());
    return o;
  }

  outcome apply_one(const request& r, const meter_event_adjustment_request& a) {
    const std::uint64_t arrival = next_arrival_++;
    meter_event_adjustment adjustment;
    adjustment.event_name = a.event_name;
    adjustment.type = a.type.value_or(std::string{});  // required by Stripe: missing is not "cancel" (D16)
    adjustment.identifier = a.cancel_identifier;
    adjustment.received_at = r.received_at;
    adjustment.arrival = arrival;
    outcome o = ledger_.submit(adjustment);
    if (o.accepted()) ++counts_.cancelled;
    return o;
  }

  outcome apply_one(const request& r, const usage_record_request& u) {
    const std::uint64_t arrival = next_arrival_++;
    const auto found = items_by_id_.find(u.subscription_item);
    const detail::compiled_item* item = found == items_by_id_.end() ? nullptr : &items_[found->second];
    if (item == nullptr || item->billing != detail::item_billing::legacy) {
      return outcome::reject(error_code::resource_missing,
                             item == nullptr
                                 ? "no subscription item has the id \"" + u.subscription_item + "\""
                                 : "subscription item \"" + u.subscription_item +
                                       "\" is not billed by usage records (its price is " +
                                       (item->billing == detail::item_billing::meter
                                            ? "billed on meter \"" + item->meter_id + "\")"
                                            : "licensed)"),
                             "subscription_item");
    }
    usage_record record;
    if (u.quantity) record.quantity = *u.quantity;
    if (u.timestamp_text) record.timestamp = *u.timestamp_text;
    record.action = u.action;
    record.received_at = r.received_at;
    record.sequence = arrival;
    auto placed = books_[*item->book].record(record);
    if (!placed) return outcome{placed.error()};
    return outcome::accept();
  }

  // ---- invoices --------------------------------------------------------------------------------
  [[nodiscard]] std::int64_t metered_quantity(const detail::compiled_item& it, const std::string& customer,
                                              const period& p, timestamp as_of) const {
    if (it.billing == detail::item_billing::meter) return ledger_.quantity(it.meter_id, customer, p, as_of);
    return books_[*it.book].quantity(p, as_of);
  }

  [[nodiscard]] invoice_line metered_line(const detail::compiled_subscription& cs, std::size_t index,
                                          const period& p, timestamp as_of) const {
    const auto& it = items_[index];
    invoice_line line{it.item->id, it.item_price->id, p, 0, 0, true, false, cs.schedule.is_trial(p)};
    if (line.trial) return line;  // B4: metered lines of the trial show 0 and bill 0
    // A quantity fixed when the stream passed its finalization (bounded history) is the quantity
    // as of `finalized_at`, which is the only `as_of` a finalized invoice asks for.
    const auto fixed = frozen_.find({index, to_unix(p.start)});
    const std::int64_t quantity =
        fixed != frozen_.end() ? fixed->second : metered_quantity(it, cs.sub->customer, p, as_of);
    line.quantity = std::max<std::int64_t>(0, quantity);  // M12
    line.amount = line_amount(*it.item_price, line.quantity, plan_.settings.rounding);
    return line;
  }

  [[nodiscard]] invoice_line licensed_line(const detail::compiled_subscription& cs,
                                           const detail::compiled_item& it, const period& p) const {
    invoice_line line{it.item->id, it.item_price->id,      p, it.item->quantity, 0, false,
                      false,       cs.schedule.is_trial(p)};
    if (line.trial) return line;  // B4: every line of the trial bills 0
    if (cs.schedule.is_stub(p)) {
      const period full = cs.schedule.full_cycle_of(p);
      line.proration = true;
      line.amount = prorated_line_amount(*it.item_price, line.quantity, (p.end - p.start).count(),
                                         (full.end - full.start).count(), plan_.settings.rounding);
    } else {
      line.amount = line_amount(*it.item_price, line.quantity, plan_.settings.rounding);
    }
    return line;
  }

  /// The invoice created at `created`: metered lines of `ended` (if any) and licensed lines of
  /// `starting` (D20, CONTRACT.md "One invoice per subscription and billing boundary").
  [[nodiscard]] invoice make_invoice(const detail::compiled_subscription& cs, timestamp created,
                                     const std::optional<period>& ended, const period& starting,
                                     timestamp until, bool upcoming) const {
    invoice inv;
    inv.customer = cs.sub->customer;
    inv.subscription = cs.sub->id;
    inv.currency = std::string(items_[cs.items.front()].item_price->currency.code());
    inv.created = created;
    inv.finalized_at = created + plan_.settings.invoice_finalization_delay;
    inv.status = upcoming                    ? invoice_status::upcoming
                 : inv.finalized_at <= until ? invoice_status::finalized
                                             : invoice_status::draft;
    const timestamp as_of = inv.status == invoice_status::finalized ? inv.finalized_at : until;
    for (const std::size_t index : cs.items) {
      const auto& it = items_[index];
      if (it.billing == detail::item_billing::licensed) {
        inv.lines.push_back(licensed_line(cs, it, starting));
      } else if (ended) {
        inv.lines.push_back(metered_line(cs, index, *ended, as_of));
      }
    }
    for (const auto& line : inv.lines) inv.total = add_or_throw(inv.total, line.amount, "invoice total");
    return inv;
  }

  void invoices_of(std::size_t s, timestamp until, std::vector<invoice>& out) const {
    const auto& cs = subscriptions_[s];
    const auto periods = cs.schedule.periods_through(until);
    if (periods.empty()) return;  // D21: starts after until
    out.push_back(make_invoice(cs, periods.front().start, std::nullopt, periods.front(), until, false));
    for (const auto& p : periods) {
      const bool upcoming = until < p.end;
      out.push_back(make_invoice(cs, p.end, p, cs.schedule.next_period(p), until, upcoming));
    }
  }

  // ---- bounded history ------------------------------------------------------------------------
  /// The earliest `finalized_at` of a period not yet fixed, over all subscriptions.
  [[nodiscard]] timestamp earliest_open_finalization() const {
    timestamp earliest = end_of_time;
    for (const auto& p : unfrozen_) {
      if (p) earliest = std::min(earliest, p->end + plan_.settings.invoice_finalization_delay);
    }
    return earliest;
  }

  /// Before applying a request that arrives at `now`: fixes the metered quantities of every period
  /// finalized before `now` (D18: an arrival at `finalized_at` still counts), then, when the event
  /// log has doubled since the last time, forgets the events that can no longer matter.
  void keep_history_bounded(timestamp now) {
    if (now > next_freeze_) {
      for (std::size_t s = 0; s < subscriptions_.size(); ++s) {
        const auto& cs = subscriptions_[s];
        auto& open = unfrozen_[s];
        while (open && open->end + plan_.settings.invoice_finalization_delay < now) {
          const timestamp finalized_at = open->end + plan_.settings.invoice_finalization_delay;
          for (const std::size_t index : cs.items) {
            const auto& it = items_[index];
            if (it.billing == detail::item_billing::licensed) continue;
            frozen_[{index, to_unix(open->start)}] =
                metered_quantity(it, cs.sub->customer, *open, finalized_at);
          }
          open = cs.schedule.period_containing(open->end);
        }
      }
      next_freeze_ = earliest_open_finalization();
    }
    if (ledger_.events().size() < compact_at_) return;
    // Per (meter, customer): the start of the earliest open period of an item billed on it, at the
    // start of its UTC day so that no pre-aggregation window (hour, day) is cut (D15).
    std::unordered_map<std::uint64_t, timestamp> horizon;
    for (const auto& [key, items] : items_by_meter_customer_) {
      timestamp h = end_of_time;
      for (const std::size_t index : items) {
        const auto& open = unfrozen_[items_[index].subscription];
        if (open) h = std::min(h, open->start);
      }
      if (h != end_of_time) h = from_unix(to_unix(h) - ((to_unix(h) % 86400) + 86400) % 86400);
      horizon.emplace(key, h);
    }
    ledger_.forget_events([&](const accepted_meter_event& e) {
      const auto h = horizon.find(meter_customer_key(e.meter, e.customer));
      if (h != horizon.end() && e.time >= h->second) return true;  // still counts in an open period
      if (!e.identifier) return false;                             // can never be cancelled (D14)
      if (stripe_cancellation_window::allows(e.received_at, now)) return true;  // may be cancelled (M10)
      return history_.cancelled_later &&
             history_.cancelled_later(ledger_.meters()[e.meter].event_name, *e.identifier);
    });
    compact_at_ = std::max(std::max<std::size_t>(1, history_.forget_from), 2 * ledger_.events().size());
  }

  // ---- late usage (D24) ------------------------------------------------------------------------
  /// Lateness is fixed at acceptance: the period containing the event time and its finalization
  /// do not depend on later operations, and D24 lists later-cancelled events too.
  void note_late_usage(const request& r, const accepted_meter_event& e) {
    const auto found = items_by_meter_customer_.find(meter_customer_key(e.meter, e.customer));
    if (found == items_by_meter_customer_.end()) return;
    for (const std::size_t index : found->second) {
      const auto& it = items_[index];
      const auto p = subscriptions_[it.subscription].schedule.period_containing(e.time);
      if (!p) continue;
      const timestamp finalized_at = p->end + plan_.settings.invoice_finalization_delay;
      if (finalized_at < e.received_at) {
        late_.push_back(
            meterkit::late_usage{it.item->id, *p, e.value, r.source, e.received_at, finalized_at});
      }
    }
  }

  [[nodiscard]] static std::uint64_t meter_customer_key(std::size_t meter, std::size_t customer) noexcept {
    return (static_cast<std::uint64_t>(meter) << 40U) ^ static_cast<std::uint64_t>(customer);
  }

  // ---- snapshots -------------------------------------------------------------------------------
  [[nodiscard]] static std::string_view snapshot_magic() noexcept { return {"\x89MKSIM\r\n", 8}; }

  /// Replaces the state of a freshly constructed simulator by a snapshot's.
  void load_snapshot(std::istream& in) {
    auto fail = [](const std::string& why) {
      METERKIT_THROW(corrupt_state_error("meterkit: cannot load the invoice simulator snapshot: " + why));
    };
    constexpr std::size_t head_size = 8 + 4 + 8 + 8;
    std::string head(head_size, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    if (static_cast<std::size_t>(in.gcount()) != head.size()) fail("truncated (no complete header)");
    detail::binary_reader h(head, "invoice simulator snapshot");
    if (h.raw(8) != snapshot_magic()) fail("not an invoice simulator snapshot (wrong magic)");
    if (const std::uint32_t version = h.u32(); version != snapshot_version) {
      fail("format version " + std::to_string(version) + ", this build reads version " +
           std::to_string(snapshot_version));
    }
    const std::uint64_t fingerprint = h.u64();
    const std::uint64_t length = h.u64();
    std::string body;
    while (body.size() < length) {  // in steps, so that a damaged length cannot cost memory
      const std::size_t step =
          static_cast<std::size_t>(std::min<std::uint64_t>(length - body.size(), std::uint64_t{1} << 20));
      const std::size_t at = body.size();
      body.resize(at + step);
      in.read(body.data() + at, static_cast<std::streamsize>(step));
      if (static_cast<std::size_t>(in.gcount()) != step)
        fail("truncated (the body is shorter than its length)");
    }
    std::string tail(8, '\0');
    in.read(tail.data(), 8);
    if (in.gcount() != 8) fail("truncated (no checksum)");
    if (detail::binary_reader(tail).u64() != detail::fnv1a(body, detail::fnv1a(head)))
      fail("checksum mismatch");
    if (fingerprint != detail::plan_fingerprint(plan_)) {
      METERKIT_THROW(snapshot_plan_mismatch(
          "meterkit: cannot load the invoice simulator snapshot: it was saved under another plan"));
    }

    detail::binary_reader r(body, "invoice simulator snapshot");
    ledger_.load(r);
    r.require(r.count(1) == books_.size(), "the usage-record books do not match the plan");
    for (auto& b : books_) b.load(r);
    idempotency_.load(r, detail::load_outcomes);
    late_.resize(r.count(56));
    for (auto& l : late_) {
      l.subscription_item = r.str();
      l.service_period = detail::load_period(r);
      l.quantity = r.i64();
      l.source = r.str();
      l.received_at = r.time();
      l.finalized_at = r.time();
    }
    rejected_.resize(r.count(28));
    for (auto& x : rejected_) {
      x.source = r.str();
      x.code = detail::load_error_code(r);
      x.message = r.str();
      x.param = r.str();
    }
    for (std::uint64_t* n : {&counts_.read, &counts_.accepted, &counts_.rejected, &counts_.replayed,
                             &counts_.pending, &counts_.cancelled})
      *n = r.u64();
    r.require(counts_.reconciles() && counts_.rejected == rejected_.size(), "the counts do not reconcile");
    next_arrival_ = r.u64();
    last_arrival_ = r.optional_time();
    r.require(r.boolean() == history_.bounded, "saved with another history setting (bounded or not)");
    r.require(r.count(1) == unfrozen_.size(), "the subscriptions do not match the plan");
    for (auto& p : unfrozen_) {
      p.reset();
      if (r.boolean()) p = detail::load_period(r);
    }
    frozen_.clear();
    for (std::size_t n = r.count(24); n > 0; --n) {
      const std::size_t item = r.index(items_.size());
      const std::int64_t start = r.i64();
      frozen_[{item, start}] = r.i64();
    }
    compact_at_ = static_cast<std::size_t>(r.u64());
    r.expect_end();
    next_freeze_ = earliest_open_finalization();
  }

  // ---- plan ------------------------------------------------------------------------------------
  void compile() {
    std::unordered_map<std::string, const price*> prices;
    for (const auto& pr : plan_.prices) prices.emplace(pr.id, &pr);
    std::vector<std::string> customers = plan_.customers;
    for (std::size_t s = 0; s < plan_.subscriptions.size(); ++s) {
      const auto& sub = plan_.subscriptions[s];
      customers.push_back(sub.customer);
      const price* first = prices.at(sub.items.front().price);
      detail::compiled_subscription cs{&sub,
                                       billing_schedule<>(sub.start_date, sub.billing_cycle_anchor,
                                                          sub.trial_end, first->recurring.interval),
                                       {}};
      for (std::size_t i = 0; i < sub.items.size(); ++i) {
        detail::compiled_item it;
        it.subscription = s;
        it.item = &sub.items[i];
        it.item_price = prices.at(sub.items[i].price);
        const auto& rec = it.item_price->recurring;
        if (rec.usage_type == usage_type::metered) {
          if (rec.meter) {  // D9: the meter wins over aggregate_usage
            it.billing = detail::item_billing::meter;
            it.meter_id = *rec.meter;
          } else {
            it.billing = detail::item_billing::legacy;
            const auto mode =
                rec.aggregate_usage ? *parse_aggregate_usage(*rec.aggregate_usage) : aggregate_usage::sum;
            it.book = books_.size();
            books_.emplace_back(mode, cs.schedule,
                                usage_record_book_options{plan_.settings.legacy_grace_period, sub.trial_end},
                                finalized_after_delay{plan_.settings.invoice_finalization_delay});
          }
        }
        items_by_id_.emplace(it.item->id, items_.size());
        cs.items.push_back(items_.size());
        items_.push_back(std::move(it));
      }
      subscriptions_.push_back(std::move(cs));
    }
    ledger_ = meter_ledger(plan_.meters, customers);
    for (std::size_t i = 0; i < items_.size(); ++i) {
      const auto& it = items_[i];
      if (it.billing != detail::item_billing::meter) continue;
      const auto meter = ledger_.meter_index(it.meter_id);
      const auto customer = ledger_.customer_index(subscriptions_[it.subscription].sub->customer);
      items_by_meter_customer_[meter_customer_key(*meter, *customer)].push_back(i);
    }
  }

  meterkit::plan plan_;
  std::vector<detail::compiled_subscription> subscriptions_;
  std::vector<detail::compiled_item> items_;
  std::unordered_map<std::string, std::size_t> items_by_id_;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>>
      items_by_meter_customer_;  ///< (meter, customer)
  std::vector<any_usage_record_book<billing_schedule<>, finalized_after_delay>> books_;
  meter_ledger ledger_;
  idempotency_store<detail::stored_outcomes> idempotency_;
  std::vector<meterkit::late_usage> late_;  ///< in arrival order, then plan item order (D27)
  std::vector<rejected_operation> rejected_;
  simulation_counts counts_;
  std::uint64_t next_arrival_ = 0;
  std::optional<timestamp> last_arrival_;
  // Bounded history (see the file comment).
  simulator_history history_;
  std::vector<std::optional<period>> unfrozen_;  ///< per subscription: its earliest open period
  timestamp next_freeze_ = end_of_time;          ///< the earliest finalized_at among them
  std::map<std::pair<std::size_t, std::int64_t>, std::int64_t> frozen_;  ///< (item, period start) -> quantity
  std::size_t compact_at_ = 1;  ///< forget events when the log reaches this size
};

namespace detail {
/// Indexes of `requests` in arrival order: `(received_at, position)`.
[[nodiscard]] inline std::vector<std::size_t> arrival_order(const std::vector<request>& requests) {
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return requests[a].received_at < requests[b].received_at;
  });
  return order;
}
}  // namespace detail

/// The latest arrival of all requests, rejected ones included (D21's default `until`).
[[nodiscard]] inline std::optional<timestamp> latest_arrival(const std::vector<request>& requests) {
  std::optional<timestamp> latest;
  for (const auto& r : requests) {
    if (!latest || r.received_at > *latest) latest = r.received_at;
  }
  return latest;
}

/// Replays `requests` (in input order: arrival order is `(received_at, position)`) against `p`
/// and returns the invoices as of `until` (default: the latest arrival, D21). No requests and no
/// `until` is a configuration_error.
[[nodiscard]] inline simulation_result simulate(const plan& p, const std::vector<request>& requests,
                                                std::optional<timestamp> until = std::nullopt,
                                                const simulation_options& options = {}) {
  if (!until) until = latest_arrival(requests);
  if (!until)
    METERKIT_THROW(configuration_error("until", "no operations to replay and no --until given (D21)"));
  const auto order = detail::arrival_order(requests);
  invoice_simulator sim(p);
  const std::size_t step = std::max<std::size_t>(1, requests.size() / 100);
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto& r = requests[order[i]];
    if (r.received_at > *until) {
      sim.count_pending(r);
    } else {
      sim.apply(r);
    }
    if (options.progress && (i + 1) % step == 0) options.progress(i + 1, order.size());
  }
  return sim.result(*until);
}

/// Replays every request (D26: as of the latest arrival) and summarizes one meter for one
/// customer over `bounds`, grouped by hour, day or not at all. Throws `configuration_error` for
/// an unknown meter, `start >= end` or bounds that M13 refuses.
[[nodiscard]] inline std::vector<event_summary> summarize(const plan& p, const std::vector<request>& requests,
                                                          std::string_view meter_id,
                                                          std::string_view customer, period bounds,
                                                          window_kind grouping,
                                                          const simulation_options& options = {}) {
  if (!(bounds.start < bounds.end))
    METERKIT_THROW(configuration_error("start", "--start must be before --end (D26)"));
  const auto order = detail::arrival_order(requests);
  invoice_simulator sim(p);
  const std::size_t step = std::max<std::size_t>(1, requests.size() / 100);
  for (std::size_t i = 0; i < order.size(); ++i) {
    sim.apply(requests[order[i]]);
    if (options.progress && (i + 1) % step == 0) options.progress(i + 1, order.size());
  }
  const auto as_of = latest_arrival(requests).value_or(bounds.start);
  return sim.summaries(meter_id, customer, bounds, grouping, as_of);
}

}  // namespace meterkit
