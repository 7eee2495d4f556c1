/**
 * Background jobs on BullMQ: typed enqueueing, job status for the API, and a worker that runs the
 * catalog's handlers. A job survives a worker crash: BullMQ moves a job whose lock lapses back to
 * waiting (stalled-job recovery), and Redis keeps it across restarts. One `JobQueue` serves one
 * queue of the catalog (`QueueName`): the main one, or the webhook deliveries'.
 */
import type { JobState, JobView, ListedJobState } from './job-view.js';
import { Queue, Worker, type ConnectionOptions, type Job, type JobType } from 'bullmq';
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

export type { JobState, JobView, ListedJobState };

/** Every state a job list can show, in the order a filter offers them. */
export const LISTED_JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'completed',
  'failed',
] as const satisfies readonly ListedJobState[];

export interface JobListQuery {
  /** Only jobs of these names. @defaultValue every name */
  names?: readonly JobName[];
  /** Only jobs in these states. @defaultValue every listed state */
  states?: readonly ListedJobState[];
  /** Jobs to skip, newest first. @defaultValue 0 */
  offset?: number;
  /** Jobs to answer at most. @defaultValue 50 */
  limit?: number;
}

/** A job of a list: its view, and the payload it was queued with (for whoever names its subject). */
export interface ListedJob extends JobView {
  payload: unknown;
}

export interface JobList {
  /** Newest first (by the time each was queued). */
  items: ListedJob[];
  /** The offset of the next page; null on the last. */
  nextOffset: number | null;
  /** How many jobs of the names asked for are in each state, whatever the `states` asked for. */
  counts: Record<ListedJobState, number>;
}

/** What became of a request to run a failed job again. */
export type RetryOutcome = { retried: true } | { retried: false; state: JobState };

/**
 * BullMQ's lists in the order a job moves through them. Read one after another in this order, a job
 * that moves meanwhile is met again further on, and the later (newer) sighting wins; it is never
 * shown twice. (A job moved back, a retry from failed to waiting, can be missed by one read.)
 */
const LIST_READS: readonly { type: JobType; state: JobState; listed: ListedJobState }[] = [
  { type: 'delayed', state: 'delayed', listed: 'delayed' },
  // BullMQ reads the paused list with the waiting one.
  { type: 'waiting', state: 'waiting', listed: 'waiting' },
  { type: 'prioritized', state: 'prioritized', listed: 'waiting' },
  { type: 'active', state: 'active', listed: 'active' },
  { type: 'completed', state: 'completed', listed: 'completed' },
  { type: 'failed', state: 'failed', listed: 'failed' },
];

function isoOrNull(ms: number | null | undefined): string | null {
  return typeof ms === 'number' && ms > 0 ? new Date(ms).toISOString() : null;
}

/** A BullMQ job as the API reports it, in the state it was read in. */
function jobView(id: string, job: Job, state: JobState): JobView {
  return {
    id,
    name: job.name,
    state,
    ...readProgress(job.progress),
    attemptsMade: job.attemptsMade,
    result: job.returnvalue ?? null,
    failedReason: job.failedReason || null,
    queuedAt: new Date(job.timestamp).toISOString(),
    startedAt: isoOrNull(job.processedOn),
    finishedAt: isoOrNull(job.finishedOn),
    attemptsAllowed: job.opts.attempts ?? 1,
  };
}

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
    private readonly retryPolicies: Record<RetriedJobName, RetryPolicy>,
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
    const job = await this.queue.add(name, payload, jobOptions(name, payload, this.retryPolicies));
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
    return jobView(id, job, state);
  }

  /** One job with its payload, as {@link JobQueue.listJobs} lists it; undefined when there is none. */
  async getListedJob(id: string): Promise<ListedJob | undefined> {
    const view = await this.getJob(id);
    const job = view && (await this.queue.getJob(id));
    return view && job ? { ...view, payload: job.data as unknown } : undefined;
  }

  /**
   * A page of the jobs in the queue, newest first, with how many are in each state. Every job of the
   * listed states is read to sort and count them: the queue keeps finished jobs for a bounded time
   * and number (the catalog's `removeOnComplete`/`removeOnFail`), which bounds the read.
   */
  async listJobs(query: JobListQuery = {}): Promise<JobList> {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 50;
    const names = query.names === undefined ? undefined : new Set<string>(query.names);
    const states = new Set<ListedJobState>(query.states ?? LISTED_JOB_STATES);
    const found = new Map<string, { job: Job; state: JobState; listed: ListedJobState }>();
    for (const { type, state, listed } of LIST_READS) {
      for (const job of await this.queue.getJobs(type)) {
        if (job.id === undefined || (names && !names.has(job.name))) continue;
        // Map order is first-insertion order; the later sighting replaces the earlier.
        found.delete(job.id);
        found.set(job.id, { job, state, listed });
      }
    }
    const counts: Record<ListedJobState, number> = {
      waiting: 0,
      active: 0,
      delayed: 0,
      completed: 0,
      failed: 0,
    };
    const shown: { id: string; job: Job; state: JobState }[] = [];
    for (const [id, { job, state, listed }] of found) {
      counts[listed]++;
      if (states.has(listed)) shown.push({ id, job, state });
    }
    shown.sort((a, b) => b.job.timestamp - a.job.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = shown.slice(offset, offset + limit);
    return {
      items: page.map(({ id, job, state }) => ({ ...jobView(id, job, state), payload: job.data as unknown })),
      nextOffset: offset + limit < shown.length ? offset + limit : null,
      counts,
    };
  }

  /**
   * Runs a failed job again, from the start, with a fresh set of tries for transient trouble (its
   * attempts made are reset). The runs it started stay counted, so its handler still knows it is
   * not the first (`JobContext.attempt`: re-embedding then bumps the gallery even when an earlier
   * run wrote the descriptors), and its progress starts again from 0. Only a failed job is moved:
   * BullMQ checks it again in the script that moves it.
   */
  async retry(id: string): Promise<RetryOutcome> {
    const job = await this.queue.getJob(id);
    if (!job) return { retried: false, state: 'unknown' };
    const state = await job.getState();
    if (state !== 'failed') return { retried: false, state };
    // The run again starts from nothing, not where the failed run left its progress.
    await job.updateProgress(0);
    try {
      await job.retry('failed', { resetAttemptsMade: true });
    } catch (error) {
      // Not (or no longer) in the failed set: retried by someone else, or never failed.
      const state = await this.queue.getJobState(id);
      if (state !== 'failed') return { retried: false, state };
      throw error;
    }
    return { retried: true };
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
