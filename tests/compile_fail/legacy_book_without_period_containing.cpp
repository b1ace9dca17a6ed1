// expect: a period source needs `std::optional<period> period_containing(timestamp) const`
// at most 1 error
// A usage-record book needs the item's billing periods (SPEC L4); this source cannot find the
// period containing an arrival.
#include <meterkit/legacy/usage_record_book.hpp>

using namespace meterkit;

struct no_lookup {
  [[nodiscard]] period first_period() const { return {}; }
  [[nodiscard]] std::optional<period> previous_period(const period&) const { return std::nullopt; }
  [[nodiscard]] period next_period(const period& p) const { return p; }
};

int main() {
  usage_record_book<sum, no_lookup> book{no_lookup{}};
  (void)book;
}
