import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decide,
  euclideanDistance,
  FaceTracker,
  iou,
  type Box,
  type FaceJudge,
  type FaceQuality,
  type Observation,
  type TrackerOptions,
  type TrackEvent,
} from '../../src/core/index.js';

const A: Box = { x: 100, y: 100, width: 80, height: 80 };
const B: Box = { x: 400, y: 100, width: 80, height: 80 };
const moved = (box: Box, dx: number): Box => ({ ...box, x: box.x + dx });

/**
 * Descriptors for the fakes: unit vectors in a small space. Each person and the stranger has an
 * axis of their own, so different people are √2 apart; `towards` tilts a face off its axis to
 * model the frame-to-frame noise of a video.
 */
const DIMENSION = 8;
const AXIS = { ann: 0, bob: 1, bea: 2, stranger: 5, side: 7 } as const;
const THRESHOLDS = { match: 0.55, unknown: 0.6 };
const GOOD: FaceQuality = { sizePx: 120, score: 0.99, sharpness: 300, frontality: 0.95 };
const TINY: FaceQuality = { ...GOOD, sizePx: 10 };

/** A unit vector `degrees` away from `axis`, tilted towards `towardsAxis`. */
function tilted(axis: number, degrees: number, towardsAxis: number = AXIS.side): Float32Array {
  const d = new Float32Array(DIMENSION);
  const radians = (degrees * Math.PI) / 180;
  d[axis] = Math.cos(radians);
  d[towardsAxis] = (d[towardsAxis] ?? 0) + Math.sin(radians);
  return d;
}
const face = (axis: number): Float32Array => tilted(axis, 0);
/** Distance between unit vectors `degrees` apart. */
const chord = (degrees: number): number => 2 * Math.sin((degrees * Math.PI) / 360);

/**
 * A strict fake of the pipeline's judge: the real decision over a small gallery it holds, refusing
 * descriptors of another length. Counts its calls, so a test can tell which frames were judged.
 */
class FakeJudge {
  readonly gallery = new Map<string, Float32Array>([
    ['ann', face(AXIS.ann)],
    ['bob', face(AXIS.bob)],
  ]);
  calls = 0;
  readonly judge: FaceJudge = (descriptor) => {
    assert.equal(descriptor.length, DIMENSION, 'the tracker judges descriptors of the model in use');
    this.calls++;
    const nearest = [...this.gallery]
      .map(([personId, enrolled]) => ({ personId, distance: euclideanDistance(descriptor, enrolled) }))
      .sort((a, b) => a.distance - b.distance);
    return decide(nearest, THRESHOLDS);
  };
}

function trackerWith(options: Partial<TrackerOptions> = {}, judge = new FakeJudge()): FaceTracker {
  return new FaceTracker(judge.judge, options);
}

function seen(box: Box, descriptor?: Float32Array, quality: FaceQuality = GOOD): Observation {
  return descriptor ? { box, score: 0.9, description: { descriptor, quality } } : { box, score: 0.9 };
}

/** Runs frames 100 ms apart and collects every event. */
function play(tracker: FaceTracker, frames: Observation[][], start = 0): TrackEvent[] {
  return frames.flatMap((observations, i) => tracker.update(observations, start + i * 100).events);
}

/** The same descriptors, one frame each, all on one track at box A. */
function walkPast(descriptors: Float32Array[]): Observation[][] {
  return descriptors.map((d, i) => [seen(moved(A, i * 4), d)]);
}

function namesIn(events: TrackEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'recognized' ? [e.personId] : []));
}

/** Frame (1-based) on which each track was named. */
function namedOnFrame(tracker: FaceTracker, frames: Observation[][]): number | null {
  for (const [i, observations] of frames.entries()) {
    if (tracker.update(observations, i * 100).events.some((e) => e.type === 'recognized')) return i + 1;
  }
  return null;
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
  it('names a track only after consensusFrames agreeing judgements, once', () => {
    const tracker = trackerWith({ consensusFrames: 3 });
    const events = play(tracker, walkPast([0, 0, 0, 0].map(() => face(AXIS.ann))));
    const recognized = events.filter((e) => e.type === 'recognized');
    assert.equal(recognized.length, 1);
    assert.equal(recognized[0]?.type === 'recognized' && recognized[0].personId, 'ann');
    assert.equal(recognized[0]?.type === 'recognized' && recognized[0].votes, 3);
  });

  it('does not name a look-alike stranger from a few lucky frames that the per-frame rule named', () => {
    // The stranger's face sits 33° from ann's: uncertain (0.568). Noise tilts each frame nearer
    // (29°: a match at 0.50) or farther (41°: unknown at 0.70); three lucky frames in a row come
    // after two poor ones, as when someone walks towards the camera.
    const frames = walkPast([41, 41, 29, 29, 29, 41, 29, 29, 29].map((deg) => tilted(AXIS.ann, deg)));
    assert.equal(chord(29) < THRESHOLDS.match && chord(41) >= THRESHOLDS.unknown, true);

    const perFrame = play(trackerWith({ evidence: 'per-frame' }), frames);
    assert.deepEqual(namesIn(perFrame), ['ann'], 'each frame judged alone names the look-alike');

    const pooled = play(trackerWith(), frames);
    assert.deepEqual(namesIn(pooled), [], 'the pooled evidence never comes within the match threshold');
    const unknowns = pooled.filter((e) => e.type === 'unknown');
    assert.equal(unknowns.length, 1, 'one face for the unknown-face review');
    const [unconfirmed] = unknowns;
    assert.ok(unconfirmed?.type === 'unknown');
    assert.equal(unconfirmed.unconfirmed, true);
    assert.equal(unconfirmed.candidate?.personId, 'ann');
    assert.ok(unconfirmed.candidate.distance >= THRESHOLDS.match);
    assert.equal(unconfirmed.track.personId, null, 'nobody is marked present');
  });

  it('still names an enrolled person within consensusFrames described frames, as fast as per frame', () => {
    // Noisy frames of ann, each a match on its own, tilted in different directions.
    const noisy = walkPast([
      tilted(AXIS.ann, 20, AXIS.side),
      tilted(AXIS.ann, 25, AXIS.stranger),
      tilted(AXIS.ann, 18, AXIS.bea),
      tilted(AXIS.ann, 22, AXIS.side),
    ]);
    assert.equal(namedOnFrame(trackerWith({ consensusFrames: 3 }), noisy), 3);
    assert.equal(namedOnFrame(trackerWith({ consensusFrames: 3, evidence: 'per-frame' }), noisy), 3);

    // A poor first frame (turning towards the camera) costs one frame under either rule.
    const poorStart = walkPast([36, 20, 20, 20, 20].map((deg) => tilted(AXIS.ann, deg)));
    assert.equal(namedOnFrame(trackerWith({ consensusFrames: 3 }), poorStart), 4);
    assert.equal(namedOnFrame(trackerWith({ consensusFrames: 3, evidence: 'per-frame' }), poorStart), 4);
  });

  it('reports a face that stays uncertain as one unconfirmed unknown face with its nearest candidate', () => {
    const tracker = trackerWith({ unknownFrames: 5 });
    const events = play(tracker, walkPast(Array.from({ length: 8 }, () => tilted(AXIS.ann, 33))));
    assert.deepEqual(
      events.map((e) => e.type),
      ['unknown'],
    );
    const [event] = events;
    assert.ok(event?.type === 'unknown');
    assert.equal(event.unconfirmed, true);
    assert.equal(event.candidate?.personId, 'ann');
    assert.ok(Math.abs(event.candidate.distance - chord(33)) < 1e-6);
    assert.equal(event.distance, event.candidate.distance);
    assert.equal(event.track.state, 'unknown');
    assert.equal(tracker.settledBoxes(800).length, 1, 'settled: described again only on re-checks');
  });

  it('reports a face whose pooled judgement flips between two look-alikes as unconfirmed', () => {
    const judge = new FakeJudge();
    // bea is enrolled 25° from ann; the stranger's frames fall on one side or the other in turn.
    judge.gallery.set('bea', tilted(AXIS.ann, 25, AXIS.bea));
    const frames = [5, 22, 5, 22, 5, 22, 5, 22].map((deg) => [seen(A, tilted(AXIS.ann, deg, AXIS.bea))]);
    const events = play(trackerWith({ unknownFrames: 5 }, judge), frames);
    assert.deepEqual(namesIn(events), []);
    const unknowns = events.filter((e) => e.type === 'unknown');
    assert.equal(unknowns.length, 1);
    const [unconfirmed] = unknowns;
    assert.ok(unconfirmed?.type === 'unknown');
    assert.equal(unconfirmed.unconfirmed, true);
    assert.ok(['ann', 'bea'].includes(unconfirmed.candidate?.personId ?? ''));
  });

  it('adds no evidence from faces failing the quality gates, and does not judge them', () => {
    const judge = new FakeJudge();
    const tracker = trackerWith({ consensusFrames: 2 }, judge);
    const events = play(tracker, [
      [seen(A, face(AXIS.ann))],
      [seen(A, face(AXIS.bob), TINY)],
      [seen(A, face(AXIS.ann))],
    ]);
    assert.deepEqual(namesIn(events), ['ann']);
    assert.equal(judge.calls, 2);
  });

  it('turns a persistent stranger into one unknown event that is not unconfirmed', () => {
    const tracker = trackerWith({ unknownFrames: 4 });
    const events = play(tracker, walkPast(Array.from({ length: 8 }, () => face(AXIS.stranger))));
    assert.deepEqual(
      events.map((e) => e.type),
      ['unknown'],
    );
    assert.ok(events[0]?.type === 'unknown');
    assert.equal(events[0].unconfirmed, false);
    assert.equal(events[0].candidate, null);
  });

  it('reconsiders an unknown face that matches once enrolled, describing it every frame again', () => {
    const judge = new FakeJudge();
    const tracker = trackerWith({ unknownFrames: 2, consensusFrames: 2, recheckMs: 1000 }, judge);
    play(tracker, [[seen(A, face(AXIS.stranger))], [seen(A, face(AXIS.stranger))]]);
    assert.equal(tracker.settledBoxes(200).length, 1, 'settled as unknown');
    judge.gallery.set('cat', face(AXIS.stranger));
    tracker.update([seen(A, face(AXIS.stranger))], 1200);
    assert.equal(tracker.settledBoxes(1300).length, 0, 'pending again: described on every frame');
    const events = tracker.update([seen(A, face(AXIS.stranger))], 1300).events;
    assert.deepEqual(namesIn(events), ['cat']);
  });

  it('does not reopen an unconfirmed look-alike for one lucky re-check', () => {
    const tracker = trackerWith({ unknownFrames: 3, recheckMs: 1000 });
    play(tracker, walkPast([34, 34, 34].map((deg) => tilted(AXIS.ann, deg))));
    assert.equal(tracker.settledBoxes(300).length, 1);
    // Judged alone, this frame would match ann (0.50) and reopen the track.
    const events = tracker.update([seen(A, tilted(AXIS.ann, 29))], 1300).events;
    assert.deepEqual(events, []);
    assert.equal(
      tracker.settledBoxes(1400).length,
      1,
      'still settled: the pooled evidence is still uncertain',
    );
  });

  it('keeps two people apart and follows each by overlap', () => {
    const tracker = trackerWith({ consensusFrames: 2 });
    const events = play(tracker, [
      [seen(A, face(AXIS.ann)), seen(B, face(AXIS.bob))],
      [seen(moved(B, 8), face(AXIS.bob)), seen(moved(A, -8), face(AXIS.ann))],
    ]);
    assert.deepEqual(namesIn(events).sort(), ['ann', 'bob']);
    assert.equal(tracker.trackCount, 2);
  });

  it('stops asking for descriptors of a settled track until its re-check is due', () => {
    const tracker = trackerWith({ consensusFrames: 1, recheckMs: 1000 });
    tracker.update([seen(A, face(AXIS.ann))], 0);
    assert.equal(tracker.settledBoxes(500).length, 1);
    tracker.update([seen(moved(A, 3))], 500);
    assert.equal(tracker.settledBoxes(999).length, 1);
    assert.equal(tracker.settledBoxes(1000).length, 0, 're-check due');
  });

  it('re-reports a named person still in view every sightingIntervalMs', () => {
    const tracker = trackerWith({ consensusFrames: 1, sightingIntervalMs: 1000, recheckMs: 10_000 });
    const types: string[] = [];
    for (let t = 0; t <= 3000; t += 100) {
      types.push(
        ...tracker.update([seen(A, t === 0 ? face(AXIS.ann) : undefined)], t).events.map((e) => e.type),
      );
    }
    assert.deepEqual(types, ['recognized', 'sighting', 'sighting', 'sighting']);
  });

  it('drops a track unseen for maxUnseenMs and reports it lost', () => {
    const tracker = trackerWith({ maxUnseenMs: 300 });
    tracker.update([seen(A)], 0);
    assert.deepEqual(tracker.update([], 200).events, []);
    const events = tracker.update([], 400).events;
    assert.deepEqual(
      events.map((e) => e.type),
      ['lost'],
    );
    assert.equal(tracker.trackCount, 0);
  });

  it('withdraws a name when pooled re-checks keep disagreeing, then can name again', () => {
    const tracker = trackerWith({ consensusFrames: 2 });
    const events = play(tracker, [
      [seen(A, face(AXIS.ann))],
      [seen(A, face(AXIS.ann))],
      [seen(A, face(AXIS.stranger))],
      [seen(A, face(AXIS.stranger))],
      [seen(A, face(AXIS.bob))],
      [seen(A, face(AXIS.bob))],
    ]);
    assert.deepEqual(namesIn(events), ['ann', 'bob']);
  });

  it('keeps a name through one poor re-check when the pooled re-checks come back to it', () => {
    const tracker = trackerWith({ consensusFrames: 3 });
    const frames = [AXIS.ann, AXIS.ann, AXIS.ann, AXIS.stranger, AXIS.ann, AXIS.ann, AXIS.ann].map((axis) => [
      seen(A, face(axis)),
    ]);
    let last: TrackEvent[] = [];
    const events = frames.flatMap((observations, i) => (last = tracker.update(observations, i * 100).events));
    assert.deepEqual(namesIn(events), ['ann'], 'named once, never withdrawn and named again');
    assert.deepEqual(last, []);
    assert.equal(tracker.settledBoxes(700).length, 1, 'still named');
  });

  it("judges a new face in a track's place afresh, without what it learnt of the face that left", () => {
    // People following each other through a door: the next one stands where the last one stood.
    const frames = (...axes: number[]): Observation[][] => axes.map((axis) => [seen(A, face(axis))]);
    const otherFaceDistance = chord(60);
    const annThenBob = frames(AXIS.ann, AXIS.ann, AXIS.ann, AXIS.bob, AXIS.bob, AXIS.bob);
    assert.deepEqual(namesIn(play(trackerWith({ otherFaceDistance }), annThenBob)), ['ann', 'bob']);
    assert.deepEqual(
      namesIn(play(trackerWith(), annThenBob)),
      ['ann'],
      'without the rule, the name of the face that left holds for three re-checks',
    );
    const strangerThenAnn = frames(...Array<number>(5).fill(AXIS.stranger), AXIS.ann, AXIS.ann, AXIS.ann);
    assert.deepEqual(namesIn(play(trackerWith({ otherFaceDistance }), strangerThenAnn)), ['ann']);
    assert.deepEqual(
      namesIn(play(trackerWith(), strangerThenAnn)),
      [],
      "without the rule, the stranger's evidence outweighs her",
    );
    // One face turning a little is still that face: no fresh start, no second name.
    const wobble = [
      face(AXIS.ann),
      tilted(AXIS.ann, 30),
      face(AXIS.ann),
      tilted(AXIS.ann, 30),
      face(AXIS.ann),
    ];
    assert.deepEqual(namesIn(play(trackerWith({ otherFaceDistance }), walkPast(wobble))), ['ann']);
  });

  it('validates its options', () => {
    assert.throws(() => trackerWith({ otherFaceDistance: 0 }), /otherFaceDistance/);
    assert.throws(() => trackerWith({ consensusFrames: 0 }), /consensusFrames/);
    assert.throws(() => trackerWith({ iouThreshold: 0 }), /iouThreshold/);
    assert.throws(() => trackerWith({ evidence: 'average' as 'pooled' }), /evidence/);
  });
});
