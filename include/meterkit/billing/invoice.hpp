// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// What the invoice simulator produces (SPEC B3, B5, B7, D20, D21, D24, D27; CONTRACT.md `simulate`):
/// invoices with their lines, the rejected operations, late usage, and counts that reconcile.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <meterkit/billing/credit_grant.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>

namespace meterkit {

/// `finalized` when `finalized_at <= until`; `draft` when created but not yet finalized;
/// `upcoming` for the preview at the end of the period containing `until` (D20, D21).
enum class invoice_status { draft, finalized, upcoming };

[[nodiscard]] constexpr std::string_view to_string(invoice_status s) noexcept {
  switch (s) {
    case invoice_status::draft:
      return "draft";
    case invoice_status::finalized:
      return "finalized";
    case invoice_status::upcoming:
      return "upcoming";
  }
  return "draft";
}

/// Why an invoice exists, in Stripe's `billing_reason` words (B7).
enum class billing_reason {
  subscription_create,     ///< the first invoice, at `start_date`
  subscription_cycle,      ///< at a period boundary (the trial's end included)
  subscription_update,     ///< a change in the middle of a period: the final invoice of a `cancel_at`
  upcoming,                ///< the preview of the next invoice, as Stripe's upcoming invoice says
  subscription_threshold,  ///< a billing threshold reached in the middle of a period (B16)
};

[[nodiscard]] constexpr std::string_view to_string(billing_reason r) noexcept {
  switch (r) {
    case billing_reason::subscription_create:
      return "subscription_create";
    case billing_reason::subscription_cycle:
      return "subscription_cycle";
    case billing_reason::subscription_update:
      return "subscription_update";
    case billing_reason::upcoming:
      return "upcoming";
    case billing_reason::subscription_threshold:
      return "subscription_threshold";
  }
  return "subscription_cycle";
}

/// What one discount took off one line (B11): Stripe's `discount_amounts[]`, named by coupon.
struct discount_amount {
  std::string coupon{};
  std::int64_t amount = 0;

  friend bool operator==(const discount_amount&, const discount_amount&) = default;
};

/// One tax rate's tax on one line (B12): Stripe's `tax_amounts[]`. `taxable_amount` is the line's
/// amount after its discounts and without any inclusive tax.
struct tax_amount {
  std::string tax_rate{};
  std::int64_t amount = 0;
  std::int64_t taxable_amount = 0;
  bool inclusive = false;

  friend bool operator==(const tax_amount&, const tax_amount&) = default;
};

/// What one credit grant paid of one line (B14): Stripe's `pretax_credit_amounts[]` of type
/// `credit_balance_transaction`, named by grant.
struct credit_amount {
  std::string credit_grant{};
  std::int64_t amount = 0;

  friend bool operator==(const credit_amount&, const credit_amount&) = default;
};

/// One line: a subscription item's quantity (after M12 clamping, before transform_quantity) and
/// its amount in the currency's minor unit, rounded once (P4).
struct invoice_line {
  std::string subscription_item{};
  std::string price{};
  period service_period{};
  std::int64_t quantity = 0;
  std::int64_t amount = 0;
  bool metered = false;
  bool proration = false;  ///< a licensed line prorated for a stub period (B4)
  bool trial = false;      ///< a line of the trial period: amount 0 (B4)
  /// B15: the line that makes up a subscription's minimum spend for `service_period`; it has no
  /// subscription item and no price.
  bool minimum_true_up = false;
  /// B16: the line bills what an earlier threshold invoice of its period did not: its quantity and
  /// amount are the whole period's less what was billed, so no tier breakdown describes them.
  bool after_threshold = false;
  std::vector<discount_amount> discount_amounts{};  ///< B11, in the order they applied
  std::vector<credit_amount> credit_amounts{};      ///< B14, in the order the grants applied
  std::vector<tax_amount> tax_amounts{};            ///< B12

  friend bool operator==(const invoice_line&, const invoice_line&) = default;
};

/// B15: the minimum spend of the billing period an invoice closes (prorated for a stub period).
struct period_minimum {
  period service_period{};
  std::int64_t amount = 0;

  friend bool operator==(const period_minimum&, const period_minimum&) = default;
};

struct invoice {
  std::string customer{};
  std::string subscription{};
  std::string currency{};  ///< lower-case ISO code (D25)
  timestamp created{};
  invoice_status status = invoice_status::draft;
  billing_reason reason = billing_reason::subscription_cycle;  ///< B7
  timestamp finalized_at{};
  std::vector<invoice_line> lines{};
  /// After pricing (B11-B14; `subtotal` and `total` are the sum of the lines when the plan has no
  /// discount, credit grant, tax rate or balance): `subtotal` is the sum of the lines' amounts,
  /// `total` = `subtotal` − `total_discount` − `total_credit` + exclusive tax,
  /// `total_excluding_tax` = `total` − `tax`, and `amount_due` is what the customer's balance
  /// leaves of `total`, never below 0 (`starting_balance` before, `ending_balance` after: a negative
  /// total becomes credit).
  std::int64_t total = 0;
  std::int64_t subtotal = 0;
  std::int64_t total_discount = 0;
  std::int64_t total_credit = 0;    ///< B14: what credit grants paid
  std::int64_t credit_balance = 0;  ///< B14: the customer's usable grants left after this invoice
  std::int64_t tax = 0;
  std::int64_t total_excluding_tax = 0;
  std::int64_t starting_balance = 0;
  std::int64_t ending_balance = 0;
  std::int64_t amount_due = 0;
  /// B15: the minimum spend of the period this invoice closes, when its subscription has one.
  std::optional<period_minimum> minimum{};

  friend bool operator==(const invoice&, const invoice&) = default;
};

/// An operation that was refused, with its source (`path:line`), stable code and message.
struct rejected_operation {
  std::string source{};
  error_code code{};
  std::string message{};
  std::string param{};
  /// What the operation names, so that rejections can be queried (D27); empty where it has none:
  /// a meter event's `identifier` (an adjustment's `cancel.identifier`), its `event_name`, the
  /// customer it names (a meter event's customer payload key, a usage record's or a subscription
  /// change's subscription customer, a credit grant's `customer`) and its timestamp (the arrival
  /// when it gives none).
  std::string identifier{};
  std::string event_name{};
  std::string customer{};
  std::optional<timestamp> event_time{};
  /// Its position in a v2 meter event stream request (`events[index]`); else empty.
  std::optional<std::uint64_t> index{};

  friend bool operator==(const rejected_operation&, const rejected_operation&) = default;
};

/// Usage that arrived after the invoice of its period was finalized (B3, D24).
struct late_usage {
  std::string subscription_item{};
  period service_period{};
  std::int64_t quantity = 0;
  std::string source{};
  timestamp received_at{};
  timestamp finalized_at{};
  /// The late event, so that late usage can be queried (D24): its identifier (empty when it had
  /// none), event name, customer and timestamp.
  std::string identifier{};
  std::string event_name{};
  std::string customer{};
  timestamp event_time{};

  friend bool operator==(const late_usage&, const late_usage&) = default;
};

/// `read = accepted + rejected + replayed + pending`; `cancelled` counts accepted cancellations.
struct simulation_counts {
  std::uint64_t read = 0;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t replayed = 0;
  std::uint64_t pending = 0;
  std::uint64_t cancelled = 0;

  [[nodiscard]] constexpr bool reconciles() const noexcept {
    return read == accepted + rejected + replayed + pending;
  }
  friend bool operator==(const simulation_counts&, const simulation_counts&) = default;
};

struct simulation_result {
  timestamp until{};
  /// D28: when the replay was asked what was known at a time, that time (requests arriving later
  /// are pending); else empty.
  std::optional<timestamp> known_at{};
  std::vector<invoice> invoices{};             ///< by (created, subscription), D27
  std::vector<rejected_operation> rejected{};  ///< arrival order
  std::vector<late_usage> late{};              ///< arrival order, then plan item order
  simulation_counts counts{};
  /// B14: the credit grants created through requests by `until`, in arrival order.
  std::vector<credit_grant> credit_grants{};

  friend bool operator==(const simulation_result&, const simulation_result&) = default;
};

}  // namespace meterkit
