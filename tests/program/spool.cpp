// SPDX-License-Identifier: MIT
// The program's spool (apps/meterkit/simulation_output.hpp, D30): what is added reads back the same,
// whether a piece lies in one mapped window, straddles two, is longer than a window, is read
// while more is being added, or is read with the pieces before it in order (mapped) or not (pread).
#define BOOST_TEST_MODULE meterkit_program_spool
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simulation_output.hpp"

namespace {

std::string piece(std::mt19937_64& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

std::string read_back(meterkit::cli::spool& s, std::uint64_t at, std::size_t n, bool one) {
  std::string out;
  const auto put = [&](std::string_view block) { out.append(block); };
  if (one) {
    s.read_one(at, n, put);
  } else {
    s.read(at, n, put);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(D30_pieces_read_back_as_added_in_any_order_across_windows) {
  std::mt19937_64 rng(7);
  meterkit::cli::spool s;
  std::vector<std::pair<std::uint64_t, std::string>> pieces;
  std::uint64_t total = 0;
  // About 40 MiB: several 8 MiB windows, pieces of every size up to 9 MiB (longer than a window).
  while (total < (std::uint64_t{40} << 20)) {
    const std::size_t n = rng() % 50 == 0 ? rng() % (std::size_t{9} << 20) : rng() % 5000;
    std::string text = piece(rng, n);
    const std::uint64_t at = s.add(text);
    BOOST_TEST(at == total);
    total += n;
    pieces.emplace_back(at, std::move(text));
    if (rng() % 200 == 0) {  // a read while the spool still grows
      const auto& [a, t] = pieces[rng() % pieces.size()];
      BOOST_TEST((read_back(s, a, t.size(), true) == t));
    }
  }
  BOOST_TEST(s.size() == total);
  std::shuffle(pieces.begin(), pieces.end(), rng);
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    const auto& [at, text] = pieces[k];
    BOOST_TEST_REQUIRE((read_back(s, at, text.size(), k % 2 == 0) == text), "the piece at " << at);
  }
  // In the order added: through mapped windows.
  std::sort(pieces.begin(), pieces.end());
  for (const auto& [at, text] : pieces)
    BOOST_TEST_REQUIRE((read_back(s, at, text.size(), true) == text), "the piece at " << at);
  // The whole, in blocks.
  std::string all;
  s.read_all([&](std::string_view block) { all.append(block); });
  BOOST_TEST(all.size() == total);
  for (const auto& [at, text] : pieces) BOOST_TEST_REQUIRE(all.compare(at, text.size(), text) == 0);
}

BOOST_AUTO_TEST_CASE(D30_a_cleared_spool_reads_what_was_added_since) {
  std::mt19937_64 rng(11);
  meterkit::cli::spool s;
  const std::string before = piece(rng, std::size_t{3} << 20);
  (void)s.add(before);
  BOOST_TEST((read_back(s, 0, before.size(), true) == before));  // a window is mapped now
  s.clear();
  const std::string after = piece(rng, 1000);
  BOOST_TEST(s.add(after) == 0U);
  BOOST_TEST((read_back(s, 0, after.size(), true) == after));
  BOOST_TEST(s.size() == after.size());
}

BOOST_AUTO_TEST_CASE(D30_a_window_mapped_before_the_spool_grew_is_not_read_past_its_end) {
  std::mt19937_64 rng(13);
  meterkit::cli::spool s;
  const std::string first = piece(rng, 100);
  (void)s.add(first);
  BOOST_TEST((read_back(s, 0, first.size(), true) == first));   // maps the first window, 100 bytes long
  const std::string second = piece(rng, std::size_t{1} << 20);  // same window, far past the first page
  const std::uint64_t at = s.add(second);
  BOOST_TEST((read_back(s, at, second.size(), true) == second));
}
