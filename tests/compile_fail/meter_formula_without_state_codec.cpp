// expect: a formula needs a state codec, `static void save_state(state_writer&, const state_type&)`
// at most 1 error
// Meters save and load their states (core/persistence.hpp) through the formula's own codec: a
// formula that cannot write its state is refused with a message that names what is missing.
#include <meterkit/ingestion/raw.hpp>
#include <meterkit/meter/meter.hpp>

struct unsaveable_total {
  static constexpr std::string_view name = "unsaveable_total";
  using state_type = std::int64_t;
  static constexpr bool is_mergeable = true;
  static constexpr bool is_commutative = true;
  static constexpr bool is_invertible = false;
  static state_type identity() { return 0; }
  static void accumulate(state_type& s, const meterkit::sample& x) { s += x.value; }
  static void merge(state_type& s, const state_type& other) { s += other; }
  static std::int64_t result(const state_type& s) { return s; }
};

int main() {
  meterkit::meter<unsaveable_total, meterkit::raw> m;
  return static_cast<int>(m.customer_count());
}
