import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateArgs } from '../../src/cli/evaluate-args.js';

const FLAGS = { json: false, baseline: false, 'no-cache': false };
const CONFIG = { dataDir: '/var/rollcall' };

describe('evaluateArgs', () => {
  it('fills in the defaults: 500 strangers, seed 1, the cache under DATA_DIR', () => {
    const args = evaluateArgs({ ...FLAGS, 'open-set': '/photos' }, CONFIG);
    assert.equal(args.openSet, '/photos');
    assert.equal(args.strangers, 500);
    assert.equal(args.seed, 1);
    assert.equal(args.cache, '/var/rollcall/eval-cache');
    assert.equal(args.embedders, undefined);
  });

  it('reads --no-cache, --embedder lists and thresholds', () => {
    const args = evaluateArgs(
      {
        ...FLAGS,
        'no-cache': true,
        embedder: 'fr-feature, face-api,fr-feature',
        match: '0.9',
        strangers: '0',
      },
      CONFIG,
    );
    assert.equal(args.cache, null);
    assert.deepEqual(args.embedders, ['fr-feature', 'face-api']);
    assert.equal(args.match, 0.9);
    assert.equal(args.strangers, 0);
  });

  it('names the flag that is wrong', () => {
    assert.throws(
      () => evaluateArgs({ ...FLAGS, 'no-cache': true, cache: '/x' }, CONFIG),
      /--cache DIR or --no-cache/,
    );
    assert.throws(() => evaluateArgs({ ...FLAGS, strangers: '-1' }, CONFIG), /--strangers/);
    assert.throws(() => evaluateArgs({ ...FLAGS, seed: '1.5' }, CONFIG), /--seed/);
    assert.throws(() => evaluateArgs({ ...FLAGS, match: 'x' }, CONFIG), /--match/);
    assert.throws(() => evaluateArgs({ ...FLAGS, embedder: 'dlib' }, CONFIG), /--embedder .* "dlib"/);
  });
});
