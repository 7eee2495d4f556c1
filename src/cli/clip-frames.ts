/** The benches' clips, read back frame by frame as a camera source decodes them. */
import { FfmpegFrameSource, type Frame } from '../capture/index.js';

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
