#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Soak test of `meterkit simulate`: streams N generated meter events (default 1e8, a year of
# arrivals at a constant rate over 1000 customers) through the program and reports its peak memory
# and how its resident memory evolves, to show whether memory stays bounded on a long stream.
#
#   tools/soak.sh [-n EVENTS] [-c CUSTOMERS] [-d DAYS] [-s SECONDS] [-i SECONDS] [-b BINARY] [-j JOBS]
#
#   -n EVENTS     CSV rows (meter events, duplicates included; 1e8, 2e6 and 200000 are all fine)
#   -c CUSTOMERS  customers, each with a monthly subscription to both meters (default 1000)
#   -d DAYS       arrival span in days (default 365: the billing periods turn over ~12 times)
#   -s SECONDS    cancellations arrive at the end of the S-second segment their event arrived in
#                 (default 3600, under 86400 for M10); a larger S means fewer input files
#   -i SECONDS    memory sampling interval (default 2, 0.5 below 1e7 events)
#   -b BINARY     use this meterkit binary instead of building build/soak (e.g. another build)
#   -j JOBS       build parallelism (default 1: the machine's cores are shared)
#
# What it does:
#   1. builds the program (Release, build/soak, target meterkit_app) and the generator
#      tools/soak_generate.cpp (g++ -O2, build/soak/soak_generate);
#   2. writes the input into build/soak/data-<parameters>/ with streaming writes, unless files of the
#      same parameters (and the same generator) are already there; older data-* dirs are removed;
#      refuses when the disk has not enough room. The input is Stripe bulk upload CSV in arrival
#      order, cut into segments with the cancellations (request logs) between them, so that the
#      concatenation of the inputs is in arrival order and the program replays it while reading it
#      (see tools/soak_generate.cpp for the stream's shape);
#   3. runs `meterkit simulate --format json --output build/soak/out.json --quiet` under
#      /usr/bin/time -v (peak RSS; without GNU time, the largest VmHWM sampled), sampling the
#      process's /proc status every -i seconds into build/soak/rss.tsv:
#        elapsed_s  rss_mib  hwm_mib  read_mib  replayed_pct
#      (read_mib: bytes read so far, from /proc/<pid>/io; the program reads its inputs twice, a scan
#      then the replay, so replayed_pct estimates how far the replay is);
#   4. prints a summary (also build/soak/summary.txt): events, duplicates, cancellations, wall time,
#      events/s, peak RSS, RSS at 25/50/75/100% of the run and of the replay, and the output's counts,
#      checked against what the generator wrote. Exit 1 when they do not reconcile.
set -euo pipefail

die() {
  echo "soak.sh: $*" >&2
  exit 2
}

events=100000000
customers=1000
days=365
segment=3600
interval=""
binary=""
jobs=1
while getopts "n:c:d:s:i:b:j:h" opt; do
  case "$opt" in
    n) events="$OPTARG" ;;
    c) customers="$OPTARG" ;;
    d) days="$OPTARG" ;;
    s) segment="$OPTARG" ;;
    i) interval="$OPTARG" ;;
    b) binary="$OPTARG" ;;
    j) jobs="$OPTARG" ;;
    h)
      sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown option; see tools/soak.sh -h" ;;
  esac
done

# Whole numbers, also written as 1e8 or 2e6.
whole() {
  local name="$1" text="$2" v
  v=$(awk -v t="$text" 'BEGIN { if (t !~ /^[0-9]+(\.[0-9]+)?([eE][0-9]+)?$/) exit 1; v = t + 0;
                                if (v != int(v)) exit 1; printf "%.0f", v }') ||
    die "$name: expected a whole number (e.g. 2000000 or 2e6), found \"$text\""
  echo "$v"
}
events=$(whole -n "$events")
customers=$(whole -c "$customers")
days=$(whole -d "$days")
segment=$(whole -s "$segment")
[[ "$events" -ge 1 ]] || die "-n: at least one event"
[[ "$customers" -ge 1 && "$customers" -le 999999 ]] || die "-c: 1 to 999999 customers"
[[ "$days" -ge 1 && "$days" -le 36500 ]] || die "-d: 1 to 36500 days"
[[ "$segment" -ge 1 && "$segment" -lt 86400 ]] || die "-s: 1 to 86399 seconds (a cancellation must arrive within 24 hours, M10)"
if [[ -z "$interval" ]]; then interval=$([[ "$events" -lt 10000000 ]] && echo 0.5 || echo 2); fi
awk -v t="$interval" 'BEGIN { exit !(t ~ /^[0-9]*\.?[0-9]+$/ && t + 0 > 0) }' || die "-i: expected a positive number of seconds"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
soak="$root/build/soak"
mkdir -p "$soak"

# 1. The program and the generator.
if [[ -z "$binary" ]]; then
  echo "soak.sh: building meterkit (Release, build/soak)" >&2
  cmake -S "$root" -B "$soak" -DCMAKE_BUILD_TYPE=Release -DMETERKIT_BUILD_TESTS=OFF \
    -DMETERKIT_BUILD_BENCHMARKS=OFF -DMETERKIT_BUILD_EXAMPLES=OFF -DMETERKIT_INSTALL=OFF >"$soak/cmake.log" ||
    die "cmake configure failed, see $soak/cmake.log"
  cmake --build "$soak" --target meterkit_app -j "$jobs" >>"$soak/cmake.log" 2>&1 ||
    die "build failed, see $soak/cmake.log"
  binary="$soak/apps/meterkit/meterkit"
fi
[[ -x "$binary" ]] || die "no meterkit program at $binary"
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")

generator="$soak/soak_generate"
if [[ ! -x "$generator" || "$root/tools/soak_generate.cpp" -nt "$generator" ]]; then
  g++ -std=c++20 -O2 -o "$generator" "$root/tools/soak_generate.cpp" || die "cannot build the generator"
fi

# 2. The input, kept between runs with the same parameters and generator.
gen_hash=$(sha1sum "$root/tools/soak_generate.cpp" | cut -c1-10)
data="$soak/data-n$events-c$customers-d$days-s$segment-$gen_hash"
if [[ -f "$data/manifest.txt" ]]; then
  echo "soak.sh: reusing $data" >&2
else
  for old in "$soak"/data-*; do
    [[ -e "$old" && "$old" != "$data" ]] && rm -rf -- "$old"
  done
  rm -rf -- "$data"
  # About 57 bytes a CSV row, the output (~2 bytes a row: the duplicates' rejections), and 1 GiB left
  # for everyone else.
  need=$(((events * 60 + events * 3 + (1 << 30)) / (1 << 20)))
  avail=$(df -P -BM "$soak" | awk 'NR == 2 { sub(/M$/, "", $4); print $4 }')
  if [[ "$avail" -lt "$need" ]]; then
    df -h "$soak" >&2
    die "not enough room for $events events: about $need MiB needed in $soak (input, output and a 1 GiB margin), $avail MiB available; use a smaller -n or free some space"
  fi
  echo "soak.sh: generating $events events into $data" >&2
  mkdir -p "$data.tmp"
  start_gen=$(date +%s.%N)
  "$generator" --out "$data.tmp" --events "$events" --customers "$customers" --days "$days" --segment "$segment" ||
    {
      rm -rf -- "$data.tmp"
      die "the generator failed"
    }
  mv -- "$data.tmp" "$data"
  echo "soak.sh: generated in $(awk -v a="$start_gen" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" >&2
fi
manifest() { awk -F= -v k="$1" '$1 == k { print $2 }' "$data/manifest.txt"; }
input_bytes=$(manifest input_bytes)

mapfile -t files <"$data/inputs.txt"
args=()
for f in "${files[@]}"; do args+=(--input "$f"); done
arg_bytes=$((${#files[@]} * 32 + 4096))
arg_max=$(getconf ARG_MAX)
if [[ "$arg_bytes" -gt $((arg_max / 2)) ]]; then
  die "${#files[@]} input files make a command line too long for this system; use a larger -s (fewer segments)"
fi

# 3. The run.
out="$soak/out.json"
tsv="$soak/rss.tsv"
timing="$soak/time.txt"
rm -f -- "$out" "$timing" "$soak/pid"
printf 'elapsed_s\trss_mib\thwm_mib\tread_mib\treplayed_pct\n' >"$tsv"
cmd=("$binary" simulate --plan plan.json "${args[@]}" --format json --output "$out" --quiet)
have_time=0
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then have_time=1; fi
echo "soak.sh: running meterkit simulate on ${#files[@]} input files ($((input_bytes / 1048576)) MiB)" >&2
t0=$(date +%s.%N)
cd "$data"
if [[ "$have_time" == 1 ]]; then
  # sh writes its pid and becomes the program, so that pid is the program's.
  # shellcheck disable=SC2016 # $$ and $@ are for sh
  /usr/bin/time -v -o "$timing" sh -c 'echo $$ >"$0"; exec "$@"' "$soak/pid" "${cmd[@]}" 2>"$soak/stderr.txt" &
  runner=$!
  for _ in $(seq 1 500); do
    [[ -s "$soak/pid" ]] && break
    sleep 0.01
  done
  pid=$(cat "$soak/pid" 2>/dev/null || echo "$runner")
else
  "${cmd[@]}" 2>"$soak/stderr.txt" &
  runner=$!
  pid=$runner
fi
cd "$root"
peak_hwm_kib=0
while :; do
  status=$(cat "/proc/$pid/status" 2>/dev/null) || break
  rss=$(awk '/^VmRSS:/ { print $2 }' <<<"$status")
  [[ -n "$rss" ]] || break # exited (a zombie has no memory)
  hwm=$(awk '/^VmHWM:/ { print $2 }' <<<"$status")
  [[ "$hwm" -gt "$peak_hwm_kib" ]] && peak_hwm_kib=$hwm
  rchar=$(awk '/^rchar:/ { print $2 }' "/proc/$pid/io" 2>/dev/null || echo 0)
  awk -v t0="$t0" -v now="$(date +%s.%N)" -v rss="$rss" -v hwm="$hwm" -v rc="${rchar:-0}" -v size="$input_bytes" '
    BEGIN { p = size > 0 ? (rc - size) * 100 / size : 0; if (p < 0) p = 0; if (p > 100) p = 100;
            printf "%.1f\t%.1f\t%.1f\t%.1f\t%.1f\n", now - t0, rss / 1024, hwm / 1024, rc / 1048576, p }' >>"$tsv"
  sleep "$interval"
done
rc=0
wait "$runner" || rc=$?
t1=$(date +%s.%N)
if [[ "$rc" -ne 0 ]]; then
  cat "$soak/stderr.txt" >&2
  die "meterkit simulate exited with status $rc (stderr above, $soak/stderr.txt)"
fi

# 4. The summary.
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
if [[ "$have_time" == 1 ]]; then
  peak_kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$timing")
  wall_time=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$timing")
  peak_note="/usr/bin/time -v"
else
  peak_kib=$peak_hwm_kib
  wall_time="${wall} s"
  peak_note="largest VmHWM sampled"
fi
count() { tail -c 2048 "$out" | awk -v k="\"$1\":" '$1 == k { gsub(/[,]/, "", $2); print $2 }' | tail -1; }
read_n=$(count read)
accepted=$(count accepted)
rejected=$(count rejected)
replayed=$(count replayed)
pending=$(count pending)
cancelled=$(count cancelled)
codes=$(grep -o '"code": "[a-z_]*"' "$out" | sed 's/"code": //; s/"//g' | sort | uniq -c | awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')
samples=$(($(wc -l <"$tsv") - 1))
rss_at() { # $1: column to index by (1 elapsed, 5 replayed_pct), $2: fraction
  awk -F'\t' -v col="$1" -v f="$2" 'NR > 1 { x[NR] = $col; r[NR] = $2; n = NR; if ($col > max) max = $col }
    END { if (n < 2) { print "-"; exit } for (i = 2; i <= n; ++i) if (x[i] >= f * max) { printf "%.0f", r[i]; exit }
          printf "%.0f", r[n] }' "$tsv"
}
verdict() { # the largest RSS sampled in the first and in the second half of the replay
  awk -F'\t' 'NR > 1 && $5 > 0 && $5 < 100 { ++n; if ($5 <= 50) { if ($2 > a) a = $2; ++na } else { if ($2 > b) b = $2; ++nb } }
    END { if (na < 2 || nb < 2) { print "too few samples during the replay to judge (use a larger -n or a smaller -i)"; exit }
          printf "largest RSS in the first half of the replay %.0f MiB, in the second half %.0f MiB (%+.0f%%): %s", a, b,
            (b - a) * 100 / a, (b <= 1.1 * a ? "plateau, memory bounded" : "grows with the stream") }' "$tsv"
}

ok=1
check() { # name, got, expected
  if [[ "$2" != "$3" ]]; then
    echo "MISMATCH: $1 is $2, expected $3"
    ok=0
  fi
}
{
  echo "meterkit soak: $events events, $customers customers, $days days ($data)"
  echo "  input:        $(manifest events) CSV rows ($(manifest originals) events, $(manifest duplicates) duplicates, $(manifest late) late by days), $(manifest cancellations) cancellations; ${#files[@]} files, $((input_bytes / 1048576)) MiB"
  echo "  wall time:    $wall_time ($(awk -v n="$(manifest expect_read)" -v w="$wall" 'BEGIN { printf "%.0f", (w > 0 ? n / w : 0) }') operations/s)"
  echo "  peak RSS:     $((peak_kib / 1024)) MiB ($peak_note)"
  echo "  RSS (MiB) at 25/50/75/100% of the run:    $(rss_at 1 0.25) / $(rss_at 1 0.5) / $(rss_at 1 0.75) / $(rss_at 1 1) ($samples samples every ${interval}s, $tsv)"
  echo "  RSS (MiB) at 25/50/75/100% of the replay: $(rss_at 5 0.25) / $(rss_at 5 0.5) / $(rss_at 5 0.75) / $(rss_at 5 1)"
  echo "  memory:       $(verdict)"
  echo "  counts:       read $read_n, accepted $accepted, rejected $rejected, replayed $replayed, pending $pending, cancelled $cancelled"
  echo "  rejections:   ${codes:-none}"
  check "read" "$read_n" "$(manifest expect_read)"
  check "accepted" "$accepted" "$(manifest expect_accepted)"
  check "rejected" "$rejected" "$(manifest expect_rejected)"
  check "cancelled" "$cancelled" "$(manifest expect_cancelled)"
  check "accepted + rejected + replayed + pending" "$((accepted + rejected + replayed + pending))" "$read_n"
  if [[ "$(manifest expect_rejected)" == 0 ]]; then check "rejections" "${codes:-none}" "none"; else
    check "rejections" "$codes" "duplicate_meter_event $(manifest expect_rejected)"; fi
  [[ "$ok" == 1 ]] && echo "  reconciled:   read = accepted + rejected + replayed + pending, and every count is the generator's"
} >"$soak/summary.txt"
cat "$soak/summary.txt"
grep -q '^MISMATCH' "$soak/summary.txt" && exit 1
exit 0
