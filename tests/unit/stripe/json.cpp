// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/json.hpp>

#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using namespace meterkit;

namespace {
/// The input_error that `f` raises, or a failed test.
template <class F>
input_error error_of(F&& f) {
  try {
    f();
  } catch (const input_error& e) {
    return e;
  }
  BOOST_FAIL("expected an input_error");
  return input_error("", {}, "");
}

std::vector<std::string> elements_of(const std::string& text, std::vector<text_position>* where = nullptr,
                                     std::size_t block = 4 << 20) {
  input_source source = input_source::from_text(text, "a.json");
  read_options options;
  options.block_bytes = block;
  detail::json_array_reader reader(source, options, "an array");
  std::vector<std::string> out;
  std::string_view element;
  text_position at;
  while (reader.next(element, at)) {
    out.emplace_back(element);
    if (where) where->push_back(at);
  }
  return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(stripe_json)

BOOST_AUTO_TEST_CASE(D6_syntax_errors_are_reported_at_their_line_and_column) {
  struct row {
    std::string text;
    text_position at;
    std::string contains;
  };
  const row rows[] = {
      {"{\"a\": 1,\n \"b\": tru}", {2, 10}, "invalid literal"},
      {"{\"a\": 1", {1, 8}, "unexpected end of input"},
      {"", {1, 1}, "unexpected end of input"},
      {"[1, 2] x", {1, 8}, "expected end of input"},
      {"{\"a\": \"\xFF\"}", {1, 8}, "invalid string"},
      {"{\"a\": 1e999}", {1, 11}, "number overflow"},
      {"[\"\x89PNG\"]", {1, 3}, "last read: '\"\\x89'"},
      // The parser alone would stop at a NUL and accept what precedes it (issue: trailing garbage).
      {std::string("{\"a\": 1}\0garbage", 16), {1, 9}, "a NUL byte"},
      {std::string("{\"a\":\n \"x\0y\"}", 13), {2, 4}, "a NUL byte"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.text) {
      const auto e = error_of([&] { (void)read_json(r.text, "f.json"); });
      BOOST_TEST(e.file() == "f.json");
      BOOST_TEST(e.line() == r.at.line);
      BOOST_TEST(e.column() == r.at.column);
      BOOST_TEST(e.message().find(r.contains) != std::string::npos, e.message());
      BOOST_TEST(e.message().find("[json.exception") == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(D1_errors_are_placed_relative_to_where_the_text_starts) {
  const auto e = error_of([] { (void)read_json("{\n  \"a\": ?}", "big.json", {40, 3}); });
  BOOST_TEST(e.line() == 41u);
  BOOST_TEST(e.column() == 8u);
}

BOOST_AUTO_TEST_CASE(D6_a_repeated_key_is_an_error_at_its_second_occurrence) {
  const auto e =
      error_of([] { (void)read_json("{\"value\": 1,\n  \"val\\\"ue\": 2, \"val\\\"ue\": 3}", "d.json"); });
  BOOST_TEST(e.line() == 2u);
  BOOST_TEST(e.column() == 17u);
  BOOST_TEST(e.message().find("appears twice") != std::string::npos);
  // The same key in different objects is fine.
  BOOST_TEST(read_json("{\"a\": {\"k\": 1}, \"b\": {\"k\": 2}}", "ok.json")["b"]["k"] == 2);
}

BOOST_AUTO_TEST_CASE(D6_nesting_is_bounded) {
  const std::string deep = std::string(300, '[') + std::string(300, ']');
  const auto e = error_of([&] { (void)read_json(deep, "deep.json"); });
  BOOST_TEST(e.message().find("nesting deeper than 256") != std::string::npos);
  BOOST_TEST(e.column() == 257u);
  const std::string fine = std::string(200, '[') + std::string(200, ']');
  BOOST_TEST(read_json(fine, "fine.json").is_array());
}

BOOST_AUTO_TEST_CASE(D6_values_below_the_built_depth_are_read_not_built) {
  // Below two levels of containers: a container is an empty one of its kind, an array keeps its
  // first element; what is above is built as always.
  const std::string text =
      R"({"a": 1, "p": {"k": "v", "deep": [[1], {"x": 2}], "o": {"y": [3]}}, "list": [7, {}, 8]})";
  const auto doc = read_json(text, "t.json", {1, 1}, max_json_depth, 2);
  BOOST_TEST(doc["a"] == 1);
  BOOST_TEST(doc["p"]["k"] == "v");
  BOOST_TEST((doc["p"]["deep"] == nlohmann::json::array()));
  BOOST_TEST((doc["p"]["o"] == nlohmann::json::object()));
  BOOST_TEST((doc["list"] == nlohmann::json::array({7})));
  BOOST_TEST((read_json(text, "t.json") == nlohmann::json::parse(text)));  // built whole by default
  // Nothing built: the document's kind alone (a plan that is not an object).
  BOOST_TEST((read_json("[{}, {}, [1, 2]]", "t.json", {1, 1}, max_json_depth, 0) == nlohmann::json::array()));
  BOOST_TEST(read_json(" \"s\"", "t.json", {1, 1}, max_json_depth, 0) == "s");
  // Errors are found in what is not built as in what is: syntax, depth.
  const auto built = error_of([&] { (void)read_json("[[1, }]", "t.json"); });
  const auto read = error_of([&] { (void)read_json("[[1, }]", "t.json", {1, 1}, max_json_depth, 0); });
  BOOST_TEST(read.column() == built.column());
  BOOST_TEST(read.message() == built.message());
  const std::string deep = std::string(300, '[') + std::string(300, ']');
  BOOST_TEST(error_of([&] {
               (void)read_json(deep, "deep.json", {1, 1}, max_json_depth, 1);
             }).column() == 257u);
}

namespace {
/// A shape that builds the document, its member "p", and the arrays of "p"."list" (at most two
/// elements); keeps "k" by its kind; everything else is kept as text.
json_container_rule test_shape(std::span<const std::string> keys, bool) {
  json_container_rule rule;
  if (keys.empty() || (keys.size() == 1 && keys[0] == "p")) return rule;
  if (keys.size() == 2 && keys[0] == "p" && keys[1] == "list") {
    rule.max_elements = 2;
    rule.too_many = "p.list: more than 2 elements";
    return rule;
  }
  rule.keep = keys.size() == 1 && keys[0] == "k"   ? json_keep::kind
              : keys.size() == 1 && keys[0] == "s" ? json_keep::shallow_text
                                                   : json_keep::text;
  return rule;
}
}  // namespace

BOOST_AUTO_TEST_CASE(D6_a_shape_builds_what_the_reader_reads_and_keeps_the_rest_as_its_text) {
  const std::string text =
      R"({"p": {"k": "v", "o": { "b" : [1, 2.50, "\u0041", null, true, 123456789012345678901234567890] ,)"
      R"( "a": {}}, "list": [{"x": 1}, []]}, "q": [[], [{}]], "n": 7})";
  const auto doc = read_json(text, "t.json", {1, 1}, max_json_depth, max_json_depth, test_shape);
  BOOST_TEST(doc["n"] == 7);
  BOOST_TEST(doc["p"]["k"] == "v");
  // Kept as text: the tokens in order without white space; numbers and strings as the canonical
  // form writes them; big integers by their digits.
  BOOST_TEST(is_json_text(doc["p"]["o"]));
  BOOST_TEST(json_text_of(doc["p"]["o"]) ==
             R"({"b":[1,2.5,"A",null,true,123456789012345678901234567890],"a":{}})");
  BOOST_TEST(json_text_of(doc["q"]) == "[[],[{}]]");
  BOOST_TEST(json_text_of(doc["p"]["list"][0]) == R"({"x":1})");
  BOOST_TEST(describe_json(doc["p"]["o"]) == "an object");
  BOOST_TEST(describe_json(doc["q"]) == "an array");
  BOOST_TEST(!is_json_integer(doc["q"]));
  // Without a shape the same document is built whole; the text is never longer than the input.
  BOOST_TEST(read_json(text, "t.json")["p"]["o"]["b"].size() == 6u);
  BOOST_TEST(json_text_of(doc["p"]["o"]).size() < text.size());
  // Errors are found in what is kept as text as in what is built: syntax, a repeated key (also
  // when only its escapes differ, not when only a nested object repeats it), depth.
  BOOST_TEST(json_text_of(read_json(R"({"q": [{"a": {"a": 1}, "b": {"a": 2}}]})", "t.json", {1, 1},
                                    max_json_depth, max_json_depth, test_shape)["q"]) ==
             R"([{"a":{"a":1},"b":{"a":2}}])");
  for (const std::string bad :
       {R"({"q": [1, }]})", R"({"q": [{"a": 1, "b": {}, "a": 2}]})", R"({"q": [{"x": [], "\u0078": 2}]})"}) {
    BOOST_TEST_CONTEXT(bad) {
      const auto built = error_of([&] { (void)read_json(bad, "t.json"); });
      const auto kept = error_of([&] {
        (void)read_json(bad, "t.json", {1, 1}, max_json_depth, max_json_depth, test_shape);
      });
      BOOST_TEST(kept.column() == built.column());
      BOOST_TEST(kept.message() == built.message());
    }
  }
  const std::string bad = R"({"q": [1, }]})";
  const auto built = error_of([&] { (void)read_json(bad, "t.json"); });
  const auto kept = error_of([&] {
    (void)read_json(bad, "t.json", {1, 1}, max_json_depth, max_json_depth, test_shape);
  });
  BOOST_TEST(kept.column() == built.column());
  BOOST_TEST(kept.message() == built.message());
  const std::string deep = R"({"q": )" + std::string(300, '[') + std::string(300, ']') + "}";
  BOOST_TEST(error_of([&] {
               (void)read_json(deep, "deep.json", {1, 1}, max_json_depth, max_json_depth, test_shape);
             })
                 .message()
                 .find("nesting deeper than 256") != std::string::npos);
  // An array past its bound: the shape's message at the element past it, not "invalid JSON".
  for (const std::string third : {"3", "\"s\"", "{}", "[1]"}) {
    const std::string long_list = R"({"p": {"list": [1, 2, )" + third + "]}}";
    BOOST_TEST_CONTEXT(long_list) {
      const auto e = error_of([&] {
        (void)read_json(long_list, "t.json", {1, 1}, max_json_depth, max_json_depth, test_shape);
      });
      BOOST_TEST(e.message() == "p.list: more than 2 elements");
      BOOST_TEST(e.column() >= long_list.find(third) + 1);
      BOOST_TEST(e.column() <= long_list.find(third) + third.size() + 1);  // a number ends at what follows it
    }
  }
  // Shallow: the members as text, what they nest by its kind, repeated keys still found.
  const auto shallow = read_json(R"({"s": {"a": [1, {"b": 2}], "c": "x", "d": {"e": {}}, "f": 1.5}})",
                                 "t.json", {1, 1}, max_json_depth, max_json_depth, test_shape);
  BOOST_TEST(json_text_of(shallow["s"]) == R"({"a":[],"c":"x","d":{},"f":1.5})");
  BOOST_TEST(error_of([&] {
               (void)read_json(R"({"s": {"d": {"e": {"g": 1, "g": 2}}}})", "t.json", {1, 1}, max_json_depth,
                               max_json_depth, test_shape);
             }).message() ==
             "invalid JSON: the key \"g\" appears twice in this object; expected unique keys");
  // By its kind: an empty one, whatever it held; errors inside it are still found.
  const auto kinds = read_json(R"({"k": [[{}], {"a": 1}], "p": {}})", "t.json", {1, 1}, max_json_depth,
                               max_json_depth, test_shape);
  BOOST_TEST((kinds["k"] == nlohmann::json::array()));
  BOOST_TEST(error_of([&] {
               (void)read_json(R"({"k": [{"a": 1, "a": 2}]})", "t.json", {1, 1}, max_json_depth,
                               max_json_depth, test_shape);
             }).message() ==
             "invalid JSON: the key \"a\" appears twice in this object; expected unique keys");
  BOOST_TEST(read_json(R"({"p": {"list": [1, 2]}})", "t.json", {1, 1}, max_json_depth, max_json_depth,
                       test_shape)["p"]["list"]
                 .size() == 2u);
}

BOOST_AUTO_TEST_CASE(D6_repeated_keys_are_found_alike_in_text_and_in_a_tree) {
  // Random objects of up to 40 keys from 30 (so that the key table grows, and keys repeat or not).
  const auto seed = std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 500; ++round) {
    std::string object = "{";
    for (auto n = rng() % 41; n > 0; --n) {
      const auto k = rng() % 30;
      object += (object.size() > 1 ? ", " : "") + std::string(k % 7 == 0 ? "\"\\u006b" : "\"k") +
                std::to_string(k) + "\": " + (k % 5 == 0 ? "{\"k1\": 1}" : "1");
    }
    const std::string doc = R"({"q": [)" + object + "]}";
    std::string built;
    std::string kept;
    try {
      (void)read_json(doc, "t.json");
    } catch (const input_error& e) {
      built = std::to_string(e.column()) + e.message();
    }
    try {
      (void)read_json(doc, "t.json", {1, 1}, max_json_depth, max_json_depth, test_shape);
    } catch (const input_error& e) {
      kept = std::to_string(e.column()) + e.message();
    }
    if (built != kept) {
      BOOST_TEST(false,
                 "seed " << seed << " round " << round << ": " << doc << ": " << built << " vs " << kept);
      return;
    }
  }
}

BOOST_AUTO_TEST_CASE(D6_the_members_of_an_object_kept_as_text_read_back_as_written) {
  const std::string text =
      R"({"o": {"s": "a\"b\\c\u0001\n\u00e9", "": 5, "big": -123456789012345678901234567890, "f": 1.50,)"
      R"( "n": null, "t": true, "x": {"y": [1, "]"]}, "z": [], "k\"": "}"}})";
  const auto doc = read_json(text, "t.json", {1, 1}, max_json_depth, max_json_depth, test_shape);
  BOOST_REQUIRE(is_json_text_object(doc["o"]));
  BOOST_TEST(json_text_member_count(doc["o"]) == 9u);
  std::vector<json_text_member> members;
  for_each_json_text_member(doc["o"], [&](json_text_member&& m) { members.push_back(std::move(m)); });
  BOOST_REQUIRE(members.size() == 9u);
  using k = json_text_member::kind;
  BOOST_TEST(members[0].key == "s");
  BOOST_TEST((members[0].what == k::string));
  BOOST_TEST(members[0].value == "a\"b\\c\x01\n\xC3\xA9");
  BOOST_TEST(members[1].key == "");
  BOOST_TEST(members[1].describe() == "an integer (5)");
  BOOST_TEST(members[2].value == "-123456789012345678901234567890");
  BOOST_TEST((members[2].what == k::integer));
  BOOST_TEST(members[3].describe() == "a number with a fraction or an exponent (1.5)");
  BOOST_TEST(members[4].describe() == "null");
  BOOST_TEST(members[5].describe() == "true");
  BOOST_TEST(members[6].describe() == "an object");
  BOOST_TEST(members[6].value == R"({"y":[1,"]"]})");
  BOOST_TEST(members[7].describe() == "an array");
  BOOST_TEST(members[8].key == "k\"");
  BOOST_TEST(members[8].value == "}");
  // Each as the built object describes it.
  const auto built = read_json(text, "t.json")["o"];
  for (const auto& m : members) BOOST_TEST(m.describe() == describe_json(built[m.key]));
}

BOOST_AUTO_TEST_CASE(D3_integers_keep_their_decimal_text_at_any_size) {
  struct row {
    std::string text;
    std::string digits;
  };
  const row rows[] = {{"0", "0"},
                      {"-15", "-15"},
                      {"9223372036854775807", "9223372036854775807"},
                      {"18446744073709551615", "18446744073709551615"},
                      {"123456789012345678901234567890", "123456789012345678901234567890"},
                      {"-99999999999999999999", "-99999999999999999999"}};
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.text) {
      const auto j = read_json(r.text, "n.json");
      BOOST_TEST(is_json_integer(j));
      BOOST_TEST(json_integer_text(j) == r.digits);
    }
  }
  for (const std::string text : {"1.5", "1e3", "1E3", "-0.0", "\"5\"", "true", "null", "[]"}) {
    BOOST_TEST(!is_json_integer(read_json(text, "n.json")), text);
  }
  BOOST_TEST((json_int64(read_json("9223372036854775807", "n.json")) == INT64_MAX));
  BOOST_TEST((!json_int64(read_json("9223372036854775808", "n.json")).has_value()));
  BOOST_TEST((json_int64(read_json("-9223372036854775808", "n.json")) == INT64_MIN));
}

BOOST_AUTO_TEST_CASE(D6_value_errors_carry_the_path_of_the_value) {
  const json_path root("params");
  const json_path inner = root / "events";
  const json_path element = inner[3];
  try {
    fail_json_value(element / "payload" / "value", "expected a string");
  } catch (const json_value_error& e) {
    BOOST_TEST(std::string(e.what()) == "params.events[3].payload.value: expected a string");
    BOOST_TEST(e.path().size() == 5u);
    BOOST_TEST((e.code() == error_code::invalid_input));  // a meterkit::error like every other
  }
  BOOST_CHECK_THROW(fail_json_value(root, "expected an object"), error);
  BOOST_TEST(json_path().to_string().empty());
  BOOST_TEST((json_path() / "a")[0].to_string() == "a[0]");
}

BOOST_AUTO_TEST_CASE(D6_a_value_is_found_again_by_its_path) {
  const std::string text =
      "{\n  \"a\": [10, {\"b\\u0041\": \"x\", \"c\": {\"d\": [true, null, \"]\"]}}],\n  \"e\": 5\n}";
  struct row {
    std::vector<json_step> path;
    std::string_view starts_with;
  };
  const row rows[] = {
      {{}, "{"},
      {{{"a", {}}}, "[10"},
      {{{"a", {}}, {{}, 0}}, "10"},
      {{{"a", {}}, {{}, 1}, {"bA", {}}}, "\"x\""},
      {{{"a", {}}, {{}, 1}, {"c", {}}, {"d", {}}, {{}, 2}}, "\"]\""},
      {{{"e", {}}}, "5"},
      // Missing steps stop at the deepest ancestor that exists.
      {{{"a", {}}, {{}, 7}}, "[10"},
      {{{"zzz", {}}}, "{"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(to_string(r.path)) {
      const auto at = locate_json_value(text, r.path);
      BOOST_TEST(text.substr(at, r.starts_with.size()) == r.starts_with);
    }
  }
}

BOOST_AUTO_TEST_CASE(D6_locating_random_paths_in_random_documents_finds_the_value) {
  const auto seed = std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  // Random documents; every path to every value must lead to text that parses to that value.
  std::function<nlohmann::json(int)> random_value = [&](int depth) -> nlohmann::json {
    const auto kind = depth > 3 ? rng() % 4 : rng() % 6;
    switch (kind) {
      case 0:
        return static_cast<std::int64_t>(rng() % 2000) - 1000;
      case 1:
        return std::string(rng() % 3, "a\"\\]},\n"[rng() % 7]);
      case 2:
        return nullptr;
      case 3:
        return rng() % 2 == 0;
      case 4: {
        nlohmann::json a = nlohmann::json::array();
        for (auto n = rng() % 4; n > 0; --n) a.push_back(random_value(depth + 1));
        return a;
      }
      default: {
        nlohmann::json o = nlohmann::json::object();
        const char* keys[] = {"k", "q\"", "\\", "\xc3\xa9", "a b", "]"};
        for (auto n = rng() % 4; n > 0; --n) o[keys[rng() % 6]] = random_value(depth + 1);
        return o;
      }
    }
  };
  for (int round = 0; round < 500; ++round) {
    const nlohmann::json doc = random_value(0);
    const std::string text = doc.dump(rng() % 2 == 0 ? -1 : 2);
    std::vector<std::pair<std::vector<json_step>, const nlohmann::json*>> paths{{{}, &doc}};
    for (std::size_t i = 0; i < paths.size(); ++i) {
      const auto [path, value] = paths[i];
      if (value->is_object()) {
        for (const auto& [k, v] : value->items()) {
          auto p = path;
          p.push_back({k, {}});
          paths.emplace_back(p, &v);
        }
      } else if (value->is_array()) {
        for (std::size_t k = 0; k < value->size(); ++k) {
          auto p = path;
          p.push_back({{}, k});
          paths.emplace_back(p, &(*value)[k]);
        }
      }
    }
    for (const auto& [path, value] : paths) {
      const auto at = locate_json_value(text, path);
      detail::json_text_walker w(text, at);
      w.skip_value();
      const auto found = nlohmann::json::parse(text.substr(at, w.offset() - at));
      if (found != *value) {
        BOOST_TEST(false, "seed " << seed << " round " << round << " path " << to_string(path));
        return;
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(D1_array_elements_come_with_the_position_of_their_first_character) {
  std::vector<text_position> where;
  const auto got =
      elements_of("\xEF\xBB\xBF[\n  {\"a\": \"[}\"},\n  {\"b\":\n [1]} , 7,\"s\\\"\",[]\n]\n", &where);
  const std::vector<std::string> expected{"{\"a\": \"[}\"}", "{\"b\":\n [1]}", "7", "\"s\\\"\"", "[]"};
  BOOST_TEST(got == expected, boost::test_tools::per_element());
  BOOST_REQUIRE(where.size() == 5u);
  BOOST_TEST(where[0].line == 2u);
  BOOST_TEST(where[0].column == 3u);
  BOOST_TEST(where[1].line == 3u);
  BOOST_TEST(where[2].line == 4u);
  BOOST_TEST(where[2].column == 9u);
  BOOST_TEST(where[4].column == 17u);
  BOOST_TEST(elements_of(" [ ] ").empty());
}

BOOST_AUTO_TEST_CASE(D1_array_elements_do_not_depend_on_the_block_size) {
  const std::string text = "[{\"a\": [1, {\"b\": \"x\\\\\"}]}, 12345, \"q\\\"]\" ,\n{}, [[]], -1.5e3]";
  const auto whole = elements_of(text);
  BOOST_TEST(whole.size() == 6u);
  for (std::size_t block = 1; block < 12; ++block) {
    BOOST_TEST(elements_of(text, nullptr, block) == whole, "block " << block);
  }
}

BOOST_AUTO_TEST_CASE(D6_a_broken_array_is_an_input_error_that_says_what_was_expected) {
  struct row {
    std::string text;
    text_position at;
    std::string contains;
  };
  const row rows[] = {
      {"", {1, 1}, "the file is empty"},
      {"  \n ", {2, 2}, "the file is empty"},
      {"{\"a\": 1}", {1, 1}, "starting with '['"},
      {"\x89PNG", {1, 1}, "byte 0x89"},
      {"[{\"a\": 1}", {1, 10}, "unexpected end of file"},
      {"[{\"a\": 1} {\"b\": 2}]", {1, 11}, "expected ',' or ']'"},
      {"[{\"a\": 1},]", {1, 11}, "expected an array element after ','"},
      {"[{\"a\": 1}] []", {1, 12}, "end of the file"},
      {"[\n{\"a\": [1, 2}", {2, 12}, "unexpected '}'; expected ']'"},
      {"[1,", {1, 4}, "unexpected end of file"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.text) {
      const auto e = error_of([&] { (void)elements_of(r.text); });
      BOOST_TEST(e.line() == r.at.line);
      BOOST_TEST(e.column() == r.at.column);
      BOOST_TEST(e.message().find(r.contains) != std::string::npos, e.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(D6_an_oversized_array_element_is_an_input_error_not_an_allocation) {
  input_source source = input_source::from_text("[{\"a\": \"" + std::string(5000, 'x') + "\"}]", "big.json");
  read_options options;
  options.block_bytes = 256;
  options.max_record_bytes = 1000;
  detail::json_array_reader reader(source, options, "an array");
  std::string_view element;
  text_position at;
  const auto e = error_of([&] { (void)reader.next(element, at); });
  BOOST_TEST(e.column() == 2u);
  BOOST_TEST(e.message().find("longer than 1000 bytes") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
