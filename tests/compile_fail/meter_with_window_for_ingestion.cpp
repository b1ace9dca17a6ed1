// expect: to keep the latest arrival per window (SPEC M8) use pre_aggregated<utc_hour>
// at most 1 error
// Pre-aggregation (SPEC M8) is an ingestion policy around a window: meter<last_value, utc_hour> is
// refused with the policy to write instead (the message begins "the second argument is a time window,
// not an ingestion policy"), not with the requirements of an ingestion policy of one's own.
#include <meterkit/meter/meter.hpp>

int main() {
  meterkit::meter<meterkit::last_value, meterkit::utc_hour> m;
  m.add("cus_a", meterkit::sample{meterkit::from_unix(0), 0, 5}, meterkit::from_unix(0));
  return static_cast<int>(m.total("cus_a"));
}
