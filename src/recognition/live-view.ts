/**
 * The node's live view: the frames web nodes show, at the camera's rate, with the faces the
 * analysis found. The camera delivers frames faster than the engine analyses them (10 fps in,
 * 4–6 analysed on two cores), so the view does not wait for analysis: every captured frame (up to
 * `maxFps`) is encoded as it arrives and sent a short, steady delay after its capture, by which
 * time the analysis has usually caught up with it; its boxes are then the analysed frame's own, or
 * moved between the analysed frames either side (`facesAt`). The delay follows how long the
 * analysis takes to catch up (its 90th percentile, at most `maxDelayMs`), so boxes sit on the
 * faces rather than trailing them, and frames leave evenly spaced instead of in bursts.
 *
 * Cost: one JPEG encode per frame sent (measured: 2.7 ms of CPU and 37 KB for a 640×480 photo at
 * quality 70 through sharp, on libuv's threads), one at a time, so 10 fps is about 1.4 % of two
 * cores; nothing is encoded while no web node is connected. Waiting frames are JPEGs (at most
 * `maxDelayMs` × `maxFps` of them). The analysis is untouched: it takes its frames from the
 * camera as before.
 */
import { facesAt, type AnalysedFaces, type FrameMetadata, type RgbImage } from '../core/index.js';
import type { Frame, FrameSource } from '../capture/index.js';
import { systemClock, type Cancel, type Clock } from '../shared/index.js';
import type { RecognitionPipeline } from './recognition.pipeline.js';
import { RollingStats } from './rolling-stats.js';

export interface LiveViewOptions {
  /** Frames sent a second at most; a faster camera has frames skipped evenly. @defaultValue 15 */
  maxFps?: number;
  /** Longest a frame waits for the analysis to catch up before it is sent anyway. @defaultValue 1000 */
  maxDelayMs?: number;
  /**
   * The analysis has stalled, and frames go out without boxes, once no result has come for this
   * long, or for three times its usual interval between results when it is slower than that (at
   * most {@link MAX_HOLD_MS}). Until then a frame gets the newest boxes known, however old the
   * frame they were found on: a slow analysis gives late boxes, not none. @defaultValue 1000
   */
  holdMs?: number;
}

export interface LiveViewDeps {
  /** A frame as JPEG, e.g. `encodeFrameJpeg`. */
  encode: (image: RgbImage) => Promise<Uint8Array>;
  /** Sends a frame to the web nodes (lossy, newest wins, on the bridge). */
  publish: (metadata: FrameMetadata, jpeg: Uint8Array) => void;
  /** Whether anyone can watch (a web node is connected); nothing is encoded otherwise. */
  watched: () => boolean;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** A frame that could not be encoded; the view goes on with the next one. */
  onError?: (error: Error) => void;
}

interface EncodedFrame {
  cameraId: string;
  seq: number;
  capturedAt: number;
  width: number;
  height: number;
  jpeg: Uint8Array;
}

/** Analysed frames kept to draw boxes from: a few seconds of analysis at any rate that matters. */
const ANALYSES_KEPT = 64;
/** How fast the delay follows its target: a share of the gap per analysed frame, so it glides. */
const DELAY_GLIDE = 0.2;
/**
 * Seconds of frames that may pass at once above maxFps: after the event loop was busy (a GC, a
 * gallery change) the camera's frames arrive bunched, and are still the camera's rate.
 */
const RATE_BURST_S = 0.5;
/** Added to the catch-up time: the analysis's answer must be in before the frame's timer fires. */
const DELAY_MARGIN_MS = 25;
/** Boxes are never held longer than this, however slow the analysis; nor drawn further from their frame. */
export const MAX_HOLD_MS = 5000;

export class LiveView {
  readonly #deps: LiveViewDeps;
  readonly #clock: Clock;
  readonly #maxFps: number;
  readonly #maxDelayMs: number;
  readonly #holdMs: number;

  /** The rate limit as a bucket: a frame takes a token, tokens come back at maxFps. */
  #tokens: number;
  readonly #burst: number;
  #lastCapturedAt: number | undefined;
  #encoding = false;
  /** The newest frame waiting for the encoder (one at a time, newest wins). */
  #toEncode: Frame | undefined;
  /** Encoded frames waiting for their time to be sent, in capture order. */
  readonly #queue: EncodedFrame[] = [];
  #timer: Cancel | undefined;
  /** The analysed frames, in capture order (the pipeline applies results in that order). */
  readonly #analyses: AnalysedFaces[] = [];
  /** Frames taken for the view whose analysis has not caught up yet, for the delay's measure. */
  readonly #awaiting: { seq: number; capturedAt: number }[] = [];
  /** How long after capture the analysis caught up with each frame. */
  readonly #catchUp = new RollingStats(Number.POSITIVE_INFINITY, 50);
  /** Time between consecutive analysed frames (capture times). */
  readonly #analysisIntervals = new RollingStats(Number.POSITIVE_INFINITY, 20);
  #lastAnalysisAt: number | undefined;
  #delayMs = 0;
  #sent = 0;
  #closed = false;

  constructor(deps: LiveViewDeps, options: LiveViewOptions = {}) {
    const maxFps = options.maxFps ?? 15;
    const maxDelayMs = options.maxDelayMs ?? 1000;
    const holdMs = options.holdMs ?? 1000;
    if (!(maxFps > 0)) throw new RangeError(`maxFps must be above 0, got ${maxFps}`);
    if (!(maxDelayMs >= 0)) throw new RangeError(`maxDelayMs must be at least 0, got ${maxDelayMs}`);
    if (!(holdMs >= 0)) throw new RangeError(`holdMs must be at least 0, got ${holdMs}`);
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
    this.#maxFps = maxFps;
    this.#burst = Math.max(2, maxFps * RATE_BURST_S);
    this.#tokens = this.#burst;
    this.#maxDelayMs = maxDelayMs;
    this.#holdMs = holdMs;
  }

  /** Frames from `source`, boxes from `analysis` (the pipeline's `frame` events); returns the detach. */
  attach(
    source: Pick<FrameSource, 'on' | 'off'>,
    analysis: Pick<RecognitionPipeline, 'on' | 'off'>,
  ): () => void {
    const onCaptured = (frame: Frame): void => {
      this.captured(frame);
    };
    const onAnalysed = (metadata: FrameMetadata): void => {
      this.analysed(metadata);
    };
    source.on('frame', onCaptured);
    analysis.on('frame', onAnalysed);
    return () => {
      source.off('frame', onCaptured);
      analysis.off('frame', onAnalysed);
    };
  }

  /** The steady delay between capture and sending now, in ms. */
  get delayMs(): number {
    return this.#delayMs;
  }

  /** Frames sent so far. */
  get sent(): number {
    return this.#sent;
  }

  /** A frame from the camera. */
  captured(frame: Frame): void {
    if (this.#closed || !this.#deps.watched()) return;
    if (!this.#takeToken(frame.capturedAt)) return;
    this.#awaiting.push({ seq: frame.seq, capturedAt: frame.capturedAt });
    this.#forgetUncaught(this.#clock.now());
    if (this.#encoding) this.#toEncode = frame;
    else this.#encode(frame);
  }

  /** An analysed frame's faces (the pipeline's `frame` event). */
  analysed(metadata: FrameMetadata): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    if (this.#lastAnalysisAt !== undefined) this.#analysisIntervals.add(now, now - this.#lastAnalysisAt);
    this.#lastAnalysisAt = now;
    this.#analyses.push({ seq: metadata.seq, capturedAt: metadata.capturedAt, faces: metadata.faces });
    if (this.#analyses.length > ANALYSES_KEPT) this.#analyses.shift();
    let caughtUp = 0;
    while (caughtUp < this.#awaiting.length) {
      const frame = this.#awaiting[caughtUp] as { seq: number; capturedAt: number };
      // A frame the analysis skipped is caught up with once a later frame is analysed.
      if (frame.seq > metadata.seq) break;
      this.#catchUp.add(now, Math.min(this.#maxDelayMs, now - frame.capturedAt));
      caughtUp++;
    }
    this.#awaiting.splice(0, caughtUp);
    if (caughtUp > 0) this.#glide();
    this.#forgetUncaught(now);
    // Frames already due were waiting only for these boxes.
    this.#schedule();
  }

  /** Stops sending; frames waiting are dropped. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#timer?.();
    this.#timer = undefined;
    this.#queue.length = 0;
    this.#toEncode = undefined;
  }

  /**
   * Whether a frame captured at `at` is within maxFps. A faster camera loses frames evenly (every
   * other one at twice the rate); frames that arrive bunched after a busy moment on the event loop,
   * at the camera's rate on average, all pass, which a minimum interval between frames would not allow.
   */
  #takeToken(at: number): boolean {
    if (this.#lastCapturedAt !== undefined) {
      const elapsedMs = Math.max(0, at - this.#lastCapturedAt);
      this.#tokens = Math.min(this.#burst, this.#tokens + (elapsedMs * this.#maxFps) / 1000);
    }
    this.#lastCapturedAt = at;
    // A tenth of a frame of slack: timestamps jitter, and a frame due by a millisecond is due.
    if (this.#tokens < 0.9) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Frames the analysis never caught up with (it stalled, or failed) count as the longest wait. */
  #forgetUncaught(now: number): void {
    let forgotten = 0;
    while (now - (this.#awaiting[forgotten]?.capturedAt ?? now) > this.#maxDelayMs) {
      this.#catchUp.add(now, this.#maxDelayMs);
      forgotten++;
    }
    if (forgotten === 0) return;
    this.#awaiting.splice(0, forgotten);
    this.#glide();
  }

  /** Whether results have stopped coming: none for longer than a slow analysis would take. */
  #stalled(now: number): boolean {
    if (this.#lastAnalysisAt === undefined) return true;
    const patienceMs = Math.min(
      MAX_HOLD_MS,
      Math.max(this.#holdMs, 3 * this.#analysisIntervals.percentile(0.5)),
    );
    return now - this.#lastAnalysisAt > patienceMs;
  }

  /** The delay moves a share of the way to the 90th percentile of the catch-up times (plus a margin). */
  #glide(): void {
    const target = Math.min(this.#maxDelayMs, this.#catchUp.percentile(0.9) + DELAY_MARGIN_MS);
    this.#delayMs += (target - this.#delayMs) * DELAY_GLIDE;
  }

  #encode(frame: Frame): void {
    this.#encoding = true;
    this.#deps.encode(frame.image).then(
      (jpeg) => {
        this.#encoding = false;
        if (!this.#closed) {
          const { cameraId, seq, capturedAt, image } = frame;
          this.#queue.push({ cameraId, seq, capturedAt, width: image.width, height: image.height, jpeg });
          this.#schedule();
        }
        this.#encodeNext();
      },
      (error: unknown) => {
        this.#encoding = false;
        this.#deps.onError?.(error instanceof Error ? error : new Error(String(error)));
        this.#encodeNext();
      },
    );
  }

  #encodeNext(): void {
    const next = this.#toEncode;
    this.#toEncode = undefined;
    if (next && !this.#closed) this.#encode(next);
  }

  /** Sends the frames that are due, and sets the timer for the next one. */
  #schedule(): void {
    this.#timer?.();
    this.#timer = undefined;
    const now = this.#clock.now();
    let head = this.#queue[0];
    while (head && head.capturedAt + this.#delayMs <= now) {
      this.#queue.shift();
      this.#send(head, now);
      head = this.#queue[0];
    }
    if (head && !this.#closed) {
      this.#timer = this.#clock.schedule(head.capturedAt + this.#delayMs - now, () => {
        this.#timer = undefined;
        this.#schedule();
      });
    }
  }

  #send(frame: EncodedFrame, now: number): void {
    if (!this.#deps.watched()) return;
    let before: AnalysedFaces | undefined;
    let after: AnalysedFaces | undefined;
    for (const analysis of this.#analyses) {
      if (analysis.seq <= frame.seq) before = analysis;
      else {
        after = analysis;
        break;
      }
    }
    const metadata: FrameMetadata = {
      cameraId: frame.cameraId,
      seq: frame.seq,
      capturedAt: frame.capturedAt,
      width: frame.width,
      height: frame.height,
      faces: this.#stalled(now) ? [] : facesAt(before, after, frame.capturedAt, MAX_HOLD_MS),
      latencyMs: Math.max(0, now - frame.capturedAt),
    };
    this.#sent++;
    this.#deps.publish(metadata, frame.jpeg);
  }
}
