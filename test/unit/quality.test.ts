import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ENROLLMENT_GATES,
  frontality,
  laplacianVariance,
  qualityProblems,
  RECOGNITION_GATES,
  type FaceQuality,
} from '../../src/core/index.js';

/** 68 landmarks with the jaw ends at x=0 and x=100 and the nose tip at `noseX`. */
function landmarksWithNoseAt(noseX: number): Float32Array {
  const points = new Float32Array(136).fill(50);
  points[0] = 0;
  points[32] = 100;
  points[60] = noseX;
  return points;
}

describe('laplacianVariance', () => {
  it('is zero on a flat image', () => {
    assert.equal(laplacianVariance(new Uint8Array(100).fill(7), 10, 10), 0);
  });

  it('is larger for a sharp checkerboard than for a smooth ramp', () => {
    const size = 16;
    const checker = Array.from({ length: size * size }, (_, i) =>
      ((i % size) + Math.floor(i / size)) % 2 ? 255 : 0,
    );
    const ramp = Array.from({ length: size * size }, (_, i) => (i % size) * 16);
    assert.ok(laplacianVariance(checker, size, size) > 100 * laplacianVariance(ramp, size, size) + 1);
  });

  it('returns 0 for images too small to have an interior', () => {
    assert.equal(laplacianVariance([1, 2, 3, 4], 2, 2), 0);
  });
});

describe('frontality', () => {
  it('is 1 when the nose is midway between the jaw ends', () => {
    assert.equal(frontality(landmarksWithNoseAt(50)), 1);
  });

  it('falls as the nose moves towards one side, symmetrically', () => {
    const quarter = frontality(landmarksWithNoseAt(25));
    assert.ok(Math.abs(quarter - 0.5) < 1e-6);
    assert.ok(Math.abs(frontality(landmarksWithNoseAt(75)) - quarter) < 1e-6);
  });

  it('is 0 for a profile or a degenerate jaw line', () => {
    assert.equal(frontality(landmarksWithNoseAt(-10)), 0);
    const flat = landmarksWithNoseAt(50);
    flat[32] = 0;
    assert.equal(frontality(flat), 0);
  });
});

describe('qualityProblems', () => {
  const good: FaceQuality = { sizePx: 120, score: 0.99, sharpness: 300, frontality: 0.9 };

  it('passes a good face through both gate sets', () => {
    assert.deepEqual(qualityProblems(good, ENROLLMENT_GATES), []);
    assert.deepEqual(qualityProblems(good, RECOGNITION_GATES), []);
  });

  it('names every problem of a poor face, with the measured size in the message', () => {
    const poor: FaceQuality = { sizePx: 20, score: 0.2, sharpness: 1, frontality: 0.05 };
    const problems = qualityProblems(poor, ENROLLMENT_GATES);
    assert.deepEqual(
      problems.map((p) => p.code),
      ['too_small', 'low_confidence', 'blurred', 'turned_away'],
    );
    assert.match(problems[0]?.message ?? '', /20 px/);
  });

  it('is stricter for enrollment than for recognition', () => {
    const middling: FaceQuality = { sizePx: 40, score: 0.4, sharpness: 10, frontality: 0.1 };
    assert.equal(qualityProblems(middling, RECOGNITION_GATES).length, 0);
    assert.ok(qualityProblems(middling, ENROLLMENT_GATES).length >= 3);
  });
});
