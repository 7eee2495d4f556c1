/**
 * The gates that decide whether a face is good enough to enroll or to name someone by. They are
 * decisions over the measures of `quality.ts`, kept apart from them: analysis (and its evaluation
 * cache) depends on the measures only, so moving a gate never means analysing the photos again.
 */
import type { FaceQuality } from './quality.js';

export interface QualityGates {
  minSizePx: number;
  minScore: number;
  minSharpness: number;
  minFrontality: number;
}

/**
 * Enrollment photos become the reference for every later decision, so they must be good.
 * Calibrated on `../shared/faces`: every photo of an enrolled person there passes. The pose bar
 * refuses profiles only: on `../shared/lfw-dev` a bar of 0.25 refused 14 three-quarter photos
 * (five people could not be enrolled), and enrolling them at 0.15 named five more of 1,090 probes
 * with no more wrong names or strangers named.
 */
export const ENROLLMENT_GATES: QualityGates = {
  minSizePx: 48,
  minScore: 0.5,
  minSharpness: 15,
  minFrontality: 0.15,
};

/**
 * Naming someone from a tiny or smeared face is how strangers get marked present. Pose is not
 * gated here: a three-quarter view still matches its owner closely, and the distance thresholds
 * already refuse a turned face that matches nobody well. The blur bar is low: on
 * `../shared/lfw-dev` faces with a sharpness between 5 and 8 (3 of 1,590 probes) were all named
 * right once allowed, and no stranger or wrong name came with them.
 */
export const RECOGNITION_GATES: QualityGates = {
  minSizePx: 36,
  minScore: 0.3,
  minSharpness: 5,
  minFrontality: 0,
};

export type QualityProblemCode = 'too_small' | 'low_confidence' | 'blurred' | 'turned_away';

export interface QualityProblem {
  code: QualityProblemCode;
  message: string;
}

export function qualityProblems(quality: FaceQuality, gates: QualityGates): QualityProblem[] {
  const problems: QualityProblem[] = [];
  if (quality.sizePx < gates.minSizePx) {
    problems.push({
      code: 'too_small',
      message: `the face is ${Math.round(quality.sizePx)} px across; at least ${gates.minSizePx} px is needed`,
    });
  }
  if (quality.score < gates.minScore) {
    problems.push({
      code: 'low_confidence',
      message: `the detector is only ${Math.round(quality.score * 100)}% sure this is a face`,
    });
  }
  if (quality.sharpness < gates.minSharpness) {
    problems.push({ code: 'blurred', message: 'the face is blurred or out of focus' });
  }
  if (quality.frontality < gates.minFrontality) {
    problems.push({ code: 'turned_away', message: 'the face is turned too far from the camera' });
  }
  return problems;
}
