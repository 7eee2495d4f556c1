/**
 * The walk-past clip of `rollcall bench --lookalike`: people walking across a grey scene one after
 * another, each shown as a sequence of their photos, made with the real ffmpeg in the system temp
 * dir (never in the repository) and read back through the camera's frame source.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from '../capture/index.js';
import { readClipFrames, renderClip } from './clip-frames.js';

export const FPS = 10;
/**
 * Each photo stays on screen this long by default (5 frames): long enough for one lucky photo to
 * give the per-frame rule its 3 agreeing frames, as a lucky pose held for half a second would.
 */
export const SECONDS_PER_PHOTO = 0.5;
/** Empty scene between two people, so one leaves before the next comes in. */
export const GAP_S = 1;
const WIDTH = 640;
const HEIGHT = 480;
/** LFW photos are 250 px with the face about 110 px across; shown at 320 px it is a near face. */
const PHOTO_PX = 320;

export interface Walk {
  person: string;
  role: 'enrolled' | 'stranger';
  photos: string[];
}

/** Start and end of each walk in the clip, in seconds. */
export function timeline(
  walks: readonly Walk[],
  secondsPerPhoto = SECONDS_PER_PHOTO,
): { inS: number; outS: number }[] {
  let at = 0;
  return walks.map((walk) => {
    const inS = at;
    const outS = inS + walk.photos.length * secondsPerPhoto;
    at = outS + GAP_S;
    return { inS, outS };
  });
}

/**
 * An H.264 clip in a new folder under the system temp dir: each walk's photos in turn, moving
 * from the left edge to the right over a grey scene, then an empty scene for {@link GAP_S}.
 */
export async function makeWalkClip(
  walks: readonly Walk[],
  secondsPerPhoto = SECONDS_PER_PHOTO,
): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rollcall-lookalike-'));
  const output = path.join(dir, 'walk-past.mp4');
  const inputs: string[] = [];
  const graph: string[] = [];
  const segments: string[] = [];
  let input = 0;
  walks.forEach((walk, w) => {
    const seconds = walk.photos.length * secondsPerPhoto;
    const labels = walk.photos.map((photo) => {
      inputs.push('-loop', '1', '-framerate', String(FPS), '-t', String(secondsPerPhoto), '-i', photo);
      graph.push(`[${input}:v]scale=${PHOTO_PX}:${PHOTO_PX},setsar=1,fps=${FPS},format=yuv420p[p${input}]`);
      return `[p${input++}]`;
    });
    graph.push(`${labels.join('')}concat=n=${labels.length}:v=1:a=0[walk${w}]`);
    graph.push(`color=c=gray:s=${WIDTH}x${HEIGHT}:r=${FPS}:d=${seconds}[scene${w}]`);
    graph.push(
      `[scene${w}][walk${w}]overlay=x='(W-w)*t/${seconds}':y='(H-h)/2':eval=frame,format=yuv420p[walked${w}]`,
    );
    graph.push(`color=c=gray:s=${WIDTH}x${HEIGHT}:r=${FPS}:d=${GAP_S},format=yuv420p[gap${w}]`);
    segments.push(`[walked${w}]`, `[gap${w}]`);
  });
  graph.push(`${segments.join('')}concat=n=${segments.length}:v=1:a=0[out]`);
  await renderClip(output, { inputs, graph, fps: FPS });
  return output;
}

/** Every frame of the clip, as the camera source decodes it. */
export function readClip(clip: string): Promise<Frame[]> {
  return readClipFrames(clip, { cameraId: 'lookalike', fps: FPS, width: WIDTH, height: HEIGHT });
}
