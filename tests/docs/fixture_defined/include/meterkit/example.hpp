// SPDX-License-Identifier: MIT
// Fixture of tools/check_rules.py (CTest docs.rule_ids_defined_passes): every citation here has a
// heading in docs/rules.md next to it, and none of the look-alikes below may count as one (their
// rules are not defined there, so a false positive fails the test).
#pragma once
// Implements M8, and the range D1-D3 (both ends defined; D2 counts as cited through the range).
inline constexpr unsigned char marker = 0xB1;  // a hex literal
inline constexpr char escaped[] = "\xB1";      // a character escape
inline constexpr int test_P1 = 1;              // an identifier that ends in an id
inline constexpr const char* proto = "HTTP1";  // a word that ends in an id
inline constexpr const char* lib = "CLI11";    // a library name with an id inside
inline constexpr const char* data = "W9";      // data that spells an id: rule-ids: ignore
