// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/canonical_json.hpp>

#include <algorithm>
#include <functional>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <vector>

using namespace meterkit;

namespace {
std::string canon(const std::string& text) { return canonical_json(read_json(text, "c.json")); }
}  // namespace

BOOST_AUTO_TEST_SUITE(stripe_canonical_json)

BOOST_AUTO_TEST_CASE(D19_member_order_and_whitespace_do_not_matter) {
  BOOST_TEST(canon("{\"b\": 2, \"a\": {\"y\": [1, 2], \"x\": null}}") ==
             "{\"a\":{\"x\":null,\"y\":[1,2]},\"b\":2}");
  BOOST_TEST(canon("{ \"a\" : 1 ,\n \"b\":2 }") == canon("{\"b\":2,\"a\":1}"));
}

BOOST_AUTO_TEST_CASE(D19_types_are_distinguished) {
  const std::vector<std::string> distinct{"5",   "\"5\"",     "5.0",      "true", "null",
                                          "[5]", "{\"5\":5}", "\"true\"", "-5"};
  for (std::size_t i = 0; i < distinct.size(); ++i) {
    for (std::size_t j = i + 1; j < distinct.size(); ++j) {
      BOOST_TEST(canon(distinct[i]) != canon(distinct[j]), distinct[i] << " vs " << distinct[j]);
    }
  }
}

BOOST_AUTO_TEST_CASE(D19_array_order_matters) { BOOST_TEST(canon("[1,2]") != canon("[2,1]")); }

BOOST_AUTO_TEST_CASE(D19_integers_beyond_64_bits_keep_their_digits) {
  BOOST_TEST(canon("{\"q\": 123456789012345678901234567890}") == "{\"q\":123456789012345678901234567890}");
  BOOST_TEST(canon("123456789012345678901234567890") != canon("123456789012345678901234567891"));
}

BOOST_AUTO_TEST_CASE(D19_strings_are_escaped_once_and_alike) {
  BOOST_TEST(canon("\"a\\u0041\\n\\\"\"") == "\"aA\\n\\\"\"");
  BOOST_TEST(canon("\"\\u00e9\"") == canon("\"\xC3\xA9\""));
}

BOOST_AUTO_TEST_CASE(D19_the_fingerprint_holds_method_path_and_parameters) {
  const auto params = read_json("{\"event_name\": \"api\", \"payload\": {\"value\": \"5\"}}", "p.json");
  BOOST_TEST(request_fingerprint("POST", "/v1/billing/meter_events", params) ==
             "POST /v1/billing/meter_events {\"event_name\":\"api\",\"payload\":{\"value\":\"5\"}}");
  BOOST_TEST(request_fingerprint("POST", "/v1/billing/meter_events", params) !=
             request_fingerprint("POST", "/v2/billing/meter_events", params));
}

BOOST_AUTO_TEST_CASE(D19_canonical_text_is_a_fixed_point_and_ignores_member_order) {
  const auto seed = std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 2000; ++round) {
    // A random flat object written with its members in two random orders.
    std::vector<std::pair<std::string, std::string>> members;
    const char* values[] = {"1", "\"1\"", "1.5", "null", "[1,\"a\"]", "{\"z\":0,\"y\":[]}", "false", "-7"};
    for (auto n = rng() % 6; n > 0; --n) {
      members.emplace_back("k" + std::to_string(rng() % 100), values[rng() % 8]);
    }
    std::sort(members.begin(), members.end(), [](auto& a, auto& b) { return a.first < b.first; });
    members.erase(
        std::unique(members.begin(), members.end(), [](auto& a, auto& b) { return a.first == b.first; }),
        members.end());
    const auto write = [&] {
      std::string out = "{";
      for (std::size_t i = 0; i < members.size(); ++i) {
        out += (i ? ", " : "") + ("\"" + members[i].first + "\": ") + members[i].second;
      }
      return out + "}";
    };
    const std::string first = write();
    std::shuffle(members.begin(), members.end(), rng);
    const std::string second = write();
    const std::string c = canon(first);
    if (c != canon(second) || canon(c) != c) {
      BOOST_TEST(false, "seed " << seed << " round " << round << ": " << first << " vs " << second);
      return;
    }
  }
}

BOOST_AUTO_TEST_CASE(D19_a_container_kept_as_text_has_the_canonical_form_of_the_built_one) {
  // Random nested documents under a top-level object whose members are all kept as text (D6).
  const auto seed = std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  const auto texts = [](std::span<const std::string> keys, bool) {
    json_container_rule rule;
    if (!keys.empty()) rule.keep = json_keep::text;
    return rule;
  };
  const char* keys[] = {"a", "b", "\\u0001", "\\\"", "\xC3\xA9", "A", "ab", "\\u00e8", "\\n"};
  const char* scalars[] = {
      "1", "\"1\"", "1.50", "null", "true", "-7", "123456789012345678901234567890", "\"\\u0041\\t\"", "1e3"};
  std::function<std::string(int)> value = [&](int depth) -> std::string {
    const auto pick = rng() % (depth > 3 ? 1 : 3);
    if (pick == 0) return scalars[rng() % std::size(scalars)];
    std::vector<std::string> parts;
    if (pick == 1) {
      for (auto n = rng() % 4; n > 0; --n) parts.push_back(value(depth + 1));
      std::string out = "[";
      for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
      return out + "]";
    }
    std::vector<std::string> used;
    std::string out = "{";
    for (auto n = rng() % 5; n > 0; --n) {
      const std::string k = keys[rng() % std::size(keys)];
      if (std::find(used.begin(), used.end(), k) != used.end()) continue;
      used.push_back(k);
      out += (used.size() > 1 ? " , " : "") + ("\"" + k + "\" :") + value(depth + 1);
    }
    return out + "}";
  };
  // Every ASCII character and a non-ASCII one, escaped as the built tree's canonical form escapes them.
  std::string every;
  for (int c = 1; c < 128; ++c) every += static_cast<char>(c);
  every += "\xC3\xA9";
  const std::string strings = "{\"x\": [" + nlohmann::json(every).dump() + "]}";
  BOOST_TEST(canonical_json(read_json(strings, "c.json")) ==
             canonical_json(read_json(strings, "c.json", {1, 1}, max_json_depth, max_json_depth, texts)));
  for (int round = 0; round < 2000; ++round) {
    const std::string doc = "{\"x\": " + value(0) + ", \"y\": [" + value(1) + "]}";
    const std::string built = canonical_json(read_json(doc, "c.json"));
    const std::string kept =
        canonical_json(read_json(doc, "c.json", {1, 1}, max_json_depth, max_json_depth, texts));
    if (built != kept) {
      BOOST_TEST(false,
                 "seed " << seed << " round " << round << ": " << doc << ": " << built << " vs " << kept);
      return;
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
