/**
 * The face engine: the one interface through which Rollcall finds faces and describes them. It
 * exposes no tfjs type, so the pipeline, the pool and the tests see only plain data.
 */
import type { BackendChoice, DetectorKind } from '../../config.js';
import type { Box, DescriptorModel, FaceQuality, RgbImage } from '../core/index.js';

export type { Box, DetectorKind, BackendChoice, DescriptorModel, RgbImage };

export interface DetectedFace {
  box: Box;
  /** Detector confidence, 0..1. */
  score: number;
}

export interface DescribedFace extends DetectedFace {
  /** The 68 landmark points as x0, y0, x1, y1, … in image coordinates. */
  landmarks: Float32Array;
  /**
   * The descriptor of the engine's `descriptorModel` (512 values for fr-feature, 128 for face-api);
   * faces of one person lie close together (euclidean).
   */
  descriptor: Float32Array;
  quality: FaceQuality;
}

export interface DetectOptions {
  /** @defaultValue the engine's live detector */
  detector?: DetectorKind;
  /** Detections below this confidence are dropped. @defaultValue 0.5 (tiny), 0.3 (ssd) */
  minScore?: number;
  /**
   * Also try the image with grey margins added. Detectors miss faces that fill the whole frame
   * (tight crops, close-ups); padding gives them the context they were trained with. Costs up to
   * four detector runs, so it is for photos, not live frames. @defaultValue false
   */
  padCascade?: boolean;
  /**
   * Input size of the tiny detector for this call (a multiple of 32). A region cut around a face
   * needs far less than a whole frame, and the detector's cost grows with the square of it.
   * @defaultValue the engine's `tinyInputSize` (416)
   */
  tinyInputSize?: number;
}

export interface LiveDetectOptions extends Omit<DetectOptions, 'padCascade'> {
  /**
   * Faces overlapping one of these boxes (IoU of at least `skipOverlap`) are only detected, not
   * described: their tracks are already settled.
   */
  skip?: Box[];
  /**
   * The overlap at which a face is the skipped box's: the tracker's own association threshold, so
   * the two agree on which face is which track. @defaultValue the tracker's default (0.3)
   */
  skipOverlap?: number;
}

/** A live face: described unless it overlapped a skipped box. */
export type LiveFace = DetectedFace | DescribedFace;

export function isDescribed(face: LiveFace): face is DescribedFace {
  return 'descriptor' in face;
}

export interface EngineInfo {
  /** The tfjs backend that runs the models: `tensorflow` (tfjs-node) or `wasm`. */
  backend: string;
  /** Threads that run models in parallel (1 for an in-thread engine). */
  threads: number;
  /** Names and versions of the models, recorded with every recognition for the audit trail. */
  model: string;
  /** Which network makes the descriptors: only descriptors of the same model compare. */
  descriptorModel: DescriptorModel;
}

/**
 * Finds and describes faces. An engine may take ownership of `image.data` (the pool moves it to a
 * worker thread, leaving the caller's buffer empty): pass a copy when the pixels are still needed.
 */
export interface FaceEngine {
  readonly info: EngineInfo;
  /** Finds faces: boxes and scores only, the cheap step. */
  detect(image: RgbImage, options?: DetectOptions): Promise<DetectedFace[]>;
  /** Landmarks, descriptor and quality for faces already found in the same image. */
  describe(image: RgbImage, faces: DetectedFace[]): Promise<DescribedFace[]>;
  /** `detect` then `describe` every face found. */
  analyze(image: RgbImage, options?: DetectOptions): Promise<DescribedFace[]>;
  /**
   * The live step, in one call so a frame crosses to a worker thread once: detect every face,
   * describe only those the tracker still needs.
   */
  detectAndDescribe(image: RgbImage, options?: LiveDetectOptions): Promise<LiveFace[]>;
  /** Frees the models (and threads); idempotent. */
  close(): Promise<void>;
}
