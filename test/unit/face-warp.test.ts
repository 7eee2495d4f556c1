import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ARCFACE_TEMPLATE,
  fitSimilarity,
  fivePoints,
  warpToTemplate,
  type Similarity,
} from '../../src/engine/face-warp.js';

function apply(s: Similarity, [x, y]: readonly [number, number]): [number, number] {
  return [s.a * x - s.b * y + s.tx, s.b * x + s.a * y + s.ty];
}

describe('fitSimilarity', () => {
  it('recovers a known rotation, scale and shift exactly', () => {
    const truth: Similarity = { a: 0.8 * Math.cos(0.3), b: 0.8 * Math.sin(0.3), tx: 12, ty: -5 };
    const from: [number, number][] = [
      [100, 120],
      [160, 118],
      [131, 150],
      [108, 180],
      [155, 178],
    ];
    const fitted = fitSimilarity(
      from,
      from.map((p) => apply(truth, p)),
    );
    for (const key of ['a', 'b', 'tx', 'ty'] as const)
      assert.ok(Math.abs(fitted[key] - truth[key]) < 1e-9, key);
  });

  it('is the least-squares fit when the points do not agree exactly', () => {
    const from: [number, number][] = [
      [0, 0],
      [10, 0],
      [0, 10],
    ];
    const to: [number, number][] = [
      [0, 0],
      [10, 1],
      [-1, 10],
    ];
    const best = fitSimilarity(from, to);
    const error = (s: Similarity) =>
      from.reduce((sum, p, i) => {
        const [u, v] = apply(s, p);
        const [x, y] = to[i] as [number, number];
        return sum + (u - x) ** 2 + (v - y) ** 2;
      }, 0);
    for (const nudge of [1e-3, -1e-3]) {
      for (const key of ['a', 'b', 'tx', 'ty'] as const) {
        assert.ok(error({ ...best, [key]: best[key] + nudge }) > error(best), `${key} ${nudge}`);
      }
    }
  });

  it('refuses points that are all one point', () => {
    assert.throws(
      () =>
        fitSimilarity(
          [
            [1, 1],
            [1, 1],
          ],
          [
            [0, 0],
            [1, 1],
          ],
        ),
      RangeError,
    );
  });
});

describe('fivePoints', () => {
  it('takes eye centres from the lids, the nose tip and the mouth corners from the 68 points', () => {
    const landmarks = new Float32Array(136);
    for (let i = 0; i < 68; i++) {
      landmarks[2 * i] = i;
      landmarks[2 * i + 1] = 2 * i;
    }
    const [leftEye, rightEye, nose, leftMouth, rightMouth] = fivePoints(landmarks);
    assert.deepEqual(leftEye, [39, 78]);
    assert.deepEqual(rightEye, [45, 90]);
    assert.deepEqual(nose, [30, 60]);
    assert.deepEqual(leftMouth, [54, 108]);
    assert.deepEqual(rightMouth, [59, 118]);
    assert.throws(() => fivePoints(new Float32Array(10)), RangeError);
  });
});

describe('warpToTemplate', () => {
  it('puts the pixel under each landmark at its template point, in B, G, R planes', () => {
    // A 200×200 image, black but for a pure-red dot at the image point the left eye maps from.
    const width = 200;
    const height = 200;
    const data = new Uint8Array(width * height * 3);
    const eye: [number, number] = [70, 90];
    data[(eye[1] * width + eye[0]) * 3] = 255;
    const [u, v] = ARCFACE_TEMPLATE[0] ?? [0, 0];
    const toTemplate: Similarity = { a: 1, b: 0, tx: u - eye[0], ty: v - eye[1] };
    const out = warpToTemplate({ width, height, data }, toTemplate, 112);
    const plane = 112 * 112;
    // The template point is fractional: the red dot is spread over its four neighbours, whole.
    const at = Math.floor(v) * 112 + Math.floor(u);
    let red = 0;
    let blue = 0;
    for (const offset of [0, 1, 112, 113]) {
      red += (out[2 * plane + at + offset] ?? 0) + 127.5 / 128;
      blue += (out[at + offset] ?? 0) + 127.5 / 128;
    }
    assert.ok(Math.abs(red - 255 / 128) < 1e-4, `red plane (third) carries the whole dot: ${red}`);
    assert.ok(Math.abs(blue) < 1e-6, `blue plane (first) stays black: ${blue}`);
    // Outside the image is mid-grey, which the network input calls 0.
    const far = warpToTemplate({ width, height, data }, { a: 1, b: 0, tx: 500, ty: 500 }, 112);
    assert.ok(far.every((x) => x === 0));
  });
});
