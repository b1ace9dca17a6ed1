// SPDX-License-Identifier: MIT
// meterkit: replays usage against a billing plan and prints the invoices that would result
// (CONTRACT.md). The program only reads files, calls the library and writes results:
//   meterkit simulate  --plan PLAN.json --input FILE... [--until T] [--format table|json|csv]
//                      [--output FILE] [--quiet]
//   meterkit summarize --plan PLAN.json --input FILE... --meter ID --customer ID --start T --end T
//                      [--group hour|day] [--format table|json|csv] [--output FILE] [--quiet]
// Exit status: 0 the run completed (even with rejected operations); 2 the command line, the plan or
// an input could not be used (a message on standard error, no output written); 1 an internal
// error (a bug or no memory left), also with a message.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <meterkit/stripe.hpp>

#include "files.hpp"
#include "output.hpp"

#ifndef METERKIT_EXAMPLES_DIR
#define METERKIT_EXAMPLES_DIR ""
#endif

namespace {

using namespace meterkit;
using meterkit::cli::output_format;

/// The command line could not be used: exit 2 with this message.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct common_options {
  std::string plan;
  std::vector<std::string> inputs;
  std::string format = "table";
  std::string output;
  bool quiet = false;
  bool materialize = false;  ///< hidden: always keep every request in memory (tests compare both paths)
};

struct summarize_options {
  std::string meter;
  std::string customer;
  std::string start;
  std::string end;
  std::string group;
};

void add_common_options(CLI::App& cmd, common_options& o) {
  cmd.add_option("--plan", o.plan, "Billing plan: Stripe meters, prices and subscriptions as JSON")
      ->type_name("PLAN.json");
  cmd.add_option("--input", o.inputs,
                 "Usage: Stripe bulk upload .csv/.json/.jsonl or a .requests.jsonl request log (repeatable, "
                 "read in the order given)")
      ->type_name("FILE");
  cmd.add_option("--format", o.format, "Output: table (for people), json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  cmd.add_option("--output", o.output, "Write the output to FILE (atomically) instead of standard output")
      ->type_name("FILE");
  cmd.add_flag("--quiet", o.quiet, "No progress or notes on standard error, only errors");
  cmd.add_flag("--materialize", o.materialize,
               "Keep every request in memory even when the inputs are in arrival order")
      ->group("");
}

output_format format_of(const std::string& f) {
  if (f == "json") return output_format::json;
  if (f == "csv") return output_format::csv;
  return output_format::table;
}

timestamp time_option(const std::string& name, const std::string& text) {
  auto t = parse_time(text);
  if (!t) throw usage_error(name + ": " + t.error().message + "; or unix seconds");
  return *t;
}

/// The plan and inputs to read, with the names sources give them (D1: as written on the command
/// line; the shipped examples as `examples/usage/<file>`).
struct run_files {
  std::string plan;
  std::vector<std::string> inputs;
  std::vector<std::string> names;
};

run_files files_of(const common_options& o, const char* argv0) {
  if (o.plan.empty() && o.inputs.empty()) {
    const auto ex = cli::find_examples(METERKIT_EXAMPLES_DIR, argv0);
    if (!ex) {
      throw usage_error(
          "no --plan and --input given, and the example plan and usage (examples/plan.json, "
          "examples/usage/) were not found next to the program or its source tree");
    }
    return {ex->plan, ex->inputs, ex->names};
  }
  if (o.plan.empty())
    throw usage_error("--plan is required with --input (the billing plan to replay against)");
  if (o.inputs.empty()) throw usage_error("--input is required with --plan (at least one usage file)");
  return {o.plan, o.inputs, o.inputs};
}

/// The format of every input, checked before anything is read (a typo should not wait for a big
/// file).
std::vector<usage_format> formats_of(const run_files& files) {
  std::vector<usage_format> formats;
  for (const auto& path : files.inputs) formats.push_back(require_usage_format(path));
  return formats;
}

/// Reads every input in the order given and calls `sink(request&&)` for each request, with
/// progress (`verb name: 12.0 MB of 600.0 MB (2%)`) while standard error is a terminal.
template <class Sink>
void for_each_request(const run_files& files, const std::vector<usage_format>& formats,
                      cli::progress_line& progress, std::string_view verb, Sink&& sink) {
  std::uint64_t count = 0;
  for (std::size_t i = 0; i < files.inputs.size(); ++i) {
    input_source source = input_source::open_file(files.inputs[i], files.names[i]);
    read_options options;
    if (progress.enabled()) {
      options.progress = [&](std::uint64_t done, std::uint64_t total) {
        std::string line = std::string(verb) + " " + source.name() + ": " + cli::megabytes(done);
        if (total != 0)
          line += " of " + cli::megabytes(total) + " (" + std::to_string(done * 100 / total) + "%)";
        progress.show(line + ", " + std::to_string(count) + " requests");
      };
    }
    read_usage(
        source, formats[i],
        [&](request&& r) {
          ++count;
          sink(std::move(r));
        },
        options);
  }
  progress.clear();
}

/// Every request of the inputs, in the order given (arrival order is then `(received_at,
/// position)`).
std::vector<request> read_inputs(const run_files& files, const std::vector<usage_format>& formats,
                                 cli::progress_line& progress) {
  std::vector<request> requests;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < files.inputs.size(); ++i) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(files.inputs[i], ec);
    // Room for the requests of files this size (a bulk CSV row is about 50 bytes), so that a big
    // input is not copied again and again while the vector grows.
    if (!ec) bytes += size / (formats[i] == usage_format::bulk_csv ? 48 : 96);
  }
  requests.reserve(static_cast<std::size_t>(bytes));
  for_each_request(files, formats, progress, "reading",
                   [&](request&& r) { requests.push_back(std::move(r)); });
  return requests;
}

/// What a first reading of the inputs learns: whether their concatenation is already in arrival
/// order (`received_at` never decreases), and then the latest arrival (D21's default `until`) and
/// how many requests there are.
struct input_scan {
  bool in_arrival_order = false;
  std::optional<timestamp> latest;
  std::uint64_t requests = 0;
  /// The events the cancellations name: the replay keeps them past their cancellation window to
  /// answer these exactly (bounded history).
  cancellation_targets cancelled;
};

/// Reads the inputs once without keeping them and says whether they can be replayed as they are
/// read. Stops at the first request that arrives before its predecessor. Inputs that cannot be read
/// twice (not regular files) are never streamed.
input_scan scan_inputs(const run_files& files, const std::vector<usage_format>& formats,
                       cli::progress_line& progress) {
  struct out_of_order {};
  input_scan scan;
  for (const auto& path : files.inputs) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return scan;
  }
  try {
    for_each_request(files, formats, progress, "checking", [&](request&& r) {
      if (scan.latest && r.received_at < *scan.latest) throw out_of_order{};
      scan.latest = r.received_at;
      ++scan.requests;
      scan.cancelled.add(r);
    });
  } catch (const out_of_order&) {
    progress.clear();
    return scan;
  }
  scan.in_arrival_order = true;
  return scan;
}

/// Replays inputs that `scan` found in arrival order into `apply`, reading them a second time.
template <class Apply>
void stream_inputs(const run_files& files, const std::vector<usage_format>& formats, const input_scan& scan,
                   cli::progress_line& progress, Apply&& apply) {
  std::uint64_t seen = 0;
  std::optional<timestamp> previous;
  for_each_request(files, formats, progress, "replaying", [&](request&& r) {
    if (++seen > scan.requests || (previous && r.received_at < *previous)) {
      throw usage_error("the inputs changed while they were read; run again on files that stay put");
    }
    previous = r.received_at;
    apply(r);
  });
  if (seen != scan.requests) {
    throw usage_error("the inputs changed while they were read; run again on files that stay put");
  }
}

simulation_options simulation_progress(cli::progress_line& progress, std::string what) {
  simulation_options options;
  if (progress.enabled()) {
    options.progress = [&progress, what = std::move(what)](std::size_t done, std::size_t total) {
      progress.show(what + " " + std::to_string(done) + " of " + std::to_string(total) + " requests (" +
                    std::to_string(total ? done * 100 / total : 100) + "%)");
    };
  }
  return options;
}

void emit(const common_options& o, const std::string& text, const std::string& note, bool terminal) {
  if (o.output.empty()) {
    cli::write_stdout(text);
    return;
  }
  cli::write_atomically(o.output, text);
  if (!o.quiet && terminal) std::fprintf(stderr, "meterkit: %s -> %s\n", note.c_str(), o.output.c_str());
}

int run_simulate(const common_options& o, const std::string& until_text, const char* argv0) {
  const std::optional<timestamp> until =
      until_text.empty() ? std::nullopt : std::optional<timestamp>(time_option("--until", until_text));
  const run_files files = files_of(o, argv0);
  const std::vector<usage_format> formats = formats_of(files);
  const bool terminal = cli::stderr_is_terminal();
  cli::progress_line progress(terminal && !o.quiet);
  const plan p = read_plan_file(files.plan);  // refused before any usage is read (CONTRACT.md)
  const auto no_operations = [] {
    return usage_error("the inputs hold no operations; give --until to see the invoices as of a time (D21)");
  };
  simulation_result result;
  const input_scan scan = o.materialize ? input_scan{} : scan_inputs(files, formats, progress);
  if (scan.in_arrival_order) {
    // Inputs already in arrival order (one sorted file, or files given in time order) are replayed
    // while they are read a second time, without keeping every request in memory, and the
    // simulator forgets the events that can no longer change an invoice (bounded history), so that
    // memory follows the open billing periods, not the length of the stream. Arrival after
    // `until` is pending (D21).
    const std::optional<timestamp> as_of = until ? until : scan.latest;
    if (!as_of) throw no_operations();
    simulator_history history;
    history.bounded = true;
    history.cancelled_later = std::cref(scan.cancelled);
    invoice_simulator sim(p, std::move(history));
    stream_inputs(files, formats, scan, progress, [&](const request& r) {
      if (r.received_at > *as_of) {
        sim.count_pending(r);
      } else {
        sim.apply(r);
      }
    });
    result = sim.result(*as_of);
  } else {
    const std::vector<request> requests = read_inputs(files, formats, progress);
    if (!until && requests.empty()) throw no_operations();
    result = simulate(p, requests, until, simulation_progress(progress, "replaying"));
  }
  progress.clear();
  emit(o, cli::simulation_output(result, format_of(o.format)),
       std::to_string(result.invoices.size()) + " invoices, " + std::to_string(result.rejected.size()) +
           " rejected operations, " + std::to_string(result.late.size()) + " late usage",
       terminal);
  return 0;
}

int run_summarize(const common_options& o, const summarize_options& s, const char* argv0) {
  const timestamp start = time_option("--start", s.start);
  const timestamp end = time_option("--end", s.end);
  if (!(start < end)) throw usage_error("--start must be before --end (D26)");
  const window_kind grouping = s.group.empty() ? window_kind::none : *parse_window_kind(s.group);
  const run_files files = files_of(o, argv0);
  const std::vector<usage_format> formats = formats_of(files);
  const bool terminal = cli::stderr_is_terminal();
  cli::progress_line progress(terminal && !o.quiet);
  const plan p = read_plan_file(files.plan);
  std::vector<event_summary> summaries;
  try {
    const input_scan scan = o.materialize ? input_scan{} : scan_inputs(files, formats, progress);
    if (scan.in_arrival_order) {
      // As `summarize`: every request replayed, summaries as of the latest arrival (D26).
      invoice_simulator sim(p);
      stream_inputs(files, formats, scan, progress, [&](const request& r) { sim.apply(r); });
      summaries =
          sim.summaries(s.meter, s.customer, period{start, end}, grouping, scan.latest.value_or(start));
    } else {
      const std::vector<request> requests = read_inputs(files, formats, progress);
      summaries = summarize(p, requests, s.meter, s.customer, period{start, end}, grouping,
                            simulation_progress(progress, "replaying"));
    }
  } catch (const configuration_error& e) {
    // Name the option the user wrote, not the library's parameter.
    const std::string& field = e.field();
    const std::string option = field == "start_time" || field == "start" ? "--start " + s.start
                               : field == "end_time" || field == "end"   ? "--end " + s.end
                               : field == "meter"                        ? "--meter " + s.meter
                               : field == "customer"                     ? "--customer " + s.customer
                                                                         : "summarize";
    std::string what = e.what();
    if (what.compare(0, field.size() + 2, field + ": ") == 0) what.erase(0, field.size() + 2);
    throw usage_error(option + ": " + what + " (M13, D26)");
  }
  progress.clear();
  emit(o, cli::summaries_output(summaries, {s.meter, s.customer}, format_of(o.format)),
       std::to_string(summaries.size()) + " summaries", terminal);
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app{"meterkit: replays usage against a billing plan and prints the invoices that would result",
               "meterkit"};
  app.set_version_flag("--version", std::to_string(version_major) + "." + std::to_string(version_minor) +
                                        "." + std::to_string(version_patch));
  app.require_subcommand(1);
  app.footer(
      "With neither --plan nor --input, simulate runs on the example plan and usage shipped in examples/.\n"
      "Exit status: 0 the run completed (rejected operations are listed, not fatal); 2 the command line, the "
      "plan\n"
      "or an input could not be used (the message names the file, line and column).");

  common_options sim_options;
  std::string until_text;
  CLI::App* sim = app.add_subcommand("simulate", "Replay the inputs in arrival order and print the invoices");
  add_common_options(*sim, sim_options);
  sim->add_option(
         "--until", until_text,
         "Invoices as of this time, unix seconds or RFC 3339 (default: the latest arrival in the inputs)")
      ->type_name("T");

  common_options sum_options;
  summarize_options sum;
  CLI::App* summ =
      app.add_subcommand("summarize", "Print meter event summaries (billing.meter_event_summary)");
  add_common_options(*summ, sum_options);
  summ->add_option("--meter", sum.meter, "Meter id")->required();
  summ->add_option("--customer", sum.customer, "Customer id")->required();
  summ->add_option("--start", sum.start, "Start of the range, unix seconds or RFC 3339")
      ->required()
      ->type_name("T");
  summ->add_option("--end", sum.end, "End of the range (excluded)")->required()->type_name("T");
  summ->add_option("--group", sum.group, "One summary per UTC hour or day")
      ->check(CLI::IsMember({"hour", "day"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(
        stderr, "meterkit: %s\nRun 'meterkit --help' or 'meterkit %s --help' for the options.\n", e.what(),
        app.get_subcommands().empty() ? "simulate" : app.get_subcommands().front()->get_name().c_str());
    return 2;
  }
  if (sim->parsed()) return run_simulate(sim_options, until_text, argc > 0 ? argv[0] : nullptr);
  return run_summarize(sum_options, sum, argc > 0 ? argv[0] : nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const meterkit::input_error& e) {
    // `file:line:column: what was expected` (CONTRACT.md "Exit status").
    std::fprintf(stderr, "%s\n", e.what());
  } catch (const usage_error& e) {
    std::fprintf(stderr, "meterkit: %s\n", e.what());
  } catch (const meterkit::configuration_error& e) {
    std::fprintf(stderr, "meterkit: %s\n", e.what());
  } catch (const meterkit::overflow_error& e) {
    std::fprintf(stderr, "meterkit: %s (D25: quantities, amounts and totals must fit in 64 bits)\n",
                 e.what());
  } catch (const meterkit::cli::output_error& e) {
    std::fprintf(stderr, "meterkit: %s\n", e.what());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "meterkit: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "meterkit: internal error: %s\n", e.what());
    return 1;
  }
  return 2;
}
