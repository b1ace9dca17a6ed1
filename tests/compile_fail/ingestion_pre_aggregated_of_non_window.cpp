// expect: a time window needs `static constexpr seconds length`
// at most 1 error
// pre_aggregated<Window> (SPEC M8) needs a time window such as utc_hour, not any type.
#include <meterkit/ingestion/pre_aggregated.hpp>

int main() { return meterkit::pre_aggregated<int>::is_pre_aggregated ? 0 : 1; }
