// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// A billing plan written with Stripe's own object shapes (CONTRACT.md "Plan file"; SPEC M1, B1,
/// B4, P1-P3, D8-D11), read into `plan`.
///
/// Objects fetched from the Stripe API can be pasted in unchanged: unknown members are ignored,
/// `null` means absent, and a list may be a JSON array or a Stripe list object
/// (`{"object": "list", "data": [...]}`). A subscription item's `price` may be a price id or an
/// expanded price object; an expanded price whose id is not among `prices` is added to them.
///
/// What the reader refuses, with the JSON path of the value (`prices[2].tiers[1].up_to`):
/// a member of the wrong JSON type, an unknown enumeration value (`formula`, `event_time_window`,
/// `status`, `billing_scheme`, `tiers_mode`, `interval`, `usage_type`, `round`, `rounding`, a
/// subscription's `status` and `billing_mode`), a `cancel_at_period_end` that is not a boolean, a
/// price without `currency` or `recurring`, an invalid decimal string (D8), a time that is not a
/// time (D4), and an unknown key in `settings` (D10: only three settings exist, a misspelt one must
/// not be ignored silently). Everything else (D9, D11) is the library's `validate(plan)`.
/// `read_plan_file` reports both kinds as `input_error` at the line and column of the value.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <meterkit/billing/plan.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/stripe/input_error.hpp>
#include <meterkit/stripe/input_source.hpp>
#include <meterkit/stripe/json.hpp>
#include <meterkit/stripe/usage_objects.hpp>

namespace meterkit {

namespace detail {

/// The elements of a list: a JSON array, or a Stripe list object's `data` array. Sets `at` to the
/// path of the array.
[[nodiscard]] inline const nlohmann::json& json_list(const nlohmann::json& j, const json_path& where,
                                                     std::string_view what) {
  if (j.is_array()) return j;
  if (j.is_object()) {
    if (const nlohmann::json* data = json_member(j, "data"); data && data->is_array()) return *data;
  }
  fail_json_value(where, "expected " + std::string(what) +
                             " (an array or a list object with \"data\"), found " + describe_json(j));
}

/// An enumeration member spelled as one of `parse`'s words; absent: nullopt.
template <class Parse>
[[nodiscard]] auto json_enum_member(const nlohmann::json& object, std::string_view key,
                                    const json_path& where, Parse&& parse, std::string_view expected)
    -> decltype(parse(std::string_view{})) {
  const std::optional<std::string> text = json_string_member(object, key, where);
  if (!text) return std::nullopt;
  auto value = parse(*text);
  if (!value)
    fail_json_value(where / key, "unknown value \"" + *text + "\"; expected " + std::string(expected));
  return value;
}

/// An integer member that fits in 64 bits; absent: nullopt.
[[nodiscard]] inline std::optional<std::int64_t> json_int_member(const nlohmann::json& object,
                                                                 std::string_view key,
                                                                 const json_path& where) {
  const nlohmann::json* v = json_member(object, key);
  if (v == nullptr) return std::nullopt;
  if (!is_json_integer(*v)) fail_json_value(where / key, "expected an integer, found " + describe_json(*v));
  const auto value = json_int64(*v);
  if (!value) fail_json_value(where / key, "the integer " + json_integer_text(*v) + " is outside 64 bits");
  return value;
}

/// An amount in Stripe's two forms, `key` (integer) and `key_decimal` (string); D8: the decimal
/// form wins. Invalid decimals are refused at the path of the decimal string.
[[nodiscard]] inline std::optional<decimal> json_amount(const nlohmann::json& object, std::string_view key,
                                                        const json_path& where) {
  const std::string decimal_key = std::string(key) + "_decimal";
  const std::optional<std::int64_t> integer = json_int_member(object, key, where);
  std::optional<std::string> text;
  if (const nlohmann::json* v = json_member(object, decimal_key)) {
    if (!v->is_string()) {
      fail_json_value(where / decimal_key,
                      "expected a decimal string such as \"0.5\", found " + describe_json(*v));
    }
    text = v->get<std::string>();
  }
  if (text) {
    auto parsed = parse_decimal(*text, decimal_key);
    if (!parsed) fail_json_value(where / decimal_key, parsed.error().message);
    return *parsed;
  }
  if (integer) {
    if (*integer < 0) fail_json_value(where / key, "must be >= 0, got " + std::to_string(*integer));
    return decimal::from_integer(*integer);
  }
  return std::nullopt;
}

/// The object member `key` (absent or null: nullptr); any other type is refused.
[[nodiscard]] inline const nlohmann::json* json_object_member(const nlohmann::json& object,
                                                              std::string_view key, const json_path& where,
                                                              std::string_view what) {
  const nlohmann::json* v = json_member(object, key);
  if (v != nullptr) require_json_object(*v, where / key, what);
  return v;
}

[[nodiscard]] inline std::optional<bool> parse_meter_status(std::string_view t) {
  if (t == "active") return true;
  if (t == "inactive") return false;
  return std::nullopt;
}

}  // namespace detail

/// A Stripe `billing.meter` object (M1).
[[nodiscard]] inline meter_definition meter_from_json(const nlohmann::json& j, const json_path& where) {
  require_json_object(j, where, "a meter");
  meter_definition m;
  if (auto v = json_string_member(j, "id", where)) m.id = std::move(*v);
  if (auto v = json_string_member(j, "event_name", where)) m.event_name = std::move(*v);
  if (auto v = json_string_member(j, "display_name", where)) m.display_name = std::move(*v);
  if (const auto* agg = detail::json_object_member(j, "default_aggregation", where, "default_aggregation")) {
    if (auto f = detail::json_enum_member(*agg, "formula", where / "default_aggregation", parse_formula_kind,
                                          "sum, count or last")) {
      m.formula = *f;
    }
  }
  if (const auto* mapping = detail::json_object_member(j, "customer_mapping", where, "customer_mapping")) {
    const json_path at = where / "customer_mapping";
    if (auto type = json_string_member(*mapping, "type", at); type && *type != "by_id") {
      fail_json_value(at / "type", "unknown value \"" + *type + "\"; expected by_id");
    }
    if (auto key = json_string_member(*mapping, "event_payload_key", at)) m.customer_key = std::move(*key);
  }
  if (const auto* settings = detail::json_object_member(j, "value_settings", where, "value_settings")) {
    if (auto key = json_string_member(*settings, "event_payload_key", where / "value_settings")) {
      m.value_key = std::move(*key);
    }
  }
  if (auto w =
          detail::json_enum_member(j, "event_time_window", where, parse_window_kind, "null, hour or day")) {
    m.event_time_window = *w;
  }
  if (auto active =
          detail::json_enum_member(j, "status", where, detail::parse_meter_status, "active or inactive")) {
    m.active = *active;
  }
  return m;
}

/// One of a price's `tiers` (P3, D8): `up_to` is an integer, `"inf"` or null.
[[nodiscard]] inline price_tier price_tier_from_json(const nlohmann::json& j, const json_path& where) {
  require_json_object(j, where, "a tier");
  price_tier tier;
  if (const nlohmann::json* up_to = json_member(j, "up_to")) {
    if (!(up_to->is_string() && up_to->get_ref<const std::string&>() == "inf")) {
      tier.up_to = detail::json_int_member(j, "up_to", where);
    }
  }
  tier.unit_amount = detail::json_amount(j, "unit_amount", where);
  tier.flat_amount = detail::json_amount(j, "flat_amount", where);
  return tier;
}

/// A Stripe `price` object with its `recurring` part (B1, P1-P3, D8, D9).
[[nodiscard]] inline price price_from_json(const nlohmann::json& j, const json_path& where) {
  require_json_object(j, where, "a price");
  const std::optional<std::string> code = json_string_member(j, "currency", where);
  if (!code) fail_json_value(where, "missing \"currency\"; expected a three-letter code such as \"usd\"");
  if (!currency::is_valid_code(*code)) {
    fail_json_value(where / "currency",
                    "\"" + *code + "\" is not a currency code; expected three letters such as \"usd\"");
  }
  price p{std::string{}, currency(*code)};
  if (auto v = json_string_member(j, "id", where)) p.id = std::move(*v);
  if (auto s =
          detail::json_enum_member(j, "billing_scheme", where, parse_billing_scheme, "per_unit or tiered")) {
    p.billing_scheme = *s;
  }
  p.tiers_mode = detail::json_enum_member(j, "tiers_mode", where, parse_tiers_mode, "graduated or volume");
  p.unit_amount = detail::json_amount(j, "unit_amount", where);
  if (const nlohmann::json* tiers = json_member(j, "tiers")) {
    const json_path at = where / "tiers";
    if (!tiers->is_array()) fail_json_value(at, "expected an array of tiers, found " + describe_json(*tiers));
    for (std::size_t i = 0; i < tiers->size(); ++i)
      p.tiers.push_back(price_tier_from_json((*tiers)[i], at[i]));
  }
  if (const auto* t = detail::json_object_member(j, "transform_quantity", where, "transform_quantity")) {
    const json_path at = where / "transform_quantity";
    transform_quantity tq;
    if (auto d = detail::json_int_member(*t, "divide_by", at)) tq.divide_by = *d;
    if (auto r = detail::json_enum_member(*t, "round", at, parse_round_direction, "up or down"))
      tq.round = *r;
    p.transform_quantity = tq;
  }
  const nlohmann::json* rec = detail::json_object_member(j, "recurring", where, "recurring");
  if (rec == nullptr) {
    fail_json_value(
        where,
        "missing \"recurring\"; a subscription's price needs {\"interval\": ..., \"usage_type\": ...}");
  }
  const json_path at = where / "recurring";
  const auto unit =
      detail::json_enum_member(*rec, "interval", at, parse_interval_unit, "day, week, month or year");
  if (!unit) fail_json_value(at, "missing \"interval\"; expected day, week, month or year");
  p.recurring.interval.unit = *unit;
  if (auto count = detail::json_int_member(*rec, "interval_count", at)) {
    if (*count < 1 || *count > 100000) {
      fail_json_value(at / "interval_count", "must be between 1 and " +
                                                 std::to_string(max_interval_count(*unit)) +
                                                 " for interval " + std::string(to_string(*unit)) + ", got " +
                                                 std::to_string(*count));
    }
    p.recurring.interval.count = static_cast<std::int32_t>(*count);
  }
  if (auto u = detail::json_enum_member(*rec, "usage_type", at, parse_usage_type, "licensed or metered")) {
    p.recurring.usage_type = *u;
  }
  p.recurring.meter = json_string_member(*rec, "meter", at);
  p.recurring.aggregate_usage = detail::json_enum_member(*rec, "aggregate_usage", at, parse_aggregate_usage,
                                                         "sum, last_during_period, last_ever or max");
  return p;
}

/// A Stripe `subscription` object (B3, B4). `items` is an array or a list object; an item's
/// `price` is an id or an expanded price object, which is appended to `expanded_prices`.
[[nodiscard]] inline subscription subscription_from_json(
    const nlohmann::json& j, const json_path& where,
    std::vector<std::pair<price, std::size_t>>* expanded_prices = nullptr) {
  require_json_object(j, where, "a subscription");
  subscription s;
  if (auto v = json_string_member(j, "id", where)) s.id = std::move(*v);
  if (const nlohmann::json* customer = json_member(j, "customer")) {
    if (customer->is_object()) {
      if (auto id = json_string_member(*customer, "id", where / "customer")) s.customer = std::move(*id);
    } else if (auto id = json_string_member(j, "customer", where)) {
      s.customer = std::move(*id);
    }
  }
  const std::optional<timestamp> start = json_time_member(j, "start_date", where);
  if (!start) fail_json_value(where, "missing \"start_date\"; expected unix seconds or an RFC 3339 time");
  s.start_date = *start;
  s.billing_cycle_anchor = json_time_member(j, "billing_cycle_anchor", where);
  s.trial_end = json_time_member(j, "trial_end", where);
  // B6: how the subscription ends.
  s.status = detail::json_enum_member(j, "status", where, parse_subscription_status,
                                      "active, trialing, past_due, unpaid, incomplete, incomplete_expired, "
                                      "canceled or paused");
  s.cancel_at = json_time_member(j, "cancel_at", where);
  s.canceled_at = json_time_member(j, "canceled_at", where);
  s.ended_at = json_time_member(j, "ended_at", where);
  if (const nlohmann::json* v = json_member(j, "cancel_at_period_end")) {
    if (!v->is_boolean())
      fail_json_value(where / "cancel_at_period_end", "expected true or false, found " + describe_json(*v));
    s.cancel_at_period_end = v->get<bool>();
  }
  if (const nlohmann::json* mode =
          json_member(j, "billing_mode")) {  // "flexible" or Stripe's {"type": "flexible"}
    const bool object = mode->is_object();
    const nlohmann::json& holder = object ? *mode : j;
    const json_path at = object ? where / "billing_mode" : where;
    if (auto m = detail::json_enum_member(holder, object ? "type" : "billing_mode", at, parse_billing_mode,
                                          "classic or flexible")) {
      s.billing_mode = *m;
    }
  }
  if (const nlohmann::json* items = json_member(j, "items")) {
    const json_path items_path = where / "items";
    const json_path data_path = items_path / "data";
    const nlohmann::json& list = detail::json_list(*items, items_path, "subscription items");
    const json_path& at = items->is_array() ? items_path : data_path;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const json_path item_path = at[i];
      const nlohmann::json& item = list[i];
      require_json_object(item, item_path, "a subscription item");
      subscription_item si;
      if (auto v = json_string_member(item, "id", item_path)) si.id = std::move(*v);
      if (const nlohmann::json* pr = json_member(item, "price")) {
        if (pr->is_object()) {
          price expanded = price_from_json(*pr, item_path / "price");
          si.price = expanded.id;
          if (expanded_prices) expanded_prices->emplace_back(std::move(expanded), i);
        } else if (auto id = json_string_member(item, "price", item_path)) {
          si.price = std::move(*id);
        }
      }
      if (auto q = detail::json_int_member(item, "quantity", item_path)) si.quantity = *q;
      s.items.push_back(std::move(si));
    }
  }
  return s;
}

/// The top-level `settings` (D10): `invoice_finalization_delay`, `legacy_grace_period` (seconds)
/// and `rounding`; any other key is refused.
[[nodiscard]] inline plan_settings plan_settings_from_json(const nlohmann::json& j, const json_path& where) {
  require_json_object(j, where, "the settings");
  plan_settings s;
  for (const auto& [key, value] : j.items()) {
    if (key != "invoice_finalization_delay" && key != "legacy_grace_period" && key != "rounding") {
      fail_json_value(where / key,
                      "unknown setting; expected invoice_finalization_delay, legacy_grace_period or "
                      "rounding (D10)");
    }
  }
  if (auto v = detail::json_int_member(j, "invoice_finalization_delay", where))
    s.invoice_finalization_delay = seconds{*v};
  if (auto v = detail::json_int_member(j, "legacy_grace_period", where)) s.legacy_grace_period = seconds{*v};
  if (auto r = detail::json_enum_member(j, "rounding", where, parse_rounding_mode,
                                        "half_away_from_zero or half_even")) {
    s.rounding = *r;
  }
  return s;
}

/// A whole plan document (not validated: see `validate(plan)` and `read_plan_file`).
[[nodiscard]] inline plan plan_from_json(const nlohmann::json& doc) {
  const json_path root;
  require_json_object(doc, root, "a plan");
  plan p;
  const auto each = [&](std::string_view key, std::string_view what, auto&& f) {
    const nlohmann::json* v = json_member(doc, key);
    if (v == nullptr) return;
    const json_path key_path = root / key;
    const json_path data_path = key_path / "data";
    const nlohmann::json& list = detail::json_list(*v, key_path, what);
    const json_path& at = v->is_array() ? key_path : data_path;
    for (std::size_t i = 0; i < list.size(); ++i) f(list[i], at[i]);
  };
  each("meters", "meters",
       [&](const nlohmann::json& j, const json_path& at) { p.meters.push_back(meter_from_json(j, at)); });
  each("prices", "prices",
       [&](const nlohmann::json& j, const json_path& at) { p.prices.push_back(price_from_json(j, at)); });
  std::vector<std::pair<price, std::size_t>> expanded;
  each("subscriptions", "subscriptions", [&](const nlohmann::json& j, const json_path& at) {
    p.subscriptions.push_back(subscription_from_json(j, at, &expanded));
  });
  std::unordered_set<std::string> price_ids;
  for (const auto& pr : p.prices) price_ids.insert(pr.id);
  for (auto& [pr, index] : expanded) {
    if (price_ids.insert(pr.id).second) p.prices.push_back(std::move(pr));
  }
  each("customers", "customers", [&](const nlohmann::json& j, const json_path& at) {
    if (j.is_object()) {
      if (auto id = json_string_member(j, "id", at))
        p.customers.push_back(std::move(*id));
      else
        fail_json_value(at, "missing \"id\"; expected a customer id or {\"id\": ...}");
    } else if (j.is_string()) {
      p.customers.push_back(j.get<std::string>());
    } else {
      fail_json_value(at, "expected a customer id or {\"id\": ...}, found " + describe_json(j));
    }
  });
  if (const nlohmann::json* settings = json_member(doc, "settings")) {
    p.settings = plan_settings_from_json(*settings, root / "settings");
  }
  return p;
}

/// The steps of a field name as `configuration_error` writes it: `prices[2].tiers[1].up_to`.
[[nodiscard]] inline std::vector<json_step> field_path_steps(std::string_view field) {
  std::vector<json_step> out;
  std::size_t i = 0;
  while (i < field.size()) {
    if (field[i] == '.') {
      ++i;
      continue;
    }
    if (field[i] == '[') {
      const auto close = field.find(']', i);
      if (close == std::string_view::npos) break;
      std::size_t index = 0;
      bool digits = close > i + 1;
      for (std::size_t k = i + 1; k < close; ++k) {
        if (field[k] < '0' || field[k] > '9')
          digits = false;
        else
          index = index * 10 + static_cast<std::size_t>(field[k] - '0');
      }
      if (!digits) break;
      out.push_back({{}, index});
      i = close + 1;
      continue;
    }
    const auto stop = field.find_first_of(".[", i);
    const auto end = stop == std::string_view::npos ? field.size() : stop;
    out.push_back({std::string(field.substr(i, end - i)), std::nullopt});
    i = end;
  }
  return out;
}

/// Reads and validates a plan from `text` (named `name`). Every problem, of JSON or of the plan,
/// raises `input_error` at the line and column of the value it names.
[[nodiscard]] inline plan read_plan_text(std::string_view text, const std::string& name) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    METERKIT_THROW(input_error(name, {1, 1},
                               "the file is empty; expected a plan: a JSON object with meters, prices "
                               "and subscriptions"));
  }
  std::string_view body = text;
  if (body.substr(0, detail::utf8_bom.size()) == detail::utf8_bom)
    body.remove_prefix(detail::utf8_bom.size());
  const nlohmann::json doc = read_json(body, name);
  if (!doc.is_object()) {
    METERKIT_THROW(input_error(
        name, detail::advance_position(body, locate_json_value(body, {})),
        "expected a plan: a JSON object with meters, prices and subscriptions, found " + describe_json(doc)));
  }
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
  plan p;
  try {
    p = plan_from_json(doc);
  } catch (const json_value_error& e) {
    raise_at_value(e, body, name);
  }
  try {
    validate(p);
  } catch (const configuration_error& e) {
    std::vector<json_step> path = field_path_steps(e.field());
    // `prices[0].unit_amount` may have been written as `unit_amount_decimal`.
    const auto at = [&](const std::vector<json_step>& steps) { return locate_json_value(body, steps); };
    std::size_t offset = at(path);
    if (!path.empty() && !path.back().index) {
      auto alternative = path;
      alternative.back().key += "_decimal";
      auto parent = path;
      parent.pop_back();
      if (offset == at(parent)) offset = at(alternative);
    }
    METERKIT_THROW(input_error(name, detail::advance_position(body, offset), e.what()));
  }
  return p;
#else
  plan p = plan_from_json(doc);
  validate(p);
  return p;
#endif
}

/// Reads and validates the plan file `path` (at most `options.max_record_bytes`), see
/// `read_plan_text`.
[[nodiscard]] inline plan read_plan_file(const std::string& path, const read_options& options = {}) {
  input_source source = input_source::open_file(path);
  std::string text;
  std::string block(std::size_t{1} << 16, '\0');
  for (;;) {
    const std::size_t got = source.read(block.data(), block.size());
    if (got == 0) break;
    text.append(block.data(), got);
    if (text.size() > options.max_record_bytes) {
      METERKIT_THROW(input_error(
          source.name(), {},
          "larger than " + std::to_string(options.max_record_bytes) + " bytes; is this a plan file?"));
    }
  }
  return read_plan_text(text, source.name());
}

}  // namespace meterkit
