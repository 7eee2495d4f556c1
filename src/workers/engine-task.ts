/**
 * What crosses between the pool and its threads: typed tasks in, typed replies out. Errors travel
 * as `{ code, message }` because structured cloning drops an Error's class and code.
 */
import type { SerializedError } from '../core/index.js';
import type {
  DescribedFace,
  DetectedFace,
  DetectOptions,
  EngineInfo,
  LiveDetectOptions,
  LiveFace,
  RgbImage,
} from '../engine/index.js';

export type EngineTask =
  | { op: 'warmup' }
  | { op: 'detect'; image: RgbImage; options: DetectOptions }
  | { op: 'describe'; image: RgbImage; faces: DetectedFace[] }
  | { op: 'analyze'; image: RgbImage; options: DetectOptions }
  | { op: 'detectAndDescribe'; image: RgbImage; options: LiveDetectOptions };

export type EngineReply =
  | { ok: true; op: 'warmup'; info: EngineInfo }
  | { ok: true; op: 'detect'; faces: DetectedFace[] }
  | { ok: true; op: 'describe' | 'analyze'; faces: DescribedFace[] }
  | { ok: true; op: 'detectAndDescribe'; faces: LiveFace[] }
  | { ok: false; error: SerializedError };
