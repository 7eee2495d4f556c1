/**
 * The background jobs as administrators see them on the Jobs page: the training of each person's
 * photos and the re-embedding of the gallery for a face model, newest first, each with whom it is
 * about and, when it failed, why in plain words; and running a failed one again. The hourly
 * retention job is the site's housekeeping, not something an administrator acts on: it is left to
 * Bull Board (`/admin/queues`).
 */
import { ErrorCode, isDescriptorModel, RollcallError, type DescriptorModel } from '../core/index.js';
import {
  JobName,
  type JobQueue,
  type JobState,
  type ListedJob,
  type ListedJobState,
} from '../queues/index.js';
import type { Store } from '../store/index.js';
import type { JobListItem, JobListPage } from './views.js';

export type { JobListItem, JobListPage };

/** The jobs administrators see and may run again. */
export const ADMIN_JOB_NAMES: readonly JobName[] = [JobName.TrainPerson, JobName.ReembedGallery];

export interface JobListDeps {
  jobs: Pick<JobQueue, 'listJobs' | 'getListedJob' | 'retry'>;
  /** Only the names of the people trained are read. */
  store: Pick<Store, 'getPerson'>;
}

export interface JobListQuery {
  /** Only jobs in this state. @defaultValue every state */
  state?: ListedJobState;
  offset: number;
  limit: number;
}

/** A job's state in the words the page uses, for messages. */
const STATE_WORDS: Record<JobState, string> = {
  waiting: 'waiting to run',
  prioritized: 'waiting to run',
  'waiting-children': 'waiting to run',
  active: 'running',
  delayed: 'waiting to try again',
  completed: 'done',
  failed: 'failed',
  unknown: 'gone',
};

/** BullMQ's own failure messages, for the ones a handler did not write. */
const QUEUE_FAILURES: readonly [RegExp, string][] = [
  [
    /stalled more than allowable limit/i,
    'The web node stopped while running it (a crash or a restart), more often than allowed',
  ],
  [
    /missing lock|lock mismatch|lock is lost/i,
    'The worker lost hold of it (the web node was busy or restarted)',
  ],
];

/** The part of a training job's failure that leads its per-photo reasons (`train-person.job.ts`). */
const NO_PHOTO_USABLE = / could be used: /;

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A job's failure reason in plain words: its first line only (never a stack trace), BullMQ's own
 * messages said as a person would, and a training job's "no photo of NAME could be used: a.jpg:
 * why; b.jpg: why" split into the headline and one reason per photo. Null when there is none.
 */
export function plainFailure(reason: string | null): JobListItem['failure'] {
  const line = reason?.split('\n', 1)[0]?.trim() ?? '';
  if (line === '') return null;
  for (const [pattern, words] of QUEUE_FAILURES) {
    if (pattern.test(line)) return { message: words, reasons: [] };
  }
  const split = line.startsWith('no photo of ') ? NO_PHOTO_USABLE.exec(line) : null;
  if (split) {
    const reasons = line
      .slice(split.index + split[0].length)
      .split('; ')
      .map((r) => r.trim())
      .filter((r) => r !== '');
    return { message: capitalised(line.slice(0, split.index + ' could be used'.length)), reasons };
  }
  return { message: capitalised(line), reasons: [] };
}

function field(payload: unknown, key: string): unknown {
  return typeof payload === 'object' && payload !== null
    ? (payload as Record<string, unknown>)[key]
    : undefined;
}

function conflict(message: string): RollcallError {
  return new RollcallError(ErrorCode.StoreConflict, message);
}

export class JobListService {
  constructor(private readonly deps: JobListDeps) {}

  /** A page of the administrators' jobs, newest first; each person is read once a page. */
  async list(query: JobListQuery): Promise<JobListPage> {
    const page = await this.deps.jobs.listJobs({
      names: ADMIN_JOB_NAMES,
      offset: query.offset,
      limit: query.limit,
      ...(query.state === undefined ? {} : { states: [query.state] }),
    });
    const names = new Map<string, Promise<string | null>>();
    const items = await Promise.all(page.items.map((job) => this.#item(job, names)));
    return { items, nextOffset: page.nextOffset, counts: page.counts };
  }

  /**
   * Runs a failed job again; answers it as it is now (waiting, or already running).
   *
   * @throws RollcallError `NOT_FOUND` for an id that is no training or gallery job, `STORE_CONFLICT`
   *   when the job has not failed (it is waiting, running or done, or someone retried it a moment
   *   ago) or trains a person deleted since (it could only fail again).
   */
  async retry(id: string): Promise<JobListItem> {
    const { jobs } = this.deps;
    const before = await this.#adminJob(id);
    if (before.state !== 'failed') {
      throw conflict(`this job is ${STATE_WORDS[before.state]}: only a failed job can be run again`);
    }
    if (!before.retryable) {
      throw conflict(`the person this job trained was deleted: enroll them again on the People page`);
    }
    const outcome = await jobs.retry(id);
    if (!outcome.retried) {
      if (outcome.state === 'unknown') throw new RollcallError(ErrorCode.NotFound, `no job with id ${id}`);
      throw conflict(`this job is ${STATE_WORDS[outcome.state]}: only a failed job can be run again`);
    }
    return this.#adminJob(id);
  }

  async #adminJob(id: string): Promise<JobListItem> {
    const job = await this.deps.jobs.getListedJob(id);
    if (!job || !ADMIN_JOB_NAMES.includes(job.name as JobName)) {
      throw new RollcallError(ErrorCode.NotFound, `no training or gallery job with id ${id}`);
    }
    return this.#item(job, new Map());
  }

  async #item(job: ListedJob, names: Map<string, Promise<string | null>>): Promise<JobListItem> {
    const { payload, ...view } = job;
    const failure = job.state === 'failed' || job.state === 'delayed' ? plainFailure(job.failedReason) : null;
    if (job.name === JobName.ReembedGallery) {
      const model = field(payload, 'model');
      return {
        ...view,
        kind: 'gallery',
        person: null,
        model: isDescriptorModel(model) ? (model satisfies DescriptorModel) : null,
        photoCount: null,
        failure,
        retryable: job.state === 'failed',
      };
    }
    const personId = field(payload, 'personId');
    const photoIds = field(payload, 'photoIds');
    let person: JobListItem['person'] = null;
    if (typeof personId === 'string') {
      let name = names.get(personId);
      if (name === undefined) {
        name = this.deps.store.getPerson(personId).then((p) => p?.name ?? null);
        names.set(personId, name);
      }
      person = { id: personId, name: await name };
    }
    return {
      ...view,
      kind: 'training',
      person,
      model: null,
      photoCount: Array.isArray(photoIds) ? photoIds.length : null,
      failure,
      // Its person gone, a training can only fail again ("no longer exists").
      retryable: job.state === 'failed' && person !== null && person.name !== null,
    };
  }
}
