import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveEventOutboxOptions } from '../../src/recognition/outbox/index.js';
import {
  decodeEventLine,
  encodeAck,
  encodeEvent,
  encodeHeader,
  parseRecord,
} from '../../src/recognition/outbox/journal.js';
import { ErrorCode, isRollcallError } from '../../src/core/index.js';
import { systemClock } from '../../src/shared/index.js';
import { sampleEvent } from '../support/outbox-child.js';

/** A record line without its newline, as replay sees it. */
function body(line: Buffer): Buffer {
  assert.equal(line.at(-1), 0x0a, 'every record ends with a newline');
  assert.equal(line.indexOf(0x0a), line.length - 1, 'and holds no other');
  return line.subarray(0, -1);
}

describe('outbox journal records', () => {
  it('round-trips an event, crop bytes included', () => {
    const event = sampleEvent(5, 777);
    const line = body(encodeEvent(event));
    assert.deepEqual(parseRecord(line), { t: 'e', id: event.id, at: event.at });
    const decoded = decodeEventLine(line);
    assert.deepEqual(decoded, event);
    assert.equal(
      Object.getPrototypeOf(decoded.crop),
      Uint8Array.prototype,
      'a plain Uint8Array, not a Buffer',
    );
  });

  it('round-trips an event without a crop, and a crop that is a view into a larger buffer', () => {
    const none = sampleEvent(1);
    assert.deepEqual(decodeEventLine(body(encodeEvent(none))), none);
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const view = { ...sampleEvent(2), crop: backing.subarray(2, 5) };
    assert.deepEqual(decodeEventLine(body(encodeEvent(view)))?.crop, new Uint8Array([1, 2, 3]));
  });

  it('keeps an id with a newline or odd characters on one line', () => {
    const event = { ...sampleEvent(3), id: 'a\nb\u2028c"d\\e' };
    const line = body(encodeEvent(event));
    assert.equal(decodeEventLine(line)?.id, event.id);
  });

  it('parses headers and acknowledgements', () => {
    assert.deepEqual(parseRecord(body(encodeHeader())), { t: 'h', v: 1 });
    assert.deepEqual(parseRecord(body(encodeAck(['a', 'b']))), { t: 'a', ids: ['a', 'b'] });
  });

  it('never accepts a torn record: no proper prefix of a record parses', () => {
    for (const line of [encodeEvent(sampleEvent(8, 60)), encodeAck(['x', 'y']), encodeHeader()]) {
      const whole = body(line);
      for (let cut = 0; cut < whole.length; cut++) {
        assert.equal(parseRecord(whole.subarray(0, cut)), undefined, `prefix of ${cut} bytes`);
      }
    }
  });

  it('rejects well-formed JSON that is not a record', () => {
    for (const text of [
      '[]',
      '{}',
      '{"t":"x"}',
      '{"t":"e","e":{"id":"","at":"x","crop":null}}',
      '{"t":"e","e":{"id":"a","crop":null}}',
      '{"t":"e","e":{"id":"a","at":"x","crop":5}}',
      '{"t":"a","ids":[1]}',
      '{"t":"h","v":"1"}',
    ]) {
      assert.equal(parseRecord(Buffer.from(text)), undefined, text);
    }
    assert.equal(decodeEventLine(Buffer.from('{"t":"a","ids":[]}')), undefined);
  });
});

describe('resolveEventOutboxOptions', () => {
  it('fills the defaults', () => {
    assert.deepEqual(resolveEventOutboxOptions({ dir: 'data/outbox' }), {
      dir: 'data/outbox',
      maxPending: 100_000,
      maxRecordBytes: 4 * 1024 * 1024,
      compactMinAcked: 1000,
      compactAckedRatio: 0.5,
      maxHeldEvents: 2000,
      maxHeldBytes: 32 * 1024 * 1024,
      diskFullRetryMs: 1000,
      clock: systemClock,
    });
    assert.equal(resolveEventOutboxOptions({ dir: 'd', maxPending: undefined }).maxPending, 100_000);
  });

  it('names every bad option in one error', () => {
    assert.throws(
      () =>
        resolveEventOutboxOptions({
          dir: '',
          maxPending: 1.5,
          maxRecordBytes: 10,
          compactMinAcked: -1,
          compactAckedRatio: Number.NaN,
          maxHeldEvents: -1,
          maxHeldBytes: 0.5,
          diskFullRetryMs: 0,
        }),
      (error: unknown) => {
        assert.ok(isRollcallError(error, ErrorCode.UsageInvalid));
        for (const name of [
          'dir',
          'maxPending',
          'maxRecordBytes',
          'compactMinAcked',
          'compactAckedRatio',
          'maxHeldEvents',
          'maxHeldBytes',
          'diskFullRetryMs',
        ]) {
          assert.match(error.message, new RegExp(name));
        }
        return true;
      },
    );
  });
});
