// expect: a pricing scheme needs `decimal exact_amount(std::int64_t quantity) const`
// A pricing scheme must price a quantity (SPEC P1-P3); `transformed<Scheme>` says what is missing.
#include <meterkit/billing/price.hpp>

struct flat_fee {
  static constexpr std::string_view name = "flat_fee";
  meterkit::decimal fee;
};

int main() {
  meterkit::transformed<flat_fee> scheme{};
  (void)scheme;
}
