// expect: a formula needs `static void merge(state_type&, const state_type&)`
// A meter merges partial states (sharding, DESIGN.md); a formula without merge is refused with a
// message that names the missing member.
#include <meterkit/ingestion/raw.hpp>
#include <meterkit/meter/meter.hpp>

struct unmergeable_total {
  using state_type = std::int64_t;
  static constexpr bool is_mergeable = false;
  static constexpr bool is_commutative = true;
  static constexpr bool is_invertible = false;
  static state_type identity() { return 0; }
  static void accumulate(state_type& s, const meterkit::sample& x) { s += x.value; }
  static std::int64_t result(const state_type& s) { return s; }
};

int main() {
  meterkit::meter<unmergeable_total, meterkit::raw> m;
  return static_cast<int>(m.customer_count());
}
