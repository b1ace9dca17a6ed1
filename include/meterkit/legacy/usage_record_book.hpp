// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The usage-record book of one legacy-metered subscription item (SPEC L2-L6, D17, D18, B3, B4, B6).
///
/// Acceptance (D17 after the item check, which is the caller's: `check_subscription_item`):
/// quantity -> action -> timestamp format (legacy/usage_record.hpp) -> period:
/// - L4: the current period is the item's period containing `received_at`; the timestamp must
///   satisfy `current.start <= timestamp <= received_at`, else
///   `usage_record_timestamp_out_of_period` (param `timestamp`). Arriving before the subscription
///   starts, or at or after a period source's `end()` (B6: the subscription has ended), is out of
///   period.
/// - L5, D18 (only for policies with `accepts_clock_drift_grace`, i.e. `sum`): when
///   `received_at < current.start + G`, a timestamp in `[current.start - G, current.start)` is
///   accepted. It is billed in the previous period when that period's invoice is not yet
///   finalized at arrival (`received_at <= finalized_at(previous)`, D18), else in the current
///   period. The first period has no grace (D18). G is `usage_record_book_options::grace`.
///
/// Storage is bitemporal: every accepted record is kept with its arrival, per period billed in,
/// so that `quantity(period, as_of)` replays only the records with `received_at <= as_of` (an
/// invoice is that function at its finalization time, B3). Values live per (period billed in,
/// exact timestamp) (L2, D18): `increment` adds, `set` replaces, other timestamps are untouched.
/// The period quantity is the policy applied to those values (L3, legacy/aggregate_usage.hpp); a
/// stored 0 counts as present and "latest" orders by timestamp (D18). With a trial, values
/// timestamped before `trial_end` are ignored by every policy, `last_ever`'s carry-over included
/// (B4, D18). An increment that would leave the signed 64-bit range raises `overflow_error` and
/// the record is not stored; so does a `sum` whose period total would.
///
/// Records must be given in arrival order `(received_at, sequence)`; acceptance itself depends on
/// nothing but the record, the periods and the invoice clock.
///
/// `save` / `load` write and read back the records accepted so far (the byte encoding of
/// core/persistence.hpp), for snapshots of whoever holds the book: the periods, options and
/// clock are configuration and stay the book's own. Loading replays each period's records in
/// arrival order through the same code as `record`, so the values are the ones `record` built.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <meterkit/aggregation/formula.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/core/checked.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/diagnostics.hpp>
#include <meterkit/legacy/aggregate_usage.hpp>
#include <meterkit/legacy/usage_record.hpp>

namespace meterkit {

// ---------------------------------------------------------------------------------------------
// The item's billing periods (satisfied by calendar/billing_schedule.hpp).

/// `s.period_containing(t)` gives the period containing `t`, or nullopt before the first period.
template <class S>
concept period_source_finds_period = requires(const S& s, timestamp t) {
  { s.period_containing(t) } -> std::convertible_to<std::optional<period>>;
};

/// `s.first_period()` gives the period that starts at the subscription's start.
template <class S>
concept period_source_has_first_period = requires(const S& s) {
  { s.first_period() } -> std::convertible_to<period>;
};

/// `s.previous_period(p)` gives the period that ends where `p` starts, or nullopt for the first.
template <class S>
concept period_source_steps_back = requires(const S& s, const period& p) {
  { s.previous_period(p) } -> std::convertible_to<std::optional<period>>;
};

/// `s.next_period(p)` gives the period that starts where `p` ends.
template <class S>
concept period_source_steps_forward = requires(const S& s, const period& p) {
  { s.next_period(p) } -> std::convertible_to<period>;
};

/// Everything the book needs of an item's billing periods.
template <class S>
concept period_source = period_source_finds_period<S> && period_source_has_first_period<S> &&
    period_source_steps_back<S> && period_source_steps_forward<S>;

/// Optional: `s.trial_end()` gives the subscription's `trial_end`, used when the book's options
/// do not name one.
template <class S>
concept period_source_has_trial_end = requires(const S& s) {
  { s.trial_end() } -> std::convertible_to<std::optional<timestamp>>;
};

// ---------------------------------------------------------------------------------------------
// The invoice clock (B3): when the invoice of a period is finalized.

/// `c.finalized_at(p)` gives the finalization time of the invoice that bills period `p`.
template <class C>
concept finalization_clock = requires(const C& c, const period& p) {
  { c.finalized_at(p) } -> std::convertible_to<timestamp>;
};

/// B3: `finalized_at = end + delay`, delay 3600 s by default.
struct finalized_after_delay {
  seconds delay{3600};
  [[nodiscard]] constexpr timestamp finalized_at(const period& p) const noexcept { return p.end + delay; }
};

namespace detail {
/// Checks `S` requirement by requirement and reports only the first one missing. Use as
/// `static_assert(detail::check_period_source<S>())`: it returns true, so that a refusal is that
/// one message.
template <class S>
consteval bool check_period_source() {
  if constexpr (!period_source_finds_period<S>) {
    static_assert(
        requirement_met<period_source_finds_period<S>>,
        "meterkit: a period source needs `std::optional<period> period_containing(timestamp) const` "
        "(see legacy/usage_record_book.hpp)");
  } else if constexpr (!period_source_has_first_period<S>) {
    static_assert(requirement_met<period_source_has_first_period<S>>,
                  "meterkit: a period source needs `period first_period() const` (see "
                  "legacy/usage_record_book.hpp)");
  } else if constexpr (!period_source_steps_back<S>) {
    static_assert(requirement_met<period_source_steps_back<S>>,
                  "meterkit: a period source needs `std::optional<period> previous_period(const period&) "
                  "const` (see legacy/usage_record_book.hpp)");
  } else {
    static_assert(requirement_met<period_source_steps_forward<S>>,
                  "meterkit: a period source needs `period next_period(const period&) const` (see "
                  "legacy/usage_record_book.hpp)");
  }
  return true;
}

/// Use as `static_assert(detail::check_finalization_clock<C>())`: it returns true, so that a
/// refusal is one message.
template <class C>
consteval bool check_finalization_clock() {
  static_assert(requirement_met<finalization_clock<C>>,
                "meterkit: a finalization clock needs `timestamp finalized_at(const period&) const` (see "
                "legacy/usage_record_book.hpp)");
  return true;
}
}  // namespace detail

static_assert(detail::check_finalization_clock<finalized_after_delay>());

// ---------------------------------------------------------------------------------------------
// The book.

/// The book's parameters.
struct usage_record_book_options {
  /// L5: the clock-drift grace G (300 s by default; 0 turns it off). Must not be negative.
  seconds grace{300};
  /// B4, D18: values timestamped before it are not billed. When absent, the period source's own
  /// `trial_end()` is used if it has one.
  std::optional<timestamp> trial_end{};
};

/// Where an accepted record went.
struct recorded_usage {
  period billed_in{};  ///< the period whose invoice bills it (D18)
  timestamp time{};    ///< its timestamp, `"now"` resolved
  std::int64_t quantity = 0;
  usage_action action = usage_action::increment;
  bool by_grace = false;  ///< accepted by L5 (timestamped before the current period's start)

  friend constexpr bool operator==(const recorded_usage&, const recorded_usage&) = default;
};

/// L6: one period's `total_usage`.
struct usage_record_summary {
  meterkit::period period{};
  std::int64_t total_usage = 0;

  friend constexpr bool operator==(const usage_record_summary&, const usage_record_summary&) = default;
};

/// Everything `usage_record_book<Formula, Source, Clock>` needs of its arguments.
template <class Formula, class Source, class Clock>
concept usage_record_book_policies = formula<Formula> && period_source<Source> && finalization_clock<Clock>;

namespace detail {
/// Reports the first mistake in refused book arguments as one `static_assert`: swapped arguments
/// by name, else the first missing requirement. Returns true, so that the caller's
/// `static_assert` adds no second message.
template <class F, class S, class C>
consteval bool check_usage_record_book_policies() {
  if constexpr (period_source<F> && formula<S>) {
    static_assert(
        refused<F, S>,
        "meterkit: usage_record_book<Formula, Source>: the arguments are swapped, the formula comes "
        "first: write usage_record_book<sum, billing_schedule<>>, not "
        "usage_record_book<billing_schedule<>, sum> (see legacy/usage_record_book.hpp)");
  } else if constexpr (!formula<F>) {
    static_assert(check_formula<F>());
  } else if constexpr (!period_source<S>) {
    static_assert(check_period_source<S>());
  } else {
    static_assert(check_finalization_clock<C>());
  }
  return true;
}

/// What a book with refused arguments stands in for when its periods are there: the book that was
/// meant (swapped arguments), else `sum` or `finalized_after_delay` in place of what is refused,
/// so that its constructor and members add no errors. Without periods, a class that any
/// arguments construct.
struct refused_usage_record_book {
  template <class... Args>
  explicit refused_usage_record_book(Args&&...) noexcept {}
};
}  // namespace detail

template <class Formula, class Source, class Clock = finalized_after_delay>
class usage_record_book;

/// The usage records of one subscription item whose price aggregates with `Formula` (`sum`,
/// `last_during_period`, `last_ever` or `peak` for `max`), billed in the periods of `Source`, with
/// invoices finalized by `Clock`.
template <class Formula, class Source, class Clock>
requires usage_record_book_policies<Formula, Source, Clock>
class usage_record_book<Formula, Source, Clock> {
 public:
  using formula_type = Formula;
  using source_type = Source;
  using clock_type = Clock;

  /// Throws `configuration_error` ("legacy_grace_period") for a negative grace.
  explicit usage_record_book(Source source, usage_record_book_options options = {}, Clock clock = {})
      : source_(std::move(source)), options_(std::move(options)), clock_(std::move(clock)) {
    if (options_.grace < seconds{0}) {
      METERKIT_THROW(configuration_error("legacy_grace_period", "must not be negative"));
    }
    if constexpr (period_source_has_trial_end<Source>) {
      trial_from_source_ = !options_.trial_end;
      if (trial_from_source_) options_.trial_end = source_.trial_end();
    }
  }

  [[nodiscard]] const Source& periods() const noexcept { return source_; }
  /// Replaces the periods, as a subscription's end set or undone by a later request changes them
  /// (B9): the records of a period cut by the new end, or made whole again, stay with it under
  /// its new bounds. Records are never timestamped after their arrival (L4), so none lies past an
  /// end that a later request sets. A trial's end taken from the source follows it (B18).
  void set_periods(Source source) {
    source_ = std::move(source);
    if constexpr (period_source_has_trial_end<Source>) {
      if (trial_from_source_) options_.trial_end = source_.trial_end();
    }
    for (auto it = logs_.begin(); it != logs_.end();) {
      const auto now = source_.period_containing(it->first.start);
      if (!now || *now == it->first) {
        ++it;
        continue;
      }
      auto node = logs_.extract(it++);
      node.key() = *now;
      logs_.insert(std::move(node));
    }
  }
  [[nodiscard]] const usage_record_book_options& options() const noexcept { return options_; }
  [[nodiscard]] const Clock& clock() const noexcept { return clock_; }
  /// Accepted records so far.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// The arrival (`received_at`, `sequence`) of the latest record recorded, none before the
  /// first: the book's clock, which the next record must follow.
  [[nodiscard]] const std::optional<std::pair<timestamp, std::uint64_t>>& last_arrival() const noexcept {
    return latest_;
  }

  /// D17 after the item check: quantity -> action -> timestamp format -> period (L4, L5); stores
  /// the record when accepted (L2). Uses the book's invoice clock.
  /// Records must come in arrival order (`at.position` orders those of the same second).
  result<recorded_usage> record(const usage_record& r, const arrival_stamp& at) {
    return record(r, at, clock_);
  }

  /// The same with another invoice clock (for example the simulator's).
  template <class OtherClock>
  result<recorded_usage> record(const usage_record& r, const arrival_stamp& at, const OtherClock& clock) {
    static_assert(detail::check_finalization_clock<OtherClock>());
    const auto checked = check_usage_record(r, at);
    if (!checked) return checked.error();
    auto placed = place(*checked, clock);
    if (placed) store(*checked, *placed);
    return placed;
  }

  /// L4, L5, D18 alone: where a checked record would be billed, or why it is out of period.
  /// Stores nothing.
  template <class OtherClock>
  [[nodiscard]] result<recorded_usage> place(const checked_usage_record& r, const OtherClock& clock) const {
    static_assert(detail::check_finalization_clock<OtherClock>());
    const std::optional<period> current = source_.period_containing(r.received_at);
    if (!current) {
      if constexpr (requires { source_.end(); }) {
        if (const auto end = source_.end(); end && *end <= r.received_at) {
          return out_of_period(r, "it arrived at " + message_time(r.received_at) +
                                      ", after the subscription ended at " + message_time(*end) + " (B6)");
        }
      }
      return out_of_period(
          r, "it arrived at " + message_time(r.received_at) + ", before the subscription started");
    }
    if (r.time > r.received_at) {
      return out_of_period(r, "it is in the future (arrival " + message_time(r.received_at) + ")");
    }
    if (r.time >= current->start) {
      return recorded_usage{*current, r.time, r.quantity, r.action, false};
    }
    if constexpr (accepts_clock_drift_grace<Formula>) {
      const auto& g = options_.grace;
      if (r.received_at - current->start < g && current->start - r.time <= g) {
        const std::optional<period> previous = source_.previous_period(*current);
        if (previous && previous->contains(r.time)) {
          const bool previous_open = r.received_at <= timestamp{clock.finalized_at(*previous)};
          return recorded_usage{previous_open ? *previous : *current, r.time, r.quantity, r.action, true};
        }
      }
    }
    return out_of_period(r, "it is before the start of the current period [" + message_time(current->start) +
                                ", " + message_time(current->end) + ")");
  }

  /// L3 as of `as_of`: the policy over the values billed in `p` from the records that arrived at
  /// or before `as_of` (B3: an invoice's quantity is this at its `finalized_at`). Values before
  /// `trial_end` do not count (B4, D18). A policy that carries over (`last_ever`) takes the latest
  /// value of the earlier periods when `p` has none.
  [[nodiscard]] std::int64_t quantity(const period& p, timestamp as_of) const {
    auto [state, present] = state_of(p, as_of);
    if constexpr (carries_over_earlier_periods<Formula>) {
      static_assert(
          mergeable_formula<Formula>,
          "meterkit: a formula that carries values over from earlier periods merges their states: it "
          "needs `is_mergeable` and `merge` (see aggregation/formula.hpp)");
      if (present == 0) {
        for (auto it = logs_.begin(); it != logs_.end() && it->first < p; ++it) {
          Formula::merge(state, state_of(it->second, as_of).first);
        }
      }
    }
    return Formula::result(state);
  }

  /// L3 with every record given so far.
  [[nodiscard]] std::int64_t quantity(const period& p) const { return quantity(p, timestamp::max()); }

  /// L6 as of `as_of`: one summary per period from the first to the one containing `as_of` (or
  /// the last, after a period source's `end()`, B6), newest first, `total_usage` =
  /// `quantity(period, as_of)`. Empty before the subscription starts.
  [[nodiscard]] std::vector<usage_record_summary> summaries(timestamp as_of) const {
    std::vector<usage_record_summary> out;
    std::optional<timestamp> end;
    if constexpr (requires { source_.end(); }) {
      end = source_.end();
      if (end && *end <= as_of && source_.has_periods()) as_of = *end - seconds{1};
    }
    if (!source_.period_containing(as_of)) return out;
    for (period p = source_.first_period();; p = source_.next_period(p)) {
      out.push_back(usage_record_summary{p, quantity(p, as_of)});
      if (as_of < p.end) break;
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

  /// Writes the accepted records: per period billed in (in period order), each record's
  /// timestamp, arrival, quantity, action and position; then the latest arrival.
  void save(state_writer& out) const {
    out.size(size_);
    out.boolean(latest_.has_value());
    if (latest_) {
      out.time(latest_->first);
      out.u64(latest_->second);
    }
    out.size(logs_.size());
    for (const auto& [p, log] : logs_) {
      out.time(p.start);
      out.time(p.end);
      out.size(log.entries.size());
      for (const entry& e : log.entries) {
        out.time(e.time);
        out.time(e.received_at);
        out.i64(e.quantity);
        out.u8(e.action == usage_action::set ? 1 : 0);
        out.u64(e.order);
      }
    }
  }

  /// Replaces the records by those `save` wrote. Throws `corrupt_state_error` (changing
  /// nothing) when the bytes are damaged or break the book's invariants (periods in order, each
  /// record once, in arrival order, values at a timestamp in range). Bytes forged to pass every
  /// check but whose `sum` period total leaves the 64-bit range raise `overflow_error`, as
  /// `record` would have.
  void load(state_reader& in) {
    std::map<period, period_log> logs;
    const std::size_t n = in.count(33);
    std::optional<std::pair<timestamp, std::uint64_t>> latest;
    if (in.boolean()) {
      const timestamp t = in.time();
      latest = std::pair{t, in.u64()};
    }
    in.require(n == 0 || latest.has_value(), "usage record book: records without an arrival");
    const std::size_t periods = in.count(24);
    std::vector<bool> seen(n, false);
    std::size_t total = 0;
    for (std::size_t k = 0; k < periods; ++k) {
      period p{in.time(), in.time()};
      in.require(p.start < p.end, "usage record book: an empty period");
      in.require(logs.empty() || std::prev(logs.end())->first < p, "usage record book: periods out of order");
      period_log& log = logs.try_emplace(p).first->second;
      const std::size_t m = in.count(33);
      for (std::size_t j = 0; j < m; ++j) {
        entry e{in.time(), in.time(), in.i64(), usage_action::increment, 0};
        const std::uint8_t action = in.u8();
        in.require(action <= 1, "usage record book: an unknown action");
        e.action = action == 1 ? usage_action::set : usage_action::increment;
        e.order = in.u64();
        in.require(e.order < n && !seen[static_cast<std::size_t>(e.order)],
                   "usage record book: a record position out of range or repeated");
        seen[static_cast<std::size_t>(e.order)] = true;
        in.require(log.entries.empty() || (log.entries.back().order < e.order &&
                                           log.entries.back().received_at <= e.received_at),
                   "usage record book: records out of arrival order");
        in.require(e.received_at <= latest->first, "usage record book: a record after the latest arrival");
        in.require(e.quantity >= 0, "usage record book: a negative quantity");
        in.require(append(log, e), "usage record book: values out of range");
        ++total;
      }
    }
    in.require(total == n, "usage record book: the record count does not match");
    logs_ = std::move(logs);
    latest_ = latest;
    next_order_ = n;
    size_ = n;
  }

 private:
  struct entry {
    timestamp time;
    timestamp received_at;
    std::int64_t quantity;
    usage_action action;
    std::uint64_t order;  ///< global arrival position, the `sample::arrival` of the value it writes
  };
  struct value_slot {
    std::int64_t value;
    std::uint64_t arrival;
  };
  using state_type = typename Formula::state_type;
  using slots_type = std::map<timestamp, value_slot>;

  /// One period billed in: its records in arrival order, and its values as of the latest one.
  struct period_log {
    std::vector<entry> entries;
    slots_type slots;
    state_type live = Formula::identity();  ///< invertible formulas: the policy over `slots`
    std::size_t live_count = 0;             ///< values that count (not before trial_end)
  };

  [[nodiscard]] bool counts(timestamp t) const noexcept {
    return !options_.trial_end || t >= *options_.trial_end;
  }

  [[nodiscard]] static std::int64_t written_value(const slots_type& slots, const entry& e) {
    if (e.action == usage_action::set) return e.quantity;
    const auto it = slots.find(e.time);
    const std::int64_t before = it == slots.end() ? 0 : it->second.value;
    return add_or_throw(before, e.quantity, "usage record values at one timestamp");
  }

  [[nodiscard]] std::pair<state_type, std::size_t> fold(const slots_type& slots) const {
    state_type s = Formula::identity();
    std::size_t n = 0;
    for (const auto& [t, v] : slots) {
      if (!counts(t)) continue;
      Formula::accumulate(s, sample{t, v.arrival, v.value});
      ++n;
    }
    return {s, n};
  }

  [[nodiscard]] std::pair<state_type, std::size_t> state_of(const period_log& log, timestamp as_of) const {
    if (log.entries.empty() || log.entries.back().received_at <= as_of) {
      if constexpr (invertible_formula<Formula>) {
        return {log.live, log.live_count};
      } else {
        return fold(log.slots);
      }
    }
    slots_type replayed;
    for (const auto& e : log.entries) {
      if (e.received_at > as_of) break;
      replayed.insert_or_assign(e.time, value_slot{written_value(replayed, e), e.order});
    }
    return fold(replayed);
  }

  [[nodiscard]] std::pair<state_type, std::size_t> state_of(const period& p, timestamp as_of) const {
    const auto it = logs_.find(p);
    if (it == logs_.end()) return {Formula::identity(), 0};
    return state_of(it->second, as_of);
  }

  [[nodiscard]] static rejection out_of_period(const checked_usage_record& r, const std::string& why) {
    return rejection{error_code::usage_record_timestamp_out_of_period,
                     "Cannot create the usage record with timestamp " + message_time(r.time) +
                         ": timestamps must lie in the subscription item's current period and not in the "
                         "future; " +
                         why + ".",
                     "timestamp"};
  }

  /// Appends an accepted record. Computes everything that can fail before changing the values.
  void store(const checked_usage_record& r, const recorded_usage& placed) {
    METERKIT_ASSERT(!latest_ || !(std::pair{r.received_at, r.sequence} < *latest_),
                    "meterkit: usage records must be recorded in arrival order; " +
                        std::to_string(to_unix(r.received_at)) + " comes after " +
                        std::to_string(to_unix(latest_->first)));
    period_log& log = logs_.try_emplace(placed.billed_in).first->second;
    const entry e{placed.time, r.received_at, placed.quantity, placed.action, next_order_};
    if (!append(log, e)) detail::throw_overflow("addition", "usage record values at one timestamp");
    latest_ = std::pair{r.received_at, r.sequence};
    ++next_order_;
    ++size_;
  }

  /// Appends `e` to `log`. False, changing nothing, when an increment would leave the value at its
  /// timestamp out of the 64-bit range; a period total out of range raises `overflow_error`
  /// (through the formula) before anything changes.
  bool append(period_log& log, const entry& e) {
    const auto slot = log.slots.lower_bound(e.time);
    const bool exists = slot != log.slots.end() && slot->first == e.time;
    const std::optional<std::int64_t> written =
        e.action == usage_action::set ? e.quantity : checked_add(exists ? slot->second.value : 0, e.quantity);
    if (!written) return false;
    const std::int64_t value = *written;
    if constexpr (invertible_formula<Formula>) {
      if (counts(e.time)) {
        state_type live = log.live;
        if (exists) Formula::retract(live, sample{e.time, slot->second.arrival, slot->second.value});
        Formula::accumulate(live, sample{e.time, e.order, value});
        (void)Formula::result(live);  // the period's quantity must fit: overflow_error, nothing changed
        log.live = live;
        if (!exists) ++log.live_count;
      }
    }
    log.entries.push_back(e);
    if (exists) {
      slot->second = value_slot{value, e.order};
    } else {
      log.slots.emplace_hint(slot, e.time, value_slot{value, e.order});
    }
    return true;
  }

  Source source_;
  usage_record_book_options options_;
  bool trial_from_source_ = false;  ///< whether `options_.trial_end` is the source's (B18: it follows)
  Clock clock_;
  std::map<period, period_log> logs_;
  std::optional<std::pair<timestamp, std::uint64_t>> latest_;
  std::uint64_t next_order_ = 0;
  std::size_t size_ = 0;
};

namespace detail {
template <class F, class S, class C>
using usage_record_book_stand_in = std::conditional_t<
    period_source<S> || period_source<F>,
    usage_record_book<std::conditional_t<formula<F>, F, std::conditional_t<formula<S>, S, sum>>,
                      std::conditional_t<period_source<S>, S, F>,
                      std::conditional_t<finalization_clock<C>, C, finalized_after_delay>>,
    refused_usage_record_book>;
}  // namespace detail

/// A book whose arguments are refused: `detail::check_usage_record_book_policies` names the
/// mistake in one message, and the class stands in for the book that was meant where it can.
template <class Formula, class Source, class Clock>
class usage_record_book : public detail::usage_record_book_stand_in<Formula, Source, Clock> {
  static_assert(detail::check_usage_record_book_policies<Formula, Source, Clock>());

 public:
  using stand_in = detail::usage_record_book_stand_in<Formula, Source, Clock>;
  using stand_in::stand_in;
};

// ---------------------------------------------------------------------------------------------
// The runtime mode, dispatched once onto the compiled books.

/// A book whose `aggregate_usage` is known only at run time (a plan read from JSON). It holds one
/// of the four compiled books, chosen by `visit_aggregate_usage`; there is no second
/// implementation of the semantics.
template <class Source, class Clock = finalized_after_delay>
class any_usage_record_book {
 public:
  using variant_type =
      std::variant<usage_record_book<sum, Source, Clock>,
                   usage_record_book<last_during_period, Source, Clock>,
                   usage_record_book<last_ever, Source, Clock>, usage_record_book<peak, Source, Clock>>;

  any_usage_record_book(aggregate_usage mode, Source source, usage_record_book_options options = {},
                        Clock clock = {})
      : mode_(mode), book_(make(mode, std::move(source), std::move(options), std::move(clock))) {}

  [[nodiscard]] aggregate_usage mode() const noexcept { return mode_; }

  result<recorded_usage> record(const usage_record& r, const arrival_stamp& at) {
    return std::visit([&](auto& b) { return b.record(r, at); }, book_);
  }
  template <class OtherClock>
  result<recorded_usage> record(const usage_record& r, const arrival_stamp& at, const OtherClock& clock) {
    return std::visit([&](auto& b) { return b.record(r, at, clock); }, book_);
  }
  [[nodiscard]] std::int64_t quantity(const period& p, timestamp as_of) const {
    return std::visit([&](const auto& b) { return b.quantity(p, as_of); }, book_);
  }
  [[nodiscard]] std::int64_t quantity(const period& p) const {
    return std::visit([&](const auto& b) { return b.quantity(p); }, book_);
  }
  [[nodiscard]] std::vector<usage_record_summary> summaries(timestamp as_of) const {
    return std::visit([&](const auto& b) { return b.summaries(as_of); }, book_);
  }
  [[nodiscard]] std::size_t size() const noexcept {
    return std::visit([](const auto& b) { return b.size(); }, book_);
  }
  [[nodiscard]] std::optional<std::pair<timestamp, std::uint64_t>> last_arrival() const noexcept {
    return std::visit([](const auto& b) { return b.last_arrival(); }, book_);
  }
  [[nodiscard]] const Source& periods() const noexcept {
    return std::visit([](const auto& b) -> const Source& { return b.periods(); }, book_);
  }
  /// `usage_record_book::set_periods`.
  void set_periods(Source source) {
    std::visit([&](auto& b) { b.set_periods(std::move(source)); }, book_);
  }
  /// The compiled book itself.
  [[nodiscard]] const variant_type& compiled() const noexcept { return book_; }

  /// Writes the mode and the accepted records (see `usage_record_book::save`).
  void save(state_writer& out) const {
    out.u8(static_cast<std::uint8_t>(mode_));
    std::visit([&](const auto& b) { b.save(out); }, book_);
  }
  /// Replaces the records by those `save` wrote; `corrupt_state_error` when damaged or saved by a
  /// book of another mode.
  void load(state_reader& in) {
    in.require(in.u8() == static_cast<std::uint8_t>(mode_), "usage record book: saved with another mode");
    std::visit([&](auto& b) { b.load(in); }, book_);
  }

 private:
  static variant_type make(aggregate_usage mode, Source source, usage_record_book_options options,
                           Clock clock) {
    return visit_aggregate_usage(mode, [&](auto tag) -> variant_type {
      using F = typename decltype(tag)::type;
      return variant_type{std::in_place_type<usage_record_book<F, Source, Clock>>, std::move(source),
                          std::move(options), std::move(clock)};
    });
  }

  aggregate_usage mode_;
  variant_type book_;
};

}  // namespace meterkit
