// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Two comparisons built on the simulator (issue "offline invoice simulator"):
/// - `compare_plans`: the same usage under two plans, invoice by invoice (a what-if);
/// - `migrate_legacy_plan` + `compare_legacy_migration`: a plan billed with legacy usage records
///   against the same plan moved onto meters, saying which invoices change, by how much, and why
///   (for example `max` has no meter equivalent, so such an item stays on usage records).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/invoice.hpp>
#include <meterkit/billing/plan.hpp>
#include <meterkit/billing/replay.hpp>
#include <meterkit/billing/request.hpp>
#include <meterkit/core/checked.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/legacy/meter_migration.hpp>

namespace meterkit {

/// One invoice line under plan A and plan B. A line that exists under one plan only has the
/// other side's `in_a`/`in_b` false and zero quantity and amount.
struct line_comparison {
  std::string subscription_item;
  period service_period;
  bool in_a = false;
  bool in_b = false;
  std::int64_t quantity_a = 0;
  std::int64_t quantity_b = 0;
  std::int64_t amount_a = 0;
  std::int64_t amount_b = 0;
  std::string reason;  ///< why the two differ, when the library knows (legacy migration)

  [[nodiscard]] bool changed() const noexcept {
    return in_a != in_b || quantity_a != quantity_b || amount_a != amount_b;
  }
  friend bool operator==(const line_comparison&, const line_comparison&) = default;
};

/// One invoice (subscription, created) under both plans.
struct invoice_comparison {
  std::string customer;
  std::string subscription;
  std::string currency;  ///< the invoice's under plan A (under B when it exists under B only)
  timestamp created{};
  std::int64_t total_a = 0;
  std::int64_t total_b = 0;
  std::vector<line_comparison> lines;  ///< every line, changed or not, in plan order of A then B

  [[nodiscard]] std::int64_t difference() const {
    return sub_or_throw(total_b, total_a, "invoice difference");
  }
  [[nodiscard]] bool changed() const noexcept {
    for (const auto& l : lines) {
      if (l.changed()) return true;
    }
    return total_a != total_b;
  }
  friend bool operator==(const invoice_comparison&, const invoice_comparison&) = default;
};

struct plan_comparison {
  std::vector<invoice_comparison> invoices;  ///< by (created, subscription)
  std::int64_t total_a = 0;
  std::int64_t total_b = 0;
  /// What became of the operations in each run: a record refused under A may be accepted under B
  /// and still change no invoice (it is late usage of a finalized period, D24).
  simulation_counts counts_a{};
  simulation_counts counts_b{};
  std::size_t late_a = 0;  ///< late usage entries of run A (D24)
  std::size_t late_b = 0;

  [[nodiscard]] std::size_t changed_invoices() const noexcept {
    std::size_t n = 0;
    for (const auto& i : invoices) n += i.changed() ? 1u : 0u;
    return n;
  }
  friend bool operator==(const plan_comparison&, const plan_comparison&) = default;
};

/// Lines matched by (subscription item, period); invoices by (subscription, created).
[[nodiscard]] inline plan_comparison compare_results(const simulation_result& a, const simulation_result& b) {
  using invoice_key = std::pair<timestamp, std::string>;
  std::map<invoice_key, invoice_comparison> by_key;
  const auto side = [&](const simulation_result& r, bool is_a) {
    for (const auto& inv : r.invoices) {
      auto& cmp = by_key[{inv.created, inv.subscription}];
      cmp.customer = inv.customer;
      cmp.subscription = inv.subscription;
      if (cmp.currency.empty()) cmp.currency = inv.currency;
      cmp.created = inv.created;
      (is_a ? cmp.total_a : cmp.total_b) = inv.total;
      for (const auto& line : inv.lines) {
        auto found = std::find_if(cmp.lines.begin(), cmp.lines.end(), [&](const line_comparison& l) {
          return l.subscription_item == line.subscription_item && l.service_period == line.service_period;
        });
        if (found == cmp.lines.end()) {
          cmp.lines.push_back(
              line_comparison{line.subscription_item, line.service_period, false, false, 0, 0, 0, 0, {}});
          found = std::prev(cmp.lines.end());
        }
        (is_a ? found->in_a : found->in_b) = true;
        (is_a ? found->quantity_a : found->quantity_b) = line.quantity;
        (is_a ? found->amount_a : found->amount_b) = line.amount;
      }
    }
  };
  side(a, true);
  side(b, false);
  plan_comparison out;
  out.counts_a = a.counts;
  out.counts_b = b.counts;
  out.late_a = a.late.size();
  out.late_b = b.late.size();
  for (auto& [key, cmp] : by_key) {
    out.total_a = add_or_throw(out.total_a, cmp.total_a, "total of plan A");
    out.total_b = add_or_throw(out.total_b, cmp.total_b, "total of plan B");
    out.invoices.push_back(std::move(cmp));
  }
  return out;
}

/// The same requests replayed under `a` and under `b`, as of the same `until` (default: the
/// latest arrival). (A template only so that it is compiled where it is called, as `simulate`.)
template <class Simulator = invoice_simulator>
[[nodiscard]] plan_comparison compare_plans(const plan& a, const plan& b,
                                            const std::vector<request>& requests,
                                            std::optional<timestamp> until = std::nullopt) {
  if (!until) until = latest_arrival(requests);
  return compare_results(simulate<Simulator>(a, requests, until), simulate<Simulator>(b, requests, until));
}

/// How one legacy item moved (or did not move) onto a meter.
struct item_migration {
  std::string subscription_item;
  aggregate_usage legacy_mode{};
  std::optional<std::string> meter_id;  ///< the new meter, when the mode has an equivalent
  std::string event_name;               ///< its event name
  std::string customer;
  std::string_view differences;  ///< meter_equivalent_of(legacy_mode).differences
};

/// A legacy plan moved onto meters: every legacy item whose mode has a meter equivalent (L3 ->
/// M9: sum -> sum, last_during_period -> last) gets its own meter and a copy of its price that
/// bills that meter; items without an equivalent (last_ever, max) stay on usage records.
struct legacy_migration {
  plan migrated;
  std::vector<item_migration> items;

  /// The item's migration, if it was a legacy item.
  [[nodiscard]] const item_migration* find(std::string_view subscription_item) const {
    for (const auto& i : items) {
      if (i.subscription_item == subscription_item) return &i;
    }
    return nullptr;
  }
};

[[nodiscard]] inline legacy_migration migrate_legacy_plan(const plan& legacy) {
  const compiled_plan compiled(legacy);  // validates
  legacy_migration out{legacy, {}};
  plan& p = out.migrated;
  for (std::size_t i = 0; i < compiled.items().size(); ++i) {
    const compiled_item& it = compiled.items()[i];
    if (it.billing != item_billing::usage_records) continue;
    subscription_item& item = p.subscriptions[it.subscription].items[it.position];
    const auto& equivalent = meter_equivalent_of(it.mode);
    item_migration m{item.id,
                     it.mode,
                     std::nullopt,
                     {},
                     compiled.subscription_at(it.subscription).customer,
                     equivalent.differences};
    if (equivalent.formula) {
      meter_definition def;
      def.id = "mtr_migrated_" + item.id;
      def.event_name = "migrated_" + item.id;
      def.display_name = "Migrated from usage records of " + item.id;
      def.formula = *equivalent.formula;
      price moved = compiled.price_of(i);
      moved.id = moved.id + "__meter_" + item.id;
      moved.recurring.meter = def.id;
      moved.recurring.aggregate_usage.reset();
      m.meter_id = def.id;
      m.event_name = def.event_name;
      item.price = moved.id;
      p.meters.push_back(std::move(def));
      p.prices.push_back(std::move(moved));
    }
    out.items.push_back(std::move(m));
  }
  validate(p);
  return out;
}

/// The legacy requests as the migrated plan receives them: a usage record of a migrated item
/// becomes a meter event of its meter with the record's quantity and timestamp (`"now"`: the
/// arrival); everything else is unchanged. A `set` becomes an event too: for `last` it is the
/// same, for `sum` it adds where the record replaced, which the comparison shows.
[[nodiscard]] inline std::vector<request> migrate_legacy_requests(const legacy_migration& migration,
                                                                  const std::vector<request>& requests) {
  std::vector<request> out = requests;
  for (auto& r : out) {
    for (auto& op : r.operations) {
      const auto* record = std::get_if<usage_record>(&op);
      if (record == nullptr) continue;
      const auto* m = migration.find(record->subscription_item);
      if (m == nullptr || !m->meter_id) continue;
      meter_event e;
      e.event_name = m->event_name;
      e.payload = {{"stripe_customer_id", m->customer},
                   {"value", usage_parameter_text(record->quantity).value_or("")}};
      if (const auto text = usage_parameter_text(record->timestamp); text && *text != "now") {
        if (auto t = parse_time(*text)) e.timestamp = *t;
      }
      op = std::move(e);
    }
  }
  return out;
}

namespace detail {

/// What one usage record of a migrated item did under the legacy plan (`a`) and as a meter event
/// under the migrated plan (`b`).
struct migrated_record {
  const usage_record* record = nullptr;
  timestamp time{};  ///< its timestamp; `"now"` or none: its arrival
  std::optional<error_code> rejected_a;
  std::optional<error_code> rejected_b;
};

/// The code each source was rejected with, if any (a usage record is one operation a request).
[[nodiscard]] inline std::map<std::string, error_code, std::less<>> rejections_by_source(
    const simulation_result& r) {
  std::map<std::string, error_code, std::less<>> out;
  for (const auto& rejected : r.rejected) out.emplace(rejected.source, rejected.code);
  return out;
}

/// Why the line of a migrated item changed, from the records that fall in its period: which rule
/// (docs/rules.md) and what happened, then the quantity before and after. Falls back to the mode's
/// general difference when none of the records explains it.
[[nodiscard]] inline std::string migration_cause(const item_migration& m, const line_comparison& line,
                                                 const std::vector<migrated_record>& records) {
  std::size_t replacing_sets = 0;      // sum: a set onto a timestamp that held a value (L2)
  std::size_t merging_increments = 0;  // last_during_period: an increment onto such a timestamp (L2)
  std::map<error_code, std::size_t> now_accepted;  // refused as records, accepted as events
  std::map<error_code, std::size_t> now_refused;   // accepted as records, refused as events
  std::vector<timestamp> held;                     // timestamps holding a value, in arrival order
  for (const auto& r : records) {
    if (!(line.service_period.start <= r.time && r.time < line.service_period.end)) continue;
    if (r.rejected_a && !r.rejected_b) ++now_accepted[*r.rejected_a];
    if (!r.rejected_a && r.rejected_b) ++now_refused[*r.rejected_b];
    if (r.rejected_a || r.rejected_b) continue;
    const bool taken = std::find(held.begin(), held.end(), r.time) != held.end();
    const bool set = r.record->action.value_or("increment") == "set";
    if (taken && set && m.legacy_mode == aggregate_usage::sum) ++replacing_sets;
    if (taken && !set && m.legacy_mode == aggregate_usage::last_during_period) ++merging_increments;
    if (!taken) held.push_back(r.time);
  }
  const auto one = [](std::size_t n, const char* singular, const char* plural) {
    return std::string(n == 1 ? singular : plural);
  };
  std::vector<std::string> causes;
  if (replacing_sets != 0) {
    const std::size_t n = replacing_sets;
    causes.push_back("L2: " + std::to_string(n) + " `set` " + one(n, "record", "records") +
                     " replaced the value at " + one(n, "its", "their") +
                     " timestamp as usage records and became " +
                     one(n, "an additive meter event", "additive meter events") + " (M9 sum)");
  }
  if (merging_increments != 0) {
    const std::size_t n = merging_increments;
    causes.push_back("L2: " + std::to_string(n) + " `increment` " + one(n, "record", "records") +
                     " added to the value at " + one(n, "its", "their") +
                     " timestamp as usage records; a meter's last keeps only the later event (M9)");
  }
  for (const auto& [code, n] : now_accepted) {
    const bool period_check = code == error_code::usage_record_timestamp_out_of_period;
    causes.push_back(
        std::string(period_check ? "L4: " : "") + std::to_string(n) + " " + one(n, "record", "records") +
        " refused as " + one(n, "a usage record", "usage records") + " (" + std::string(to_string(code)) +
        ") " + one(n, "was", "were") + " accepted as " + one(n, "a meter event", "meter events") +
        (period_check ? " (M4: within 35 days before " + one(n, "its", "their") + " arrival)" : ""));
  }
  for (const auto& [code, n] : now_refused) {
    const bool window =
        code == error_code::timestamp_too_far_in_past || code == error_code::timestamp_in_future;
    causes.push_back(
        std::string(window ? "M4: " : "") + std::to_string(n) + " " + one(n, "record", "records") +
        " accepted as " + one(n, "a usage record", "usage records") + " " + one(n, "was", "were") +
        " refused as " + one(n, "a meter event", "meter events") + " (" + std::string(to_string(code)) + ")");
  }
  std::string out;
  for (const auto& c : causes) out += (out.empty() ? "" : "; ") + c;
  if (out.empty()) out = std::string(to_string(m.legacy_mode)) + ": " + std::string(m.differences);
  return out + "; quantity " + std::to_string(line.quantity_a) + " \u2192 " + std::to_string(line.quantity_b);
}

}  // namespace detail

/// A legacy plan against `migration` (its `migrate_legacy_plan`), on the same usage; each changed
/// line of a legacy item says why the two differ (`line_comparison::reason`): the rule and the
/// records behind it (a `set` that became additive, L2; a record refused by the current-period
/// check that a meter accepts within 35 days, L4/M4; ...), and the quantity before and after.
/// (A template only so that it is compiled where it is called, as `simulate`.)
template <class Simulator = invoice_simulator>
[[nodiscard]] plan_comparison compare_legacy_migration(const plan& legacy, const legacy_migration& migration,
                                                       const std::vector<request>& requests,
                                                       std::optional<timestamp> until = std::nullopt) {
  if (!until) until = latest_arrival(requests);
  const simulation_result a = simulate<Simulator>(legacy, requests, until);
  const simulation_result b =
      simulate<Simulator>(migration.migrated, migrate_legacy_requests(migration, requests), until);
  auto cmp = compare_results(a, b);
  // The usage records of migrated items, in arrival order, with what became of each.
  const auto refused_a = detail::rejections_by_source(a);
  const auto refused_b = detail::rejections_by_source(b);
  std::vector<std::size_t> order(requests.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return requests[x].received_at < requests[y].received_at;
  });
  std::map<std::string, std::vector<detail::migrated_record>, std::less<>> by_item;
  for (const std::size_t i : order) {
    const request& r = requests[i];
    if (r.received_at > a.until) continue;  // pending (D21)
    for (const auto& op : r.operations) {
      const auto* record = std::get_if<usage_record>(&op);
      if (record == nullptr) continue;
      const auto* m = migration.find(record->subscription_item);
      if (m == nullptr || !m->meter_id) continue;
      detail::migrated_record mr{record, r.received_at, std::nullopt, std::nullopt};
      if (const auto text = usage_parameter_text(record->timestamp); text && *text != "now") {
        const auto t = parse_time(*text);
        if (!t) continue;  // refused under both (L1)
        mr.time = *t;
      }
      if (const auto f = refused_a.find(r.source); f != refused_a.end()) mr.rejected_a = f->second;
      if (const auto f = refused_b.find(r.source); f != refused_b.end()) mr.rejected_b = f->second;
      by_item[record->subscription_item].push_back(mr);
    }
  }
  static const std::vector<detail::migrated_record> none;
  for (auto& inv : cmp.invoices) {
    for (auto& line : inv.lines) {
      const auto* m = migration.find(line.subscription_item);
      if (m == nullptr || !line.changed()) continue;
      const auto found = by_item.find(line.subscription_item);
      line.reason = detail::migration_cause(*m, line, found == by_item.end() ? none : found->second);
    }
  }
  return cmp;
}

/// `compare_legacy_migration` against `migrate_legacy_plan(legacy)`.
template <class Simulator = invoice_simulator>
[[nodiscard]] plan_comparison compare_legacy_migration(const plan& legacy,
                                                       const std::vector<request>& requests,
                                                       std::optional<timestamp> until = std::nullopt) {
  return compare_legacy_migration<Simulator>(legacy, migrate_legacy_plan(legacy), requests, until);
}

}  // namespace meterkit
