/**
 * The fr-feature embedder: `fr_feature.onnx` (shipped in the npm package
 * `faceplugin-face-recognition-js`) run by onnxruntime-web's WebAssembly backend in this thread.
 * It turns a face, warped to the ArcFace template by five landmarks, into 512 values scaled to unit
 * length, so euclidean distance between two faces runs from 0 (same) to 2.
 *
 * Measured on ../shared/lfw-dev (800 people enrolled, 500 strangers) it names far more enrolled
 * people at a 1% stranger rate than face-api's descriptor; see the README's Accuracy section.
 */
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DESCRIPTOR_LENGTHS, ErrorCode, RollcallError } from '../core/index.js';
import type { RgbImage } from './face-engine.js';
import { ARCFACE_TEMPLATE, fitSimilarity, fivePoints, TEMPLATE_SIZE, warpToTemplate } from './face-warp.js';

type Ort = typeof import('onnxruntime-web');
type Session = import('onnxruntime-web').InferenceSession;

const require = createRequire(import.meta.url);
const LENGTH = DESCRIPTOR_LENGTHS['fr-feature'];

let loading: Promise<FrFeatureEmbedder> | undefined;

export class FrFeatureEmbedder {
  private constructor(
    private readonly ort: Ort,
    private readonly session: Session,
    /** The package version, recorded in the engine's model string. */
    readonly version: string,
  ) {}

  /** Loads the runtime and the model once per thread. */
  static load(): Promise<FrFeatureEmbedder> {
    loading ??= FrFeatureEmbedder.#load().catch((error: unknown) => {
      loading = undefined;
      throw new RollcallError(
        ErrorCode.EngineUnavailable,
        `the fr-feature face model could not load: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    });
    return loading;
  }

  static async #load(): Promise<FrFeatureEmbedder> {
    const ort = await import('onnxruntime-web');
    // One engine per pool thread already uses every core; more runtime threads would only contend.
    ort.env.wasm.numThreads = 1;
    const packageJson = require.resolve('faceplugin-face-recognition-js/package.json');
    const { version } = require('faceplugin-face-recognition-js/package.json') as { version: string };
    const model = await readFile(path.join(path.dirname(packageJson), 'model', 'fr_feature.onnx'));
    const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
    return new FrFeatureEmbedder(ort, session, version);
  }

  /** The descriptor of the face whose 68 landmarks (in `image` pixels) are given. */
  async embed(image: RgbImage, landmarks: Float32Array): Promise<Float32Array> {
    const toTemplate = fitSimilarity(fivePoints(landmarks), ARCFACE_TEMPLATE);
    const input = new this.ort.Tensor('float32', warpToTemplate(image, toTemplate), [
      1,
      3,
      TEMPLATE_SIZE,
      TEMPLATE_SIZE,
    ]);
    const outputs = await this.session.run({ [this.session.inputNames[0] ?? 'input']: input });
    const output = outputs[this.session.outputNames[0] ?? 'output'];
    input.dispose();
    if (!output || !(output.data instanceof Float32Array) || output.data.length !== LENGTH) {
      output?.dispose();
      throw new RollcallError(ErrorCode.EngineFailed, 'the fr-feature model returned no 512-value embedding');
    }
    const raw = output.data;
    let sq = 0;
    for (const v of raw) sq += v * v;
    const norm = Math.sqrt(sq);
    const descriptor = new Float32Array(LENGTH);
    for (let i = 0; i < LENGTH; i++) descriptor[i] = (raw[i] ?? 0) / norm;
    output.dispose();
    if (!(norm > 0) || !descriptor.every(Number.isFinite)) {
      throw new RollcallError(ErrorCode.EngineFailed, 'the fr-feature model returned an empty embedding');
    }
    return descriptor;
  }
}
