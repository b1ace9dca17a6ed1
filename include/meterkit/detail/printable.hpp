// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Implementation detail: text from inputs made safe to print on a terminal. Messages echo what
/// an input held (a value, a key, a path, a file name); a control character in it would reach the
/// terminal and could move the cursor, clear the screen or forge a line. `printable` escapes them
/// so that they show as text.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace meterkit::detail {

/// `text` with every control character escaped: the C0 controls (U+0000-U+001F, line feed and
/// tab included) and DEL as `\xNN` (so ESC shows as `\x1b`), the C1 controls (U+0080-U+009F,
/// which some terminals obey as ESC sequences) as `\u00NN`, and each byte that is not part of
/// valid UTF-8 as `\xNN`. Everything else, backslashes included, is kept as it is.
[[nodiscard]] inline std::string printable(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  const auto escape = [](std::string& out, const char* prefix, unsigned value) {
    out += prefix;
    out += hex[(value >> 4) & 0xf];
    out += hex[value & 0xf];
  };
  std::string out;
  out.reserve(text.size());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      escape(out, "\\x", c);
      ++i;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // A UTF-8 sequence: its length and first code point bits, then its continuation bytes.
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07u;
    }
    bool valid = len != 0 && i + len <= n;
    for (std::size_t k = 1; valid && k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      valid = (b & 0xc0u) == 0x80u;
      cp = (cp << 6) | (b & 0x3fu);
    }
    valid = valid && !((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
                       (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff);
    if (!valid) {
      escape(out, "\\x", c);
      ++i;
    } else if (cp >= 0x80 && cp <= 0x9f) {
      escape(out, "\\u00", cp);
      i += len;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

}  // namespace meterkit::detail
