/**
 * Face verification (the published LFW figure): are two photos of the same person? Pure maths over
 * pair distances; a pair is "same" when its distance is strictly below the threshold.
 *
 * A pair where a face is missing in either photo has no distance and counts as wrong at every
 * threshold: a rejected same-person pair, an accepted different-person pair. A system that cannot
 * find the face has not answered, and its figures must not improve by failing.
 */

export interface VerificationPair {
  /** The cross-validation fold the pair belongs to (any labels; folds are told apart by value). */
  fold: number;
  /** Whether both photos show the same person. */
  same: boolean;
  /** Distance between the two faces; null when a face was missing in either photo. */
  distance: number | null;
}

export interface FoldResult {
  fold: number;
  /** Chosen on the other folds: the one with the best accuracy there. Null means "accept every pair". */
  threshold: number | null;
  /** Accuracy on this fold at that threshold. */
  accuracy: number;
}

export interface CrossValidation {
  /** Mean of the held-out fold accuracies; null with fewer than two folds. */
  accuracy: number | null;
  folds: FoldResult[];
}

export interface RateAtThreshold {
  /** The rate asked for (TAR at a FAR limit) or found (EER). */
  rate: number;
  /** The threshold there; null for "no limit", or when no threshold meets the FAR limit. */
  threshold: number | null;
}

function isAccepted(pair: VerificationPair, threshold: number): boolean {
  return pair.distance !== null && pair.distance < threshold;
}

function isCorrect(pair: VerificationPair, threshold: number): boolean {
  if (pair.distance === null) return false;
  return isAccepted(pair, threshold) === pair.same;
}

/** Fraction of `pairs` answered correctly at `threshold`. */
export function accuracyAt(pairs: readonly VerificationPair[], threshold: number): number {
  if (pairs.length === 0) return 0;
  let correct = 0;
  for (const p of pairs) if (isCorrect(p, threshold)) correct++;
  return correct / pairs.length;
}

function distinctDistances(pairs: readonly VerificationPair[]): number[] {
  const ds = pairs.flatMap((p) => (p.distance === null ? [] : [p.distance]));
  return [...new Set(ds)].sort((a, b) => a - b);
}

/**
 * The threshold with the best accuracy on `pairs`. Candidates: the smallest distance (accepts
 * nothing), each midpoint between consecutive distances, and Infinity (accepts everything); among
 * equally good ones the smallest wins, so the choice is deterministic and errs towards rejecting.
 */
export function bestThreshold(pairs: readonly VerificationPair[]): number {
  const ds = distinctDistances(pairs);
  const candidates = [ds[0] ?? 0];
  for (let i = 0; i + 1 < ds.length; i++) candidates.push(((ds[i] ?? 0) + (ds[i + 1] ?? 0)) / 2);
  candidates.push(Infinity);
  let best = candidates[0] ?? 0;
  let bestAccuracy = -1;
  for (const t of candidates) {
    const accuracy = accuracyAt(pairs, t);
    if (accuracy > bestAccuracy) {
      best = t;
      bestAccuracy = accuracy;
    }
  }
  return best;
}

/** For each fold: the threshold chosen on the other folds, scored on this one. */
export function crossValidatedAccuracy(pairs: readonly VerificationPair[]): CrossValidation {
  const folds = [...new Set(pairs.map((p) => p.fold))].sort((a, b) => a - b);
  if (folds.length < 2) return { accuracy: null, folds: [] };
  const results = folds.map((fold) => {
    const threshold = bestThreshold(pairs.filter((p) => p.fold !== fold));
    const accuracy = accuracyAt(
      pairs.filter((p) => p.fold === fold),
      threshold,
    );
    return { fold, threshold: Number.isFinite(threshold) ? threshold : null, accuracy };
  });
  return { accuracy: results.reduce((sum, r) => sum + r.accuracy, 0) / results.length, folds: results };
}

/**
 * The true accept rate (same-person pairs accepted, over all of them) at the largest threshold whose
 * false accept rate (different-person pairs accepted, over all of them) is at most `far`. Accepted
 * counts only grow with the threshold, so that threshold is the (m+1)-th smallest different-person
 * distance, m = ⌊far · negatives⌋ less the faceless negatives (which count as accepted throughout).
 * When the faceless negatives alone exceed the limit, no threshold meets it: the rate is 0.
 */
export function tarAtFar(pairs: readonly VerificationPair[], far: number): RateAtThreshold {
  const negatives = pairs.filter((p) => !p.same);
  const positives = pairs.filter((p) => p.same);
  const faceless = negatives.filter((p) => p.distance === null).length;
  // The tolerance makes a product that should be whole count as whole (0.29 · 100 is 28.999999999999996).
  const allowed = Math.floor(far * negatives.length + 1e-9) - faceless;
  if (allowed < 0 || positives.length === 0) return { rate: 0, threshold: null };
  const negativeDistances = negatives.flatMap((p) => (p.distance === null ? [] : [p.distance]));
  negativeDistances.sort((a, b) => a - b);
  const threshold = negativeDistances[allowed] ?? Infinity;
  const accepted = positives.filter((p) => isAccepted(p, threshold)).length;
  return { rate: accepted / positives.length, threshold: Number.isFinite(threshold) ? threshold : null };
}

/**
 * The equal error rate: where the false accept rate meets the false reject rate. The two rates are
 * step functions of the threshold; between the last threshold where rejects exceed accepts and the
 * first where they no longer do, the rates are joined by a straight line and the EER is where it
 * crosses (the usual convention, exact when the two rates are equal at a threshold).
 */
export function equalErrorRate(pairs: readonly VerificationPair[]): RateAtThreshold {
  const negatives = pairs.filter((p) => !p.same);
  const positives = pairs.filter((p) => p.same);
  if (negatives.length === 0 || positives.length === 0) return { rate: 0, threshold: null };
  const rates = (t: number) => ({
    far: negatives.filter((p) => p.distance === null || isAccepted(p, t)).length / negatives.length,
    frr: positives.filter((p) => !isAccepted(p, t)).length / positives.length,
  });
  const thresholds = [...distinctDistances(pairs), Infinity];
  let previous = rates(thresholds[0] ?? Infinity);
  for (const [i, t] of thresholds.entries()) {
    const current = rates(t);
    if (current.far >= current.frr) {
      const threshold = Number.isFinite(t) ? t : null;
      if (i === 0) return { rate: (current.far + current.frr) / 2, threshold };
      const before = previous.frr - previous.far;
      const after = current.frr - current.far;
      const along = before / (before - after);
      return { rate: previous.far + along * (current.far - previous.far), threshold };
    }
    previous = current;
  }
  // Unreachable: at Infinity every found face is accepted, so the false accept rate is 1.
  return { rate: (previous.far + previous.frr) / 2, threshold: null };
}
