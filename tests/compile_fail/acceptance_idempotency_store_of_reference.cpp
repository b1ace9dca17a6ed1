// expect: idempotency_store<Outcome> needs a copyable object type as Outcome
// The first outcome of a request is stored and handed back on every replay (SPEC I2, D19), so it
// must be a value, not a reference.
#include <meterkit/acceptance/idempotency.hpp>

int main() {
  meterkit::idempotency_store<const meterkit::outcome&> store;
  (void)store;
}
