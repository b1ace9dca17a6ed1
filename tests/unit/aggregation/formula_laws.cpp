// SPDX-License-Identifier: MIT
// The algebra every formula declares, checked by one templated test over all of them (STYLE.md
// "These laws are tested for every formula by one templated test"): identity, associativity and
// commutativity of merge, merge of random partitions equals one pass, retract undoes accumulate, a
// saved state loads back equal and a damaged one is refused.
#include <boost/test/unit_test.hpp>
#include <meterkit/aggregation/formula.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <meterkit/aggregation/count.hpp>
#include <meterkit/aggregation/last_during_period.hpp>
#include <meterkit/aggregation/last_ever.hpp>
#include <meterkit/aggregation/last_value.hpp>
#include <meterkit/aggregation/peak.hpp>
#include <meterkit/aggregation/sum.hpp>

namespace mk = meterkit;

namespace {

using all_formulas =
    std::tuple<mk::sum, mk::count, mk::last_value, mk::peak, mk::last_during_period, mk::last_ever>;

constexpr int cases = 2000;

/// Samples with few distinct timestamps (so ties happen), unique arrivals, signed values.
std::vector<mk::sample> random_samples(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::uint64_t> arrivals(n);
  std::iota(arrivals.begin(), arrivals.end(), std::uint64_t{1});
  std::shuffle(arrivals.begin(), arrivals.end(), rng);
  std::uniform_int_distribution<std::int64_t> time(0, 20);
  std::uniform_int_distribution<std::int64_t> value(-1000000, 1000000);
  std::vector<mk::sample> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(mk::sample{mk::from_unix(time(rng)), arrivals[i], value(rng)});
  return out;
}

template <class F>
typename F::state_type fold(const std::vector<mk::sample>& xs) {
  auto s = F::identity();
  for (const auto& x : xs) F::accumulate(s, x);
  return s;
}

template <class F>
typename F::state_type merged(typename F::state_type a, const typename F::state_type& b) {
  F::merge(a, b);
  return a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(aggregation_formula_laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(M9_every_formula_satisfies_the_formula_concept, F, all_formulas) {
  static_assert(mk::formula<F>);
  static_assert(mk::detail::check_formula<F>());
  static_assert(mk::invertible_formula<F> == F::is_invertible, "declared invertibility must match retract");
  BOOST_TEST(F::result(F::identity()) == 0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(M9_identity_is_neutral_for_merge, F, all_formulas) {
  const std::uint64_t seed = 0x5eed0001;
  std::mt19937_64 rng(seed);
  for (int c = 0; c < cases; ++c) {
    const auto s = fold<F>(random_samples(rng, rng() % 12));
    BOOST_TEST_CONTEXT("seed " << seed << " case " << c) {
      BOOST_TEST((merged<F>(F::identity(), s) == s));
      BOOST_TEST((merged<F>(s, F::identity()) == s));
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(M9_merge_is_associative_and_commutative_where_declared, F, all_formulas) {
  const std::uint64_t seed = 0x5eed0002;
  std::mt19937_64 rng(seed);
  for (int c = 0; c < cases; ++c) {
    const auto xs = random_samples(rng, rng() % 30);
    // Three disjoint parts of one sample set (arrivals stay unique across parts).
    std::vector<mk::sample> p[3];
    for (const auto& x : xs) p[rng() % 3].push_back(x);
    const auto a = fold<F>(p[0]), b = fold<F>(p[1]), d = fold<F>(p[2]);
    BOOST_TEST_CONTEXT("seed " << seed << " case " << c) {
      static_assert(F::is_mergeable);
      BOOST_TEST((merged<F>(merged<F>(a, b), d) == merged<F>(a, merged<F>(b, d))));
      if constexpr (F::is_commutative) {
        BOOST_TEST((merged<F>(a, b) == merged<F>(b, a)));
        auto shuffled = xs;
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        BOOST_TEST((fold<F>(shuffled) == fold<F>(xs)));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(M9_merge_of_random_partitions_equals_one_pass, F, all_formulas) {
  const std::uint64_t seed = 0x5eed0003;
  std::mt19937_64 rng(seed);
  for (int c = 0; c < cases; ++c) {
    const auto xs = random_samples(rng, rng() % 40);
    const std::size_t k = 1 + rng() % 6;
    std::vector<std::vector<mk::sample>> parts(k);
    if constexpr (F::is_commutative) {
      for (const auto& x : xs) parts[rng() % k].push_back(x);  // any partition
    } else {
      for (std::size_t i = 0; i < xs.size(); ++i)
        parts[std::min(k - 1, i * k / (xs.size() + 1))].push_back(xs[i]);
    }
    auto s = F::identity();
    for (const auto& part : parts) F::merge(s, fold<F>(part));
    BOOST_TEST_CONTEXT("seed " << seed << " case " << c) {
      BOOST_TEST((s == fold<F>(xs)));
      BOOST_TEST(F::result(s) == F::result(fold<F>(xs)));
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(M10_retract_undoes_accumulate_where_declared, F, all_formulas) {
  if constexpr (mk::invertible_formula<F>) {
    const std::uint64_t seed = 0x5eed0004;
    std::mt19937_64 rng(seed);
    for (int c = 0; c < cases; ++c) {
      const auto xs = random_samples(rng, rng() % 30);
      auto s = fold<F>(xs);
      std::vector<mk::sample> kept;
      for (const auto& x : xs) {
        if (rng() % 2) {
          F::retract(s, x);
        } else {
          kept.push_back(x);
        }
      }
      BOOST_TEST_CONTEXT("seed " << seed << " case " << c) { BOOST_TEST((s == fold<F>(kept))); }
    }
  } else {
    BOOST_TEST(!F::is_invertible);
  }
}

BOOST_AUTO_TEST_CASE(every_formula_carries_a_distinct_name_for_saved_states) {
  const std::set<std::string_view> names{
      mk::sum::name,      mk::count::name, mk::last_value::name, mk::peak::name, mk::last_during_period::name,
      mk::last_ever::name};
  BOOST_TEST(names.size() == std::tuple_size_v<all_formulas>);
  static_assert(mk::sum::name == "sum" && mk::count::name == "count" && mk::last_value::name == "last_value");
  static_assert(mk::peak::name == "peak" && mk::last_during_period::name == "last_during_period" &&
                mk::last_ever::name == "last_ever");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(D25_a_saved_state_loads_back_equal_and_a_truncated_one_is_refused, F,
                              all_formulas) {
  const std::uint64_t seed = 0x5eed0005;
  std::mt19937_64 rng(seed);
  for (int c = 0; c < cases / 4; ++c) {
    auto s = fold<F>(random_samples(rng, rng() % 12));
    if (c == 0) s = F::identity();
    mk::state_writer out;
    F::save_state(out, s);
    BOOST_TEST_CONTEXT("seed " << seed << " case " << c) {
      mk::state_reader in(out.bytes());
      BOOST_TEST((F::load_state(in) == s));
      BOOST_TEST(in.remaining() == 0u);
      mk::state_reader shorter(std::string_view(out.bytes()).substr(0, out.bytes().size() - 1));
      BOOST_CHECK_THROW((void)F::load_state(shorter), mk::corrupt_state_error);
    }
  }
}

BOOST_AUTO_TEST_CASE(D25_states_that_no_formula_could_have_saved_are_refused) {
  // A count read back negative is a count beyond 2^63 - 1 that wrapped.
  mk::state_writer wrapped;
  wrapped.u64(std::uint64_t{1} << 63U);
  mk::state_reader wrapped_in(wrapped.bytes());
  BOOST_CHECK_THROW((void)mk::count::load_state(wrapped_in), mk::corrupt_state_error);
  // An empty peak or latest-sample state is canonical (all zero).
  mk::state_writer peak;
  peak.boolean(false);
  peak.i64(5);
  mk::state_reader peak_in(peak.bytes());
  BOOST_CHECK_THROW((void)mk::peak::load_state(peak_in), mk::corrupt_state_error);
  mk::state_writer latest;
  latest.boolean(false);
  latest.i64(0);
  latest.u64(3);
  latest.i64(0);
  mk::state_reader latest_in(latest.bytes());
  BOOST_CHECK_THROW((void)mk::last_value::load_state(latest_in), mk::corrupt_state_error);
  // The whole 128-bit range of a sum's state is kept.
  mk::state_writer big;
  const mk::int128 total = -(mk::int128{1} << 100U) - 7;
  mk::sum::save_state(big, total);
  mk::state_reader big_in(big.bytes());
  BOOST_TEST((mk::sum::load_state(big_in) == total));
}

BOOST_AUTO_TEST_SUITE_END()
