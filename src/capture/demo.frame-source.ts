/**
 * The demo camera: the sample photos that ship inside `@vladmandic/face-api`, played as a folder.
 * It works on a fresh machine after `npm ci`, with no camera and no ffmpeg.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { DirFrameSource } from './dir.frame-source.js';
import type { Clock } from '../shared/index.js';

/** `sample1.jpg` … `sample6.jpg`; the folder also holds screenshots and scripts, which are not faces. */
export const DEMO_PHOTO_PATTERN = /^sample\d+\.jpe?g$/i;

/** The `demo/` folder of the installed `@vladmandic/face-api` package. */
export function demoPhotoDir(): string {
  const packageJson = createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json');
  return path.join(path.dirname(packageJson), 'demo');
}

export interface DemoFrameSourceOptions {
  /** @defaultValue `demo` */
  cameraId?: string;
  /** Frames a second. @defaultValue 5 */
  fps?: number;
  /** Each photo stays on screen this long, so the tracker can name its faces. @defaultValue 6 */
  secondsPerImage?: number;
  /** @defaultValue 640 */
  maxSide?: number;
  /** @defaultValue the system clock */
  clock?: Clock;
}

export function createDemoFrameSource(options: DemoFrameSourceOptions = {}): DirFrameSource {
  const dir = demoPhotoDir();
  const fps = options.fps ?? 5;
  const secondsPerImage = options.secondsPerImage ?? 6;
  return new DirFrameSource({
    dir,
    cameraId: options.cameraId ?? 'demo',
    fps,
    secondsPerImage,
    maxSide: options.maxSide ?? 640,
    match: DEMO_PHOTO_PATTERN,
    description: `demo photos (${dir}), ${secondsPerImage} s each @${fps}fps`,
    clock: options.clock,
  });
}
