import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FaceTracker,
  iou,
  type Box,
  type FaceVerdict,
  type Observation,
  type TrackEvent,
} from '../../src/core/index.js';

const A: Box = { x: 100, y: 100, width: 80, height: 80 };
const B: Box = { x: 400, y: 100, width: 80, height: 80 };
const match = (personId: string, distance = 0.4): FaceVerdict => ({ kind: 'match', personId, distance });
const unknown: FaceVerdict = { kind: 'unknown', distance: 0.8 };
const moved = (box: Box, dx: number): Box => ({ ...box, x: box.x + dx });

function seen(box: Box, verdict?: FaceVerdict): Observation {
  return verdict ? { box, score: 0.9, verdict } : { box, score: 0.9 };
}

/** Runs frames 100 ms apart and collects every event. */
function play(tracker: FaceTracker, frames: Observation[][], start = 0): TrackEvent[] {
  return frames.flatMap((observations, i) => tracker.update(observations, start + i * 100).events);
}

describe('iou', () => {
  it('is 1 for the same box, 0 for disjoint boxes, and symmetric', () => {
    assert.equal(iou(A, A), 1);
    assert.equal(iou(A, B), 0);
    const half = moved(A, 40);
    assert.ok(Math.abs(iou(A, half) - 1 / 3) < 1e-9);
    assert.equal(iou(A, half), iou(half, A));
  });
});

describe('FaceTracker', () => {
  it('names a track only after consensusFrames agreeing matches, once', () => {
    const tracker = new FaceTracker({ consensusFrames: 3 });
    const events = play(tracker, [
      [seen(A, match('ann'))],
      [seen(moved(A, 5), match('ann'))],
      [seen(moved(A, 10), match('ann'))],
      [seen(moved(A, 15), match('ann'))],
    ]);
    const recognized = events.filter((e) => e.type === 'recognized');
    assert.equal(recognized.length, 1);
    assert.equal(recognized[0]?.type === 'recognized' && recognized[0].personId, 'ann');
    assert.equal(recognized[0]?.type === 'recognized' && recognized[0].votes, 3);
  });

  it('does not name a track whose frames disagree', () => {
    const tracker = new FaceTracker({ consensusFrames: 3 });
    const events = play(tracker, [
      [seen(A, match('ann'))],
      [seen(A, match('bob'))],
      [seen(A, match('ann'))],
      [seen(A, { kind: 'uncertain', personId: 'ann', distance: 0.57 })],
      [seen(A, match('ann'))],
    ]);
    assert.deepEqual(events, []);
  });

  it('ignores unusable frames instead of counting them either way', () => {
    const tracker = new FaceTracker({ consensusFrames: 2 });
    const events = play(tracker, [
      [seen(A, match('ann'))],
      [seen(A, { kind: 'unusable' })],
      [seen(A, match('ann'))],
    ]);
    assert.deepEqual(
      events.map((e) => e.type),
      ['recognized'],
    );
  });

  it('turns a persistent stranger into one unknown event', () => {
    const tracker = new FaceTracker({ unknownFrames: 4 });
    const events = play(
      tracker,
      Array.from({ length: 8 }, () => [seen(A, unknown)]),
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ['unknown'],
    );
  });

  it('reconsiders an unknown face that starts to match someone, describing it every frame again', () => {
    const tracker = new FaceTracker({ unknownFrames: 2, consensusFrames: 2, recheckMs: 1000 });
    play(tracker, [[seen(A, unknown)], [seen(A, unknown)]]);
    assert.equal(tracker.settledBoxes(200).length, 1, 'settled as unknown');
    tracker.update([seen(A, match('ann'))], 1200);
    assert.equal(tracker.settledBoxes(1300).length, 0, 'pending again: described on every frame');
    const events = tracker.update([seen(A, match('ann'))], 1300).events;
    assert.deepEqual(
      events.map((e) => (e.type === 'recognized' ? e.personId : e.type)),
      ['ann'],
    );
  });

  it('keeps two people apart and follows each by overlap', () => {
    const tracker = new FaceTracker({ consensusFrames: 2 });
    const events = play(tracker, [
      [seen(A, match('ann')), seen(B, match('bob'))],
      [seen(moved(B, 8), match('bob')), seen(moved(A, -8), match('ann'))],
    ]);
    const names = events.flatMap((e) => (e.type === 'recognized' ? [e.personId] : [])).sort();
    assert.deepEqual(names, ['ann', 'bob']);
    assert.equal(tracker.trackCount, 2);
  });

  it('stops asking for descriptors of a settled track until its re-check is due', () => {
    const tracker = new FaceTracker({ consensusFrames: 1, recheckMs: 1000 });
    tracker.update([seen(A, match('ann'))], 0);
    assert.equal(tracker.settledBoxes(500).length, 1);
    tracker.update([seen(moved(A, 3))], 500);
    assert.equal(tracker.settledBoxes(999).length, 1);
    assert.equal(tracker.settledBoxes(1000).length, 0, 're-check due');
  });

  it('re-reports a named person still in view every sightingIntervalMs', () => {
    const tracker = new FaceTracker({ consensusFrames: 1, sightingIntervalMs: 1000, recheckMs: 10_000 });
    const types: string[] = [];
    for (let t = 0; t <= 3000; t += 100) {
      types.push(
        ...tracker.update([seen(A, t === 0 ? match('ann') : undefined)], t).events.map((e) => e.type),
      );
    }
    assert.deepEqual(types, ['recognized', 'sighting', 'sighting', 'sighting']);
  });

  it('drops a track unseen for maxUnseenMs and reports it lost', () => {
    const tracker = new FaceTracker({ maxUnseenMs: 300 });
    tracker.update([seen(A)], 0);
    assert.deepEqual(tracker.update([], 200).events, []);
    const events = tracker.update([], 400).events;
    assert.deepEqual(
      events.map((e) => e.type),
      ['lost'],
    );
    assert.equal(tracker.trackCount, 0);
  });

  it('withdraws a name when re-checks keep disagreeing, then can name again', () => {
    const tracker = new FaceTracker({ consensusFrames: 2 });
    const events = play(tracker, [
      [seen(A, match('ann'))],
      [seen(A, match('ann'))],
      [seen(A, unknown)],
      [seen(A, unknown)],
      [seen(A, match('bob'))],
      [seen(A, match('bob'))],
    ]);
    assert.deepEqual(
      events.flatMap((e) => (e.type === 'recognized' ? [e.personId] : [])),
      ['ann', 'bob'],
    );
  });

  it('validates its options', () => {
    assert.throws(() => new FaceTracker({ consensusFrames: 0 }), /consensusFrames/);
    assert.throws(() => new FaceTracker({ iouThreshold: 0 }), /iouThreshold/);
  });
});
