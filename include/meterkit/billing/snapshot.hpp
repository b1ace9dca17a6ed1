// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The snapshot codec of the invoice simulator (docs/rules.md, "Crash-restore"): the frame around a
/// snapshot body, the plan fingerprint that ties a snapshot to its plan, and the encodings of the
/// few simulator values that are not some component's own state (stored outcomes, periods).
///
/// Frame (integers little-endian):
///   8 bytes magic `\x89MKSIM\r\n` | u32 format version | u64 plan fingerprint (FNV-1a 64 of a
///   canonical encoding of every plan field) | u64 body length | body | u64 FNV-1a 64 of all
///   the bytes before it.
/// A truncated, damaged or foreign snapshot raises `corrupt_state_error`; one saved under another
/// plan `snapshot_plan_mismatch`. What the body holds is the simulator's business
/// (billing/simulator.hpp); each component writes its own part (the meter ledger, the usage-record
/// books, the idempotency store, the history keeper).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <meterkit/billing/plan.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/detail/binary_io.hpp>

namespace meterkit {

/// A snapshot saved under another plan than the one it is restored with.
class snapshot_plan_mismatch : public corrupt_state_error {
 public:
  using corrupt_state_error::corrupt_state_error;
};

namespace detail {

/// The identity of a request for idempotency (D19): the first outcome of each of its operations.
using stored_outcomes = std::vector<outcome>;

inline void save_outcomes(binary_writer& out, const stored_outcomes& outcomes) {
  out.size(outcomes.size());
  for (const auto& o : outcomes) {
    out.boolean(o.rejected());
    if (o.accepted()) continue;
    out.u32(static_cast<std::uint32_t>(o.code()));
    out.str(o.error().message);
    out.str(o.error().param);
  }
}

[[nodiscard]] inline error_code load_error_code(binary_reader& in) {
  const std::uint32_t code = in.u32();
  in.require(code < error_code_names.size(), "an unknown error code");
  return static_cast<error_code>(code);
}

[[nodiscard]] inline stored_outcomes load_outcomes(binary_reader& in) {
  stored_outcomes outcomes(in.count(1));
  for (auto& o : outcomes) {
    if (!in.boolean()) continue;
    const error_code code = load_error_code(in);
    std::string message = in.str();
    o = outcome::reject(code, std::move(message), in.str());
  }
  return outcomes;
}

inline void save_period(binary_writer& out, const period& p) {
  out.time(p.start);
  out.time(p.end);
}

[[nodiscard]] inline period load_period(binary_reader& in) {
  const timestamp start = in.time();
  return period{start, in.time()};
}

}  // namespace detail

/// FNV-1a 64 of a canonical encoding of every field of `p`: a snapshot is refused under a plan
/// that differs in anything (a field added to the plan must be added here).
[[nodiscard]] inline std::uint64_t plan_fingerprint(const plan& p) {
  detail::binary_writer out;
  auto time = [&](timestamp t) { out.i64(to_unix(t)); };
  auto optional_time = [&](const std::optional<timestamp>& t) {
    out.boolean(t.has_value());
    if (t) time(*t);
  };
  auto optional_decimal = [&](const std::optional<decimal>& d) {
    out.boolean(d.has_value());
    if (d) out.str(d->to_string());
  };
  out.size(p.meters.size());
  for (const auto& m : p.meters) {
    out.str(m.id);
    out.str(m.event_name);
    out.str(m.display_name);
    out.u8(static_cast<std::uint8_t>(m.formula));
    out.str(m.customer_key);
    out.str(m.value_key);
    out.u8(static_cast<std::uint8_t>(m.event_time_window));
    out.boolean(m.active);
  }
  out.size(p.prices.size());
  for (const auto& pr : p.prices) {
    out.str(pr.id);
    out.str(pr.currency.code());
    out.u8(static_cast<std::uint8_t>(pr.billing_scheme));
    out.boolean(pr.tiers_mode.has_value());
    if (pr.tiers_mode) out.u8(static_cast<std::uint8_t>(*pr.tiers_mode));
    optional_decimal(pr.unit_amount);
    out.size(pr.tiers.size());
    for (const auto& tier : pr.tiers) {
      out.boolean(tier.up_to.has_value());
      if (tier.up_to) out.i64(*tier.up_to);
      optional_decimal(tier.unit_amount);
      optional_decimal(tier.flat_amount);
    }
    out.boolean(pr.transform_quantity.has_value());
    if (pr.transform_quantity) {
      out.i64(pr.transform_quantity->divide_by);
      out.u8(static_cast<std::uint8_t>(pr.transform_quantity->round));
    }
    out.u8(static_cast<std::uint8_t>(pr.recurring.interval.unit));
    out.i64(pr.recurring.interval.count);
    out.u8(static_cast<std::uint8_t>(pr.recurring.usage_type));
    out.optional_str(pr.recurring.meter);
    out.boolean(pr.recurring.aggregate_usage.has_value());
    if (pr.recurring.aggregate_usage) out.u8(static_cast<std::uint8_t>(*pr.recurring.aggregate_usage));
  }
  out.size(p.subscriptions.size());
  for (const auto& sub : p.subscriptions) {
    out.str(sub.id);
    out.str(sub.customer);
    time(sub.start_date);
    optional_time(sub.billing_cycle_anchor);
    optional_time(sub.trial_end);
    out.size(sub.items.size());
    for (const auto& item : sub.items) {
      out.str(item.id);
      out.str(item.price);
      out.i64(item.quantity);
    }
  }
  out.size(p.customers.size());
  for (const auto& c : p.customers) out.str(c);
  out.i64(p.settings.invoice_finalization_delay.count());
  out.i64(p.settings.legacy_grace_period.count());
  out.u8(static_cast<std::uint8_t>(p.settings.rounding));
  return detail::fnv1a(out.bytes());
}

/// Writes and reads the frame of a snapshot (see the file comment).
struct snapshot_frame {
  static constexpr std::string_view magic{"\x89MKSIM\r\n", 8};

  /// Writes `body` framed with `version` and `fingerprint`. Throws `std::ios_base::failure`
  /// when `out` fails.
  static void write(std::ostream& out, std::uint32_t version, std::uint64_t fingerprint,
                    const std::string& body) {
    detail::binary_writer head;
    head.raw(magic);
    head.u32(version);
    head.u64(fingerprint);
    head.size(body.size());
    detail::binary_writer tail;
    tail.u64(detail::fnv1a(body, detail::fnv1a(head.bytes())));
    for (const std::string* part : {&head.bytes(), &body, &tail.bytes()}) {
      out.write(part->data(), static_cast<std::streamsize>(part->size()));
    }
    if (!out) METERKIT_THROW(std::ios_base::failure("meterkit: cannot write the simulator snapshot"));
  }

  /// Reads exactly one frame from `in` and returns its body, after checking the magic, `version`,
  /// the length, the checksum and then `fingerprint` (in that order, so that damage is reported
  /// as damage, not as another plan).
  [[nodiscard]] static std::string read(std::istream& in, std::uint32_t version, std::uint64_t fingerprint) {
    auto fail = [](const std::string& why) {
      METERKIT_THROW(corrupt_state_error("meterkit: cannot load the invoice simulator snapshot: " + why));
    };
    constexpr std::size_t head_size = 8 + 4 + 8 + 8;
    std::string head(head_size, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    if (static_cast<std::size_t>(in.gcount()) != head.size()) fail("truncated (no complete header)");
    detail::binary_reader h(head, "invoice simulator snapshot");
    if (h.raw(8) != magic) fail("not an invoice simulator snapshot (wrong magic)");
    if (const std::uint32_t v = h.u32(); v != version) {
      fail("format version " + std::to_string(v) + ", this build reads version " + std::to_string(version));
    }
    const std::uint64_t saved_fingerprint = h.u64();
    const std::uint64_t length = h.u64();
    std::string body;
    while (body.size() < length) {  // in steps, so that a damaged length cannot cost memory
      const std::size_t step =
          static_cast<std::size_t>(std::min<std::uint64_t>(length - body.size(), std::uint64_t{1} << 20));
      const std::size_t at = body.size();
      body.resize(at + step);
      in.read(body.data() + at, static_cast<std::streamsize>(step));
      if (static_cast<std::size_t>(in.gcount()) != step)
        fail("truncated (the body is shorter than its length)");
    }
    std::string tail(8, '\0');
    in.read(tail.data(), 8);
    if (in.gcount() != 8) fail("truncated (no checksum)");
    if (detail::binary_reader(tail).u64() != detail::fnv1a(body, detail::fnv1a(head)))
      fail("checksum mismatch");
    if (saved_fingerprint != fingerprint) {
      METERKIT_THROW(snapshot_plan_mismatch(
          "meterkit: cannot load the invoice simulator snapshot: it was saved under another plan"));
    }
    return body;
  }
};

}  // namespace meterkit
