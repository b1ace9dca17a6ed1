// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The billing periods of one subscription (SPEC B3, B4): a `start_date`, an optional
/// `billing_cycle_anchor`, an optional `trial_end` and the subscription's `interval`.
///
/// Boundaries. The schedule's boundaries are `start_date`, then `trial_end` when set, then every
/// boundary of the anchor's cycle (billing_cycle.hpp) strictly after `trial_end` (or after
/// `start_date` without a trial). Its periods are the spans between consecutive boundaries:
///
/// - without a trial: `[start_date, b1)`, `[b1, b2)`, ... where b1 is the first anchor boundary
///   strictly after `start_date`; the first period is a *stub* when `start_date` is not itself an
///   anchor boundary (B3);
/// - with `trial_end`: `[start_date, trial_end)` is one period, the trial (B4), then
///   `[trial_end, b1)`, `[b1, b2)`, ... where b1 is the first anchor boundary strictly after
///   `trial_end`; `[trial_end, b1)` is a stub when `trial_end` is not an anchor boundary.
///
/// The anchor defaults to `trial_end` when set, else `start_date` (B4). An explicit anchor may lie
/// anywhere, before or after the start: the cycle extends in both directions (billing_cycle's
/// negative n), so a stub before the anchor has a well-defined full cycle.
///
/// Stubs. A period is a stub when it is shorter than the full anchor-cycle period that contains
/// it (`full_cycle_of`); only the first period after `start_date` or after the trial can be one.
/// The trial is never a stub. B4 prorates a licensed line of a stub by
/// `stub.length() / full_cycle_of(stub).length()`.
///
/// The end (B6). A schedule may end at a time `end` after `start_date`: no period starts at or after
/// it, and the period containing it is cut to `[start, end)`. A cut period is shorter than its
/// full cycle, so it is a stub (`is_stub`); `uncut` gives the period it would have been. With
/// `end <= start_date` the schedule has no periods at all.
///
/// Restarts (B17). A schedule may restart its cycle at times after its start and its trial
/// (`billing_cycle_anchor=now`, or a move to prices of another interval): the period containing a
/// restart is cut there, and from the restart on the periods repeat from the restart as their
/// anchor, with the restart's interval, until the next restart. A period cut by a restart is
/// shorter than its full cycle (a stub); the end (B6) cuts whatever period contains it, before or
/// after a restart.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <meterkit/calendar/billing_cycle.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>

namespace meterkit {

/// A schedule's settings by name, for `billing_schedule(const billing_schedule_options&)`:
/// `billing_schedule<> monthly({.start_date = t})` is monthly from `t`, anchored at `t`, no trial,
/// no end.
struct billing_schedule_options {
  timestamp start_date{};
  std::optional<timestamp> billing_cycle_anchor{};  ///< none: `trial_end`, else `start_date` (B4)
  std::optional<timestamp> trial_end{};
  billing_interval interval{};  ///< one month by default
  std::optional<timestamp> end{};
};

template <class EndOfMonth = clamp_to_month_end>
class billing_schedule {
 public:
  using cycle_type = billing_cycle<EndOfMonth>;

  /// Throws `configuration_error` naming `trial_end` when `trial_end <= start_date`, or
  /// `interval_count` when the interval is outside D9's limits. `end`: where the schedule ends
  /// (B6; see the file comment), none by default.
  billing_schedule(timestamp start_date, std::optional<timestamp> billing_cycle_anchor,
                   std::optional<timestamp> trial_end, billing_interval interval,
                   std::optional<timestamp> end = std::nullopt)
      : start_(start_date),
        trial_end_(checked_trial_end(start_date, trial_end)),
        cycle_(billing_cycle_anchor.value_or(trial_end.value_or(start_date)), interval),
        first_regular_{regular_start(), cycle_.next_boundary_after(regular_start())},
        end_(end) {}

  /// The same, by name (see `billing_schedule_options`).
  explicit billing_schedule(const billing_schedule_options& o)
      : billing_schedule(o.start_date, o.billing_cycle_anchor, o.trial_end, o.interval, o.end) {}

  [[nodiscard]] timestamp start_date() const noexcept { return start_; }
  [[nodiscard]] std::optional<timestamp> trial_end() const noexcept { return trial_end_; }
  /// The effective anchor (B4: defaults to `trial_end`, else `start_date`), or the latest restart
  /// (B17).
  [[nodiscard]] timestamp billing_cycle_anchor() const noexcept {
    return restarts_.empty() ? cycle_.anchor() : restarts_.back().anchor();
  }
  /// The interval, since the latest restart if any (B17).
  [[nodiscard]] billing_interval interval() const noexcept {
    return restarts_.empty() ? cycle_.interval() : restarts_.back().interval();
  }
  [[nodiscard]] const cycle_type& cycle() const noexcept { return cycle_; }
  /// Where the schedule ends (B6), if it does.
  [[nodiscard]] std::optional<timestamp> end() const noexcept { return end_; }
  /// The same schedule without its end.
  [[nodiscard]] billing_schedule without_end() const { return with_end(std::nullopt); }
  /// The same schedule ending at `end` instead (none: it runs on), as a cancellation that arrives
  /// later sets it (B9).
  [[nodiscard]] billing_schedule with_end(std::optional<timestamp> end) const {
    billing_schedule copy = *this;
    copy.end_ = end;
    return copy;
  }
  /// The same schedule restarting its cycle at `at` too, every `interval` from then on (the same
  /// interval by default) (B17; see the file comment). Throws `configuration_error` naming
  /// `billing_cycle_anchor` unless `at` is after `start_date`, after the trial and after every
  /// restart so far.
  [[nodiscard]] billing_schedule restarted_at(timestamp at,
                                              std::optional<billing_interval> interval = {}) const {
    if (!(regular_start() < at) || (!restarts_.empty() && !(restarts_.back().anchor() < at))) {
      METERKIT_THROW(configuration_error("billing_cycle_anchor",
                                         "a restart must come after the start, the trial and every restart "
                                         "before it (B17)"));
    }
    billing_schedule copy = *this;
    copy.restarts_.emplace_back(at, interval.value_or(this->interval()));
    return copy;
  }
  /// The cycles of the restarts (B17), in order: each one's anchor is its restart.
  [[nodiscard]] std::span<const cycle_type> restarts() const noexcept { return restarts_; }
  /// Whether the cycle restarts at `t` (B17).
  [[nodiscard]] bool restarts_at(timestamp t) const noexcept {
    return std::any_of(restarts_.begin(), restarts_.end(),
                       [&](const cycle_type& c) { return c.anchor() == t; });
  }

  /// Whether the schedule has any period: false when it ends at or before `start_date`.
  [[nodiscard]] bool has_periods() const noexcept { return !end_ || start_ < *end_; }

  /// `[start_date, trial_end)`, when there is a trial.
  [[nodiscard]] std::optional<period> trial() const noexcept {
    if (!trial_end_) return std::nullopt;
    return period{start_, *trial_end_};
  }

  /// The period that starts at `start_date`: the trial if any, else the first (possibly stub)
  /// period.
  /// Precondition: `has_periods()`.
  [[nodiscard]] period first_period() const { return cut(uncut_containing(start_)); }

  /// The period containing `t`; nullopt when `t` is before `start_date` or at or after the end
  /// (no period covers it).
  [[nodiscard]] std::optional<period> period_containing(timestamp t) const {
    if (t < start_ || (end_ && *end_ <= t)) return std::nullopt;
    return cut(uncut_containing(t));
  }

  /// The period that starts where `p` ends. Precondition: `p` is a period of this schedule and
  /// not the last (`is_last`).
  [[nodiscard]] period next_period(const period& p) const { return *period_containing(p.end); }

  /// Whether `p` is the schedule's last period: it ends where the schedule ends (B6).
  [[nodiscard]] bool is_last(const period& p) const noexcept { return end_ && *end_ <= p.end; }

  /// Whether `p` was cut short by the end (B6): its end is not a boundary of the cycle.
  [[nodiscard]] bool is_cut(const period& p) const {
    return is_last(p) && uncut_containing(p.start).end != p.end;
  }

  /// The period `p` would be without the end (itself unless `is_cut(p)`).
  [[nodiscard]] period uncut(const period& p) const { return uncut_containing(p.start); }

  /// The period that ends where `p` starts; nullopt for the first period. Precondition: `p` is a
  /// period of this schedule.
  [[nodiscard]] std::optional<period> previous_period(const period& p) const {
    if (p.start <= start_) return std::nullopt;
    return period_containing(p.start - seconds{1});
  }

  /// Whether `p` is the trial `[start_date, trial_end)` (or the part of it before the end).
  [[nodiscard]] bool is_trial(const period& p) const noexcept {
    return trial_end_ && p.start == start_ && p.end <= *trial_end_;  // cut by the end too (B6)
  }

  /// The anchor-cycle period `[boundary(k), boundary(k + 1))` containing `p.start`. For a period
  /// of this schedule other than the trial it contains the whole of `p`; it is `p` itself unless
  /// `p` is a stub. For the trial it has no billing meaning.
  [[nodiscard]] period full_cycle_of(const period& p) const {
    return cycle_at(p.start).period_containing(p.start);
  }

  /// Whether `p` is shorter than the full cycle that contains it (B3, B4). Never the trial.
  [[nodiscard]] bool is_stub(const period& p) const {
    return !is_trial(p) && p.length() < full_cycle_of(p).length();
  }

  /// Every period that starts at or before `t`, in order (empty when `t < start_date` or the
  /// schedule has no period).
  [[nodiscard]] std::vector<period> periods_through(timestamp t) const {
    std::vector<period> out;
    if (t < start_ || !has_periods()) return out;
    for (period p = first_period();; p = next_period(p)) {
      out.push_back(p);
      if (t < p.end || is_last(p)) break;
    }
    return out;
  }

 private:
  static std::optional<timestamp> checked_trial_end(timestamp start, std::optional<timestamp> trial_end) {
    if (trial_end && *trial_end <= start) {
      METERKIT_THROW(configuration_error("trial_end", "must be after start_date"));
    }
    return trial_end;
  }

  /// Where the anchor-following periods begin: the trial's end, else the start.
  [[nodiscard]] timestamp regular_start() const noexcept { return trial_end_.value_or(start_); }

  /// The first restart after `t`, or `restarts_.end()` (B17).
  [[nodiscard]] auto restart_after(timestamp t) const {
    return std::upper_bound(restarts_.begin(), restarts_.end(), t,
                            [](timestamp x, const cycle_type& c) { return x < c.anchor(); });
  }

  /// The cycle that `t` (at or after the trial) follows: the latest restart's at or before it,
  /// else the anchor's (B17).
  [[nodiscard]] const cycle_type& cycle_at(timestamp t) const {
    const auto after = restart_after(t);
    return after == restarts_.begin() ? cycle_ : *(after - 1);
  }

  /// The period containing `t` (at or after `start_date`) as if the schedule never ended; cut by
  /// the next restart (B17).
  [[nodiscard]] period uncut_containing(timestamp t) const {
    if (trial_end_ && t < *trial_end_) return period{start_, *trial_end_};
    if (restarts_.empty()) return t < first_regular_.end ? first_regular_ : cycle_.period_containing(t);
    const auto after = restart_after(t);
    period p = after != restarts_.begin() ? (after - 1)->period_containing(t)
               : t < first_regular_.end   ? first_regular_
                                          : cycle_.period_containing(t);
    if (after != restarts_.end() && after->anchor() < p.end) p.end = after->anchor();
    return p;
  }

  /// `p` cut at the end (B6).
  [[nodiscard]] period cut(period p) const noexcept {
    if (end_ && *end_ < p.end) p.end = *end_;
    return p;
  }

  timestamp start_;
  std::optional<timestamp> trial_end_;
  cycle_type cycle_;
  period first_regular_;  ///< [regular_start(), first anchor boundary after it)
  std::optional<timestamp> end_;
  std::vector<cycle_type> restarts_;  ///< B17: the cycles restarted, by their anchors, in order
};

}  // namespace meterkit
