// SPDX-License-Identifier: MIT
// Fuzzes the simulator's restore behind a valid checksum (B3, billing/snapshot.hpp). The input
// describes a stream of requests against the replay plan (meters of every formula, legacy items,
// cancellations, idempotency keys), where to save a snapshot, whether the history is bounded, and
// then edits of the snapshot's body (bytes flipped, set, inserted or erased; 64-bit words set to
// edge values or nudged). The frame is then written again around the edited body, so that its
// length and CRC-32C are right and every edit reaches restore's own checks. Properties:
//   - restore either refuses the snapshot with `corrupt_state_error` (or its subclass
//     `snapshot_plan_mismatch`) or gives a simulator that takes the rest of the stream and answers
//     `result`, raising nothing but what meterkit documents for that: `overflow_error` (a damaged
//     quantity), and `configuration_error` for a request out of arrival order or, in a bounded
//     history, a result asked before the last arrival (a damaged clock moved later, which no part
//     contradicts). Never another exception (`std::invalid_argument`,
//     `std::out_of_range`, `precondition_error`: a broken invariant restore let through), a crash,
//     or undefined behaviour (the sanitizers);
//   - what restore accepts, `save` writes and restore accepts again, to the same bytes;
//   - without edits, the restored simulator bills the rest of the stream exactly as the one that
//     never stopped.
#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/billing/stream_requests.hpp"
#include "fuzz_common.hpp"

namespace {
namespace mk = meterkit;

constexpr std::int64_t t0 = 1735689600;  // 2025-01-01T00:00:00Z
constexpr std::int64_t hour = 3600;
constexpr std::int64_t day = 86400;

constexpr std::array<const char*, 3> event_names{"api_requests", "storage_gb", "calls"};
constexpr std::array<const char*, 4> customers{"cus_1", "cus_2", "cus_3", "cus_unknown"};
constexpr std::array<const char*, 2> legacy_items{"si_peak_2", "si_total_1"};
constexpr std::array<std::int64_t, 8> gaps{0, 1, 59, hour, 5 * hour, day, 3 * day, 17 * day};
// What an edit sets a 64-bit word to: counts, flags, indexes, times at and past the saved range.
constexpr std::array<std::uint64_t, 12> edge_words{0,
                                                   1,
                                                   2,
                                                   255,
                                                   0x7fffffffffffffffull,
                                                   0x8000000000000000ull,
                                                   0xffffffffffffffffull,
                                                   std::uint64_t{1} << 61,
                                                   (std::uint64_t{1} << 61) + 1,
                                                   static_cast<std::uint64_t>(-(std::int64_t{1} << 61)),
                                                   static_cast<std::uint64_t>(t0),
                                                   static_cast<std::uint64_t>(253402300799)};  // 9999-12-31

using meterkit::fuzz::byte_reader;

/// `count` requests, 4 bytes each, in arrival order.
std::vector<mk::request> decode(byte_reader& in, std::size_t count) {
  std::vector<mk::request> out;
  std::vector<std::pair<std::size_t, std::string>> sent;  // (event name, identifier)
  std::int64_t now = t0;
  for (std::size_t line = 1; line <= count; ++line) {
    const std::uint8_t kind = in.next();
    const std::uint8_t a = in.next();
    const std::uint8_t b = in.next();
    const std::uint8_t c = in.next();
    now += gaps[a % gaps.size()];
    switch (kind % 8) {
      case 5:
        if (!sent.empty()) {  // a cancellation of a recent event (M10)
          const auto& target = sent[sent.size() - 1 - b % std::min<std::size_t>(sent.size(), 8)];
          out.push_back(mk::test_stream::cancellation(now, event_names[target.first], target.second, line));
          continue;
        }
        break;
      case 6:  // a legacy usage record (L1-L3)
        out.push_back(mk::test_stream::usage_record_of(now, legacy_items[b % 2], c % 40,
                                                       now - static_cast<std::int64_t>(b) * 60,
                                                       (kind & 0x80) ? "increment" : "set", line));
        continue;
      default:
        break;
    }
    const std::size_t name = b % 3;
    std::optional<std::int64_t> time;
    switch ((kind >> 3) % 4) {
      case 1:
        time = now - static_cast<std::int64_t>(c) * hour;  // late, maybe into a finalized period
        break;
      case 2:
        time = now - 34 * day;  // about the 35-day edge
        break;
      case 3:
        time = now - static_cast<std::int64_t>(c % 16) * 97;
        break;
      default:
        break;  // the arrival time (M2)
    }
    std::optional<std::string> identifier;
    if ((a >> 4) % 4 == 1 && !sent.empty()) {
      identifier = sent[c % sent.size()].second;  // a repeat (M5)
    } else if ((a >> 4) % 4 != 0) {
      identifier = "ev_" + std::to_string(line);
    }
    if (identifier) sent.emplace_back(name, *identifier);
    mk::request r = mk::test_stream::event(now, event_names[name], customers[(b / 3) % customers.size()],
                                           static_cast<std::int64_t>(c % 64) - 6, identifier, time, line);
    if ((kind & 0x80) && (a & 1)) {  // an idempotency key, maybe one already used (I1, I2)
      r.idempotency_key = "key_" + std::to_string(c % 4);
      r.fingerprint = std::to_string(b % 2);
    }
    out.push_back(std::move(r));
  }
  return out;
}

/// Edits `body` as the rest of the input says, 4 bytes an edit, at most 16; true if any.
bool edit(byte_reader& in, std::string& body) {
  bool edited = false;
  for (int n = 0; n < 16 && in.more() && !body.empty(); ++n) {
    const std::uint8_t op = in.next();
    const std::size_t at = ((std::size_t{in.next()} << 8) | in.next()) % body.size();
    const std::uint8_t v = in.next();
    edited = true;
    switch (op % 6) {
      case 0:
        body[at] = static_cast<char>(body[at] ^ (v == 0 ? 0x80 : v));
        break;
      case 1:
        body[at] = static_cast<char>(v);
        break;
      case 2:
        body.insert(at, 1, static_cast<char>(v));
        break;
      case 3:
        body.erase(at, 1 + v % 8);
        break;
      default: {  // a little-endian 64-bit word: set to an edge value, or nudged by -8 ... 7
        std::uint64_t w = 0;
        for (std::size_t k = 0; k < 8 && at + k < body.size(); ++k)
          w |= std::uint64_t{static_cast<unsigned char>(body[at + k])} << (8 * k);
        w = op % 6 == 4 ? edge_words[v % edge_words.size()] : w + static_cast<std::uint64_t>(v % 16) - 8;
        for (std::size_t k = 0; k < 8 && at + k < body.size(); ++k)
          body[at + k] = static_cast<char>(static_cast<unsigned char>(w >> (8 * k)));
      }
    }
  }
  return edited;
}

std::string save(const mk::invoice_simulator& sim) {
  std::ostringstream out;
  sim.save(out);
  return out.str();
}

mk::invoice_simulator restore(const std::string& snapshot, const mk::simulator_history& history) {
  std::istringstream in(snapshot);
  return mk::invoice_simulator::restore(mk::fuzz::replay_plan(), in, history);
}

/// Feeds `rest` to `sim` and asks its result as of the last arrival and 40 days later; the
/// exceptions that may come out are the ones documented for a damaged state. A clock moved later
/// shows as a request out of arrival order or, in a bounded history, as a result asked before
/// the last arrival (D21, field `until`; a snapshot whose latest request was refused looks the same).
void go_on(mk::invoice_simulator& sim, const std::vector<mk::request>& rest, mk::timestamp last,
           bool bounded) {
  try {
    for (const auto& r : rest) sim.apply(r);
    (void)sim.result(last);
    (void)sim.result(last + mk::seconds{40 * day});
  } catch (const mk::overflow_error&) {
  } catch (const mk::configuration_error& e) {
    const std::string what = e.what();
    mk::fuzz::require(what.find("arrival order") != std::string::npos || (bounded && e.field() == "until"),
                      "restored, then a configuration_error not about arrival order: " + what);
  } catch (const std::exception& e) {
    mk::fuzz::fail(std::string("restored, then the next apply or result threw: ") + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  byte_reader in(data, size);
  const std::uint8_t shape = in.next();
  const std::size_t count = 1 + in.next() % 40;
  const std::size_t saved_after = std::min<std::size_t>(count, 1 + in.next() % 40);
  const auto stream = decode(in, count);
  const std::vector<mk::request> before(stream.begin(),
                                        stream.begin() + static_cast<std::ptrdiff_t>(saved_after));
  const std::vector<mk::request> rest(stream.begin() + static_cast<std::ptrdiff_t>(saved_after),
                                      stream.end());
  const mk::timestamp last = stream.back().received_at;

  mk::cancellation_targets targets;
  for (const auto& r : stream) targets.add(r);
  mk::simulator_history history;
  if (shape & 1) {  // bounded, told which identifiers a later cancellation names
    history.bounded = true;
    history.forget_from = 1 + (shape >> 1) % 8;
    history.cancelled_later = std::cref(targets);
  }

  mk::invoice_simulator original(mk::fuzz::replay_plan(), history);
  for (const auto& r : before) original.apply(r);
  const std::string snapshot = save(original);
  // The frame: magic, version, length (20 bytes), fingerprint (8), body, CRC-32C (4).
  constexpr std::size_t head = 20 + 8;
  mk::fuzz::require(snapshot.size() >= head + 4, "a snapshot shorter than its frame");
  std::string body = snapshot.substr(head, snapshot.size() - head - 4);
  const bool edited = edit(in, body);
  std::ostringstream framed;
  mk::snapshot_frame::write(framed, mk::invoice_simulator::snapshot_version,
                            mk::plan_fingerprint(mk::fuzz::replay_plan()), body);
  mk::fuzz::require(edited || framed.str() == snapshot, "the frame written again differs from the snapshot");

  std::optional<mk::invoice_simulator> restored;
  try {
    restored.emplace(restore(framed.str(), history));
  } catch (const mk::corrupt_state_error&) {
    mk::fuzz::require(edited, "an unedited snapshot was refused");
    return 0;  // refused, snapshot_plan_mismatch included
  } catch (const std::exception& e) {
    mk::fuzz::fail(std::string("restore threw something other than corrupt_state_error: ") + e.what());
  }

  // What restore accepts, save writes and restore reads back to the same bytes.
  std::string again;
  try {
    again = save(*restored);
    (void)restore(again, history);
  } catch (const std::exception& e) {
    mk::fuzz::fail(std::string("a restored snapshot could not be saved and restored again: ") + e.what());
  }
  mk::fuzz::require(save(restore(again, history)) == again,
                    "a restored snapshot saves to other bytes each time");

  go_on(*restored, rest, last, history.bounded);
  if (!edited) {
    go_on(original, rest, last, history.bounded);
    for (const auto until : {last, last + mk::seconds{40 * day}}) {
      mk::fuzz::require(restored->result(until) == original.result(until),
                        "a restored simulator bills differently from the one that never stopped");
    }
  }
  return 0;
}
