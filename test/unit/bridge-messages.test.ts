import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DESCRIPTOR_LENGTH, ErrorCode, RollcallError, isRollcallError } from '../../src/core/index.js';
import {
  Command,
  DEFAULT_MAX_BINARY_BYTES,
  encodeMessage,
  errorFromMessage,
  errorMessage,
  FrameDecoder,
  isProtocolError,
  MESSAGE_LIMITS,
  packDescriptors,
  parseMessage,
  ProtocolError,
  unpackDescriptors,
  wireDescriptorBytes,
  wireSchemas,
  type BridgeMessage,
  type DecodedFrame,
  type MessageOf,
  type ProtocolErrorCode,
} from '../../src/bridge/protocol/index.js';
import { sampleDescriptor, sampleJpeg, sampleMessages } from '../support/sample-messages.js';
import { snapshotParts } from '../../src/bridge/index.js';

/** Bytes of one face-api descriptor, the model most of these tests use. */
const DESCRIPTOR_BYTES = wireDescriptorBytes('face-api');

function decodeOne(bytes: Buffer): DecodedFrame {
  const frames = new FrameDecoder().push(bytes);
  assert.equal(frames.length, 1);
  return frames[0] as DecodedFrame;
}

function roundTrip(message: BridgeMessage): BridgeMessage {
  return parseMessage(decodeOne(encodeMessage(message)));
}

/** Buffers become plain Uint8Arrays so a parsed message compares equal to the one built by hand. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function frame(command: Command, json: unknown, binary: Uint8Array | number[] = []): DecodedFrame {
  return { version: 1, command, flags: 0, json, binary: Buffer.from(binary) };
}

function sample<C extends Command>(command: C): MessageOf<C> {
  const found = sampleMessages().find((m): m is MessageOf<C> => m.command === command);
  assert.ok(found, `no sample for command ${command}`);
  return found;
}

function refusedWith(code: ProtocolErrorCode, ...patterns: RegExp[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isProtocolError(error), `expected a ProtocolError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  };
}

const badMessage = (...patterns: RegExp[]): ((error: unknown) => boolean) =>
  refusedWith(ErrorCode.BadMessage, ...patterns);

describe('Command', () => {
  it('keeps its wire numbers', () => {
    assert.deepEqual(Command, {
      HELLO: 1,
      CHALLENGE: 2,
      AUTH: 3,
      READY: 4,
      ERROR: 5,
      PING: 6,
      PONG: 7,
      STATUS: 8,
      EVENT: 9,
      ACK: 10,
      FRAME: 11,
      GALLERY_SNAPSHOT: 12,
      GALLERY_UPSERT: 13,
      GALLERY_REMOVE: 14,
      SETTINGS: 15,
      EMBED_REQUEST: 16,
      EMBED_REPLY: 17,
    });
    assert.deepEqual(Object.keys(wireSchemas).map(Number), Object.values(Command));
  });
});

describe('encodeMessage and parseMessage', () => {
  it('round-trip a sample of every command', () => {
    const messages = sampleMessages();
    assert.deepEqual(new Set(messages.map((m) => m.command)), new Set(Object.values(Command)));
    for (const message of messages) {
      assert.deepStrictEqual(plain(roundTrip(message)), plain(message), `command ${message.command}`);
    }
  });

  it('round-trip a whole session of messages through one decoder in one chunk', () => {
    const messages = sampleMessages();
    const frames = new FrameDecoder().push(Buffer.concat(messages.map((m) => encodeMessage(m))));
    assert.deepStrictEqual(plain(frames.map(parseMessage)), plain(messages));
  });

  it('sends binary parts raw beside the JSON, never inside it', () => {
    const event = sample(Command.EVENT);
    const bytes = encodeMessage(event);
    const parsed = decodeOne(bytes);
    assert.deepEqual(parsed.json, {
      ...Object.fromEntries(Object.entries(event.event).filter(([key]) => key !== 'crop')),
      cropBytes: 200,
    });
    assert.deepEqual(new Uint8Array(parsed.binary), event.event.crop);

    const upsert = decodeOne(encodeMessage(sample(Command.GALLERY_UPSERT)));
    assert.deepEqual(upsert.json, {
      version: 8,
      model: 'face-api',
      personId: 'person-44',
      descriptorCount: 3,
    });
    assert.equal(upsert.binary.length, 3 * DESCRIPTOR_BYTES);

    const request = decodeOne(encodeMessage(sample(Command.EMBED_REQUEST)));
    assert.deepEqual(request.json, {
      requestId: 'job-17',
      photos: [
        { name: 'front.jpg', bytes: 120 },
        { name: 'side.png', bytes: 7 },
      ],
    });

    const reply = decodeOne(encodeMessage(sample(Command.EMBED_REPLY)));
    assert.equal((reply.json as { model: string }).model, 'fr-feature');
    assert.equal(reply.binary.length, 2 * wireDescriptorBytes('fr-feature'));
    assert.equal(JSON.stringify(reply.json).includes('descriptor'), false);
  });

  it('drops fields the schema does not know, so a newer peer can add optional ones', () => {
    const parsed = parseMessage(frame(Command.PING, { t: 3, extra: 'ignored' }));
    assert.deepEqual(parsed, { command: Command.PING, t: 3 });
  });
});

describe('parseMessage refuses a bad shape, naming the command and the field', () => {
  const cases: [string, DecodedFrame, RegExp[]][] = [
    ['not an object', frame(Command.PING, [1]), [/^PING message: the JSON part: .*expected object/]],
    ['missing field', frame(Command.PING, {}), [/^PING message: field t: /]],
    ['a number sent as a string', frame(Command.PING, { t: '1' }), [/field t/]],
    [
      'short nonce',
      frame(Command.HELLO, { protocol: 1, clientId: 'w', clientNonce: 'abc' }),
      [/^HELLO message: field clientNonce: must be 64 lowercase hex digits/],
    ],
    [
      'upper-case proof',
      frame(Command.AUTH, { clientProof: 'A'.repeat(64) }),
      [/^AUTH message: field clientProof/],
    ],
    [
      'id over 128 characters',
      frame(Command.READY, { nodeId: 'n'.repeat(MESSAGE_LIMITS.idChars + 1) }),
      [/^READY message: field nodeId: Too big/],
    ],
    ['empty id', frame(Command.READY, { nodeId: '' }), [/field nodeId: Too small/]],
    [
      'too many acknowledgements',
      frame(Command.ACK, {
        eventIds: Array.from({ length: MESSAGE_LIMITS.ackEventIds + 1 }, (_, i) => `e${i}`),
      }),
      [/^ACK message: field eventIds: Too big/],
    ],
    ['non-string event id', frame(Command.ACK, { eventIds: ['a', 7] }), [/field eventIds\.1/]],
    [
      'negative box width',
      frame(Command.FRAME, {
        ...sample(Command.FRAME).metadata,
        faces: [{ ...faceOf(), box: { x: 0, y: 0, width: -1, height: 2 } }],
      }),
      [/^FRAME message: field faces\.0\.box\.width: Too small/],
    ],
    [
      'error code that is not a code',
      frame(Command.ERROR, { code: 'auth failed', message: 'x' }),
      [/^ERROR message: field code: must be an UPPER_SNAKE_CASE error code/],
    ],
    [
      'error message too long',
      frame(Command.ERROR, { code: 'X', message: 'm'.repeat(MESSAGE_LIMITS.errorMessageChars + 1) }),
      [/field message: Too big/],
    ],
    [
      'unknown threshold below match',
      frame(Command.SETTINGS, { thresholds: { match: 0.6, unknown: 0.5 } }),
      [/^SETTINGS message: field thresholds\.unknown: must be at least thresholds.match/],
    ],
    [
      'fractional consensus',
      frame(Command.SETTINGS, { thresholds: { match: 0.5, unknown: 0.6 }, consensusFrames: 2.5 }),
      [/field consensusFrames/],
    ],
    [
      'too many cameras',
      frame(Command.STATUS, {
        ...statusJson(),
        cameras: Array.from({ length: MESSAGE_LIMITS.cameras + 1 }, (_, i) => ({
          ...cameraJson(),
          cameraId: `c${i}`,
        })),
      }),
      [/^STATUS message: field cameras: Too big/],
    ],
    [
      'a camera role that is not entry, exit or both',
      frame(Command.STATUS, { ...statusJson(), cameras: [{ ...cameraJson(), role: 'entrance' }] }),
      [/^STATUS message: field cameras\.0\.role/],
    ],
    [
      'negative outbox depth',
      frame(Command.STATUS, { ...statusJson(), outboxDepth: -1 }),
      [/field outboxDepth/],
    ],
    [
      'a snapshot naming one person twice',
      frame(
        Command.GALLERY_SNAPSHOT,
        {
          version: 1,
          model: 'face-api',
          people: [
            { personId: 'p', descriptorCount: 1 },
            { personId: 'p', descriptorCount: 1 },
          ],
        },
        packDescriptors([sampleDescriptor(1), sampleDescriptor(2)], 'face-api'),
      ),
      [/^GALLERY_SNAPSHOT message: field people\.1\.personId: appears twice/],
    ],
    [
      'zero descriptors for a person',
      frame(Command.GALLERY_UPSERT, { version: 1, model: 'face-api', personId: 'p', descriptorCount: 0 }),
      [/^GALLERY_UPSERT message: field descriptorCount/],
    ],
    [
      'an embed reply that is ok with no faces array',
      frame(Command.EMBED_REPLY, {
        requestId: 'r',
        model: 'face-api',
        results: [{ name: 'a.jpg', ok: true }],
      }),
      [/^EMBED_REPLY message: field results\.0\.faces/],
    ],
    [
      'an embed request without photos',
      frame(Command.EMBED_REQUEST, { requestId: 'r', photos: [] }),
      [/^EMBED_REQUEST message: field photos: Too small/],
    ],
  ];
  for (const [name, input, patterns] of cases) {
    it(name, () => {
      assert.throws(() => parseMessage(input), badMessage(...patterns));
    });
  }

  it('EVENT: a named event needs a person and an unknown one must not have one', () => {
    const json = { ...eventJson(), cropBytes: 0 };
    assert.throws(
      () => parseMessage(frame(Command.EVENT, { ...json, personId: null })),
      badMessage(/^EVENT message: field personId: must be null exactly when type is "unknown"/),
    );
    assert.throws(
      () => parseMessage(frame(Command.EVENT, { ...json, type: 'unknown' })),
      badMessage(/field personId/),
    );
    assert.throws(
      () => parseMessage(frame(Command.EVENT, { ...json, at: 'yesterday' })),
      badMessage(/field at/),
    );
    assert.throws(
      () => parseMessage(frame(Command.EVENT, { ...json, type: 'guessed' })),
      badMessage(/field type/),
    );
    // Who an unknown face looked like travels with it; a named event has no candidate.
    assert.throws(
      () => parseMessage(frame(Command.EVENT, { ...json, candidate: { personId: 'p-1', distance: 0.4 } })),
      badMessage(/field candidate: only an unknown event is unconfirmed or has a candidate/),
    );
    const unknown = { ...json, type: 'unknown', personId: null };
    assert.throws(
      () => parseMessage(frame(Command.EVENT, { ...unknown, candidate: { personId: 'p-1', distance: -1 } })),
      badMessage(/field candidate\.distance/),
    );
  });
});

function faceOf(): object {
  return {
    trackId: 't',
    box: { x: 0, y: 0, width: 1, height: 1 },
    state: 'pending',
    personId: null,
    distance: null,
  };
}

function cameraJson(): object {
  return { cameraId: 'c', fps: 1, droppedFrames: 0, latencyP95Ms: null, online: true };
}

/** The EVENT sample's JSON part, without `cropBytes`. */
function eventJson(): Record<string, unknown> {
  const json: Record<string, unknown> = { ...sample(Command.EVENT).event };
  delete json.crop;
  return json;
}

function statusJson(): object {
  const json: Record<string, unknown> = { ...sample(Command.STATUS) };
  delete json.command;
  return json;
}

describe('parseMessage checks binary parts against what the JSON declares', () => {
  it('refuses a binary part on commands that have none', () => {
    for (const message of sampleMessages()) {
      const decoded = decodeOne(encodeMessage(message));
      if (decoded.binary.length > 0) continue;
      if (message.command === Command.GALLERY_SNAPSHOT || message.command === Command.EMBED_REPLY) continue;
      if (message.command === Command.EVENT) continue;
      assert.throws(
        () => parseMessage({ ...decoded, binary: Buffer.from([1]) }),
        badMessage(/carries no binary part, got 1 bytes/),
        `command ${message.command}`,
      );
    }
  });

  it('GALLERY_UPSERT: descriptorCount × the model’s descriptor bytes of finite float32', () => {
    const json = { version: 1, model: 'face-api', personId: 'p', descriptorCount: 2 };
    const two = packDescriptors([sampleDescriptor(1), sampleDescriptor(2)], 'face-api');
    assert.equal(parseMessage(frame(Command.GALLERY_UPSERT, json, two)).command, Command.GALLERY_UPSERT);
    assert.throws(
      () => parseMessage(frame(Command.GALLERY_UPSERT, json, two.subarray(0, 512))),
      badMessage(/^GALLERY_UPSERT message: binary part is 512 bytes, but 2 face-api descriptors need 1024/),
    );
    assert.throws(
      () => parseMessage(frame(Command.GALLERY_UPSERT, json, two.subarray(0, 1023))),
      badMessage(/1023 bytes/),
    );
    const poisoned = Buffer.from(two);
    poisoned.writeFloatLE(Number.NaN, 512 + 4 * 5);
    assert.throws(
      () => parseMessage(frame(Command.GALLERY_UPSERT, json, poisoned)),
      badMessage(/GALLERY_UPSERT message: descriptor 1 value 5 is not a finite number/),
    );
    // The same bytes are half a fr-feature descriptor: the model named in the JSON decides.
    const fr = { ...json, model: 'fr-feature', descriptorCount: 1 };
    assert.throws(
      () => parseMessage(frame(Command.GALLERY_UPSERT, fr, two)),
      badMessage(/binary part is 1024 bytes, but 1 fr-feature descriptors need 2048/),
    );
    const one = packDescriptors([sampleDescriptor(1, 'fr-feature')], 'fr-feature');
    const parsed = parseMessage(frame(Command.GALLERY_UPSERT, fr, one));
    assert.ok(parsed.command === Command.GALLERY_UPSERT);
    assert.equal(parsed.model, 'fr-feature');
    assert.deepEqual(parsed.descriptors, [sampleDescriptor(1, 'fr-feature')]);
    assert.throws(
      () => parseMessage(frame(Command.GALLERY_UPSERT, { ...json, model: 'dlib' }, two)),
      badMessage(/^GALLERY_UPSERT message: field model/),
    );
    assert.throws(
      () =>
        parseMessage(frame(Command.GALLERY_UPSERT, { version: 1, personId: 'p', descriptorCount: 2 }, two)),
      badMessage(/^GALLERY_UPSERT message: field model/),
      'a version-1 message without a model is refused, never read as face-api',
    );
  });

  it('GALLERY_SNAPSHOT: every person’s descriptors, in order', () => {
    const json = {
      version: 3,
      model: 'face-api',
      people: [
        { personId: 'a', descriptorCount: 1 },
        { personId: 'b', descriptorCount: 2 },
      ],
    };
    assert.throws(
      () =>
        parseMessage(
          frame(Command.GALLERY_SNAPSHOT, json, packDescriptors([sampleDescriptor(1)], 'face-api')),
        ),
      badMessage(/3 face-api descriptors need 1536/),
    );
  });

  it('EVENT: cropBytes of JPEG, or nothing', () => {
    const event = eventJson();
    const jpeg = sampleJpeg(50);
    assert.throws(
      () => parseMessage(frame(Command.EVENT, { ...event, cropBytes: 51 }, jpeg)),
      badMessage(/^EVENT message: binary part is 50 bytes, but cropBytes says 51/),
    );
    assert.throws(
      () => parseMessage(frame(Command.EVENT, { ...event, cropBytes: 0 }, jpeg)),
      badMessage(/cropBytes says 0/),
    );
    assert.throws(
      () => parseMessage(frame(Command.EVENT, { ...event, cropBytes: 3 }, [1, 2, 3])),
      badMessage(/crop is not a JPEG/),
    );
  });

  it('FRAME: the binary part is the JPEG', () => {
    const { metadata } = sample(Command.FRAME);
    assert.throws(
      () => parseMessage(frame(Command.FRAME, metadata)),
      badMessage(/^FRAME message: binary part is not a JPEG/),
    );
    assert.throws(() => parseMessage(frame(Command.FRAME, metadata, [0x89, 0x50])), badMessage(/not a JPEG/));
  });

  it('EMBED_REQUEST: the photos’ byte counts add up to the binary part', () => {
    const json = {
      requestId: 'r',
      photos: [
        { name: 'a.jpg', bytes: 3 },
        { name: 'b.jpg', bytes: 2 },
      ],
    };
    const parsed = parseMessage(frame(Command.EMBED_REQUEST, json, [1, 2, 3, 4, 5]));
    assert.ok(parsed.command === Command.EMBED_REQUEST);
    assert.deepEqual(
      parsed.photos.map((p) => [p.name, [...p.data]]),
      [
        ['a.jpg', [1, 2, 3]],
        ['b.jpg', [4, 5]],
      ],
    );
    assert.throws(
      () => parseMessage(frame(Command.EMBED_REQUEST, json, [1, 2, 3, 4])),
      badMessage(/^EMBED_REQUEST message: binary part is 4 bytes, but the photos add up to 5/),
    );
  });

  it('EMBED_REPLY: one descriptor per face found, in order', () => {
    const reply = decodeOne(encodeMessage(sample(Command.EMBED_REPLY)));
    assert.throws(
      () => parseMessage({ ...reply, binary: reply.binary.subarray(wireDescriptorBytes('fr-feature')) }),
      badMessage(
        /^EMBED_REPLY message: binary part is 2048 bytes, but 2 fr-feature face descriptors need 4096/,
      ),
    );
    const parsed = parseMessage(reply);
    assert.ok(parsed.command === Command.EMBED_REPLY);
    assert.equal(parsed.model, 'fr-feature');
    const [first] = parsed.results;
    assert.ok(first?.ok === true);
    assert.deepEqual(first.faces[1]?.descriptor, sampleDescriptor(8, 'fr-feature'));
  });
});

describe('encodeMessage checks a message before it leaves', () => {
  it('refuses bad fields with the same messages the peer would give', () => {
    assert.throws(
      () => encodeMessage({ command: Command.READY, nodeId: '' }),
      badMessage(/^cannot encode READY message: field nodeId/),
    );
    assert.throws(
      () => encodeMessage({ command: Command.PING, t: Number.POSITIVE_INFINITY }),
      badMessage(/field t/),
    );
  });

  it('refuses descriptors of the wrong length or with non-finite values', () => {
    const bad = new Float32Array(DESCRIPTOR_LENGTH - 1);
    assert.throws(
      () =>
        encodeMessage({
          command: Command.GALLERY_UPSERT,
          version: 1,
          model: 'face-api',
          personId: 'p',
          descriptors: [sampleDescriptor(1), bad],
        }),
      badMessage(/descriptor 1 must be a Float32Array of 128 values \(face-api\)/),
    );
    assert.throws(
      () =>
        encodeMessage({
          command: Command.GALLERY_UPSERT,
          version: 1,
          model: 'fr-feature',
          personId: 'p',
          descriptors: [sampleDescriptor(1)],
        }),
      badMessage(/descriptor 0 must be a Float32Array of 512 values \(fr-feature\)/),
    );
    const face = {
      box: { x: 1, y: 1, width: 10, height: 10 },
      score: 0.9,
      quality: { sizePx: 10, score: 0.9, sharpness: 1, frontality: 1 },
      descriptor: sampleDescriptor(1),
    };
    assert.throws(
      () =>
        encodeMessage({
          command: Command.EMBED_REPLY,
          requestId: 'r',
          model: 'fr-feature',
          results: [{ name: 'a.jpg', ok: true, faces: [face] }],
        }),
      badMessage(/descriptor 0 must be a Float32Array of 512 values \(fr-feature\)/),
    );
    const nan = sampleDescriptor(1);
    nan[9] = Number.NaN;
    assert.throws(
      () =>
        encodeMessage({
          command: Command.GALLERY_UPSERT,
          version: 1,
          model: 'face-api',
          personId: 'p',
          descriptors: [nan],
        }),
      badMessage(/descriptor 0 value 9 is not a finite number/),
    );
  });

  it('refuses a crop or frame that is not a JPEG', () => {
    const event = sample(Command.EVENT);
    assert.throws(
      () => encodeMessage({ ...event, event: { ...event.event, crop: new Uint8Array(0) } }),
      badMessage(/crop is not a JPEG \(use null for no crop\)/),
    );
    assert.throws(
      () => encodeMessage({ ...sample(Command.FRAME), jpeg: new Uint8Array([1, 2]) }),
      badMessage(/jpeg is not a JPEG/),
    );
  });

  it('refuses a gallery snapshot too big for one frame', () => {
    const max = DEFAULT_MAX_BINARY_BYTES / DESCRIPTOR_BYTES;
    const d = sampleDescriptor(1);
    const people = (n: number): { personId: string; descriptors: Float32Array[] }[] =>
      Array.from({ length: Math.ceil(n / 256) }, (_, i) => ({
        personId: `p${i}`,
        descriptors: Array.from({ length: Math.min(256, n - i * 256) }, () => d),
      }));
    assert.equal(
      encodeMessage({ command: Command.GALLERY_SNAPSHOT, version: 1, model: 'face-api', people: people(max) })
        .length >
        max * 512,
      true,
    );
    assert.throws(
      () =>
        encodeMessage({
          command: Command.GALLERY_SNAPSHOT,
          version: 1,
          model: 'face-api',
          people: people(max + 1),
        }),
      refusedWith(ErrorCode.FrameTooLarge, /GALLERY_SNAPSHOT frame: binary part of 8389120 bytes/),
    );
  });
});

describe('descriptors on the wire', () => {
  it('are little-endian float32', () => {
    const d = new Float32Array(DESCRIPTOR_LENGTH);
    d[0] = 1;
    d[127] = -2;
    const bytes = packDescriptors([d], 'face-api');
    assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x00, 0x80, 0x3f]);
    assert.deepEqual([...bytes.subarray(508, 512)], [0x00, 0x00, 0x00, 0xc0]);
  });

  it('unpack into their own aligned arrays, from any offset, sharing nothing with the frame', () => {
    const packed = packDescriptors([sampleDescriptor(1), sampleDescriptor(2)], 'face-api');
    const odd = Buffer.alloc(packed.length + 3);
    packed.copy(odd, 3);
    const view = odd.subarray(3);
    const [a, b] = unpackDescriptors(view, 'face-api', 2);
    assert.deepEqual(a, sampleDescriptor(1));
    assert.deepEqual(b, sampleDescriptor(2));
    assert.equal(a.byteOffset, 0);
    assert.equal(a.buffer.byteLength, DESCRIPTOR_BYTES);
    odd.fill(0);
    assert.deepEqual(a, sampleDescriptor(1));
    assert.deepEqual(unpackDescriptors(packed, 'face-api').length, 2);
    assert.throws(() => unpackDescriptors(packed.subarray(1), 'face-api'), badMessage(/1023 bytes/));
    // Read as fr-feature, the same 1024 bytes are half of one descriptor.
    assert.throws(
      () => unpackDescriptors(packed, 'fr-feature', 1),
      badMessage(/expected 1 fr-feature descriptors of 2048 bytes/),
    );
  });

  it('fr-feature descriptors are 512 float32, 2048 bytes each', () => {
    const d = sampleDescriptor(3, 'fr-feature');
    const bytes = packDescriptors([d, d], 'fr-feature');
    assert.equal(bytes.length, 2 * 2048);
    assert.deepEqual(unpackDescriptors(bytes, 'fr-feature'), [d, d]);
  });
});

describe('errors across the wire', () => {
  it('errorMessage keeps a coded error’s code and message, and never a stack', () => {
    const error = new RollcallError(ErrorCode.ImageCorrupt, 'the JPEG data is truncated');
    const message = errorMessage(error);
    assert.deepEqual(message, {
      command: Command.ERROR,
      code: 'IMAGE_CORRUPT',
      message: 'the JPEG data is truncated',
    });
    assert.deepEqual(roundTrip(message), message);
    assert.ok(!JSON.stringify(decodeOne(encodeMessage(message)).json).includes('at '));
  });

  it('errorMessage hides the text of an uncoded error', () => {
    const message = errorMessage(new Error('ENOENT: /home/admin/secret.key'));
    assert.equal(message.code, ErrorCode.InternalError);
    assert.ok(!message.message.includes('secret'));
    assert.equal(errorMessage('a string').code, ErrorCode.InternalError);
  });

  it('errorMessage clips a long message so it still fits the schema', () => {
    const message = errorMessage(new ProtocolError(ErrorCode.BadMessage, 'x'.repeat(5000)));
    assert.equal(message.message.length, MESSAGE_LIMITS.errorMessageChars);
    assert.equal(roundTrip(message).command, Command.ERROR);
  });

  it('errorFromMessage restores the code to branch on', () => {
    const auth = errorFromMessage({ code: 'AUTH_FAILED', message: 'nope' });
    assert.ok(isProtocolError(auth, ErrorCode.AuthFailed));
    assert.equal(auth.message, 'nope');
    const engine = errorFromMessage({ code: 'ENGINE_FAILED', message: 'out of memory' });
    assert.ok(isRollcallError(engine, ErrorCode.EngineFailed) && !isProtocolError(engine));
    const future = errorFromMessage({ code: 'QUANTUM_FLUX', message: 'hm' });
    assert.ok(isProtocolError(future, ErrorCode.RemoteError));
    assert.match(future.message, /QUANTUM_FLUX: hm/);
  });
});

describe('snapshotParts', () => {
  it('cuts a fr-feature gallery into parts of at most 1024 descriptors (2 MiB)', () => {
    const d = sampleDescriptor(1, 'fr-feature');
    const people = Array.from({ length: 300 }, (_, p) => ({ personId: `p${p}`, descriptors: [d, d, d, d] }));
    const parts = snapshotParts(people, 'fr-feature');
    assert.equal(parts.length, 2);
    for (const part of parts) {
      assert.ok(part.reduce((sum, p) => sum + p.descriptors.length, 0) <= 1024);
      encodeMessage({
        command: Command.GALLERY_SNAPSHOT,
        version: 1,
        model: 'fr-feature',
        people: part,
        part: { index: 0, last: false },
      });
    }
    assert.equal(
      snapshotParts(people, 'face-api').length,
      1,
      'the same count of face-api descriptors fits one part',
    );
  });

  it('cuts a gallery too big for one frame into parts of at most 4096 descriptors, people whole', () => {
    const people = Array.from({ length: 1000 }, (_, p) => ({
      personId: `p${p}`,
      descriptors: Array.from({ length: 1 + (p % 20) }, (_, d) => sampleDescriptor(p + d)),
    }));
    const total = people.reduce((sum, p) => sum + p.descriptors.length, 0);
    const parts = snapshotParts(people, 'face-api');
    assert.ok(parts.length >= Math.ceil(total / 4096));
    for (const part of parts) {
      assert.ok(part.reduce((sum, p) => sum + p.descriptors.length, 0) <= 4096);
      // Each part encodes within the frame limits.
      encodeMessage({
        command: Command.GALLERY_SNAPSHOT,
        version: 1,
        model: 'face-api',
        people: part,
        part: { index: 0, last: false },
      });
    }
    assert.deepEqual(parts.flat(), people, 'every person once, in order');
    assert.deepEqual(
      snapshotParts(people.slice(0, 3), 'face-api'),
      [people.slice(0, 3)],
      'a small gallery stays one frame',
    );
    assert.deepEqual(snapshotParts([], 'face-api'), [[]]);
  });
});

describe('STATUS: the node says its clock (optional field)', () => {
  it('carries clockMs, and parses a STATUS without it from an older node', () => {
    const status = sample(Command.STATUS);
    const withClock = { ...status, clockMs: 1_796_036_343_884 };
    assert.deepEqual(roundTrip(withClock), withClock);
    assert.deepEqual(roundTrip(status), status);
    assert.equal('clockMs' in (roundTrip(status) as object), false);
  });

  it('refuses a clock that is not whole milliseconds since the epoch', () => {
    const { command, ...json } = sample(Command.STATUS);
    for (const clockMs of [-1, 1.5, 'now', null]) {
      assert.throws(() => parseMessage(frame(command, { ...json, clockMs })), badMessage(/clockMs/));
    }
  });
});
