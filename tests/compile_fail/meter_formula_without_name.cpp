// expect: a formula needs `static constexpr std::string_view name`
// at most 1 error
// Saved meter states name their formula (meter/meter.hpp): a formula without a name is refused.
#include <meterkit/ingestion/raw.hpp>
#include <meterkit/meter/meter.hpp>

struct nameless_total {
  using state_type = std::int64_t;
  static constexpr bool is_mergeable = true;
  static constexpr bool is_commutative = true;
  static constexpr bool is_invertible = false;
  static state_type identity() { return 0; }
  static void accumulate(state_type& s, const meterkit::sample& x) { s += x.value; }
  static void merge(state_type& s, const state_type& other) { s += other; }
  static std::int64_t result(const state_type& s) { return s; }
  static void save_state(meterkit::state_writer& out, const state_type& s) { out.i64(s); }
  static state_type load_state(meterkit::state_reader& in) { return in.i64(); }
};

int main() {
  meterkit::meter<nameless_total, meterkit::raw> m;
  return static_cast<int>(m.customer_count());
}
