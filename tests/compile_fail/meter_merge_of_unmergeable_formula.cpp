// expect: meter::merge of running states without history needs a mergeable formula
// A formula may declare that its partial states do not merge (`is_mergeable = false`, no merge).
// It still meters; merging the running states of two shards (DESIGN.md "Distribution") is refused.
#include <meterkit/ingestion/raw.hpp>
#include <meterkit/meter/meter.hpp>

struct first_value {
  static constexpr std::string_view name = "first_value";
  using state_type = std::int64_t;
  static constexpr bool is_mergeable = false;
  static constexpr bool is_commutative = false;
  static constexpr bool is_invertible = false;
  static state_type identity() { return 0; }
  static void accumulate(state_type& s, const meterkit::sample& x) {
    if (s == 0) s = x.value;
  }
  static std::int64_t result(const state_type& s) { return s; }
  static void save_state(meterkit::state_writer& out, const state_type& s) { out.i64(s); }
  static state_type load_state(meterkit::state_reader& in) { return in.i64(); }
};

int main() {
  using shard = meterkit::meter<first_value, meterkit::raw, meterkit::string_customer_ids,
                                meterkit::running_state_only>;
  shard a, b;
  a.merge(b);
  return static_cast<int>(a.customer_count());
}
