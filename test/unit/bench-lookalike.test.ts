import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Gallery } from '../../src/core/index.js';
import { lookalikeOf } from '../../src/cli/bench-lookalike.js';

/** A unit vector in the plane of axes 0 and 1, `degrees` from axis 0. */
function at(degrees: number): Float32Array {
  const d = new Float32Array(32);
  d[0] = Math.cos((degrees * Math.PI) / 180);
  d[1] = Math.sin((degrees * Math.PI) / 180);
  return d;
}

describe('lookalikeOf', () => {
  const enrolled = new Map([
    ['ann', [at(0)]],
    ['bob', [at(90)]],
  ]);
  const gallery = new Gallery({ dimension: 32 });
  for (const [person, descriptors] of enrolled) gallery.upsert(person, descriptors);
  const rowsOf = (person: string): Float32Array[] => enrolled.get(person) ?? [];

  it('names the enrolled person nearest to most photos, with each photo’s distance and the pooled one', () => {
    // Photos 25°-40° from ann: one within the match threshold (29° is 0.50), the rest beyond it.
    const angles = [40, 29, 36, 35];
    const candidate = lookalikeOf(gallery, 'stranger', angles.map(at), rowsOf);
    assert.ok(candidate);
    assert.equal(candidate.lookalikeOf, 'ann');
    assert.equal(candidate.distances.length, 4);
    assert.ok(Math.abs((candidate.distances[1] ?? 0) - 2 * Math.sin((29 * Math.PI) / 360)) < 1e-6);
    const rad = angles.map((deg) => (deg * Math.PI) / 180);
    const pooledAngle = Math.atan2(
      rad.reduce((sum, r) => sum + Math.sin(r), 0),
      rad.reduce((sum, r) => sum + Math.cos(r), 0),
    );
    assert.ok(Math.abs(candidate.pooledDistance - 2 * Math.sin(pooledAngle / 2)) < 1e-6);
  });

  it('is undefined only when nobody is enrolled', () => {
    assert.equal(lookalikeOf(new Gallery({ dimension: 32 }), 'stranger', [at(45)], rowsOf), undefined);
    assert.equal(lookalikeOf(gallery, 'stranger', [at(80), at(70)], rowsOf)?.lookalikeOf, 'bob');
  });
});
