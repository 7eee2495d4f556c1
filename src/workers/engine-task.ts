/**
 * What crosses between the pool and its threads: typed tasks in, typed replies out. Errors travel
 * as `{ code, message }` because structured cloning drops an Error's class and code.
 */
import type { SerializedError } from '../core/index.js';
import type { DescribedFace, DetectedFace, DetectOptions, EngineInfo, RgbImage } from '../engine/index.js';

export type EngineTask =
  | { op: 'warmup' }
  | { op: 'detect'; image: RgbImage; options: DetectOptions }
  | { op: 'describe'; image: RgbImage; faces: DetectedFace[] }
  | { op: 'analyze'; image: RgbImage; options: DetectOptions };

export type EngineReply =
  | { ok: true; op: 'warmup'; info: EngineInfo }
  | { ok: true; op: 'detect'; faces: DetectedFace[] }
  | { ok: true; op: 'describe' | 'analyze'; faces: DescribedFace[] }
  | { ok: false; error: SerializedError };
