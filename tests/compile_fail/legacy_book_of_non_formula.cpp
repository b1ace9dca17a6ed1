// expect: not a formula; use sum, count or last_value (Stripe's meters), or last_during_period, last_ever
// at most 1 error
// A legacy book aggregates with a formula (SPEC L3, aggregation/formula.hpp): a type that is nothing like
// one is refused with the formulas there are.
#include <meterkit/legacy/usage_record_book.hpp>

using namespace meterkit;

struct one_period {
  [[nodiscard]] std::optional<period> period_containing(timestamp) const { return std::nullopt; }
  [[nodiscard]] period first_period() const { return {}; }
  [[nodiscard]] std::optional<period> previous_period(const period&) const { return std::nullopt; }
  [[nodiscard]] period next_period(const period& p) const { return p; }
};

struct maximum {};

int main() {
  usage_record_book<maximum, one_period> book{one_period{}};
  return static_cast<int>(book.size());
}
