/**
 * Background jobs on BullMQ: typed enqueueing, job status for the API, and a worker that runs the
 * catalog's handlers. A job survives a worker crash: BullMQ moves a job whose lock lapses back to
 * waiting (stalled-job recovery), and Redis keeps it across restarts. One `JobQueue` serves one
 * queue of the catalog (`QueueName`): the main one, or the webhook deliveries'.
 */
import type { JobState, JobView } from './job-view.js';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import {
  assertHandlersComplete,
  CAPPED_BACKOFF,
  DEFAULT_RETRY,
  JOB_QUEUES,
  JOB_SCHEDULES,
  jobOptions,
  JobName,
  personJobIdPrefix,
  QueueName,
  retryDelayMs,
  type JobContext,
  type JobHandlers,
  type JobOn,
  type JobPayloads,
  type RetriedJobName,
  type RetryPolicy,
  type ScheduledJobName,
} from './job-catalog.js';

export interface JobQueueOptions<Q extends QueueName = typeof QueueName.Main> {
  /**
   * Which queue of the catalog this serves: its jobs only are enqueued here and, with handlers,
   * run by its worker. @defaultValue `rollcall` (training, re-embedding, retention)
   */
  queue?: Q;
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
  /** Retries of the jobs that have a {@link RetryPolicy}. @defaultValue the catalog's (`DEFAULT_RETRY`) */
  retry?: Partial<Record<RetriedJobName, RetryPolicy>>;
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

function checkRetry(name: string, policy: RetryPolicy): void {
  const whole = (value: number, min: number) => Number.isInteger(value) && value >= min;
  if (!whole(policy.attempts, 1) || !whole(policy.delayMs, 1) || !whole(policy.maxDelayMs, policy.delayMs)) {
    throw new RangeError(
      `retry.${name}: attempts ≥ 1, delayMs ≥ 1 and maxDelayMs ≥ delayMs, all whole numbers; got ${JSON.stringify(policy)}`,
    );
  }
}

export class JobQueue<Q extends QueueName = typeof QueueName.Main> {
  #closing: Promise<void> | undefined;

  private constructor(
    /** The BullMQ queue itself, for Bull Board. Other rooms use the methods below. */
    readonly queue: Queue,
    private readonly worker: Worker | undefined,
    /** Which queue of the catalog this is. */
    readonly name: Q,
    private readonly retry: Record<RetriedJobName, RetryPolicy>,
  ) {}

  /** Connects; with `handlers`, also starts a worker (every job of the queue must have a handler). */
  static async start<Q extends QueueName = typeof QueueName.Main>(
    options: JobQueueOptions<Q>,
    handlers?: Partial<JobHandlers<Q>>,
  ): Promise<JobQueue<Q>> {
    const connection = connectionFromUrl(options.redisUrl);
    const prefix = options.prefix ?? 'rollcall';
    const name = options.queue ?? (QueueName.Main as Q);
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    for (const [job, policy] of Object.entries(retry)) checkRetry(job, policy);
    const queue = new Queue(name, { connection, prefix });
    let worker: Worker | undefined;
    try {
      await queue.waitUntilReady();
      if (handlers) {
        assertHandlersComplete(handlers, name);
        const complete = handlers as Partial<Record<JobName, unknown>>;
        worker = new Worker(
          name,
          async (job: Job) => {
            const handler = complete[job.name as JobName] as (
              payload: unknown,
              context: JobContext,
            ) => Promise<unknown>;
            return handler(job.data, {
              jobId: job.id ?? '',
              // attemptsMade counts finished runs only; a run cut short by a crash is "started".
              attempt: Math.max(job.attemptsStarted, job.attemptsMade + 1),
              reportProgress: (progress) => job.updateProgress(progress),
            });
          },
          {
            connection,
            prefix,
            concurrency: options.concurrency ?? 1,
            stalledInterval: options.stalledIntervalMs ?? 30_000,
            lockDuration: options.lockDurationMs ?? 30_000,
            settings: {
              // BullMQ's own exponential backoff grows without bound; the catalog's retry policies
              // stop growing at their maxDelayMs (see RetryPolicy).
              backoffStrategy: (attemptsMade, type, _error, job) => {
                const policy = retry[job?.name as RetriedJobName] as RetryPolicy | undefined;
                if (type !== CAPPED_BACKOFF || policy === undefined)
                  throw new Error(`no backoff ${String(type)} for job ${String(job?.name)}`);
                return retryDelayMs(attemptsMade, policy);
              },
            },
          },
        );
        await worker.waitUntilReady();
      }
    } catch (error) {
      await worker?.close();
      await queue.close();
      throw error;
    }
    return new JobQueue(queue, worker, name, retry);
  }

  /** The types keep a job on its queue; this keeps callers that cast, too. */
  private assertOnThisQueue(name: JobName): void {
    const queue: QueueName = JOB_QUEUES[name];
    if (queue !== this.name) throw new Error(`${name} jobs run on the ${queue} queue, not ${this.name}`);
  }

  /** Adds a job; returns its id (the same id again for a duplicate still in the queue). */
  async enqueue<N extends JobOn<Q>>(name: N, payload: JobPayloads[N]): Promise<string> {
    this.assertOnThisQueue(name);
    const job = await this.queue.add(name, payload, jobOptions(name, payload, this.retry));
    if (job.id === undefined) throw new Error('BullMQ returned a job without an id');
    return job.id;
  }

  /**
   * Creates or updates the job scheduler of a periodic job ({@link JOB_SCHEDULES}). Every web node
   * calls this at start; the scheduler's id is fixed, so there is still one scheduler, one job per
   * period, and a node that upserts the period already in force moves nothing: the next job keeps
   * its time. A new scheduler's first job runs at once.
   */
  async schedule(name: ScheduledJobName & JobOn<Q>, options: ScheduleOptions = {}): Promise<void> {
    this.assertOnThisQueue(name);
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
      progress: typeof job.progress === 'number' ? job.progress : 0,
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
