/**
 * A folder of photos played as a camera: each image in name order, round and round, at a steady
 * rate. Needs no ffmpeg, so it backs the demo and tests on machines without a camera.
 */
import { EventEmitter } from 'node:events';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, RollcallError, type RgbImage } from '../core/index.js';
import { readImageFile } from '../engine/index.js';
import { OptionChecks, systemClock, type Cancel, type Clock } from '../shared/index.js';
import type { FrameSource, FrameSourceEvents } from './frame-source.js';

export interface DirFrameSourceOptions {
  /** The folder of images. */
  dir: string;
  /** Names the camera in every frame. */
  cameraId: string;
  /** Frames emitted a second. @defaultValue 2 */
  fps?: number;
  /**
   * How long each image stays on screen, as if a camera watched it: the tracker needs several
   * frames of the same faces to name them. @defaultValue one frame (1 / fps)
   */
  secondsPerImage?: number;
  /** Larger photos are scaled down so the longer side is at most this. @defaultValue 1280 */
  maxSide?: number;
  /**
   * Decoded images kept in memory so looping does not decode again; images beyond this many are
   * decoded each time they come round. @defaultValue 64
   */
  maxCachedImages?: number;
  /** Only file names matching this are considered. @defaultValue every file not starting with `.` */
  match?: RegExp;
  /** Overrides the description used in logs. @defaultValue `photos in DIR @FPSfps` */
  description?: string;
  /** @defaultValue the system clock */
  clock?: Clock;
}

/** A file that was not shown, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
}

type ResolvedOptions = Required<
  Omit<DirFrameSourceOptions, 'clock' | 'description' | 'match' | 'secondsPerImage'>
> & {
  framesPerImage: number;
  match: RegExp | undefined;
};

/**
 * Defaults, then overrides, then validation naming every bad option.
 *
 * @throws RollcallError `SOURCE_INVALID`.
 */
export function resolveDirOptions(options: DirFrameSourceOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    dir: options.dir,
    cameraId: options.cameraId,
    fps: options.fps ?? 2,
    framesPerImage: Math.max(1, Math.round((options.secondsPerImage ?? 0) * (options.fps ?? 2))),
    maxSide: options.maxSide ?? 1280,
    maxCachedImages: options.maxCachedImages ?? 64,
    match: options.match,
  };
  new OptionChecks('DirFrameSource', ErrorCode.SourceInvalid)
    .require(
      typeof resolved.dir === 'string' && resolved.dir !== '',
      'dir',
      'must name a folder',
      resolved.dir,
    )
    .require(
      typeof resolved.cameraId === 'string' && resolved.cameraId.trim() !== '',
      'cameraId',
      'must be a non-empty string',
      resolved.cameraId,
    )
    .require(
      Number.isFinite(resolved.fps) && resolved.fps > 0 && resolved.fps <= 120,
      'fps',
      'must be a number above 0 and at most 120',
      resolved.fps,
    )
    .require(
      options.secondsPerImage === undefined ||
        (options.secondsPerImage > 0 && options.secondsPerImage <= 3600),
      'secondsPerImage',
      'must be a number above 0 and at most 3600',
      options.secondsPerImage,
    )
    .require(
      Number.isInteger(resolved.maxSide) && resolved.maxSide >= 16,
      'maxSide',
      'must be a whole number of at least 16',
      resolved.maxSide,
    )
    .require(
      Number.isInteger(resolved.maxCachedImages) && resolved.maxCachedImages >= 0,
      'maxCachedImages',
      'must be a whole number of at least 0',
      resolved.maxCachedImages,
    )
    .throwIfAny();
  return resolved;
}

/** Name order as a person sorts: `img2` before `img10`. */
const byName = new Intl.Collator('en', { numeric: true, sensitivity: 'base' }).compare;

interface Entry {
  file: string;
  /** Changes when the file is replaced, so a stale decode or an old failure is not reused. */
  version: string;
}

export class DirFrameSource extends EventEmitter<FrameSourceEvents> implements FrameSource {
  readonly description: string;
  /** Names the camera in every frame. */
  readonly cameraId: string;
  readonly options: Readonly<ResolvedOptions>;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { version: string; image: RgbImage }>();
  readonly #failed = new Map<string, { version: string; reason: string }>();
  #entries: Entry[] = [];
  #next = 0;
  #seq = 0;
  #closed = false;
  #startPromise: Promise<void> | undefined;
  #cancelWait: Cancel | undefined;
  #wake: (() => void) | undefined;
  #loop: Promise<void> = Promise.resolve();

  constructor(options: DirFrameSourceOptions) {
    super();
    this.options = resolveDirOptions(options);
    this.#clock = options.clock ?? systemClock;
    this.cameraId = this.options.cameraId;
    this.description = options.description ?? `photos in ${this.options.dir} @${this.options.fps}fps`;
  }

  /** Files that could not be decoded (or read), with the reason; they are not retried until they change. */
  get skipped(): SkippedFile[] {
    return [...this.#failed].map(([file, { reason }]) => ({ file, reason }));
  }

  /** Resolves once one image has decoded; rejects with SOURCE_INVALID when none does. */
  start(): Promise<void> {
    this.#startPromise ??= this.#start();
    return this.#startPromise;
  }

  async #start(): Promise<void> {
    if (this.#closed) throw new RollcallError(ErrorCode.SourceFailed, `${this.description}: closed`);
    await this.#scan();
    // Decode ahead until one image works, so a folder of nothing usable fails start() itself.
    const first = await this.#nextImage();
    if (this.#isClosed()) throw new RollcallError(ErrorCode.SourceFailed, `${this.description}: closed`);
    if (!first) throw this.#nothingToShow();
    this.#loop = this.#run(first).catch((error: unknown) => {
      this.#stop(error);
    });
  }

  /** Read through a method: `#closed` changes while this class awaits, which narrowing cannot see. */
  #isClosed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelWait?.();
    this.#wake?.();
    await this.#loop;
    this.#cache.clear();
  }

  async #run(first: RgbImage): Promise<void> {
    const intervalMs = 1000 / this.options.fps;
    let image: RgbImage | undefined = first;
    let shown = 0;
    while (!this.#closed) {
      if (!image) {
        this.#stop(this.#nothingToShow());
        return;
      }
      // A fresh copy every time: consumers may transfer (detach) the buffer to a worker thread.
      this.emit('frame', {
        cameraId: this.options.cameraId,
        seq: this.#seq++,
        capturedAt: this.#clock.now(),
        image: { width: image.width, height: image.height, data: new Uint8Array(image.data) },
      });
      // Decode the next image while waiting, so decoding time does not slow the pace; a decode
      // slower than the interval delays the next frame, never bursts. Settled into a value so a
      // failure is not an unhandled rejection while the wait is pending.
      if (++shown < this.options.framesPerImage) {
        await this.#wait(intervalMs);
        continue;
      }
      shown = 0;
      const next = this.#nextImage().then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      await this.#wait(intervalMs);
      const outcome = await next;
      if ('error' in outcome) throw outcome.error;
      image = outcome.value;
    }
  }

  #wait(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#cancelWait = undefined;
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
      this.#cancelWait = this.#clock.schedule(ms, done);
    });
  }

  #stop(error: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    const failure = error instanceof Error ? error : new RollcallError(ErrorCode.SourceFailed, String(error));
    if (this.listenerCount('error') > 0) this.emit('error', failure);
    this.emit('ended');
  }

  #nothingToShow(): RollcallError {
    const reasons = this.skipped
      .slice(0, 3)
      .map((s) => `${path.basename(s.file)}: ${s.reason}`)
      .join('; ');
    return new RollcallError(
      ErrorCode.SourceInvalid,
      `no image in ${this.options.dir} can be decoded${reasons ? ` (${reasons})` : ''}: put JPEG or PNG photos there, or fix CAMERA_SOURCE`,
    );
  }

  /** Lists the folder again; called at each wrap-around so added or removed photos show up. */
  async #scan(): Promise<void> {
    const { dir, match } = this.options;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new RollcallError(
        ErrorCode.SourceInvalid,
        `folder ${dir} cannot be read (${code}): fix the path in CAMERA_SOURCE=dir:PATH`,
        { cause: error },
      );
    }
    const entries: Entry[] = [];
    for (const name of names.filter((n) => !n.startsWith('.') && (!match || match.test(n))).sort(byName)) {
      const file = path.join(dir, name);
      try {
        const info = await stat(file);
        if (info.isFile()) entries.push({ file, version: `${info.mtimeMs}:${info.size}` });
      } catch {
        // Gone between readdir and stat: it is simply not in this round.
      }
    }
    this.#entries = entries;
    this.#next = 0;
    const present = new Set(entries.map((e) => e.file));
    for (const file of [...this.#cache.keys()]) if (!present.has(file)) this.#cache.delete(file);
    for (const file of [...this.#failed.keys()]) if (!present.has(file)) this.#failed.delete(file);
  }

  /** The next image that decodes, or undefined after one full round without any. */
  async #nextImage(): Promise<RgbImage | undefined> {
    // Failures are remembered, so going round a folder of bad files again costs no decoding.
    for (let tried = 0; !this.#closed; tried++) {
      if (this.#next >= this.#entries.length) {
        await this.#scan();
        if (this.#entries.length === 0) return undefined;
      }
      if (tried > this.#entries.length) return undefined;
      const entry = this.#entries[this.#next++];
      const image = entry && (await this.#decode(entry));
      if (image) return image;
    }
    return undefined;
  }

  async #decode({ file, version }: Entry): Promise<RgbImage | undefined> {
    const cached = this.#cache.get(file);
    if (cached?.version === version) return cached.image;
    if (this.#failed.get(file)?.version === version) return undefined;
    try {
      const image = await readImageFile(file, { maxSide: this.options.maxSide });
      this.#failed.delete(file);
      if (this.#cache.has(file) || this.#cache.size < this.options.maxCachedImages) {
        this.#cache.set(file, { version, image });
      }
      return image;
    } catch (error) {
      this.#cache.delete(file);
      const reason = error instanceof Error ? error.message.replace(`${file}: `, '') : String(error);
      this.#failed.set(file, { version, reason });
      return undefined;
    }
  }
}
