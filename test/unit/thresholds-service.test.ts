import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  gaussian,
  measureGallery,
  mulberry32,
  normalizeDescriptor,
  type CalibrationPerson,
  type ThresholdPolicy,
} from '../../src/core/index.js';
import { ThresholdService } from '../../src/services/index.js';

function people(count: number, seed: number): CalibrationPerson[] {
  const normal = gaussian(mulberry32(seed));
  return Array.from({ length: count }, (_, p) => {
    const centre = Float32Array.from({ length: 128 }, () => normal());
    const photo = () => normalizeDescriptor(centre.map((c) => c + 0.6 * normal())).map((v) => v * 0.3);
    return { personId: `p${p}`, descriptors: [photo(), photo()] };
  });
}

describe('ThresholdService', () => {
  it('measures a gallery once per version, shares the measuring, and decides a new policy without it', async () => {
    let version = 1;
    let gallery = people(30, 1);
    let measured = 0;
    let policy: ThresholdPolicy = { strangerRateTarget: 0.01 };
    const service = new ThresholdService({
      store: {
        getGalleryVersion: () => Promise.resolve(version),
        getGallery: () => Promise.resolve({ galleryVersion: version, people: gallery }),
      },
      policy: () => policy,
      measure: (p) => {
        measured++;
        return Promise.resolve(measureGallery(p));
      },
    });
    const [a, b] = await Promise.all([service.thresholdsFor('face-api'), service.thresholdsFor('face-api')]);
    assert.equal(measured, 1, 'two requests at once share one measuring');
    assert.deepEqual(a, b);
    assert.equal(a.people, 30);

    policy = { strangerRateTarget: 0.1 };
    const looser = await service.thresholdsFor('face-api');
    assert.equal(measured, 1, 'a new target is decided over the same measure');
    assert.ok(looser.match > a.match);

    version = 2;
    gallery = people(300, 2);
    const bigger = await service.thresholdsFor('face-api');
    assert.equal(measured, 2);
    assert.equal(bigger.people, 300);
  });

  it('does not keep a failed measuring: the next request measures again', async () => {
    let fail = true;
    const service = new ThresholdService({
      store: {
        getGalleryVersion: () => Promise.resolve(1),
        getGallery: () => Promise.resolve({ galleryVersion: 1, people: people(10, 3) }),
      },
      policy: () => ({ strangerRateTarget: 0.01 }),
      measure: (p) => (fail ? Promise.reject(new Error('thread died')) : Promise.resolve(measureGallery(p))),
    });
    await assert.rejects(service.thresholdsFor('fr-feature'), /thread died/);
    fail = false;
    assert.equal((await service.thresholdsFor('fr-feature')).people, 10);
  });
});
