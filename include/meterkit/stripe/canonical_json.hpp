// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The canonical text of a JSON value and the fingerprint of an API request (SPEC D19: "same
/// request" = same method and path, and parameters equal as JSON with types distinguished).
///
/// Canonical form: no whitespace, object members sorted by key (byte order), strings with the
/// shortest escapes, integers in decimal (any size, digits as written), other numbers in their
/// shortest round-trip form. `5`, `"5"` and `5.0` therefore differ; `{"a":1,"b":2}` and
/// `{"b":2,"a":1}` are the same. A container the reader kept as its text (`read_json` with a shape,
/// for parameters no endpoint reads) is the same form with its members in the order written.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <meterkit/stripe/json.hpp>

namespace meterkit {

namespace detail {
inline void append_canonical_json(std::string& out, const nlohmann::json& j) {
  if (is_json_integer(j)) {
    out += json_integer_text(j);
    return;
  }
  if (is_json_text(j)) {  // its tokens in their order (D19)
    out += json_text_of(j);
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
