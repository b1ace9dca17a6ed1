// SPDX-License-Identifier: MIT
// Fixture of tools/check_rules.py (CTest docs.rule_ids_undefined_fails): this header cites M8,
// which docs/rules.md next to it defines, and M99, which it does not.
#pragma once
inline constexpr int answer = 42;  // the latest arrival survives (M8); a rule nobody wrote (M99)
