// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The one persistence codec of the library: every `save`/`load` (meters, the meter ledger, the
/// usage-record books, the identifier and idempotency stores, the invoice simulator) writes its
/// state with a `state_writer` and reads it back with a `state_reader`; state that cannot be read
/// back raises `corrupt_state_error`.
///
/// **Values.** Platform-stable, no pointers and no padding:
///
// clang-format off
/// | value | bytes |
/// | --- | --- |
/// | `u8`, `boolean` | 1 byte; a flag is 0 or 1 |
/// | `u32`, `u64`, `i64` | 4 or 8 bytes, little-endian; `i64` in two's complement |
/// | `size`, a count | a `u64` |
/// | `str` | its length as a `u64`, then the bytes |
/// | `time` | signed unix seconds as an `i64`, within `saved_time_limit` of the epoch |
/// | `optional_time`, `optional_str` | a flag, then the value when the flag is 1 |
// clang-format on
///
/// **Frames.** A state saved to a stream on its own (`write_state_frame`) is framed:
/// `magic` (8 bytes naming the kind of state) | `u32` format version | `u64` body length | body |
/// `u32` checksum (`state_checksum`: CRC-32C, core/checksum.hpp) of every byte before it, magic
/// included. `read_state_frame` checks the magic, the version, the length and the checksum, in
/// that order, before the body is read, so that damage is reported as damage, never as a state of
/// other policies. (Until the formats that bumped their version for it, meters' 5 and the
/// simulator's 13, the checksum was a `u64` FNV-1a 64; such states are refused by their version.)
///
/// **Reading never trusts the bytes.** `state_reader` never reads past its input: every read is
/// bounds-checked, and a short, malformed or out-of-range input raises `corrupt_state_error`. A
/// count of elements is checked against the bytes left before anything is allocated for it, and a
/// frame's body is read in steps, so a damaged count or length cannot cost memory.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include <meterkit/core/checksum.hpp>
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

/// The checksum of a state frame: CRC-32C (core/checksum.hpp) of `bytes`, continuing from
/// `previous` (the checksum of the bytes before them; 0 for none).
[[nodiscard]] constexpr std::uint32_t state_checksum(std::string_view bytes,
                                                     std::uint32_t previous = 0) noexcept {
  return crc32c(bytes, previous);
}

/// Saved times lie within +-2^61 s of the epoch, so that differences and sums with windows of
/// saved times never overflow after loading.
inline constexpr std::int64_t saved_time_limit = std::int64_t{1} << 61;

/// Appends values to a byte string (see the file comment for the encoding).
class state_writer {
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

/// Reads values back from bytes (see the file comment); every failure raises
/// `corrupt_state_error` naming the state and the byte.
class state_reader {
 public:
  /// `what` names the state in error messages ("invoice simulator snapshot").
  explicit state_reader(std::string_view in, std::string what = "saved state")
      : in_(in), what_(std::move(what)) {}

  /// Raises `corrupt_state_error`: "meterkit: cannot load the <what>: <why> (at byte <n>)".
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

/// Writes `body` to `out` in a frame (see the file comment): `magic` (8 bytes), `version`, the
/// body's length, the body, the checksum. Precondition (`METERKIT_ASSERT`): `magic` has 8 bytes.
/// A failed write shows in the state of `out`, as for any stream output.
inline void write_state_frame(std::ostream& out, std::string_view magic, std::uint32_t version,
                              std::string_view body) {
  METERKIT_ASSERT(magic.size() == 8, "meterkit: a state frame's magic has 8 bytes");
  state_writer head;
  head.raw(magic);
  head.u32(version);
  head.size(body.size());
  state_writer tail;
  tail.u32(state_checksum(body, state_checksum(head.bytes())));
  for (const std::string_view part : {std::string_view(head.bytes()), body, std::string_view(tail.bytes())}) {
    out.write(part.data(), static_cast<std::streamsize>(part.size()));
  }
}

/// Reads exactly one frame written by `write_state_frame` from `in` and returns its body, after
/// checking the magic ("not a <what>"), `version`, the length and the checksum. Raises
/// `corrupt_state_error` naming `what`.
[[nodiscard]] inline std::string read_state_frame(std::istream& in, std::string_view magic,
                                                  std::uint32_t version, std::string_view what) {
  const auto fail = [&](const std::string& why) {
    METERKIT_THROW(corrupt_state_error("meterkit: cannot load the " + std::string(what) + ": " + why));
  };
  std::string head(8 + 4 + 8, '\0');
  in.read(head.data(), 8);
  if (static_cast<std::size_t>(in.gcount()) != 8 || std::string_view(head).substr(0, 8) != magic) {
    const bool vowel =
        !what.empty() && std::string_view("aeiou").find(what.front()) != std::string_view::npos;
    fail(std::string(vowel ? "not an " : "not a ") + std::string(what) + " (wrong magic)");
  }
  in.read(head.data() + 8, 4 + 8);
  if (in.gcount() != 4 + 8) fail("truncated (no complete header)");
  state_reader h(std::string_view(head).substr(8), std::string(what));
  if (const std::uint32_t v = h.u32(); v != version) {
    fail("format version " + std::to_string(v) + ", this build reads version " + std::to_string(version));
  }
  const std::uint64_t length = h.u64();
  std::string body;
  while (body.size() < length) {  // in steps, so that a damaged length cannot cost memory
    const std::size_t step =
        static_cast<std::size_t>(std::min<std::uint64_t>(length - body.size(), std::uint64_t{1} << 20));
    const std::size_t at = body.size();
    body.resize(at + step);
    in.read(body.data() + at, static_cast<std::streamsize>(step));
    if (static_cast<std::size_t>(in.gcount()) != step)
      fail("truncated (the body is shorter than its length)");
  }
  std::string tail(4, '\0');
  in.read(tail.data(), 4);
  if (in.gcount() != 4) fail("truncated (no checksum)");
  if (state_reader(tail).u32() != state_checksum(body, state_checksum(head))) fail("checksum mismatch");
  return body;
}

}  // namespace meterkit
