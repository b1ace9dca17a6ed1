// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// A plan compiled once (rules B1-B6, D9-D11, L3, M6; docs/rules.md): validated, then every
/// subscription item becomes a typed `compiled_item` that says how it is billed (licensed, on a
/// meter, or by usage records with its `aggregate_usage`), its subscription's schedule, and the
/// meter, customer and price it uses, all referenced by index, never by pointer. A
/// `compiled_plan` owns its `plan`, so that copying or moving it (or anything holding it) keeps
/// every reference valid.
///
/// The simulator, the reporter and the plan comparisons are clients of this one compilation:
/// the rule "which items a meter event of a customer feeds" or "how a legacy item aggregates"
/// is decided here and nowhere else.
///
/// Indexes: meters are the plan's `meters` in order (the same indexes a `meter_ledger` built from
/// them uses); customers are the plan's `customers` then each subscription's customer, in order
/// of first appearance (the indexes a ledger gets when they are added in that order); items are
/// in plan order, subscription by subscription.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <meterkit/billing/plan.hpp>
#include <meterkit/billing/price.hpp>
#include <meterkit/calendar/billing_schedule.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/string_hash.hpp>
#include <meterkit/legacy/aggregate_usage.hpp>

namespace meterkit {

/// How a subscription item is billed (D9: a metered price with a meter bills the meter, even when
/// it also names an `aggregate_usage`).
enum class item_billing {
  licensed,      ///< the item's quantity, in advance, for the period that starts (B3)
  meter,         ///< a meter's quantity for the period that ended (M9, M11)
  usage_records  ///< legacy usage records aggregated by `aggregate_usage` (L3)
};

/// One subscription item, compiled.
struct compiled_item {
  std::size_t subscription = 0;  ///< index into `compiled_plan::subscriptions()`
  std::size_t position = 0;      ///< index into its subscription's `items` in the plan
  std::size_t price = 0;         ///< index into the plan's `prices`
  std::size_t customer = 0;      ///< index into `compiled_plan::customers()`
  item_billing billing = item_billing::licensed;
  std::size_t meter = 0;                        ///< `item_billing::meter`: index into the plan's `meters`
  aggregate_usage mode = aggregate_usage::sum;  ///< `item_billing::usage_records` (L3; default sum)
  std::size_t book = 0;  ///< `item_billing::usage_records`: its index among such items (plan order)
};

/// How a subscription ends (B6).
enum class subscription_end {
  none,       ///< it runs on
  scheduled,  ///< at `cancel_at` or a period end: known ahead, the last period is billed as a stub
  immediate   ///< cancelled in the middle of a period: that period was billed whole, its usage is discarded
};

/// One subscription, compiled: its billing schedule (B1-B4, ending as B6 says) and its items.
struct compiled_subscription {
  billing_schedule<> schedule;
  subscription_end end = subscription_end::none;
  std::size_t customer = 0;    ///< index into `compiled_plan::customers()`
  std::size_t first_item = 0;  ///< its items are `[first_item, first_item + item_count)`
  std::size_t item_count = 0;
};

/// A validated plan with typed items (see the file comment).
class compiled_plan {
 public:
  /// Validates `p` (`validate(plan)`: throws `configuration_error` naming the field) and compiles it.
  explicit compiled_plan(meterkit::plan p) : plan_(std::move(p)) {
    validate(plan_);
    compile();
  }

  /// The plan as given.
  [[nodiscard]] const meterkit::plan& source() const noexcept { return plan_; }
  [[nodiscard]] const plan_settings& settings() const noexcept { return plan_.settings; }

  [[nodiscard]] std::span<const compiled_subscription> subscriptions() const noexcept {
    return subscriptions_;
  }
  [[nodiscard]] std::span<const compiled_item> items() const noexcept { return items_; }
  /// The items of subscription `s` (item `k` of it is `items()[subscriptions()[s].first_item + k]`).
  [[nodiscard]] std::span<const compiled_item> items_of(std::size_t s) const noexcept {
    const auto& cs = subscriptions_[s];
    return std::span<const compiled_item>(items_).subspan(cs.first_item, cs.item_count);
  }

  /// The plan's subscription `s`, item `i` and the price of item `i`.
  [[nodiscard]] const subscription& subscription_at(std::size_t s) const { return plan_.subscriptions[s]; }
  [[nodiscard]] const subscription_item& item_at(std::size_t i) const {
    const auto& it = items_[i];
    return plan_.subscriptions[it.subscription].items[it.position];
  }
  [[nodiscard]] const meterkit::price& price_of(std::size_t i) const { return plan_.prices[items_[i].price]; }

  /// The index of the item with id `id`, if any.
  [[nodiscard]] std::optional<std::size_t> item_index(std::string_view id) const {
    const auto found = item_by_id_.find(id);
    if (found == item_by_id_.end()) return std::nullopt;
    return found->second;
  }

  /// The index of the price with id `id` in the plan's `prices`, if any.
  [[nodiscard]] std::optional<std::size_t> price_index(std::string_view id) const {
    const auto found = price_by_id_.find(id);
    if (found == price_by_id_.end()) return std::nullopt;
    return found->second;
  }

  /// The index of the subscription with id `id`, if any.
  [[nodiscard]] std::optional<std::size_t> subscription_index(std::string_view id) const {
    const auto found = subscription_by_id_.find(id);
    if (found == subscription_by_id_.end()) return std::nullopt;
    return found->second;
  }

  /// Every known customer (M6, D10), in index order (see the file comment).
  [[nodiscard]] const std::vector<std::string>& customers() const noexcept { return customers_; }
  /// The index of customer `id`, if known.
  [[nodiscard]] std::optional<std::size_t> customer_index(std::string_view id) const {
    const auto found = customer_by_id_.find(id);
    if (found == customer_by_id_.end()) return std::nullopt;
    return found->second;
  }

  /// The items billed on meter `meter` for customer `customer` (indexes into `items()`, in plan
  /// order): what an accepted meter event of that customer feeds.
  [[nodiscard]] std::span<const std::size_t> items_billed_on(std::size_t meter, std::size_t customer) const {
    if (!pair_first_.empty()) {  // the dense table: one range per (meter, customer)
      if (meter >= plan_.meters.size() || customer >= customers_.size()) return {};
      const std::size_t k = meter * customers_.size() + customer;
      return std::span<const std::size_t>(pair_items_)
          .subspan(pair_first_[k], pair_first_[k + 1] - pair_first_[k]);
    }
    const auto found = items_by_meter_customer_.find(meter_customer_key(meter, customer));
    if (found == items_by_meter_customer_.end()) return {};
    return found->second;
  }
  /// Every (meter, customer) pair that some item bills, with its items.
  [[nodiscard]] const auto& metered_pairs() const noexcept { return items_by_meter_customer_; }

  /// How many items are billed by usage records (the number of usage-record books).
  [[nodiscard]] std::size_t usage_record_items() const noexcept { return books_; }

  /// When the invoice of a period ending at `end` is finalized (B3).
  [[nodiscard]] timestamp finalized_at(timestamp end) const noexcept {
    return end + plan_.settings.invoice_finalization_delay;
  }

  /// The key of `items_billed_on`'s table.
  [[nodiscard]] static constexpr std::uint64_t meter_customer_key(std::size_t meter,
                                                                  std::size_t customer) noexcept {
    return (static_cast<std::uint64_t>(meter) << 40U) ^ static_cast<std::uint64_t>(customer);
  }

 private:
  std::size_t intern_customer(const std::string& id) {
    const auto [it, fresh] = customer_by_id_.emplace(id, customers_.size());
    if (fresh) customers_.push_back(id);
    return it->second;
  }

  void compile() {
    std::unordered_map<std::string_view, std::size_t> prices;
    for (std::size_t i = 0; i < plan_.prices.size(); ++i) {
      prices.emplace(plan_.prices[i].id, i);
      price_by_id_.emplace(plan_.prices[i].id, i);
    }
    std::unordered_map<std::string_view, std::size_t> meters;
    for (std::size_t i = 0; i < plan_.meters.size(); ++i) meters.emplace(plan_.meters[i].id, i);
    for (const auto& c : plan_.customers) intern_customer(c);
    for (std::size_t s = 0; s < plan_.subscriptions.size(); ++s) {
      const auto& sub = plan_.subscriptions[s];
      const std::size_t customer = intern_customer(sub.customer);
      subscription_by_id_.emplace(sub.id, s);
      // B4: every item of a subscription shares the first item's interval (validated).
      const auto& interval = plan_.prices[prices.at(sub.items.front().price)].recurring.interval;
      const billing_schedule<> uncut(sub.start_date, sub.billing_cycle_anchor, sub.trial_end, interval);
      const auto [end, how] = end_of(sub, uncut);
      subscriptions_.push_back(compiled_subscription{
          billing_schedule<>(sub.start_date, sub.billing_cycle_anchor, sub.trial_end, interval, end), how,
          customer, items_.size(), sub.items.size()});
      for (std::size_t i = 0; i < sub.items.size(); ++i) {
        compiled_item it;
        it.subscription = s;
        it.position = i;
        it.price = prices.at(sub.items[i].price);
        it.customer = customer;
        const auto& rec = plan_.prices[it.price].recurring;
        if (rec.usage_type == usage_type::metered) {
          if (rec.meter) {  // D9: the meter wins over aggregate_usage
            it.billing = item_billing::meter;
            it.meter = meters.at(*rec.meter);
            items_by_meter_customer_[meter_customer_key(it.meter, customer)].push_back(items_.size());
          } else {
            it.billing = item_billing::usage_records;
            it.mode = rec.aggregate_usage.value_or(aggregate_usage::sum);
            it.book = books_++;
          }
        }
        item_by_id_.emplace(sub.items[i].id, items_.size());
        items_.push_back(it);
      }
    }
    index_pairs();
  }

  /// Where and how subscription `sub` ends (B6), from its validated end fields and its schedule
  /// without an end: a scheduled end (`cancel_at`, or the end of the period `cancel_at_period_end`
  /// names) unless `ended_at` (or, for an ended status, `canceled_at`) says it ended earlier, in
  /// the middle of a period. An end on a period boundary is scheduled: that period is billed as usual.
  [[nodiscard]] static std::pair<std::optional<timestamp>, subscription_end> end_of(
      const subscription& sub, const billing_schedule<>& uncut) {
    std::optional<timestamp> scheduled = sub.cancel_at;
    if (!scheduled && sub.cancel_at_period_end) {
      // The period that was current when the cancellation was asked for; ended_at is its end.
      const timestamp asked = sub.canceled_at ? *sub.canceled_at : *sub.ended_at - seconds{1};
      scheduled = uncut.period_containing(std::max(asked, sub.start_date))->end;
    }
    std::optional<timestamp> ended = sub.ended_at;
    if (!ended && sub.status && has_ended(*sub.status)) ended = sub.canceled_at;
    if (!ended) return {scheduled, scheduled ? subscription_end::scheduled : subscription_end::none};
    if (scheduled && *scheduled <= *ended) return {scheduled, subscription_end::scheduled};
    if (*ended <= sub.start_date) return {ended, subscription_end::scheduled};  // no period at all
    const bool on_boundary = uncut.period_containing(*ended)->start == *ended;
    return {ended, on_boundary ? subscription_end::scheduled : subscription_end::immediate};
  }

  /// The dense form of `items_billed_on` (every accepted event asks it): the items of each
  /// (meter, customer) as one range of `pair_items_`, when the table is small enough.
  void index_pairs() {
    const std::size_t pairs = plan_.meters.size() * customers_.size();
    if (customers_.empty() || pairs / customers_.size() != plan_.meters.size() || pairs > dense_pairs_limit ||
        items_.size() > UINT32_MAX) {
      return;
    }
    pair_first_.assign(pairs + 1, 0);
    for (const auto& it : items_) {
      if (it.billing == item_billing::meter) ++pair_first_[it.meter * customers_.size() + it.customer + 1];
    }
    for (std::size_t k = 0; k < pairs; ++k) pair_first_[k + 1] += pair_first_[k];
    pair_items_.resize(pair_first_[pairs]);
    std::vector<std::uint32_t> next(pair_first_.begin(), pair_first_.end() - 1);
    for (std::size_t i = 0; i < items_.size(); ++i) {  // in plan order
      const auto& it = items_[i];
      if (it.billing == item_billing::meter)
        pair_items_[next[it.meter * customers_.size() + it.customer]++] = i;
    }
  }

  /// At most this many (meter, customer) pairs get the dense table (64 MiB of offsets).
  static constexpr std::size_t dense_pairs_limit = std::size_t{1} << 24;

  meterkit::plan plan_;
  std::vector<compiled_subscription> subscriptions_;
  std::vector<compiled_item> items_;
  std::unordered_map<std::string, std::size_t, detail::string_hash, detail::string_equal> item_by_id_;
  std::unordered_map<std::string, std::size_t, detail::string_hash, detail::string_equal> subscription_by_id_;
  std::unordered_map<std::string, std::size_t, detail::string_hash, detail::string_equal> price_by_id_;
  std::vector<std::string> customers_;
  std::unordered_map<std::string, std::size_t, detail::string_hash, detail::string_equal> customer_by_id_;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> items_by_meter_customer_;
  std::vector<std::uint32_t> pair_first_;  ///< dense: (meter x customers + customer) -> first of its range
  std::vector<std::size_t> pair_items_;    ///< dense: the items of every pair, pair after pair
  std::size_t books_ = 0;
};

}  // namespace meterkit
