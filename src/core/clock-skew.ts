/**
 * Node clocks. A recognition node stamps each event with its own clock (`at`), and that clock may be
 * minutes off. The web node measures each node's skew from the node's heartbeats (every STATUS says
 * the node's time when it was sent) against its own clock, and counts an event at the node's time
 * corrected by that skew. The skew is measured, never guessed from an event's age: an outbox that
 * delivers events hours late, after a partition, must keep their true times. Pure functions.
 */

/**
 * A node whose clock is off by more than this is flagged, and its event times are corrected. Within
 * it, times are taken as the node says: the measurement's own error (network delay, a busy event
 * loop) is well under a second, and NTP-synced clocks agree to milliseconds.
 */
export const CLOCK_SKEW_TOLERANCE_MS = 30_000;

/** Heartbeats a skew is estimated from: at the bridge's 2 s, the last 16 seconds. */
export const CLOCK_SKEW_SAMPLES = 8;

/**
 * One measurement: the node's clock when it sent a STATUS minus the web node's clock when it
 * arrived. Positive: the node's clock is ahead.
 */
export function clockSkewSample(nodeClockMs: number, receivedAtMs: number): number {
  return nodeClockMs - receivedAtMs;
}

/**
 * The skew from recent samples: the largest. Every sample reads the node as behind by the time its
 * STATUS spent in transit and in queues, never ahead, so the largest is the least delayed (the
 * minimum-delay filter NTP uses). Undefined without samples (a node that never said its time).
 */
export function estimateClockSkew(samples: readonly number[]): number | undefined {
  let best: number | undefined;
  for (const sample of samples) {
    if (Number.isFinite(sample) && (best === undefined || sample > best)) best = sample;
  }
  return best;
}

/** Whether a node's clock is off by more than the tolerance (flagged, and its times corrected). */
export function isClockSkewed(
  clockSkewMs: number | undefined | null,
  toleranceMs = CLOCK_SKEW_TOLERANCE_MS,
): boolean {
  return clockSkewMs !== undefined && clockSkewMs !== null && Math.abs(clockSkewMs) > toleranceMs;
}

/** When an event counts, and what the node's own clock said when that differs. */
export interface EventTime {
  /** The time attendance uses (ISO 8601 UTC). */
  at: string;
  /** The node's own reading (the event's `at` as sent) when `at` was corrected; null otherwise. */
  nodeAt: string | null;
}

/**
 * The time an event counts at:
 *
 * 1. the node's time (`at` as sent), unless its clock is skewed beyond the tolerance, then the
 *    node's time minus the skew measured from its heartbeats (so a late delivery keeps its true
 *    time: the correction is the clock's error, not the event's age);
 * 2. never later than it arrived (plus the tolerance): an event cannot have happened after the web
 *    node received it. This catches a clock that jumped ahead since it was measured, and nodes that
 *    do not report their clock at all; such an event counts at its receive time.
 *
 * @param nodeAt - the event's `at` as the node sent it (ISO 8601).
 * @param received.atMs - when the web node received the event, on its own clock.
 * @param received.clockSkewMs - the node's measured skew; undefined when unknown.
 */
export function eventTime(
  nodeAt: string,
  received: { atMs: number; clockSkewMs: number | undefined },
  toleranceMs = CLOCK_SKEW_TOLERANCE_MS,
): EventTime {
  const nodeMs = Date.parse(nodeAt);
  if (!Number.isFinite(nodeMs)) return { at: nodeAt, nodeAt: null };
  let ms = nodeMs;
  if (received.clockSkewMs !== undefined && isClockSkewed(received.clockSkewMs, toleranceMs)) {
    ms = nodeMs - Math.round(received.clockSkewMs);
  }
  if (ms > received.atMs + toleranceMs) ms = received.atMs;
  return ms === nodeMs ? { at: nodeAt, nodeAt: null } : { at: new Date(ms).toISOString(), nodeAt };
}
