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

/// A legacy plan against its migrated meter plan, on the same usage; each changed line of a
/// legacy item says why the two differ. (A template only so that it is compiled where it is
/// called, as `simulate`.)
template <class Simulator = invoice_simulator>
[[nodiscard]] plan_comparison compare_legacy_migration(const plan& legacy,
                                                       const std::vector<request>& requests,
                                                       std::optional<timestamp> until = std::nullopt) {
  if (!until) until = latest_arrival(requests);
  const auto migration = migrate_legacy_plan(legacy);
  auto cmp = compare_results(
      simulate<Simulator>(legacy, requests, until),
      simulate<Simulator>(migration.migrated, migrate_legacy_requests(migration, requests), until));
  for (auto& inv : cmp.invoices) {
    for (auto& line : inv.lines) {
      if (const auto* m = migration.find(line.subscription_item); m != nullptr && line.changed()) {
        line.reason = std::string(to_string(m->legacy_mode)) + ": " + std::string(m->differences);
      }
    }
  }
  return cmp;
}

}  // namespace meterkit
