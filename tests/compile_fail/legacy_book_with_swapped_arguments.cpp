// expect: usage_record_book<Formula, Source>: the arguments are swapped, the formula comes first
// at most 1 error
// A legacy book takes the formula (SPEC L3) first and the item's periods second: the two swapped are
// refused with one message that says so, and the code using the book adds no error of its own.
#include <meterkit/legacy/usage_record_book.hpp>

using namespace meterkit;

struct one_period {
  [[nodiscard]] std::optional<period> period_containing(timestamp) const { return std::nullopt; }
  [[nodiscard]] period first_period() const { return {}; }
  [[nodiscard]] std::optional<period> previous_period(const period&) const { return std::nullopt; }
  [[nodiscard]] period next_period(const period& p) const { return p; }
};

int main() {
  usage_record_book<one_period, sum> book{one_period{}};
  return static_cast<int>(book.size());
}
