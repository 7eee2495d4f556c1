import type { JobQueue, JobView } from '../../src/queues/index.js';

/** Polls `probe` until it returns a value (errors count as "not yet"), or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The job once it has completed or failed. */
export function jobSettled(queue: JobQueue, id: string, timeoutMs = 20_000): Promise<JobView> {
  return until(
    `job ${id} to settle`,
    async () => {
      const view = await queue.getJob(id);
      return view && (view.state === 'completed' || view.state === 'failed') ? view : undefined;
    },
    timeoutMs,
  );
}
