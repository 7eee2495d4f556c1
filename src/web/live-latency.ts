/**
 * How long a live frame takes from the camera to the Live page: capture (on the node's clock) to
 * drawn (on the browser's). Three clocks are involved, so the capture time is moved onto the
 * browser's clock with two measured offsets: the node's against the web server's (the server
 * measures it from the node's heartbeats, `LiveNodeStatus.clockSkewMs`), and the server's against
 * the browser's (the page measures it from the status messages' `sentAt`, the same way). Each
 * offset is estimated with the minimum-delay filter of `core/clock-skew.ts`, so each reads low by
 * the one-way delay of its fastest message (well under a millisecond on one machine, a few on a
 * LAN): the figure is a lower bound by that much, never inflated by a slow message. On one machine
 * both offsets are about 0. No Node API here: the browser bundles this file.
 */
// The module itself, not core's index: the page's bundle may take only pure modules it names.
import { CLOCK_SKEW_SAMPLES, clockSkewSample, estimateClockSkew } from '../core/clock-skew.js';

/** Latency figures are over this many of a camera's most recent drawn frames. */
export const LATENCY_WINDOW_FRAMES = 100;

/**
 * The capture time of a frame on the viewer's clock.
 *
 * @param capturedAt - the frame's capture time, on its node's clock (ms since the epoch).
 * @param nodeAheadMs - how far the node's clock is ahead of the server's; null or undefined when unknown (taken as 0).
 * @param serverAheadMs - how far the server's clock is ahead of the viewer's; undefined when unknown (taken as 0).
 */
export function captureOnViewerClock(
  capturedAt: number,
  nodeAheadMs: number | null | undefined,
  serverAheadMs: number | undefined,
): number {
  return capturedAt - (nodeAheadMs ?? 0) - (serverAheadMs ?? 0);
}

/**
 * The server's clock against the viewer's, from the status messages: each says the server's time
 * when it was sent, compared with the viewer's when it arrived.
 */
export class ServerClock {
  readonly #samples: number[] = [];

  /** One status message: the server's `sentAt` and the viewer's clock when it arrived. */
  heard(sentAt: number, receivedAt: number): void {
    if (!Number.isFinite(sentAt)) return;
    this.#samples.push(clockSkewSample(sentAt, receivedAt));
    if (this.#samples.length > CLOCK_SKEW_SAMPLES) this.#samples.shift();
  }

  /** How far the server's clock is ahead of the viewer's, in ms; undefined before the first status. */
  get aheadMs(): number | undefined {
    return estimateClockSkew(this.#samples);
  }
}

/** The value at quantile `q` (0..1) of `values`, nearest rank; undefined when there are none. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The latencies of a camera's last {@link LATENCY_WINDOW_FRAMES} drawn frames. */
export class LatencyWindow {
  readonly #values: number[] = [];

  constructor(private readonly size = LATENCY_WINDOW_FRAMES) {}

  add(ms: number): void {
    if (!Number.isFinite(ms)) return;
    this.#values.push(ms);
    if (this.#values.length > this.size) this.#values.shift();
  }

  get count(): number {
    return this.#values.length;
  }

  /** The median and 95th percentile in ms; undefined before the first frame. */
  percentiles(): { p50: number; p95: number } | undefined {
    const p50 = quantile(this.#values, 0.5);
    const p95 = quantile(this.#values, 0.95);
    return p50 === undefined || p95 === undefined ? undefined : { p50, p95 };
  }
}
