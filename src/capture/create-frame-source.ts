/**
 * CAMERA_SOURCE → a running camera: parses the setting, picks the adapter, and wraps it in the
 * watchdog so the node survives a dropped stream or an unplugged camera.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, RollcallError } from '../core/index.js';
import { createDemoFrameSource } from './demo.frame-source.js';
import { DirFrameSource } from './dir.frame-source.js';
import { FfmpegFrameSource } from './ffmpeg.frame-source.js';
import { redactUrlCredentials } from './ffmpeg-failure.js';
import type { FrameSource } from './frame-source.js';
import { SupervisedFrameSource, type SupervisedFrameSourceOptions } from './supervised.frame-source.js';

/** What a CAMERA_SOURCE value means. */
export type CameraSourceSpec =
  | { kind: 'v4l2'; device: string }
  | { kind: 'stream'; url: string }
  | { kind: 'file'; file: string }
  | { kind: 'dir'; dir: string }
  | { kind: 'demo'; note?: string };

/** The file-system questions parsing needs; injectable so the parser is tested without disks. */
export interface PathProbe {
  kind(file: string): 'file' | 'directory' | 'other' | 'missing';
}

export const systemPathProbe: PathProbe = {
  kind(file) {
    try {
      const info = statSync(file);
      if (info.isFile()) return 'file';
      if (info.isDirectory()) return 'directory';
      return 'other';
    } catch {
      return 'missing';
    }
  },
};

export const ACCEPTED_CAMERA_SOURCES = [
  '/dev/videoN (a V4L2 camera, e.g. /dev/video0)',
  'rtsp://… or rtsps://… (an IP camera)',
  'http://… or https://… (an MJPEG or HLS stream)',
  'a video file path',
  'dir:PATH (a folder of photos, no ffmpeg needed)',
  'demo (the bundled sample photos)',
  'auto (/dev/video0 if present, else demo)',
] as const;

const DEFAULT_DEVICE = '/dev/video0';

function sourceInvalid(problem: string): RollcallError {
  return new RollcallError(
    ErrorCode.SourceInvalid,
    `CAMERA_SOURCE ${problem}. Accepted forms: ${ACCEPTED_CAMERA_SOURCES.join('; ')}`,
  );
}

/** Reads CAMERA_SOURCE; throws SOURCE_INVALID listing the accepted forms when it means nothing. */
export function parseCameraSource(value: string, probe: PathProbe = systemPathProbe): CameraSourceSpec {
  const text = value.trim();
  if (text === '') throw sourceInvalid('is empty');
  if (text === 'demo') return { kind: 'demo' };
  if (text === 'auto') {
    // Any character device counts: a camera that later refuses to open gets a precise error then.
    return probe.kind(DEFAULT_DEVICE) === 'missing'
      ? { kind: 'demo', note: `auto: no ${DEFAULT_DEVICE}` }
      : { kind: 'v4l2', device: DEFAULT_DEVICE };
  }
  if (text.startsWith('dir:')) {
    const dir = text.slice('dir:'.length).trim();
    if (dir === '') throw sourceInvalid('"dir:" needs a folder, as in dir:/srv/photos');
    return { kind: 'dir', dir };
  }
  // Any /dev node: /dev/v4l/by-id/… names stay with the same camera across reboots and replugs.
  if (text.startsWith('/dev/')) return { kind: 'v4l2', device: text };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    if (!/^(rtsps?|https?):\/\//i.test(text)) {
      throw sourceInvalid(`"${redactUrlCredentials(text)}" uses a scheme Rollcall cannot read`);
    }
    try {
      new URL(text);
    } catch {
      throw sourceInvalid(`"${redactUrlCredentials(text)}" is not a valid URL`);
    }
    return { kind: 'stream', url: text };
  }
  switch (probe.kind(text)) {
    case 'file':
      return { kind: 'file', file: text };
    case 'directory':
      throw sourceInvalid(`"${text}" is a folder: write dir:${text} to play the photos in it`);
    case 'other':
      throw sourceInvalid(`"${text}" is neither a video file nor a camera`);
    case 'missing':
      throw sourceInvalid(`"${text}" is not a camera, URL or existing file`);
  }
}

export interface CreateFrameSourceOptions {
  /** Names the camera in frames and events. @defaultValue derived from the source: `video0`, `demo`, the host, the file name */
  cameraId?: string;
  /** Output width of ffmpeg sources; photo folders fit each photo within width × height. @defaultValue 640 */
  width?: number;
  /** @defaultValue 480 */
  height?: number;
  /** @defaultValue 10 for ffmpeg sources, 2 for photo folders, 5 for the demo */
  fps?: number;
  /** Photo folders and the demo: how long each photo stays on screen. @defaultValue one frame; 6 s for the demo */
  secondsPerImage?: number;
  /** Video files only: play at the file's own speed. @defaultValue true */
  realtime?: boolean;
  /** @defaultValue `ffmpeg` */
  ffmpegPath?: string;
  /** First-frame wait of ffmpeg sources. @defaultValue 15000 */
  startTimeoutMs?: number;
  /** Watchdog settings (stall timeout, backoff, …). */
  watchdog?: Omit<SupervisedFrameSourceOptions, 'factory' | 'description' | 'cameraId'>;
}

/** A camera id safe for logs, file names and the bridge: letters, digits, `.`, `_`, `-`. */
function cameraIdFrom(text: string): string {
  const id = text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return id || 'camera';
}

function defaultCameraId(spec: CameraSourceSpec): string {
  switch (spec.kind) {
    case 'v4l2':
      return cameraIdFrom(path.basename(spec.device));
    case 'stream': {
      const url = new URL(spec.url);
      return cameraIdFrom(url.port ? `${url.hostname}-${url.port}` : url.hostname);
    }
    case 'file':
      return cameraIdFrom(path.parse(spec.file).name);
    case 'dir':
      return cameraIdFrom(path.basename(path.resolve(spec.dir)));
    case 'demo':
      return 'demo';
  }
}

/**
 * The camera for a CAMERA_SOURCE value, behind the watchdog. Bad values and bad options throw
 * SOURCE_INVALID here, before anything starts; device and network problems reject `start()`.
 */
export function createFrameSource(
  cameraSource: string,
  options: CreateFrameSourceOptions = {},
): SupervisedFrameSource {
  const spec = parseCameraSource(cameraSource);
  const cameraId = options.cameraId ?? defaultCameraId(spec);
  let make: () => FrameSource;
  switch (spec.kind) {
    case 'v4l2':
    case 'stream':
    case 'file': {
      const input = spec.kind === 'v4l2' ? spec.device : spec.kind === 'stream' ? spec.url : spec.file;
      make = () =>
        new FfmpegFrameSource({
          input,
          cameraId,
          width: options.width,
          height: options.height,
          fps: options.fps,
          realtime: options.realtime,
          ffmpegPath: options.ffmpegPath,
          startTimeoutMs: options.startTimeoutMs,
          clock: options.watchdog?.clock,
        });
      break;
    }
    case 'dir':
    case 'demo': {
      // Photos are fitted within the frame size ffmpeg sources would use, so every camera's frames
      // cost the engine alike.
      const photos = {
        cameraId,
        fps: options.fps,
        secondsPerImage: options.secondsPerImage,
        maxSide: Math.max(options.width ?? 640, options.height ?? 480),
        clock: options.watchdog?.clock,
      };
      make =
        spec.kind === 'dir'
          ? () => new DirFrameSource({ ...photos, dir: spec.dir })
          : () => createDemoFrameSource(photos);
      break;
    }
  }
  // Built now so bad options fail here, with the option named, rather than at the first start.
  let first: FrameSource | undefined = make();
  // The inner source's own start timeout must fire first: its message names the real cause.
  const firstFrameTimeoutMs =
    options.watchdog?.firstFrameTimeoutMs ?? (options.startTimeoutMs ?? 15_000) + 5_000;
  const note = spec.kind === 'demo' && spec.note ? ` (${spec.note})` : '';
  return new SupervisedFrameSource({
    ...options.watchdog,
    firstFrameTimeoutMs,
    cameraId,
    description: `${first.description}${note}, under a watchdog`,
    factory: () => {
      const source = first ?? make();
      first = undefined;
      return source;
    },
  });
}
