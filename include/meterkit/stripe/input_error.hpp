// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// An unusable input file: where (file, line, column) and what was expected (SPEC D6; CONTRACT.md
/// "Exit status": a message on standard error that names the file, line and column).
///
/// Readers of the Stripe adapter raise `input_error` (through `METERKIT_THROW`) for malformed input:
/// invalid JSON or CSV, wrong container types, a time that is not a time, an unknown request path,
/// a line longer than the limit, an empty file. Problems with *values* (M3, M4, M6, L1, D17) are not
/// input errors: they become rejections with a code when the request is replayed.
///
/// Lines and columns are 1-based; a column counts bytes from the start of its physical line. A
/// problem with the whole file (it cannot be opened) has line 0 and prints as `file: message`.
///
/// Messages echo input text (a value, a path, a key, the file's name); `what()` has its control
/// characters escaped (`\x1b` for ESC: detail/printable.hpp), so that printing it cannot drive a
/// terminal. `file()` and `message()` are as given.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <meterkit/core/error.hpp>
#include <meterkit/detail/printable.hpp>

namespace meterkit {

/// A line and a column of a text, both 1-based; line 0 means "the whole file".
struct text_position {
  std::uint64_t line = 0;
  std::uint64_t column = 0;

  friend bool operator==(const text_position&, const text_position&) = default;
};

/// A file that cannot be used, with the position of the problem and what was expected there. A
/// `meterkit::error` with code `invalid_input`.
class input_error : public error {
 public:
  input_error(std::string file, text_position where, std::string message)
      : error(error_code::invalid_input, format(file, where, message)),
        file_(std::move(file)),
        where_(where),
        message_(std::move(message)) {}

  /// The file as it was named on the command line (D1).
  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] std::uint64_t line() const noexcept { return where_.line; }
  [[nodiscard]] std::uint64_t column() const noexcept { return where_.column; }
  [[nodiscard]] text_position position() const noexcept { return where_; }
  /// What was wrong and what was expected, without the position.
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

  /// `file:line:column: message`, or `file: message` for line 0, with control characters escaped.
  [[nodiscard]] static std::string format(const std::string& file, text_position where,
                                          const std::string& message) {
    std::string out = detail::printable(file);
    if (where.line != 0) {
      out += ':';
      out += std::to_string(where.line);
      out += ':';
      out += std::to_string(where.column == 0 ? 1 : where.column);
    }
    out += ": ";
    out += detail::printable(message);
    return out;
  }

 private:
  std::string file_;
  text_position where_;
  std::string message_;
};

namespace detail {

/// The position of byte `offset` of `text`, whose first byte is at `origin`.
[[nodiscard]] constexpr text_position advance_position(std::string_view text, std::size_t offset,
                                                       text_position origin = {1, 1}) noexcept {
  text_position at = origin;
  if (offset > text.size()) offset = text.size();
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      ++at.column;
    }
  }
  return at;
}

/// A printable description of one byte for messages: `'x'` for printable ASCII, `byte 0x89` else.
[[nodiscard]] inline std::string describe_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "byte 0x";
  out += hex[u >> 4];
  out += hex[u & 0xf];
  return out;
}

/// Checks `text` for what a text input may not hold: NUL bytes and invalid UTF-8. Returns the
/// offset of the first bad byte, or `text.size()` when the text is clean.
[[nodiscard]] inline std::size_t find_invalid_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // Fast path: 8 ASCII bytes, none of them NUL.
    if (i + 8 <= n) {
      std::uint64_t w = 0;
      for (std::size_t k = 0; k < 8; ++k) w |= static_cast<std::uint64_t>(p[i + k]) << (8 * k);
      const bool ascii = (w & 0x8080808080808080ULL) == 0;
      const bool has_zero = ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) != 0;
      if (ascii && !has_zero) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = p[i];
    if (c == 0) return i;
    if (c < 0x80) {
      ++i;
      continue;
    }
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
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0u) != 0x80u) return i;
      cp = (cp << 6) | (p[i + k] & 0x3fu);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    const bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
    if (overlong || surrogate || cp > 0x10ffff) return i;
    i += len;
  }
  return n;
}

}  // namespace detail

}  // namespace meterkit
