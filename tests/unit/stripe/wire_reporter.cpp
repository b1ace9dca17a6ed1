// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/wire/reporter.hpp>

#include <meterkit/billing/replay.hpp>
#include <meterkit/stripe/request_log.hpp>

#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

BOOST_AUTO_TEST_SUITE(stripe_wire_reporter)

using namespace meterkit;

namespace {

constexpr std::int64_t hour = 3600;
constexpr std::int64_t day = 86400;
const timestamp t0 = from_unix(1'735'689'600);  // 2025-01-01T00:00:00Z

wire_time wire_at(timestamp t) { return std::chrono::time_point_cast<wire_duration>(t); }

struct seeded_unit {
  std::mt19937_64 rng;
  double operator()() { return std::uniform_real_distribution<double>(0, 1)(rng); }
};

/// Thrown by the test transport to stand for a process that dies mid-call.
struct crash : std::runtime_error {
  crash() : std::runtime_error("crash") {}
};

meter_definition meter(std::string id, std::string event_name, formula_kind f,
                       window_kind w = window_kind::none) {
  meter_definition m;
  m.id = std::move(id);
  m.event_name = std::move(event_name);
  m.formula = f;
  m.event_time_window = w;
  return m;
}

price metered(std::string id, std::optional<std::string> meter_id, std::optional<std::string> aggregate,
              billing_interval interval, std::int64_t unit) {
  price p{std::move(id), currency("usd")};
  p.unit_amount = decimal::from_integer(unit);
  p.recurring.usage_type = usage_type::metered;
  p.recurring.meter = std::move(meter_id);
  if (aggregate) p.recurring.aggregate_usage = *parse_aggregate_usage(*aggregate);
  p.recurring.interval = interval;
  return p;
}

const std::vector<std::string> meter_ids = {"mtr_sum", "mtr_count", "mtr_last", "mtr_hour", "mtr_day"};
const std::vector<std::string> legacy_modes = {"sum", "last_during_period", "last_ever", "max"};

/// Meters of every kind, legacy prices of every mode, and customers on daily, weekly and
/// monthly cycles with random anchors and trials.
plan random_plan(std::mt19937_64& rng, int customers) {
  plan p;
  p.meters = {meter("mtr_sum", "ev_sum", formula_kind::sum),
              meter("mtr_count", "ev_count", formula_kind::count),
              meter("mtr_last", "ev_last", formula_kind::last),
              meter("mtr_hour", "ev_hour", formula_kind::sum, window_kind::hour),
              meter("mtr_day", "ev_day", formula_kind::last, window_kind::day)};
  const billing_interval intervals[] = {
      {interval_unit::day, 1}, {interval_unit::week, 1}, {interval_unit::month, 1}};
  for (const auto& iv : intervals) {
    const std::string suffix = "_" + std::to_string(static_cast<int>(iv.unit));
    for (std::size_t m = 0; m < meter_ids.size(); ++m)
      p.prices.push_back(
          metered("price_" + meter_ids[m] + suffix, meter_ids[m], {}, iv, static_cast<std::int64_t>(m) + 1));
    for (const auto& mode : legacy_modes)
      p.prices.push_back(metered("price_l" + mode + suffix, {}, mode, iv, 3));
  }
  for (int c = 0; c < customers; ++c) {
    const int subs = 1 + static_cast<int>(rng() % 2);
    for (int s = 0; s < subs; ++s) {
      subscription sub;
      sub.id = "sub_" + std::to_string(c) + "_" + std::to_string(s);
      sub.customer = "cus_" + std::to_string(c);
      sub.start_date = t0 - seconds{static_cast<std::int64_t>(rng() % (20 * day))};
      if (rng() % 3 == 0)
        sub.billing_cycle_anchor = sub.start_date + seconds{static_cast<std::int64_t>(rng() % (3 * day))};
      if (rng() % 5 == 0)
        sub.trial_end = sub.start_date + seconds{static_cast<std::int64_t>(1 + rng() % (25 * day))};
      const std::string suffix = "_" + std::to_string(static_cast<int>(intervals[rng() % 3].unit));
      for (const auto& m : meter_ids)
        sub.items.push_back({"si_" + sub.id + "_" + m, "price_" + m + suffix, 1});
      if (s == 0) {
        for (const auto& mode : legacy_modes)
          sub.items.push_back({"si_" + sub.id + "_l" + mode, "price_l" + mode + suffix, 1});
      }
      p.subscriptions.push_back(std::move(sub));
    }
  }
  p.customers.push_back("cus_free");
  return p;
}

/// One local operation: what the local truth accepted, and the same as a request for the truth's
/// own simulation.
/// A local meter event as these tests keep it: the plan's meter, the customer and the record.
struct local_event {
  std::string meter_id;
  std::string customer;
  event_record record;
};

struct local_op {
  enum class kind { event, cancel, usage } what = kind::event;
  local_event event;  // event, and the cancelled original
  std::string item;   // usage
  checked_usage_record usage;
  timestamp received_at{};
  request as_request;
};

struct scenario {
  plan billing;
  std::vector<local_op> ops;
  std::vector<request> truth;
};

billing_schedule<> schedule_of(const plan& p, const subscription& s) {
  for (const auto& pr : p.prices) {
    if (pr.id == s.items.front().price)
      return billing_schedule<>(s.start_date, s.billing_cycle_anchor, s.trial_end, pr.recurring.interval);
  }
  throw std::logic_error("no price");
}

/// Local usage arriving within the margin before a deadline may miss its invoice by design; the
/// property is about everything else.
bool quiet_zone_meter(const plan& p, const std::string& customer, timestamp a, seconds margin) {
  for (const auto& s : p.subscriptions) {
    if (s.customer != customer) continue;
    const auto sched = schedule_of(p, s);
    const timestamp x = a - p.settings.invoice_finalization_delay;
    if (detail::first_end_at_or_after(sched, x) < x + margin) return true;
  }
  return false;
}
bool quiet_zone_legacy(const billing_schedule<>& sched, timestamp a, seconds margin) {
  const auto p = sched.period_containing(a);
  return p && p->end < a + margin + seconds{1};
}

scenario random_scenario(std::mt19937_64& rng, int customers, int operations, seconds margin) {
  scenario sc;
  sc.billing = random_plan(rng, customers);
  const auto& p = sc.billing;
  std::vector<std::pair<std::string, billing_schedule<>>> legacy_items;
  for (const auto& s : p.subscriptions) {
    for (const auto& it : s.items) {
      for (const auto& mode : legacy_modes) {
        if (it.id.ends_with("_l" + mode)) legacy_items.emplace_back(it.id, schedule_of(p, s));
      }
    }
  }
  std::vector<std::int64_t> arrivals;
  for (int i = 0; i < operations; ++i) arrivals.push_back(static_cast<std::int64_t>(rng() % (6 * day)));
  std::sort(arrivals.begin(), arrivals.end());
  std::vector<std::size_t> cancellable;  // indexes of sum/count events not cancelled yet
  std::uint64_t next_arrival = 0;
  int n = 0;
  for (const std::int64_t offset : arrivals) {
    const timestamp a = t0 + seconds{offset};
    local_op op;
    op.received_at = a;
    const auto roll = rng() % 100;
    request r;
    r.received_at = a;
    r.source = "local:" + std::to_string(++n);
    if (roll < 12 && !legacy_items.empty()) {
      const auto& [item, sched] = legacy_items[rng() % legacy_items.size()];
      const auto period_now = sched.period_containing(a);
      if (!period_now || quiet_zone_legacy(sched, a, margin)) continue;
      const std::int64_t span = to_unix(a) - to_unix(period_now->start);
      const timestamp ts = period_now->start +
                           seconds{static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(span + 1))};
      const std::int64_t q = static_cast<std::int64_t>(rng() % 50);
      const bool is_sum = item.ends_with("_lsum");
      op.what = local_op::kind::usage;
      op.item = item;
      op.usage = checked_usage_record{q, is_sum ? usage_action::increment : usage_action::set, ts, a};
      r.operations.emplace_back(usage_record{item, std::to_string(q), std::to_string(to_unix(ts)),
                                             std::string(is_sum ? "increment" : "set")});
    } else if (roll < 20 && !cancellable.empty()) {
      const std::size_t pick = rng() % cancellable.size();
      const local_op& original = sc.ops[cancellable[pick]];
      const auto age = to_unix(a) - to_unix(original.received_at);
      if (age <= 0 || age >= day - 3 * hour || quiet_zone_meter(p, original.event.customer, a, margin))
        continue;
      op.what = local_op::kind::cancel;
      op.event = original.event;
      const std::string event_name = original.event.meter_id == "mtr_sum" ? "ev_sum" : "ev_count";
      r.operations.emplace_back(meter_event_adjustment{
          event_name, std::string("cancel"), "loc_" + std::to_string(original.event.record.arrival)});
      cancellable.erase(cancellable.begin() + static_cast<std::ptrdiff_t>(pick));
    } else {
      const std::size_t m = rng() % meter_ids.size();
      const std::string customer =
          rng() % 9 == 0 ? "cus_free"
                         : "cus_" + std::to_string(rng() % static_cast<std::uint64_t>(customers));
      if (quiet_zone_meter(p, customer, a, margin)) continue;
      const timestamp t =
          a - seconds{static_cast<std::int64_t>(rng() % 4 == 0 ? rng() % (3 * day) : rng() % (2 * hour))};
      const std::int64_t value = static_cast<std::int64_t>(rng() % 120) - (m == 0 ? 20 : 0);
      op.what = local_op::kind::event;
      op.event = {meter_ids[m], customer, event_record{t, a, next_arrival++, value}};
      r.operations.emplace_back(
          meter_event{p.meters[m].event_name,
                      {{"stripe_customer_id", customer}, {"value", std::to_string(value)}},
                      "loc_" + std::to_string(op.event.record.arrival),
                      t});
      if (m <= 1) cancellable.push_back(sc.ops.size());
    }
    op.as_request = r;
    sc.truth.push_back(std::move(r));
    sc.ops.push_back(std::move(op));
  }
  return sc;
}

/// Stripe as the test sees it: records what was delivered, with its arrival, and misbehaves on
/// purpose (errors before and after applying, lost responses, duplicates, crashes).
struct fake_stripe {
  manual_clock* clock = nullptr;
  std::mt19937_64 rng{1};
  int fault_percent = 0;
  bool crashes = false;
  std::vector<nlohmann::json> delivered;
  int sessions = 0;
  std::uint64_t attempts = 0;

  void deliver(const api_request& r) {
    if (auto line = request_log_entry(r, clock->seconds_now())) delivered.push_back(std::move(*line));
  }
  api_response operator()(const api_request& r) {
    ++attempts;
    if (r.path == "/v2/billing/meter_event_session") {
      const std::string token = "tok_" + std::to_string(++sessions);
      const auto now = clock->seconds_now();
      return {200, {}, meter_event_session_body("mes_" + token, token, now, now + seconds{900})};
    }
    const auto roll = static_cast<int>(rng() % 100);
    if (roll < fault_percent) {
      switch (rng() % (crashes ? 7 : 5)) {
        case 0:
          return {500, {}, error_body("api_error", "", "try again")};
        case 1:
          return {429,
                  {{"Stripe-Should-Retry", "true"}},
                  error_body("rate_limit_error", "rate_limit", "slow down")};
        case 2:
          deliver(r);
          return api_response::connection_error();  // applied, answer lost
        case 3:
          deliver(r);
          return {503, {}, error_body("api_error", "", "applied but failed to answer")};
        case 4:
          deliver(r);
          deliver(r);  // the same request twice
          return {200, {}, "{}"};
        case 5:
          throw crash();
        default:
          deliver(r);
          throw crash();
      }
    }
    deliver(r);
    return {200, {}, "{}"};
  }
};

using transport_fn = std::function<api_response(const api_request&)>;
using test_client = stripe_client<transport_fn, manual_clock, seeded_unit>;

struct run_result {
  std::vector<request> delivered;
  timestamp until{};
  std::uint64_t calls = 0;
  std::uint64_t local_operations = 0;
  std::uint64_t restarts = 0;
  std::vector<rejection> failures;
};

/// Drives a reporter over the scenario: flushes at every due tick, restarts from a stale
/// checkpoint now and then (and after every crash), and re-feeds what the checkpoint asks for.
run_result drive(const scenario& sc, reporter_options options, std::uint64_t seed, int fault_percent,
                 bool restarts) {
  manual_clock clock(wire_at(t0 - seconds{day}));
  fake_stripe stripe;
  stripe.clock = &clock;
  stripe.rng.seed(seed ^ 0xfa17);
  stripe.fault_percent = fault_percent;
  stripe.crashes = restarts;
  seeded_unit unit{std::mt19937_64(seed)};
  std::mt19937_64 chaos(seed ^ 0xc4a05);
  api_settings settings;
  settings.secret_key = "sk_test_reporter";
  client_options copts;
  copts.limits = rate_limits::live();

  std::unique_ptr<usage_reporter> reporter;
  std::unique_ptr<test_client> client;
  std::unique_ptr<meter_event_stream<test_client>> stream;
  run_result out;
  std::vector<std::pair<reporter_checkpoint, wire_time>> history{{reporter_checkpoint{}, clock.now()}};
  const timestamp first_send = clock.seconds_now();
  std::size_t fed = 0;

  const auto feed = [&](const local_op& op) {
    switch (op.what) {
      case local_op::kind::event:
        reporter->record(op.event.meter_id, op.event.customer, op.event.record);
        break;
      case local_op::kind::cancel:
        BOOST_REQUIRE(reporter->cancel(op.event.meter_id, op.event.customer, op.event.record, op.received_at)
                          .accepted());
        break;
      case local_op::kind::usage:
        reporter->record(op.item, op.usage);
        break;
    }
  };
  const auto start = [&](const reporter_checkpoint& cp) {
    if (reporter) {
      out.calls += reporter->stats().calls;
      out.local_operations += reporter->stats().local_operations;
      for (const auto& f : reporter->stats().failures) out.failures.push_back(f);
    }
    reporter = std::make_unique<usage_reporter>(sc.billing, options, cp);
    client = std::make_unique<test_client>(
        settings, [&stripe](const api_request& r) { return stripe(r); }, clock, unit, copts);
    stream = std::make_unique<meter_event_stream<test_client>>(*client);
    const auto after = cp.replay_after(options.flush_interval);
    for (std::size_t i = 0; i < fed; ++i) {
      if (!after || sc.ops[i].received_at > *after) feed(sc.ops[i]);
    }
  };
  const auto restart = [&] {
    ++out.restarts;
    // A checkpoint that is still resumable (its watermark within the replay window, W2), maybe
    // not the latest one: the latest may not have been saved.
    std::vector<std::size_t> recent;
    for (std::size_t i = 0; i < history.size(); ++i) {
      if (history[i].first.resumable_at(clock.seconds_now(), first_send)) recent.push_back(i);
    }
    const std::size_t pick = recent.empty() ? history.size() - 1 : recent[chaos() % recent.size()];
    start(history[pick].first);
  };
  const auto flush_before = [&](std::optional<timestamp> limit) {
    int guard = 0;
    while (auto due = reporter->next_due()) {
      if (limit && !(*due < *limit)) break;
      BOOST_REQUIRE_MESSAGE(++guard < 10000, "seed " << seed << ": the reporter does not make progress");
      clock.advance_to(wire_at(*due));
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
      try {
        const auto r = reporter->flush(*due, *client, *stream);
        if (r.complete()) history.emplace_back(reporter->checkpoint(), clock.now());
      } catch (const crash&) {
        restart();
        continue;
      }
#endif
      if (restarts && chaos() % 25 == 0) restart();
    }
  };

  start(reporter_checkpoint{});
  for (const auto& op : sc.ops) {
    flush_before(op.received_at);
    feed(op);
    ++fed;
  }
  flush_before(std::nullopt);
  out.calls += reporter->stats().calls;
  out.local_operations += reporter->stats().local_operations;
  for (const auto& f : reporter->stats().failures) out.failures.push_back(f);
  out.until = clock.seconds_now() + seconds{1};
  if (!sc.ops.empty()) out.until = std::max(out.until, sc.ops.back().received_at + seconds{1});
  for (std::size_t i = 0; i < stripe.delivered.size(); ++i) {
    out.delivered.push_back(request_from_log_entry(stripe.delivered[i], "stripe:" + std::to_string(i + 1)));
  }
  return out;
}

std::string describe(const std::vector<invoice>& a, const std::vector<invoice>& b) {
  std::string out;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i] == b[i]) continue;
    out += a[i].subscription + " created " + std::to_string(to_unix(a[i].created)) + ":";
    for (std::size_t l = 0; l < std::min(a[i].lines.size(), b[i].lines.size()); ++l) {
      if (a[i].lines[l] == b[i].lines[l]) continue;
      out += " " + a[i].lines[l].subscription_item + " truth " + std::to_string(a[i].lines[l].quantity) +
             " stripe " + std::to_string(b[i].lines[l].quantity) + " [" +
             std::to_string(to_unix(a[i].lines[l].service_period.start)) + "," +
             std::to_string(to_unix(a[i].lines[l].service_period.end)) + ")";
    }
    out += "\n";
  }
  if (a.size() != b.size()) out += "invoice counts differ\n";
  return out;
}

/// Checks the property for one seed; returns how many restarts the run went through.
std::uint64_t check_property(std::uint64_t seed, int fault_percent, bool restarts, events_api api) {
  std::mt19937_64 rng(seed);
  reporter_options options;
  options.api = api;
  options.flush_interval = seconds{rng() % 2 == 0 ? hour : 15 * 60};
  const scenario sc = random_scenario(rng, 3 + static_cast<int>(rng() % 3), 400, options.finalization_margin);
  const auto run = drive(sc, options, seed, fault_percent, restarts);
  const auto truth = simulate(sc.billing, sc.truth, run.until);
  BOOST_REQUIRE_MESSAGE(truth.rejected.empty(),
                        "seed " << seed << ": the generator made an operation the truth refuses: "
                                << (truth.rejected.empty() ? "" : truth.rejected.front().message));
  const auto stripe = simulate(sc.billing, run.delivered, run.until);
  BOOST_REQUIRE_MESSAGE(
      run.failures.empty(),
      "seed " << seed << ": Stripe refused " << (run.failures.empty() ? "" : run.failures.front().message));
  for (const auto& r : stripe.rejected) {
    BOOST_REQUIRE_MESSAGE(
        r.code == error_code::duplicate_meter_event,
        "seed " << seed << ": only repeats may be refused, not " << to_string(r.code) << " " << r.message);
  }
  BOOST_REQUIRE_MESSAGE(truth.invoices == stripe.invoices,
                        "seed " << seed << " faults " << fault_percent << " restarts " << restarts << ":\n"
                                << describe(truth.invoices, stripe.invoices));
  return run.restarts;
}

report_tick only_tick(const usage_reporter& r) {
  const auto ticks = r.due(from_unix(to_unix(latest_time)));
  BOOST_REQUIRE(ticks.size() == 1u);
  return ticks.front();
}

plan one_customer_plan() {
  plan p;
  p.meters = {meter("mtr_sum", "ev_sum", formula_kind::sum),
              meter("mtr_count", "ev_count", formula_kind::count),
              meter("mtr_last", "ev_last", formula_kind::last),
              meter("mtr_hour", "ev_hour", formula_kind::sum, window_kind::hour)};
  p.prices = {metered("p_sum", "mtr_sum", {}, {}, 1), metered("p_count", "mtr_count", {}, {}, 1),
              metered("p_lsum", {}, "sum", {}, 1), metered("p_lmax", {}, "max", {}, 1)};
  subscription s;
  s.id = "sub_1";
  s.customer = "cus_1";
  s.start_date = t0;
  s.items = {
      {"si_sum", "p_sum", 1}, {"si_count", "p_count", 1}, {"si_lsum", "p_lsum", 1}, {"si_lmax", "p_lmax", 1}};
  p.subscriptions = {s};
  return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(W1_sums_of_one_customer_and_flush_cell_become_one_event) {
  usage_reporter r(one_customer_plan());
  for (std::uint64_t i = 0; i < 100; ++i) {
    r.record("mtr_sum", "cus_1",
             event_record{t0 + seconds{60 + static_cast<std::int64_t>(i)}, t0 + seconds{200}, i, 3});
  }
  const auto tick = only_tick(r);
  BOOST_TEST(to_unix(tick.tick) == to_unix(t0) + hour);  // the next hourly tick
  BOOST_REQUIRE(tick.events.size() == 1u);
  BOOST_TEST(tick.events[0].payload[1].second == "300");
  // The latest second of the cell at or before the tick: as far from the 35-day edge as can be (M4).
  BOOST_TEST(to_unix(*tick.events[0].timestamp) == to_unix(t0) + hour - 1);
  BOOST_TEST(tick.events[0].identifier->starts_with("mk_"));
  BOOST_TEST(r.stats().local_operations == 100u);
}

BOOST_AUTO_TEST_CASE(D13_a_total_beyond_fifteen_digits_goes_in_parts_of_the_same_cell) {
  usage_reporter r(one_customer_plan());
  r.record("mtr_sum", "cus_1", event_record{t0 + seconds{10}, t0 + seconds{10}, 1, 900'000'000'000'000});
  r.record("mtr_sum", "cus_1", event_record{t0 + seconds{11}, t0 + seconds{11}, 2, 900'000'000'000'000});
  const auto tick = only_tick(r);
  BOOST_REQUIRE(tick.events.size() == 2u);
  BOOST_TEST(tick.events[0].payload[1].second == "999999999999999");
  BOOST_TEST(tick.events[1].payload[1].second == "800000000000001");
  BOOST_TEST(*tick.events[0].identifier != *tick.events[1].identifier);
}

BOOST_AUTO_TEST_CASE(B3_usage_is_flushed_at_the_deadline_before_finalization_not_at_the_next_grid_tick) {
  plan p = one_customer_plan();
  reporter_options o;
  o.flush_interval = seconds{day};
  usage_reporter r(p, o);
  // The January period ends 2025-02-01; finalized an hour later; deadline 10 minutes before that.
  const timestamp end = t0 + seconds{31 * day};
  const timestamp deadline = end + seconds{3600 - 600};
  BOOST_TEST(to_unix(r.meter_tick("cus_1", end - seconds{5})) == to_unix(end));       // a grid tick first
  BOOST_TEST(to_unix(r.meter_tick("cus_1", end + seconds{5})) == to_unix(deadline));  // then the deadline
  BOOST_TEST(to_unix(r.meter_tick("cus_1", deadline + seconds{1})) == to_unix(end) + day);  // then the grid
  BOOST_TEST(to_unix(r.meter_tick("cus_free", end + seconds{5})) == to_unix(end) + day);    // no subscription
}

BOOST_AUTO_TEST_CASE(M10_count_cancellations_drop_unsent_events_and_adjust_sent_ones) {
  usage_reporter r(one_customer_plan());
  const event_record a{t0 + seconds{10}, t0 + seconds{10}, 1, 1};
  const event_record b{t0 + seconds{20}, t0 + seconds{20}, 2, 1};
  r.record("mtr_count", "cus_1", a);
  r.record("mtr_count", "cus_1", b);
  BOOST_TEST(r.cancel("mtr_count", "cus_1", a, t0 + seconds{30}).accepted());  // same tick: never sent
  const auto first = r.due(t0 + seconds{hour});
  BOOST_REQUIRE(first.size() == 1u);
  BOOST_TEST(first[0].events.size() == 1u);
  BOOST_TEST(first[0].adjustments.empty());
  r.mark_done(first[0].tick);
  BOOST_TEST(
      r.cancel("mtr_count", "cus_1", b, t0 + seconds{hour + 5}).accepted());  // sent already: an adjustment
  const auto second = only_tick(r);
  BOOST_REQUIRE(second.adjustments.size() == 1u);
  BOOST_TEST(second.adjustments[0].first.cancel_identifier.value() == first[0].events[0].identifier.value());
}

BOOST_AUTO_TEST_CASE(W1_M7_M8_M9_batching_is_a_trait_of_the_formula_and_the_ingestion) {
  static_assert(report_policy<sum, raw>::batching == report_batching::sum_per_cell);
  static_assert(report_policy<count, raw>::batching == report_batching::every_event);
  static_assert(report_policy<last_value, raw>::batching == report_batching::latest_per_segment);
  static_assert(report_policy<sum, pre_aggregated<utc_hour>>::batching ==
                report_batching::latest_arrival_per_window);
  static_assert(report_policy<count, pre_aggregated<utc_day>>::batching ==
                report_batching::latest_arrival_per_window);
  static_assert(report_policy<sum, raw>::reports_cancellations &&
                report_policy<count, raw>::reports_cancellations);
  static_assert(!report_policy<last_value, raw>::reports_cancellations);
  static_assert(!report_policy<last_value, pre_aggregated<utc_hour>>::reports_cancellations);
  // A daily pre-aggregated meter keeps one event per UTC day, its ingestion's own window.
  plan p = one_customer_plan();
  meter_definition daily;
  daily.id = "mtr_day";
  daily.event_name = "daily";
  daily.event_time_window = window_kind::day;
  p.meters.push_back(daily);
  usage_reporter r(p);
  r.record("mtr_day", "cus_1", event_record{t0 + seconds{100}, t0 + seconds{200}, 1, 40});
  r.record("mtr_day", "cus_1", event_record{t0 + seconds{7200}, t0 + seconds{300}, 2, 70});
  const auto ticks = r.due(t0 + seconds{86400});
  std::size_t sent = 0;
  for (const auto& t : ticks) {
    for (const auto& e : t.events) {
      if (e.event_name != "daily") continue;
      ++sent;
      BOOST_TEST(e.payload.back().second == "70");  // the latest arrival of the day (M8)
    }
  }
  BOOST_TEST(sent == 1u);
}

BOOST_AUTO_TEST_CASE(M9_M8_cancelling_last_or_pre_aggregated_events_is_refused_not_dropped) {
  usage_reporter r(one_customer_plan());
  const event_record e{t0, t0, 1, 5};
  BOOST_TEST((r.cancel("mtr_last", "cus_1", e, t0 + seconds{5}).code() == error_code::invalid_configuration));
  BOOST_TEST((r.cancel("mtr_hour", "cus_1", e, t0 + seconds{5}).code() == error_code::invalid_configuration));
  BOOST_TEST((r.cancel("nope", "cus_1", e, t0).code() == error_code::no_meter));
}

BOOST_AUTO_TEST_CASE(M8_pre_aggregated_windows_send_their_latest_arrival_only) {
  usage_reporter r(one_customer_plan());
  r.record("mtr_hour", "cus_1", event_record{t0 + seconds{100}, t0 + seconds{200}, 1, 40});
  r.record("mtr_hour", "cus_1", event_record{t0 + seconds{50}, t0 + seconds{300}, 2, 70});
  r.record("mtr_hour", "cus_1", event_record{t0 + seconds{hour + 1}, t0 + seconds{400}, 3, 9});
  const auto tick = only_tick(r);
  BOOST_REQUIRE(tick.events.size() == 2u);
  BOOST_TEST(tick.events[0].payload[1].second == "70");
  BOOST_TEST(to_unix(*tick.events[0].timestamp) == to_unix(t0) + 50);
  BOOST_TEST(tick.events[1].payload[1].second == "9");
}

BOOST_AUTO_TEST_CASE(L3_legacy_sum_is_one_increment_and_max_one_set_per_timestamp) {
  usage_reporter r(one_customer_plan());
  r.record("si_lsum", checked_usage_record{4, usage_action::increment, t0 + seconds{10}, t0 + seconds{10}});
  r.record("si_lsum", checked_usage_record{6, usage_action::increment, t0 + seconds{20}, t0 + seconds{20}});
  r.record("si_lmax", checked_usage_record{4, usage_action::set, t0 + seconds{10}, t0 + seconds{10}});
  r.record("si_lmax", checked_usage_record{2, usage_action::set, t0 + seconds{10}, t0 + seconds{15}});
  r.record("si_lmax", checked_usage_record{3, usage_action::set, t0 + seconds{20}, t0 + seconds{20}});
  BOOST_TEST(
      !r.record("si_sum", checked_usage_record{1, usage_action::increment, t0, t0}));  // not a legacy item
  const auto tick = only_tick(r);
  BOOST_REQUIRE(tick.usage_records.size() == 3u);
  const auto& sum = tick.usage_records[0].first;
  BOOST_TEST(sum.subscription_item == "si_lsum");
  BOOST_TEST(usage_parameter_text(sum.quantity).value() == "10");
  BOOST_TEST(sum.action.value() == "increment");
  BOOST_TEST(usage_parameter_text(sum.timestamp).value() == std::to_string(to_unix(t0) + 20));
  BOOST_TEST(usage_parameter_text(tick.usage_records[1].first.quantity).value() ==
             "2");  // the later set at t0+10 wins
  BOOST_TEST(usage_parameter_text(tick.usage_records[2].first.quantity).value() == "3");
}

BOOST_AUTO_TEST_CASE(W2_a_restarted_reporter_rebuilds_the_same_calls_with_the_same_identifiers) {
  std::mt19937_64 rng(99);
  const auto sc = random_scenario(rng, 3, 300, seconds{600});
  usage_reporter first(sc.billing);
  const auto half = sc.ops[sc.ops.size() / 2].received_at;
  for (const auto& op : sc.ops) {
    if (op.what == local_op::kind::event) first.record(op.event.meter_id, op.event.customer, op.event.record);
    if (op.what == local_op::kind::cancel)
      (void)first.cancel(op.event.meter_id, op.event.customer, op.event.record, op.received_at);
    if (op.what == local_op::kind::usage) first.record(op.item, op.usage);
  }
  const auto all = first.due(from_unix(to_unix(latest_time)));
  first.mark_done(half);
  const auto cp = first.checkpoint();
  usage_reporter second(sc.billing, {}, cp);
  for (const auto& op : sc.ops) {
    if (op.received_at <= *cp.replay_after(seconds{hour})) continue;
    if (op.what == local_op::kind::event)
      second.record(op.event.meter_id, op.event.customer, op.event.record);
    if (op.what == local_op::kind::cancel)
      (void)second.cancel(op.event.meter_id, op.event.customer, op.event.record, op.received_at);
    if (op.what == local_op::kind::usage) second.record(op.item, op.usage);
  }
  const auto rest = second.due(from_unix(to_unix(latest_time)));
  std::vector<report_tick> want;
  for (const auto& t : all) {
    if (t.tick > half) want.push_back(t);
  }
  BOOST_REQUIRE(rest.size() == want.size());
  for (std::size_t i = 0; i < rest.size(); ++i) {
    BOOST_TEST((rest[i].events == want[i].events));
    BOOST_TEST((rest[i].usage_records == want[i].usage_records));
    BOOST_TEST((rest[i].adjustments == want[i].adjustments));
  }
}

BOOST_AUTO_TEST_CASE(W1_the_reporter_reads_a_local_meter_and_its_cancellations) {
  meterkit::meter<sum, raw> local;
  local.add("cus_1", event_record{t0 + seconds{5}, t0 + seconds{5}, 1, 10, never});
  local.add("cus_1", event_record{t0 + seconds{6}, t0 + seconds{6}, 2, 7, t0 + seconds{30}});
  usage_reporter r(one_customer_plan());
  r.sync("mtr_sum", local, std::nullopt, t0 + seconds{60});
  const auto tick = only_tick(r);
  BOOST_REQUIRE(tick.events.size() == 1u);
  BOOST_TEST(tick.events[0].payload[1].second == "10");
  BOOST_TEST(r.stats().local_operations == 3u);
}

BOOST_AUTO_TEST_CASE(W2_replaying_the_reporters_calls_bills_exactly_the_local_truth) {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) check_property(seed, 0, false, events_api::v2_stream);
}

BOOST_AUTO_TEST_CASE(W2_I2_the_same_holds_under_retries_lost_answers_and_duplicates) {
  for (std::uint64_t seed = 400; seed < 412; ++seed) check_property(seed, 20, false, events_api::v2_stream);
}

BOOST_AUTO_TEST_CASE(W2_I2_M5_the_same_holds_under_restarts_without_faults) {
  std::uint64_t restarts = 0;
  for (std::uint64_t seed = 500; seed < 512; ++seed)
    restarts += check_property(seed, 0, true, events_api::v2_stream);
  BOOST_TEST(restarts > 20u);  // the runs did restart
}

BOOST_AUTO_TEST_CASE(W2_I2_M5_the_same_holds_under_retries_lost_answers_duplicates_and_restarts) {
  std::uint64_t restarts = 0;
  for (std::uint64_t seed = 100; seed < 124; ++seed)
    restarts += check_property(seed, 20, true, events_api::v2_stream);
  for (std::uint64_t seed = 200; seed < 206; ++seed)
    restarts += check_property(seed, 20, true, events_api::v1);
  BOOST_TEST(restarts > 50u);
}

BOOST_AUTO_TEST_CASE(W1_the_reporter_needs_far_fewer_calls_than_one_per_event) {
  std::uint64_t local = 0;
  std::uint64_t calls = 0;
  std::uint64_t v1_calls = 0;
  for (std::uint64_t seed = 300; seed < 306; ++seed) {
    std::mt19937_64 rng(seed);
    reporter_options o;
    const auto sc = random_scenario(rng, 4, 2000, o.finalization_margin);
    const auto run = drive(sc, o, seed, 0, false);
    local += run.local_operations;
    calls += run.calls;
    o.api = events_api::v1;
    v1_calls += drive(sc, o, seed, 0, false).calls;
  }
  BOOST_TEST_MESSAGE("reporter: " << local << " local operations -> " << calls << " calls on the v2 stream, "
                                  << v1_calls << " with v1 meter events");
  BOOST_TEST(calls * 3 < local);
  BOOST_TEST(v1_calls < local);
}

BOOST_AUTO_TEST_CASE(W1_api_metering_of_fifty_customers_for_a_day_takes_two_calls_an_hour) {
  // 50 customers on one raw sum meter, 20 000 events spread over a day, hourly flushes: each tick
  // is one session (a session lives 15 minutes) and one stream request of 50 events (W1).
  plan p;
  p.meters = {meter("mtr_api", "api_requests", formula_kind::sum)};
  p.prices = {metered("p_api", "mtr_api", {}, {}, 1)};
  for (int c = 0; c < 50; ++c) {
    subscription s;
    s.id = "sub_" + std::to_string(c);
    s.customer = "cus_" + std::to_string(c);
    s.start_date = t0 - seconds{10 * day};
    s.items = {{"si_" + std::to_string(c), "p_api", 1}};
    p.subscriptions.push_back(std::move(s));
  }
  scenario sc;
  sc.billing = p;
  std::mt19937_64 rng(2024);
  for (std::uint64_t i = 0; i < 20000; ++i) {
    const timestamp a = t0 + seconds{1 + static_cast<std::int64_t>(i * day / 20000)};
    const std::string customer = "cus_" + std::to_string(rng() % 50);
    const std::int64_t value = 1 + static_cast<std::int64_t>(rng() % 9);
    local_op op;
    op.received_at = a;
    op.event = {"mtr_api", customer, event_record{a, a, i, value}};
    request r;
    r.received_at = a;
    r.source = "local:" + std::to_string(i + 1);
    r.operations.emplace_back(
        meter_event{"api_requests",
                    {{"stripe_customer_id", customer}, {"value", std::to_string(value)}},
                    "loc_" + std::to_string(i),
                    a});
    sc.truth.push_back(std::move(r));
    sc.ops.push_back(std::move(op));
  }
  const auto run = drive(sc, reporter_options{}, 7, 0, false);
  BOOST_TEST_MESSAGE("reporter: 20000 meter events of 50 customers over a day -> " << run.calls << " calls");
  BOOST_TEST(run.calls == 48u);
  const auto truth = simulate(p, sc.truth, run.until);
  const auto stripe = simulate(p, run.delivered, run.until);
  BOOST_TEST((truth.invoices == stripe.invoices));
}

BOOST_AUTO_TEST_SUITE_END()
