/**
 * Which face in a photo counts: the one to enroll from an enrollment photo, the one to identify in
 * a probe photo. Pure rules over boxes, scores and quality.
 */
import type { FaceQuality } from './quality.js';
import { qualityProblems, type QualityGates, type QualityProblem } from './quality-gates.js';

export interface CandidateFace {
  box: { width: number; height: number };
  score: number;
  quality: FaceQuality;
}

/**
 * A face less than this fraction of the main face's size (its shorter side) is someone in the
 * background: a poster, a passer-by. It does not make an enrollment photo ambiguous; two people
 * side by side are about the same size, and are refused. Measured on ../shared/lfw-dev (news photos,
 * often with people behind the subject): at 0.4, 144 enrollment photos were refused and 47 of 801
 * people could not be enrolled at all; at 0.75, 47 photos and 14 people, with the same wrong names.
 * A face the detector is not sure of (below the enrollment score bar) is no rival either: it could
 * not be enrolled itself, and on lfw-dev such faces were mostly shadows and fragments at the edge of
 * the photo (6 of the 26 refused for a second face).
 */
export const BACKGROUND_FACE_RATIO = 0.75;

function prominence(face: CandidateFace): number {
  return face.box.width * face.box.height * face.score;
}

/** The most prominent face (largest, surest), or undefined when there is none. */
export function primaryFace<T extends CandidateFace>(faces: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const face of faces) if (!best || prominence(face) > prominence(best)) best = face;
  return best;
}

export type EnrollmentSelection<T> =
  | { ok: true; face: T }
  | {
      ok: false;
      reason: 'no_face' | 'several_faces' | 'poor_quality';
      /** Every reason, joined: `reasons.join('; ')`. */
      message: string;
      /** Why, in plain words, the most telling first: one line each for a person to read. */
      reasons: string[];
      problems: QualityProblem[];
    };

export const NO_FACE_MESSAGE = 'no human face was found in the photo';

/**
 * The order a person should read a poor face's problems in: whether it is a face at all, then what
 * they can see and fix (too small, turned away), then blur, which a tiny or turned face also causes.
 */
const PROBLEM_ORDER: readonly QualityProblem['code'][] = [
  'low_confidence',
  'too_small',
  'turned_away',
  'blurred',
];

function refusedFor(
  reason: 'no_face' | 'several_faces' | 'poor_quality',
  reasons: string[],
  problems: QualityProblem[] = [],
): EnrollmentSelection<never> {
  return { ok: false, reason, message: reasons.join('; '), reasons, problems };
}

/**
 * An enrollment photo must show exactly one person clearly: if it held two, the descriptors could
 * belong to the wrong one and mark a stranger present for months.
 */
export function selectEnrollmentFace<T extends CandidateFace>(
  faces: readonly T[],
  gates: QualityGates,
): EnrollmentSelection<T> {
  const main = primaryFace(faces);
  if (!main) return refusedFor('no_face', [NO_FACE_MESSAGE]);
  const mainSize = Math.min(main.box.width, main.box.height);
  const rivals = faces.filter(
    (f) =>
      f !== main &&
      f.score >= gates.minScore &&
      Math.min(f.box.width, f.box.height) >= BACKGROUND_FACE_RATIO * mainSize,
  );
  if (rivals.length > 0) {
    return refusedFor('several_faces', [
      `the photo shows ${rivals.length + 1} faces; use a photo of this person alone`,
    ]);
  }
  const problems = qualityProblems(main.quality, gates).sort(
    (a, b) => PROBLEM_ORDER.indexOf(a.code) - PROBLEM_ORDER.indexOf(b.code),
  );
  if (problems.some((p) => p.code === 'low_confidence')) {
    // What the detector is unsure of is most often no face at all (an animal, a pattern): its
    // sharpness and pose say nothing then, and "blurred" would send someone to retake a dog's photo.
    return refusedFor(
      'no_face',
      [
        `${NO_FACE_MESSAGE} (the detector is only ${Math.round(main.quality.score * 100)}% sure that what it found is a face)`,
      ],
      problems,
    );
  }
  if (problems.length > 0)
    return refusedFor(
      'poor_quality',
      problems.map((p) => p.message),
      problems,
    );
  return { ok: true, face: main };
}
