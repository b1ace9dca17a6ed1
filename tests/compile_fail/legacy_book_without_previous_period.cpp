// expect: a period source needs `std::optional<period> previous_period(const period&) const`
// at most 1 error
// The clock-drift grace (SPEC L5, D18) bills in the previous period; this source cannot step back.
#include <meterkit/legacy/usage_record_book.hpp>

using namespace meterkit;

struct no_back {
  [[nodiscard]] std::optional<period> period_containing(timestamp) const { return std::nullopt; }
  [[nodiscard]] period first_period() const { return {}; }
  [[nodiscard]] period next_period(const period& p) const { return p; }
};

int main() {
  usage_record_book<sum, no_back> book{no_back{}};
  (void)book;
}
