// expect: a period source needs `period next_period(const period&) const`
// at most 1 error
// Usage record summaries (SPEC L6) walk the periods forward; this source cannot step forward.
#include <meterkit/legacy/usage_record_book.hpp>

using namespace meterkit;

struct no_forward {
  [[nodiscard]] std::optional<period> period_containing(timestamp) const { return std::nullopt; }
  [[nodiscard]] period first_period() const { return {}; }
  [[nodiscard]] std::optional<period> previous_period(const period&) const { return std::nullopt; }
};

int main() {
  usage_record_book<sum, no_forward> book{no_forward{}};
  (void)book;
}
