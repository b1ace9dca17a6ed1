// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/stripe/bulk_upload.hpp>

#include <random>
#include <string>
#include <utility>
#include <vector>

using namespace meterkit;

namespace {
enum class fmt { csv, json, jsonl };

std::vector<request> read(fmt f, const std::string& text, const std::string& name = "u",
                          std::size_t block = 4 << 20) {
  input_source source = input_source::from_text(text, name);
  read_options options;
  options.block_bytes = block;
  std::vector<request> out;
  const auto sink = [&](request&& r) { out.push_back(std::move(r)); };
  if (f == fmt::csv) read_bulk_csv(source, sink, options);
  if (f == fmt::json) read_bulk_json(source, sink, options);
  if (f == fmt::jsonl) read_bulk_jsonl(source, sink, options);
  return out;
}

input_error error_of(fmt f, const std::string& text) {
  try {
    (void)read(f, text, "bad");
  } catch (const input_error& e) {
    return e;
  }
  BOOST_FAIL("expected an input_error for " << text);
  return input_error("", {}, "");
}

const meter_event& event_of(const request& r) {
  BOOST_REQUIRE(r.operations.size() == 1u);
  return std::get<meter_event>(r.operations.front());
}

using payload = std::vector<std::pair<std::string, std::string>>;
}  // namespace

BOOST_AUTO_TEST_SUITE(stripe_bulk_upload)

BOOST_AUTO_TEST_CASE(D2_csv_columns_map_to_the_event_and_unknown_columns_are_ignored) {
  const auto rs = read(fmt::csv,
                       "note,identifier,timestamp,event_name,payload_stripe_customer_id,payload_value\n"
                       "hello,evt_1,1735689600,api_requests,cus_1,12\n",
                       "usage.csv");
  BOOST_REQUIRE(rs.size() == 1u);
  const auto& e = event_of(rs[0]);
  BOOST_TEST(e.event_name == "api_requests");
  BOOST_TEST((e.identifier == std::optional<std::string>("evt_1")));
  BOOST_TEST((e.timestamp == std::optional<timestamp>(from_unix(1735689600))));
  BOOST_TEST((e.payload == payload{{"stripe_customer_id", "cus_1"}, {"value", "12"}}));
  BOOST_TEST(rs[0].source == "usage.csv:2");
  BOOST_TEST(to_unix(rs[0].received_at) == 1735689600);
  BOOST_TEST(!rs[0].idempotency_key.has_value());
}

BOOST_AUTO_TEST_CASE(D2_an_empty_cell_means_the_field_is_absent) {
  const auto rs = read(fmt::csv,
                       "identifier,timestamp,event_name,payload_a,payload_b,received_at\n"
                       ",,,,x,1735689600\n");
  BOOST_REQUIRE(rs.size() == 1u);
  const auto& e = event_of(rs[0]);
  BOOST_TEST(e.event_name.empty());  // rejected later with no_meter (D12)
  BOOST_TEST(!e.identifier.has_value());
  BOOST_TEST(!e.timestamp.has_value());
  BOOST_TEST((e.payload == payload{{"b", "x"}}));
  BOOST_TEST(to_unix(rs[0].received_at) == 1735689600);
}

BOOST_AUTO_TEST_CASE(D1_csv_sources_are_the_first_physical_line_of_each_record) {
  const auto rs = read(fmt::csv,
                       "\xEF\xBB\xBFtimestamp,event_name,payload_note\r\n"
                       "\r\n"
                       "1,a,\"two\r\nlines\"\r\n"
                       "2,b,x\r\n",
                       "dir/u.csv");
  BOOST_REQUIRE(rs.size() == 2u);
  BOOST_TEST(rs[0].source == "dir/u.csv:3");
  BOOST_TEST(rs[1].source == "dir/u.csv:5");
  BOOST_TEST((event_of(rs[0]).payload == payload{{"note", "two\r\nlines"}}));
}

BOOST_AUTO_TEST_CASE(D5_received_at_is_the_arrival_else_the_timestamp) {
  const auto rs = read(fmt::csv,
                       "timestamp,event_name,received_at\n"
                       "100,a,\n"
                       "100,a,2025-01-01T00:00:00Z\n"
                       ",a,200\n");
  BOOST_REQUIRE(rs.size() == 3u);
  BOOST_TEST(to_unix(rs[0].received_at) == 100);
  BOOST_TEST(to_unix(rs[1].received_at) == 1735689600);
  BOOST_TEST(to_unix(rs[2].received_at) == 200);
  BOOST_TEST(!event_of(rs[2]).timestamp.has_value());  // M2: the event happens at its arrival
}

BOOST_AUTO_TEST_CASE(D6_csv_problems_make_the_file_unusable_with_their_place) {
  struct row {
    std::string text;
    text_position at;
    std::string contains;
  };
  const row rows[] = {
      {"", {1, 1}, "the file is empty"},
      {"\n\n", {1, 1}, "the file is empty"},
      {"identifier,timestamp\n", {1, 1}, "no event_name column"},
      {"event_name,timestamp,event_name\n", {1, 22}, "appears twice"},
      {"event_name,payload_\n", {1, 12}, "names no payload key"},
      {"event_name,timestamp\na,1,2\n", {2, 5}, "this row has 3 cells, the header has 2"},
      {"event_name,timestamp\na\n", {2, 2}, "this row has 1 cell, the header has 2"},
      {"event_name,timestamp\na,yesterday\n", {2, 3}, "timestamp: \"yesterday\" is not a time"},
      {"event_name,timestamp\na,-5\n", {2, 3}, "timestamp"},
      {"event_name,timestamp\na,99999999999999\n", {2, 3}, "timestamp"},
      {"event_name,timestamp,received_at\na,1,soon\n", {2, 5}, "received_at"},
      {"event_name,timestamp\na,\n", {2, 1}, "neither a timestamp nor a received_at"},
      {"event_name\n\x89PNG\r\n", {2, 1}, "invalid UTF-8"},
      // D2: what is wrong with the header, once for the file.
      {"identifier;timestamp;event_name\ne;1;a\n", {1, 1}, "separated by ';'; Stripe's bulk upload CSV"},
      {"identifier\ttimestamp\tevent_name\n", {1, 1}, "separated by a tab"},
      {"event_name,timestmap\na,1\n",
       {1, 12},
       "\"timestmap\" is not one meterkit reads; did you mean \"timestamp\"?"},
      {"event_name,recieved_at,timestamp\na,1,1\n", {1, 12}, "did you mean \"received_at\"?"},
      {"event_nam,timestamp\na,1\n", {1, 1}, "did you mean \"event_name\"?"},
      {"event_name,stripe_customer_id\na,cus_1\n",
       {1, 12},
       "\"stripe_customer_id\" is not read: payload keys are written payload_<key>; did you mean "
       "\"payload_stripe_customer_id\"?"},
      {"event_name,payload_stripe_customer_id,value\na,c,1\n", {1, 39}, "did you mean \"payload_value\"?"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.text) {
      const auto e = error_of(fmt::csv, r.text);
      BOOST_TEST(e.file() == "bad");
      BOOST_TEST(e.line() == r.at.line);
      BOOST_TEST(e.column() == r.at.column);
      BOOST_TEST(e.message().find(r.contains) != std::string::npos, e.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(D2_a_column_near_a_known_one_is_ignored_when_that_one_is_there) {
  // `timestamps` beside `timestamp`, `identifiers` beside `identifier`: other columns, ignored.
  const auto rs = read(fmt::csv,
                       "event_name,timestamp,timestamps,identifier,identifiers,payload_stripe_customer_id\n"
                       "api,1735689600,x,evt_1,y,cus_1\n");
  BOOST_REQUIRE(rs.size() == 1u);
  BOOST_TEST((event_of(rs[0]).timestamp == std::optional<timestamp>(from_unix(1735689600))));
}

BOOST_AUTO_TEST_CASE(D2_a_header_alone_is_a_file_without_events) {
  BOOST_TEST(read(fmt::csv, "event_name\n").empty());
}

BOOST_AUTO_TEST_CASE(D1_json_array_elements_are_sourced_by_the_line_of_their_brace) {
  const auto rs = read(
      fmt::json,
      "[\n"
      "  {\"identifier\": \"e1\", \"timestamp\": 1735689600, \"event_name\": \"api\",\n"
      "   \"payload\": {\"stripe_customer_id\": \"cus_1\", \"value\": 7}},\n"
      "\n"
      "  {\"timestamp\": \"2025-01-01T00:00:01Z\", \"event_name\": \"api\", \"received_at\": 1735689700,\n"
      "   \"payload\": {\"value\": \"-3\"}, \"extra\": {\"ignored\": true}}\n"
      "]\n",
      "u.json");
  BOOST_REQUIRE(rs.size() == 2u);
  BOOST_TEST(rs[0].source == "u.json:2");
  BOOST_TEST(rs[1].source == "u.json:5");
  BOOST_TEST((event_of(rs[0]).payload == payload{{"stripe_customer_id", "cus_1"}, {"value", "7"}}));
  BOOST_TEST(to_unix(rs[1].received_at) == 1735689700);
  BOOST_TEST((event_of(rs[1]).timestamp == std::optional<timestamp>(from_unix(1735689601))));
  BOOST_TEST(read(fmt::json, "[]").empty());
  // An input may hold no events: a JSON Lines file with no line, or only blank ones.
  BOOST_TEST(read(fmt::jsonl, "").empty());
  BOOST_TEST(read(fmt::jsonl, "\n \n").empty());
}

BOOST_AUTO_TEST_CASE(D1_jsonl_lines_are_sources_and_blank_lines_are_skipped) {
  const auto rs = read(fmt::jsonl,
                       "{\"timestamp\": 5, \"event_name\": \"a\"}\n"
                       "   \n"
                       "\n"
                       "{\"timestamp\": 6, \"event_name\": \"b\", \"identifier\": \"\"}\r\n",
                       "u.jsonl");
  BOOST_REQUIRE(rs.size() == 2u);
  BOOST_TEST(rs[0].source == "u.jsonl:1");
  BOOST_TEST(rs[1].source == "u.jsonl:4");
  BOOST_TEST(!event_of(rs[1]).identifier.has_value());  // D3
}

BOOST_AUTO_TEST_CASE(D6_json_problems_make_the_file_unusable_with_their_place) {
  struct row {
    fmt format;
    std::string text;
    text_position at;
    std::string contains;
  };
  const row rows[] = {
      {fmt::json, "", {1, 1}, "the file is empty"},
      {fmt::json, "{\"event_name\": \"a\"}", {1, 1}, "starting with '['"},
      {fmt::json, "[\n {\"event_name\": \"a\", \"timestamp\": 1,", {2, 37}, "unexpected end of input"},
      {fmt::json, "[\n 5]", {2, 2}, "expected a meter event object, found an integer"},
      {fmt::json,
       "[\n {\"timestamp\": 1,\n  \"payload\": {\"value\": 1.5}}]",
       {3, 24},
       "payload.value: expected a string"},
      {fmt::json, "[\n {\"timestamp\": 1, \"payload\": {\"v\": 1, \"v\": 2}}]", {2, 39}, "appears twice"},
      {fmt::json, "[\n {\"event_name\": \"a\"}]", {2, 2}, "neither a timestamp nor a received_at"},
      {fmt::json, "[{\"timestamp\": \"soon\"}]", {1, 16}, "timestamp: \"soon\" is not a time"},
      {fmt::jsonl, "{\"timestamp\": 1}\n[]\n", {2, 1}, "expected a meter event object, found an array"},
      {fmt::jsonl, "{\"timestamp\": 1}\n{\"timestamp\": 1, \"received_at\": [1]}\n", {2, 33}, "received_at"},
      {fmt::jsonl, "{\"timestamp\": 1}\n{\"timestamp\": 1\n", {2, 16}, "invalid JSON"},
      {fmt::jsonl, "\x89PNG\r\n\x1a\n", {1, 1}, "invalid JSON"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.text) {
      const auto e = error_of(r.format, r.text);
      BOOST_TEST(e.line() == r.at.line);
      BOOST_TEST(e.column() == r.at.column);
      BOOST_TEST(e.message().find(r.contains) != std::string::npos, e.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(D1_the_three_formats_read_the_same_events_alike_at_any_block_size) {
  const auto seed = std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 200; ++round) {
    std::string csv = "identifier,timestamp,event_name,payload_stripe_customer_id,payload_value\n";
    std::string json = "[\n";
    std::string jsonl;
    std::vector<request> expected;
    const auto n = 1 + rng() % 8;
    for (std::size_t i = 0; i < n; ++i) {
      const std::string id = rng() % 3 ? "evt_" + std::to_string(rng() % 50) : "";
      const auto t = 1735689600 + static_cast<std::int64_t>(rng() % 100000);
      const std::string customer = rng() % 2 ? "cus \"" + std::to_string(rng() % 5) + "\", ok" : "cus_1";
      const std::string value = std::to_string(static_cast<std::int64_t>(rng() % 200) - 100);
      const auto line = static_cast<std::uint64_t>(i + 2);
      std::string quoted = "\"";
      for (char c : customer) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      quoted += "\"";
      csv += id + "," + std::to_string(t) + ",api," + quoted + "," + value + "\n";
      nlohmann::json object{{"timestamp", t},
                            {"event_name", "api"},
                            {"payload", {{"stripe_customer_id", customer}, {"value", value}}}};
      if (!id.empty()) object["identifier"] = id;
      json += object.dump() + (i + 1 < n ? ",\n" : "\n");
      jsonl += object.dump() + "\n";
      meter_event e;
      e.event_name = "api";
      e.payload = {{"stripe_customer_id", customer}, {"value", value}};
      if (!id.empty()) e.identifier = id;
      e.timestamp = from_unix(t);
      request r;
      r.operations.emplace_back(std::move(e));
      r.received_at = from_unix(t);
      r.source = "u:" + std::to_string(line);
      expected.push_back(std::move(r));
    }
    json += "]";
    for (std::size_t block : {std::size_t{4} << 20, std::size_t{1}, std::size_t{5}}) {
      const auto from_csv = read(fmt::csv, csv, "u", block);
      const auto from_json = read(fmt::json, json, "u", block);
      auto from_jsonl = read(fmt::jsonl, jsonl, "u", block);
      // JSON Lines number lines from 1 (no header, no '[').
      for (auto& r : from_jsonl) r.source = "u:" + std::to_string(std::stoull(r.source.substr(2)) + 1);
      if (from_csv != expected || from_json != expected || from_jsonl != expected) {
        BOOST_TEST(false, "seed " << seed << " round " << round << " block " << block);
        return;
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
