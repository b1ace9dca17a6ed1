// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/wire/form_encoding.hpp>

#include <cstdint>
#include <random>
#include <string>

BOOST_AUTO_TEST_SUITE(stripe_wire_form_encoding)

using meterkit::form_decode;
using meterkit::form_encode;
using json = nlohmann::json;

BOOST_AUTO_TEST_CASE(W1_nested_objects_use_brackets_as_the_official_clients_do) {
  const json params = {{"event_name", "api_requests"},
                       {"payload", {{"stripe_customer_id", "cus_1"}, {"value", "25"}}},
                       {"timestamp", 1735689600}};
  BOOST_TEST(
      form_encode(params) ==
      "event_name=api_requests&payload[stripe_customer_id]=cus_1&payload[value]=25&timestamp=1735689600");
}

BOOST_AUTO_TEST_CASE(W1_arrays_are_indexed_and_scalars_spelled_like_json) {
  const json params = {{"events", json::array({{{"identifier", "a"}}, {{"identifier", "b"}}})},
                       {"flag", true},
                       {"unset", nullptr},
                       {"empty", json::object()}};
  BOOST_TEST(form_encode(params) == "events[0][identifier]=a&events[1][identifier]=b&flag=true&unset=");
}

BOOST_AUTO_TEST_CASE(W1_reserved_bytes_are_percent_encoded_with_upper_case_hex_brackets_stay) {
  struct row {
    std::string in, out;
  };
  const row table[] = {
      {"a b", "a%20b"},   {"a+b", "a%2Bb"},       {"x&y=z", "x%26y%3Dz"},
      {"[k]", "[k]"},     {"~-._", "~-._"},       {"é", "%C3%A9"},
      {"100%", "100%25"}, {"a/b?c", "a%2Fb%3Fc"}, {"!*'()", "%21%2A%27%28%29"},
  };
  for (const auto& r : table) BOOST_TEST(meterkit::form_escape(r.in) == r.out, r.in);
}

BOOST_AUTO_TEST_CASE(W1_decoding_rebuilds_the_nesting_as_strings_and_arrays) {
  auto j = form_decode(
      "event_name=x&payload[stripe_customer_id]=cus%201&payload[value]=-5&events[0][a]=1&events[1][a]=2&t=1");
  BOOST_REQUIRE(j.has_value());
  const json want = {{"event_name", "x"},
                     {"payload", {{"stripe_customer_id", "cus 1"}, {"value", "-5"}}},
                     {"events", json::array({{{"a", "1"}}, {{"a", "2"}}})},
                     {"t", "1"}};
  BOOST_TEST(j.value() == want);
  BOOST_TEST(form_decode("a=b+c").value()["a"] == "b c");
}

BOOST_AUTO_TEST_CASE(W1_top_level_index_keys_stay_parameters_of_an_object) {
  // Found by the form_encoding fuzzer: "0" once decoded to the array [""], which encodes to nothing.
  for (const char* body : {"0", "0=x", "0=x&1=y"}) {
    auto j = form_decode(body);
    BOOST_REQUIRE(j.has_value());
    BOOST_TEST(j.value().is_object(), body);
    BOOST_TEST(form_decode(meterkit::form_encode(j.value())).value() == j.value(), body);
  }
  BOOST_TEST(form_decode("0=x&1=y").value() == (json{{"0", "x"}, {"1", "y"}}));
}

BOOST_AUTO_TEST_CASE(W1_malformed_form_bodies_are_rejections_not_guesses) {
  for (const char* bad : {"a=%zz", "a=%4", "a[b=1", "a=1&a=2", "a=1&a[b]=2", "[x]=1"}) {
    auto j = form_decode(bad);
    BOOST_TEST(!j.has_value(), bad);
    if (!j) BOOST_TEST((j.error().code == meterkit::error_code::api_error), bad);
  }
}

BOOST_AUTO_TEST_CASE(W1_keys_a_form_body_cannot_carry_are_refused_before_sending) {
  // A top-level key with '[' would be read as nesting (`a[b]=1` sets b inside a) or not at all
  // (`a[b=1`); a nested key with ']' would end its bracket early. Both are configuration errors.
  for (const char* key : {"a[b]", "a[b", "[", "[x]", "a[0]"}) {
    BOOST_CHECK_THROW((void)form_encode(json{{key, "1"}}), meterkit::configuration_error);
    BOOST_CHECK_THROW((void)form_encode(json{{"ok", "2"}, {key, json{{"c", "1"}}}}),
                      meterkit::configuration_error);
  }
  BOOST_CHECK_THROW((void)form_encode(json{{"payload", {{"x]y", "1"}}}}), meterkit::configuration_error);
  try {
    (void)form_encode(json{{"a[b]", "1"}});
  } catch (const meterkit::configuration_error& e) {
    BOOST_TEST(std::string(e.what()).find("'['") != std::string::npos, e.what());
  }
  // What can be carried round-trips: ']' in a top-level key, '[' in a nested one.
  for (const json& params : {json{{"x]y", "2"}}, json{{"payload", {{"a[b", "1"}}}}, json{{"]", "3"}}}) {
    auto back = form_decode(form_encode(params));
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST(back.value() == params, params.dump());
  }
}

BOOST_AUTO_TEST_CASE(W1_encode_then_decode_gives_the_parameters_back_as_strings) {
  const std::uint64_t seed = 0x5eed0007;
  std::mt19937_64 rng(seed);
  const std::string alphabet = "abcXYZ019 -_.~+&=%[]/?é\"'";
  const auto random_text = [&](std::size_t max_len, bool brackets = true) {
    std::string s;
    const std::size_t n = rng() % (max_len + 1);
    while (s.size() < n) {
      const char c = alphabet[rng() % alphabet.size()];
      if (brackets || (c != '[' && c != ']')) s += c;
    }
    return s;
  };
  for (int round = 0; round < 3000; ++round) {
    json params = json::object();
    json payload = json::object();
    const std::size_t n = 1 + rng() % 4;
    for (std::size_t i = 0; i < n; ++i)
      payload["k" + std::to_string(i) + random_text(3, false)] = random_text(12);
    params["payload"] = payload;
    params["event_name"] = "e" + random_text(8);
    params["timestamp"] = static_cast<std::int64_t>(rng() % 4000000000ULL);
    auto back = form_decode(form_encode(params));
    BOOST_REQUIRE_MESSAGE(back.has_value(), "seed " << seed << " round " << round);
    json want = params;
    want["timestamp"] = std::to_string(params["timestamp"].get<std::int64_t>());
    BOOST_REQUIRE_MESSAGE(back.value() == want,
                          "seed " << seed << " round " << round << ": " << form_encode(params));
  }
}

BOOST_AUTO_TEST_SUITE_END()
