// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// One HTTP exchange with Stripe as plain values: `api_request {method, host, path, query,
/// headers, body}` and `api_response {status, headers, body}`, and the `transport` concept: a
/// user-supplied callable `api_response(const api_request&)` that does the I/O (SPEC W1, W2). The
/// adapter itself never opens a socket, reads a clock or sleeps.
///
/// A transport reports a failure to connect, a reset connection or a timeout as a response with
/// `status == 0` (`connection_failed()`): the official clients retry those (W2).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <concepts>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <meterkit/core/error.hpp>

namespace meterkit {

/// One header line, name as written.
using http_header = std::pair<std::string, std::string>;

namespace detail {
[[nodiscard]] constexpr char header_char_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
[[nodiscard]] constexpr bool header_names_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (header_char_lower(a[i]) != header_char_lower(b[i])) return false;
  }
  return true;
}
/// The value of header `name` (case-insensitive, the first one), if present.
[[nodiscard]] inline std::optional<std::string_view> find_header(const std::vector<http_header>& headers,
                                                                 std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (header_names_equal(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}
/// Replaces header `name` (case-insensitive) or appends it.
inline void put_header(std::vector<http_header>& headers, std::string_view name, std::string value) {
  for (auto& [n, v] : headers) {
    if (header_names_equal(n, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::string(name), std::move(value));
}
}  // namespace detail

/// A request as it goes on the wire. `host` has no scheme (`api.stripe.com`); `query` has no `?`.
struct api_request {
  std::string method = "POST";
  std::string host;
  std::string path;
  std::string query;
  std::vector<http_header> headers;
  std::string body;

  /// `path?query`, or `path` without a query.
  [[nodiscard]] std::string target() const { return query.empty() ? path : path + "?" + query; }
  /// The value of header `name`, compared without case.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
    return detail::find_header(headers, name);
  }
  /// Sets header `name` (replacing one of any case).
  void set_header(std::string_view name, std::string value) {
    detail::put_header(headers, name, std::move(value));
  }
  /// The `Idempotency-Key`, if any (SPEC I1).
  [[nodiscard]] std::optional<std::string> idempotency_key() const {
    auto k = header("Idempotency-Key");
    return k ? std::optional<std::string>(std::string(*k)) : std::nullopt;
  }

  friend bool operator==(const api_request&, const api_request&) = default;
};

/// A response as it came back. `status == 0`: no response at all (connection error, timeout).
struct api_response {
  int status = 0;
  std::vector<http_header> headers;
  std::string body;

  [[nodiscard]] bool connection_failed() const noexcept { return status == 0; }
  [[nodiscard]] bool succeeded() const noexcept { return status >= 200 && status < 300; }
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
    return detail::find_header(headers, name);
  }
  /// `Idempotent-Replayed: true`: Stripe answered from its idempotency store (SPEC I2).
  [[nodiscard]] bool idempotent_replayed() const { return header("Idempotent-Replayed") == "true"; }
  /// `Stripe-Should-Retry`: `true` or `false` when the API says, nullopt when it does not (W2).
  [[nodiscard]] std::optional<bool> should_retry_hint() const {
    const auto v = header("Stripe-Should-Retry");
    if (v == "true") return true;
    if (v == "false") return false;
    return std::nullopt;
  }

  /// A response that never came (the transport could not connect or timed out).
  [[nodiscard]] static api_response connection_error() { return {}; }

  friend bool operator==(const api_response&, const api_response&) = default;
};

/// A transport can be called with a request.
template <class T>
concept transport_callable = std::invocable<T&, const api_request&>;
/// ... and answers with an `api_response`.
template <class T>
concept transport_answers_response =
    std::convertible_to<std::invoke_result_t<T&, const api_request&>, api_response>;
/// What the adapter needs from the I/O layer: `api_response t(const api_request&)`.
template <class T>
concept transport = transport_callable<T> && transport_answers_response<T>;

namespace detail {
template <class T>
constexpr bool check_transport() {
  static_assert(transport_callable<T>,
                "meterkit: a transport must be callable as t(const api_request&) "
                "(see stripe/wire/api_request.hpp)");
  if constexpr (transport_callable<T>) {
    static_assert(transport_answers_response<T>,
                  "meterkit: a transport must return an api_response (status 0 for a connection error; "
                  "see stripe/wire/api_request.hpp)");
  }
  return true;
}
}  // namespace detail

}  // namespace meterkit
