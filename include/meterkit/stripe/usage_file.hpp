// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Usage inputs by file name: the format follows the extension (CONTRACT.md "Usage inputs":
/// `.csv`, `.json`, `.jsonl` bulk uploads and `.requests.jsonl` request logs; SPEC D1, D6).
///
/// `read_usage_files` reads several inputs in the order given, so that a request's position in
/// the returned vector is its position in the inputs (arrival order is `(received_at, position)`).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <meterkit/billing/request.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/stripe/bulk_upload.hpp>
#include <meterkit/stripe/input_error.hpp>
#include <meterkit/stripe/input_source.hpp>
#include <meterkit/stripe/request_log.hpp>

namespace meterkit {

/// The formats of a usage input.
enum class usage_format {
  bulk_csv,     ///< `.csv`: Stripe's bulk upload CSV
  bulk_json,    ///< `.json`: an array of bulk upload objects
  bulk_jsonl,   ///< `.jsonl`: one bulk upload object a line
  request_log,  ///< `.requests.jsonl`: one API request a line
};

[[nodiscard]] constexpr std::string_view to_string(usage_format f) noexcept {
  switch (f) {
    case usage_format::bulk_csv:
      return "bulk upload CSV";
    case usage_format::bulk_json:
      return "bulk upload JSON";
    case usage_format::bulk_jsonl:
      return "bulk upload JSON Lines";
    case usage_format::request_log:
      return "request log";
  }
  return "unknown";
}

namespace detail {
[[nodiscard]] constexpr bool ends_with_ignoring_case(std::string_view s,
                                                     std::string_view lower_suffix) noexcept {
  if (s.size() < lower_suffix.size()) return false;
  const std::string_view tail = s.substr(s.size() - lower_suffix.size());
  for (std::size_t i = 0; i < tail.size(); ++i) {
    const char c = tail[i] >= 'A' && tail[i] <= 'Z' ? static_cast<char>(tail[i] - 'A' + 'a') : tail[i];
    if (c != lower_suffix[i]) return false;
  }
  return true;
}
}  // namespace detail

/// The format named by the extension of `path` (ASCII case ignored), or nullopt.
[[nodiscard]] constexpr std::optional<usage_format> usage_format_of(std::string_view path) noexcept {
  if (detail::ends_with_ignoring_case(path, ".requests.jsonl")) return usage_format::request_log;
  if (detail::ends_with_ignoring_case(path, ".jsonl")) return usage_format::bulk_jsonl;
  if (detail::ends_with_ignoring_case(path, ".json")) return usage_format::bulk_json;
  if (detail::ends_with_ignoring_case(path, ".csv")) return usage_format::bulk_csv;
  return std::nullopt;
}

/// Reads `source` in `format` and calls `sink(request&&)` for each request, in file order.
template <class Sink>
void read_usage(input_source& source, usage_format format, Sink&& sink, const read_options& options = {}) {
  switch (format) {
    case usage_format::bulk_csv:
      return read_bulk_csv(source, sink, options);
    case usage_format::bulk_json:
      return read_bulk_json(source, sink, options);
    case usage_format::bulk_jsonl:
      return read_bulk_jsonl(source, sink, options);
    case usage_format::request_log:
      return read_request_log(source, sink, options);
  }
}

/// The format of `path`, or an `input_error` naming the extensions that are understood.
[[nodiscard]] inline usage_format require_usage_format(const std::string& path) {
  const auto format = usage_format_of(path);
  if (!format) {
    METERKIT_THROW(input_error(path, {},
                               "unknown input format; expected a file ending in .csv, .json, .jsonl "
                               "(Stripe's bulk upload format) or .requests.jsonl (a request log)"));
  }
  return *format;
}

/// Reads every request of `text` (named `name`) in `format`.
[[nodiscard]] inline std::vector<request> read_usage_text(std::string text, std::string name,
                                                          usage_format format,
                                                          const read_options& options = {}) {
  std::vector<request> out;
  input_source source = input_source::from_text(std::move(text), std::move(name));
  read_usage(
      source, format, [&](request&& r) { out.push_back(std::move(r)); }, options);
  return out;
}

/// Reads every request of the files `paths`, in the order given, the format of each following
/// its extension; sources name each file as it is written in `paths` (D1).
[[nodiscard]] inline std::vector<request> read_usage_files(const std::vector<std::string>& paths,
                                                           const read_options& options = {}) {
  std::vector<request> out;
  for (const std::string& path : paths) {
    const usage_format format = require_usage_format(path);
    input_source source = input_source::open_file(path);
    read_usage(
        source, format, [&](request&& r) { out.push_back(std::move(r)); }, options);
  }
  return out;
}

}  // namespace meterkit
