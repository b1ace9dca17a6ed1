#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `meterkit simulate` beside DuckDB on the main job: a Stripe bulk upload CSV of N meter events of
# one raw `sum` meter for C customers on monthly subscriptions, every event in January 2025, billed
# as of just after January's invoices are finalized (`--format json --quiet`). The peer loads the
# same file into a DuckDB table and sums the value per customer (benchmarks/peer/duckdb_peer.c).
# Both write their answer to a file; the script checks that every customer's January quantity
# agrees, then prints the median wall time, CPU time and peak RSS of each over the runs, and the
# ratio DuckDB / meterkit (above 1: meterkit is faster).
#
#   benchmarks/vs_duckdb.sh [-n EVENTS] [-c CUSTOMERS] [-r RUNS] [-b BINARY] [-j JOBS]
#
#   -n EVENTS     meter events (default 1e6)
#   -c CUSTOMERS  customers (default 1e4)
#   -r RUNS       runs of each program, alternating (default 3)
#   -b BINARY     use this meterkit binary instead of building build/vs_duckdb/build (Release)
#   -j JOBS       build parallelism (default 1)
#
# DuckDB is fetched with `npm pack` (the shared library from @duckdb/node-bindings-linux-x64, the
# header duckdb.h from the duckdb package's sources) into build/vs_duckdb/duckdb; it is a peer of
# this script only, never a dependency of the library or its tests. Needs python3, a C compiler,
# npm and GNU time (/usr/bin/time).
set -euo pipefail

die() {
  echo "vs_duckdb.sh: $*" >&2
  exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/build/vs_duckdb"
events=1e6
customers=1e4
runs=3
binary=""
jobs=1
while getopts "n:c:r:b:j:" opt; do
  case "$opt" in
    n) events=$OPTARG ;;
    c) customers=$OPTARG ;;
    r) runs=$OPTARG ;;
    b) binary=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) die "usage: benchmarks/vs_duckdb.sh [-n EVENTS] [-c CUSTOMERS] [-r RUNS] [-b BINARY] [-j JOBS]" ;;
  esac
done
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is needed for CPU time and peak RSS"
command -v npm >/dev/null || die "npm is needed to fetch DuckDB"
mkdir -p "$work"

# 1. meterkit (Release).
if [[ -z "$binary" ]]; then
  echo "vs_duckdb.sh: building meterkit (Release, build/vs_duckdb/build)" >&2
  cmake -S "$root" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DMETERKIT_BUILD_TESTS=OFF \
    -DMETERKIT_BUILD_BENCHMARKS=OFF -DMETERKIT_BUILD_EXAMPLES=OFF -DMETERKIT_INSTALL=OFF >"$work/cmake.log" ||
    die "cmake configure failed, see $work/cmake.log"
  cmake --build "$work/build" --target meterkit_app -j "$jobs" >>"$work/cmake.log" 2>&1 ||
    die "build failed, see $work/cmake.log"
  binary="$work/build/apps/meterkit/meterkit"
fi
[[ -x "$binary" ]] || die "no meterkit program at $binary"

# 2. DuckDB and the peer.
duck="$work/duckdb"
if [[ ! -f "$duck/libduckdb.so" || ! -f "$duck/duckdb.h" ]]; then
  echo "vs_duckdb.sh: fetching DuckDB with npm pack" >&2
  mkdir -p "$duck/pack"
  (cd "$duck/pack" && npm pack --silent @duckdb/node-bindings-linux-x64 duckdb >/dev/null) || die "npm pack failed"
  tar -xzf "$duck"/pack/duckdb-node-bindings-linux-x64-*.tgz -C "$duck" --strip-components=1 package/libduckdb.so
  tar -xzf "$duck"/pack/duckdb-[0-9]*.tgz -C "$duck" --strip-components=5 package/src/duckdb/src/include/duckdb.h
fi
cc -O2 -o "$duck/duckdb_peer" "$root/benchmarks/peer/duckdb_peer.c" -I"$duck" -L"$duck" -lduckdb \
  -Wl,-rpath,"$duck" || die "cannot build the DuckDB peer"

# 3. The workload.
data="$work/data-$events-$customers"
if [[ ! -f "$data/events.csv" ]]; then
  echo "vs_duckdb.sh: writing $events events for $customers customers" >&2
  python3 "$root/benchmarks/peer/generate_january.py" "$events" "$customers" "$data"
fi
until=2025-02-01T01:00:01Z # January is finalized an hour after its end

# 4. The runs, alternating. GNU time: wall seconds, user + system CPU seconds, peak RSS in KiB.
measure() { # label command...
  /usr/bin/time -f "$1 %e %U %S %M" -o "$work/time.txt" "${@:2}" >/dev/null
  cat "$work/time.txt" >>"$work/times.txt"
}
: >"$work/times.txt"
for ((i = 0; i < runs; ++i)); do
  measure meterkit "$binary" simulate --plan "$data/plan.json" --input "$data/events.csv" --until "$until" \
    --format json --quiet --output "$work/meterkit.json"
  measure duckdb "$duck/duckdb_peer" "$data/events.csv" "$work/duckdb.jsonl"
done

# 5. The same answer, then the table.
python3 - "$work" "$runs" "$events" "$customers" <<'PY'
import json, statistics, sys
work, runs, events, customers = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
january = {}
for inv in json.load(open(f"{work}/meterkit.json"))["invoices"]:
    for line in inv["lines"]:
        if line["period"]["start"] == 1735689600:
            january[inv["customer"]] = line["quantity"]
duck = {}
for text in open(f"{work}/duckdb.jsonl"):
    row = json.loads(text)
    duck[row["customer"]] = row["quantity"]
missing = {c: q for c, q in january.items() if q != duck.get(c, 0)}
extra = {c: q for c, q in duck.items() if c not in january}
if missing or extra:
    sys.exit(f"vs_duckdb.sh: the answers differ: {len(missing)} customers disagree, {len(extra)} only in DuckDB")
rows = {}
for text in open(f"{work}/times.txt"):
    label, wall, user, system, rss = text.split()
    rows.setdefault(label, []).append((float(wall), float(user) + float(system), int(rss) / 1024))
med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in rows.items()}
m, d = med["meterkit"], med["duckdb"]
print(f"{events} events, {customers} customers, {len(january)} January lines agree; median of {runs} runs")
print("| | wall | CPU | peak RSS |")
print("| --- | --- | --- | --- |")
print(f"| meterkit simulate | {m[0]:.2f} s | {m[1]:.2f} s | {m[2]:.0f} MiB |")
print(f"| DuckDB load + GROUP BY | {d[0]:.2f} s | {d[1]:.2f} s | {d[2]:.0f} MiB |")
print(f"| DuckDB / meterkit | {d[0] / m[0]:.2f}x | {d[1] / m[1]:.2f}x | {d[2] / m[2]:.2f}x |")
PY
