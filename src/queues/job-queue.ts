/**
 * Background jobs on BullMQ: typed enqueueing, job status for the API, and a worker that runs the
 * catalog's handlers. A job survives a worker crash: BullMQ moves a job whose lock lapses back to
 * waiting (stalled-job recovery), and Redis keeps it across restarts.
 */
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import {
  assertHandlersComplete,
  jobOptions,
  QUEUE_NAME,
  type JobHandlers,
  type JobName,
  type JobPayloads,
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

export type JobState =
  'waiting' | 'active' | 'completed' | 'failed' | 'delayed' | 'prioritized' | 'waiting-children' | 'unknown';

/** What the API reports about a job. */
export interface JobView {
  id: string;
  name: string;
  state: JobState;
  progress: number;
  attemptsMade: number;
  result: unknown;
  failedReason: string | null;
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
              context: { attempt: number; reportProgress: (progress: number) => Promise<void> },
            ) => Promise<unknown>;
            return handler(job.data, {
              attempt: job.attemptsMade + 1,
              reportProgress: (progress) => job.updateProgress(progress),
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

  async getJob(id: string): Promise<JobView | undefined> {
    const job = await this.queue.getJob(id);
    if (!job) return undefined;
    const state = await job.getState();
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

  /** Stops the worker (letting the current job finish) and disconnects; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.worker?.close();
      await this.queue.close();
    })();
    return this.#closing;
  }
}
