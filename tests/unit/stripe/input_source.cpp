// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/input_source.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace meterkit;

namespace {
struct line {
  std::uint64_t number;
  std::string text;
  friend bool operator==(const line&, const line&) = default;
};
std::ostream& operator<<(std::ostream& os, const line& l) { return os << l.number << ":" << l.text; }

std::vector<line> lines_of(const std::string& text, std::size_t block = 4 << 20, std::size_t max = 64 << 20) {
  input_source source = input_source::from_text(text, "t.jsonl");
  read_options options;
  options.block_bytes = block;
  options.max_record_bytes = max;
  detail::line_reader reader(source, options);
  std::vector<line> out;
  std::string_view l;
  while (reader.next(l)) out.push_back({reader.line_number(), std::string(l)});
  return out;
}

std::filesystem::path temp_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / ("meterkit_input_source_" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(stripe_input_source)

BOOST_AUTO_TEST_CASE(D1_lines_are_numbered_from_one_without_their_line_ends) {
  const std::vector<line> expected{{1, "a"}, {2, ""}, {3, "bc"}, {4, "d"}};
  BOOST_TEST(lines_of("a\n\nbc\r\nd") == expected, boost::test_tools::per_element());
  BOOST_TEST(lines_of("a\n\nbc\r\nd\n") == expected, boost::test_tools::per_element());
  BOOST_TEST(lines_of("").empty());
}

BOOST_AUTO_TEST_CASE(D2_a_byte_order_mark_at_the_start_is_skipped) {
  const std::vector<line> expected{{1, "x"}, {2, "\xEF\xBB\xBFy"}};
  BOOST_TEST(lines_of("\xEF\xBB\xBFx\n\xEF\xBB\xBFy") == expected, boost::test_tools::per_element());
  BOOST_TEST(lines_of("\xEF\xBB\xBF").empty());
}

BOOST_AUTO_TEST_CASE(D1_block_size_never_changes_the_lines) {
  const auto seed = std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const auto n = rng() % 40;
    for (std::size_t i = 0; i < n; ++i) {
      const char pick[] = {'a', 'b', '\n', '\r', ' ', '{', '"'};
      text += pick[rng() % sizeof pick];
    }
    const auto whole = lines_of(text);
    for (std::size_t block = 1; block <= 9; ++block) {
      if (lines_of(text, block) != whole) {
        BOOST_TEST(false, "seed " << seed << " round " << round << " block " << block);
        return;
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(D6_a_line_longer_than_the_limit_is_an_input_error_not_an_allocation) {
  const std::string text = "ok\n" + std::string(1000, 'x') + "\nnext\n";
  try {
    (void)lines_of(text, 64, 100);
    BOOST_TEST(false, "expected an input_error");
  } catch (const input_error& e) {
    BOOST_TEST(e.line() == 2u);
    BOOST_TEST(e.column() == 1u);
    BOOST_TEST(e.message().find("longer than 100 bytes") != std::string::npos);
  }
  BOOST_TEST(lines_of(text, 64, 1000).size() == 3u);
}

BOOST_AUTO_TEST_CASE(D1_a_file_is_read_in_blocks_with_progress) {
  const auto path = temp_file("blocks.txt", "one\ntwo\nthree\n");
  input_source source = input_source::open_file(path.string(), "named.txt");
  BOOST_TEST(source.name() == "named.txt");
  BOOST_TEST(source.size() == 14u);
  read_options options;
  options.block_bytes = 5;
  std::vector<std::uint64_t> progress;
  options.progress = [&](std::uint64_t done, std::uint64_t total) {
    BOOST_TEST(total == 14u);
    progress.push_back(done);
  };
  detail::line_reader reader(source, options);
  std::string_view l;
  std::vector<std::string> got;
  while (reader.next(l)) got.emplace_back(l);
  BOOST_TEST(got == (std::vector<std::string>{"one", "two", "three"}), boost::test_tools::per_element());
  BOOST_TEST(!progress.empty());
  BOOST_TEST(progress.back() == 14u);
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(D6_a_missing_file_or_a_directory_is_an_input_error_naming_the_file) {
  try {
    (void)input_source::open_file("/nonexistent/meterkit/usage.csv");
    BOOST_TEST(false, "expected an input_error");
  } catch (const input_error& e) {
    BOOST_TEST(e.file() == "/nonexistent/meterkit/usage.csv");
    BOOST_TEST(e.line() == 0u);
    BOOST_TEST(e.message().find("cannot open") == 0u);
  }
  try {
    (void)input_source::open_file(std::filesystem::temp_directory_path().string());
    BOOST_TEST(false, "expected an input_error");
  } catch (const input_error& e) {
    BOOST_TEST(e.message().find("directory") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
