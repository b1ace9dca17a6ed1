// SPDX-License-Identifier: MIT
// Fuzzes the bulk JSON and JSONL readers (CONTRACT.md input formats, D1-D7): the same bytes are read
// as a .json array and as .jsonl lines. Properties: no crash, hang or exception other than
// input_error (which names the file); the same requests or the same error whatever the read block
// size; what is read replays through the simulator with counts that reconcile and invoices whose
// totals are the sums of their lines.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mk = meterkit;
  const std::string_view text = mk::fuzz::text_of(data, size);
  mk::fuzz::replay(mk::fuzz::read_both_ways(text, "fuzz.json", mk::usage_format::bulk_json));
  mk::fuzz::replay(mk::fuzz::read_both_ways(text, "fuzz.jsonl", mk::usage_format::bulk_jsonl));
  return 0;
}
