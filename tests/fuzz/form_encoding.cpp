// SPDX-License-Identifier: MIT
// Fuzzes the form encoding of the wire adapter. Input: a form body. Properties: a body that decodes
// encodes back to a body that decodes to the same parameters, and that re-encodes to itself; the
// pairs of an encoded body unescape to the flattened pairs; every refusal is an api_error.
// Second property, for parameters made of strings and nested objects with keys that may hold
// brackets (the input when it is such a JSON object, and each key of the body's pairs, brackets
// and all, as a top-level parameter and as a key under `payload`): encoding either refuses them
// with configuration_error, exactly when a top-level key holds `[` or a nested key holds `]` (W1),
// or decoding the body gives them back (arrays come back from index keys).
#include <meterkit/stripe/wire/form_encoding.hpp>

#include <algorithm>
#include <string>

#include "fuzz_common.hpp"

namespace {
namespace mk = meterkit;

/// Whether `j` is made only of objects and strings, with keys that are not empty; `refused` is set
/// when a top-level key holds `[` or a nested one holds `]` (what encoding refuses).
bool only_strings(const nlohmann::json& j, bool& refused, int depth = 0) {
  if (depth > 32) return false;
  if (j.is_string()) return true;
  if (!j.is_object() || j.empty()) return false;
  for (const auto& [k, v] : j.items()) {
    if (k.empty()) return false;
    if (k.find(depth == 0 ? '[' : ']') != std::string::npos) refused = true;
    if (!only_strings(v, refused, depth + 1)) return false;
  }
  return true;
}

/// `j` for a message: keys and values from a form body need not be UTF-8.
std::string shown(const nlohmann::json& j) {
  return j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

/// Encoding `j` refuses it exactly when `only_strings` says, else round-trips.
void require_encodes_or_refuses(const nlohmann::json& j) {
  bool must_refuse = false;
  if (!j.is_object() || !only_strings(j, must_refuse)) return;
  std::string encoded;
  try {
    encoded = mk::form_encode(j);
  } catch (const mk::configuration_error&) {
    if (!must_refuse) mk::fuzz::fail("encoding refused parameters it can carry: " + shown(j));
    return;
  }
  if (must_refuse) mk::fuzz::fail("a key with '[' at the top or ']' nested was encoded: " + shown(j));
  const auto back = mk::form_decode(encoded);
  mk::fuzz::require(back.has_value(), "encoded parameters do not decode: " + encoded);
  // Objects keyed 0..n-1 come back as arrays: compare through the encoding.
  mk::fuzz::require(mk::form_encode(back.value()) == encoded, "the round trip differs: " + encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = mk::fuzz::text_of(data, size);
  const auto decoded = mk::form_decode(body);
  if (!decoded) {
    mk::fuzz::require(decoded.error().code == mk::error_code::api_error, "a refusal that is not api_error");
  } else {
    const nlohmann::json& params = decoded.value();
    mk::fuzz::require(params.is_object(), "a form body decodes to something other than an object");
    const std::string encoded = mk::form_encode(params);
    const auto again = mk::form_decode(encoded);
    mk::fuzz::require(again.has_value(), "an encoded body does not decode: " + encoded);
    mk::fuzz::require(again.value() == params, "decode(encode(x)) != x for body " + encoded);
    mk::fuzz::require(mk::form_encode(again.value()) == encoded, "encoding is not stable: " + encoded);
    const auto pairs = mk::form_decode_pairs(encoded);
    mk::fuzz::require(pairs.has_value() && pairs.value() == mk::form_pairs(params), "pairs differ");
  }
  // The body's keys, brackets and all, as parameter names and as payload keys.
  if (const auto pairs = mk::form_decode_pairs(body)) {
    const std::size_t n = std::min<std::size_t>(pairs.value().size(), 8);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& [key, value] = pairs.value()[i];
      if (key.empty()) continue;
      require_encodes_or_refuses(nlohmann::json{{key, value}});
      require_encodes_or_refuses(nlohmann::json{{"payload", {{key, value}, {"value", "1"}}}});
    }
  }
  require_encodes_or_refuses(nlohmann::json::parse(body, nullptr, false));
  return 0;
}
