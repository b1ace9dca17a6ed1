// SPDX-License-Identifier: MIT
// Fuzzes decimal parsing (D8) and the checked arithmetic on what it parses. Input: two texts
// separated by the first newline. Properties: parse and parse_or_reason agree; the canonical text
// parses back to the same value; checked add, sub, mul, divide-and-round agree with a 128-bit
// reference and report overflow exactly when the exact result leaves the range.
#include <meterkit/core/decimal.hpp>

#include <limits>
#include <optional>
#include <variant>

#include "fuzz_common.hpp"

namespace {
namespace mk = meterkit;
using mk::int128;

std::optional<mk::decimal> parse_checked(std::string_view text) {
  const auto r = mk::decimal::parse(text, "fuzz");
  const auto v = mk::decimal::parse_or_reason(text);
  mk::fuzz::require(r.has_value() == std::holds_alternative<mk::decimal>(v),
                    "parse and parse_or_reason disagree");
  if (!r) {
    mk::fuzz::require(r.error().code == mk::error_code::invalid_decimal, "a refusal without invalid_decimal");
    mk::fuzz::require(!r.error().message.empty() && r.error().param == "fuzz", "a refusal without message");
    return std::nullopt;
  }
  const mk::decimal d = r.value();
  mk::fuzz::require(std::get<mk::decimal>(v) == d, "parse and parse_or_reason give different values");
  mk::fuzz::require(!d.is_negative(), "D8 spellings are never negative");
  const auto back = mk::decimal::parse(d.to_string());
  mk::fuzz::require(back.has_value() && back.value() == d, "to_string does not parse back: " + d.to_string());
  mk::fuzz::require(d.to_string().size() <= text.size() || text.empty(), "the canonical text is longer");
  return d;
}

int128 abs128(int128 v) { return v < 0 ? -v : v; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all = mk::fuzz::text_of(data, size);
  const std::size_t nl = all.find('\n');
  const auto a = parse_checked(all.substr(0, nl));
  if (nl == std::string_view::npos || !a) return 0;
  const auto b = parse_checked(all.substr(nl + 1));
  if (!b) return 0;

  const int128 max = mk::decimal::max_raw;
  const int128 sum = a->raw() + b->raw();
  const auto added = mk::checked_add(*a, *b);
  mk::fuzz::require(added.has_value() == (sum <= max), "checked_add reports overflow wrongly");
  if (added) mk::fuzz::require(added->raw() == sum, "checked_add is not exact");
  const auto subtracted = mk::checked_sub(*a, *b);
  mk::fuzz::require(subtracted.has_value() && subtracted->raw() == a->raw() - b->raw(),
                    "checked_sub is wrong");
  const auto negated = mk::checked_neg(*b);
  mk::fuzz::require(negated.has_value() && negated->raw() == -b->raw(), "checked_neg is wrong");

  // b's whole part as an integer factor, with the sign taken from a's last digit.
  const int128 whole = b->raw() / mk::decimal::scale;
  if (whole > std::numeric_limits<std::int64_t>::max()) return 0;
  const auto q = static_cast<std::int64_t>(whole) * ((a->raw() % 2 == 0) ? 1 : -1);
  const auto product = mk::checked_mul(*a, q);
  const bool fits = q == 0 || abs128(a->raw()) <= max / abs128(static_cast<int128>(q));
  mk::fuzz::require(product.has_value() == fits, "checked_mul reports overflow wrongly");
  if (product && q != 0) mk::fuzz::require(product->raw() / q == a->raw(), "checked_mul is not exact");

  if (q > 0) {
    // Half away from zero (the default policy): |a| / (q x scale), rounded.
    const int128 den = static_cast<int128>(q) * mk::decimal::scale;
    int128 quotient = a->raw() / den;
    const int128 rest = a->raw() % den;
    if (2 * abs128(rest) >= den) quotient += 1;
    const auto rounded = mk::checked_divide_and_round(*a, q);
    const bool in_range = quotient <= std::numeric_limits<std::int64_t>::max();
    mk::fuzz::require(rounded.has_value() == in_range, "checked_divide_and_round reports overflow wrongly");
    if (rounded)
      mk::fuzz::require(*rounded == static_cast<std::int64_t>(quotient), "divide_and_round is wrong");
  }
  return 0;
}
