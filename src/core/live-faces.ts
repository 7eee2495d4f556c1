/**
 * The boxes the live view draws over a frame that was not analysed itself. A camera delivers
 * frames faster than the engine analyses them, so most frames shown live were never looked at;
 * their boxes come from the analysed frames either side, moved in a straight line between them.
 */
import type { Box } from './geometry.js';
import type { FrameFace } from './events.js';

/** The faces found on one analysed frame, with that frame's capture time. */
export interface AnalysedFaces {
  seq: number;
  capturedAt: number;
  faces: readonly FrameFace[];
}

/** The box `fraction` of the way from `a` to `b` (0 → a, 1 → b). */
export function lerpBox(a: Box, b: Box, fraction: number): Box {
  const at = (from: number, to: number): number => from + (to - from) * fraction;
  return {
    x: at(a.x, b.x),
    y: at(a.y, b.y),
    width: at(a.width, b.width),
    height: at(a.height, b.height),
  };
}

/**
 * The faces on a frame captured at `at`, from the nearest analysed frames before and after it
 * (either may be missing). A face analysed on both sides (same track) is drawn between its two
 * boxes, with what was known of it before (its state and name change only on analysed frames); a
 * face on one side only is drawn while the frame is nearer to that side, so it appears and leaves
 * half-way. With one side only, its faces are drawn while they are at most `holdMs` away: a stalled
 * analysis must not leave old boxes on a live picture.
 */
export function facesAt(
  before: AnalysedFaces | undefined,
  after: AnalysedFaces | undefined,
  at: number,
  holdMs: number,
): FrameFace[] {
  const near = before && at - before.capturedAt <= holdMs ? before : undefined;
  const next = after && after.capturedAt - at <= holdMs ? after : undefined;
  if (near && (near.capturedAt === at || next === undefined)) return [...near.faces];
  if (next && (next.capturedAt === at || near === undefined)) return [...next.faces];
  if (!near || !next) return [];
  const span = next.capturedAt - near.capturedAt;
  const fraction = span > 0 ? Math.min(1, Math.max(0, (at - near.capturedAt) / span)) : 0;
  const later = new Map(next.faces.map((face) => [face.trackId, face]));
  const faces: FrameFace[] = [];
  for (const face of near.faces) {
    const moved = later.get(face.trackId);
    if (moved) faces.push({ ...face, box: lerpBox(face.box, moved.box, fraction) });
    else if (fraction < 0.5) faces.push(face);
  }
  if (fraction >= 0.5) {
    const earlier = new Set(near.faces.map((face) => face.trackId));
    for (const face of next.faces) if (!earlier.has(face.trackId)) faces.push(face);
  }
  return faces;
}
