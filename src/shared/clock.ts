/**
 * The one clock every room takes through its constructor: the time now and a timer, so stall,
 * heartbeat, backoff and retention logic can be tested with a fake clock instead of real waits.
 */

/** Cancels a scheduled callback; calling it after the callback ran, or twice, is harmless. */
export type Cancel = () => void;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Milliseconds on a clock that only moves forward at a steady rate, for measuring how long
   * something took: the wall clock jumps when NTP or an administrator sets it, and a stall check
   * on it would then see hours of silence. Fake clocks leave it out; {@link steadyNow} then
   * reads `now()`.
   */
  monotonic?(): number;
  /** Runs `callback` once after `delayMs`. */
  schedule(delayMs: number, callback: () => void): Cancel;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  schedule(delayMs, callback) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    return () => {
      clearTimeout(timer);
    };
  },
};

/** A reading to subtract from a later one: steady on the system clock, `now()` on a fake one. */
export function steadyNow(clock: Clock): number {
  return clock.monotonic?.() ?? clock.now();
}

/** Resolves after `delayMs` on `clock`. */
export function sleep(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => clock.schedule(delayMs, resolve));
}

/** A clock stopped at `atMs` (replays and tests stamp with it); its timers still run in real time. */
export function stoppedClock(atMs: number): Clock {
  return { now: () => atMs, schedule: (delayMs, callback) => systemClock.schedule(delayMs, callback) };
}
