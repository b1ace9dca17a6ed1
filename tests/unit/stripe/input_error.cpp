// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/input_error.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

using namespace meterkit;

BOOST_AUTO_TEST_SUITE(stripe_input_error)

BOOST_AUTO_TEST_CASE(D6_message_names_file_line_and_column) {
  const input_error e("usage.csv", {17, 4}, "expected a time");
  BOOST_TEST(std::string(e.what()) == "usage.csv:17:4: expected a time");
  BOOST_TEST(e.file() == "usage.csv");
  BOOST_TEST(e.line() == 17u);
  BOOST_TEST(e.column() == 4u);
  BOOST_TEST(e.message() == "expected a time");
}

BOOST_AUTO_TEST_CASE(D6_an_input_error_is_a_meterkit_error_with_code_invalid_input) {
  try {
    METERKIT_THROW(input_error("usage.csv", {2, 1}, "expected a time"));
  } catch (const error& e) {
    BOOST_TEST((e.code() == error_code::invalid_input));
    BOOST_TEST(std::string(e.what()) == "usage.csv:2:1: expected a time");
    return;
  }
  BOOST_FAIL("METERKIT_THROW did not throw");
}

BOOST_AUTO_TEST_CASE(D6_a_problem_with_the_whole_file_has_no_position) {
  const input_error e("missing.csv", {}, "cannot open: No such file or directory");
  BOOST_TEST(std::string(e.what()) == "missing.csv: cannot open: No such file or directory");
}

BOOST_AUTO_TEST_CASE(D1_positions_count_physical_lines_and_byte_columns_from_one) {
  const std::string_view text = "ab\ncd\r\n\nxyz";
  struct row {
    std::size_t offset;
    text_position expected;
  };
  const row rows[] = {{0, {1, 1}}, {1, {1, 2}}, {2, {1, 3}},  {3, {2, 1}},  {5, {2, 3}},
                      {7, {3, 1}}, {8, {4, 1}}, {10, {4, 3}}, {11, {4, 4}}, {99, {4, 4}}};
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT("offset " << r.offset) {
      const auto at = detail::advance_position(text, r.offset);
      BOOST_TEST(at.line == r.expected.line);
      BOOST_TEST(at.column == r.expected.column);
    }
  }
  const auto shifted = detail::advance_position(text, 4, {10, 5});
  BOOST_TEST(shifted.line == 11u);
  BOOST_TEST(shifted.column == 2u);
}

BOOST_AUTO_TEST_CASE(D6_invalid_utf8_and_nul_bytes_are_found_at_their_offset) {
  struct row {
    std::string text;
    std::size_t bad;
  };
  const row rows[] = {
      {"plain ascii text, long enough for the fast path", 47},
      {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 ok", 17},
      {std::string("ab\0cd", 5), 2},
      {std::string("0123456789\0", 11), 10},
      {"abc\x80", 3},
      {"abc\xC0\xAF", 3},          // overlong '/'
      {"abc\xE0\x80\xAF", 3},      // overlong, 3 bytes
      {"abc\xED\xA0\x80", 3},      // a surrogate
      {"abc\xF4\x90\x80\x80", 3},  // past U+10FFFF
      {"abc\xE2\x82", 3},          // truncated
      {"abcdefgh\xE2\x82\xACijk\xFF", 14},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT("text " << r.text.size() << " bytes") {
      BOOST_TEST(detail::find_invalid_utf8(r.text) == r.bad);
    }
  }
}

BOOST_AUTO_TEST_CASE(D6_utf8_check_agrees_with_a_byte_by_byte_decoder_on_random_bytes) {
  const auto seed = std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  // A straightforward decoder, written independently, as the reference.
  const auto reference = [](std::string_view s) -> std::size_t {
    for (std::size_t i = 0; i < s.size();) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c == 0) return i;
      std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      if (n == 0 || i + n > s.size()) return i;
      std::uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1fu) : n == 3 ? (c & 0x0fu) : (c & 0x07u);
      for (std::size_t k = 1; k < n; ++k) {
        const auto d = static_cast<unsigned char>(s[i + k]);
        if ((d & 0xc0) != 0x80) return i;
        cp = (cp << 6) | (d & 0x3fu);
      }
      const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
      i += n;
    }
    return s.size();
  };
  const char alphabet[] = {'a',    'Z',    '0',    ',',    '\0',   '\x7f', '\x80', '\xbf',
                           '\xc2', '\xc0', '\xdf', '\xe0', '\xed', '\xef', '\xf0', '\xf4',
                           '\xf5', '\xff', '\x9f', '\xa0', '\x8f', '\x90'};
  for (int round = 0; round < 20000; ++round) {
    std::string s(rng() % 24, ' ');
    for (auto& c : s)
      c = rng() % 3 == 0 ? alphabet[rng() % sizeof alphabet] : static_cast<char>('a' + rng() % 26);
    const auto got = detail::find_invalid_utf8(s);
    const auto want = reference(s);
    if (got != want) {
      BOOST_TEST(got == want, "seed " << seed << " round " << round);
      break;
    }
  }
}

BOOST_AUTO_TEST_CASE(D6_bytes_are_described_readably) {
  BOOST_TEST(detail::describe_byte('x') == "'x'");
  BOOST_TEST(detail::describe_byte('\x89') == "byte 0x89");
  BOOST_TEST(detail::describe_byte('\0') == "byte 0x00");
}

BOOST_AUTO_TEST_CASE(D6_control_characters_from_the_input_are_escaped_in_the_message) {
  using namespace std::string_literals;
  // C0 (ESC, BEL, CR, LF, NUL), DEL, C1 (U+009B, CSI) and bytes that are not UTF-8 show as text;
  // printable text, UTF-8 beyond C1 and backslashes stay as they are.
  const std::string value = "a\x1b[2J\x07\r\n\0\x7f\xc2\x9b\xff\xc3\xa9\xe2\x82\xac\\z"s;
  const std::string escaped = R"(a\x1b[2J\x07\x0d\x0a\x00\x7f\u009b\xff)"s + "\xc3\xa9\xe2\x82\xac\\z";
  BOOST_TEST(detail::printable(value) == escaped);
  BOOST_TEST(detail::printable(escaped) == escaped);           // escaping twice changes nothing
  BOOST_TEST(detail::printable("\xe2\x82") == R"(\xe2\x82)");  // a sequence cut short

  const input_error e("in\x1b.jsonl", {2, 5}, "unknown path \"" + value + "\"");
  BOOST_TEST(std::string(e.what()) == R"(in\x1b.jsonl:2:5: unknown path ")" + escaped + "\"");
  BOOST_TEST(e.message() == "unknown path \"" + value + "\"");  // as given
}

BOOST_AUTO_TEST_SUITE_END()
