// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Umbrella header: includes every public header of the core library, in layer order, and
/// nothing else. The optional Stripe wire adapter has its own umbrella, <meterkit/stripe.hpp>.

#include <meterkit/version.hpp>

// core
#include <meterkit/core/arrival.hpp>
#include <meterkit/core/checked.hpp>
#include <meterkit/core/checksum.hpp>
#include <meterkit/core/currency.hpp>
#include <meterkit/core/decimal.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/persistence.hpp>
#include <meterkit/core/rounding.hpp>
#include <meterkit/core/time.hpp>

// calendar
#include <meterkit/calendar/billing_cycle.hpp>
#include <meterkit/calendar/billing_schedule.hpp>
#include <meterkit/calendar/period.hpp>
#include <meterkit/calendar/window.hpp>

// aggregation
#include <meterkit/aggregation/count.hpp>
#include <meterkit/aggregation/formula.hpp>
#include <meterkit/aggregation/formula_kind.hpp>
#include <meterkit/aggregation/last_during_period.hpp>
#include <meterkit/aggregation/last_ever.hpp>
#include <meterkit/aggregation/last_value.hpp>
#include <meterkit/aggregation/latest_sample.hpp>
#include <meterkit/aggregation/peak.hpp>
#include <meterkit/aggregation/sum.hpp>

// ingestion
#include <meterkit/ingestion/event_record.hpp>
#include <meterkit/ingestion/ingestion.hpp>
#include <meterkit/ingestion/pre_aggregated.hpp>
#include <meterkit/ingestion/raw.hpp>

// acceptance
#include <meterkit/acceptance/cancellation_window.hpp>
#include <meterkit/acceptance/idempotency.hpp>
#include <meterkit/acceptance/identifier_dedup.hpp>
#include <meterkit/acceptance/meter_value.hpp>
#include <meterkit/acceptance/timestamp_window.hpp>

// meter
#include <meterkit/meter/any_meter.hpp>
#include <meterkit/meter/customer_state.hpp>
#include <meterkit/meter/customers.hpp>
#include <meterkit/meter/event_summary.hpp>
#include <meterkit/meter/meter.hpp>
#include <meterkit/meter/meter_definition.hpp>
#include <meterkit/meter/meter_event.hpp>
#include <meterkit/meter/meter_ledger.hpp>
#include <meterkit/meter/meter_policies.hpp>

// legacy
#include <meterkit/legacy/aggregate_usage.hpp>
#include <meterkit/legacy/meter_migration.hpp>
#include <meterkit/legacy/usage_record.hpp>
#include <meterkit/legacy/usage_record_book.hpp>

// billing
#include <meterkit/billing/after_pricing.hpp>
#include <meterkit/billing/comparison.hpp>
#include <meterkit/billing/compiled_plan.hpp>
#include <meterkit/billing/coupon.hpp>
#include <meterkit/billing/credit_grant.hpp>
#include <meterkit/billing/history.hpp>
#include <meterkit/billing/invoice.hpp>
#include <meterkit/billing/invoicing.hpp>
#include <meterkit/billing/plan.hpp>
#include <meterkit/billing/price.hpp>
#include <meterkit/billing/replay.hpp>
#include <meterkit/billing/request.hpp>
#include <meterkit/billing/simulator.hpp>
#include <meterkit/billing/snapshot.hpp>
#include <meterkit/billing/subscription_changes.hpp>
#include <meterkit/billing/thresholds.hpp>
#include <meterkit/billing/tier_breakdown.hpp>
#include <meterkit/billing/tiers.hpp>
#include <meterkit/billing/transform_quantity.hpp>
#include <meterkit/billing/unbilled_usage.hpp>
