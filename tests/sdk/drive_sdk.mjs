// SPDX-License-Identifier: MIT
// Drives the official Stripe Node client against a loopback capture server with the operations
// meterkit's adapter encoded, and compares what the client sent with what the adapter sends
// (SPEC W1, W2, I1, D7): method, host, path, query, the relevant headers, and the body decoded to
// key/value pairs (form bodies) or JSON (v2 bodies).
//
//   node drive_sdk.mjs WORK_DIR NODE_MODULES_DIR
//
// Reads WORK_DIR/ops.json and WORK_DIR/adapter.json (written by meterkit_sdk_adapter); writes
// WORK_DIR/captured.json (the client's requests, each with the operation's received_at). Exits 1
// on any difference, 2 on a failure to run. Bounded: the whole run is cut off after 60 s.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';

const [workDir, modulesDir] = process.argv.slice(2);
if (!workDir || !modulesDir) {
  console.error('usage: node drive_sdk.mjs WORK_DIR NODE_MODULES_DIR');
  process.exit(2);
}
const watchdog = setTimeout(() => {
  console.error('sdk check: timed out after 60 s');
  process.exit(2);
}, 60000);
watchdog.unref();

const require = createRequire(path.join(path.resolve(modulesDir), 'noop.js'));
const Stripe = require('stripe');
const ops = JSON.parse(fs.readFileSync(path.join(workDir, 'ops.json'), 'utf8'));
const adapter = JSON.parse(fs.readFileSync(path.join(workDir, 'adapter.json'), 'utf8'));

// ---- the capture server -------------------------------------------------------------------------
const captured = [];
let currentReceivedAt = null;
const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const [p, q = ''] = req.url.split('?');
    captured.push({
      method: req.method,
      host: req.headers['x-meterkit-original-host'] || '',
      path: p,
      query: q,
      headers: {
        authorization: req.headers['authorization'] || null,
        'stripe-version': req.headers['stripe-version'] || null,
        'content-type': req.headers['content-type'] || null,
        'idempotency-key': req.headers['idempotency-key'] || null,
      },
      body,
      received_at: currentReceivedAt,
    });
    let answer = {};
    if (p === '/v2/billing/meter_event_session') {
      answer = {
        id: 'mes_sdk', object: 'v2.billing.meter_event_session', authentication_token: 'tok_sdk_session',
        created: '2025-01-01T00:00:00.000Z', expires_at: '2025-01-01T00:15:00.000Z', livemode: false,
      };
    } else if (req.method === 'GET') {
      answer = {object: 'list', data: [], has_more: false, url: p};
    } else {
      answer = {object: 'ok'};
    }
    const text = JSON.stringify(answer);
    res.writeHead(200, {'Content-Type': 'application/json', 'Request-Id': 'req_sdk'});
    res.end(text);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;

// Every request goes to the capture server, whatever host the client meant (the stream's own
// host included); the meant host travels in a header that is compared and then dropped.
class LoopbackClient extends Stripe.HttpClient {
  constructor() {
    super();
    this.inner = Stripe.createNodeHttpClient();
  }
  getClientName() {
    return 'meterkit-loopback';
  }
  makeRequest(host, _port, p, method, headers, data, _protocol, timeout) {
    return this.inner.makeRequest('127.0.0.1', port, p, method,
        {...headers, 'X-Meterkit-Original-Host': host}, data, 'http', timeout);
  }
}
const options = {
  httpClient: new LoopbackClient(),
  maxNetworkRetries: 2,
  telemetry: false,
};
const stripe = new Stripe(ops.secret_key, options);

// ---- the operations -------------------------------------------------------------------------------
// The API version of each call family (rule W4), set per request as a caller of the client would:
// meter calls under a current version, usage records under the last version that has them.
const METER_VERSION = '2025-11-17.clover';
const USAGE_RECORDS_VERSION = '2025-02-24.acacia';
for (const op of ops.operations) {
  currentReceivedAt = op.received_at ?? null;
  const usageRecords = op.kind === 'v1_usage_record' || op.kind === 'v1_usage_record_summaries';
  const version = {apiVersion: usageRecords ? USAGE_RECORDS_VERSION : METER_VERSION};
  const key = op.idempotency_key ? {idempotencyKey: op.idempotency_key, ...version} : version;
  switch (op.kind) {
    case 'v1_meter_event':
      await stripe.billing.meterEvents.create(op.params, key);
      break;
    case 'v1_meter_event_adjustment':
      await stripe.billing.meterEventAdjustments.create(op.params, key);
      break;
    case 'v1_usage_record':
      await stripe.subscriptionItems.createUsageRecord(op.subscription_item, op.params, key);
      break;
    case 'v2_meter_event':
      await stripe.v2.billing.meterEvents.create(op.params, key);
      break;
    case 'v2_meter_event_stream': {
      const session = await stripe.v2.billing.meterEventSession.create(
          {}, op.session_idempotency_key ? {idempotencyKey: op.session_idempotency_key, ...version} : version);
      const streamClient = new Stripe(session.authentication_token, options);
      await streamClient.v2.billing.meterEventStream.create(op.params, key);
      break;
    }
    case 'v1_meter_event_summaries':
      await stripe.billing.meters.listEventSummaries(op.meter, op.params, version);
      break;
    case 'v1_usage_record_summaries':
      await stripe.subscriptionItems.listUsageRecordSummaries(op.subscription_item, op.params, version);
      break;
    default:
      console.error(`sdk check: unknown operation kind ${op.kind}`);
      process.exit(2);
  }
}
server.close();
fs.writeFileSync(path.join(workDir, 'captured.json'), JSON.stringify(captured, null, 1));

// ---- the comparison -------------------------------------------------------------------------------
const formPairs = (text) => {
  const out = [];
  for (const piece of text.split('&')) {
    if (!piece) continue;
    const eq = piece.indexOf('=');
    const k = eq < 0 ? piece : piece.slice(0, eq);
    const v = eq < 0 ? '' : piece.slice(eq + 1);
    const dec = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
    out.push([dec(k), dec(v)]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
};
const canonical = (v) => {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  }
  return v;
};
const decodeBody = (r) => {
  if (!r.body) return null;
  if ((r.headers['content-type'] || '').startsWith('application/json')) return canonical(JSON.parse(r.body));
  return formPairs(r.body);
};
const view = (r) => ({
  method: r.method,
  host: r.host,
  path: r.path,
  query: formPairs(r.query || ''),
  authorization: r.headers.authorization,
  'stripe-version': r.headers['stripe-version'],
  'content-type': r.method === 'GET' ? null : r.headers['content-type'],
  'idempotency-key': r.headers['idempotency-key'],
  body: decodeBody(r),
});

let differences = 0;
if (captured.length !== adapter.length) {
  console.error(`sdk check: the client sent ${captured.length} requests, the adapter ${adapter.length}`);
  differences++;
}
const n = Math.min(captured.length, adapter.length);
for (let i = 0; i < n; i++) {
  const sdk = view(captured[i]);
  const ours = view(adapter[i]);
  for (const field of Object.keys(sdk)) {
    const a = JSON.stringify(sdk[field]);
    const b = JSON.stringify(ours[field]);
    if (a !== b) {
      console.error(`sdk check: request ${i + 1} (${sdk.method} ${sdk.path}) differs in ${field}:\n  client : ${a}\n  adapter: ${b}`);
      differences++;
    }
  }
}
if (differences > 0) process.exit(1);
console.log(`sdk check: ${n} requests of stripe-node ${Stripe.PACKAGE_VERSION ?? ''} match the adapter's`);
process.exit(0);
