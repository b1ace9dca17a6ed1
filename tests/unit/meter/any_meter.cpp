// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/meter/any_meter.hpp>

#include <random>
#include <type_traits>
#include <vector>

namespace mk = meterkit;

namespace {
template <class F, class I>
void check_dispatch(mk::formula_kind f, mk::window_kind w) {
  mk::any_meter a(f, w);
  const bool same = a.visit([](const auto& m) {
    using M = std::decay_t<decltype(m)>;
    return std::is_same_v<typename M::formula_type, F> && std::is_same_v<typename M::ingestion_type, I>;
  });
  BOOST_TEST(same);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(meter_any_meter)

BOOST_AUTO_TEST_CASE(M1_each_runtime_definition_dispatches_onto_its_compiled_meter) {
  using hour = mk::pre_aggregated<mk::utc_hour>;
  using day = mk::pre_aggregated<mk::utc_day>;
  check_dispatch<mk::sum, mk::raw>(mk::formula_kind::sum, mk::window_kind::none);
  check_dispatch<mk::sum, hour>(mk::formula_kind::sum, mk::window_kind::hour);
  check_dispatch<mk::sum, day>(mk::formula_kind::sum, mk::window_kind::day);
  check_dispatch<mk::count, mk::raw>(mk::formula_kind::count, mk::window_kind::none);
  check_dispatch<mk::count, hour>(mk::formula_kind::count, mk::window_kind::hour);
  check_dispatch<mk::count, day>(mk::formula_kind::count, mk::window_kind::day);
  check_dispatch<mk::last_value, mk::raw>(mk::formula_kind::last, mk::window_kind::none);
  check_dispatch<mk::last_value, hour>(mk::formula_kind::last, mk::window_kind::hour);
  check_dispatch<mk::last_value, day>(mk::formula_kind::last, mk::window_kind::day);
}

BOOST_AUTO_TEST_CASE(M1_any_meter_gives_the_numbers_of_the_compiled_meter) {
  const std::uint64_t seed = 0xa11;
  std::mt19937_64 rng(seed);
  for (int s = 0; s < 300; ++s) {
    mk::meter_definition d;
    d.id = "m";
    d.event_name = "e";
    d.formula = static_cast<mk::formula_kind>(rng() % 3);
    d.event_time_window = static_cast<mk::window_kind>(rng() % 3);
    mk::any_meter a(d);
    mk::meter<mk::last_value, mk::pre_aggregated<mk::utc_hour>> lh;
    std::vector<mk::event_record> rs;
    for (std::uint64_t i = 1; i <= rng() % 30; ++i) {
      mk::event_record r{mk::from_unix(static_cast<std::int64_t>(rng() % 20000)),
                         mk::from_unix(static_cast<std::int64_t>(i * 100)), i,
                         static_cast<std::int64_t>(rng() % 100) - 30};
      a.add("c", r);
      lh.add("c", r);
      if (rng() % 5 == 0) {
        BOOST_TEST(a.cancel("c", r.time, r.arrival, r.received_at + mk::seconds{50}));
        lh.cancel("c", r.time, r.arrival, r.received_at + mk::seconds{50});
      }
    }
    const mk::period p{mk::from_unix(static_cast<std::int64_t>(rng() % 10000)), mk::from_unix(20000)};
    const auto as_of = mk::from_unix(static_cast<std::int64_t>(rng() % 4000));
    BOOST_TEST_CONTEXT("seed " << seed << " case " << s) {
      BOOST_TEST(a.quantity("c", p, as_of) == a.quantity_by_fold("c", p, as_of));
      if (d.formula == mk::formula_kind::last && d.event_time_window == mk::window_kind::hour) {
        BOOST_TEST(a.quantity("c", p, as_of) == lh.quantity("c", p, as_of));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(M13_any_meter_summaries_check_alignment) {
  mk::any_meter a(mk::formula_kind::sum, mk::window_kind::none);
  BOOST_TEST(!a.summaries("c", {mk::from_unix(1), mk::from_unix(60)}, mk::window_kind::none, mk::end_of_time)
                  .has_value());
  BOOST_TEST(a.summaries("c", {mk::from_unix(0), mk::from_unix(60)}, mk::window_kind::none, mk::end_of_time)
                 .has_value());
}

BOOST_AUTO_TEST_SUITE_END()
