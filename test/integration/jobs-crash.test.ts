/**
 * A training job survives the crash of the worker running it (real worker process, SIGKILL) and a
 * restart of the private Redis while it is queued (its append-only file keeps the job).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { JobName, JobQueue, PrivateRedis, type JobHandlers } from '../../src/queues/index.js';
import { CHILD_PROGRESS, JOB_WORKER_CHILD } from '../support/job-worker-child.js';
import { processExists } from '../support/processes.js';
import { tempDir } from '../support/temp.js';
import { jobSettled } from '../support/wait.js';

/** A worker that completes every training job, noting which attempt each run was. */
function completingHandlers(attempts: number[]): JobHandlers {
  return {
    [JobName.TrainPerson]: ({ personId, photoIds }, { attempt }) => {
      attempts.push(attempt);
      return Promise.resolve({
        personId,
        model: 'face-api',
        accepted: photoIds,
        refused: [],
        lookalikes: [],
        galleryVersion: 1,
      });
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
  };
}

describe('training jobs survive crashes', () => {
  let redis: PrivateRedis;

  before(async () => {
    redis = await PrivateRedis.start({ dataDir: await tempDir('jobs-crash') });
  });

  after(async () => {
    await redis.close();
  });

  it('a job whose worker process is killed mid-job is completed by another worker', async () => {
    const prefix = randomUUID();
    const producer = await JobQueue.start({ redisUrl: redis.url, prefix });
    const child = spawn(process.execPath, [JOB_WORKER_CHILD, redis.url, prefix], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    let rescuer: JobQueue | undefined;
    try {
      const id = await producer.enqueue(JobName.TrainPerson, { personId: 'p1', photoIds: ['a', 'b'] });
      const lines = createInterface({ input: child.stdout });
      let startedId: string | undefined;
      for await (const line of lines) {
        if (line.startsWith('started ')) {
          startedId = line.slice('started '.length);
          break;
        }
      }
      assert.equal(startedId, id, `the child started the job (stderr: ${stderr})`);
      const during = await producer.getJob(id);
      assert.equal(during?.state, 'active');
      assert.equal(during.progress, CHILD_PROGRESS);

      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
      assert.equal(processExists(child.pid), false);
      assert.equal((await producer.getJob(id))?.state, 'active', 'still locked to the dead worker');

      const attempts: number[] = [];
      rescuer = await JobQueue.start(
        { redisUrl: redis.url, prefix, stalledIntervalMs: 1000, lockDurationMs: 1000 },
        completingHandlers(attempts),
      );
      const view = await jobSettled(rescuer, id);
      assert.equal(view.state, 'completed', view.failedReason ?? '');
      assert.deepEqual(view.result, {
        personId: 'p1',
        model: 'face-api',
        accepted: ['a', 'b'],
        refused: [],
        lookalikes: [],
        galleryVersion: 1,
      });
      assert.equal(view.attemptsMade, 1, 'the crashed run is not counted as a failed attempt');
      assert.deepEqual(attempts, [2], 'run once more, as the second attempt');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rescuer?.close();
      await producer.close();
    }
  });

  it('a queued job survives a restart of the private Redis and then completes', async () => {
    const dataDir = await tempDir('jobs-redis-restart');
    const prefix = randomUUID();
    let first: PrivateRedis | undefined = await PrivateRedis.start({ dataDir });
    let second: PrivateRedis | undefined;
    let worker: JobQueue | undefined;
    try {
      const producer = await JobQueue.start({ redisUrl: first.url, prefix });
      const id = await producer.enqueue(JobName.TrainPerson, { personId: 'p2', photoIds: ['c'] });
      await producer.close();
      await first.close();
      first = undefined;

      // A new redis-server on the same data folder (on a new port: reconnect to its URL).
      second = await PrivateRedis.start({ dataDir });
      const attempts: number[] = [];
      worker = await JobQueue.start({ redisUrl: second.url, prefix }, completingHandlers(attempts));
      const view = await jobSettled(worker, id);
      assert.equal(view.state, 'completed', view.failedReason ?? '');
      assert.deepEqual(view.result, {
        personId: 'p2',
        model: 'face-api',
        accepted: ['c'],
        refused: [],
        lookalikes: [],
        galleryVersion: 1,
      });
      assert.deepEqual(attempts, [1]);
    } finally {
      await worker?.close();
      await second?.close();
      await first?.close();
    }
  });
});
