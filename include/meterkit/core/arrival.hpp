// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// When and in which order an operation arrived. Arrival order is `(received_at, position in the
/// input)`: it is not part of an operation (a meter event, a cancellation, a usage record) but
/// comes beside it, as an `arrival_stamp`.

#include <cstdint>

#include <meterkit/core/time.hpp>

namespace meterkit {

/// When and in which order an operation arrived.
struct arrival_stamp {
  timestamp received_at{};
  std::uint64_t position = 0;  ///< in arrival order; strictly increasing among what one ledger or book sees
  std::uint64_t tag = 0;       ///< the caller's own reference (for example a source index)

  friend bool operator==(const arrival_stamp&, const arrival_stamp&) = default;
};

}  // namespace meterkit
