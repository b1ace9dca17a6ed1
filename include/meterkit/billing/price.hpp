// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Prices and line amounts (SPEC P1-P5, B4 proration, D8, D9, D11, D22, D25).
///
/// - Pricing schemes are policy types checked by the `pricing_scheme` concept: `per_unit` (P1),
///   `tiered<graduated>` and `tiered<volume>` (P3), and `transformed<Scheme>` which applies a
///   `transform_quantity` before pricing (P2). Each gives the exact, unrounded amount of a quantity.
/// - `price` is the runtime value, with the fields of Stripe's price object that matter here.
///   `with_pricing_scheme` is the one dispatch point from a `price` to its policy type.
/// - `validate` refuses an unusable price with a `configuration_error` naming the exact field
///   (`prices[2].tiers[1].up_to`).
/// - `exact_amount` is exact (P4); `line_amount` rounds it once to an integer of the minor unit
///   (P4, P5, D25: every currency, zero-decimal ones included, rounds to whole minor units);
///   `prorated_line_amount` multiplies the exact amount by num / den and rounds once (B4).
///
/// Amounts are in minor units of the price's currency. Quantities must be >= 0: the caller clamps
/// a negative line quantity to 0 first (M12), else a broken precondition (`METERKIT_ASSERT`). An amount
/// outside the signed 64-bit range raises `overflow_error` through `METERKIT_THROW`, never wraps.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <meterkit/billing/tiers.hpp>
#include <meterkit/billing/transform_quantity.hpp>
#include <meterkit/calendar/billing_cycle.hpp>
#include <meterkit/core/currency.hpp>
#include <meterkit/core/decimal.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/rounding.hpp>
#include <meterkit/legacy/aggregate_usage.hpp>

namespace meterkit {

// ---------------------------------------------------------------------------------------------
// Stripe's enumerations and their spellings.

/// Stripe's `billing_scheme` (D9: default `per_unit`).
enum class billing_scheme { per_unit, tiered };

/// Stripe's `tiers_mode` (P3).
enum class tiers_mode { graduated, volume };

/// Stripe's `recurring.usage_type` (D9: default `licensed`).
enum class usage_type { licensed, metered };

[[nodiscard]] constexpr std::string_view to_string(billing_scheme s) noexcept {
  return s == billing_scheme::tiered ? "tiered" : "per_unit";
}
[[nodiscard]] constexpr std::string_view to_string(tiers_mode m) noexcept {
  return m == tiers_mode::volume ? "volume" : "graduated";
}
[[nodiscard]] constexpr std::string_view to_string(usage_type u) noexcept {
  return u == usage_type::metered ? "metered" : "licensed";
}

/// The scheme spelled `text` exactly (`per_unit`, `tiered`), else nullopt.
[[nodiscard]] constexpr std::optional<billing_scheme> parse_billing_scheme(std::string_view text) noexcept {
  if (text == "per_unit") return billing_scheme::per_unit;
  if (text == "tiered") return billing_scheme::tiered;
  return std::nullopt;
}
/// The mode spelled `text` exactly (`graduated`, `volume`), else nullopt.
[[nodiscard]] constexpr std::optional<tiers_mode> parse_tiers_mode(std::string_view text) noexcept {
  if (text == "graduated") return tiers_mode::graduated;
  if (text == "volume") return tiers_mode::volume;
  return std::nullopt;
}
/// The usage type spelled `text` exactly (`licensed`, `metered`), else nullopt.
[[nodiscard]] constexpr std::optional<usage_type> parse_usage_type(std::string_view text) noexcept {
  if (text == "licensed") return usage_type::licensed;
  if (text == "metered") return usage_type::metered;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Pricing schemes: policy types.

/// `s.exact_amount(quantity)` gives the exact, unrounded amount of a quantity >= 0.
template <class S>
concept pricing_scheme_prices_quantity = requires(const S& s, std::int64_t q) {
  { s.exact_amount(q) } -> std::same_as<decimal>;
};

/// `S::name` says the scheme in words (`per_unit`, `graduated`, ...).
template <class S>
concept pricing_scheme_is_named = requires {
  { S::name } -> std::convertible_to<std::string_view>;
};

/// Everything a line needs of a pricing scheme.
template <class S>
concept pricing_scheme = pricing_scheme_prices_quantity<S> && pricing_scheme_is_named<S>;

namespace detail {
/// Checks `S` requirement by requirement, for readable errors in templates.
template <class S>
consteval bool check_pricing_scheme() {
  static_assert(pricing_scheme_prices_quantity<S>,
                "meterkit: a pricing scheme needs `decimal exact_amount(std::int64_t quantity) const` "
                "(see billing/price.hpp, SPEC P1-P3)");
  static_assert(
      pricing_scheme_is_named<S>,
      "meterkit: a pricing scheme needs `static constexpr std::string_view name` (see billing/price.hpp)");
  return pricing_scheme<S>;
}

constexpr void require_non_negative_quantity(std::int64_t quantity) {
  METERKIT_ASSERT(quantity >= 0, "meterkit: a price needs a quantity >= 0 (M12 clamps the line first)");
}
}  // namespace detail

/// Quantity x unit amount (P1); the unit amount may have up to 12 decimals of the minor unit.
struct per_unit {
  static constexpr std::string_view name = "per_unit";
  decimal unit_amount{};

  [[nodiscard]] constexpr decimal exact_amount(std::int64_t quantity) const {
    detail::require_non_negative_quantity(quantity);
    return detail::multiply_amount(unit_amount, quantity);
  }
};

/// Tiers read in the mode `Mode` (`graduated` or `volume`, P3). Does not own the tiers.
template <class Mode>
struct tiered {
  static_assert(detail::check_tiers_mode_policy<Mode>());
  static constexpr std::string_view name = Mode::name;
  std::span<const price_tier> tiers{};

  [[nodiscard]] constexpr decimal exact_amount(std::int64_t quantity) const {
    return Mode::amount(tiers, quantity);
  }
};

/// `Scheme` applied to the number of packages `transform.apply(quantity)` (P2).
template <class Scheme>
struct transformed {
  static_assert(detail::check_pricing_scheme<Scheme>());
  static constexpr std::string_view name = Scheme::name;
  meterkit::transform_quantity transform{};
  Scheme scheme{};

  [[nodiscard]] constexpr decimal exact_amount(std::int64_t quantity) const {
    return scheme.exact_amount(transform.apply(quantity));
  }
};

static_assert(detail::check_pricing_scheme<per_unit>());
static_assert(detail::check_pricing_scheme<tiered<graduated>>());
static_assert(detail::check_pricing_scheme<tiered<volume>>());
static_assert(detail::check_pricing_scheme<transformed<per_unit>>());

// ---------------------------------------------------------------------------------------------
// The runtime price.

/// Stripe's `recurring` object (B1, D9).
struct recurring {
  billing_interval interval{};  ///< `interval` and `interval_count` (D9: count defaults to 1)
  meterkit::usage_type usage_type = meterkit::usage_type::licensed;
  std::optional<std::string> meter{};  ///< the meter a metered price bills (wins over aggregate_usage, D9)
  /// Legacy (no `meter`): how usage records aggregate, L3; absent: `sum`.
  std::optional<meterkit::aggregate_usage> aggregate_usage{};

  friend bool operator==(const recurring&, const recurring&) = default;
};

/// A price: the fields of Stripe's price object that decide an amount (P1-P3, D8, D9).
/// An aggregate, built with designated initializers; the other fields take Stripe's defaults
/// (per_unit, licensed, monthly):
/// `price{.id = "price_api", .currency = currency("usd"), .unit_amount = decimal::from_integer(2)}`.
/// Every price names its currency: `currency` has no default, so leaving it out does not compile.
struct price {
  std::string id{};
  meterkit::currency currency;  ///< no default: a price without its currency is refused at compile time
  meterkit::billing_scheme billing_scheme = meterkit::billing_scheme::per_unit;
  std::optional<meterkit::tiers_mode> tiers_mode{};  ///< required when tiered
  /// per_unit: `unit_amount` or `unit_amount_decimal` (see resolve_amount)
  std::optional<decimal> unit_amount{};
  std::vector<price_tier> tiers{};                                   ///< tiered only
  std::optional<meterkit::transform_quantity> transform_quantity{};  ///< per_unit only (D11)
  meterkit::recurring recurring{};
  std::optional<std::string> product{};  ///< the product it prices: what a coupon's `applies_to` names (B11)

  friend bool operator==(const price&, const price&) = default;
};

/// An amount given in Stripe's two forms, an integer `field` and a string `field_decimal`: the
/// decimal form wins when both are given (D8); nullopt when neither is. An unparsable decimal
/// raises `configuration_error` for `<field>_decimal`, a negative integer for `<field>`.
/// `field` is the full name, e.g. "prices[0].tiers[1].flat_amount".
[[nodiscard]] inline std::optional<decimal> resolve_amount(std::optional<std::int64_t> integer_form,
                                                           std::optional<std::string_view> decimal_form,
                                                           std::string_view field) {
  if (decimal_form) {
    std::string decimal_field = std::string(field) + "_decimal";
    auto parsed = parse_decimal(*decimal_form, decimal_field);
    if (!parsed) METERKIT_THROW(configuration_error(std::move(decimal_field), parsed.error().message));
    return *parsed;
  }
  if (integer_form) {
    if (*integer_form < 0) {
      METERKIT_THROW(
          configuration_error(std::string(field), "must be >= 0, got " + std::to_string(*integer_form)));
    }
    return decimal::from_integer(*integer_form);
  }
  return std::nullopt;
}

namespace detail {
[[nodiscard]] inline std::string field_name(std::string_view prefix, std::string_view field) {
  if (prefix.empty()) return std::string(field);
  std::string out(prefix);
  out += '.';
  out += field;
  return out;
}

[[noreturn]] inline void refuse(std::string_view prefix, std::string_view field, const std::string& what) {
  METERKIT_THROW(configuration_error(field_name(prefix, field), what));
}

inline void require_non_negative_amount(const std::optional<decimal>& amount, std::string_view prefix,
                                        std::string_view field) {
  if (amount && amount->is_negative()) refuse(prefix, field, "must be >= 0, got " + amount->to_string());
}

inline void validate_tiers(std::span<const price_tier> tiers, std::string_view prefix) {
  std::optional<std::int64_t> previous;
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    const price_tier& tier = tiers[i];
    const std::string at = "tiers[" + std::to_string(i) + "]";
    const bool last = i + 1 == tiers.size();
    if (!tier.up_to) {
      if (!last) refuse(prefix, at + ".up_to", "only the last tier may be inf (up_to null)");
    } else {
      if (*tier.up_to < 0) refuse(prefix, at + ".up_to", "must be >= 0, got " + std::to_string(*tier.up_to));
      if (previous && *tier.up_to <= *previous) {
        refuse(prefix, at + ".up_to",
               "must be greater than the previous tier's up_to (" + std::to_string(*previous) + "), got " +
                   std::to_string(*tier.up_to));
      }
      if (last)
        refuse(prefix, at + ".up_to",
               "the last tier must be inf (up_to null), got " + std::to_string(*tier.up_to));
      previous = tier.up_to;
    }
    require_non_negative_amount(tier.unit_amount, prefix, at + ".unit_amount");
    require_non_negative_amount(tier.flat_amount, prefix, at + ".flat_amount");
  }
}
}  // namespace detail

/// Refuses an unusable price with a `configuration_error` whose field is `field_prefix` + "." +
/// the offending field (e.g. "prices[2].tiers[1].up_to"; no prefix: "tiers[1].up_to"). Checks,
/// in this order:
/// - tiered: `tiers_mode` given; `tiers` non-empty; no `transform_quantity` (D11); each tier:
///   `up_to` >= 0 and strictly increasing, only the last tier and it `inf` (D8), amounts >= 0.
/// - per_unit: no `tiers`; a `unit_amount` (D8), >= 0; `transform_quantity.divide_by` >= 1 (D11).
/// - `recurring.interval_count` within D9's limits.
/// A per_unit price's `tiers_mode` and a tiered price's `unit_amount` are ignored.
inline void validate(const price& p, std::string_view field_prefix) {
  const std::string_view prefix = field_prefix;
  if (p.billing_scheme == billing_scheme::tiered) {
    if (!p.tiers_mode) detail::refuse(prefix, "tiers_mode", "required when billing_scheme is tiered");
    if (p.tiers.empty()) detail::refuse(prefix, "tiers", "required when billing_scheme is tiered");
    if (p.transform_quantity) {
      detail::refuse(prefix, "transform_quantity", "cannot be combined with tiers (billing_scheme tiered)");
    }
    detail::validate_tiers(p.tiers, prefix);
  } else {
    if (!p.tiers.empty())
      detail::refuse(prefix, "tiers", "only a tiered price has tiers (billing_scheme is per_unit)");
    if (!p.unit_amount) {
      detail::refuse(prefix, "unit_amount", "a per_unit price needs unit_amount or unit_amount_decimal");
    }
    detail::require_non_negative_amount(p.unit_amount, prefix, "unit_amount");
    if (p.transform_quantity && p.transform_quantity->divide_by < 1) {
      detail::refuse(prefix, "transform_quantity.divide_by",
                     "must be >= 1, got " + std::to_string(p.transform_quantity->divide_by));
    }
  }
  const billing_interval interval = p.recurring.interval;
  if (!is_valid(interval)) {
    detail::refuse(prefix, "recurring.interval_count",
                   "must be between 1 and " + std::to_string(max_interval_count(interval.unit)) +
                       " for interval " + std::string(to_string(interval.unit)) + ", got " +
                       std::to_string(interval.count));
  }
}

// ---------------------------------------------------------------------------------------------
// The one dispatch point, and line amounts.

/// Calls `f(scheme)` with the policy of `p`: `per_unit`, `transformed<per_unit>`,
/// `tiered<graduated>` or `tiered<volume>`. The one place where a runtime price becomes a type.
/// Meant for validated prices; a price that cannot be dispatched (per_unit without unit amount,
/// tiered without tiers_mode or with transform_quantity) raises `configuration_error`.
template <class F>
constexpr decltype(auto) with_pricing_scheme(const price& p, F&& f) {
  if (p.billing_scheme == billing_scheme::tiered) {
    if (!p.tiers_mode)
      METERKIT_THROW(configuration_error("tiers_mode", "required when billing_scheme is tiered"));
    if (p.transform_quantity) {
      METERKIT_THROW(configuration_error("transform_quantity", "cannot be combined with tiers"));
    }
    const std::span<const price_tier> tiers{p.tiers};
    if (*p.tiers_mode == tiers_mode::volume) return std::forward<F>(f)(tiered<volume>{tiers});
    return std::forward<F>(f)(tiered<graduated>{tiers});
  }
  if (!p.unit_amount) {
    METERKIT_THROW(
        configuration_error("unit_amount", "a per_unit price needs unit_amount or unit_amount_decimal"));
  }
  if (p.transform_quantity) {
    return std::forward<F>(f)(transformed<per_unit>{*p.transform_quantity, per_unit{*p.unit_amount}});
  }
  return std::forward<F>(f)(per_unit{*p.unit_amount});
}

/// The exact, unrounded amount of `quantity` (>= 0) in minor units (P1-P4).
[[nodiscard]] constexpr decimal exact_amount(const price& p, std::int64_t quantity) {
  detail::require_non_negative_quantity(quantity);
  return with_pricing_scheme(p, [quantity](const auto& scheme) { return scheme.exact_amount(quantity); });
}

/// The line amount of `quantity` (>= 0): the exact amount rounded once with `Policy` to an
/// integer of the minor unit (P4, P5, D25). `overflow_error` outside the signed 64-bit range.
template <class Policy>
[[nodiscard]] constexpr std::int64_t line_amount(const price& p, std::int64_t quantity) {
  static_assert(detail::check_rounding_policy<Policy>());
  return exact_amount(p, quantity).template round<Policy>();
}

/// The line amount of `quantity` (>= 0) rounded once with the runtime `mode` (P4).
[[nodiscard]] constexpr std::int64_t line_amount(const price& p, std::int64_t quantity, rounding_mode mode) {
  return exact_amount(p, quantity).round(mode);
}

/// The line amount prorated by `numerator_seconds / denominator_seconds` (B4: stub length over
/// the length of the full cycle), computed exactly and rounded once. Needs
/// `denominator_seconds > 0` and `numerator_seconds >= 0` (else `precondition_error`).
[[nodiscard]] constexpr std::int64_t prorated_line_amount(const price& p, std::int64_t quantity,
                                                          std::int64_t numerator_seconds,
                                                          std::int64_t denominator_seconds,
                                                          rounding_mode mode) {
  METERKIT_ASSERT(denominator_seconds > 0 && numerator_seconds >= 0,
                  "meterkit: proration needs numerator >= 0 and denominator > 0");
  const decimal full = exact_amount(p, quantity);
  // Reducing the fraction keeps the exact 128-bit product small; the result is the same.
  const std::int64_t g = std::gcd(numerator_seconds, denominator_seconds);
  return scale_and_round(full, numerator_seconds / g, denominator_seconds / g, mode);
}

}  // namespace meterkit
