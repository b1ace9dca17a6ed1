// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The runtime choice of a meter's formula (SPEC M1 `default_aggregation.formula` in
/// `sum | count | last`), its parsing from Stripe's spelling, and the one dispatch point onto the
/// compiled formula policies (STYLE.md "Runtime configuration ... through one dispatch point").
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include <meterkit/aggregation/count.hpp>
#include <meterkit/aggregation/last_value.hpp>
#include <meterkit/aggregation/sum.hpp>
#include <meterkit/core/error.hpp>

namespace meterkit {

/// A meter's formula as configured at run time (M1).
enum class formula_kind { sum, count, last };

/// Stripe's spelling: `sum`, `count`, `last`.
[[nodiscard]] constexpr std::string_view to_string(formula_kind k) noexcept {
  switch (k) {
    case formula_kind::sum:
      return "sum";
    case formula_kind::count:
      return "count";
    case formula_kind::last:
      return "last";
  }
  return "sum";
}

/// The kind spelled `text` exactly (`sum`, `count` or `last`), else nullopt.
[[nodiscard]] constexpr std::optional<formula_kind> parse_formula_kind(std::string_view text) noexcept {
  if (text == "sum") return formula_kind::sum;
  if (text == "count") return formula_kind::count;
  if (text == "last") return formula_kind::last;
  return std::nullopt;
}

/// A type tag carrying a formula policy, passed to the visitor of `visit_formula`.
template <class F>
struct formula_tag {
  using type = F;
};

/// Calls `fn(formula_tag<F>{})` with the compiled policy of `k`: `sum`, `count` or `last_value`.
/// The one place where a runtime formula becomes a type.
template <class Fn>
constexpr decltype(auto) visit_formula(formula_kind k, Fn&& fn) {
  switch (k) {
    case formula_kind::count:
      return std::forward<Fn>(fn)(formula_tag<count>{});
    case formula_kind::last:
      return std::forward<Fn>(fn)(formula_tag<last_value>{});
    case formula_kind::sum:
      break;
  }
  return std::forward<Fn>(fn)(formula_tag<sum>{});
}

/// Whether a meter of formula `k` reads its events' values (`formula_reads_value` of the compiled
/// policy): a `count` meter does not, so it needs no value key (D12).
[[nodiscard]] constexpr bool reads_value(formula_kind k) {
  return visit_formula(k, [](auto tag) { return formula_reads_value<typename decltype(tag)::type>; });
}

}  // namespace meterkit
