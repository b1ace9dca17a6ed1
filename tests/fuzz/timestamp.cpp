// SPDX-License-Identifier: MIT
// Fuzzes time parsing (D4): unix seconds and RFC 3339. Properties: whatever parses lies in
// 1970-01-01 ... 9999-12-31; parse_time dispatches to the form the text is written in; the RFC
// 3339 rendering parses back to the same instant by both parsers; a `Z` time without fraction or
// leap second renders back to its own text (upper-cased).
#include <meterkit/core/time.hpp>

#include <cctype>

#include "fuzz_common.hpp"

namespace {
namespace mk = meterkit;

void check_round_trip(mk::timestamp t) {
  mk::fuzz::require(mk::in_supported_range(t), "a parsed time outside 1970 ... 9999");
  const std::string text = mk::format_rfc3339(t);
  const auto back = mk::parse_rfc3339(text);
  mk::fuzz::require(back.has_value() && back.value() == t, "format_rfc3339 does not parse back: " + text);
  const auto unix_text = std::to_string(mk::to_unix(t));
  const auto unix_back = mk::parse_unix_seconds(unix_text);
  mk::fuzz::require(unix_back.has_value() && unix_back.value() == t, "unix seconds do not parse back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = mk::fuzz::text_of(data, size);
  const auto as_unix = mk::parse_unix_seconds(text);
  const auto as_rfc = mk::parse_rfc3339(text);
  const auto either = mk::parse_time(text);
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
  mk::fuzz::require(!as_unix || digits, "unix seconds accepted a non-digit");
  mk::fuzz::require(either.has_value() == (digits ? as_unix.has_value() : as_rfc.has_value()),
                    "parse_time does not follow the form of the text");
  for (const auto* r : {&as_unix, &as_rfc, &either}) {
    if (*r) {
      check_round_trip(r->value());
    } else {
      mk::fuzz::require(!r->error().message.empty(), "a refusal without a message");
    }
  }
  if (as_unix) {
    std::size_t first = text.find_first_not_of('0');
    const std::string_view significant = first == std::string_view::npos ? "0" : text.substr(first);
    mk::fuzz::require(std::to_string(mk::to_unix(as_unix.value())) == significant, "unix seconds misread");
  }
  if (as_rfc && text.size() == 20 && (text[19] == 'Z' || text[19] == 'z') && text.substr(17, 2) != "60") {
    std::string upper(text);
    upper[10] = 'T';
    upper[19] = 'Z';
    mk::fuzz::require(mk::format_rfc3339(as_rfc.value()) == upper, "a Z time renders differently: " + upper);
  }
  return 0;
}
