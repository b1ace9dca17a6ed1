// expect: an ingestion policy needs `static constexpr std::string_view name`
// at most 1 error
// Saved meter states name their ingestion policy (meter/meter.hpp): a policy without a name is
// refused.
#include <meterkit/aggregation/sum.hpp>
#include <meterkit/meter/meter.hpp>

struct every_event_unnamed {
  static constexpr bool is_pre_aggregated = false;
  template <class F>
  static void fold(typename F::state_type&, std::span<const meterkit::event_record>, meterkit::period,
                   meterkit::timestamp) {}
};

int main() {
  meterkit::meter<meterkit::sum, every_event_unnamed> m;
  return static_cast<int>(m.customer_count());
}
