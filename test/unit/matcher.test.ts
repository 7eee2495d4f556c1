import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DESCRIPTOR_LENGTH,
  ErrorCode,
  Gallery,
  decide,
  euclideanDistance,
  gaussian,
  isRollcallError,
  matchFace,
  mulberry32,
  type MatchThresholds,
  type NearestPerson,
} from '../../src/core/index.js';

const DIM = DESCRIPTOR_LENGTH;
const thresholds: MatchThresholds = { match: 0.55, unknown: 0.6 };

function around(
  centre: ArrayLike<number>,
  std: number | ArrayLike<number>,
  normal: () => number,
): Float32Array {
  return Float32Array.from(
    { length: DIM },
    (_, i) => (centre[i] ?? 0) + normal() * (typeof std === 'number' ? std : (std[i] ?? 0)),
  );
}

/** A descriptor that is zero except for the given values, so distances are exact by construction. */
function sparse(values: Record<number, number>): Float32Array {
  const d = new Float32Array(DIM);
  for (const [i, v] of Object.entries(values)) d[Number(i)] = v;
  return d;
}

/** The reference answer: every person's closest descriptor, by a full scan. */
function bruteForce(
  people: ReadonlyMap<string, Float32Array[]>,
  query: Float32Array,
  k: number,
  maxDistance: number,
): NearestPerson[] {
  const all: NearestPerson[] = [];
  for (const [personId, descriptors] of people) {
    const distance = Math.min(...descriptors.map((d) => euclideanDistance(query, d)));
    if (distance < maxDistance) all.push({ personId, distance });
  }
  return all.sort((a, b) => a.distance - b.distance).slice(0, k);
}

function assertSameNearest(actual: NearestPerson[], expected: NearestPerson[], context: string): void {
  assert.deepEqual(
    actual.map((p) => p.personId),
    expected.map((p) => p.personId),
    context,
  );
  actual.forEach((p, i) => {
    const want = expected[i]?.distance ?? NaN;
    assert.ok(Math.abs(p.distance - want) < 1e-6, `${context}: distance ${p.distance} vs ${want}`);
  });
}

const code = (expected: string) => (error: unknown) => isRollcallError(error) && error.code === expected;

describe('Gallery', () => {
  it('starts empty and finds nobody', () => {
    const gallery = new Gallery();
    assert.equal(gallery.personCount, 0);
    assert.equal(gallery.descriptorCount, 0);
    assert.deepEqual(gallery.nearestPeople(sparse({})), []);
  });

  it('counts people and descriptors through upsert, remove and clear', () => {
    const gallery = new Gallery();
    gallery.upsert('ada', [sparse({ 0: 1 }), sparse({ 0: 1.1 })]);
    gallery.upsert('bob', [sparse({ 1: 1 })]);
    assert.equal(gallery.personCount, 2);
    assert.equal(gallery.descriptorCount, 3);
    assert.ok(gallery.has('ada'));

    assert.equal(gallery.remove('ada'), true);
    assert.equal(gallery.remove('ada'), false);
    assert.equal(gallery.has('ada'), false);
    assert.equal(gallery.personCount, 1);
    assert.equal(gallery.descriptorCount, 1);

    gallery.clear();
    assert.equal(gallery.personCount, 0);
    assert.equal(gallery.descriptorCount, 0);
    assert.deepEqual(gallery.nearestPeople(sparse({ 1: 1 })), []);
  });

  it('replaces, not appends, a person’s descriptors on upsert', () => {
    const gallery = new Gallery();
    gallery.upsert('ada', [sparse({ 0: 1 }), sparse({ 0: 2 }), sparse({ 0: 3 })]);
    gallery.upsert('ada', [sparse({ 0: 5 })]);
    assert.equal(gallery.personCount, 1);
    assert.equal(gallery.descriptorCount, 1);
    assert.deepEqual(gallery.nearestPeople(sparse({})), [{ personId: 'ada', distance: 5 }]);
  });

  it('copies descriptors, so later changes to the caller’s arrays do not leak in', () => {
    const gallery = new Gallery();
    const d = sparse({ 0: 0.25 });
    gallery.upsert('ada', [d]);
    d[0] = 9;
    assert.deepEqual(gallery.nearestPeople(sparse({})), [{ personId: 'ada', distance: 0.25 }]);
  });

  it('returns distinct people at the distance of their closest descriptor, nearest first', () => {
    const gallery = new Gallery();
    gallery.upsert('near-twice', [sparse({ 0: 0.5 }), sparse({ 0: 0.25 }), sparse({ 0: 0.375 })]);
    gallery.upsert('middle', [sparse({ 1: 0.75 })]);
    gallery.upsert('far', [sparse({ 2: 1 })]);
    assert.deepEqual(gallery.nearestPeople(sparse({}), 5), [
      { personId: 'near-twice', distance: 0.25 },
      { personId: 'middle', distance: 0.75 },
      { personId: 'far', distance: 1 },
    ]);
    assert.deepEqual(gallery.nearestPeople(sparse({})), [
      { personId: 'near-twice', distance: 0.25 },
      { personId: 'middle', distance: 0.75 },
    ]);
    assert.deepEqual(gallery.nearestPeople(sparse({}), 1), [{ personId: 'near-twice', distance: 0.25 }]);
  });

  it('keeps only people strictly closer than maxDistance', () => {
    const gallery = new Gallery();
    gallery.upsert('at-limit', [sparse({ 0: 0.5 })]);
    gallery.upsert('inside', [sparse({ 1: 0.25 })]);
    assert.deepEqual(gallery.nearestPeople(sparse({}), 2, 0.5), [{ personId: 'inside', distance: 0.25 }]);
    assert.deepEqual(gallery.nearestPeople(sparse({}), 2, 0.25), []);
    assert.deepEqual(gallery.nearestPeople(sparse({}), 2, 0), []);
  });

  it('rejects an empty person id or no descriptors with USAGE_INVALID', () => {
    const gallery = new Gallery();
    assert.throws(() => {
      gallery.upsert('', [sparse({})]);
    }, code(ErrorCode.UsageInvalid));
    assert.throws(() => {
      gallery.upsert('ada', []);
    }, code(ErrorCode.UsageInvalid));
    assert.equal(gallery.personCount, 0);
  });

  it('rejects a bad descriptor with DESCRIPTOR_INVALID and keeps the person as they were', () => {
    const gallery = new Gallery();
    gallery.upsert('ada', [sparse({ 0: 0.25 })]);
    const nan = sparse({ 3: NaN });
    for (const bad of [[sparse({ 0: 1 }), nan], [new Float32Array(64)], [new Float64Array(DIM)]]) {
      assert.throws(() => {
        gallery.upsert('ada', bad as Float32Array[]);
      }, code(ErrorCode.DescriptorInvalid));
    }
    assert.equal(gallery.descriptorCount, 1);
    assert.deepEqual(gallery.nearestPeople(sparse({})), [{ personId: 'ada', distance: 0.25 }]);
  });

  it('rejects a bad query, k or maxDistance', () => {
    const gallery = new Gallery();
    gallery.upsert('ada', [sparse({})]);
    assert.throws(() => gallery.nearestPeople(new Float32Array(12)), code(ErrorCode.DescriptorInvalid));
    assert.throws(() => gallery.nearestPeople(sparse({ 5: Infinity })), code(ErrorCode.DescriptorInvalid));
    assert.throws(() => gallery.nearestPeople(sparse({}), 0), code(ErrorCode.UsageInvalid));
    assert.throws(() => gallery.nearestPeople(sparse({}), 1.5), code(ErrorCode.UsageInvalid));
    assert.throws(() => gallery.nearestPeople(sparse({}), 2, NaN), code(ErrorCode.UsageInvalid));
    assert.throws(() => gallery.nearestPeople(sparse({}), 2, -1), code(ErrorCode.UsageInvalid));
  });

  it('scans with the WebAssembly SIMD kernel that the build assembles', () => {
    assert.equal(new Gallery().kernel, 'wasm-simd');
    assert.equal(new Gallery({ kernel: 'js' }).kernel, 'js');
  });

  it('keeps every row when the kernel’s memory grows many times', () => {
    const uniform = mulberry32(11);
    const normal = gaussian(uniform);
    const gallery = new Gallery();
    const model = new Map<string, Float32Array[]>();
    // 3,000 rows: the kernel's memory starts at one 64 KiB page (127 rows) and grows under the views.
    for (let p = 0; p < 1000; p++) {
      const descriptors = Array.from({ length: 3 }, () => around(sparse({}), 0.07, normal));
      gallery.upsert(`p${p}`, descriptors);
      model.set(`p${p}`, descriptors);
    }
    for (const [personId, descriptors] of model) {
      const [first] = gallery.nearestPeople(descriptors[2] ?? sparse({}), 1);
      assert.deepEqual(first, { personId, distance: 0 });
    }
  });

  for (const kernel of ['wasm-simd', 'js'] as const) {
    describe(`agrees exactly with a brute-force scan (${kernel} scan)`, () => {
      for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
        it(`on random gallery #${seed}, through removes and upserts`, () => {
          const uniform = mulberry32(seed);
          const normal = gaussian(uniform);
          // Face-like clusters, with per-dimension spread varying by 4x.
          const mean = Float32Array.from({ length: DIM }, () => normal() * 0.05);
          const spread = Float64Array.from({ length: DIM }, () => 0.02 + uniform() * 0.06);
          const centres = new Map<string, Float32Array>();
          const model = new Map<string, Float32Array[]>();
          const gallery = new Gallery({ kernel });
          const enrol = (personId: string): void => {
            const centre = centres.get(personId) ?? around(mean, spread, normal);
            centres.set(personId, centre);
            const count = 1 + Math.floor(uniform() * 6);
            const descriptors = Array.from({ length: count }, () => around(centre, 0.025, normal));
            gallery.upsert(personId, descriptors);
            model.set(personId, descriptors);
          };
          const check = (stage: string): void => {
            assert.equal(gallery.personCount, model.size, stage);
            assert.equal(
              gallery.descriptorCount,
              [...model.values()].reduce((n, ds) => n + ds.length, 0),
              stage,
            );
            const ids = [...centres.keys()];
            for (let i = 0; i < 12; i++) {
              const known = centres.get(ids[Math.floor(uniform() * ids.length)] ?? '');
              const query = around(known ?? around(mean, spread, normal), 0.025, normal);
              for (const k of [1, 2, 3, 7]) {
                for (const maxDistance of [Infinity, 0.6, 0.45, 0.8]) {
                  assertSameNearest(
                    gallery.nearestPeople(query, k, maxDistance),
                    bruteForce(model, query, k, maxDistance),
                    `seed ${seed}, ${stage}, query ${i}, k ${k}, maxDistance ${maxDistance}`,
                  );
                }
              }
            }
          };

          const peopleCount = 20 + Math.floor(uniform() * 60);
          for (let p = 0; p < peopleCount; p++) enrol(`p${p}`);
          check('after enrolment');

          for (const id of [...model.keys()].filter(() => uniform() < 0.3)) {
            assert.equal(gallery.remove(id), true);
            model.delete(id);
          }
          check('after removes');

          for (const id of [...centres.keys()].filter(() => uniform() < 0.4)) enrol(id);
          for (let p = peopleCount; p < peopleCount + 10; p++) enrol(`p${p}`);
          check('after re-enrolment and newcomers');

          for (const id of [...model.keys()]) {
            if (uniform() < 0.9) {
              gallery.remove(id);
              model.delete(id);
            }
          }
          check('after removing almost everyone');
        });
      }
    });
  }
});

describe('decide', () => {
  const at = (distance: number, personId = 'ada'): NearestPerson => ({ personId, distance });

  it('is unknown at Infinity when nobody is near', () => {
    assert.deepEqual(decide([], thresholds), { kind: 'unknown', distance: Infinity });
  });

  it('is a match below the match threshold, with the runner-up when there is one', () => {
    assert.deepEqual(decide([at(0.3), at(0.58, 'bob')], thresholds), {
      kind: 'match',
      personId: 'ada',
      distance: 0.3,
      runnerUp: { personId: 'bob', distance: 0.58 },
    });
    assert.deepEqual(decide([at(0.3)], thresholds), { kind: 'match', personId: 'ada', distance: 0.3 });
  });

  it('is uncertain from exactly the match threshold up to the unknown threshold', () => {
    assert.deepEqual(decide([at(0.55)], thresholds), { kind: 'uncertain', personId: 'ada', distance: 0.55 });
    assert.deepEqual(decide([at(0.59999), at(0.7, 'bob')], thresholds), {
      kind: 'uncertain',
      personId: 'ada',
      distance: 0.59999,
    });
  });

  it('is unknown from exactly the unknown threshold', () => {
    assert.deepEqual(decide([at(0.6)], thresholds), { kind: 'unknown', distance: 0.6 });
    assert.deepEqual(decide([at(1.2)], thresholds), { kind: 'unknown', distance: 1.2 });
  });

  it('has no uncertain band when both thresholds are equal', () => {
    const equal = { match: 0.5, unknown: 0.5 };
    assert.equal(decide([at(0.4999)], equal).kind, 'match');
    assert.equal(decide([at(0.5)], equal).kind, 'unknown');
  });

  it('rejects thresholds that are negative, NaN or inverted with USAGE_INVALID', () => {
    for (const bad of [
      { match: -0.1, unknown: 0.6 },
      { match: NaN, unknown: 0.6 },
      { match: 0.5, unknown: NaN },
      { match: 0.6, unknown: 0.5 },
    ]) {
      assert.throws(() => decide([at(0.3)], bad), code(ErrorCode.UsageInvalid), JSON.stringify(bad));
    }
  });
});

describe('matchFace', () => {
  const exact = { match: 0.5, unknown: 0.75 };
  const gallery = new Gallery();
  gallery.upsert('ada', [sparse({ 0: 0.25 }), sparse({ 0: 0.5 })]);
  gallery.upsert('bob', [sparse({ 1: 0.625 })]);
  gallery.upsert('cy', [sparse({ 2: 0.75 })]);

  it('is unknown at Infinity on an empty gallery', () => {
    assert.deepEqual(matchFace(new Gallery(), sparse({}), thresholds), {
      kind: 'unknown',
      distance: Infinity,
    });
  });

  it('names the nearest person and the runner-up within the unknown threshold', () => {
    assert.deepEqual(matchFace(gallery, sparse({}), exact), {
      kind: 'match',
      personId: 'ada',
      distance: 0.25,
      runnerUp: { personId: 'bob', distance: 0.625 },
    });
  });

  it('is uncertain at exactly the match threshold', () => {
    const g = new Gallery();
    g.upsert('ada', [sparse({ 0: 0.5 })]);
    assert.deepEqual(matchFace(g, sparse({}), exact), { kind: 'uncertain', personId: 'ada', distance: 0.5 });
  });

  it('is unknown at exactly the unknown threshold, and does not look further', () => {
    const g = new Gallery();
    g.upsert('cy', [sparse({ 2: 0.75 })]);
    assert.deepEqual(matchFace(g, sparse({}), exact), { kind: 'unknown', distance: Infinity });
  });

  it('rejects a bad query with DESCRIPTOR_INVALID', () => {
    assert.throws(() => matchFace(gallery, new Float32Array(0), exact), code(ErrorCode.DescriptorInvalid));
  });
});
