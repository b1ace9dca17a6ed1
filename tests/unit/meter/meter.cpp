// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/meter/meter.hpp>

#include "reference_model.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace mk = meterkit;

namespace {

constexpr std::int64_t t0 = 1735689600;

using op = mk::reference::meter_op;

/// A random stream: few customers, timestamps over a few hours (so windows hold several events),
/// received_at increasing with arrival, some events cancelled later.
std::vector<op> random_stream(std::mt19937_64& rng, std::size_t customers, std::size_t n, bool with_cancels,
                              std::int64_t spread = 5 * 3600) {
  std::vector<op> out;
  std::uniform_int_distribution<std::int64_t> ts(0, spread);
  std::uniform_int_distribution<std::int64_t> value(-50, 100);
  std::int64_t received = t0;
  for (std::size_t i = 0; i < n; ++i) {
    received += static_cast<std::int64_t>(rng() % 400);
    op o;
    o.customer = rng() % customers;
    o.record.time = mk::from_unix(t0 + ts(rng) - (rng() % 4 == 0 ? 7200 : 0));
    o.record.received_at = mk::from_unix(received);
    o.record.arrival = i + 1;
    o.record.value = value(rng);
    if (with_cancels && rng() % 4 == 0)
      o.record.cancelled_at = mk::from_unix(received + 1 + static_cast<std::int64_t>(rng() % 3000));
    out.push_back(o);
  }
  return out;
}

template <class M>
auto key_of(std::size_t c) {
  if constexpr (std::is_same_v<typename M::key_type, std::size_t>) {
    return c;
  } else {
    static const std::vector<std::string> names{"cus_a", "cus_b", "cus_c", "cus_d",
                                                "cus_e", "cus_f", "cus_g"};
    return std::string_view(names[c]);
  }
}

/// Feeds `ops` in a shuffled order; cancellations come as separate `cancel` calls after the add,
/// or already inside the record, at random.
template <class M>
void feed_shuffled(M& m, const std::vector<op>& ops, std::mt19937_64& rng) {
  std::vector<std::size_t> order(ops.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<std::size_t> later;
  for (std::size_t i : order) {
    const auto& o = ops[i];
    if (o.record.cancelled() && rng() % 2 == 0) {
      auto r = o.record;
      r.cancelled_at = mk::never;
      m.add(key_of<M>(o.customer), r);
      later.push_back(i);
    } else {
      m.add(key_of<M>(o.customer), o.record);
    }
    if (!later.empty() && rng() % 3 == 0) {
      const auto& c = ops[later.back()];
      BOOST_TEST(m.cancel(key_of<M>(c.customer), c.record.time, c.record.arrival, c.record.cancelled_at));
      later.pop_back();
    }
  }
  for (std::size_t i : later) {
    const auto& c = ops[i];
    BOOST_TEST(m.cancel(key_of<M>(c.customer), c.record.time, c.record.arrival, c.record.cancelled_at));
  }
}

template <class M>
void feed_in_order(M& m, const std::vector<op>& ops) {
  for (const auto& o : ops) m.add(key_of<M>(o.customer), o.record);
}

mk::period random_period(std::mt19937_64& rng) {
  if (rng() % 5 == 0) return mk::all_time;
  const std::int64_t a = t0 - 7200 + static_cast<std::int64_t>(rng() % (8 * 3600));
  const std::int64_t b = a + static_cast<std::int64_t>(rng() % (6 * 3600));
  return {mk::from_unix(a), mk::from_unix(b)};
}

mk::timestamp random_as_of(std::mt19937_64& rng, const std::vector<op>& ops) {
  if (rng() % 4 == 0 || ops.empty()) return mk::end_of_time;
  const auto& o = ops[rng() % ops.size()];
  return o.record.received_at + mk::seconds{static_cast<std::int64_t>(rng() % 600) - 300};
}

template <class F, class I, class C = mk::string_customer_ids>
using general = mk::meter<F, I, C, mk::keep_history>;
template <class F, class I, class C = mk::dense_customers>
using fast = mk::meter<F, I, C, mk::running_state_only>;

using hour = mk::pre_aggregated<mk::utc_hour>;
using day = mk::pre_aggregated<mk::utc_day>;

using general_meters =
    std::tuple<general<mk::sum, mk::raw>, general<mk::count, mk::raw, mk::dense_customers>,
               general<mk::last_value, mk::raw>, general<mk::peak, mk::raw>,
               general<mk::last_during_period, mk::raw>, general<mk::sum, hour>,
               general<mk::count, hour, mk::dense_customers>, general<mk::last_value, hour>,
               general<mk::peak, day>, general<mk::sum, day, mk::dense_customers>,
               general<mk::last_value, day>, general<mk::sum, mk::pre_aggregated<mk::utc_minute>>,
               general<mk::count, mk::pre_aggregated<mk::utc_week>>>;

using fast_meters =
    std::tuple<fast<mk::sum, mk::raw>, fast<mk::count, mk::raw>, fast<mk::last_value, mk::raw>,
               fast<mk::peak, mk::raw>, fast<mk::sum, hour>, fast<mk::count, hour, mk::string_customer_ids>,
               fast<mk::last_value, hour>, fast<mk::sum, day>, fast<mk::peak, day>>;

constexpr int streams = 1500;

}  // namespace

BOOST_AUTO_TEST_SUITE(meter_meter)

BOOST_AUTO_TEST_CASE_TEMPLATE(M7_M8_M10_M11_general_path_matches_the_rules_on_random_streams, M,
                              general_meters) {
  using F = typename M::formula_type;
  using I = typename M::ingestion_type;
  const std::uint64_t seed = 0x3e7e0001;
  std::mt19937_64 rng(seed);
  std::size_t fast_answers = 0;
  for (int s = 0; s < streams; ++s) {
    const std::size_t customers = 1 + rng() % 4;
    const auto ops = random_stream(rng, customers, rng() % 40, true);
    M m;
    feed_shuffled(m, ops, rng);
    for (int q = 0; q < 8; ++q) {
      const std::size_t c = rng() % (customers + 1);  // sometimes a customer without events
      const auto p = q == 0 ? mk::all_time : random_period(rng);
      const auto as_of = q == 0 ? mk::end_of_time : random_as_of(rng, ops);
      const auto want = mk::reference::quantity<F, I>(ops, c, p, as_of);
      BOOST_TEST_CONTEXT("seed " << seed << " stream " << s << " query " << q) {
        BOOST_TEST(m.quantity(key_of<M>(c), p, as_of) == want);
        BOOST_TEST(m.quantity_by_fold(key_of<M>(c), p, as_of) == want);
      }
      if (const auto slot = c < m.customer_count() ? std::optional<std::size_t>(c) : std::nullopt;
          slot && std::is_same_v<typename M::key_type, std::size_t> &&
          m.state_at(*slot).answers_from_running(p, as_of)) {
        ++fast_answers;
      }
    }
  }
  if constexpr (std::is_same_v<typename M::key_type, std::size_t> && M::customer_state::keeps_running_state) {
    BOOST_TEST(fast_answers > 100u);  // the fast path was exercised, not only the fold
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(M7_M8_general_path_matches_the_rules_on_long_streams_in_many_blocks, M,
                              general_meters) {
  using F = typename M::formula_type;
  using I = typename M::ingestion_type;
  const std::uint64_t seed = 0x3e7e0008;
  std::mt19937_64 rng(seed);
  for (int s = 0; s < 12; ++s) {
    const std::size_t customers = 1 + rng() % 2;
    const std::int64_t spread = s % 3 == 0 ? 5 * 3600 : (s % 3 == 1 ? 3 * 86400 : 40 * 86400);
    const auto ops = random_stream(rng, customers, 2000 + rng() % 3000, true, spread);
    M m;
    feed_shuffled(m, ops, rng);
    for (int q = 0; q < 25; ++q) {
      const std::size_t c = rng() % customers;
      const std::int64_t a =
          t0 - 7200 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(spread + 7200));
      const mk::period p =
          q == 0
              ? mk::all_time
              : mk::period{
                    mk::from_unix(a),
                    mk::from_unix(a + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(spread)))};
      const auto as_of = q == 0 ? mk::end_of_time : random_as_of(rng, ops);
      BOOST_TEST_CONTEXT("seed " << seed << " stream " << s << " query " << q) {
        BOOST_TEST((m.quantity(key_of<M>(c), p, as_of) == mk::reference::quantity<F, I>(ops, c, p, as_of)));
      }
    }
    std::stringstream io;
    m.save(io);
    const M back = M::load(io);
    BOOST_TEST((back.quantity(key_of<M>(0), mk::all_time, mk::end_of_time) ==
                mk::reference::quantity<F, I>(ops, 0, mk::all_time, mk::end_of_time)));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(fast_path_equals_general_path_without_cancellations, M, fast_meters) {
  using F = typename M::formula_type;
  using I = typename M::ingestion_type;
  using G = mk::meter<F, I, typename M::customer_policy_type, mk::keep_history>;
  const std::uint64_t seed = 0x3e7e0002;
  std::mt19937_64 rng(seed);
  for (int s = 0; s < streams; ++s) {
    const std::size_t customers = 1 + rng() % 5;
    const auto ops = random_stream(rng, customers, rng() % 60, false);
    M m;
    G g;
    auto shuffled = ops;
    if (rng() % 2) std::shuffle(shuffled.begin(), shuffled.end(), rng);  // out-of-order arrival too
    feed_in_order(m, shuffled);
    feed_in_order(g, ops);
    for (std::size_t c = 0; c <= customers; ++c) {
      BOOST_TEST_CONTEXT("seed " << seed << " stream " << s << " customer " << c) {
        BOOST_TEST(m.total(key_of<M>(c)) == g.quantity_by_fold(key_of<G>(c), mk::all_time, mk::end_of_time));
        BOOST_TEST(
            (m.total(key_of<M>(c)) == mk::reference::quantity<F, I>(ops, c, mk::all_time, mk::end_of_time)));
        if constexpr (I::is_pre_aggregated) {
          const auto p = random_period(rng);
          BOOST_TEST(m.quantity(key_of<M>(c), p) == g.quantity_by_fold(key_of<G>(c), p, mk::end_of_time));
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(M7_raw_sum_and_count_do_not_depend_on_arrival_order) {
  const std::uint64_t seed = 0x3e7e0003;
  std::mt19937_64 rng(seed);
  for (int s = 0; s < streams; ++s) {
    auto ops = random_stream(rng, 3, rng() % 50, false);
    fast<mk::sum, mk::raw> a_sum, b_sum;
    fast<mk::count, mk::raw> a_count, b_count;
    general<mk::sum, mk::raw> g_sum;
    feed_in_order(a_sum, ops);
    feed_in_order(a_count, ops);
    // The same events arriving in another order: new arrival positions and arrival times.
    std::shuffle(ops.begin(), ops.end(), rng);
    for (std::size_t i = 0; i < ops.size(); ++i) {
      ops[i].record.arrival = i + 1;
      ops[i].record.received_at = mk::from_unix(t0 + static_cast<std::int64_t>(i));
    }
    feed_in_order(b_sum, ops);
    feed_in_order(b_count, ops);
    feed_in_order(g_sum, ops);
    for (std::size_t c = 0; c < 3; ++c) {
      BOOST_TEST_CONTEXT("seed " << seed << " stream " << s) {
        BOOST_TEST(a_sum.total(c) == b_sum.total(c));
        BOOST_TEST(a_count.total(c) == b_count.total(c));
        BOOST_TEST((a_sum.total(c) == g_sum.total(key_of<general<mk::sum, mk::raw>>(c))));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(merge_of_states_sharded_by_customer_and_by_time_equals_one_pass, M,
                              general_meters) {
  using F = typename M::formula_type;
  using I = typename M::ingestion_type;
  const std::uint64_t seed = 0x3e7e0004;
  std::mt19937_64 rng(seed);
  for (int s = 0; s < streams / 3; ++s) {
    const std::size_t customers = 1 + rng() % 4;
    const auto ops = random_stream(rng, customers, rng() % 50, true);
    const std::size_t k = 1 + rng() % 4;
    std::vector<M> by_customer(k), by_time(k);
    for (const auto& o : ops) {
      by_customer[o.customer % k].add(key_of<M>(o.customer), o.record);
      by_time[std::min(k - 1, static_cast<std::size_t>(o.record.arrival * k / (ops.size() + 1)))].add(
          key_of<M>(o.customer), o.record);
    }
    M a, b;
    for (const auto& part : by_customer) a.merge(part);
    for (const auto& part : by_time) b.merge(part);
    for (int q = 0; q < 6; ++q) {
      const std::size_t c = rng() % customers;
      const auto p = random_period(rng);
      const auto as_of = random_as_of(rng, ops);
      const auto want = mk::reference::quantity<F, I>(ops, c, p, as_of);
      BOOST_TEST_CONTEXT("seed " << seed << " stream " << s << " query " << q) {
        BOOST_TEST(a.quantity(key_of<M>(c), p, as_of) == want);
        BOOST_TEST(b.quantity(key_of<M>(c), p, as_of) == want);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(merge_of_running_states_sharded_by_customer_and_by_time_equals_one_pass, M,
                              fast_meters) {
  const std::uint64_t seed = 0x3e7e0005;
  std::mt19937_64 rng(seed);
  for (int s = 0; s < streams / 3; ++s) {
    const std::size_t customers = 1 + rng() % 4;
    const auto ops = random_stream(rng, customers, rng() % 50, false);
    const std::size_t k = 1 + rng() % 4;
    std::vector<M> by_customer(k), by_time(k);
    M whole;
    for (const auto& o : ops) {
      whole.add(key_of<M>(o.customer), o.record);
      by_customer[o.customer % k].add(key_of<M>(o.customer), o.record);
      by_time[std::min(k - 1, static_cast<std::size_t>(o.record.arrival * k / (ops.size() + 1)))].add(
          key_of<M>(o.customer), o.record);
    }
    M a, b;
    for (const auto& part : by_customer) a.merge(part);
    for (const auto& part : by_time) b.merge(part);
    for (std::size_t c = 0; c < customers; ++c) {
      BOOST_TEST_CONTEXT("seed " << seed << " stream " << s) {
        BOOST_TEST(a.total(key_of<M>(c)) == whole.total(key_of<M>(c)));
        BOOST_TEST(b.total(key_of<M>(c)) == whole.total(key_of<M>(c)));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(merge_refuses_the_same_arrival_twice) {
  general<mk::sum, mk::raw> a;
  a.add("c", mk::sample{mk::from_unix(t0), 1, 5}, mk::from_unix(t0));
  auto b = a;
  BOOST_CHECK_THROW(a.merge(b), mk::precondition_error);
  BOOST_CHECK_THROW(a.add("c", mk::sample{mk::from_unix(t0), 1, 6}, mk::from_unix(t0)),
                    mk::precondition_error);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(state_saves_and_loads_back_to_the_same_quantities, M, general_meters) {
  using F = typename M::formula_type;
  using I = typename M::ingestion_type;
  const std::uint64_t seed = 0x3e7e0006;
  std::mt19937_64 rng(seed);
  for (int s = 0; s < 100; ++s) {
    const std::size_t customers = 1 + rng() % 4;
    const auto ops = random_stream(rng, customers, rng() % 30, true);
    M m;
    feed_in_order(m, ops);
    std::stringstream io;
    m.save(io);
    const M back = M::load(io);
    for (int q = 0; q < 5; ++q) {
      const std::size_t c = rng() % customers;
      const auto p = random_period(rng);
      const auto as_of = random_as_of(rng, ops);
      BOOST_TEST_CONTEXT("seed " << seed << " stream " << s) {
        BOOST_TEST(
            (back.quantity(key_of<M>(c), p, as_of) == mk::reference::quantity<F, I>(ops, c, p, as_of)));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(running_state_saves_and_loads_back, M, fast_meters) {
  std::mt19937_64 rng(0x3e7e0007);
  for (int s = 0; s < 100; ++s) {
    const auto ops = random_stream(rng, 3, rng() % 30, false);
    M m;
    feed_in_order(m, ops);
    std::stringstream io;
    m.save(io);
    const M back = M::load(io);
    for (std::size_t c = 0; c < 3; ++c) BOOST_TEST(back.total(key_of<M>(c)) == m.total(key_of<M>(c)));
  }
}

BOOST_AUTO_TEST_CASE(loading_a_wrong_version_other_policies_or_damaged_state_is_a_clear_error) {
  general<mk::sum, mk::raw> m;
  m.add("cus a", mk::sample{mk::from_unix(t0), 1, 5}, mk::from_unix(t0));
  m.add("cus_b", mk::sample{mk::from_unix(t0), 2, 7}, mk::from_unix(t0));
  std::stringstream io;
  m.save(io);
  const std::string good = io.str();
  auto load = [](const std::string& text) {
    std::istringstream in(text);
    return general<mk::sum, mk::raw>::load(in);
  };
  BOOST_TEST(load(good).total("cus a") == 5);
  BOOST_TEST(good.substr(0, 8) == std::string("\x89MKMTR\r\n", 8));
  auto message_of = [&](const std::string& text) -> std::string {
    try {
      (void)load(text);
    } catch (const mk::corrupt_state_error& e) {
      return e.what();
    }
    return "loaded";
  };
  std::string v6 = good;
  v6[8] = '\x06';  // the u32 version after the magic: one this build does not read
  BOOST_TEST(message_of(v6).find("format version 6") != std::string::npos);
  // Version 4 framed the same body with a u64 FNV-1a 64 checksum (5: a u32 CRC-32C): refused by
  // its version, before its body is trusted.
  static_assert(general<mk::sum, mk::raw>::state_version == 5);
  mk::state_writer v4;
  v4.raw(std::string_view(good).substr(0, 8));
  v4.u32(4);
  v4.raw(std::string_view(good).substr(12, good.size() - 12 - 4));
  v4.u64(mk::fnv1a_64(v4.bytes()));
  BOOST_TEST(message_of(v4.bytes()).find("format version 4, this build reads version 5") !=
             std::string::npos);
  std::string damaged = good;
  damaged[damaged.size() - 5] = static_cast<char>(damaged[damaged.size() - 5] ^ 1);  // the body's last byte
  BOOST_TEST(message_of(damaged).find("checksum") != std::string::npos);
  BOOST_TEST(message_of(good.substr(0, good.size() / 2)).find("truncated") != std::string::npos);
  BOOST_TEST(message_of(good + "x").find("loaded") != std::string::npos);  // one frame is read, no more
  BOOST_TEST(message_of("hello").find("not a meter state") != std::string::npos);
  BOOST_TEST(message_of("").find("not a meter state") != std::string::npos);
  std::stringstream other;
  general<mk::count, mk::raw>{}.save(other);
  BOOST_TEST(message_of(other.str()).find("formula is count, this meter has sum") != std::string::npos);
  std::stringstream hourly;
  general<mk::sum, hour>{}.save(hourly);
  BOOST_TEST(message_of(hourly.str()).find("ingestion is pre_aggregated<utc_hour>, this meter has raw") !=
             std::string::npos);
  std::stringstream running;
  fast<mk::sum, mk::raw>{}.save(running);
  BOOST_TEST(message_of(running.str()).find("history is running_state_only") != std::string::npos);
  std::stringstream dense;
  mk::meter<mk::sum, mk::raw, mk::dense_customers>{}.save(dense);
  BOOST_TEST(message_of(dense.str()).find("customers is dense_customers") != std::string::npos);
}

namespace {
/// A formula of one's own: the total of the squares of the values.
struct sum_of_squares {
  static constexpr std::string_view name = "sum_of_squares";
  using state_type = std::int64_t;
  static constexpr bool is_mergeable = true;
  static constexpr bool is_commutative = true;
  static constexpr bool is_invertible = false;
  static state_type identity() { return 0; }
  static void accumulate(state_type& s, const mk::sample& x) { s += x.value * x.value; }
  static void merge(state_type& s, const state_type& other) { s += other; }
  static std::int64_t result(const state_type& s) { return s; }
  static void save_state(mk::state_writer& out, const state_type& s) { out.i64(s); }
  static state_type load_state(mk::state_reader& in) { return in.i64(); }
};
}  // namespace

BOOST_AUTO_TEST_CASE(a_saved_state_names_its_policies_by_the_names_they_carry) {
  general<sum_of_squares, hour> m;
  m.add("c", mk::sample{mk::from_unix(t0), 1, 3}, mk::from_unix(t0));
  m.add("c", mk::sample{mk::from_unix(t0 + 3600), 2, 4}, mk::from_unix(t0 + 3600));
  mk::state_writer body;
  m.save(body);
  mk::state_reader in(body.bytes());
  BOOST_TEST(in.str() == "sum_of_squares");
  BOOST_TEST(in.str() == "pre_aggregated<utc_hour>");
  BOOST_TEST(in.str() == "keep_history");
  BOOST_TEST(in.str() == "string_customer_ids");
  mk::state_reader again(body.bytes());
  const auto back = general<sum_of_squares, hour>::load(again);
  again.expect_end();
  BOOST_TEST(back.total("c") == 25);
  // The running state of a formula of one's own goes through its own codec.
  using running = mk::meter<sum_of_squares, mk::raw, mk::string_customer_ids, mk::running_state_only>;
  running f;
  f.add("c", mk::sample{mk::from_unix(t0), 1, 3}, mk::from_unix(t0));
  std::stringstream io;
  f.save(io);
  BOOST_TEST(running::load(io).total("c") == 9);
}

BOOST_AUTO_TEST_CASE(a_damaged_customer_list_is_refused_without_allocating_for_it) {
  const auto state = [](auto&& write_customers) {
    mk::state_writer body;
    body.str("sum");
    body.str("raw");
    body.str("running_state_only");
    body.str("dense_customers");
    body.u64(0);  // the next arrival
    body.boolean(false);
    write_customers(body);
    return body.take();
  };
  using dense = mk::meter<mk::sum, mk::raw, mk::dense_customers, mk::running_state_only>;
  const auto message_of = [](const std::string& bytes) -> std::string {
    try {
      mk::state_reader in(bytes);
      (void)dense::load(in);
    } catch (const mk::corrupt_state_error& e) {
      return e.what();
    }
    return "loaded";
  };
  BOOST_TEST(message_of(state([](mk::state_writer& w) {
               w.size(std::size_t{1} << 60U);
             })).find("a count exceeds the bytes left") != std::string::npos);
  BOOST_TEST(message_of(state([](mk::state_writer& w) {
               w.size(1);
               w.u64(std::uint64_t{1} << 50U);  // a slot far away: no room is made for it
               mk::sum::save_state(w, 5);
             })).find("not numbered in order") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(add_next_numbers_events_in_arrival_order_after_everything_the_meter_has_seen) {
  general<mk::last_value, mk::raw> m;
  BOOST_TEST(m.next_arrival() == 0U);
  const auto first = m.add_next("c", mk::from_unix(t0 + 10), 7);
  BOOST_TEST(first.arrival == 0U);
  BOOST_TEST((first.received_at == mk::from_unix(t0 + 10)));  // received when it happened by default
  m.add("c", mk::sample{mk::from_unix(t0 + 10), 41, 8}, mk::from_unix(t0 + 11));  // numbered by the caller
  const auto next = m.add_next("c", mk::from_unix(t0 + 10), 9, mk::from_unix(t0 + 12));
  BOOST_TEST(next.arrival == 42U);
  // Same timestamp: the later arrival wins for last (M9), so the event add_next numbered last wins.
  BOOST_TEST(m.total("c") == 9);
  BOOST_TEST(m.cancel("c", next.time, next.arrival, mk::from_unix(t0 + 13)));
  BOOST_TEST(m.total("c") == 8);
  // The counter survives save and load, merge and assign.
  std::stringstream io;
  m.save(io);
  auto back = general<mk::last_value, mk::raw>::load(io);
  BOOST_TEST(back.next_arrival() == 43U);
  BOOST_TEST(back.add_next("d", mk::from_unix(t0), 1).arrival == 43U);
  general<mk::last_value, mk::raw> other;
  other.add("e", mk::sample{mk::from_unix(t0), 99, 1}, mk::from_unix(t0));
  back.merge(other);
  BOOST_TEST(back.next_arrival() == 100U);
  BOOST_TEST(back.assign("f", {mk::event_record{mk::from_unix(t0), mk::from_unix(t0), 500, 1, mk::never}}));
  BOOST_TEST(back.next_arrival() == 501U);
  // A running-state meter numbers its events the same way.
  using running_meter = fast<mk::sum, mk::raw, mk::string_customer_ids>;
  running_meter running;
  BOOST_TEST(running.add_next("c", mk::from_unix(t0), 5).arrival == 0U);
  BOOST_TEST(running.add_next("c", mk::from_unix(t0), 6).arrival == 1U);
  std::stringstream running_io;
  running.save(running_io);
  BOOST_TEST(running_meter::load(running_io).next_arrival() == 2U);
}

BOOST_AUTO_TEST_CASE(a_saved_next_arrival_below_a_record_is_refused) {
  general<mk::sum, mk::raw> m;
  m.add("c", mk::sample{mk::from_unix(t0), 7, 1}, mk::from_unix(t0));
  mk::state_writer body;
  m.save(body);
  std::string bytes = body.take();
  // The next arrival follows the four policy names; claim 3 while a record has arrival 7.
  const std::size_t at = 4 * 8 + std::string("sum").size() + std::string("raw").size() +
                         std::string("keep_history").size() + std::string("string_customer_ids").size();
  BOOST_TEST_REQUIRE(static_cast<unsigned char>(bytes[at]) == 8U);
  bytes[at] = 3;
  mk::state_reader in(bytes);
  using sum_meter = general<mk::sum, mk::raw>;
  BOOST_CHECK_EXCEPTION((void)sum_meter::load(in), mk::corrupt_state_error,
                        [](const mk::corrupt_state_error& e) {
                          return std::string(e.what()).find("next arrival") != std::string::npos;
                        });
}

namespace {
/// A third ingestion policy, of one's own: only events with a positive value count. Its rule lives
/// here alone; the meter (meter/customer_state.hpp) takes it unchanged.
struct positive_values_only {
  static constexpr std::string_view name = "positive_values_only";
  static constexpr bool is_pre_aggregated = false;
  static constexpr bool counts(std::int64_t value) noexcept { return value > 0; }

  template <mk::formula F>
  static void fold(typename F::state_type& s, std::span<const mk::event_record> records, mk::period p,
                   mk::timestamp as_of) {
    for (const auto& r : records) {
      if (p.contains(r.time) && r.visible_as_of(as_of) && counts(r.value)) F::accumulate(s, r.to_sample());
    }
  }
  static constexpr bool same_group(mk::timestamp, mk::timestamp) noexcept { return false; }
  static constexpr mk::timestamp group_start(mk::timestamp t) noexcept { return t; }

  class survivor_index {
   public:
    static constexpr bool replaces_on_arrival = false;
    template <class OnChange>
    void add(const mk::window_survivor& x, OnChange&& on_change) {
      if (counts(x.value)) on_change(&x, static_cast<const mk::window_survivor*>(nullptr));
    }
    template <class OnChange>
    void cancel(mk::timestamp time, std::uint64_t arrival, std::span<const mk::event_record> records,
                OnChange&& on_change) {
      for (const auto& r : records) {
        if (r.time == time && r.arrival == arrival && counts(r.value)) {
          const mk::window_survivor x{r.time, r.arrival, r.value};
          on_change(static_cast<const mk::window_survivor*>(nullptr), &x);
        }
      }
    }
    void clear() noexcept {}
    void add_survivors_of(std::span<const mk::event_record>) noexcept {}
  };

  template <mk::formula F>
  class running_state {
   public:
    void add(const mk::event_record& r) {
      if (counts(r.value)) all_.add(r);
    }
    [[nodiscard]] auto state() const { return all_.state(); }
    void merge(const running_state& other) { all_.merge(other.all_); }
    void save(mk::state_writer& out) const { all_.save(out); }
    void load(mk::state_reader& in) { all_.load(in); }

   private:
    mk::raw::running_state<F> all_;
  };
};
static_assert(mk::ingestion_policy<positive_values_only>);
}  // namespace

BOOST_AUTO_TEST_CASE(a_third_ingestion_policy_plugs_into_the_meter_unchanged) {
  using with_history = general<mk::sum, positive_values_only>;
  with_history m;
  fast<mk::sum, positive_values_only, mk::string_customer_ids> f;
  const std::vector<std::pair<std::int64_t, std::uint64_t>> events{{5, 1}, {-3, 2}, {7, 3}, {0, 4}, {2, 5}};
  for (const auto& [value, arrival] : events) {
    const mk::sample x{mk::from_unix(t0 + static_cast<std::int64_t>(arrival)), arrival, value};
    m.add("c", x, mk::from_unix(t0 + 10));
    f.add("c", x, mk::from_unix(t0 + 10));
  }
  BOOST_TEST(m.total("c") == 14);
  BOOST_TEST(f.total("c") == 14);
  BOOST_TEST(m.quantity("c", mk::all_time, mk::end_of_time) ==
             m.quantity_by_fold("c", mk::all_time, mk::end_of_time));
  BOOST_TEST(m.cancel("c", mk::from_unix(t0 + 3), 3, mk::from_unix(t0 + 20)));  // the 7
  BOOST_TEST(m.cancel("c", mk::from_unix(t0 + 2), 2, mk::from_unix(t0 + 20)));  // the -3: never counted
  BOOST_TEST(m.total("c") == 7);
  BOOST_TEST(m.quantity("c", mk::all_time, mk::from_unix(t0 + 19)) == 14);
  std::stringstream io;
  m.save(io);
  BOOST_TEST(with_history::load(io).total("c") == 7);
}

BOOST_AUTO_TEST_CASE(sum_and_count_running_state_is_at_most_16_bytes_per_customer) {
  BOOST_TEST((sizeof(fast<mk::sum, mk::raw>::customer_state) <= 16u));
  BOOST_TEST((sizeof(fast<mk::count, mk::raw>::customer_state) <= 16u));
}

BOOST_AUTO_TEST_CASE(M13_meter_summaries_group_by_window) {
  general<mk::count, hour> m;
  m.add("c", mk::sample{mk::from_unix(t0 + 5), 1, 0}, mk::from_unix(t0 + 5));
  m.add("c", mk::sample{mk::from_unix(t0 + 6), 2, 0}, mk::from_unix(t0 + 6));  // same hour: replaces
  m.add("c", mk::sample{mk::from_unix(t0 + 3605), 3, 0}, mk::from_unix(t0 + 3605));
  const auto s = m.summaries("c", {mk::from_unix(t0), mk::from_unix(t0 + 3 * 3600)}, mk::window_kind::hour,
                             mk::end_of_time);
  BOOST_REQUIRE(s.has_value());
  BOOST_REQUIRE(s->size() == 3u);
  BOOST_TEST((*s)[0].aggregated_value == 1);
  BOOST_TEST((*s)[1].aggregated_value == 1);
  BOOST_TEST((*s)[2].aggregated_value == 0);
  BOOST_TEST(!m.summaries("c", {mk::from_unix(t0 + 1), mk::from_unix(t0 + 3600)}, mk::window_kind::none,
                          mk::end_of_time)
                  .has_value());
}

BOOST_AUTO_TEST_SUITE_END()
