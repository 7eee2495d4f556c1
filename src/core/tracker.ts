/**
 * Follows faces from frame to frame (greedy IoU association) and decides who each track is by
 * consensus: a track is named only after several frames agree, so one lucky frame never marks a
 * stranger present. Pure: time comes in as an argument.
 */
import { iou, type Box } from './geometry.js';

/** What the matcher said about one described face on one frame. */
export type FaceVerdict =
  | { kind: 'match'; personId: string; distance: number }
  | { kind: 'uncertain'; personId: string; distance: number }
  | { kind: 'unknown'; distance: number }
  /** Too small, blurred or unsure to judge by; no vote either way. */
  | { kind: 'unusable' };

export interface Observation {
  box: Box;
  score: number;
  /** Present when the face was described and matched on this frame. */
  verdict?: FaceVerdict;
}

export type TrackState = 'pending' | 'named' | 'unknown';

export interface TrackSnapshot {
  id: number;
  box: Box;
  state: TrackState;
  personId: string | null;
  /** The distance behind the current name (or the nearest distance of an unknown face). */
  distance: number | null;
  /** Index of this frame's observation of the track, or null when it was not seen this frame. */
  observation: number | null;
}

export type TrackEvent =
  | { type: 'recognized'; track: TrackSnapshot; personId: string; distance: number; votes: number }
  | { type: 'sighting'; track: TrackSnapshot; personId: string; distance: number }
  | { type: 'unknown'; track: TrackSnapshot; distance: number | null }
  | { type: 'lost'; track: TrackSnapshot };

export interface TrackerOptions {
  /** Minimum overlap for a detection to continue a track. @defaultValue 0.3 */
  iouThreshold: number;
  /** A track not seen for this long is gone. @defaultValue 1500 */
  maxUnseenMs: number;
  /** Consecutive matching verdicts before a track is named. @defaultValue 3 */
  consensusFrames: number;
  /** Consecutive not-a-match verdicts before a pending track becomes an unknown face. @defaultValue 5 */
  unknownFrames: number;
  /** A settled track (named or unknown) is described again this often, in case it was wrong. @defaultValue 3000 */
  recheckMs: number;
  /** A named track still in view is reported again at most this often. @defaultValue 10000 */
  sightingIntervalMs: number;
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  iouThreshold: 0.3,
  maxUnseenMs: 1500,
  consensusFrames: 3,
  unknownFrames: 5,
  recheckMs: 3000,
  sightingIntervalMs: 10_000,
};

interface Track {
  id: number;
  box: Box;
  state: TrackState;
  personId: string | null;
  distance: number | null;
  /** The person the latest run of matching verdicts agrees on, its length and best distance. */
  streakPerson: string | null;
  streakCount: number;
  streakBest: number;
  /** Consecutive verdicts that named nobody (unknown or uncertain). */
  notNamedStreak: number;
  nearestUnknown: number | null;
  lastSeenAt: number;
  /** When the track was last described; -Infinity when never. */
  lastDescribedAt: number;
  lastEmittedAt: number;
}

export class FaceTracker {
  #options: TrackerOptions;
  #tracks: Track[] = [];
  #nextId = 1;

  constructor(options: Partial<TrackerOptions> = {}) {
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
      if (observation.verdict) {
        track.lastDescribedAt = now;
        const event = this.#vote(track, observation.verdict, now, obsIndex);
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
        streakPerson: null,
        streakCount: 0,
        streakBest: Number.POSITIVE_INFINITY,
        notNamedStreak: 0,
        nearestUnknown: null,
        lastSeenAt: Number.NEGATIVE_INFINITY,
        lastDescribedAt: Number.NEGATIVE_INFINITY,
        lastEmittedAt: Number.NEGATIVE_INFINITY,
      });
      observationOf.set(this.#tracks.length - 1, o);
    });
    return observationOf;
  }

  #vote(track: Track, verdict: FaceVerdict, now: number, obsIndex: number): TrackEvent | undefined {
    const { consensusFrames, unknownFrames } = this.#options;
    switch (verdict.kind) {
      case 'unusable':
        return undefined;
      case 'match': {
        if (track.streakPerson === verdict.personId) {
          track.streakCount++;
          track.streakBest = Math.min(track.streakBest, verdict.distance);
        } else {
          track.streakPerson = verdict.personId;
          track.streakCount = 1;
          track.streakBest = verdict.distance;
        }
        track.notNamedStreak = 0;
        if (track.state === 'unknown') {
          // Someone judged unknown now matches (newly enrolled, or turned to the camera): describe
          // every frame again until the consensus settles it.
          track.state = 'pending';
          track.distance = null;
        }
        if (track.streakCount < consensusFrames) return undefined;
        if (track.state === 'named' && track.personId === verdict.personId) {
          track.distance = Math.min(track.distance ?? Number.POSITIVE_INFINITY, verdict.distance);
          return undefined;
        }
        track.state = 'named';
        track.personId = verdict.personId;
        track.distance = track.streakBest;
        track.lastEmittedAt = now;
        return {
          type: 'recognized',
          track: snapshot(track, obsIndex),
          personId: verdict.personId,
          distance: track.streakBest,
          votes: track.streakCount,
        };
      }
      case 'uncertain':
      case 'unknown': {
        // An uncertain verdict is no evidence for anyone: it ends a run of matches like unknown does.
        track.streakPerson = null;
        track.streakCount = 0;
        track.streakBest = Number.POSITIVE_INFINITY;
        track.notNamedStreak++;
        track.nearestUnknown = Math.min(track.nearestUnknown ?? Number.POSITIVE_INFINITY, verdict.distance);
        if (track.state === 'named' && track.notNamedStreak >= consensusFrames) {
          // Re-checks keep disagreeing: the track may have jumped to another face. Ask again.
          track.state = 'pending';
          track.personId = null;
          track.distance = null;
          return undefined;
        }
        if (track.state === 'pending' && track.notNamedStreak >= unknownFrames) {
          track.state = 'unknown';
          track.distance = Number.isFinite(track.nearestUnknown) ? track.nearestUnknown : null;
          return { type: 'unknown', track: snapshot(track, obsIndex), distance: track.distance };
        }
        return undefined;
      }
    }
  }
}

function validateTrackerOptions(options: TrackerOptions): TrackerOptions {
  const { consensusFrames, unknownFrames, iouThreshold } = options;
  if (!Number.isInteger(consensusFrames) || consensusFrames < 1) {
    throw new RangeError(`consensusFrames must be a whole number of at least 1, got ${consensusFrames}`);
  }
  if (!Number.isInteger(unknownFrames) || unknownFrames < 1) {
    throw new RangeError(`unknownFrames must be a whole number of at least 1, got ${unknownFrames}`);
  }
  if (!(iouThreshold > 0 && iouThreshold <= 1)) {
    throw new RangeError(`iouThreshold must be in (0, 1], got ${iouThreshold}`);
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
