import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRollcallError } from '../../src/core/index.js';
import {
  Command,
  DEFAULT_MAX_BINARY_BYTES,
  DEFAULT_MAX_JSON_BYTES,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  isProtocolError,
  PROTOCOL_VERSION,
  type DecodedFrame,
  type ProtocolErrorCode,
} from '../../src/bridge/protocol/index.js';

/** Three frames of different shapes, back to back. */
function stream(): { bytes: Buffer; frames: DecodedFrame[] } {
  const inputs = [
    { command: Command.PING, json: { t: 1 } },
    {
      command: Command.FRAME,
      json: { cameraId: 'c', note: 'ünïcødé ✓' },
      binary: Buffer.from([0xff, 0xd8, 1, 2, 3]),
    },
    { command: Command.ACK, json: { eventIds: [] }, binary: [Buffer.from([9]), new Uint8Array([8, 7])] },
  ] as const;
  const frames: DecodedFrame[] = [
    { version: PROTOCOL_VERSION, command: Command.PING, flags: 0, json: { t: 1 }, binary: Buffer.alloc(0) },
    {
      version: PROTOCOL_VERSION,
      command: Command.FRAME,
      flags: 0,
      json: { cameraId: 'c', note: 'ünïcødé ✓' },
      binary: Buffer.from([0xff, 0xd8, 1, 2, 3]),
    },
    {
      version: PROTOCOL_VERSION,
      command: Command.ACK,
      flags: 0,
      json: { eventIds: [] },
      binary: Buffer.from([9, 8, 7]),
    },
  ];
  return { bytes: Buffer.concat(inputs.map((input) => encodeFrame(input))), frames };
}

/** A header with every field chosen by the test. */
function header(
  fields: Partial<Record<'magic' | 'version' | 'command' | 'flags' | 'reserved', number>> & {
    jsonLength?: number;
    binaryLength?: number;
  },
): Buffer {
  const h = Buffer.alloc(FRAME_HEADER_BYTES);
  h.writeUInt16BE(fields.magic ?? 0x5243, 0);
  h[2] = fields.version ?? PROTOCOL_VERSION;
  h[3] = fields.command ?? Command.PING;
  h[4] = fields.flags ?? 0;
  h[5] = fields.reserved ?? 0;
  h.writeUInt32BE(fields.jsonLength ?? 2, 6);
  h.writeUInt32BE(fields.binaryLength ?? 0, 10);
  return h;
}

function refusedWith(code: ProtocolErrorCode, pattern?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isProtocolError(error), `expected a ProtocolError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

describe('encodeFrame', () => {
  it('writes the documented header: RC, version, command, flags, reserved, two u32 BE lengths', () => {
    const bytes = encodeFrame({ command: Command.PING, json: { t: 5 }, binary: Buffer.from([1, 2, 3]) });
    const json = Buffer.from('{"t":5}');
    assert.deepEqual(
      [...bytes.subarray(0, FRAME_HEADER_BYTES)],
      [0x52, 0x43, PROTOCOL_VERSION, Command.PING, 0, 0, 0, 0, 0, json.length, 0, 0, 0, 3],
    );
    assert.deepEqual(bytes.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + json.length), json);
    assert.deepEqual([...bytes.subarray(FRAME_HEADER_BYTES + json.length)], [1, 2, 3]);
  });

  it('refuses what the peer would refuse, before sending it', () => {
    assert.throws(
      () => encodeFrame({ command: Command.PING, json: { pad: 'x'.repeat(100) } }, { maxJsonBytes: 50 }),
      refusedWith(ErrorCode.FrameTooLarge, /PING frame: JSON part of \d+ bytes is over the limit of 50/),
    );
    assert.throws(
      () =>
        encodeFrame({ command: Command.FRAME, json: {}, binary: new Uint8Array(11) }, { maxBinaryBytes: 10 }),
      refusedWith(ErrorCode.FrameTooLarge, /binary part of 11 bytes/),
    );
    assert.throws(
      () => encodeFrame({ command: 99 as Command, json: {} }),
      refusedWith(ErrorCode.UnknownCommand),
    );
    assert.throws(
      () => encodeFrame({ command: Command.PING, json: undefined }),
      refusedWith(ErrorCode.BadJson),
    );
    assert.throws(
      () => encodeFrame({ command: Command.PING, json: { t: 1n } }),
      refusedWith(ErrorCode.BadJson),
    );
  });

  it('names a bad limit option', () => {
    for (const [option, value] of [
      ['maxJsonBytes', 0],
      ['maxJsonBytes', 1.5],
      ['maxBinaryBytes', 2 ** 32],
      ['maxBinaryBytes', Number.NaN],
    ] as const) {
      assert.throws(
        () => new FrameDecoder({ [option]: value }),
        (error) =>
          isRollcallError(error, ErrorCode.UsageInvalid) && error.message.includes(`option ${option} `),
      );
    }
  });
});

describe('FrameDecoder', () => {
  it('decodes frames coalesced into one chunk', () => {
    const { bytes, frames } = stream();
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(bytes), frames);
    assert.equal(decoder.idle, true);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('reassembles frames split at every byte boundary', () => {
    const { bytes, frames } = stream();
    for (let split = 0; split <= bytes.length; split++) {
      const decoder = new FrameDecoder();
      const got = [...decoder.push(bytes.subarray(0, split)), ...decoder.push(bytes.subarray(split))];
      assert.deepEqual(got, frames, `split at ${split}`);
    }
  });

  it('reassembles frames split at every pair of boundaries and fed a byte at a time', () => {
    const { bytes, frames } = stream();
    for (let a = 0; a <= bytes.length; a += 3) {
      for (let b = a; b <= bytes.length; b += 5) {
        const decoder = new FrameDecoder();
        const got = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)].flatMap((c) =>
          decoder.push(c),
        );
        assert.deepEqual(got, frames, `split at ${a} and ${b}`);
      }
    }
    const decoder = new FrameDecoder();
    const got: DecodedFrame[] = [];
    for (const byte of bytes) got.push(...decoder.push(Uint8Array.of(byte)));
    assert.deepEqual(got, frames);
    assert.equal(decoder.idle, true);
  });

  it('gives each frame its own memory, so reusing the input chunk changes nothing', () => {
    const chunk = encodeFrame({ command: Command.FRAME, json: {}, binary: Buffer.from([0xff, 0xd8, 7]) });
    const [frame] = new FrameDecoder().push(chunk);
    chunk.fill(0);
    assert.deepEqual([...(frame?.binary ?? [])], [0xff, 0xd8, 7]);
  });

  it('refuses a stream that is not the bridge at its first wrong byte', () => {
    assert.throws(() => new FrameDecoder().push(Buffer.from('G')), refusedWith(ErrorCode.BadMagic, /0x47/));
    assert.throws(
      () => new FrameDecoder().push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')),
      refusedWith(ErrorCode.BadMagic, /not a Rollcall bridge stream/),
    );
    assert.throws(() => new FrameDecoder().push(header({ magic: 0x5244 })), refusedWith(ErrorCode.BadMagic));
  });

  it('refuses another protocol version, naming both', () => {
    assert.throws(
      // A version-1 peer: from before descriptor models, whose binary parts this side would misread.
      () => new FrameDecoder().push(header({ version: 1 }).subarray(0, 3)),
      refusedWith(
        ErrorCode.VersionMismatch,
        new RegExp(`version 1, this side speaks version ${PROTOCOL_VERSION}`),
      ),
    );
  });

  it('refuses unknown commands, flags and a non-zero reserved byte', () => {
    for (const command of [0, 18, 255]) {
      assert.throws(
        () => new FrameDecoder().push(header({ command }).subarray(0, 4)),
        refusedWith(ErrorCode.UnknownCommand, new RegExp(`unknown command ${command}`)),
      );
    }
    assert.throws(
      () => new FrameDecoder().push(header({ flags: 1 })),
      refusedWith(ErrorCode.BadHeader, /flags/),
    );
    assert.throws(
      () => new FrameDecoder().push(header({ reserved: 7 })),
      refusedWith(ErrorCode.BadHeader, /reserved byte is 7/),
    );
  });

  it('refuses a JSON or binary part over the limit from the header alone', () => {
    assert.throws(
      () => new FrameDecoder().push(header({ jsonLength: DEFAULT_MAX_JSON_BYTES + 1 })),
      refusedWith(ErrorCode.FrameTooLarge, /JSON part of 1048577 bytes is over the limit of 1048576/),
    );
    assert.throws(
      () => new FrameDecoder().push(header({ binaryLength: DEFAULT_MAX_BINARY_BYTES + 1 })),
      refusedWith(ErrorCode.FrameTooLarge, /binary part of 8388609 bytes/),
    );
    assert.throws(
      () => new FrameDecoder({ maxJsonBytes: 16, maxBinaryBytes: 16 }).push(header({ binaryLength: 17 })),
      refusedWith(ErrorCode.FrameTooLarge),
    );
    // At the limit is fine.
    const decoder = new FrameDecoder({ maxJsonBytes: 16, maxBinaryBytes: 16 });
    assert.deepEqual(decoder.push(header({ jsonLength: 16, binaryLength: 16 })), []);
  });

  it('refuses a 4 GB length prefix without allocating anything for it', () => {
    const allocations: number[] = [];
    const spied = ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const;
    const originals = spied.map((name) => Buffer[name].bind(Buffer) as (...args: unknown[]) => Buffer);
    const writable = Buffer as unknown as Record<string, (...args: unknown[]) => Buffer>;
    spied.forEach((name, index) => {
      const original = originals[index];
      writable[name] = (...args: unknown[]) => {
        allocations.push(Number(args[0]));
        return original ? original(...args) : Buffer.alloc(0);
      };
    });
    try {
      const json = new FrameDecoder();
      const first10 = header({ jsonLength: 0xffff_ffff }).subarray(0, 10);
      // Refused as soon as the length field is complete, before the binary length even arrives.
      assert.throws(() => json.push(first10), refusedWith(ErrorCode.FrameTooLarge, /4294967295 bytes/));
      assert.equal(json.bufferedBytes, 0);

      const binary = new FrameDecoder();
      assert.deepEqual(binary.push(header({ binaryLength: 0xffff_ffff }).subarray(0, 13)), []);
      assert.equal(binary.bufferedBytes, 13);
      assert.throws(() => binary.push(Uint8Array.of(0xff)), refusedWith(ErrorCode.FrameTooLarge));
      assert.equal(binary.bufferedBytes, 0);
    } finally {
      spied.forEach((name, index) => {
        writable[name] = originals[index] as (...args: unknown[]) => Buffer;
      });
    }
    assert.ok(
      allocations.every((size) => size <= FRAME_HEADER_BYTES),
      `allocated ${allocations.join(', ')}`,
    );
  });

  it('buffers what has arrived, not what the header announces', () => {
    const decoder = new FrameDecoder();
    decoder.push(header({ jsonLength: 2, binaryLength: DEFAULT_MAX_BINARY_BYTES }));
    assert.equal(decoder.bufferedBytes, FRAME_HEADER_BYTES);
    decoder.push(Buffer.from('{}'));
    assert.ok(decoder.bufferedBytes <= FRAME_HEADER_BYTES + 64 * 1024, `${decoder.bufferedBytes}`);
    let sent = 2;
    while (sent < 1024 * 1024) {
      decoder.push(Buffer.alloc(4096));
      sent += 4096;
      const bound = FRAME_HEADER_BYTES + Math.max(64 * 1024, 2 * sent);
      assert.ok(decoder.bufferedBytes <= bound, `${decoder.bufferedBytes} after ${sent}`);
    }
    assert.equal(decoder.idle, false);
    assert.ok(decoder.bufferedBytes <= decoder.maxBufferedBytes);
  });

  it('decodes a maximum-size frame fed in small chunks in linear time', () => {
    const binary = Buffer.alloc(DEFAULT_MAX_BINARY_BYTES, 0xab);
    const bytes = encodeFrame({ command: Command.FRAME, json: { n: 1 }, binary });
    const decoder = new FrameDecoder();
    const started = performance.now();
    const frames: DecodedFrame[] = [];
    for (let offset = 0; offset < bytes.length; offset += 1460) {
      frames.push(...decoder.push(bytes.subarray(offset, offset + 1460)));
    }
    const elapsedMs = performance.now() - started;
    assert.equal(frames.length, 1);
    assert.ok(frames[0]?.binary.equals(binary));
    // Repeated concatenation of the backlog would copy ~24 GB here and take minutes.
    assert.ok(elapsedMs < 2000, `took ${elapsedMs.toFixed(0)} ms`);
  });

  it('refuses an empty, non-UTF-8 or non-JSON JSON part without quoting it', () => {
    assert.throws(
      () => new FrameDecoder().push(header({ jsonLength: 0 })),
      refusedWith(ErrorCode.BadJson, /empty/),
    );
    const badUtf8 = Buffer.concat([header({ jsonLength: 4 }), Buffer.from([0x22, 0xc3, 0x28, 0x22])]);
    assert.throws(() => new FrameDecoder().push(badUtf8), refusedWith(ErrorCode.BadJson, /not valid UTF-8/));
    const overlong = Buffer.concat([header({ jsonLength: 4 }), Buffer.from([0x22, 0xc0, 0xaf, 0x22])]);
    assert.throws(() => new FrameDecoder().push(overlong), refusedWith(ErrorCode.BadJson, /UTF-8/));
    const notJson = Buffer.concat([header({ jsonLength: 9 }), Buffer.from('{secret:1')]);
    assert.throws(
      () => new FrameDecoder().push(notJson),
      (error) => refusedWith(ErrorCode.BadJson, /not valid JSON/)(error) && !String(error).includes('secret'),
    );
  });

  it('stays failed: every later push throws the same error', () => {
    const decoder = new FrameDecoder();
    const { bytes } = stream();
    assert.equal(decoder.push(bytes).length, 3);
    let first: unknown;
    try {
      decoder.push(header({ reserved: 1 }));
    } catch (error) {
      first = error;
    }
    assert.ok(isProtocolError(first, ErrorCode.BadHeader));
    assert.equal(decoder.failure, first);
    assert.equal(decoder.idle, false);
    assert.equal(decoder.bufferedBytes, 0);
    for (const chunk of [bytes, Buffer.alloc(0), Buffer.from('RC')]) {
      assert.throws(
        () => decoder.push(chunk),
        (error) => error === first,
      );
    }
  });
});
