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
  progress: number;
  attemptsMade: number;
  result: unknown;
  failedReason: string | null;
}
