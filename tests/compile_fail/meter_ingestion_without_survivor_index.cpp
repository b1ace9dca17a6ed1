// expect: an ingestion policy needs a `survivor_index`
// at most 1 error
// A meter keeps a running state beside its records from what the ingestion policy's survivor index
// reports (ingestion/ingestion.hpp); a policy that folds but keeps no index is refused.
#include <meterkit/aggregation/sum.hpp>
#include <meterkit/ingestion/raw.hpp>
#include <meterkit/meter/meter.hpp>

struct fold_only {
  static constexpr std::string_view name = "fold_only";
  static constexpr bool is_pre_aggregated = false;
  template <class F>
  static void fold(typename F::state_type& s, std::span<const meterkit::event_record> r, meterkit::period p,
                   meterkit::timestamp as_of) {
    meterkit::raw::fold<F>(s, r, p, as_of);
  }
  static constexpr bool same_group(meterkit::timestamp, meterkit::timestamp) { return false; }
  static constexpr meterkit::timestamp group_start(meterkit::timestamp t) { return t; }
  template <class F>
  using running_state = meterkit::raw::running_state<F>;
};

int main() {
  meterkit::meter<meterkit::sum, fold_only> m;
  return static_cast<int>(m.customer_count());
}
