// SPDX-License-Identifier: MIT
// The one main() of the unit suite. Every other file in tests/unit/ holds one BOOST_AUTO_TEST_SUITE
// named <area>_<header>, so that CTest can run each suite as its own test.
#define BOOST_TEST_MODULE meterkit
#include <boost/test/unit_test.hpp>
