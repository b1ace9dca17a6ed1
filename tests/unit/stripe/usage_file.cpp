// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/usage_file.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace meterkit;

namespace {
std::string write(const std::string& name, const std::string& content) {
  const auto dir = std::filesystem::temp_directory_path() / "meterkit_usage_file";
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(stripe_usage_file)

BOOST_AUTO_TEST_CASE(D6_the_extension_names_the_format) {
  BOOST_TEST((usage_format_of("a.csv") == std::optional(usage_format::bulk_csv)));
  BOOST_TEST((usage_format_of("A.CSV") == std::optional(usage_format::bulk_csv)));
  BOOST_TEST((usage_format_of("x/a.json") == std::optional(usage_format::bulk_json)));
  BOOST_TEST((usage_format_of("a.jsonl") == std::optional(usage_format::bulk_jsonl)));
  BOOST_TEST((usage_format_of("a.requests.jsonl") == std::optional(usage_format::request_log)));
  BOOST_TEST((usage_format_of("a.Requests.JSONL") == std::optional(usage_format::request_log)));
  BOOST_TEST((!usage_format_of("a.txt").has_value()));
  BOOST_TEST((!usage_format_of("csv").has_value()));
  BOOST_TEST((usage_format_of("a.requests.json") == std::optional(usage_format::bulk_json)));  // an array
}

BOOST_AUTO_TEST_CASE(D1_inputs_are_read_in_the_order_given_and_sourced_by_their_path_as_given) {
  const auto csv = write("u.csv", "timestamp,event_name\n30,a\n10,b\n");
  const auto log = write("u.requests.jsonl",
                         "{\"received_at\": 20, \"path\": \"/v2/billing/meter_event_stream\", "
                         "\"params\": {\"events\": [{\"event_name\": \"c\"}, {\"event_name\": \"d\"}]}}\n");
  const auto json = write("u.json", "[{\"timestamp\": 5, \"event_name\": \"e\"}]");
  const auto rs = read_usage_files({log, csv, json});
  BOOST_REQUIRE(rs.size() == 4u);
  BOOST_TEST(rs[0].source == log + ":1");
  BOOST_TEST(rs[0].operations.size() == 2u);
  BOOST_TEST(rs[1].source == csv + ":2");
  BOOST_TEST(rs[2].source == csv + ":3");
  BOOST_TEST(rs[3].source == json + ":1");
  BOOST_TEST(to_unix(rs[3].received_at) == 5);
}

BOOST_AUTO_TEST_CASE(D6_an_unknown_extension_or_a_missing_file_is_an_input_error) {
  try {
    (void)read_usage_files({write("u.txt", "x")});
    BOOST_TEST(false, "expected an input_error");
  } catch (const input_error& e) {
    BOOST_TEST(e.message().find("unknown input format") != std::string::npos);
  }
  try {
    (void)read_usage_files({"/nonexistent/meterkit.csv"});
    BOOST_TEST(false, "expected an input_error");
  } catch (const input_error& e) {
    BOOST_TEST(e.file() == "/nonexistent/meterkit.csv");
    BOOST_TEST(e.message().find("cannot open") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(D6_text_inputs_read_like_files) {
  const auto rs = read_usage_text("timestamp,event_name\n1,a\n", "mem.csv", usage_format::bulk_csv);
  BOOST_REQUIRE(rs.size() == 1u);
  BOOST_TEST(rs[0].source == "mem.csv:2");
  BOOST_TEST(to_string(usage_format::request_log) == "request log");
}

BOOST_AUTO_TEST_SUITE_END()
