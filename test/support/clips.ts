/**
 * Test videos made at test time with the real ffmpeg from the shared face photos, so no video is
 * ever stored in the repository.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './temp.js';

const run = promisify(execFile);

export interface ClipOptions {
  /** How long each photo stays on screen. @defaultValue 1 */
  secondsPerPhoto?: number;
  /** Frames a second of the clip. @defaultValue 10 */
  fps?: number;
  /** Clip width; each photo is fitted inside and padded with grey. Must be even. @defaultValue 640 */
  width?: number;
  /** Clip height. Must be even. @defaultValue 480 */
  height?: number;
  /**
   * Share of the clip's width and height a photo may fill; the rest is grey. Tight face crops need
   * margin around the face before a detector finds them. @defaultValue 1
   */
  photoScale?: number;
  /** Folder for the clip. @defaultValue a new temporary folder */
  dir?: string;
  /** File name; its extension picks the container. @defaultValue `clip.mp4` */
  name?: string;
}

/**
 * Makes an H.264 clip showing `photos` one after another, `secondsPerPhoto` each, and returns its
 * path. The clip has exactly `photos.length × secondsPerPhoto × fps` frames.
 */
export async function makeClip(photos: string[], options: ClipOptions = {}): Promise<string> {
  const seconds = options.secondsPerPhoto ?? 1;
  const fps = options.fps ?? 10;
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const photoScale = options.photoScale ?? 1;
  if (photos.length === 0) throw new Error('makeClip: give at least one photo');
  if (width % 2 !== 0 || height % 2 !== 0) {
    throw new Error(`makeClip: H.264 needs an even size, got ${width}x${height}`);
  }
  const dir = options.dir ?? (await tempDir('clip'));
  const output = path.join(dir, options.name ?? 'clip.mp4');
  const inputs = photos.flatMap((photo) => [
    '-loop',
    '1',
    '-framerate',
    String(fps),
    '-t',
    String(seconds),
    '-i',
    photo,
  ]);
  if (!(photoScale > 0 && photoScale <= 1))
    throw new Error(`makeClip: photoScale must be in (0, 1], got ${photoScale}`);
  // Even, so that every pad offset stays whole for the 4:2:0 chroma planes.
  const fitWidth = 2 * Math.floor((width * photoScale) / 2);
  const fitHeight = 2 * Math.floor((height * photoScale) / 2);
  const fit = `scale=${fitWidth}:${fitHeight}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=gray,setsar=1,fps=${fps},format=yuv420p`;
  const graph = [
    ...photos.map((_, i) => `[${i}:v]${fit}[v${i}]`),
    `${photos.map((_, i) => `[v${i}]`).join('')}concat=n=${photos.length}:v=1:a=0[out]`,
  ].join(';');
  try {
    await run('ffmpeg', [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      ...inputs,
      '-filter_complex',
      graph,
      '-map',
      '[out]',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      String(fps),
      '-r',
      String(fps),
      // The index at the front: the clip can also be served over HTTP and played without seeking.
      '-movflags',
      '+faststart',
      output,
    ]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`makeClip: ffmpeg failed for ${photos.join(', ')}: ${stderr.trim()}`, { cause: error });
  }
  return output;
}
