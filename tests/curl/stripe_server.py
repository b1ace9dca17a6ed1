#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs a test program against a local HTTP server that answers like Stripe, then checks what it received.

  python3 tests/curl/stripe_server.py PROGRAM [ARGS...]

The server listens on 127.0.0.1 on a free port; PROGRAM is run with `--host 127.0.0.1:PORT` appended and
must exit 0 within 60 seconds. Then every request the server received is checked against what
tests/curl/curl_transport.cpp sends: method, path, body, Authorization, Idempotency-Key, Content-Type.

Paths answered:
  POST /v1/billing/meter_events          500 the first time an identifier is seen, then the event object
  POST /v2/billing/meter_event_session   a session with token ekst_local, valid 15 minutes
  POST /v2/billing/meter_event_stream    202 {} with the session token as bearer, 401 otherwise
  GET  /test/slow                        answers after 2 seconds (the program's timeout is shorter)
  anything else                          404
"""
import datetime
import http.server
import json
import subprocess
import sys
import threading
import time
import urllib.parse

received = []
lock = threading.Lock()
seen_identifiers = set()


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Stripe(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: the checks below say what matters
        pass

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_%d" % len(received))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, type_, message, code=None):
        e = {"type": type_, "message": message}
        if code:
            e["code"] = code
        self.answer(status, {"error": e})

    def handle_one(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        with lock:
            received.append({"method": method, "path": self.path, "headers": dict(self.headers.items()),
                             "body": body})
        if method == "GET" and self.path == "/test/slow":
            time.sleep(2)
            return self.answer(200, {})
        if method == "POST" and self.path == "/v1/billing/meter_events":
            form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
            identifier = form.get("identifier", "")
            with lock:
                first = identifier not in seen_identifiers
                seen_identifiers.add(identifier)
            if first:
                return self.error(500, "api_error", "the first attempt fails, on purpose")
            payload = {k[len("payload["):-1]: v for k, v in form.items() if k.startswith("payload[")}
            return self.answer(200, {"object": "billing.meter_event", "event_name": form.get("event_name"),
                                     "payload": payload, "identifier": identifier,
                                     "timestamp": int(form.get("timestamp", "0")), "created": int(time.time()),
                                     "livemode": False})
        if method == "POST" and self.path == "/v2/billing/meter_event_session":
            now = int(time.time())
            return self.answer(200, {"object": "v2.billing.meter_event_session", "id": "mes_local",
                                     "authentication_token": "ekst_local", "created": rfc3339(now),
                                     "expires_at": rfc3339(now + 900), "livemode": False})
        if method == "POST" and self.path == "/v2/billing/meter_event_stream":
            if self.headers.get("Authorization") != "Bearer ekst_local":
                return self.error(401, "authentication_error", "a stream needs the session token")
            return self.answer(202, {})
        return self.error(404, "invalid_request_error", "Unrecognized request URL (%s: %s)" % (method, self.path))

    def do_GET(self):
        self.handle_one("GET")

    def do_POST(self):
        self.handle_one("POST")


problems = []


def expect(condition, what):
    if not condition:
        problems.append(what)


def check():
    def header(r, name):
        for k, v in r["headers"].items():
            if k.lower() == name.lower():
                return v
        return None

    posts = [r for r in received if r["method"] == "POST"]
    events = [r for r in posts if r["path"] == "/v1/billing/meter_events"]
    expect(len(events) == 2, "expected 2 attempts of POST /v1/billing/meter_events (a 500, then the retry), got %d"
           % len(events))
    for r in events:
        expect(header(r, "Authorization") == "Bearer sk_test_local", "v1 event: Authorization is %r"
               % header(r, "Authorization"))
        expect(header(r, "Idempotency-Key") == "local-key-1", "v1 event: Idempotency-Key is %r (the retry must reuse it)"
               % header(r, "Idempotency-Key"))
        expect(header(r, "Content-Type") == "application/x-www-form-urlencoded", "v1 event: Content-Type is %r"
               % header(r, "Content-Type"))
        expect(header(r, "Stripe-Version"), "v1 event: no Stripe-Version")
        form = dict(urllib.parse.parse_qsl(r["body"]))
        expect(form == {"event_name": "api_requests", "payload[stripe_customer_id]": "cus_1",
                        "payload[value]": "25", "identifier": "local-evt-1", "timestamp": "1735689600"},
               "v1 event: body is %r" % r["body"])
    sessions = [r for r in posts if r["path"] == "/v2/billing/meter_event_session"]
    expect(len(sessions) == 1, "expected one session, got %d" % len(sessions))
    for r in sessions:
        expect(header(r, "Authorization") == "Bearer sk_test_local", "session: Authorization is %r"
               % header(r, "Authorization"))
        expect(header(r, "Content-Type") == "application/json", "session: Content-Type is %r"
               % header(r, "Content-Type"))
        expect(json.loads(r["body"] or "null") == {}, "session: body is %r" % r["body"])
        expect(header(r, "Idempotency-Key"), "session: a v2 POST must carry a generated Idempotency-Key")
    streams = [r for r in posts if r["path"] == "/v2/billing/meter_event_stream"]
    expect(len(streams) == 2, "expected 2 stream requests (the stream, then the reporter's), got %d" % len(streams))
    values = []
    for r in streams:
        expect(header(r, "Authorization") == "Bearer ekst_local", "stream: Authorization is %r"
               % header(r, "Authorization"))
        key = header(r, "Idempotency-Key") or ""
        expect(key, "stream: no Idempotency-Key")
        body = json.loads(r["body"])
        values.append([e["payload"]["value"] for e in body["events"]])
        for e in body["events"]:
            expect(e["event_name"] == "api_requests" and e["payload"]["stripe_customer_id"] == "cus_1",
                   "stream: an event is %r" % e)
            expect(isinstance(e.get("timestamp"), str) and e["timestamp"].endswith("Z"),
                   "stream: v2 timestamps are RFC 3339, got %r" % e.get("timestamp"))
    expect(values == [["1", "1", "1"], ["6"]],
           "stream values: expected [[1, 1, 1], [6]] (three events, then the reporter's one sum), got %r" % values)
    slow = [r for r in received if r["path"] == "/test/slow"]
    expect(len(slow) == 1, "expected one GET /test/slow, got %d" % len(slow))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stripe)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = "127.0.0.1:%d" % server.server_address[1]
    try:
        run = subprocess.run(sys.argv[1:] + ["--host", host], timeout=60)
    except subprocess.TimeoutExpired:
        sys.exit("stripe_server: %s did not finish within 60 s" % sys.argv[1])
    except OSError as e:
        sys.exit("stripe_server: cannot run %s: %s" % (sys.argv[1], e))
    finally:
        server.shutdown()
    if run.returncode != 0:
        sys.exit("stripe_server: %s exited with %d" % (sys.argv[1], run.returncode))
    check()
    for p in problems:
        print("stripe_server: " + p, file=sys.stderr)
    if problems:
        sys.exit(1)
    print("stripe_server: %d requests, all as expected" % len(received))


if __name__ == "__main__":
    main()
