/**
 * The one typed job catalog: every background job's name, payload and options in one place, so a
 * producer and its handler cannot drift apart.
 */
import type { JobsOptions } from 'bullmq';

/** Stable names: they are stored in Redis with every job, so never rename one. */
export const JobName = {
  /** Turn a person's uploaded photos into descriptors, check them, and push the gallery change. */
  TrainPerson: 'train-person',
} as const;

export type JobName = (typeof JobName)[keyof typeof JobName];

export interface JobPayloads {
  [JobName.TrainPerson]: { personId: string; photoIds: string[] };
}

/** What a handler returns, stored as the job's result. */
export interface JobResults {
  [JobName.TrainPerson]: {
    personId: string;
    accepted: string[];
    refused: { photoId: string; reason: string }[];
    galleryVersion: number;
  };
}

/** The BullMQ queue every Rollcall job runs on. */
export const QUEUE_NAME = 'rollcall';

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
 * Options for one job. The job id de-duplicates: training the same photos twice while the first
 * job is still queued adds nothing.
 */
export function jobOptions<N extends JobName>(name: N, payload: JobPayloads[N]): JobsOptions {
  const { personId, photoIds } = payload;
  return { ...BASE_OPTIONS, jobId: `${personJobIdPrefix(name, personId)}${[...photoIds].sort().join(',')}` };
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
  reportProgress: (progress: number) => Promise<void>;
}

export type JobHandler<N extends JobName> = (
  payload: JobPayloads[N],
  context: JobContext,
) => Promise<JobResults[N]>;

export type JobHandlers = { [N in JobName]: JobHandler<N> };

/** Every job name needs a handler; checked at start so a missing one fails loudly, not silently. */
export function assertHandlersComplete(handlers: Partial<JobHandlers>): asserts handlers is JobHandlers {
  const missing = Object.values(JobName).filter((name) => typeof handlers[name] !== 'function');
  if (missing.length > 0) throw new Error(`no handler for job(s): ${missing.join(', ')}`);
}
