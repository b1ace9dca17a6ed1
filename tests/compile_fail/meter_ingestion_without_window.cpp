// expect: a pre-aggregating ingestion policy needs `using window = W;`
// at most 1 error
// Pre-aggregation keeps the latest arrival per window (SPEC M8): a policy that claims to
// pre-aggregate must name its window.
#include <meterkit/aggregation/sum.hpp>
#include <meterkit/meter/meter.hpp>

struct latest_per_bucket {
  static constexpr bool is_pre_aggregated = true;
  template <class F>
  static void fold(typename F::state_type&, std::span<const meterkit::event_record>, meterkit::period,
                   meterkit::timestamp) {}
};

int main() {
  meterkit::meter<meterkit::sum, latest_per_bucket> m;
  return static_cast<int>(m.customer_count());
}
