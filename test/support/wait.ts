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

/** Polls a synchronous `check` until it holds (throwing counts as "not yet"), or fails after `timeoutMs`. */
export function untilTrue(what: string, check: () => boolean, timeoutMs = 60_000): Promise<true> {
  // A throwing check rejects (inside the executor) rather than escaping the poll loop.
  return until(
    what,
    () =>
      new Promise<true | undefined>((resolve) => {
        resolve(check() ? true : undefined);
      }),
    timeoutMs,
  );
}
