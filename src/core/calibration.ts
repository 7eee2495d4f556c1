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
import { ErrorCode, RollcallError } from './errors.js';

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
 * beyond `maxSamples` a regular stride of probe descriptors is used (deterministic: the same gallery
 * always gives the same thresholds).
 */
export function impostorModel(
  people: readonly CalibrationPerson[],
  options: ImpostorSampleOptions = {},
): ImpostorModel {
  const maxSamples = options.maxSamples ?? 2_000_000;
  const enrolled = people.filter((p) => p.descriptors.length > 0);
  const probes: { owner: number; descriptor: Float32Array }[] = [];
  enrolled.forEach((p, owner) => {
    for (const descriptor of p.descriptors) probes.push({ owner, descriptor });
  });
  const others = Math.max(0, enrolled.length - 1);
  const probesWanted = Math.max(1, Math.floor(maxSamples / Math.max(1, others)));
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

/** The chance that a stranger is named at threshold `t` with `people` enrolled. */
export function strangerRateAt(model: ImpostorModel, t: number, people: number = model.people): number {
  const f = impostorRateAt(model, t);
  // 1 − (1 − f)^N without losing a tiny f to rounding.
  return -Math.expm1(people * Math.log1p(-Math.min(f, 1 - 1e-15)));
}

/**
 * The largest threshold at which a stranger is named with probability at most `target`, with
 * `people` enrolled (found by bisection: the rate only grows with the threshold).
 */
export function thresholdFor(model: ImpostorModel, target: number, people: number = model.people): number {
  if (!(target > 0 && target < 1)) {
    throw new RollcallError(ErrorCode.UsageInvalid, `the target must be between 0 and 1, got ${target}`);
  }
  let low = 0;
  let high = (model.sorted[model.sorted.length - 1] ?? 2) + 1;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (strangerRateAt(model, mid, people) <= target) low = mid;
    else high = mid;
  }
  return low;
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
