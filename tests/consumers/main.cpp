// SPDX-License-Identifier: MIT
// The smallest useful consumer: include the umbrella header and compute something with it.
#include <meterkit/meterkit.hpp>

#include <cstdio>

int main() {
  const auto t = meterkit::parse_time("2025-01-31T00:00:00Z");
  if (!t || meterkit::to_unix(*t) != 1738281600) return 1;
  const auto sum = meterkit::checked_add<long long>(meterkit::to_unix(*t), 1);
  std::printf("meterkit %d.%d.%d consumer: %lld\n", meterkit::version_major, meterkit::version_minor,
              meterkit::version_patch, sum ? *sum : -1LL);
  return sum ? 0 : 1;
}
