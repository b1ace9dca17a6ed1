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
#include <unordered_map>
#include <vector>

#include <meterkit/detail/string_hash.hpp>

namespace meterkit {

/// `P::key_type` is what callers pass; `P::index` maps it to slots: `find(key) -> optional<slot>`,
/// `find_or_add(key) -> slot`, `size()`, and `key_of(slot)` for listing.
template <class P>
concept customer_policy = requires {
  typename P::key_type;
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
  using key_type = std::string_view;

  class index {
   public:
    [[nodiscard]] std::optional<std::size_t> find(std::string_view k) const {
      const auto it = slots_.find(k);
      if (it == slots_.end()) return std::nullopt;
      return it->second;
    }
    std::size_t find_or_add(std::string_view k) {
      const auto it = slots_.find(k);
      if (it != slots_.end()) return it->second;
      const std::size_t slot = keys_.size();
      keys_.emplace_back(k);
      slots_.emplace(keys_.back(), slot);
      return slot;
    }
    [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }
    [[nodiscard]] const std::string& key_of(std::size_t slot) const { return keys_[slot]; }

   private:
    std::vector<std::string> keys_;
    std::unordered_map<std::string, std::size_t, detail::string_hash, detail::string_equal> slots_;
  };
};

static_assert(customer_policy<dense_customers>);
static_assert(customer_policy<string_customer_ids>);

}  // namespace meterkit
