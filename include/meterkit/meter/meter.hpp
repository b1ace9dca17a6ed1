// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `meter<Formula, Ingestion, Customers, History>`: the per-customer state of one meter, fed
/// accepted operations that carry event time and arrival time, answering the bitemporal
/// `quantity(customer, [start, end), as_of)` of SPEC "The model" (M7-M12) and event summaries
/// (M13).
///
/// One semantics, two speeds (DESIGN.md "One semantics, many speeds"):
/// - `keep_history` (default), the general path: every record is kept, so cancellations (M10),
///   out-of-order arrival and `as_of` queries (M11) work; the ingestion policy's `fold` is the one
///   definition of what counts. A running state answers queries that cover everything in O(1)
///   (see meter/customer_state.hpp); tests prove it equals the fold.
/// - `running_state_only`: just the running state, for embedded metering at full speed (8 bytes
///   per customer for `sum`/`count` with `raw`). No cancellations and no `as_of`.
///
/// States merge (`merge`: the state of the union of two disjoint operation streams, for sharding
/// by customer or by time) and can be written and read back (`save`/`load`) with the codec of
/// core/persistence.hpp; damage, another version or other policies raise `corrupt_state_error`.
///
/// Saved state, format version 5 (1 was a text format). On a stream, a frame of
/// core/persistence.hpp (magic `\x89MKMTR\r\n`, version, length, checksum) around the body that
/// `save(state_writer&)` writes for embedding in larger states:
///
// clang-format off
/// | field | encoding |
/// | --- | --- |
/// | formula | `str`: `Formula::name` (`sum`, `count`, `last_value`, ...) |
/// | ingestion | `str`: `Ingestion::name` (`raw`, `pre_aggregated<utc_hour>`, ...) |
/// | history | `str`: `keep_history` or `running_state_only` |
/// | customers | `str`: `Customers::name` (`string_customer_ids` or `dense_customers`) |
/// | arrivals | `u64` the arrival `add_next` gives next, a flag: arrival 2^64 - 1 was seen |
/// | customer count | `u64`, then per customer in slot order: |
/// | key | `str` (string ids) or `u64` (dense, equal to the slot) |
/// | `keep_history` | `u64` record count, then per record sorted by (time, arrival): `i64` time, `i64` received_at, `u64` arrival, `i64` value, a flag and, if set, `i64` cancelled_at (unix seconds); then the settled segments: `u64` count, per segment `i64` start, `i64` end and the formula's state, then `i64` settled_through |
/// | `running_state_only` | the ingestion's running state (`raw`: `Formula::save_state`; `pre_aggregated`: the window survivors) |
// clang-format on
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <istream>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <meterkit/aggregation/count.hpp>
#include <meterkit/aggregation/formula.hpp>
#include <meterkit/aggregation/last_during_period.hpp>
#include <meterkit/aggregation/last_ever.hpp>
#include <meterkit/aggregation/last_value.hpp>
#include <meterkit/aggregation/peak.hpp>
#include <meterkit/aggregation/sum.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/calendar/window.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/diagnostics.hpp>
#include <meterkit/ingestion/event_record.hpp>
#include <meterkit/ingestion/ingestion.hpp>
#include <meterkit/ingestion/pre_aggregated.hpp>
#include <meterkit/ingestion/raw.hpp>
#include <meterkit/meter/customer_state.hpp>
#include <meterkit/meter/customers.hpp>
#include <meterkit/meter/event_summary.hpp>

namespace meterkit {

/// History policy: keep every record (cancellations, out-of-order arrival, `as_of`).
struct keep_history {
  static constexpr std::string_view name = "keep_history";
};
/// History policy: keep only the running state (no cancellations, no `as_of`).
struct running_state_only {
  static constexpr std::string_view name = "running_state_only";
};

/// `H` is a history policy: `keep_history` or `running_state_only`.
template <class H>
concept history_policy = std::same_as<H, keep_history> || std::same_as<H, running_state_only>;

/// Everything `meter<Formula, Ingestion, Customers, History>` needs of its arguments.
template <class Formula, class Ingestion, class Customers, class History>
concept meter_policies =
    formula<Formula> && ingestion_policy<Ingestion> && customer_policy<Customers> && history_policy<History>;

namespace detail {
/// Reports the first mistake in refused meter arguments as one `static_assert` that names its
/// fix: the usual mistakes (swapped arguments, a window where an ingestion policy goes, a type
/// that is no formula at all) before the requirement-by-requirement checks of a policy of one's
/// own. Returns true, so that the caller's `static_assert` adds no second message.
template <class F, class I, class C, class H>
consteval bool check_meter_policies() {
  if constexpr (ingestion_policy<F> && formula<I>) {
    static_assert(refused<F, I>,
                  "meterkit: meter<Formula, Ingestion>: the arguments are swapped, the formula comes first: "
                  "write meter<sum, raw> or meter<last_value, pre_aggregated<utc_hour>>, not meter<raw, "
                  "sum> (see meter/meter.hpp)");
  } else if constexpr (ingestion_policy<F>) {
    static_assert(refused<F, I>,
                  "meterkit: meter<Formula, Ingestion>: the first argument is an ingestion policy, but a "
                  "meter takes its formula first: write meter<sum, raw> or meter<sum, "
                  "pre_aggregated<utc_hour>> (see meter/meter.hpp)");
  } else if constexpr (time_window<F>) {
    static_assert(refused<F, I>,
                  "meterkit: meter<Formula, Ingestion>: the first argument is a time window, not a formula; "
                  "a window goes into the ingestion policy, the second argument: write meter<last_value, "
                  "pre_aggregated<utc_hour>> (see meter/meter.hpp)");
  } else if constexpr (!formula<F> && !formula_attempt<F>) {
    static_assert(refused<F, I>,
                  "meterkit: meter<Formula, Ingestion>: the first argument is not a formula; use sum, count "
                  "or last_value (Stripe's meters), or last_during_period, last_ever or peak (legacy "
                  "usage records), or a type of your own that meets the concept `formula` (see "
                  "aggregation/formula.hpp)");
  } else if constexpr (!formula<F>) {
    static_assert(check_formula<F>());
  } else if constexpr (formula<I>) {
    static_assert(refused<F, I>,
                  "meterkit: meter<Formula, Ingestion>: the second argument is a formula, but a meter takes "
                  "one formula, then an ingestion policy: write meter<sum, raw> or meter<sum, "
                  "pre_aggregated<utc_hour>> (see meter/meter.hpp)");
  } else if constexpr (time_window<I>) {
    static_assert(refused<F, I>,
                  "meterkit: meter<Formula, Ingestion>: the second argument is a time window, not an "
                  "ingestion policy; to keep the latest arrival per window (SPEC M8) use "
                  "pre_aggregated<utc_hour> or pre_aggregated<utc_day> (pre_aggregated<W> for a window W of "
                  "your own): write meter<last_value, pre_aggregated<utc_hour>> (see "
                  "ingestion/pre_aggregated.hpp)");
  } else if constexpr (!ingestion_policy<I>) {
    static_assert(check_ingestion<I>());
  } else if constexpr (!customer_policy<C>) {
    static_assert(requirement_met<customer_policy<C>>,
                  "meterkit: meter<..., Customers> needs a customer policy such as string_customer_ids or "
                  "dense_customers (see meter/customers.hpp)");
  } else {
    static_assert(
        requirement_met<history_policy<H>>,
        "meterkit: meter<..., History> is keep_history or running_state_only (see meter/meter.hpp)");
  }
  return true;
}

/// What a meter with refused arguments stands in for, so that the refusal is the only message:
/// the meter that was meant where that is clear (swapped arguments, a bare window), else
/// `meter<sum, raw>` with the arguments that are fine.
template <class F, class I>
using meter_stand_in_formula = std::conditional_t<formula<F>, F, std::conditional_t<formula<I>, I, sum>>;
template <class F, class I>
using meter_stand_in_ingestion = std::conditional_t<
    ingestion_policy<I>, I,
    std::conditional_t<ingestion_policy<F>, F, std::conditional_t<time_window<I>, pre_aggregated<I>, raw>>>;
}  // namespace detail

template <class Formula, class Ingestion = raw, class Customers = string_customer_ids,
          class History = keep_history>
class meter;

/// See the file comment. `Customers` is `string_customer_ids` (default) or `dense_customers`.
template <class Formula, class Ingestion, class Customers, class History>
requires meter_policies<Formula, Ingestion, Customers, History>
class meter<Formula, Ingestion, Customers, History> {
 public:
  using formula_type = Formula;
  using ingestion_type = Ingestion;
  using customer_policy_type = Customers;
  using history_type = History;
  using key_type = typename Customers::key_type;
  using state_type = typename Formula::state_type;
  static constexpr bool keeps_history = std::is_same_v<History, keep_history>;
  using customer_state = std::conditional_t<keeps_history, customer_history<Formula, Ingestion>,
                                            customer_running_state<Formula, Ingestion>>;

  /// The format version written by `save` and required by `load` (1 was a text format; 3 added
  /// the settled segments of each customer, 4 the arrival `add_next` gives next; 5 the frame's
  /// CRC-32C checksum, a u32, in place of FNV-1a 64).
  static constexpr std::uint32_t state_version = 5;
  /// The magic that opens a saved meter state.
  static constexpr std::string_view state_magic{"\x89MKMTR\r\n", 8};

  // ------------------------------------------------------------------------------------------
  // Feeding

  /// Records one accepted event of `customer`. `(r.time, r.arrival)` must be new for the
  /// customer (arrival is the position in arrival order). With `keep_history` a record may come
  /// already cancelled (`r.cancelled_at != never`) and in any arrival order.
  void add(key_type customer, const event_record& r) {
    if constexpr (!keeps_history) {
      METERKIT_ASSERT(!r.cancelled(), "meterkit: a running_state_only meter cannot take cancelled records");
    }
    slot(customer).add(r);
    note_arrival(r.arrival);
  }

  /// Records one accepted event that arrives after everything this meter holds, numbering it
  /// itself: its `arrival` is one more than the greatest this meter has seen (0 for the first).
  /// `received_at` defaults to `time`. Returns the record as kept: its `(time, arrival)` is what a
  /// later `cancel` names.
  event_record add_next(key_type customer, timestamp time, std::int64_t value,
                        std::optional<timestamp> received_at = std::nullopt) {
    METERKIT_ASSERT(!arrivals_exhausted_, "meterkit: meter::add_next after arrival 2^64 - 1 was seen");
    const event_record r{time, received_at.value_or(time), next_arrival_, value, never};
    add(customer, r);
    return r;
  }

  /// The arrival `add_next` gives the next event: one more than the greatest arrival this meter
  /// has seen (fed, assigned, merged or loaded), 0 when it has seen none. An arrival of
  /// UINT64_MAX leaves no number: `add_next` is then a broken precondition.
  [[nodiscard]] std::uint64_t next_arrival() const noexcept { return next_arrival_; }

  /// Records one accepted event: `x` (event time, arrival position, value) arrived at `received_at`.
  void add(key_type customer, const sample& x, timestamp received_at) {
    add(customer, event_record{x.time, received_at, x.arrival, x.value, never});
  }

  /// Cancels the event of `customer` with event time `time` and arrival `arrival` as of
  /// `cancelled_at` (M10). False when there is no such event or it is already cancelled.
  bool cancel(key_type customer, timestamp time, std::uint64_t arrival,
              timestamp cancelled_at) requires keeps_history {
    const auto s = customers_.find(customer);
    return s && states_[*s].cancel(time, arrival, cancelled_at);
  }

  // ------------------------------------------------------------------------------------------
  // Queries

  /// The formula's state over the events of `customer` that count for `p` as of `as_of`.
  [[nodiscard]] state_type state(key_type customer, period p, timestamp as_of) const requires keeps_history {
    const auto s = customers_.find(customer);
    return s ? states_[*s].state(p, as_of) : Formula::identity();
  }

  /// `quantity(customer, [start, end), as_of)` (SPEC "The model"): 0 without events; not clamped.
  [[nodiscard]] std::int64_t quantity(key_type customer, period p,
                                      timestamp as_of) const requires keeps_history {
    return Formula::result(state(customer, p, as_of));
  }

  /// The same quantity by the general path only (never the running state): for tests and audits.
  [[nodiscard]] std::int64_t quantity_by_fold(key_type customer, period p,
                                              timestamp as_of) const requires keeps_history {
    const auto s = customers_.find(customer);
    return s ? Formula::result(states_[*s].state_by_fold(p, as_of)) : 0;
  }

  /// The quantity over `p` as of everything fed so far. (A `running_state_only` raw meter keeps
  /// only its total: use `total()`.)
  [[nodiscard]] std::int64_t quantity(key_type customer, period p) const
      requires(keeps_history || requires(const customer_state& c, period q) { c.state(q); }) {
    const auto s = customers_.find(customer);
    if (!s) return 0;
    if constexpr (keeps_history) {
      return Formula::result(states_[*s].state(p, end_of_time));
    } else {
      return Formula::result(states_[*s].state(p));
    }
  }

  /// The quantity over all time as of everything fed so far.
  [[nodiscard]] std::int64_t total(key_type customer) const {
    const auto s = customers_.find(customer);
    if (!s) return 0;
    if constexpr (keeps_history) {
      return Formula::result(states_[*s].state(all_time, end_of_time));
    } else {
      return Formula::result(states_[*s].state());
    }
  }

  /// Event summaries of `customer` over `p` grouped by `grouping`, as of `as_of` (M13): one value
  /// per window in time order, or the alignment error.
  [[nodiscard]] result<std::vector<event_summary>> summaries(key_type customer, period p,
                                                             window_kind grouping,
                                                             timestamp as_of) const requires keeps_history {
    if (auto why = check_summary_bounds(p, grouping)) return *why;
    std::vector<event_summary> out;
    for (const period& w : summary_windows(p, grouping)) {
      out.push_back(event_summary{w, quantity(customer, w, as_of)});
    }
    return out;
  }

  /// Every record of `customer`, sorted by event time then arrival (a copy; empty for an unknown one).
  [[nodiscard]] std::vector<event_record> records(key_type customer) const requires keeps_history {
    const auto s = customers_.find(customer);
    if (!s) return {};
    return states_[*s].records();
  }

  /// Number of customer slots.
  [[nodiscard]] std::size_t customer_count() const noexcept { return customers_.size(); }
  /// The customer of slot `i`.
  [[nodiscard]] decltype(auto) customer_at(std::size_t i) const { return customers_.key_of(i); }
  /// The state of slot `i` (for tests, audits and custom queries).
  [[nodiscard]] const customer_state& state_at(std::size_t i) const { return states_[i]; }

  /// Replaces the records of `customer` by `records` (in any order; cancelled ones carry their
  /// `cancelled_at`), as `load` does. Queries then answer as if the same records had been fed by
  /// `add` and `cancel`: the state is a function of the records alone. False, changing nothing,
  /// when two records share `(time, arrival)`.
  bool assign(key_type customer, std::vector<event_record> records) requires keeps_history {
    std::sort(records.begin(), records.end(), record_before);
    for (std::size_t k = 1; k < records.size(); ++k) {
      if (!record_before(records[k - 1], records[k])) return false;
    }
    for (const auto& r : records) note_arrival(r.arrival);
    return slot(customer).assign(std::move(records));
  }

  /// Whether `settle` can fold records into settled segments (`customer_history::can_settle`).
  static constexpr bool can_settle = [] {
    if constexpr (keeps_history) {
      return customer_history<Formula, Ingestion>::can_settle;
    } else {
      return false;
    }
  }();

  /// Takes the records of `customer` that `orders` name out of its history: forgotten, or folded
  /// into settled segments (`customer_history::settle`, whose preconditions every later query
  /// must then meet). Returns how many were taken out.
  std::size_t settle(key_type customer, std::span<const record_settlement> orders) requires keeps_history {
    if (orders.empty()) return 0;
    return slot(customer).settle(orders);
  }

  /// Takes one record of `customer` straight into its settled state (`customer_history::
  /// settle_arrival`): forgotten when `into` is empty, else folded into that settled segment.
  void settle_arrival(key_type customer, const event_record& r, period into) requires keeps_history {
    slot(customer).settle_arrival(r, into);
    note_arrival(r.arrival);
  }

  /// Reads the settled segments of `customer` written by `customer_history::save_settled`,
  /// replacing its own (`corrupt_state_error` when damaged).
  void load_settled(key_type customer, state_reader& in) requires keeps_history {
    slot(customer).load_settled(in);
  }

  /// Reserves room for `n` customer slots.
  void reserve_customers(std::size_t n) { states_.reserve(n); }

  // ------------------------------------------------------------------------------------------
  // Merge, save, load

  /// Adds every operation of `other`, disjoint from this meter's (no shared arrival within a
  /// customer), so that this meter holds the state of the union of both streams.
  void merge(const meter& other) {
    for (std::size_t i = 0; i < other.customers_.size(); ++i)
      slot(other.customers_.key_of(i)).merge(other.states_[i]);
    next_arrival_ = std::max(next_arrival_, other.next_arrival_);
    arrivals_exhausted_ = arrivals_exhausted_ || other.arrivals_exhausted_;
  }

  /// Writes the state as a frame of core/persistence.hpp (magic `state_magic`, `state_version`,
  /// the body of `save(state_writer&)`, a checksum). A failed write shows in the state of `out`.
  void save(std::ostream& out) const {
    state_writer body;
    save(body);
    write_state_frame(out, state_magic, state_version, body.bytes());
  }

  /// Reads a state written by `save(std::ostream&)` of the same meter type. Throws
  /// `corrupt_state_error` on another kind of data, a wrong version, other policies, or any damage.
  [[nodiscard]] static meter load(std::istream& in) {
    const std::string body = read_state_frame(in, state_magic, state_version, state_what);
    state_reader r(body, std::string(state_what));
    meter m = load(r);
    r.expect_end();
    return m;
  }

  /// Writes the body of the state (see the file comment), for embedding in a larger saved state.
  void save(state_writer& out) const {
    out.str(Formula::name);
    out.str(Ingestion::name);
    out.str(History::name);
    out.str(Customers::name);
    out.u64(next_arrival_);
    out.boolean(arrivals_exhausted_);
    out.size(customers_.size());
    for (std::size_t i = 0; i < customers_.size(); ++i) {
      if constexpr (std::is_integral_v<key_type>) {
        out.u64(static_cast<std::uint64_t>(customers_.key_of(i)));
      } else {
        out.str(customers_.key_of(i));
      }
      const auto& c = states_[i];
      if constexpr (keeps_history) {
        const auto rs = c.records();
        out.size(rs.size());
        for (const auto& r : rs) save_record(out, r);
        c.save_settled(out);
      } else {
        c.save(out);
      }
    }
  }

  /// Reads a body written by `save(state_writer&)` of the same meter type; `corrupt_state_error`
  /// when it names other policies or is damaged.
  [[nodiscard]] static meter load(state_reader& in) {
    expect_name(in, "formula", Formula::name);
    expect_name(in, "ingestion", Ingestion::name);
    expect_name(in, "history", History::name);
    expect_name(in, "customers", Customers::name);
    meter m;
    m.next_arrival_ = in.u64();
    m.arrivals_exhausted_ = in.boolean();
    const std::size_t n = in.count(1);
    m.states_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t slot = 0;
      if constexpr (std::is_integral_v<key_type>) {
        const std::uint64_t key = in.u64();
        in.require(key == i, "the customers are not numbered in order");
        slot = m.customers_.find_or_add(static_cast<key_type>(key));
      } else {
        const std::string key = in.str();
        slot = m.customers_.find_or_add(key);
      }
      in.require(slot == i, "a customer appears twice");
      m.states_.emplace_back();
      auto& c = m.states_.back();
      if constexpr (keeps_history) {
        std::vector<event_record> rs(in.count(record_bytes));
        for (auto& r : rs) {
          r = load_record(in);
          in.require(m.arrivals_exhausted_ || r.arrival < m.next_arrival_,
                     "a record's arrival is not below the meter's next arrival");
        }
        in.require(c.assign(std::move(rs)), "records out of order or repeated");
        c.load_settled(in);
      } else {
        c.load(in);
      }
    }
    return m;
  }

 private:
  static constexpr std::string_view state_what = "meter state";
  /// The bytes of one saved record, at least.
  static constexpr std::size_t record_bytes = 8 + 8 + 8 + 8 + 1;

  customer_state& slot(key_type customer) {
    if constexpr (std::is_same_v<Customers, dense_customers>) {
      // Dense keys are slots, and the index and the states always have the same size: a known
      // customer needs one compare.
      if (customer < states_.size()) return states_[customer];
    }
    const std::size_t s = customers_.find_or_add(customer);
    if (s >= states_.size()) states_.resize(s + 1);
    return states_[s];
  }

  /// Times as signed unix seconds (`i64`, any value a meter holds); the cancellation as a flag and
  /// its time.
  static void save_record(state_writer& out, const event_record& r) {
    out.i64(to_unix(r.time));
    out.i64(to_unix(r.received_at));
    out.u64(r.arrival);
    out.i64(r.value);
    out.boolean(r.cancelled());
    if (r.cancelled()) out.i64(to_unix(r.cancelled_at));
  }
  static event_record load_record(state_reader& in) {
    event_record r;
    r.time = from_unix(in.i64());
    r.received_at = from_unix(in.i64());
    r.arrival = in.u64();
    r.value = in.i64();
    if (in.boolean()) {
      r.cancelled_at = from_unix(in.i64());
      in.require(r.cancelled(), "a cancellation at the end of time");
    }
    return r;
  }
  static void expect_name(state_reader& in, std::string_view field, std::string_view want) {
    const std::string saved = in.str();
    if (saved != want) {
      in.fail(std::string(field) + " is " + saved + ", this meter has " + std::string(want));
    }
  }

  void note_arrival(std::uint64_t arrival) noexcept {
    if (arrival == UINT64_MAX) {
      arrivals_exhausted_ = true;  // no number is left for add_next
    } else {
      next_arrival_ = std::max(next_arrival_, arrival + 1);
    }
  }

  typename Customers::index customers_;
  std::vector<customer_state> states_;
  std::uint64_t next_arrival_ = 0;
  bool arrivals_exhausted_ = false;  ///< arrival UINT64_MAX was seen
};

/// A meter whose arguments are refused: `detail::check_meter_policies` names the mistake and its
/// fix in one message. The class stands in for the meter that was meant (see
/// `detail::meter_stand_in_formula`), so that the code using it adds no errors of its own.
template <class Formula, class Ingestion, class Customers, class History>
class meter : public meter<detail::meter_stand_in_formula<Formula, Ingestion>,
                           detail::meter_stand_in_ingestion<Formula, Ingestion>,
                           std::conditional_t<customer_policy<Customers>, Customers, string_customer_ids>,
                           std::conditional_t<history_policy<History>, History, keep_history>> {
  static_assert(detail::check_meter_policies<Formula, Ingestion, Customers, History>());
};

}  // namespace meterkit
