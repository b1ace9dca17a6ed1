// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/meter/customers.hpp>

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

BOOST_AUTO_TEST_CASE(dense_customers_are_their_own_slot) {
  mk::dense_customers::index ix;
  BOOST_TEST(!ix.find(0).has_value());
  BOOST_TEST(ix.find_or_add(4) == 4u);
  BOOST_TEST(ix.size() == 5u);
  BOOST_TEST((ix.find(2) == std::optional<std::size_t>(2)));
  BOOST_TEST(!ix.find(5).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
