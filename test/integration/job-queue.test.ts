/** BullMQ jobs against a real redis-server started by the test (a private one, as `npm start` does). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { JobName, JobQueue, PrivateRedis, type JobHandlers } from '../../src/queues/index.js';
import { tempDir } from '../support/temp.js';
import { jobSettled } from '../support/wait.js';

describe('JobQueue on a real Redis', () => {
  let redis: PrivateRedis;

  before(async () => {
    redis = await PrivateRedis.start({ dataDir: await tempDir('jobs') });
  });

  after(async () => {
    await redis.close();
  });

  function handlers(overrides: Partial<JobHandlers> = {}): JobHandlers {
    return {
      [JobName.TrainPerson]: async ({ personId, photoIds }, { reportProgress }) => {
        await reportProgress(50);
        return {
          personId,
          model: 'face-api',
          accepted: photoIds,
          refused: [],
          lookalikes: [],
          galleryVersion: 7,
        };
      },
      [JobName.ReembedGallery]: ({ model }) =>
        Promise.resolve({ model, photos: 0, embedded: 0, refused: [], galleryVersion: 0 }),
      [JobName.ApplyRetention]: () =>
        Promise.resolve({
          retentionDays: 30,
          cutoff: new Date(0).toISOString(),
          dismissed: 0,
          cropsDropped: 0,
        }),
      ...overrides,
    };
  }

  it('runs a job through its handler and keeps the result and progress for the API', async () => {
    const queue = await JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() }, handlers());
    try {
      const id = await queue.enqueue(JobName.TrainPerson, { personId: 'p1', photoIds: ['a', 'b'] });
      const view = await jobSettled(queue, id);
      assert.equal(view.state, 'completed');
      assert.equal(view.progress, 50);
      assert.deepEqual(view.result, {
        personId: 'p1',
        model: 'face-api',
        accepted: ['a', 'b'],
        refused: [],
        lookalikes: [],
        galleryVersion: 7,
      });
    } finally {
      await queue.close();
    }
  });

  it('fails at once, with the reason, when the input can never succeed', async () => {
    let calls = 0;
    const queue = await JobQueue.start(
      { redisUrl: redis.url, prefix: randomUUID() },
      handlers({
        [JobName.TrainPerson]: () => {
          calls++;
          return Promise.reject(new UnrecoverableError('photo a.jpg: no face was found in the photo'));
        },
      }),
    );
    try {
      const id = await queue.enqueue(JobName.TrainPerson, { personId: 'p2', photoIds: ['a'] });
      const view = await jobSettled(queue, id);
      assert.equal(view.state, 'failed');
      assert.equal(view.failedReason, 'photo a.jpg: no face was found in the photo');
      assert.equal(calls, 1, 'not retried');
    } finally {
      await queue.close();
    }
  });

  it('retries a transient failure with backoff until it succeeds', async () => {
    let calls = 0;
    const queue = await JobQueue.start(
      { redisUrl: redis.url, prefix: randomUUID() },
      handlers({
        [JobName.TrainPerson]: ({ personId, photoIds }) => {
          calls++;
          return calls === 1
            ? Promise.reject(new Error('no recognition node connected'))
            : Promise.resolve({
                personId,
                model: 'face-api',
                accepted: photoIds,
                refused: [],
                lookalikes: [],
                galleryVersion: 9,
              });
        },
      }),
    );
    try {
      const id = await queue.enqueue(JobName.TrainPerson, { personId: 'p3', photoIds: ['c'] });
      const view = await jobSettled(queue, id);
      assert.equal(view.state, 'completed');
      assert.equal(view.attemptsMade, 2);
    } finally {
      await queue.close();
    }
  });

  it('adds nothing for the same training requested twice while the first is queued', async () => {
    const queue = await JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() });
    try {
      const first = await queue.enqueue(JobName.TrainPerson, { personId: 'p4', photoIds: ['b', 'a'] });
      const again = await queue.enqueue(JobName.TrainPerson, { personId: 'p4', photoIds: ['a', 'b'] });
      assert.equal(again, first);
      assert.equal(await queue.queue.count(), 1);
    } finally {
      await queue.close();
    }
  });

  it('makes one re-embedding job per model while one is queued or running, and a new one after it finished', async () => {
    const prefix = randomUUID();
    const producer = await JobQueue.start({ redisUrl: redis.url, prefix });
    let worker: JobQueue | undefined;
    try {
      const first = await producer.enqueue(JobName.ReembedGallery, { model: 'fr-feature' });
      assert.equal(await producer.enqueue(JobName.ReembedGallery, { model: 'fr-feature' }), first);
      const other = await producer.enqueue(JobName.ReembedGallery, { model: 'face-api' });
      assert.notEqual(other, first, 'another model is another job');
      assert.equal(await producer.queue.count(), 2);

      worker = await JobQueue.start({ redisUrl: redis.url, prefix }, handlers());
      assert.equal((await jobSettled(producer, first)).state, 'completed');
      // A finished job is kept for people to see, but blocks no later trigger.
      const next = await producer.enqueue(JobName.ReembedGallery, { model: 'fr-feature' });
      assert.notEqual(next, first);
      assert.equal((await jobSettled(producer, next)).state, 'completed');
      assert.equal((await producer.getJob(first))?.state, 'completed');
    } finally {
      await worker?.close();
      await producer.close();
    }
  });

  it('refuses to start a worker that lacks a handler', async () => {
    await assert.rejects(
      JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() }, {}),
      /no handler for job\(s\): train-person/,
    );
  });
});
