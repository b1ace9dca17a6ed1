// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `curl_transport`: a real transport on libcurl (SPEC W1, W2), for `stripe_client`. It is the one
/// meterkit header that needs a library besides nlohmann-json: include it only from code that
/// links libcurl (CMake: `meterkit::stripe_curl`; meson: `meterkit_stripe_curl_dep`; Debian:
/// libcurl4-openssl-dev). The umbrella <meterkit/stripe.hpp> does not include it.
///
/// One call is one blocking exchange with `scheme://host/path?query`, where `host` is the
/// request's (`api_settings::api_host` or `meter_events_host`, which may carry a `:port`), so a
/// local server or a proxy stands in for Stripe by settings alone. The answer is the status, the
/// headers of the final response and the body. A failure to resolve, connect, send or receive,
/// and a timeout, give a response with status 0 (`api_response::connection_error()`), which the
/// client retries with the same idempotency key (W2); `last_error()` says what happened.
///
/// Copies of a transport share one libcurl handle, so connections are kept alive between calls;
/// a transport (and its copies) must be used by one thread at a time: give each thread its own.
/// libcurl initialises itself on first use; a multi-threaded program calls
/// `curl_global_init(CURL_GLOBAL_DEFAULT)` once before starting threads, as libcurl asks.
///
/// With it come the other two real-world pieces a `stripe_client` takes: `system_wire_clock` (the
/// system clock, sleeping for real) and `random_unit` (jitter and generated keys from a seeded
/// `std::mt19937_64`).
///
/// Rule ids (M…, L…, I…, B…, P…, W…, D…) are defined in docs/rules.md.

#include <chrono>
#include <cstddef>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <curl/curl.h>

#include <meterkit/core/error.hpp>
#include <meterkit/stripe/wire/api_request.hpp>
#include <meterkit/stripe/wire/retry.hpp>
#include <meterkit/version.hpp>

namespace meterkit {

struct curl_options {
  /// `https`, or `http` for a server on this machine (a test server, a local proxy).
  std::string scheme = "https";
  /// The longest wait for a connection, and for a whole exchange (the official clients: 30 s, 80 s).
  std::chrono::milliseconds connect_timeout{30'000};
  std::chrono::milliseconds timeout{80'000};
  /// A CA bundle file instead of the system's (`CURLOPT_CAINFO`), when set.
  std::string ca_file{};
  std::string user_agent = "meterkit/" + std::to_string(version_major) + "." + std::to_string(version_minor) +
                           "." + std::to_string(version_patch);
};

class curl_transport {
 public:
  /// Throws `configuration_error` naming `scheme` unless it is `https` or `http`, and naming the
  /// timeout that is not positive.
  explicit curl_transport(curl_options options = {}) : state_(std::make_shared<state>()) {
    if (options.scheme != "https" && options.scheme != "http") {
      METERKIT_THROW(configuration_error("scheme", "must be https or http, not \"" + options.scheme + "\""));
    }
    if (options.connect_timeout.count() <= 0)
      METERKIT_THROW(configuration_error("connect_timeout", "must be positive"));
    if (options.timeout.count() <= 0) METERKIT_THROW(configuration_error("timeout", "must be positive"));
    state_->options = std::move(options);
  }

  [[nodiscard]] const curl_options& options() const noexcept { return state_->options; }
  /// What went wrong in the last call that got no response (libcurl's message), empty after one
  /// that got a response.
  [[nodiscard]] const std::string& last_error() const noexcept { return state_->last_error; }

  api_response operator()(const api_request& r) {
    state& s = *state_;
    s.last_error.clear();
    if (!s.handle) s.handle.reset(curl_easy_init());
    CURL* curl = s.handle.get();
    if (curl == nullptr) {
      s.last_error = "curl_easy_init failed";
      return api_response::connection_error();
    }

    const std::string url = s.options.scheme + "://" + r.host + r.target();
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, curl_slist_free_all);
    const auto add_header = [&](const std::string& line) {
      curl_slist* next = curl_slist_append(headers.get(), line.c_str());
      if (next != nullptr) {
        (void)headers.release();
        headers.reset(next);
      }
    };
    for (const auto& [name, value] : r.headers) add_header(name + ": " + value);
    add_header("Expect:");  // no `100-continue` round trip before a body

    api_response out;
    char error_text[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_USERAGENT, s.options.user_agent.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.options.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(s.options.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
    if (!s.options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, s.options.ca_file.c_str());
    if (r.method == "GET") {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
      if (r.method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, r.method.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &curl_transport::on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &curl_transport::on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out.headers);

    const CURLcode done = curl_easy_perform(curl);
    long status = 0;
    if (done == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    // The handle points at this call's header list, buffers and error text: forget them now (the
    // connections stay open).
    curl_easy_reset(curl);
    if (done != CURLE_OK) {
      s.last_error = error_text[0] != '\0' ? std::string(error_text) : std::string(curl_easy_strerror(done));
      return api_response::connection_error();
    }
    out.status = static_cast<int>(status);
    return out;
  }

 private:
  struct handle_deleter {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
  };
  struct state {
    curl_options options;
    std::unique_ptr<CURL, handle_deleter> handle;
    std::string last_error;
  };

  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* body) {
    static_cast<std::string*>(body)->append(data, size * count);
    return size * count;
  }
  /// One header line; a status line starts a new header block (after `100 Continue`), so only the
  /// final response's headers are kept.
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* list) {
    auto& headers = *static_cast<std::vector<http_header>*>(list);
    const std::string line(data, size * count);
    if (line.starts_with("HTTP/")) {
      headers.clear();
      return size * count;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) return size * count;
    const auto first = line.find_first_not_of(" \t", colon + 1);
    const auto last = line.find_last_not_of(" \t\r\n");
    headers.emplace_back(line.substr(0, colon), first == std::string::npos || last < first
                                                    ? std::string()
                                                    : line.substr(first, last - first + 1));
    return size * count;
  }

  std::shared_ptr<state> state_;
};

/// The system clock as a wire clock (retry.hpp): waits really sleep.
struct system_wire_clock {
  [[nodiscard]] wire_time now() const {
    return std::chrono::time_point_cast<wire_duration>(std::chrono::system_clock::now());
  }
  void sleep_for(wire_duration d) const { std::this_thread::sleep_for(d); }
};

/// Draws in [0, 1) for retry jitter and generated idempotency keys, seeded from `std::random_device`.
struct random_unit {
  std::mt19937_64 bits{std::random_device{}()};
  double operator()() { return std::uniform_real_distribution<double>(0.0, 1.0)(bits); }
};

}  // namespace meterkit
