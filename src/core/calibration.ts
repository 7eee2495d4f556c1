/**
 * Thresholds that scale with the gallery. The chance that a stranger is named grows with the number
 * of people enrolled: with 20 people a stranger must be close to one of 20 faces, with 900 to one of
 * 900. So instead of one fixed distance, the admin chooses a target — how often a stranger may be
 * named — and the match threshold is set from the gallery itself: every enrolled person measured
 * against every other is a free sample of how close two *different* people come (an impostor
 * sample). Pure: descriptors in, numbers out.
 *
 * The model: for a stranger's face x and one enrolled person q, D = distance from x to q's nearest
 * descriptor. If F(t) = P(D < t), a stranger is named at threshold t in a gallery of N people with
 * probability 1 − (1 − F(t))^N (people taken as independent). F is estimated from the gallery's own
 * impostor sample; where the sample has too few points (the far tail a large gallery needs, or a
 * small gallery), a normal tail fitted to the sample carries on from the last well-measured point.
 */
import type { DescriptorModel } from './descriptor.js';
import { ErrorCode, RollcallError } from './errors.js';
import type { MatchThresholds } from './matcher.js';

/** One enrolled person's descriptors (all of one model). */
export interface CalibrationPerson {
  personId: string;
  descriptors: readonly Float32Array[];
}

/** How close different people come in this gallery: the impostor sample and its fitted tail. */
export interface ImpostorModel {
  /** Impostor distances, ascending. */
  sorted: Float64Array;
  /** Mean and standard deviation of the sample: the normal tail beyond the measured points. */
  mean: number;
  sd: number;
  /** People in the gallery the sample came from. */
  people: number;
}

export interface ImpostorSampleOptions {
  /** At most this many distances are kept (a deterministic subsample beyond it). @defaultValue 2,000,000 */
  maxSamples?: number;
  /**
   * At most this many descriptor-to-descriptor distances are computed: what bounds the time a
   * node spends recalibrating (measured: 1.5–3 s at 512 values each on one busy core, for 800
   * people of 2 photos as for 2,000 of 50).
   * @defaultValue 3,000,000
   */
  maxComparisons?: number;
}

/**
 * Below this many sample points under a threshold, F is taken from the fitted normal tail anchored
 * at the `TAIL_ANCHOR`-th smallest distance instead of counted: ten points pin a probability to
 * within about a third, fewer do not.
 */
const TAIL_ANCHOR = 10;

/** A gallery needs this many people before its own impostor sample says anything. */
export const MIN_CALIBRATION_PEOPLE = 5;

/**
 * The impostor sample: for each descriptor of each person and each *other* person, the distance to
 * that person's nearest descriptor. With P people of m descriptors that is about P²·m distances, so
 * beyond `maxSamples` (or `maxComparisons` distances to compute) a regular stride of probe
 * descriptors is used (deterministic: the same gallery always gives the same thresholds).
 */
export function impostorModel(
  people: readonly CalibrationPerson[],
  options: ImpostorSampleOptions = {},
): ImpostorModel {
  const maxSamples = options.maxSamples ?? 2_000_000;
  const maxComparisons = options.maxComparisons ?? 3_000_000;
  const enrolled = people.filter((p) => p.descriptors.length > 0);
  const probes: { owner: number; descriptor: Float32Array }[] = [];
  enrolled.forEach((p, owner) => {
    for (const descriptor of p.descriptors) probes.push({ owner, descriptor });
  });
  const others = Math.max(0, enrolled.length - 1);
  // Each probe descriptor is measured against every other person's descriptors: all the rows.
  const rows = probes.length;
  const probesWanted = Math.max(
    1,
    Math.floor(Math.min(maxSamples / Math.max(1, others), maxComparisons / Math.max(1, rows))),
  );
  const stride = Math.max(1, Math.ceil(probes.length / probesWanted));
  const distances: number[] = [];
  for (let i = 0; i < probes.length; i += stride) {
    const probe = probes[i];
    if (!probe) continue;
    enrolled.forEach((person, index) => {
      if (index === probe.owner) return;
      let best = Infinity;
      for (const d of person.descriptors) best = Math.min(best, squaredDistance(probe.descriptor, d));
      distances.push(Math.sqrt(best));
    });
  }
  const sorted = Float64Array.from(distances).sort();
  let sum = 0;
  for (const d of sorted) sum += d;
  const mean = sorted.length ? sum / sorted.length : NaN;
  let sq = 0;
  for (const d of sorted) sq += (d - mean) * (d - mean);
  const sd = sorted.length > 1 ? Math.sqrt(sq / (sorted.length - 1)) : NaN;
  return { sorted, mean, sd, people: enrolled.length };
}

/** F(t): the chance that a stranger comes closer than `t` to one given enrolled person. */
export function impostorRateAt(model: ImpostorModel, t: number): number {
  const { sorted } = model;
  const n = sorted.length;
  if (n === 0) return NaN;
  const below = lowerBound(sorted, t);
  if (below >= TAIL_ANCHOR || n < TAIL_ANCHOR) return below / n;
  // The normal tail, scaled so it meets the counted rate at the anchor point.
  const anchor = sorted[TAIL_ANCHOR - 1] as number;
  const anchorRate = TAIL_ANCHOR / n;
  const ratio = normalCdf((t - model.mean) / model.sd) / normalCdf((anchor - model.mean) / model.sd);
  return Number.isFinite(ratio) ? Math.min(anchorRate, anchorRate * ratio) : 0;
}

/** The chance that a stranger is named with `people` enrolled, when F(t) = `impostorRate`. */
export function strangerRateFrom(impostorRate: number, people: number): number {
  // 1 − (1 − f)^N without losing a tiny f to rounding.
  return -Math.expm1(people * Math.log1p(-Math.min(impostorRate, 1 - 1e-15)));
}

/** The chance that a stranger is named at threshold `t` with `people` enrolled. */
export function strangerRateAt(model: ImpostorModel, t: number, people: number = model.people): number {
  return strangerRateFrom(impostorRateAt(model, t), people);
}

/**
 * The largest threshold at which a stranger is named with probability at most `target`, with
 * `people` enrolled, for any F(t) (found by bisection: the rate only grows with the threshold).
 */
export function thresholdForRate(
  impostorRate: (t: number) => number,
  target: number,
  people: number,
  /** No threshold above this is considered. @defaultValue 2, the distance of opposite unit vectors */
  ceiling = 2,
): number {
  if (!(target > 0 && target < 1)) {
    throw new RollcallError(ErrorCode.UsageInvalid, `the target must be between 0 and 1, got ${target}`);
  }
  let low = 0;
  let high = ceiling;
  if (strangerRateFrom(impostorRate(high), people) <= target) return high;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (strangerRateFrom(impostorRate(mid), people) <= target) low = mid;
    else high = mid;
  }
  return low;
}

/** {@link thresholdForRate} for a gallery's own impostor sample. */
export function thresholdFor(model: ImpostorModel, target: number, people: number = model.people): number {
  const ceiling = (model.sorted[model.sorted.length - 1] ?? 2) + 1;
  return thresholdForRate((t) => impostorRateAt(model, t), target, people, ceiling);
}

/**
 * A model's impostor curve measured once on a large, varied set of people: points (distance t,
 * F(t)), ascending. It stands for the people a small gallery has not met yet.
 */
export interface ReferenceCurve {
  points: readonly (readonly [number, number])[];
  /** Where and how it was measured. */
  source: string;
}

/**
 * F(t) from a reference curve: interpolated linearly in log F between its points, carried on with
 * the slope of the first two below the first point, and flat after the last.
 */
export function referenceRateAt(curve: ReferenceCurve, t: number): number {
  const { points } = curve;
  const first = points[0];
  const second = points[1];
  if (!first || !second) return NaN;
  let lower = first;
  let upper = second;
  if (t >= first[0]) {
    let i = 1;
    while (i < points.length - 1 && (points[i] as readonly [number, number])[0] < t) i++;
    lower = points[i - 1] as readonly [number, number];
    upper = points[i] as readonly [number, number];
    if (t >= upper[0]) return upper[1];
  }
  const slope = (Math.log(upper[1]) - Math.log(lower[1])) / (upper[0] - lower[0]);
  return Math.exp(Math.log(lower[1]) + slope * (t - lower[0]));
}

/** Index of the first value `>= t` in ascending `sorted`: how many are below `t`. */
function lowerBound(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function squaredDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    sum += d * d;
  }
  return sum;
}

/**
 * Φ(z), the standard normal CDF, through erfc's Chebyshev fit (Numerical Recipes `erfcc`): its
 * error is under 1.2e-7 *relative*, so the far tail (Φ ≈ 1e-8) keeps its meaning.
 */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** How a gallery's thresholds are chosen: from the admin's target, or set by hand. */
export interface ThresholdPolicy {
  /** How often a stranger may be named (0.01 = one stranger in a hundred). */
  strangerRateTarget: number;
  /** Thresholds set by hand; when present they are used as they are and the target only reported. */
  fixed?: MatchThresholds | undefined;
}

/** The thresholds in force for one gallery, and what they are expected to cost. */
export interface GalleryThresholds extends MatchThresholds {
  /**
   * The chance that a stranger is named at `match` with this gallery, as the gallery's own impostor
   * sample predicts it; null while the gallery is too small to say.
   */
  expectedStrangerRate: number | null;
  /**
   * `gallery`: calibrated from the gallery (and the model's reference curve); `reference`: too few
   * people to measure the gallery, calibrated from the reference curve alone; `prior`: neither is
   * available, the model's defaults; `fixed`: set by hand.
   */
  basis: 'gallery' | 'reference' | 'prior' | 'fixed';
  /** People the thresholds were set for. */
  people: number;
}

/**
 * Each model's impostor curve, measured on ../shared/lfw-dev: the open-set split's probe faces and
 * one-photo people against every enrolled person who is not them (1.9 million distances; points
 * below F = 1e-5 would rest on fewer than twenty of them). face-api has none: its small galleries
 * keep the prior.
 */
export const REFERENCE_IMPOSTORS: Readonly<Partial<Record<DescriptorModel, ReferenceCurve>>> = {
  'fr-feature': {
    source: 'lfw-dev open-set split, probes and one-photo people against 780 enrolled people',
    points: [
      [1.0093, 1e-5],
      [1.0375, 3e-5],
      [1.0742, 1e-4],
      [1.1056, 3e-4],
      [1.1431, 1e-3],
      [1.1776, 3e-3],
      [1.2192, 1e-2],
      [1.2597, 3e-2],
      [1.3084, 0.1],
      [1.3635, 0.3],
    ],
  },
};

/**
 * The loosest thresholds each model is ever given: the whole answer while a gallery is too small to
 * measure and the model has no reference curve, and a ceiling on calibration otherwise.
 * face-api's are the distances tuned on ../shared/faces before calibration existed; fr-feature's
 * keep a small gallery of grey TV crops (../shared/faces: its people lie up to 1.04 from their own
 * photos, its strangers from 1.15) from the looser thresholds a few people would allow.
 */
export const PRIOR_THRESHOLDS: Readonly<Record<DescriptorModel, MatchThresholds>> = {
  'fr-feature': { match: 1.1, unknown: 1.15 },
  'face-api': { match: 0.55, unknown: 0.6 },
};

/**
 * Two photos of one model farther apart than this are almost surely two different people: an
 * enrollment photo this far from all of the person's other photos is refused as a mix-up. It is a
 * property of the model, not of the gallery: face-api's is the distance it was tuned with on
 * ../shared/faces; fr-feature's is where 99.5% of the lfw-dev probes lie closer to their own
 * enrollment photos (while 97% of different people lie farther).
 */
export const SAME_PERSON_LIMIT: Readonly<Record<DescriptorModel, number>> = {
  'fr-feature': 1.25,
  'face-api': 0.6,
};

/**
 * The uncertain band: a face that would be named only at a stranger rate up to this many times the
 * target is "uncertain" (held for review, never named); beyond it, unknown.
 */
const UNCERTAIN_RATE_FACTOR = 10;

/**
 * One gallery, measured once (its impostor sample is the expensive part), then asked for
 * thresholds under any policy and for the stranger rate at any threshold and size.
 */
export interface GalleryCalibration {
  /** People with at least one descriptor. */
  readonly people: number;
  /**
   * The thresholds under `policy`: set by hand; else calibrated so that a stranger is named at
   * most `strangerRateTarget` of the time with the people enrolled now. Never looser than the
   * model's prior.
   */
  thresholdsFor(policy: ThresholdPolicy): GalleryThresholds;
  /**
   * How often a stranger would be named at match threshold `t` with `galleryPeople` people like
   * these (by default, as many as there are); null when neither the gallery nor the model can say.
   */
  expectedStrangerRate(t: number, galleryPeople?: number): number | null;
}

/**
 * What a gallery's calibration needs from its descriptors: how many people have one, and their
 * impostor sample (null below {@link MIN_CALIBRATION_PEOPLE}). The expensive step, and plain data,
 * so a node measures on another thread and decides on its own.
 */
export interface GalleryMeasure {
  people: number;
  impostors: ImpostorModel | null;
}

export function measureGallery(
  people: readonly CalibrationPerson[],
  options: ImpostorSampleOptions = {},
): GalleryMeasure {
  const enrolled = people.filter((p) => p.descriptors.length > 0).length;
  return {
    people: enrolled,
    impostors: enrolled >= MIN_CALIBRATION_PEOPLE ? impostorModel(people, options) : null,
  };
}

/**
 * Measures a gallery of `model` descriptors. F(t) is the more cautious of the gallery's own
 * impostor sample (once it has {@link MIN_CALIBRATION_PEOPLE} people) and the model's reference
 * curve: a small gallery says little about the strangers it has not met, and a gallery of
 * look-alikes is stricter than the reference.
 */
export function calibrateGallery(
  people: readonly CalibrationPerson[],
  model: DescriptorModel,
  options: ImpostorSampleOptions = {},
): GalleryCalibration {
  return calibrationFrom(measureGallery(people, options), model);
}

/** The calibration of a gallery already measured ({@link measureGallery}): cheap. */
export function calibrationFrom(measure: GalleryMeasure, model: DescriptorModel): GalleryCalibration {
  const { people: enrolled, impostors } = measure;
  const reference = REFERENCE_IMPOSTORS[model];
  const measurable = impostors !== null || reference !== undefined;
  const impostorRate = (t: number): number =>
    Math.max(impostors ? impostorRateAt(impostors, t) : 0, reference ? referenceRateAt(reference, t) : 0);
  const expectedStrangerRate = (t: number, galleryPeople = enrolled): number | null =>
    measurable && galleryPeople > 0 ? strangerRateFrom(impostorRate(t), galleryPeople) : null;
  const prior = PRIOR_THRESHOLDS[model];
  return {
    people: enrolled,
    expectedStrangerRate,
    thresholdsFor(policy) {
      if (policy.fixed) {
        const { match, unknown } = policy.fixed;
        return {
          match,
          unknown,
          expectedStrangerRate: expectedStrangerRate(match),
          basis: 'fixed',
          people: enrolled,
        };
      }
      if (!measurable) return { ...prior, expectedStrangerRate: null, basis: 'prior', people: enrolled };
      const target = policy.strangerRateTarget;
      const size = Math.max(1, enrolled);
      const match = Math.min(prior.match, thresholdForRate(impostorRate, target, size));
      const loose = thresholdForRate(impostorRate, Math.min(0.5, target * UNCERTAIN_RATE_FACTOR), size);
      return {
        match,
        unknown: Math.max(match, Math.min(prior.unknown, loose)),
        expectedStrangerRate: expectedStrangerRate(match),
        basis: impostors ? 'gallery' : 'reference',
        people: enrolled,
      };
    },
  };
}

/** {@link calibrateGallery} asked once: the thresholds for a gallery under `policy`. */
export function thresholdsForGallery(
  people: readonly CalibrationPerson[],
  model: DescriptorModel,
  policy: ThresholdPolicy,
  options: ImpostorSampleOptions = {},
): GalleryThresholds {
  return calibrateGallery(people, model, options).thresholdsFor(policy);
}
