// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Implementation detail: names built at compile time, for policies whose name is made of other
/// policies' names (`pre_aggregated<utc_hour>`) or of numbers (`fixed_window<120>`). Each name
/// lives in static storage, so it is a `std::string_view` constant like a hand-written one.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace meterkit::detail {

/// The concatenation of the string views `Parts` (constants with static storage), as
/// `joined_name<Parts...>::value`.
template <const std::string_view&... Parts>
struct joined_name {
  static constexpr std::size_t size = (Parts.size() + ... + 0);
  static constexpr std::array<char, size + 1> chars = [] {
    std::array<char, size + 1> out{};
    std::size_t at = 0;
    for (const std::string_view part : {Parts...}) {
      for (const char c : part) out[at++] = c;
    }
    return out;
  }();
  static constexpr std::string_view value{chars.data(), size};
};

/// The decimal digits of `N`, as `decimal_name<N>::value`.
template <std::uint64_t N>
struct decimal_name {
  static constexpr std::size_t size = [] {
    std::size_t digits = 1;
    for (std::uint64_t rest = N; rest >= 10; rest /= 10) ++digits;
    return digits;
  }();
  static constexpr std::array<char, size + 1> chars = [] {
    std::array<char, size + 1> out{};
    std::uint64_t rest = N;
    for (std::size_t i = size; i > 0; --i) {
      out[i - 1] = static_cast<char>('0' + rest % 10);
      rest /= 10;
    }
    return out;
  }();
  static constexpr std::string_view value{chars.data(), size};
};

}  // namespace meterkit::detail
