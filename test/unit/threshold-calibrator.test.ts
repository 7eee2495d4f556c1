import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';

import {
  Gallery,
  gaussian,
  measureGallery,
  mulberry32,
  normalizeDescriptor,
  PRIOR_THRESHOLDS,
} from '../../src/core/index.js';
import { ThresholdCalibrator } from '../../src/recognition/index.js';
import { measureGalleryOffThread } from '../../src/workers/index.js';

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
    await calibrator.recalibrate();
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

  it('keeps the thresholds in force when measuring fails, and lets the newest measuring win', async () => {
    const gallery = new Gallery({ dimension: DIM });
    enroll(gallery, 40, 4);
    let calls = 0;
    const calibrator = new ThresholdCalibrator({
      gallery,
      model: 'face-api',
      policy: { strangerRateTarget: 0.01 },
      measure: async (people) => {
        calls++;
        if (calls === 1) throw new Error('thread died');
        // The second measuring is slow; the third, started meanwhile, must be the one kept.
        if (calls === 2) await new Promise((resolve) => setTimeout(resolve, 50));
        return measureGallery(people);
      },
    });
    const before = calibrator.current;
    const failures: Error[] = [];
    const seen: number[] = [];
    calibrator.on('failed', (error) => failures.push(error));
    calibrator.on('changed', (t) => seen.push(t.people));
    await calibrator.recalibrate();
    assert.equal(failures[0]?.message, 'thread died');
    assert.deepEqual(calibrator.current, before);

    const slow = calibrator.recalibrate();
    enroll(gallery, 10, 5);
    await calibrator.recalibrate();
    await slow;
    assert.deepEqual(seen, [50], 'the superseded measuring changed nothing');
    assert.equal(calibrator.current.people, 50);
    calibrator.close();
  });
});

describe('measureGalleryOffThread', () => {
  it('measures on a worker thread exactly as on this one', async () => {
    const gallery = new Gallery({ dimension: DIM });
    enroll(gallery, 60, 6);
    const people = gallery.people();
    const here = measureGallery(people);
    const there = await measureGalleryOffThread(people);
    assert.equal(there.people, 60);
    assert.ok(there.impostors && here.impostors);
    assert.deepEqual(there.impostors, here.impostors);
  });

  it('stops when aborted', async () => {
    const gallery = new Gallery({ dimension: DIM });
    enroll(gallery, 60, 7);
    const abort = new AbortController();
    const measuring = measureGalleryOffThread(gallery.people(), { signal: abort.signal });
    abort.abort(new Error('superseded'));
    await assert.rejects(measuring, /superseded/);
  });
});
