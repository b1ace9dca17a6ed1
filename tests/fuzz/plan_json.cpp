// SPDX-License-Identifier: MIT
// Fuzzes the plan reader (D9-D11, CONTRACT.md plan file). Properties: no crash, hang or exception
// other than input_error, which names the file with a line and column inside the text; a plan the
// reader accepts holds no NUL byte, and the same text with a NUL put anywhere in it or with a
// value or other bytes after the JSON value is refused with input_error (trailing whitespace is
// not: the plan is the same); an accepted plan is valid (the simulator takes it without a
// configuration_error) and yields, 40 days after its earliest start and as of 9999-12-31, invoices
// whose totals are the sums of their lines, no more cycle invoices than `cycle_invoice_count`
// counts (D20). A plan whose cycles make more than a few hundred invoices by then is asked as of
// the latest time within that bound instead (`bounded_until`).
#include <meterkit/billing/plan.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"

namespace {
namespace mk = meterkit;

/// Reads `text`; nothing when it is refused (with an error naming the file, line and column).
std::optional<mk::plan> read(std::string_view text) {
  try {
    return mk::read_plan_text(text, "fuzz.plan.json");
  } catch (const mk::input_error& e) {
    const std::string what = e.what();
    mk::fuzz::require(what.rfind("fuzz.plan.json:", 0) == 0,
                      "a plan error without file:line:column: " + what);
    return std::nullopt;
  }
}

/// An accepted plan text, spoiled: a NUL byte at a place chosen by the text, and after the value
/// a second value or a stray byte. Each must be refused; trailing whitespace must not change it.
void require_strict(std::string_view text, const mk::plan& p) {
  mk::fuzz::require(text.find('\0') == std::string_view::npos, "a plan with a NUL byte was accepted");
  std::string with_nul(text);
  with_nul.insert(with_nul.begin() + static_cast<std::ptrdiff_t>(text.size() * 7919 % (text.size() + 1)),
                  '\0');
  mk::fuzz::require(!read(with_nul), "a plan with a NUL byte inserted was accepted");
  using namespace std::string_view_literals;
  static constexpr std::array trailing{"{}"sv, " 0"sv, "\n[]"sv, "x"sv, "\"\""sv, "\n\0"sv};
  const std::string_view after = trailing[text.size() % trailing.size()];
  mk::fuzz::require(!read(std::string(text) + std::string(after)),
                    "a plan followed by trailing bytes was accepted");
  const auto spaced = read(std::string(text) + " \t\r\n");
  mk::fuzz::require(spaced && *spaced == p, "trailing whitespace changes the plan");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = mk::fuzz::text_of(data, size);
  const auto p = read(text);
  if (!p) return 0;
  require_strict(text, *p);
  mk::invoice_simulator sim(*p);  // a configuration_error here means the reader let an invalid plan through
  if (p->subscriptions.empty()) return 0;
  mk::timestamp start = mk::latest_time;
  for (const auto& s : p->subscriptions) start = std::min(start, s.start_date);
  for (const auto wanted : {std::min(mk::latest_time, start + mk::seconds{40 * 86400}), mk::latest_time}) {
    const auto until = mk::fuzz::bounded_until(sim.compiled(), wanted);
    if (!until) continue;
    try {
      const auto r = sim.result(*until);
      mk::fuzz::require_counted(sim.compiled(), r, *until);
      for (const auto& inv : r.invoices) {
        std::int64_t total = 0;
        for (const auto& line : inv.lines) total += line.amount;
        mk::fuzz::require(total == inv.total, "an invoice total is not the sum of its lines");
      }
    } catch (const mk::overflow_error&) {
      // an amount beyond 64 bits: reported, never wrapped
    }
  }
  return 0;
}
