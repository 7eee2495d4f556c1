/**
 * The live recognition pipeline of one camera: frames in, recognition events and frame metadata
 * out. Frames go to the face engine (a pool of threads) with at most one frame per thread in
 * flight; a frame arriving while every thread is busy waits in a single slot and is replaced by a
 * newer one (newest wins), so memory stays bounded and latency stays low. Results are applied to
 * the tracker in capture order. On a node with several cameras, the threads are shared through
 * `deps.slots` (a lane of the node's {@link CameraScheduler}), so every camera gets its turn.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  decide,
  FaceTracker,
  matchFace,
  RECOGNITION_GATES,
  type FaceVerdict,
  type FrameMetadata,
  type Gallery,
  type MatchThresholds,
  type Observation,
  type QualityGates,
  type RecognitionEvent,
  type TrackerOptions,
  type TrackEvent,
} from '../core/index.js';
import {
  isDescribed,
  type DetectorKind,
  type FaceEngine,
  type LiveFace,
  type RgbImage,
} from '../engine/index.js';
import type { Frame, FrameSource } from '../capture/index.js';
import { systemClock, type Clock } from '../shared/index.js';
import { encodeFaceCrop, type CropEncoder } from './crop.js';
import { CameraScheduler, type EngineSlots } from './camera-scheduler.js';
import { FrameAnalysis, type FrameAnalysisCounts, type MotionGatingOptions } from './frame-analysis.js';
import { RollingStats } from './rolling-stats.js';

export interface RecognitionPipelineOptions {
  /** Names this node in every event. */
  nodeId: string;
  cameraId: string;
  thresholds: MatchThresholds;
  /** @defaultValue `tiny` */
  detector?: DetectorKind;
  /** Faces failing these are tracked but add no evidence either way. @defaultValue RECOGNITION_GATES */
  gates?: QualityGates;
  tracker?: Partial<TrackerOptions>;
  /**
   * Frames in flight at once when the pipeline has the engine to itself (no `deps.slots`).
   * @defaultValue the engine's thread count
   */
  maxInFlight?: number;
  /**
   * Motion gating: the full-frame detector runs only on motion outside the tracked faces and on a
   * periodic sweep; tracked faces are re-detected in small regions; a still scene costs nothing.
   * `{ enabled: false }` detects on every full frame. @defaultValue `{ enabled: true }`
   */
  motion?: MotionGatingOptions;
}

export interface RecognitionPipelineDeps {
  engine: FaceEngine;
  gallery: Gallery;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** @defaultValue `crypto.randomUUID` */
  newId?: () => string;
  /** @defaultValue a 160 px JPEG through sharp */
  encodeCrop?: CropEncoder;
  /**
   * The engine threads this camera may use, shared fairly with the node's other cameras.
   * @defaultValue `maxInFlight` threads of its own
   */
  slots?: EngineSlots;
}

export interface PipelineEvents {
  event: [RecognitionEvent];
  /** A processed frame with its faces; `image` is the frame itself, for the live view. */
  frame: [FrameMetadata, RgbImage];
  /** A frame failed in the engine; the pipeline goes on with the next one. */
  error: [Error];
}

export interface PipelineStats {
  framesIn: number;
  framesProcessed: number;
  /** Frames replaced by a newer one while every thread was busy. */
  framesDropped: number;
  framesFailed: number;
  /** Frames offered and processed per second over the last 10 s. */
  fpsIn: number;
  fpsOut: number;
  /** Capture to result, over the last few hundred frames. */
  latencyP50Ms: number;
  latencyP95Ms: number;
  /** Time the engine spent on this camera's frames, summed over threads. */
  engineBusyMs: number;
  facesDetected: number;
  facesDescribed: number;
  tracks: number;
  events: number;
  /** What the frame analysis did: full-frame detections by reason, region-only frames, idle frames. */
  analysis: FrameAnalysisCounts;
}

export class RecognitionPipeline extends EventEmitter<PipelineEvents> {
  readonly #engine: FaceEngine;
  readonly #gallery: Gallery;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #encodeCrop: CropEncoder;
  #options: Required<Omit<RecognitionPipelineOptions, 'tracker' | 'motion'>>;
  readonly #tracker: FaceTracker;
  readonly #slots: EngineSlots;
  readonly #analysis: FrameAnalysis;

  /** The newest frame not yet analysed; while it is set, a thread has been asked for. */
  #waiting: Frame | undefined;
  #applied: Promise<void> = Promise.resolve();
  #closed = false;

  readonly #stats = {
    framesIn: 0,
    framesProcessed: 0,
    framesDropped: 0,
    framesFailed: 0,
    engineBusyMs: 0,
    facesDetected: 0,
    facesDescribed: 0,
    events: 0,
  };
  readonly #inRate = new RollingStats(10_000);
  readonly #outRate = new RollingStats(10_000);
  readonly #latency = new RollingStats(Number.POSITIVE_INFINITY, 500);

  constructor(deps: RecognitionPipelineDeps, options: RecognitionPipelineOptions) {
    super();
    this.#engine = deps.engine;
    this.#gallery = deps.gallery;
    this.#clock = deps.clock ?? systemClock;
    this.#newId = deps.newId ?? randomUUID;
    this.#encodeCrop = deps.encodeCrop ?? encodeFaceCrop;
    const { motion, ...rest } = options;
    this.#options = {
      detector: 'tiny',
      gates: RECOGNITION_GATES,
      maxInFlight: Math.max(1, deps.engine.info.threads),
      ...rest,
    };
    this.#analysis = new FrameAnalysis(deps.engine, motion);
    if (!Number.isInteger(this.#options.maxInFlight) || this.#options.maxInFlight < 1) {
      throw new RangeError(
        `maxInFlight must be a whole number of at least 1, got ${this.#options.maxInFlight}`,
      );
    }
    this.#slots =
      deps.slots ?? new CameraScheduler({ slots: this.#options.maxInFlight }).lane(options.cameraId);
    this.#tracker = new FaceTracker((descriptor) => this.#judge(descriptor), {
      ...options.tracker,
      gates: this.#options.gates,
    });
  }

  /** Feeds this pipeline from a frame source; returns the function that stops feeding. */
  attach(source: FrameSource): () => void {
    const onFrame = (frame: Frame): void => {
      this.offer(frame);
    };
    source.on('frame', onFrame);
    return () => source.off('frame', onFrame);
  }

  /** Live input: processed now if a thread is free, else it waits, replacing an older waiting frame. */
  offer(frame: Frame): void {
    if (this.#closed) return;
    this.#stats.framesIn++;
    this.#inRate.add(this.#clock.now(), 1);
    if (this.#waiting) {
      this.#stats.framesDropped++;
      this.#waiting = frame;
      return;
    }
    this.#waiting = frame;
    this.#slots.request((granted) => {
      const next = this.#waiting;
      this.#waiting = undefined;
      if (!granted) return;
      if (next && !this.#closed) void this.#run(next);
      else this.#slots.release();
    });
  }

  /** Every frame counts (benchmarks, tests): waits for a free slot instead of dropping. */
  async process(frame: Frame): Promise<void> {
    if (this.#closed) return;
    const granted = await new Promise<boolean>((resolve) => {
      this.#slots.request(resolve);
    });
    if (!granted) return;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may run while we wait
    if (this.#closed) {
      this.#slots.release();
      return;
    }
    this.#stats.framesIn++;
    this.#inRate.add(this.#clock.now(), 1);
    void this.#run(frame);
  }

  /**
   * Settings pushed by a web node: thresholds apply from the next frame; consensus and the
   * sighting interval from the next decision. Bad values throw and change nothing.
   */
  updateSettings(settings: {
    thresholds?: MatchThresholds;
    consensusFrames?: number;
    sightingIntervalS?: number;
  }): void {
    const { thresholds, consensusFrames, sightingIntervalS } = settings;
    if (thresholds) decide([], thresholds); // validates: throws USAGE_INVALID for unusable thresholds
    this.#tracker.configure({
      ...(consensusFrames === undefined ? {} : { consensusFrames }),
      ...(sightingIntervalS === undefined ? {} : { sightingIntervalMs: sightingIntervalS * 1000 }),
    });
    if (thresholds) this.#options = { ...this.#options, thresholds: { ...thresholds } };
  }

  /** Resolves when every frame submitted so far has been applied. */
  drained(): Promise<void> {
    return this.#applied;
  }

  stats(): PipelineStats {
    const now = this.#clock.now();
    return {
      ...this.#stats,
      fpsIn: this.#inRate.ratePerSecond(now),
      fpsOut: this.#outRate.ratePerSecond(now),
      latencyP50Ms: this.#latency.percentile(0.5),
      latencyP95Ms: this.#latency.percentile(0.95),
      tracks: this.#tracker.trackCount,
      analysis: structuredClone(this.#analysis.counts),
    };
  }

  /** Stops taking frames and waits for those in flight; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#waiting = undefined;
    this.#slots.cancel();
    await this.#applied;
  }

  /** Analyses one frame on a thread granted by the slots, and gives the thread back once applied. */
  async #run(frame: Frame): Promise<void> {
    const started = this.#clock.now();
    // Planned here, in capture order: the motion detector learns the scene frame by frame.
    const analysis = this.#analysis.start(frame.image, frame.capturedAt, this.#tracker.current(), {
      detector: this.#options.detector,
      skip: this.#tracker.settledBoxes(frame.capturedAt),
      skipOverlap: this.#tracker.options.iouThreshold,
    });
    const usesEngine = analysis.plan.kind !== 'idle';
    const result = analysis.faces.then(
      (faces) => ({ ok: true as const, faces }),
      (error: unknown) => ({
        ok: false as const,
        error: error instanceof Error ? error : new Error(String(error)),
      }),
    );
    // Applied strictly in submission order, whatever order the threads finish in.
    const applied = this.#applied.then(async () => {
      const outcome = await result;
      if (usesEngine) this.#stats.engineBusyMs += this.#clock.now() - started;
      if (outcome.ok) {
        await this.#apply(frame, outcome.faces, new Set(analysis.unlookedTrackIds));
      } else {
        this.#stats.framesFailed++;
        this.emit('error', outcome.error);
      }
    });
    this.#applied = applied.catch((error: unknown) => {
      this.emit('error', error instanceof Error ? error : new Error(String(error)));
    });
    // A frame that needs no engine call still holds its slot until it is applied: the next frame
    // is then planned knowing the faces found ahead of it (a newcomer's region is looked at on the
    // very next frame), and newer frames wait in the newest-wins slot, never in a queue.
    await this.#applied;
    this.#slots.release();
  }

  /** `unlooked`: tracks whose area this frame's analysis skipped; still shown in the live view. */
  async #apply(frame: Frame, faces: LiveFace[], unlooked: ReadonlySet<number>): Promise<void> {
    const observations: Observation[] = faces.map((face) => {
      const observation: Observation = { box: face.box, score: face.score };
      if (isDescribed(face)) observation.description = { descriptor: face.descriptor, quality: face.quality };
      return observation;
    });
    this.#stats.facesDetected += faces.length;
    this.#stats.facesDescribed += observations.filter((o) => o.description).length;

    const { events, tracks } = this.#tracker.update(observations, frame.capturedAt);
    for (const trackEvent of events) {
      const event = await this.#toRecognitionEvent(frame, trackEvent);
      if (event) {
        this.#stats.events++;
        this.emit('event', event);
      }
    }
    const now = this.#clock.now();
    const latencyMs = now - frame.capturedAt;
    this.#stats.framesProcessed++;
    this.#outRate.add(now, 1);
    this.#latency.add(now, latencyMs);
    const metadata: FrameMetadata = {
      cameraId: frame.cameraId,
      seq: frame.seq,
      capturedAt: frame.capturedAt,
      width: frame.image.width,
      height: frame.image.height,
      latencyMs,
      faces: tracks
        .filter((t) => t.observation !== null || unlooked.has(t.id))
        .map((t) => ({
          trackId: this.#trackId(frame.cameraId, t.id),
          box: t.box,
          state: t.state,
          personId: t.personId,
          distance: t.distance,
        })),
    };
    this.emit('frame', metadata, frame.image);
  }

  /** The tracker's judge: the gallery and the thresholds in force when it is asked. */
  #judge(descriptor: Float32Array): FaceVerdict {
    const decision = matchFace(this.#gallery, descriptor, this.#options.thresholds);
    switch (decision.kind) {
      case 'match':
        return { kind: 'match', personId: decision.personId, distance: decision.distance };
      case 'uncertain':
        return { kind: 'uncertain', personId: decision.personId, distance: decision.distance };
      case 'unknown':
        return { kind: 'unknown', distance: decision.distance };
    }
  }

  #trackId(cameraId: string, id: number): string {
    return `${cameraId}-${id}`;
  }

  async #toRecognitionEvent(frame: Frame, trackEvent: TrackEvent): Promise<RecognitionEvent | undefined> {
    if (trackEvent.type === 'lost') return undefined;
    const { track } = trackEvent;
    const withCrop = trackEvent.type !== 'sighting';
    return {
      id: this.#newId(),
      type: trackEvent.type,
      nodeId: this.#options.nodeId,
      cameraId: frame.cameraId,
      trackId: this.#trackId(frame.cameraId, track.id),
      personId: trackEvent.type === 'unknown' ? null : trackEvent.personId,
      distance:
        trackEvent.distance !== null && Number.isFinite(trackEvent.distance) ? trackEvent.distance : null,
      thresholds: this.#options.thresholds,
      votes: trackEvent.type === 'recognized' ? trackEvent.votes : null,
      at: new Date(frame.capturedAt).toISOString(),
      box: track.box,
      frameWidth: frame.image.width,
      frameHeight: frame.image.height,
      crop: withCrop ? await this.#encodeCrop(frame.image, track.box) : null,
      model: this.#engine.info.model,
      backend: this.#engine.info.backend,
      ...(trackEvent.type === 'unknown'
        ? { unconfirmed: trackEvent.unconfirmed, candidate: trackEvent.candidate }
        : {}),
    };
  }
}
