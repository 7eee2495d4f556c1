/**
 * What the API reports about a job. Type-only and free of Node, so the pages' scripts read the very
 * type the queue answers with.
 */

export type JobState =
  'waiting' | 'active' | 'completed' | 'failed' | 'delayed' | 'prioritized' | 'waiting-children' | 'unknown';

/** What the API reports about a job. */
export interface JobView {
  id: string;
  name: string;
  state: JobState;
  /** 0–100. */
  progress: number;
  /**
   * What the job said with its last progress report, when it said more than a number (the training
   * job: `TrainingProgress` in `services/views.ts`); null otherwise.
   */
  progressDetail: object | null;
  attemptsMade: number;
  result: unknown;
  failedReason: string | null;
  /** When it was queued (ISO 8601); a retry keeps it. */
  queuedAt: string;
  /** When its latest run started; null until a worker takes it (and again once retried). */
  startedAt: string | null;
  /** When it completed or failed for good; null while it may still run. */
  finishedAt: string | null;
  /** Runs it may take before it fails for good (retries of transient trouble included). */
  attemptsAllowed: number;
}

/**
 * The states a job list is filtered by and counted in: `waiting` also holds prioritized (and
 * paused) jobs, `delayed` the ones waiting out the backoff before their next try.
 */
export type ListedJobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';
