// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Stripe's v1 request bodies and query strings: `application/x-www-form-urlencoded` with bracket
/// nesting (`payload[stripe_customer_id]=cus_1`, `events[0][identifier]=a`), and back (SPEC W1, W2:
/// the wire adapter sends exactly what the official SDKs send).
///
/// Encoding follows the official clients: object members as `parent[child]`, array elements as
/// `parent[index]`, strings as they are, integers in decimal, booleans as `true`/`false`, `null` as
/// an empty value (Stripe's way to unset a field), empty objects and arrays as nothing. Every byte
/// but `A-Z a-z 0-9 - . _ ~` is percent-encoded with upper-case hex, except `[` and `]`, which the
/// clients leave literal for readability (the API accepts both). A nested key holding `]` cannot be
/// carried (its bracket would end early), nor a top-level key holding `[` (it would be read as
/// nesting): encoding refuses both with `configuration_error` (W1).
///
/// Decoding reads `+` as a space, rebuilds the nesting as JSON objects whose leaves are strings,
/// and turns an object whose keys are exactly `0..n-1` into an array.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <meterkit/core/error.hpp>

namespace meterkit {

/// One `key=value` of a form body, both unencoded (`payload[value]`, `12`).
using form_pair = std::pair<std::string, std::string>;

namespace detail {
[[nodiscard]] constexpr bool is_form_unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}
[[nodiscard]] constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

inline void flatten_form(const nlohmann::json& value, const std::string& key, std::vector<form_pair>& out) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      for (const auto& [child, v] : value.items()) {
        // `]` inside a nested key ends its bracket early: the body would not decode back, so the
        // key is refused here rather than sent. A top-level key is read up to its first `[`, which
        // Stripe takes for nesting (`a[b]` would set `b` inside `a`): refused the same way.
        if (!key.empty() && child.find(']') != std::string::npos) {
          METERKIT_THROW(configuration_error(
              key, "the key \"" + child + "\" contains ']', which a form body cannot carry"));
        }
        if (key.empty() && child.find('[') != std::string::npos) {
          METERKIT_THROW(configuration_error(
              child,
              "the parameter name \"" + child + "\" contains '[', which Stripe would read as nesting"));
        }
        flatten_form(v, key.empty() ? child : key + "[" + child + "]", out);
      }
      return;
    case nlohmann::json::value_t::array:
      for (std::size_t i = 0; i < value.size(); ++i)
        flatten_form(value[i], key + "[" + std::to_string(i) + "]", out);
      return;
    case nlohmann::json::value_t::string:
      out.emplace_back(key, value.get<std::string>());
      return;
    case nlohmann::json::value_t::null:
      out.emplace_back(key, std::string{});
      return;
    default:
      out.emplace_back(key, value.dump());  // integers in decimal, booleans as true/false
      return;
  }
}

/// Splits `a[b][c]` into `a`, `b`, `c`; nullopt when the brackets do not pair up.
[[nodiscard]] inline std::optional<std::vector<std::string>> form_key_path(std::string_view key) {
  std::vector<std::string> out;
  const std::size_t open = key.find('[');
  out.emplace_back(key.substr(0, open));
  if (out.front().empty()) return std::nullopt;
  std::size_t pos = open;
  while (pos != std::string_view::npos && pos < key.size()) {
    if (key[pos] != '[') return std::nullopt;
    const std::size_t close = key.find(']', pos);
    if (close == std::string_view::npos) return std::nullopt;
    out.emplace_back(key.substr(pos + 1, close - pos - 1));
    pos = close + 1;
  }
  return out;
}

[[nodiscard]] inline bool is_index_object(const nlohmann::json& j) {
  if (!j.is_object() || j.empty()) return false;
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j.contains(std::to_string(i))) return false;
  }
  return true;
}

inline void arrays_from_index_objects(nlohmann::json& j) {
  if (!j.is_object()) return;
  for (auto& [k, v] : j.items()) arrays_from_index_objects(v);
  if (is_index_object(j)) {
    nlohmann::json array = nlohmann::json::array();
    for (std::size_t i = 0; i < j.size(); ++i) array.push_back(std::move(j[std::to_string(i)]));
    j = std::move(array);
  }
}
}  // namespace detail

/// Percent-encodes `text` the way the official clients do (see the file comment).
[[nodiscard]] inline std::string form_escape(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (detail::is_form_unreserved(c) || c == '[' || c == ']') {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += hex[byte >> 4];
      out += hex[byte & 0x0F];
    }
  }
  return out;
}

/// Decodes the `%XX` of a URL path segment (`+` stays itself); a malformed escape leaves the
/// text as it is.
[[nodiscard]] inline std::string path_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int hi = text[i] == '%' && i + 2 < text.size() ? detail::hex_value(text[i + 1]) : -1;
    const int lo = hi >= 0 ? detail::hex_value(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      if (text[i] == '%') return std::string(text);
      out += text[i];
      continue;
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

/// Decodes `%XX` and `+`; a `%` not followed by two hex digits is a rejection (`api_error`).
[[nodiscard]] inline result<std::string> form_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      const int hi = i + 2 < text.size() ? detail::hex_value(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? detail::hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return rejection{
            error_code::api_error, "malformed percent escape in form text \"" + std::string(text) + "\"", {}};
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

/// The flattened `key=value` pairs of `params` (an object), unencoded, in member order.
[[nodiscard]] inline std::vector<form_pair> form_pairs(const nlohmann::json& params) {
  std::vector<form_pair> out;
  if (params.is_object()) detail::flatten_form(params, {}, out);
  return out;
}

/// The form body (or query string) of `params`: `a=1&payload[b]=x` (see the file comment).
[[nodiscard]] inline std::string form_encode(const nlohmann::json& params) {
  std::string out;
  for (const auto& [key, value] : form_pairs(params)) {
    if (!out.empty()) out += '&';
    out += form_escape(key);
    out += '=';
    out += form_escape(value);
  }
  return out;
}

/// The pairs of a form body, decoded, in order. Empty pieces (`a=1&&b=2`) are skipped; a piece
/// without `=` has an empty value.
[[nodiscard]] inline result<std::vector<form_pair>> form_decode_pairs(std::string_view body) {
  std::vector<form_pair> out;
  std::size_t start = 0;
  while (start <= body.size()) {
    const std::size_t end = std::min(body.find('&', start), body.size());
    const std::string_view piece = body.substr(start, end - start);
    start = end + 1;
    if (piece.empty()) continue;
    const std::size_t eq = piece.find('=');
    auto key = form_unescape(piece.substr(0, eq));
    if (!key) return key.error();
    auto value = form_unescape(eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1));
    if (!value) return value.error();
    out.emplace_back(std::move(key).value(), std::move(value).value());
  }
  return out;
}

/// A form body back into nested parameters: objects (arrays for `0..n-1` keys) of strings. A key
/// whose brackets do not pair up, a key given twice, or a key that is both a value and a parent
/// is a rejection (`api_error`).
[[nodiscard]] inline result<nlohmann::json> form_decode(std::string_view body) {
  auto pairs = form_decode_pairs(body);
  if (!pairs) return pairs.error();
  nlohmann::json root = nlohmann::json::object();
  for (const auto& [key, value] : pairs.value()) {
    const auto path = detail::form_key_path(key);
    if (!path) return rejection{error_code::api_error, "malformed form key \"" + key + "\"", key};
    nlohmann::json* node = &root;
    for (std::size_t i = 0; i + 1 < path->size(); ++i) {
      nlohmann::json& child = (*node)[(*path)[i]];
      if (child.is_null()) child = nlohmann::json::object();
      if (!child.is_object())
        return rejection{error_code::api_error, "form key \"" + key + "\" nests under a value", key};
      node = &child;
    }
    nlohmann::json& leaf = (*node)[path->back()];
    if (!leaf.is_null())
      return rejection{error_code::api_error, "form key \"" + key + "\" is given twice", key};
    leaf = value;
  }
  // Only nested objects become arrays: the parameters themselves stay an object even when every
  // key is an index (`0=x` is the parameter "0", not a list).
  for (auto& [name, value] : root.items()) detail::arrays_from_index_objects(value);
  return root;
}

}  // namespace meterkit
