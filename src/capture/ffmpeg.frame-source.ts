/**
 * Frames from anything ffmpeg can open — a V4L2 camera, an RTSP/HTTP stream, a video file — as raw
 * RGB of one fixed size, read from the child's stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { ErrorCode, RollcallError } from '../core/index.js';
import { OptionChecks, systemClock, type Cancel, type Clock } from '../shared/index.js';
import {
  classifyFfmpegFailure,
  ffmpegInputKind,
  LineTail,
  redactUrlCredentials,
  type FfmpegFailure,
  type FfmpegInputKind,
} from './ffmpeg-failure.js';
import type { FrameSource, FrameSourceEvents } from './frame-source.js';

export interface FfmpegFrameSourceOptions {
  /** `/dev/videoN` (or any `/dev/…` V4L2 node), `rtsp://`, `rtsps://`, `http(s)://` URL, or a video file. */
  input: string;
  /** Names the camera in every frame. */
  cameraId: string;
  /** Output width; the picture is scaled to fit and padded with grey. @defaultValue 640 */
  width?: number;
  /** Output height. @defaultValue 480 */
  height?: number;
  /** Frames a second delivered (ffmpeg drops or repeats frames to keep it). @defaultValue 10 */
  fps?: number;
  /**
   * Files only: play at the file's own speed (`-re`), as a camera would. `false` decodes as fast as
   * the machine can, for benchmarks. @defaultValue true
   */
  realtime?: boolean;
  /** Files only: start again at the end (`-stream_loop -1`). @defaultValue true */
  loop?: boolean;
  /** The ffmpeg executable. @defaultValue `ffmpeg` (found on PATH) */
  ffmpegPath?: string;
  /**
   * `start()` resolves on the first frame and rejects if none arrives within this, so a wrong URL or
   * a dead camera fails start-up with a reason instead of hanging. @defaultValue 15000
   */
  startTimeoutMs?: number;
  /** After SIGTERM, how long ffmpeg gets to exit before SIGKILL. @defaultValue 2000 */
  killTimeoutMs?: number;
  /** @defaultValue the system clock */
  clock?: Clock;
}

type ResolvedOptions = Required<Omit<FfmpegFrameSourceOptions, 'clock'>>;

const DEFAULTS = {
  width: 640,
  height: 480,
  fps: 10,
  realtime: true,
  loop: true,
  ffmpegPath: 'ffmpeg',
  startTimeoutMs: 15_000,
  killTimeoutMs: 2_000,
} as const;

/**
 * Defaults, then overrides, then validation naming every bad option.
 *
 * @throws RollcallError `SOURCE_INVALID`.
 */
export function resolveFfmpegOptions(options: FfmpegFrameSourceOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    input: options.input,
    cameraId: options.cameraId,
    width: options.width ?? DEFAULTS.width,
    height: options.height ?? DEFAULTS.height,
    fps: options.fps ?? DEFAULTS.fps,
    realtime: options.realtime ?? DEFAULTS.realtime,
    loop: options.loop ?? DEFAULTS.loop,
    ffmpegPath: options.ffmpegPath ?? DEFAULTS.ffmpegPath,
    startTimeoutMs: options.startTimeoutMs ?? DEFAULTS.startTimeoutMs,
    killTimeoutMs: options.killTimeoutMs ?? DEFAULTS.killTimeoutMs,
  };
  const checks = new OptionChecks('FfmpegFrameSource', ErrorCode.SourceInvalid);
  const wholeIn = (name: 'width' | 'height', min: number, max: number): void => {
    const value = resolved[name];
    const ok = Number.isInteger(value) && value >= min && value <= max;
    checks.require(ok, name, `must be a whole number from ${min} to ${max}`, value);
  };
  checks.require(
    typeof resolved.input === 'string' && resolved.input.trim() !== '',
    'input',
    'must name a device, URL or file',
    resolved.input,
  );
  checks.require(
    typeof resolved.cameraId === 'string' && resolved.cameraId.trim() !== '',
    'cameraId',
    'must be a non-empty string',
    resolved.cameraId,
  );
  wholeIn('width', 16, 7680);
  wholeIn('height', 16, 4320);
  checks.require(
    Number.isFinite(resolved.fps) && resolved.fps > 0 && resolved.fps <= 120,
    'fps',
    'must be a number above 0 and at most 120',
    resolved.fps,
  );
  for (const name of ['startTimeoutMs', 'killTimeoutMs'] as const) {
    const ok = Number.isFinite(resolved[name]) && resolved[name] > 0;
    checks.require(ok, name, 'must be a positive number of milliseconds', resolved[name]);
  }
  checks.require(
    typeof resolved.ffmpegPath === 'string' && resolved.ffmpegPath !== '',
    'ffmpegPath',
    'must be a path or command name',
    resolved.ffmpegPath,
  );
  checks.throwIfAny();
  return resolved;
}

/** The ffmpeg command line for these options (without the executable). */
export function buildFfmpegArgs(options: ResolvedOptions): string[] {
  const { input, width: w, height: h, fps } = options;
  const inputArgs: Record<FfmpegInputKind, string[]> = {
    v4l2: ['-f', 'v4l2', '-framerate', String(fps), '-i', input],
    // TCP: RTSP over UDP loses packets on busy Wi-Fi and smears the picture.
    stream: [...(/^rtsps?:/i.test(input) ? ['-rtsp_transport', 'tcp'] : []), '-i', input],
    file: [
      ...(options.realtime ? ['-re'] : []),
      ...(options.loop ? ['-stream_loop', '-1'] : []),
      '-i',
      input,
    ],
  };
  return [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    ...inputArgs[ffmpegInputKind(input)],
    // One fixed size whatever the source: fit inside, pad the rest with grey (no edges to detect).
    '-vf',
    `fps=${fps},scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=gray`,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-an',
    'pipe:1',
  ];
}

/**
 * Cuts a byte stream into frames of exactly `frameBytes`. Each frame is its own ArrayBuffer (so it
 * can be transferred to a worker thread), and at most one partial frame is ever held.
 */
export class RawFrameSlicer {
  #current: Uint8Array | undefined;
  #filled = 0;

  constructor(readonly frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes < 1) {
      throw new RangeError(`frameBytes must be a positive whole number (got ${frameBytes})`);
    }
  }

  /** Bytes of the frame being filled. */
  get pendingBytes(): number {
    return this.#filled;
  }

  /** Copies `chunk` in and calls `onFrame` for every frame it completes. */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    let offset = 0;
    while (offset < chunk.length) {
      this.#current ??= new Uint8Array(this.frameBytes);
      const take = Math.min(this.frameBytes - this.#filled, chunk.length - offset);
      this.#current.set(chunk.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.frameBytes) {
        const frame = this.#current;
        this.#current = undefined;
        this.#filled = 0;
        onFrame(frame);
      }
    }
  }
}

type State = 'idle' | 'starting' | 'running' | 'stopped';

export class FfmpegFrameSource extends EventEmitter<FrameSourceEvents> implements FrameSource {
  readonly description: string;
  /** Names the camera in every frame. */
  readonly cameraId: string;
  readonly options: Readonly<ResolvedOptions>;
  readonly kind: FfmpegInputKind;
  readonly #clock: Clock;
  #state: State = 'idle';
  #child: ChildProcess | undefined;
  #pid: number | undefined;
  #exited: Promise<void> = Promise.resolve();
  #startPromise: Promise<void> | undefined;
  #closePromise: Promise<void> | undefined;
  #settleStart: ((error?: Error) => void) | undefined;
  #cancelStartTimer: Cancel | undefined;
  #seq = 0;
  readonly #stderr = new LineTail(20);

  constructor(options: FfmpegFrameSourceOptions) {
    super();
    this.options = resolveFfmpegOptions(options);
    this.kind = ffmpegInputKind(this.options.input);
    this.#clock = options.clock ?? systemClock;
    this.cameraId = this.options.cameraId;
    const { input, width, height, fps, realtime } = this.options;
    const pace = this.kind === 'file' && !realtime ? ', as fast as possible' : '';
    this.description = `ffmpeg ${redactUrlCredentials(input)} ${width}x${height}@${fps}fps${pace}`;
  }

  /** The ffmpeg child's process id once spawned (kept after it exits, for tests and logs). */
  get pid(): number | undefined {
    return this.#pid;
  }

  /** The last lines ffmpeg printed on stderr. */
  get stderrTail(): string[] {
    return this.#stderr.lines().map(redactUrlCredentials);
  }

  /**
   * Spawns ffmpeg and resolves on the first frame; rejects with a classified RollcallError if
   * ffmpeg fails first or no frame comes within `startTimeoutMs`. A source starts once.
   */
  start(): Promise<void> {
    this.#startPromise ??= this.#start();
    return this.#startPromise;
  }

  #start(): Promise<void> {
    if (this.#state !== 'idle') {
      return Promise.reject(new RollcallError(ErrorCode.SourceFailed, `${this.description}: closed`));
    }
    this.#state = 'starting';
    return new Promise<void>((resolve, reject) => {
      this.#settleStart = (error) => {
        this.#settleStart = undefined;
        this.#cancelStartTimer?.();
        this.#cancelStartTimer = undefined;
        if (error) reject(error);
        else resolve();
      };
      this.#spawn();
      this.#cancelStartTimer = this.#clock.schedule(this.options.startTimeoutMs, () => {
        if (this.#state !== 'starting') return;
        this.#state = 'stopped';
        const error = this.#classify({ noFrameWithinMs: this.options.startTimeoutMs });
        // Rejected only once ffmpeg is gone, so a failed start() never leaves a process behind.
        void this.#stopChild().then(() => this.#settleStart?.(error));
      });
    });
  }

  #spawn(): void {
    const { ffmpegPath, width, height, cameraId } = this.options;
    const child = spawn(ffmpegPath, buildFfmpegArgs(this.options), {
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.#child = child;
    this.#pid = child.pid;
    let exitedResolve!: () => void;
    this.#exited = new Promise((resolve) => (exitedResolve = resolve));

    const slicer = new RawFrameSlicer(width * height * 3);
    child.stdout.on('data', (chunk: Buffer) => {
      if (this.#state !== 'starting' && this.#state !== 'running') return;
      slicer.push(chunk, (data) => {
        if (this.#state === 'starting') {
          this.#state = 'running';
          this.#settleStart?.();
        }
        if (this.#state !== 'running') return;
        this.emit('frame', {
          cameraId,
          seq: this.#seq++,
          capturedAt: this.#clock.now(),
          image: { width, height, data },
        });
      });
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      this.#stderr.push(text);
    });
    // Pipe errors (EPIPE and the like) surface as the child's exit; an unhandled one would crash.
    child.stdout.on('error', () => undefined);
    child.stderr.on('error', () => undefined);

    child.on('error', (error: NodeJS.ErrnoException) => {
      // Only a failed spawn matters here; a failed kill() of a live child also lands in 'error'.
      if (child.pid !== undefined) return;
      exitedResolve();
      this.#fail({ spawnError: error });
    });
    child.on('exit', () => {
      // libuv has reaped the child by now: no zombie remains.
      exitedResolve();
    });
    // 'close' comes after stdout and stderr are drained, so the stderr tail is complete.
    child.on('close', (exitCode: number | null, signal: NodeJS.Signals | null) => {
      exitedResolve();
      if (child.pid === undefined) return;
      if (this.#state === 'running' && exitCode === 0) {
        // A file played to its end (loop: false) or a stream closed cleanly: ended, no error.
        this.#state = 'stopped';
        this.emit('ended');
        return;
      }
      this.#fail({ exitCode, signal });
    });
  }

  /** Ends the run once: rejects a pending start(), or emits `error` then `ended` when running. */
  #fail(details: Partial<FfmpegFailure>): void {
    const wasStarting = this.#state === 'starting';
    if (!wasStarting && this.#state !== 'running') return;
    this.#state = 'stopped';
    const error = this.#classify(details);
    if (wasStarting) {
      this.#settleStart?.(error);
      return;
    }
    // An `error` nobody listens to would throw out of a child-process callback and crash the node.
    if (this.listenerCount('error') > 0) this.emit('error', error);
    this.emit('ended');
  }

  #classify(details: Partial<FfmpegFailure>): RollcallError {
    return classifyFfmpegFailure({
      input: this.options.input,
      kind: this.kind,
      ffmpegPath: this.options.ffmpegPath,
      stderr: this.#stderr.lines(),
      ...details,
    });
  }

  /** Stops ffmpeg (SIGTERM, SIGKILL after `killTimeoutMs`) and waits until it is reaped; idempotent. */
  close(): Promise<void> {
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  async #close(): Promise<void> {
    this.#state = 'stopped';
    await this.#stopChild();
    this.#settleStart?.(
      new RollcallError(ErrorCode.SourceFailed, `${this.description}: closed before the first frame`),
    );
  }

  async #stopChild(): Promise<void> {
    const child = this.#child;
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exitedWithin = (ms: number): Promise<boolean> =>
      new Promise((resolve) => {
        const cancel = this.#clock.schedule(ms, () => {
          resolve(false);
        });
        void this.#exited.then(() => {
          cancel();
          resolve(true);
        });
      });
    child.kill('SIGTERM');
    // A stopped child (job control, a debugger, a frozen container) handles SIGTERM only once continued.
    child.kill('SIGCONT');
    if (await exitedWithin(this.options.killTimeoutMs)) return;
    child.kill('SIGKILL');
    // SIGKILL cannot be ignored, but a process stuck in the kernel (a wedged camera driver) may
    // take a moment; close() stays bounded either way.
    await exitedWithin(this.options.killTimeoutMs);
  }
}
