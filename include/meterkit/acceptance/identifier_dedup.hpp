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
#include <cstring>
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

namespace detail {

/// One generation of a rolling identifier window: each identifier with the time it was last
/// accepted, stored once. An entry is 32 bytes: the hash's tag, the identifier inline when it has
/// at most 19 bytes (else its place in an arena) and the acceptance time, so that one probe
/// answers both "is it there" and "since when". Identifiers keep the order they were first
/// added in (for `save`).
class identifier_table {
 public:
  /// The acceptance time of `id` (hash `h`, from `hash_string`), or nullptr.
  [[nodiscard]] const std::int64_t* find(std::string_view id, std::uint64_t h) const noexcept {
    if (table_.empty()) return nullptr;
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const entry& e = table_[i];
      if (e.length == 0) return nullptr;
      if (e.tag == tag && matches(e, id)) return &e.at;
    }
  }
  /// Sets the acceptance time of `id` (hash `h`) to `at`, adding it when new.
  void put(std::string_view id, std::uint64_t h, std::int64_t at) {
    if ((order_.size() + 1) * 10 > table_.size() * 7) grow();
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      entry& e = table_[i];
      if (e.length == 0) {
        fill(e, tag, id, at);
        order_.push_back(static_cast<std::uint32_t>(i));
        return;
      }
      if (e.tag == tag && matches(e, id)) {
        e.at = at;
        return;
      }
    }
  }
  /// Number of identifiers.
  [[nodiscard]] std::size_t size() const noexcept { return order_.size(); }
  /// The `k`-th identifier added and its acceptance time.
  [[nodiscard]] std::string_view key_at(std::size_t k) const noexcept { return key_of(table_[order_[k]]); }
  [[nodiscard]] std::int64_t accepted_at(std::size_t k) const noexcept { return table_[order_[k]].at; }
  /// Removes every identifier but keeps the memory, for as many to come without growing again.
  void clear() noexcept {
    std::fill(table_.begin(), table_.end(), entry{});
    order_.clear();
    arena_.clear();
  }

 private:
  static constexpr std::size_t inline_bytes = 19;
  static constexpr std::uint8_t out_of_line = 0xff;  // 0: an empty slot

  struct entry {
    std::uint32_t tag = 0;
    std::uint8_t length = 0;  // 1..19: inline; out_of_line: offset and size in `bytes`
    char bytes[inline_bytes] = {};
    std::int64_t at = 0;
  };
  static_assert(sizeof(entry) == 32);

  [[nodiscard]] std::string_view key_of(const entry& e) const noexcept {
    if (e.length != out_of_line) return {e.bytes, e.length};
    std::uint64_t offset = 0;
    std::uint32_t size = 0;
    std::memcpy(&offset, e.bytes, sizeof offset);
    std::memcpy(&size, e.bytes + sizeof offset, sizeof size);
    return std::string_view(arena_).substr(static_cast<std::size_t>(offset), size);
  }
  [[nodiscard]] bool matches(const entry& e, std::string_view id) const noexcept {
    if (e.length != out_of_line)
      return e.length == id.size() && std::memcmp(e.bytes, id.data(), id.size()) == 0;
    return key_of(e) == id;
  }
  void fill(entry& e, std::uint32_t tag, std::string_view id, std::int64_t at) {
    e.tag = tag;
    e.at = at;
    if (!id.empty() && id.size() <= inline_bytes) {
      e.length = static_cast<std::uint8_t>(id.size());
      std::memcpy(e.bytes, id.data(), id.size());
      return;
    }
    e.length = out_of_line;
    const std::uint64_t offset = arena_.size();
    const auto size = static_cast<std::uint32_t>(id.size());
    arena_.append(id);
    std::memcpy(e.bytes, &offset, sizeof offset);
    std::memcpy(e.bytes + sizeof offset, &size, sizeof size);
  }
  void grow() {
    const std::size_t cap = table_.empty() ? 64 : table_.size() * 2;
    std::vector<entry> next(cap);
    const std::size_t mask = cap - 1;
    for (std::uint32_t& at : order_) {  // the entries move as they are; their order stays
      const entry& e = table_[at];
      const std::uint64_t h = hash_string(key_of(e));
      std::size_t i = h & mask;
      while (next[i].length != 0) i = (i + 1) & mask;
      next[i] = e;
      at = static_cast<std::uint32_t>(i);
    }
    table_ = std::move(next);
    mask_ = mask;
  }

  std::vector<entry> table_;  // a power of two, at most 70% full
  std::size_t mask_ = 0;
  std::vector<std::uint32_t> order_;  // table positions in the order identifiers were added
  std::string arena_;                 // identifiers longer than inline_bytes
};

}  // namespace detail

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
      const std::uint64_t h = detail::hash_string(id);
      for (const detail::identifier_table* g : {&current_, &previous_}) {
        if (const std::int64_t* at = g->find(id, h)) {
          if (n - *at < Seconds) return from_unix(*at);
          if (g == &current_) return std::nullopt;  // the latest acceptance has expired
        }
      }
      return std::nullopt;
    }
    /// Records that an event with `id` was accepted at `now` (restarting its window, D14).
    void remember(std::string_view id, timestamp now) {
      rotate(to_unix(now));
      current_.put(id, detail::hash_string(id), to_unix(now));
    }
    /// Identifiers currently stored (held or not yet dropped): at most those accepted in the
    /// last `2 * Seconds`.
    [[nodiscard]] std::size_t size() const noexcept { return current_.size() + previous_.size(); }

    /// Writes the exact contents: both generations, slot by slot, and the rotation clock.
    void save(state_writer& out) const {
      out.boolean(started_);
      out.time(from_unix(current_start_));
      for (const detail::identifier_table* g : {&current_, &previous_}) {
        out.size(g->size());
        for (std::size_t k = 0; k < g->size(); ++k) {
          out.str(g->key_at(k));
          out.time(from_unix(g->accepted_at(k)));
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
      for (detail::identifier_table* g : {&s.current_, &s.previous_}) {
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
          const std::uint64_t h = detail::hash_string(id);
          in.require(g->find(id, h) == nullptr, "identifier store: a duplicate identifier");
          g->put(id, h, at);
        }
      }
      *this = std::move(s);
    }

   private:
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

    detail::identifier_table current_;
    detail::identifier_table previous_;
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
