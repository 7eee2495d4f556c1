/**
 * The face engine on `@vladmandic/face-api` (weights shipped in the npm package), in this thread.
 * The pool in `src/workers` runs one of these per worker thread.
 */
import type * as FaceApi from '@vladmandic/face-api';
import type * as Tf from '@tensorflow/tfjs-core';
import {
  DEFAULT_TRACKER_OPTIONS,
  ErrorCode,
  frontality,
  iou,
  laplacianVariance,
  RollcallError,
} from '../core/index.js';
import type {
  BackendChoice,
  DescribedFace,
  DescriptorModel,
  DetectedFace,
  DetectOptions,
  DetectorKind,
  EngineInfo,
  FaceEngine,
  LiveDetectOptions,
  LiveFace,
  RgbImage,
} from './face-engine.js';
import { FrFeatureEmbedder } from './fr-feature.embedder.js';
import { assertRgbImage, NEUTRAL_GREY } from './image.js';
import { loadFaceApi, type LoadedFaceApi } from './tfjs.js';

export interface FaceApiEngineOptions {
  /** @defaultValue `auto` */
  backend?: BackendChoice;
  /** The detector `detect` uses when the call names none. @defaultValue `tiny` */
  defaultDetector?: DetectorKind;
  /** Input size of the tiny detector (a multiple of 32); larger finds smaller faces, slower. @defaultValue 416 */
  tinyInputSize?: number;
  /**
   * `rollcall` is Rollcall's own pipeline (pad cascade, scale-normalised chips, flip-averaged
   * descriptors, quality measures). `faceapi-default` is face-api's stock
   * `detectAllFaces().withFaceLandmarks().withFaceDescriptors()`, kept as the baseline that
   * `rollcall evaluate --baseline` measures against in the same run. @defaultValue `rollcall`
   */
  pipeline?: EnginePipeline;
  /**
   * The network that describes faces (the stock pipeline always uses face-api's).
   * @defaultValue `face-api`
   */
  embedder?: DescriptorModel;
}

export type EnginePipeline = 'rollcall' | 'faceapi-default';

/** Grey margins tried by the pad cascade, as a fraction of the image's longer side. */
const PAD_CASCADE = [0, 0.3, 0.6, 1.0] as const;
/** The least detector score a face is reported at, per detector, unless the caller asks otherwise. */
const MIN_SCORE: Record<DetectorKind, number> = { ssd: 0.3, tiny: 0.5 };
/** The cascade stops early once a face is this certain: more padding rarely beats it. */
const CONFIDENT_SCORE = 0.9;
/**
 * Every face is described from a square chip of this many pixels, cut around the detection with
 * CHIP_CONTEXT times its size of context. Normalising scale this way makes a 90 px face in a large
 * photo and a 150 px tight crop look alike to the landmark and descriptor nets; measured on
 * ../shared/faces it was the largest single accuracy gain (1.6 beat 2.0 and 2.6).
 */
const CHIP_SIZE = 224;
const CHIP_CONTEXT = 1.6;
/** Sharpness is measured at one fixed size so that it compares across faces of any size. */
const SHARPNESS_SIZE = 112;

type Tensor3D = Tf.Tensor3D;

let modelsLoaded: Promise<void> | undefined;

export class FaceApiEngine implements FaceEngine {
  readonly info: EngineInfo;
  private closed = false;

  private constructor(
    private readonly api: LoadedFaceApi,
    private readonly options: Required<FaceApiEngineOptions>,
    /** Present when faces are described by fr-feature instead of face-api's descriptor net. */
    private readonly frFeature: FrFeatureEmbedder | null,
    fallbackReason: string | null,
  ) {
    const detection = `face-api ${api.version}: ssd-mobilenetv1 | tiny-face-detector, landmark-68`;
    this.info = {
      backend: api.backend,
      threads: 1,
      model:
        options.pipeline === 'faceapi-default'
          ? `face-api ${api.version} stock pipeline (baseline)`
          : frFeature
            ? `${detection}; fr-feature ${frFeature.version} descriptor (5-point ArcFace warp)`
            : `${detection}, resnet-34 descriptor (flip-averaged)${fallbackReason ? ` [fallback: ${fallbackReason}]` : ''}`,
      descriptorModel: frFeature ? 'fr-feature' : 'face-api',
    };
  }

  /** Loads tfjs, the backend and the four models; the models load once per thread. */
  static async create(options: FaceApiEngineOptions = {}): Promise<FaceApiEngine> {
    const resolved: Required<FaceApiEngineOptions> = {
      backend: 'auto',
      defaultDetector: 'tiny',
      tinyInputSize: 416,
      pipeline: 'rollcall',
      embedder: 'face-api',
      ...options,
    };
    const api = await loadFaceApi(resolved.backend);
    modelsLoaded ??= (async () => {
      const { nets } = api.faceapi;
      await nets.ssdMobilenetv1.loadFromDisk(api.modelDir);
      await nets.tinyFaceDetector.loadFromDisk(api.modelDir);
      await nets.faceLandmark68Net.loadFromDisk(api.modelDir);
      await nets.faceRecognitionNet.loadFromDisk(api.modelDir);
    })();
    await modelsLoaded;
    if (resolved.pipeline === 'faceapi-default' || resolved.embedder === 'face-api') {
      return new FaceApiEngine(api, resolved, null, null);
    }
    try {
      return new FaceApiEngine(api, resolved, await FrFeatureEmbedder.load(), null);
    } catch (error) {
      // Recognising with the weaker descriptor beats not recognising at all; the engine's model
      // string says why, and the node reports its descriptor model so its gallery matches.
      const reason = error instanceof Error ? error.message : String(error);
      return new FaceApiEngine(api, resolved, null, reason);
    }
  }

  async detect(image: RgbImage, options: DetectOptions = {}): Promise<DetectedFace[]> {
    return this.withTensor(image, (input) => this.detectOn(input, image, options));
  }

  async describe(image: RgbImage, faces: DetectedFace[]): Promise<DescribedFace[]> {
    if (faces.length === 0) return [];
    return this.withTensor(image, (input) => this.describeOn(input, image, faces));
  }

  async detectAndDescribe(image: RgbImage, options: LiveDetectOptions = {}): Promise<LiveFace[]> {
    // One tensor of the frame serves both the detector and the descriptor nets.
    return this.withTensor(image, async (input) => {
      const faces = await this.detectOn(input, image, { ...options, padCascade: false });
      const skip = options.skip ?? [];
      const overlap = options.skipOverlap ?? DEFAULT_TRACKER_OPTIONS.iouThreshold;
      const wanted = faces.filter((face) => !skip.some((box) => iou(box, face.box) >= overlap));
      const described = await this.describeOn(input, image, wanted);
      const byFace = new Map<DetectedFace, DescribedFace>(
        wanted.map((face, i) => [face, described[i] as DescribedFace]),
      );
      return faces.map((face) => byFace.get(face) ?? face);
    });
  }

  async analyze(image: RgbImage, options: DetectOptions = {}): Promise<DescribedFace[]> {
    if (this.options.pipeline === 'faceapi-default') return this.analyzeStock(image, options);
    return this.withTensor(image, async (input) =>
      this.describeOn(input, image, await this.detectOn(input, image, options)),
    );
  }

  /** Runs `use` on the image as a tensor, disposed afterwards whatever happens. */
  private async withTensor<T>(image: RgbImage, use: (input: Tf.Tensor3D) => Promise<T>): Promise<T> {
    const input = this.toTensor(image);
    try {
      return await use(input);
    } finally {
      input.dispose();
    }
  }

  private async detectOn(
    input: Tf.Tensor3D,
    image: RgbImage,
    options: DetectOptions,
  ): Promise<DetectedFace[]> {
    const detector = options.detector ?? this.options.defaultDetector;
    const paddings = options.padCascade ? PAD_CASCADE : [0];
    const faces = await this.detectCascade(
      input,
      image,
      detector,
      options.minScore ?? MIN_SCORE[detector],
      paddings,
      options.tinyInputSize ?? this.options.tinyInputSize,
    );
    // SSD and the tiny detector fail on different photos: SSD misses some dark, blurred faces that
    // the tiny net still finds. Photos only: in live video most frames show nobody, and a second
    // detector there would double the cost of watching an empty room.
    if (faces.length > 0 || !options.padCascade || detector !== 'ssd') return faces;
    return this.detectCascade(input, image, 'tiny', MIN_SCORE.tiny, paddings, this.options.tinyInputSize);
  }

  /** Each padding in turn; the set of faces whose best score is highest wins. */
  private async detectCascade(
    input: Tf.Tensor3D,
    image: RgbImage,
    detector: DetectorKind,
    minScore: number,
    paddings: readonly number[],
    tinyInputSize: number,
  ): Promise<DetectedFace[]> {
    let best: DetectedFace[] = [];
    let bestScore = -1;
    for (const pad of paddings) {
      const faces = await this.detectPadded(input, image, detector, minScore, pad, tinyInputSize);
      const top = Math.max(-1, ...faces.map((f) => f.score));
      if (top > bestScore) {
        best = faces;
        bestScore = top;
      }
      if (bestScore >= CONFIDENT_SCORE) break;
    }
    return best;
  }

  private async describeOn(
    input: Tf.Tensor3D,
    image: RgbImage,
    faces: DetectedFace[],
  ): Promise<DescribedFace[]> {
    if (faces.length === 0) return [];
    const { tf } = this.api;
    const batch = tf.tidy(() => tf.cast(tf.expandDims<Tf.Tensor4D>(input, 0), 'float32'));
    try {
      const described: DescribedFace[] = [];
      for (const face of faces) described.push(await this.describeOne(batch, image, face));
      return described;
    } finally {
      batch.dispose();
    }
  }

  /** face-api's stock pipeline, for baselines only: no padding, no chips, one descriptor. */
  private async analyzeStock(image: RgbImage, options: DetectOptions): Promise<DescribedFace[]> {
    const { faceapi } = this.api;
    const input = this.toTensor(image);
    try {
      const detectorOptions =
        (options.detector ?? this.options.defaultDetector) === 'ssd'
          ? new faceapi.SsdMobilenetv1Options({ minConfidence: options.minScore ?? 0.5 })
          : new faceapi.TinyFaceDetectorOptions({
              inputSize: this.options.tinyInputSize,
              scoreThreshold: options.minScore ?? 0.5,
            });
      const results = await faceapi
        .detectAllFaces(input, detectorOptions)
        .withFaceLandmarks()
        .withFaceDescriptors();
      return results.map((r) => {
        const box = {
          x: r.detection.box.x,
          y: r.detection.box.y,
          width: r.detection.box.width,
          height: r.detection.box.height,
        };
        const landmarks = Float32Array.from(r.landmarks.positions.flatMap((p) => [p.x, p.y]));
        return {
          box,
          score: r.detection.score,
          landmarks,
          descriptor: r.descriptor,
          quality: {
            sizePx: Math.min(box.width, box.height),
            score: r.detection.score,
            sharpness: Number.NaN,
            frontality: frontality(landmarks),
          },
        };
      });
    } finally {
      input.dispose();
    }
  }

  close(): Promise<void> {
    // The models are per-thread singletons shared by every engine in the thread; the thread's exit
    // frees them. Closing only stops this instance from being used by mistake.
    this.closed = true;
    return Promise.resolve();
  }

  private toTensor(image: RgbImage): Tensor3D {
    if (this.closed) throw new RollcallError(ErrorCode.EngineUnavailable, 'the face engine is closed');
    assertRgbImage(image);
    return this.api.tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  }

  private async detectPadded(
    input: Tensor3D,
    image: RgbImage,
    detector: DetectorKind,
    minScore: number,
    padFraction: number,
    tinyInputSize: number,
  ): Promise<DetectedFace[]> {
    const { faceapi, tf } = this.api;
    const pad = Math.round(Math.max(image.width, image.height) * padFraction);
    const padded =
      pad > 0
        ? tf.pad(
            input,
            [
              [pad, pad],
              [pad, pad],
              [0, 0],
            ],
            NEUTRAL_GREY,
          )
        : input;
    try {
      const options =
        detector === 'ssd'
          ? new faceapi.SsdMobilenetv1Options({ minConfidence: minScore, maxResults: 100 })
          : new faceapi.TinyFaceDetectorOptions({ inputSize: tinyInputSize, scoreThreshold: minScore });
      const detections = await faceapi.detectAllFaces(padded, options);
      return detections.map((d) => ({
        box: { x: d.box.x - pad, y: d.box.y - pad, width: d.box.width, height: d.box.height },
        score: d.score,
      }));
    } finally {
      if (padded !== input) padded.dispose();
    }
  }

  private async describeOne(batch: Tf.Tensor4D, image: RgbImage, face: DetectedFace): Promise<DescribedFace> {
    const { faceapi, tf } = this.api;
    const { box } = face;
    const side = CHIP_CONTEXT * Math.max(box.width, box.height);
    const left = box.x + box.width / 2 - side / 2;
    const top = box.y + box.height / 2 - side / 2;
    const chip = tf.tidy(() =>
      tf.cast(
        tf.round(
          tf.squeeze<Tensor3D>(
            tf.image.cropAndResize(
              batch,
              [
                [
                  top / image.height,
                  left / image.width,
                  (top + side) / image.height,
                  (left + side) / image.width,
                ],
              ],
              [0],
              [CHIP_SIZE, CHIP_SIZE],
              'bilinear',
              NEUTRAL_GREY,
            ),
            [0],
          ),
        ),
        'int32',
      ),
    );
    const chipInput = chip as unknown as FaceApi.tf.Tensor3D;
    const scale = CHIP_SIZE / side;
    const faceRect = new faceapi.Rect(
      CHIP_SIZE / 2 - (box.width * scale) / 2,
      CHIP_SIZE / 2 - (box.height * scale) / 2,
      box.width * scale,
      box.height * scale,
    );
    const tensors: { dispose(): void }[] = [chip];
    try {
      const [faceCrop] = await faceapi.extractFaceTensors(chipInput, [faceRect]);
      if (faceCrop) tensors.push(faceCrop);
      const unshifted = (await faceapi.nets.faceLandmark68Net.detectLandmarks(
        faceCrop,
      )) as FaceApi.FaceLandmarks68;
      const landmarksInChip = unshifted.shiftBy<FaceApi.FaceLandmarks68>(faceRect.x, faceRect.y);
      const alignedBox = landmarksInChip.align(null, { useDlibAlignment: true });
      const alignedRect = new faceapi.Rect(alignedBox.x, alignedBox.y, alignedBox.width, alignedBox.height);
      const [aligned] = await faceapi.extractFaceTensors(chipInput, [alignedRect]);
      if (!aligned) throw new Error('face alignment produced no crop');
      tensors.push(aligned);
      const toImage = 1 / scale;
      const landmarks = new Float32Array(landmarksInChip.positions.length * 2);
      landmarksInChip.positions.forEach((p, i) => {
        landmarks[i * 2] = left + p.x * toImage;
        landmarks[i * 2 + 1] = top + p.y * toImage;
      });
      const descriptor = this.frFeature
        ? await this.frFeature.embed(image, landmarks)
        : await this.faceApiDescriptor(aligned as unknown as Tensor3D, tensors);

      const gray = tf.tidy(() =>
        tf.squeeze(
          tf.image.resizeBilinear(
            tf.expandDims<Tensor3D>(tf.mean(tf.cast(aligned as unknown as Tensor3D, 'float32'), 2), 2),
            [SHARPNESS_SIZE, SHARPNESS_SIZE],
          ),
        ),
      );
      tensors.push(gray);
      const sharpness = laplacianVariance(await gray.data(), SHARPNESS_SIZE, SHARPNESS_SIZE);
      return {
        box: { ...box },
        score: face.score,
        landmarks,
        descriptor,
        quality: {
          sizePx: Math.min(box.width, box.height),
          score: face.score,
          sharpness,
          frontality: frontality(landmarks),
        },
      };
    } finally {
      for (const t of tensors) t.dispose();
    }
  }

  /** face-api's descriptor of an aligned face, averaged with its mirror image's. */
  private async faceApiDescriptor(aligned: Tensor3D, tensors: { dispose(): void }[]): Promise<Float32Array> {
    const { faceapi, tf } = this.api;
    const mirrored = tf.reverse(aligned, 1);
    tensors.push(mirrored);
    // A face and its mirror image describe the same person; their mean is steadier across pose
    // and lighting than either alone.
    const [plain, flipped] = (await faceapi.nets.faceRecognitionNet.computeFaceDescriptor([
      aligned,
      mirrored,
    ])) as Float32Array[];
    if (!plain || !flipped) throw new Error('the descriptor net returned nothing');
    const descriptor = new Float32Array(plain.length);
    for (let i = 0; i < plain.length; i++)
      descriptor[i] = ((plain[i] as number) + (flipped[i] as number)) / 2;
    return descriptor;
  }
}
