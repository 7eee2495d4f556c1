/**
 * The capture watchdog: keeps a frame source alive. When the inner source fails, ends, or goes
 * quiet, it is closed and a fresh one is made, after an exponential backoff with jitter, so a camera
 * that was unplugged, a stream that dropped or a wedged ffmpeg comes back without anyone restarting
 * the node.
 */
import { EventEmitter } from 'node:events';
import { ErrorCode, RollcallError } from '../core/index.js';
import {
  backoffDelayMs,
  OptionChecks,
  steadyNow,
  systemClock,
  type BackoffOptions,
  type Cancel,
  type Clock,
} from '../shared/index.js';
import type { Frame, FrameSource, FrameSourceEvents } from './frame-source.js';

/** One restart, as reported by the `restarted` event. */
export interface RestartInfo {
  /** Restarts in a row since the source last ran healthily; 1 for the first. Drives the backoff. */
  attempt: number;
  /** Why: `error: …`, `ended`, `stalled: …`, `no first frame …` or `start failed: …`. */
  reason: string;
  /** How long until the new source is started. */
  delayMs: number;
  /** The error behind the restart, when there was one (its code says what went wrong). */
  error?: Error;
}

export interface SupervisedFrameSourceEvents extends FrameSourceEvents {
  /** A restart was scheduled: the failed source is being closed, a new one starts after `delayMs`. */
  restarted: [RestartInfo];
}

export interface SupervisedFrameSourceOptions extends BackoffOptions {
  /** Makes a fresh inner source; called for the first start and for every restart. */
  factory: () => FrameSource;
  /** Names the camera; every frame re-emitted carries it. */
  cameraId: string;
  /** @defaultValue `supervised frame source` */
  description?: string;
  /** Restart when a running source sends no frame for this long. @defaultValue 5000 */
  stallTimeoutMs?: number;
  /**
   * The longer grace for a new source to start and send its first frame: cameras and RTSP streams
   * can take seconds to open. @defaultValue 15000
   */
  firstFrameTimeoutMs?: number;
  /** A source that has delivered frames this long resets the backoff to its start. @defaultValue 60000 */
  healthyResetMs?: number;
  /**
   * When the very first start fails: `false` rejects `start()` with the reason (a wrong device or URL
   * is a configuration error to show at once); `true` keeps retrying in the background.
   * @defaultValue false
   */
  retryFirstStart?: boolean;
  /** How long closing an inner source may take before it is abandoned. @defaultValue 10000 */
  closeTimeoutMs?: number;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** Random numbers in [0, 1) for the jitter. @defaultValue `Math.random` */
  random?: () => number;
}

type ResolvedOptions = Required<
  Omit<SupervisedFrameSourceOptions, 'factory' | 'clock' | 'random' | 'cameraId'>
>;

function resolveOptions(options: SupervisedFrameSourceOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    description: options.description ?? 'supervised frame source',
    stallTimeoutMs: options.stallTimeoutMs ?? 5_000,
    firstFrameTimeoutMs: options.firstFrameTimeoutMs ?? 15_000,
    initialBackoffMs: options.initialBackoffMs ?? 500,
    maxBackoffMs: options.maxBackoffMs ?? 30_000,
    backoffFactor: options.backoffFactor ?? 2,
    jitterRatio: options.jitterRatio ?? 0.2,
    healthyResetMs: options.healthyResetMs ?? 60_000,
    retryFirstStart: options.retryFirstStart ?? false,
    closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
  };
  const checks = new OptionChecks('SupervisedFrameSource', ErrorCode.SourceInvalid)
    .require(
      typeof options.cameraId === 'string' && options.cameraId.trim() !== '',
      'cameraId',
      'must be a non-empty string',
      options.cameraId,
    )
    .require(
      typeof options.factory === 'function',
      'factory',
      'must be a function that makes a FrameSource',
      options.factory,
    );
  const positive = [
    'stallTimeoutMs',
    'firstFrameTimeoutMs',
    'initialBackoffMs',
    'maxBackoffMs',
    'healthyResetMs',
    'closeTimeoutMs',
  ] as const;
  for (const name of positive) {
    const ok = Number.isFinite(resolved[name]) && resolved[name] > 0;
    checks.require(ok, name, 'must be a positive number of milliseconds', resolved[name]);
  }
  checks
    .require(
      Number.isFinite(resolved.backoffFactor) && resolved.backoffFactor >= 1,
      'backoffFactor',
      'must be at least 1',
      resolved.backoffFactor,
    )
    .require(
      Number.isFinite(resolved.jitterRatio) && resolved.jitterRatio >= 0 && resolved.jitterRatio <= 1,
      'jitterRatio',
      'must be from 0 to 1',
      resolved.jitterRatio,
    )
    .throwIfAny();
  return resolved;
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new RollcallError(ErrorCode.SourceFailed, String(value));
}

/**
 * Implements FrameSource itself: frames are re-emitted with one `seq` that keeps counting up across
 * restarts. Inner failures become restarts; each is reported through `restarted` and, when someone
 * listens, `error` (with the inner error, so logs carry its classified message). It never emits
 * `ended`: it ends only when closed.
 *
 * Listener exceptions are the listener's to handle; the watchdog updates its own state before it
 * emits, so a throwing listener cannot leave it half-restarted.
 */
export class SupervisedFrameSource extends EventEmitter<SupervisedFrameSourceEvents> implements FrameSource {
  readonly description: string;
  readonly cameraId: string;
  readonly #options: ResolvedOptions;
  readonly #factory: () => FrameSource;
  readonly #clock: Clock;
  readonly #random: () => number;
  /** Bumped whenever the current inner source is retired; callbacks from older ones are ignored. */
  #generation = 0;
  #inner: FrameSource | undefined;
  #retiring: Promise<void> = Promise.resolve();
  #running = false;
  #sawFrame = false;
  #lastProgressAt = 0;
  #healthySince: number | undefined;
  #attempt = 0;
  #seq = 0;
  #restarts = 0;
  #stalls = 0;
  #closed = false;
  #cancelWatch: Cancel | undefined;
  #cancelBackoff: Cancel | undefined;
  #startPromise: Promise<void> | undefined;
  #closePromise: Promise<void> | undefined;

  constructor(options: SupervisedFrameSourceOptions) {
    super();
    this.#options = resolveOptions(options);
    this.#factory = options.factory;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.description = this.#options.description;
    this.cameraId = options.cameraId;
  }

  /**
   * Typed with the FrameSource event names so the watchdog is assignable to FrameSource: in Node's
   * typings `eventNames()` is the one member whose type grows with the extra `restarted` event, and
   * changing the shared interface for a method nobody calls is not worth it. At run time the list
   * may also hold `restarted`.
   */
  override eventNames(): (keyof FrameSourceEvents)[] {
    return super.eventNames() as (keyof FrameSourceEvents)[];
  }

  /** Restarts scheduled so far. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Restarts caused by silence (no frame within the stall or first-frame timeout). */
  get stalls(): number {
    return this.#stalls;
  }

  /** The inner source now running, if any (undefined during a backoff). */
  get current(): FrameSource | undefined {
    return this.#inner;
  }

  /** Starts the first inner source; see `retryFirstStart` for what happens when that fails. */
  start(): Promise<void> {
    this.#startPromise ??= this.#firstStart();
    return this.#startPromise;
  }

  /** Stops the watchdog and closes the inner source; idempotent, also during a backoff. */
  close(): Promise<void> {
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  async #firstStart(): Promise<void> {
    if (this.#closed) throw new RollcallError(ErrorCode.SourceFailed, `${this.description}: closed`);
    const generation = this.#generation;
    try {
      await this.#launch(generation);
    } catch (error) {
      if (!this.#isCurrent(generation)) throw error;
      if (!this.#options.retryFirstStart) {
        this.#generation++;
        const inner = this.#inner;
        this.#inner = undefined;
        await this.#closeQuietly(inner);
        throw error;
      }
      this.#fail(generation, `start failed: ${asError(error).message}`, asError(error));
    }
  }

  /** Whether callbacks of this generation still count (not retired, not closed). */
  #isCurrent(generation: number): boolean {
    return generation === this.#generation && !this.#closed;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#generation++;
    this.#cancelWatch?.();
    this.#cancelBackoff?.();
    const inner = this.#inner;
    this.#inner = undefined;
    await Promise.all([this.#closeQuietly(inner), this.#retiring]);
  }

  /** Makes and starts an inner source; rejects if it fails to start within the first-frame grace. */
  async #launch(generation: number): Promise<void> {
    this.#running = false;
    this.#sawFrame = false;
    const inner = this.#factory();
    this.#inner = inner;
    inner.on('frame', (frame) => {
      if (this.#isCurrent(generation)) this.#onFrame(frame);
    });
    // Failures before start() settles are reported by its rejection instead.
    inner.on('error', (error) => {
      if (this.#isCurrent(generation) && this.#running)
        this.#fail(generation, `error: ${error.message}`, error);
    });
    inner.on('ended', () => {
      if (this.#isCurrent(generation) && this.#running) this.#fail(generation, 'ended');
    });
    await this.#withinFirstFrameGrace(inner);
    if (!this.#isCurrent(generation)) return;
    this.#running = true;
    this.#lastProgressAt = steadyNow(this.#clock);
    this.#armWatch(generation);
  }

  #withinFirstFrameGrace(inner: FrameSource): Promise<void> {
    const limitMs = this.#options.firstFrameTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      const cancel = this.#clock.schedule(limitMs, () => {
        reject(
          new RollcallError(
            ErrorCode.SourceFailed,
            `${inner.description} did not start within ${limitMs} ms`,
          ),
        );
      });
      inner.start().then(
        () => {
          cancel();
          resolve();
        },
        (error: unknown) => {
          cancel();
          reject(asError(error));
        },
      );
    });
  }

  #onFrame(frame: Frame): void {
    const now = steadyNow(this.#clock);
    this.#lastProgressAt = now;
    if (!this.#sawFrame) {
      this.#sawFrame = true;
      this.#healthySince = now;
      // Switch from the long first-frame grace to the short stall timeout.
      if (this.#running) this.#armWatch(this.#generation);
    }
    this.emit('frame', { ...frame, cameraId: this.cameraId, seq: this.#seq++ });
  }

  /** One timer, re-armed lazily: frames only move `lastProgressAt`, so 10 fps costs no timer churn. */
  #armWatch(generation: number): void {
    this.#cancelWatch?.();
    const limitMs = this.#sawFrame ? this.#options.stallTimeoutMs : this.#options.firstFrameTimeoutMs;
    const dueIn = this.#lastProgressAt + limitMs - steadyNow(this.#clock);
    this.#cancelWatch = this.#clock.schedule(Math.max(0, dueIn), () => {
      this.#cancelWatch = undefined;
      this.#checkStall(generation);
    });
  }

  #checkStall(generation: number): void {
    if (!this.#isCurrent(generation)) return;
    const limitMs = this.#sawFrame ? this.#options.stallTimeoutMs : this.#options.firstFrameTimeoutMs;
    const quietMs = steadyNow(this.#clock) - this.#lastProgressAt;
    if (quietMs < limitMs) {
      this.#armWatch(generation);
      return;
    }
    this.#stalls++;
    this.#fail(
      generation,
      this.#sawFrame ? `stalled: no frame for ${quietMs} ms` : `no first frame within ${quietMs} ms`,
    );
  }

  /** Retires the current inner source and schedules the next; the first report per source wins. */
  #fail(generation: number, reason: string, error?: Error): void {
    if (!this.#isCurrent(generation)) return;
    this.#generation++;
    this.#running = false;
    this.#cancelWatch?.();
    this.#cancelWatch = undefined;
    const inner = this.#inner;
    this.#inner = undefined;
    // The next start waits for this: a V4L2 device must be released before it can be opened again.
    this.#retiring = this.#closeQuietly(inner);

    const now = steadyNow(this.#clock);
    if (this.#healthySince !== undefined && now - this.#healthySince >= this.#options.healthyResetMs) {
      this.#attempt = 0;
    }
    this.#healthySince = undefined;
    this.#attempt++;
    this.#restarts++;
    const delayMs = backoffDelayMs(this.#attempt, this.#options, this.#random);
    const next = this.#generation;
    this.#cancelBackoff = this.#clock.schedule(delayMs, () => {
      this.#cancelBackoff = undefined;
      void this.#relaunch(next);
    });

    if (error && this.listenerCount('error') > 0) this.emit('error', error);
    this.emit('restarted', { attempt: this.#attempt, reason, delayMs, ...(error ? { error } : {}) });
  }

  async #relaunch(generation: number): Promise<void> {
    await this.#retiring;
    if (!this.#isCurrent(generation)) return;
    try {
      await this.#launch(generation);
    } catch (error) {
      this.#fail(generation, `start failed: ${asError(error).message}`, asError(error));
    }
  }

  /** Closes a source under a deadline and never rejects: a broken source must not stop the watchdog. */
  async #closeQuietly(inner: FrameSource | undefined): Promise<void> {
    if (!inner) return;
    let cancel: Cancel | undefined;
    const deadline = new Promise<void>((resolve) => {
      cancel = this.#clock.schedule(this.#options.closeTimeoutMs, resolve);
    });
    const closing = (async () => {
      await inner.close();
    })().catch(() => undefined);
    await Promise.race([closing, deadline]);
    cancel?.();
  }
}
