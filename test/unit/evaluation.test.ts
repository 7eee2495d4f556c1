import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeProbes, type ProbeOutcome } from '../../src/core/index.js';

function outcome(identity: string, named: string | null, enrolled = true, faceFound = true): ProbeOutcome {
  return {
    file: `${identity}.jpg`,
    identity,
    enrolled,
    faceFound,
    named,
    distance: named ? 0.4 : null,
    decision: !faceFound ? 'no_face' : named ? 'match' : 'unknown',
  };
}

describe('summarizeProbes', () => {
  it('reports null rates when there is nothing to divide by', () => {
    const summary = summarizeProbes([]);
    assert.equal(summary.rank1Accuracy, null);
    assert.equal(summary.falseAcceptRate, null);
    assert.equal(summary.unknownRejectRate, null);
  });

  it('counts correct names, wrong names, misses, faceless photos and strangers', () => {
    const summary = summarizeProbes([
      outcome('ann', 'ann'),
      outcome('ann', 'bob'),
      outcome('bob', null),
      outcome('bob', null, true, false),
      outcome('stranger-1', null, false),
      outcome('stranger-2', 'ann', false),
    ]);
    assert.equal(summary.probes, 6);
    assert.equal(summary.enrolledProbes, 4);
    assert.equal(summary.rank1Accuracy, 1 / 4);
    assert.equal(summary.wrongNames, 2);
    assert.equal(summary.falseAcceptRate, 2 / 6);
    assert.equal(summary.unknownRejectRate, 1 / 2);
    assert.equal(summary.missed, 2);
    assert.equal(summary.facelessProbes, 1);
  });
});
