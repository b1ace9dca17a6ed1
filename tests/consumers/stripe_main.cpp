// SPDX-License-Identifier: MIT
// A consumer of the optional Stripe adapter: the umbrella header compiles against the installed
// package and nlohmann-json, and the core it includes works.
#include <meterkit/stripe.hpp>

#include <cstdio>

int main() {
  const nlohmann::json event = {{"event_name", "api_requests"}, {"payload", {{"value", "5"}}}};
  const auto t = meterkit::parse_time("2025-01-01T00:00:00Z");
  std::printf("%s at %s\n", event.dump().c_str(), t ? meterkit::format_rfc3339(*t).c_str() : "?");
  return t ? 0 : 1;
}
