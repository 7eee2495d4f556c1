#!/usr/bin/env node
/**
 * A Rollcall webhook receiver in plain Node (no dependencies), to copy and adapt.
 *
 *   WEBHOOK_SECRET=whsec_… PORT=8090 node webhook-receiver.mjs
 *
 * then register `http://THIS-HOST:8090/hooks/rollcall` on the Webhooks page (or with
 * `POST /api/v1/webhooks`), using the secret Rollcall shows once when the hook is made.
 *
 * For every request it:
 *   1. refuses a timestamp (`X-Rollcall-Timestamp`, Unix seconds) more than 5 minutes from this
 *      machine's clock, so a recorded request cannot be replayed later;
 *   2. checks `X-Rollcall-Signature: sha256=HEX`, the HMAC-SHA256 of `TIMESTAMP.BODY` keyed with
 *      the hook's secret, over the raw body bytes (before any JSON parsing), in constant time;
 *   3. keeps each event once by its id (`X-Rollcall-Delivery`, also the body's `id`): Rollcall
 *      delivers at least once and retries until it gets a 2xx, so the same event can come again;
 *   4. answers 204 quickly; slow work belongs after the answer (Rollcall waits 10 s at most).
 *
 * It prints one line per request, for people and for scripts:
 *   `event {"id":…,"type":…,"createdAt":…,"data":{…}}`  a new event, accepted
 *   `duplicate ID`                                       an event already accepted, answered 204 again
 *   `refused REASON`                                     a request that failed a check, answered 401/400
 *
 * The ids seen are kept in memory only: a real receiver stores them (or makes handling an event
 * twice harmless), since Rollcall may deliver an event again after this process restarts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

const secret = process.env.WEBHOOK_SECRET ?? '';
const port = Number(process.env.PORT ?? 8090);
const host = process.env.HOST ?? '127.0.0.1';
/** How far a delivery's timestamp may be from this machine's clock, in seconds. */
const TOLERANCE_S = 300;
/** Larger bodies are not Rollcall's events. */
const MAX_BODY_BYTES = 1024 * 1024;

if (!secret.startsWith('whsec_')) {
  console.error('Set WEBHOOK_SECRET to the hook\'s secret (it starts with "whsec_").');
  process.exit(2);
}

/** Event ids already accepted. */
const seen = new Set();

/** Why the delivery is not Rollcall's or not fresh; null when it is. */
function verify(headers, body) {
  const timestamp = headers['x-rollcall-timestamp'];
  const signature = headers['x-rollcall-signature'];
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return 'no valid timestamp';
  const ageS = Math.abs(Date.now() / 1000 - Number(timestamp));
  if (ageS > TOLERANCE_S) return `timestamp ${Math.round(ageS)} s from this clock`;
  if (typeof signature !== 'string') return 'no signature';
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
  // Several values may be listed (comma-separated) while a secret is being changed.
  const matches = signature.split(',').some((candidate) => {
    const hex = /^sha256=([0-9a-f]{64})$/i.exec(candidate.trim())?.[1];
    return hex !== undefined && timingSafeEqual(Buffer.from(hex, 'hex'), expected);
  });
  return matches ? null : 'signature does not match';
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) req.destroy();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const problem = verify(req.headers, body);
    if (problem !== null) {
      console.log(`refused ${problem}`);
      res.writeHead(401).end();
      return;
    }
    // Parsed only once it is known to be Rollcall's.
    const event = JSON.parse(body.toString('utf8'));
    if (event.id !== req.headers['x-rollcall-delivery']) {
      console.log(`refused the delivery header does not name the body's event`);
      res.writeHead(400).end();
      return;
    }
    if (seen.has(event.id)) {
      console.log(`duplicate ${event.id}`);
    } else {
      seen.add(event.id);
      console.log(`event ${JSON.stringify(event)}`);
      // Act on the event here: event.type is attendance.marked, attendance.late,
      // attendance.absent, unknown.face or webhook.test; event.data says who, when and where.
    }
    res.writeHead(204).end();
  });
});

server.listen(port, host, () => {
  console.log(`listening on http://${host}:${port}/`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
