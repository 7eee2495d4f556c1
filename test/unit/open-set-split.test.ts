import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { enrollCount, openSetSplit, type PersonPhotos } from '../../src/core/index.js';

function person(identity: string, n: number): PersonPhotos<string> {
  return { identity, photos: Array.from({ length: n }, (_, i) => `${identity}_${i + 1}`) };
}

describe('enrollCount', () => {
  it('enrolls min(3, ⌈n/2⌉) photos, one when there are two, none for one-photo people', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 20].map((n) => enrollCount(n)),
      [0, 1, 2, 2, 3, 3, 3, 3],
    );
  });
});

describe('openSetSplit', () => {
  const people = [
    person('ann', 2),
    person('bob', 5),
    person('cat', 20),
    ...Array.from({ length: 10 }, (_, i) => person(`s${i}`, 1)),
  ];

  it('enrolls and probes each person with several photos, and probes chosen loners as strangers', () => {
    const split = openSetSplit(people, { strangers: 4, seed: 7 });
    assert.equal(split.enrolledPeople, 3);
    assert.equal(split.strangers, 4);
    const count = (list: { identity: string }[], who: string) =>
      list.filter((p) => p.identity === who).length;
    assert.deepEqual(
      ['ann', 'bob', 'cat'].map((who) => [count(split.enroll, who), count(split.probe, who)]),
      [
        [1, 1],
        [3, 2],
        [3, 2],
      ],
    );
    for (const who of ['ann', 'bob', 'cat']) {
      const enrolled = new Set(split.enroll.filter((p) => p.identity === who).map((p) => p.photo));
      const probed = split.probe.filter((p) => p.identity === who);
      assert.ok(
        probed.every((p) => p.enrolled && !enrolled.has(p.photo)),
        'a probe is never an enrolled photo',
      );
    }
    const strangers = split.probe.filter((p) => !p.enrolled);
    assert.equal(strangers.length, 4);
    assert.ok(strangers.every((p) => p.identity.startsWith('s')));
  });

  it('is the same for a seed whatever order the people come in, and differs for another seed', () => {
    const a = openSetSplit(people, { strangers: 4, seed: 7 });
    const b = openSetSplit(people.slice().reverse(), { strangers: 4, seed: 7 });
    const c = openSetSplit(people, { strangers: 4, seed: 8 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('takes every loner when fewer than asked, and refuses a bad count', () => {
    assert.equal(openSetSplit(people, { strangers: 500 }).strangers, 10);
    assert.throws(() => openSetSplit(people, { strangers: -1 }), /strangers/);
  });
});
