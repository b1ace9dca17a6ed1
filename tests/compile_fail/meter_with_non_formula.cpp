// expect: the first argument is not a formula; use sum, count or last_value (Stripe's meters)
// at most 1 error
// A type that is nothing like a formula (aggregation/formula.hpp) is refused with the formulas there
// are (sum, count, last_value; legacy last_during_period, last_ever, peak), not with the first member
// a formula of one's own would miss.
#include <meterkit/meter/meter.hpp>

struct api_calls {};

int main() {
  meterkit::meter<api_calls, meterkit::raw> m;
  return static_cast<int>(m.total("cus_a"));
}
