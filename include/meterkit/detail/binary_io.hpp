// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Former home of the state codec, now public in core/persistence.hpp. These aliases keep the
/// callers that still spell the old names compiling (billing/history.hpp, billing/simulator.hpp,
/// billing/snapshot.hpp and their tests); new code uses core/persistence.hpp. To be removed once
/// they have moved.

#include <cstdint>
#include <string_view>

#include <meterkit/core/persistence.hpp>

namespace meterkit::detail {

using binary_writer = state_writer;
using binary_reader = state_reader;

/// `state_checksum` under its former name.
[[nodiscard]] constexpr std::uint64_t fnv1a(std::string_view s,
                                            std::uint64_t h = state_checksum_seed) noexcept {
  return state_checksum(s, h);
}

}  // namespace meterkit::detail
