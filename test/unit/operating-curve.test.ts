import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  operatingCurve,
  operatingPoint,
  rank1AtStrangerRate,
  thresholdGrid,
  type SweepProbe,
} from '../../src/core/index.js';

function probe(identity: string, enrolled: boolean, personId: string | null, distance = 0): SweepProbe {
  return { identity, enrolled, nearest: personId === null ? null : { personId, distance } };
}

// Four enrolled probes (one never nameable), four strangers at 0.3, 0.5, 0.7, 0.9.
const PROBES: SweepProbe[] = [
  probe('ann', true, 'ann', 0.2),
  probe('bob', true, 'bob', 0.4),
  probe('cat', true, 'ann', 0.6),
  probe('dan', true, null),
  probe('s1', false, 'ann', 0.3),
  probe('s2', false, 'bob', 0.5),
  probe('s3', false, 'bob', 0.7),
  probe('s4', false, 'cat', 0.9),
];

describe('operatingPoint', () => {
  it('names a face only strictly below the threshold', () => {
    assert.deepEqual(operatingPoint(PROBES, 0.4), {
      threshold: 0.4,
      rank1Accuracy: 1 / 4,
      strangersNamedRate: 1 / 4,
      wrongNamesOfEnrolled: 0,
    });
    assert.deepEqual(operatingPoint(PROBES, 0.65), {
      threshold: 0.65,
      rank1Accuracy: 2 / 4,
      strangersNamedRate: 2 / 4,
      wrongNamesOfEnrolled: 1 / 4,
    });
  });

  it('never names a probe without a nameable face, and reports null rates with nothing to divide by', () => {
    const point = operatingPoint([probe('dan', true, null)], Infinity);
    assert.equal(point.rank1Accuracy, 0);
    assert.equal(point.strangersNamedRate, null);
  });
});

describe('operatingCurve and thresholdGrid', () => {
  it('grids from 0 to one step past the largest distance, with clean numbers', () => {
    const grid = thresholdGrid(PROBES, 0.1);
    assert.deepEqual(grid, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  });

  it('rises monotonically to everyone named', () => {
    const curve = operatingCurve(PROBES, thresholdGrid(PROBES, 0.05));
    for (let i = 1; i < curve.length; i++) {
      assert.ok((curve[i]?.rank1Accuracy ?? 0) >= (curve[i - 1]?.rank1Accuracy ?? 0));
      assert.ok((curve[i]?.strangersNamedRate ?? 0) >= (curve[i - 1]?.strangersNamedRate ?? 0));
    }
    assert.deepEqual(curve.at(-1)?.strangersNamedRate, 1);
    assert.deepEqual(curve.at(-1)?.rank1Accuracy, 2 / 4);
    assert.equal(curve[0]?.rank1Accuracy, 0);
  });
});

describe('rank1AtStrangerRate', () => {
  it('takes the largest threshold that names no more strangers than allowed', () => {
    // 25% of 4 strangers: one may be named, so the threshold is the second stranger distance.
    assert.deepEqual(rank1AtStrangerRate(PROBES, 0.25), {
      strangersNamedRate: 0.25,
      rank1Accuracy: 2 / 4,
      threshold: 0.5,
      achievedStrangersNamedRate: 0.25,
    });
    // Under 25%: no stranger may be named; the threshold is the nearest stranger's distance.
    assert.deepEqual(rank1AtStrangerRate(PROBES, 0.1), {
      strangersNamedRate: 0.1,
      rank1Accuracy: 1 / 4,
      threshold: 0.3,
      achievedStrangersNamedRate: 0,
    });
  });

  it('has no limit when every stranger may be named', () => {
    const point = rank1AtStrangerRate(PROBES, 1);
    assert.equal(point.threshold, null);
    assert.equal(point.rank1Accuracy, 2 / 4);
  });

  it('counts a rate whose product should be whole as whole', () => {
    const many: SweepProbe[] = Array.from({ length: 100 }, (_, i) => probe(`s${i}`, false, 'ann', i / 100));
    // 0.29 · 100 is 28.999999999999996 in floating point; 29 strangers may be named.
    assert.equal(rank1AtStrangerRate(many, 0.29).achievedStrangersNamedRate, 0.29);
  });

  it('is not fooled by ties: strangers at one distance are named together or not at all', () => {
    const tied = [
      probe('ann', true, 'ann', 0.1),
      probe('s1', false, 'ann', 0.5),
      probe('s2', false, 'ann', 0.5),
    ];
    const point = rank1AtStrangerRate(tied, 0.5);
    assert.equal(point.threshold, 0.5);
    assert.equal(point.achievedStrangersNamedRate, 0);
    assert.equal(point.rank1Accuracy, 1);
  });
});
