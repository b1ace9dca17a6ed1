// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `any_meter`: a meter chosen at run time (a `meter_definition` read from a plan) that
/// dispatches onto the compiled `meter<Formula, Ingestion, Customers>` instantiations: one
/// semantics, no second implementation (STYLE.md "Runtime configuration ... through one dispatch
/// point"): `visit_meter_policies` (meter/meter_policies.hpp).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <meterkit/aggregation/formula_kind.hpp>
#include <meterkit/calendar/window.hpp>
#include <meterkit/ingestion/pre_aggregated.hpp>
#include <meterkit/ingestion/raw.hpp>
#include <meterkit/meter/meter.hpp>
#include <meterkit/meter/meter_definition.hpp>
#include <meterkit/meter/meter_policies.hpp>

namespace meterkit {

/// A meter whose formula and window are chosen at run time.
template <class Customers = string_customer_ids>
class basic_any_meter {
 public:
  using key_type = typename Customers::key_type;
  using variant_type =
      std::variant<meter<sum, raw, Customers>, meter<sum, pre_aggregated<utc_hour>, Customers>,
                   meter<sum, pre_aggregated<utc_day>, Customers>, meter<count, raw, Customers>,
                   meter<count, pre_aggregated<utc_hour>, Customers>,
                   meter<count, pre_aggregated<utc_day>, Customers>, meter<last_value, raw, Customers>,
                   meter<last_value, pre_aggregated<utc_hour>, Customers>,
                   meter<last_value, pre_aggregated<utc_day>, Customers>>;

  /// The meter of `formula` with `window` (`none` = raw ingestion).
  basic_any_meter(formula_kind formula, window_kind window) : m_(make(formula, window)) {}
  /// The meter a definition describes (M1).
  explicit basic_any_meter(const meter_definition& d) : basic_any_meter(d.formula, d.event_time_window) {}

  void add(key_type customer, const event_record& r) {
    std::visit([&](auto& m) { m.add(customer, r); }, m_);
  }
  bool cancel(key_type customer, timestamp time, std::uint64_t arrival, timestamp cancelled_at) {
    return std::visit([&](auto& m) { return m.cancel(customer, time, arrival, cancelled_at); }, m_);
  }
  /// Replaces the records of `customer` (see `meter::assign`); false on a duplicate `(time, arrival)`.
  bool assign(key_type customer, std::vector<event_record> records) {
    return std::visit([&](auto& m) { return m.assign(customer, std::move(records)); }, m_);
  }
  /// Whether the compiled meter can fold records into settled segments (`meter::can_settle`).
  [[nodiscard]] bool can_settle() const noexcept {
    return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::can_settle; }, m_);
  }
  /// `meter::settle`.
  std::size_t settle(key_type customer, std::span<const record_settlement> orders) {
    return std::visit([&](auto& m) { return m.settle(customer, orders); }, m_);
  }
  /// `meter::settle_arrival`.
  void settle_arrival(key_type customer, const event_record& r, period into) {
    std::visit([&](auto& m) { m.settle_arrival(customer, r, into); }, m_);
  }
  [[nodiscard]] std::int64_t quantity(key_type customer, period p, timestamp as_of) const {
    return std::visit([&](const auto& m) { return m.quantity(customer, p, as_of); }, m_);
  }
  [[nodiscard]] std::int64_t quantity_by_fold(key_type customer, period p, timestamp as_of) const {
    return std::visit([&](const auto& m) { return m.quantity_by_fold(customer, p, as_of); }, m_);
  }
  [[nodiscard]] result<std::vector<event_summary>> summaries(key_type customer, period p,
                                                             window_kind grouping, timestamp as_of) const {
    return std::visit([&](const auto& m) { return m.summaries(customer, p, grouping, as_of); }, m_);
  }
  [[nodiscard]] std::vector<event_record> records(key_type customer) const {
    return std::visit([&](const auto& m) { return m.records(customer); }, m_);
  }
  /// Calls `fn(meter)` with the compiled meter.
  template <class Fn>
  decltype(auto) visit(Fn&& fn) {
    return std::visit(std::forward<Fn>(fn), m_);
  }
  template <class Fn>
  decltype(auto) visit(Fn&& fn) const {
    return std::visit(std::forward<Fn>(fn), m_);
  }

 private:
  static variant_type make(formula_kind formula, window_kind window) {
    return visit_meter_policies(formula, window, [](auto ftag, auto itag) -> variant_type {
      using F = typename decltype(ftag)::type;
      using I = typename decltype(itag)::type;
      return variant_type{std::in_place_type<meter<F, I, Customers>>};
    });
  }

  variant_type m_;
};

/// A runtime meter keyed by string customer ids.
using any_meter = basic_any_meter<>;

}  // namespace meterkit
