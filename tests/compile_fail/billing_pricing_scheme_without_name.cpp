// expect: a pricing scheme needs `static constexpr std::string_view name`
// A pricing scheme must say what it is; `transformed<Scheme>` says what is missing.
#include <meterkit/billing/price.hpp>

struct unnamed_scheme {
  [[nodiscard]] meterkit::decimal exact_amount(std::int64_t) const { return {}; }
};

int main() {
  meterkit::transformed<unnamed_scheme> scheme{};
  (void)scheme;
}
