#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `meterkit simulate` on a large plan (issue "plan scale", D30): S subscriptions, K to a customer
# (1 unless -k), one metered item on a monthly sum meter, billed for a year from 2026-01-01 with one
# event, so that the run is all plan and invoices (S x 13 of them). Subscription ids are random, as
# Stripe's are (so not in the plan's order), unless -o gives them in plan order. Prints the wall time and peak RSS of
# each format, the median over the runs, for the binary given and, with -B, a baseline binary (an
# earlier build: the ratio baseline / binary, above 1 the binary is better); the outputs of the two
# must be the same bytes.
#
#   benchmarks/plan_scale.sh -b BINARY [-B BASELINE] [-s SUBSCRIPTIONS] [-k PER_CUSTOMER] [-o]
#                            [-r RUNS] [-f "json table csv"]
#
# Needs python3 and GNU time (/usr/bin/time). Writes into build/plan_scale/.
set -euo pipefail

die() {
  echo "plan_scale.sh: $*" >&2
  exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/build/plan_scale"
binary=""
baseline=""
subscriptions=100000
runs=3
formats="json table csv"
per_customer=1
ordered=0
while getopts "b:B:s:k:or:f:" opt; do
  case "$opt" in
    b) binary=$OPTARG ;;
    B) baseline=$OPTARG ;;
    s) subscriptions=$OPTARG ;;
    k) per_customer=$OPTARG ;;
    o) ordered=1 ;;
    r) runs=$OPTARG ;;
    f) formats=$OPTARG ;;
    *) die "unknown option (see the comment at the top)" ;;
  esac
done
[[ -x "$binary" ]] || die "-b BINARY: a meterkit binary is required"
[[ -z "$baseline" || -x "$baseline" ]] || die "-B $baseline is not executable"
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is required"
mkdir -p "$work"

python3 - "$work/plan.json" "$subscriptions" "$per_customer" "$ordered" <<'EOF'
import json, random, sys
path, n, k, ordered = sys.argv[1], int(float(sys.argv[2])), int(sys.argv[3]), sys.argv[4] == "1"
rng = random.Random(1)
ids = [f"{i:06d}" if ordered else f"{rng.getrandbits(48):012x}" for i in range(n)]
plan = {
    "meters": [{"id": "mtr_api", "event_name": "api_requests", "default_aggregation": {"formula": "sum"}}],
    "prices": [{"id": "price_api", "currency": "usd", "unit_amount": 3,
                "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_api"}}],
    "subscriptions": [{"id": f"sub_{ids[i]}", "customer": f"cus_{i // k}", "start_date": "2026-01-01T00:00:00Z",
                       "items": [{"id": f"si_{ids[i]}", "price": "price_api"}]} for i in range(n)],
}
with open(path, "w") as f:
    json.dump(plan, f, separators=(",", ":"))
EOF
printf 'identifier,timestamp,event_name,payload_stripe_customer_id,payload_value\nx1,2026-01-05T00:00:00Z,api_requests,cus_0,5\n' \
  >"$work/usage.csv"

# One run: "seconds kilobytes" on standard output; the invoices in $work/out.<name>.<format>.
run() {
  local bin=$1 name=$2 format=$3
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" simulate --plan "$work/plan.json" --input "$work/usage.csv" \
    --until 2027-01-01T00:00:00Z --max-invoices 100000000 --format "$format" --quiet \
    --output "$work/out.$name.$format" 2>/dev/null || die "$bin failed"
  cat "$work/time"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "plan: $subscriptions subscriptions, $per_customer to a customer, ids $([[ $ordered == 1 ]] && echo "in plan order" || echo random) ($(du -h "$work/plan.json" | cut -f1)), a year of monthly invoices; median of $runs"
for format in $formats; do
  : >"$work/new" && : >"$work/old"
  for ((k = 0; k < runs; k++)); do
    run "$binary" new "$format" >>"$work/new"
    [[ -n "$baseline" ]] && run "$baseline" old "$format" >>"$work/old"
  done
  secs=$(cut -d' ' -f1 "$work/new" | median)
  kb=$(cut -d' ' -f2 "$work/new" | median)
  line=$(printf '%-6s meterkit %6.2f s %6d MiB' "$format" "$secs" $((kb / 1024)))
  if [[ -n "$baseline" ]]; then
    cmp -s "$work/out.new.$format" "$work/out.old.$format" || die "$format: the two binaries print different invoices"
    osecs=$(cut -d' ' -f1 "$work/old" | median)
    okb=$(cut -d' ' -f2 "$work/old" | median)
    line+=$(printf '   baseline %6.2f s %6d MiB   baseline/meterkit: %.2fx time, %.2fx memory' \
      "$osecs" $((okb / 1024)) "$(awk -v a="$osecs" -v b="$secs" 'BEGIN { print a / b }')" \
      "$(awk -v a="$okb" -v b="$kb" 'BEGIN { print a / b }')")
  fi
  echo "$line"
done
