// expect: the first argument is a time window, not a formula; a window goes into the ingestion policy
// at most 1 error
// A window names the buckets of pre-aggregation (SPEC M8), never what is counted: the message says to
// write meter<last_value, pre_aggregated<utc_hour>>.
#include <meterkit/meter/meter.hpp>

int main() {
  meterkit::meter<meterkit::utc_day, meterkit::raw> m;
  return static_cast<int>(m.total("cus_a"));
}
