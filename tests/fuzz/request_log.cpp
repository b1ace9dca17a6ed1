// SPDX-License-Identifier: MIT
// Fuzzes the request log reader (CONTRACT.md input formats, D1-D7). Properties: no crash, hang or
// exception other than input_error (which names the file); the same requests or the same error
// whatever the read block size; what is read replays through the simulator with counts that
// reconcile and invoices whose totals are the sums of their lines.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mk = meterkit;
  const auto requests = mk::fuzz::read_both_ways(mk::fuzz::text_of(data, size), "fuzz.requests.jsonl",
                                                 mk::usage_format::request_log);
  mk::fuzz::replay(requests);
  return 0;
}
