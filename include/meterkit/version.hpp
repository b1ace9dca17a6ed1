// meterkit: the semantics of usage-based billing, as C++20 policy templates.
// SPDX-License-Identifier: MIT
#pragma once

// The single source of the version: CMake and meson read these three lines.
#define METERKIT_VERSION_MAJOR 0
#define METERKIT_VERSION_MINOR 2
#define METERKIT_VERSION_PATCH 0

#define METERKIT_VERSION \
  (METERKIT_VERSION_MAJOR * 10000 + METERKIT_VERSION_MINOR * 100 + METERKIT_VERSION_PATCH)

// The edition of the rule book (docs/rules.md) the library implements: its date and how many rule
// ids it defines. tools/check_rules.py checks both against the book's "Edition" line.
#define METERKIT_RULE_BOOK_EDITION "2026-12-07"
#define METERKIT_RULE_BOOK_RULES 78

namespace meterkit {
inline constexpr int version_major = METERKIT_VERSION_MAJOR;
inline constexpr int version_minor = METERKIT_VERSION_MINOR;
inline constexpr int version_patch = METERKIT_VERSION_PATCH;
inline constexpr const char* rule_book_edition = METERKIT_RULE_BOOK_EDITION;
inline constexpr int rule_book_rules = METERKIT_RULE_BOOK_RULES;
}  // namespace meterkit
