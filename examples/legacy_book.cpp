// SPDX-License-Identifier: MIT
// A legacy usage-record book on its own (SPEC L1-L6): one subscription item billed monthly with
// aggregate_usage=sum; record usage as the API would receive it, then print the usage record
// summaries, newest first.
#include <cstdio>
#include <meterkit/meterkit.hpp>

int main() {
  using namespace meterkit;
  const auto at = [](const char* text) { return *parse_time(text); };
  const billing_schedule<> monthly{at("2025-01-01T00:00:00Z"), {}, {}, {interval_unit::month, 1}};
  usage_record_book<sum, billing_schedule<>> book{
      monthly};  // grace 300 s, invoices final 1 h after period end

  book.record({.quantity = 100, .timestamp = "now", .received_at = at("2025-01-10T12:00:00Z")});
  book.record({.quantity = 5,
               .timestamp = to_unix(at("2025-01-31T23:59:00Z")),  // L5 grace: billed in January
               .received_at = at("2025-02-01T00:02:00Z")});
  book.record({.quantity = "40", .action = "set", .received_at = at("2025-02-03T08:00:00Z")});
  const auto refused = book.record({.quantity = -1, .received_at = at("2025-02-04T00:00:00Z")});
  std::printf("refused: %s (param %s)\n", std::string(to_string(refused.error().code)).c_str(),
              refused.error().param.c_str());

  for (const auto& s : book.summaries(at("2025-03-15T00:00:00Z"))) {
    std::printf("%s .. %s  total_usage=%lld\n", format_rfc3339(s.period.start).c_str(),
                format_rfc3339(s.period.end).c_str(), static_cast<long long>(s.total_usage));
  }
}
