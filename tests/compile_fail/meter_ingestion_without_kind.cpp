// expect: an ingestion policy must declare `static constexpr bool is_pre_aggregated`
// at most 1 error
// A meter must know whether every event counts (SPEC M7) or one per window (M8).
#include <meterkit/aggregation/sum.hpp>
#include <meterkit/meter/meter.hpp>

struct every_event {};

int main() {
  meterkit::meter<meterkit::sum, every_event> m;
  return static_cast<int>(m.customer_count());
}
