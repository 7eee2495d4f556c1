/**
 * The operating curve of open-set identification: how many enrolled people are named correctly
 * against how many strangers are named, as the match threshold moves (with unknown = match, so
 * there is no uncertain band). Pure: the probes' nearest people are found once, elsewhere.
 */
import type { NearestPerson } from './matcher.js';

/** One probe, reduced to what the threshold sweep needs. */
export interface SweepProbe {
  /** Who the photo really shows. */
  identity: string;
  /** Whether that person is in the gallery; otherwise the probe is a stranger. */
  enrolled: boolean;
  /**
   * The nearest person, or null when the face can never be named at any threshold (no face found,
   * or a face below the quality gates).
   */
  nearest: NearestPerson | null;
}

export interface CurvePoint {
  /** A face is named when its nearest person is strictly closer than this. */
  threshold: number;
  /** Enrolled probes named correctly, over enrolled probes. */
  rank1Accuracy: number | null;
  /** Stranger probes given any name, over stranger probes. */
  strangersNamedRate: number | null;
  /** Enrolled probes given someone else's name, over enrolled probes. */
  wrongNamesOfEnrolled: number | null;
}

export interface StrangerRateOperatingPoint {
  /** The most strangers that may be named, as a fraction of stranger probes. */
  strangersNamedRate: number;
  /** Rank-1 accuracy at the largest threshold that names no more strangers than that. */
  rank1Accuracy: number | null;
  /** That threshold; null when every stranger may be named (no limit). */
  threshold: number | null;
  /** The fraction of strangers actually named there (ties can keep it below the target). */
  achievedStrangersNamedRate: number | null;
}

/** The operating points conventionally reported: 10%, 5% and 1% of strangers named. */
export const STRANGER_RATES = [0.1, 0.05, 0.01] as const;

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/** The figures at one threshold. */
export function operatingPoint(probes: readonly SweepProbe[], threshold: number): CurvePoint {
  let enrolled = 0;
  let correct = 0;
  let wrong = 0;
  let strangers = 0;
  let strangersNamed = 0;
  for (const probe of probes) {
    const named =
      probe.nearest !== null && probe.nearest.distance < threshold ? probe.nearest.personId : null;
    if (probe.enrolled) {
      enrolled++;
      if (named === probe.identity) correct++;
      else if (named !== null) wrong++;
    } else {
      strangers++;
      if (named !== null) strangersNamed++;
    }
  }
  return {
    threshold,
    rank1Accuracy: ratio(correct, enrolled),
    strangersNamedRate: ratio(strangersNamed, strangers),
    wrongNamesOfEnrolled: ratio(wrong, enrolled),
  };
}

export function operatingCurve(probes: readonly SweepProbe[], thresholds: readonly number[]): CurvePoint[] {
  return thresholds.map((t) => operatingPoint(probes, t));
}

/**
 * Thresholds every `step` from 0 until every nameable probe is named: fine enough to draw the curve,
 * few enough to print. Steps are rounded to the step's decimals so thresholds read cleanly.
 */
export function thresholdGrid(probes: readonly SweepProbe[], step = 0.01): number[] {
  if (!(step > 0)) throw new RangeError(`step must be > 0, got ${step}`);
  let max = 0;
  for (const p of probes)
    if (p.nearest !== null && Number.isFinite(p.nearest.distance)) max = Math.max(max, p.nearest.distance);
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)));
  const grid: number[] = [];
  // One step past the largest distance, so the last point names every nameable probe.
  for (let i = 0; ; i++) {
    const t = Number((i * step).toFixed(decimals));
    grid.push(t);
    if (t > max) break;
  }
  return grid;
}

/**
 * Rank-1 accuracy at the largest threshold that names at most `rate` of the strangers: exact, not read
 * off a grid. Both counts only grow with the threshold, so the answer is the threshold at the
 * (m+1)-th smallest stranger distance, m = ⌊rate · strangers⌋ (a face is named strictly below it).
 */
export function rank1AtStrangerRate(probes: readonly SweepProbe[], rate: number): StrangerRateOperatingPoint {
  const strangerDistances: number[] = [];
  let strangers = 0;
  for (const p of probes) {
    if (p.enrolled) continue;
    strangers++;
    if (p.nearest !== null) strangerDistances.push(p.nearest.distance);
  }
  strangerDistances.sort((a, b) => a - b);
  // The tolerance makes a product that should be whole count as whole: 0.29 · 100 is 28.999999999999996.
  const allowed = Math.floor(rate * strangers + 1e-9);
  const threshold = strangerDistances[allowed] ?? Infinity;
  const point = operatingPoint(probes, threshold);
  return {
    strangersNamedRate: rate,
    rank1Accuracy: point.rank1Accuracy,
    threshold: Number.isFinite(threshold) ? threshold : null,
    achievedStrangersNamedRate: point.strangersNamedRate,
  };
}
