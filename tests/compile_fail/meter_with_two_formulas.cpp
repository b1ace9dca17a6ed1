// expect: the second argument is a formula, but a meter takes one formula, then an ingestion policy
// at most 1 error
// A meter aggregates with one formula (SPEC M1): meter<sum, count> is refused with what goes second.
#include <meterkit/meter/meter.hpp>

int main() {
  meterkit::meter<meterkit::sum, meterkit::count> m;
  return static_cast<int>(m.total("cus_a"));
}
