// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Idempotency keys for every POST-like operation (usage records, meter events, adjustments):
/// SPEC I1, I2 and D19.
///
/// An `idempotency_store<Outcome>` remembers, per key, the request's fingerprint (supplied by the
/// caller: method + path + canonical parameters, so that `5` and `"5"` differ, D19) and the first
/// outcome of that request, whatever it was (an acceptance or a rejection). A later request under
/// the same key that arrives before first use + window (86400 s by default) is
///   - a **replay** when its fingerprint is the same: the stored first outcome is handed back and
///     nothing is applied again (the caller counts it as `replayed`, I2);
///   - a **conflict** when the fingerprint differs: rejected with `idempotency_error`.
/// From first use + window on, the key is new again. A key longer than 255 characters rejects the
/// request with `idempotency_error` and is not stored (D19); an empty key means "no key" (D3).
///
/// Memory stays bounded: keys are evicted as soon as their window has passed, so under a constant
/// arrival rate the store holds at most rate x window keys. Eviction relies on arrival order
/// (SPEC: arrival order is `(received_at, position)`): arrival times must not decrease.
///
/// Usage, one request:
// clang-format off
/// \code
///   auto answer = store.check(key, fingerprint, received_at);
///   if (answer.is_new()) {
///     auto first = apply(request);
///     store.remember(key, fingerprint, received_at, first);
///   } else if (answer.counts_as_replayed()) {
///     report(*answer.stored_outcome());  // count as replayed
///   } else {
///     reject(answer.error());            // idempotency_error
///   }
/// \endcode
// clang-format on
/// or in one call: `store.run(key, fingerprint, received_at, [&] { return apply(request); })`.
///
/// `save` / `load` write and read back the exact contents (keys in order of first use, with their
/// fingerprints and first outcomes, through a caller-given outcome codec) in the byte encoding of
/// core/persistence.hpp, for snapshots of whoever holds the store; damage raises
/// `corrupt_state_error`.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include <meterkit/core/error.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/core/time.hpp>
#include <meterkit/detail/string_hash.hpp>
#include <meterkit/detail/utf8.hpp>

namespace meterkit {

/// The parameters of I1/I2, both policies a user can change.
struct idempotency_policy {
  /// How long a key holds its first outcome, counted from its first use (I2: 86400 s).
  seconds window{86400};
  /// The longest usable key (I1: 255 characters).
  std::size_t max_key_length = 255;
};

/// What a store says about one request.
enum class idempotency_verdict {
  new_request,  ///< no key, or a key not seen within the window: process the request
  replay,       ///< same key and same request within the window: the first outcome, apply nothing
  conflict,     ///< same key, different request within the window: `idempotency_error`
  invalid_key,  ///< key longer than the maximum: `idempotency_error`, key not stored (D19)
};

[[nodiscard]] constexpr std::string_view to_string(idempotency_verdict v) noexcept {
  switch (v) {
    case idempotency_verdict::new_request:
      return "new_request";
    case idempotency_verdict::replay:
      return "replay";
    case idempotency_verdict::conflict:
      return "conflict";
    case idempotency_verdict::invalid_key:
      return "invalid_key";
  }
  return "unknown";
}

/// The answer for one request. A replay carries a copy of the stored first outcome; a conflict or
/// an invalid key carries the `idempotency_error` rejection; a new request from `run` carries the
/// outcome that was just produced.
template <class Outcome>
class idempotency_answer {
 public:
  [[nodiscard]] static idempotency_answer fresh() {
    return idempotency_answer{idempotency_verdict::new_request};
  }
  [[nodiscard]] static idempotency_answer fresh(Outcome produced) {
    idempotency_answer a{idempotency_verdict::new_request};
    a.outcome_.emplace(std::move(produced));
    return a;
  }
  [[nodiscard]] static idempotency_answer replay(const Outcome& first) {
    idempotency_answer a{idempotency_verdict::replay};
    a.outcome_.emplace(first);
    return a;
  }
  [[nodiscard]] static idempotency_answer refuse(idempotency_verdict why, std::string message) {
    idempotency_answer a{why};
    a.error_.emplace(rejection{error_code::idempotency_error, std::move(message), {}});
    return a;
  }

  [[nodiscard]] idempotency_verdict verdict() const noexcept { return verdict_; }
  /// The request must be processed (and its outcome remembered under its key).
  [[nodiscard]] bool is_new() const noexcept { return verdict_ == idempotency_verdict::new_request; }
  /// I2: the request is answered with the first outcome and counted as `replayed`, not as a new
  /// operation (neither accepted nor rejected again).
  [[nodiscard]] bool counts_as_replayed() const noexcept { return verdict_ == idempotency_verdict::replay; }
  /// The request is rejected with `idempotency_error` (a conflict or an over-long key).
  [[nodiscard]] bool is_rejected() const noexcept {
    return verdict_ == idempotency_verdict::conflict || verdict_ == idempotency_verdict::invalid_key;
  }
  /// Replay: the stored first outcome. New request from `run`: the outcome just produced.
  [[nodiscard]] const std::optional<Outcome>& stored_outcome() const noexcept { return outcome_; }
  /// Precondition: is_rejected().
  [[nodiscard]] const rejection& error() const { return *error_; }

 private:
  explicit idempotency_answer(idempotency_verdict v) : verdict_(v) {}

  idempotency_verdict verdict_;
  std::optional<Outcome> outcome_;
  std::optional<rejection> error_;
};

/// The stored outcome must be a copyable value (it is handed back on every replay).
template <class Outcome>
concept idempotent_outcome = std::copy_constructible<Outcome> && std::is_object_v<Outcome>;

/// Idempotency keys (I1, I2, D19) over any outcome type: `outcome` for one usage record or meter
/// event, `std::vector<outcome>` for a stream request of N events (D7), ...
template <class Outcome>
class idempotency_store {
  static_assert(idempotent_outcome<Outcome>,
                "meterkit: idempotency_store<Outcome> needs a copyable object type as Outcome, it is "
                "handed back on every replay (see acceptance/idempotency.hpp)");

 public:
  using outcome_type = Outcome;
  using answer_type = idempotency_answer<Outcome>;

  explicit idempotency_store(idempotency_policy policy = {}) : policy_(policy) {
    if (policy_.window <= seconds{0}) {
      METERKIT_THROW(configuration_error("idempotency.window", "must be positive"));
    }
  }

  [[nodiscard]] const idempotency_policy& policy() const noexcept { return policy_; }

  /// What to do with a request carrying `key` (empty: none) and `fingerprint` that arrives at
  /// `received_at`. Evicts the keys whose window has passed. Arrival times must not decrease.
  [[nodiscard]] answer_type check(std::string_view key, std::string_view fingerprint, timestamp received_at) {
    advance(received_at);
    const std::size_t characters = detail::character_count(key);  // Stripe counts characters, not bytes
    if (characters > policy_.max_key_length) {
      return answer_type::refuse(idempotency_verdict::invalid_key,
                                 "idempotency key is " + std::to_string(characters) +
                                     " characters long; at most " + std::to_string(policy_.max_key_length) +
                                     " are allowed");
    }
    if (key.empty()) return answer_type::fresh();
    const auto it = entries_.find(key);
    if (it == entries_.end()) return answer_type::fresh();
    if (it->second.fingerprint != fingerprint) {
      return answer_type::refuse(idempotency_verdict::conflict,
                                 "idempotency key \"" + std::string(key) + "\" was first used at " +
                                     message_time(it->second.first_use) + " with a different request");
    }
    return answer_type::replay(it->second.first);
  }

  /// Stores the first outcome of a request that `check` called new. Does nothing without a key or
  /// with an over-long one (D19: not stored). Storing a key that is already held is a programming
  /// error (it was not new).
  void remember(std::string_view key, std::string_view fingerprint, timestamp received_at, Outcome first) {
    advance(received_at);
    if (key.empty() || key.size() > policy_.max_key_length) return;
    auto [it, inserted] = entries_.try_emplace(
        std::string(key), entry{std::string(fingerprint), received_at, std::move(first)});
    METERKIT_ASSERT(inserted, "meterkit: idempotency key \"" + std::string(key) +
                                  "\" is already held; remember() only after check() said new");
    order_.push_back(&it->first);
  }

  /// check + (when new) `process()` + remember, in one call. `process` returns the outcome; it is
  /// called only for a new request. The answer of a new request carries the outcome produced.
  template <class Process>
  requires std::invocable<Process&> && std::convertible_to<std::invoke_result_t<Process&>, Outcome>
      answer_type run(std::string_view key, std::string_view fingerprint, timestamp received_at,
                      Process&& process) {
    auto answer = check(key, fingerprint, received_at);
    if (!answer.is_new()) return answer;
    Outcome produced = std::invoke(process);
    remember(key, fingerprint, received_at, produced);
    return answer_type::fresh(std::move(produced));
  }

  /// Evicts every key whose window has passed at `now` (keys are new again from first use +
  /// window). `check` and `remember` call it; call it directly to release memory between requests.
  void advance(timestamp now) {
    METERKIT_ASSERT(!latest_ || !(now < *latest_), "meterkit: idempotency_store needs arrivals in order; " +
                                                       std::to_string(to_unix(now)) + " comes after " +
                                                       std::to_string(to_unix(*latest_)));
    latest_ = now;
    while (!order_.empty()) {
      const auto it = entries_.find(*order_.front());
      if (it->second.first_use + policy_.window > now) break;
      order_.pop_front();
      entries_.erase(it);
    }
  }

  /// Keys currently held.
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

  /// Writes the policy, the latest arrival and every held key in order of first use, with its
  /// fingerprint, first use and first outcome; `write(out, outcome)` writes one outcome.
  template <class WriteOutcome>
  requires std::invocable<WriteOutcome&, state_writer&, const Outcome&>
  void save(state_writer& out, WriteOutcome&& write) const {
    out.i64(policy_.window.count());
    out.size(policy_.max_key_length);
    out.optional_time(latest_);
    out.size(order_.size());
    for (const std::string* key : order_) {
      const entry& e = entries_.find(*key)->second;
      out.str(*key);
      out.str(e.fingerprint);
      out.time(e.first_use);
      write(out, e.first);
    }
  }

  /// Replaces the contents by those `save` wrote; `read(in)` reads one outcome back. Throws
  /// `corrupt_state_error` (changing nothing) when the bytes are damaged, were saved under another
  /// policy, or break the store's invariants (keys unique, non-empty, not too long, in order of
  /// first use, none expired as of the latest arrival).
  template <class ReadOutcome>
  requires std::is_convertible_v<std::invoke_result_t<ReadOutcome&, state_reader&>, Outcome>
  void load(state_reader& in, ReadOutcome&& read) {
    in.require(in.i64() == policy_.window.count(), "idempotency store: saved with another window");
    in.require(in.u64() == policy_.max_key_length, "idempotency store: saved with another key length");
    idempotency_store loaded(policy_);
    loaded.latest_ = in.optional_time();
    const std::size_t n = in.count(24);
    in.require(n == 0 || loaded.latest_.has_value(), "idempotency store: keys without an arrival");
    std::optional<timestamp> previous;
    for (std::size_t k = 0; k < n; ++k) {
      std::string key = in.str();
      std::string fingerprint = in.str();
      const timestamp first_use = in.time();
      in.require(!key.empty() && key.size() <= policy_.max_key_length, "idempotency store: an unusable key");
      in.require(!previous || *previous <= first_use, "idempotency store: keys out of order of first use");
      in.require(first_use <= *loaded.latest_ && *loaded.latest_ < first_use + policy_.window,
                 "idempotency store: a key outside its window");
      previous = first_use;
      Outcome first = read(in);
      auto [it, inserted] = loaded.entries_.try_emplace(
          std::move(key), entry{std::move(fingerprint), first_use, std::move(first)});
      in.require(inserted, "idempotency store: a duplicate key");
      loaded.order_.push_back(&it->first);
    }
    *this = std::move(loaded);
  }

 private:
  struct entry {
    std::string fingerprint;
    timestamp first_use;
    Outcome first;
  };

  idempotency_policy policy_;
  std::unordered_map<std::string, entry, detail::string_hash, std::equal_to<>> entries_;
  std::deque<const std::string*> order_;  // keys by first use; node keys do not move on rehash
  std::optional<timestamp> latest_;
};

}  // namespace meterkit
