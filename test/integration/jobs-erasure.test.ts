/**
 * Erasing a person removes their training jobs from BullMQ too (real Redis, real SQLite): queued,
 * waiting out a retry, or finished. A job already running is left to fail by itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { jobOptions, JobName, JobQueue, PrivateRedis } from '../../src/queues/index.js';
import {
  EnrollmentService,
  GallerySync,
  handleApplyRetention,
  handleReembedGallery,
  handleTrainPerson,
} from '../../src/services/index.js';
import { createStore, type Store } from '../../src/store/index.js';
import { tempDir } from '../support/temp.js';
import { jobSettled } from '../support/wait.js';

const PHOTO = { fileName: 'a.jpg', bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]) };

async function counts(queue: JobQueue): Promise<{ waiting: number; delayed: number }> {
  const { waiting = -1, delayed = -1 } = await queue.queue.getJobCounts('waiting', 'delayed');
  return { waiting, delayed };
}

describe('erasing a person removes their jobs', () => {
  let redis: PrivateRedis;
  let store: Store;

  before(async () => {
    const dataDir = await tempDir('jobs-erasure');
    redis = await PrivateRedis.start({ dataDir });
    store = await createStore({ dataDir: path.join(dataDir, 'store') });
  });

  after(async () => {
    await store.close();
    await redis.close();
  });

  it("removes the person's waiting and delayed jobs and no one else's", async () => {
    const jobs = await JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() });
    try {
      const waiting = await jobs.enqueue(JobName.TrainPerson, { personId: 'p1', photoIds: ['a'] });
      // A job waiting out its retry backoff is delayed.
      const retryPayload = { personId: 'p1', photoIds: ['b'] };
      await jobs.queue.add(JobName.TrainPerson, retryPayload, {
        ...jobOptions(JobName.TrainPerson, retryPayload),
        delay: 60_000,
      });
      // Ids may contain '.', so p1.x's job ids start like p1's: it must survive.
      const lookalike = await jobs.enqueue(JobName.TrainPerson, { personId: 'p1.x', photoIds: ['c'] });
      const other = await jobs.enqueue(JobName.TrainPerson, { personId: 'p2', photoIds: ['d'] });
      assert.deepEqual(await counts(jobs), { waiting: 3, delayed: 1 });

      assert.equal(await jobs.removeJobsFor('p1'), 2);

      assert.equal(await jobs.getJob(waiting), undefined);
      assert.deepEqual(await counts(jobs), { waiting: 2, delayed: 0 });
      assert.equal((await jobs.getJob(lookalike))?.state, 'waiting');
      assert.equal((await jobs.getJob(other))?.state, 'waiting');
      assert.equal(await jobs.removeJobsFor('p1'), 0, 'a second erasure finds nothing');
    } finally {
      await jobs.close();
    }
  });

  it('EnrollmentService.remove erases the person from the store and the queue', async () => {
    const jobs = await JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() });
    try {
      const enrollment = new EnrollmentService({
        store,
        jobs,
        gallerySync: new GallerySync({ store, clients: [] }),
      });
      const ada = await enrollment.enroll({ name: 'Ada' }, [PHOTO]);
      const grace = await enrollment.enroll({ name: 'Grace' }, [PHOTO]);

      const removed = await enrollment.remove(ada.person.id);

      assert.equal(removed.jobsRemoved, 1);
      assert.equal(await store.getPerson(ada.person.id), null);
      assert.equal(await jobs.getJob(ada.jobId), undefined, 'GET /jobs/:id answers 404 for it');
      assert.equal((await jobs.getJob(grace.jobId))?.state, 'waiting');
    } finally {
      await jobs.close();
    }
  });

  it('leaves a running job alone, which then fails on its own because the person is gone', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const gallerySync = new GallerySync({ store, clients: [] });
    const jobs = await JobQueue.start(
      { redisUrl: redis.url, prefix: randomUUID() },
      {
        [JobName.TrainPerson]: handleTrainPerson({
          store,
          gallerySync,
          thresholds: { match: 0.55, unknown: 0.6 },
          // Holds the first run inside the engine until the person has been erased.
          embed: async (photos) => {
            started();
            await released;
            return {
              model: 'face-api',
              results: photos.map((p) => ({ name: p.name, ok: true as const, faces: [] })),
            };
          },
        }),
        [JobName.ReembedGallery]: handleReembedGallery({
          store,
          gallerySync,
          embed: () => Promise.reject(new Error('not used')),
        }),
        [JobName.ApplyRetention]: handleApplyRetention({ store, rules: () => ({ retentionDays: 30 }) }),
      },
    );
    try {
      const enrollment = new EnrollmentService({ store, jobs, gallerySync });
      const { person, jobId } = await enrollment.enroll({ name: 'Linus' }, [PHOTO]);
      await running;
      assert.equal((await jobs.getJob(jobId))?.state, 'active');

      const removed = await enrollment.remove(person.id);
      assert.equal(removed.jobsRemoved, 0, 'an active job is locked by its worker');
      assert.equal((await jobs.getJob(jobId))?.state, 'active');
      release();

      const view = await jobSettled(jobs, jobId);
      assert.equal(view.state, 'failed');
      assert.match(view.failedReason ?? '', /no longer exists/);
    } finally {
      await jobs.close();
    }
  });
});
