/**
 * Webhooks end to end on real parts: a private Redis running the webhook queue's worker, a SQLite
 * store, recognition events ingested as the web node ingests them, and receivers on loopback
 * (node:http) that verify every signature. A receiver that is down, then failing, then back gets
 * every event exactly once by id; one that hangs is cut off by the deadline and retried; an event
 * a stopped web node claimed but never queued is relayed. Retries are tens of milliseconds apart
 * here (production: seconds, then minutes).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JobName, JobQueue, PrivateRedis, QueueName } from '../../src/queues/index.js';
import {
  AttendanceService,
  handleDeliverWebhook,
  handleSweepWebhooks,
  RosterService,
  WebhookEmitter,
  WebhookService,
  WebhookSweep,
} from '../../src/services/index.js';
import { systemClock } from '../../src/shared/index.js';
import { SqliteStore, type Store } from '../../src/store/index.js';
import { makeEvent } from './store.contract.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/wait.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const TIMEOUT_MS = 300;
const RULES = { timeZone: 'UTC', cooldownS: 0 };

describe('webhook deliveries on a real queue, to receivers on loopback', () => {
  let redis: PrivateRedis;
  let store: Store;
  let queue: JobQueue<typeof QueueName.Webhooks>;
  let hooks: WebhookService;
  let emitter: WebhookEmitter;
  let attendance: AttendanceService;
  let sweep: WebhookSweep;
  const emitErrors: unknown[] = [];
  const receivers: WebhookReceiver[] = [];
  const receiverFor = (secret: () => string): WebhookReceiver => {
    const receiver = new WebhookReceiver(secret);
    receivers.push(receiver);
    return receiver;
  };

  before(async () => {
    const dataDir = await tempDir('webhooks');
    redis = await PrivateRedis.start({ dataDir: path.join(dataDir, 'redis') });
    store = await SqliteStore.open({ dataDir });
    hooks = new WebhookService({ store, clock: systemClock, timeoutMs: TIMEOUT_MS });
    const roster = new RosterService({
      store,
      clock: systemClock,
      timeZone: () => 'UTC',
      sightingIntervalS: () => 10,
      cameraRoles: () => Promise.resolve({}),
    });
    // The emitter and the sweep need the queue, whose worker needs the sweep: handlers read it late.
    queue = await JobQueue.start(
      {
        redisUrl: redis.url,
        prefix: randomUUID(),
        queue: QueueName.Webhooks,
        concurrency: 8,
        retry: { [JobName.DeliverWebhook]: { attempts: 40, delayMs: 50, maxDelayMs: 400 } },
      },
      {
        [JobName.DeliverWebhook]: handleDeliverWebhook({ store, clock: systemClock, timeoutMs: TIMEOUT_MS }),
        [JobName.SweepWebhooks]: handleSweepWebhooks({ run: () => sweep.run() }),
      },
    );
    emitter = new WebhookEmitter({
      store,
      jobs: queue,
      clock: systemClock,
      onError: (error) => emitErrors.push(error),
    });
    sweep = new WebhookSweep({ store, roster, emitter, clock: systemClock, timeZone: () => 'UTC' });
    // The events below happen on 2026-11-30 and 2026-12-01: the web node receives them after that
    // (an event is never counted later than it arrived).
    const receivedAt = Date.parse('2026-12-02T00:00:00.000Z');
    attendance = new AttendanceService({
      store,
      rules: RULES,
      webhooks: emitter,
      clock: { now: () => receivedAt },
    });
  });

  after(async () => {
    // Also after a failed assertion: an open receiver would keep the test process alive.
    for (const receiver of receivers) await receiver.stop();
    await queue.close();
    await store.close();
    await redis.close();
  });

  /** Every delivery job of the queue has finished (none waiting, delayed or running). */
  async function settled(): Promise<void> {
    await until(
      'every delivery to finish',
      async () => {
        const counts = await queue.queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
        return Object.values(counts).every((n) => n === 0) ? true : undefined;
      },
      30_000,
    );
  }

  it('a receiver down, then failing, then back gets every event exactly once by id, each signature verified', async (t) => {
    let secret = '';
    const receiver = receiverFor(() => secret);
    await receiver.start();
    await receiver.stop(); // the port it will come back on is known; nothing listens there now
    const created = await hooks.create({
      url: receiver.url,
      events: ['attendance.marked', 'unknown.face'],
      description: 'the office system',
    });
    secret = created.secret;
    // A second hook, for unknown faces only and switched off: it is sent nothing.
    const off = await hooks.create({ url: receiver.url, events: ['unknown.face'], active: false });

    const people = await Promise.all(
      ['Ada', 'Ben', 'Cai', 'Dev'].map(async (name) => (await store.createPerson({ name })).person),
    );
    const expected = new Set<string>();
    let sightings = 0;
    for (const [i, person] of people.entries()) {
      // Each person is seen again and again; only the first sighting of their day is news.
      for (let minute = 0; minute < 4; minute++) {
        const at = new Date(Date.UTC(2026, 10, 30, 8, i * 10 + minute)).toISOString();
        const event = makeEvent({ type: minute === 0 ? 'recognized' : 'sighting', personId: person.id, at });
        await attendance.ingest(event);
        sightings++;
        if (minute === 0) {
          // The node sends it again (it did not hear the acknowledgement): nothing new.
          await attendance.ingest(event);
          expected.add(`marked:${person.id}:2026-11-30`);
        }
      }
    }
    // Ada on another day is another record, another event.
    await attendance.ingest(makeEvent({ personId: people[0]?.id ?? null, at: '2026-12-01T07:00:00.000Z' }));
    expected.add(`marked:${people[0]?.id ?? ''}:2026-12-01`);
    for (let i = 0; i < 3; i++) {
      const face = makeEvent({ type: 'unknown', personId: null, at: `2026-11-30T09:0${i}:00.000Z` });
      await attendance.ingest(face);
      await attendance.ingest(face);
      expected.add(`unknown:${face.id}`);
    }
    assert.equal(sightings, 16);
    assert.deepEqual(emitErrors, [], 'every delivery was queued');

    // Down: connections refused, a while. Then up but failing with 500. Then healthy.
    await until(
      'attempts refused while the receiver is down',
      async () => {
        const log = (await hooks.deliveries(created.webhook.id, { limit: 1000 })).items;
        return log.filter((d) => /connection refused/.test(d.error ?? '')).length >= 10 ? true : undefined;
      },
      10_000,
    );
    receiver.mode = 'failing';
    await receiver.start();
    await until(
      'a few failing answers',
      () => Promise.resolve(receiver.requests >= 8 ? true : undefined),
      10_000,
    );
    receiver.mode = 'up';
    await until(
      'every event to arrive',
      () => Promise.resolve(receiver.events.length >= expected.size ? true : undefined),
      30_000,
    );
    await settled();

    assert.deepEqual(receiver.badSignatures, [], 'every delivery verified');
    assert.deepEqual(new Set(receiver.events.map((e) => e.id)), expected);
    assert.deepEqual(
      [...receiver.deliveries.values()].filter((n) => n !== 1),
      [],
      'each event accepted exactly once',
    );
    const marked = receiver.events.find((e) => e.id === `marked:${people[1]?.id ?? ''}:2026-11-30`);
    assert.ok(marked);
    assert.deepEqual(marked.data.person, { id: people[1]?.id, name: 'Ben' });
    assert.equal(marked.data.firstSeen, '2026-11-30T08:10:00.000Z');
    assert.equal(receiver.events.filter((e) => e.type === 'unknown.face').length, 3);

    // The log holds every attempt of one event: refused, then 500, then 204, with one event id.
    const log = (await hooks.deliveries(created.webhook.id, { limit: 1000 })).items;
    const ofOne = log.filter((d) => d.eventId === `marked:${people[0]?.id ?? ''}:2026-11-30`).reverse();
    assert.ok(ofOne.length >= 3, `attempts: ${JSON.stringify(ofOne)}`);
    assert.deepEqual(
      ofOne.map((d) => d.attempt),
      ofOne.map((_, i) => i + 1),
    );
    assert.match(ofOne[0]?.error ?? '', /connection refused/);
    assert.equal(ofOne[0]?.statusCode, null);
    assert.ok(
      ofOne.some(
        (d) => d.statusCode === 500 && d.error === 'the receiver answered 500 Internal Server Error',
      ),
    );
    assert.deepEqual([ofOne.at(-1)?.statusCode, ofOne.at(-1)?.ok, ofOne.at(-1)?.error], [204, true, null]);
    assert.equal(log.filter((d) => d.ok).length, expected.size, 'one success per event');
    t.diagnostic(
      `${expected.size} webhook events from 21 recognitions and 6 unknown faces ingested: ` +
        `${log.length} attempts, ${log.filter((d) => d.statusCode === null).length} refused, ` +
        `${log.filter((d) => d.statusCode === 500).length} answered 500, ${receiver.requests} reached the receiver`,
    );
    assert.deepEqual(
      (await hooks.deliveries(off.webhook.id, {})).items,
      [],
      'the switched-off hook got nothing',
    );
    await hooks.remove(created.webhook.id);
    await hooks.remove(off.webhook.id);
    await receiver.stop();
  });

  it('a receiver that hangs fails the attempt at the deadline, and the retry gets through', async () => {
    const receiver = receiverFor(() => secret);
    await receiver.start();
    receiver.mode = 'hanging';
    const { webhook, secret } = await hooks.create({ url: receiver.url, events: ['unknown.face'] });
    const face = makeEvent({ type: 'unknown', personId: null, at: '2026-11-30T10:00:00.000Z' });
    await attendance.ingest(face);
    await until(
      'two hung attempts',
      () => Promise.resolve(receiver.requests >= 2 ? true : undefined),
      10_000,
    );
    receiver.mode = 'up';
    await until('the event', () => Promise.resolve(receiver.events.length === 1 ? true : undefined), 10_000);
    await settled();
    const log = (await hooks.deliveries(webhook.id, {})).items.reverse();
    const hung = log.filter((d) => d.error === `no answer within ${TIMEOUT_MS} ms`);
    assert.ok(hung.length >= 2, JSON.stringify(log));
    for (const attempt of hung) {
      assert.equal(attempt.statusCode, null);
      assert.ok(
        attempt.durationMs >= TIMEOUT_MS - 5 && attempt.durationMs < TIMEOUT_MS + 1000,
        `${attempt.durationMs} ms`,
      );
    }
    assert.deepEqual(
      log.map((d) => d.eventId),
      log.map(() => `unknown:${face.id}`),
      'one event id on every attempt',
    );
    assert.equal(log.at(-1)?.statusCode, 204);
    assert.deepEqual(receiver.badSignatures, []);
    assert.deepEqual([...receiver.deliveries.values()], [1]);
    await hooks.remove(webhook.id);
    await receiver.stop();
  });

  it("relays an event a stopped web node claimed but never queued, once, on the minute's sweep", async () => {
    const receiver = receiverFor(() => secret);
    await receiver.start();
    const { webhook, secret } = await hooks.create({ url: receiver.url, events: ['attendance.marked'] });
    // What a web node leaves behind when it stops between the claim and queueing the deliveries.
    const claimedAt = new Date(Date.now() - 5 * 60_000).toISOString();
    await store.claimWebhookEvent({
      id: 'marked:someone:2026-11-29',
      type: 'attendance.marked',
      createdAt: claimedAt,
      data: { person: { id: 'someone', name: 'Someone' }, day: '2026-11-29' },
    });
    const first = await sweep.run();
    assert.equal(first.relayed, 1);
    const second = await sweep.run();
    assert.equal(second.relayed, 0, 'dispatched once');
    await until(
      'the relayed event',
      () => Promise.resolve(receiver.events.length === 1 ? true : undefined),
      10_000,
    );
    await settled();
    assert.equal(receiver.events[0]?.id, 'marked:someone:2026-11-29');
    assert.notEqual((await store.getWebhookEvent('marked:someone:2026-11-29'))?.dispatchedAt, null);
    assert.deepEqual([...receiver.deliveries.values()], [1]);
    await hooks.remove(webhook.id);
    await receiver.stop();
  });

  it('a hook deleted while its deliveries wait is sent nothing more, and its log goes with it', async () => {
    const receiver = receiverFor(() => secret);
    await receiver.start();
    receiver.mode = 'failing';
    const { webhook, secret } = await hooks.create({ url: receiver.url, events: ['unknown.face'] });
    await attendance.ingest(makeEvent({ type: 'unknown', personId: null, at: '2026-11-30T11:00:00.000Z' }));
    await until('a failed attempt', () => Promise.resolve(receiver.requests >= 1 ? true : undefined), 10_000);
    await hooks.remove(webhook.id);
    receiver.mode = 'up';
    await settled();
    const requests = receiver.requests;
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(receiver.requests, requests, 'no attempt after the delete');
    assert.deepEqual(receiver.events, []);
    await assert.rejects(hooks.deliveries(webhook.id, {}), /no webhook with id/);
    await receiver.stop();
  });
});
