// SPDX-License-Identifier: MIT
// Whole computations checked by the compiler: if one of these static_asserts fails, the build fails.
#include <meterkit/meterkit.hpp>

namespace mk = meterkit;

static_assert(mk::to_string(mk::error_code::duplicate_meter_event) == "duplicate_meter_event");
static_assert(mk::parse_error_code("timestamp_in_future") == mk::error_code::timestamp_in_future);
static_assert(!mk::checked_add<std::int64_t>(INT64_MAX, 1).has_value(), "overflow is an error, never a wrap");
static_assert(*mk::checked_mul<std::int64_t>(-3037000499, 3037000499) == -9223372030926249001);
static_assert(mk::to_unix(mk::latest_time) == 253402300799, "D4: 9999-12-31T23:59:59Z");

// A meter takes a formula, then an ingestion policy: the usual mistakes are not meter arguments.
static_assert(mk::meter_policies<mk::sum, mk::raw, mk::string_customer_ids, mk::keep_history>);
static_assert(mk::meter_policies<mk::last_value, mk::pre_aggregated<mk::utc_hour>, mk::dense_customers,
                                 mk::running_state_only>);
static_assert(!mk::meter_policies<mk::raw, mk::sum, mk::string_customer_ids, mk::keep_history>);
static_assert(!mk::meter_policies<mk::sum, mk::utc_hour, mk::string_customer_ids, mk::keep_history>);
static_assert(!mk::meter_policies<mk::sum, mk::count, mk::string_customer_ids, mk::keep_history>);
static_assert(!mk::meter_policies<mk::sum, mk::raw, mk::string_customer_ids, mk::raw>);

int main() { return 0; }
