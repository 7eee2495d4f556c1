import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isPastRetention,
  retentionCutoff,
  staleUnknownFaces,
  type RetainedUnknownFace,
} from '../../src/core/index.js';

const NOW = Date.parse('2026-03-31T12:00:00.000Z');

describe('retention policy', () => {
  it('cuts off whole days of 24 h before now, in UTC', () => {
    assert.equal(retentionCutoff(NOW, { retentionDays: 30 }), '2026-03-01T12:00:00.000Z');
    assert.equal(retentionCutoff(NOW, { retentionDays: 1 }), '2026-03-30T12:00:00.000Z');
    assert.equal(retentionCutoff(NOW, { retentionDays: 3650 }), '2016-04-02T12:00:00.000Z');
  });

  it('refuses a period that could drop everything, naming the option', () => {
    for (const retentionDays of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => retentionCutoff(NOW, { retentionDays }), /^RangeError: retentionDays must be/);
    }
    assert.throws(() => retentionCutoff(Number.NaN, { retentionDays: 30 }), RangeError);
  });

  it('takes what was captured before the cutoff as old, and never what it cannot date', () => {
    const cutoff = '2026-03-01T12:00:00.000Z';
    assert.equal(isPastRetention('2026-03-01T11:59:59.999Z', cutoff), true);
    assert.equal(isPastRetention('2026-03-01T12:00:00.000Z', cutoff), false, 'the cutoff itself is kept');
    assert.equal(isPastRetention('2026-03-31T00:00:00.000Z', cutoff), false);
    // Another offset of the same instant compares by time, not by text.
    assert.equal(isPastRetention('2026-03-01T13:59:59.000+02:00', cutoff), true);
    assert.equal(isPastRetention('not a time', cutoff), false);
    assert.equal(isPastRetention('', cutoff), false);
  });

  it('dismisses only open unknown faces older than the cutoff', () => {
    const cutoff = retentionCutoff(NOW, { retentionDays: 30 });
    const faces: (RetainedUnknownFace & { id: string })[] = [
      { id: 'old-open', at: '2026-01-01T00:00:00.000Z', status: 'open' },
      { id: 'old-assigned', at: '2026-01-01T00:00:00.000Z', status: 'assigned' },
      { id: 'old-dismissed', at: '2026-01-01T00:00:00.000Z', status: 'dismissed' },
      { id: 'recent-open', at: '2026-03-30T00:00:00.000Z', status: 'open' },
    ];
    assert.deepEqual(
      staleUnknownFaces(faces, cutoff).map((face) => face.id),
      ['old-open'],
    );
    assert.deepEqual(staleUnknownFaces([], cutoff), []);
  });
});
