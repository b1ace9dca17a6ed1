// meterkit: the semantics of usage-based billing, as C++20 policy templates.
// SPDX-License-Identifier: MIT
#pragma once

// The single source of the version: CMake and meson read these three lines.
#define METERKIT_VERSION_MAJOR 0
#define METERKIT_VERSION_MINOR 1
#define METERKIT_VERSION_PATCH 0

#define METERKIT_VERSION \
  (METERKIT_VERSION_MAJOR * 10000 + METERKIT_VERSION_MINOR * 100 + METERKIT_VERSION_PATCH)

namespace meterkit {
inline constexpr int version_major = METERKIT_VERSION_MAJOR;
inline constexpr int version_minor = METERKIT_VERSION_MINOR;
inline constexpr int version_patch = METERKIT_VERSION_PATCH;
}  // namespace meterkit
