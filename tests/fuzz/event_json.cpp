// SPDX-License-Identifier: MIT
// Fuzzes the bulk JSON and JSONL readers (CONTRACT.md input formats, D1-D7): the same bytes are read
// as a .json array and as .jsonl lines. Properties: no crash, hang or exception other than
// input_error (which names the file); the same requests or the same error whatever the read block
// size; what is read replays through the simulator with counts that reconcile and invoices whose
// totals are the sums of their lines. Strictness: an accepted text holds no NUL byte; a NUL put in
// one of its lines (or anywhere in an array), and a value or stray byte after a line's object (or
// after the array), are refused with input_error.
#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_common.hpp"

namespace {
namespace mk = meterkit;
using namespace std::string_view_literals;

/// What may not follow a JSON value on its line: a second value, a stray byte, a NUL.
constexpr std::array trailing{" {}"sv, "{}"sv, " 0"sv, "\t[]"sv, "x"sv, " \"\""sv, "\0"sv, ","sv};

bool refused(const std::string& text, const std::string& name, mk::usage_format format) {
  try {
    (void)mk::read_usage_text(text, name, format);
  } catch (const mk::input_error& e) {
    const std::string what = e.what();
    mk::fuzz::require(what.rfind(name, 0) == 0,
                      "an input error that does not start with the file name: " + what);
    return true;
  }
  return false;
}

/// `text` was read as `format` into at least one request: spoil one of its lines (chosen by the
/// text) with a NUL or with trailing bytes after its value; each must be refused.
void require_strict(std::string_view text, const std::string& name, mk::usage_format format) {
  mk::fuzz::require(text.find('\0') == std::string_view::npos,
                    "a text with a NUL byte was accepted as " + name);
  const std::size_t pick = text.size() * 7919;
  std::string with_nul(text);
  with_nul.insert(with_nul.begin() + static_cast<std::ptrdiff_t>(pick % (text.size() + 1)), '\0');
  mk::fuzz::require(refused(with_nul, name, format),
                    "a text with a NUL byte inserted was accepted as " + name);
  const std::string_view after = trailing[text.size() % trailing.size()];
  if (format == mk::usage_format::bulk_json) {
    mk::fuzz::require(refused(std::string(text) + std::string(after), name, format),
                      "a JSON array followed by trailing bytes was accepted");
    return;
  }
  // The ends of the lines that are not blank (D1: blank lines are skipped).
  std::vector<std::pair<std::size_t, std::size_t>> lines;
  for (std::size_t begin = 0; begin < text.size();) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::size_t content = end;
    if (content > begin && text[content - 1] == '\r') --content;
    if (text.substr(begin, content - begin).find_first_not_of(" \t\r") != std::string_view::npos)
      lines.emplace_back(begin, content);
    begin = end + 1;
  }
  mk::fuzz::require(!lines.empty(), "requests read from a text of blank lines");
  const auto [begin, end] = lines[pick % lines.size()];
  std::string line_nul(text), line_trailing(text);
  line_nul.insert(begin + pick % (end - begin + 1), 1, '\0');
  line_trailing.insert(end, after);
  mk::fuzz::require(refused(line_nul, name, format), "a line with a NUL byte was accepted in " + name);
  mk::fuzz::require(refused(line_trailing, name, format),
                    "a line with bytes after its value was accepted in " + name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = mk::fuzz::text_of(data, size);
  for (const auto& [name, format] : {std::pair{"fuzz.json", mk::usage_format::bulk_json},
                                     std::pair{"fuzz.jsonl", mk::usage_format::bulk_jsonl}}) {
    const auto requests = mk::fuzz::read_both_ways(text, name, format);
    if (!requests.empty()) require_strict(text, name, format);
    mk::fuzz::replay(requests);
  }
  return 0;
}
