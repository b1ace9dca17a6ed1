// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The bytes of one input (a file or a string), read in large blocks, with bounded memory
/// (SPEC D1, D6; CONTRACT.md "a run never ends in a crash, a hang or a partial output file").
///
/// Every reader of the adapter pulls its bytes through `input_source` and `detail::block_buffer`:
/// one allocation of a few MiB, no per-line allocation, and a hard limit on the size of one record
/// (a line, a CSV record, a JSON array element) so that a 2 GB line or a binary file ends in an
/// `input_error` that says so instead of exhausting memory.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include <meterkit/core/error.hpp>
#include <meterkit/stripe/input_error.hpp>

namespace meterkit {

/// How the readers read. The defaults suit files of any size.
struct read_options {
  /// The largest record (a line, a CSV record, a JSON array element) a reader accepts; a longer one
  /// makes the input unusable (D6) instead of exhausting memory.
  std::size_t max_record_bytes = std::size_t{64} << 20;
  /// How many bytes one read asks for.
  std::size_t block_bytes = std::size_t{4} << 20;
  /// Called after every block with the bytes read so far and the file's size (0 if unknown).
  std::function<void(std::uint64_t bytes_read, std::uint64_t total_bytes)> progress;
  /// D29 (`--keep-going`): where a record that cannot be used goes instead of ending the read. The
  /// reader calls it with the record's error and goes on with the next record. Errors that leave
  /// no way to find the next record, or make the whole input unusable, still end the read: an
  /// empty file or a bad header, a record over `max_record_bytes`, a CSV quote never closed, a
  /// JSON array that is not well formed. Empty: every error ends the read.
  std::function<void(const input_error&)> unusable;
  /// Whether a request-log line with an idempotency key gets its fingerprint (D19): a read that
  /// only checks the inputs (`replay_files`' first read) needs none, and a line's canonical form
  /// is a good part of its cost.
  bool fingerprints = true;
};

namespace detail {
/// `convert()`, the one record a reader is at; with `options.unusable` (D29), an `input_error`
/// it raises goes there and the record is skipped (nullopt).
template <class Convert>
[[nodiscard]] auto one_record(const read_options& options, Convert&& convert)
    -> std::optional<std::decay_t<decltype(convert())>> {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
  if (options.unusable) {
    try {
      return convert();
    } catch (const input_error& e) {
      options.unusable(e);
      return std::nullopt;
    }
  }
#endif
  return convert();
}
}  // namespace detail

/// The bytes of one input and the name it is reported under (D1: the path as given).
class input_source {
 public:
  /// Opens `path` for reading; `name` (default: `path`) is how sources and errors name it.
  /// Raises `input_error` when the file cannot be opened.
  [[nodiscard]] static input_source open_file(const std::string& path, std::string name = {}) {
    input_source s;
    s.name_ = name.empty() ? path : std::move(name);
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      METERKIT_THROW(input_error(s.name_, {}, "is a directory, expected a file"));
    }
    errno = 0;
    s.file_.reset(std::fopen(path.c_str(), "rb"));
    if (!s.file_) {
      const int e = errno;
      METERKIT_THROW(
          input_error(s.name_, {}, std::string("cannot open: ") + (e ? std::strerror(e) : "unknown error")));
    }
    const auto size = std::filesystem::file_size(path, ec);
    s.size_ = ec ? 0 : static_cast<std::uint64_t>(size);
    return s;
  }

  /// An input held in memory (tests, standard input read beforehand).
  [[nodiscard]] static input_source from_text(std::string text, std::string name) {
    input_source s;
    s.name_ = std::move(name);
    s.size_ = text.size();
    s.text_ = std::move(text);
    return s;
  }

  /// Reads up to `n` bytes into `out`; 0 means the end of the input. Raises `input_error` on a read
  /// error.
  std::size_t read(char* out, std::size_t n) {
    std::size_t got = 0;
    if (file_) {
      got = std::fread(out, 1, n, file_.get());
      if (got < n && std::ferror(file_.get())) {
        const int e = errno;
        METERKIT_THROW(
            input_error(name_, {}, std::string("cannot read: ") + (e ? std::strerror(e) : "read error")));
      }
    } else {
      got = std::min(n, text_.size() - text_pos_);
      if (got != 0) std::memcpy(out, text_.data() + text_pos_, got);
      text_pos_ += got;
    }
    bytes_read_ += got;
    return got;
  }

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// The size of the input in bytes, 0 when unknown.
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  [[nodiscard]] std::uint64_t bytes_read() const noexcept { return bytes_read_; }

 private:
  struct file_closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  input_source() = default;

  std::string name_;
  std::unique_ptr<std::FILE, file_closer> file_;
  std::string text_;
  std::size_t text_pos_ = 0;
  std::uint64_t size_ = 0;
  std::uint64_t bytes_read_ = 0;
};

namespace detail {

inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

/// The bytes of an input in one growing window: `available()` is what has been read and not yet
/// consumed. `fill()` keeps the unconsumed bytes and appends one more block.
class block_buffer {
 public:
  block_buffer(input_source& source, const read_options& options)
      : source_(source), options_(options), buf_(options.block_bytes + 1, '\0') {}

  [[nodiscard]] std::string_view available() const noexcept { return {buf_.data() + begin_, end_ - begin_}; }
  [[nodiscard]] char* data() noexcept { return buf_.data() + begin_; }
  void consume(std::size_t n) noexcept { begin_ += n; }
  [[nodiscard]] bool eof() const noexcept { return eof_; }
  [[nodiscard]] input_source& source() noexcept { return source_; }
  [[nodiscard]] const input_source& source() const noexcept { return source_; }
  [[nodiscard]] const read_options& options() const noexcept { return options_; }

  /// Reads one more block after the unconsumed bytes. False (and nothing read) at the end.
  bool fill() {
    if (eof_) return false;
    const std::size_t kept = end_ - begin_;
    if (begin_ != 0) {
      if (kept != 0) std::memmove(buf_.data(), buf_.data() + begin_, kept);
      begin_ = 0;
      end_ = kept;
    }
    if (buf_.size() < kept + options_.block_bytes) buf_.resize(kept + options_.block_bytes);
    const std::size_t got = source_.read(buf_.data() + end_, options_.block_bytes);
    end_ += got;
    if (options_.progress) options_.progress(source_.bytes_read(), source_.size());
    if (got == 0) {
      eof_ = true;
      return false;
    }
    return true;
  }

  /// Skips a UTF-8 byte order mark at the start of the input (D2).
  void skip_bom() {
    while (!eof_ && available().size() < utf8_bom.size()) fill();
    if (available().substr(0, utf8_bom.size()) == utf8_bom) consume(utf8_bom.size());
  }

 private:
  input_source& source_;
  const read_options& options_;
  std::string buf_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
};

/// Physical lines of an input, without their `\n` or `\r\n`, numbered from 1 (D1). A UTF-8 byte
/// order mark at the start is skipped. A line longer than `max_record_bytes` raises `input_error`.
class line_reader {
 public:
  line_reader(input_source& source, const read_options& options) : buffer_(source, options) {
    buffer_.skip_bom();
  }

  /// The next line, or false at the end of the input. The view is valid until the next call.
  bool next(std::string_view& line) {
    buffer_.consume(pending_);
    pending_ = 0;
    std::size_t searched = 0;
    for (;;) {
      const std::string_view avail = buffer_.available();
      const void* nl = avail.size() > searched
                           ? std::memchr(avail.data() + searched, '\n', avail.size() - searched)
                           : nullptr;
      if (nl != nullptr) {
        const auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - avail.data());
        check_length(len);
        pending_ = len + 1;
        line = avail.substr(0, len);
        break;
      }
      searched = avail.size();
      check_length(searched);
      if (!buffer_.fill()) {
        if (avail.empty()) return false;
        pending_ = avail.size();
        line = buffer_.available();
        break;
      }
    }
    ++line_number_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return true;
  }

  /// The number of the line returned last (1-based).
  [[nodiscard]] std::uint64_t line_number() const noexcept { return line_number_; }
  [[nodiscard]] const std::string& name() const noexcept { return buffer_.source().name(); }

 private:
  void check_length(std::size_t len) const {
    const std::size_t limit = buffer_.options().max_record_bytes;
    if (len > limit) {
      METERKIT_THROW(input_error(buffer_.source().name(), {line_number_ + 1, 1},
                                 "this line is longer than " + std::to_string(limit) +
                                     " bytes, the limit for one line; expected one JSON object per line"));
    }
  }

  block_buffer buffer_;
  std::size_t pending_ = 0;
  std::uint64_t line_number_ = 0;
};

}  // namespace detail

}  // namespace meterkit
