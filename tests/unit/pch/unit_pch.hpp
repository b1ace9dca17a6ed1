// SPDX-License-Identifier: MIT
// The unit suite's precompiled header (CMake and meson): third-party and standard headers only, so
// that every test still includes the meterkit header it tests. tests/unit/main.cpp is compiled
// without it: it defines BOOST_TEST_MODULE before including Boost.Test, which the precompiled
// header would have included first (and then main() would not be generated). No include guard: it
// is only ever force-included, and GCC warns of `#pragma once` in the file it precompiles.

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>
