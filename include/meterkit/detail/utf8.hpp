// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Implementation detail: the length of UTF-8 text as Stripe counts it, in characters.

#include <cstddef>
#include <string_view>

namespace meterkit::detail {

/// The number of characters in `text`: every byte that does not continue a UTF-8 sequence
/// (`10xxxxxx`) starts one. Stripe's length limits (idempotency keys, I1; meter event names and
/// identifiers, M2) count characters, not bytes.
[[nodiscard]] constexpr std::size_t character_count(std::string_view text) noexcept {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1U : 0U;
  return n;
}

}  // namespace meterkit::detail
