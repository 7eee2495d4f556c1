import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RECOGNITION_GATES, thresholdPolicy, type FaceQuality } from '../../src/core/index.js';

const GOOD: FaceQuality = { sizePx: 120, score: 0.9, sharpness: 50, frontality: 0.9 };
const TINY: FaceQuality = { ...GOOD, sizePx: 10 };
const NEAREST = [
  { personId: 'ann', distance: 0.3 },
  { personId: 'bob', distance: 0.5 },
];

describe('thresholdPolicy', () => {
  it('decides as decide() does for a good face', () => {
    const policy = thresholdPolicy({ match: 0.4, unknown: 0.6 }, RECOGNITION_GATES);
    assert.deepEqual(policy(NEAREST, { quality: GOOD }), {
      kind: 'match',
      personId: 'ann',
      distance: 0.3,
      runnerUp: { personId: 'bob', distance: 0.5 },
    });
    assert.equal(policy([{ personId: 'ann', distance: 0.5 }], { quality: GOOD }).kind, 'uncertain');
  });

  it('never names a face below the gates, unless there are none', () => {
    const thresholds = { match: 0.4, unknown: 0.6 };
    assert.deepEqual(thresholdPolicy(thresholds, RECOGNITION_GATES)(NEAREST, { quality: TINY }), {
      kind: 'unknown',
      distance: 0.3,
    });
    assert.equal(thresholdPolicy(thresholds, null)(NEAREST, { quality: TINY }).kind, 'match');
  });

  it('refuses bad thresholds when made, not at the first face', () => {
    assert.throws(() => thresholdPolicy({ match: 0.6, unknown: 0.4 }, null), /unknown/);
  });
});
