// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Implementation detail: transparent string hashing for heterogeneous lookup (`std::string_view`
/// into containers keyed by `std::string`) without building temporary strings.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace meterkit::detail {

struct string_hash {
  using is_transparent = void;
  [[nodiscard]] std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
  [[nodiscard]] std::size_t operator()(const std::string& s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

struct string_equal {
  using is_transparent = void;
  [[nodiscard]] bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

}  // namespace meterkit::detail
