#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the example usage of examples/plan.json, deterministically (a seeded generator, no clock).

  python3 examples/usage/generate.py          rewrite the four usage files next to this script
  python3 examples/usage/generate.py --check  exit 1 when a committed file differs from what it writes

Three months of usage (2025-01-31 ... 2025-04-30T00:30Z) in every input format the program reads:

  api_requests.csv          Stripe bulk upload CSV: API calls of all customers (raw `sum` meter), with
                            an ignored `note` column, a few duplicates (rejected within 24 h of the first),
                            one duplicate after 24 h (accepted again), a negative correction, one event
                            of an unknown customer, one with a non-integer value, one too far in the past,
                            and one that arrives after its period's invoice was finalized (late usage).
  initech_api.json          bulk upload JSON array: Initech's API calls, the first ones during its trial.
  storage_hourly.jsonl      bulk upload JSON Lines: storage readings (hourly pre-aggregated `last` meter),
                            some hours corrected by a later reading that replaces the first.
  app_server.requests.jsonl request log: v2 meter event streams with idempotency keys (one replayed, one
                            reused with other parameters), v1 and v2 single events, a cancellation, and
                            Globex's legacy usage records (`max`), one of them outside its period.
  subscription_changes.requests.jsonl
                            request log: Acme goes from 5 to 8 seats in February (prorated on the next
                            invoice), Globex upgrades its seats to the team price in March and is invoiced
                            at once (`always_invoice`), and a seat change that names a misspelt parameter.
                            (Initech's cancellation at the end of its period is in the plan.)
"""
import calendar
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20250131)


def ts(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


START = ts("2025-01-31T00:00:00Z")
END = ts("2025-04-30T00:00:00Z")
LAST_ARRIVAL = ts("2025-04-30T00:30:00Z")  # the default --until: Acme's April invoice is a draft


CHECK = "--check" in sys.argv[1:]
STALE = []


def write(name, text):
    path = os.path.join(HERE, name)
    if CHECK:
        with open(path, encoding="utf-8", newline="") as f:
            if f.read() != text:
                STALE.append(name)
        return
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


# ---- api_requests.csv ---------------------------------------------------------------------------
def api_csv():
    customers = ["cus_acme"] * 10 + ["cus_globex"] * 6 + ["cus_hooli"] * 1
    rows = []  # (timestamp, identifier, customer, value, received_at, note)
    for i in range(2400):
        t = rng.randrange(START, END)
        customer = rng.choice(customers)
        if customer == "cus_globex" and t < ts("2025-02-10T00:00:00Z"):
            t += 10 * 86400
        rows.append([t, None, customer, str(rng.randint(1, 900)), None, ""])
    rows.sort(key=lambda r: r[0])
    for n, r in enumerate(rows, 1):
        r[1] = "req_%05d" % n
    # Most events arrive a little after they happened; the CSV says so in received_at.
    for r in rows:
        if rng.random() < 0.3:
            r[4] = r[0] + rng.randint(1, 240)
    # A batch import labelled in an ignored column, with commas that need quoting.
    for r in rows[100:110]:
        r[5] = "batch import, retried"
    extra = []
    # Duplicates: the same identifier again within 24 h of its acceptance (duplicate_meter_event).
    for r in rng.sample(rows[200:2000], 12):
        again = list(r)
        again[0] = r[0] + rng.randint(60, 3600)
        again[4] = None
        again[5] = "client retry"
        extra.append(again)
    # The same identifier 25 h later: the 24 h window is over, so it counts again (M5).
    r = rows[1500]
    extra.append([r[0] + 25 * 3600, r[1], r[2], "7", None, "new day, same id"])
    # A negative correction (M12).
    extra.append([ts("2025-03-20T12:00:00Z"), "req_fix_1", "cus_acme", "-250", None, "refund of a bad batch"])
    # An unknown customer (meter_event_customer_not_found) and a non-integer value (meter_event_invalid_value).
    extra.append([ts("2025-03-02T08:00:00Z"), "req_bad_1", "cus_unknown", "5", None, "typo in customer id"])
    extra.append([ts("2025-03-03T09:00:00Z"), "req_bad_2", "cus_acme", "12.5", None, "fractional value"])
    # Older than 35 days when it arrives (timestamp_too_far_in_past).
    extra.append([ts("2025-01-02T00:00:00Z"), "req_old_1", "cus_acme", "40", ts("2025-03-01T00:00:00Z"), "backfill"])
    # Happened in Acme's first period but arrives after its invoice was finalized at 2025-02-28T01:00Z.
    extra.append([ts("2025-02-27T18:00:00Z"), "req_late_1", "cus_acme", "333", ts("2025-02-28T02:30:00Z"),
                  "delivered late"])
    # The last arrival of all inputs.
    extra.append([LAST_ARRIVAL, "req_last", "cus_acme", "12", None, ""])
    rows += extra
    rows.sort(key=lambda r: (r[4] if r[4] is not None else r[0], r[1]))

    def cell(s):
        return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\n') else s

    lines = ["identifier,timestamp,event_name,payload_stripe_customer_id,payload_value,received_at,note"]
    for i, (t, ident, customer, value, received, note) in enumerate(rows):
        # Timestamps in both forms the format allows: unix seconds and RFC 3339.
        when = rfc3339(t) if i % 5 == 0 else str(t)
        lines.append(",".join(cell(x) for x in [ident, when, "api_requests", customer, value,
                                                  str(received) if received else "", note]))
    write("api_requests.csv", "\r\n".join(lines) + "\r\n")
    return rows


# ---- initech_api.json ---------------------------------------------------------------------------
def initech_json():
    events = []
    for n in range(300):
        t = rng.randrange(START, END)
        events.append({"identifier": "ini_%04d" % n, "timestamp": t, "event_name": "api_requests",
                       "payload": {"stripe_customer_id": "cus_initech", "value": rng.randint(1, 400)}})
    events.sort(key=lambda e: e["timestamp"])
    for n, e in enumerate(events):
        if n % 3 == 0:
            e["timestamp"] = rfc3339(e["timestamp"])
    write("initech_api.json", "[\n" + ",\n".join("  " + json.dumps(e) for e in events) + "\n]\n")


# ---- storage_hourly.jsonl -----------------------------------------------------------------------
def storage_jsonl():
    lines = []
    for customer, start, gb in (("cus_acme", START, 120.0), ("cus_globex", ts("2025-02-10T00:00:00Z"), 40.0)):
        for t in range(start, END, 6 * 3600):
            gb = max(1.0, gb + rng.uniform(-2.0, 3.5))
            reading = int(gb)
            value = reading if rng.random() < 0.5 else str(reading)  # D3: a JSON integer is its decimal text
            ident = "stor_%s_%s" % (customer[4:], time.strftime("%Y%m%d%H", time.gmtime(t)))
            lines.append({"identifier": ident, "timestamp": t, "event_name": "storage_gb",
                          "payload": {"stripe_customer_id": customer, "gb": value}})
            if rng.random() < 0.04:
                # A corrected reading for the same hour arrives ten minutes later and replaces it (M8).
                lines.append({"identifier": ident + "_fix", "timestamp": t + 120, "received_at": t + 600,
                              "event_name": "storage_gb",
                              "payload": {"stripe_customer_id": customer, "gb": str(reading + 50)}})
    write("storage_hourly.jsonl", "".join(json.dumps(l) + "\n" for l in lines))


# ---- app_server.requests.jsonl ------------------------------------------------------------------
def request_log(api_rows):
    lines = []
    # v2 meter event streams: Acme's app server batches five calls a request.
    for n in range(40):
        received = rng.randrange(ts("2025-02-01T00:00:00Z"), END)
        events = []
        for k in range(5):
            events.append({"identifier": "str_%03d_%d" % (n, k), "event_name": "api_requests",
                           "timestamp": rfc3339(received - rng.randint(0, 300)),
                           "payload": {"stripe_customer_id": "cus_acme", "value": str(rng.randint(1, 60))}})
        lines.append({"received_at": received, "method": "POST", "path": "/v2/billing/meter_event_stream",
                      "idempotency_key": "stream-%03d" % n, "params": {"events": events}})
    lines.sort(key=lambda l: l["received_at"])
    # A retry of stream request 7 ten seconds later: replayed, nothing counted twice (I2, D7).
    retry = json.loads(json.dumps(lines[7]))
    retry["received_at"] += 10
    lines.append(retry)
    # Key stream-012 reused for different events within 24 h: idempotency_error for all of them (D7, D19).
    reuse = json.loads(json.dumps(lines[12]))
    reuse["received_at"] += 3600
    for e in reuse["params"]["events"]:
        e["identifier"] += "_other"
    lines.append(reuse)
    # Single events through v1 (unix seconds) and v2 (RFC 3339).
    t = ts("2025-03-05T10:00:00Z")
    lines.append({"received_at": t + 2, "method": "POST", "path": "/v1/billing/meter_events",
                  "idempotency_key": "v1-single-1",
                  "params": {"event_name": "api_requests", "identifier": "v1_single_1", "timestamp": t,
                             "payload": {"stripe_customer_id": "cus_globex", "value": "250"}}})
    lines.append({"received_at": t + 5, "path": "/v2/billing/meter_events",
                  "params": {"event_name": "api_requests", "identifier": "v2_single_1", "timestamp": rfc3339(t + 1),
                             "payload": {"stripe_customer_id": "cus_globex", "value": "125"}}})
    # Acme cancels one of its CSV events an hour after it arrived (M10).
    target = next(r for r in api_rows if r[2] == "cus_acme" and r[0] > ts("2025-03-10T00:00:00Z") and r[4] is None)
    lines.append({"received_at": target[0] + 3600, "path": "/v1/billing/meter_event_adjustments",
                  "params": {"event_name": "api_requests", "type": "cancel", "cancel": {"identifier": target[1]}}})
    # Globex's peak concurrent connections, reported with legacy usage records (max, L3).
    day = ts("2025-02-10T12:00:00Z")
    while day < END:
        peak = rng.randint(10, 80)
        lines.append({"received_at": day + 60, "path": "/v1/subscription_items/si_globex_peak/usage_records",
                      "idempotency_key": "peak-%d" % day,
                      "params": {"quantity": peak, "timestamp": day, "action": "set"}})
        day += 86400
    # An increment on top of a set value, and a record for a day of the previous, closed period (L4).
    t = ts("2025-04-02T12:00:00Z")
    lines.append({"received_at": t + 120, "path": "/v1/subscription_items/si_globex_peak/usage_records",
                  "params": {"quantity": "15", "timestamp": t, "action": "increment"}})
    lines.append({"received_at": ts("2025-04-03T09:00:00Z"),
                  "path": "/v1/subscription_items/si_globex_peak/usage_records",
                  "params": {"quantity": 99, "timestamp": ts("2025-03-30T12:00:00Z"), "action": "set"}})
    lines.sort(key=lambda l: l["received_at"])
    write("app_server.requests.jsonl", "".join(json.dumps(l) + "\n" for l in lines))


def subscription_changes():
    lines = [
        {"received_at": rfc3339(ts("2025-02-14T09:30:00Z")), "path": "/v1/subscription_items/si_acme_seats",
         "idempotency_key": "acme-seats-8", "params": {"quantity": 8}},
        {"received_at": rfc3339(ts("2025-03-10T15:00:00Z")), "path": "/v1/subscriptions/sub_globex",
         "idempotency_key": "globex-team",
         "params": {"items": [{"id": "si_globex_seats", "price": "price_seats_team"}],
                    "proration_behavior": "always_invoice"}},
        {"received_at": rfc3339(ts("2025-03-12T08:00:00Z")), "path": "/v1/subscription_items/si_acme_seats",
         "params": {"quantiy": 9}},
    ]
    write("subscription_changes.requests.jsonl", "".join(json.dumps(l) + "\n" for l in lines))


rows = api_csv()
initech_json()
storage_jsonl()
request_log(rows)
subscription_changes()
for name in STALE:
    print("generate.py: examples/usage/%s differs from what the generator writes" % name, file=sys.stderr)
sys.exit(1 if STALE else 0)
