/**
 * Retention as a scheduled BullMQ job, on a real redis-server and a real SQLite store: it drops what
 * the policy says, and several web nodes sharing one Redis run it once per period, not once each.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../config.js';
import {
  JobName,
  JobQueue,
  PrivateRedis,
  type JobHandlers,
  type JobResults,
} from '../../src/queues/index.js';
import {
  applyRetention,
  SETTINGS_KEY,
  SettingsService,
  settingsFromConfig,
} from '../../src/services/index.js';
import { createStore, type Store } from '../../src/store/index.js';
import { makeEvent } from './store.contract.js';
import { tempDir } from '../support/temp.js';
import { until, untilTrue } from '../support/wait.js';

const DAY_MS = 86_400_000;
const UTC = { timeZone: 'UTC' };

type RetentionRun = JobResults[typeof JobName.ApplyRetention];

/** The other jobs' handlers: never called here, but a worker needs one for every job. */
const idle = {
  [JobName.TrainPerson]: () => Promise.reject(new Error('not used')),
  [JobName.ReembedGallery]: () => Promise.reject(new Error('not used')),
} satisfies Omit<JobHandlers, typeof JobName.ApplyRetention>;

describe('retention job on a real Redis and a real SQLite store', () => {
  let redis: PrivateRedis;
  let dataDir: string;

  before(async () => {
    dataDir = await tempDir('retention');
    redis = await PrivateRedis.start({ dataDir: path.join(dataDir, 'redis') });
  });

  after(async () => {
    await redis.close();
  });

  /** Settings as a web node reads them; `retentionDays` saved by "another node" before the run. */
  async function savedRetention(store: Store, retentionDays: number): Promise<SettingsService> {
    await store.setSetting(SETTINGS_KEY, { retentionDays });
    return new SettingsService({
      store,
      defaults: settingsFromConfig(loadConfig({})),
      targets: () => [],
    });
  }

  it('drops what the policy says: stale unreviewed faces and old crops; keeps records, audit and recent crops', async () => {
    const store = await createStore({ dataDir: path.join(dataDir, 'policy') });
    const jobs: JobQueue[] = [];
    try {
      const now = Date.now();
      const daysAgo = (days: number): string => new Date(now - days * DAY_MS).toISOString();
      // Saved period 20 days (the default is 30): things 25 days old are past it.
      const settings = await savedRetention(store, 20);
      const ada = (await store.createPerson({ name: 'Ada' })).person.id;
      const oldSeen = makeEvent({ personId: ada, at: daysAgo(25) });
      const freshSeen = makeEvent({ personId: ada, at: daysAgo(2) });
      await store.recordAttendance(oldSeen, UTC);
      await store.recordAttendance(freshSeen, UTC);
      const staleFace = (
        await store.recordUnknownFace(makeEvent({ type: 'unknown', personId: null, at: daysAgo(25) }))
      ).face;
      const freshFace = (
        await store.recordUnknownFace(makeEvent({ type: 'unknown', personId: null, at: daysAgo(2) }))
      ).face;
      const assignedFace = (
        await store.recordUnknownFace(makeEvent({ type: 'unknown', personId: null, at: daysAgo(25) }))
      ).face;
      await store.assignUnknownFace(assignedFace.id, ada);

      const runs: string[] = [];
      const queue = await JobQueue.start(
        { redisUrl: redis.url, prefix: randomUUID() },
        {
          ...idle,
          [JobName.ApplyRetention]: (_payload, { jobId }) => {
            runs.push(jobId);
            return applyRetention({ store, rules: () => settings.saved() });
          },
        },
      );
      jobs.push(queue);
      // A new scheduler's first job runs at once; the next would come a minute later.
      await queue.schedule(JobName.ApplyRetention, { everyMs: 60_000 });
      const id = await until('the first retention run', () => Promise.resolve(runs[0]), 20_000);
      const view = await until(
        'the first retention run to complete',
        async () => {
          const job = await queue.getJob(id);
          return job?.state === 'completed' ? job : undefined;
        },
        20_000,
      );
      // What Bull Board and GET /api/v1/jobs/:id show of the run.
      assert.equal(view.name, JobName.ApplyRetention);
      assert.deepEqual(view.result, {
        retentionDays: 20,
        cutoff: (view.result as RetentionRun).cutoff,
        dismissed: 1,
        cropsDropped: 3,
      } satisfies RetentionRun);
      const cutoff = Date.parse(view.result.cutoff);
      assert.ok(Math.abs(cutoff - (now - 20 * DAY_MS)) < 60_000, 'cut off 20 days before the run');

      // The unreviewed face from 25 days ago is dismissed and its crop gone; the recent one waits.
      assert.equal((await store.getUnknownFace(staleFace.id))?.status, 'dismissed');
      assert.equal(await store.getUnknownFaceCrop(staleFace.id), null);
      assert.equal((await store.getUnknownFace(freshFace.id))?.status, 'open');
      assert.ok(await store.getUnknownFaceCrop(freshFace.id), 'a recent face keeps its crop');
      // A face someone decided stays decided; its old crop goes with its event's.
      assert.equal((await store.getUnknownFace(assignedFace.id))?.status, 'assigned');
      assert.equal(await store.getUnknownFaceCrop(assignedFace.id), null);
      // Attendance and the audit trail stay; only the old crop is dropped.
      assert.equal((await store.getEvent(oldSeen.id))?.hasCrop, false);
      assert.equal(await store.getEventCrop(oldSeen.id), null);
      assert.ok(await store.getEventCrop(freshSeen.id), 'a recent event keeps its crop');
      const record = await store.getAttendance(ada, oldSeen.at.slice(0, 10));
      assert.equal(record?.firstSeen, oldSeen.at, 'the attendance record is kept');

      // A second pass finds nothing more to do.
      const again = await applyRetention({ store, rules: () => settings.saved() });
      assert.equal(again.dismissed, 0);
      assert.equal(again.cropsDropped, 0);
      assert.deepEqual(runs, [id], 'one run: the next is a period away');
    } finally {
      await Promise.all(jobs.map((queue) => queue.close()));
      await store.close();
    }
  });

  it('runs once per period however many web nodes share the Redis, and goes on when one stops', async (t) => {
    const PERIOD_MS = 1000;
    const prefix = randomUUID();
    const store = await createStore({ dataDir: path.join(dataDir, 'nodes') });
    const settings = await savedRetention(store, 30);
    const runs: { node: string; jobId: string }[] = [];
    const nodes: JobQueue[] = [];
    /** One web node's job setup: its own queue and worker on the shared prefix, as `web-node.ts` builds it. */
    async function webNode(name: string): Promise<JobQueue> {
      const queue = await JobQueue.start(
        { redisUrl: redis.url, prefix },
        {
          ...idle,
          [JobName.ApplyRetention]: (_payload, { jobId }) => {
            runs.push({ node: name, jobId });
            return applyRetention({ store, rules: () => settings.saved() });
          },
        },
      );
      nodes.push(queue);
      await queue.schedule(JobName.ApplyRetention, { everyMs: PERIOD_MS });
      return queue;
    }
    try {
      const first = await webNode('a');
      await webNode('b');
      await untilTrue('two runs', () => runs.length >= 2, 20_000);
      // A third node joins (or one restarts) mid-period and upserts again: no extra run.
      const third = await webNode('c');
      // The first node stops: the schedule is not its own, and the others carry on.
      await first.close();
      const before = runs.length;
      await untilTrue('three more runs', () => runs.length >= before + 3, 30_000);
      assert.ok(
        runs.slice(before).every(({ node }) => node !== 'a'),
        'a stopped node runs nothing more',
      );

      const schedulers = await third.queue.getJobSchedulers();
      assert.equal(schedulers.length, 1, 'one scheduler, whoever upserted it');
      assert.equal(schedulers[0]?.name, JobName.ApplyRetention);
      assert.equal(schedulers[0].every, PERIOD_MS);
    } finally {
      // A run in progress finishes before its worker closes, so `runs` is complete afterwards.
      await Promise.all(nodes.map((queue) => queue.close()));
    }
    try {
      // Each run's job id names its period's slot: repeat:<scheduler>:<ms>.
      const slots = runs.map(({ jobId }) => Number(jobId.split(':').at(-1)));
      assert.ok(
        slots.every((slot) => Number.isInteger(slot)),
        `scheduler job ids: ${runs.map((r) => r.jobId).join(', ')}`,
      );
      assert.equal(new Set(slots).size, slots.length, 'no period ran twice');
      const sorted = [...slots].sort((x, y) => x - y);
      for (let i = 1; i < sorted.length; i++) {
        const gap = (sorted[i] ?? 0) - (sorted[i - 1] ?? 0);
        assert.ok(
          gap > 0 && gap % PERIOD_MS === 0,
          `runs ${PERIOD_MS} ms apart (or a missed period), got ${gap}`,
        );
      }
      t.diagnostic(
        `${runs.length} runs over ${(sorted.at(-1) ?? 0) - (sorted[0] ?? 0)} ms; by node: ${runs.map((r) => r.node).join('')}`,
      );

      // Redis holds exactly the runs the handlers saw, all completed.
      const checker = await JobQueue.start({ redisUrl: redis.url, prefix });
      try {
        const counts = await checker.queue.getJobCounts('completed', 'failed', 'active');
        assert.deepEqual(counts, { completed: runs.length, failed: 0, active: 0 });
      } finally {
        await checker.close();
      }
    } finally {
      await store.close();
    }
  });
});
