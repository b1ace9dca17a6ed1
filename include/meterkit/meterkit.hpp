// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Umbrella header: includes every public header of the core library, in layer order, and
/// nothing else. The optional Stripe wire adapter has its own umbrella, <meterkit/stripe.hpp>.

#include <meterkit/version.hpp>

// core
#include <meterkit/core/checked.hpp>
#include <meterkit/core/error.hpp>
#include <meterkit/core/time.hpp>

// calendar

// aggregation
#include <meterkit/aggregation/formula.hpp>

// ingestion

// acceptance
#include <meterkit/acceptance/idempotency.hpp>

// meter

// legacy

// billing
#include <meterkit/billing/request.hpp>
#include <meterkit/billing/invoice.hpp>
