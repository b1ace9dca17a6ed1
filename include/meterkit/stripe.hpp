// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Umbrella header of the optional Stripe adapter: includes the core library and every adapter
/// header, and nothing else. The adapter reads Stripe's objects and files (bulk uploads, request
/// logs, plans) into the library's types; it needs nlohmann-json (the core needs nothing).
///
/// Adapter headers include the core through <meterkit/meterkit.hpp> rather than single core
/// headers, so that single_include/meterkit/stripe.hpp can sit on top of
/// single_include/meterkit/meterkit.hpp without repeating any of it.

#include <meterkit/meterkit.hpp>

#include <meterkit/stripe/bulk_upload.hpp>
#include <meterkit/stripe/canonical_json.hpp>
#include <meterkit/stripe/csv.hpp>
#include <meterkit/stripe/input_error.hpp>
#include <meterkit/stripe/input_source.hpp>
#include <meterkit/stripe/json.hpp>
#include <meterkit/stripe/plan_json.hpp>
#include <meterkit/stripe/replay.hpp>
#include <meterkit/stripe/request_log.hpp>
#include <meterkit/stripe/usage_file.hpp>
#include <meterkit/stripe/usage_objects.hpp>

// the wire adapter: talking to Stripe
#include <meterkit/stripe/wire/api_error.hpp>
#include <meterkit/stripe/wire/api_request.hpp>
#include <meterkit/stripe/wire/client.hpp>
#include <meterkit/stripe/wire/endpoints.hpp>
#include <meterkit/stripe/wire/fake_stripe.hpp>
#include <meterkit/stripe/wire/form_encoding.hpp>
#include <meterkit/stripe/wire/meter_event_stream.hpp>
#include <meterkit/stripe/wire/objects.hpp>
#include <meterkit/stripe/wire/rate_limit.hpp>
#include <meterkit/stripe/wire/reporter.hpp>
#include <meterkit/stripe/wire/retry.hpp>
