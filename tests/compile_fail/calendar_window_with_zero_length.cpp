// expect: a time window's `length` must be positive
// at most 1 error
// SPDX-License-Identifier: MIT
// A window of length zero would put every instant in no window: refused at compile time.
#include <meterkit/calendar/window.hpp>

struct empty_window {
  static constexpr meterkit::seconds length{0};
  static meterkit::timestamp floor(meterkit::timestamp t) { return t; }
};

static_assert(meterkit::detail::check_window<empty_window>());

int main() {}
