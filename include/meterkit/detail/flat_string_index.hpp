// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Implementation detail: an open-addressing hash index from strings to dense slot numbers
/// `0, 1, 2, ...` (in order of first appearance), for customer ids and identifiers on hot paths.
///
/// Each table entry is 32 bytes and holds the slot, a hash tag and, for keys of up to 22 bytes
/// (Stripe ids such as `cus_NffrFeUfNV2Hib` are 18), the key itself, so that a lookup usually
/// touches one cache line of the table. Linear probing, power-of-two capacity, load <= 0.7.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meterkit::detail {

__extension__ using uint128 = unsigned __int128;

[[nodiscard]] inline std::uint64_t load_u64(const char* p) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, p, 8);
  return v;
}
[[nodiscard]] inline std::uint64_t load_u32(const char* p) noexcept {
  std::uint32_t v = 0;
  std::memcpy(&v, p, 4);
  return v;
}
[[nodiscard]] inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) noexcept {
  const uint128 r = static_cast<uint128>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

/// A fast 64-bit hash of short strings (multiply-mix, in the manner of wyhash). Not for
/// adversarial inputs.
[[nodiscard]] inline std::uint64_t hash_string(std::string_view s) noexcept {
  constexpr std::uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull, k2 = 0x8ebc6af09c88c6e3ull;
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t seed = k0 ^ static_cast<std::uint64_t>(n);
  while (n > 16) {
    seed = mix(load_u64(p) ^ k1, load_u64(p + 8) ^ seed);
    p += 16;
    n -= 16;
  }
  std::uint64_t a = 0, b = 0;
  if (n > 8) {
    a = load_u64(p);
    b = load_u64(p + n - 8);
  } else if (n >= 4) {
    a = load_u32(p);
    b = load_u32(p + n - 4);
  } else if (n > 0) {
    a = (static_cast<std::uint64_t>(static_cast<unsigned char>(p[0])) << 16) |
        (static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8) |
        static_cast<std::uint64_t>(static_cast<unsigned char>(p[n - 1]));
  }
  return mix(mix(a ^ k1, b ^ seed) ^ k2, static_cast<std::uint64_t>(s.size()) ^ k1);
}

/// Strings to dense slots; see the file comment.
class flat_string_index {
 public:
  /// The slot of `key`, or nullopt.
  [[nodiscard]] std::optional<std::size_t> find(std::string_view key) const noexcept {
    if (table_.empty()) return std::nullopt;
    const std::uint64_t h = hash_string(key);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const entry& e = table_[i];
      if (e.slot_plus_one == 0) return std::nullopt;
      if (e.tag == tag && matches(e, key)) return e.slot_plus_one - 1;
    }
  }

  /// The slot of `key`, adding it as the next slot when new.
  std::size_t find_or_add(std::string_view key) {
    if ((keys_.size() + 1) * 10 > table_.size() * 7) grow();
    const std::uint64_t h = hash_string(key);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      entry& e = table_[i];
      if (e.slot_plus_one == 0) {
        const std::size_t slot = keys_.size();
        keys_.emplace_back(key);
        fill(e, static_cast<std::uint32_t>(slot + 1), tag, key);
        return slot;
      }
      if (e.tag == tag && matches(e, key)) return e.slot_plus_one - 1;
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }
  [[nodiscard]] const std::string& key_of(std::size_t slot) const { return keys_[slot]; }

 private:
  static constexpr std::size_t inline_bytes = 22;
  static constexpr std::uint8_t out_of_line = 0xff;

  struct entry {
    std::uint32_t slot_plus_one = 0;  // 0: empty
    std::uint32_t tag = 0;
    std::uint8_t length = 0;  // out_of_line: compare with keys_[slot]
    char bytes[inline_bytes + 1] = {};
  };
  static_assert(sizeof(entry) == 32);

  [[nodiscard]] bool matches(const entry& e, std::string_view key) const noexcept {
    if (e.length == out_of_line) return keys_[e.slot_plus_one - 1] == key;
    return e.length == key.size() && std::memcmp(e.bytes, key.data(), key.size()) == 0;
  }

  static void fill(entry& e, std::uint32_t slot_plus_one, std::uint32_t tag, std::string_view key) noexcept {
    e.slot_plus_one = slot_plus_one;
    e.tag = tag;
    if (key.size() <= inline_bytes) {
      e.length = static_cast<std::uint8_t>(key.size());
      if (!key.empty()) std::memcpy(e.bytes, key.data(), key.size());
    } else {
      e.length = out_of_line;
    }
  }

  void grow() {
    const std::size_t cap = table_.empty() ? 16 : table_.size() * 2;
    std::vector<entry> next(cap);
    const std::size_t mask = cap - 1;
    for (std::size_t slot = 0; slot < keys_.size(); ++slot) {
      const std::uint64_t h = hash_string(keys_[slot]);
      std::size_t i = h & mask;
      while (next[i].slot_plus_one != 0) i = (i + 1) & mask;
      fill(next[i], static_cast<std::uint32_t>(slot + 1), static_cast<std::uint32_t>(h >> 32), keys_[slot]);
    }
    table_ = std::move(next);
    mask_ = mask;
  }

  std::vector<entry> table_;
  std::size_t mask_ = 0;
  std::vector<std::string> keys_;
};

}  // namespace meterkit::detail
