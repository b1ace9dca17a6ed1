// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// How a meter names its customers (DESIGN.md "dense customer index or string customer ids"):
/// a customer policy maps the caller's key onto a dense slot number `0, 1, 2, ...` under which the
/// meter keeps that customer's state.
///
/// - `dense_customers`: the key already is a slot number (`std::size_t`); the fastest path for
///   callers that intern their customer ids themselves.
/// - `string_customer_ids`: Stripe-style ids (`"cus_123"`), interned by a hash table.

#include <concepts>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <meterkit/detail/flat_string_index.hpp>

namespace meterkit {

/// `P::name` names the policy (in saved meter states), `P::key_type` is what callers pass;
/// `P::index` maps it to slots: `find(key) -> optional<slot>`, `find_or_add(key) -> slot`,
/// `size()`, and `key_of(slot)` for listing.
template <class P>
concept customer_policy = requires {
  typename P::key_type;
  { P::name } -> std::convertible_to<std::string_view>;
}
&&std::default_initializable<typename P::index>&& requires(typename P::index& ix,
                                                           const typename P::index& cix,
                                                           typename P::key_type k, std::size_t slot) {
  { cix.find(k) } -> std::same_as<std::optional<std::size_t>>;
  { ix.find_or_add(k) } -> std::same_as<std::size_t>;
  { cix.size() } -> std::same_as<std::size_t>;
  cix.key_of(slot);
};

/// Customers are numbered by the caller: key `k` is slot `k`.
struct dense_customers {
  static constexpr std::string_view name = "dense_customers";
  using key_type = std::size_t;

  class index {
   public:
    [[nodiscard]] std::optional<std::size_t> find(std::size_t k) const noexcept {
      if (k < size_) return k;
      return std::nullopt;
    }
    std::size_t find_or_add(std::size_t k) noexcept {
      if (k >= size_) size_ = k + 1;
      return k;
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t key_of(std::size_t slot) const noexcept { return slot; }

   private:
    std::size_t size_ = 0;
  };
};

/// Customers are named by strings, interned in order of first appearance.
struct string_customer_ids {
  static constexpr std::string_view name = "string_customer_ids";
  using key_type = std::string_view;

  /// An open-addressing table with short keys stored inline (detail/flat_string_index.hpp).
  using index = detail::flat_string_index;
};

static_assert(customer_policy<dense_customers>);
static_assert(customer_policy<string_customer_ids>);

}  // namespace meterkit
