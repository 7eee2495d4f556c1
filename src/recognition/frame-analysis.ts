/**
 * What the face engine looks at on each frame: analyse only what changed. A cheap motion detector
 * runs on every frame; the full-frame detector runs only when something moves where no face is
 * being tracked, and on a periodic sweep (a person who walks in and stands still is found within
 * `sweepIntervalMs`); otherwise the detector runs on small regions around the tracked faces that
 * moved or are due for a refresh, and a still, empty scene costs no engine call at all.
 */
import {
  DEFAULT_MOTION_OPTIONS,
  MotionDetector,
  motionOptionProblems,
  type Box,
  type FractionRect,
  type MotionDetectorOptions,
  type MotionResult,
  type TrackSnapshot,
} from '../core/index.js';
import {
  isDescribed,
  type DetectorKind,
  type FaceEngine,
  type LiveFace,
  type RgbImage,
} from '../engine/index.js';
import { OptionChecks } from '../shared/index.js';

/** `RecognitionPipelineOptions.motion`. */
export interface MotionGatingOptions {
  /** Off: every frame gets a full-frame detection (the behaviour before gating). @defaultValue true */
  enabled?: boolean;
  /** A full-frame detection at least this often, whatever moved. @defaultValue 2000 */
  sweepIntervalMs?: number;
  /**
   * A tracked face that does not move is re-detected in its region at least this often, so the
   * tracker keeps it: keep it below the tracker's `maxUnseenMs` (1500 by default), which drops a
   * track unseen for longer. @defaultValue 1000
   */
  trackRefreshMs?: number;
  /**
   * After motion where no face was tracked, the detector goes on looking there this long: a
   * newcomer is often not detectable on the first frames (turned away, blurred by walking, half in
   * view), and each frame is another chance. @defaultValue 500
   */
  newcomerHoldMs?: number;
  /**
   * Margin around motion where no face is tracked, in sizes of the moving area: the face may be
   * at the edge of what moved (a head turning above a still body), and the detector needs context
   * around it. @defaultValue 0.25
   */
  motionMargin?: number;
  /** Areas of the frame where motion never counts, in frame fractions 0..1. @defaultValue [] */
  masks?: FractionRect[];
  /**
   * Side of the square region cut around a tracked face, in face sizes: room for the face to move
   * between frames and for the descriptor's chip (1.6 face sizes), and context the tiny detector
   * needs (it scored the cast faces of the bench clip 0.76–0.87 at 2.5, 0.59–0.96 at 2). Shrunk
   * to `regionInputSize`, the face reaches the detector at about 64 px whatever its size.
   * @defaultValue 2.5
   */
  regionScale?: number;
  /** Regions are at least this many pixels square (small faces are enlarged by the detector). @defaultValue 128 */
  minRegionPx?: number;
  /**
   * The tiny detector's input size on a region cut for one face (a multiple of 32); a region
   * holding smaller faces than its size suggests (several faces joined) gets a larger one, so
   * every face reaches the detector at `regionInputSize / regionScale` pixels. @defaultValue 160
   */
  regionInputSize?: number;
  /**
   * When the regions would cost more than this fraction of one full-frame detection (a detection
   * costs about the square of the detector's input size), one full-frame call is made instead.
   * @defaultValue 0.75
   */
  maxRegionCost?: number;
  /** Tuning of the motion detector itself (threshold, background learning rate, …). */
  detector?: Partial<Omit<MotionDetectorOptions, 'masks'>>;
}

export type ResolvedMotionGating = Required<Omit<MotionGatingOptions, 'detector' | 'masks'>> & {
  masks: FractionRect[];
};

export const DEFAULT_MOTION_GATING: ResolvedMotionGating = {
  enabled: true,
  sweepIntervalMs: 2000,
  trackRefreshMs: 1000,
  newcomerHoldMs: 500,
  motionMargin: 0.25,
  masks: [],
  regionScale: 2.5,
  minRegionPx: 128,
  regionInputSize: 160,
  maxRegionCost: 0.75,
};

export function resolveMotionGating(options: MotionGatingOptions = {}): ResolvedMotionGating {
  const { detector = {}, ...rest } = options;
  const r: ResolvedMotionGating = { ...DEFAULT_MOTION_GATING, ...rest };
  const checks = new OptionChecks('RecognitionPipeline')
    .require(typeof r.enabled === 'boolean', 'motion.enabled', 'must be true or false', r.enabled)
    .require(
      r.sweepIntervalMs > 0 && Number.isFinite(r.sweepIntervalMs),
      'motion.sweepIntervalMs',
      'must be a number of ms above 0',
      r.sweepIntervalMs,
    )
    .require(
      r.trackRefreshMs > 0 && Number.isFinite(r.trackRefreshMs),
      'motion.trackRefreshMs',
      'must be a number of ms above 0',
      r.trackRefreshMs,
    )
    .require(
      r.newcomerHoldMs >= 0 && Number.isFinite(r.newcomerHoldMs),
      'motion.newcomerHoldMs',
      'must be a number of ms ≥ 0',
      r.newcomerHoldMs,
    )
    .require(
      r.motionMargin >= 0 && r.motionMargin <= 2,
      'motion.motionMargin',
      'must be a number in 0..2',
      r.motionMargin,
    )
    .require(
      r.regionScale >= 1 && Number.isFinite(r.regionScale),
      'motion.regionScale',
      'must be a number ≥ 1',
      r.regionScale,
    )
    .require(
      Number.isInteger(r.minRegionPx) && r.minRegionPx >= 32,
      'motion.minRegionPx',
      'must be a whole number ≥ 32',
      r.minRegionPx,
    )
    .require(
      Number.isInteger(r.regionInputSize) && r.regionInputSize >= 64 && r.regionInputSize % 32 === 0,
      'motion.regionInputSize',
      'must be a multiple of 32 of at least 64',
      r.regionInputSize,
    )
    .require(
      r.maxRegionCost > 0 && r.maxRegionCost <= 1,
      'motion.maxRegionCost',
      'must be in (0, 1]',
      r.maxRegionCost,
    )
    .require(Array.isArray(r.masks), 'motion.masks', 'must be a list of {x, y, width, height}', r.masks);
  const masks = Array.isArray(r.masks) ? r.masks : [];
  for (const { option, rule, value } of motionOptionProblems(
    { ...DEFAULT_MOTION_OPTIONS, ...detector, masks },
    'motion.',
  )) {
    checks.require(false, option.replace(/^motion\.(?!masks)/, 'motion.detector.'), rule, value);
  }
  checks.throwIfAny();
  return { ...r, masks: r.masks.map((m) => ({ ...m })) };
}

/** The tiny detector's input size on a whole frame (the engine's default). */
export const FULL_FRAME_INPUT_SIZE = 416;

export interface Region {
  box: Box;
  /** The tiny detector's input size for this region. */
  inputSize: number;
}

/**
 * `motion`: the whole frame changed (or there is no background yet); `newcomer`: motion where no
 * face is tracked over an area too large for regions; `large-regions`: the regions of the tracked
 * faces would cost more than the full frame.
 */
export type FullFrameReason = 'ungated' | 'sweep' | 'motion' | 'newcomer' | 'large-regions';

export type AnalysisPlan =
  /** One detection over the whole frame. */
  | { kind: 'full'; reason: FullFrameReason }
  /**
   * Detections in these regions only (frame pixels, each with its detector input size), covering
   * the listed tracks and, when `newcomer`, where someone untracked moved.
   */
  | { kind: 'regions'; regions: Region[]; trackIds: number[]; newcomer: boolean }
  /** Nothing to look at: no engine call. */
  | { kind: 'idle' };

export interface NewcomerMotion {
  at: number;
  boxes: readonly Box[];
}

export interface PlanInput {
  now: number;
  frameWidth: number;
  frameHeight: number;
  motion: MotionResult;
  tracks: readonly Pick<TrackSnapshot, 'id' | 'box' | 'state'>[];
  lastSweepAt: number;
  /** When and where motion last appeared where no face was tracked (before this frame). */
  newcomerMotion: NewcomerMotion;
  /** When each track's region was last analysed (a full frame counts). */
  lastLookedAt: ReadonlyMap<number, number>;
  options: ResolvedMotionGating;
}

/**
 * Where a tracked face's own movement shows up: the face and the body below it. Motion there is
 * the tracked person moving, not someone new.
 */
export function trackZone(box: Box): Box {
  return {
    x: box.x - box.width,
    y: box.y - box.height / 2,
    width: box.width * 3,
    height: box.height * 5.5,
  };
}

function intersects(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function overlapArea(a: Box, b: Box): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return Math.max(0, width) * Math.max(0, height);
}

function union(a: Box, b: Box): Box {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

/** The square region the detector looks at for a tracked face, moved inside the frame. */
export function faceRegion(
  box: Box,
  frameWidth: number,
  frameHeight: number,
  options: ResolvedMotionGating,
): Box {
  const side = Math.min(
    Math.max(frameWidth, frameHeight),
    Math.max(options.minRegionPx, Math.ceil(options.regionScale * Math.max(box.width, box.height))),
  );
  return centredIn(box, side, side, frameWidth, frameHeight);
}

/** A `width` × `height` box on `around`'s centre, cut to the frame's size and moved inside it. */
function centredIn(around: Box, width: number, height: number, frameWidth: number, frameHeight: number): Box {
  const w = Math.min(frameWidth, width);
  const h = Math.min(frameHeight, height);
  const cx = around.x + around.width / 2;
  const cy = around.y + around.height / 2;
  const x = Math.round(Math.min(frameWidth - w, Math.max(0, cx - w / 2)));
  const y = Math.round(Math.min(frameHeight - h, Math.max(0, cy - h / 2)));
  return { x, y, width: w, height: h };
}

/** Overlapping regions joined into their union until none overlap, so no face is found twice. */
export function mergeRegions(regions: readonly Box[]): Box[] {
  const merged = regions.map((r) => ({ ...r }));
  for (let changed = true; changed;) {
    changed = false;
    outer: for (let i = 0; i < merged.length; i++) {
      for (let j = i + 1; j < merged.length; j++) {
        if (intersects(merged[i] as Box, merged[j] as Box)) {
          merged[i] = union(merged[i] as Box, merged[j] as Box);
          merged.splice(j, 1);
          changed = true;
          break outer;
        }
      }
    }
  }
  return merged;
}

/**
 * The motion boxes where no face is tracked: someone new, who could be anywhere in them. A box
 * mostly outside every track's zone counts too (a new person next to a tracked one, or a change
 * over much of the frame that tracked faces happen to touch).
 */
export function newcomerMotion(boxes: readonly Box[], tracks: readonly Pick<TrackSnapshot, 'box'>[]): Box[] {
  const zones = tracks.map((t) => trackZone(t.box));
  return boxes.filter((box) => {
    const coverage = Math.max(0, ...zones.map((zone) => overlapArea(zone, box)));
    return coverage < 0.5 * box.width * box.height;
  });
}

/**
 * The region the detector looks at for motion where no face is tracked: the moving area with a
 * margin (the face may sit at the edge of what moved, and the detector needs some context),
 * moved inside the frame.
 */
export function motionRegion(
  box: Box,
  frameWidth: number,
  frameHeight: number,
  options: ResolvedMotionGating,
): Box {
  const margin = Math.max(options.minRegionPx / 4, options.motionMargin * Math.max(box.width, box.height));
  const width = Math.max(options.minRegionPx, Math.ceil(box.width + 2 * margin));
  const height = Math.max(options.minRegionPx, Math.ceil(box.height + 2 * margin));
  return centredIn(box, width, height, frameWidth, frameHeight);
}

/** The decision for one frame: pure, over the motion found and the tracks the tracker holds. */
export function planAnalysis(input: PlanInput): AnalysisPlan {
  const { now, motion, tracks, options } = input;
  if (!options.enabled) return { kind: 'full', reason: 'ungated' };
  if (now - input.lastSweepAt >= options.sweepIntervalMs) return { kind: 'full', reason: 'sweep' };
  if (motion.everywhere) return { kind: 'full', reason: 'motion' };

  const zones = tracks.map((t) => trackZone(t.box));
  const moved = new Set<number>();
  for (const box of motion.boxes)
    tracks.forEach((t, i) => {
      if (intersects(zones[i] as Box, box)) moved.add(t.id);
    });
  // Where someone new moves, or moved within the hold: looked at on every frame until found.
  const fresh = newcomerMotion(motion.boxes, tracks);
  const held = now - input.newcomerMotion.at < options.newcomerHoldMs ? input.newcomerMotion.boxes : [];
  const newcomer = fresh.length > 0 ? fresh : held;
  const due = tracks.filter(
    (t) =>
      moved.has(t.id) ||
      // A face still being identified needs a descriptor on every frame to reach consensus.
      t.state === 'pending' ||
      now - (input.lastLookedAt.get(t.id) ?? Number.NEGATIVE_INFINITY) >= options.trackRefreshMs,
  );
  if (due.length === 0 && newcomer.length === 0) return { kind: 'idle' };
  const motionBoxes = newcomer.map((box) => motionRegion(box, input.frameWidth, input.frameHeight, options));
  const boxes = mergeRegions([
    ...due.map((t) => faceRegion(t.box, input.frameWidth, input.frameHeight, options)),
    ...motionBoxes,
  ]);
  const facePx = options.regionInputSize / options.regionScale;
  const fullFrameScale = FULL_FRAME_INPUT_SIZE / Math.max(input.frameWidth, input.frameHeight);
  const regions = boxes.map((box): Region => {
    const side = Math.max(box.width, box.height);
    const inside = tracks.filter((t) => contains(box, t.box));
    const smallest = Math.min(...inside.map((t) => Math.max(t.box.width, t.box.height)));
    const forFaces = Number.isFinite(smallest) ? Math.ceil((side * facePx) / smallest / 32) * 32 : 0;
    // Where someone new may be, any face a full-frame detection would find must be found: the
    // region reaches the detector at least at the full frame's scale.
    const forNewcomer = motionBoxes.some((m) => intersects(m, box))
      ? Math.ceil((side * fullFrameScale) / 32) * 32
      : 0;
    return { box, inputSize: Math.max(options.regionInputSize, forFaces, forNewcomer) };
  });
  const cost = regions.reduce((sum, r) => sum + (r.inputSize / FULL_FRAME_INPUT_SIZE) ** 2, 0);
  if (cost > options.maxRegionCost)
    return { kind: 'full', reason: newcomer.length > 0 ? 'newcomer' : 'large-regions' };
  // Every track inside a region is looked at, not only the one it was cut for.
  const covered = tracks.filter((t) => boxes.some((r) => contains(r, t.box))).map((t) => t.id);
  return { kind: 'regions', regions, trackIds: covered, newcomer: newcomer.length > 0 };
}

function contains(outer: Box, inner: Box): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}

/** A copy of `region` of the image, as its own image (the engine may take the pixels away). */
export function cropImage(image: RgbImage, region: Box): RgbImage {
  const data = new Uint8Array(region.width * region.height * 3);
  const rowBytes = region.width * 3;
  for (let y = 0; y < region.height; y++) {
    const from = ((region.y + y) * image.width + region.x) * 3;
    data.set(image.data.subarray(from, from + rowBytes), y * rowBytes);
  }
  return { width: region.width, height: region.height, data };
}

function shiftFace(face: LiveFace, dx: number, dy: number): LiveFace {
  const box = { ...face.box, x: face.box.x + dx, y: face.box.y + dy };
  if (!isDescribed(face)) return { ...face, box };
  const landmarks = face.landmarks.slice();
  for (let i = 0; i < landmarks.length; i += 2) {
    landmarks[i] = (landmarks[i] as number) + dx;
    landmarks[i + 1] = (landmarks[i + 1] as number) + dy;
  }
  return { ...face, box, landmarks };
}

/**
 * The faces whose centre is outside every mask: a mask is a place where no face counts (a poster,
 * a TV), so a face found there by a full-frame sweep is dropped like the motion under it.
 */
export function outsideMasks(faces: LiveFace[], image: RgbImage, masks: readonly FractionRect[]): LiveFace[] {
  return faces.filter(({ box }) => {
    const cx = (box.x + box.width / 2) / image.width;
    const cy = (box.y + box.height / 2) / image.height;
    return !masks.some((m) => cx >= m.x && cx <= m.x + m.width && cy >= m.y && cy <= m.y + m.height);
  });
}

export interface LiveStep {
  detector: DetectorKind;
  /** Boxes of settled faces (frame pixels): detected, not described. */
  skip: Box[];
  skipOverlap: number;
}

export interface AnalysisOutcome {
  plan: AnalysisPlan;
  /** Ids of tracks whose area was not looked at: not seen, but not gone either. */
  unlookedTrackIds: number[];
  /** The engine's answer, in frame pixels; resolves to [] without an engine call when idle. */
  faces: Promise<LiveFace[]>;
}

export interface FrameAnalysisCounts {
  /** Frames with a full-frame detection, by reason. */
  fullFrames: Record<FullFrameReason, number>;
  /** Frames analysed in regions only, and the regions. */
  regionFrames: number;
  regions: number;
  /** Region-only frames that looked where someone untracked moved (instead of the full frame). */
  newcomerRegionFrames: number;
  /** Frames that cost no engine call. */
  idleFrames: number;
  engineCalls: number;
}

/**
 * Decides and runs the engine work of each frame. `start` must be called in capture order: the
 * motion detector learns the scene frame by frame.
 */
export class FrameAnalysis {
  readonly options: ResolvedMotionGating;
  readonly #engine: FaceEngine;
  readonly #motion: MotionDetector;
  #lastSweepAt = Number.NEGATIVE_INFINITY;
  #newcomerMotion: NewcomerMotion = { at: Number.NEGATIVE_INFINITY, boxes: [] };
  readonly #lastLookedAt = new Map<number, number>();
  readonly counts: FrameAnalysisCounts = {
    fullFrames: { ungated: 0, sweep: 0, motion: 0, newcomer: 0, 'large-regions': 0 },
    regionFrames: 0,
    regions: 0,
    newcomerRegionFrames: 0,
    idleFrames: 0,
    engineCalls: 0,
  };

  constructor(engine: FaceEngine, options: MotionGatingOptions = {}) {
    this.#engine = engine;
    this.options = resolveMotionGating(options);
    this.#motion = new MotionDetector({ ...options.detector, masks: this.options.masks });
  }

  /** Plans the frame now (synchronously) and starts its engine work. */
  start(
    image: RgbImage,
    capturedAt: number,
    tracks: readonly TrackSnapshot[],
    live: LiveStep,
  ): AnalysisOutcome {
    const motion: MotionResult = this.options.enabled
      ? this.#motion.detect(image)
      : { boxes: [], everywhere: true, changedFraction: 1 };
    const plan = planAnalysis({
      now: capturedAt,
      frameWidth: image.width,
      frameHeight: image.height,
      motion,
      tracks,
      lastSweepAt: this.#lastSweepAt,
      newcomerMotion: this.#newcomerMotion,
      lastLookedAt: this.#lastLookedAt,
      options: this.options,
    });
    const fresh = motion.everywhere ? [] : newcomerMotion(motion.boxes, tracks);
    if (fresh.length > 0) this.#newcomerMotion = { at: capturedAt, boxes: fresh };
    const liveIds = new Set(tracks.map((t) => t.id));
    for (const id of this.#lastLookedAt.keys()) if (!liveIds.has(id)) this.#lastLookedAt.delete(id);

    const outcome = this.#engineWork(plan, image, capturedAt, tracks, live);
    if (this.options.masks.length === 0) return outcome;
    return {
      ...outcome,
      faces: outcome.faces.then((faces) => outsideMasks(faces, image, this.options.masks)),
    };
  }

  #engineWork(
    plan: AnalysisPlan,
    image: RgbImage,
    capturedAt: number,
    tracks: readonly TrackSnapshot[],
    live: LiveStep,
  ): AnalysisOutcome {
    switch (plan.kind) {
      case 'full': {
        this.counts.fullFrames[plan.reason]++;
        this.counts.engineCalls++;
        // A full frame is a sweep whatever made it one: every face in view was looked for.
        this.#lastSweepAt = capturedAt;
        for (const t of tracks) this.#lastLookedAt.set(t.id, capturedAt);
        // The engine may take the pixels to another thread; the frame is still needed for crops.
        const pixels: RgbImage = { ...image, data: image.data.slice() };
        return {
          plan,
          unlookedTrackIds: [],
          faces: this.#engine.detectAndDescribe(pixels, {
            detector: live.detector,
            skip: live.skip,
            skipOverlap: live.skipOverlap,
          }),
        };
      }
      case 'regions': {
        this.counts.regionFrames++;
        this.counts.regions += plan.regions.length;
        if (plan.newcomer) this.counts.newcomerRegionFrames++;
        this.counts.engineCalls += plan.regions.length;
        const looked = new Set(plan.trackIds);
        for (const id of looked) this.#lastLookedAt.set(id, capturedAt);
        return {
          plan,
          unlookedTrackIds: tracks.filter((t) => !looked.has(t.id)).map((t) => t.id),
          faces: Promise.all(plan.regions.map((region) => this.#detectIn(image, region, live))).then(
            (lists) => lists.flat(),
          ),
        };
      }
      case 'idle':
        this.counts.idleFrames++;
        return { plan, unlookedTrackIds: tracks.map((t) => t.id), faces: Promise.resolve([]) };
    }
  }

  async #detectIn(image: RgbImage, { box: region, inputSize }: Region, live: LiveStep): Promise<LiveFace[]> {
    const skip = live.skip
      .filter((box) => intersects(box, region))
      .map((box) => ({ ...box, x: box.x - region.x, y: box.y - region.y }));
    const faces = await this.#engine.detectAndDescribe(cropImage(image, region), {
      detector: live.detector,
      tinyInputSize: inputSize,
      skip,
      skipOverlap: live.skipOverlap,
    });
    return faces.map((face) => shiftFace(face, region.x, region.y));
  }
}
