// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The canonical text of a JSON value and the fingerprint of an API request (SPEC D19: "same
/// request" = same method and path, and parameters equal as JSON with types distinguished).
///
/// Canonical form: no whitespace, object members sorted by key (byte order), strings with the
/// shortest escapes, integers in decimal (any size, digits as written), other numbers in their
/// shortest round-trip form. `5`, `"5"` and `5.0` therefore differ; `{"a":1,"b":2}` and
/// `{"b":2,"a":1}` are the same. A container the reader kept as its text (`read_json` with a
/// shape) has the same canonical form as when it is built.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <meterkit/stripe/json.hpp>

namespace meterkit {

namespace detail {

/// The canonical form of a value of a kept text (tokens without white space, written by `dump`):
/// scalars are already canonical; object members are sorted by their unescaped keys.
inline void append_canonical_json_text(std::string& out, std::string_view t) {
  if (t.empty() || (t.front() != '{' && t.front() != '[')) {
    out += t;
    return;
  }
  if (t.front() == '[') {  // elements in their order, one at a time
    out += '[';
    json_text_walker w(t, 1);
    while (!w.at(']') && w.offset() < t.size()) {
      if (w.offset() != 1) out += ',';
      const std::size_t start = w.offset();
      w.skip_value();
      append_canonical_json_text(out, t.substr(start, w.offset() - start));
      if (!w.consume(',')) break;
    }
    out += ']';
    return;
  }
  // The members (key token, value token), sorted by their unescaped keys.
  std::vector<std::pair<std::string_view, std::string_view>> members;
  json_text_walker w(t, 1);
  while (w.at('"')) {
    const std::size_t key = w.offset();
    w.skip_value();
    const std::size_t key_end = w.offset();
    (void)w.consume(':');
    w.skip_value();
    members.emplace_back(t.substr(key, key_end - key), t.substr(key_end + 1, w.offset() - key_end - 1));
    if (!w.consume(',')) break;
  }
  std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
    if (a.first.find('\\') == std::string_view::npos && b.first.find('\\') == std::string_view::npos)
      return a.first.substr(1, a.first.size() - 2) < b.first.substr(1, b.first.size() - 2);
    return json_text_walker(a.first).read_string() < json_text_walker(b.first).read_string();
  });
  out += '{';
  for (std::size_t k = 0; k < members.size(); ++k) {
    if (k != 0) out += ',';
    out += members[k].first;
    out += ':';
    append_canonical_json_text(out, members[k].second);
  }
  out += '}';
}

inline void append_canonical_json(std::string& out, const nlohmann::json& j) {
  if (is_json_integer(j)) {
    out += json_integer_text(j);
    return;
  }
  if (is_json_text(j)) {  // a container the reader kept as its text (D6)
    append_canonical_json_text(out, json_text_of(j));
    return;
  }
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      out += '{';
      bool first = true;
      // nlohmann::json keeps members in a std::map: already in key order.
      for (const auto& [key, value] : j.items()) {
        if (!first) out += ',';
        first = false;
        out += nlohmann::json(key).dump();
        out += ':';
        append_canonical_json(out, value);
      }
      out += '}';
      return;
    }
    case nlohmann::json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& value : j) {
        if (!first) out += ',';
        first = false;
        append_canonical_json(out, value);
      }
      out += ']';
      return;
    }
    default:
      out += j.dump();
  }
}
}  // namespace detail

/// The canonical text of `j` (see the file comment).
[[nodiscard]] inline std::string canonical_json(const nlohmann::json& j) {
  std::string out;
  detail::append_canonical_json(out, j);
  return out;
}

/// What makes two requests "the same" for an idempotency key (D19): `METHOD path canonical-params`.
[[nodiscard]] inline std::string request_fingerprint(std::string_view method, std::string_view path,
                                                     const nlohmann::json& params) {
  std::string out(method);
  out += ' ';
  out += path;
  out += ' ';
  detail::append_canonical_json(out, params);
  return out;
}

}  // namespace meterkit
