// SPDX-License-Identifier: MIT
#include <meterkit/stripe/plan_json.hpp>
#include <meterkit/stripe/replay.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace meterkit;

BOOST_TEST_DONT_PRINT_LOG_VALUE(meterkit::simulation_result)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<meterkit::event_summary>)

namespace {

std::string write(const std::string& name, const std::string& content) {
  const auto dir = std::filesystem::temp_directory_path() / "meterkit_replay";
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

/// One sum meter (hourly pre-aggregated meters take another path: one of each) billed monthly
/// to cus_1 from 2025-01-01, one hour to finalize.
const plan& replay_plan() {
  static const plan p = read_plan_text(R"({
  "meters": [{"id": "mtr_api", "event_name": "api_requests", "default_aggregation": {"formula": "sum"}},
             {"id": "mtr_gb", "event_name": "storage", "default_aggregation": {"formula": "sum"},
              "event_time_window": "hour"}],
  "prices": [{"id": "price_api", "currency": "usd", "unit_amount": 2,
              "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_api"}},
             {"id": "price_gb", "currency": "usd", "unit_amount": 3,
              "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_gb"}}],
  "subscriptions": [{"id": "sub_1", "customer": "cus_1", "start_date": 1735689600,
                     "items": [{"id": "si_api", "price": "price_api"}, {"id": "si_gb", "price": "price_gb"}]}]
})",
                                       "plan.json");
  return p;
}

/// Three months of events every 6 hours (day 1 .. 90), in arrival order: each CSV row arrives a
/// minute after its timestamp, three a day after (late usage across a finalization, D24), one
/// with a duplicate identifier (M5); then a request log that cancels two of them (one within
/// 24 h, one too late, M10).
struct stream_files {
  std::string csv;
  std::string log;
};

stream_files in_order_files(const std::string& prefix) {
  std::string csv = "identifier,timestamp,event_name,payload_stripe_customer_id,payload_value,received_at\n";
  const std::int64_t start = 1735689600;
  for (int k = 0; k < 360; ++k) {
    const std::int64_t received = start + 21600 * k + 60;
    const bool late = k == 125 || k == 126 || k == 237;  // a day before an arrival after finalization (D24)
    const std::int64_t time = late ? received - 86400 : received - 60;
    const std::string id = k == 7 ? "evt_6" : "evt_" + std::to_string(k);  // a duplicate (M5)
    csv += id + "," + std::to_string(time) + "," + (k % 2 == 0 ? "api_requests" : "storage") + ",cus_1," +
           std::to_string(k % 17 + 1) + "," + std::to_string(received) + "\n";
  }
  const std::int64_t last = start + 21600 * 359 + 60;
  std::string log;
  log +=
      R"({"received_at": )" + std::to_string(last + 10) +
      R"(, "path": "/v1/billing/meter_event_adjustments", "params": {"event_name": "api_requests", "type": "cancel", "cancel": {"identifier": "evt_358"}}})" +
      "\n";
  log +=
      R"({"received_at": )" + std::to_string(last + 20) +
      R"(, "path": "/v1/billing/meter_event_adjustments", "params": {"event_name": "api_requests", "type": "cancel", "cancel": {"identifier": "evt_2"}}})" +
      "\n";
  return {write(prefix + ".csv", csv), write(prefix + ".requests.jsonl", log)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stripe_replay)

BOOST_AUTO_TEST_CASE(D21_streaming_with_a_bounded_history_bills_like_replaying_from_memory) {
  const auto files = in_order_files("in_order");
  const std::vector<std::string> paths{files.csv, files.log};
  const simulation_result expected = simulate(replay_plan(), read_usage_files(paths));
  BOOST_REQUIRE(!expected.late.empty());
  BOOST_REQUIRE(expected.counts.cancelled == 1u);
  BOOST_REQUIRE(expected.rejected.size() == 2u);  // the duplicate and the too-late cancellation

  std::set<replay_progress::stage> stages;
  replay_options streamed;
  streamed.progress = [&](const replay_progress& at) { stages.insert(at.step); };
  BOOST_TEST((replay_files(replay_plan(), paths, streamed) == expected));
  BOOST_TEST(stages.count(replay_progress::stage::checking) == 1u);
  BOOST_TEST(stages.count(replay_progress::stage::replaying) == 1u);
  BOOST_TEST(stages.count(replay_progress::stage::reading) == 0u);  // never held in memory

  replay_options in_memory;
  in_memory.stream = false;
  BOOST_TEST((replay_files(replay_plan(), paths, in_memory) == expected));
}

BOOST_AUTO_TEST_CASE(D21_inputs_out_of_arrival_order_are_replayed_from_memory_in_arrival_order) {
  const auto files = in_order_files("out_of_order");
  const std::vector<std::string> paths{files.log, files.csv};  // the cancellations listed first
  const simulation_result expected = simulate(replay_plan(), read_usage_files(paths));
  std::set<replay_progress::stage> stages;
  replay_options options;
  options.progress = [&](const replay_progress& at) { stages.insert(at.step); };
  BOOST_TEST((replay_files(replay_plan(), paths, options) == expected));
  BOOST_TEST(stages.count(replay_progress::stage::reading) == 1u);
  // Arrival order is by received_at, not by input order: the cancellation still finds its event.
  BOOST_TEST(expected.counts.cancelled == 1u);
}

BOOST_AUTO_TEST_CASE(D21_bulk_uploads_alone_are_replayed_while_they_are_read_once) {
  const auto files = in_order_files("one_read");
  const std::vector<std::string> paths{files.csv};
  const simulation_result expected = simulate(replay_plan(), read_usage_files(paths));
  BOOST_REQUIRE(!expected.late.empty());
  std::set<replay_progress::stage> stages;
  replay_options options;
  options.progress = [&](const replay_progress& at) { stages.insert(at.step); };
  BOOST_TEST((replay_files(replay_plan(), paths, options) == expected));
  BOOST_TEST(stages.count(replay_progress::stage::checking) == 0u);  // no first read
  BOOST_TEST(stages.count(replay_progress::stage::reading) == 0u);   // nothing held in memory
  BOOST_TEST(stages.count(replay_progress::stage::replaying) == 1u);
  // The same with until (later arrivals pending), and for summaries.
  options.until = *parse_time("2025-02-15T00:00:00Z");
  const simulation_result until = simulate(replay_plan(), read_usage_files(paths), options.until);
  BOOST_REQUIRE(until.counts.pending > 0u);
  BOOST_TEST((replay_files(replay_plan(), paths, options) == until));
  const period bounds{*parse_time("2025-01-01T00:00:00Z"), *parse_time("2025-03-01T00:00:00Z")};
  BOOST_TEST(
      (summarize_files(replay_plan(), paths, "mtr_gb", "cus_1", bounds, window_kind::day) ==
       summarize(replay_plan(), read_usage_files(paths), "mtr_gb", "cus_1", bounds, window_kind::day)));
}

BOOST_AUTO_TEST_CASE(D12_bulk_rows_read_without_a_copy_are_checked_and_named_like_requests) {
  // Streaming hands each CSV row to the simulator without building a request: every rejection
  // (D12's order, messages and params), every source (D1) and every count must be the same as
  // for the requests read into memory.
  const std::string csv =
      "identifier,timestamp,event_name,payload_stripe_customer_id,payload_value,payload_region,received_at\n"
      "evt_1,1735693200,api_requests,cus_1,5,eu,1735693260\n"  // accepted
      "evt_2,1735693200,nope,cus_1,5,,1735693261\n"            // no_meter
      ",1735693200,,cus_1,5,,1735693262\n"                     // event_name is required
      "evt_3,1735693200,api_requests,,5,,1735693263\n"         // no customer
      "evt_4,1735693200,api_requests,cus_1,,,1735693264\n"     // no value
      "evt_5,1735693200,api_requests,cus_1,1.5,,1735693265\n"  // not a whole number
      "evt_6,1735693200,api_requests,cus_9,5,,1735693266\n"    // unknown customer
      "evt_7,1700000000,api_requests,cus_1,5,,1735693267\n"    // too far in the past
      "evt_8,1735699999,api_requests,cus_1,5,,1735693268\n"    // in the future
      "evt_1,1735693200,api_requests,cus_1,5,,1735693269\n"    // duplicate identifier
      ",1735693200,api_requests,cus_1,-3,,1735693270\n"        // no identifier (D14), negative (M12)
      "evt_9,,storage,cus_1,4,,1735693271\n"                   // no timestamp: the arrival (M2)
      "evt_10,1735693272,storage,cus_1,4,,\n"                  // no received_at: the timestamp (D5)
      "\"evt_11\",1735693200,\"api_requests\",\"cus_1\",\"7\",\"a,b\",1735693273\n"  // quoted cells
      "evt_12,1735693200,api_requests,cus_1,9,,1738375200\n";  // late: after January's finalization (D24)
  const std::vector<std::string> paths{write("plain_rows.csv", csv)};
  const auto until = std::optional<timestamp>(*parse_time("2025-03-01T00:00:00Z"));
  const simulation_result expected = simulate(replay_plan(), read_usage_files(paths), until);
  BOOST_REQUIRE(expected.rejected.size() == 9u);
  BOOST_REQUIRE(expected.late.size() == 1u);
  replay_options options;
  options.until = until;
  const simulation_result streamed = replay_files(replay_plan(), paths, options);
  BOOST_TEST((streamed == expected));
  for (std::size_t k = 0; k < streamed.rejected.size() && k < expected.rejected.size(); ++k) {
    BOOST_TEST_CONTEXT("rejection " << k) {
      BOOST_TEST(streamed.rejected[k].source == expected.rejected[k].source);
      BOOST_TEST(streamed.rejected[k].message == expected.rejected[k].message);
      BOOST_TEST(streamed.rejected[k].param == expected.rejected[k].param);
    }
  }
  BOOST_TEST(streamed.rejected.front().source == paths.front() + ":3");  // the row's line (D1)
  BOOST_TEST(streamed.late.front().source == paths.front() + ":16");
}

BOOST_AUTO_TEST_CASE(D21_bulk_uploads_out_of_arrival_order_start_again_from_memory) {
  // Two CSV files, the second arriving before the end of the first: found while replaying.
  const std::string header =
      "identifier,timestamp,event_name,payload_stripe_customer_id,payload_value,received_at\n";
  std::string first = header;
  std::string second = header;
  for (int k = 0; k < 40; ++k) {
    // The first file covers hours 0..29; the second hours 0..9 again, arriving two minutes after
    // each timestamp, before the first file's later rows. evt_0..evt_4 come twice.
    const std::int64_t t = 1735689600 + 3600 * (k < 30 ? k : k - 30);
    (k < 30 ? first : second) += "evt_" + std::to_string(k % 35) + "," + std::to_string(t) +
                                 ",api_requests,cus_1," + std::to_string(k + 1) + "," +
                                 std::to_string(t + (k < 30 ? 60 : 120)) + "\n";
  }
  const std::vector<std::string> paths{write("late_first.csv", first), write("late_second.csv", second)};
  const simulation_result expected = simulate(replay_plan(), read_usage_files(paths));
  BOOST_REQUIRE(expected.rejected.size() == 5u);  // duplicates, decided in arrival order (M5)
  std::set<replay_progress::stage> stages;
  replay_options options;
  options.progress = [&](const replay_progress& at) { stages.insert(at.step); };
  BOOST_TEST((replay_files(replay_plan(), paths, options) == expected));
  BOOST_TEST(stages.count(replay_progress::stage::reading) == 1u);
}

BOOST_AUTO_TEST_CASE(D6_D25_an_unusable_input_is_reported_before_an_error_of_the_replay) {
  // The first row overflows the meter's total (D25); a later row is malformed (D6). Every input is
  // checked before the replay's own error is raised, as when inputs are read before replaying.
  std::string csv = "timestamp,event_name,payload_stripe_customer_id,payload_value\n";
  csv += "1735689600,api_requests,cus_1,999999999999999\n";
  for (int k = 1; k < 20000; ++k) csv += "1735689600,api_requests,cus_1,999999999999999\n";
  csv += "1735689601,api_requests\n1735689601,api_requests,cus_1,1,extra\n";
  const auto path = write("overflow_then_ragged.csv", csv);
  for (const bool stream : {true, false}) {
    replay_options options;
    options.stream = stream;
    BOOST_CHECK_THROW((void)replay_files(replay_plan(), {path}, options), input_error);
  }
}

BOOST_AUTO_TEST_CASE(D21_until_bills_as_of_a_time_and_counts_later_arrivals_as_pending) {
  const auto files = in_order_files("until");
  const std::vector<std::string> paths{files.csv, files.log};
  replay_options options;
  options.until = *parse_time("2025-02-15T00:00:00Z");
  const simulation_result expected = simulate(replay_plan(), read_usage_files(paths), options.until);
  BOOST_REQUIRE(expected.counts.pending > 0u);
  BOOST_TEST((replay_files(replay_plan(), paths, options) == expected));
  options.stream = false;
  BOOST_TEST((replay_files(replay_plan(), paths, options) == expected));
}

/// D28: what was known at a time is what replaying only the requests that had arrived by then
/// gives, whatever way the inputs are read; the later ones are pending, and `until` defaults to
/// that time.
BOOST_AUTO_TEST_CASE(D28_known_at_replays_only_the_requests_that_had_arrived_by_then) {
  const auto files = in_order_files("known_at");
  const std::vector<std::string> paths{files.csv, files.log};
  const std::vector<std::string> csv_only{files.csv};  // the one-read path
  const std::vector<request> all = read_usage_files(paths);
  const timestamp until = *parse_time("2025-03-20T00:00:00Z");
  for (const char* text : {"2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z", "2025-02-01T00:01:00Z",
                           "2025-02-15T12:00:00Z", "2025-03-20T00:00:00Z"}) {
    const timestamp known_at = *parse_time(text);
    std::vector<request> known;
    std::size_t later = 0;
    for (const auto& r : all) {
      if (r.received_at <= known_at) {
        known.push_back(r);
      } else {
        ++later;
      }
    }
    simulation_result expected = simulate(replay_plan(), known, until);
    expected.counts.pending += later;
    expected.counts.read += later;
    expected.known_at = known_at;
    BOOST_REQUIRE(later > 0u || known_at == until);

    simulation_options asked;
    asked.known_at = known_at;
    BOOST_TEST((simulate(replay_plan(), all, until, asked) == expected), text);
    replay_options options;
    options.until = until;
    options.known_at = known_at;
    BOOST_TEST((replay_files(replay_plan(), paths, options) == expected), text);
    options.stream = false;
    BOOST_TEST((replay_files(replay_plan(), paths, options) == expected), text);

    // until defaults to known_at: the same as asking until then.
    simulation_result then = simulate(replay_plan(), all, known_at);
    then.known_at = known_at;
    replay_options only_known;
    only_known.known_at = known_at;
    BOOST_TEST((replay_files(replay_plan(), paths, only_known) == then), text);
    simulation_result csv_then = simulate(replay_plan(), read_usage_files(csv_only), known_at);
    csv_then.known_at = known_at;
    BOOST_TEST((replay_files(replay_plan(), csv_only, only_known) == csv_then), text);

    // Summaries as of known_at count only what had arrived by then.
    const period bounds{*parse_time("2025-01-01T00:00:00Z"), *parse_time("2025-04-01T00:00:00Z")};
    const auto summaries = summarize(replay_plan(), known, "mtr_api", "cus_1", bounds, window_kind::day);
    BOOST_TEST(
        (summarize(replay_plan(), all, "mtr_api", "cus_1", bounds, window_kind::day, asked) == summaries));
    BOOST_TEST((summarize_files(replay_plan(), paths, "mtr_api", "cus_1", bounds, window_kind::day,
                                only_known) == summaries));
    only_known.stream = false;
    BOOST_TEST((summarize_files(replay_plan(), paths, "mtr_api", "cus_1", bounds, window_kind::day,
                                only_known) == summaries));
  }
}

/// D29: with keep_going, each record that cannot be used is a rejection (invalid_input, its
/// file:line, listed first in input order, counted as read and rejected) and the rest bills as
/// the good records alone would, on every way of reading; without it, the first one ends the run.
BOOST_AUTO_TEST_CASE(D29_keep_going_turns_unusable_records_into_rejections_on_every_path) {
  const auto files = in_order_files("keep_going_good");
  std::string csv;
  {
    std::ifstream in(files.csv, std::ios::binary);
    csv.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Break three rows: a bad time, a missing cell, no time at all.
  std::vector<std::string> rows;
  for (std::size_t at = 0, next; at < csv.size(); at = next + 1) {
    next = csv.find('\n', at);
    rows.push_back(csv.substr(at, next - at));
  }
  const std::vector<std::size_t> broken{5, 40, 200};  // 0 is the header
  std::string bad_csv;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i == 5) {
      bad_csv += "bad_5,noon,api_requests,cus_1,3,\n";
    } else if (i == 40) {
      bad_csv += "bad_40,1735700000,api_requests\n";
    } else if (i == 200) {
      bad_csv += "bad_200,,storage,cus_1,3,\n";
    } else {
      bad_csv += rows[i] + "\n";
    }
  }
  const std::string bad = write("keep_going_bad.csv", bad_csv);
  const std::string log =
      write("keep_going_bad.requests.jsonl", "{\"received_at\": 1743000000, \"path\": \"/v1/nowhere\"}\n");
  replay_options named;
  named.names = {"usage.csv", "log.requests.jsonl"};
  const std::vector<std::string> paths{bad, log};

  BOOST_CHECK_THROW((void)replay_files(replay_plan(), paths, named), input_error);

  // Expected: the good rows replayed (their sources keep their line numbers in the broken file).
  std::vector<request> good;
  for (auto& r : read_usage_text(bad_csv, "usage.csv", usage_format::bulk_csv, [] {
         read_options o;
         o.unusable = [](const input_error&) {};
         return o;
       }())) {
    good.push_back(std::move(r));
  }
  BOOST_REQUIRE(good.size() == rows.size() - 1 - broken.size());
  simulation_result expected = simulate(replay_plan(), good);
  const std::vector<std::string> sources{"usage.csv:6", "usage.csv:41", "usage.csv:201",
                                         "log.requests.jsonl:1"};
  expected.counts.read += sources.size();
  expected.counts.rejected += sources.size();
  for (auto it = sources.rbegin(); it != sources.rend(); ++it) {
    rejected_operation x;
    x.source = *it;
    x.code = error_code::invalid_input;
    expected.rejected.insert(expected.rejected.begin(), x);
  }
  named.keep_going = true;
  for (const bool stream : {true, false}) {
    replay_options options = named;
    options.stream = stream;
    simulation_result got = replay_files(replay_plan(), paths, options);
    BOOST_REQUIRE(got.rejected.size() >= sources.size());
    for (std::size_t i = 0; i < sources.size(); ++i) {
      BOOST_TEST(!got.rejected[i].message.empty());
      got.rejected[i].message.clear();  // compared apart: the column and what is wrong
    }
    BOOST_TEST((got.rejected[0].code == error_code::invalid_input));
    BOOST_TEST((got == expected), "stream " << stream);
    BOOST_TEST(got.counts.reconciles());
  }
  // The one-read path (bulk uploads alone) and the fallback from it (out of arrival order).
  replay_options one_read;
  one_read.names = {"usage.csv"};
  one_read.keep_going = true;
  const simulation_result alone = replay_files(replay_plan(), {bad}, one_read);
  BOOST_TEST(alone.counts.rejected - simulate(replay_plan(), good).counts.rejected == 3u);
  BOOST_TEST(alone.rejected[0].source == "usage.csv:6");
  BOOST_TEST(alone.rejected[0].message ==
             "column 7: timestamp: \"noon\" is not a time: expected YYYY-MM-DDTHH:MM:SSZ");
  std::string shuffled = bad_csv;
  shuffled += rows[1] + "\n";  // an early row again at the end: out of arrival order
  const std::string late = write("keep_going_shuffled.csv", shuffled);
  replay_options fallback = one_read;
  const simulation_result twice = replay_files(replay_plan(), {late}, fallback);
  std::size_t invalid = 0;
  for (const auto& x : twice.rejected) invalid += x.code == error_code::invalid_input;
  BOOST_TEST(invalid == 3u);  // not counted again when the replay starts over from memory
  BOOST_TEST(twice.counts.reconciles());
}

namespace {
/// D30: `replay_files` with every record handed over (rejections, late usage, unusable records,
/// invoices a customer at a time), put back together as one result.
simulation_result handed_over(const std::vector<std::string>& paths, replay_options options,
                              std::size_t& restarts) {
  std::vector<rejected_operation> unusable, rejected;
  std::vector<late_usage> late;
  std::vector<invoice> invoices;
  options.records = record_sink{[&](const rejected_operation& x) { rejected.push_back(x); },
                                [&](const late_usage& l) { late.push_back(l); }};
  options.unusable_records = [&](const rejected_operation& x) { unusable.push_back(x); };
  options.restart = [&] {
    ++restarts;
    unusable.clear();
    rejected.clear();
    late.clear();
    invoices.clear();
  };
  options.invoices = [&](const std::vector<invoice>& mine, const simulation_result& rest) {
    BOOST_TEST(rest.invoices.empty());
    std::vector<invoice> merged;
    std::merge(invoices.begin(), invoices.end(), mine.begin(), mine.end(), std::back_inserter(merged),
               detail::created_before);
    invoices = std::move(merged);
  };
  simulation_result r = replay_files(replay_plan(), paths, options);
  BOOST_TEST(r.invoices.empty());
  BOOST_TEST(r.rejected.empty());
  BOOST_TEST(r.late.empty());
  r.invoices = std::move(invoices);
  r.rejected = std::move(unusable);
  r.rejected.insert(r.rejected.end(), rejected.begin(), rejected.end());
  r.late = std::move(late);
  return r;
}
}  // namespace

/// D30: a replay that hands every record over gives, put back together, the result of one that
/// keeps them, on every way of reading (one read, scan then stream, from memory, and the fallback
/// from one read to memory, which starts the records again), with records that cannot be used.
BOOST_AUTO_TEST_CASE(D30_records_handed_over_are_the_result_on_every_path) {
  const auto files = in_order_files("handed_over");
  std::string csv;
  {
    std::ifstream in(files.csv, std::ios::binary);
    csv.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string bad = write("handed_over_bad.csv", csv + "bad,noon,api_requests,cus_1,3,\n");
  const auto second_row = csv.substr(csv.find('\n') + 1, csv.find('\n', csv.find('\n') + 1) - csv.find('\n'));
  const std::string shuffled = write("handed_over_shuffled.csv", csv + second_row);  // out of arrival order
  struct way {
    std::vector<std::string> paths;
    bool stream;
    bool restarts;  ///< reads into memory (out of order, or not streaming): the sinks start again
  };
  const std::vector<way> ways{{{bad, files.log}, true, false},
                              {{bad, files.log}, false, true},
                              {{bad}, true, false},
                              {{shuffled, bad}, true, true}};
  for (const auto& w : ways) {
    replay_options options;
    options.keep_going = true;
    options.stream = w.stream;
    const simulation_result kept = replay_files(replay_plan(), w.paths, options);
    BOOST_TEST_REQUIRE(!kept.invoices.empty());
    BOOST_TEST_REQUIRE(!kept.late.empty());
    BOOST_TEST_REQUIRE(kept.rejected.size() > 1u);
    std::size_t restarts = 0;
    const simulation_result handed = handed_over(w.paths, options, restarts);
    BOOST_TEST((handed == kept), w.paths.size() << " inputs, stream " << w.stream);
    BOOST_TEST((restarts != 0) == w.restarts,
               w.paths.size() << " inputs, stream " << w.stream << " restarts " << restarts);
  }
}

BOOST_AUTO_TEST_CASE(D1_sources_use_the_names_given_for_the_inputs) {
  const auto files = in_order_files("names");
  replay_options options;
  options.names = {"usage/api.csv", "usage/app.requests.jsonl"};
  for (const bool stream : {true, false}) {
    options.stream = stream;
    const auto r = replay_files(replay_plan(), {files.csv, files.log}, options);
    BOOST_REQUIRE(r.rejected.size() == 2u);
    BOOST_TEST(r.rejected[0].source == "usage/api.csv:9");  // the duplicate identifier, 8th row
    BOOST_TEST(r.rejected[1].source == "usage/app.requests.jsonl:2");
  }
}

// An input whose name says nothing (standard input, a FIFO, `<(...)`) is read in the format the
// caller names, streamed or not, and bills as the same file with its proper name.
BOOST_AUTO_TEST_CASE(D6_replay_options_format_reads_an_input_whatever_its_name) {
  const auto files = in_order_files("format");
  const std::string content = [&] {
    std::ifstream in(files.csv, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  const auto unnamed = write("usage.data", content);
  BOOST_CHECK_THROW((void)replay_files(replay_plan(), {unnamed}), input_error);  // no known ending
  for (const bool stream : {true, false}) {
    replay_options options;
    options.stream = stream;
    const auto expected = replay_files(replay_plan(), {files.csv}, options);
    options.format = usage_format::bulk_csv;
    options.names = {files.csv};
    BOOST_TEST(replay_files(replay_plan(), {unnamed}, options) == expected);
  }
}

BOOST_AUTO_TEST_CASE(D21_no_operations_and_no_until_is_a_configuration_error_on_until) {
  const auto empty = write("empty.csv", "timestamp,event_name\n");
  for (const bool stream : {true, false}) {
    replay_options options;
    options.stream = stream;
    try {
      (void)replay_files(replay_plan(), {empty}, options);
      BOOST_TEST(false, "expected a configuration_error");
    } catch (const configuration_error& e) {
      BOOST_TEST(e.field() == "until");
    }
    options.until = *parse_time("2025-01-02T00:00:00Z");
    const auto r = replay_files(replay_plan(), {empty}, options);
    BOOST_TEST(r.invoices.size() == 2u);  // the first invoice and the upcoming one
    BOOST_TEST(r.counts.read == 0u);
  }
}

BOOST_AUTO_TEST_CASE(D6_an_unusable_input_is_an_input_error_naming_it) {
  const auto bad = write("bad.txt", "x");
  BOOST_CHECK_THROW((void)replay_files(replay_plan(), {bad}), input_error);
  const auto ragged = write("ragged.csv", "timestamp,event_name\n1735689600,api_requests,extra\n");
  replay_options options;
  options.names = {"given/name.csv"};
  try {
    (void)replay_files(replay_plan(), {ragged}, options);
    BOOST_TEST(false, "expected an input_error");
  } catch (const input_error& e) {
    BOOST_TEST(e.file() == "given/name.csv");
    BOOST_TEST(e.line() == 2u);
  }
}

BOOST_AUTO_TEST_CASE(D26_summaries_of_files_are_those_of_the_requests_streamed_or_not) {
  const auto files = in_order_files("summaries");
  const std::vector<std::string> paths{files.csv, files.log};
  const period bounds{*parse_time("2025-01-01T00:00:00Z"), *parse_time("2025-03-01T00:00:00Z")};
  for (const auto grouping : {window_kind::none, window_kind::day}) {
    const auto expected =
        summarize(replay_plan(), read_usage_files(paths), "mtr_api", "cus_1", bounds, grouping);
    BOOST_REQUIRE(!expected.empty());
    BOOST_TEST((summarize_files(replay_plan(), paths, "mtr_api", "cus_1", bounds, grouping) == expected));
    replay_options in_memory;
    in_memory.stream = false;
    BOOST_TEST(
        (summarize_files(replay_plan(), paths, "mtr_api", "cus_1", bounds, grouping, in_memory) == expected));
  }
  BOOST_CHECK_THROW(
      (void)summarize_files(replay_plan(), paths, "mtr_nope", "cus_1", bounds, window_kind::none),
      configuration_error);
}

BOOST_AUTO_TEST_CASE(D26_every_customer_is_summarized_in_one_replay_as_one_at_a_time) {
  const auto files = in_order_files("summaries_all");
  const std::vector<std::string> paths{files.csv, files.log};
  const period bounds{*parse_time("2025-01-01T00:00:00Z"), *parse_time("2025-03-01T00:00:00Z")};
  plan two = replay_plan();
  two.customers.push_back("cus_quiet");  // known (D10), no usage: its windows show 0
  const compiled_plan compiled(two);
  BOOST_REQUIRE(compiled.customers().size() == 2u);
  for (const auto grouping : {window_kind::none, window_kind::day}) {
    const auto requests = read_usage_files(paths);
    const auto all = summarize_customers(two, requests, "mtr_api", bounds, grouping);
    BOOST_REQUIRE(all.size() == compiled.customers().size());
    bool some_usage = false;
    for (std::size_t i = 0; i < all.size(); ++i) {
      BOOST_TEST(all[i].customer == compiled.customers()[i]);  // the plan's customer order
      BOOST_TEST(
          (all[i].summaries == summarize(two, requests, "mtr_api", all[i].customer, bounds, grouping)));
      for (const auto& e : all[i].summaries) some_usage = some_usage || e.aggregated_value != 0;
    }
    BOOST_TEST(some_usage);
    BOOST_TEST(all[0].customer == "cus_quiet");  // the plan's customers, then its subscriptions'
    BOOST_TEST(!all[0].summaries.empty());
    for (const auto& e : all[0].summaries) BOOST_TEST(e.aggregated_value == 0);
    BOOST_TEST((summarize_files_customers(two, paths, "mtr_api", bounds, grouping) == all));
    replay_options in_memory;
    in_memory.stream = false;
    BOOST_TEST((summarize_files_customers(two, paths, "mtr_api", bounds, grouping, in_memory) == all));
  }
  BOOST_CHECK_THROW(
      (void)summarize_files_customers(replay_plan(), paths, "mtr_nope", bounds, window_kind::none),
      configuration_error);
  // A plan without customers still has its meter and bounds checked.
  plan no_customers = replay_plan();
  no_customers.subscriptions.clear();
  no_customers.customers.clear();
  no_customers.credit_grants.clear();
  no_customers.balances.clear();
  BOOST_TEST(summarize_customers(no_customers, {}, "mtr_api", bounds, window_kind::none).empty());
  BOOST_CHECK_THROW((void)summarize_customers(no_customers, {}, "mtr_nope", bounds, window_kind::none),
                    configuration_error);
}

BOOST_AUTO_TEST_CASE(D20_a_replay_past_its_invoice_limit_is_refused_before_building_them) {
  const auto files = in_order_files("limit");
  const std::vector<std::string> paths{files.csv, files.log};
  const auto all = replay_files(replay_plan(), paths);
  replay_options options;
  options.max_invoices = all.invoices.size();
  BOOST_TEST(replay_files(replay_plan(), paths, options).invoices.size() == all.invoices.size());
  options.max_invoices = all.invoices.size() - 1;
  for (const bool stream : {true, false}) {
    options.stream = stream;
    try {
      (void)replay_files(replay_plan(), paths, options);
      BOOST_TEST(false, "expected a configuration_error");
    } catch (const configuration_error& e) {
      BOOST_TEST(e.field() == "max_invoices");
      BOOST_TEST(std::string(e.what()).find("more than " + std::to_string(all.invoices.size() - 1) +
                                            " invoices") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
