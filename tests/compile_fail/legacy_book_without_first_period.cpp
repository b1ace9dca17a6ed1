// expect: a period source needs `period first_period() const`
// at most 1 error
// Usage record summaries (SPEC L6) start at the first period; this source does not say which.
#include <meterkit/legacy/usage_record_book.hpp>

using namespace meterkit;

struct no_first {
  [[nodiscard]] std::optional<period> period_containing(timestamp) const { return std::nullopt; }
  [[nodiscard]] std::optional<period> previous_period(const period&) const { return std::nullopt; }
  [[nodiscard]] period next_period(const period& p) const { return p; }
};

int main() {
  usage_record_book<sum, no_first> book{no_first{}};
  (void)book;
}
