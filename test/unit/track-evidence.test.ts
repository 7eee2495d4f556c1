import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorCode,
  euclideanDistance,
  FULL_DETAIL_SIZE_PX,
  isRollcallError,
  MIN_QUALITY_WEIGHT,
  PROFILE_WEIGHT,
  qualityWeight,
  TrackEvidence,
  type FaceQuality,
} from '../../src/core/index.js';

const invalidDescriptor = (error: unknown): boolean => isRollcallError(error, ErrorCode.DescriptorInvalid);
function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} is not ${expected}`);
}

function vector(...values: number[]): Float32Array {
  return Float32Array.from(values);
}

function length(d: Float32Array): number {
  return Math.hypot(...d);
}

const IDEAL: FaceQuality = { sizePx: 200, score: 1, sharpness: 1e9, frontality: 1 };

describe('qualityWeight', () => {
  it('is close to 1 for a large, sharp, frontal, confident face', () => {
    close(qualityWeight(IDEAL), 1, 'ideal face');
  });

  it('falls with each measure on its own', () => {
    const ideal = qualityWeight(IDEAL);
    const smaller = qualityWeight({ ...IDEAL, sizePx: FULL_DETAIL_SIZE_PX / 2 });
    const blurred = qualityWeight({ ...IDEAL, sharpness: 50 });
    const turned = qualityWeight({ ...IDEAL, frontality: 0 });
    const unsure = qualityWeight({ ...IDEAL, score: 0.4 });
    close(smaller, ideal / 2, 'half the full-detail size');
    close(blurred, ideal / 2, 'sharpness at the half point');
    close(turned, ideal * PROFILE_WEIGHT, 'a profile');
    close(unsure, ideal * 0.4, 'detector 40% sure');
  });

  it('never reaches zero or goes wrong on odd measures, so every usable frame still counts a little', () => {
    const worst = qualityWeight({ sizePx: 0, score: 0, sharpness: 0, frontality: 0 });
    assert.equal(worst, MIN_QUALITY_WEIGHT);
    const odd = qualityWeight({ sizePx: Number.NaN, score: 2, sharpness: -5, frontality: 7 });
    assert.equal(odd, MIN_QUALITY_WEIGHT);
    assert.ok(qualityWeight({ ...IDEAL, sizePx: 10_000 }) <= 1);
  });
});

describe('TrackEvidence', () => {
  it('has no descriptor before the first frame and after clear()', () => {
    const evidence = new TrackEvidence();
    assert.equal(evidence.descriptor(), undefined);
    evidence.add(vector(1, 0, 0), 1);
    assert.equal(evidence.frames, 1);
    evidence.clear();
    assert.equal(evidence.descriptor(), undefined);
    assert.equal(evidence.frames, 0);
    assert.equal(evidence.totalWeight, 0);
  });

  it('gives back a single frame unchanged, whatever its length', () => {
    const evidence = new TrackEvidence();
    const d = vector(0.3, -0.4, 1.2);
    evidence.add(d, 0.25);
    const pooled = evidence.descriptor();
    assert.ok(pooled);
    close(euclideanDistance(pooled, d), 0, 'distance to the only frame');
  });

  it('is the normalised weighted mean for unit descriptors', () => {
    const evidence = new TrackEvidence();
    evidence.add(vector(1, 0), 3);
    evidence.add(vector(0, 1), 1);
    const pooled = evidence.descriptor();
    assert.ok(pooled);
    close(pooled[0] ?? 0, 3 / Math.sqrt(10), 'x');
    close(pooled[1] ?? 0, 1 / Math.sqrt(10), 'y');
    close(length(pooled), 1, 'length');
    assert.equal(evidence.totalWeight, 4);
    assert.equal(evidence.frames, 2);
  });

  it('keeps the weighted mean length instead of shrinking towards the origin as frames disagree', () => {
    const evidence = new TrackEvidence();
    evidence.add(vector(2, 0), 1);
    evidence.add(vector(0, 1), 1);
    const pooled = evidence.descriptor();
    assert.ok(pooled);
    close(length(pooled), 1.5, 'mean of the lengths 2 and 1');
    close(pooled[0] ?? 0, pooled[1] ?? 0, 'directions weigh equally, not by length');
  });

  it('moves towards the better frames: a good frame outweighs several poor ones', () => {
    const evidence = new TrackEvidence();
    const good = vector(1, 0);
    const poor = vector(0, 1);
    evidence.add(good, qualityWeight(IDEAL));
    for (let i = 0; i < 3; i++) evidence.add(poor, qualityWeight({ ...IDEAL, sizePx: 40, sharpness: 20 }));
    const pooled = evidence.descriptor();
    assert.ok(pooled);
    assert.ok(euclideanDistance(pooled, good) < euclideanDistance(pooled, poor));
  });

  it('has no direction when the frames cancel out exactly', () => {
    const evidence = new TrackEvidence();
    evidence.add(vector(1, 0), 1);
    evidence.add(vector(-1, 0), 1);
    assert.equal(evidence.descriptor(), undefined);
  });

  it('refuses bad weights, zero or non-finite descriptors, and a change of length', () => {
    const evidence = new TrackEvidence();
    assert.throws(() => {
      evidence.add(vector(1, 0), 0);
    }, invalidDescriptor);
    assert.throws(() => {
      evidence.add(vector(1, 0), Number.NaN);
    }, invalidDescriptor);
    assert.throws(() => {
      evidence.add(vector(0, 0), 1);
    }, invalidDescriptor);
    assert.throws(() => {
      evidence.add(vector(Number.POSITIVE_INFINITY, 0), 1);
    }, invalidDescriptor);
    evidence.add(vector(1, 0), 1);
    assert.throws(() => {
      evidence.add(vector(1, 0, 0), 1);
    }, invalidDescriptor);
    assert.equal(evidence.frames, 1, 'a refused frame adds nothing');
  });
});
