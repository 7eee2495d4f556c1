/**
 * Who is in view of a camera now, for the live view's "In view now" list: people named in its
 * frames, since when. A face the detector misses for a frame or two (a turned head, a blink of
 * motion blur) must not make someone leave and come back with a new "since", so a person leaves
 * only after `leaveAfterMs` without being seen.
 */
import type { FrameFace } from './events.js';

/** One person in view of one camera; times are the frames' capture times (ms since the epoch). */
export interface InView {
  personId: string;
  /** The first frame of this stay. */
  since: number;
  /** The last frame they were named in. */
  lastSeenAt: number;
}

/** A camera's list after a frame captured `at` with these faces; the input is left unchanged. */
export function updateInView(
  current: readonly InView[],
  faces: readonly FrameFace[],
  at: number,
  leaveAfterMs: number,
): InView[] {
  const named = new Set<string>();
  for (const face of faces) if (face.state === 'named' && face.personId !== null) named.add(face.personId);
  const next: InView[] = [];
  for (const stay of current) {
    if (named.delete(stay.personId)) {
      // Back within the grace period (or still here): the same stay goes on.
      if (at - stay.lastSeenAt <= leaveAfterMs)
        next.push({ ...stay, lastSeenAt: Math.max(at, stay.lastSeenAt) });
      else next.push({ personId: stay.personId, since: at, lastSeenAt: at });
    } else if (at - stay.lastSeenAt <= leaveAfterMs) {
      next.push(stay);
    }
  }
  for (const personId of named) next.push({ personId, since: at, lastSeenAt: at });
  return next;
}
