/**
 * Exponential backoff with jitter: how long to wait before retry number `attempt` in a row. Used by
 * the capture watchdog (restarting a camera) and the bridge client (reconnecting to a node).
 */

export interface BackoffOptions {
  /** Delay before the first retry in a row. @defaultValue 500 */
  initialBackoffMs?: number;
  /** The delay never grows past this. @defaultValue 30000 */
  maxBackoffMs?: number;
  /** Each further retry in a row waits this many times longer. @defaultValue 2 */
  backoffFactor?: number;
  /**
   * Up to this fraction is added at random, so many nodes behind one broken network switch do not
   * all reconnect in the same instant. @defaultValue 0.2
   */
  jitterRatio?: number;
}

/** The delay before retry number `attempt` (1-based) in a row. */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}, random = Math.random): number {
  const initial = options.initialBackoffMs ?? 500;
  const max = options.maxBackoffMs ?? 30_000;
  const factor = options.backoffFactor ?? 2;
  const jitter = options.jitterRatio ?? 0.2;
  const base = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  return Math.round(Math.min(max, base * (1 + jitter * random())));
}
