// SPDX-License-Identifier: MIT
// meterkit: replays usage against a billing plan and prints the invoices that would result
// (CONTRACT.md). The program only reads files, calls the library and writes results:
//   meterkit simulate  --plan PLAN.json --input FILE... [--input-format F] [--until T|now]
//                      [--customer ID]... [--format table|json|csv] [--output FILE]
//                      [--rejections FILE] [--late FILE] [--unbilled FILE] [--keep-going] [--quiet]
//   meterkit summarize --plan PLAN.json --input FILE... [--input-format F] --meter ID --customer ID
//                      --start T --end T [--group hour|day] [--format table|json|csv] [--output FILE]
//                      [--quiet]
//   meterkit compare   --plan A.json --plan-b B.json --input FILE... [--until T|now]
//                      [--format table|json|csv] [--output FILE] [--quiet]
//   meterkit migrate   --plan LEGACY.json --input FILE... [--write-plan NEW.json] [--until T|now]
//                      [--format table|json|csv] [--output FILE] [--quiet]
// `-` as --plan or one --input is standard input; T is unix seconds, RFC 3339 or a date (docs/cli.md).
// Exit status: 0 the run completed (even with rejected operations); 2 the command line, the plan or
// an input could not be used (a message on standard error, no output written); 1 an internal
// error (a bug or no memory left), also with a message.

#include <CLI/CLI.hpp>

#if defined(__linux__)
#include <unistd.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_set>
#include <utility>
#include <vector>

#include <meterkit/stripe.hpp>

#include "compare.hpp"
#include "files.hpp"
#include "messages.hpp"
#include "output.hpp"
#include "simulation_output.hpp"

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
  std::string input_format;  ///< csv, json, jsonl or requests: the format of every input, whatever its name
  std::string output;
  bool quiet = false;
  bool strict = false;         ///< a warning stops the run (exit 2)
  bool materialize = false;    ///< hidden: always keep every request in memory (tests compare both paths)
  std::string color = "auto";  ///< --color auto|always|never: colour in the table
};

struct summarize_options {
  std::string meter;
  std::string customer;
  std::string start;
  std::string end;
  std::string group;
  std::string as_of;                    ///< --as-of T: only the requests that had arrived by T (D28)
  std::size_t max_windows = 1'000'000;  ///< --max-windows N (D26)
};

/// A whole number from 1 to 999999999999999999, for `--max-invoices` and `--max-windows`.
CLI::Validator whole_number_validator() {
  return CLI::Validator(
      [](std::string& v) {
        const bool whole =
            !v.empty() && v.size() <= 18 && v.find_first_not_of("0123456789") == std::string::npos;
        return whole && std::stoull(v) >= 1 ? std::string()
                                            : "must be a whole number from 1 to 999999999999999999, got " + v;
      },
      "");
}

void add_common_options(CLI::App& cmd, common_options& o) {
  cmd.add_option("--plan", o.plan,
                 "Billing plan: Stripe meters, prices and subscriptions as JSON (- reads standard input)")
      ->type_name("PLAN.json");
  cmd.add_option("--input", o.inputs,
                 "Usage: Stripe bulk upload .csv/.json/.jsonl or a .requests.jsonl request log (repeatable, "
                 "read in the order given; - reads standard input, with --input-format)")
      ->type_name("FILE");
  cmd.add_option("--input-format", o.input_format,
                 "Read every --input in this format, whatever its name (needed for --input -, FIFOs, <(...))")
      ->check(CLI::IsMember({"csv", "json", "jsonl", "requests"}));
  cmd.add_option("--format", o.format,
                 "Output: table (for people), json, csv, or stripe-json (simulate: Stripe's invoice objects)")
      ->check(CLI::IsMember({"table", "json", "csv", "stripe-json"}))
      ->capture_default_str();
  cmd.add_option("--output", o.output, "Write the output to FILE (atomically) instead of standard output")
      ->type_name("FILE");
  cmd.add_flag("--quiet", o.quiet, "No progress or notes on standard error, only errors");
  cmd.add_option("--color", o.color,
                 "Colour in the table: auto (when standard output is a terminal and NO_COLOR is not set), "
                 "always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->type_name("WHEN");
  cmd.add_flag("--strict", o.strict,
               "Treat a warning (an unknown plan field, a money field not modelled, a metered item no usage "
               "fed) as an error: exit 2");
  cmd.add_flag("--materialize", o.materialize,
               "Keep every request in memory even when the inputs are in arrival order")
      ->group("");
}

output_format format_of(const std::string& f) {
  if (f == "json") return output_format::json;
  if (f == "csv") return output_format::csv;
  if (f == "stripe-json") return output_format::stripe_json;
  return output_format::table;
}

/// Whether a time option may be `now` (`--until` only: a range's bounds must not move between
/// two runs).
enum class now_allowed : bool { no, yes };

/// A time option: unix seconds or RFC 3339 (D4), a date `YYYY-MM-DD` (its start in UTC), or, where
/// allowed, `now` (the current time, whole seconds).
timestamp time_option(const std::string& name, const std::string& text, now_allowed now) {
  const std::string forms = now == now_allowed::yes ? "; or a date (YYYY-MM-DD), unix seconds or now"
                                                    : "; or a date (YYYY-MM-DD) or unix seconds";
  if (text == "now") {
    if (now == now_allowed::yes)
      return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    throw usage_error(name +
                      ": \"now\" is only for --until (a range's bounds should not move between runs); "
                      "give a time (YYYY-MM-DDTHH:MM:SSZ), a date (YYYY-MM-DD) or unix seconds");
  }
  const bool date = text.size() == 10 && text[4] == '-' && text[7] == '-';
  auto t = parse_time(date ? text + "T00:00:00Z" : text);
  if (!t) {
    std::string why = t.error().message;
    if (date) {  // name the date as written, not the time it was read as
      const std::string read_as = "\"" + text + "T00:00:00Z\"";
      if (const auto at = why.find(read_as); at != std::string::npos)
        why.replace(at, read_as.size(), "\"" + text + "\"");
    }
    throw usage_error(name + ": " + why + (date ? "" : forms));
  }
  return *t;
}

/// `--input-format`'s value as the library's format; nullopt: each input's extension decides.
std::optional<usage_format> input_format_of(const std::string& f) {
  if (f == "csv") return usage_format::bulk_csv;
  if (f == "json") return usage_format::bulk_json;
  if (f == "jsonl") return usage_format::bulk_jsonl;
  if (f == "requests") return usage_format::request_log;
  return std::nullopt;
}

/// `-` names standard input, for --plan or --input; sources and messages call it `stdin`.
constexpr std::string_view stdin_argument = "-";
constexpr std::string_view stdin_name = "stdin";

/// Standard input can be read once, and has no name to tell an input's format. `plan_b`: compare's
/// `--plan-b`.
void check_stdin(const common_options& o, const std::string& plan_b = {}) {
  const auto inputs = std::count(o.inputs.begin(), o.inputs.end(), stdin_argument);
  if ((o.plan == stdin_argument ? 1 : 0) + (plan_b == stdin_argument ? 1 : 0) + inputs > 1) {
    throw usage_error(std::string("standard input can be read only once: at most one of --plan") +
                      (plan_b.empty() ? " and --input" : ", --plan-b and --input") +
                      " may be -; give the others as files (a FIFO or <(command) works too)");
  }
  if (o.inputs.empty() && !o.input_format.empty()) {
    throw usage_error(
        "--input-format names the format of the --input files, and none is given; add --input FILE");
  }
  if (inputs != 0 && o.input_format.empty()) {
    throw usage_error(
        "--input -: standard input has no file name to tell its format; add --input-format csv, json, "
        "jsonl or requests");
  }
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
  // --plan alone replays the plan with no usage (licensed lines, zero quantities).
  run_files files{o.plan, o.inputs, o.inputs};
  for (std::size_t i = 0; i < files.inputs.size(); ++i) {
    if (files.inputs[i] != stdin_argument) continue;
    files.inputs[i] = "/dev/stdin";
    files.names[i] = std::string(stdin_name);
  }
  return files;
}

/// Checks the format of every input before anything is read (a typo should not wait for a big
/// file, nor for the plan).
void formats_of(const common_options& o, const run_files& files) {
  if (!o.input_format.empty()) return;  // --input-format says it for every input
  for (const auto& path : files.inputs) (void)require_usage_format(path);
}

/// Reads and validates the plan file `path`, from standard input when it is `-`; `text_out`, when
/// given, receives the file's bytes (migrate --write-plan rewrites them).
plan read_plan_source(const std::string& path, std::vector<plan_warning>* warnings,
                      std::string* text_out = nullptr) {
  if (path != stdin_argument && text_out == nullptr) return read_plan_file(path, {}, warnings);
  std::optional<input_source> file;  // none: standard input
  if (path != stdin_argument) file.emplace(input_source::open_file(path));
  const std::string name = file ? path : std::string(stdin_name);
  std::string text;
  char block[1 << 16];
  for (;;) {
    const std::size_t got =
        file ? file->read(block, sizeof block) : std::fread(block, 1, sizeof block, stdin);
    text.append(block, got);
    if (got < sizeof block) break;
    if (text.size() > read_options{}.max_record_bytes) {
      throw input_error(
          name, {},
          "larger than " + std::to_string(read_options{}.max_record_bytes) + " bytes; is this a plan file?");
    }
  }
  if (!file && std::ferror(stdin)) throw input_error(name, {}, "cannot read standard input");
  plan p = read_plan_text(text, name, warnings);
  if (text_out != nullptr) *text_out = std::move(text);
  return p;
}

/// The plan, with its warnings (likely mistakes, money fields not modelled: docs/cli.md) on
/// standard error unless --quiet; with --strict a warning stops the run (exit 2).
plan plan_of(const common_options& o, const std::string& path, std::string* text = nullptr) {
  std::vector<plan_warning> warnings;
  plan p = read_plan_source(path, &warnings, text);
  if (!o.quiet || o.strict) {
    for (const auto& w : warnings)
      std::fprintf(stderr, "%s\n", meterkit::cli::with_rules_pointer(w.to_string()).c_str());
  }
  if (o.strict && !warnings.empty()) {
    throw usage_error("--strict: the plan has " + std::to_string(warnings.size()) +
                      (warnings.size() == 1 ? " warning" : " warnings") + " (above); nothing was replayed");
  }
  return p;
}

/// The library's replay options for these files, with progress while standard error is a
/// terminal: `checking usage.csv: 12.0 MB of 600.0 MB (2%), 1234 requests, 45.1 MB/s, 13 s left`,
/// `replaying 5 of 10 requests (50%), ...`, and a line of its own when the run holds every request
/// in memory instead of streaming them (D21).
/// `streams`: whether the run would stream the inputs (simulate, summarize), so that holding
/// them in memory deserves the note; compare and migrate always hold them.
replay_options replay_options_of(const common_options& o, const run_files& files,
                                 cli::progress_line& progress, bool streams = true) {
  replay_options options;
  options.names = files.names;
  options.stream = !o.materialize;
  options.format = input_format_of(o.input_format);
  if (progress.enabled()) {
    // Whether every input can be read twice: else the run never streams (standard input, a pipe).
    const bool rereadable =
        std::all_of(files.inputs.begin(), files.inputs.end(), [](const std::string& path) {
          std::error_code ec;
          return std::filesystem::is_regular_file(path, ec);
        });
    auto clock = std::make_shared<cli::phase_clock>();
    auto noted = std::make_shared<bool>(o.materialize || !streams);  // asked for, or the only way: no note
    options.progress = [&progress, clock, noted, rereadable](const replay_progress& at) {
      using stage = replay_progress::stage;
      if (at.step == stage::reading && !*noted) {
        *noted = true;
        progress.note(cli::with_rules_pointer(
            rereadable ? "meterkit: the inputs are not in arrival order: reading every request into "
                         "memory, then replaying them in arrival order (D21)"
                       : "meterkit: an input cannot be read twice (standard input or a pipe): reading "
                         "every request into memory, then replaying them (D21)"));
      }
      const std::string verb = at.step == stage::checking  ? "checking"
                               : at.step == stage::reading ? "reading"
                                                           : "replaying";
      if (at.source.empty()) {
        const auto total = at.requests_total;
        progress.show(verb + " " + std::to_string(at.requests) + " of " + std::to_string(total) +
                      " requests (" + std::to_string(total ? at.requests * 100 / total : 100) + "%)" +
                      clock->rate_and_left(verb, static_cast<double>(at.requests), static_cast<double>(total),
                                           "requests"));
        return;
      }
      std::string line = verb + " " + std::string(at.source) + ": " + cli::megabytes(at.bytes_done);
      if (at.bytes_total != 0) {
        line += " of " + cli::megabytes(at.bytes_total) + " (" +
                std::to_string(at.bytes_done * 100 / at.bytes_total) + "%)";
      }
      progress.show(line + ", " + std::to_string(at.requests) + " requests" +
                    clock->rate_and_left(verb + " " + std::string(at.source),
                                         static_cast<double>(at.bytes_done),
                                         static_cast<double>(at.bytes_total), "MB", 1e6));
    };
  }
  return options;
}

/// How the table is shown (docs/cli.md "Table output"): on a terminal, as wide as it is and in
/// colour (unless NO_COLOR is set or TERM is dumb); into a file or a pipe, as it is, without
/// colour unless --color always.
cli::table_style table_style_of(const common_options& o) {
  cli::table_style style;
  const bool terminal = o.output.empty() && cli::stdout_is_terminal();
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  style.colour =
      o.color == "always" || (o.color == "auto" && terminal && (no_color == nullptr || *no_color == '\0') &&
                              !(term != nullptr && std::string_view(term) == "dumb"));
  if (terminal) style.width = cli::terminal_columns();
  return style;
}

void emit(const common_options& o, const cli::detail::output_producer& text, const std::string& note,
          bool terminal) {
  if (o.output.empty()) {
    cli::write_stdout_with(text);
    return;
  }
  cli::write_output_with(o.output, text);
  if (!o.quiet && terminal)
    std::fprintf(stderr, "meterkit: %s -> %s\n", meterkit::cli::printable(note).c_str(),
                 meterkit::cli::printable(o.output).c_str());
}

void emit(const common_options& o, const std::string& text, const std::string& note, bool terminal) {
  emit(
      o, [&](const auto& put) { put(text); }, note, terminal);
}

/// `simulate --customer`: which customers' invoices to print; each must be a customer of the plan
/// (a typo should not look like a customer without invoices).
void check_customers(const plan& p, const std::vector<std::string>& customers) {
  for (const auto& c : customers) {
    const bool subscribed = std::any_of(p.subscriptions.begin(), p.subscriptions.end(),
                                        [&](const subscription& s) { return s.customer == c; });
    if (!subscribed && std::find(p.customers.begin(), p.customers.end(), c) == p.customers.end()) {
      throw usage_error(
          "--customer " + c +
          ": the plan has no such customer (none of its subscriptions[].customer or customers[])");
    }
  }
}

/// D23: one warning on standard error naming the metered items of the listed subscriptions (of
/// the `customers`, all when empty) that no accepted operation fed: their lines bill 0, more often
/// because of a mistyped event name, customer or item id than because there was no usage. With
/// --strict it is an error (exit 2, before any output is written).
void warn_items_without_usage(const common_options& o, const plan& p,
                              const std::vector<std::string>& unfed_items,
                              const std::function<bool(std::string_view)>& invoiced,
                              const std::vector<std::string>& customers) {
  constexpr std::size_t named_at_most = 10;
  if (unfed_items.empty()) return;
  // Sets, not scans: a plan of 100,000 subscriptions may have as many items without usage.
  const std::unordered_set<std::string_view> unfed(unfed_items.begin(), unfed_items.end());
  std::size_t count = 0;
  std::string named;
  for (const subscription& sub : p.subscriptions) {
    if (!customers.empty() && std::find(customers.begin(), customers.end(), sub.customer) == customers.end())
      continue;
    if (!invoiced(sub.id)) continue;  // starts after --until: nothing of it is listed
    for (const subscription_item& item : sub.items) {
      if (!unfed.contains(item.id)) continue;
      if (++count > named_at_most) continue;
      const auto pr =
          std::find_if(p.prices.begin(), p.prices.end(), [&](const price& x) { return x.id == item.price; });
      std::string wanted = "no usage records";
      if (pr != p.prices.end() && pr->recurring.meter) {
        const auto m = std::find_if(p.meters.begin(), p.meters.end(),
                                    [&](const meter_definition& x) { return x.id == *pr->recurring.meter; });
        wanted = m == p.meters.end() ? "no meter events" : "no \"" + m->event_name + "\" events";
      }
      named +=
          (named.empty() ? "" : ", ") + item.id + " (" + sub.id + ", " + sub.customer + ": " + wanted + ")";
    }
  }
  if (count == 0) return;
  if (count > named_at_most) named += " and " + std::to_string(count - named_at_most) + " more";
  const std::string text =
      std::to_string(count) +
      (count == 1 ? " metered subscription item was" : " metered subscription items were") +
      " fed by no accepted usage, so " + (count == 1 ? "its lines bill" : "their lines bill") +
      " 0: " + named + " (D23)";
  if (!o.quiet || o.strict) std::fprintf(stderr, "%s\n", cli::with_rules_pointer("warning: " + text).c_str());
  if (o.strict) throw usage_error("--strict: the warning above; no output was written");
}

/// simulate's own options.
/// The most cycle invoices a `simulate` run makes unless `--max-invoices` says otherwise (D20):
/// they are written out as they are made (D30), so the bound is on the time of a run and the
/// temporary files it fills (about 1 KB an invoice in JSON), not its memory: a year of 100,000
/// monthly subscriptions is 1.3 million.
inline constexpr std::size_t default_max_invoices = 2'000'000;
/// The same for `compare` and `migrate`, which hold both runs' invoices in memory to match them.
inline constexpr std::size_t default_max_compared_invoices = 100'000;

struct simulate_options {
  std::string until;
  std::string as_of;  ///< --as-of T: only the requests that had arrived by T (D28)
  std::vector<std::string> customers;
  std::string rejections;  ///< --rejections FILE: the rejected operations as CSV
  std::string late;        ///< --late FILE: the late usage as CSV
  std::string unbilled;    ///< --unbilled FILE: the usage no subscription bills as CSV
  std::size_t max_invoices = default_max_invoices;  ///< --max-invoices N (D20)
  bool keep_going = false;  ///< --keep-going: an unusable record is a rejection, not the end (D29)
};

/// Two outputs naming one file would overwrite each other: each option's name and value.
void check_outputs_differ(const std::vector<std::pair<const char*, const std::string*>>& outputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    for (std::size_t j = i + 1; j < outputs.size(); ++j) {
      const std::string& a = *outputs[i].second;
      if (a.empty() || a.rfind("/dev/", 0) == 0 || a != *outputs[j].second) continue;
      throw usage_error(std::string(outputs[i].first) + " and " + outputs[j].first + " both name " + a +
                        "; give each its own file");
    }
  }
}

/// `--as-of T` (D28): what was known at T, never after `--until` (requests arriving after it are
/// not applied anyway); empty when not given.
std::optional<timestamp> as_of_option(const std::string& text, std::optional<timestamp> until,
                                      const std::string& until_text) {
  if (text.empty()) return std::nullopt;
  const timestamp known_at = time_option("--as-of", text, now_allowed::yes);
  if (until && known_at > *until) {
    throw usage_error("--as-of " + text + " is after --until " + until_text +
                      ": requests arriving after --until are not applied anyway (D21); give --as-of at or "
                      "before it (D28)");
  }
  return known_at;
}

/// `replay()`, with a usage error naming --until when it has no time to stop at: no operations in
/// the inputs and no --until (D21).
template <class Replay>
auto with_until_hint(const run_files& files, Replay&& replay) {
  try {
    return replay();
  } catch (const configuration_error& e) {
    if (e.field() != "until") throw;
    // Name the inputs, as every other exit-2 message names what it is about (issue 16).
    std::string named;
    for (const auto& n : files.names) named += (named.empty() ? " (" : ", ") + n;
    if (!named.empty()) named += ")";
    throw usage_error("the inputs" + named +
                      " hold no operations; give --until to see the invoices as of a time (D21)");
  }
}

int run_simulate(const common_options& o, const simulate_options& s, const char* argv0) {
  const std::string& until_text = s.until;
  const std::vector<std::string>& customers = s.customers;
  check_outputs_differ({{"--output", &o.output},
                        {"--rejections", &s.rejections},
                        {"--late", &s.late},
                        {"--unbilled", &s.unbilled}});
  const std::optional<timestamp> until =
      until_text.empty() ? std::nullopt
                         : std::optional<timestamp>(time_option("--until", until_text, now_allowed::yes));
  const std::optional<timestamp> known_at = as_of_option(s.as_of, until, until_text);
  check_stdin(o);
  const run_files files = files_of(o, argv0);
  formats_of(o, files);
  const bool terminal = cli::stderr_is_terminal();
  cli::progress_line progress(terminal && !o.quiet);
  const plan p = plan_of(o, files.plan);  // refused before any usage is read (CONTRACT.md)
  check_customers(p, customers);
  replay_options options = replay_options_of(o, files, progress);
  options.until = until;
  options.known_at = known_at;
  options.max_invoices = s.max_invoices;
  options.keep_going = s.keep_going;
  // D30: the run's records are printed as they come, kept in temporary files until it succeeds.
  cli::simulation_printer printer(cli::simulation_outputs{format_of(o.format), &p, table_style_of(o),
                                                          customers, !s.rejections.empty(), !s.late.empty()});
  printer.take_from(options);
  if (progress.enabled()) {
    auto clock = std::make_shared<cli::phase_clock>();
    printer.progress = [&progress, clock](std::size_t done, std::size_t total, std::size_t invoices) {
      progress.show("invoicing " + std::to_string(done) + " of " + std::to_string(total) + " customers (" +
                    std::to_string(total ? done * 100 / total : 100) + "%), " + std::to_string(invoices) +
                    " invoices" +
                    clock->rate_and_left("invoicing", static_cast<double>(done), static_cast<double>(total),
                                         "customers"));
    };
  }
  replay_report report = with_until_hint(files, [&] {
    try {
      return replay_files_report(p, files.inputs, options);
    } catch (const configuration_error& e) {
      if (e.field() != "max_invoices") throw;
      // D20: refused before any invoice is built, naming the time that asked for them.
      std::string what = e.what();
      if (what.rfind("max_invoices: ", 0) == 0) what.erase(0, 14);
      std::string inputs;
      for (const auto& n : files.names) inputs += (inputs.empty() ? " (" : ", ") + n;
      if (!inputs.empty()) inputs += ")";
      throw usage_error((until      ? "--until " + until_text
                         : known_at ? "--as-of " + s.as_of
                                    : "the latest arrival in the inputs" + inputs) +
                        ": " + what + "; give an earlier --until, or raise --max-invoices (now " +
                        std::to_string(s.max_invoices) + ")");
    }
  });
  printer.finish();  // D30: the last invoices printed into their temporary file
  progress.clear();
  const simulation_result& result = report.result;
  if (!files.inputs.empty())
    warn_items_without_usage(
        o, p, report.items_without_usage, [&](std::string_view id) { return printer.invoiced(id); },
        customers);
  // The lists first, each atomically; the main output, which scripts wait for, last.
  const auto side_file = [&](const std::string& path, const cli::detail::output_producer& text, std::size_t n,
                             const char* what) {
    if (path.empty()) return;
    cli::write_output_with(path, text);
    if (!o.quiet && terminal)
      std::fprintf(stderr, "meterkit: %zu %s -> %s\n", n, what, meterkit::cli::printable(path).c_str());
  };
  side_file(
      s.rejections, [&](const auto& put) { printer.rejections_csv(put); }, printer.rejected_count(),
      "rejected operations");
  side_file(
      s.late, [&](const auto& put) { printer.late_csv(put); }, printer.late_count(), "late usage");
  side_file(
      s.unbilled, [&](const auto& put) { put(cli::unbilled_csv(report.unbilled)); }, report.unbilled.size(),
      "unbilled usage");
  emit(
      o, [&](const auto& put) { printer.main_output(result, report.unbilled, put); },
      std::to_string(printer.invoice_count()) + " invoices, " + std::to_string(printer.rejected_count()) +
          " rejected operations, " + std::to_string(printer.late_count()) + " late usage",
      terminal);
  return 0;
}

/// compare's and migrate's own options.
struct comparison_options {
  std::string plan_b;  ///< compare --plan-b: the plan to compare with (empty: migrate)
  std::string until;
  std::string write_plan;  ///< migrate --write-plan FILE: the migrated plan as JSON
  std::size_t max_invoices = default_max_compared_invoices;  ///< --max-invoices N (D20), for each plan
};

/// D20: a run whose plan's billing cycles make more than `max` invoices through `as_of` is refused
/// before any is built, naming what set that time.
void check_invoice_count(const plan& p, timestamp as_of, std::size_t max, const std::string& time_named,
                         const std::string& plan_named) {
  const compiled_plan cp(p);
  if (cycle_invoice_count(cp, as_of, max) <= max) return;
  throw usage_error(time_named + ": " + plan_named + "'s billing cycles make more than " +
                    std::to_string(max) + " invoices through " + message_time(as_of) +
                    " (D20); give an earlier --until, or raise --max-invoices (now " + std::to_string(max) +
                    ")");
}

/// `compare` (`c.plan_b` given) and `migrate`: the same usage replayed under two plans, the
/// invoices and lines that differ.
int run_comparison(const common_options& o, const comparison_options& c, bool migrate, const char* argv0) {
  if (o.format == "stripe-json") {
    throw usage_error(std::string("--format stripe-json prints invoices; ") +
                      (migrate ? "migrate" : "compare") + " prints table, json or csv");
  }
  check_outputs_differ({{"--output", &o.output}, {"--write-plan", &c.write_plan}});
  const std::optional<timestamp> until =
      c.until.empty() ? std::nullopt
                      : std::optional<timestamp>(time_option("--until", c.until, now_allowed::yes));
  check_stdin(o, c.plan_b);
  const run_files files = files_of(o, argv0);
  formats_of(o, files);
  const bool terminal = cli::stderr_is_terminal();
  cli::progress_line progress(terminal && !o.quiet);
  std::string plan_text;
  const plan before = plan_of(o, files.plan, migrate && !c.write_plan.empty() ? &plan_text : nullptr);
  const std::optional<plan> after = migrate ? std::nullopt : std::optional<plan>(plan_of(o, c.plan_b));
  // D20: both runs are bounded, before either builds an invoice (a migrated plan keeps the
  // legacy plan's subscriptions, so its billing cycles); with --until, before any usage is read.
  const auto bounded = [&](timestamp as_of) {
    const std::string time_named = until ? "--until " + c.until : "the latest arrival in the inputs";
    check_invoice_count(before, as_of, c.max_invoices, time_named, "the plan");
    if (after) check_invoice_count(*after, as_of, c.max_invoices, time_named, "--plan-b");
  };
  if (until) bounded(*until);
  // Read once: both runs replay the same requests (standard input cannot be read twice).
  const std::vector<request> requests =
      read_request_files(files.inputs, replay_options_of(o, files, progress, false));
  progress.clear();
  if (const auto latest = latest_arrival(requests); !until && latest) bounded(*latest);
  const std::optional<legacy_migration> migration =
      migrate ? std::optional<legacy_migration>(migrate_legacy_plan(before)) : std::nullopt;
  const plan_comparison cmp = with_until_hint(files, [&] {
    return migrate ? compare_legacy_migration(before, *migration, requests, until)
                   : compare_plans(before, *after, requests, until);
  });
  const cli::comparison_subject subject{until ? *until : *latest_arrival(requests),
                                        files.plan == stdin_argument ? std::string(stdin_name) : files.plan,
                                        c.plan_b == stdin_argument ? std::string(stdin_name) : c.plan_b,
                                        migration ? &*migration : nullptr};
  if (migrate && !c.write_plan.empty()) {  // first; the main output, which scripts wait for, last
    cli::write_output(c.write_plan, cli::migrated_plan_json(plan_text, subject.before, *migration));
    if (!o.quiet && terminal)
      std::fprintf(stderr, "meterkit: migrated plan -> %s\n", meterkit::cli::printable(c.write_plan).c_str());
  }
  emit(o, cli::comparison_output(cmp, subject, format_of(o.format), table_style_of(o)),
       std::to_string(cmp.changed_invoices()) + " of " + std::to_string(cmp.invoices.size()) +
           " invoices changed",
       terminal);
  return 0;
}

/// How many customers `p` knows (M6, D10): its `customers` and its subscriptions' customers.
std::size_t known_customers(const plan& p) {
  std::unordered_set<std::string_view> known(p.customers.begin(), p.customers.end());
  for (const auto& sub : p.subscriptions) known.insert(sub.customer);
  return known.size();
}

/// D26: a summary of more windows than `--max-windows` is refused before any usage is read,
/// naming what makes them (bounds the library refuses are left to it, M13).
void check_window_count(const summarize_options& s, period bounds, window_kind grouping,
                        std::size_t customers) {
  if (check_summary_bounds(bounds, grouping) || customers == 0) return;
  const std::uint64_t each = summary_window_count(bounds, grouping);
  if (each <= s.max_windows / customers) return;
  const std::string per = customers == 1 ? "" : " for each of " + std::to_string(customers) + " customers";
  throw usage_error("--start " + s.start + " to --end " + s.end + " by " + s.group + " makes " +
                    std::to_string(each) + " windows" + per + ", more than --max-windows " +
                    std::to_string(s.max_windows) + " (D26); narrow --start and --end" +
                    (grouping == window_kind::hour ? ", group by day" : "") +
                    (customers == 1 ? "" : ", name one --customer") + " or raise --max-windows");
}

int run_summarize(const common_options& o, const summarize_options& s, const char* argv0) {
  const timestamp start = time_option("--start", s.start, now_allowed::no);
  const timestamp end = time_option("--end", s.end, now_allowed::no);
  if (!(start < end)) throw usage_error("--start must be before --end (D26)");
  if (o.format == "stripe-json")
    throw usage_error("--format stripe-json prints invoices; summarize prints table, json or csv");
  const window_kind grouping = s.group.empty() ? window_kind::none : *parse_window_kind(s.group);
  const std::optional<timestamp> known_at = as_of_option(s.as_of, std::nullopt, {});
  check_stdin(o);
  const run_files files = files_of(o, argv0);
  formats_of(o, files);
  const bool terminal = cli::stderr_is_terminal();
  cli::progress_line progress(terminal && !o.quiet);
  const plan p = plan_of(o, files.plan);
  // --customer names one customer; without it, every known customer, in one replay (D26).
  const bool every_customer = s.customer.empty();
  check_window_count(s, period{start, end}, grouping, every_customer ? known_customers(p) : 1);
  std::vector<customer_summaries> summaries;
  replay_options options = replay_options_of(o, files, progress);
  options.known_at = known_at;
  try {
    if (every_customer) {
      summaries = summarize_files_customers(p, files.inputs, s.meter, period{start, end}, grouping, options);
    } else {
      summaries.push_back(customer_summaries{
          s.customer,
          summarize_files(p, files.inputs, s.meter, s.customer, period{start, end}, grouping, options)});
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
  std::size_t windows = 0;
  for (const auto& c : summaries) windows += c.summaries.size();
  emit(o, cli::summaries_output(summaries, {s.meter, every_customer}, format_of(o.format), table_style_of(o)),
       std::to_string(windows) + " summaries" +
           (every_customer ? " of " + std::to_string(summaries.size()) + " customers" : std::string()),
       terminal);
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app{"meterkit: replays usage against a billing plan and prints the invoices that would result",
               "meterkit"};
  // `meterkit 0.2.0 (rule book of 2026-12-07, 75 rules: docs/rules.md)`.
  app.set_version_flag("--version", "meterkit " + std::to_string(version_major) + "." +
                                        std::to_string(version_minor) + "." + std::to_string(version_patch) +
                                        " (rule book of " + rule_book_edition + ", " +
                                        std::to_string(rule_book_rules) + " rules: docs/rules.md)");
  app.require_subcommand(1);
  app.footer(
      "With neither --plan nor --input, simulate runs on the example plan and usage shipped in examples/.\n"
      "Exit status: 0 the run completed (rejected operations are listed, not fatal); 2 the command line, the "
      "plan\n"
      "or an input could not be used (the message names the file, line and column).\n"
      "\n"
      "Examples:\n"
      "  meterkit simulate                                    the shipped examples, for people\n"
      "  meterkit simulate --plan plan.json --input usage.csv --format json\n"
      "  meterkit summarize --plan plan.json --input usage.csv --meter mtr_api --customer cus_1 \\\n"
      "      --start 2025-01-01 --end 2025-02-01 --group day\n"
      "  meterkit compare --plan plan.json --plan-b dearer.json --input usage.csv\n"
      "  meterkit migrate --plan legacy.json --input usage.requests.jsonl --write-plan meters.json");

  const auto until_option = [](CLI::App& cmd, std::string& until) {
    cmd.add_option(
           "--until", until,
           "Invoices as of this time: unix seconds, RFC 3339, a date (its start in UTC) or now (default: "
           "the latest arrival in the inputs)")
        ->type_name("T");
  };
  common_options sim_options;
  simulate_options sim_only;
  CLI::App* sim = app.add_subcommand("simulate", "Replay the inputs in arrival order and print the invoices");
  add_common_options(*sim, sim_options);
  until_option(*sim, sim_only.until);
  sim->add_option("--as-of", sim_only.as_of,
                  "Only the requests that had arrived by this time, as if read then (later ones are pending; "
                  "default --until: this time; unix seconds, RFC 3339, a date or now)")
      ->type_name("T");
  sim->add_option(
         "--customer", sim_only.customers,
         "Print only this customer's invoices (repeatable; rejections and late usage stay those of all)")
      ->type_name("ID")
      ->allow_extra_args(false);  // one id per --customer: `--customer a b` is a mistake
  sim->add_option("--max-invoices", sim_only.max_invoices,
                  "Refuse a run whose billing cycles make more invoices than this, before building any "
                  "(default " +
                      std::to_string(default_max_invoices) + ")")
      ->type_name("N")
      ->check(whole_number_validator());
  sim->add_flag("--keep-going", sim_only.keep_going,
                "Turn each input record that cannot be used into a rejection (code invalid_input, with its "
                "file:line and column) and go on, instead of stopping with exit 2");
  sim->add_option(
         "--rejections", sim_only.rejections,
         "Also write the rejected operations to FILE as CSV (source, code, param, message, identifier, "
         "event_name, customer, timestamp, index)")
      ->type_name("FILE");
  sim->add_option(
         "--late", sim_only.late,
         "Also write the late usage to FILE as CSV (subscription_item, period_start, period_end, quantity, "
         "source, received_at, finalized_at, identifier, event_name, customer, timestamp)")
      ->type_name("FILE");
  sim->add_option(
         "--unbilled", sim_only.unbilled,
         "Also write the usage no subscription bills to FILE as CSV (meter, customer, quantity, events)")
      ->type_name("FILE");
  sim->footer(
      "Examples:\n"
      "  meterkit simulate                                    the shipped examples, for people\n"
      "  meterkit simulate --plan plan.json --input usage.csv --input app.requests.jsonl \\\n"
      "      --until 2025-02-01T01:00:00Z --format json --output invoices.json\n"
      "  zcat usage.csv.gz | meterkit simulate --plan plan.json --input - --input-format csv\n"
      "  meterkit simulate --plan plan.json --input usage.csv --customer cus_1 --until now\n"
      "  meterkit simulate --plan plan.json --input usage.csv --until 2025-03-01 --as-of 2025-02-03\n"
      "      (the invoices through March as known on February 3)\n"
      "  meterkit simulate --plan plan.json --input usage.csv --format csv --output invoices.csv \\\n"
      "      --rejections rejected.csv --late late.csv\n"
      "  meterkit simulate --plan plan.json --input usage.csv --output /dev/null   (only check the inputs)\n"
      "  meterkit simulate --plan plan.json --input usage.csv --keep-going --rejections rejected.csv\n"
      "      (bad rows listed in rejected.csv, every other row billed)");

  common_options sum_options;
  summarize_options sum;
  CLI::App* summ =
      app.add_subcommand("summarize", "Print meter event summaries (billing.meter_event_summary)");
  add_common_options(*summ, sum_options);
  summ->add_option("--meter", sum.meter, "Meter id")->required();
  summ->add_option("--customer", sum.customer,
                   "Customer id (default: every customer of the plan, in one replay)");
  summ->add_option("--start", sum.start,
                   "Start of the range: unix seconds, RFC 3339 or a date (its start in UTC)")
      ->required()
      ->type_name("T");
  summ->add_option("--end", sum.end, "End of the range (excluded)")->required()->type_name("T");
  summ->add_option("--group", sum.group, "One summary per UTC hour or day")
      ->check(CLI::IsMember({"hour", "day"}));
  summ->add_option("--as-of", sum.as_of,
                   "Only the requests that had arrived by this time (default: every request)")
      ->type_name("T");
  summ->add_option("--max-windows", sum.max_windows,
                   "Refuse a summary of more windows than this (all customers together), before reading "
                   "any usage (default 1000000)")
      ->type_name("N")
      ->check(whole_number_validator());
  summ->footer(
      "Examples:\n"
      "  meterkit summarize --plan plan.json --input usage.csv --meter mtr_api --customer cus_1 \\\n"
      "      --start 2025-01-01 --end 2025-02-01 --group day\n"
      "  meterkit summarize --plan plan.json --input usage.csv --meter mtr_api --customer cus_1 \\\n"
      "      --start 1735689600 --end 1738368000 --format csv\n"
      "  meterkit summarize --plan plan.json --input usage.csv --meter mtr_api \\\n"
      "      --start 2025-01-01 --end 2025-02-01               (every customer)");

  // compare and migrate: --plan required (no run on the examples), --until as simulate's.
  const auto comparison_command = [&](const char* name, const char* description, common_options& common,
                                      comparison_options& own) {
    CLI::App* cmd = app.add_subcommand(name, description);
    add_common_options(*cmd, common);
    cmd->get_option("--plan")->required();
    until_option(*cmd, own.until);
    cmd->add_option(
           "--max-invoices", own.max_invoices,
           "Refuse a run whose billing cycles make more invoices than this under either plan, before "
           "building any (default " +
               std::to_string(default_max_compared_invoices) + ")")
        ->type_name("N")
        ->check(whole_number_validator());
    return cmd;
  };
  common_options cmp_options;
  comparison_options cmp_only;
  CLI::App* cmp = comparison_command(
      "compare", "Replay the inputs under two plans and print the invoices and lines that differ (a what-if)",
      cmp_options, cmp_only);
  cmp->add_option("--plan-b", cmp_only.plan_b, "The plan to compare --plan with (\"after\"), same format")
      ->required()
      ->type_name("PLAN.json");
  cmp->footer(
      "Exit status 0 whether or not anything changed: changed_invoices (json) or\n"
      "\"Changed invoices: N of M\" (table) says how many did.\n"
      "\n"
      "Examples:\n"
      "  meterkit compare --plan plan.json --plan-b dearer.json --input usage.csv\n"
      "  meterkit compare --plan plan.json --plan-b dearer.json --input usage.csv --until 2025-02-02 \\\n"
      "      --format json --output what-if.json\n"
      "  meterkit compare --plan plan.json --plan-b dearer.json --input usage.csv --format csv\n"
      "      (one row per changed line)");

  common_options mig_options;
  comparison_options mig_only;
  CLI::App* mig = comparison_command(
      "migrate",
      "Move a plan billed with legacy usage records onto meters and print what that changes, and why",
      mig_options, mig_only);
  mig->add_option(
         "--write-plan", mig_only.write_plan,
         "Also write the migrated plan to FILE as JSON (the plan file with meters added), for --plan")
      ->type_name("FILE");
  mig->footer(
      "Each migrated item gets a meter and a copy of its price billing it; usage records of the item\n"
      "are replayed as meter events. last_ever and max have no meter equivalent: such items stay on\n"
      "usage records. Exit status 0 whether or not anything changed.\n"
      "\n"
      "Examples:\n"
      "  meterkit migrate --plan legacy.json --input usage.requests.jsonl\n"
      "  meterkit migrate --plan legacy.json --input usage.requests.jsonl --write-plan meters.json \\\n"
      "      --format json --output migration.json\n"
      "  meterkit simulate --plan meters.json --input events.csv   (the migrated plan, billing meter "
      "events)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    const CLI::App* cmd = app.get_subcommands().empty() ? nullptr : app.get_subcommands().front();
    const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    std::fprintf(stderr, "meterkit: %s\nRun 'meterkit --help' or 'meterkit %s --help' for the options.\n",
                 meterkit::cli::printable(cli::plain_parse_error(e, app, cmd, args)).c_str(),
                 cmd == nullptr ? "simulate" : cmd->get_name().c_str());
    return 2;
  }
  if (sim->parsed()) return run_simulate(sim_options, sim_only, argc > 0 ? argv[0] : nullptr);
  if (cmp->parsed()) return run_comparison(cmp_options, cmp_only, false, argc > 0 ? argv[0] : nullptr);
  if (mig->parsed()) return run_comparison(mig_options, mig_only, true, argc > 0 ? argv[0] : nullptr);
  return run_summarize(sum_options, sum, argc > 0 ? argv[0] : nullptr);
}

}  // namespace

namespace {

/// glibc backs its heap with transparent huge pages only when told so at start-up, by the tunable
/// `glibc.malloc.hugetlb=1`. The simulator's per-customer state is read in random order, and on
/// 4 KiB pages most of those reads miss the TLB (measured on the 1e6-event benchmark: 0.80 s
/// without, 0.55 s with; README "Performance"). So the program starts itself again, once, with the
/// tunable set, unless GLIBC_TUNABLES is already in the environment (set it, even empty, to keep
/// the defaults). Where this cannot be done, the program runs on as it is.
void prefer_huge_pages(char** argv) {
#if defined(__linux__) && defined(__GLIBC__)
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  if (::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // Still here: the program could not start again; it runs with the default heap. The tunable
  // stays set, so that a program it might start does not try again.
#else
  (void)argv;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  prefer_huge_pages(argv);
  meterkit::cli::install_signal_cleanup();
  try {
    return run(argc, argv);
  } catch (const meterkit::input_error& e) {
    // `file:line:column: what was expected` (CONTRACT.md "Exit status").
    std::fprintf(stderr, "%s\n", meterkit::cli::with_rules_pointer(e.what()).c_str());
  } catch (const usage_error& e) {
    std::fprintf(stderr, "meterkit: %s\n", meterkit::cli::with_rules_pointer(e.what()).c_str());
  } catch (const meterkit::configuration_error& e) {
    std::fprintf(stderr, "meterkit: %s\n", meterkit::cli::with_rules_pointer(e.what()).c_str());
  } catch (const meterkit::overflow_error& e) {
    std::fprintf(stderr, "meterkit: %s\n",
                 meterkit::cli::with_rules_pointer(
                     std::string(e.what()) + " (D25: quantities, amounts and totals must fit in 64 bits)")
                     .c_str());
  } catch (const meterkit::cli::output_error& e) {
    std::fprintf(stderr, "meterkit: %s\n",
                 meterkit::cli::with_rules_pointer(meterkit::cli::printable(e.what())).c_str());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "meterkit: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "meterkit: internal error: %s\n", meterkit::cli::printable(e.what()).c_str());
    return 1;
  }
  return 2;
}
