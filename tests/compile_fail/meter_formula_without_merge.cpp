// expect: a formula that declares `is_mergeable` needs `static void merge(state_type&, const state_type&)`
// at most 1 error
// A meter merges partial states (sharding, DESIGN.md); a formula that declares itself mergeable but
// forgets merge is refused with a message that names the missing member.
#include <meterkit/ingestion/raw.hpp>
#include <meterkit/meter/meter.hpp>

struct total_without_merge {
  static constexpr std::string_view name = "total_without_merge";
  using state_type = std::int64_t;
  static constexpr bool is_mergeable = true;
  static constexpr bool is_commutative = true;
  static constexpr bool is_invertible = false;
  static state_type identity() { return 0; }
  static void accumulate(state_type& s, const meterkit::sample& x) { s += x.value; }
  static std::int64_t result(const state_type& s) { return s; }
  static void save_state(meterkit::state_writer& out, const state_type& s) { out.i64(s); }
  static state_type load_state(meterkit::state_reader& in) { return in.i64(); }
};

int main() {
  meterkit::meter<total_without_merge, meterkit::raw> m;
  return static_cast<int>(m.customer_count());
}
