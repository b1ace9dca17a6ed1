// expect: a wire clock needs sleep_for
// A clock that cannot wait cannot drive retries or rate limits (W1, W2).
#include <meterkit/stripe/wire/client.hpp>

struct clock_without_sleep {
  meterkit::wire_time now() const { return {}; }
};
struct unit_stub {
  double operator()() { return 0.5; }
};

int main() {
  clock_without_sleep c;
  unit_stub u;
  auto transport = [](const meterkit::api_request&) { return meterkit::api_response{}; };
  meterkit::stripe_client<decltype(transport), clock_without_sleep, unit_stub> client({}, transport, c, u);
  (void)client;
}
