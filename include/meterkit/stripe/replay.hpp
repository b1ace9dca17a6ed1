// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Replaying usage files against a plan, the best way the inputs allow (rules D1, D21, D26, M10,
/// M11; docs/rules.md, docs/cli.md): `replay_files` gives the invoices, `summarize_files` the
/// meter event summaries of one customer. This is what `meterkit simulate` and `meterkit summarize`
/// run.
///
/// Bulk uploads (`.csv`, `.json`, `.jsonl`) hold no cancellations, so inputs that are all bulk
/// uploads are replayed while they are read, once, with the bounded history: on the first request
/// that arrives before its predecessor the replay starts again from memory (below). Inputs with
/// request logs are first read once without being kept, to learn whether their concatenation is
/// already in arrival order (`received_at` never decreases) and, on the way, the latest arrival
/// (D21's default `until`), the events that cancellations name and the times at which
/// subscriptions may be cancelled (B9). When it is, they are replayed
/// while they are read a second time, and `replay_files` uses the simulator's bounded history
/// (billing/history.hpp): memory follows the open billing periods, not the length of the stream,
/// and cancellations stay exact because their targets are known from the first read. Otherwise
/// (or when an input is not a regular file, which cannot be read twice, or when
/// `replay_options::stream` is false) every request is read into memory and replayed in arrival
/// order, `(received_at, position in the inputs)`. Both ways give the same result.

#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <meterkit/billing/invoice.hpp>
#include <meterkit/billing/invoicing.hpp>
#include <meterkit/billing/plan.hpp>
#include <meterkit/billing/replay.hpp>
#include <meterkit/billing/request.hpp>
#include <meterkit/billing/simulator.hpp>
#include <meterkit/billing/unbilled_usage.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/stripe/input_error.hpp>
#include <meterkit/stripe/input_source.hpp>
#include <meterkit/stripe/usage_file.hpp>

namespace meterkit {

/// Where a replay is, for progress output.
struct replay_progress {
  enum class stage {
    checking,  ///< the first read: is the stream in arrival order?
    reading,   ///< reading every request into memory (inputs out of arrival order)
    replaying  ///< applying requests (while reading a second time, or from memory)
  };
  replay_progress::stage step = stage::checking;
  std::string_view source;           ///< the input being read (empty when replaying from memory)
  std::uint64_t bytes_done = 0;      ///< of that input
  std::uint64_t bytes_total = 0;     ///< of that input; 0 when unknown
  std::uint64_t requests = 0;        ///< requests done so far in this stage
  std::uint64_t requests_total = 0;  ///< replaying from memory: all of them; else 0
};

struct replay_options {
  /// Invoices as of this time (`replay_files`); default: the latest arrival (D21).
  std::optional<timestamp> until;
  /// What was known at this time (D28): requests arriving later are pending, counted and not
  /// applied; `until` defaults to it; summaries are as of it. Default: every request.
  std::optional<timestamp> known_at;
  /// How sources name each input (D1), one per path; default: the path as given.
  std::vector<std::string> names;
  /// The format of every input, whatever its name says (standard input, a FIFO, `<(...)`: names
  /// without a useful extension); default: each input's extension (`usage_format_of`).
  std::optional<usage_format> format;
  /// false: always read every request into memory first (the two ways agree; tests compare them).
  bool stream = true;
  /// Called now and then while reading and replaying.
  std::function<void(const replay_progress&)> progress;
  /// Record size limits and block size of the readers (its `progress` is ignored).
  std::size_t max_record_bytes = read_options{}.max_record_bytes;
  /// The most cycle invoices `replay_files` may build (`cycle_invoice_count`): beyond it the run
  /// is refused with `configuration_error` (field `max_invoices`) before any invoice is built.
  /// Default: no limit.
  std::optional<std::size_t> max_invoices;
  /// D29 (`--keep-going`): `replay_files` and `replay_files_report` turn each record that cannot be
  /// used into a rejection (code `invalid_input`, its `file:line` as source, the column and what
  /// is wrong as message), listed first, in input order, and counted as read and rejected, instead
  /// of raising `input_error`; errors that make a whole input unusable still raise (see
  /// `read_options::unusable`). The other readers ignore it.
  bool keep_going = false;
  /// D30: where the simulator hands its rejections and late usage instead of the result
  /// (`record_sink`, billing/simulator.hpp).
  record_sink records;
  /// D29, D30: with `keep_going`, where each record that cannot be used goes, as a rejection,
  /// instead of heading the result's list (it is still counted as read and rejected).
  std::function<void(const rejected_operation&)> unusable_records;
  /// D30: called when a replay reads every request into memory (`stream` false, or a fallback
  /// from streaming when the inputs are out of arrival order): the sinks are given everything
  /// from the start again, so they forget what they were given.
  std::function<void()> restart;
  /// D30: when set, `replay_files` and `replay_files_report` answer without invoices: they are
  /// given to `invoices` instead, a customer at a time, after the replay
  /// (`invoice_simulator::invoices_by_customer`).
  invoice_visitor invoices;
};

namespace detail {

/// Passes every request to `sink(request&&)`, and every plain bulk CSV row to
/// `sink(const bulk_event&)` when the sink takes it (no copy), counting both.
template <class Sink>
struct counting_sink {
  Sink& sink;
  std::uint64_t& count;

  void operator()(request&& r) {
    ++count;
    sink(std::move(r));
  }
  void operator()(const bulk_event& e) requires takes_bulk_events<Sink> {
    ++count;
    sink(e);
  }
};

/// When a request or a bulk row arrived (D5).
[[nodiscard]] inline timestamp arrival_of(const request& r) noexcept { return r.received_at; }
[[nodiscard]] inline timestamp arrival_of(const bulk_event& e) noexcept { return e.received_at; }

/// Applies a request or a bulk row (one meter event) to `sim`.
template <class Simulator>
void apply_to(Simulator& sim, const request& r) {
  sim.apply(r);
}
template <class Simulator>
void apply_to(Simulator& sim, const bulk_event& e) {
  sim.apply(e.event, e.received_at, e.source);
}
/// Counts a request or a bulk row that arrives after `until` (D21).
template <class Simulator>
void count_pending_in(Simulator& sim, const request& r) {
  sim.count_pending(r);
}
template <class Simulator>
void count_pending_in(Simulator& sim, const bulk_event&) {
  sim.count_pending(1);
}

/// The inputs of a replay with their names and formats (refused before anything is read).
struct replay_inputs {
  std::vector<std::string> paths;
  std::vector<std::string> names;
  std::vector<usage_format> formats;

  replay_inputs(const std::vector<std::string>& p, const replay_options& options) : paths(p) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
      names.push_back(i < options.names.size() && !options.names[i].empty() ? options.names[i] : paths[i]);
      formats.push_back(options.format ? *options.format : require_usage_format(paths[i]));
    }
  }

  /// Reads every input in order and calls `sink(request&&)` for each request; a record that cannot
  /// be used goes to `unusable` when it is given (D29), else ends the read.
  template <class Sink>
  void for_each(const replay_options& options, replay_progress::stage step, Sink&& sink,
                const std::function<void(const input_error&)>& unusable = {}) const {
    std::uint64_t count = 0;
    for (std::size_t i = 0; i < paths.size(); ++i) {
      input_source source = input_source::open_file(paths[i], names[i]);
      read_options reading;
      reading.max_record_bytes = options.max_record_bytes;
      reading.unusable = unusable;
      reading.fingerprints = step != replay_progress::stage::checking;  // the first read keeps nothing
      if (options.progress) {
        reading.progress = [&](std::uint64_t done, std::uint64_t total) {
          options.progress(replay_progress{step, source.name(), done, total, count, 0});
        };
      }
      read_usage(source, formats[i], counting_sink<std::remove_reference_t<Sink>>{sink, count}, reading);
    }
  }

  /// Whether every input is a regular file (which can be read twice).
  [[nodiscard]] bool rereadable() const {
    for (const auto& path : paths) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec)) return false;
    }
    return true;
  }
};

/// What the first read learns.
struct input_scan {
  bool in_arrival_order = false;
  std::optional<timestamp> latest;
  std::uint64_t requests = 0;
  cancellation_targets cancelled;  ///< the events the cancellations name (bounded history)
  subscription_end_times ends;     ///< where subscriptions may end inside a period (B9, bounded history)
};

/// Reads the inputs once without keeping them; stops at the first request that arrives before
/// its predecessor.
[[nodiscard]] inline input_scan scan_inputs(const replay_inputs& inputs, const replay_options& options,
                                            const std::function<void(const input_error&)>& unusable = {}) {
  struct out_of_order {};
  input_scan scan;
  if (!options.stream || !inputs.rereadable()) return scan;
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
  try {
    inputs.for_each(
        options, replay_progress::stage::checking,
        [&](auto&& r) {
          const timestamp at = arrival_of(r);
          if (scan.latest && at < *scan.latest) throw out_of_order{};
          scan.latest = at;
          ++scan.requests;
          if constexpr (std::is_same_v<std::decay_t<decltype(r)>, request>) {
            scan.cancelled.add(r);
            scan.ends.add(r);
          }
        },
        unusable);
  } catch (const out_of_order&) {
    return input_scan{};
  }
  scan.in_arrival_order = true;
#endif
  return scan;
}

/// Whether no input can hold a cancellation (bulk uploads carry meter events only): their first
/// read can already be the replay.
[[nodiscard]] inline bool holds_no_cancellations(const replay_inputs& inputs) {
  for (const auto f : inputs.formats) {
    if (f == usage_format::request_log) return false;
  }
  return true;
}

/// Replays inputs that hold no cancellations into `apply` while reading them once, and sets
/// `latest` to the latest arrival. Returns false at the first request that arrives before its
/// predecessor (the requests before it were applied: the caller starts again from memory). Every
/// input is still checked before an error of the replay itself is raised: an error while applying
/// is kept until the rest of the inputs has been read, so that an unusable input is reported first,
/// as when the inputs are read before anything is applied (D6).
template <class Apply>
[[nodiscard]] bool replay_while_reading(const replay_inputs& inputs, const replay_options& options,
                                        std::optional<timestamp>& latest, Apply&& apply,
                                        const std::function<void(const input_error&)>& unusable = {}) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
  struct out_of_order {};
  std::exception_ptr failed;
  try {
    inputs.for_each(
        options, replay_progress::stage::replaying,
        [&](auto&& r) {
          const timestamp at = arrival_of(r);
          if (latest && at < *latest) throw out_of_order{};
          latest = at;
          if (failed) return;  // only checking the rest of the inputs
          try {
            apply(r);
          } catch (const input_error&) {
            throw;
          } catch (...) {
            failed = std::current_exception();
          }
        },
        unusable);
  } catch (const out_of_order&) {
    return false;
  }
  if (failed) std::rethrow_exception(failed);
  return true;
#else
  (void)inputs, (void)options, (void)latest, (void)apply, (void)unusable;
  return false;
#endif
}

/// Replays inputs that `scan` found in arrival order into `apply`, reading them a second time.
template <class Apply>
void stream_inputs(const replay_inputs& inputs, const input_scan& scan, const replay_options& options,
                   Apply&& apply, const std::function<void(const input_error&)>& unusable = {}) {
  const auto changed = [&] {
    METERKIT_THROW(input_error(inputs.names.front(), {},
                               "the inputs changed while they were read; replay files that stay put"));
  };
  std::uint64_t seen = 0;
  std::optional<timestamp> previous;
  inputs.for_each(
      options, replay_progress::stage::replaying,
      [&](auto&& r) {
        const timestamp at = arrival_of(r);
        if (++seen > scan.requests || (previous && at < *previous)) changed();
        previous = at;
        apply(r);
      },
      unusable);
  if (seen != scan.requests) changed();
}

/// Every request of the inputs, in the order given.
[[nodiscard]] inline std::vector<request> read_inputs(
    const replay_inputs& inputs, const replay_options& options,
    const std::function<void(const input_error&)>& unusable = {}) {
  std::vector<request> requests;
  std::uint64_t estimate = 0;
  for (std::size_t i = 0; i < inputs.paths.size(); ++i) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(inputs.paths[i], ec);
    // Room for the requests of files this size (a bulk CSV row is about 50 bytes), so that a big
    // input is not copied again and again while the vector grows.
    if (!ec) estimate += size / (inputs.formats[i] == usage_format::bulk_csv ? 48 : 96);
  }
  requests.reserve(static_cast<std::size_t>(estimate));
  inputs.for_each(
      options, replay_progress::stage::reading, [&](request&& r) { requests.push_back(std::move(r)); },
      unusable);
  return requests;
}

/// Progress of a replay from memory, as `simulation_options`.
[[nodiscard]] inline simulation_options simulation_options_of(const replay_options& options) {
  simulation_options out;
  out.known_at = options.known_at;
  out.records = options.records;
  if (options.progress) {
    out.progress = [&options](std::size_t done, std::size_t total) {
      options.progress(replay_progress{replay_progress::stage::replaying, {}, 0, 0, done, total});
    };
  }
  return out;
}

}  // namespace detail

namespace detail {
/// D29: a record that cannot be used, as a rejection: its `file:line` as source, the column and
/// what is wrong as message, code `invalid_input`.
[[nodiscard]] inline rejected_operation unusable_rejection(const input_error& e) {
  rejected_operation out;
  out.source = e.file();
  if (e.line() != 0) out.source += ":" + std::to_string(e.line());
  out.code = error_code::invalid_input;
  out.message = "column " + std::to_string(e.column() == 0 ? 1 : e.column()) + ": " + e.message();
  return out;
}

/// D29: the unusable records first, in input order, read and rejected; `handed` more were
/// handed to the caller's sink (D30), counted only.
[[nodiscard]] inline simulation_result with_unusable(simulation_result r,
                                                     const std::vector<rejected_operation>& unusable,
                                                     std::size_t handed = 0) {
  r.counts.read += unusable.size() + handed;
  r.counts.rejected += unusable.size() + handed;
  r.rejected.insert(r.rejected.begin(), unusable.begin(), unusable.end());
  return r;
}
[[nodiscard]] inline replay_report with_unusable(replay_report r,
                                                 const std::vector<rejected_operation>& unusable,
                                                 std::size_t handed = 0) {
  r.result = with_unusable(std::move(r.result), unusable, handed);
  return r;
}

/// `replay_files`, answering with `finish(simulator, as_of)` (see the file comment).
template <class Simulator, class Finish>
[[nodiscard]] auto replay_files_then(const plan& p, const std::vector<std::string>& paths,
                                     const replay_options& options, Finish&& finish_unbounded) {
  // D29: the records that cannot be used, as rejections, when the caller keeps going past them;
  // `skip` passes over them in a first read that only checks the order.
  std::vector<rejected_operation> unusable;
  std::size_t handed = 0;  // D30: unusable records handed to the caller
  std::function<void(const input_error&)> keep, skip;
  if (options.keep_going) {
    keep = [&](const input_error& e) {
      if (options.unusable_records) {
        options.unusable_records(unusable_rejection(e));
        ++handed;
      } else {
        unusable.push_back(unusable_rejection(e));
      }
    };
    skip = [](const input_error&) {};
  }
  // The bound on the invoices, checked before any is built.
  const auto finish = [&](const Simulator& sim, timestamp as_of) {
    if (options.max_invoices) {
      // B17: a restart of a billing cycle makes at most one invoice more
      const std::size_t n =
          cycle_invoice_count(sim.compiled(), as_of, *options.max_invoices) + sim.changes().restart_count();
      if (n > *options.max_invoices) {
        METERKIT_THROW(configuration_error("max_invoices", "the plan's billing cycles make more than " +
                                                               std::to_string(*options.max_invoices) +
                                                               " invoices through " + message_time(as_of) +
                                                               " (D20)"));
      }
    }
    return with_unusable(finish_unbounded(sim, as_of), unusable, handed);
  };
  const replay_inputs inputs(paths, options);
  const auto from_memory = [&] {
    unusable.clear();  // a fallback reads everything again
    handed = 0;
    if (options.restart) options.restart();  // D30
    return simulate_then<Simulator>(p, read_inputs(inputs, options, keep), options.until,
                                    simulation_options_of(options), finish);
  };
  if (options.stream && inputs.rereadable() && holds_no_cancellations(inputs)) {
    // One read: nothing can be cancelled, so the bounded history needs no targets and the ledger
    // no index of identifiers to cancel.
    simulator_history history;
    history.bounded = true;
    history.no_cancellations = true;
    Simulator sim(p, std::move(history));
    sim.hand_over(options.records);  // D30
    // The cutoff is known before the read only when a time is given; else nothing is pending.
    const std::optional<timestamp> cutoff =
        options.until || options.known_at
            ? std::optional<timestamp>(replay_times_of(options.until, options.known_at, std::nullopt).cutoff)
            : std::nullopt;
    std::optional<timestamp> latest;
    const bool in_order = replay_while_reading(
        inputs, options, latest,
        [&](const auto& r) {
          if (cutoff && arrival_of(r) > *cutoff) {
            count_pending_in(sim, r);  // D21, D28
          } else {
            apply_to(sim, r);
          }
        },
        keep);
    if (!in_order) return from_memory();
    return finish(std::as_const(sim), replay_times_of(options.until, options.known_at, latest).until);
  }
  const input_scan scan = scan_inputs(inputs, options, skip);
  if (!scan.in_arrival_order) return from_memory();
  const replay_times at = replay_times_of(options.until, options.known_at, scan.latest);
  simulator_history history;
  history.bounded = true;
  history.cancelled_later = std::cref(scan.cancelled);
  history.ends_later = std::cref(scan.ends);
  Simulator sim(p, std::move(history));
  sim.hand_over(options.records);  // D30
  stream_inputs(
      inputs, scan, options,
      [&](const auto& r) {
        if (arrival_of(r) > at.cutoff) {
          count_pending_in(sim, r);  // D21, D28
        } else {
          apply_to(sim, r);
        }
      },
      keep);
  return finish(std::as_const(sim), at.until);
}
}  // namespace detail

/// Replays the usage files `paths` (formats by extension, read in the order given) against `p`
/// and returns the invoices as of `options.until` (default: the latest arrival, D21); see the
/// file comment. Throws `input_error` for an input that cannot be used (file, line, column),
/// `configuration_error` (field `until`) when there are no operations and no `until`, and what
/// the simulator throws. (A template over the simulator only so that it is compiled where it is
/// called, as `simulate`; call it without template arguments.)
template <class Simulator = invoice_simulator>
[[nodiscard]] simulation_result replay_files(const plan& p, const std::vector<std::string>& paths,
                                             const replay_options& options = {}) {
  return detail::replay_files_then<Simulator>(p, paths, options, [&](const Simulator& sim, timestamp as_of) {
    return detail::result_of(sim, as_of, options.known_at, options.invoices);
  });
}

/// `replay_files`, with the usage that no subscription item bills (billing/unbilled_usage.hpp).
template <class Simulator = invoice_simulator>
[[nodiscard]] replay_report replay_files_report(const plan& p, const std::vector<std::string>& paths,
                                                const replay_options& options = {}) {
  return detail::replay_files_then<Simulator>(p, paths, options, [&](const Simulator& sim, timestamp as_of) {
    return detail::report_of(sim, as_of, options.known_at, options.invoices);
  });
}

/// Every request of the usage files `paths`, in the order given (names, formats and progress as
/// `replay_files`), read into memory: for a caller that replays the same usage more than once
/// (`compare_plans`, `compare_legacy_migration`), standard input included.
[[nodiscard]] inline std::vector<request> read_request_files(const std::vector<std::string>& paths,
                                                             const replay_options& options = {}) {
  return detail::read_inputs(detail::replay_inputs(paths, options), options);
}

namespace detail {
/// Replays the usage files `paths` (every request, D26: as of the latest arrival) with the full
/// history and answers `finish(simulator, as_of)`: the one replay behind `summarize_files` and
/// `summarize_files_customers`.
template <class Simulator, class Finish>
[[nodiscard]] auto summarize_files_then(const plan& p, const std::vector<std::string>& paths, period bounds,
                                        const replay_options& options, Finish&& finish) {
  const replay_inputs inputs(paths, options);
  const auto from_memory = [&] {
    return summarize_then<Simulator>(p, read_inputs(inputs, options), bounds, simulation_options_of(options),
                                     finish);
  };
  const auto known = [&](const auto& r) { return !options.known_at || arrival_of(r) <= *options.known_at; };
  if (options.stream && inputs.rereadable() && holds_no_cancellations(inputs)) {
    Simulator sim(p);
    sim.hand_over(summaries_keep_no_records());  // D30
    std::optional<timestamp> latest;
    if (!replay_while_reading(inputs, options, latest, [&](const auto& r) {
          if (known(r)) apply_to(sim, r);
        })) {
      return from_memory();
    }
    require_summary_bounds(bounds);
    return finish(std::as_const(sim), summary_as_of(options.known_at, latest, bounds));
  }
  const input_scan scan = scan_inputs(inputs, options);
  if (!scan.in_arrival_order) return from_memory();
  require_summary_bounds(bounds);
  Simulator sim(p);
  sim.hand_over(summaries_keep_no_records());  // D30
  stream_inputs(inputs, scan, options, [&](const auto& r) {
    if (known(r)) apply_to(sim, r);
  });
  return finish(std::as_const(sim), summary_as_of(options.known_at, scan.latest, bounds));
}
}  // namespace detail

/// Replays the usage files `paths` against `p` (every request, D26: as of the latest arrival) and
/// summarizes meter `meter_id` for `customer` over `bounds`, grouped by hour, day or not at all.
/// Throws `input_error` for an unusable input and `configuration_error` for an unknown meter,
/// `start >= end` or bounds that M13 refuses. (A template as `replay_files`.)
template <class Simulator = invoice_simulator>
[[nodiscard]] std::vector<event_summary> summarize_files(const plan& p, const std::vector<std::string>& paths,
                                                         std::string_view meter_id, std::string_view customer,
                                                         period bounds, window_kind grouping,
                                                         const replay_options& options = {}) {
  return detail::summarize_files_then<Simulator>(
      p, paths, bounds, options, [&](const Simulator& sim, timestamp as_of) {
        return sim.summaries(meter_id, customer, bounds, grouping, as_of);
      });
}

/// `summarize_files` for every known customer of the plan, in one replay (D26), in the compiled
/// plan's customer order.
template <class Simulator = invoice_simulator>
[[nodiscard]] std::vector<customer_summaries> summarize_files_customers(const plan& p,
                                                                        const std::vector<std::string>& paths,
                                                                        std::string_view meter_id,
                                                                        period bounds, window_kind grouping,
                                                                        const replay_options& options = {}) {
  return detail::summarize_files_then<Simulator>(p, paths, bounds, options,
                                                 [&](const Simulator& sim, timestamp as_of) {
                                                   return sim.summaries(meter_id, bounds, grouping, as_of);
                                                 });
}

}  // namespace meterkit
