/**
 * Background jobs on BullMQ: typed enqueueing, job status for the API, and a worker that runs the
 * catalog's handlers. A job survives a worker crash: BullMQ moves a job whose lock lapses back to
 * waiting (stalled-job recovery), and Redis keeps it across restarts.
 */
import type { JobState, JobView } from './job-view.js';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import {
  assertHandlersComplete,
  JOB_SCHEDULES,
  jobOptions,
  JobName,
  personJobIdPrefix,
  QUEUE_NAME,
  type JobContext,
  type JobHandlers,
  type JobPayloads,
  type ScheduledJobName,
} from './job-catalog.js';

export interface JobQueueOptions {
  /** `redis://` or `rediss://` URL. */
  redisUrl: string;
  /** Key prefix in Redis; tests use a unique one each. @defaultValue `rollcall` */
  prefix?: string;
  /** Jobs one worker runs at once; training is CPU-bound on the engine pool. @defaultValue 1 */
  concurrency?: number;
  /** How often the worker looks for jobs whose worker died. @defaultValue 30000 */
  stalledIntervalMs?: number;
  /** How long a job stays locked to its worker without renewal. @defaultValue 30000 */
  lockDurationMs?: number;
}

export interface ScheduleOptions {
  /**
   * The period, overriding the catalog's; every node should use the same one (the last to upsert
   * sets it for all). Tests use a short one.
   * @defaultValue the catalog's (`JOB_SCHEDULES`)
   */
  everyMs?: number;
}

export type { JobState, JobView };

/** ioredis options from a Redis URL, as BullMQ wants them. */
export function connectionFromUrl(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(Number.isInteger(db) ? { db } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ workers block on Redis; ioredis must not give up on those commands.
    maxRetriesPerRequest: null,
  };
}

/** A job's progress as stored: a number, or `{ percent, detail }` from a report with a detail. */
function readProgress(stored: unknown): Pick<JobView, 'progress' | 'progressDetail'> {
  if (typeof stored === 'number') return { progress: stored, progressDetail: null };
  if (typeof stored === 'object' && stored !== null) {
    const { percent, detail } = stored as { percent?: unknown; detail?: unknown };
    return {
      progress: typeof percent === 'number' ? percent : 0,
      progressDetail: typeof detail === 'object' && detail !== null ? detail : null,
    };
  }
  return { progress: 0, progressDetail: null };
}

export class JobQueue {
  #closing: Promise<void> | undefined;

  private constructor(
    /** The BullMQ queue itself, for Bull Board. Other rooms use the methods below. */
    readonly queue: Queue,
    private readonly worker: Worker | undefined,
  ) {}

  /** Connects; with `handlers`, also starts a worker (every job must have a handler). */
  static async start(options: JobQueueOptions, handlers?: Partial<JobHandlers>): Promise<JobQueue> {
    const connection = connectionFromUrl(options.redisUrl);
    const prefix = options.prefix ?? 'rollcall';
    const queue = new Queue(QUEUE_NAME, { connection, prefix });
    let worker: Worker | undefined;
    try {
      await queue.waitUntilReady();
      if (handlers) {
        assertHandlersComplete(handlers);
        const complete = handlers;
        worker = new Worker(
          QUEUE_NAME,
          async (job: Job) => {
            const handler = complete[job.name as JobName] as (
              payload: unknown,
              context: JobContext,
            ) => Promise<unknown>;
            return handler(job.data, {
              jobId: job.id ?? '',
              // attemptsMade counts finished runs only; a run cut short by a crash is "started".
              attempt: Math.max(job.attemptsStarted, job.attemptsMade + 1),
              reportProgress: (progress, detail) =>
                job.updateProgress(detail === undefined ? progress : { percent: progress, detail }),
            });
          },
          {
            connection,
            prefix,
            concurrency: options.concurrency ?? 1,
            stalledInterval: options.stalledIntervalMs ?? 30_000,
            lockDuration: options.lockDurationMs ?? 30_000,
          },
        );
        await worker.waitUntilReady();
      }
    } catch (error) {
      await worker?.close();
      await queue.close();
      throw error;
    }
    return new JobQueue(queue, worker);
  }

  /** Adds a job; returns its id (the same id again for a duplicate still in the queue). */
  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<string> {
    const job = await this.queue.add(name, payload, jobOptions(name, payload));
    if (job.id === undefined) throw new Error('BullMQ returned a job without an id');
    return job.id;
  }

  /**
   * Creates or updates the job scheduler of a periodic job ({@link JOB_SCHEDULES}). Every web node
   * calls this at start; the scheduler's id is fixed, so there is still one scheduler, one job per
   * period, and a node that upserts the period already in force moves nothing: the next job keeps
   * its time. A new scheduler's first job runs at once.
   */
  async schedule(name: ScheduledJobName, options: ScheduleOptions = {}): Promise<void> {
    const { schedulerId, everyMs: defaultEveryMs, payload, options: jobOpts } = JOB_SCHEDULES[name];
    const everyMs = options.everyMs ?? defaultEveryMs;
    if (!Number.isInteger(everyMs) || everyMs < 1) {
      throw new RangeError(`everyMs: must be a whole number of milliseconds ≥ 1, got ${String(everyMs)}`);
    }
    await this.queue.upsertJobScheduler(
      schedulerId,
      { every: everyMs },
      { name, data: payload, opts: jobOpts },
    );
  }

  async getJob(id: string): Promise<JobView | undefined> {
    // State before data: a job that finishes between the two reads then shows its result with an
    // older state, never "completed" with no result yet.
    let state: JobState = await this.queue.getJobState(id);
    const job = await this.queue.getJob(id);
    if (!job) return undefined;
    if (state === 'unknown') state = await job.getState();
    return {
      id,
      name: job.name,
      state,
      ...readProgress(job.progress),
      attemptsMade: job.attemptsMade,
      result: job.returnvalue ?? null,
      failedReason: job.failedReason || null,
    };
  }

  /**
   * Removes a person's training jobs that have not started, and their finished ones (whose result
   * names the person's photos), when the person is erased. A job already running is left alone
   * (its worker holds the lock): the store refuses its writes for the erased photos, and its retry
   * finds the person gone and fails for good. Returns how many were removed.
   */
  async removeJobsFor(personId: string): Promise<number> {
    const prefix = personJobIdPrefix(JobName.TrainPerson, personId);
    // 'waiting' includes 'paused'; a job waiting out its retry backoff is 'delayed'.
    const jobs = await this.queue.getJobs(['waiting', 'delayed', 'prioritized', 'completed', 'failed']);
    let removed = 0;
    for (const job of jobs) {
      const data = job.data as Partial<JobPayloads[typeof JobName.TrainPerson]> | undefined;
      if (job.name !== JobName.TrainPerson || !job.id?.startsWith(prefix) || data?.personId !== personId)
        continue;
      try {
        await job.remove();
        removed++;
      } catch (error) {
        // Picked up by a worker (locked) or removed by BullMQ since the listing: not ours to remove.
        const state = await this.queue.getJobState(job.id);
        if (state !== 'active' && state !== 'unknown') throw error;
      }
    }
    return removed;
  }

  /** Stops the worker (letting the current job finish) and disconnects; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.worker?.close();
      await this.queue.close();
    })();
    return this.#closing;
  }
}
