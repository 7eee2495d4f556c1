import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lfwPhotoFile, parseLfwPairs } from '../../src/core/index.js';

describe('parseLfwPairs', () => {
  it('reads folds of same then different pairs', () => {
    const text = '2\t1\nAnn_Lee\t1\t2\nAnn_Lee\t1\tBob\t3\nBob\t2 4\nCat\t1\tAnn_Lee\t2\n\n';
    const parsed = parseLfwPairs(text);
    assert.equal(parsed.folds, 2);
    assert.equal(parsed.pairsPerKind, 1);
    assert.deepEqual(parsed.pairs[0], {
      fold: 1,
      same: true,
      a: { name: 'Ann_Lee', index: 1 },
      b: { name: 'Ann_Lee', index: 2 },
    });
    assert.deepEqual(
      parsed.pairs.map((p) => [p.fold, p.same]),
      [
        [1, true],
        [1, false],
        [2, true],
        [2, false],
      ],
    );
    assert.equal(lfwPhotoFile({ name: 'Ann_Lee', index: 3 }), 'Ann_Lee_0003.jpg');
  });

  it('names the line that is wrong', () => {
    assert.throws(() => parseLfwPairs('x\n'), /line 1/);
    assert.throws(
      () => parseLfwPairs('1\t1\nAnn\t1\nAnn\t1\tBob\t2\n'),
      /line 2: expected a same-person pair/,
    );
    assert.throws(() => parseLfwPairs('1\t1\nAnn\t1\t2\n'), /promises 1 folds/);
    assert.throws(() => parseLfwPairs('1\t1\n..\t1\t2\nAnn\t1\tBob\t2\n'), /line 2: "\.\." is not/);
  });
});
