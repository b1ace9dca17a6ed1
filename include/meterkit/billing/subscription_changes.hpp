// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Changes of a subscription's licensed items over time, with Stripe's prorations (rule B8;
/// docs/rules.md): what the simulator records when a change is accepted, and what the pure
/// invoicing function reads.
///
/// A change is accepted at its arrival `received_at` and takes effect at `effective` (its
/// `proration_date`, else the arrival), inside `current`, the period containing the arrival. It
/// sets the price and quantity of some licensed items; `before` holds what they were.
///
/// - A licensed line of an invoice created at `c` bills the items as set by the changes that
///   arrived strictly before `c`: a change arriving exactly at a boundary is prorated over the
///   whole new period instead, so nothing is billed twice.
/// - Prorations (`create_prorations`, `always_invoice`): per changed item, a credit for the unused
///   time on the old price and quantity and a charge for the same time on the new ones, over
///   `[effective, current.end)`, each `amount x remaining / full cycle` rounded once (the
///   denominator of B4's stubs, so that a stub's credit is exactly what it charged for that time).
///   None in the trial (it bills nothing) and none with `proration_behavior=none`.
/// - Where they go: `always_invoice` makes an invoice at the arrival (`subscription_update`) with
///   the prorations of this change and the pending ones of the same period; `create_prorations`
///   leaves them pending for the next invoice of the subscription: such an invoice, or the one at
///   the end of `current`. Pending prorations of a period that an immediate cancellation cut are
///   removed (B6).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/snapshot.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/core/time.hpp>

namespace meterkit {

/// Stripe's `proration_behavior` (B8).
enum class proration_behavior { create_prorations, none, always_invoice };

[[nodiscard]] constexpr std::string_view to_string(proration_behavior b) noexcept {
  switch (b) {
    case proration_behavior::create_prorations:
      return "create_prorations";
    case proration_behavior::none:
      return "none";
    case proration_behavior::always_invoice:
      return "always_invoice";
  }
  return "create_prorations";
}

[[nodiscard]] constexpr std::optional<proration_behavior> parse_proration_behavior(
    std::string_view text) noexcept {
  for (const auto b : {proration_behavior::create_prorations, proration_behavior::none,
                       proration_behavior::always_invoice}) {
    if (to_string(b) == text) return b;
  }
  return std::nullopt;
}

/// A licensed item's price and quantity (indexes into the compiled plan).
struct item_setting {
  std::size_t item = 0;
  std::size_t price = 0;
  std::int64_t quantity = 0;

  friend bool operator==(const item_setting&, const item_setting&) = default;
};

/// One accepted change (see the file comment).
struct applied_change {
  std::size_t subscription = 0;
  timestamp received_at{};
  timestamp effective{};
  period current{};
  proration_behavior behavior = proration_behavior::create_prorations;
  std::vector<item_setting> before;  ///< the changed items, as they were
  std::vector<item_setting> after;   ///< the same items, as they are now

  friend bool operator==(const applied_change&, const applied_change&) = default;
};

/// Every change accepted so far, in arrival order, and the items' settings now.
class subscription_changes {
 public:
  subscription_changes() = default;
  explicit subscription_changes(const compiled_plan& cp) { reset_settings(cp); }

  [[nodiscard]] std::span<const applied_change> all() const noexcept { return changes_; }
  [[nodiscard]] bool empty() const noexcept { return changes_.empty(); }

  /// The setting of licensed item `item` now (after every change so far).
  [[nodiscard]] const item_setting& now(std::size_t item) const { return settings_[item]; }

  /// The setting of licensed item `item` made by the changes that arrived strictly before `t`.
  [[nodiscard]] item_setting before(const compiled_plan& cp, std::size_t item, timestamp t) const {
    item_setting out{item, cp.items()[item].price, cp.item_at(item).quantity};
    for (const auto& c : changes_) {  // arrival order
      if (!(c.received_at < t)) break;
      for (const auto& a : c.after) {
        if (a.item == item) out = a;
      }
    }
    return out;
  }

  /// Records an accepted change. Changes come in arrival order.
  void add(applied_change c) {
    for (const auto& a : c.after) settings_[a.item] = a;
    changes_.push_back(std::move(c));
  }

  void save(state_writer& out) const {
    out.size(changes_.size());
    for (const auto& c : changes_) {
      out.size(c.subscription);
      out.time(c.received_at);
      out.time(c.effective);
      detail::save_period(out, c.current);
      out.u8(static_cast<std::uint8_t>(c.behavior));
      out.size(c.before.size());
      for (const auto* side : {&c.before, &c.after}) {
        for (const auto& s : *side) {
          out.size(s.item);
          out.size(s.price);
          out.i64(s.quantity);
        }
      }
    }
  }

  /// Reads what `save` wrote under the same compiled plan, refusing what no accepted change could
  /// be (`corrupt_state_error`).
  void load(const compiled_plan& cp, state_reader& in) {
    changes_.clear();
    reset_settings(cp);
    std::optional<timestamp> last;
    for (std::size_t n = in.count(48); n > 0; --n) {
      applied_change c;
      c.subscription = in.index(cp.subscriptions().size());
      c.received_at = in.time();
      c.effective = in.time();
      c.current = detail::load_period(in);
      const std::uint8_t behavior = in.u8();
      in.require(behavior <= 2, "an unknown proration behavior");
      c.behavior = static_cast<proration_behavior>(behavior);
      in.require(!last || !(c.received_at < *last), "subscription changes out of arrival order");
      in.require(c.current.contains(c.effective) && !(c.received_at < c.effective) &&
                     c.current.contains(c.received_at),
                 "a subscription change outside its period");
      last = c.received_at;
      const std::size_t items = in.count(24);
      for (auto* side : {&c.before, &c.after}) {
        side->resize(items);
        for (auto& s : *side) {
          s.item = in.index(cp.items().size());
          s.price = in.index(cp.source().prices.size());
          s.quantity = in.i64();
          in.require(s.quantity >= 0 && cp.items()[s.item].subscription == c.subscription &&
                         cp.items()[s.item].billing == item_billing::licensed,
                     "a subscription change of an item it cannot change");
        }
      }
      add(std::move(c));
    }
  }

 private:
  void reset_settings(const compiled_plan& cp) {
    settings_.clear();
    for (std::size_t i = 0; i < cp.items().size(); ++i)
      settings_.push_back(item_setting{i, cp.items()[i].price, cp.item_at(i).quantity});
  }

  std::vector<applied_change> changes_;
  std::vector<item_setting> settings_;  ///< by item: the setting after every change
};

}  // namespace meterkit
