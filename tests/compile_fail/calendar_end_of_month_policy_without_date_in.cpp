// expect: an end-of-month policy needs `static std::chrono::sys_days date_in
// SPDX-License-Identifier: MIT
// A billing cycle's end-of-month policy (B2) must say which day a cycle falls on in a month.
#include <meterkit/calendar/billing_cycle.hpp>

struct keep_the_day_somehow {};

int main() {
  const meterkit::billing_cycle<keep_the_day_somehow> cycle{meterkit::from_unix(0), {}};
  (void)cycle;
}
