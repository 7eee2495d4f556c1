/**
 * The one typed job catalog: every background job's name, payload, queue and options in one place,
 * so a producer and its handler cannot drift apart.
 */
import type { JobSchedulerTemplateOptions, JobsOptions } from 'bullmq';
import type { DescriptorModel } from '../core/index.js';

/** Stable names: they are stored in Redis with every job, so never rename one. */
export const JobName = {
  /** Turn a person's uploaded photos into descriptors, check them, and push the gallery change. */
  TrainPerson: 'train-person',
  /**
   * Compute descriptors of one model for every accepted photo that lacks them (a node of that model
   * joined, or the default model changed), then push the new gallery once.
   */
  ReembedGallery: 'reembed-gallery',
  /**
   * Drop what is past the retention period: face crops of old events, and unknown faces nobody
   * reviewed. Made by a job scheduler (see {@link JOB_SCHEDULES}), once per period for the site.
   */
  ApplyRetention: 'apply-retention',
  /**
   * POST one event to one webhook, signed; retried with backoff until the receiver answers 2xx.
   * One job per (hook, event), whose id makes a second dispatch of the pair a no-op.
   */
  DeliverWebhook: 'deliver-webhook',
  /**
   * Every minute (a job scheduler): resolve today's group sessions and make `attendance.late` and
   * `attendance.absent` events, and queue the deliveries of events a stopped web node claimed but
   * never queued.
   */
  SweepWebhooks: 'sweep-webhooks',
} as const;

export type JobName = (typeof JobName)[keyof typeof JobName];

export interface JobPayloads {
  [JobName.TrainPerson]: { personId: string; photoIds: string[] };
  [JobName.ReembedGallery]: { model: DescriptorModel };
  /** Nothing: the job reads the retention period in force when it runs. */
  [JobName.ApplyRetention]: Record<string, never>;
  /**
   * Ids only: the hook (its URL and secret as they are at each attempt) and the event are read
   * from the store.
   */
  [JobName.DeliverWebhook]: { hookId: string; eventId: string };
  [JobName.SweepWebhooks]: Record<string, never>;
}

/** What a handler returns, stored as the job's result. */
export interface JobResults {
  [JobName.TrainPerson]: {
    personId: string;
    /** The model of the descriptors stored: the engine's that computed them. */
    model: DescriptorModel;
    accepted: string[];
    /**
     * `reason` names the photo and gives every reason in one line; `fileName` and `reasons` (one
     * plain sentence each) are the same, apart, for a page to list.
     */
    refused: { photoId: string; reason: string; fileName: string; reasons: string[] }[];
    /**
     * Accepted photos whose face is closer to someone already enrolled than the match threshold:
     * a twin, a look-alike, or the wrong person's photo. `message` says so in plain words.
     */
    lookalikes: { photoId: string; name: string; distance: number; message: string }[];
    galleryVersion: number;
  };
  [JobName.ReembedGallery]: {
    model: DescriptorModel;
    /** Photos that lacked descriptors of the model when the job looked. */
    photos: number;
    /** Photos that have them now. */
    embedded: number;
    /** Photos the model's engine could not use (no single clear face), and why; tried again next time. */
    refused: { photoId: string; reason: string }[];
    /** The gallery version after the job's one bump; unchanged when nothing was written. */
    galleryVersion: number;
  };
  [JobName.ApplyRetention]: {
    /** The period the run applied, read from the settings when it started. */
    retentionDays: number;
    /** What was captured before this instant (ISO 8601) was past retention. */
    cutoff: string;
    /** Open unknown faces captured before the cutoff, now dismissed. */
    dismissed: number;
    /** Event crops dropped. */
    cropsDropped: number;
  };
  [JobName.DeliverWebhook]: {
    hookId: string;
    eventId: string;
    /** The receiver's 2xx status; null when nothing was sent (see `skipped`). */
    statusCode: number | null;
    attempt: number;
    /** Why nothing was sent: the hook was deleted or switched off since the event. */
    skipped: string | null;
  };
  [JobName.SweepWebhooks]: {
    /** Events claimed by this run: late arrivals, and absences whose check-out window closed. */
    emitted: number;
    /** Events claimed earlier (by a web node that stopped before queueing them) queued now. */
    relayed: number;
    /** Delivered events old enough to forget. */
    pruned: number;
  };
}

/**
 * The BullMQ queues. Webhook deliveries have their own, with their own worker and concurrency: a
 * receiver that hangs until the request times out must not hold up training (which runs one at a
 * time), and a long re-embedding must not hold up the minute's late and absent events.
 */
export const QueueName = {
  /** Training, re-embedding, retention. */
  Main: 'rollcall',
  /** Webhook deliveries and the minute's sweep. */
  Webhooks: 'rollcall-webhooks',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** The main queue: `JobQueue`'s default. */
export const QUEUE_NAME = QueueName.Main;

/** Which queue each job runs on. */
export const JOB_QUEUES = {
  [JobName.TrainPerson]: QueueName.Main,
  [JobName.ReembedGallery]: QueueName.Main,
  [JobName.ApplyRetention]: QueueName.Main,
  [JobName.DeliverWebhook]: QueueName.Webhooks,
  [JobName.SweepWebhooks]: QueueName.Webhooks,
} as const satisfies Record<JobName, QueueName>;

/** The jobs that run on queue `Q`. */
export type JobOn<Q extends QueueName> = {
  [N in JobName]: (typeof JOB_QUEUES)[N] extends Q ? N : never;
}[JobName];

/** The names of the jobs on `queue`, in catalog order. */
export function jobsOn(queue: QueueName): JobName[] {
  return Object.values(JobName).filter((name) => JOB_QUEUES[name] === queue);
}

/**
 * How a job is retried: `attempts` in all, the first retry `delayMs` after a failure, each next
 * one twice as long, never longer than `maxDelayMs`. A receiver that is back gets the event within
 * `maxDelayMs`, however long it was away.
 */
export interface RetryPolicy {
  attempts: number;
  delayMs: number;
  maxDelayMs: number;
}

/** The backoff type BullMQ hands to `JobQueue`'s strategy, which applies the job's {@link RetryPolicy}. */
export const CAPPED_BACKOFF = 'capped-exponential';

/**
 * Webhook deliveries: 5 s, 10 s, 20 s … then every 5 minutes, 20 attempts in all. The retries span
 * about 70 minutes ({@link retrySpanMs}), so a receiver down for an hour still gets every event,
 * each at most 5 minutes after it is back; after that the delivery is failed and stays in the
 * hook's log and in Bull Board.
 */
export const DEFAULT_RETRY: { [JobName.DeliverWebhook]: RetryPolicy } = {
  [JobName.DeliverWebhook]: { attempts: 20, delayMs: 5_000, maxDelayMs: 5 * 60_000 },
};

/** Jobs whose retries can be tuned (`JobQueueOptions.retry`; tests use short ones). */
export type RetriedJobName = keyof typeof DEFAULT_RETRY;

/** The wait before retry number `retry` (1 for the first) under `policy`. */
export function retryDelayMs(retry: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.delayMs * 2 ** Math.max(0, retry - 1));
}

/** How long after the first attempt the last one starts: how long a receiver may be away. */
export function retrySpanMs(policy: RetryPolicy): number {
  let span = 0;
  for (let retry = 1; retry < policy.attempts; retry++) span += retryDelayMs(retry, policy);
  return span;
}

/** Characters BullMQ refuses in a custom job id (`:` separates its keys) escaped; the id stays readable. */
function idPart(text: string): string {
  return encodeURIComponent(text);
}

/** The id of the delivery job of one event to one hook: a second dispatch of the pair adds nothing. */
export function deliveryJobId(hookId: string, eventId: string): string {
  return `${JobName.DeliverWebhook}.${idPart(hookId)}.${idPart(eventId)}`;
}

/**
 * Retries with backoff for transient trouble (no recognition node connected, Redis hiccups); input
 * that can never succeed throws `UnrecoverableError` and fails at once. Finished jobs are kept a
 * while so people can see what happened to an upload.
 */
const BASE_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 5000 },
};

/**
 * Options for one job.
 *
 * - train-person: the job id de-duplicates: training the same photos twice while the first job is
 *   still queued adds nothing.
 * - reembed-gallery: one job per model at a time, however many nodes connect meanwhile. A fixed
 *   job id would also block the next job for as long as a finished one is kept (days), so the id
 *   is BullMQ's and the de-duplication id is fixed per model: BullMQ ignores an add while a job
 *   with that id is waiting, delayed or running, and takes a new one once it has finished.
 * - apply-retention: normally made by its scheduler ({@link JOB_SCHEDULES}); added by hand, it is
 *   de-duplicated by its name while one is waiting or running.
 * - deliver-webhook: one job per (hook, event) ({@link deliveryJobId}), retried under `retry`'s
 *   policy ({@link DEFAULT_RETRY} unless a queue is given another).
 * - sweep-webhooks: like apply-retention, made by its scheduler, de-duplicated by its name.
 */
export function jobOptions<N extends JobName>(
  name: N,
  payload: JobPayloads[N],
  retry: Record<RetriedJobName, RetryPolicy> = DEFAULT_RETRY,
): JobsOptions {
  if (name === JobName.DeliverWebhook) {
    // The job id de-duplicates the pair while the job is kept; the store's claim of the event
    // de-duplicates for good. Finished deliveries are in the hook's own log, so Redis keeps a day.
    const { hookId, eventId } = payload as JobPayloads[typeof JobName.DeliverWebhook];
    const policy = retry[JobName.DeliverWebhook];
    return {
      jobId: deliveryJobId(hookId, eventId),
      attempts: policy.attempts,
      backoff: { type: CAPPED_BACKOFF, delay: policy.delayMs },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    };
  }
  if (name === JobName.SweepWebhooks) {
    return { ...JOB_SCHEDULES[JobName.SweepWebhooks].options, deduplication: { id: name } };
  }
  if (name === JobName.ApplyRetention) {
    // Run by hand (say, from a script): one at a time, like the scheduler's.
    return { ...JOB_SCHEDULES[JobName.ApplyRetention].options, deduplication: { id: name } };
  }
  if (name === JobName.ReembedGallery) {
    const { model } = payload as JobPayloads[typeof JobName.ReembedGallery];
    return { ...BASE_OPTIONS, deduplication: { id: reembedDeduplicationId(model) } };
  }
  const { personId, photoIds } = payload as JobPayloads[typeof JobName.TrainPerson];
  return { ...BASE_OPTIONS, jobId: `${personJobIdPrefix(name, personId)}${[...photoIds].sort().join(',')}` };
}

/** Jobs made by a job scheduler instead of by a producer. */
export type ScheduledJobName = typeof JobName.ApplyRetention | typeof JobName.SweepWebhooks;

/** How a periodic job is made: by which scheduler, how often, with what payload and options. */
export interface JobSchedule<N extends ScheduledJobName> {
  /** The scheduler's id in Redis: fixed, so every web node that upserts it updates the one scheduler. */
  schedulerId: string;
  /** The period. */
  everyMs: number;
  payload: JobPayloads[N];
  /** Options of every job the scheduler makes (no job id: the scheduler names each run). */
  options: JobSchedulerTemplateOptions;
}

/**
 * Periodic jobs. Each is one BullMQ job scheduler in Redis, upserted by every web node at start
 * (`JobQueue.schedule`): however many web nodes run, the scheduler makes one job per period and
 * whichever worker takes it first runs it. A new scheduler's first job runs at once; a job that
 * fell due while no worker ran runs as soon as one starts.
 *
 * - apply-retention: hourly, so crops go within the hour of passing the period; a run reads the
 *   open unknown faces and prunes crops in one statement. A run that fails is retried a few times,
 *   then left to the next period; runs are kept a week (168 hourly ones) for Bull Board.
 */
export const JOB_SCHEDULES: { [N in ScheduledJobName]: JobSchedule<N> } = {
  [JobName.ApplyRetention]: {
    schedulerId: JobName.ApplyRetention,
    everyMs: 60 * 60 * 1000,
    payload: {},
    options: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 10_000 },
      removeOnComplete: { age: 7 * 24 * 3600, count: 500 },
      removeOnFail: { age: 30 * 24 * 3600, count: 500 },
    },
  },
  // Every minute, so a late arrival is told within a minute of it; a failed run is not retried,
  // the next minute's run does the same work. Runs are kept a few hours for Bull Board.
  [JobName.SweepWebhooks]: {
    schedulerId: JobName.SweepWebhooks,
    everyMs: 60 * 1000,
    payload: {},
    options: {
      attempts: 1,
      removeOnComplete: { age: 6 * 3600, count: 360 },
      removeOnFail: { age: 24 * 3600, count: 1440 },
    },
  },
};

/** The de-duplication id of the re-embedding job of `model`. */
export function reembedDeduplicationId(model: DescriptorModel): string {
  return `${JobName.ReembedGallery}.${model}`;
}

/**
 * Every id of a person's jobs of this name starts with this. Person ids may contain `.`, so the
 * prefix of `p1` also starts the ids of `p1.x`: whoever filters by it checks the payload too.
 */
export function personJobIdPrefix(name: JobName, personId: string): string {
  return `${name}.${personId}.`;
}

/** What a handler knows about the run it is in. */
export interface JobContext {
  jobId: string;
  /** 1 for the first run; a run cut short by a worker crash counts too. */
  attempt: number;
  /**
   * Reports how far the run is, 0–100, and optionally what it is doing (plain JSON: the training
   * job names the photo it has just read), shown by `GET /jobs/:id` as `progressDetail`.
   */
  reportProgress: (progress: number, detail?: Record<string, unknown>) => Promise<void>;
}

export type JobHandler<N extends JobName> = (
  payload: JobPayloads[N],
  context: JobContext,
) => Promise<JobResults[N]>;

/** A handler for every job of queue `Q` (by default the main queue's). */
export type JobHandlers<Q extends QueueName = typeof QueueName.Main> = { [N in JobOn<Q>]: JobHandler<N> };

/**
 * Every job of the queue needs a handler; checked at start so a missing one fails loudly, not
 * silently.
 */
export function assertHandlersComplete<Q extends QueueName = typeof QueueName.Main>(
  handlers: Partial<JobHandlers<Q>>,
  queue: Q = QueueName.Main as Q,
): asserts handlers is JobHandlers<Q> {
  const given = handlers as Partial<Record<JobName, unknown>>;
  const missing = jobsOn(queue).filter((name) => typeof given[name] !== 'function');
  if (missing.length > 0) throw new Error(`no handler for job(s): ${missing.join(', ')}`);
}
