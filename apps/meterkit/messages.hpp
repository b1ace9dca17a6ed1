// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `meterkit` program's command-line errors in plain sentences (docs/cli.md "Messages"): CLI11
/// says `--meter is required` or `The following argument was not expected: --untill`; the program
/// names the option and the fix, and suggests the closest subcommand or option to a mistyped one.
/// Everything the program writes to standard error goes through `printable`, since messages echo
/// the command line and the inputs (docs/cli.md "Messages").

#include <CLI/CLI.hpp>

#include <meterkit/detail/edit_distance.hpp>
#include <meterkit/detail/printable.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meterkit::cli {

/// `text` (a message, a file name, a warning) with its control characters escaped, `\x1b` for
/// ESC (detail/printable.hpp): a value from the command line or an input cannot drive the
/// terminal that shows the message.
[[nodiscard]] inline std::string printable(std::string_view text) {
  return meterkit::detail::printable(text);
}

/// Whether `text` cites a rule by id: a letter of B, D, I, L, M, P, W and one or two digits,
/// standing alone as a word (`D21`, `M13, D26`; not `sub_D21x` nor `D123`).
[[nodiscard]] inline bool cites_rule(std::string_view text) {
  const auto word = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (std::string_view("BDILMPW").find(text[i]) == std::string_view::npos) continue;
    if (i > 0 && word(text[i - 1])) continue;
    std::size_t digits = 0;
    while (i + 1 + digits < text.size() && text[i + 1 + digits] >= '0' && text[i + 1 + digits] <= '9')
      ++digits;
    const std::size_t end = i + 1 + digits;
    if (digits >= 1 && digits <= 2 && (end == text.size() || !word(text[end]))) return true;
  }
  return false;
}

/// A message for standard error, printable, that says where the rules it cites by id are
/// explained (docs/cli.md "Messages").
[[nodiscard]] inline std::string with_rules_pointer(std::string_view message) {
  std::string text = printable(message);
  if (cites_rule(text)) text += " [rules: docs/rules.md]";
  return text;
}

/// The candidate closest to `word`, when it is close enough to be a typo (at most 2 edits, or 3
/// for words of 8 characters or more); the first of equally close ones.
[[nodiscard]] inline std::optional<std::string> closest(std::string_view word,
                                                        const std::vector<std::string>& candidates) {
  const std::size_t limit = word.size() >= 8 ? 3 : 2;
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    const std::size_t d = meterkit::detail::edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

namespace detail {

/// What an option takes, for "give --meter ID".
[[nodiscard]] inline std::string option_hint(std::string_view name) {
  if (name == "--meter") return "the meter's id (its \"id\", not its event_name), e.g. --meter mtr_api";
  if (name == "--customer") return "the customer's id, e.g. --customer cus_1";
  if (name == "--start") return "the start of the range, e.g. --start 2025-01-01";
  if (name == "--end") return "the end of the range (excluded), e.g. --end 2025-02-01";
  if (name == "--until") return "a time, e.g. --until 2025-03-01 or --until 2025-03-01T12:00:00Z";
  if (name == "--format") return "table, json, csv or (simulate) stripe-json";
  if (name == "--input-format") return "csv, json, jsonl or requests";
  if (name == "--group") return "hour or day";
  return "a value";
}

/// The long names of the options of `cmd` (`--plan`, ...), hidden ones left out.
[[nodiscard]] inline std::vector<std::string> option_names(const CLI::App& cmd) {
  std::vector<std::string> names;
  for (const CLI::Option* o : cmd.get_options()) {
    if (o->get_group().empty()) continue;
    for (const auto& n : o->get_lnames()) names.push_back("--" + n);
  }
  return names;
}

/// The words after `": "` in a CLI11 message (`... not expected: 3 --untill`).
[[nodiscard]] inline std::vector<std::string> words_after_colon(const std::string& what) {
  std::vector<std::string> words;
  const auto colon = what.find(": ");
  if (colon == std::string::npos) return words;
  std::string word;
  for (const char c : what.substr(colon + 2)) {
    if (c == ' ') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

[[nodiscard]] inline bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace detail

/// A CLI11 parse error as a sentence that names the option and the fix (without the `meterkit: `
/// prefix). `cmd` is the subcommand being parsed, or null; `args` the command line after the
/// program's name.
[[nodiscard]] inline std::string plain_parse_error(const CLI::ParseError& e, const CLI::App& app,
                                                   const CLI::App* cmd,
                                                   const std::vector<std::string>& args) {
  const std::string what = e.what();
  std::vector<std::string> subcommands;
  for (const CLI::App* s : app.get_subcommands({})) subcommands.push_back(s->get_name());
  const std::string listed = "`simulate` (the invoices) and `summarize` (meter event summaries)";

  if (cmd == nullptr && what == "A subcommand is required") {
    const auto word =
        std::find_if(args.begin(), args.end(), [](const std::string& a) { return a.empty() || a[0] != '-'; });
    if (word == args.end()) return "a subcommand is required; the subcommands are " + listed;
    if (const auto near = closest(*word, subcommands)) {
      return "unknown subcommand `" + *word + "`; did you mean `" + *near + "`?";
    }
    return "unknown subcommand `" + *word + "`; the subcommands are " + listed;
  }
  const std::string where = cmd != nullptr ? cmd->get_name() : std::string("meterkit");

  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
    const auto end = what.find(" is required");
    if (end != std::string::npos && detail::starts_with(what, "--")) {
      const std::string name = what.substr(0, end);
      return name + " is required: " + where + " needs " + detail::option_hint(name);
    }
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
    const auto colon = what.find(": ");
    const std::string name = colon == std::string::npos ? std::string() : what.substr(0, colon);
    if (!name.empty() && what.find("At Most", colon) != std::string::npos) {
      return name + " was given more than once; give it once (it takes one value)";
    }
    if (!name.empty() && what.find("missing", colon) != std::string::npos) {
      return name + " needs a value after it: " + detail::option_hint(name);
    }
  }
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    const auto words = detail::words_after_colon(what);
    const auto option = std::find_if(words.begin(), words.end(),
                                     [](const std::string& w) { return detail::starts_with(w, "-"); });
    if (option != words.end()) {
      std::string name = option->substr(0, option->find('='));
      std::string text = "unknown option `" + name + "` for " + where;
      if (cmd != nullptr) {
        if (const auto near = closest(name, detail::option_names(*cmd)))
          return text + "; did you mean `" + *near + "`?";
        for (const CLI::App* other : app.get_subcommands({})) {
          const auto names = detail::option_names(*other);
          if (other != cmd && std::find(names.begin(), names.end(), name) != names.end()) {
            return text + "; it is an option of " + other->get_name();
          }
        }
      }
      return text;
    }
    if (!words.empty()) {
      return "unexpected argument `" + words.front() +
             "`: only --input takes several values (files); every other option takes one";
    }
  }
  if (dynamic_cast<const CLI::ValidationError*>(&e) != nullptr) {
    // `--format: xml not in {table,json,csv}`
    const auto colon = what.find(": ");
    const auto not_in = what.find(" not in {");
    if (colon != std::string::npos && not_in != std::string::npos && not_in > colon) {
      const std::string name = what.substr(0, colon);
      return name + ": `" + what.substr(colon + 2, not_in - colon - 2) + "` is not one of " +
             detail::option_hint(name);
    }
  }
  return what;
}

}  // namespace meterkit::cli
