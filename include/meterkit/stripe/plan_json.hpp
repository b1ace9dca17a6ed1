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

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <meterkit/billing/plan.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/edit_distance.hpp>
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

namespace detail {

/// A percentage member (B11, B12): a JSON number (`25`, `12.5`) or a decimal string; absent: nullopt.
[[nodiscard]] inline std::optional<decimal> json_percentage_member(const nlohmann::json& object,
                                                                   std::string_view key,
                                                                   const json_path& where) {
  const nlohmann::json* v = json_member(object, key);
  if (v == nullptr) return std::nullopt;
  std::string text;
  if (v->is_string()) {
    text = v->get<std::string>();
  } else if (v->is_number()) {
    text = v->dump();
  } else {
    fail_json_value(where / key, "expected a percentage such as 12.5, found " + describe_json(*v));
  }
  auto parsed = parse_decimal(text, std::string(key));
  if (!parsed) fail_json_value(where / key, parsed.error().message);
  return *parsed;
}

/// A boolean member; absent: nullopt.
[[nodiscard]] inline std::optional<bool> json_bool_member(const nlohmann::json& object, std::string_view key,
                                                          const json_path& where) {
  const nlohmann::json* v = json_member(object, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) fail_json_value(where / key, "expected true or false, found " + describe_json(*v));
  return v->get<bool>();
}

/// The id of member `key`: a string, or an expanded object with an `id`; absent: nullopt.
[[nodiscard]] inline std::optional<std::string> json_id_member(const nlohmann::json& object,
                                                               std::string_view key, const json_path& where) {
  const nlohmann::json* v = json_member(object, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_object()) return json_string_member(*v, "id", where / key);
  return json_string_member(object, key, where);
}

}  // namespace detail

/// A Stripe `coupon` object (B11).
[[nodiscard]] inline coupon coupon_from_json(const nlohmann::json& j, const json_path& where) {
  require_json_object(j, where, "a coupon");
  coupon c;
  if (auto v = json_string_member(j, "id", where)) c.id = std::move(*v);
  c.percent_off = detail::json_percentage_member(j, "percent_off", where);
  c.amount_off = detail::json_int_member(j, "amount_off", where);
  if (auto code = json_string_member(j, "currency", where)) {
    if (!currency::is_valid_code(*code))
      fail_json_value(where / "currency", "\"" + *code + "\" is not a currency code; expected three letters");
    c.currency = currency(*code);
  }
  if (auto d =
          detail::json_enum_member(j, "duration", where, parse_coupon_duration, "once, repeating or forever"))
    c.duration = *d;
  if (auto m = detail::json_int_member(j, "duration_in_months", where)) {
    if (*m < 1 || *m > 1200) fail_json_value(where / "duration_in_months", "must be between 1 and 1200");
    c.duration_in_months = static_cast<std::int32_t>(*m);
  }
  if (const auto* applies = detail::json_object_member(j, "applies_to", where, "applies_to")) {
    if (const nlohmann::json* products = json_member(*applies, "products")) {
      const json_path applies_at = where / "applies_to";  // a json_path refers to its parent
      const json_path at = applies_at / "products";
      if (!products->is_array())
        fail_json_value(at, "expected an array of product ids, found " + describe_json(*products));
      c.applies_to_products.emplace();
      for (std::size_t i = 0; i < products->size(); ++i) {
        if (!(*products)[i].is_string())
          fail_json_value(at[i], "expected a product id, found " + describe_json((*products)[i]));
        c.applies_to_products->push_back((*products)[i].get<std::string>());
      }
    }
  }
  c.max_redemptions = detail::json_int_member(j, "max_redemptions", where);
  c.redeem_by = json_time_member(j, "redeem_by", where);
  return c;
}

/// A Stripe `tax_rate` object (B12): `percentage` and `inclusive`.
[[nodiscard]] inline tax_rate tax_rate_from_json(const nlohmann::json& j, const json_path& where) {
  require_json_object(j, where, "a tax rate");
  tax_rate r;
  if (auto v = json_string_member(j, "id", where)) r.id = std::move(*v);
  const auto percentage = detail::json_percentage_member(j, "percentage", where);
  if (!percentage)
    fail_json_value(where, "missing \"percentage\"; a tax rate needs its percentage, such as 8.25");
  r.percentage = *percentage;
  const auto inclusive = detail::json_bool_member(j, "inclusive", where);
  if (!inclusive)
    fail_json_value(where, "missing \"inclusive\"; say whether prices include the tax (true or false)");
  r.inclusive = *inclusive;
  return r;
}

/// A Stripe `billing.credit_grant` object (B14): `customer` (an id or an expanded customer),
/// `amount.monetary` {`value`, `currency`}, `applicability_config.scope` (`price_type: metered` or
/// `prices: [{"id": ...}]`), `category`, `priority`, `effective_at`, `expires_at`, `voided_at`,
/// `created`.
[[nodiscard]] inline credit_grant credit_grant_from_json(const nlohmann::json& j, const json_path& where) {
  require_json_object(j, where, "a credit grant");
  credit_grant g;
  if (auto v = json_string_member(j, "id", where)) g.id = std::move(*v);
  if (auto c = detail::json_id_member(j, "customer", where)) g.customer = std::move(*c);
  const nlohmann::json* amount = detail::json_object_member(j, "amount", where, "an amount");
  if (amount == nullptr)
    fail_json_value(where,
                    "missing \"amount\"; a credit grant needs {\"monetary\": {\"value\", \"currency\"}}");
  if (auto type = json_string_member(*amount, "type", where / "amount"); type && *type != "monetary")
    fail_json_value(where / "amount" / "type", "unknown value \"" + *type + "\"; expected monetary");
  const json_path amount_at = where / "amount";  // a json_path refers to its parent: keep it alive
  const json_path money_at = amount_at / "monetary";
  const nlohmann::json* money =
      detail::json_object_member(*amount, "monetary", where / "amount", "an amount");
  if (money == nullptr)
    fail_json_value(where / "amount", "missing \"monetary\"; a credit grant needs {\"value\", \"currency\"}");
  const auto value = detail::json_int_member(*money, "value", money_at);
  if (!value) fail_json_value(money_at, "missing \"value\", the grant's amount in minor units");
  g.amount = *value;
  if (auto code = json_string_member(*money, "currency", money_at)) {
    if (!currency::is_valid_code(*code))
      fail_json_value(money_at / "currency",
                      "\"" + *code + "\" is not a currency code; expected three letters");
    g.currency = currency(*code);
  }
  if (const auto* config =
          detail::json_object_member(j, "applicability_config", where, "an applicability config")) {
    const json_path config_at = where / "applicability_config";
    if (const auto* scope = detail::json_object_member(*config, "scope", config_at, "a scope")) {
      const json_path scope_at = config_at / "scope";
      if (json_member(*scope, "billable_items") != nullptr)
        fail_json_value(scope_at / "billable_items",
                        "billable items are not modelled; scope the grant with price_type or prices (B14)");
      if (auto type = json_string_member(*scope, "price_type", scope_at); type && *type != "metered")
        fail_json_value(scope_at / "price_type", "unknown value \"" + *type + "\"; expected metered");
      if (const nlohmann::json* prices = json_member(*scope, "prices")) {
        const json_path at = scope_at / "prices";
        if (json_member(*scope, "price_type") != nullptr)
          fail_json_value(at, "give either price_type or prices, not both (as Stripe requires)");
        if (!prices->is_array())
          fail_json_value(at, "expected an array of {\"id\": PRICE}, found " + describe_json(*prices));
        g.prices.emplace();
        for (std::size_t i = 0; i < prices->size(); ++i) {
          const nlohmann::json& e = (*prices)[i];
          std::optional<std::string> id;
          if (e.is_string())
            id = e.get<std::string>();
          else if (e.is_object())
            id = json_string_member(e, "id", at[i]);
          if (!id) fail_json_value(at[i], "expected {\"id\": PRICE}, found " + describe_json(e));
          g.prices->push_back(std::move(*id));
        }
      }
    }
  }
  if (auto c =
          detail::json_enum_member(j, "category", where, parse_credit_grant_category, "paid or promotional"))
    g.category = *c;
  if (auto priority = detail::json_int_member(j, "priority", where)) {
    if (*priority < 0 || *priority > max_credit_grant_priority)
      fail_json_value(where / "priority", "must be between 0 and 100, got " + std::to_string(*priority));
    g.priority = static_cast<std::int32_t>(*priority);
  }
  g.effective_at = json_time_member(j, "effective_at", where);
  g.expires_at = json_time_member(j, "expires_at", where);
  g.voided_at = json_time_member(j, "voided_at", where);
  g.created = json_time_member(j, "created", where);
  return g;
}

/// What a subscription or an item says after pricing: its discounts and tax rates, with the coupons
/// and tax rates it expands (B11, B12).
struct expanded_objects {
  std::vector<std::pair<price, std::size_t>> prices;
  std::vector<coupon> coupons;
  std::vector<tax_rate> tax_rates;
};

namespace detail {

/// A discount (B11): `{"coupon": ID or coupon object, "start": T, "end": T}`, or a coupon id.
[[nodiscard]] inline discount discount_from_json(const nlohmann::json& j, const json_path& where,
                                                 expanded_objects* expanded) {
  discount d;
  if (j.is_string()) {
    d.coupon = j.get<std::string>();
    return d;
  }
  require_json_object(j, where, "a discount ({\"coupon\": ...})");
  const nlohmann::json* c = json_member(j, "coupon");
  if (c == nullptr) fail_json_value(where, "missing \"coupon\"; a discount names the coupon it redeems");
  if (c->is_object()) {
    coupon expanded_coupon = coupon_from_json(*c, where / "coupon");
    d.coupon = expanded_coupon.id;
    if (expanded) expanded->coupons.push_back(std::move(expanded_coupon));
  } else if (auto id = json_string_member(j, "coupon", where)) {
    d.coupon = std::move(*id);
  }
  d.start = json_time_member(j, "start", where);
  d.end = json_time_member(j, "end", where);
  return d;
}

/// `discounts` (a list) or, without it, Stripe's older single `discount` of `j`.
[[nodiscard]] inline std::vector<discount> discounts_from_json(const nlohmann::json& j,
                                                               const json_path& where,
                                                               expanded_objects* expanded) {
  std::vector<discount> out;
  if (const nlohmann::json* list = json_member(j, "discounts")) {
    const json_path at = where / "discounts";
    if (!list->is_array())
      fail_json_value(at, "expected an array of discounts, found " + describe_json(*list));
    for (std::size_t i = 0; i < list->size(); ++i)
      out.push_back(discount_from_json((*list)[i], at[i], expanded));
  } else if (const nlohmann::json* one = json_member(j, "discount")) {
    out.push_back(discount_from_json(*one, where / "discount", expanded));
  }
  return out;
}

/// A list of tax rates (B12): ids or expanded tax rate objects.
[[nodiscard]] inline std::vector<std::string> tax_rate_ids_from_json(const nlohmann::json& list,
                                                                     const json_path& at,
                                                                     expanded_objects* expanded) {
  if (!list.is_array()) fail_json_value(at, "expected an array of tax rates, found " + describe_json(list));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].is_object()) {
      tax_rate r = tax_rate_from_json(list[i], at[i]);
      out.push_back(r.id);
      if (expanded) expanded->tax_rates.push_back(std::move(r));
    } else if (list[i].is_string()) {
      out.push_back(list[i].get<std::string>());
    } else {
      fail_json_value(at[i], "expected a tax rate id or object, found " + describe_json(list[i]));
    }
  }
  return out;
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
  p.product = detail::json_id_member(j, "product", where);
  return p;
}

/// A Stripe `subscription` object (B3, B4). `items` is an array or a list object; an item's
/// `price` is an id or an expanded price object, appended to `expanded->prices`; expanded coupons and tax
/// rates of its discounts and tax rates go to `expanded` too (B11, B12).
[[nodiscard]] inline subscription subscription_from_json(const nlohmann::json& j, const json_path& where,
                                                         expanded_objects* expanded = nullptr) {
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
  s.discounts = detail::discounts_from_json(j, where, expanded);
  if (const nlohmann::json* rates = json_member(j, "default_tax_rates"))
    s.default_tax_rates = detail::tax_rate_ids_from_json(*rates, where / "default_tax_rates", expanded);
  if (const nlohmann::json* t = json_member(j, "billing_thresholds"); t && !t->is_null()) {  // B16
    const json_path t_path = where / "billing_thresholds";
    require_json_object(*t, t_path, "billing thresholds");
    s.amount_gte = detail::json_int_member(*t, "amount_gte", t_path);
    if (const nlohmann::json* reset = json_member(*t, "reset_billing_cycle_anchor");
        reset && !reset->is_null()) {
      if (!reset->is_boolean())
        fail_json_value(t_path / "reset_billing_cycle_anchor",
                        "expected true or false, found " + describe_json(*reset));
      s.reset_billing_cycle_anchor = reset->get<bool>();
    }
  }
  if (const nlohmann::json* ext = json_member(j, "meterkit")) {  // meterkit's own extension (B15)
    const json_path ext_path = where / "meterkit";
    require_json_object(*ext, ext_path, "meterkit's extension of a subscription");
    for (const auto& [key, value] : ext->items())
      if (key != "minimum_spend")
        fail_json_value(ext_path / key, "unknown key; expected minimum_spend (B15)");
    s.minimum_spend = detail::json_int_member(*ext, "minimum_spend", ext_path);
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
          price expanded_price = price_from_json(*pr, item_path / "price");
          si.price = expanded_price.id;
          if (expanded) expanded->prices.emplace_back(std::move(expanded_price), i);
        } else if (auto id = json_string_member(item, "price", item_path)) {
          si.price = std::move(*id);
        }
      }
      if (auto q = detail::json_int_member(item, "quantity", item_path)) si.quantity = *q;
      si.discounts = detail::discounts_from_json(item, item_path, expanded);
      if (const nlohmann::json* t = json_member(item, "billing_thresholds"); t && !t->is_null()) {  // B16
        const json_path t_path = item_path / "billing_thresholds";
        require_json_object(*t, t_path, "billing thresholds");
        si.usage_gte = detail::json_int_member(*t, "usage_gte", t_path);
      }
      if (const nlohmann::json* rates = json_member(item, "tax_rates"))
        si.tax_rates = detail::tax_rate_ids_from_json(*rates, item_path / "tax_rates", expanded);
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
  each("coupons", "coupons",
       [&](const nlohmann::json& j, const json_path& at) { p.coupons.push_back(coupon_from_json(j, at)); });
  each("tax_rates", "tax rates", [&](const nlohmann::json& j, const json_path& at) {
    p.tax_rates.push_back(tax_rate_from_json(j, at));
  });
  for (const char* key : {"credit_grants", "billing_credit_grants"}) {
    each(key, "credit grants", [&](const nlohmann::json& j, const json_path& at) {
      p.credit_grants.push_back(credit_grant_from_json(j, at));
    });
  }
  expanded_objects expanded;
  each("subscriptions", "subscriptions", [&](const nlohmann::json& j, const json_path& at) {
    p.subscriptions.push_back(subscription_from_json(j, at, &expanded));
  });
  std::unordered_set<std::string> price_ids;
  for (const auto& pr : p.prices) price_ids.insert(pr.id);
  for (auto& [pr, index] : expanded.prices) {
    if (price_ids.insert(pr.id).second) p.prices.push_back(std::move(pr));
  }
  std::unordered_set<std::string> coupon_ids;  // an expanded coupon is added once, unless listed
  for (const auto& c : p.coupons) coupon_ids.insert(c.id);
  for (auto& c : expanded.coupons)
    if (coupon_ids.insert(c.id).second) p.coupons.push_back(std::move(c));
  std::unordered_set<std::string> rate_ids;
  for (const auto& r : p.tax_rates) rate_ids.insert(r.id);
  for (auto& r : expanded.tax_rates)
    if (rate_ids.insert(r.id).second) p.tax_rates.push_back(std::move(r));
  each("customers", "customers", [&](const nlohmann::json& j, const json_path& at) {
    if (j.is_object()) {
      auto id = json_string_member(j, "id", at);
      if (!id) fail_json_value(at, "missing \"id\"; expected a customer id or {\"id\": ...}");
      // B13: a balance other than 0 is applied to the customer's invoices.
      if (const auto balance = detail::json_int_member(j, "balance", at); balance && *balance != 0) {
        customer_balance b{*id, *balance, std::nullopt};
        if (auto code = json_string_member(j, "currency", at)) {
          if (!currency::is_valid_code(*code))
            fail_json_value(at / "currency",
                            "\"" + *code + "\" is not a currency code; expected three letters");
          b.currency = currency(*code);
        }
        p.balances.push_back(std::move(b));
      }
      p.customers.push_back(std::move(*id));
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

/// A field of a pasted Stripe object that changes money and that meterkit does not model: the
/// plan is billed as if it were absent, and the reader says so instead of dropping it silently.
struct plan_warning {
  std::string file;
  text_position position;
  std::string field;    ///< its JSON path, `subscriptions[0].billing_thresholds`
  std::string message;  ///< what meterkit does instead

  /// `file:line:column: warning: field: message`, like an error's position.
  [[nodiscard]] std::string to_string() const {
    return input_error::format(file, position, "warning: " + field + ": " + message);
  }
};

namespace detail {

/// The money fields of plan `doc` that meterkit reads past (B11-B13 say what is modelled), as
/// (path, what meterkit does instead).
[[nodiscard]] inline std::vector<std::pair<std::vector<json_step>, std::string>> unmodelled_money_fields(
    const nlohmann::json& doc) {
  std::vector<std::pair<std::vector<json_step>, std::string>> out;
  const auto list_of = [](const nlohmann::json& j) -> const nlohmann::json* {
    if (j.is_array()) return &j;
    if (j.is_object())
      if (const nlohmann::json* data = json_member(j, "data"); data && data->is_array()) return data;
    return nullptr;
  };
  const auto set = [](const nlohmann::json& j, std::string_view key) {
    const nlohmann::json* v = json_member(j, key);
    if (v == nullptr) return false;
    if (v->is_boolean()) return v->get<bool>();
    if (v->is_object() || v->is_array() || v->is_string()) return !v->empty();
    return true;
  };
  if (const nlohmann::json* subs = json_member(doc, "subscriptions")) {
    const nlohmann::json* list = list_of(*subs);
    const bool data = subs->is_object();
    for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
      const nlohmann::json& sub = (*list)[i];
      if (!sub.is_object()) continue;
      std::vector<json_step> at{{"subscriptions", std::nullopt}};
      if (data) at.push_back({"data", std::nullopt});
      at.push_back({{}, i});
      const auto here = [&](std::initializer_list<json_step> more) {
        auto v = at;
        v.insert(v.end(), more);
        return v;
      };
      if (const nlohmann::json* tax = json_member(sub, "automatic_tax");
          tax && tax->is_object() && set(*tax, "enabled"))
        out.emplace_back(
            here({{"automatic_tax", std::nullopt}, {"enabled", std::nullopt}}),
            "Stripe Tax is not modelled; only tax rates are (B12), so no automatic tax is added");
    }
  }
  if (const nlohmann::json* customers = json_member(doc, "customers")) {
    const nlohmann::json* list = list_of(*customers);
    for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
      const nlohmann::json& c = (*list)[i];
      if (!c.is_object()) continue;
      std::vector<json_step> at{{"customers", std::nullopt}};
      if (customers->is_object()) at.push_back({"data", std::nullopt});
      at.push_back({{}, i});
      if (set(c, "discount")) {
        auto where = at;
        where.push_back({"discount", std::nullopt});
        out.emplace_back(
            std::move(where),
            "a customer's own discount is not modelled; put it on the subscription's discounts (B11)");
      }
      if (const nlohmann::json* credit = json_member(c, "invoice_credit_balance");
          credit && credit->is_object()) {
        for (const auto& [code, amount] : credit->items()) {
          if (!amount.is_number_integer() || amount.get<std::int64_t>() == 0) continue;
          auto where = at;
          where.push_back({"invoice_credit_balance", std::nullopt});
          where.push_back({code, std::nullopt});
          out.emplace_back(
              std::move(where),
              "read from balance and currency only; give this one as the customer's balance (B13)");
        }
      }
    }
  }
  return out;
}

/// The fields of each Stripe object a plan holds: those meterkit reads and those Stripe has that do
/// not change what meterkit computes (accepted quietly). Any other field is likely a typo.
struct plan_object_kind {
  std::string_view what;  ///< "a subscription item"
  std::vector<std::string_view> fields;
};

[[nodiscard]] inline const plan_object_kind& plan_kind(std::string_view name) {
  static const std::vector<std::pair<std::string_view, plan_object_kind>> kinds = {
      {"plan",
       {"the plan",
        {"meters", "prices", "subscriptions", "customers", "settings", "coupons", "tax_rates",
         "credit_grants", "billing_credit_grants", "object"}}},
      {"list", {"a list", {"object", "data", "has_more", "url", "total_count"}}},
      {"meter",
       {"a meter",
        {"id", "object", "created", "customer_mapping", "default_aggregation", "display_name", "event_name",
         "event_time_window", "livemode", "status", "status_transitions", "updated", "value_settings"}}},
      {"default_aggregation", {"a meter's default_aggregation", {"formula"}}},
      {"customer_mapping", {"a meter's customer_mapping", {"event_payload_key", "type"}}},
      {"value_settings", {"a meter's value_settings", {"event_payload_key"}}},
      {"price",
       {"a price",
        {"id",
         "object",
         "active",
         "billing_scheme",
         "created",
         "currency",
         "currency_options",
         "custom_unit_amount",
         "livemode",
         "lookup_key",
         "metadata",
         "nickname",
         "product",
         "recurring",
         "tax_behavior",
         "tiers",
         "tiers_mode",
         "transform_quantity",
         "type",
         "unit_amount",
         "unit_amount_decimal"}}},
      {"recurring",
       {"a price's recurring",
        {"interval", "interval_count", "meter", "usage_type", "aggregate_usage", "trial_period_days"}}},
      {"tier",
       {"a tier", {"flat_amount", "flat_amount_decimal", "unit_amount", "unit_amount_decimal", "up_to"}}},
      {"transform_quantity", {"a price's transform_quantity", {"divide_by", "round"}}},
      {"applies_to", {"a coupon's applies_to", {"products"}}},
      {"subscription",
       {"a subscription",
        {"id",
         "object",
         "application",
         "application_fee_percent",
         "automatic_tax",
         "billing_cycle_anchor",
         "billing_cycle_anchor_config",
         "billing_mode",
         "billing_thresholds",
         "cancel_at",
         "cancel_at_period_end",
         "canceled_at",
         "cancellation_details",
         "collection_method",
         "created",
         "currency",
         "current_period_end",
         "current_period_start",
         "customer",
         "customer_account",
         "days_until_due",
         "default_payment_method",
         "default_source",
         "default_tax_rates",
         "description",
         "discount",
         "discounts",
         "ended_at",
         "invoice_settings",
         "items",
         "latest_invoice",
         "livemode",
         "metadata",
         "meterkit",
         "next_pending_invoice_item_invoice",
         "on_behalf_of",
         "pause_collection",
         "payment_settings",
         "pending_invoice_item_interval",
         "pending_setup_intent",
         "pending_update",
         "plan",
         "quantity",
         "schedule",
         "start_date",
         "status",
         "test_clock",
         "transfer_data",
         "trial_end",
         "trial_settings",
         "trial_start"}}},
      {"item",
       {"a subscription item",
        {"id", "object", "billing_thresholds", "created", "current_period_end", "current_period_start",
         "discounts", "metadata", "plan", "price", "quantity", "subscription", "tax_rates"}}},
      {"coupon",
       {"a coupon",
        {"id", "object", "amount_off", "applies_to", "created", "currency", "currency_options", "duration",
         "duration_in_months", "livemode", "max_redemptions", "metadata", "name", "percent_off", "redeem_by",
         "times_redeemed", "valid"}}},
      {"discount",
       {"a discount",
        {"id", "object", "checkout_session", "coupon", "customer", "customer_account", "end", "invoice",
         "invoice_item", "promotion_code", "source", "start", "subscription", "subscription_item"}}},
      {"credit_grant",
       {"a credit grant",
        {"id", "object", "amount", "applicability_config", "category", "created", "customer",
         "customer_account", "effective_at", "expires_at", "livemode", "metadata", "name", "priority",
         "test_clock", "updated", "voided_at"}}},
      {"credit_grant_amount", {"a credit grant's amount", {"monetary", "type"}}},
      {"monetary", {"a monetary amount", {"currency", "value"}}},
      {"applicability_config", {"an applicability config", {"scope"}}},
      {"scope", {"an applicability scope", {"price_type", "prices", "billable_items"}}},
      {"tax_rate",
       {"a tax rate",
        {"id", "object", "active", "country", "created", "description", "display_name",
         "effective_percentage", "flat_amount", "inclusive", "jurisdiction", "jurisdiction_level", "livemode",
         "metadata", "percentage", "rate_type", "state", "tax_type"}}},
      {"customer",
       {"a customer",
        {"id",
         "object",
         "address",
         "balance",
         "business_name",
         "cash_balance",
         "created",
         "currency",
         "customer_account",
         "default_source",
         "delinquent",
         "description",
         "discount",
         "email",
         "individual_name",
         "invoice_credit_balance",
         "invoice_prefix",
         "invoice_settings",
         "livemode",
         "metadata",
         "name",
         "next_invoice_sequence",
         "phone",
         "preferred_locales",
         "shipping",
         "sources",
         "subscriptions",
         "tax",
         "tax_exempt",
         "tax_ids",
         "test_clock"}}},
  };
  for (const auto& [key, kind] : kinds)
    if (key == name) return kind;
  return kinds.front().second;
}

/// Appends a warning for every field of `j` (an object of kind `kind` at `at`) that neither meterkit
/// nor Stripe knows, naming the closest known field.
inline void unknown_fields_of(const nlohmann::json& j, std::string_view kind,
                              const std::vector<json_step>& at,
                              std::vector<std::pair<std::vector<json_step>, std::string>>& out) {
  if (!j.is_object()) return;
  const plan_object_kind& k = plan_kind(kind);
  for (const auto& [key, value] : j.items()) {
    if (std::find(k.fields.begin(), k.fields.end(), key) != k.fields.end()) continue;
    auto where = at;
    where.push_back({key, std::nullopt});
    std::string message = "unknown field \"" + key + "\" in " + std::string(k.what) + ", ignored";
    if (const auto near = closest_word(key, k.fields))
      message += "; did you mean \"" + std::string(*near) + "\"?";
    out.emplace_back(std::move(where), std::move(message));
  }
}

/// The unknown fields of a whole plan document (see `unknown_fields_of`), in document order by object.
[[nodiscard]] inline std::vector<std::pair<std::vector<json_step>, std::string>> unknown_plan_fields(
    const nlohmann::json& doc) {
  std::vector<std::pair<std::vector<json_step>, std::string>> out;
  using steps = std::vector<json_step>;
  const auto child = [](const steps& at, std::string_view key) {
    auto v = at;
    v.push_back({std::string(key), std::nullopt});
    return v;
  };
  // Calls `f(element, path)` for each object of the list member `key` of `j` (an array or a list object).
  const auto each = [&](const nlohmann::json& j, std::string_view key, const steps& at, auto&& f) {
    const nlohmann::json* v = json_member(j, key);
    if (v == nullptr) return;
    steps path = child(at, key);
    const nlohmann::json* list = v;
    if (v->is_object()) {
      unknown_fields_of(*v, "list", path, out);
      list = json_member(*v, "data");
      path = child(path, "data");
    }
    if (list == nullptr || !list->is_array()) return;
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto element = path;
      element.push_back({{}, i});
      if ((*list)[i].is_object()) f((*list)[i], element);
    }
  };
  const auto object = [&](const nlohmann::json& j, std::string_view key, const steps& at,
                          std::string_view kind) {
    if (const nlohmann::json* v = json_member(j, key); v && v->is_object())
      unknown_fields_of(*v, kind, child(at, key), out);
  };
  const auto coupon_fields = [&](const nlohmann::json& c, const steps& at) {
    unknown_fields_of(c, "coupon", at, out);
    object(c, "applies_to", at, "applies_to");
  };
  const auto discount_fields = [&](const nlohmann::json& d, const steps& at) {
    unknown_fields_of(d, "discount", at, out);
    if (const nlohmann::json* c = json_member(d, "coupon"); c && c->is_object())
      coupon_fields(*c, child(at, "coupon"));
  };
  const auto tax_rate_fields = [&](const nlohmann::json& r, const steps& at) {
    unknown_fields_of(r, "tax_rate", at, out);
  };
  const auto price_fields = [&](const nlohmann::json& p, const steps& at) {
    unknown_fields_of(p, "price", at, out);
    object(p, "recurring", at, "recurring");
    object(p, "transform_quantity", at, "transform_quantity");
    if (const nlohmann::json* tiers = json_member(p, "tiers"); tiers && tiers->is_array()) {
      for (std::size_t i = 0; i < tiers->size(); ++i) {
        auto t = child(at, "tiers");
        t.push_back({{}, i});
        unknown_fields_of((*tiers)[i], "tier", t, out);
      }
    }
  };
  const steps root;
  if (const nlohmann::json* o = json_member(doc, "object"); o && o->is_string() && *o == "list") {
    out.emplace_back(steps{{"object", std::nullopt}},
                     "this is a Stripe list, not a plan; put its objects under \"meters\", \"prices\" or "
                     "\"subscriptions\"");
    return out;
  }
  unknown_fields_of(doc, "plan", root, out);
  each(doc, "meters", root, [&](const nlohmann::json& m, const steps& at) {
    unknown_fields_of(m, "meter", at, out);
    object(m, "default_aggregation", at, "default_aggregation");
    object(m, "customer_mapping", at, "customer_mapping");
    object(m, "value_settings", at, "value_settings");
  });
  each(doc, "prices", root, price_fields);
  each(doc, "coupons", root, coupon_fields);
  each(doc, "tax_rates", root, tax_rate_fields);
  for (const char* key : {"credit_grants", "billing_credit_grants"}) {
    each(doc, key, root, [&](const nlohmann::json& g, const steps& at) {
      unknown_fields_of(g, "credit_grant", at, out);
      if (const nlohmann::json* a = json_member(g, "amount"); a && a->is_object()) {
        unknown_fields_of(*a, "credit_grant_amount", child(at, "amount"), out);
        object(*a, "monetary", child(at, "amount"), "monetary");
      }
      if (const nlohmann::json* c = json_member(g, "applicability_config"); c && c->is_object()) {
        unknown_fields_of(*c, "applicability_config", child(at, "applicability_config"), out);
        object(*c, "scope", child(at, "applicability_config"), "scope");
      }
    });
  }
  each(doc, "customers", root,
       [&](const nlohmann::json& c, const steps& at) { unknown_fields_of(c, "customer", at, out); });
  each(doc, "subscriptions", root, [&](const nlohmann::json& sub, const steps& at) {
    unknown_fields_of(sub, "subscription", at, out);
    each(sub, "discounts", at, discount_fields);
    if (const nlohmann::json* d = json_member(sub, "discount"); d && d->is_object())
      discount_fields(*d, child(at, "discount"));
    each(sub, "default_tax_rates", at, tax_rate_fields);
    each(sub, "items", at, [&](const nlohmann::json& item, const steps& item_at) {
      unknown_fields_of(item, "item", item_at, out);
      if (const nlohmann::json* pr = json_member(item, "price"); pr && pr->is_object())
        price_fields(*pr, child(item_at, "price"));
      each(item, "discounts", item_at, discount_fields);
      each(item, "tax_rates", item_at, tax_rate_fields);
    });
  });
  return out;
}

}  // namespace detail

/// Reads and validates a plan from `text` (named `name`). Every problem, of JSON or of the plan,
/// raises `input_error` at the line and column of the value it names. A money field meterkit
/// does not model is appended to `warnings` (when given) with its position.
[[nodiscard]] inline plan read_plan_text(std::string_view text, const std::string& name,
                                         std::vector<plan_warning>* warnings = nullptr) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    METERKIT_THROW(input_error(name, {1, 1},
                               "the file is empty; expected a plan: a JSON object with meters, prices "
                               "and subscriptions"));
  }
  std::string_view body = text;
  if (body.substr(0, detail::utf8_bom.size()) == detail::utf8_bom)
    body.remove_prefix(detail::utf8_bom.size());
  // A plan is an object: any other document is refused by its kind, so what it holds is read and
  // not built (a 60 MB array would otherwise cost a gigabyte before the refusal).
  const std::size_t first = body.find_first_not_of(" \t\r\n");  // none: a byte order mark alone
  const bool object = first != std::string_view::npos && body[first] == '{';
  const nlohmann::json doc =
      read_json(body, name, {1, 1}, max_json_depth, object ? max_json_depth : std::size_t{0});
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
#else
  plan p = plan_from_json(doc);
  validate(p);
#endif
  if (warnings != nullptr) {
    for (auto& [steps, message] : detail::unknown_plan_fields(doc)) {
      warnings->push_back(plan_warning{name, detail::advance_position(body, locate_json_value(body, steps)),
                                       to_string(steps), std::move(message)});
    }
    for (auto& [steps, message] : detail::unmodelled_money_fields(doc)) {
      warnings->push_back(plan_warning{name, detail::advance_position(body, locate_json_value(body, steps)),
                                       to_string(steps), std::move(message)});
    }
    if (p.subscriptions.empty() && !json_member(doc, "object")) {
      warnings->push_back(plan_warning{name, text_position{1, 1}, "subscriptions",
                                       "the plan has no subscriptions, so no invoice will be billed"});
    }
    for (std::size_t m = 0; m < p.meters.size(); ++m) {
      if (!p.meters[m].active) continue;  // an inactive meter's events are refused anyway (M6)
      const bool billed = std::any_of(p.prices.begin(), p.prices.end(), [&](const price& pr) {
        return pr.recurring.usage_type == usage_type::metered && pr.recurring.meter == p.meters[m].id;
      });
      if (billed) continue;
      const std::vector<json_step> steps = field_path_steps("meters[" + std::to_string(m) + "]");
      warnings->push_back(plan_warning{
          name, detail::advance_position(body, locate_json_value(body, steps)),
          "meters[" + std::to_string(m) + "]",
          "no price bills meter \"" + p.meters[m].id + "\", so its events count for no invoice"});
    }
  }
  return p;
}

/// Reads and validates the plan file `path` (at most `options.max_record_bytes`), see
/// `read_plan_text`.
[[nodiscard]] inline plan read_plan_file(const std::string& path, const read_options& options = {},
                                         std::vector<plan_warning>* warnings = nullptr) {
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
  return read_plan_text(text, source.name(), warnings);
}

}  // namespace meterkit
