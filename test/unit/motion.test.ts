import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  connectedRegions,
  dilate,
  ErrorCode,
  MotionDetector,
  RollcallError,
  type Box,
  type MotionResult,
  type RgbImage,
} from '../../src/core/index.js';
import {
  DEFAULT_MOTION_GATING,
  faceRegion,
  FULL_FRAME_INPUT_SIZE,
  motionRegion,
  mergeRegions,
  outsideMasks,
  planAnalysis,
  RecognitionPipeline,
} from '../../src/recognition/index.js';
import type { LiveFace } from '../../src/engine/index.js';

const WIDTH = 320;
const HEIGHT = 240;

/** A textured static scene (a plain grey one would hide bugs in the background model). */
function scene(blocks: { box: Box; value: number }[] = []): RgbImage {
  const data = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const block = blocks.find(
        ({ box }) => x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height,
      );
      const v = block ? block.value : 50 + ((x * 7 + y * 3) % 100);
      data.fill(v, (y * WIDTH + x) * 3, (y * WIDTH + x) * 3 + 3);
    }
  }
  return { width: WIDTH, height: HEIGHT, data };
}

function contains(outer: Box, inner: Box): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}

describe('MotionDetector', () => {
  it('finds nothing in a still scene once it has learnt it', () => {
    const detector = new MotionDetector();
    const first = detector.detect(scene());
    assert.equal(first.everywhere, true, 'no background yet: everything must be looked at');
    for (let i = 0; i < 20; i++) {
      const result = detector.detect(scene());
      assert.deepEqual(result.boxes, []);
      assert.equal(result.everywhere, false);
    }
  });

  it('finds a moving block as one region around it, in frame pixels', () => {
    const detector = new MotionDetector();
    detector.detect(scene());
    const block = { x: 100, y: 60, width: 40, height: 40 };
    const result = detector.detect(scene([{ box: block, value: 250 }]));
    assert.equal(result.everywhere, false);
    assert.equal(result.boxes.length, 1, JSON.stringify(result.boxes));
    const [box] = result.boxes as [Box];
    assert.ok(contains(box, block), `${JSON.stringify(box)} holds the block`);
    assert.ok(box.width < 40 + 16 && box.height < 40 + 16, `${JSON.stringify(box)} is tight around it`);
    // Moved on: the region follows it.
    const moved = { ...block, x: 200 };
    const next = detector.detect(scene([{ box: moved, value: 250 }]));
    assert.ok(next.boxes.some((b) => contains(b, moved)));
  });

  it('ignores motion under a mask, and still sees it elsewhere', () => {
    // The left half of the frame is a window onto a street.
    const detector = new MotionDetector({ masks: [{ x: 0, y: 0, width: 0.5, height: 1 }] });
    detector.detect(scene());
    const inWindow = detector.detect(scene([{ box: { x: 20, y: 20, width: 60, height: 60 }, value: 250 }]));
    assert.deepEqual(inWindow.boxes, []);
    const outside = detector.detect(scene([{ box: { x: 220, y: 20, width: 40, height: 40 }, value: 250 }]));
    assert.equal(outside.boxes.length, 1);
  });

  it('treats a change over most of the picture as motion everywhere, then relearns the scene', () => {
    const detector = new MotionDetector();
    detector.detect(scene());
    const lightsOn = scene([{ box: { x: 0, y: 0, width: WIDTH, height: HEIGHT }, value: 240 }]);
    assert.equal(detector.detect(lightsOn).everywhere, true);
    const after: MotionResult = detector.detect(lightsOn);
    assert.equal(after.everywhere, false);
    assert.deepEqual(after.boxes, []);
  });

  it('drops specks smaller than the minimum area', () => {
    const detector = new MotionDetector();
    detector.detect(scene());
    const speck = detector.detect(scene([{ box: { x: 10, y: 10, width: 2, height: 2 }, value: 255 }]));
    assert.deepEqual(speck.boxes, []);
  });

  it('rejects masks outside the frame with a message naming the mask', () => {
    const bad = [
      { x: 0.5, y: 0, width: 0.6, height: 0.2 },
      { x: -0.1, y: 0, width: 0.1, height: 0.1 },
    ];
    assert.throws(
      () => new MotionDetector({ masks: bad }),
      (error: unknown) =>
        error instanceof RollcallError &&
        error.code === ErrorCode.UsageInvalid &&
        /masks\[0\]\.width/.test(error.message) &&
        /masks\[1\]\.x/.test(error.message),
    );
  });

  it('grows and labels regions (8-connected)', () => {
    const mask = new Uint8Array(25);
    mask[0] = 1;
    mask[6] = 1; // diagonal neighbour: same region
    mask[24] = 1;
    const regions = connectedRegions(mask, 5, 5);
    assert.deepEqual(
      regions.map((r) => [r.box, r.pixels]),
      [
        [{ x: 0, y: 0, width: 2, height: 2 }, 2],
        [{ x: 4, y: 4, width: 1, height: 1 }, 1],
      ],
    );
    const grown = dilate(mask, 5, 5, 1);
    assert.equal(grown[12], 1, 'the centre touches both after growing');
    assert.equal(connectedRegions(grown, 5, 5).length, 1);
  });
});

describe('planAnalysis', () => {
  const still: MotionResult = { boxes: [], everywhere: false, changedFraction: 0 };
  const face = { x: 100, y: 50, width: 40, height: 40 };
  const base = {
    now: 10_000,
    frameWidth: 640,
    frameHeight: 360,
    motion: still,
    tracks: [],
    lastSweepAt: 9_000,
    newcomerMotion: { at: 0, boxes: [] },
    lastLookedAt: new Map<number, number>(),
    options: DEFAULT_MOTION_GATING,
  };

  it('does nothing on a still, empty scene until the sweep is due', () => {
    assert.deepEqual(planAnalysis(base), { kind: 'idle' });
    assert.deepEqual(planAnalysis({ ...base, now: 11_000 }), { kind: 'full', reason: 'sweep' });
  });

  it("looks where something moves where no face is tracked, at the full frame's scale or finer", () => {
    const moving = { x: 500, y: 200, width: 60, height: 100 };
    const plan = planAnalysis({ ...base, motion: { ...still, boxes: [moving] } });
    if (plan.kind !== 'regions') assert.fail(`expected regions, got ${plan.kind}`);
    assert.equal(plan.newcomer, true);
    const region = plan.regions[0];
    assert.ok(region && contains(region.box, moving), JSON.stringify(region));
    assert.deepEqual(region.box, motionRegion(moving, 640, 360, DEFAULT_MOTION_GATING));
    // A face there reaches the detector at least as large as on a full frame (416 px for 640).
    assert.ok(
      region.inputSize / Math.max(region.box.width, region.box.height) >= FULL_FRAME_INPUT_SIZE / 640,
      JSON.stringify(region),
    );
    assert.ok((region.inputSize / FULL_FRAME_INPUT_SIZE) ** 2 < 0.25, 'cheaper than a full frame');
  });

  it('goes on looking where someone untracked moved for a while after the motion stops', () => {
    const moved = { at: 9_700, boxes: [{ x: 500, y: 200, width: 60, height: 100 }] };
    const plan = planAnalysis({ ...base, newcomerMotion: moved });
    if (plan.kind !== 'regions') assert.fail(`expected regions, got ${plan.kind}`);
    assert.equal(plan.newcomer, true);
    assert.deepEqual(planAnalysis({ ...base, newcomerMotion: { ...moved, at: 9_400 } }), { kind: 'idle' });
  });

  it('looks at the whole frame when the whole scene changes, or the motion of someone new covers most of it', () => {
    assert.deepEqual(planAnalysis({ ...base, motion: { ...still, everywhere: true } }), {
      kind: 'full',
      reason: 'motion',
    });
    const motion = { ...still, boxes: [{ x: 60, y: 40, width: 500, height: 300 }] };
    const tracks = [{ id: 1, box: face, state: 'named' as const }];
    assert.deepEqual(planAnalysis({ ...base, motion, tracks }), { kind: 'full', reason: 'newcomer' });
  });

  it('looks only around a tracked face whose body moves, in a region a few faces wide', () => {
    const motion = { ...still, boxes: [{ x: 95, y: 100, width: 60, height: 120 }] };
    const tracks = [{ id: 1, box: face, state: 'named' as const }];
    const plan = planAnalysis({ ...base, motion, tracks, lastLookedAt: new Map([[1, 9_950]]) });
    if (plan.kind !== 'regions') assert.fail(`expected regions, got ${plan.kind}`);
    assert.deepEqual(plan.trackIds, [1]);
    assert.equal(plan.regions.length, 1);
    const region = plan.regions[0]?.box;
    assert.ok(region && contains(region, face));
    assert.deepEqual(region, faceRegion(face, 640, 360, DEFAULT_MOTION_GATING));
    assert.equal(region.width, 128, 'a 40 px face gets the minimum region');
    // 128 px at 224 is 1.75x: the small face reaches the detector at 70 px, as a near one would.
    assert.equal(plan.regions[0]?.inputSize, 224);
  });

  it('gives a region of several small faces the input size its smallest face needs, or the whole frame when dearer', () => {
    const pending = (id: number, x: number, size = 40) => ({
      id,
      box: { x, y: 100, width: size, height: size },
      state: 'pending' as const,
    });
    const two = planAnalysis({ ...base, tracks: [pending(1, 100), pending(2, 150)] });
    if (two.kind !== 'regions') assert.fail(`expected regions, got ${two.kind}`);
    assert.equal(two.regions.length, 1, 'overlapping regions are joined');
    assert.ok((two.regions[0]?.inputSize ?? 0) > 224, JSON.stringify(two.regions));
    // A row of small faces across the frame: one full-frame detection is cheaper than the regions.
    const row = [0, 1, 2, 3, 4, 5].map((i) => pending(i + 1, 20 + i * 100, 24));
    assert.deepEqual(planAnalysis({ ...base, tracks: row }), { kind: 'full', reason: 'large-regions' });
  });

  it('refreshes a still named face at the refresh rate, and a pending one on every frame', () => {
    const named = [{ id: 1, box: face, state: 'named' as const }];
    assert.deepEqual(planAnalysis({ ...base, tracks: named, lastLookedAt: new Map([[1, 9_200]]) }), {
      kind: 'idle',
    });
    assert.equal(
      planAnalysis({ ...base, tracks: named, lastLookedAt: new Map([[1, 9_000]]) }).kind,
      'regions',
    );
    const pending = [{ id: 2, box: face, state: 'pending' as const }];
    assert.equal(
      planAnalysis({ ...base, tracks: pending, lastLookedAt: new Map([[2, 9_950]]) }).kind,
      'regions',
    );
  });

  it('detects on every full frame when gating is off', () => {
    assert.deepEqual(planAnalysis({ ...base, options: { ...DEFAULT_MOTION_GATING, enabled: false } }), {
      kind: 'full',
      reason: 'ungated',
    });
  });

  it('joins overlapping regions so no face is found twice', () => {
    const merged = mergeRegions([
      { x: 0, y: 0, width: 10, height: 10 },
      { x: 5, y: 5, width: 10, height: 10 },
      { x: 50, y: 50, width: 5, height: 5 },
    ]);
    assert.deepEqual(merged, [
      { x: 0, y: 0, width: 15, height: 15 },
      { x: 50, y: 50, width: 5, height: 5 },
    ]);
  });

  it('rejects bad gating options, naming each', () => {
    assert.throws(
      () =>
        new RecognitionPipeline(
          {
            engine: {
              info: { backend: 'none', threads: 1, model: 'none', descriptorModel: 'face-api' },
            } as never,
            gallery: {} as never,
          },
          {
            nodeId: 'n',
            cameraId: 'c',
            thresholds: { match: 0.5, unknown: 0.6 },
            motion: { sweepIntervalMs: 0, masks: [{ x: 0.9, y: 0, width: 0.2, height: 1.5 }] },
          },
        ),
      (error: unknown) =>
        error instanceof RollcallError &&
        /motion\.sweepIntervalMs/.test(error.message) &&
        /motion\.masks\[0\]\.width/.test(error.message) &&
        /motion\.masks\[0\]\.height/.test(error.message),
    );
  });
});

describe('outsideMasks', () => {
  it('drops a face whose centre is in a mask (a poster, a TV) and keeps the rest', () => {
    const face = (x: number, y: number): LiveFace => ({ box: { x, y, width: 20, height: 20 }, score: 0.9 });
    const image = scene();
    // The right fifth of the frame, top half: a TV on the wall.
    const tv = { x: 0.8, y: 0, width: 0.2, height: 0.5 };
    const onTv = face(WIDTH - 40, 20);
    const halfOnTv = face(Math.round(0.8 * WIDTH) - 15, 20); // its centre is left of the mask's edge
    const inRoom = face(100, 150);
    assert.deepEqual(outsideMasks([onTv, halfOnTv, inRoom], image, [tv]), [halfOnTv, inRoom]);
    assert.deepEqual(outsideMasks([onTv, inRoom], image, []), [onTv, inRoom]);
  });
});
