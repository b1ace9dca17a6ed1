#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Long fuzzing runs of the harnesses in tests/fuzz/ (libFuzzer, clang, address and undefined-behaviour
# sanitizers). Each harness runs for SECONDS with its own growing corpus in build/fuzz/corpus/<name>
# (seeded from tests/fuzz/corpus/<name> and tests/fuzz/regressions/<name>); findings are written to
# build/fuzz/findings/, a log per harness to build/fuzz/logs/, and one summary line per harness to
# build/fuzz/summary.txt and standard output.
#
#   tools/fuzz.sh                      every harness, one hour each, one at a time
#   tools/fuzz.sh -t 600 -j 2 csv      csv only, 10 minutes; -j runs that many harnesses at once
#
# A finding: reproduce with build/fuzz/tests/fuzz/meterkit_fuzz_<name> <file>, fix it, and keep the
# file in tests/fuzz/regressions/<name>/ (every ctest run replays that folder).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=3600
jobs=1
while getopts "t:j:h" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) sed -n '3,14p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
all=(decimal timestamp csv event_json request_log plan_json form_encoding meter_differential simulator_differential snapshot)
harnesses=("${@:-${all[@]}}")
for h in "${harnesses[@]}"; do
  [[ " ${all[*]} " == *" $h "* ]] || { echo "fuzz.sh: unknown harness '$h' (known: ${all[*]})" >&2; exit 2; }
done

out=build/fuzz
cmake -S . -B "$out" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMETERKIT_BUILD_TESTS=ON -DMETERKIT_BUILD_BENCHMARKS=OFF -DMETERKIT_BUILD_APPS=OFF \
  -DMETERKIT_BUILD_EXAMPLES=OFF -DMETERKIT_TEST_SINGLE_HEADER=OFF -DMETERKIT_TEST_CONSUMERS=OFF >/dev/null
cmake --build "$out" --target "${harnesses[@]/#/meterkit_fuzz_}"
mkdir -p "$out/findings" "$out/logs"

run_one() {
  local h=$1 seconds=$2 out=$3
  local corpus="$out/corpus/$h" log="$out/logs/$h.log"
  mkdir -p "$corpus"
  local started
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  set +e
  "$out/tests/fuzz/meterkit_fuzz_$h" "$corpus" "tests/fuzz/corpus/$h" "tests/fuzz/regressions/$h" \
    -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$out/findings/$h-" >"$log" 2>&1
  local status=$?
  set -e
  local execs cov corp
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  corp=$(ls "$corpus" | wc -l)
  local verdict="no finding"
  if [ "$status" -eq 72 ]; then
    verdict="interrupted before its time (no finding)"  # libFuzzer's -interrupted_exitcode
  elif [ "$status" -ne 0 ]; then
    verdict="FINDING (exit $status, see $log and $out/findings/)"
  fi
  printf '%s  %-18s %6ss  %12s runs  %-10s corpus %5s  %s\n' "$started" "$h" "$seconds" "${execs:-?}" \
    "${cov:-cov: ?}" "$corp" "$verdict" | tee -a "$out/summary.txt"
  [ "$status" -eq 0 ] || [ "$status" -eq 72 ]
}
export -f run_one
printf '%s\n' "${harnesses[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$seconds" "$out"
