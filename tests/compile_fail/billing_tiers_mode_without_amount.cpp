// expect: a tiers mode needs `static decimal amount(std::span<const price_tier>, std::int64_t quantity)`
// A tiers mode must price a quantity over tiers (SPEC P3); `tiered<Mode>` says what is missing.
#include <meterkit/billing/price.hpp>

struct cheapest_tier {
  static constexpr std::string_view name = "cheapest_tier";
};

int main() {
  meterkit::tiered<cheapest_tier> scheme{};
  (void)scheme;
}
