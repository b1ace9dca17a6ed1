// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Records of a CSV file (RFC 4180), read in large blocks without a per-field allocation
/// (SPEC D1, D2, D6).
///
/// - Fields are separated by `,`, records by `\n` or `\r\n`. A field in double quotes may hold
///   commas, line breaks and doubled quotes (`""` is one `"`).
/// - A UTF-8 byte order mark at the start is skipped; empty physical lines are skipped (D2).
/// - A record is numbered by its first physical line (D1); every cell knows its line and column.
/// - Unusable text raises `input_error` at the exact line and column: a quote inside an unquoted
///   field, text after a closing quote, a quoted field that is never closed, a NUL byte or invalid
///   UTF-8 (binary data), a record longer than `max_record_bytes`.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <meterkit/core/error.hpp>
#include <meterkit/stripe/input_error.hpp>
#include <meterkit/stripe/input_source.hpp>

namespace meterkit {

/// Reads the records of one CSV input, one at a time.
class csv_reader {
 public:
  /// The most fields one record may have; more makes the input unusable (a binary or mangled file
  /// would otherwise cost memory per field).
  static constexpr std::size_t max_fields = 65536;

  csv_reader(input_source& source, const read_options& options) : buffer_(source, options) {
    buffer_.skip_bom();
  }

  /// Moves to the next record that is not an empty line; false at the end of the input. The cells
  /// stay valid until the next call.
  bool next() {
    for (;;) {
      buffer_.consume(pending_);
      pending_ = 0;
      line_ = next_line_;
      std::size_t length = 0;
      std::size_t newlines = 0;
      bool quoted = false;
      if (!find_record(length, newlines, quoted)) return false;
      next_line_ = line_ + newlines;
      char* record = buffer_.data();
      std::size_t content = length;
      if (pending_ > length && content > 0 && record[content - 1] == '\r') --content;  // CRLF
      if (content == 0) continue;                                                      // an empty line (D2)
      check_text(std::string_view(record, content));
      cells_.clear();
      places_.clear();
      if (!quoted) {
        split_plain(record, content);
      } else {
        split_quoted(record, content);
      }
      return true;
    }
  }

  /// The cells of the current record.
  [[nodiscard]] std::span<const std::string_view> cells() const noexcept { return cells_; }
  /// The first physical line of the current record (D1).
  [[nodiscard]] std::uint64_t line() const noexcept { return line_; }
  /// Where cell `i` of the current record starts.
  [[nodiscard]] text_position cell_position(std::size_t i) const noexcept {
    return i < places_.size() ? places_[i] : text_position{line_, 1};
  }
  /// Where the current record ends (for "missing cells" messages).
  [[nodiscard]] text_position end_position() const noexcept { return end_; }
  [[nodiscard]] const std::string& name() const noexcept { return buffer_.source().name(); }

 private:
  [[noreturn]] void fail(text_position at, const std::string& message) const {
    METERKIT_THROW(input_error(buffer_.source().name(), at, message));
  }

  /// Finds the end of the record at the start of the buffer: `length` bytes before its `\n` (or
  /// the end of the input), `newlines` physical lines in it, `quoted` whether it has a `"`.
  bool find_record(std::size_t& length, std::size_t& newlines, bool& quoted) {
    std::size_t scanned = 0;
    bool in_quotes = false;
    newlines = 1;
    quoted = false;
    for (;;) {
      const std::string_view a = buffer_.available();
      if (!quoted) {
        // Fast path: no quote before the next newline.
        const void* nl =
            a.size() > scanned ? std::memchr(a.data() + scanned, '\n', a.size() - scanned) : nullptr;
        const std::size_t stop =
            nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - a.data()) : a.size();
        const void* q = stop > scanned ? std::memchr(a.data() + scanned, '"', stop - scanned) : nullptr;
        if (q == nullptr) {
          if (nl != nullptr) {
            length = stop;
            pending_ = stop + 1;
            return true;
          }
          scanned = stop;
        } else {
          quoted = true;
        }
      }
      if (quoted) {
        for (; scanned < a.size(); ++scanned) {
          const char c = a[scanned];
          if (c == '"') {
            in_quotes = !in_quotes;
          } else if (c == '\n') {
            if (!in_quotes) {
              length = scanned;
              pending_ = scanned + 1;
              return true;
            }
            ++newlines;
          }
        }
      }
      const std::size_t limit = buffer_.options().max_record_bytes;
      if (scanned > limit) {
        fail({line_, 1}, "this CSV record is longer than " + std::to_string(limit) +
                             " bytes, the limit for one record" +
                             (in_quotes ? "; is a quoted field not closed?" : ""));
      }
      if (!buffer_.fill()) {
        length = buffer_.available().size();
        pending_ = length;
        return length != 0;
      }
    }
  }

  void add_cell(const char* data, std::size_t size, text_position at) {
    if (cells_.size() == max_fields) {
      fail(at, "more than " + std::to_string(max_fields) + " fields in one record; is this a CSV file?");
    }
    cells_.emplace_back(data, size);
    places_.push_back(at);
  }

  void check_text(std::string_view record) const {
    const std::size_t bad = detail::find_invalid_utf8(record);
    if (bad == record.size()) return;
    const text_position at = detail::advance_position(record, bad, {line_, 1});
    fail(at, record[bad] == '\0' ? "a NUL byte: expected CSV text (is this a binary file?)"
                                 : "invalid UTF-8 (" + detail::describe_byte(record[bad]) +
                                       "): expected CSV text in UTF-8 (is this a binary file?)");
  }

  void split_plain(char* record, std::size_t length) {
    std::size_t start = 0;
    for (;;) {
      const void* comma = std::memchr(record + start, ',', length - start);
      const std::size_t stop =
          comma ? static_cast<std::size_t>(static_cast<const char*>(comma) - record) : length;
      add_cell(record + start, stop - start, {line_, start + 1});
      if (comma == nullptr) break;
      start = stop + 1;
    }
    end_ = {line_, length + 1};
  }

  /// The slow path: quoted fields, unescaped in place (they only get shorter).
  void split_quoted(char* r, std::size_t length) {
    std::uint64_t line = line_;
    std::size_t line_start = 0;
    std::size_t pos = 0;
    const auto place = [&](std::size_t offset) { return text_position{line, offset - line_start + 1}; };
    for (;;) {
      const text_position at = place(pos);
      if (pos < length && r[pos] == '"') {
        const std::size_t cell_begin = pos;  // unescaped text is written from here on
        std::size_t write = pos;
        std::size_t read = pos + 1;
        for (;;) {
          std::size_t q = read;
          while (q < length && r[q] != '"') {
            if (r[q] == '\n') {
              ++line;
              line_start = q + 1;
            }
            ++q;
          }
          if (q >= length)
            fail(at, "this quoted field is not closed; expected a '\"' before the end of the file");
          std::memmove(r + write, r + read, q - read);
          write += q - read;
          if (q + 1 < length && r[q + 1] == '"') {
            r[write++] = '"';
            read = q + 2;
            continue;
          }
          pos = q + 1;
          break;
        }
        add_cell(r + cell_begin, write - cell_begin, at);
        if (pos < length && r[pos] != ',') {
          fail(place(pos), "expected ',' or the end of the line after a closing quote, found " +
                               detail::describe_byte(r[pos]));
        }
      } else {
        std::size_t stop = pos;
        while (stop < length && r[stop] != ',') {
          if (r[stop] == '"') {
            fail(place(stop),
                 "a '\"' inside an unquoted field; quote the whole field and double the quote (\"\")");
          }
          ++stop;
        }
        add_cell(r + pos, stop - pos, at);
        pos = stop;
      }
      if (pos >= length) break;
      ++pos;  // the comma
    }
    end_ = place(length);
  }

  detail::block_buffer buffer_;
  std::size_t pending_ = 0;
  std::uint64_t line_ = 1;
  std::uint64_t next_line_ = 1;
  std::vector<std::string_view> cells_;
  std::vector<text_position> places_;
  text_position end_{};
};

}  // namespace meterkit
