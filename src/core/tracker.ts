/**
 * Follows faces from frame to frame (greedy IoU association) and decides who each track is by
 * consensus over pooled evidence: every described frame adds its descriptor, weighted by quality,
 * to the track's evidence (see `track-evidence.ts`), and the pooled descriptor is judged after each
 * frame. A track is named only after several consecutive judgements agree, so neither one lucky
 * frame nor a few lucky frames of a look-alike mark a stranger present. Pure: time comes in as an
 * argument, the judgement as a function.
 */
import { SAME_PERSON_LIMIT } from './calibration.js';
import { euclideanDistance, type DescriptorModel } from './descriptor.js';
import { iou, type Box } from './geometry.js';
import type { NearestPerson } from './matcher.js';
import type { FaceQuality } from './quality.js';
import { qualityProblems, RECOGNITION_GATES, type QualityGates } from './quality-gates.js';
import { qualityWeight, TrackEvidence } from './track-evidence.js';

/** What the matcher says about a descriptor. */
export type FaceVerdict =
  | { kind: 'match'; personId: string; distance: number }
  | { kind: 'uncertain'; personId: string; distance: number }
  | { kind: 'unknown'; distance: number };

/**
 * Judges a (pooled) descriptor against the gallery: the matcher with its thresholds, supplied by
 * the pipeline. The tracker does not care which model made the descriptor or how the thresholds
 * were chosen.
 */
export type FaceJudge = (descriptor: Float32Array) => FaceVerdict;

/** A face described on this frame: its descriptor, and the quality that says how much it counts. */
export interface FaceDescription {
  descriptor: Float32Array;
  quality: FaceQuality;
}

export interface Observation {
  box: Box;
  score: number;
  /** Present when the face was described on this frame. */
  description?: FaceDescription;
}

export type TrackState = 'pending' | 'named' | 'unknown';

export interface TrackSnapshot {
  id: number;
  box: Box;
  state: TrackState;
  personId: string | null;
  /** The distance behind the current name (or the pooled distance of an unknown face). */
  distance: number | null;
  /** Index of this frame's observation of the track, or null when it was not seen this frame. */
  observation: number | null;
}

export type TrackEvent =
  | { type: 'recognized'; track: TrackSnapshot; personId: string; distance: number; votes: number }
  | { type: 'sighting'; track: TrackSnapshot; personId: string; distance: number }
  | {
      type: 'unknown';
      track: TrackSnapshot;
      distance: number | null;
      /**
       * True when the face stayed near someone (uncertain, or matching different people in turn)
       * without ever being confirmed: it is not marked present, and the review can ask "looks like
       * `candidate`?". False for a face that is nobody enrolled.
       */
      unconfirmed: boolean;
      /** The nearest person of the last judgement of an unconfirmed face; null otherwise. */
      candidate: NearestPerson | null;
    }
  | { type: 'lost'; track: TrackSnapshot };

/**
 * `pooled` judges the quality-weighted mean of every frame a track was described on; `per-frame`
 * judges each frame alone (the rule before pooling, kept so the bench can compare the two).
 */
export const EVIDENCE_MODES = ['pooled', 'per-frame'] as const;
export type EvidenceMode = (typeof EVIDENCE_MODES)[number];

/**
 * How a node judges tracks with descriptors of `model`. Pooling frames cancels each photo's noise
 * and leaves a face's true identity: with fr-feature that keeps look-alikes out; with face-api's
 * descriptor too many strangers lie within reach of someone on average, so each frame is judged
 * alone (measured with `rollcall bench --lookalike`).
 */
export function evidenceModeFor(model: DescriptorModel): EvidenceMode {
  return model === 'fr-feature' ? 'pooled' : 'per-frame';
}

/** The tracker options that follow from the face model: how evidence is judged, when a face changed. */
export function trackingFor(model: DescriptorModel): Pick<TrackerOptions, 'evidence' | 'otherFaceDistance'> {
  return { evidence: evidenceModeFor(model), otherFaceDistance: SAME_PERSON_LIMIT[model] };
}

export interface TrackerOptions {
  /** Minimum overlap for a detection to continue a track. @defaultValue 0.3 */
  iouThreshold: number;
  /** A track not seen for this long is gone. @defaultValue 1500 */
  maxUnseenMs: number;
  /** Consecutive described frames whose judgement matches one person before a track is named. @defaultValue 3 */
  consensusFrames: number;
  /**
   * Described frames outside a run of agreeing matches before a pending track settles as an
   * unknown (or unconfirmed) face. @defaultValue 5
   */
  unknownFrames: number;
  /** A settled track (named or unknown) is described again this often, in case it was wrong. @defaultValue 3000 */
  recheckMs: number;
  /** A named track still in view is reported again at most this often. @defaultValue 10000 */
  sightingIntervalMs: number;
  /** Faces failing these are tracked but add no evidence either way. @defaultValue RECOGNITION_GATES */
  gates: QualityGates;
  /** @defaultValue `pooled` */
  evidence: EvidenceMode;
  /**
   * A described frame this far from the track's evidence shows someone else: the box now holds
   * another face (people following each other through a door stand where the last one stood), so
   * the track forgets what it learnt and is judged again from that frame. A node sets the model's
   * {@link SAME_PERSON_LIMIT} ({@link trackingFor}). @defaultValue Infinity (never)
   */
  otherFaceDistance: number;
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  iouThreshold: 0.3,
  maxUnseenMs: 1500,
  consensusFrames: 3,
  unknownFrames: 5,
  recheckMs: 3000,
  sightingIntervalMs: 10_000,
  gates: RECOGNITION_GATES,
  evidence: 'pooled',
  otherFaceDistance: Number.POSITIVE_INFINITY,
};

interface Track {
  id: number;
  box: Box;
  state: TrackState;
  personId: string | null;
  distance: number | null;
  /** Frames pooled while the track is pending or unknown. */
  evidence: TrackEvidence;
  /** Frames pooled by re-checks of a named track since its name was last confirmed. */
  recheckEvidence: TrackEvidence;
  /** The person the latest run of matching judgements agrees on, its length and best distance. */
  streakPerson: string | null;
  streakCount: number;
  streakBest: number;
  /** Judgements since the track was (re)opened as pending. */
  pendingJudgements: number;
  /** Consecutive re-checks of a named track whose pooled judgement was not its name. */
  recheckDisagreements: number;
  lastSeenAt: number;
  /** When the track was last described; -Infinity when never. */
  lastDescribedAt: number;
  lastEmittedAt: number;
}

export class FaceTracker {
  readonly #judge: FaceJudge;
  #options: TrackerOptions;
  #tracks: Track[] = [];
  #nextId = 1;

  constructor(judge: FaceJudge, options: Partial<TrackerOptions> = {}) {
    this.#judge = judge;
    this.#options = validateTrackerOptions({ ...DEFAULT_TRACKER_OPTIONS, ...options });
  }

  get options(): TrackerOptions {
    return this.#options;
  }

  /** Changes options while running (settings pushed by a web node); tracks keep their state. */
  configure(options: Partial<TrackerOptions>): void {
    this.#options = validateTrackerOptions({ ...this.#options, ...options });
  }

  get trackCount(): number {
    return this.#tracks.length;
  }

  /**
   * Boxes of faces that need no descriptor on the next frame: their identity is settled and not
   * due for a re-check. Describing only the rest is what makes the live pipeline fast.
   */
  settledBoxes(now: number): Box[] {
    return this.#tracks
      .filter((t) => t.state !== 'pending' && now - t.lastDescribedAt < this.#options.recheckMs)
      .map((t) => ({ ...t.box }));
  }

  /** Every live track as it stands (none observed): what the frame analysis plans around. */
  current(): TrackSnapshot[] {
    return this.#tracks.map((t) => snapshot(t, null));
  }

  update(
    observations: readonly Observation[],
    now: number,
  ): { events: TrackEvent[]; tracks: TrackSnapshot[] } {
    const events: TrackEvent[] = [];
    const observationOf = this.#associate(observations);

    for (const [trackIndex, obsIndex] of observationOf) {
      const track = this.#tracks[trackIndex] as Track;
      const observation = observations[obsIndex] as Observation;
      track.box = { ...observation.box };
      track.lastSeenAt = now;
      if (observation.description) {
        track.lastDescribedAt = now;
        const event = this.#describe(track, observation.description, now, obsIndex);
        if (event) events.push(event);
      }
      if (track.state === 'named' && now - track.lastEmittedAt >= this.#options.sightingIntervalMs) {
        track.lastEmittedAt = now;
        events.push({
          type: 'sighting',
          track: snapshot(track, obsIndex),
          personId: track.personId as string,
          distance: track.distance ?? 0,
        });
      }
    }

    const seen = new Set(observationOf.keys());
    const kept: Track[] = [];
    this.#tracks.forEach((track, index) => {
      if (!seen.has(index) && now - track.lastSeenAt > this.#options.maxUnseenMs) {
        events.push({ type: 'lost', track: snapshot(track, null) });
      } else {
        kept.push(track);
      }
    });
    const observationByTrack = new Map<Track, number>();
    for (const [trackIndex, obsIndex] of observationOf)
      observationByTrack.set(this.#tracks[trackIndex] as Track, obsIndex);
    this.#tracks = kept;
    return { events, tracks: kept.map((t) => snapshot(t, observationByTrack.get(t) ?? null)) };
  }

  /**
   * Pairs observations with tracks, best overlap first; an observation left over starts a track.
   * Returns track index → observation index.
   */
  #associate(observations: readonly Observation[]): Map<number, number> {
    const pairs: { track: number; obs: number; overlap: number }[] = [];
    this.#tracks.forEach((track, t) => {
      observations.forEach((observation, o) => {
        const overlap = iou(track.box, observation.box);
        if (overlap >= this.#options.iouThreshold) pairs.push({ track: t, obs: o, overlap });
      });
    });
    pairs.sort((a, b) => b.overlap - a.overlap);
    const observationOf = new Map<number, number>();
    const usedObservations = new Set<number>();
    for (const { track, obs } of pairs) {
      if (observationOf.has(track) || usedObservations.has(obs)) continue;
      observationOf.set(track, obs);
      usedObservations.add(obs);
    }
    observations.forEach((observation, o) => {
      if (usedObservations.has(o)) return;
      this.#tracks.push({
        id: this.#nextId++,
        box: { ...observation.box },
        state: 'pending',
        personId: null,
        distance: null,
        evidence: new TrackEvidence(),
        recheckEvidence: new TrackEvidence(),
        streakPerson: null,
        streakCount: 0,
        streakBest: Number.POSITIVE_INFINITY,
        pendingJudgements: 0,
        recheckDisagreements: 0,
        lastSeenAt: Number.NEGATIVE_INFINITY,
        lastDescribedAt: Number.NEGATIVE_INFINITY,
        lastEmittedAt: Number.NEGATIVE_INFINITY,
      });
      observationOf.set(this.#tracks.length - 1, o);
    });
    return observationOf;
  }

  #describe(
    track: Track,
    description: FaceDescription,
    now: number,
    obsIndex: number,
  ): TrackEvent | undefined {
    // Too small, blurred or unsure a face: no evidence either way.
    if (qualityProblems(description.quality, this.#options.gates).length > 0) return undefined;
    const weight = qualityWeight(description.quality);
    const known = track.evidence.descriptor();
    if (known && euclideanDistance(known, description.descriptor) > this.#options.otherFaceDistance) {
      // What the track learnt belongs to the face that left; this one starts from nothing.
      reopen(track, { keepEvidence: false });
    }
    if (track.state === 'named') {
      this.#recheckName(track, this.#pooledVerdict(track.recheckEvidence, description.descriptor, weight));
      return undefined;
    }
    const verdict = this.#pooledVerdict(track.evidence, description.descriptor, weight);
    if (track.state === 'unknown') {
      // A settled unknown face stays settled unless its evidence, re-checked, now matches someone
      // (newly enrolled, or turned to the camera): then it is described every frame again until
      // the consensus settles it. Its evidence is kept, so a look-alike's one lucky re-check does
      // not reopen it.
      if (verdict.kind !== 'match') return undefined;
      reopen(track, { keepEvidence: true });
    }
    return this.#decidePending(track, verdict, now, obsIndex);
  }

  /** Adds a frame to `evidence` and judges the result. */
  #pooledVerdict(evidence: TrackEvidence, descriptor: Float32Array, weight: number): FaceVerdict {
    if (this.#options.evidence === 'per-frame') evidence.clear();
    evidence.add(descriptor, weight);
    // The pooled descriptor is missing only when the frames' directions cancel out exactly.
    return this.#judge(evidence.descriptor() ?? descriptor);
  }

  #decidePending(track: Track, verdict: FaceVerdict, now: number, obsIndex: number): TrackEvent | undefined {
    const { consensusFrames, unknownFrames } = this.#options;
    track.pendingJudgements++;
    if (verdict.kind === 'match') {
      if (track.streakPerson === verdict.personId) {
        track.streakCount++;
        track.streakBest = Math.min(track.streakBest, verdict.distance);
      } else {
        track.streakPerson = verdict.personId;
        track.streakCount = 1;
        track.streakBest = verdict.distance;
      }
      if (track.streakCount >= consensusFrames) {
        track.state = 'named';
        track.personId = verdict.personId;
        track.distance = track.streakBest;
        track.lastEmittedAt = now;
        track.recheckEvidence.clear();
        track.recheckDisagreements = 0;
        return {
          type: 'recognized',
          track: snapshot(track, obsIndex),
          personId: verdict.personId,
          distance: track.streakBest,
          votes: track.streakCount,
        };
      }
    } else {
      // An uncertain judgement is no evidence for anyone: it ends a run of matches like unknown does.
      resetStreak(track);
    }
    // Judgements outside the current run of agreeing matches: uncertain ones, unknown ones, and
    // matches that flip between people. A run still growing is never cut short by this count.
    if (track.pendingJudgements - track.streakCount < unknownFrames) return undefined;
    track.state = 'unknown';
    track.distance = Number.isFinite(verdict.distance) ? verdict.distance : null;
    const unconfirmed = verdict.kind !== 'unknown';
    return {
      type: 'unknown',
      track: snapshot(track, obsIndex),
      distance: track.distance,
      unconfirmed,
      candidate: unconfirmed ? { personId: verdict.personId, distance: verdict.distance } : null,
    };
  }

  /**
   * A re-check of a named track. The name stands while the pooled re-checks match it; once they
   * have disagreed `consensusFrames` times in a row, the track may have jumped to another face and
   * is asked again from scratch.
   */
  #recheckName(track: Track, verdict: FaceVerdict): void {
    if (verdict.kind === 'match' && verdict.personId === track.personId) {
      track.recheckDisagreements = 0;
      track.distance = Math.min(track.distance ?? Number.POSITIVE_INFINITY, verdict.distance);
      // Confirmed: the next re-checks pool only frames seen after this one, so a later jump to
      // another face is not outweighed by the named person's past.
      track.recheckEvidence.clear();
      return;
    }
    track.recheckDisagreements++;
    if (track.recheckDisagreements >= this.#options.consensusFrames) reopen(track, { keepEvidence: false });
  }
}

/** Puts a settled track back to pending, described on every frame until consensus settles it. */
function reopen(track: Track, { keepEvidence }: { keepEvidence: boolean }): void {
  track.state = 'pending';
  track.personId = null;
  track.distance = null;
  track.pendingJudgements = 0;
  track.recheckDisagreements = 0;
  track.recheckEvidence.clear();
  if (!keepEvidence) track.evidence.clear();
  resetStreak(track);
}

function resetStreak(track: Track): void {
  track.streakPerson = null;
  track.streakCount = 0;
  track.streakBest = Number.POSITIVE_INFINITY;
}

function validateTrackerOptions(options: TrackerOptions): TrackerOptions {
  const { consensusFrames, unknownFrames, iouThreshold, evidence } = options;
  if (!Number.isInteger(consensusFrames) || consensusFrames < 1) {
    throw new RangeError(`consensusFrames must be a whole number of at least 1, got ${consensusFrames}`);
  }
  if (!Number.isInteger(unknownFrames) || unknownFrames < 1) {
    throw new RangeError(`unknownFrames must be a whole number of at least 1, got ${unknownFrames}`);
  }
  if (!(iouThreshold > 0 && iouThreshold <= 1)) {
    throw new RangeError(`iouThreshold must be in (0, 1], got ${iouThreshold}`);
  }
  if (!(options.otherFaceDistance > 0)) {
    throw new RangeError(`otherFaceDistance must be above 0, got ${options.otherFaceDistance}`);
  }
  if (!(EVIDENCE_MODES as readonly string[]).includes(evidence)) {
    throw new RangeError(`evidence must be "pooled" or "per-frame", got ${JSON.stringify(evidence)}`);
  }
  return options;
}

function snapshot(track: Track, observation: number | null): TrackSnapshot {
  return {
    id: track.id,
    box: { ...track.box },
    state: track.state,
    personId: track.personId,
    distance: track.distance,
    observation,
  };
}
