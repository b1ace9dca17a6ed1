// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The outputs of `meterkit compare` and `meterkit migrate` (docs/cli.md): the invoices and lines
/// that differ between two runs of the same usage ("before": `--plan`; "after": `--plan-b`, or the
/// plan moved onto meters), the totals before and after, and for `migrate` what became of each
/// legacy item and the migrated plan as JSON in the plan file's own shape.

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <meterkit/billing/comparison.hpp>
#include <meterkit/stripe.hpp>

#include "output.hpp"

namespace meterkit::cli {

/// What the comparison is of, for the printers.
struct comparison_subject {
  timestamp until{};
  std::string before;  ///< the `--plan` file, as written
  std::string after;   ///< the `--plan-b` file, or empty for `migrate` (the migrated plan)
  /// `migrate`: the legacy items and what became of them; each changed line has a cause.
  const legacy_migration* migration = nullptr;
};

namespace detail {

/// Totals before and after, per currency (an overall sum of minor units of several currencies
/// would mean nothing), in the order the currencies first appear.
struct currency_totals {
  std::string currency;
  std::int64_t before = 0;
  std::int64_t after = 0;
};

[[nodiscard]] inline std::vector<currency_totals> totals_by_currency(const plan_comparison& c) {
  std::vector<currency_totals> out;
  for (const auto& inv : c.invoices) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const currency_totals& t) { return t.currency == inv.currency; });
    if (it == out.end()) it = out.insert(out.end(), currency_totals{inv.currency, 0, 0});
    it->before = add_or_throw(it->before, inv.total_a, "total before");
    it->after = add_or_throw(it->after, inv.total_b, "total after");
  }
  return out;
}

[[nodiscard]] inline std::int64_t line_difference(const line_comparison& l) {
  return sub_or_throw(l.amount_b, l.amount_a, "line difference");
}

/// `+1.50 usd`, `-0.20 usd`, `0.00 usd`.
[[nodiscard]] inline std::string signed_money(std::int64_t amount, std::string_view code) {
  return (amount > 0 ? "+" : "") + money(amount, code);
}

/// One side of a line: `{"quantity", "amount"}`, or null where the line does not exist.
inline void side_members(json_writer& w, bool exists, std::int64_t quantity, std::int64_t amount) {
  if (!exists) return w.null_value();
  w.begin_object();
  w.member("quantity", quantity);
  w.member("amount", amount);
  w.end_object();
}

}  // namespace detail

/// `--format json`: the changed invoices with their changed lines, the number of unchanged
/// invoices, the totals per currency, and for `migrate` the items.
[[nodiscard]] inline std::string comparison_json(const plan_comparison& c, const comparison_subject& s) {
  std::string out;
  detail::json_writer w(out);
  w.begin_object();
  w.member("until", to_unix(s.until));
  w.member("before", s.before);
  if (s.migration == nullptr) w.member("after", s.after);
  if (s.migration != nullptr) {
    w.key("items");
    w.begin_array();
    for (const auto& item : s.migration->items) {
      w.begin_object();
      w.member("subscription_item", item.subscription_item);
      w.member("customer", item.customer);
      w.member("aggregate_usage", to_string(item.legacy_mode));
      // Both null for an item that stays on usage records.
      const std::pair<const char*, const std::string*> ids[] = {
          {"meter", item.meter_id ? &*item.meter_id : nullptr},
          {"event_name", item.meter_id ? &item.event_name : nullptr}};
      for (const auto& id : ids) {
        w.key(id.first);
        if (id.second != nullptr) {
          w.value(*id.second);
        } else {
          w.null_value();
        }
      }
      w.member("note", item.differences);
      w.end_object();
    }
    w.end_array();
  }
  w.member("invoices_compared", c.invoices.size());
  w.member("changed_invoices", c.changed_invoices());
  w.member("unchanged_invoices", c.invoices.size() - c.changed_invoices());
  w.key("invoices");
  w.begin_array();
  for (const auto& inv : c.invoices) {
    if (!inv.changed()) continue;
    w.begin_object();
    w.member("customer", inv.customer);
    w.member("subscription", inv.subscription);
    w.member("currency", inv.currency);
    w.member("created", to_unix(inv.created));
    w.member("total_before", inv.total_a);
    w.member("total_after", inv.total_b);
    w.member("difference", inv.difference());
    w.member("unchanged_lines",
             static_cast<std::size_t>(std::count_if(inv.lines.begin(), inv.lines.end(),
                                                    [](const auto& l) { return !l.changed(); })));
    w.key("lines");
    w.begin_array();
    for (const auto& l : inv.lines) {
      if (!l.changed()) continue;
      w.begin_object();
      w.member("subscription_item", l.subscription_item);
      w.key("period");
      detail::period_members(w, l.service_period);
      w.key("before");
      detail::side_members(w, l.in_a, l.quantity_a, l.amount_a);
      w.key("after");
      detail::side_members(w, l.in_b, l.quantity_b, l.amount_b);
      w.member("difference", detail::line_difference(l));
      if (s.migration != nullptr) w.member("cause", l.reason);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.key("totals");
  w.begin_array();
  for (const auto& t : detail::totals_by_currency(c)) {
    w.begin_object();
    w.member("currency", t.currency);
    w.member("before", t.before);
    w.member("after", t.after);
    w.member("difference", sub_or_throw(t.after, t.before, "total difference"));
    w.end_object();
  }
  w.end_array();
  w.key("operations");
  w.begin_object();
  for (const auto& side : {std::pair{"before", &c.counts_a}, std::pair{"after", &c.counts_b}}) {
    const simulation_counts& n = *side.second;
    w.key(side.first);
    w.begin_object();
    w.member("read", n.read);
    w.member("accepted", n.accepted);
    w.member("rejected", n.rejected);
    w.member("replayed", n.replayed);
    w.member("pending", n.pending);
    w.member("late_usage", side.second == &c.counts_a ? c.late_a : c.late_b);
    w.end_object();
  }
  w.end_object();
  w.end_object();
  return out + "\n";
}

/// `--format table`: for people; money in major units.
[[nodiscard]] inline std::string comparison_table(const plan_comparison& c, const comparison_subject& s,
                                                  const table_style& style = {}) {
  using detail::money;
  std::string out = (s.migration ? "Migration onto meters as of " : "Plan comparison as of ") +
                    detail::time_text(s.until) + " (" + std::to_string(to_unix(s.until)) + ")\n";
  out +=
      "  before: " + meterkit::detail::printable(s.before) + "\n  after:  " +
      (s.migration ? std::string("the same plan moved onto meters (usage records of migrated items sent as "
                                 "meter events)")
                   : meterkit::detail::printable(s.after)) +
      "\n";
  if (s.migration != nullptr) {
    out += "\nLegacy items: " + std::to_string(s.migration->items.size()) + "\n";
    if (!s.migration->items.empty()) {
      detail::text_table t({"item", "aggregate_usage", "becomes", "note"}, {false, false, false, false});
      for (const auto& item : s.migration->items) {
        t.add({item.subscription_item, std::string(to_string(item.legacy_mode)),
               item.meter_id ? "meter " + *item.meter_id : "stays on usage records",
               std::string(item.differences)});
      }
      out += t.render(style);
    }
  }
  const std::size_t changed = c.changed_invoices();
  out += "\nChanged invoices: " + std::to_string(changed) + " of " + std::to_string(c.invoices.size()) + "\n";
  for (const auto& inv : c.invoices) {
    if (!inv.changed()) continue;
    out += "\n" + meterkit::detail::printable(inv.subscription) + "  " +
           meterkit::detail::printable(inv.customer) + "  created " + detail::time_text(inv.created) +
           "  total " + money(inv.total_a, inv.currency) + " -> " + money(inv.total_b, inv.currency) + " (" +
           detail::signed_money(inv.difference(), inv.currency) + ")\n";
    std::vector<std::string> header{"item",           "period start",  "period end",   "quantity before",
                                    "quantity after", "amount before", "amount after", "difference"};
    std::vector<bool> right{false, false, false, true, true, true, true, true};
    if (s.migration != nullptr) {
      header.emplace_back("cause");
      right.push_back(false);
    }
    detail::text_table t(header, right);
    std::size_t same = 0;
    for (const auto& l : inv.lines) {
      if (!l.changed()) {
        ++same;
        continue;
      }
      std::vector<std::string> row{l.subscription_item,
                                   detail::time_text(l.service_period.start),
                                   detail::time_text(l.service_period.end),
                                   l.in_a ? std::to_string(l.quantity_a) : "-",
                                   l.in_b ? std::to_string(l.quantity_b) : "-",
                                   l.in_a ? money(l.amount_a, inv.currency) : "-",
                                   l.in_b ? money(l.amount_b, inv.currency) : "-",
                                   detail::signed_money(detail::line_difference(l), inv.currency)};
      if (s.migration != nullptr) row.push_back(l.reason);
      t.add(std::move(row));
    }
    out += t.render(style);
    if (same != 0) out += "  (" + std::to_string(same) + (same == 1 ? " line" : " lines") + " unchanged)\n";
  }
  const std::size_t unchanged = c.invoices.size() - changed;
  out +=
      "\nUnchanged invoices: " + std::to_string(unchanged) + (unchanged == 0 ? "" : " (not listed)") + "\n";
  out += "\nTotals:\n";
  const auto totals = detail::totals_by_currency(c);
  if (totals.empty()) out += "  (no invoices)\n";
  for (const auto& t : totals) {
    out += "  " + money(t.before, t.currency) + " -> " + money(t.after, t.currency) + " (" +
           detail::signed_money(sub_or_throw(t.after, t.before, "total difference"), t.currency) + ")\n";
  }
  out += "\nOperations:\n";
  for (const auto& side : {std::pair{"before", &c.counts_a}, std::pair{"after ", &c.counts_b}}) {
    const simulation_counts& n = *side.second;
    out += "  " + std::string(side.first) + "  " + std::to_string(n.read) + " read, " +
           std::to_string(n.accepted) + " accepted, " + std::to_string(n.rejected) + " rejected, " +
           std::to_string(n.replayed) + " replayed, " + std::to_string(n.pending) + " pending; " +
           std::to_string(side.second == &c.counts_a ? c.late_a : c.late_b) + " late usage\n";
  }
  return out;
}

/// `--format csv`: one row per changed line, with its invoice repeated; amounts in minor units,
/// times in unix seconds, an empty cell for the side where the line does not exist.
[[nodiscard]] inline std::string comparison_csv(const plan_comparison& c, const comparison_subject& s) {
  std::vector<std::string> header{"customer",
                                  "subscription",
                                  "currency",
                                  "created",
                                  "subscription_item",
                                  "period_start",
                                  "period_end",
                                  "quantity_before",
                                  "quantity_after",
                                  "amount_before",
                                  "amount_after",
                                  "difference",
                                  "invoice_total_before",
                                  "invoice_total_after"};
  if (s.migration != nullptr) header.emplace_back("cause");
  std::string out = detail::csv_row(header);
  for (const auto& inv : c.invoices) {
    for (const auto& l : inv.lines) {
      if (!l.changed()) continue;
      std::vector<std::string> row{inv.customer,
                                   inv.subscription,
                                   inv.currency,
                                   std::to_string(to_unix(inv.created)),
                                   l.subscription_item,
                                   std::to_string(to_unix(l.service_period.start)),
                                   std::to_string(to_unix(l.service_period.end)),
                                   l.in_a ? std::to_string(l.quantity_a) : "",
                                   l.in_b ? std::to_string(l.quantity_b) : "",
                                   l.in_a ? std::to_string(l.amount_a) : "",
                                   l.in_b ? std::to_string(l.amount_b) : "",
                                   std::to_string(detail::line_difference(l)),
                                   std::to_string(inv.total_a),
                                   std::to_string(inv.total_b)};
      if (s.migration != nullptr) row.push_back(l.reason);
      out += detail::csv_row(row);
    }
  }
  return out;
}

[[nodiscard]] inline std::string comparison_output(const plan_comparison& c, const comparison_subject& s,
                                                   output_format f, const table_style& style = {}) {
  if (f == output_format::json) return comparison_json(c, s);
  if (f == output_format::csv) return comparison_csv(c, s);
  return comparison_table(c, s, style);
}

namespace detail {

/// A plan file's list `key` (an array, or Stripe's list object `{"data": [...]}`), made an
/// array when absent.
[[nodiscard]] inline ordered_json& plan_list(ordered_json& doc, const std::string& key) {
  ordered_json& v = doc[key];
  if (v.is_null()) v = ordered_json::array();
  return v.is_object() ? v["data"] : v;
}

[[nodiscard]] inline const subscription_item* migrated_item(const plan& p, std::string_view id) {
  for (const auto& s : p.subscriptions) {
    for (const auto& i : s.items)
      if (i.id == id) return &i;
  }
  return nullptr;
}

/// A plan with its meters and prices in id order: two plans that differ only in the order their
/// files list them bill the same.
[[nodiscard]] inline plan by_id(plan p) {
  std::sort(p.meters.begin(), p.meters.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::sort(p.prices.begin(), p.prices.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return p;
}

}  // namespace detail

/// `migrate --write-plan`: the plan file `text` (named `name`) with `m` applied, in the file's own
/// shape, everything else kept as written: for each migrated item a meter is added to `meters`, a
/// copy of its price that bills the meter (`recurring.meter`, no `aggregate_usage`) to `prices`,
/// and the item names that copy. The result reads back as `m.migrated` (checked: a mismatch is an
/// internal error, never a plan that bills otherwise than the migrate output says).
[[nodiscard]] inline std::string migrated_plan_json(std::string_view text, const std::string& name,
                                                    const legacy_migration& m) {
  using detail::ordered_json;
  if (text.substr(0, meterkit::detail::utf8_bom.size()) == meterkit::detail::utf8_bom)
    text.remove_prefix(meterkit::detail::utf8_bom.size());
  ordered_json doc = ordered_json::parse(text);
  for (const auto& item : m.items) {
    if (!item.meter_id) continue;
    const auto def = std::find_if(m.migrated.meters.begin(), m.migrated.meters.end(),
                                  [&](const meter_definition& d) { return d.id == *item.meter_id; });
    const subscription_item* moved = detail::migrated_item(m.migrated, item.subscription_item);
    if (def == m.migrated.meters.end() || moved == nullptr)
      throw std::logic_error("migrated plan: no meter or item for " + item.subscription_item);
    ordered_json* item_json = nullptr;
    for (auto& s : detail::plan_list(doc, "subscriptions")) {
      if (!s.contains("items")) continue;
      for (auto& i : detail::plan_list(s, "items")) {
        if (i.value("id", "") == item.subscription_item) item_json = &i;
      }
    }
    if (item_json == nullptr)
      throw std::logic_error("migrated plan: item " + item.subscription_item + " not in the file");
    ordered_json price_json;
    if ((*item_json)["price"].is_object()) {  // an expanded price: listed with the others from now on
      price_json = (*item_json)["price"];
      detail::plan_list(doc, "prices").push_back(price_json);
    } else {
      const std::string old_id = (*item_json)["price"].get<std::string>();
      for (const auto& pr : detail::plan_list(doc, "prices"))
        if (pr.value("id", "") == old_id) price_json = pr;
    }
    price_json["id"] = moved->price;
    price_json["recurring"]["meter"] = *item.meter_id;
    price_json["recurring"].erase("aggregate_usage");
    detail::plan_list(doc, "prices").push_back(std::move(price_json));
    (*item_json)["price"] = moved->price;
    detail::plan_list(doc, "meters")
        .push_back(
            ordered_json{{"id", def->id},
                         {"event_name", def->event_name},
                         {"display_name", def->display_name},
                         {"default_aggregation", {{"formula", std::string(to_string(def->formula))}}},
                         {"customer_mapping", {{"type", "by_id"}, {"event_payload_key", def->customer_key}}},
                         {"value_settings", {{"event_payload_key", def->value_key}}},
                         {"status", "active"}});
  }
  std::string out = doc.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
  if (detail::by_id(read_plan_text(out, name)) != detail::by_id(m.migrated))
    throw std::logic_error("the migrated plan written does not read back as the plan migrate compared");
  return out;
}

}  // namespace meterkit::cli
