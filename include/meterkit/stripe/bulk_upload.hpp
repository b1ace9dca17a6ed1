// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Stripe's bulk upload format for meter events, as CSV, a JSON array or JSON Lines, read into the
/// simulator's requests (CONTRACT.md "Usage inputs" 1; SPEC D1-D6).
///
/// - CSV (D2): a header row, then one event a row. Columns `identifier`, `timestamp`,
///   `event_name`, `received_at` and one `payload_<key>` column per payload key; other columns are
///   ignored; `event_name` is required; an empty cell means the field is absent; a row with another
///   number of cells than the header, or a repeated column name, makes the file unusable.
/// - JSON: one array of `{identifier, timestamp, event_name, payload: {...}, received_at}` objects;
///   JSON Lines: one such object a line, blank lines skipped. Unknown members are ignored.
/// - Sources are `path:line` (D1): a CSV row's first physical line, a JSON array element's line of
///   its `{`, a JSON Lines line.
/// - Arrival (D5): `received_at` when given (unix seconds or RFC 3339), else the event's
///   `timestamp`. An event with neither has no arrival time and makes the input unusable.
/// - An empty file is unusable (it is almost always a mistake); an empty JSON array `[]` or a CSV
///   with only its header row is a file without events.
///
/// Every reader calls `sink(request&&)` once per event, in file order, so that a caller can
/// stream; unusable input raises `input_error` at its line and column.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <meterkit/billing/request.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/edit_distance.hpp>
#include <meterkit/meter/meter_event.hpp>
#include <meterkit/stripe/csv.hpp>
#include <meterkit/stripe/input_error.hpp>
#include <meterkit/stripe/input_source.hpp>
#include <meterkit/stripe/json.hpp>
#include <meterkit/stripe/usage_objects.hpp>

namespace meterkit {

/// One row of a bulk upload CSV handed over without a copy, valid until the sink returns: the
/// event, when it arrived (D5) and where it comes from (D1).
struct bulk_event {
  meter_event_view event;
  timestamp received_at{};
  source_ref source;
};

/// Whether `Sink` takes rows without a copy (`sink(const bulk_event&)`); `read_bulk_csv` then
/// hands each row over so instead of as a `request`.
template <class Sink>
inline constexpr bool takes_bulk_events = std::is_invocable_v<Sink&, const bulk_event&>;

namespace detail {

/// `name:line` (D1) from a prefix `name:` (lines count from 1).
[[nodiscard]] inline std::string source_of(std::string_view prefix, std::uint64_t line) {
  return source_ref{prefix, line}.text();
}

inline constexpr std::string_view bulk_csv_columns =
    "identifier, timestamp, event_name, received_at and payload_<key> (Stripe's bulk upload format)";

inline constexpr std::string_view missing_arrival_message =
    "this event has neither a timestamp nor a received_at; one of them is needed to know when it arrived";

/// D2: what is wrong with a header whose columns meterkit would otherwise ignore, said once for
/// the file rather than once a row: columns separated by `;` or a tab, a known column mistyped
/// (`timestmap`) while the column itself is absent, a payload key written without `payload_`
/// (`stripe_customer_id`). `present` holds, in `known_bulk_csv_columns` order, where each known
/// column is.
inline constexpr std::array<std::string_view, 4> known_bulk_csv_columns{"event_name", "identifier",
                                                                        "timestamp", "received_at"};
template <class Reader>
void check_bulk_csv_header(const Reader& csv, const std::string& name,
                           std::span<const std::string_view> header,
                           const std::array<std::optional<std::size_t>, 4>& present) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string_view h = header[i];
    const bool known = std::find(known_bulk_csv_columns.begin(), known_bulk_csv_columns.end(), h) !=
                       known_bulk_csv_columns.end();
    if (known || h.substr(0, 8) == "payload_") continue;
    for (const char separator : {';', '\t', '|'}) {
      if (h.find(separator) != std::string_view::npos && h.find("event_name") != std::string_view::npos) {
        const std::string shown = separator == '\t' ? "a tab" : std::string("'") + separator + "'";
        METERKIT_THROW(input_error(name, csv.cell_position(i),
                                   "the header's columns are separated by " + shown +
                                       "; Stripe's bulk upload CSV separates them with ',' (D2)"));
      }
    }
    if (h == "stripe_customer_id" || h == "value") {
      METERKIT_THROW(input_error(name, csv.cell_position(i),
                                 "the column \"" + std::string(h) +
                                     "\" is not read: payload keys are written payload_<key>; did you mean "
                                     "\"payload_" +
                                     std::string(h) + "\"? (D2)"));
    }
    std::vector<std::string_view> absent;
    for (std::size_t k = 0; k < known_bulk_csv_columns.size(); ++k) {
      if (!present[k]) absent.push_back(known_bulk_csv_columns[k]);
    }
    if (const auto near = closest_word(h, absent)) {
      METERKIT_THROW(input_error(name, csv.cell_position(i),
                                 "the column \"" + std::string(h) +
                                     "\" is not one meterkit reads; did you mean \"" + std::string(*near) +
                                     "\"? (D2)"));
    }
  }
}

/// One bulk upload JSON object (an array element or a JSON Lines line) into a request.
[[nodiscard]] inline request bulk_event_from_json(const nlohmann::json& object, std::string source) {
  const json_path root;
  meter_event event = meter_event_from_json(object, root);
  const std::optional<timestamp> received = json_time_member(object, "received_at", root);
  if (!received && !event.timestamp) fail_json_value(root, std::string(missing_arrival_message));
  request out;
  out.received_at = received ? *received : *event.timestamp;
  out.operations.emplace_back(std::move(event));
  out.source = std::move(source);
  return out;
}

/// What `bulk_event_from_json` looks into: the object, its payload as text (D6), anything else
/// by its kind (refused). A line that is an array is refused by its kind.
[[nodiscard]] inline json_container_rule bulk_event_shape(std::span<const std::string> keys, bool is_array) {
  json_container_rule rule;
  if (keys.empty() && is_array) rule.keep = json_keep::kind;
  if (!keys.empty())
    rule.keep = keys.size() == 1 && keys[0] == "payload" ? json_keep::shallow_text : json_keep::kind;
  return rule;
}

/// Parses one bulk JSON object at `where` of `file` and converts it, with errors at their place.
[[nodiscard]] inline request bulk_event_from_text(std::string_view text, const std::string& file,
                                                  text_position where, std::string source) {
  // A meter event is an object whose payload holds strings and integers: the payload is kept as
  // its text and read from it, and any other container is refused by its kind, so it is read
  // and not built: a record's memory follows its bytes, not what they nest (D6).
  const nlohmann::json object =
      read_json(text, file, where, max_json_depth, max_json_depth, bulk_event_shape);
  if (!object.is_object()) {
    METERKIT_THROW(input_error(file, where, "expected a meter event object, found " + describe_json(object)));
  }
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
  try {
    return bulk_event_from_json(object, std::move(source));
  } catch (const json_value_error& e) {
    raise_at_value(e, text, file, where);
  }
#else
  return bulk_event_from_json(object, std::move(source));
#endif
}

}  // namespace detail

/// Reads a bulk upload CSV (D2) and calls `sink(request&&)` for each row, in file order, or
/// `sink(const bulk_event&)` when the sink takes that (`takes_bulk_events`): the same event,
/// arrival and source, without a copy.
template <class Sink>
void read_bulk_csv(input_source& source, Sink&& sink, const read_options& options = {}) {
  csv_reader csv(source, options);
  const std::string& name = source.name();
  if (!csv.next()) {
    METERKIT_THROW(input_error(name, {1, 1},
                               "the file is empty; expected a header row with the columns " +
                                   std::string(detail::bulk_csv_columns)));
  }
  // The header (D2): known columns, payload_<key> columns, the rest ignored; no name twice.
  const auto header = csv.cells();
  const std::size_t width = header.size();
  std::vector<std::string> payload_keys(width);
  std::vector<std::size_t> payload_columns;
  std::optional<std::size_t> event_name_column, identifier_column, timestamp_column, received_at_column;
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 0; i < width; ++i) {
    const std::string_view h = header[i];
    if (!seen.insert(h).second) {
      METERKIT_THROW(input_error(name, csv.cell_position(i),
                                 "the column \"" + std::string(h) +
                                     "\" appears twice in the header; expected unique "
                                     "column names"));
    }
    if (h == "event_name") {
      event_name_column = i;
    } else if (h == "identifier") {
      identifier_column = i;
    } else if (h == "timestamp") {
      timestamp_column = i;
    } else if (h == "received_at") {
      received_at_column = i;
    } else if (h.substr(0, 8) == "payload_") {
      if (h.size() == 8) {
        METERKIT_THROW(input_error(name, csv.cell_position(i),
                                   "the column \"payload_\" names no payload key; "
                                   "expected payload_<key>, such as payload_value"));
      }
      payload_keys[i] = std::string(h.substr(8));
      payload_columns.push_back(i);
    }
  }
  detail::check_bulk_csv_header(csv, name, header,
                                {event_name_column, identifier_column, timestamp_column, received_at_column});
  if (!event_name_column) {
    METERKIT_THROW(input_error(name, {csv.line(), 1},
                               "the header has no event_name column; expected the columns " +
                                   std::string(detail::bulk_csv_columns)));
  }
  const std::string prefix = name + ":";
  const auto read_time = [&](std::size_t i, std::string_view what) -> std::optional<timestamp> {
    const std::string_view cell = csv.cells()[i];
    if (cell.empty()) return std::nullopt;
    auto t = parse_time(cell);
    if (!t)
      METERKIT_THROW(input_error(name, csv.cell_position(i), std::string(what) + ": " + t.error().message));
    return *t;
  };
  std::vector<meter_event_view::entry> entries;  // a row's payload, for bulk_event
  entries.reserve(payload_columns.size());
  struct row_times {
    std::optional<timestamp> event_time;
    std::optional<timestamp> received;
  };
  while (csv.next()) {
    const auto cells = csv.cells();
    const auto times = detail::one_record(options, [&] {  // D29: a bad row may be skipped
      if (cells.size() != width) {
        const text_position at = cells.size() > width ? csv.cell_position(width) : csv.end_position();
        METERKIT_THROW(input_error(name, at,
                                   "this row has " + std::to_string(cells.size()) +
                                       (cells.size() == 1 ? " cell" : " cells") + ", the header has " +
                                       std::to_string(width) + "; expected one cell per column"));
      }
      row_times t{timestamp_column ? read_time(*timestamp_column, "timestamp") : std::nullopt,
                  received_at_column ? read_time(*received_at_column, "received_at") : std::nullopt};
      if (!t.received && !t.event_time) {
        METERKIT_THROW(input_error(name, {csv.line(), 1}, std::string(detail::missing_arrival_message)));
      }
      return t;
    });
    if (!times) continue;
    const std::optional<timestamp>& event_time = times->event_time;
    const std::optional<timestamp>& received = times->received;
    const std::string_view identifier = identifier_column ? cells[*identifier_column] : std::string_view{};
    if constexpr (takes_bulk_events<Sink>) {
      entries.clear();
      for (std::size_t i : payload_columns) {
        if (!cells[i].empty()) entries.emplace_back(payload_keys[i], cells[i]);
      }
      sink(bulk_event{meter_event_view{cells[*event_name_column], entries, identifier, event_time},
                      received ? *received : *event_time, source_ref{prefix, csv.line()}});
      continue;
    }
    meter_event event;
    event.event_name.assign(cells[*event_name_column]);
    event.payload.reserve(payload_columns.size());
    for (std::size_t i : payload_columns) {
      if (!cells[i].empty()) event.payload.emplace_back(payload_keys[i], cells[i]);
    }
    if (!identifier.empty()) event.identifier.emplace(identifier);
    event.timestamp = event_time;
    request r;
    r.received_at = received ? *received : *event.timestamp;
    r.operations.emplace_back(std::move(event));
    r.source = detail::source_of(prefix, csv.line());
    sink(std::move(r));
  }
}

/// Reads a bulk upload JSON array and calls `sink(request&&)` for each element, in file order.
template <class Sink>
void read_bulk_json(input_source& source, Sink&& sink, const read_options& options = {}) {
  detail::json_array_reader elements(source, options, "a JSON array of meter event objects");
  const std::string& name = source.name();
  const std::string prefix = name + ":";
  std::string_view text;
  text_position where;
  while (elements.next(text, where)) {
    auto r = detail::one_record(options, [&] {  // D29
      return detail::bulk_event_from_text(text, name, where, detail::source_of(prefix, where.line));
    });
    if (r) sink(std::move(*r));
  }
}

/// Reads bulk upload JSON Lines and calls `sink(request&&)` for each line that is not blank. A file
/// with no line, or only blank ones, holds no events.
template <class Sink>
void read_bulk_jsonl(input_source& source, Sink&& sink, const read_options& options = {}) {
  detail::line_reader lines(source, options);
  const std::string& name = source.name();
  const std::string prefix = name + ":";
  std::string_view line;
  while (lines.next(line)) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const text_position where{lines.line_number(), 1};
    auto r = detail::one_record(options, [&] {  // D29
      return detail::bulk_event_from_text(line, name, where, detail::source_of(prefix, where.line));
    });
    if (r) sink(std::move(*r));
  }
}

}  // namespace meterkit
