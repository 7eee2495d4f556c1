import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracyAt,
  bestThreshold,
  crossValidatedAccuracy,
  equalErrorRate,
  tarAtFar,
  type VerificationPair,
} from '../../src/core/index.js';

function pairs(fold: number, same: (number | null)[], different: (number | null)[]): VerificationPair[] {
  return [
    ...same.map((distance) => ({ fold, same: true, distance })),
    ...different.map((distance) => ({ fold, same: false, distance })),
  ];
}

describe('accuracyAt and bestThreshold', () => {
  it('accepts a pair strictly below the threshold and counts a faceless pair wrong either way', () => {
    const set = pairs(1, [0.2, null], [0.6, null]);
    assert.equal(accuracyAt(set, 0.5), 2 / 4);
    assert.equal(accuracyAt(set, 0.2), 1 / 4, 'at 0.2 the same pair at 0.2 is rejected');
    assert.equal(accuracyAt(set, Infinity), 1 / 4);
  });

  it('picks the midpoint of the gap that separates best, the smallest of equals', () => {
    assert.equal(bestThreshold(pairs(1, [0.2, 0.3], [0.7, 0.8])), 0.5);
    // Accepting only 0.25 (at 0.425) and accepting everything both score 2/3; the smaller wins.
    assert.equal(bestThreshold(pairs(1, [0.25, 0.9], [0.6])), 0.425);
  });
});

describe('crossValidatedAccuracy', () => {
  it('chooses each fold threshold on the other folds and averages the held-out accuracies', () => {
    const set = [...pairs(1, [0.2, 0.3], [0.7, 0.8]), ...pairs(2, [0.25, 0.9], [0.6, 0.65])];
    const result = crossValidatedAccuracy(set);
    // Fold 1 is scored at 0.425 (best on fold 2): all right. Fold 2 at 0.5 (best on fold 1): 0.9 missed.
    assert.deepEqual(result.folds, [
      { fold: 1, threshold: 0.425, accuracy: 1 },
      { fold: 2, threshold: 0.5, accuracy: 3 / 4 },
    ]);
    assert.equal(result.accuracy, 7 / 8);
  });

  it('needs two folds', () => {
    assert.equal(crossValidatedAccuracy(pairs(1, [0.2], [0.7])).accuracy, null);
  });
});

describe('tarAtFar', () => {
  const set = pairs(1, [0.1, 0.2, 0.45, 0.6], [0.3, 0.5, 0.7, 0.9]);

  it('is the true accept rate at the largest threshold within the false accept limit', () => {
    // No false accept allowed: threshold at the nearest different pair (0.3).
    assert.deepEqual(tarAtFar(set, 0.1), { rate: 2 / 4, threshold: 0.3 });
    // One of four may be accepted: up to 0.5.
    assert.deepEqual(tarAtFar(set, 0.25), { rate: 3 / 4, threshold: 0.5 });
    assert.deepEqual(tarAtFar(set, 1), { rate: 1, threshold: null });
  });

  it('counts a faceless different pair as accepted, and a faceless same pair as rejected', () => {
    assert.deepEqual(tarAtFar(pairs(1, [0.1, null], [null, 0.5]), 0.5), { rate: 1 / 2, threshold: 0.5 });
    assert.deepEqual(tarAtFar(pairs(1, [0.1], [null, 0.5]), 0.1), { rate: 0, threshold: null });
  });
});

describe('equalErrorRate', () => {
  it('is exact where the two rates meet at a threshold', () => {
    // At 0.6: one different pair (0.5) accepted, one same pair (0.6) rejected: 1/4 each.
    assert.deepEqual(equalErrorRate(pairs(1, [0.1, 0.2, 0.3, 0.6], [0.5, 0.7, 0.8, 0.9])), {
      rate: 0.25,
      threshold: 0.6,
    });
  });

  it('interpolates between the thresholds around the crossing', () => {
    // False rejects stay 1/3 while false accepts jump from 0 to 1 at 0.4: they meet at 1/3.
    const result = equalErrorRate(pairs(1, [0.1, 0.2, 0.4], [0.3]));
    assert.ok(Math.abs(result.rate - 1 / 3) < 1e-12, String(result.rate));
  });

  it('is 0 for perfectly separated pairs', () => {
    assert.equal(equalErrorRate(pairs(1, [0.1, 0.2], [0.5, 0.6])).rate, 0);
  });
});
