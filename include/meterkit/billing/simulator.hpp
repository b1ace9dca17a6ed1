// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The offline invoice simulator (rules B3-B6, M11, M12, L5, I2, D20-D24, D27; docs/rules.md and
/// docs/cli.md `simulate`): replays requests in arrival order against a plan and answers with
/// every invoice, draft, finalized or upcoming, with the rejected operations, late usage and
/// counts that reconcile.
///
/// The simulator is acceptance and bookkeeping around four parts, each in its own header:
/// - billing/compiled_plan.hpp: the plan compiled once into typed items, by index;
/// - billing/invoicing.hpp: invoices as a pure function of the compiled plan, the quantities and
///   `until`;
/// - billing/history.hpp: the bounded history (fixed quantities, forgetting);
/// - billing/snapshot.hpp: the snapshot frame and plan fingerprint.
///
/// Acceptance happens at arrival, in D12's order, by the meter ledger (meters), the usage-record
/// books (legacy) and the idempotency store (I1, I2, D19); lateness (D24) is decided then too. The
/// same inputs give the same result, whatever way the requests were split into inputs.
///
/// Crash-restore: `save` writes a snapshot of everything the requests applied so far have built;
/// `invoice_simulator::restore(plan, in)` reads it back under the same plan, and applying the rest
/// of the requests then gives the results of a run that never stopped. The body holds, in order:
/// the meter ledger, the usage-record books, the idempotency store with its first outcomes,
/// late usage, rejections, counts, the arrival clock, the history keeper's state, the
/// subscription changes and the ends they set (B8, B9), and the tallies of unbilled usage.
///
/// A simulator owns everything it refers to (its compiled plan included), so copies and moves are
/// independent of the original.

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
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <meterkit/acceptance/idempotency.hpp>
#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/history.hpp>
#include <meterkit/billing/invoice.hpp>
#include <meterkit/billing/invoicing.hpp>
#include <meterkit/billing/plan.hpp>
#include <meterkit/billing/request.hpp>
#include <meterkit/billing/snapshot.hpp>
#include <meterkit/billing/subscription_changes.hpp>
#include <meterkit/billing/thresholds.hpp>
#include <meterkit/billing/unbilled_usage.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/legacy/usage_record_book.hpp>
#include <meterkit/meter/meter_ledger.hpp>

namespace meterkit {

/// Where a simulator hands the rejected operations and late usage it finds, as it finds them,
/// instead of keeping them (D30): a long run's memory then does not grow with them. Each member
/// that is set takes its records over; counts are kept either way.
struct record_sink {
  std::function<void(const rejected_operation&)> rejected;  ///< in the order of `result().rejected`
  std::function<void(const late_usage&)> late;              ///< in the order of `result().late`
};

/// D30: takes a customer's invoices (in D27's order; the visitor may move them away), with the
/// rest of the result, which has no invoices, for context (the credit grants created, the counts).
using invoice_visitor = std::function<void(std::vector<invoice>&, const simulation_result&)>;

/// Knobs of a simulation that are not part of the plan.
struct simulation_options {
  /// Called now and then with (requests done, requests in all); for progress output.
  std::function<void(std::size_t, std::size_t)> progress;
  /// What was known at this time (D28): requests arriving later are pending, counted and not
  /// applied, as those after `until` are; `until` defaults to it. Default: every request.
  std::optional<timestamp> known_at;
  /// D30: where rejections and late usage go instead of the result (default: kept in it).
  record_sink records;
  /// D30: when set, the result has no invoices: they are given to `invoices` instead, a customer
  /// at a time (`invoice_simulator::invoices_by_customer`), so that none are held all at once.
  invoice_visitor invoices;
};

/// Replays requests one by one, in arrival order, and answers with invoices as of any time.
/// `simulate` (billing/replay.hpp) is the one-call form; this class serves callers that stream
/// requests in.
///
/// A class template only so that it is compiled where it is used, not in every translation unit
/// that includes the library: `invoice_simulator` is the one instantiation.
template <class = void>
class basic_invoice_simulator {
 public:
  explicit basic_invoice_simulator(plan p, simulator_history history = {})
      : plan_(std::move(p)),
        ledger_(ledger_of(plan_, history)),
        late_periods_(plan_.items().size()),
        fed_(plan_.items().size(), false),
        history_(plan_, std::move(history)),
        changes_(plan_),
        any_threshold_(plan_.source().has_thresholds()) {
    for (const auto& it : plan_.items()) {
      if (it.billing != item_billing::usage_records) continue;
      // The trial's end is the schedule's, which a change may move (B18).
      books_.emplace_back(it.mode, plan_.subscriptions()[it.subscription].schedule,
                          usage_record_book_options{plan_.settings().legacy_grace_period, std::nullopt},
                          finalized_after_delay{plan_.settings().invoice_finalization_delay});
    }
  }

  /// D30: from now on, each rejected operation and each late usage entry goes to `sink` (those of
  /// its members that are set) as it is found, not into `result`; what was kept before is handed
  /// over first. A simulator that has handed records over cannot be saved: it keeps no copy.
  void hand_over(record_sink sink) {
    sink_ = std::move(sink);
    if (sink_.rejected) {
      for (const auto& x : rejected_) sink_.rejected(x);
      handed_over_ = handed_over_ || !rejected_.empty();
      rejected_.clear();
    }
    if (sink_.late) {
      for (const auto& l : late_) sink_.late(l);
      handed_over_ = handed_over_ || !late_.empty();
      late_.clear();
    }
  }

  /// Whether this simulator keeps a bounded history (billing/history.hpp).
  [[nodiscard]] bool bounded_history() const noexcept { return history_.bounded(); }
  /// How many accepted meter events the simulator holds in memory (all of them, unless bounded).
  [[nodiscard]] std::size_t kept_events() const noexcept { return ledger_.events().size(); }

  [[nodiscard]] const meterkit::plan& billing_plan() const noexcept { return plan_.source(); }
  [[nodiscard]] const meterkit::compiled_plan& compiled() const noexcept { return plan_; }

  /// The snapshot format `save` writes and `restore` reads (billing/snapshot.hpp).
  /// 12: what rejections and late usage name (D24, D27); 13: the frame's checksum is CRC-32C (a
  /// u32), not FNV-1a 64.
  static constexpr std::uint32_t snapshot_version = 14;

  /// Writes a snapshot of the state built by the requests applied so far (see the file comment).
  /// Throws `std::ios_base::failure` when `out` fails.
  void save(std::ostream& out) const {
    if (sink_.rejected || sink_.late || handed_over_) {
      METERKIT_THROW(configuration_error(
          "records",
          "this simulator hands its rejections or late usage over (D30) and keeps no copy to save"));
    }
    state_writer body;
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
      body.str(l.identifier);
      body.str(l.event_name);
      body.str(l.customer);
      body.time(l.event_time);
    }
    body.size(rejected_.size());
    for (const auto& r : rejected_) {
      body.str(r.source);
      body.u32(static_cast<std::uint32_t>(r.code));
      body.str(r.message);
      body.str(r.param);
      body.str(r.identifier);
      body.str(r.event_name);
      body.str(r.customer);
      body.optional_time(r.event_time);
      body.boolean(r.index.has_value());
      body.u64(r.index.value_or(0));
    }
    for (const std::uint64_t n : {counts_.read, counts_.accepted, counts_.rejected, counts_.replayed,
                                  counts_.pending, counts_.cancelled})
      body.u64(n);
    body.u64(next_arrival_);
    body.optional_time(last_arrival_);
    history_.save(body);
    changes_.save(body);
    thresholds_.save(body);
    detail::save_credit_grants(body, created_grants_);
    body.size(unbilled_.size());
    for (const auto& [pair, n] : unbilled_) {
      body.size(pair.first);
      body.size(pair.second);
      body.u64(n.events);
      body.i64(n.quantity);
    }
    for (const bool fed : fed_) body.boolean(fed);
    snapshot_frame::write(out, snapshot_version, plan_fingerprint(plan_.source()), body.bytes());
  }

  /// The simulator of plan `p` in the state a snapshot `save`d under the same plan describes;
  /// reads exactly the snapshot's bytes from `in`. Throws `snapshot_plan_mismatch` when the
  /// snapshot was saved under another plan, `corrupt_state_error` when it is truncated, damaged,
  /// of another format version or no snapshot at all, and `configuration_error` for an unusable
  /// plan (as the constructor does).
  [[nodiscard]] static basic_invoice_simulator restore(meterkit::plan p, std::istream& in,
                                                       simulator_history history = {}) {
    basic_invoice_simulator sim(std::move(p), std::move(history));
    sim.load_body(snapshot_frame::read(in, snapshot_version, plan_fingerprint(sim.plan_.source())));
    return sim;
  }

  /// Applies one request. Requests must come in arrival order: `received_at` never decreases.
  /// An `overflow_error` names the request's source (D25).
  void apply(const request& r) {
    detail::naming_overflow([&] { return r.source; }, [&] { apply_named(r); });
  }

  /// Applies one meter event that arrives alone at `received_at`, from `source`: the same as a
  /// request with this one operation and no idempotency key, for events read without a copy (a
  /// plain row of a bulk upload). Same order requirement as `apply`.
  void apply(const meter_event_view& e, timestamp received_at, const source_ref& source) {
    detail::naming_overflow([&] { return source.text(); }, [&] { apply_named(e, received_at, source); });
  }

 private:
  void apply_named(const request& r) {
    arrive(r.received_at, source_ref{r.source});
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
        for (std::size_t i = 0; i < n; ++i) reject(r, i, answer.error());
        return;
      }
    }
    detail::stored_outcomes outcomes;
    outcomes.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      outcome o = std::visit([&](const auto& body) { return apply_one(r, body); }, r.operations[i]);
      if (o.accepted()) {
        ++counts_.accepted;
      } else {
        reject(r, i, o.error());
      }
      outcomes.push_back(std::move(o));
    }
    if (!key.empty()) idempotency_.remember(key, r.fingerprint, r.received_at, std::move(outcomes));
  }

  void apply_named(const meter_event_view& e, timestamp received_at, const source_ref& source) {
    arrive(received_at, source);
    ++counts_.read;
    const outcome o = submit_event(e, received_at, source);
    if (o.accepted()) {
      ++counts_.accepted;
    } else {
      rejected_operation out = rejected_of(source, o.error());
      named_in_rejection(out, e, received_at);
      keep(std::move(out));
    }
  }

 public:
  /// Counts a request that arrives after `until`: read, not applied (D21).
  void count_pending(const request& r) { count_pending(r.operations.size()); }
  /// Counts `operations` operations of a request that arrives after `until` (D21).
  void count_pending(std::size_t operations) {
    counts_.read += operations;
    counts_.pending += operations;
  }

  /// The subscription changes accepted so far (B8).
  [[nodiscard]] const subscription_changes& changes() const noexcept { return changes_; }

  /// Meter event summaries (M13, D26) as of `as_of`: unclamped, no trial filter. Throws
  /// `configuration_error` for an unknown meter id or bounds that M13 refuses, and for a
  /// simulator with a bounded history, which keeps no per-window detail (billing/history.hpp).
  [[nodiscard]] std::vector<event_summary> summaries(std::string_view meter_id, std::string_view customer,
                                                     period bounds, window_kind grouping,
                                                     timestamp as_of) const {
    if (history_.bounded()) {
      METERKIT_THROW(configuration_error(
          "history",
          "a simulator with a bounded history keeps no per-window detail: summarize with the full history"));
    }
    auto out = ledger_.summaries(meter_id, customer, bounds, grouping, as_of);
    if (!out) METERKIT_THROW(configuration_error(out.error().param, out.error().message));
    return std::move(out).value();
  }

  /// `summaries` for every known customer (D26), in the compiled plan's customer order: each
  /// customer's windows, zeros included, so that a customer without usage still shows.
  [[nodiscard]] std::vector<customer_summaries> summaries(std::string_view meter_id, period bounds,
                                                          window_kind grouping, timestamp as_of) const {
    // The meter id and the bounds are checked even when there is no customer to summarize.
    if (plan_.customers().empty()) (void)summaries(meter_id, std::string_view{}, bounds, grouping, as_of);
    std::vector<customer_summaries> out;
    out.reserve(plan_.customers().size());
    for (const std::string& customer : plan_.customers()) {
      out.push_back(customer_summaries{customer, summaries(meter_id, customer, bounds, grouping, as_of)});
    }
    return out;
  }

  /// The usage accepted so far that no subscription item bills (billing/unbilled_usage.hpp): one
  /// entry per meter and customer with accepted events not cancelled, by meter in plan order, then
  /// customer in the compiled plan's order. Same `until` requirement as `result` (requests after
  /// `until` are not applied, so everything tallied arrived by then).
  [[nodiscard]] std::vector<unbilled_usage> unbilled(timestamp until) const {
    require_answerable(until);
    std::vector<unbilled_usage> out;
    for (const auto& [pair, n] : unbilled_) {
      if (n.events == 0) continue;
      out.push_back(unbilled_usage{plan_.source().meters[pair.first].id, plan_.customers()[pair.second],
                                   n.quantity, n.events});
    }
    return out;
  }

  /// The metered items (on a meter or on usage records) that no accepted operation has fed so
  /// far, in plan order (indexes into `compiled().items()`): their lines bill 0, which is more
  /// often a mistake (an event name, a customer id, an item id) than a fact (D23).
  [[nodiscard]] std::vector<std::size_t> items_without_usage() const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < fed_.size(); ++i) {
      if (!fed_[i] && plan_.items()[i].billing != item_billing::licensed) out.push_back(i);
    }
    return out;
  }

  /// Every invoice as of `until` (D20, D21, D27), the rejections so far, late usage (D24), counts.
  /// Rejections and late usage handed over to a sink (D30, `hand_over`) are not in it.
  [[nodiscard]] simulation_result result(timestamp until) const {
    simulation_result out = result_without_invoices(until);
    out.invoices = invoices_as_of(plan_, until, quantities(), changes_, thresholds_, out.credit_grants);
    return out;
  }

  /// `result(until)` but its invoices (D30), for a caller that takes them a customer at a time
  /// (`invoices_by_customer`).
  [[nodiscard]] simulation_result result_without_invoices(timestamp until) const {
    require_answerable(until);
    simulation_result out;
    out.until = until;
    out.credit_grants = credit_grants_as_of(until);
    out.rejected = rejected_;
    for (const auto& l : late_) {
      if (l.received_at <= until) out.late.push_back(l);
    }
    out.counts = counts_;
    return out;
  }

  /// The invoices of `result(until)`, a customer at a time (`invoices_by_customer` in
  /// billing/invoicing.hpp): `visit(invoices)` once per customer with a subscription, that
  /// customer's invoices in D27's order. What is held at a time is one customer's invoices, so a
  /// caller can write out any number of them (D30).
  template <class Visit>
  void invoices_by_customer(timestamp until, Visit&& visit) const {
    require_answerable(until);
    meterkit::invoices_by_customer(plan_, until, quantities(), changes_, thresholds_,
                                   credit_grants_as_of(until), std::forward<Visit>(visit));
  }

  /// The credit grants created through requests by `until` (B14).
  [[nodiscard]] std::vector<credit_grant> credit_grants_as_of(timestamp until) const {
    std::vector<credit_grant> out;
    for (const auto& g : created_grants_)
      if (!(until < *g.created)) out.push_back(g);
    return out;
  }

 private:
  /// The metered quantity of an item for a period as of a time: fixed by the bounded history, or
  /// from what is kept.
  [[nodiscard]] auto quantities() const {
    return [this](std::size_t item, const period& p, timestamp as_of) {
      // B8: the line of an item repriced inside its period starts after the period's start.
      const auto fixed = changes_.repriced(item)
                             ? history_.fixed_quantity_within(plan_.items()[item].subscription, item, p.start)
                             : history_.fixed_quantity(item, p.start);
      return fixed ? *fixed : kept_quantity(item, p, as_of);
    };
  }

  /// A bounded history answers as of its last arrival or later.
  void require_answerable(timestamp until) const {
    if (history_.bounded() && last_arrival_ && until < *last_arrival_) {
      METERKIT_THROW(configuration_error(
          "until", "a simulator with a bounded history answers as of its last arrival or later (until " +
                       format_rfc3339(until) + " is before " + format_rfc3339(*last_arrival_) + ")"));
    }
  }

  // ---- acceptance ------------------------------------------------------------------------------

  /// Before the operations of a request that arrives at `received_at`: the order check, then the
  /// bounded history's bookkeeping.
  void arrive(timestamp received_at, const source_ref& source) {
    if (last_arrival_ && received_at < *last_arrival_) {
      METERKIT_THROW(configuration_error("received_at", "requests must be applied in arrival order (" +
                                                            source.text() +
                                                            " arrives before the previous request)"));
    }
    last_arrival_ = received_at;
    if (history_.bounded()) {
      history_.before_arrival(
          plan_, ledger_, received_at, [&](std::size_t item, const period& p, timestamp as_of) {
            // B8: what the period's invoice bills of an item repriced inside it
            return kept_quantity(item, period{changes_.metered_of(plan_, item, p, as_of).from, p.end}, as_of);
          });
    }
  }

  /// Rejects operation `i` of `r`, with what it names (D27).
  void reject(const request& r, std::size_t i, const rejection& why) {
    rejected_operation out = rejected_of(source_ref{r.source}, why);
    std::visit([&](const auto& body) { named_in_rejection(out, body, r.received_at); }, r.operations[i]);
    if (r.stream) out.index = i;
    keep(std::move(out));
  }
  [[nodiscard]] static rejected_operation rejected_of(const source_ref& source, const rejection& why) {
    return rejected_operation{source.text(), why.code, why.message, why.param};
  }
  /// A rejection, counted, then kept or handed over (D30).
  void keep(rejected_operation&& x) {
    ++counts_.rejected;
    if (sink_.rejected) {
      handed_over_ = true;
      sink_.rejected(x);
    } else {
      rejected_.push_back(std::move(x));
    }
  }

  // What a rejected operation names (D27): its identifier, event name, customer and timestamp.
  /// The identifier of a `meter_event` or a `meter_event_view`; empty when it has none.
  [[nodiscard]] static std::string_view identifier_of(const meter_event& e) noexcept {
    return e.identifier ? std::string_view(*e.identifier) : std::string_view{};
  }
  [[nodiscard]] static std::string_view identifier_of(const meter_event_view& e) noexcept {
    return e.identifier;
  }

  template <class Event>  // meter_event or meter_event_view
  void named_in_rejection(rejected_operation& out, const Event& e, timestamp received_at) const {
    out.event_name.assign(e.event_name);
    out.identifier.assign(identifier_of(e));
    const auto meter = ledger_.meter_index_by_event_name(e.event_name);
    const std::string_view key =  // no meter: Stripe's default key (M6)
        meter ? std::string_view(ledger_.meters()[*meter].customer_key)
              : std::string_view("stripe_customer_id");
    if (const auto c = e.find(key)) out.customer.assign(*c);
    out.event_time = e.timestamp.value_or(received_at);
  }
  void named_in_rejection(rejected_operation& out, const meter_event_adjustment& a, timestamp) const {
    out.event_name = a.event_name;
    if (a.cancel_identifier) out.identifier = *a.cancel_identifier;
  }
  void named_in_rejection(rejected_operation& out, const usage_record& u, timestamp received_at) const {
    if (const auto item = plan_.item_index(u.subscription_item))
      out.customer = customer_of_subscription(plan_.items()[*item].subscription);
    if (const auto t = check_usage_timestamp_format(u.timestamp, received_at)) out.event_time = *t;
  }
  void named_in_rejection(rejected_operation& out, const subscription_change& c, timestamp) const {
    if (const auto s = plan_.subscription_index(c.subscription)) out.customer = customer_of_subscription(*s);
  }
  void named_in_rejection(rejected_operation& out, const credit_grant_creation& g, timestamp) const {
    out.customer = g.grant.customer;
  }
  [[nodiscard]] const std::string& customer_of_subscription(std::size_t s) const {
    return plan_.customers()[plan_.subscriptions()[s].customer];
  }

  outcome apply_one(const request& r, const meter_event& e) {
    return submit_event(e, r.received_at, source_ref{r.source});
  }

  /// One meter event (a `meter_event` or a view of one) into the ledger, then its lateness.
  template <class Event>
  outcome submit_event(const Event& e, timestamp received_at, const source_ref& source) {
    const arrival_stamp at{received_at, next_arrival_++, 0};
    // With a bounded history, an event no cancellation can name goes straight to where the
    // history would settle it later.
    outcome o =
        history_.bounded()
            ? ledger_.submit(
                  e, at, [&](const accepted_meter_event& a) { return history_.place_on_arrival(plan_, a); })
            : ledger_.submit(e, at);
    if (o.accepted()) {
      const accepted_meter_event& a = ledger_.last_accepted();
      const auto items = plan_.items_billed_on(a.meter, a.customer);
      if (items.empty()) {
        unbilled_tally& n = unbilled_[{a.meter, a.customer}];
        n.quantity = add_or_throw(n.quantity, a.value, "unbilled usage");
        ++n.events;
      } else {
        for (const std::size_t item : items) fed_[item] = true;
        note_late_usage(source, a, identifier_of(e));  // the ledger keeps no copy of it (D24 lists it)
        if (any_threshold_) {                          // B16; known once, not looked up per event
          for (const std::size_t item : items)
            check_thresholds(plan_.items()[item].subscription, received_at);
        }
      }
    }
    return o;
  }

  outcome apply_one(const request& r, const meter_event_adjustment& a) {
    outcome o = ledger_.submit(a, arrival_stamp{r.received_at, next_arrival_++, 0});
    if (o.accepted()) {
      ++counts_.cancelled;
      const accepted_meter_event& e = ledger_.last_cancelled();
      if (const auto it = unbilled_.find({e.meter, e.customer}); it != unbilled_.end()) {
        it->second.quantity = sub_or_throw(it->second.quantity, e.value, "unbilled usage");
        --it->second.events;
      }
    }
    return o;
  }

  outcome apply_one(const request& r, const usage_record& u) {
    const std::uint64_t arrival = next_arrival_++;
    const auto index = plan_.item_index(u.subscription_item);
    if (!index || plan_.items()[*index].billing != item_billing::usage_records) {
      std::string why = "no subscription item has the id \"" + u.subscription_item + "\"";
      if (index) {
        const auto& it = plan_.items()[*index];
        why = "subscription item \"" + u.subscription_item +
              "\" is not billed by usage records (its price is " +
              (it.billing == item_billing::meter
                   ? "billed on meter \"" + plan_.source().meters[it.meter].id + "\")"
                   : std::string("licensed)"));
      }
      return outcome::reject(error_code::resource_missing, std::move(why), "subscription_item");
    }
    if (changes_.now(*index).deleted) {  // B10: a deleted item is gone
      return outcome::reject(error_code::resource_missing,
                             "No such subscription item: '" + u.subscription_item + "' (it was deleted, B10)",
                             "subscription_item");
    }
    auto placed = books_[plan_.items()[*index].book].record(u, arrival_stamp{r.received_at, arrival, 0});
    if (!placed) return outcome{placed.error()};
    fed_[*index] = true;
    check_thresholds(plan_.items()[*index].subscription, r.received_at);  // B16
    return outcome::accept();
  }

  /// B14: a credit grant created through a request, checked as a plan's grant is (each refusal a
  /// rejection naming the parameter); named `credit_grant@<source>` and created at the arrival,
  /// it counts from then unless `effective_at` says otherwise.
  outcome apply_one(const request& r, const credit_grant_creation& c) {
    using ec = error_code;
    if (c.unknown_parameter) {
      return outcome::reject(ec::parameter_unknown, "Received unknown parameter: " + *c.unknown_parameter,
                             *c.unknown_parameter);
    }
    if (c.missing_parameter) {
      return outcome::reject(ec::parameter_missing, "Missing required param: " + *c.missing_parameter + ".",
                             *c.missing_parameter);
    }
    if (c.priority_out_of_range) {
      return outcome::reject(ec::parameter_invalid_integer,
                             "Invalid integer: priority must be between 0 and 100, got " +
                                 std::to_string(*c.priority_out_of_range),
                             "priority");
    }
    credit_grant g = c.grant;
    if (g.customer.empty())
      return outcome::reject(ec::parameter_missing, "Missing required param: customer.", "customer");
    if (!plan_.customer_index(g.customer))
      return outcome::reject(ec::resource_missing, "No such customer: '" + g.customer + "'", "customer");
    if (!g.currency) {
      return outcome::reject(ec::parameter_missing, "Missing required param: amount[monetary][currency].",
                             "amount[monetary][currency]");
    }
    if (g.amount <= 0) {
      return outcome::reject(ec::parameter_invalid_integer,
                             "Invalid positive integer: amount[monetary][value] must be above 0",
                             "amount[monetary][value]");
    }
    if (!c.grant.effective_at) g.effective_at = r.received_at;
    g.created = r.received_at;
    if (g.expires_at && *g.expires_at <= *g.effective_at) {
      return outcome::reject(ec::parameter_invalid_integer,
                             "expires_at (" + format_rfc3339(*g.expires_at) +
                                 ") must be after the grant becomes effective (" +
                                 format_rfc3339(*g.effective_at) + ") (B14)",
                             "expires_at");
    }
    if (g.prices) {
      if (g.prices->empty()) {
        return outcome::reject(ec::parameter_missing,
                               "Missing required param: applicability_config[scope][prices].",
                               "applicability_config[scope][prices]");
      }
      for (std::size_t k = 0; k < g.prices->size(); ++k) {
        const auto pr = plan_.price_index((*g.prices)[k]);
        if (!pr || !plan_.source().prices[*pr].recurring.meter) {
          return outcome::reject(ec::resource_missing,
                                 "No such metered price: '" + (*g.prices)[k] +
                                     "' (billing credits pay only for meter prices, B14)",
                                 "applicability_config[scope][prices][" + std::to_string(k) + "]");
        }
      }
    }
    g.id = "credit_grant@" + r.source;
    created_grants_.push_back(std::move(g));
    return outcome::accept();
  }

  /// B8, B9: a change of licensed items or of the end, all or nothing: every item is checked before
  /// any is changed.
  outcome apply_one(const request& r, const subscription_change& c) {
    using ec = error_code;
    if (c.unknown_parameter) {
      return outcome::reject(ec::parameter_unknown, "Received unknown parameter: " + *c.unknown_parameter,
                             *c.unknown_parameter);
    }
    // The subscription: named by the path, or the subscription of the one item.
    std::optional<std::size_t> s;
    if (!c.subscription.empty()) {
      s = plan_.subscription_index(c.subscription);
      if (!s)
        return outcome::reject(ec::resource_missing, "No such subscription: '" + c.subscription + "'", "id");
    } else {
      const auto item = c.items.empty() ? std::nullopt : plan_.item_index(c.items.front().item);
      if (!item) {
        return outcome::reject(
            ec::resource_missing,
            "No such subscription item: '" + (c.items.empty() ? "" : c.items.front().item) + "'", "id");
      }
      s = plan_.items()[*item].subscription;
    }
    const auto schedule = changes_.schedule_now(plan_, *s);
    const auto current = schedule.period_containing(r.received_at);
    if (!current) {
      const auto end = schedule.end();
      const bool ended = end && *end <= r.received_at;
      return outcome::reject(ec::subscription_update_invalid,
                             ended ? "the subscription ended at " + format_rfc3339(*end) +
                                         " and can no longer be updated (B6, B8, B9)"
                                   : "the subscription starts at " + format_rfc3339(schedule.start_date()) +
                                         ", after this change arrived (B8)",
                             "id");
    }
    // B9: a change of the end, checked whole first; with items (B8), they change first, then the
    // end, in one change of each, all or nothing.
    bool restart = false;                          // B17
    std::optional<billing_interval> new_interval;  // B17: the interval the items move to
    if (c.billing_cycle_anchor) {
      if (*c.billing_cycle_anchor != "now" && *c.billing_cycle_anchor != "unchanged") {
        return outcome::reject(ec::subscription_update_invalid,
                               "Invalid billing_cycle_anchor: must be one of now or unchanged",
                               "billing_cycle_anchor");
      }
      restart = *c.billing_cycle_anchor == "now";
    }
    if (restart) {
      if (auto why = restart_refused(r, c, *s, schedule, *current))
        return outcome::reject(ec::subscription_update_invalid, std::move(*why),
                               c.proration_date ? "proration_date" : "billing_cycle_anchor");
    }
    std::optional<timestamp> trial_end;  // B18
    if (c.trial_end) {
      auto asked = trial_end_asked(r, c, schedule, *current);
      if (!asked) return outcome{asked.error()};
      trial_end = *asked;
      if (history_.bounded()) {
        if (auto why = history_.unforeseen_cut(plan_, *s, trial_end))
          return outcome::reject(ec::subscription_update_invalid, std::move(*why), "trial_end");
      }
    }
    std::optional<asked_end> end_change;
    if (c.cancel_now || c.cancel_at || c.cancel_at_period_end) {
      auto asked = end_asked(r, c, *s, schedule, *current);
      if (!asked) return outcome{asked.error()};
      if (c.items.empty()) {
        if (*asked) commit_end(r, *s, *current, **asked);
        return outcome::accept();
      }
      end_change = *asked;
    }
    proration_behavior behavior = proration_behavior::create_prorations;
    if (c.proration_behavior) {
      const auto b = parse_proration_behavior(*c.proration_behavior);
      if (!b) {
        return outcome::reject(
            ec::subscription_update_invalid,
            "Invalid proration_behavior: must be one of create_prorations, none or always_invoice",
            "proration_behavior");
      }
      behavior = *b;
    }
    // B17: the restart's invoice at the arrival holds its prorations with every kind of them
    if (restart && behavior == proration_behavior::always_invoice)
      behavior = proration_behavior::create_prorations;
    timestamp effective = r.received_at;
    if (c.proration_date) {
      const auto t = parse_unix_seconds(*c.proration_date);
      if (!t) {
        return outcome::reject(ec::parameter_invalid_integer, "Invalid integer: " + *c.proration_date,
                               "proration_date");
      }
      if (*t < current->start || r.received_at < *t) {
        return outcome::reject(ec::subscription_update_invalid,
                               "proration_date " + format_rfc3339(*t) +
                                   " must lie in the current period, from " + format_rfc3339(current->start) +
                                   " to the change's arrival at " + format_rfc3339(r.received_at) + " (B8)",
                               "proration_date");
      }
      effective = *t;
    }
    applied_change change{*s, r.received_at, effective, *current, behavior, {}, {}};
    // B10, B8: the metered items whose usage of the current period so far this change bills
    // (flexible: deleted or repriced), and whether it cuts a metered line (bounded history).
    std::vector<std::size_t> usage_to_bill;
    bool cuts_usage = false;
    bool cleared_usage = false;  // B10: some deletion asked for clear_usage
    const bool flexible = plan_.subscription_at(*s).billing_mode == billing_mode_type::flexible;
    const price& first_price = plan_.price_of(plan_.subscriptions()[*s].first_item);
    for (std::size_t k = 0; k < c.items.size(); ++k) {
      const item_change& ic = c.items[k];
      const std::string param = c.subscription.empty() ? std::string() : "items[" + std::to_string(k) + "]";
      const auto named = [&](std::string_view field) {
        return param.empty() ? std::string(field) : param + "[" + std::string(field) + "]";
      };
      const auto item = plan_.item_index(ic.item);
      if (ic.item.empty()) {
        return outcome::reject(
            ec::subscription_update_invalid,
            "adding an item to a subscription is not modelled yet: name an item by its id (B8)", named("id"));
      }
      if (!item || plan_.items()[*item].subscription != *s || changes_.now(*item).deleted) {
        return outcome::reject(ec::resource_missing,
                               "No such subscription item: '" + ic.item + "' on subscription '" +
                                   plan_.subscription_at(*s).id + "'",
                               named("id"));
      }
      for (const auto& other : change.after) {
        if (other.item == *item) {
          return outcome::reject(ec::subscription_update_invalid,
                                 "subscription item '" + ic.item + "' is named twice in one update",
                                 named("id"));
        }
      }
      // B10: a deletion, with its clear_usage
      bool deleted = false;
      bool clear_usage = false;
      for (const auto& [text, flag, name] : {std::tuple{&ic.deleted, &deleted, "deleted"},
                                             std::tuple{&ic.clear_usage, &clear_usage, "clear_usage"}}) {
        if (!*text) continue;
        if (**text != "true" && **text != "false")
          return outcome::reject(ec::subscription_update_invalid, "Invalid boolean: " + **text, named(name));
        *flag = **text == "true";
      }
      if (deleted) {
        const auto& it = plan_.items()[*item];
        std::string why;
        std::string field = "deleted";
        if (ic.price || ic.quantity) {
          why = "a deleted item takes no price or quantity";
          field = ic.price ? "price" : "quantity";
        } else if (clear_usage && it.billing == item_billing::licensed) {
          why = "clear_usage is allowed only when the price's usage_type is metered";
          field = "clear_usage";
        }
        if (!why.empty())
          return outcome::reject(ec::subscription_update_invalid, std::move(why), named(field));
        item_setting gone = changes_.now(*item);
        gone.deleted = true;
        change.before.push_back(changes_.now(*item));
        change.after.push_back(gone);
        cleared_usage = cleared_usage || clear_usage;
        if (restart && clear_usage) {
          return outcome::reject(
              ec::subscription_update_invalid,
              "clear_usage with billing_cycle_anchor=now is not modelled yet: the restart's "
              "invoice bills the item's usage up to it (B10, B17)",
              named("clear_usage"));
        }
        // B17: the restart's invoice bills a deleted metered item's usage up to it
        if (it.billing != item_billing::licensed && flexible && !clear_usage && !restart &&
            behavior != proration_behavior::none) {
          usage_to_bill.push_back(*item);
          // Only a meter's usage is settled into segments a cut must split; a usage-record
          // item's is read from its book.
          cuts_usage = cuts_usage || it.billing == item_billing::meter;
        }
        continue;
      }
      if (clear_usage) {
        return outcome::reject(ec::subscription_update_invalid, "clear_usage is taken only with a deletion",
                               named("clear_usage"));
      }
      const auto& it = plan_.items()[*item];
      if (it.billing != item_billing::licensed &&
          (ic.quantity || (ic.price && it.billing != item_billing::meter))) {
        return outcome::reject(ec::subscription_update_invalid,
                               ic.quantity ? "Quantity should not be specified where usage_type is `metered`"
                                           : "changing the price of an item billed by usage records is not "
                                             "modelled yet (B8)",
                               named(ic.quantity ? "quantity" : "price"));
      }
      item_setting setting = changes_.now(*item);
      if (ic.price) {
        const auto pr = plan_.price_index(*ic.price);
        if (!pr)
          return outcome::reject(ec::resource_missing, "No such price: '" + *ic.price + "'", named("price"));
        const price& np = plan_.source().prices[*pr];
        const auto& meter = plan_.price_of(*item).recurring.meter;
        std::string why;
        std::string field = "price";
        if (it.billing == item_billing::licensed && np.recurring.usage_type != usage_type::licensed) {
          why = "a licensed item can only move to a licensed price (B8)";
        } else if (it.billing == item_billing::meter && !np.recurring.meter) {
          why = "a metered item can only move to another price on its meter '" + *meter + "' (B8)";
        } else if (it.billing == item_billing::meter && np.recurring.meter != meter) {
          why = "price '" + np.id + "' bills meter '" + *np.recurring.meter +
                "'; moving an item from meter '" + *meter + "' to another is not modelled yet (B8)";
        } else if (it.billing == item_billing::meter && *pr != setting.price && c.proration_date) {
          why =
              "a metered item's new price bills the usage from the change's arrival; proration_date is not "
              "modelled for it yet (B8)";
          field = "proration_date";
        } else if (it.billing == item_billing::meter && *pr != setting.price && has_threshold(plan_, *s)) {
          why =
              "changing a metered item's price on a subscription with billing thresholds is not modelled "
              "yet (B8, B16)";
        } else if (np.currency != first_price.currency) {
          why = "price '" + np.id + "' is in " + std::string(np.currency.code()) + ", the subscription in " +
                std::string(first_price.currency.code()) + " (B5)";
        } else if (!(np.recurring.interval == schedule.interval())) {
          // B17: a move to another interval restarts the cycle, once every item has moved
          new_interval = np.recurring.interval;
        }
        if (!why.empty())
          return outcome::reject(ec::subscription_update_invalid, std::move(why),
                                 field == "price" ? named("price") : field);
        setting.price = *pr;
      }
      if (ic.quantity) {
        const auto q = detail::parse_non_negative_integer(*ic.quantity);
        if (!q) {
          return outcome::reject(ec::parameter_invalid_integer,
                                 "Invalid non-negative integer: " + *ic.quantity, named("quantity"));
        }
        setting.quantity = *q;
      }
      if (it.billing == item_billing::meter && setting.price != changes_.now(*item).price && !restart) {
        // B8: the period's invoice bills the usage from now on at the new price; the usage before,
        // the change bills at the old one (flexible, as B10's usage line) or nothing does (classic).
        // B17: after a restart, the new period bills at the new price, the restart the old period.
        cuts_usage = true;
        if (flexible && behavior != proration_behavior::none) usage_to_bill.push_back(*item);
      }
      change.before.push_back(changes_.now(*item));
      change.after.push_back(setting);
    }
    // B10: a subscription keeps at least one item.
    std::size_t remaining = 0;
    const auto& cs = plan_.subscriptions()[*s];
    for (std::size_t item = cs.first_item; item < cs.first_item + cs.item_count; ++item) {
      bool gone = changes_.now(item).deleted;
      for (const auto& a : change.after) gone = a.item == item ? a.deleted : gone;
      remaining += gone ? 0 : 1;
    }
    if (remaining == 0) {
      return outcome::reject(ec::subscription_update_invalid,
                             "a subscription keeps at least one item: cancel the subscription instead (B10)",
                             c.subscription.empty() ? "id" : "items");
    }
    if (new_interval && !restart) {
      // B17: a move to prices of another interval restarts the cycle at the arrival, as
      // billing_cycle_anchor=now does, when the subscription's items all move there together.
      for (std::size_t item = cs.first_item; item < cs.first_item + cs.item_count; ++item) {
        item_setting now = changes_.now(item);
        for (const auto& a : change.after) now = a.item == item ? a : now;
        if (now.deleted || plan_.source().prices[now.price].recurring.interval == *new_interval) continue;
        return outcome::reject(
            ec::subscription_update_invalid,
            "subscription item '" + plan_.item_at(item).id +
                "' stays at an interval the others leave; mixed intervals on one "
                "subscription are not modelled yet: move every item in one request (B8, B17)",
            c.subscription.empty() ? "price" : "items");
      }
      if (auto why = restart_refused(r, c, *s, schedule, *current)) {
        return outcome::reject(ec::subscription_update_invalid,
                               "a move to prices of another interval restarts the billing cycle: " + *why,
                               c.proration_date ? "proration_date" : "price");
      }
      if (cleared_usage) {
        return outcome::reject(
            ec::subscription_update_invalid,
            "clear_usage with a move to prices of another interval is not modelled yet: the "
            "restart's invoice bills the item's usage up to it (B10, B17)",
            "items");
      }
      restart = true;
      usage_to_bill.clear();  // B17: the restart's invoice bills the usage up to it
      cuts_usage = false;
      if (behavior == proration_behavior::always_invoice) behavior = proration_behavior::create_prorations;
      change.behavior = behavior;
    }
    if ((cuts_usage || restart) && history_.bounded()) {
      if (auto why = history_.unforeseen_cut(plan_, *s, r.received_at))
        return outcome::reject(ec::subscription_update_invalid, std::move(*why), "id");
    }
    if (restart) {
      // B17: every item as it was; the licensed ones are credited for the rest of the period
      change.restart = true;
      change.credited = period{r.received_at, current->end};
      for (std::size_t item = cs.first_item; item < cs.first_item + cs.item_count; ++item) {
        if (changes_.now(item).deleted) continue;
        if (std::any_of(change.after.begin(), change.after.end(),
                        [&](const item_setting& a) { return a.item == item; }))
          continue;
        change.before.push_back(changes_.now(item));
        change.after.push_back(changes_.now(item));
      }
    }
    // B10, B8: the usage of a flexible subscription's deleted or repriced metered items, from the
    // period's start (or the item's last new price in it) to the change, as reported by now, at
    // the price until now.
    for (const std::size_t item : usage_to_bill) {
      const period window{changes_.metered_of(plan_, item, *current, r.received_at).from, r.received_at};
      if (window.empty()) continue;
      change.usage.push_back(
          usage_billed{item, changes_.now(item).price, window, kept_quantity(item, window, r.received_at)});
    }
    for (std::size_t k = 0; k < change.after.size(); ++k) {
      const auto& a = change.after[k];
      // B10: a deleted item's periods bill nothing now; B8: a repriced one's bill from the change
      if (a.deleted || a.price != change.before[k].price) late_periods_[a.item] = period_memo{};
    }
    change.trial_end = trial_end;
    changes_.add(std::move(change));
    if (restart || trial_end) follow_schedule(*s);
    if (end_change) commit_end(r, *s, *current, *end_change);
    return outcome::accept();
  }

  /// B18: the trial's new end that `c` asks for (`trial_end`: `now` or unix seconds), arriving in
  /// period `current` of `schedule` (as it is now); refused when it is not one meterkit models.
  [[nodiscard]] meterkit::result<timestamp> trial_end_asked(const request& r, const subscription_change& c,
                                                            const billing_schedule<>& schedule,
                                                            const period& current) const {
    using ec = error_code;
    const auto invalid = [](std::string why) {
      return rejection{ec::subscription_update_invalid, std::move(why), "trial_end"};
    };
    timestamp t = r.received_at;
    if (*c.trial_end != "now") {
      const auto parsed = parse_unix_seconds(*c.trial_end);
      if (!parsed)
        return rejection{ec::parameter_invalid_integer, "Invalid integer: " + *c.trial_end, "trial_end"};
      t = *parsed;
      if (!(r.received_at < t))
        return invalid("Invalid timestamp: trial_end " + format_rfc3339(t) +
                       " must be in the future, or now (B18)");
    }
    // Stripe: at most two years from the billing cycle anchor (the trial's end so far)
    if (t - schedule.billing_cycle_anchor() > std::chrono::days{730}) {
      return invalid("trial_end " + format_rfc3339(t) +
                     " is more than two years from the billing cycle anchor " +
                     format_rfc3339(schedule.billing_cycle_anchor()) + " (B18)");
    }
    const std::string not_yet = "trial_end ";
    if (c.cancel_at || c.cancel_at_period_end || c.billing_cycle_anchor || c.proration_date) {
      return invalid(not_yet + "with " +
                     (c.cancel_at              ? "cancel_at"
                      : c.cancel_at_period_end ? "cancel_at_period_end"
                      : c.billing_cycle_anchor ? "billing_cycle_anchor"
                                               : "proration_date") +
                     " in the same request is not modelled yet (B18)");
    }
    if (!schedule.is_trial(current)) {
      return invalid(not_yet +
                     "on a subscription out of its trial (a trial added to a paid period) is not "
                     "modelled yet (B18)");
    }
    if (t == schedule.start_date())
      return invalid(not_yet + "now at the subscription's start leaves no trial: start it without one (B18)");
    return t;
  }

  /// B17: why `billing_cycle_anchor=now` in `c`, arriving in period `current` of subscription `s`'s
  /// `schedule` (as it is now), is refused, if it is: what meterkit does not model yet.
  [[nodiscard]] std::optional<std::string> restart_refused(const request& r, const subscription_change& c,
                                                           std::size_t s, const billing_schedule<>& schedule,
                                                           const period& current) const {
    const std::string not_yet = "billing_cycle_anchor=now ";
    if (c.cancel_at || c.cancel_at_period_end)
      return not_yet + "with cancel_at or cancel_at_period_end in the same request is not modelled yet (B17)";
    if (c.proration_date)
      return not_yet + "prorates at the request's arrival; proration_date is not modelled with it yet (B17)";
    if (const auto& end = changes_.end_now(s); end.at) {
      return not_yet + "on a subscription set to end at " + format_rfc3339(*end.at) +
             " is not modelled yet: undo the end first (cancel_at_period_end=false) (B17)";
    }
    if (schedule.is_trial(current)) {
      return not_yet + "in the trial (until " + format_rfc3339(current.end) +
             ") is not modelled yet; the trial's end starts the paid cycle (B4, B17)";
    }
    if (r.received_at == current.start) {
      return not_yet + "exactly at the start of a period (" + format_rfc3339(current.start) +
             ") is not modelled yet: that period's invoice is the cycle's own (B17)";
    }
    if (has_threshold(plan_, s))
      return not_yet + "on a subscription with billing thresholds is not modelled yet (B16, B17)";
    return std::nullopt;
  }

  /// B9: the end a change asks for, with its proration behavior and the current period as it would
  /// be without an end.
  struct asked_end {
    end_setting end;
    proration_behavior behavior = proration_behavior::create_prorations;
    period whole{};
  };

  /// B9: the change of subscription `s`'s end that `c` asks for, arriving in its period `current` of
  /// `schedule` (the schedule as it ends now): a cancellation now (`DELETE`), at `cancel_at`, at the
  /// period's end, or a scheduled cancellation undone; none when the end stays as it is. Refused
  /// whole when any parameter is wrong; nothing is changed yet (`commit_end`).
  meterkit::result<std::optional<asked_end>> end_asked(const request& r, const subscription_change& c,
                                                       std::size_t s, const billing_schedule<>& schedule,
                                                       const period& current) {
    using ec = error_code;
    std::optional<rejection> refused;
    const auto flag = [&](const std::optional<std::string>& text, std::string_view name) {
      if (!text || refused) return false;
      if (*text == "true") return true;
      if (*text != "false")
        refused = rejection{ec::subscription_update_invalid, "Invalid boolean: " + *text, std::string(name)};
      return false;
    };
    const auto invalid = [](std::string why, std::string_view param) {
      return rejection{ec::subscription_update_invalid, std::move(why), std::string(param)};
    };
    if (c.cancel_now && !c.items.empty())
      return invalid("a cancellation now (DELETE) takes no items (B9)", "items");
    if (c.proration_date) {
      return invalid(
          "proration_date with a cancellation is not modelled yet: the end is prorated at "
          "the arrival (B9)",
          "proration_date");
    }
    proration_behavior behavior = proration_behavior::create_prorations;
    if (c.proration_behavior) {
      const auto b = parse_proration_behavior(*c.proration_behavior);
      if (!b) {
        return invalid("Invalid proration_behavior: must be one of create_prorations, none or always_invoice",
                       "proration_behavior");
      }
      behavior = *b;
    }
    const bool invoice_now = flag(c.invoice_now, "invoice_now");
    const bool prorate = flag(c.prorate, "prorate");
    const bool at_period_end = flag(c.cancel_at_period_end, "cancel_at_period_end");
    if (refused) return *refused;
    const period whole = schedule.uncut(current);  // current as it would be without an end
    end_setting end;
    if (c.cancel_now) {
      end = end_setting{r.received_at, subscription_end::immediate, invoice_now, prorate};
      behavior = prorate ? proration_behavior::create_prorations : proration_behavior::none;
      // An end on a period boundary cuts nothing: the period that ended is invoiced as usual (B6).
      if (r.received_at == current.start) end = end_setting{r.received_at, subscription_end::scheduled};
    } else if (c.cancel_at) {
      if (at_period_end) {
        return invalid("You may only specify one of these parameters: cancel_at, cancel_at_period_end",
                       "cancel_at");
      }
      if (*c.cancel_at == "min_period_end" || *c.cancel_at == "max_period_end") {
        // One interval per subscription (B4): both are the current period's end.
        end = end_setting{whole.end, subscription_end::scheduled};
      }
      std::optional<timestamp> t = end.at;
      if (!t) {
        const auto parsed = parse_unix_seconds(*c.cancel_at);
        if (!parsed)
          return rejection{ec::parameter_invalid_integer, "Invalid integer: " + *c.cancel_at, "cancel_at"};
        t = *parsed;
      }
      if (!end.at && !(r.received_at < *t)) {
        return invalid("cancel_at " + format_rfc3339(*t) + " must be after the request's arrival at " +
                           format_rfc3339(r.received_at) + " (B9)",
                       "cancel_at");
      }
      if (!end.at) end = end_setting{*t, subscription_end::scheduled};
    } else if (at_period_end) {
      end = end_setting{whole.end, subscription_end::scheduled};
    }  // else cancel_at_period_end=false: a scheduled cancellation undone (none)
    if (end == changes_.end_now(s)) return std::optional<asked_end>{};  // nothing changes
    if (history_.bounded()) {
      if (auto why = history_.unforeseen_cut(plan_, s, end.at)) return invalid(std::move(*why), "id");
    }
    return std::optional{asked_end{end, behavior, whole}};
  }

  /// B9: subscription `s` ends as `asked` says from `r`'s arrival in its period `current`: one
  /// change, which credits or charges its licensed items (as they are now) for the time of
  /// `current` the new end takes away or gives back.
  void commit_end(const request& r, std::size_t s, const period& current, const asked_end& asked) {
    const auto& [end, behavior, whole] = asked;
    applied_change change{s, r.received_at, r.received_at, current, behavior, {}, {}};
    for (std::size_t item = plan_.subscriptions()[s].first_item;
         item < plan_.subscriptions()[s].first_item + plan_.subscriptions()[s].item_count; ++item) {
      if (plan_.items()[item].billing != item_billing::licensed || changes_.now(item).deleted) continue;
      change.before.push_back(changes_.now(item));
      change.after.push_back(changes_.now(item));
    }
    // The licensed time of the current period before and after: it ends at the period's end or at
    // the end, whichever comes first.
    const timestamp covered = current.end;
    const timestamp now_covered = end.at ? std::min(*end.at, whole.end) : whole.end;
    if (now_covered < covered) change.credited = period{now_covered, covered};
    if (covered < now_covered) change.charged = period{covered, now_covered};
    change.end = end;
    changes_.add(std::move(change));
    follow_schedule(s);
  }

  /// After subscription `s`'s end changed (B9) or its cycle restarted (B17): its usage-record
  /// books, the bounded history and the late-usage cache follow the new schedule.
  void follow_schedule(std::size_t s) {
    const auto schedule = changes_.schedule_now(plan_, s);
    if (history_.bounded()) history_.set_schedule(plan_, s, schedule);
    const auto& cs = plan_.subscriptions()[s];
    for (std::size_t item = cs.first_item; item < cs.first_item + cs.item_count; ++item) {
      late_periods_[item] = period_memo{};
      const auto& it = plan_.items()[item];
      if (it.billing == item_billing::usage_records) books_[it.book].set_periods(schedule);
    }
  }

  /// D24: lateness is fixed at acceptance. The period containing the event time and its
  /// finalization do not depend on later operations, and D24 lists later-cancelled events too.
  /// B16: after usage of subscription `s` arrived at `now`, keeps the crossing of a threshold it
  /// reaches, if any.
  void check_thresholds(std::size_t s, timestamp now) {
    if (!has_threshold(plan_, s)) return;
    auto c = threshold_reached(
        plan_, s, now, changes_, thresholds_,
        [&](std::size_t item, const period& p, timestamp as_of) { return kept_quantity(item, p, as_of); },
        [&] {  // B11: what the subscription's invoices so far used up, as `result` would bill them
          return once_discounts_used_by(plan_, s, now, quantities(), changes_, thresholds_);
        });
    if (!c) return;
    if (plan_.subscription_at(s).reset_billing_cycle_anchor) {
      reset_at_threshold(s, *c);
    } else {
      thresholds_.add(std::move(*c));
    }
  }

  /// B16, B17: crossing `c` of a subscription with `reset_billing_cycle_anchor` restarts its cycle
  /// one second after the arrival that reached it: the period ends there and its invoice is the
  /// threshold's, billing the period's usage, crediting the unused licensed time and billing the
  /// new period, as `billing_cycle_anchor=now` does (with `create_prorations`).
  void reset_at_threshold(std::size_t s, const threshold_crossing& c) {
    const timestamp restart = c.at + seconds{1};
    applied_change change{s, c.at, restart, c.service_period, proration_behavior::create_prorations, {}, {}};
    const auto& cs = plan_.subscriptions()[s];
    for (std::size_t item = cs.first_item; item < cs.first_item + cs.item_count; ++item) {
      if (changes_.now(item).deleted) continue;
      change.before.push_back(changes_.now(item));
      change.after.push_back(changes_.now(item));
    }
    change.restart = true;
    change.by_threshold = true;
    change.credited = period{restart, c.service_period.end};
    changes_.add(std::move(change));
    follow_schedule(s);
  }

  void note_late_usage(const source_ref& source, const accepted_meter_event& e, std::string_view identifier) {
    for (const std::size_t item : plan_.items_billed_on(e.meter, e.customer)) {
      // The item's period of the event time: the last one found when it still contains it
      // (events of an item mostly fall in the same period), else from the schedule.
      period_memo& memo = late_periods_[item];
      if (!memo.known || e.time < memo.service.start || !(e.time < memo.service.end)) {
        const std::size_t s = plan_.items()[item].subscription;
        const end_setting& end = changes_.end_now(s);
        const auto schedule = changes_.schedule_now(plan_, s);
        const auto p = schedule.period_containing(e.time);
        if (!p) continue;
        // B10: no invoice bills the usage of an item deleted before its period ended.
        const bool deleted = !changes_.empty() && changes_.before(plan_, item, p->end).deleted;
        memo = period_memo{*p, plan_.finalized_at(p->end), true,
                           !deleted && subscription_changes::bills_usage_of(schedule, end, *p)};
        // B8: the period's invoice bills an item repriced inside it from the change on; the usage
        // before was billed by the change (flexible) or not at all (classic), never late.
        if (const timestamp from = changes_.metered_of(plan_, item, *p, e.received_at).from;
            p->start < from) {
          if (e.time < from) {
            memo.service.end = from;
            memo.billed = false;
          } else {
            memo.service.start = from;
          }
        }
      }
      if (memo.billed && memo.finalized_at < e.received_at) {
        meterkit::late_usage l{plan_.item_at(item).id,
                               memo.service,
                               e.value,
                               source.text(),
                               e.received_at,
                               memo.finalized_at,
                               std::string(identifier),
                               ledger_.meters()[e.meter].event_name,
                               ledger_.customer_id(e.customer),
                               e.time};
        if (sink_.late) {  // D30
          handed_over_ = true;
          sink_.late(l);
        } else {
          late_.push_back(std::move(l));
        }
      }
    }
  }

  /// The metered quantity of item `item` for `p` as of `as_of`, from what is kept.
  [[nodiscard]] std::int64_t kept_quantity(std::size_t item, const period& p, timestamp as_of) const {
    const auto& it = plan_.items()[item];
    if (it.billing == item_billing::meter) return ledger_.quantity(it.meter, it.customer, p, as_of);
    // The book's period that starts with `p`: a result as of a time before a cancellation arrived
    // asks for the period uncut, the book keeps it cut (B9).
    const auto& book = books_[it.book];
    const auto kept = book.periods().period_containing(p.start);
    return book.quantity(kept ? *kept : p, as_of);
  }

  /// The ledger of the compiled plan's meters and customers, told when no cancellation will come.
  [[nodiscard]] static meter_ledger ledger_of(const compiled_plan& cp, const simulator_history& history) {
    meter_ledger ledger(cp.source().meters, cp.customers());
    if (history.no_cancellations) ledger.expect_no_cancellations();
    return ledger;
  }

  /// Replaces the state of a freshly constructed simulator by a snapshot body's.
  void load_body(const std::string& body) {
    state_reader r(body, "invoice simulator snapshot");
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
      l.identifier = r.str();
      l.event_name = r.str();
      l.customer = r.str();
      l.event_time = r.time();
    }
    rejected_.resize(r.count(28));
    for (auto& x : rejected_) {
      x.source = r.str();
      x.code = detail::load_error_code(r);
      x.message = r.str();
      x.param = r.str();
      x.identifier = r.str();
      x.event_name = r.str();
      x.customer = r.str();
      x.event_time = r.optional_time();
      const bool indexed = r.boolean();
      const std::uint64_t index = r.u64();
      if (indexed) x.index = index;
    }
    for (std::uint64_t* n : {&counts_.read, &counts_.accepted, &counts_.rejected, &counts_.replayed,
                             &counts_.pending, &counts_.cancelled})
      *n = r.u64();
    r.require(counts_.reconciles() && counts_.rejected == rejected_.size(), "the counts do not reconcile");
    next_arrival_ = r.u64();
    // No run reaches 2^62 operations; a counter near 2^64 would wrap and break the arrival order.
    r.require(next_arrival_ < (std::uint64_t{1} << 62), "an arrival counter no run reaches");
    last_arrival_ = r.optional_time();
    detail::require_clock_not_ahead(r, last_arrival_, next_arrival_, ledger_.last_arrival(),
                                    "the meter ledger");
    for (const auto& b : books_)
      detail::require_clock_not_ahead(r, last_arrival_, next_arrival_, b.last_arrival(),
                                      "a usage-record book");
    for (const auto& l : late_) {
      r.require(last_arrival_ && !(*last_arrival_ < l.received_at),
                "late usage received after the latest request");
    }
    history_.load(plan_, r);
    changes_.load(plan_, r);
    thresholds_.load(plan_, r);
    created_grants_ = detail::load_credit_grants(r);
    for (const auto& g : created_grants_) {
      r.require(
          g.created && last_arrival_ && !(*last_arrival_ < *g.created) && plan_.customer_index(g.customer),
          "a credit grant created after the last arrival, or for a customer the plan does not know");
    }
    for (const auto& c : thresholds_.all())
      r.require(has_threshold(plan_, c.subscription) && last_arrival_ && !(*last_arrival_ < c.at),
                "a threshold crossing of a subscription without thresholds, or after the last arrival");
    unbilled_.clear();
    for (std::size_t k = r.count(24); k != 0; --k) {
      const std::size_t meter = r.index(plan_.source().meters.size());
      const std::size_t customer = r.index(plan_.customers().size());
      r.require(plan_.items_billed_on(meter, customer).empty(),
                "an unbilled usage entry does not match the plan");
      unbilled_tally& n = unbilled_[{meter, customer}];
      n.events = r.u64();
      n.quantity = r.i64();
    }
    for (std::size_t i = 0; i < fed_.size(); ++i) fed_[i] = r.boolean();
    for (std::size_t s = 0; s < plan_.subscriptions().size(); ++s) {
      if (!(changes_.end_now(s) == subscription_changes::plan_end(plan_, s)) || changes_.restarted(s))
        follow_schedule(s);
    }
    history_.check_restored(plan_, ledger_, r, last_arrival_);
    r.expect_end();
  }

  meterkit::compiled_plan plan_;
  meter_ledger ledger_;  ///< meters and customers by the compiled plan's indexes
  std::vector<any_usage_record_book<billing_schedule<>, finalized_after_delay>> books_;  ///< by item `book`
  idempotency_store<detail::stored_outcomes> idempotency_;
  std::vector<meterkit::late_usage> late_;  ///< in arrival order, then plan item order (D27)
  record_sink sink_;          ///< D30: where rejections and late usage go instead of `late_`, `rejected_`
  bool handed_over_ = false;  ///< D30: some record went to the sink
  /// A metered item's billing period that held its last event, with its finalization (D24).
  struct period_memo {
    period service{};
    timestamp finalized_at{};
    bool known = false;
    bool billed = true;  ///< whether an invoice bills its usage (B6: not after an immediate cancellation)
  };
  std::vector<period_memo> late_periods_;  ///< by item: a cache, not state (never saved)
  std::vector<bool> fed_;                  ///< by item: whether an accepted operation has fed it (D23)
  std::vector<rejected_operation> rejected_;
  simulation_counts counts_;
  std::uint64_t next_arrival_ = 0;
  std::optional<timestamp> last_arrival_;
  history_keeper history_;
  subscription_changes changes_;              ///< B8
  threshold_crossings thresholds_;            ///< B16, in arrival order
  bool any_threshold_ = false;                ///< B16: whether the plan has any billing threshold
  std::vector<credit_grant> created_grants_;  ///< B14, created through requests, in arrival order
  /// The accepted, not cancelled events of a (meter, customer) that no item bills, and the sum of
  /// their values.
  struct unbilled_tally {
    std::uint64_t events = 0;
    std::int64_t quantity = 0;
  };
  std::map<std::pair<std::size_t, std::size_t>, unbilled_tally> unbilled_;  ///< unbilled usage
};

/// Replays requests one by one (see `basic_invoice_simulator`).
using invoice_simulator = basic_invoice_simulator<>;

}  // namespace meterkit
