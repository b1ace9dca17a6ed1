// expect: the first argument is an ingestion policy, but a meter takes its formula first
// at most 1 error
// meter<raw> (the formula forgotten, the ingestion policy in its place) is refused with the order.
#include <meterkit/meter/meter.hpp>

int main() {
  meterkit::meter<meterkit::pre_aggregated<meterkit::utc_hour>> m;
  return static_cast<int>(m.total("cus_a"));
}
