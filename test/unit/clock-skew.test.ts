import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLOCK_SKEW_TOLERANCE_MS,
  clockSkewSample,
  estimateClockSkew,
  eventTime,
  isClockSkewed,
} from '../../src/core/index.js';

const MINUTE = 60_000;
const now = Date.parse('2026-11-30T09:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

describe('clock skew from heartbeats', () => {
  it('measures node minus web, positive when the node is ahead', () => {
    assert.equal(clockSkewSample(now + 10 * MINUTE, now), 10 * MINUTE);
    assert.equal(clockSkewSample(now - 5 * MINUTE, now), -5 * MINUTE);
  });

  it('takes the least delayed sample: transit only ever makes a node look behind', () => {
    // True skew +600 000 ms; each STATUS spent 3 to 900 ms in transit and queues.
    const samples = [3, 120, 900, 45].map((delay) => clockSkewSample(now + 600_000, now + delay));
    assert.equal(estimateClockSkew(samples), 600_000 - 3);
    assert.equal(estimateClockSkew([]), undefined);
    assert.equal(estimateClockSkew([Number.NaN, -20]), -20);
  });

  it('flags a clock off by more than the tolerance, either way', () => {
    assert.equal(isClockSkewed(undefined), false);
    assert.equal(isClockSkewed(null), false);
    assert.equal(isClockSkewed(CLOCK_SKEW_TOLERANCE_MS), false);
    assert.equal(isClockSkewed(CLOCK_SKEW_TOLERANCE_MS + 1), true);
    assert.equal(isClockSkewed(-CLOCK_SKEW_TOLERANCE_MS - 1), true);
  });
});

describe('eventTime: when an event counts', () => {
  it("keeps the node's time when its clock is within the tolerance", () => {
    const at = iso(now - 1500);
    assert.deepEqual(eventTime(at, { atMs: now, clockSkewMs: 20_000 }), { at, nodeAt: null });
    assert.deepEqual(eventTime(at, { atMs: now, clockSkewMs: undefined }), { at, nodeAt: null });
  });

  it('corrects a skewed clock by the measured skew, keeping what the node said', () => {
    // The node is 10 minutes ahead and saw the person 2 s before the web node got the event.
    const nodeAt = iso(now + 10 * MINUTE - 2000);
    assert.deepEqual(eventTime(nodeAt, { atMs: now, clockSkewMs: 10 * MINUTE }), {
      at: iso(now - 2000),
      nodeAt,
    });
    // 5 minutes behind.
    const behind = iso(now - 5 * MINUTE - 2000);
    assert.equal(eventTime(behind, { atMs: now, clockSkewMs: -5 * MINUTE }).at, iso(now - 2000));
  });

  it('keeps the true time of an event delivered hours late: the correction is the skew, not the age', () => {
    // Seen at 06:00 (true time) by a node 10 minutes ahead; delivered at 09:00 after a partition.
    const seenAt = now - 3 * 60 * MINUTE;
    const late = eventTime(iso(seenAt + 10 * MINUTE), { atMs: now, clockSkewMs: 10 * MINUTE });
    assert.equal(late.at, iso(seenAt));
    // A sound clock's late event is untouched.
    assert.deepEqual(eventTime(iso(seenAt), { atMs: now, clockSkewMs: 40 }), {
      at: iso(seenAt),
      nodeAt: null,
    });
  });

  it('never counts an event after it arrived: a future time becomes the receive time', () => {
    // A node that never reported its clock, 2 hours ahead.
    const future = iso(now + 2 * 60 * MINUTE);
    assert.deepEqual(eventTime(future, { atMs: now, clockSkewMs: undefined }), {
      at: iso(now),
      nodeAt: future,
    });
    // A clock that jumped ahead after it was measured.
    const jumped = iso(now + 30 * MINUTE);
    assert.equal(eventTime(jumped, { atMs: now, clockSkewMs: 10 * MINUTE }).at, iso(now));
    // Within the tolerance ahead is allowed (a sound clock a little fast).
    const slightlyAhead = iso(now + 10_000);
    assert.equal(eventTime(slightlyAhead, { atMs: now, clockSkewMs: undefined }).at, slightlyAhead);
  });

  it('leaves a time it cannot read to the store to refuse', () => {
    assert.deepEqual(eventTime('not a time', { atMs: now, clockSkewMs: MINUTE }), {
      at: 'not a time',
      nodeAt: null,
    });
  });
});
