// SPDX-License-Identifier: MIT
// Fuzzes the form encoding of the wire adapter. Input: a form body. Properties: a body that decodes
// encodes back to a body that decodes to the same parameters, and that re-encodes to itself; the
// pairs of an encoded body unescape to the flattened pairs; every refusal is an api_error.
// Second property, when the input is a JSON object of strings and nested objects: encoding it and
// decoding the body gives it back (arrays come back from index keys), unless a nested key holds
// `]`, which encoding refuses with configuration_error, and only then.
#include <meterkit/stripe/wire/form_encoding.hpp>

#include "fuzz_common.hpp"

namespace {
namespace mk = meterkit;

/// Whether `j` is made only of objects and strings, with no bracket in a top-level key and no
/// `[` in a nested one; `closing` is set when a nested key holds `]` (what encoding refuses).
bool only_strings(const nlohmann::json& j, bool& closing, int depth = 0) {
  if (depth > 32) return false;
  if (j.is_string()) return true;
  if (!j.is_object() || j.empty()) return false;
  for (const auto& [k, v] : j.items()) {
    if (k.empty() || k.find('[') != std::string::npos) return false;
    if (k.find(']') != std::string::npos) {
      if (depth == 0) return false;
      closing = true;
    }
    if (!only_strings(v, closing, depth + 1)) return false;
  }
  return true;
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
  const auto j = nlohmann::json::parse(body, nullptr, false);
  bool closing = false;
  if (!j.is_discarded() && j.is_object() && only_strings(j, closing)) {
    if (closing) {
      bool refused = false;
      try {
        (void)mk::form_encode(j);
      } catch (const mk::configuration_error&) {
        refused = true;
      }
      mk::fuzz::require(refused, "a nested key with ']' was encoded");
      return 0;
    }
    const auto back = mk::form_decode(mk::form_encode(j));
    mk::fuzz::require(back.has_value(), "an encoded JSON object does not decode");
    // Objects keyed 0..n-1 come back as arrays: compare through the encoding.
    mk::fuzz::require(mk::form_encode(back.value()) == mk::form_encode(j), "JSON round trip differs");
  }
  return 0;
}
