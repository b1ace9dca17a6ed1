// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/csv.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace meterkit;

namespace {
struct record {
  std::uint64_t line;
  std::vector<std::string> cells;
  friend bool operator==(const record&, const record&) = default;
};
std::ostream& operator<<(std::ostream& os, const record& r) {
  os << r.line << ":";
  for (const auto& c : r.cells) os << "[" << c << "]";
  return os;
}

std::vector<record> records_of(const std::string& text, std::size_t block = 4 << 20,
                               std::size_t max = 64 << 20) {
  input_source source = input_source::from_text(text, "t.csv");
  read_options options;
  options.block_bytes = block;
  options.max_record_bytes = max;
  csv_reader csv(source, options);
  std::vector<record> out;
  while (csv.next()) out.push_back({csv.line(), {csv.cells().begin(), csv.cells().end()}});
  return out;
}

input_error error_of(const std::string& text, std::size_t block = 4 << 20, std::size_t max = 64 << 20) {
  try {
    (void)records_of(text, block, max);
  } catch (const input_error& e) {
    return e;
  }
  BOOST_FAIL("expected an input_error for " << text);
  return input_error("", {}, "");
}

/// A cell written as CSV: quoted when it must be (or when `force`), quotes doubled.
std::string write_cell(const std::string& cell, bool force) {
  const bool quote = force || cell.find_first_of(",\"\r\n") != std::string::npos;
  if (!quote) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

BOOST_AUTO_TEST_SUITE(stripe_csv)

BOOST_AUTO_TEST_CASE(D2_fields_quotes_and_line_ends) {
  const std::string text =
      "a,b,c\r\n"
      "1,\"x,y\",\"say \"\"hi\"\"\"\n"
      "\"multi\nline\",,\"\"\n"
      "last,\"crlf\r\ninside\",end";
  const std::vector<record> expected{{1, {"a", "b", "c"}},
                                     {2, {"1", "x,y", "say \"hi\""}},
                                     {3, {"multi\nline", "", ""}},
                                     {5, {"last", "crlf\r\ninside", "end"}}};
  BOOST_TEST(records_of(text) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(D2_blank_lines_are_skipped_and_D1_lines_keep_counting) {
  const std::vector<record> expected{{2, {"a"}}, {4, {"b"}}, {7, {"", ""}}};
  BOOST_TEST(records_of("\na\n\r\nb\n\n\n,\n\n") == expected, boost::test_tools::per_element());
  BOOST_TEST(records_of("").empty());
  BOOST_TEST(records_of("\n\r\n\n").empty());
}

BOOST_AUTO_TEST_CASE(D2_a_byte_order_mark_is_ignored) {
  const std::vector<record> expected{{1, {"event_name", "x"}}};
  BOOST_TEST(records_of("\xEF\xBB\xBF"
                        "event_name,x\n") == expected,
             boost::test_tools::per_element());
  BOOST_TEST(records_of("\xEF\xBB\xBF").empty());
}

BOOST_AUTO_TEST_CASE(D2_a_quoted_empty_record_is_not_a_blank_line) {
  const std::vector<record> expected{{1, {""}}};
  BOOST_TEST(records_of("\"\"\n") == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(D1_cells_know_their_line_and_column) {
  input_source source = input_source::from_text("h1,h2,h3\nab,\"c\nd\",e\n", "t.csv");
  const read_options options;
  csv_reader csv(source, options);
  BOOST_REQUIRE(csv.next());
  BOOST_TEST(csv.cell_position(2).column == 7u);
  BOOST_REQUIRE(csv.next());
  BOOST_TEST(csv.line() == 2u);
  BOOST_TEST(csv.cell_position(1).line == 2u);
  BOOST_TEST(csv.cell_position(1).column == 4u);
  BOOST_TEST(csv.cell_position(2).line == 3u);
  BOOST_TEST(csv.cell_position(2).column == 4u);
  BOOST_TEST(!csv.next());
}

BOOST_AUTO_TEST_CASE(D6_malformed_quoting_is_an_input_error_at_its_place) {
  struct row {
    std::string text;
    text_position at;
    std::string contains;
  };
  const row rows[] = {
      {"a,b\n1,x\"y\n", {2, 4}, "inside an unquoted field"},
      {"a,b\n1,\"x\"y\n", {2, 6}, "after a closing quote"},
      {"a,b\n1,\"x\n\n", {2, 3}, "not closed"},
      {"a,b\n\"1\n2\n3,\"4\n", {4, 4}, "after a closing quote"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.text) {
      const auto e = error_of(r.text);
      BOOST_TEST(e.file() == "t.csv");
      BOOST_TEST(e.line() == r.at.line);
      BOOST_TEST(e.column() == r.at.column);
      BOOST_TEST(e.message().find(r.contains) != std::string::npos, e.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(D6_binary_data_is_an_input_error_not_garbage_cells) {
  const auto nul = error_of(std::string("a,b\n1,\0\n", 8));
  BOOST_TEST(nul.line() == 2u);
  BOOST_TEST(nul.column() == 3u);
  BOOST_TEST(nul.message().find("NUL byte") != std::string::npos);
  const auto bad = error_of("a,b\n\"1\n\xFF\",2\n");
  BOOST_TEST(bad.line() == 3u);
  BOOST_TEST(bad.column() == 1u);
  BOOST_TEST(bad.message().find("invalid UTF-8") != std::string::npos);
  BOOST_TEST(records_of("caf\xC3\xA9,\xE2\x82\xAC\n").size() == 1u);
}

BOOST_AUTO_TEST_CASE(D6_an_oversized_record_is_an_input_error_not_an_allocation) {
  const auto plain = error_of("a\n" + std::string(5000, 'x') + "\n", 64, 1000);
  BOOST_TEST(plain.line() == 2u);
  BOOST_TEST(plain.message().find("longer than 1000 bytes") != std::string::npos);
  const auto open_quote = error_of("a\n\"" + std::string(5000, '\n'), 64, 1000);
  BOOST_TEST(open_quote.line() == 2u);
  BOOST_TEST(open_quote.message().find("is a quoted field not closed?") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(D6_a_record_with_too_many_fields_is_an_input_error) {
  const std::string many(csv_reader::max_fields, ',');  // max_fields + 1 empty fields
  const auto plain = error_of("a\n" + many + "\n");
  BOOST_TEST(plain.line() == 2u);
  BOOST_TEST(plain.column() == csv_reader::max_fields + 1);
  BOOST_TEST(plain.message().find("more than 65536 fields") != std::string::npos);
  const auto quoted = error_of("\"a\"" + many + "\n");
  BOOST_TEST(quoted.message().find("more than 65536 fields") != std::string::npos);
  BOOST_TEST(records_of(std::string(csv_reader::max_fields - 1, ',') + "\n").front().cells.size() ==
             csv_reader::max_fields);
}

BOOST_AUTO_TEST_CASE(D2_written_records_read_back_identically_at_any_block_size) {
  const auto seed = std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  const std::string pieces[] = {"a", "bc", ",", "\"", "\n", "\r\n", " ", "x\"y", "\xC3\xA9", ""};
  for (int round = 0; round < 1500; ++round) {
    const std::size_t width = 1 + rng() % 4;
    std::vector<record> expected;
    std::string text = rng() % 4 == 0 ? "\xEF\xBB\xBF" : "";
    std::uint64_t line = 1;
    for (auto rows = rng() % 6; rows > 0; --rows) {
      if (rng() % 5 == 0) {  // a blank line
        text += rng() % 2 ? "\n" : "\r\n";
        ++line;
        continue;
      }
      record r{line, {}};
      std::string written;
      for (std::size_t c = 0; c < width; ++c) {
        std::string cell;
        for (auto n = rng() % 3; n > 0; --n) cell += pieces[rng() % std::size(pieces)];
        // A row of one empty unquoted cell would be a blank line: quote it.
        written += (c ? "," : "") + write_cell(cell, rng() % 3 == 0 || (width == 1 && cell.empty()));
        r.cells.push_back(cell);
      }
      for (char ch : written) line += ch == '\n';
      text += written + (rng() % 2 ? "\n" : "\r\n");
      ++line;
      expected.push_back(r);
    }
    if (!text.empty() && rng() % 3 == 0 && text.back() == '\n' && !expected.empty()) {
      text.pop_back();  // no line end after the last record
      if (text.back() == '\r') text.pop_back();
    }
    const auto got = records_of(text);
    bool same = got == expected;
    for (std::size_t block : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}})
      same = same && records_of(text, block) == expected;
    if (!same) {
      BOOST_TEST(false, "seed " << seed << " round " << round);
      BOOST_TEST(got == expected, boost::test_tools::per_element());
      return;
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
