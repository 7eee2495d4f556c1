/**
 * What a recognition node reports. Events become attendance on the web node, so each carries a
 * stable id (for idempotent storage) and its evidence (distance, thresholds, model, crop).
 */
import type { Box } from './geometry.js';
import type { MatchThresholds, NearestPerson } from './matcher.js';

export type RecognitionEventType = 'recognized' | 'sighting' | 'unknown';

export interface RecognitionEvent {
  /** Unique and stable: the web node stores each event once, however often it is delivered. */
  id: string;
  type: RecognitionEventType;
  nodeId: string;
  cameraId: string;
  /** Unique per camera for the life of the node process, e.g. `video0-17`. */
  trackId: string;
  /** The person named; null for an unknown face. */
  personId: string | null;
  /** Distance behind the decision (null for an unknown face nobody was near). */
  distance: number | null;
  thresholds: MatchThresholds;
  /** Consecutive agreeing frames behind a `recognized` decision. */
  votes: number | null;
  /** When the frame was captured, ISO 8601 UTC. */
  at: string;
  /** Where the face was in the frame. */
  box: Box;
  frameWidth: number;
  frameHeight: number;
  /** JPEG of the face, for `recognized` and `unknown` events; sightings carry none. */
  crop: Uint8Array | null;
  /** The models and backend that decided, for the audit trail. */
  model: string;
  backend: string;
  /**
   * On `unknown` events: true when the face stayed near an enrolled person without ever being
   * confirmed (a look-alike, or someone the camera never saw well), false when it is nobody
   * enrolled. Either way nobody is marked present; an unconfirmed face goes to the unknown-face
   * review with its `candidate`. Absent on other events and from older nodes.
   */
  unconfirmed?: boolean;
  /** On unconfirmed `unknown` events: the nearest enrolled person, so the review can ask "looks like X?". */
  candidate?: NearestPerson | null;
}

/** One face in a processed frame, for the live view. */
export interface FrameFace {
  trackId: string;
  box: Box;
  state: 'pending' | 'named' | 'unknown';
  personId: string | null;
  distance: number | null;
}

/** What the live view draws over a frame. */
export interface FrameMetadata {
  cameraId: string;
  seq: number;
  capturedAt: number;
  width: number;
  height: number;
  faces: FrameFace[];
  /** Capture to result, in milliseconds. */
  latencyMs: number;
}
