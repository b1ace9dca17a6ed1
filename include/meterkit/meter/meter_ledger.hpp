// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `meter_ledger`: the meters of one account, fed meter events and cancellations in arrival
/// order, answering bitemporal quantities and summaries (SPEC M1-M13, D12-D16).
///
/// The ledger holds the meter definitions (unique ids and event names, D11), the known customers
/// (M6), one identifier space across all meters (M5), and every accepted event with its
/// cancellation. Each meter is an `basic_any_meter` over the compiled `meter<Formula, Ingestion>`
/// policies, so the numbers come from the same code as compile-time meters.
///
/// Operations (meter/meter_event.hpp) must be submitted in arrival order, each with its
/// `arrival_stamp`: `received_at` never decreases and `position` strictly increases from one
/// submission to the next (events and adjustments alike); otherwise
/// `precondition_error` is raised (`METERKIT_ASSERT`). Rejections are values (`outcome`), never exceptions.
///
/// Acceptance policies are template parameters with SPEC's defaults: the timestamp window (M4),
/// identifier deduplication (M5) and the cancellation window (M10).
///
/// `save` / `load` write and read back everything fed so far (the byte encoding of
/// core/persistence.hpp), for snapshots of whoever holds the ledger; the meters and customers
/// are configuration: `load` checks that they are the same and keeps its own.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <meterkit/acceptance/cancellation_window.hpp>
#include <meterkit/acceptance/identifier_dedup.hpp>
#include <meterkit/acceptance/meter_value.hpp>
#include <meterkit/acceptance/timestamp_window.hpp>
#include <meterkit/aggregation/formula_kind.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/calendar/window.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/edit_distance.hpp>
#include <meterkit/detail/flat_string_index.hpp>
#include <meterkit/detail/string_hash.hpp>
#include <meterkit/meter/any_meter.hpp>
#include <meterkit/meter/customers.hpp>
#include <meterkit/meter/event_summary.hpp>
#include <meterkit/meter/meter_definition.hpp>
#include <meterkit/meter/meter_event.hpp>

namespace meterkit {

/// An accepted meter event as the ledger keeps it.
struct accepted_meter_event {
  std::size_t meter = 0;     ///< index into `meters()`
  std::size_t customer = 0;  ///< index into `customers()`
  timestamp time{};          ///< event time (the arrival time when the event had none)
  timestamp received_at{};
  std::int64_t value = 0;  ///< the event's value; 1 for `count` meters (D24)
  std::uint64_t arrival = 0;
  std::optional<timestamp> cancelled_at;  ///< arrival of the accepted cancellation, if any
  std::uint64_t tag = 0;                  ///< the submitting operation's tag
  std::optional<std::string> identifier;  ///< as submitted (none when generated)
};

/// See the file comment.
template <class TimestampWindow = stripe_timestamp_window, class IdentifierDedup = stripe_identifier_window,
          class CancellationWindow = stripe_cancellation_window>
class basic_meter_ledger {
  static_assert(timestamp_acceptance_policy<TimestampWindow>,
                "meterkit: TimestampWindow needs `static outcome check(timestamp event_time, timestamp "
                "received_at)` (see acceptance/timestamp_window.hpp)");
  static_assert(identifier_dedup_policy<IdentifierDedup>,
                "meterkit: IdentifierDedup needs a `store` with holder() and remember() (see "
                "acceptance/identifier_dedup.hpp)");
  static_assert(cancellation_window_policy<CancellationWindow>,
                "meterkit: CancellationWindow needs `static bool allows(timestamp original_received_at, "
                "timestamp adjustment_received_at)` (see acceptance/cancellation_window.hpp)");

 public:
  basic_meter_ledger() = default;
  /// A ledger with `meters` and the known `customers` (M6, D10). Throws `configuration_error`
  /// on a duplicate meter id or event name (D11) or an unusable definition.
  explicit basic_meter_ledger(const std::vector<meter_definition>& meters,
                              const std::vector<std::string>& customers = {}) {
    for (const auto& m : meters) add_meter(m);
    for (const auto& c : customers) add_customer(c);
  }

  // ------------------------------------------------------------------------------------------
  // Configuration

  /// Adds a meter; returns its index. Throws `configuration_error` on a duplicate id or
  /// event_name (active or not, D11) or an unusable definition.
  std::size_t add_meter(const meter_definition& m) {
    validate(m);
    if (meter_by_id_.count(m.id) != 0) {
      METERKIT_THROW(configuration_error("meters[" + m.id + "].id", "duplicate meter id \"" + m.id + "\""));
    }
    if (meter_by_event_name_.count(m.event_name) != 0) {
      METERKIT_THROW(configuration_error("meters[" + m.id + "].event_name",
                                         "duplicate event_name \"" + m.event_name + "\""));
    }
    const std::size_t i = meters_.size();
    meters_.push_back(m);
    runtime_.emplace_back(m);
    cancellable_.emplace_back();
    closed_.emplace_back();
    meter_by_id_.emplace(m.id, i);
    meter_by_event_name_.emplace(m.event_name, i);
    return i;
  }

  /// Promises that no cancellation will be submitted (the caller replays inputs that cannot hold
  /// one, such as bulk uploads): the ledger then keeps no identifier index for cancellations (M10)
  /// and no identifier in its event log, which is most of its memory per event. Deduplication (M5)
  /// is not affected. Submitting a cancellation afterwards is a broken precondition
  /// (`METERKIT_ASSERT`).
  void expect_no_cancellations() {
    takes_cancellations_ = false;
    for (auto& by_identifier : cancellable_) by_identifier = identifiers_of_meter{};
    for (auto& closed : closed_) closed = closed_of_meter{};
    for (auto& e : events_) e.identifier.reset();
  }
  /// False after `expect_no_cancellations`.
  [[nodiscard]] bool takes_cancellations() const noexcept { return takes_cancellations_; }
  /// The arrival (`received_at`, arrival number) of the latest operation submitted, none before
  /// the first: the ledger's clock, which the next operation must follow. An owner that restores
  /// the ledger beside its own clock checks that this one is not ahead of it.
  [[nodiscard]] std::optional<std::pair<timestamp, std::uint64_t>> last_arrival() const noexcept {
    if (!any_submitted_) return std::nullopt;
    return std::pair{last_received_, last_arrival_};
  }

  /// Makes `id` a known customer (M6); returns its index. Adding a known one again is harmless.
  /// Throws `configuration_error` for an empty id.
  std::size_t add_customer(std::string_view id) {
    if (id.empty()) METERKIT_THROW(configuration_error("customers[]", "a customer id must not be empty"));
    return customers_.find_or_add(id);
  }

  [[nodiscard]] const std::vector<meter_definition>& meters() const noexcept { return meters_; }
  /// The index of the meter with `id`, if any.
  [[nodiscard]] std::optional<std::size_t> meter_index(std::string_view id) const {
    const auto it = meter_by_id_.find(id);
    if (it == meter_by_id_.end()) return std::nullopt;
    return it->second;
  }
  /// The index of the meter with `event_name`, if any.
  [[nodiscard]] std::optional<std::size_t> meter_index_by_event_name(std::string_view event_name) const {
    const auto it = meter_by_event_name_.find(event_name);
    if (it == meter_by_event_name_.end()) return std::nullopt;
    return it->second;
  }
  /// Number of known customers; `customer_id(i)` for `i < customer_count()`.
  [[nodiscard]] std::size_t customer_count() const noexcept { return customers_.size(); }
  [[nodiscard]] const std::string& customer_id(std::size_t i) const { return customers_.key_of(i); }
  /// The index of the known customer `id`, if any.
  [[nodiscard]] std::optional<std::size_t> customer_index(std::string_view id) const {
    return customers_.find(id);
  }

  // ------------------------------------------------------------------------------------------
  // Operations (in arrival order)

  /// Accepts or rejects one meter event by D12's checks, in order: the lengths of event name and
  /// identifier (`string_too_long`, M2), event name (`no_meter`,
  /// `archived_meter`), customer key, value key (not for `count`), value format, known customer,
  /// too far in the past, in the future, duplicate identifier. A rejected event changes nothing.
  outcome submit(const meter_event& e, const arrival_stamp& at) { return submit(e, at, keep_in_log); }
  /// The same for an event read without a copy (identical checks and messages).
  outcome submit(const meter_event_view& e, const arrival_stamp& at) { return submit(e, at, keep_in_log); }

  /// `submit`, settling on arrival: an accepted event that no cancellation can ever name (it has
  /// no identifier, D14, or the ledger expects no cancellations) on a meter that can settle is
  /// offered to `where(const accepted_meter_event&)`, which answers as for `settle_events`: no
  /// period keeps it as `submit` does; a period takes it straight out of the ledger (forgotten
  /// when empty, else folded into that settled segment), so the event log never holds it. The
  /// preconditions of `settle_events` then apply to every later query. `last_accepted()` is the
  /// event either way.
  template <class Where>
  outcome submit(const meter_event& e, const arrival_stamp& at, Where&& where) {
    // The same checks as for a view: the payload entries as views (on the stack when few).
    constexpr std::size_t few = 8;
    std::array<meter_event_view::entry, few> small;
    std::vector<meter_event_view::entry> many;
    std::span<meter_event_view::entry> entries;
    if (e.payload.size() > few) {
      many.resize(e.payload.size());
      entries = many;
    } else {
      entries = std::span<meter_event_view::entry>(small.data(), e.payload.size());
    }
    for (std::size_t k = 0; k < e.payload.size(); ++k) entries[k] = {e.payload[k].first, e.payload[k].second};
    const meter_event_view view{e.event_name, entries, e.identifier ? std::string_view(*e.identifier) : "",
                                e.timestamp};
    return submit(view, at, where);
  }

  /// `submit` of an event read without a copy, settling on arrival as above.
  template <class Where>
  outcome submit(const meter_event_view& e, const arrival_stamp& at, Where&& where) {
    check_order(at.received_at, at.position);
    // Lengths first: Stripe checks its API schema before it looks anything up (D12).
    if (auto long_name = too_long_rejection(e.event_name, "event_name")) return std::move(*long_name);
    if (auto long_identifier = too_long_rejection(e.identifier, "identifier"))
      return std::move(*long_identifier);
    if (e.event_name.empty()) {
      return outcome::reject(error_code::no_meter, "event_name is required", "event_name");
    }
    const auto m = meter_by_event_name_.find(e.event_name);
    if (m == meter_by_event_name_.end()) {
      return outcome::reject(error_code::no_meter,
                             "no meter has event_name \"" + std::string(e.event_name) + "\"", "event_name");
    }
    const meter_definition& def = meters_[m->second];
    if (!def.active) {
      return outcome::reject(
          error_code::archived_meter,
          "the meter " + def.id + " for event_name \"" + std::string(e.event_name) + "\" is inactive",
          "event_name");
    }
    auto customer_param = [&] { return "payload[" + def.customer_key + "]"; };
    const std::optional<std::string_view> c = e.find(def.customer_key);
    if (!c) {
      return outcome::reject(
          error_code::meter_event_no_customer_defined,
          customer_param() + " is missing: meter " + def.id + " reads the customer from it",
          customer_param());
    }
    std::int64_t value = 1;
    if (reads_value(def.formula)) {
      auto value_param = [&] { return "payload[" + def.value_key + "]"; };
      const std::optional<std::string_view> v = e.find(def.value_key);
      if (!v) {
        return outcome::reject(error_code::meter_event_value_not_found,
                               value_param() + " is missing: meter " + def.id + " reads the value from it",
                               value_param());
      }
      if (!is_valid_meter_value(*v)) return parse_meter_value(*v, value_param()).error();
      value = *parse_meter_value(*v);
    }
    const auto customer = customers_.find(*c);
    if (!customer) {
      return outcome::reject(error_code::meter_event_customer_not_found,
                             customer_param() + " names the unknown customer \"" + std::string(*c) + "\"",
                             customer_param());
    }
    const timestamp t = e.timestamp.value_or(at.received_at);
    if (auto window = TimestampWindow::check(t, at.received_at); !window) return window;
    const bool has_identifier = !e.identifier.empty();
    if (has_identifier) {
      if (const auto held = identifiers_.holder(e.identifier, at.received_at)) {
        return outcome::reject(
            error_code::duplicate_meter_event,
            "identifier " + std::string(e.identifier) + " was already accepted at " + message_time(*held),
            "identifier");
      }
    }
    // Accepted. The meter first: if it refuses (a programming error), nothing else has changed.
    const bool cancellable = has_identifier && takes_cancellations_;
    last_accepted_ = accepted_meter_event{m->second,   *customer,    t,      at.received_at, value,
                                          at.position, std::nullopt, at.tag, std::nullopt};
    const event_record record{t, at.received_at, at.position, value, never};
    if (!cancellable && runtime_[m->second].can_settle()) {
      if (const std::optional<period> into = where(std::as_const(last_accepted_))) {
        runtime_[m->second].settle_arrival(*customer, record, *into);
        if (has_identifier) identifiers_.remember(e.identifier, at.received_at);
        return outcome::accept();
      }
    }
    runtime_[m->second].add(*customer, record);
    if (has_identifier) identifiers_.remember(e.identifier, at.received_at);
    const std::size_t index = events_.size();
    events_.push_back(accepted_meter_event{
        m->second, *customer, t, at.received_at, value, at.position, std::nullopt, at.tag,
        cancellable ? std::optional<std::string>(std::string(e.identifier)) : std::nullopt});
    if (cancellable) {
      auto& by_identifier = cancellable_[m->second];
      const std::size_t slot = by_identifier.index.find_or_add(e.identifier);
      if (slot == by_identifier.latest_event.size()) by_identifier.latest_event.push_back(index);
      by_identifier.latest_event[slot] = index;
    }
    return outcome::accept();
  }

  /// Accepts or rejects one cancellation (M10, D16), checks in order: `type` must be `cancel` and
  /// the identifier present (`meter_event_adjustment_invalid`); event name and identifier at most 100
  /// characters (`string_too_long`); event name known and an accepted
  /// event with that identifier and event name (`meter_event_adjustment_not_found`; the most
  /// recently accepted one is the target); not yet cancelled (`meter_event_already_cancelled`);
  /// in time (`meter_event_adjustment_too_late`).
  outcome submit(const meter_event_adjustment& a, const arrival_stamp& at) {
    METERKIT_ASSERT(takes_cancellations_,
                    "meterkit: meter_ledger: a cancellation after expect_no_cancellations()");
    check_order(at.received_at, at.position);
    if (a.type != "cancel") {
      return outcome::reject(error_code::meter_event_adjustment_invalid,
                             "type must be \"cancel\", got \"" + a.type.value_or("") + "\"", "type");
    }
    if (!a.cancel_identifier || a.cancel_identifier->empty()) {
      return outcome::reject(error_code::meter_event_adjustment_invalid, "cancel.identifier is required",
                             "cancel.identifier");
    }
    if (auto long_name = too_long_rejection(a.event_name, "event_name")) return std::move(*long_name);
    if (auto long_identifier = too_long_rejection(*a.cancel_identifier, "cancel.identifier"))
      return std::move(*long_identifier);
    const auto m = meter_by_event_name_.find(a.event_name);
    if (m == meter_by_event_name_.end()) {
      return outcome::reject(error_code::meter_event_adjustment_not_found,
                             "no meter has event_name \"" + a.event_name + "\"", "event_name");
    }
    const auto& by_identifier = cancellable_[m->second];
    const std::string& identifier = *a.cancel_identifier;
    const auto target = by_identifier.index.find(identifier);
    // An acceptance taken out by `settle_events` still answers through its closed target, unless a
    // later acceptance of the identifier is held (D16: the latest one is the target).
    const closed_target* closed = nullptr;
    if (const auto slot = closed_[m->second].index.find(identifier))
      closed = &closed_[m->second].targets[*slot];
    if (closed && (!target || events_[by_identifier.latest_event[*target]].arrival < closed->arrival)) {
      if (closed->cancelled_at) return already_cancelled(identifier, *closed->cancelled_at);
      METERKIT_ASSERT(!CancellationWindow::allows(closed->received_at, at.received_at),
                      "meterkit: meter_ledger: an event settled inside its cancellation window");
      return too_late(identifier, closed->received_at);
    }
    if (!target) {
      return outcome::reject(
          error_code::meter_event_adjustment_not_found,
          "no accepted event with identifier " + identifier + " and event_name \"" + a.event_name + "\"",
          "cancel.identifier");
    }
    accepted_meter_event& ev = events_[by_identifier.latest_event[*target]];
    if (ev.cancelled_at) return already_cancelled(identifier, *ev.cancelled_at);
    if (!CancellationWindow::allows(ev.received_at, at.received_at))
      return too_late(identifier, ev.received_at);
    ev.cancelled_at = at.received_at;
    runtime_[ev.meter].cancel(ev.customer, ev.time, ev.arrival, at.received_at);
    last_cancelled_ = ev;
    last_cancelled_.identifier.reset();
    return outcome::accept();
  }

  /// The placement of plain `submit`: every accepted event goes to the log.
  static constexpr auto keep_in_log = [](const accepted_meter_event&) { return std::optional<period>{}; };

  /// Forgets every accepted event for which `keep(const accepted_meter_event&)` is false: the
  /// event log, the compiled meters and the cancellable index no longer hold it, so quantities
  /// cover the kept events only, and a cancellation naming a forgotten event's identifier is
  /// answered as if that event had never been accepted (`meter_event_adjustment_not_found`). The
  /// identifier window (M5) keeps its own bounded store and is not affected. Returns how many
  /// events were forgotten. This is what keeps the memory of a long stream bounded (the invoice
  /// simulator's bounded history); `keep` decides what may still matter.
  template <class Keep>
  std::size_t forget_events(Keep&& keep) {
    return settle_events([&](const accepted_meter_event& e) -> std::optional<period> {
      if (keep(e)) return std::nullopt;
      return period{};
    });
  }

  /// Takes out of the ledger every accepted event for which `where(const accepted_meter_event&)`
  /// gives a period: an empty one forgets the event (as `forget_events` does), any other folds its
  /// contribution into that settled segment of its meter and customer (`customer_history::settle`;
  /// a meter whose formula and ingestion cannot settle keeps such an event). The event log and the
  /// cancellable index no longer hold the events taken out, so a cancellation naming one is
  /// answered `meter_event_adjustment_not_found`. Afterwards every quantity must be asked as of
  /// the latest arrival or cancellation taken out or later, for a period that contains or misses
  /// each settled segment (`METERKIT_ASSERT`): this is the bounded history's promise. Unlike
  /// `forget_events`, nothing is derived again: the work is proportional to the event log.
  /// Returns how many events were taken out.
  template <class Where>
  std::size_t settle_events(Where&& where) {
    return settle_events(std::forward<Where>(where), [](const accepted_meter_event&) { return false; });
  }

  /// `settle_events(where)`, and for every event taken out for which `answers(const
  /// accepted_meter_event&)` is true (one a later cancellation will name), a closed target that
  /// answers that cancellation exactly: `meter_event_already_cancelled` when the event was
  /// cancelled, else `meter_event_adjustment_too_late` (D16). So such an event need not be kept
  /// past its window: only its identifier, arrival and cancellation stay. An event that `answers`
  /// names and that could still be cancelled (not cancelled, inside its window as of the latest
  /// submission) is kept whatever `where` says.
  template <class Where, class Answers>
  std::size_t settle_events(Where&& where, Answers&& answers) {
    std::map<std::pair<std::size_t, std::size_t>, std::vector<record_settlement>>
        orders;  // (meter, customer)
    std::vector<accepted_meter_event> kept;
    for (auto& e : events_) {
      std::optional<period> into = where(std::as_const(e));
      if (into && !into->empty() && !runtime_[e.meter].can_settle()) into.reset();
      if (into && e.identifier && answers(std::as_const(e))) {
        if (!e.cancelled_at && CancellationWindow::allows(e.received_at, last_received_)) {
          into.reset();  // it may still be cancelled
        } else {
          close_target(e);
        }
      }
      if (!into) {
        kept.push_back(std::move(e));
        continue;
      }
      orders[{e.meter, e.customer}].push_back(record_settlement{e.arrival, *into});
    }
    const std::size_t taken = events_.size() - kept.size();
    events_ = std::move(kept);  // the events left behind were moved from
    if (taken == 0) return 0;
    for (const auto& [key, list] : orders) runtime_[key.first].settle(key.second, list);
    cancellable_ = index_cancellable(events_);
    return taken;
  }

  // ------------------------------------------------------------------------------------------
  // Queries

  /// `quantity(meter, customer, [start, end), as_of)` of SPEC "The model": events with
  /// `received_at <= as_of`, not cancelled as of `as_of`, timestamp in `p`, after M7/M8 and the
  /// formula (M9). 0 without events or for an unknown customer; not clamped (M12 is the
  /// invoice's). Throws `configuration_error` for an unknown meter id.
  [[nodiscard]] std::int64_t quantity(std::string_view meter_id, std::string_view customer, period p,
                                      timestamp as_of) const {
    const std::size_t m = require_meter(meter_id);
    const auto c = customers_.find(customer);
    if (!c) return 0;
    return runtime_[m].quantity(*c, p, as_of);
  }
  /// The same by indices (`meter_index`, `customer_index`).
  [[nodiscard]] std::int64_t quantity(std::size_t meter, std::size_t customer, period p,
                                      timestamp as_of) const {
    return runtime_.at(meter).quantity(customer, p, as_of);
  }

  /// Event summaries (M13): one per window of `p` grouped by `grouping`, as of `as_of`,
  /// unclamped; an alignment error as a rejection. Throws `configuration_error` for an unknown
  /// meter id. An unknown customer has all-zero summaries.
  [[nodiscard]] result<std::vector<event_summary>> summaries(std::string_view meter_id,
                                                             std::string_view customer, period p,
                                                             window_kind grouping, timestamp as_of) const {
    const std::size_t m = require_meter(meter_id);
    const auto c = customers_.find(customer);
    return runtime_[m].summaries(c.value_or(no_customer), p, grouping, as_of);
  }

  /// The event accepted last (without its identifier), whether the log holds it or not; only
  /// meaningful after an accepted `submit` of a meter event.
  [[nodiscard]] const accepted_meter_event& last_accepted() const noexcept { return last_accepted_; }
  /// The event the last accepted cancellation cancelled (without its identifier); only meaningful
  /// after an accepted `submit` of a cancellation.
  [[nodiscard]] const accepted_meter_event& last_cancelled() const noexcept { return last_cancelled_; }

  /// Every accepted event, in arrival order (cancelled ones too, with `cancelled_at`).
  [[nodiscard]] const std::vector<accepted_meter_event>& events() const noexcept { return events_; }
  [[nodiscard]] const meter_definition& meter_of(const accepted_meter_event& e) const {
    return meters_[e.meter];
  }
  [[nodiscard]] const std::string& customer_of(const accepted_meter_event& e) const {
    return customers_.key_of(e.customer);
  }

  /// The compiled meter behind meter `i` (customers keyed by their index).
  [[nodiscard]] const basic_any_meter<dense_customers>& runtime_meter(std::size_t i) const {
    return runtime_.at(i);
  }

  // ------------------------------------------------------------------------------------------
  // Snapshots

  /// Writes everything fed so far: the meters and customers (to check them on load), every
  /// accepted event with its cancellation, the identifier store and the arrival-order check.
  void save(state_writer& out) const {
    static_assert(identifier_store_saves_state<typename IdentifierDedup::store>,
                  "meterkit: meter_ledger::save needs an identifier store with save() and load() (see "
                  "acceptance/identifier_dedup.hpp)");
    out.size(meters_.size());
    for (const auto& m : meters_) save_definition(out, m);
    out.size(customers_.size());
    for (std::size_t i = 0; i < customers_.size(); ++i) out.str(customers_.key_of(i));
    out.size(events_.size());
    for (const auto& e : events_) {
      out.size(e.meter);
      out.size(e.customer);
      out.time(e.time);
      out.time(e.received_at);
      out.i64(e.value);
      out.u64(e.arrival);
      out.optional_time(e.cancelled_at);
      out.u64(e.tag);
      out.optional_str(e.identifier);
    }
    for (const auto& meter : runtime_) save_settled(out, meter);
    identifiers_.save(out);
    out.boolean(any_submitted_);
    out.time(last_received_);
    out.u64(last_arrival_);
    out.boolean(takes_cancellations_);
    for (const auto& closed : closed_) {
      out.size(closed.targets.size());
      for (std::size_t slot = 0; slot < closed.targets.size(); ++slot) {
        out.str(closed.index.key_of(slot));
        out.u64(closed.targets[slot].arrival);
        out.time(closed.targets[slot].received_at);
        out.optional_time(closed.targets[slot].cancelled_at);
      }
    }
  }

  /// Replaces everything fed so far by what `save` wrote. The ledger must have the same meters
  /// and customers (in the same order). Throws `corrupt_state_error`, changing nothing, when they
  /// differ or the bytes are damaged or break the ledger's invariants.
  ///
  /// Only the accepted events are saved: the compiled meters and the cancellable index are derived
  /// from them exactly (`derive`; a meter's state is a function of its records alone, the
  /// invariant `meter::merge` and `meter::load` rest on and that the meter tests check against the
  /// fold).
  void load(state_reader& in) {
    static_assert(identifier_store_saves_state<typename IdentifierDedup::store>,
                  "meterkit: meter_ledger::load needs an identifier store with save() and load() (see "
                  "acceptance/identifier_dedup.hpp)");
    in.require(in.count(1) == meters_.size(), "meter ledger: saved with other meters");
    for (const auto& m : meters_) {
      state_writer mine;
      save_definition(mine, m);
      in.require(in.raw(mine.bytes().size()) == mine.bytes(), "meter ledger: saved with other meters");
    }
    in.require(in.count(8) == customers_.size(), "meter ledger: saved with other customers");
    for (std::size_t i = 0; i < customers_.size(); ++i) {
      in.require(in.str() == customers_.key_of(i), "meter ledger: saved with other customers");
    }
    std::vector<accepted_meter_event> events(in.count(58));
    for (std::size_t index = 0; index < events.size(); ++index) {
      auto& e = events[index];
      e.meter = in.index(meters_.size());
      e.customer = in.index(customers_.size());
      e.time = in.time();
      e.received_at = in.time();
      e.value = in.i64();
      e.arrival = in.u64();
      e.cancelled_at = in.optional_time();
      e.tag = in.u64();
      e.identifier = in.optional_str();
      in.require(index == 0 || (events[index - 1].arrival < e.arrival &&
                                events[index - 1].received_at <= e.received_at),
                 "meter ledger: events out of arrival order");
      in.require(!e.cancelled_at || e.received_at <= *e.cancelled_at,
                 "meter ledger: a cancellation before its event");
      in.require(!e.identifier || !e.identifier->empty(), "meter ledger: an empty identifier");
    }
    auto derived = derive(events);
    in.require(derived.has_value(), "meter ledger: a repeated event");
    for (auto& meter : derived->runtime) load_settled(in, meter);
    typename IdentifierDedup::store identifiers;
    identifiers.load(in);
    const bool any_submitted = in.boolean();
    const timestamp last_received = in.time();
    const std::uint64_t last_arrival = in.u64();
    const bool takes_cancellations = in.boolean();
    std::vector<closed_of_meter> closed(meters_.size());
    for (auto& of_meter : closed) {
      for (std::size_t n = in.count(26); n > 0; --n) {
        const std::string identifier = in.str();
        const std::uint64_t arrival = in.u64();
        const timestamp received_at = in.time();
        const std::optional<timestamp> cancelled_at = in.optional_time();
        in.require(!identifier.empty() && !of_meter.index.find(identifier),
                   "meter ledger: a closed target repeated or without identifier");
        in.require(arrival <= last_arrival && received_at <= last_received &&
                       (!cancelled_at || (received_at <= *cancelled_at && *cancelled_at <= last_received)),
                   "meter ledger: a closed target after the latest submission");
        in.require(cancelled_at || !CancellationWindow::allows(received_at, last_received),
                   "meter ledger: a closed target that could still be cancelled");
        (void)of_meter.index.find_or_add(identifier);
        of_meter.targets.push_back(closed_target{arrival, received_at, cancelled_at});
      }
    }
    in.require(takes_cancellations ||
                   std::none_of(events.begin(), events.end(),
                                [](const accepted_meter_event& e) { return e.identifier.has_value(); }),
               "meter ledger: identifiers kept although no cancellation was expected");
    in.require(any_submitted || (events.empty() && last_arrival == 0 && last_received == timestamp{}),
               "meter ledger: events without a submission");
    for (const auto& e : events) {
      in.require(e.arrival <= last_arrival && e.received_at <= last_received &&
                     (!e.cancelled_at || *e.cancelled_at <= last_received),
                 "meter ledger: an event after the latest submission");
    }
    // What was settled was received (or cancelled) through this ledger: never after its latest
    // submission, else a query as of now would be "before records settled" (a broken precondition).
    for (const auto& meter : derived->runtime) {
      meter.visit([&](const auto& m) {
        for (std::size_t i = 0; i < m.customer_count(); ++i) {
          const timestamp through = m.state_at(i).settled_through();
          in.require(through == from_unix(std::numeric_limits<std::int64_t>::min()) ||
                         (any_submitted && through <= last_received),
                     "meter ledger: records settled after the latest submission");
        }
      });
    }
    events_ = std::move(events);
    runtime_ = std::move(derived->runtime);
    cancellable_ = std::move(derived->cancellable);
    closed_ = std::move(closed);
    identifiers_ = std::move(identifiers);
    any_submitted_ = any_submitted;
    last_received_ = last_received;
    last_arrival_ = last_arrival;
    takes_cancellations_ = takes_cancellations;
  }

 private:
  static constexpr std::size_t no_customer = static_cast<std::size_t>(-1);

  /// Keeps what answers a later cancellation of `e` (which has an identifier), unless a later
  /// acceptance of the same identifier was closed before (D16: the latest one is the target).
  void close_target(const accepted_meter_event& e) {
    auto& closed = closed_[e.meter];
    const std::size_t slot = closed.index.find_or_add(*e.identifier);
    const closed_target target{e.arrival, e.received_at, e.cancelled_at};
    if (slot == closed.targets.size()) {
      closed.targets.push_back(target);
    } else if (closed.targets[slot].arrival < e.arrival) {
      // Events are taken out in arrival order within a pass, but an older acceptance may outlive
      // a newer one in the log (kept for its period while the newer one was forgotten).
      closed.targets[slot] = target;
    }
  }

  static outcome already_cancelled(const std::string& identifier, timestamp at) {
    return outcome::reject(
        error_code::meter_event_already_cancelled,
        "the event with identifier " + identifier + " was already cancelled at " + message_time(at),
        "cancel.identifier");
  }
  static outcome too_late(const std::string& identifier, timestamp received_at) {
    return outcome::reject(error_code::meter_event_adjustment_too_late,
                           "the event with identifier " + identifier + " arrived at " +
                               message_time(received_at) + ", more than " +
                               std::to_string(seconds{CancellationWindow::length}.count()) +
                               " seconds before this cancellation",
                           "cancel.identifier");
  }

  void check_order(timestamp received_at, std::uint64_t arrival) {
    METERKIT_ASSERT(!any_submitted_ || (!(received_at < last_received_) && arrival > last_arrival_),
                    "meterkit: meter_ledger: operations must be submitted in arrival order (received_at " +
                        std::to_string(to_unix(received_at)) + ", arrival " + std::to_string(arrival) +
                        " after received_at " + std::to_string(to_unix(last_received_)) + ", arrival " +
                        std::to_string(last_arrival_) + ")");
    any_submitted_ = true;
    last_received_ = received_at;
    last_arrival_ = arrival;
  }

  static void save_definition(state_writer& out, const meter_definition& m) {
    out.str(m.id);
    out.str(m.event_name);
    out.str(m.display_name);
    out.u8(static_cast<std::uint8_t>(m.formula));
    out.str(m.customer_key);
    out.str(m.value_key);
    out.u8(static_cast<std::uint8_t>(m.event_time_window));
    out.boolean(m.active);
  }

  /// The settled segments of every customer of `meter` that has some: count, then per customer
  /// its index and `customer_history::save_settled`.
  static void save_settled(state_writer& out, const basic_any_meter<dense_customers>& meter) {
    meter.visit([&](const auto& m) {
      std::size_t n = 0;
      for (std::size_t i = 0; i < m.customer_count(); ++i) n += m.state_at(i).settled().empty() ? 0U : 1U;
      out.size(n);
      for (std::size_t i = 0; i < m.customer_count(); ++i) {
        if (m.state_at(i).settled().empty()) continue;
        out.size(m.customer_at(i));
        m.state_at(i).save_settled(out);
      }
    });
  }
  void load_settled(state_reader& in, basic_any_meter<dense_customers>& meter) const {
    meter.visit([&](auto& m) {
      for (std::size_t n = in.count(9); n > 0; --n) {
        const std::size_t customer = in.index(customers_.size());
        m.load_settled(customer, in);
      }
    });
  }

  std::size_t require_meter(std::string_view id) const {
    const auto it = meter_by_id_.find(id);
    if (it == meter_by_id_.end()) {
      // An event name given for an id (D26) is the likely mistake: say whose it is.
      if (const auto named = meter_by_event_name_.find(id); named != meter_by_event_name_.end()) {
        METERKIT_THROW(configuration_error("meter", "no meter with id \"" + std::string(id) +
                                                        "\"; it is the event_name of meter " +
                                                        meters_[named->second].id + ", give that id"));
      }
      METERKIT_THROW(configuration_error(
          "meter", "no meter with id \"" + std::string(id) + "\"" +
                       detail::known_ids_hint(
                           id, meters_, [](const meter_definition& x) -> std::string_view { return x.id; })));
    }
    return it->second;
  }

  std::vector<meter_definition> meters_;
  std::vector<basic_any_meter<dense_customers>> runtime_;
  std::unordered_map<std::string, std::size_t, detail::string_hash, detail::string_equal> meter_by_id_;
  std::unordered_map<std::string, std::size_t, detail::string_hash, detail::string_equal>
      meter_by_event_name_;
  string_customer_ids::index customers_;
  typename IdentifierDedup::store identifiers_;
  std::vector<accepted_meter_event> events_;
  accepted_meter_event last_accepted_;   ///< a copy of the latest accepted event (not state)
  accepted_meter_event last_cancelled_;  ///< a copy of the latest cancelled event (not state)
  struct identifiers_of_meter {
    detail::flat_string_index index;        // identifier -> slot
    std::vector<std::size_t> latest_event;  // slot -> most recently accepted event (D16)
  };
  std::vector<identifiers_of_meter> cancellable_;  // by meter
  /// An event taken out by `settle_events` that a later cancellation names: what answers it.
  struct closed_target {
    std::uint64_t arrival = 0;
    timestamp received_at{};
    std::optional<timestamp> cancelled_at;
  };
  struct closed_of_meter {
    detail::flat_string_index index;     // identifier -> slot
    std::vector<closed_target> targets;  // slot -> its latest acceptance taken out (D16)
  };
  std::vector<closed_of_meter> closed_;  // by meter

  bool takes_cancellations_ = true;
  bool any_submitted_ = false;
  timestamp last_received_{};
  std::uint64_t last_arrival_ = 0;

  /// What the ledger derives from its accepted events: the compiled meters and the cancellable
  /// index.
  struct derived_state {
    std::vector<basic_any_meter<dense_customers>> runtime;
    std::vector<identifiers_of_meter> cancellable;
  };

  /// The cancellable index of `events` (in arrival order): per meter, each identifier's most
  /// recently accepted event (D16).
  [[nodiscard]] std::vector<identifiers_of_meter> index_cancellable(
      const std::vector<accepted_meter_event>& events) const {
    std::vector<identifiers_of_meter> out(meters_.size());
    for (std::size_t index = 0; index < events.size(); ++index) {
      const auto& e = events[index];
      if (!e.identifier) continue;
      auto& by_identifier = out[e.meter];
      const std::size_t slot = by_identifier.index.find_or_add(*e.identifier);
      if (slot == by_identifier.latest_event.size()) by_identifier.latest_event.push_back(index);
      by_identifier.latest_event[slot] = index;
    }
    return out;
  }

  /// Derives the compiled meters and the cancellable index from `events` (in arrival order), for
  /// `load` and `forget_events`. The cancellable index is built the way `submit` builds it
  /// (identifiers in event order, the latest event per identifier). Each compiled meter gets its
  /// events as records carrying their cancellation (`basic_any_meter::assign`, the path of
  /// `meter::load`): a meter's state is a function of its records alone, so quantities and
  /// summaries as of any time are those of a ledger fed `events`, at O(n log n) instead of
  /// replaying every cancellation. Empty when two events of one meter and customer make the same
  /// record (a repeated event).
  [[nodiscard]] std::optional<derived_state> derive(const std::vector<accepted_meter_event>& events) const {
    std::map<std::pair<std::size_t, std::size_t>, std::vector<event_record>> records;
    derived_state out;
    out.cancellable = index_cancellable(events);
    for (const auto& e : events) {
      records[{e.meter, e.customer}].push_back(
          event_record{e.time, e.received_at, e.arrival, e.value, e.cancelled_at.value_or(never)});
    }
    out.runtime.reserve(meters_.size());
    for (const auto& m : meters_) out.runtime.emplace_back(m);
    for (auto& [key, rs] : records) {
      if (!out.runtime[key.first].assign(key.second, std::move(rs))) return std::nullopt;
    }
    return out;
  }
};

/// The ledger with SPEC's policies: 35 days / 5 minutes (M4), 24 h identifiers (M5), 24 h
/// cancellations (M10).
using meter_ledger = basic_meter_ledger<>;

}  // namespace meterkit
