// expect: a random source is callable as r() and returns a double
// Jitter and generated idempotency keys need an injected random source (W2, I1).
#include <meterkit/stripe/wire/client.hpp>

struct clock_stub {
  meterkit::wire_time now() const { return {}; }
  void sleep_for(meterkit::wire_duration) {}
};
struct not_random {};

int main() {
  clock_stub c;
  not_random u;
  auto transport = [](const meterkit::api_request&) { return meterkit::api_response{}; };
  meterkit::stripe_client<decltype(transport), clock_stub, not_random> client({}, transport, c, u);
  (void)client;
}
