/**
 * A job worker in its own process, for crash tests: `node job-worker-child.js REDIS_URL PREFIX`
 * starts a JobQueue worker whose training handler reports progress, prints `started JOBID` and
 * then hangs, holding the job until the test kills the process. Its lock lasts 1 s, so a killed
 * worker's job is seen as stalled soon after.
 *
 * With a third argument `WORK_MS`, each job instead takes WORK_MS and completes (accepting every
 * photo), printing `started JOBID` and `completed JOBID`: a worker getting through a batch.
 */
import { fileURLToPath } from 'node:url';
import { JobName, JobQueue } from '../../src/queues/index.js';

export const JOB_WORKER_CHILD = fileURLToPath(import.meta.url);

/** Progress the hanging handler reports before it prints `started`. */
export const CHILD_PROGRESS = 10;

async function main(argv: string[]): Promise<void> {
  const [redisUrl, prefix, workMs] = argv;
  if (redisUrl === undefined || prefix === undefined)
    throw new Error('usage: job-worker-child REDIS_URL PREFIX');
  await JobQueue.start(
    { redisUrl, prefix, lockDurationMs: 1000, stalledIntervalMs: 1000 },
    {
      [JobName.TrainPerson]: async ({ personId, photoIds }, { jobId, reportProgress }) => {
        await reportProgress(CHILD_PROGRESS);
        process.stdout.write(`started ${jobId}\n`);
        if (workMs === undefined) return new Promise<never>(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, Number(workMs)));
        process.stdout.write(`completed ${jobId}\n`);
        return {
          personId,
          model: 'face-api',
          accepted: photoIds,
          refused: [],
          lookalikes: [],
          galleryVersion: 1,
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
    },
  );
  process.stdout.write('ready\n');
  // Stay alive until the test kills us.
  setInterval(() => undefined, 60_000);
}

if (process.argv[1] === JOB_WORKER_CHILD) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
