/**
 * Webhook rules without I/O: the signature a receiver checks (and what it must refuse), which URLs
 * may receive events, the event types, the deterministic ids, what a session's day sends, and the
 * retry schedule's reach.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  checkWebhookEvents,
  markedEvent,
  SESSION_DEFAULTS,
  sessionWebhookEvents,
  sessionWebhookTimes,
  webhookBody,
  webhookEventIds,
  webhookUrlProblem,
  type GroupSession,
  type SessionMemberOutcome,
} from '../../src/core/index.js';
import {
  DEFAULT_RETRY,
  deliveryJobId,
  JobName,
  jobOptions,
  retryDelayMs,
  retrySpanMs,
} from '../../src/queues/index.js';
import { generateWebhookSecret, signWebhook, verifyWebhook } from '../../src/shared/index.js';

const SECRET = 'whsec_unit-test-secret-0123456789';
const BODY = '{"id":"marked:p1:2026-11-30","type":"attendance.marked","data":{"name":"Zoë"}}';
const NOW_MS = Date.parse('2026-11-30T09:00:00.000Z');
const TS = NOW_MS / 1000;

describe('webhook signatures', () => {
  it('signs TIMESTAMP.BODY with HMAC-SHA256 of the secret, as sha256=HEX', () => {
    const expected = createHmac('sha256', SECRET).update(`${TS}.${BODY}`, 'utf8').digest('hex');
    assert.equal(signWebhook(SECRET, TS, BODY), `sha256=${expected}`);
    // The body's bytes, not a re-encoding: a receiver may verify the raw Buffer it read.
    assert.equal(signWebhook(SECRET, TS, Buffer.from(BODY, 'utf8')), `sha256=${expected}`);
  });

  it('verifies a fresh delivery and refuses a changed body, another secret, a replay and a forgery', () => {
    const signature = signWebhook(SECRET, TS, BODY);
    const check = (over: Partial<Parameters<typeof verifyWebhook>[0]>) =>
      verifyWebhook({ secret: SECRET, body: BODY, signature, timestamp: String(TS), nowMs: NOW_MS, ...over });
    assert.deepEqual(check({}), { ok: true });
    assert.deepEqual(check({ body: Buffer.from(BODY) }), { ok: true });
    assert.deepEqual(check({ nowMs: NOW_MS + 299_000 }), { ok: true }, 'inside the 5 minutes');
    assert.deepEqual(
      check({ signature: `sha256=${'0'.repeat(64)}, ${signature}` }),
      { ok: true },
      'one of a list',
    );

    const refusals: [string, Partial<Parameters<typeof verifyWebhook>[0]>, RegExp][] = [
      ['a changed body', { body: BODY.replace('Zoë', 'Zoe') }, /does not match/],
      ['another secret', { secret: `${SECRET}x` }, /does not match/],
      ['the same request replayed 10 minutes later', { nowMs: NOW_MS + 600_000 }, /600 s from now/],
      ['a timestamp from the future', { nowMs: NOW_MS - 600_000 }, /from now/],
      // A replay with a fresh timestamp: the signature was made over the old one.
      [
        'a new timestamp on an old signature',
        { timestamp: String(TS + 1), nowMs: NOW_MS + 1000 },
        /does not match/,
      ],
      ['no signature', { signature: undefined }, /no X-Rollcall-Signature/],
      ['no timestamp', { timestamp: undefined }, /no valid X-Rollcall-Timestamp/],
      [
        'a timestamp that is not seconds',
        { timestamp: '2026-11-30T09:00:00Z' },
        /no valid X-Rollcall-Timestamp/,
      ],
      ['another algorithm', { signature: signature.replace('sha256=', 'sha1=') }, /does not match/],
      ['a truncated signature', { signature: signature.slice(0, 40) }, /does not match/],
    ];
    for (const [what, over, reason] of refusals) {
      const result = check(over);
      if (result.ok) assert.fail(`${what}: accepted`);
      assert.match(result.reason, reason, what);
    }
  });

  it('makes long random secrets that the store accepts', () => {
    const a = generateWebhookSecret();
    assert.match(a, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, generateWebhookSecret());
  });
});

describe('webhook URLs and event types', () => {
  it('accepts http and https URLs, loopback and LAN included', () => {
    for (const url of [
      'https://hooks.example.org/rollcall',
      'http://127.0.0.1:9000/in?token=abc',
      'http://[::1]:8080/',
      'http://office-pc.local/attendance',
      'HTTPS://EXAMPLE.ORG/x',
    ]) {
      assert.equal(webhookUrlProblem(url), null, url);
    }
  });

  it('refuses anything else, saying why', () => {
    const cases: [unknown, RegExp][] = [
      ['ftp://example.org/in', /must start with http:\/\/ or https:\/\/ \(not ftp:\)/],
      ['javascript:alert(1)', /must start with http/],
      ['file:///etc/passwd', /must start with http/],
      ['mailto:office@example.org', /must start with http/],
      ['/hooks/rollcall', /is not an absolute URL/],
      ['example.org/hooks', /is not an absolute URL/],
      ['https://admin:hunter2@example.org/in', /must not hold a user name or password/],
      ['https://example.org/in#top', /#fragment/],
      ['https://example.org/a b', /spaces/],
      [`https://example.org/${'x'.repeat(2048)}`, /at most 2048/],
      ['', /give the address/],
      [42, /give the address/],
      [undefined, /give the address/],
    ];
    for (const [url, problem] of cases)
      assert.match(webhookUrlProblem(url) ?? 'accepted', problem, String(url));
  });

  it('takes a list of known event types, once each, in catalog order', () => {
    assert.deepEqual(checkWebhookEvents(['unknown.face', 'attendance.marked', 'unknown.face']), [
      'attendance.marked',
      'unknown.face',
    ]);
    assert.match(String(checkWebhookEvents([])), /choose at least one of attendance.marked/);
    assert.match(String(checkWebhookEvents('attendance.marked')), /choose at least one/);
    assert.match(
      String(checkWebhookEvents(['attendance.marked', 'webhook.test'])),
      /"webhook.test" is not an event/,
    );
  });
});

const SESSION: GroupSession & { id: string } = {
  ...SESSION_DEFAULTS,
  holidays: [],
  id: 'morning',
  weekdays: ['mon'],
  start: '09:00',
  end: '10:30',
  lateGraceMin: 5,
  checkOutWindowMin: 30,
};
const DAY = '2026-11-30';
const ZONE = 'Europe/Berlin';
/** `HH:MM` Berlin time (UTC+1 in winter) on DAY, in ms. */
const berlin = (time: string): number => Date.parse(`${DAY}T${time}:00+01:00`);

const member = (name: string, outcome: Partial<SessionMemberOutcome>): SessionMemberOutcome => ({
  person: { id: `id-${name}`, name },
  status: 'expected',
  arrivedAt: null,
  late: false,
  minutesPresent: 0,
  ...outcome,
});

describe('what a session day sends', () => {
  const members = [
    member('Ana', { status: 'present', arrivedAt: '2026-11-30T07:58:00.000Z', minutesPresent: 90 }),
    member('Ben', { status: 'late', arrivedAt: '2026-11-30T08:12:00.000Z', late: true, minutesPresent: 78 }),
    member('Eli', { status: 'absent' }),
    member('Fay', { status: 'excused' }),
    member('Gus', { status: 'excused', late: true, arrivedAt: '2026-11-30T08:40:00.000Z' }),
  ];
  const events = (nowMs: number) =>
    sessionWebhookEvents({
      group: { id: 'g1', name: 'Class 5E' },
      session: SESSION,
      day: DAY,
      timeZone: ZONE,
      members,
      nowMs,
      createdAt: new Date(nowMs).toISOString(),
    });

  it('times: late after the start and grace; absent once the check-out window after the end has closed', () => {
    assert.deepEqual(sessionWebhookTimes(SESSION, DAY, ZONE), {
      lateAfterMs: berlin('09:05'),
      absentFromMs: berlin('11:00'),
    });
  });

  it('sends late arrivals at once, absences only after the window, nothing for an excused day', () => {
    assert.deepEqual(
      events(berlin('09:30')).map((e) => e.id),
      ['late:morning:id-Ben:2026-11-30'],
      'while it runs: Ben came late; Eli is absent so far, but the day is not over',
    );
    assert.deepEqual(
      events(berlin('10:59')).map((e) => e.id),
      ['late:morning:id-Ben:2026-11-30'],
    );
    const after = events(berlin('11:00'));
    assert.deepEqual(
      after.map((e) => e.id),
      ['late:morning:id-Ben:2026-11-30', 'absent:morning:id-Eli:2026-11-30'],
    );
    const [late, absent] = after;
    assert.deepEqual(late?.data, {
      person: { id: 'id-Ben', name: 'Ben' },
      group: { id: 'g1', name: 'Class 5E' },
      session: { id: 'morning', start: '09:00', end: '10:30' },
      day: DAY,
      arrivedAt: '2026-11-30T08:12:00.000Z',
      minutesLate: 12,
    });
    assert.equal(absent?.type, 'attendance.absent');
  });

  it('makes the same ids every time, so repeated runs claim each event once', () => {
    assert.deepEqual(
      events(berlin('11:00')).map((e) => e.id),
      events(berlin('15:00')).map((e) => e.id),
    );
    assert.equal(webhookEventIds.marked('p1', DAY), 'marked:p1:2026-11-30');
    assert.equal(webhookEventIds.unknownFace('node-a:17'), 'unknown:node-a:17');
  });

  it('serialises an event the same way every time, keys in a fixed order', () => {
    const event = markedEvent(
      {
        personId: 'p1',
        personName: 'Zoë',
        day: DAY,
        firstSeen: '2026-11-30T07:58:00.000Z',
        firstCameraId: 'door',
        nodeId: 'camera-pc',
      },
      'node-a:1',
      '2026-11-30T07:58:01.000Z',
    );
    const body = webhookBody(event);
    assert.equal(body, webhookBody(JSON.parse(body) as typeof event));
    assert.deepEqual(Object.keys(JSON.parse(body) as object), ['id', 'type', 'createdAt', 'data']);
  });
});

describe('delivery retries', () => {
  it('covers a receiver down for over an hour, and retries at most 5 minutes apart', () => {
    const policy = DEFAULT_RETRY[JobName.DeliverWebhook];
    assert.deepEqual(
      Array.from({ length: 9 }, (_, i) => retryDelayMs(i + 1, policy) / 1000),
      [5, 10, 20, 40, 80, 160, 300, 300, 300],
    );
    assert.equal(retrySpanMs(policy), 4_215_000, '70 min 15 s between the first and the last attempt');
    assert.ok(retrySpanMs(policy) >= 10 * 60_000);
  });

  it('gives each (hook, event) pair one job id, without the colon BullMQ refuses', () => {
    const id = deliveryJobId('hook-1', 'absent:s1:p1:2026-11-30');
    assert.doesNotMatch(id, /:/);
    assert.notEqual(id, deliveryJobId('hook-2', 'absent:s1:p1:2026-11-30'));
    assert.notEqual(id, deliveryJobId('hook-1', 'absent:s1:p2:2026-11-30'));
    const options = jobOptions(JobName.DeliverWebhook, {
      hookId: 'hook-1',
      eventId: 'absent:s1:p1:2026-11-30',
    });
    assert.equal(options.jobId, id);
    assert.equal(options.attempts, 20);
  });
});
