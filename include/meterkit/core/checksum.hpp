// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The two hashes of the library, each for one job, both dependency-free and `constexpr`:
///
/// - `crc32c`: **integrity**. CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value
///   and final xor 0xFFFFFFFF; the CRC of iSCSI, ext4, Btrfs and SSE 4.2's `crc32` instruction),
///   the checksum of every saved state's frame (core/persistence.hpp). Up to 2^31 bits (256 MiB)
///   of checked bytes it detects every change of up to 3 bits (Hamming distance 4, Koopman's
///   tables), and at any length every single-bit change and every burst of up to 32 bits; a
///   multiplicative hash such as FNV-1a promises only the single changed byte, and two changes can
///   cancel. Written by hand, table-driven, slicing-by-8 (eight 256-entry tables, 8 KiB, built at
///   compile time; 8 bytes per step, loaded byte by byte so that the result is the same on every
///   byte order and in a constant expression).
/// - `fnv1a_64`: **identity**. FNV-1a, 64 bits: short, stable fingerprints (the plan fingerprint
///   of a simulator snapshot, billing/snapshot.hpp), where the question is "the same?", not
///   "damaged?".
///
/// Both continue over parts: `crc32c(b, crc32c(a)) == crc32c(a + b)`, and the same for `fnv1a_64`.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace meterkit {

namespace detail {

/// The slicing-by-8 tables of CRC-32C: `crc32c_tables[0]` is the byte-at-a-time table of the
/// reflected polynomial; `crc32c_tables[k][b]` the CRC of byte `b` followed by `k` zero bytes.
inline constexpr std::array<std::array<std::uint32_t, 256>, 8> crc32c_tables = [] {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[0][b] = c;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xffu];
  }
  return t;
}();

[[nodiscard]] constexpr std::uint32_t load_le32(std::string_view s, std::size_t at) noexcept {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3])) << 24;
}

}  // namespace detail

/// CRC-32C (Castagnoli) of `bytes`, continuing from `previous` (the CRC-32C of the bytes before
/// them; 0 for none). `crc32c("123456789") == 0xE3069283`.
[[nodiscard]] constexpr std::uint32_t crc32c(std::string_view bytes, std::uint32_t previous = 0) noexcept {
  const auto& t = detail::crc32c_tables;
  std::uint32_t c = ~previous;
  std::size_t i = 0;
  for (; bytes.size() - i >= 8; i += 8) {
    const std::uint32_t lo = c ^ detail::load_le32(bytes, i);
    const std::uint32_t hi = detail::load_le32(bytes, i + 4);
    c = t[7][lo & 0xffu] ^ t[6][(lo >> 8) & 0xffu] ^ t[5][(lo >> 16) & 0xffu] ^ t[4][lo >> 24] ^
        t[3][hi & 0xffu] ^ t[2][(hi >> 8) & 0xffu] ^ t[1][(hi >> 16) & 0xffu] ^ t[0][hi >> 24];
  }
  for (; i < bytes.size(); ++i) c = (c >> 8) ^ t[0][(c ^ static_cast<unsigned char>(bytes[i])) & 0xffu];
  return ~c;
}

/// The FNV-1a 64 offset basis: `fnv1a_64` of no bytes.
inline constexpr std::uint64_t fnv1a_64_basis = 14695981039346656037ull;

/// FNV-1a, 64 bits, of `bytes`, continuing from `previous` (the hash of the bytes before them).
[[nodiscard]] constexpr std::uint64_t fnv1a_64(std::string_view bytes,
                                               std::uint64_t previous = fnv1a_64_basis) noexcept {
  std::uint64_t h = previous;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace meterkit
