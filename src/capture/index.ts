/**
 * The capture room: where frames come from. Other rooms use `createFrameSource(CAMERA_SOURCE)` and
 * the `FrameSource` interface; the adapters are exported for tests, benchmarks and special setups.
 */
export type { Frame, FrameSource, FrameSourceEvents } from './frame-source.js';
export {
  classifyFfmpegFailure,
  ffmpegInputKind,
  LineTail,
  redactUrlCredentials,
  type FfmpegFailure,
  type FfmpegInputKind,
} from './ffmpeg-failure.js';
export {
  buildFfmpegArgs,
  FfmpegFrameSource,
  RawFrameSlicer,
  resolveFfmpegOptions,
  type FfmpegFrameSourceOptions,
} from './ffmpeg.frame-source.js';
export { DirFrameSource, type DirFrameSourceOptions, type SkippedFile } from './dir.frame-source.js';
export {
  createDemoFrameSource,
  DEMO_PHOTO_PATTERN,
  demoPhotoDir,
  type DemoFrameSourceOptions,
} from './demo.frame-source.js';
export {
  SupervisedFrameSource,
  type RestartInfo,
  type SupervisedFrameSourceEvents,
  type SupervisedFrameSourceOptions,
} from './supervised.frame-source.js';
export {
  ACCEPTED_CAMERA_SOURCES,
  createFrameSource,
  parseCameraSource,
  systemPathProbe,
  type CameraSourceSpec,
  type CreateFrameSourceOptions,
  type PathProbe,
} from './create-frame-source.js';
