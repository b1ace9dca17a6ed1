// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// One error vocabulary for the whole library (STYLE.md "Errors").
///
/// Rejected usage is a value: ingestion returns an `outcome` per operation, carrying an
/// `error_code` whose spelling is the stable code of SPEC.md (Stripe's own code where Stripe has
/// one). Exceptions are only for programming errors and invalid configuration, and go through the
/// `METERKIT_THROW` hook so that a `-fno-exceptions` build still compiles.

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
};

inline constexpr std::array<std::pair<error_code, std::string_view>, 25> error_code_names{{
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
}};

/// The stable spelling of a code, as printed in `rejected[].code`.
[[nodiscard]] constexpr std::string_view to_string(error_code code) noexcept {
  for (const auto& [c, name] : error_code_names) {
    if (c == code) return name;
  }
  return "unknown_error";
}

/// The code spelled `name`, if any.
[[nodiscard]] constexpr std::optional<error_code> error_code_from_string(std::string_view name) noexcept {
  for (const auto& [c, n] : error_code_names) {
    if (n == name) return c;
  }
  return std::nullopt;
}

/// Why an operation was refused: a stable code, a sentence for people, and the offending parameter
/// (Stripe's `param`, empty when no single parameter is to blame).
struct rejection {
  error_code code{};
  std::string message;
  std::string param;

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

/// A plan, a policy parameter or another piece of configuration is unusable. `field` names the
/// object and field (for example `prices[2].tiers[1].up_to`).
class configuration_error : public std::invalid_argument {
 public:
  configuration_error(std::string field, const std::string& what)
      : std::invalid_argument(field.empty() ? what : field + ": " + what), field_(std::move(field)) {}
  [[nodiscard]] const std::string& field() const noexcept { return field_; }

 private:
  std::string field_;
};

/// A quantity, amount or total left the signed 64-bit range (SPEC "Overflow", D25).
class overflow_error : public std::overflow_error {
 public:
  using std::overflow_error::overflow_error;
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
