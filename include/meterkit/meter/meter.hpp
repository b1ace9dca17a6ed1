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
/// by customer or by time) and can be written and read back (`save`/`load`: a versioned text
/// format naming the policies, with a checksum, checked on load; damage raises
/// `corrupt_state_error`, declared with the shared byte encoding in detail/binary_io.hpp).

#include <algorithm>
#include <cstdint>
#include <istream>
#include <ostream>
#include <span>
#include <sstream>
#include <stdexcept>
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
#include <meterkit/core/time.hpp>
#include <meterkit/detail/binary_io.hpp>
#include <meterkit/ingestion/event_record.hpp>
#include <meterkit/ingestion/ingestion.hpp>
#include <meterkit/ingestion/pre_aggregated.hpp>
#include <meterkit/ingestion/raw.hpp>
#include <meterkit/meter/customer_state.hpp>
#include <meterkit/meter/customers.hpp>
#include <meterkit/meter/event_summary.hpp>

namespace meterkit {

/// History policy: keep every record (cancellations, out-of-order arrival, `as_of`).
struct keep_history {};
/// History policy: keep only the running state (no cancellations, no `as_of`).
struct running_state_only {};

namespace detail {

template <class F>
constexpr std::string_view formula_name() {
  if constexpr (std::is_same_v<F, sum>) return "sum";
  if constexpr (std::is_same_v<F, count>) return "count";
  if constexpr (std::is_same_v<F, last_value>) return "last_value";
  if constexpr (std::is_same_v<F, peak>) return "peak";
  if constexpr (std::is_same_v<F, last_during_period>) return "last_during_period";
  if constexpr (std::is_same_v<F, last_ever>) return "last_ever";
  return "custom";
}

template <class I>
std::string ingestion_name() {
  if constexpr (I::is_pre_aggregated) {
    return "pre_aggregated/" + std::to_string(seconds{I::window::length}.count()) + "/" +
           std::to_string(to_unix(I::window::floor(from_unix(0))));
  } else {
    return "raw";
  }
}

[[noreturn]] inline void corrupt(const std::string& why) {
  METERKIT_THROW(corrupt_state_error("meterkit: cannot load meter state: " + why));
}

}  // namespace detail

/// See the file comment. `Customers` is `string_customer_ids` (default) or `dense_customers`.
template <class Formula, class Ingestion = raw, class Customers = string_customer_ids,
          class History = keep_history>
class meter {
  static_assert(detail::check_formula<Formula>());
  static_assert(detail::check_ingestion<Ingestion>());
  static_assert(customer_policy<Customers>,
                "meterkit: meter<..., Customers> needs a customer policy such as string_customer_ids or "
                "dense_customers (see meter/customers.hpp)");
  static_assert(std::is_same_v<History, keep_history> || std::is_same_v<History, running_state_only>,
                "meterkit: meter<..., History> is keep_history or running_state_only (see meter/meter.hpp)");

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

  /// The format version written by `save` and required by `load`.
  static constexpr int state_version = 1;

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
  }

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
      requires(keeps_history || Ingestion::is_pre_aggregated) {
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
    return slot(customer).assign(std::move(records));
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
  }

  /// Writes the state: a versioned text format naming the policies, with a checksum.
  void save(std::ostream& out) const {
    std::ostringstream body;
    body << "formula " << detail::formula_name<Formula>() << "\ningestion "
         << detail::ingestion_name<Ingestion>() << "\nhistory "
         << (keeps_history ? "keep_history" : "running_state_only") << "\ncustomers " << customers_.size()
         << '\n';
    for (std::size_t i = 0; i < customers_.size(); ++i) {
      body << "customer ";
      write_key(body, customers_.key_of(i));
      const auto& c = states_[i];
      if constexpr (keeps_history) {
        const auto rs = c.records();
        body << ' ' << rs.size() << '\n';
        for (const auto& r : rs) write_record(body, r);
      } else if constexpr (Ingestion::is_pre_aggregated) {
        body << ' ' << c.survivors().size() << '\n';
        for (const auto& x : c.survivors())
          write_record(body, event_record{x.time, x.time, x.arrival, x.value, never});
      } else {
        body << " 0\n";
        write_state(body, c.state());
      }
    }
    const std::string text = body.str();
    out << "meterkit-meter-state " << state_version << '\n'
        << text << "checksum " << detail::fnv1a(text) << '\n';
  }

  /// Reads a state written by `save` of the same meter type. Throws `corrupt_state_error` on a
  /// wrong version, other policies, or any damage.
  [[nodiscard]] static meter load(std::istream& in) {
    std::string magic;
    int version = 0;
    if (!(in >> magic) || magic != "meterkit-meter-state") detail::corrupt("not a meterkit meter state");
    if (!(in >> version)) detail::corrupt("no version");
    if (version != state_version) {
      detail::corrupt("version " + std::to_string(version) + " (this build reads version " +
                      std::to_string(state_version) + ")");
    }
    in.get();
    std::string text, line;
    bool checked = false;
    while (std::getline(in, line)) {
      if (line.rfind("checksum ", 0) == 0) {
        if (line.substr(9) != std::to_string(detail::fnv1a(text))) detail::corrupt("checksum mismatch");
        checked = true;
        break;
      }
      text += line;
      text += '\n';
    }
    if (!checked) detail::corrupt("truncated (no checksum)");
    std::istringstream body(text);
    expect_field(body, "formula", std::string(detail::formula_name<Formula>()));
    expect_field(body, "ingestion", detail::ingestion_name<Ingestion>());
    expect_field(body, "history", keeps_history ? "keep_history" : "running_state_only");
    std::size_t n = 0;
    std::string word;
    if (!(body >> word >> n) || word != "customers") detail::corrupt("expected the customer count");
    meter m;
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t count_of_records = 0;
      if (!(body >> word) || word != "customer") detail::corrupt("expected a customer");
      const auto key = read_key(body);
      if (!(body >> count_of_records)) detail::corrupt("expected a record count");
      auto& c = m.slot(key);
      std::vector<event_record> rs;
      for (std::size_t k = 0; k < count_of_records; ++k) rs.push_back(read_record(body));
      if constexpr (keeps_history) {
        if (!c.assign(std::move(rs))) detail::corrupt("records out of order");
      } else if constexpr (Ingestion::is_pre_aggregated) {
        for (const auto& r : rs) c.add(r);
      } else {
        c.set_state(read_state(body));
      }
    }
    if (body >> word) detail::corrupt("unexpected data after the last customer");
    return m;
  }

 private:
  customer_state& slot(key_type customer) {
    const std::size_t s = customers_.find_or_add(customer);
    if (s >= states_.size()) states_.resize(s + 1);
    return states_[s];
  }

  template <class Key>
  static void write_key(std::ostream& out, const Key& k) {
    if constexpr (std::is_integral_v<Key>) {
      out << k;
    } else {
      out << k.size() << ':' << k;
    }
  }
  static auto read_key(std::istream& in) {
    if constexpr (std::is_integral_v<key_type>) {
      key_type k{};
      if (!(in >> k)) detail::corrupt("malformed customer");
      return k;
    } else {
      std::size_t len = 0;
      char colon = 0;
      if (!(in >> len >> colon) || colon != ':' || len > (std::size_t{1} << 20))
        detail::corrupt("malformed customer");
      std::string k(len, '\0');
      if (!in.read(k.data(), static_cast<std::streamsize>(len))) detail::corrupt("truncated customer");
      return k;
    }
  }
  static void write_record(std::ostream& out, const event_record& r) {
    out << to_unix(r.time) << ' ' << to_unix(r.received_at) << ' ' << r.arrival << ' ' << r.value << ' ';
    if (r.cancelled()) {
      out << to_unix(r.cancelled_at);
    } else {
      out << '-';
    }
    out << '\n';
  }
  static event_record read_record(std::istream& in) {
    std::int64_t t = 0, rec = 0, v = 0;
    std::uint64_t a = 0;
    std::string cancel;
    if (!(in >> t >> rec >> a >> v >> cancel)) detail::corrupt("malformed record");
    event_record r{from_unix(t), from_unix(rec), a, v, never};
    if (cancel != "-") {
      std::int64_t x = 0;
      std::istringstream cs(cancel);
      if (!(cs >> x) || cs.peek() != std::char_traits<char>::eof())
        detail::corrupt("malformed cancellation time");
      r.cancelled_at = from_unix(x);
    }
    return r;
  }
  static void write_state(std::ostream& out, const state_type& s) {
    if constexpr (std::is_same_v<state_type, int128>) {
      // Two 64-bit halves: streams have no 128-bit integers.
      const auto bits = static_cast<uint128>(s);
      out << "state " << static_cast<std::uint64_t>(bits >> 64U) << ' ' << static_cast<std::uint64_t>(bits)
          << '\n';
    } else if constexpr (std::is_integral_v<state_type>) {
      out << "state " << s << '\n';
    } else if constexpr (std::is_same_v<state_type, peak_state>) {
      out << "state " << s.present << ' ' << s.value << '\n';
    } else if constexpr (std::is_same_v<state_type, latest_sample_state>) {
      out << "state " << s.present << ' ' << to_unix(s.time) << ' ' << s.arrival << ' ' << s.value << '\n';
    } else {
      static_assert(std::is_integral_v<state_type>,
                    "meterkit: save() does not know this formula's state_type");
    }
  }
  static state_type read_state(std::istream& in) {
    std::string word;
    if (!(in >> word) || word != "state") detail::corrupt("expected a state");
    state_type s{};
    bool ok = false;
    if constexpr (std::is_same_v<state_type, int128>) {
      std::uint64_t high = 0, low = 0;
      ok = static_cast<bool>(in >> high >> low);
      s = static_cast<int128>((static_cast<uint128>(high) << 64U) | low);
    } else if constexpr (std::is_integral_v<state_type>) {
      ok = static_cast<bool>(in >> s);
    } else if constexpr (std::is_same_v<state_type, peak_state>) {
      ok = static_cast<bool>(in >> s.present >> s.value);
    } else if constexpr (std::is_same_v<state_type, latest_sample_state>) {
      std::int64_t t = 0;
      ok = static_cast<bool>(in >> s.present >> t >> s.arrival >> s.value);
      s.time = from_unix(t);
    }
    if (!ok) detail::corrupt("malformed state");
    return s;
  }
  static void expect_field(std::istream& in, const char* name, const std::string& want) {
    std::string word, value;
    if (!(in >> word >> value) || word != name) detail::corrupt(std::string("expected ") + name);
    if (value != want) detail::corrupt(std::string(name) + " is " + value + ", this meter has " + want);
  }

  typename Customers::index customers_;
  std::vector<customer_state> states_;
};

}  // namespace meterkit
