// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// What Stripe does to invoices after pricing, in Stripe's order (B11-B14; docs/rules.md),
/// as a pure function of the compiled plan and the priced invoices:
///
/// 1. Discounts (B11): on each line, the discounts of its item, then those of its subscription,
///    each in the order listed and each on what the earlier ones left. A `percent_off` discount
///    takes that share of every line it reaches, rounded per line; an `amount_off` discount is
///    spread over the positive lines it reaches in proportion to what is left of them, and never
///    takes more than that. No discount takes a line below 0. A discount counts for an invoice
///    created in `[start, end)`; a `once` discount for the first such invoice that has something
///    to discount.
/// 1b. Minimum spend (B15, a meterkit extension): an invoice that closes a billing period of a
///    subscription with a minimum gets a true-up line when what the period's lines net after
///    discounts falls short of it.
/// 2. Billing credits (B14): the customer's credit grants usable when the invoice finalizes pay
///    for its meter-price lines after their discounts, grant by grant in the order of B14 (lowest
///    `priority`, soonest to expire, promotional before paid, earliest effective, earliest
///    created, plan order) and line by line; a grant never pays more than it has left.
/// 3. Taxes (B12): per line and tax rate, on the line's amount after its discounts and credits;
///    inclusive rates are contained in that amount, exclusive ones are added to it; each rounded once.
/// 4. Totals: `subtotal`, `total_discount`, `total_credit`, `tax`, `total`, `total_excluding_tax`.
/// 5. Customer balance (B13): per customer and currency, in creation order: a credit lowers
///    `amount_due`, an amount owed raises it, and a negative total becomes credit.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/coupon.hpp>
#include <meterkit/billing/credit_grant.hpp>
#include <meterkit/billing/invoice.hpp>
#include <meterkit/calendar/billing_cycle.hpp>
#include <meterkit/core/checked.hpp>
#include <meterkit/core/rounding.hpp>

namespace meterkit {

/// When discount `d` on subscription `sub` stops counting (B11): its own `end`, else `start` +
/// `duration_in_months` months for a repeating coupon (day of month kept, clamped, B2), else never.
[[nodiscard]] inline std::optional<timestamp> discount_end(const discount& d, const coupon& c,
                                                           const subscription& sub) {
  if (d.end) return d.end;
  if (c.duration != coupon_duration::repeating || !c.duration_in_months) return std::nullopt;
  const billing_cycle<> months(d.start.value_or(sub.start_date), billing_interval{interval_unit::month, 1});
  return months.boundary(*c.duration_in_months);
}

namespace detail {

struct after_pricing_context {
  const compiled_plan& cp;
  std::unordered_map<std::string_view, const coupon*> coupons;
  std::unordered_map<std::string_view, const tax_rate*> rates;
  std::set<const discount*> used_once;  ///< `once` discounts already applied

  explicit after_pricing_context(const compiled_plan& plan) : cp(plan) {
    for (const auto& c : cp.source().coupons) coupons.emplace(c.id, &c);
    for (const auto& r : cp.source().tax_rates) rates.emplace(r.id, &r);
  }
};

/// Applies discount `d` to the lines `reach` of `inv` (B11), `left[k]` being what earlier
/// discounts left of line `k`.
inline void apply_discount(after_pricing_context& ctx, const discount& d, const subscription& sub,
                           invoice& inv, const std::vector<std::size_t>& reach,
                           std::vector<std::int64_t>& left) {
  const coupon& c = *ctx.coupons.at(d.coupon);
  if (inv.created < d.start.value_or(sub.start_date)) return;
  if (const auto end = discount_end(d, c, sub); end && !(inv.created < *end)) return;
  if (c.duration == coupon_duration::once && ctx.used_once.contains(&d)) return;
  std::vector<std::size_t> lines;
  for (const std::size_t k : reach) {
    if (c.applies_to_products) {
      const auto pr = ctx.cp.price_index(inv.lines[k].price);
      const auto& product = ctx.cp.source().prices[*pr].product;
      if (!product || std::find(c.applies_to_products->begin(), c.applies_to_products->end(), *product) ==
                          c.applies_to_products->end())
        continue;
    }
    lines.push_back(k);
  }
  int128 positive = 0;
  for (const std::size_t k : lines) positive += std::max<std::int64_t>(0, left[k]);
  if (positive == 0 && (c.duration == coupon_duration::once || c.amount_off)) return;  // nothing to discount
  if (c.duration == coupon_duration::once) ctx.used_once.insert(&d);
  const auto take = [&](std::size_t k, std::int64_t amount) {
    if (amount == 0) return;
    inv.lines[k].discount_amounts.push_back(discount_amount{c.id, amount});
    left[k] -= amount;
  };
  const rounding_mode mode = ctx.cp.settings().rounding;
  if (c.percent_off) {
    const int128 per_hundred = c.percent_off->raw();  // scaled by 10^12
    const int128 whole = int128{100} * detail::decimal_scale;
    for (const std::size_t k : lines) {
      std::int64_t amount = divide_and_round(int128{left[k]} * per_hundred, whole, mode);
      if (left[k] > 0) amount = std::min(amount, left[k]);  // never below 0
      take(k, amount);
    }
    return;
  }
  // amount_off: spread over the positive lines in proportion, the rounding left to the largest
  // remainders (earlier lines first on a tie), never more than they hold.
  const int128 total = std::min<int128>(*c.amount_off, positive);
  std::vector<std::pair<int128, std::size_t>> remainders;
  int128 given = 0;
  std::vector<std::int64_t> shares(lines.size(), 0);
  for (std::size_t j = 0; j < lines.size(); ++j) {
    const std::int64_t l = std::max<std::int64_t>(0, left[lines[j]]);
    const int128 exact = total * l;
    shares[j] = static_cast<std::int64_t>(exact / positive);
    given += shares[j];
    if (l > 0) remainders.emplace_back(exact % positive, j);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t r = 0; given < total && r < remainders.size(); ++r, ++given)
    ++shares[remainders[r].second];
  for (std::size_t j = 0; j < lines.size(); ++j) take(lines[j], shares[j]);
}

/// B11: applies the discounts of the items and subscriptions of `inv`'s lines (`item_of[k]`, the
/// item of line `k` or `SIZE_MAX`): on each line its item's discounts first, then its
/// subscription's, each list in its order; `left[k]` is what is left of line `k`.
inline void apply_discounts(after_pricing_context& ctx, invoice& inv, const std::vector<std::size_t>& item_of,
                            std::vector<std::int64_t>& left) {
  const compiled_plan& cp = ctx.cp;
  std::vector<std::size_t> items_seen;
  std::vector<std::size_t> subscriptions_seen;
  for (const std::size_t i : item_of) {
    if (i == SIZE_MAX) continue;
    if (std::find(items_seen.begin(), items_seen.end(), i) == items_seen.end()) items_seen.push_back(i);
    const std::size_t s = cp.items()[i].subscription;
    if (std::find(subscriptions_seen.begin(), subscriptions_seen.end(), s) == subscriptions_seen.end())
      subscriptions_seen.push_back(s);
  }
  for (const std::size_t i : items_seen) {  // item discounts first
    std::vector<std::size_t> reach;
    for (std::size_t k = 0; k < inv.lines.size(); ++k)
      if (item_of[k] == i) reach.push_back(k);
    const auto& sub = cp.subscription_at(cp.items()[i].subscription);
    for (const auto& d : cp.item_at(i).discounts) apply_discount(ctx, d, sub, inv, reach, left);
  }
  for (const std::size_t s : subscriptions_seen) {  // then the subscription's
    std::vector<std::size_t> reach;
    for (std::size_t k = 0; k < inv.lines.size(); ++k)
      if (item_of[k] != SIZE_MAX && cp.items()[item_of[k]].subscription == s) reach.push_back(k);
    const auto& sub = cp.subscription_at(s);
    for (const auto& d : sub.discounts) apply_discount(ctx, d, sub, inv, reach, left);
  }
}

/// B14: the order in which credit grants are drawn: lowest `priority`, soonest `expires_at` (none
/// last), promotional before paid, earliest start, earliest `created`, then plan order.
[[nodiscard]] inline std::vector<std::size_t> credit_grant_order(const std::vector<credit_grant>& grants) {
  std::vector<std::size_t> order(grants.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto key = [&](std::size_t i) {
    const credit_grant& g = grants[i];
    return std::tuple{g.priority,
                      !g.expires_at.has_value(),
                      g.expires_at.value_or(timestamp{}),
                      g.category == credit_grant_category::promotional ? 0 : 1,
                      g.starts().value_or(timestamp{}),
                      g.created.value_or(timestamp{})};
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  return order;
}

/// B14: lets the usable grants of `inv`'s customer pay for its meter-price lines (`eligible`),
/// `left[k]` being what the discounts left of line `k` and `grant_left` what each grant has left.
inline void apply_credit_grants(const std::vector<credit_grant>& grants,
                                const std::vector<std::size_t>& order, std::vector<std::int64_t>& grant_left,
                                invoice& inv, const std::vector<std::size_t>& eligible,
                                std::vector<std::int64_t>& left) {
  std::int64_t paid = 0;
  std::int64_t usable = 0;
  for (const std::size_t g : order) {
    const credit_grant& grant = grants[g];
    if (grant.customer != inv.customer || grant.currency->code() != inv.currency ||
        !grant.usable_at(inv.finalized_at))
      continue;
    for (const std::size_t k : eligible) {
      if (grant_left[g] == 0) break;
      auto& line = inv.lines[k];
      if (left[k] <= 0) continue;
      if (grant.prices &&
          std::find(grant.prices->begin(), grant.prices->end(), line.price) == grant.prices->end())
        continue;
      const std::int64_t amount = std::min(left[k], grant_left[g]);
      line.credit_amounts.push_back(credit_amount{grant.id, amount});
      left[k] -= amount;
      grant_left[g] -= amount;
      paid = add_or_throw(paid, amount, "invoice credit");
    }
    usable = add_or_throw(usable, grant_left[g], "credit balance");
  }
  inv.total_credit = paid;
  inv.credit_balance = usable;
}

/// B15: what each line of a subscription with a minimum spend nets after its discounts, by the
/// subscription's id, with the line's service period.
using spend_by_subscription = std::unordered_map<std::string, std::vector<std::pair<period, std::int64_t>>>;

/// B15: records what the lines of `inv` spend for subscriptions with a minimum (after discounts),
/// then, when `inv` closes a period whose spend falls short of its minimum, appends the true-up
/// line (neither discounted nor paid by credits) and its `left` amount.
inline void true_up_minimum(const compiled_plan& cp, invoice& inv, std::vector<std::size_t>& item_of,
                            spend_by_subscription& spent, std::vector<std::int64_t>& left) {
  for (std::size_t k = 0; k < inv.lines.size(); ++k) {
    if (item_of[k] == SIZE_MAX) continue;
    const auto& sub = cp.subscription_at(cp.items()[item_of[k]].subscription);
    if (!sub.minimum_spend) continue;
    std::int64_t net = inv.lines[k].amount;
    for (const auto& d : inv.lines[k].discount_amounts) net = sub_or_throw(net, d.amount, "minimum spend");
    spent[sub.id].emplace_back(inv.lines[k].service_period, net);
  }
  if (!inv.minimum) return;
  const period& p = inv.minimum->service_period;
  std::int64_t spend = 0;
  if (const auto found = spent.find(inv.subscription); found != spent.end()) {
    for (const auto& [service, net] : found->second)
      if (p.start <= service.start && service.end <= p.end) spend = add_or_throw(spend, net, "minimum spend");
  }
  if (spend >= inv.minimum->amount) return;
  invoice_line line;
  line.service_period = p;
  line.amount = sub_or_throw(inv.minimum->amount, spend, "minimum spend true-up");
  line.minimum_true_up = true;
  left.push_back(line.amount);
  item_of.push_back(SIZE_MAX);
  inv.lines.push_back(std::move(line));
}

/// B12: the tax amounts of `line`, whose amount after discounts is `base`.
inline void apply_taxes(const after_pricing_context& ctx, const std::vector<std::string>& ids,
                        invoice_line& line, std::int64_t base) {
  if (ids.empty()) return;
  const rounding_mode mode = ctx.cp.settings().rounding;
  const int128 whole = int128{100} * detail::decimal_scale;
  int128 inclusive_share = 0;
  for (const auto& id : ids)
    if (const tax_rate* r = ctx.rates.at(id); r->inclusive) inclusive_share += r->percentage.raw();
  std::int64_t net = base;
  for (const auto& id : ids) {
    const tax_rate& r = *ctx.rates.at(id);
    if (!r.inclusive) continue;
    const std::int64_t amount =
        divide_and_round(int128{base} * r.percentage.raw(), whole + inclusive_share, mode);
    net = sub_or_throw(net, amount, "taxable amount");
    line.tax_amounts.push_back(tax_amount{r.id, amount, 0, true});
  }
  for (const auto& id : ids) {
    const tax_rate& r = *ctx.rates.at(id);
    if (r.inclusive) continue;
    line.tax_amounts.push_back(
        tax_amount{r.id, divide_and_round(int128{net} * r.percentage.raw(), whole, mode), 0, false});
  }
  for (auto& t : line.tax_amounts) t.taxable_amount = net;
}

}  // namespace detail

/// The after-pricing pass (B11-B15): discounts, minimum spend, credit grants, taxes and customer
/// balances applied to invoices in creation order (D27), with what it carries from one invoice to
/// the next (the `once` discounts used, what each grant has left, each customer's balance, each
/// subscription's spend). All of that belongs to one customer, so the pass may be given a
/// customer's invoices at a time (`invoices_by_customer`), each customer's in creation order, and
/// sets the same amounts as when given every invoice in creation order. Built once per plan.
class after_pricing_pass {
 public:
  /// `created` are the credit grants created through requests (B14), after the plan's.
  explicit after_pricing_pass(const compiled_plan& cp, const std::vector<credit_grant>& created = {})
      : cp_(cp), ctx_(cp) {
    const plan& p = cp.source();
    grants_ = p.credit_grants;
    grants_.insert(grants_.end(), created.begin(), created.end());
    for (const auto& b : p.balances) opening_.emplace(b.customer, &b);
    for (const std::size_t g : detail::credit_grant_order(grants_))
      grants_of_customer_[grants_[g].customer].push_back(g);  // each customer's in the order of use
    for (const auto& g : grants_) grant_left_.push_back(g.amount);
    minimums_ = std::any_of(p.subscriptions.begin(), p.subscriptions.end(),
                            [](const subscription& s) { return s.minimum_spend.has_value(); });
  }

  // A copy would carry on from the same balances and grants as if it were the run itself: one
  // pass per run, moved if need be.
  after_pricing_pass(const after_pricing_pass&) = delete;
  after_pricing_pass& operator=(const after_pricing_pass&) = delete;
  after_pricing_pass(after_pricing_pass&&) noexcept = default;
  after_pricing_pass& operator=(after_pricing_pass&&) = delete;

  /// Sets the after-pricing amounts and totals of `invoices`, which follow, in creation order,
  /// those given before (of every customer, or of their own customer only).
  void apply(std::vector<invoice>& invoices) {
    for (auto& inv : invoices) apply(inv);
  }

  /// Forgets what the pass carries for customers already done: when given a customer's invoices
  /// at a time, the memory of the pass then follows one customer, not the whole run.
  void end_customer() {
    balances_.clear();
    spent_.clear();
  }

 private:
  void apply(invoice& inv) {
    std::erase_if(inv.lines, [](const invoice_line& l) { return l.minimum_true_up; });  // B15: made again
    std::vector<std::int64_t> left;
    left.reserve(inv.lines.size());
    for (auto& line : inv.lines) {
      line.discount_amounts.clear();
      line.credit_amounts.clear();
      line.tax_amounts.clear();
      left.push_back(line.amount);
    }
    // The items of the lines, in line order.
    std::vector<std::size_t> item_of(inv.lines.size(), SIZE_MAX);
    for (std::size_t k = 0; k < inv.lines.size(); ++k)
      if (const auto i = cp_.item_index(inv.lines[k].subscription_item)) item_of[k] = *i;
    detail::apply_discounts(ctx_, inv, item_of, left);
    if (minimums_) detail::true_up_minimum(cp_, inv, item_of, spent_, left);  // B15, after discounts
    inv.total_credit = 0;
    inv.credit_balance = 0;
    if (!grants_.empty()) {  // B14: meter-price lines only
      std::vector<std::size_t> eligible;
      for (std::size_t k = 0; k < inv.lines.size(); ++k)
        if (item_of[k] != SIZE_MAX && inv.lines[k].metered &&
            cp_.items()[item_of[k]].billing == item_billing::meter)
          eligible.push_back(k);
      if (const auto mine = grants_of_customer_.find(inv.customer); mine != grants_of_customer_.end())
        detail::apply_credit_grants(grants_, mine->second, grant_left_, inv, eligible, left);
    }
    std::int64_t subtotal = 0;
    std::int64_t discounted = 0;
    std::int64_t tax = 0;
    std::int64_t exclusive_tax = 0;
    for (std::size_t k = 0; k < inv.lines.size(); ++k) {
      auto& line = inv.lines[k];
      if (item_of[k] != SIZE_MAX) {
        const auto& item = cp_.item_at(item_of[k]);
        const auto& sub = cp_.subscription_at(cp_.items()[item_of[k]].subscription);
        // An item's empty list is Stripe's "not set": the subscription's defaults apply.
        const bool own = item.tax_rates && !item.tax_rates->empty();
        detail::apply_taxes(ctx_, own ? *item.tax_rates : sub.default_tax_rates, line, left[k]);
      } else if (line.minimum_true_up) {  // B15: taxed at the subscription's default rates
        if (const auto s = cp_.subscription_index(inv.subscription))
          detail::apply_taxes(ctx_, cp_.subscription_at(*s).default_tax_rates, line, left[k]);
      }
      subtotal = add_or_throw(subtotal, line.amount, "invoice subtotal");
      for (const auto& d : line.discount_amounts)
        discounted = add_or_throw(discounted, d.amount, "invoice discount");
      for (const auto& t : line.tax_amounts) {
        tax = add_or_throw(tax, t.amount, "invoice tax");
        if (!t.inclusive) exclusive_tax = add_or_throw(exclusive_tax, t.amount, "invoice tax");
      }
    }
    inv.subtotal = subtotal;
    inv.total_discount = discounted;
    inv.tax = tax;
    inv.total = add_or_throw(
        sub_or_throw(sub_or_throw(subtotal, discounted, "invoice total"), inv.total_credit, "invoice total"),
        exclusive_tax, "invoice total");
    inv.total_excluding_tax = sub_or_throw(inv.total, tax, "invoice total");
    // B13: the customer's balance in the invoice's currency. An opening balance without a
    // currency is in the currency of the customer's first invoice.
    auto at = balances_.find(std::pair{inv.customer, inv.currency});
    if (at == balances_.end()) {
      std::int64_t opening_amount = 0;
      if (const auto o = opening_.find(inv.customer); o != opening_.end()) {
        const customer_balance& b = *o->second;
        if (b.currency ? b.currency->code() == inv.currency : !opened_.contains(inv.customer))
          opening_amount = b.balance;
      }
      at = balances_.emplace(std::pair{inv.customer, inv.currency}, opening_amount).first;
    }
    opened_.insert(inv.customer);
    std::int64_t& balance = at->second;
    inv.starting_balance = balance;
    if (inv.total == 0) {
      inv.amount_due = 0;
    } else {
      const std::int64_t owed = add_or_throw(inv.total, balance, "amount due");
      inv.amount_due = std::max<std::int64_t>(0, owed);
      balance = std::min<std::int64_t>(0, owed);
    }
    inv.ending_balance = balance;
  }

  const compiled_plan& cp_;
  detail::after_pricing_context ctx_;
  std::vector<credit_grant> grants_;  ///< B14: the plan's grants, then those created
  std::unordered_map<std::string_view, std::vector<std::size_t>> grants_of_customer_;
  std::vector<std::int64_t> grant_left_;
  std::unordered_map<std::string_view, const customer_balance*> opening_;
  std::map<std::pair<std::string, std::string>, std::int64_t> balances_;  ///< (customer, currency)
  std::set<std::string> opened_;  ///< customers whose opening balance has been placed
  bool minimums_ = false;
  detail::spend_by_subscription spent_;  ///< B15
};

/// Applies discounts, credit grants, taxes and customer balances (B11-B14) to `invoices`, ordered by
/// creation (D27), and sets every invoice's totals; `created` are the credit grants created through
/// requests (B14), after the plan's. Without any of them in the plan, `total` stays the sum of the
/// lines; `amount_due` still carries a negative total forward as credit.
inline void apply_after_pricing(const compiled_plan& cp, std::vector<invoice>& invoices,
                                const std::vector<credit_grant>& created = {}) {
  after_pricing_pass(cp, created).apply(invoices);
}

namespace detail {
/// B11 alone on `inv` (its discount amounts cleared first): what each line comes to after the
/// discounts that reach it, the `once` discounts it uses up noted in `ctx`.
[[nodiscard]] inline std::vector<std::int64_t> discounted_lines(const compiled_plan& cp,
                                                                after_pricing_context& ctx, invoice& inv) {
  std::vector<std::int64_t> left;
  std::vector<std::size_t> item_of(inv.lines.size(), SIZE_MAX);
  for (std::size_t k = 0; k < inv.lines.size(); ++k) {
    inv.lines[k].discount_amounts.clear();
    left.push_back(inv.lines[k].amount);
    if (const auto i = cp.item_index(inv.lines[k].subscription_item)) item_of[k] = *i;
  }
  apply_discounts(ctx, inv, item_of, left);
  return left;
}
}  // namespace detail

/// B11: the `once` discounts that `invoices`, in creation order, use up.
[[nodiscard]] inline std::set<const discount*> once_discounts_used(const compiled_plan& cp,
                                                                   std::vector<invoice> invoices) {
  detail::after_pricing_context ctx(cp);
  for (auto& inv : invoices) (void)detail::discounted_lines(cp, ctx, inv);
  return std::move(ctx.used_once);
}

/// B11, B16: what the lines of `inv` come to after the discounts that reach them, as B11 applies
/// them to an invoice created at `inv.created`; `used` are the `once` discounts earlier invoices
/// used up (`once_discounts_used`).
[[nodiscard]] inline std::int64_t amount_after_discounts(const compiled_plan& cp, invoice inv,
                                                         const std::set<const discount*>& used = {}) {
  detail::after_pricing_context ctx(cp);
  ctx.used_once = used;
  const std::vector<std::int64_t> left = detail::discounted_lines(cp, ctx, inv);
  std::int64_t total = 0;
  for (const std::int64_t l : left) total = add_or_throw(total, l, "amount after discounts");
  return total;
}

}  // namespace meterkit
