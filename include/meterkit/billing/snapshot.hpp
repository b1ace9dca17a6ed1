// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The snapshot codec of the invoice simulator (README, "Survive a crash"): the frame around a
/// snapshot body, the plan fingerprint that ties a snapshot to its plan, and the encodings of the
/// few simulator values that are not some component's own state (stored outcomes, periods).
///
/// Frame: the persistence frame of core/persistence.hpp (8 bytes magic `\x89MKSIM\r\n` | u32
/// format version | u64 length | framed body | u32 CRC-32C of all the bytes before it), whose
/// framed body is the u64 plan fingerprint (FNV-1a 64 of a canonical encoding of every plan
/// field: an identity, not the integrity check) followed by the snapshot body.
/// A truncated, damaged or foreign snapshot raises `corrupt_state_error`; one saved under another
/// plan `snapshot_plan_mismatch`. What the body holds is the simulator's business
/// (billing/simulator.hpp); each component writes its own part (the meter ledger, the usage-record
/// books, the idempotency store, the history keeper).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <meterkit/billing/plan.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/core/checksum.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/persistence.hpp>

namespace meterkit {

/// A snapshot saved under another plan than the one it is restored with.
class snapshot_plan_mismatch : public corrupt_state_error {
 public:
  using corrupt_state_error::corrupt_state_error;
};

namespace detail {

/// The identity of a request for idempotency (D19): the first outcome of each of its operations.
using stored_outcomes = std::vector<outcome>;

inline void save_outcomes(state_writer& out, const stored_outcomes& outcomes) {
  out.size(outcomes.size());
  for (const auto& o : outcomes) {
    out.boolean(o.rejected());
    if (o.accepted()) continue;
    out.u32(static_cast<std::uint32_t>(o.code()));
    out.str(o.error().message);
    out.str(o.error().param);
  }
}

[[nodiscard]] inline error_code load_error_code(state_reader& in) {
  const std::uint32_t code = in.u32();
  in.require(code < error_code_names.size(), "an unknown error code");
  return static_cast<error_code>(code);
}

[[nodiscard]] inline stored_outcomes load_outcomes(state_reader& in) {
  stored_outcomes outcomes(in.count(1));
  for (auto& o : outcomes) {
    if (!in.boolean()) continue;
    const error_code code = load_error_code(in);
    std::string message = in.str();
    o = outcome::reject(code, std::move(message), in.str());
  }
  return outcomes;
}

inline void save_period(state_writer& out, const period& p) {
  out.time(p.start);
  out.time(p.end);
}

[[nodiscard]] inline period load_period(state_reader& in) {
  const timestamp start = in.time();
  return period{start, in.time()};
}

/// B14: the credit grants created through requests, as a snapshot keeps them.
inline void save_credit_grants(state_writer& out, const std::vector<credit_grant>& grants) {
  out.size(grants.size());
  for (const auto& g : grants) {
    out.str(g.id);
    out.str(g.customer);
    out.i64(g.amount);
    out.optional_str(g.currency ? std::optional<std::string>(std::string(g.currency->code())) : std::nullopt);
    out.u8(static_cast<std::uint8_t>(g.category));
    out.i64(g.priority);
    for (const auto* t : {&g.effective_at, &g.expires_at, &g.voided_at, &g.created}) out.optional_time(*t);
    out.boolean(g.prices.has_value());
    if (g.prices) {
      out.size(g.prices->size());
      for (const auto& id : *g.prices) out.str(id);
    }
  }
}

/// What `save_credit_grants` wrote, refusing what no accepted grant could be.
[[nodiscard]] inline std::vector<credit_grant> load_credit_grants(state_reader& in) {
  std::vector<credit_grant> out(in.count(40));
  for (auto& g : out) {
    g.id = in.str();
    g.customer = in.str();
    g.amount = in.i64();
    const auto code = in.optional_str();
    in.require(g.amount > 0 && code && currency::is_valid_code(*code), "an unusable credit grant");
    g.currency = currency(*code);
    const std::uint8_t category = in.u8();
    in.require(category <= 1, "an unknown credit grant category");
    g.category = static_cast<credit_grant_category>(category);
    const std::int64_t priority = in.i64();
    in.require(priority >= 0 && priority <= max_credit_grant_priority,
               "a credit grant priority out of range");
    g.priority = static_cast<std::int32_t>(priority);
    for (auto* t : {&g.effective_at, &g.expires_at, &g.voided_at, &g.created}) *t = in.optional_time();
    if (in.boolean()) {
      g.prices.emplace(in.count(8));
      for (auto& id : *g.prices) id = in.str();
    }
  }
  return out;
}

/// An invariant across a restored simulator's parts: a part's clock (the arrival, `received_at`
/// and arrival number, of the latest operation it took) is never ahead of the simulator's own
/// (`simulator_clock`, the `received_at` of the latest request, and `next_arrival`, the number the
/// next operation gets), since every operation reaches its part through the simulator. A snapshot
/// edited so that one lies ahead would restore and then refuse the next request as a programming
/// error; `restore` refuses it instead as `corrupt_state_error` naming `part`.
inline void require_clock_not_ahead(const state_reader& in, const std::optional<timestamp>& simulator_clock,
                                    std::uint64_t next_arrival,
                                    const std::optional<std::pair<timestamp, std::uint64_t>>& part_clock,
                                    const char* part) {
  if (!part_clock) return;
  if (!simulator_clock || *simulator_clock < part_clock->first || part_clock->second >= next_arrival) {
    in.fail(std::string("the clock of ") + part + " (received_at " +
            std::to_string(to_unix(part_clock->first)) + ", arrival " + std::to_string(part_clock->second) +
            ") is ahead of the simulator's (received_at " +
            (simulator_clock ? std::to_string(to_unix(*simulator_clock)) : std::string("none")) +
            ", next arrival " + std::to_string(next_arrival) + ")");
  }
}

}  // namespace detail

/// FNV-1a 64 of a canonical encoding of every field of `p`: a snapshot is refused under a plan
/// that differs in anything (a field added to the plan must be added here).
[[nodiscard]] inline std::uint64_t plan_fingerprint(const plan& p) {
  state_writer out;
  auto time = [&](timestamp t) { out.i64(to_unix(t)); };
  auto optional_time = [&](const std::optional<timestamp>& t) {
    out.boolean(t.has_value());
    if (t) time(*t);
  };
  auto optional_decimal = [&](const std::optional<decimal>& d) {
    out.boolean(d.has_value());
    if (d) out.str(d->to_string());
  };
  out.size(p.meters.size());
  for (const auto& m : p.meters) {
    out.str(m.id);
    out.str(m.event_name);
    out.str(m.display_name);
    out.u8(static_cast<std::uint8_t>(m.formula));
    out.str(m.customer_key);
    out.str(m.value_key);
    out.u8(static_cast<std::uint8_t>(m.event_time_window));
    out.boolean(m.active);
  }
  out.size(p.prices.size());
  for (const auto& pr : p.prices) {
    out.str(pr.id);
    out.str(pr.currency.code());
    out.u8(static_cast<std::uint8_t>(pr.billing_scheme));
    out.boolean(pr.tiers_mode.has_value());
    if (pr.tiers_mode) out.u8(static_cast<std::uint8_t>(*pr.tiers_mode));
    optional_decimal(pr.unit_amount);
    out.size(pr.tiers.size());
    for (const auto& tier : pr.tiers) {
      out.boolean(tier.up_to.has_value());
      if (tier.up_to) out.i64(*tier.up_to);
      optional_decimal(tier.unit_amount);
      optional_decimal(tier.flat_amount);
    }
    out.boolean(pr.transform_quantity.has_value());
    if (pr.transform_quantity) {
      out.i64(pr.transform_quantity->divide_by);
      out.u8(static_cast<std::uint8_t>(pr.transform_quantity->round));
    }
    out.u8(static_cast<std::uint8_t>(pr.recurring.interval.unit));
    out.i64(pr.recurring.interval.count);
    out.u8(static_cast<std::uint8_t>(pr.recurring.usage_type));
    out.optional_str(pr.recurring.meter);
    out.boolean(pr.recurring.aggregate_usage.has_value());
    if (pr.recurring.aggregate_usage) out.u8(static_cast<std::uint8_t>(*pr.recurring.aggregate_usage));
  }
  out.size(p.subscriptions.size());
  for (const auto& sub : p.subscriptions) {
    out.str(sub.id);
    out.str(sub.customer);
    time(sub.start_date);
    optional_time(sub.billing_cycle_anchor);
    optional_time(sub.trial_end);
    out.boolean(sub.status.has_value());  // B6: how it ends
    if (sub.status) out.u8(static_cast<std::uint8_t>(*sub.status));
    optional_time(sub.cancel_at);
    out.boolean(sub.cancel_at_period_end);
    optional_time(sub.canceled_at);
    optional_time(sub.ended_at);
    out.u8(static_cast<std::uint8_t>(sub.billing_mode));
    out.size(sub.items.size());
    for (const auto& item : sub.items) {
      out.str(item.id);
      out.str(item.price);
      out.i64(item.quantity);
    }
  }
  out.size(p.customers.size());
  for (const auto& c : p.customers) out.str(c);
  out.i64(p.settings.invoice_finalization_delay.count());
  out.i64(p.settings.legacy_grace_period.count());
  out.u8(static_cast<std::uint8_t>(p.settings.rounding));
  // B15, only when a subscription has a minimum, so that other plans keep their fingerprint.
  if (std::any_of(p.subscriptions.begin(), p.subscriptions.end(),
                  [](const subscription& s) { return s.minimum_spend.has_value(); })) {
    out.str("minimum_spend");
    for (const auto& sub : p.subscriptions) {
      out.boolean(sub.minimum_spend.has_value());
      if (sub.minimum_spend) out.i64(*sub.minimum_spend);
    }
  }
  // B16, only when the plan has thresholds, so that other plans keep their fingerprint.
  if (p.has_thresholds()) {
    out.str("billing_thresholds");
    for (const auto& sub : p.subscriptions) {
      out.boolean(sub.amount_gte.has_value());
      if (sub.amount_gte) out.i64(*sub.amount_gte);
      out.boolean(sub.reset_billing_cycle_anchor);
      for (const auto& item : sub.items) {
        out.boolean(item.usage_gte.has_value());
        if (item.usage_gte) out.i64(*item.usage_gte);
      }
    }
  }
  // B11-B13, only when the plan has any of them, so that the fingerprint of a plan without them is
  // what it was before they existed (its snapshots still load).
  const bool products =
      std::any_of(p.prices.begin(), p.prices.end(), [](const price& pr) { return pr.product.has_value(); });
  if (!p.coupons.empty() || !p.tax_rates.empty() || p.adjusts_after_pricing() || products) {
    out.str("after_pricing");
    for (const auto& pr : p.prices) out.optional_str(pr.product);
    out.size(p.coupons.size());
    for (const auto& c : p.coupons) {
      out.str(c.id);
      optional_decimal(c.percent_off);
      out.boolean(c.amount_off.has_value());
      if (c.amount_off) out.i64(*c.amount_off);
      out.boolean(c.currency.has_value());
      if (c.currency) out.str(c.currency->code());
      out.u8(static_cast<std::uint8_t>(c.duration));
      out.boolean(c.duration_in_months.has_value());
      if (c.duration_in_months) out.i64(*c.duration_in_months);
      out.boolean(c.applies_to_products.has_value());
      if (c.applies_to_products) {
        out.size(c.applies_to_products->size());
        for (const auto& product : *c.applies_to_products) out.str(product);
      }
      out.boolean(c.max_redemptions.has_value());
      if (c.max_redemptions) out.i64(*c.max_redemptions);
      optional_time(c.redeem_by);
    }
    out.size(p.tax_rates.size());
    for (const auto& r : p.tax_rates) {
      out.str(r.id);
      out.str(r.percentage.to_string());
      out.boolean(r.inclusive);
    }
    out.size(p.balances.size());
    for (const auto& b : p.balances) {
      out.str(b.customer);
      out.i64(b.balance);
      out.boolean(b.currency.has_value());
      if (b.currency) out.str(b.currency->code());
    }
    const auto discounts = [&](const std::vector<discount>& list) {
      out.size(list.size());
      for (const auto& d : list) {
        out.str(d.coupon);
        optional_time(d.start);
        optional_time(d.end);
      }
    };
    const auto rates = [&](const std::vector<std::string>& list) {
      out.size(list.size());
      for (const auto& id : list) out.str(id);
    };
    for (const auto& sub : p.subscriptions) {
      discounts(sub.discounts);
      rates(sub.default_tax_rates);
      for (const auto& item : sub.items) {
        discounts(item.discounts);
        out.boolean(item.tax_rates.has_value());
        if (item.tax_rates) rates(*item.tax_rates);
      }
    }
    // B14, only when there are grants, so that plans with B11-B13 only keep their fingerprint.
    if (!p.credit_grants.empty()) {
      out.str("credit_grants");
      detail::save_credit_grants(out, p.credit_grants);  // the bytes a snapshot keeps them in
    }
  }
  return fnv1a_64(out.bytes());
}

/// The simulator snapshot's frame: the persistence frame of core/persistence.hpp (magic, format
/// version, length, checksum, checked in that order) around the plan fingerprint and the body.
/// The fingerprint is checked last, so that damage is reported as damage, never as another plan.
struct snapshot_frame {
  static constexpr std::string_view magic{"\x89MKSIM\r\n", 8};
  static constexpr std::string_view what = "invoice simulator snapshot";

  /// Writes `body` framed with `version` and `fingerprint`. Throws `std::ios_base::failure`
  /// when `out` fails.
  static void write(std::ostream& out, std::uint32_t version, std::uint64_t fingerprint,
                    const std::string& body) {
    state_writer framed;
    framed.u64(fingerprint);
    framed.raw(body);
    write_state_frame(out, magic, version, framed.bytes());
    if (!out) METERKIT_THROW(std::ios_base::failure("meterkit: cannot write the simulator snapshot"));
  }

  /// Reads exactly one frame from `in` and returns its body. Raises `corrupt_state_error` for
  /// damage (see `read_state_frame`) and `snapshot_plan_mismatch` when it was saved under a plan
  /// whose fingerprint is not `fingerprint`.
  [[nodiscard]] static std::string read(std::istream& in, std::uint32_t version, std::uint64_t fingerprint) {
    std::string framed = read_state_frame(in, magic, version, what);
    state_reader r(framed, std::string(what));
    if (r.u64() != fingerprint) {
      METERKIT_THROW(snapshot_plan_mismatch(
          "meterkit: cannot load the invoice simulator snapshot: it was saved under another plan"));
    }
    return framed.substr(8);
  }
};

}  // namespace meterkit
