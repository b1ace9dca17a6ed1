// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Identifier deduplication of meter events (SPEC M5, D12, D14).
///
/// An event whose identifier was accepted at arrival `r` is a duplicate if it arrives before
/// `r + window`; from `r + window` on the identifier is free again, and the window restarts at
/// each acceptance (D14). A rejected event never takes its identifier (D12): callers ask
/// `holder()` and call `remember()` only once the event is accepted. There is one identifier
/// space per account (M5), so one store serves every meter.
///
/// Policies: `rolling_identifier_window<Seconds>` (default 86400 s), `identifiers_never_expire`
/// ("forever") and `no_identifier_dedup` ("off"). Each has a nested `store`. The rolling store's
/// memory is bounded: identifiers whose window has passed are dropped as arrival time advances,
/// so it holds at most the identifiers accepted in the last `2 * Seconds`.
///
/// Precondition of every store: `now` never decreases from call to call (operations are fed in
/// arrival order, SPEC "The model").
///
/// Every store of this header can `save` its exact contents and `load` them back (the byte
/// encoding of core/persistence.hpp; damage raises `corrupt_state_error`), for snapshots of the
/// objects that hold one (`identifier_store_saves_state`).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <meterkit/core/persistence.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/flat_string_index.hpp>
#include <meterkit/detail/string_hash.hpp>

namespace meterkit {

/// `P::store` answers `holder(id, now)` (the arrival that still holds `id`, if any) and records
/// `remember(id, now)`.
template <class P>
concept identifier_dedup_policy = requires {
  typename P::store;
}
&&std::default_initializable<typename P::store>&& requires(typename P::store& s, std::string_view id,
                                                           timestamp now) {
  { s.holder(id, now) } -> std::same_as<std::optional<timestamp>>;
  s.remember(id, now);
};

/// Optional: a store that writes its contents with `save(state_writer&) const` and
/// replaces them with `load(state_reader&)`.
template <class S>
concept identifier_store_saves_state = requires(const S& c, S& s, state_writer& w, state_reader& r) {
  c.save(w);
  s.load(r);
};

/// An identifier accepted at `r` blocks others until `r + Seconds` (M5, D14).
template <std::int64_t Seconds = 86400>
struct rolling_identifier_window {
  static_assert(Seconds > 0, "meterkit: rolling_identifier_window length must be positive");
  static constexpr seconds length{Seconds};

  /// Two generations of open-addressing tables, each covering `Seconds` of arrivals: an
  /// identifier accepted at `r` lives in the generation that was current at `r`, and a
  /// generation is dropped once all its entries have expired. Memory is bounded by the
  /// identifiers accepted in the last `2 * Seconds`.
  class store {
   public:
    /// The arrival time of the acceptance that still holds `id` at `now`, or nullopt when `id` is free.
    [[nodiscard]] std::optional<timestamp> holder(std::string_view id, timestamp now) {
      rotate(to_unix(now));
      const std::int64_t n = to_unix(now);
      for (const generation* g : {&current_, &previous_}) {
        if (const auto slot = g->ids.find(id)) {
          const std::int64_t at = g->accepted_at[*slot];
          if (n - at < Seconds) return from_unix(at);
          if (g == &current_) return std::nullopt;  // the latest acceptance has expired
        }
      }
      return std::nullopt;
    }
    /// Records that an event with `id` was accepted at `now` (restarting its window, D14).
    void remember(std::string_view id, timestamp now) {
      rotate(to_unix(now));
      const std::size_t slot = current_.ids.find_or_add(id);
      if (slot == current_.accepted_at.size()) current_.accepted_at.push_back(0);
      current_.accepted_at[slot] = to_unix(now);
    }
    /// Identifiers currently stored (held or not yet dropped): at most those accepted in the
    /// last `2 * Seconds`.
    [[nodiscard]] std::size_t size() const noexcept { return current_.ids.size() + previous_.ids.size(); }

    /// Writes the exact contents: both generations, slot by slot, and the rotation clock.
    void save(state_writer& out) const {
      out.boolean(started_);
      out.time(from_unix(current_start_));
      for (const generation* g : {&current_, &previous_}) {
        out.size(g->ids.size());
        for (std::size_t slot = 0; slot < g->ids.size(); ++slot) {
          out.str(g->ids.key_of(slot));
          out.time(from_unix(g->accepted_at[slot]));
        }
      }
    }
    /// Replaces the contents by those `save` wrote; throws `corrupt_state_error` (changing
    /// nothing) when they are damaged or break the generations' invariants.
    void load(state_reader& in) {
      store s;
      s.started_ = in.boolean();
      s.current_start_ = to_unix(in.time());
      in.require(s.started_ || s.current_start_ == 0, "identifier store: a clock without a start");
      for (generation* g : {&s.current_, &s.previous_}) {
        const std::size_t n = in.count(16);
        in.require(n == 0 || s.started_, "identifier store: identifiers before the start");
        const bool current = g == &s.current_;
        for (std::size_t slot = 0; slot < n; ++slot) {
          const std::string id = in.str();
          const std::int64_t at = to_unix(in.time());
          // An entry of the current generation was accepted in [start, start + window); one of the
          // previous generation in (start - 2 window, start).
          const bool in_generation = current ? s.current_start_ <= at && at - s.current_start_ < Seconds
                                             : at < s.current_start_ && s.current_start_ - at < 2 * Seconds;
          in.require(in_generation, "identifier store: an acceptance outside its generation");
          in.require(g->ids.find_or_add(id) == slot, "identifier store: a duplicate identifier");
          g->accepted_at.push_back(at);
        }
      }
      *this = std::move(s);
    }

   private:
    struct generation {
      detail::flat_string_index ids;
      std::vector<std::int64_t> accepted_at;  // by slot

      void clear() noexcept {
        ids.clear();
        accepted_at.clear();
      }
    };

    void rotate(std::int64_t now) {
      if (!started_) {
        started_ = true;
        current_start_ = now;
        return;
      }
      if (now - current_start_ < Seconds) return;
      // Every entry of `previous_` was accepted before current_start_, so has expired by now.
      // The generations keep their memory: the next window needs about as much as the last one,
      // and a table that grows again every day costs a rehash at each doubling.
      if (now - current_start_ >= 2 * Seconds) {
        previous_.clear();  // the current generation has expired too
      } else {
        std::swap(previous_, current_);
      }
      current_.clear();
      current_start_ = now;
    }

    generation current_;
    generation previous_;
    std::int64_t current_start_ = 0;
    bool started_ = false;
  };
};

/// Stripe's 24 hours (M5).
using stripe_identifier_window = rolling_identifier_window<>;

/// "Forever": an accepted identifier is never free again.
struct identifiers_never_expire {
  class store {
   public:
    [[nodiscard]] std::optional<timestamp> holder(std::string_view id, timestamp) const {
      const auto it = held_.find(id);
      if (it == held_.end()) return std::nullopt;
      return from_unix(it->second);
    }
    void remember(std::string_view id, timestamp now) { held_.try_emplace(std::string(id), to_unix(now)); }
    [[nodiscard]] std::size_t size() const noexcept { return held_.size(); }

    /// Writes the exact contents, by identifier (the same contents give the same bytes).
    void save(state_writer& out) const {
      std::vector<std::pair<std::string_view, std::int64_t>> sorted(held_.begin(), held_.end());
      std::sort(sorted.begin(), sorted.end());
      out.size(sorted.size());
      for (const auto& [id, at] : sorted) {
        out.str(id);
        out.time(from_unix(at));
      }
    }
    /// Replaces the contents by those `save` wrote; throws `corrupt_state_error` (changing
    /// nothing) when they are damaged.
    void load(state_reader& in) {
      decltype(held_) held;
      const std::size_t n = in.count(16);
      std::string previous;
      for (std::size_t k = 0; k < n; ++k) {
        std::string id = in.str();
        in.require(k == 0 || previous < id, "identifier store: identifiers out of order");
        const std::int64_t at = to_unix(in.time());
        previous = id;
        held.emplace(std::move(id), at);
      }
      held_ = std::move(held);
    }

   private:
    std::unordered_map<std::string, std::int64_t, detail::string_hash, detail::string_equal> held_;
  };
};

/// "Off": identifiers are never checked.
struct no_identifier_dedup {
  class store {
   public:
    [[nodiscard]] std::optional<timestamp> holder(std::string_view, timestamp) const noexcept {
      return std::nullopt;
    }
    void remember(std::string_view, timestamp) const noexcept {}
    [[nodiscard]] std::size_t size() const noexcept { return 0; }
    /// Nothing to save.
    void save(state_writer&) const noexcept {}
    void load(state_reader&) const noexcept {}
  };
};

static_assert(identifier_dedup_policy<stripe_identifier_window>);
static_assert(identifier_dedup_policy<identifiers_never_expire>);
static_assert(identifier_dedup_policy<no_identifier_dedup>);
static_assert(identifier_store_saves_state<stripe_identifier_window::store>);
static_assert(identifier_store_saves_state<identifiers_never_expire::store>);
static_assert(identifier_store_saves_state<no_identifier_dedup::store>);

}  // namespace meterkit
