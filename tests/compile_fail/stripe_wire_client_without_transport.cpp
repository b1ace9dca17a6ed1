// expect: a transport must return an api_response
// A transport that answers something else than an api_response is refused with a message (W2).
#include <meterkit/stripe/wire/client.hpp>

struct clock_stub {
  meterkit::wire_time now() const { return {}; }
  void sleep_for(meterkit::wire_duration) {}
};
struct unit_stub {
  double operator()() { return 0.5; }
};
struct bad_transport {
  int operator()(const meterkit::api_request&) { return 200; }
};

int main() {
  clock_stub c;
  unit_stub u;
  meterkit::stripe_client<bad_transport, clock_stub, unit_stub> client({}, bad_transport{}, c, u);
  (void)client;
}
