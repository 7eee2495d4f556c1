/**
 * The one clock every room takes through its constructor: the time now and a timer, so stall,
 * heartbeat, backoff and retention logic can be tested with a fake clock instead of real waits.
 */

/** Cancels a scheduled callback; calling it after the callback ran, or twice, is harmless. */
export type Cancel = () => void;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once after `delayMs`. */
  schedule(delayMs: number, callback: () => void): Cancel;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(delayMs, callback) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    return () => {
      clearTimeout(timer);
    };
  },
};

/** Resolves after `delayMs` on `clock`. */
export function sleep(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => clock.schedule(delayMs, resolve));
}

/** A clock stopped at `atMs` (replays and tests stamp with it); its timers still run in real time. */
export function stoppedClock(atMs: number): Clock {
  return { now: () => atMs, schedule: (delayMs, callback) => systemClock.schedule(delayMs, callback) };
}
