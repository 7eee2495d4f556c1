/**
 * The benches' clips: rendered from an ffmpeg filter graph, and read back frame by frame as a
 * camera source decodes them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FfmpegFrameSource, type Frame } from '../capture/index.js';

const run = promisify(execFile);

/**
 * Encodes the filter graph's `[out]` to an H.264 clip at `fps` (cut at `durationS` when given):
 * `inputs` are ffmpeg's input arguments, `graph` the filter chains joined with `;`.
 */
export async function renderClip(
  output: string,
  clip: { inputs: readonly string[]; graph: readonly string[]; fps: number; durationS?: number },
): Promise<void> {
  await run('ffmpeg', [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    ...clip.inputs,
    '-filter_complex',
    clip.graph.join(';'),
    '-map',
    '[out]',
    ...(clip.durationS === undefined ? [] : ['-t', String(clip.durationS)]),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-r',
    String(clip.fps),
    output,
  ]);
}

export interface ClipShape {
  /** Names the frames' camera. */
  cameraId: string;
  fps: number;
  width: number;
  height: number;
}

/** Every frame of `clip`, decoded by the same ffmpeg source a camera uses, as fast as it goes. */
export async function readClipFrames(clip: string, shape: ClipShape): Promise<Frame[]> {
  const source = new FfmpegFrameSource({ input: clip, ...shape, realtime: false, loop: false });
  const frames: Frame[] = [];
  source.on('frame', (frame) => frames.push(frame));
  const ended = new Promise<void>((resolve) => source.once('ended', resolve));
  await source.start();
  await ended;
  await source.close();
  return frames;
}
