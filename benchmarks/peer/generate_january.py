#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The workload of benchmarks/vs_duckdb.sh: a Stripe bulk upload CSV of N meter events of one raw
`sum` meter for C customers, every event in January 2025 and in arrival order (each arrives a
minute after its timestamp), and a plan billing each customer monthly on that meter from
2025-01-01, finalized an hour after the period ends.

    generate_january.py EVENTS CUSTOMERS OUT_DIR     (writes plan.json and events.csv)
"""
import json
import random
import sys
from pathlib import Path

events, customers, out = int(float(sys.argv[1])), int(float(sys.argv[2])), Path(sys.argv[3])
out.mkdir(parents=True, exist_ok=True)
start, end = 1735689600, 1738368000  # January 2025
plan = {
    "meters": [{"id": "mtr_api", "event_name": "api_requests", "default_aggregation": {"formula": "sum"}}],
    "prices": [{"id": "price_api", "currency": "usd", "unit_amount_decimal": "0.05",
                "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_api"}}],
    "subscriptions": [{"id": f"sub_{c}", "customer": f"cus_{c}", "start_date": start,
                       "items": [{"id": f"si_{c}", "price": "price_api"}]} for c in range(customers)],
    "settings": {"invoice_finalization_delay": 3600},
}
(out / "plan.json").write_text(json.dumps(plan))
rng = random.Random(20261205)
step = (end - start - 120) / events
with open(out / "events.csv", "w") as f:
    f.write("identifier,timestamp,event_name,payload_stripe_customer_id,payload_value,received_at\n")
    rows = []
    for i in range(events):
        t = start + int(i * step)
        rows.append(f"evt_{i},{t},api_requests,cus_{rng.randrange(customers)},{rng.randrange(1, 100)},{t + 60}\n")
        if len(rows) == 100000:
            f.writelines(rows)
            rows.clear()
    f.writelines(rows)
