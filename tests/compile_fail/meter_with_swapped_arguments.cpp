// expect: the arguments are swapped, the formula comes first: write meter<sum, raw>
// at most 1 error
// meter<Formula, Ingestion> takes the formula first (DESIGN.md "Embedded metering"): meter<raw, sum>
// is refused with one message that says so, and the code using the meter adds no error of its own.
#include <meterkit/meter/meter.hpp>

int main() {
  meterkit::meter<meterkit::raw, meterkit::sum> m;
  m.add("cus_a", meterkit::sample{meterkit::from_unix(0), 0, 5}, meterkit::from_unix(0));
  return static_cast<int>(m.total("cus_a"));
}
