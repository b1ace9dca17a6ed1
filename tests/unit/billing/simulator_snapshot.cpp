// SPDX-License-Identifier: MIT
#include <meterkit/billing/simulator.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace mk = meterkit;

namespace {

mk::timestamp at(std::string_view rfc3339) { return *mk::parse_time(rfc3339); }

mk::meter_definition meter(std::string id, std::string event_name, mk::formula_kind formula,
                           mk::window_kind window, bool active = true) {
  mk::meter_definition m;
  m.id = std::move(id);
  m.event_name = std::move(event_name);
  m.formula = formula;
  m.event_time_window = window;
  m.active = active;
  return m;
}

mk::price price(std::string id, std::int64_t unit_amount, mk::interval_unit unit = mk::interval_unit::month) {
  mk::price p{std::move(id), mk::currency("usd")};
  p.unit_amount = mk::decimal::from_integer(unit_amount);
  p.recurring.interval = mk::billing_interval{unit, 1};
  return p;
}

mk::price metered(std::string id, std::string meter_id, std::int64_t unit_amount,
                  mk::interval_unit unit = mk::interval_unit::month) {
  auto p = price(std::move(id), unit_amount, unit);
  p.recurring.usage_type = mk::usage_type::metered;
  p.recurring.meter = std::move(meter_id);
  return p;
}

mk::price legacy(std::string id, std::string aggregate_usage, std::int64_t unit_amount,
                 mk::interval_unit unit = mk::interval_unit::month) {
  auto p = price(std::move(id), unit_amount, unit);
  p.recurring.usage_type = mk::usage_type::metered;
  p.recurring.aggregate_usage = *mk::parse_aggregate_usage(aggregate_usage);
  return p;
}

/// Four meters (sum raw, last by hour, count by day, an archived one), legacy items of every
/// aggregate_usage, licensed items, a trial, three subscriptions (monthly, monthly with a trial,
/// weekly) and a customer without a subscription.
mk::plan snapshot_plan() {
  mk::plan p;
  p.meters.push_back(meter("mtr_api", "api_requests", mk::formula_kind::sum, mk::window_kind::none));
  p.meters.push_back(meter("mtr_seats", "seats", mk::formula_kind::last, mk::window_kind::hour));
  p.meters.push_back(meter("mtr_calls", "calls", mk::formula_kind::count, mk::window_kind::day));
  p.meters.push_back(meter("mtr_old", "old_events", mk::formula_kind::sum, mk::window_kind::none, false));
  p.prices.push_back(metered("price_api", "mtr_api", 2));
  p.prices.push_back(metered("price_seats", "mtr_seats", 700));
  p.prices.push_back(metered("price_calls", "mtr_calls", 5));
  p.prices.back().transform_quantity = mk::transform_quantity{10, mk::round_direction::up};
  p.prices.push_back(legacy("price_leg_sum", "sum", 3));
  p.prices.push_back(legacy("price_leg_last", "last_during_period", 11));
  p.prices.push_back(legacy("price_leg_ever", "last_ever", 13));
  p.prices.push_back(legacy("price_leg_max", "max", 17));
  p.prices.push_back(price("price_lic", 1000));
  p.prices.push_back(metered("price_api_weekly", "mtr_api", 1, mk::interval_unit::week));
  p.prices.push_back(legacy("price_leg_sum_weekly", "sum", 4, mk::interval_unit::week));
  p.prices.push_back(price("price_lic_weekly", 250, mk::interval_unit::week));

  mk::subscription s1;
  s1.id = "sub_1";
  s1.customer = "cus_1";
  s1.start_date = at("2025-01-01T00:00:00Z");
  s1.items = {{"si_api", "price_api", 1},           {"si_seats", "price_seats", 1},
              {"si_calls", "price_calls", 1},       {"si_leg_sum", "price_leg_sum", 1},
              {"si_leg_last", "price_leg_last", 1}, {"si_lic", "price_lic", 3}};
  p.subscriptions.push_back(s1);

  mk::subscription s2;
  s2.id = "sub_2";
  s2.customer = "cus_2";
  s2.start_date = at("2025-01-10T00:00:00Z");
  s2.trial_end = at("2025-01-24T00:00:00Z");
  s2.items = {{"si2_api", "price_api", 1},
              {"si2_calls", "price_calls", 1},
              {"si2_leg_ever", "price_leg_ever", 1},
              {"si2_leg_max", "price_leg_max", 1},
              {"si2_lic", "price_lic", 1}};
  p.subscriptions.push_back(s2);

  mk::subscription s3;
  s3.id = "sub_3";
  s3.customer = "cus_3";
  s3.start_date = at("2025-01-03T12:00:00Z");
  s3.items = {{"si3_api", "price_api_weekly", 1},
              {"si3_leg_sum", "price_leg_sum_weekly", 1},
              {"si3_lic", "price_lic_weekly", 2}};
  p.subscriptions.push_back(s3);

  p.customers = {"cus_4"};
  p.settings.legacy_grace_period = mk::seconds{600};
  return p;
}

/// A long random stream of requests in arrival order: meter events (with and without identifiers
/// and timestamps, duplicates, stream lines of several events, every kind of rejection),
/// cancellations (valid, unknown, repeated, too late, invalid), legacy usage records (increment
/// and set, "now", grace-period timestamps, out of period, invalid fields) and idempotency keys
/// (new, replayed, reused with another request, too long).
class stream_generator {
 public:
  explicit stream_generator(std::uint64_t seed) : rng_(seed) {}

  std::vector<mk::request> generate(std::size_t n) {
    std::vector<mk::request> out;
    out.reserve(n);
    mk::timestamp now = at("2024-12-31T23:00:00Z");
    for (std::size_t i = 0; i < n; ++i) {
      const int step = pick(10);
      now += mk::seconds{step < 2 ? 0 : step < 8 ? uniform(1, 3600) : uniform(3600, 40000)};
      out.push_back(next(now, "req:" + std::to_string(i + 1)));
    }
    return out;
  }

 private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  std::int64_t uniform(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  bool chance(int percent) { return pick(100) < percent; }
  std::string identifier() { return "evt_" + std::to_string(pick(60)); }

  mk::request next(mk::timestamp now, std::string source) {
    // Idempotency: replay a keyed request (same fingerprint) or reuse its key for another one.
    if (!keyed_.empty() && chance(8)) {
      mk::request r = keyed_[static_cast<std::size_t>(pick(static_cast<int>(keyed_.size())))];
      r.received_at = now;
      r.source = std::move(source);
      if (chance(30)) r.fingerprint += "/other";  // idempotency_error
      return r;
    }
    mk::request r;
    r.received_at = now;
    r.source = std::move(source);
    const int kind = pick(100);
    if (kind < 50) {
      const int events = chance(10) ? 1 + pick(3) : 1;  // a stream line carries several events (D7)
      for (int k = 0; k < events; ++k) r.operations.emplace_back(meter_event(now));
    } else if (kind < 65) {
      r.operations.emplace_back(adjustment());
    } else {
      r.operations.emplace_back(usage_record(now));
    }
    r.fingerprint = "fp_" + std::to_string(++fingerprints_);
    if (chance(30)) {
      r.idempotency_key = chance(3) ? std::string(256, 'k') : "key_" + std::to_string(pick(400));
      keyed_.push_back(r);
      if (keyed_.size() > 200) keyed_.erase(keyed_.begin());
    } else if (chance(5)) {
      r.idempotency_key = std::string{};  // empty: no key (D3)
    }
    return r;
  }

  mk::meter_event meter_event(mk::timestamp now) {
    static const std::vector<std::string> names{"api_requests", "seats", "calls", "old_events", "nope", ""};
    static const std::vector<std::string> customers{"cus_1", "cus_2", "cus_3", "cus_4", "cus_9"};
    mk::meter_event e;
    const int n = pick(100);
    e.event_name = names[n < 40 ? 0 : n < 65 ? 1 : n < 90 ? 2 : static_cast<std::size_t>(3 + pick(3))];
    if (!chance(3)) {
      const int c = pick(100);
      e.payload.emplace_back("stripe_customer_id",
                             customers[c < 35   ? 0
                                       : c < 65 ? 1
                                       : c < 90 ? 2
                                                : static_cast<std::size_t>(3 + pick(2))]);
    }
    if (!chance(4)) {
      const int v = pick(100);
      e.payload.emplace_back("value", v < 85   ? std::to_string(uniform(0, 100))
                                      : v < 93 ? std::to_string(-uniform(1, 30))
                                      : v < 97 ? std::string("1.5")
                                               : std::string("+7"));
    }
    if (chance(45)) e.identifier = chance(5) ? std::string{} : identifier();
    const int t = pick(100);
    if (t < 40) {
      e.timestamp = std::nullopt;
    } else if (t < 85) {
      e.timestamp = now - mk::seconds{uniform(0, 3 * 86400)};
    } else if (t < 92) {
      e.timestamp = now - mk::seconds{uniform(3 * 86400, 40 * 86400)};  // sometimes beyond M4's 35 days
    } else {
      e.timestamp = now + mk::seconds{uniform(0, 600)};  // sometimes beyond M4's 5 minutes
    }
    return e;
  }

  mk::meter_event_adjustment adjustment() {
    static const std::vector<std::string> names{"api_requests", "seats", "calls", "nope"};
    mk::meter_event_adjustment a;
    const int n = pick(100);
    a.event_name = names[n < 45 ? 0 : n < 70 ? 1 : n < 95 ? 2 : 3];
    const int t = pick(100);
    if (t < 90) {
      a.type = "cancel";
    } else if (t < 95) {
      a.type = "void";
    }
    if (!chance(4)) a.cancel_identifier = identifier();
    return a;
  }

  mk::usage_record usage_record(mk::timestamp now) {
    static const std::vector<std::string> items{"si_leg_sum",  "si_leg_last", "si2_leg_ever", "si2_leg_max",
                                                "si3_leg_sum", "si_api",      "si_lic",       "si_nope"};
    mk::usage_record u;
    const int i = pick(100);
    u.subscription_item =
        items[i < 94 ? static_cast<std::size_t>(pick(5)) : static_cast<std::size_t>(5 + pick(3))];
    const int q = pick(100);
    if (q < 94) {
      u.quantity = std::to_string(uniform(0, 50));
    } else if (q < 97) {
      u.quantity = "-1";
    } else if (q < 99) {
      u.quantity = "x";
    }
    const int t = pick(100);
    if (t < 25) {
      u.timestamp = std::monostate{};
    } else if (t < 35) {
      u.timestamp = "now";
    } else if (t < 80) {
      u.timestamp = std::to_string(mk::to_unix(now) - uniform(0, 900));  // grace cases at boundaries
    } else if (t < 92) {
      u.timestamp = std::to_string(mk::to_unix(now) - uniform(0, 40 * 86400));
    } else if (t < 97) {
      u.timestamp = std::to_string(mk::to_unix(now) + uniform(1, 100));  // in the future
    } else {
      u.timestamp = "yesterday";
    }
    const int a = pick(100);
    if (a < 40) {
      u.action = std::nullopt;
    } else if (a < 65) {
      u.action = "increment";
    } else if (a < 97) {
      u.action = "set";
    } else {
      u.action = "add";
    }
    return u;
  }

  std::mt19937_64 rng_;
  std::vector<mk::request> keyed_;
  std::uint64_t fingerprints_ = 0;
};

std::string text(const mk::period& p) {
  return "[" + std::to_string(mk::to_unix(p.start)) + "," + std::to_string(mk::to_unix(p.end)) + ")";
}

/// Every field of a result, in order: two results render the same iff they are equal.
std::string render(const mk::simulation_result& r) {
  std::ostringstream out;
  out << "until " << mk::to_unix(r.until) << '\n';
  for (const auto& inv : r.invoices) {
    out << "invoice " << inv.customer << ' ' << inv.subscription << ' ' << inv.currency << ' '
        << mk::to_unix(inv.created) << ' ' << mk::to_string(inv.status) << ' '
        << mk::to_unix(inv.finalized_at) << " total " << inv.total << '\n';
    for (const auto& l : inv.lines) {
      out << "  line " << l.subscription_item << ' ' << l.price << ' ' << text(l.service_period) << " q "
          << l.quantity << " amount " << l.amount << ' ' << l.metered << l.proration << l.trial << '\n';
    }
  }
  for (const auto& x : r.rejected) {
    out << "rejected " << x.source << ' ' << mk::to_string(x.code) << ' ' << x.param << ": " << x.message
        << '\n';
  }
  for (const auto& x : r.late) {
    out << "late " << x.subscription_item << ' ' << text(x.service_period) << ' ' << x.quantity << ' '
        << x.source << ' ' << mk::to_unix(x.received_at) << ' ' << mk::to_unix(x.finalized_at) << '\n';
  }
  out << "counts " << r.counts.read << ' ' << r.counts.accepted << ' ' << r.counts.rejected << ' '
      << r.counts.replayed << ' ' << r.counts.pending << ' ' << r.counts.cancelled << '\n';
  return out.str();
}

/// Results as of several times and meter summaries as of several times, rendered.
std::string observe(const mk::invoice_simulator& sim, mk::timestamp last) {
  std::string out;
  for (const auto until : {last, last - mk::seconds{20 * 86400}, last + mk::seconds{40 * 86400}}) {
    out += render(sim.result(until));
  }
  const mk::period bounds{at("2025-01-01T00:00:00Z"), at("2025-04-01T00:00:00Z")};
  for (const char* meter_id : {"mtr_api", "mtr_seats", "mtr_calls"}) {
    for (const char* customer : {"cus_1", "cus_2", "cus_3", "cus_4"}) {
      for (const auto as_of : {last, last - mk::seconds{10 * 86400}}) {
        out += std::string(meter_id) + " " + customer + ":";
        for (const auto& s : sim.summaries(meter_id, customer, bounds, mk::window_kind::day, as_of)) {
          if (s.aggregated_value != 0) out += " " + text(s.window) + "=" + std::to_string(s.aggregated_value);
        }
        out += '\n';
      }
    }
  }
  return out;
}

std::string save(const mk::invoice_simulator& sim) {
  std::ostringstream out;
  sim.save(out);
  return out.str();
}

mk::invoice_simulator restore(const mk::plan& plan, const std::string& snapshot) {
  std::istringstream in(snapshot);
  return mk::invoice_simulator::restore(plan, in);
}

/// Applies request `i` the way `simulate` does: requests after `until` only count as pending.
void feed(mk::invoice_simulator& sim, const mk::request& r, mk::timestamp until) {
  if (r.received_at > until) {
    sim.count_pending(r);
  } else {
    sim.apply(r);
  }
}

/// The index of the first byte where `a` and `b` differ (for failure messages).
std::size_t first_difference(const std::string& a, const std::string& b) {
  const auto m = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  return static_cast<std::size_t>(m.first - a.begin());
}

/// `snapshot` with the frame's checksum (its last 4 bytes, CRC-32C) computed again over its bytes,
/// so that damage behind it reaches restore's own checks.
std::string with_checksum_recomputed(std::string snapshot) {
  const std::uint32_t sum = mk::crc32c(std::string_view(snapshot).substr(0, snapshot.size() - 4));
  for (std::size_t b = 0; b < 4; ++b) {
    snapshot[snapshot.size() - 4 + b] = static_cast<char>(static_cast<unsigned char>(sum >> (8 * b)));
  }
  return snapshot;
}

/// A simulator fed `n` random requests of `seed`, and its snapshot.
std::pair<std::vector<mk::request>, std::string> fed_snapshot(const mk::plan& plan, std::uint64_t seed,
                                                              std::size_t n) {
  const auto requests = stream_generator(seed).generate(n);
  mk::invoice_simulator sim(plan);
  for (const auto& r : requests) sim.apply(r);
  return {requests, save(sim)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_simulator_snapshot)

BOOST_AUTO_TEST_CASE(B3_M10_L2_I2_crashes_restored_from_the_last_snapshot_bill_byte_identically) {
  const auto plan = snapshot_plan();
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      const auto requests = stream_generator(seed).generate(2500);
      // The last 1% arrive after `until`: counted as pending (D21), in both runs.
      const mk::timestamp until = requests[requests.size() * 99 / 100].received_at - mk::seconds{1};

      mk::invoice_simulator whole(plan);
      for (const auto& r : requests) feed(whole, r, until);

      std::mt19937_64 rng(seed * 7919);
      std::optional<mk::invoice_simulator> sim(std::in_place, plan);
      std::optional<std::string> snapshot;
      std::size_t snapshot_at = 0;  // requests applied before the snapshot
      std::size_t crashes = 0, snapshots = 0;
      auto crash = [&](std::size_t& i) {
        sim.reset();  // a crash leaves nothing but the snapshot's bytes
        if (snapshot) {
          sim.emplace(restore(plan, *snapshot));
        } else {
          sim.emplace(plan);
        }
        i = snapshot_at;
        ++crashes;
      };
      for (std::size_t i = 0; i < requests.size();) {
        feed(*sim, requests[i], until);
        ++i;
        if (rng() % 40 == 0) {
          snapshot = save(*sim);
          snapshot_at = i;
          ++snapshots;
          // save -> restore -> save gives the same bytes.
          const auto again = save(restore(plan, *snapshot));
          BOOST_TEST_REQUIRE(again == *snapshot, "re-saved snapshot after request "
                                                     << i << " differs at byte "
                                                     << first_difference(again, *snapshot) << " of "
                                                     << snapshot->size());
        }
        if (crashes < 60 && rng() % 60 == 0) crash(i);
      }
      std::size_t end = requests.size();
      crash(end);  // one more crash at the very end, then replay the rest
      for (std::size_t i = end; i < requests.size(); ++i) feed(*sim, requests[i], until);
      BOOST_TEST(crashes > 10u);
      BOOST_TEST(snapshots > 10u);

      const auto last = requests.back().received_at;
      const auto expected = observe(whole, last);
      const auto actual = observe(*sim, last);
      BOOST_TEST_REQUIRE(actual == expected, "results differ at byte " << first_difference(actual, expected));
      BOOST_TEST((sim->result(until) == whole.result(until)));
      // The whole state is the same: the two simulators save the same bytes.
      const auto a = save(*sim), b = save(whole);
      BOOST_TEST(a == b, "final snapshots differ at byte " << first_difference(a, b));
      // The stream exercised what it should.
      const auto r = whole.result(until);
      BOOST_TEST(r.counts.replayed > 0u);
      BOOST_TEST(r.counts.cancelled > 0u);
      BOOST_TEST(r.counts.pending > 0u);
      BOOST_TEST(!r.late.empty());
      for (const auto code :
           {mk::error_code::duplicate_meter_event, mk::error_code::idempotency_error,
            mk::error_code::meter_event_already_cancelled, mk::error_code::meter_event_adjustment_too_late,
            mk::error_code::usage_record_timestamp_out_of_period, mk::error_code::timestamp_too_far_in_past,
            mk::error_code::archived_meter}) {
        BOOST_TEST(std::any_of(r.rejected.begin(), r.rejected.end(),
                               [&](const mk::rejected_operation& x) { return x.code == code; }),
                   "no rejection " << mk::to_string(code));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(I2_M5_a_restored_simulator_keeps_idempotency_and_identifier_windows) {
  // Directly after a restore, a replayed key answers as a replay, a reused identifier is a
  // duplicate and a cancellation finds its event: the stores and indexes came back.
  const auto plan = snapshot_plan();
  const auto t = at("2025-01-05T00:00:00Z");
  mk::meter_event e;
  e.event_name = "api_requests";
  e.payload = {{"stripe_customer_id", "cus_1"}, {"value", "5"}};
  e.identifier = "evt_a";
  mk::request first{{e}, t, "u:1", "key_1", "fp_1"};
  mk::invoice_simulator sim(plan);
  sim.apply(first);
  auto restored = restore(plan, save(sim));
  mk::request replay = first;
  replay.received_at = t + mk::seconds{60};
  replay.source = "u:2";
  restored.apply(replay);
  mk::request duplicate{{e}, t + mk::seconds{120}, "u:3", std::nullopt, "fp_3"};
  restored.apply(duplicate);
  mk::meter_event_adjustment cancel{"api_requests", "cancel", "evt_a"};
  restored.apply(mk::request{{cancel}, t + mk::seconds{180}, "u:4", std::nullopt, "fp_4"});
  const auto r = restored.result(t + mk::seconds{200});
  BOOST_TEST(r.counts.replayed == 1u);
  BOOST_TEST(r.counts.cancelled == 1u);
  BOOST_REQUIRE_EQUAL(r.rejected.size(), 1u);
  BOOST_TEST(r.rejected[0].source == "u:3");
  BOOST_TEST(mk::to_string(r.rejected[0].code) == "duplicate_meter_event");
}

BOOST_AUTO_TEST_CASE(snapshot_truncated_at_every_length_is_refused_as_corrupt) {
  const auto plan = snapshot_plan();
  const auto [requests, snapshot] = fed_snapshot(plan, 42, 150);
  BOOST_TEST_REQUIRE(snapshot.size() > 1000u);
  for (std::size_t n = 0; n < snapshot.size(); ++n) {
    BOOST_CHECK_THROW(restore(plan, snapshot.substr(0, n)), mk::corrupt_state_error);
  }
  // The whole snapshot restores, also with other bytes after it: restore reads exactly its bytes.
  std::istringstream in(snapshot + snapshot + "tail");
  const auto a = mk::invoice_simulator::restore(plan, in);
  const auto b = mk::invoice_simulator::restore(plan, in);
  BOOST_TEST(save(a) == snapshot);
  BOOST_TEST(save(b) == snapshot);
  std::string rest;
  std::getline(in, rest);
  BOOST_TEST(rest == "tail");
}

BOOST_AUTO_TEST_CASE(snapshot_with_any_byte_changed_is_refused_as_corrupt) {
  const auto plan = snapshot_plan();
  const auto [requests, snapshot] = fed_snapshot(plan, 43, 150);
  std::mt19937_64 rng(4242);
  for (std::size_t i = 0; i < snapshot.size(); ++i) {
    std::string damaged = snapshot;
    damaged[i] = static_cast<char>(damaged[i] ^ static_cast<char>(1 + rng() % 255));
    try {
      (void)restore(plan, damaged);
      BOOST_ERROR("byte " << i << " changed and the snapshot still restored");
    } catch (const mk::snapshot_plan_mismatch&) {
      BOOST_ERROR("byte " << i << " changed and the snapshot was taken for another plan's");
    } catch (const mk::corrupt_state_error&) {
    }
  }
  for (const char* junk : {"", "x", "\x89MKSIM\r\n", "meterkit-meter-state 1\n"}) {
    BOOST_CHECK_THROW(restore(plan, junk), mk::corrupt_state_error);
  }
  // Another format version says so.
  static_assert(mk::invoice_simulator::snapshot_version == 14, "a new format: add its predecessor below");
  constexpr std::uint32_t next = mk::invoice_simulator::snapshot_version + 1;
  std::string future = snapshot;
  for (std::size_t b = 0; b < 4; ++b)
    future[8 + b] = static_cast<char>(static_cast<unsigned char>(next >> (8 * b)));
  try {
    (void)restore(plan, future);
    BOOST_ERROR("format version " << next << " restored");
  } catch (const mk::corrupt_state_error& e) {
    BOOST_TEST(std::string(e.what()).find("version " + std::to_string(next)) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(snapshot_with_any_single_bit_flipped_is_refused_as_corrupt) {
  // CRC-32C catches every single-bit error at any length: each of the snapshot's bits flipped on
  // its own is refused, by the magic, the version, the length or the checksum, never restored and
  // never taken for another plan's snapshot.
  const auto plan = snapshot_plan();
  const auto [requests, snapshot] = fed_snapshot(plan, 47, 12);
  BOOST_TEST(snapshot.size() > 1000u);
  std::size_t by_checksum = 0;  // of the bits after the header
  for (std::size_t i = 0; i < snapshot.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = snapshot;
      damaged[i] = static_cast<char>(damaged[i] ^ static_cast<char>(1 << bit));
      try {
        (void)restore(plan, damaged);
        BOOST_ERROR("bit " << bit << " of byte " << i << " flipped and the snapshot still restored");
      } catch (const mk::snapshot_plan_mismatch&) {
        BOOST_ERROR("bit " << bit << " of byte " << i << " flipped and taken for another plan's snapshot");
      } catch (const mk::corrupt_state_error& e) {
        if (i >= 20 && std::string(e.what()).find("checksum mismatch") != std::string::npos) ++by_checksum;
      }
    }
  }
  // Every bit after the header (magic, version, length: 20 bytes) is caught by the checksum itself
  // (a bit of the length is caught as a truncation, or by the checksum when it shortens the body).
  BOOST_TEST(by_checksum == 8 * (snapshot.size() - 20));
}

BOOST_AUTO_TEST_CASE(snapshot_of_the_previous_format_with_its_fnv1a_checksum_is_refused_by_version) {
  // Format 12 framed the same body with a u64 FNV-1a 64 checksum; this build reads 14 (CRC-32C).
  // Such a snapshot is refused by its version, before any byte of its body is trusted.
  const auto plan = snapshot_plan();
  const auto [requests, snapshot] = fed_snapshot(plan, 48, 60);
  mk::state_writer old;
  old.raw(std::string_view(snapshot).substr(0, 8));
  old.u32(12);
  old.raw(std::string_view(snapshot).substr(12, snapshot.size() - 12 - 4));  // length and body
  old.u64(mk::fnv1a_64(old.bytes()));
  try {
    (void)restore(plan, old.bytes());
    BOOST_ERROR("a format 12 snapshot restored");
  } catch (const mk::snapshot_plan_mismatch&) {
    BOOST_ERROR("a format 12 snapshot was taken for another plan's");
  } catch (const mk::corrupt_state_error& e) {
    BOOST_TEST(
        std::string(e.what()).find("format version 12, this build reads version 14") != std::string::npos,
        e.what());
  }
}

BOOST_AUTO_TEST_CASE(snapshot_with_damage_behind_a_valid_checksum_never_breaks_memory) {
  // Damage that a checksum cannot catch (the checksum recomputed): restore either refuses it as
  // corrupt or gives a simulator that still answers; never an out-of-bounds read (ASan/UBSan).
  const auto plan = snapshot_plan();
  const auto [requests, snapshot] = fed_snapshot(plan, 44, 150);
  constexpr std::size_t head = 28;
  std::mt19937_64 rng(31337);
  std::size_t refused = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string damaged = snapshot;
    const std::size_t flips = 1 + rng() % 3;
    for (std::size_t k = 0; k < flips; ++k) {
      const std::size_t i = head + rng() % (damaged.size() - head - 4);
      damaged[i] = static_cast<char>(damaged[i] ^ static_cast<char>(1 + rng() % 255));
    }
    damaged = with_checksum_recomputed(std::move(damaged));
    try {
      const auto sim = restore(plan, damaged);
      try {
        (void)sim.result(requests.back().received_at);
      } catch (const std::exception&) {  // e.g. an overflow of a damaged quantity: reported, not a crash
      }
    } catch (const mk::corrupt_state_error&) {
      ++refused;
    } catch (const mk::overflow_error&) {  // a damaged usage record total, as record() reports it
      ++refused;
    }
  }
  BOOST_TEST(refused > 1000u);
}

BOOST_AUTO_TEST_CASE(snapshot_saved_under_another_plan_is_refused) {
  const auto plan = snapshot_plan();
  const auto [requests, snapshot] = fed_snapshot(plan, 45, 100);
  std::vector<mk::plan> others(6, plan);
  others[0].prices[0].unit_amount = mk::decimal::from_integer(3);
  others[1].meters[1].event_time_window = mk::window_kind::day;
  others[2].settings.invoice_finalization_delay = mk::seconds{7200};
  others[3].customers.push_back("cus_5");
  others[4].subscriptions[1].trial_end = at("2025-01-25T00:00:00Z");
  others[5].subscriptions[0].items[5].quantity = 4;
  for (std::size_t i = 0; i < others.size(); ++i) {
    BOOST_TEST_CONTEXT("changed plan " << i) {
      BOOST_CHECK_THROW(restore(others[i], snapshot), mk::snapshot_plan_mismatch);
    }
  }
  BOOST_CHECK_NO_THROW(restore(snapshot_plan(), snapshot));
}

BOOST_AUTO_TEST_CASE(snapshot_whose_parts_clocks_lie_ahead_is_refused_at_restore_not_at_the_next_apply) {
  // Damage behind a valid checksum (recomputed) that moves the clock of the meter ledger or of a
  // usage-record book ahead of the simulator's: restore refuses it as corrupt; it must not restore
  // and then refuse the next request as a programming error (precondition_error). What restores
  // applies the rest of the stream. Two outcomes stay: a damaged quantity that overflows (reported
  // as overflow_error), and the simulator's own clock moved ahead, which no part contradicts (a
  // snapshot whose latest request was refused looks the same): the next, earlier request is then
  // refused as out of arrival order, as it would be without the snapshot.
  const auto plan = snapshot_plan();
  const auto requests = stream_generator(46).generate(300);
  mk::invoice_simulator sim(plan);
  for (std::size_t i = 0; i < 150; ++i) sim.apply(requests[i]);
  const std::string snapshot = save(sim);
  constexpr std::size_t head = 28;
  std::mt19937_64 rng(777);
  for (int round = 0; round < 4000; ++round) {
    std::string damaged = snapshot;
    const std::size_t i = head + rng() % (damaged.size() - head - 4);
    damaged[i] = static_cast<char>(damaged[i] ^ static_cast<char>(1 + rng() % 255));
    damaged = with_checksum_recomputed(std::move(damaged));
    std::optional<mk::invoice_simulator> restored;
    try {
      restored.emplace(restore(plan, damaged));
    } catch (const mk::corrupt_state_error&) {
      continue;
    }
    try {
      for (std::size_t k = 150; k < requests.size(); ++k) restored->apply(requests[k]);
      (void)restored->result(requests.back().received_at);
    } catch (const mk::overflow_error&) {
    } catch (const mk::configuration_error& e) {
      BOOST_TEST(std::string(e.what()).find("arrival order") != std::string::npos,
                 "byte " << i << ": " << e.what());
    } catch (const std::exception& e) {
      BOOST_ERROR("byte " << i << " changed: restored, then the next apply threw " << e.what());
    }
  }
}

BOOST_AUTO_TEST_CASE(B3_M11_restore_refuses_bounded_bookkeeping_that_no_stream_can_leave) {
  // The three states the snapshot fuzz harness found restore accepting behind a valid checksum
  // (tests/fuzz/regressions/snapshot/), each of which made the next request break a meter
  // precondition: a settled-through time after the ledger's latest submission, a bounded history
  // whose open periods or fixed quantities do not match its subscriptions, and a settled segment
  // across a billing period; and a fourth found by this test: a settled segment whose start or end
  // is not a boundary `place` cuts at (moved a second), which the next event of its time overlapped.
  // Every saved time of a bounded history (an 8-byte word that reads as one in the stream's range)
  // is moved a second, a day back, a day or 40 days on, and the checksum recomputed: restore
  // refuses each as corrupt_state_error, or gives a simulator that takes the rest of the stream.
  // Among the refusals are the four checks by name.
  const auto plan = snapshot_plan();
  const auto requests = stream_generator(48).generate(640);
  mk::cancellation_targets targets;
  for (const auto& r : requests) targets.add(r);
  mk::simulator_history history;
  history.bounded = true;
  history.forget_from = 1;
  history.cancelled_later = std::cref(targets);
  mk::invoice_simulator sim(plan, history);
  for (std::size_t i = 0; i < 600; ++i) sim.apply(requests[i]);
  const std::string snapshot = save(sim);
  const auto restore_bounded = [&](const std::string& bytes) {
    std::istringstream in(bytes);
    return mk::invoice_simulator::restore(plan, in, history);
  };
  BOOST_REQUIRE_NO_THROW((void)restore_bounded(snapshot));
  const std::int64_t first = mk::to_unix(at("2024-12-01T00:00:00Z"));
  const std::int64_t last = mk::to_unix(at("2025-06-01T00:00:00Z"));
  constexpr std::size_t head = 28;
  std::vector<std::string> refusals;
  std::size_t words = 0;
  for (std::size_t at_byte = head; at_byte + 8 + 4 <= snapshot.size(); ++at_byte) {
    std::uint64_t word = 0;
    for (std::size_t k = 0; k < 8; ++k)
      word |= std::uint64_t{static_cast<unsigned char>(snapshot[at_byte + k])} << (8 * k);
    const auto saved = static_cast<std::int64_t>(word);
    if (saved < first || saved > last) continue;
    ++words;
    for (const std::int64_t delta :
         {std::int64_t{1}, std::int64_t{86400}, std::int64_t{-86400}, std::int64_t{40 * 86400}}) {
      std::string damaged = snapshot;
      const auto moved = static_cast<std::uint64_t>(saved + delta);
      for (std::size_t k = 0; k < 8; ++k)
        damaged[at_byte + k] = static_cast<char>(static_cast<unsigned char>(moved >> (8 * k)));
      damaged = with_checksum_recomputed(std::move(damaged));
      std::optional<mk::invoice_simulator> restored;
      try {
        restored.emplace(restore_bounded(damaged));
      } catch (const mk::corrupt_state_error& e) {
        refusals.emplace_back(e.what());
        continue;
      }
      try {
        for (std::size_t k = 600; k < requests.size(); ++k) restored->apply(requests[k]);
        (void)restored->result(requests.back().received_at);
      } catch (const mk::overflow_error&) {
      } catch (const mk::configuration_error& e) {
        BOOST_TEST(std::string(e.what()).find("arrival order") != std::string::npos,
                   "byte " << at_byte << " moved " << delta << ": " << e.what());
      } catch (const std::exception& e) {
        BOOST_ERROR("byte " << at_byte << " moved " << delta << ": restored, then the rest threw "
                            << e.what());
      }
    }
  }
  BOOST_TEST_MESSAGE(words << " saved times moved, " << refusals.size() << " refusals");
  for (const char* check : {"meter ledger: records settled after the latest submission",
                            "bounded history: an open period that is not one of its subscription's",
                            "bounded history: a settled segment across a billing period",
                            "bounded history: a settled segment that starts or ends between billing period "
                            "boundaries"}) {
    BOOST_TEST(std::any_of(refusals.begin(), refusals.end(),
                           [&](const std::string& what) { return what.find(check) != std::string::npos; }),
               check);
  }
  for (const auto& r : refusals) BOOST_TEST_MESSAGE(r);
}

BOOST_AUTO_TEST_SUITE_END()
