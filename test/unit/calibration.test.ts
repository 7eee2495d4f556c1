import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  Gallery,
  gaussian,
  impostorModel,
  impostorRateAt,
  normalCdf,
  normalizeDescriptor,
  mulberry32,
  referenceRateAt,
  strangerRateAt,
  thresholdFor,
  thresholdsForGallery,
  type CalibrationPerson,
} from '../../src/core/index.js';

const DIM = 128;

/** People as unit vectors around their own random centre, `perPerson` photos each. */
function syntheticPeople(
  count: number,
  perPerson: number,
  spread: number,
  seed: number,
): CalibrationPerson[] {
  const normal = gaussian(mulberry32(seed));
  return Array.from({ length: count }, (_, p) => {
    const centre = Float32Array.from({ length: DIM }, () => normal());
    return {
      personId: `p${p}`,
      descriptors: Array.from({ length: perPerson }, () =>
        normalizeDescriptor(centre.map((c) => c + spread * normal())),
      ),
    };
  });
}

describe('normalCdf', () => {
  it('matches tabulated values, far tail included', () => {
    assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
    assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
    assert.ok(Math.abs(normalCdf(-1.959964) - 0.025) < 1e-6);
    // Φ(−5) = 2.8665e−7: the relative error matters out here.
    assert.ok(Math.abs(normalCdf(-5) / 2.866516e-7 - 1) < 1e-5);
  });
});

describe('impostorModel', () => {
  it('measures every person against every other person only', () => {
    const people: CalibrationPerson[] = [
      { personId: 'a', descriptors: [Float32Array.of(0, 0), Float32Array.of(0, 1)] },
      { personId: 'b', descriptors: [Float32Array.of(3, 0)] },
      { personId: 'c', descriptors: [Float32Array.of(0, 5)] },
    ];
    const model = impostorModel(people);
    // a0→b 3, a0→c 5, a1→b √10, a1→c 4, b→a 3, b→c √34, c→a 4, c→b √34
    const expected = [3, 3, Math.sqrt(10), 4, 4, 5, Math.sqrt(34), Math.sqrt(34)];
    assert.deepEqual(
      Array.from(model.sorted).map((d) => d.toFixed(9)),
      expected.map((d) => d.toFixed(9)),
    );
    assert.equal(model.people, 3);
  });

  it('subsamples to the limit deterministically', () => {
    const people = syntheticPeople(60, 3, 0.5, 1);
    const a = impostorModel(people, { maxSamples: 1000 });
    const b = impostorModel(people, { maxSamples: 1000 });
    assert.ok(a.sorted.length <= 1000 && a.sorted.length > 400, `${a.sorted.length}`);
    assert.deepEqual(a.sorted, b.sorted);
  });
});

describe('strangerRateAt and thresholdFor', () => {
  const people = syntheticPeople(200, 2, 0.6, 7);
  const model = impostorModel(people);

  it('grow with the threshold and with the gallery', () => {
    let last = -1;
    for (let t = 0.8; t <= 1.5; t += 0.05) {
      const rate = strangerRateAt(model, t);
      assert.ok(rate >= last, `monotone in t at ${t}`);
      last = rate;
    }
    const t = thresholdFor(model, 0.05);
    assert.ok(strangerRateAt(model, t, 50) < strangerRateAt(model, t, 200));
    assert.ok(strangerRateAt(model, t, 200) < strangerRateAt(model, t, 800));
  });

  it('are inverses, and a bigger gallery gets a stricter threshold', () => {
    for (const target of [0.1, 0.01, 0.001]) {
      const t = thresholdFor(model, target);
      const rate = strangerRateAt(model, t);
      // Counted rates move in steps of one sample point, so the inverse lands at or just under.
      assert.ok(rate <= target && rate > target * 0.95, `target ${target}: ${rate}`);
    }
    assert.ok(thresholdFor(model, 0.01, 1000) < thresholdFor(model, 0.01, 100));
  });

  it('uses the fitted tail below the measured points, continuously', () => {
    const anchor = model.sorted[9] ?? 0;
    const counted = impostorRateAt(model, anchor + 1e-9);
    const tail = impostorRateAt(model, anchor - 1e-9);
    assert.ok(Math.abs(counted - tail) / counted < 0.15, `${counted} vs ${tail}`);
    assert.ok(impostorRateAt(model, (model.sorted[0] ?? 0) - 0.05) > 0);
  });

  it('predicts how often real strangers are named in a simulated gallery', () => {
    // Enrolled people and strangers from the same population; the strangers never enrolled.
    const everyone = syntheticPeople(1400, 2, 0.6, 11);
    const enrolled = everyone.slice(0, 400);
    const strangers = everyone.slice(400).map((p) => p.descriptors[0] as Float32Array);
    const gallery = new Gallery({ dimension: DIM });
    for (const p of enrolled) gallery.upsert(p.personId, [...p.descriptors]);
    const calibrated = impostorModel(enrolled);
    for (const target of [0.2, 0.05]) {
      const t = thresholdFor(calibrated, target);
      const named = strangers.filter(
        (s) => (gallery.nearestPeople(s, 1)[0]?.distance ?? Infinity) < t,
      ).length;
      const rate = named / strangers.length;
      // 1,000 strangers: a binomial at 5% has a standard deviation of 0.7 points.
      assert.ok(rate < target * 1.6 && rate > target * 0.4, `target ${target}: ${named} of 1000 named`);
    }
  });
});

describe('referenceRateAt', () => {
  const curve = {
    source: 'test',
    points: [
      [0.5, 1e-5],
      [0.7, 1e-3],
      [0.9, 1e-1],
    ] as const,
  };

  it('interpolates in log F between points, extends the first slope below, stays flat above', () => {
    assert.ok(Math.abs(referenceRateAt(curve, 0.6) - 1e-4) < 1e-9);
    assert.ok(Math.abs(referenceRateAt(curve, 0.8) - 1e-2) < 1e-8);
    assert.ok(Math.abs(referenceRateAt(curve, 0.4) - 1e-6) < 1e-12);
    assert.equal(referenceRateAt(curve, 1.5), 1e-1);
  });
});

describe('thresholdsForGallery', () => {
  const people = syntheticPeople(300, 2, 0.6, 21);

  it('uses thresholds set by hand as they are, and says what they cost', () => {
    const fixed = thresholdsForGallery(people, 'face-api', {
      strangerRateTarget: 0.01,
      fixed: { match: 1.45, unknown: 1.5 },
    });
    assert.equal(fixed.basis, 'fixed');
    assert.equal(fixed.match, 1.45);
    assert.equal(fixed.unknown, 1.5);
    assert.ok(fixed.expectedStrangerRate !== null && fixed.expectedStrangerRate > 0.5);
  });

  it('falls back to the model prior for a tiny gallery with no reference curve', () => {
    const tiny = thresholdsForGallery(people.slice(0, 3), 'face-api', { strangerRateTarget: 0.01 });
    assert.equal(tiny.basis, 'prior');
    assert.deepEqual([tiny.match, tiny.unknown], [0.55, 0.6]);
    assert.equal(tiny.expectedStrangerRate, null);
  });

  it('calibrates a gallery to the target, never looser than the prior, with the uncertain band above', () => {
    // Synthetic unit vectors lie far apart (impostors near √2): the prior caps the threshold.
    const capped = thresholdsForGallery(people, 'face-api', { strangerRateTarget: 0.01 });
    assert.equal(capped.basis, 'gallery');
    assert.equal(capped.match, 0.55);
    // Scaled down, the same people come within the prior: calibration decides.
    const near = people.map((p) => ({ ...p, descriptors: p.descriptors.map((d) => d.map((v) => v * 0.3)) }));
    const strict = thresholdsForGallery(near, 'face-api', { strangerRateTarget: 0.001 });
    const loose = thresholdsForGallery(near, 'face-api', { strangerRateTarget: 0.05 });
    assert.ok(strict.match < loose.match && loose.match < 0.55, `${strict.match} < ${loose.match}`);
    assert.ok(strict.unknown >= strict.match);
    assert.ok(Math.abs((strict.expectedStrangerRate ?? 0) - 0.001) < 0.0002);
    // More people, same target: a stricter bar.
    const fewer = thresholdsForGallery(near.slice(0, 60), 'face-api', { strangerRateTarget: 0.01 });
    const more = thresholdsForGallery(near, 'face-api', { strangerRateTarget: 0.01 });
    assert.ok(more.match < fewer.match, `${more.match} < ${fewer.match}`);
  });
});
