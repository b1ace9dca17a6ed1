// expect: a tiers mode needs `static constexpr std::string_view name`
// A tiers mode must be named like Stripe's `tiers_mode`; `tiered<Mode>` says what is missing.
#include <meterkit/billing/price.hpp>

struct unnamed_mode {
  static meterkit::decimal amount(std::span<const meterkit::price_tier>, std::int64_t) { return {}; }
};

int main() {
  meterkit::tiered<unnamed_mode> scheme{};
  (void)scheme;
}
