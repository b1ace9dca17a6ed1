// expect: a finalization clock needs `timestamp finalized_at(const period&) const`
// at most 1 error
// Grace routing (SPEC L5, D18) asks the invoice clock when the previous invoice is finalized.
#include <meterkit/legacy/usage_record_book.hpp>

using namespace meterkit;

struct periods {
  [[nodiscard]] std::optional<period> period_containing(timestamp) const { return std::nullopt; }
  [[nodiscard]] period first_period() const { return {}; }
  [[nodiscard]] std::optional<period> previous_period(const period&) const { return std::nullopt; }
  [[nodiscard]] period next_period(const period& p) const { return p; }
};

struct wall_clock {
  [[nodiscard]] timestamp now() const { return {}; }
};

int main() {
  usage_record_book<sum, periods, wall_clock> book{periods{}};
  (void)book;
}
