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
  strangerRateAt,
  thresholdFor,
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
