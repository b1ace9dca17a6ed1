// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// One error vocabulary for the whole library (STYLE.md "Errors").
///
/// Rejected usage is a value: ingestion returns an `outcome` per operation, carrying an
/// `error_code` whose spelling is the stable code of SPEC.md (Stripe's own code where Stripe has
/// one). Exceptions are only for programming errors, invalid configuration, unusable input and
/// unreadable saved state, and go through the `METERKIT_THROW` hook so that a `-fno-exceptions`
/// build still compiles.
///
/// Every exception the library raises is a `meterkit::error` (a `std::runtime_error`) carrying
/// an `error_code`, so `catch (const meterkit::error&)` catches them all:
///
// clang-format off
/// | type | code | raised for |
/// | --- | --- | --- |
/// | `configuration_error` | `invalid_configuration` | an unusable plan, policy parameter or option; names the field |
/// | `overflow_error` | `arithmetic_overflow` | a quantity, amount or total outside the signed 64-bit range (D25) |
/// | `precondition_error` | `precondition_failed` | a broken precondition: a programming error of the caller (`METERKIT_ASSERT`) |
/// | `corrupt_state_error` | `corrupt_state` | saved state that cannot be read back (core/persistence.hpp) |
/// | `input_error`, `json_value_error` | `invalid_input` | a malformed input file or JSON value (the Stripe adapter) |
// clang-format on
///
/// **Preconditions** go through one hook, `METERKIT_ASSERT(condition, message)`: by default a false
/// condition raises `precondition_error` with the message (through `METERKIT_THROW`, so without
/// exceptions it prints the message and aborts). Define `METERKIT_ASSERT` before including
/// meterkit to route broken preconditions elsewhere (a logger, `assert`, a custom exception); the
/// message is a `std::string` expression evaluated only when the condition is false. A hook should
/// not return: the library would carry on past the broken precondition. Define it the same way in
/// every translation unit of a program (a compiler flag is the simple way), as for any macro that
/// changes inline code.
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace meterkit {

/// Stable error codes. The text of each (see `to_string`) is part of the public contract.
enum class error_code {
  // Meter events (SPEC M3-M6, D12)
  no_meter,
  archived_meter,
  meter_event_no_customer_defined,
  meter_event_value_not_found,
  meter_event_invalid_value,
  meter_event_customer_not_found,
  timestamp_too_far_in_past,
  timestamp_in_future,
  duplicate_meter_event,
  // Cancellations (SPEC M10, D16)
  meter_event_adjustment_invalid,
  meter_event_adjustment_not_found,
  meter_event_already_cancelled,
  meter_event_adjustment_too_late,
  // Legacy usage records (SPEC L1, L4, D17)
  resource_missing,
  usage_record_invalid_parameter,
  usage_record_timestamp_out_of_period,
  // Idempotency (SPEC I1-I2, D19)
  idempotency_error,
  // Wire (SPEC W1-W2)
  rate_limit,
  billing_meter_event_session_expired,
  api_error,
  authentication_error,
  // Arithmetic and parsing inside the library
  arithmetic_overflow,
  invalid_decimal,
  invalid_timestamp,
  invalid_configuration,
  // Exceptions of the library (appended: saved states store codes by position)
  precondition_failed,
  corrupt_state,
  invalid_input,
  // Subscription changes (B8; appended)
  parameter_unknown,
  parameter_invalid_integer,
  subscription_update_invalid,
  // Credit grants created through requests (B14; appended)
  parameter_missing,
  // A string parameter over Stripe's maximum length (M2, D12, D16, W3; appended). Stripe answers an
  // `invalid_request_error` that carries no code ("must be at most 100 characters"): this is meterkit's name.
  string_too_long,
};

inline constexpr std::array<std::pair<error_code, std::string_view>, 33> error_code_names{{
    {error_code::no_meter, "no_meter"},
    {error_code::archived_meter, "archived_meter"},
    {error_code::meter_event_no_customer_defined, "meter_event_no_customer_defined"},
    {error_code::meter_event_value_not_found, "meter_event_value_not_found"},
    {error_code::meter_event_invalid_value, "meter_event_invalid_value"},
    {error_code::meter_event_customer_not_found, "meter_event_customer_not_found"},
    {error_code::timestamp_too_far_in_past, "timestamp_too_far_in_past"},
    {error_code::timestamp_in_future, "timestamp_in_future"},
    {error_code::duplicate_meter_event, "duplicate_meter_event"},
    {error_code::meter_event_adjustment_invalid, "meter_event_adjustment_invalid"},
    {error_code::meter_event_adjustment_not_found, "meter_event_adjustment_not_found"},
    {error_code::meter_event_already_cancelled, "meter_event_already_cancelled"},
    {error_code::meter_event_adjustment_too_late, "meter_event_adjustment_too_late"},
    {error_code::resource_missing, "resource_missing"},
    {error_code::usage_record_invalid_parameter, "usage_record_invalid_parameter"},
    {error_code::usage_record_timestamp_out_of_period, "usage_record_timestamp_out_of_period"},
    {error_code::idempotency_error, "idempotency_error"},
    {error_code::rate_limit, "rate_limit"},
    {error_code::billing_meter_event_session_expired, "billing_meter_event_session_expired"},
    {error_code::api_error, "api_error"},
    {error_code::authentication_error, "authentication_error"},
    {error_code::arithmetic_overflow, "arithmetic_overflow"},
    {error_code::invalid_decimal, "invalid_decimal"},
    {error_code::invalid_timestamp, "invalid_timestamp"},
    {error_code::invalid_configuration, "invalid_configuration"},
    {error_code::precondition_failed, "precondition_failed"},
    {error_code::corrupt_state, "corrupt_state"},
    {error_code::invalid_input, "invalid_input"},
    {error_code::parameter_unknown, "parameter_unknown"},
    {error_code::parameter_invalid_integer, "parameter_invalid_integer"},
    {error_code::subscription_update_invalid, "subscription_update_invalid"},
    {error_code::parameter_missing, "parameter_missing"},
    {error_code::string_too_long, "string_too_long"},
}};

/// The stable spelling of a code, as printed in `rejected[].code`.
[[nodiscard]] constexpr std::string_view to_string(error_code code) noexcept {
  for (const auto& [c, name] : error_code_names) {
    if (c == code) return name;
  }
  return "unknown_error";
}

/// The code spelled `name`, if any.
[[nodiscard]] constexpr std::optional<error_code> parse_error_code(std::string_view name) noexcept {
  for (const auto& [c, n] : error_code_names) {
    if (n == name) return c;
  }
  return std::nullopt;
}

/// Why an operation was refused: a stable code, a sentence for people, and the offending parameter
/// (Stripe's `param`, empty when no single parameter is to blame).
struct rejection {
  error_code code{};
  std::string message{};
  std::string param{};

  friend bool operator==(const rejection&, const rejection&) = default;
};

/// Either a value or the rejection that prevented it.
template <class T>
class result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  result(rejection why) : v_(std::in_place_index<1>, std::move(why)) {}  // NOLINT: implicit by design

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
  [[nodiscard]] T& value() & { return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(v_)); }
  [[nodiscard]] const T& operator*() const& { return value(); }
  [[nodiscard]] const T* operator->() const { return &value(); }
  [[nodiscard]] const rejection& error() const& { return std::get<1>(v_); }

 private:
  std::variant<T, rejection> v_;
};

/// The fate of one operation: accepted, or rejected with a reason.
class outcome {
 public:
  outcome() = default;                              ///< accepted
  outcome(rejection why) : why_(std::move(why)) {}  // NOLINT: implicit by design

  [[nodiscard]] static outcome accept() { return {}; }
  [[nodiscard]] static outcome reject(error_code code, std::string message, std::string param = {}) {
    return outcome{rejection{code, std::move(message), std::move(param)}};
  }

  [[nodiscard]] bool accepted() const noexcept { return !why_.has_value(); }
  [[nodiscard]] bool rejected() const noexcept { return why_.has_value(); }
  explicit operator bool() const noexcept { return accepted(); }
  /// Precondition: rejected().
  [[nodiscard]] const rejection& error() const { return *why_; }
  [[nodiscard]] error_code code() const { return why_->code; }

  friend bool operator==(const outcome&, const outcome&) = default;

 private:
  std::optional<rejection> why_;
};

/// The root of every exception the library raises (see the file comment): a message (`what()`)
/// and a stable `error_code`.
class error : public std::runtime_error {
 public:
  error(error_code code, const std::string& what) : std::runtime_error(what), code_(code) {}
  error(error_code code, const char* what) : std::runtime_error(what), code_(code) {}
  [[nodiscard]] error_code code() const noexcept { return code_; }

 private:
  error_code code_;
};

/// A plan, a policy parameter or another piece of configuration is unusable. `field` names the
/// object and field (for example `prices[2].tiers[1].up_to`). Code `invalid_configuration`.
class configuration_error : public error {
 public:
  configuration_error(std::string field, const std::string& what)
      : error(error_code::invalid_configuration, field.empty() ? what : field + ": " + what),
        field_(std::move(field)) {}
  [[nodiscard]] const std::string& field() const noexcept { return field_; }

 private:
  std::string field_;
};

/// A quantity, amount or total left the signed 64-bit range (SPEC "Overflow", D25). Code
/// `arithmetic_overflow`.
class overflow_error : public error {
 public:
  explicit overflow_error(const std::string& what) : error(error_code::arithmetic_overflow, what) {}
  explicit overflow_error(const char* what) : error(error_code::arithmetic_overflow, what) {}
};

/// A precondition of a library function does not hold: a programming error of the caller, raised
/// by the default `METERKIT_ASSERT`. Code `precondition_failed`.
class precondition_error : public error {
 public:
  explicit precondition_error(const std::string& what) : error(error_code::precondition_failed, what) {}
  explicit precondition_error(const char* what) : error(error_code::precondition_failed, what) {}
};

namespace detail {
template <class Exception>
[[noreturn]] inline void fail_fast(const Exception& e) noexcept {
  std::fputs("meterkit: fatal: ", stderr);
  std::fputs(e.what(), stderr);
  std::fputc('\n', stderr);
  std::abort();
}
}  // namespace detail

}  // namespace meterkit

/// The one place the library raises an exception. Define it before including meterkit to route
/// errors elsewhere; without exceptions it prints the message and aborts.
#ifndef METERKIT_THROW
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define METERKIT_THROW(exception) throw exception
#else
#define METERKIT_THROW(exception) ::meterkit::detail::fail_fast(exception)
#endif
#endif

namespace meterkit::detail {
/// The default `METERKIT_ASSERT`'s failure: raises `precondition_error` through `METERKIT_THROW`.
[[noreturn]] inline void precondition_failed(const std::string& message) {
  METERKIT_THROW(precondition_error(message));
}
}  // namespace meterkit::detail

namespace meterkit::detail {
/// `build()`; an `overflow_error` it raises is raised again with `context()` and `: ` in front, so
/// that the message names what overflowed: a request's `file:line`, an item and its period (D25).
/// `context` is only called then.
template <class Context, class Build>
auto naming_overflow(Context&& context, Build&& build) -> decltype(build()) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
  try {
    return build();
  } catch (const overflow_error& e) {
    METERKIT_THROW(overflow_error(std::string(context()) + ": " + e.what()));
  }
#else
  (void)context;
  return build();
#endif
}
}  // namespace meterkit::detail

/// The one precondition hook (see the file comment): `METERKIT_ASSERT(condition, message)` is an
/// expression of type `void` that does nothing when `condition` holds and otherwise reports
/// `message` (evaluated only then). Define it before including meterkit to route broken
/// preconditions elsewhere; by default it raises `precondition_error`.
#ifndef METERKIT_ASSERT
#define METERKIT_ASSERT(condition, message) \
  ((condition) ? static_cast<void>(0) : ::meterkit::detail::precondition_failed(message))
#endif
