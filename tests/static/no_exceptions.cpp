// SPDX-License-Identifier: MIT
// Built with -fno-exceptions: the whole library must compile without exceptions, raising its errors
// through METERKIT_THROW and its preconditions through METERKIT_ASSERT (which then print and abort).
// This program exercises the non-throwing paths.
#include <meterkit/meterkit.hpp>

#include <cstdio>

int main() {
  const auto t = meterkit::parse_time("2025-03-01T00:00:00Z");
  if (!t) return 1;
  const auto bad = meterkit::parse_time("2025-02-29T00:00:00Z");
  if (bad || bad.error().code != meterkit::error_code::invalid_timestamp) return 2;
  if (meterkit::checked_add<std::int64_t>(INT64_MAX, 1)) return 3;
  METERKIT_ASSERT(t.has_value(), "a parsed time");  // the precondition hook compiles without exceptions
  if (meterkit::divide_and_round(7, 2) != 4) return 4;
  std::puts("meterkit builds and runs without exceptions");
  return 0;
}
