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
}
