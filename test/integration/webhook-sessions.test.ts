/**
 * `attendance.late` and `attendance.absent` over a scripted day (the roster's clock injected, as
 * in roster.test.ts), on a real SQLite store and a real webhook queue delivering to receivers on
 * loopback. The minute's sweep runs again and again, on two "web nodes" (two sweeps with their own
 * memory), and each late arrival and each absence still arrives exactly once, after the session's
 * check-out window for an absence, never for an excused member.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SESSION_DEFAULTS, type GroupSession } from '../../src/core/index.js';
import { JobName, JobQueue, PrivateRedis, QueueName } from '../../src/queues/index.js';
import {
  GroupService,
  handleDeliverWebhook,
  RosterService,
  WebhookEmitter,
  WebhookService,
  WebhookSweep,
  type SweepResult,
} from '../../src/services/index.js';
import { systemClock } from '../../src/shared/index.js';
import { SqliteStore, type Store } from '../../src/store/index.js';
import { makeEvent } from './store.contract.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/wait.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const DAY = '2026-11-30'; // a Monday
const ZONE = 'Europe/Berlin'; // UTC+1 in winter
/** `HH:MM` Berlin time on DAY, as an instant. */
const berlin = (time: string): string => new Date(`${DAY}T${time}:00+01:00`).toISOString();

const SESSION: GroupSession = {
  ...SESSION_DEFAULTS,
  holidays: [],
  weekdays: ['mon'],
  start: '09:00',
  end: '10:30',
  lateGraceMin: 5,
  checkOutWindowMin: 30,
};

describe('late and absent members over a scripted day, told once each', () => {
  let redis: PrivateRedis;
  let store: Store;
  let queue: JobQueue<typeof QueueName.Webhooks>;
  let now = berlin('08:00');
  const clock = { now: () => Date.parse(now) };
  let roster: RosterService;
  let emitter: WebhookEmitter;
  const ids: Record<string, string> = {};
  let groupId = '';
  let morningId = '';
  let afternoonId = '';
  const scheduledRuns: SweepResult[] = [];
  const receivers: WebhookReceiver[] = [];
  const receiverFor = (secret: () => string): WebhookReceiver => {
    const receiver = new WebhookReceiver(secret);
    receivers.push(receiver);
    return receiver;
  };

  before(async () => {
    const dataDir = await tempDir('webhook-sessions');
    redis = await PrivateRedis.start({ dataDir: path.join(dataDir, 'redis') });
    store = await SqliteStore.open({ dataDir });
    roster = new RosterService({
      store,
      clock,
      timeZone: () => ZONE,
      sightingIntervalS: () => 10,
      cameraRoles: () => Promise.resolve({ door: 'entry' }),
    });
    queue = await JobQueue.start(
      {
        redisUrl: redis.url,
        prefix: randomUUID(),
        queue: QueueName.Webhooks,
        concurrency: 4,
        retry: { [JobName.DeliverWebhook]: { attempts: 20, delayMs: 50, maxDelayMs: 200 } },
      },
      {
        // Deliveries happen now, in real time: the receiver checks the timestamp against its clock.
        [JobName.DeliverWebhook]: handleDeliverWebhook({ store, clock: systemClock, timeoutMs: 2000 }),
        [JobName.SweepWebhooks]: async () => {
          const result = await sweepOn().run();
          scheduledRuns.push(result);
          return result;
        },
      },
    );
    emitter = new WebhookEmitter({ store, jobs: queue, clock });
    const groups = new GroupService({ store });
    for (const name of ['Ana', 'Ben', 'Cai', 'Dev', 'Fay'])
      ids[name] = (await store.createPerson({ name })).person.id;
    groupId = (await groups.create({ name: 'Class 5E' })).id;
    await groups.addMembers(groupId, Object.values(ids));
    morningId = (await groups.addSession(groupId, SESSION)).id;
    afternoonId = (
      await groups.addSession(groupId, { ...SESSION, start: '13:00', end: '14:00', checkOutWindowMin: 0 })
    ).id;
    await groups.excuse(groupId, morningId, {
      personId: ids.Fay ?? '',
      day: DAY,
      reason: 'school trip',
      by: 'Ada',
    });
  });

  after(async () => {
    // Also after a failed assertion: an open receiver would keep the test process alive.
    for (const receiver of receivers) await receiver.stop();
    await queue.close();
    await store.close();
    await redis.close();
  });

  /** A web node's sweep: each has its own memory of settled sessions. */
  function sweepOn(): WebhookSweep {
    return new WebhookSweep({ store, roster, emitter, clock, timeZone: () => ZONE });
  }

  const seen = async (name: string, time: string): Promise<void> => {
    await store.recordAttendance(
      makeEvent({ type: 'recognized', personId: ids[name] ?? '', cameraId: 'door', at: berlin(time) }),
      { timeZone: ZONE, cooldownS: 0 },
    );
  };

  it('sends each late arrival when it happens and each absence once the check-out window closes, once', async () => {
    const nodeA = sweepOn();
    const nodeB = sweepOn();
    const run = async (time: string, node = nodeA): Promise<number> => {
      now = berlin(time);
      return (await node.run()).emitted;
    };

    await seen('Ana', '08:50');
    await seen('Ben', '09:12');
    // No hook yet: nothing is made, nothing is claimed.
    assert.equal(await run('09:20'), 0);
    assert.equal(await store.getWebhookEvent(`late:${morningId}:${ids.Ben ?? ''}:${DAY}`), null);

    let lateAndAbsentSecret = '';
    let absentSecret = '';
    const everything = receiverFor(() => lateAndAbsentSecret);
    const absencesOnly = receiverFor(() => absentSecret);
    await everything.start();
    await absencesOnly.start();
    const hooks = new WebhookService({ store, clock: systemClock });
    lateAndAbsentSecret = (
      await hooks.create({ url: everything.url, events: ['attendance.late', 'attendance.absent'] })
    ).secret;
    absentSecret = (await hooks.create({ url: absencesOnly.url, events: ['attendance.absent'] })).secret;

    assert.equal(await run('08:55'), 0, 'before the start and its grace nothing can be late');
    assert.equal(await run('09:20'), 1, 'Ben came at 09:12, after 09:05');
    assert.equal(await run('09:21'), 0);
    assert.equal(await run('09:21', nodeB), 0, 'another web node finds it sent');
    await seen('Dev', '10:00');
    assert.equal(await run('10:05'), 1, 'Dev, late');
    assert.equal(await run('10:45'), 0, 'Cai is not here, but the check-out window is still open');
    assert.equal(await run('11:00'), 1, 'the window closed: Cai is absent (Fay is excused)');
    assert.equal(await run('11:01'), 0);
    assert.equal(await run('11:02', nodeB), 0);
    assert.equal(await run('14:00'), 5, 'nobody came in the afternoon, Fay included');
    assert.equal(await run('14:01', nodeB), 0);
    assert.equal(await run('23:59'), 0);

    const expectedAll = [
      `late:${morningId}:${ids.Ben ?? ''}:${DAY}`,
      `late:${morningId}:${ids.Dev ?? ''}:${DAY}`,
      `absent:${morningId}:${ids.Cai ?? ''}:${DAY}`,
      ...['Ana', 'Ben', 'Cai', 'Dev', 'Fay'].map((name) => `absent:${afternoonId}:${ids[name] ?? ''}:${DAY}`),
    ];
    await until(
      'every event at both receivers',
      () =>
        Promise.resolve(
          everything.events.length >= expectedAll.length && absencesOnly.events.length >= 6
            ? true
            : undefined,
        ),
      20_000,
    );
    // Wait out anything still in flight, then count.
    await until(
      'the queue to drain',
      async () => {
        const counts = await queue.queue.getJobCounts('waiting', 'delayed', 'active');
        return Object.values(counts).every((n) => n === 0) ? true : undefined;
      },
      20_000,
    );
    assert.deepEqual(everything.events.map((e) => e.id).sort(), [...expectedAll].sort());
    assert.deepEqual(
      absencesOnly.events.map((e) => e.id).sort(),
      expectedAll.filter((id) => id.startsWith('absent:')).sort(),
    );
    for (const receiver of [everything, absencesOnly]) {
      assert.deepEqual(receiver.badSignatures, []);
      assert.deepEqual(
        [...receiver.deliveries.values()].filter((n) => n !== 1),
        [],
        'each event once',
      );
    }
    const benLate = everything.events.find((e) => e.id === expectedAll[0]);
    assert.deepEqual(benLate?.data, {
      person: { id: ids.Ben, name: 'Ben' },
      group: { id: groupId, name: 'Class 5E' },
      session: { id: morningId, start: '09:00', end: '10:30' },
      day: DAY,
      arrivedAt: berlin('09:12'),
      minutesLate: 12,
    });
    const caiAbsent = everything.events.find((e) => e.id === expectedAll[2]);
    assert.deepEqual([caiAbsent?.type, caiAbsent?.createdAt], ['attendance.absent', berlin('11:00')]);

    // The scheduled job, as every web node upserts it, runs the same sweep: nothing new to tell.
    now = berlin('14:10');
    await queue.schedule(JobName.SweepWebhooks, { everyMs: 60_000 });
    await until('the first scheduled sweep', () => Promise.resolve(scheduledRuns[0]), 20_000);
    assert.deepEqual(scheduledRuns[0], { emitted: 0, relayed: 0, pruned: 0 });
    await everything.stop();
    await absencesOnly.stop();
  });
});
