/**
 * The face engine on a pool of worker threads (piscina), each with its own models loaded once.
 * Implements the same `FaceEngine` interface as the in-thread engine, so callers cannot tell.
 */
import { Piscina } from 'piscina';
import { ErrorCode, RollcallError } from '../core/index.js';
import type {
  BackendChoice,
  DescribedFace,
  DetectedFace,
  DetectOptions,
  DescriptorModel,
  DetectorKind,
  EngineInfo,
  EnginePipeline,
  FaceEngine,
  FaceApiEngineOptions,
  LiveDetectOptions,
  LiveFace,
  RgbImage,
} from '../engine/index.js';
import type { EngineReply, EngineTask } from './engine-task.js';

export interface FaceEnginePoolOptions {
  /** Worker threads, each running one engine. @defaultValue 1 */
  threads?: number;
  /** @defaultValue `auto` */
  backend?: BackendChoice;
  /** @defaultValue `tiny` */
  defaultDetector?: DetectorKind;
  /** @defaultValue `rollcall` */
  pipeline?: EnginePipeline;
  /** @defaultValue `face-api` */
  embedder?: DescriptorModel;
}

const workerFile = new URL('./face-engine.worker.js', import.meta.url);

export class FaceEnginePool implements FaceEngine {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly pool: Piscina<EngineTask, EngineReply>,
    readonly info: EngineInfo,
  ) {}

  /** Starts the threads and waits until every one has its models loaded. */
  static async start(options: FaceEnginePoolOptions = {}): Promise<FaceEnginePool> {
    const threads = options.threads ?? 1;
    const engineOptions: FaceApiEngineOptions = {
      backend: options.backend ?? 'auto',
      defaultDetector: options.defaultDetector ?? 'tiny',
      pipeline: options.pipeline ?? 'rollcall',
      embedder: options.embedder ?? 'face-api',
    };
    const pool = new Piscina<EngineTask, EngineReply>({
      filename: workerFile.href,
      minThreads: threads,
      maxThreads: threads,
      // One task at a time per thread: tfjs work is CPU-bound, so more would only add latency.
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: engineOptions,
    });
    try {
      const replies = await Promise.all(Array.from({ length: threads }, () => pool.run({ op: 'warmup' })));
      const first = replies[0];
      if (!first?.ok || first.op !== 'warmup') throw replyError(first);
      return new FaceEnginePool(pool, { ...first.info, threads });
    } catch (error) {
      await pool.destroy();
      throw error;
    }
  }

  async detect(image: RgbImage, options: DetectOptions = {}): Promise<DetectedFace[]> {
    const reply = await this.run({ op: 'detect', image, options });
    if (reply.ok && reply.op === 'detect') return reply.faces;
    throw replyError(reply);
  }

  async describe(image: RgbImage, faces: DetectedFace[]): Promise<DescribedFace[]> {
    if (faces.length === 0) return [];
    const reply = await this.run({ op: 'describe', image, faces });
    if (reply.ok && reply.op === 'describe') return reply.faces;
    throw replyError(reply);
  }

  async analyze(image: RgbImage, options: DetectOptions = {}): Promise<DescribedFace[]> {
    const reply = await this.run({ op: 'analyze', image, options });
    if (reply.ok && reply.op === 'analyze') return reply.faces;
    throw replyError(reply);
  }

  async detectAndDescribe(image: RgbImage, options: LiveDetectOptions = {}): Promise<LiveFace[]> {
    const reply = await this.run({ op: 'detectAndDescribe', image, options });
    if (reply.ok && reply.op === 'detectAndDescribe') return reply.faces;
    throw replyError(reply);
  }

  close(): Promise<void> {
    this.closing ??= this.pool.destroy();
    return this.closing;
  }

  /** The pixels are moved to the thread, not copied: the caller's `image.data` is detached after. */
  private run(task: Extract<EngineTask, { image: RgbImage }>): Promise<EngineReply> {
    if (this.closing)
      return Promise.reject(new RollcallError(ErrorCode.EngineUnavailable, 'the face engine pool is closed'));
    return this.pool.run(task, { transferList: [task.image.data.buffer as ArrayBuffer] });
  }
}

function replyError(reply: EngineReply | undefined): RollcallError {
  if (reply && !reply.ok) return RollcallError.fromJSON(reply.error);
  return new RollcallError(ErrorCode.EngineFailed, 'the face engine thread gave an unexpected reply');
}
