// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Checked 64-bit integer arithmetic: overflow is an error, never a wrapped number (SPEC
/// "Overflow anywhere ... is an error").
///
/// `checked_add` and friends return `std::nullopt` on overflow, for code that turns overflow into
/// a rejection; `add_or_throw` and friends raise `overflow_error` through `METERKIT_THROW` with a
/// message naming what overflowed.

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>

#include <meterkit/core/error.hpp>

namespace meterkit {

/// a + b, or nullopt when the sum does not fit in `T`.
template <std::integral T>
[[nodiscard]] constexpr std::optional<T> checked_add(T a, T b) noexcept {
  T out{};
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

/// a - b, or nullopt when the difference does not fit in `T`.
template <std::integral T>
[[nodiscard]] constexpr std::optional<T> checked_sub(T a, T b) noexcept {
  T out{};
  if (__builtin_sub_overflow(a, b, &out)) return std::nullopt;
  return out;
}

/// a * b, or nullopt when the product does not fit in `T`.
template <std::integral T>
[[nodiscard]] constexpr std::optional<T> checked_mul(T a, T b) noexcept {
  T out{};
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

/// -a, or nullopt for the most negative value.
template <std::signed_integral T>
[[nodiscard]] constexpr std::optional<T> checked_neg(T a) noexcept {
  return checked_sub(T{0}, a);
}

namespace detail {
[[noreturn]] inline void throw_overflow(const char* op, const char* what) {
  METERKIT_THROW(overflow_error(std::string(what) + ": " + op + " overflows the signed 64-bit range"));
}
}  // namespace detail

/// a + b; throws `overflow_error` naming `what` on overflow.
[[nodiscard]] constexpr std::int64_t add_or_throw(std::int64_t a, std::int64_t b, const char* what = "sum") {
  if (auto r = checked_add(a, b)) return *r;
  detail::throw_overflow("addition", what);
}

/// a - b; throws `overflow_error` naming `what` on overflow.
[[nodiscard]] constexpr std::int64_t sub_or_throw(std::int64_t a, std::int64_t b,
                                                  const char* what = "difference") {
  if (auto r = checked_sub(a, b)) return *r;
  detail::throw_overflow("subtraction", what);
}

/// a * b; throws `overflow_error` naming `what` on overflow.
[[nodiscard]] constexpr std::int64_t mul_or_throw(std::int64_t a, std::int64_t b,
                                                  const char* what = "product") {
  if (auto r = checked_mul(a, b)) return *r;
  detail::throw_overflow("multiplication", what);
}

}  // namespace meterkit
