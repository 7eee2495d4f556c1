import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DESCRIPTOR_LENGTH,
  ErrorCode,
  assertDescriptor,
  euclideanDistance,
  isRollcallError,
  meanDescriptor,
} from '../../src/core/index.js';

function descriptor(fill: (i: number) => number): Float32Array {
  return Float32Array.from({ length: DESCRIPTOR_LENGTH }, (_, i) => fill(i));
}

const invalidDescriptor = (error: unknown): boolean => isRollcallError(error, ErrorCode.DescriptorInvalid);

describe('euclideanDistance', () => {
  it('is the straight-line distance', () => {
    const a = descriptor(() => 0);
    const b = descriptor((i) => (i === 0 ? 3 : i === 1 ? 4 : 0));
    assert.equal(euclideanDistance(a, b), 5);
    assert.equal(euclideanDistance(b, a), 5);
  });

  it('is zero between a descriptor and itself', () => {
    const a = descriptor((i) => Math.sin(i));
    assert.equal(euclideanDistance(a, a), 0);
  });

  it('rejects descriptors of different lengths with DESCRIPTOR_INVALID', () => {
    assert.throws(() => euclideanDistance(new Float32Array(128), new Float32Array(127)), invalidDescriptor);
  });
});

describe('assertDescriptor', () => {
  it('accepts 128 finite float32 values', () => {
    assert.doesNotThrow(() => {
      assertDescriptor(descriptor((i) => i / 1000 - 0.05));
    });
  });

  const bad: [string, unknown][] = [
    ['a plain array', Array.from({ length: DESCRIPTOR_LENGTH }, () => 0)],
    ['a Float64Array', new Float64Array(DESCRIPTOR_LENGTH)],
    ['undefined', undefined],
    ['127 values', new Float32Array(127)],
    ['129 values', new Float32Array(129)],
    ['an empty array', new Float32Array(0)],
    ['a NaN', descriptor((i) => (i === 77 ? NaN : 0))],
    ['an Infinity', descriptor((i) => (i === 127 ? Infinity : 0))],
    ['a -Infinity', descriptor((i) => (i === 0 ? -Infinity : 0))],
  ];
  for (const [name, value] of bad) {
    it(`rejects ${name} with DESCRIPTOR_INVALID`, () => {
      assert.throws(() => {
        assertDescriptor(value);
      }, invalidDescriptor);
    });
  }

  it('names the offending value in the message', () => {
    assert.throws(
      () => {
        assertDescriptor(descriptor((i) => (i === 77 ? NaN : 0)));
      },
      { code: ErrorCode.DescriptorInvalid, message: /value 77/ },
    );
  });
});

describe('meanDescriptor', () => {
  it('averages element-wise', () => {
    const mean = meanDescriptor([descriptor(() => 1), descriptor((i) => i), descriptor(() => -1)]);
    assert.equal(mean.length, DESCRIPTOR_LENGTH);
    assert.equal(mean[0], 0);
    assert.equal(mean[6], 2);
    assert.ok(Math.abs((mean[100] ?? 0) - 100 / 3) < 1e-5);
  });

  it('returns a new array for a single descriptor', () => {
    const only = descriptor((i) => i / 128);
    const mean = meanDescriptor([only]);
    assert.notEqual(mean, only);
    assert.deepEqual(mean, only);
  });

  it('rejects no descriptors and invalid ones with DESCRIPTOR_INVALID', () => {
    assert.throws(() => meanDescriptor([]), invalidDescriptor);
    assert.throws(() => meanDescriptor([descriptor(() => 0), new Float32Array(3)]), invalidDescriptor);
  });
});
