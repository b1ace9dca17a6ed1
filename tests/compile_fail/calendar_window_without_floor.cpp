// expect: a time window needs `static timestamp floor(timestamp)`
// at most 1 error
// SPDX-License-Identifier: MIT
// A window type that forgets floor() is refused with a message naming what is missing.
#include <meterkit/calendar/window.hpp>

struct minute_without_floor {
  static constexpr meterkit::seconds length{60};
};

static_assert(meterkit::detail::check_window<minute_without_floor>());

int main() {}
