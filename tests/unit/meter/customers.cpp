// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>

#include <meterkit/meter/customers.hpp>
#include <random>
#include <string>
#include <unordered_map>

namespace mk = meterkit;

BOOST_AUTO_TEST_SUITE(meter_customers)

BOOST_AUTO_TEST_CASE(string_ids_are_interned_in_order_of_first_appearance) {
  mk::string_customer_ids::index ix;
  BOOST_TEST(!ix.find("cus_1").has_value());
  BOOST_TEST(ix.find_or_add("cus_1") == 0u);
  BOOST_TEST(ix.find_or_add("cus_2") == 1u);
  BOOST_TEST(ix.find_or_add("cus_1") == 0u);
  BOOST_TEST((ix.find("cus_2") == std::optional<std::size_t>(1)));
  BOOST_TEST(ix.key_of(1) == "cus_2");
  BOOST_TEST(ix.size() == 2u);
}

BOOST_AUTO_TEST_CASE(customer_policies_carry_the_names_saved_states_use) {
  static_assert(mk::string_customer_ids::name == "string_customer_ids");
  static_assert(mk::dense_customers::name == "dense_customers");
}

BOOST_AUTO_TEST_CASE(dense_customers_are_their_own_slot) {
  mk::dense_customers::index ix;
  BOOST_TEST(!ix.find(0).has_value());
  BOOST_TEST(ix.find_or_add(4) == 4u);
  BOOST_TEST(ix.size() == 5u);
  BOOST_TEST((ix.find(2) == std::optional<std::size_t>(2)));
  BOOST_TEST(!ix.find(5).has_value());
}

BOOST_AUTO_TEST_CASE(string_index_matches_a_plain_map_for_short_long_and_empty_keys) {
  const std::uint64_t seed = 0xc0570;
  std::mt19937_64 rng(seed);
  mk::string_customer_ids::index ix;
  std::unordered_map<std::string, std::size_t> model;
  for (int i = 0; i < 50000; ++i) {
    const std::size_t len = rng() % 4 == 0 ? 20 + rng() % 20 : rng() % 12;  // around the inline limit too
    std::string key(len, 'x');
    for (auto& ch : key) ch = static_cast<char>('a' + rng() % 3);
    BOOST_TEST_CONTEXT("seed " << seed << " op " << i << " key " << key) {
      const auto it = model.find(key);
      const auto found = ix.find(key);
      BOOST_TEST(found.has_value() == (it != model.end()));
      if (it != model.end()) BOOST_TEST(*found == it->second);
      if (rng() % 2) {
        const std::size_t slot = ix.find_or_add(key);
        if (it == model.end()) {
          BOOST_TEST(slot == model.size());
          model.emplace(key, slot);
        } else {
          BOOST_TEST(slot == it->second);
        }
        BOOST_TEST(ix.key_of(slot) == key);
      }
    }
  }
  BOOST_TEST(ix.size() == model.size());
}

BOOST_AUTO_TEST_SUITE_END()
