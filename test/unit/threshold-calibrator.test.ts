import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';

import {
  Gallery,
  gaussian,
  mulberry32,
  normalizeDescriptor,
  PRIOR_THRESHOLDS,
} from '../../src/core/index.js';
import { ThresholdCalibrator } from '../../src/recognition/index.js';

const DIM = 128;

/** `count` people of two photos each, as unit vectors scaled by `scale` (so they come closer). */
function enroll(gallery: Gallery, count: number, seed: number, scale = 0.3): void {
  const normal = gaussian(mulberry32(seed));
  for (let p = 0; p < count; p++) {
    const centre = Float32Array.from({ length: DIM }, () => normal());
    const photo = () => normalizeDescriptor(centre.map((c) => c + 0.6 * normal())).map((v) => v * scale);
    gallery.upsert(`p${seed}-${p}`, [photo(), photo()]);
  }
}

describe('ThresholdCalibrator', () => {
  it('starts from the prior for an empty gallery and calibrates once the gallery grows', async () => {
    const gallery = new Gallery({ dimension: DIM });
    const calibrator = new ThresholdCalibrator({
      gallery,
      model: 'face-api',
      policy: { strangerRateTarget: 0.01 },
      settleMs: 5,
    });
    assert.equal(calibrator.current.basis, 'prior');
    assert.equal(calibrator.current.match, PRIOR_THRESHOLDS['face-api'].match);

    enroll(gallery, 50, 1);
    const changed = once(calibrator, 'changed');
    // The calibrator's timer does not hold a process open; this one keeps the test's alive.
    const keepAlive = setTimeout(() => undefined, 5000);
    // A burst of changes makes one recalibration, after it settles.
    calibrator.galleryChanged();
    calibrator.galleryChanged();
    const [few] = (await changed) as [typeof calibrator.current];
    clearTimeout(keepAlive);
    assert.equal(few.basis, 'gallery');
    assert.equal(few.people, 50);

    enroll(gallery, 250, 2);
    calibrator.recalibrate();
    assert.equal(calibrator.current.people, 300);
    assert.ok(calibrator.current.match < few.match, 'more people enrolled: a stricter threshold');
    calibrator.close();
  });

  it('passes thresholds set by hand through, and goes back to calibrating when they are cleared', () => {
    const gallery = new Gallery({ dimension: DIM });
    enroll(gallery, 40, 3);
    const calibrator = new ThresholdCalibrator({
      gallery,
      model: 'face-api',
      policy: { strangerRateTarget: 0.01 },
    });
    const seen: number[] = [];
    calibrator.on('changed', (t) => seen.push(t.match));
    calibrator.setPolicy({ strangerRateTarget: 0.01, fixed: { match: 0.3, unknown: 0.35 } });
    assert.equal(calibrator.current.basis, 'fixed');
    assert.equal(calibrator.current.match, 0.3);
    calibrator.setPolicy({ strangerRateTarget: 0.05 });
    assert.equal(calibrator.current.basis, 'gallery');
    assert.deepEqual(seen.slice(0, 1), [0.3]);
    assert.equal(seen.length, 2);
    calibrator.close();
  });
});
