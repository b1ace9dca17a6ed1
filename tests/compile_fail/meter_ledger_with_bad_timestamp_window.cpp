// expect: TimestampWindow needs `static outcome check(timestamp event_time, timestamp received_at)`
// The ledger's acceptance window (SPEC M4) is a policy; a type without `check` is refused.
#include <meterkit/meter/meter_ledger.hpp>

struct thirty_five_days {
  static constexpr long past = 35 * 86400;
};

int main() {
  meterkit::basic_meter_ledger<thirty_five_days> ledger;
  return static_cast<int>(ledger.customer_count());
}
