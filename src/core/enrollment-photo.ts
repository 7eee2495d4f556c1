/**
 * What the training job concluded about each enrollment photo, read back from the quality record it
 * stores on the photo, and what that makes of the person: recognisable once one photo was usable.
 * Pure: the record is plain JSON, written by `services/train-person.job.ts`.
 */
import type { Box } from './geometry.js';
import type { FaceQuality } from './quality.js';

export type PhotoStatus = 'accepted' | 'refused' | 'pending';

export interface PhotoVerdict {
  /** `pending` until a training job has judged the photo. */
  status: PhotoStatus;
  /** Why it was refused, one plain sentence each, the most telling first; empty otherwise. */
  reasons: string[];
  /** The face's measures, for an accepted photo. */
  quality: FaceQuality | null;
  /** Where the face is in the photo (pixels of the photo as stored), for an accepted photo. */
  box: Box | null;
  /** Someone else enrolled whom this face is close to (see the training job's look-alike warning). */
  lookalike: { name: string; distance: number } | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function readBox(value: unknown): Box | null {
  if (!isRecord(value)) return null;
  const { x, y, width, height } = value;
  return isNumber(x) && isNumber(y) && isNumber(width) && isNumber(height) && width > 0 && height > 0
    ? { x, y, width, height }
    : null;
}

/**
 * The verdict in a photo's quality record. Records written before `reasons` existed carry one
 * `reason` whose parts are joined with "; ", and accepted records before `box` have none.
 */
export function readPhotoVerdict(record: unknown): PhotoVerdict {
  const verdict: PhotoVerdict = { status: 'pending', reasons: [], quality: null, box: null, lookalike: null };
  if (!isRecord(record) || typeof record.accepted !== 'boolean') return verdict;
  if (!record.accepted) {
    const reasons = Array.isArray(record.reasons)
      ? record.reasons.filter((r): r is string => typeof r === 'string' && r !== '')
      : typeof record.reason === 'string'
        ? record.reason.split('; ').filter((r) => r !== '')
        : [];
    return { ...verdict, status: 'refused', reasons: reasons.length > 0 ? reasons : ['refused by training'] };
  }
  const { sizePx, score, sharpness, frontality, lookalike } = record;
  return {
    ...verdict,
    status: 'accepted',
    quality:
      isNumber(sizePx) && isNumber(score) && isNumber(sharpness) && isNumber(frontality)
        ? { sizePx, score, sharpness, frontality }
        : null,
    box: readBox(record.box),
    lookalike:
      isRecord(lookalike) && typeof lookalike.name === 'string' && isNumber(lookalike.distance)
        ? { name: lookalike.name, distance: lookalike.distance }
        : null,
  };
}

/**
 * - `recognisable`: at least one photo was accepted, so the cameras can name the person.
 * - `training`: no photo accepted yet, and some still wait for their training job.
 * - `not-recognisable`: every photo was refused (or there is none): the cameras cannot name them.
 */
export type PersonState = 'recognisable' | 'training' | 'not-recognisable';

export function personState(statuses: readonly PhotoStatus[]): PersonState {
  if (statuses.includes('accepted')) return 'recognisable';
  if (statuses.includes('pending')) return 'training';
  return 'not-recognisable';
}

/**
 * The photo to show for a person: of the accepted photos with a known face box, the one with the
 * largest face (a sharper crop), the earliest on a tie. Undefined when none has a box.
 */
export function portraitPhoto<T extends { verdict: PhotoVerdict }>(photos: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const photo of photos) {
    const { box, status } = photo.verdict;
    if (status !== 'accepted' || !box) continue;
    const size = Math.min(box.width, box.height);
    const bestBox = best?.verdict.box;
    if (!bestBox || size > Math.min(bestBox.width, bestBox.height)) best = photo;
  }
  return best;
}

/**
 * The square to cut for a face thumbnail: the face box grown by `margin` of its size on each side
 * (hair and chin in view), centred on the face, clamped inside the image, whole pixels.
 */
export function portraitCrop(box: Box, imageWidth: number, imageHeight: number, margin = 0.35): Box {
  const side = Math.min(
    Math.round(Math.max(box.width, box.height) * (1 + 2 * margin)),
    imageWidth,
    imageHeight,
  );
  const centreX = box.x + box.width / 2;
  const centreY = box.y + box.height / 2;
  const clamp = (start: number, limit: number): number =>
    Math.max(0, Math.min(Math.round(start), limit - side));
  return {
    x: clamp(centreX - side / 2, imageWidth),
    y: clamp(centreY - side / 2, imageHeight),
    width: side,
    height: side,
  };
}
