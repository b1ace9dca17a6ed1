// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Implementation detail: the byte encoding of saved states (snapshots of the invoice simulator
/// and of the objects it holds) and the error raised when saved state cannot be read back.
///
/// Platform-stable: fixed-width little-endian integers, strings as a u64 length and the bytes,
/// timestamps as signed unix seconds, no pointers and no padding. `binary_reader` never reads
/// past its input: every read is bounds-checked and a short, malformed or out-of-range input
/// raises `corrupt_state_error`. A count of elements is checked against the bytes left before
/// anything is allocated for it, so a damaged count cannot cost memory.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>

namespace meterkit {

/// Saved state that cannot be read back: wrong format, wrong version, other policies or plan,
/// truncated, or corrupt. Code `corrupt_state`.
class corrupt_state_error : public error {
 public:
  explicit corrupt_state_error(const std::string& what) : error(error_code::corrupt_state, what) {}
  explicit corrupt_state_error(const char* what) : error(error_code::corrupt_state, what) {}
};

namespace detail {

/// FNV-1a, 64 bits: the checksum of saved states. Every change of a single byte changes it.
[[nodiscard]] inline std::uint64_t fnv1a(std::string_view s,
                                         std::uint64_t h = 14695981039346656037ull) noexcept {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

/// Saved timestamps lie within +-2^61 s of the epoch, so that differences and sums with windows
/// of saved times never overflow after loading.
inline constexpr std::int64_t saved_time_limit = std::int64_t{1} << 61;

/// Appends values to a byte string.
class binary_writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void size(std::size_t v) { u64(static_cast<std::uint64_t>(v)); }
  void str(std::string_view s) {
    size(s.size());
    out_.append(s.data(), s.size());
  }
  void raw(std::string_view s) { out_.append(s.data(), s.size()); }
  /// Precondition (`METERKIT_ASSERT`): `t` lies within `saved_time_limit` of the epoch (else it
  /// could not be read back).
  void time(timestamp t) {
    const std::int64_t s = to_unix(t);
    METERKIT_ASSERT(s <= saved_time_limit && s >= -saved_time_limit,
                    "meterkit: cannot save the timestamp " + std::to_string(s) +
                        " (saved times lie within +-2^61 s of the epoch)");
    i64(s);
  }
  void optional_time(const std::optional<timestamp>& t) {
    boolean(t.has_value());
    if (t) time(*t);
  }
  void optional_str(const std::optional<std::string>& s) {
    boolean(s.has_value());
    if (s) str(*s);
  }

  [[nodiscard]] const std::string& bytes() const noexcept { return out_; }
  [[nodiscard]] std::string take() noexcept { return std::move(out_); }

 private:
  std::string out_;
};

/// Reads values back from bytes; see the file comment.
class binary_reader {
 public:
  /// `what` names the state in error messages ("invoice simulator snapshot").
  explicit binary_reader(std::string_view in, std::string what = "saved state")
      : in_(in), what_(std::move(what)) {}

  [[noreturn]] void fail(const std::string& why) const {
    METERKIT_THROW(corrupt_state_error("meterkit: cannot load the " + what_ + ": " + why + " (at byte " +
                                       std::to_string(pos_) + ")"));
  }
  /// Fails unless `ok`.
  void require(bool ok, const char* why) const {
    if (!ok) fail(why);
  }

  [[nodiscard]] std::uint8_t u8() {
    need(1);
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  [[nodiscard]] std::uint32_t u32() {
    need(4);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v |= static_cast<std::uint32_t>(static_cast<unsigned char>(in_[pos_++])) << (8 * i);
    return v;
  }
  [[nodiscard]] std::uint64_t u64() {
    need(8);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in_[pos_++])) << (8 * i);
    return v;
  }
  [[nodiscard]] std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  [[nodiscard]] bool boolean() {
    const std::uint8_t v = u8();
    if (v > 1) fail("a flag is neither 0 nor 1");
    return v == 1;
  }
  /// A count of elements that take at least `min_bytes` each: never more than the bytes left allow.
  [[nodiscard]] std::size_t count(std::size_t min_bytes = 1) {
    const std::uint64_t n = u64();
    if (min_bytes == 0) min_bytes = 1;
    if (n > (in_.size() - pos_) / min_bytes) fail("a count exceeds the bytes left");
    return static_cast<std::size_t>(n);
  }
  /// An index below `limit`.
  [[nodiscard]] std::size_t index(std::size_t limit) {
    const std::uint64_t n = u64();
    if (n >= limit) fail("an index is out of range");
    return static_cast<std::size_t>(n);
  }
  [[nodiscard]] std::string str() {
    const std::size_t n = count(1);
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  [[nodiscard]] std::string_view raw(std::size_t n) {
    need(n);
    const std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  [[nodiscard]] timestamp time() {
    const std::int64_t s = i64();
    if (s > saved_time_limit || s < -saved_time_limit) fail("a timestamp is out of range");
    return from_unix(s);
  }
  [[nodiscard]] std::optional<timestamp> optional_time() {
    if (!boolean()) return std::nullopt;
    return time();
  }
  [[nodiscard]] std::optional<std::string> optional_str() {
    if (!boolean()) return std::nullopt;
    return str();
  }

  [[nodiscard]] std::size_t remaining() const noexcept { return in_.size() - pos_; }
  /// Fails unless every byte was read.
  void expect_end() const {
    if (pos_ != in_.size()) fail("unexpected bytes after the end");
  }

 private:
  void need(std::size_t n) const {
    if (n > in_.size() - pos_) fail("truncated");
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  std::string what_;
};

}  // namespace detail
}  // namespace meterkit
