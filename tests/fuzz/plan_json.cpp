// SPDX-License-Identifier: MIT
// Fuzzes the plan reader (D9-D11, CONTRACT.md plan file). Properties: no crash, hang or exception
// other than input_error, which names the file with a line and column inside the text; a plan the
// reader accepts is valid (the simulator takes it without a configuration_error) and yields, for
// the first 40 days after its earliest start, invoices whose totals are the sums of their lines.
#include <meterkit/billing/plan.hpp>

#include <algorithm>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mk = meterkit;
  const std::string_view text = mk::fuzz::text_of(data, size);
  mk::plan p;
  try {
    p = mk::read_plan_text(text, "fuzz.plan.json");
  } catch (const mk::input_error& e) {
    const std::string what = e.what();
    mk::fuzz::require(what.rfind("fuzz.plan.json:", 0) == 0,
                      "a plan error without file:line:column: " + what);
    return 0;
  }
  mk::invoice_simulator sim(p);  // a configuration_error here means the reader let an invalid plan through
  if (p.subscriptions.empty()) return 0;
  mk::timestamp start = mk::latest_time;
  for (const auto& s : p.subscriptions) start = std::min(start, s.start_date);
  const mk::timestamp until = std::min(mk::latest_time, start + mk::seconds{40 * 86400});
  try {
    const auto r = sim.result(until);
    for (const auto& inv : r.invoices) {
      std::int64_t total = 0;
      for (const auto& line : inv.lines) total += line.amount;
      mk::fuzz::require(total == inv.total, "an invoice total is not the sum of its lines");
    }
  } catch (const mk::overflow_error&) {
    // an amount beyond 64 bits: reported, never wrapped
  }
  return 0;
}
