/**
 * Fuzzing the decoder and the message parser together, the way a socket feeds them.
 *
 * Property: whatever bytes arrive, in whatever chunks, `FrameDecoder.push` + `parseMessage` either
 * produce messages or throw a `ProtocolError` with a known code; never another exception, never a
 * hang, never more buffered than the decoder's maximum. A decoder that threw stays failed with the
 * same error. Every message that parses re-encodes, and re-encoding is stable.
 *
 * `BRIDGE_FUZZ_CASES` sets the number of cases (default 20,000); `BRIDGE_FUZZ_SEED` replays a run.
 * A failure names the seed and the case.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  Command,
  encodeFrame,
  encodeMessage,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  isProtocolError,
  parseMessage,
  PROTOCOL_ERROR_CODES,
  type DecodedFrame,
  type FrameLimits,
} from '../../src/bridge/protocol/index.js';
import { sampleMessages } from '../support/sample-messages.js';
import { mulberry32 } from '../../src/core/index.js';

const CASES = Number(process.env.BRIDGE_FUZZ_CASES ?? 20_000);
const SEED =
  process.env.BRIDGE_FUZZ_SEED === undefined ? randomInt(2 ** 31) : Number(process.env.BRIDGE_FUZZ_SEED);

class Rng {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

const KNOWN_CODES: ReadonlySet<string> = new Set(PROTOCOL_ERROR_CODES);
const COMMANDS = Object.values(Command);
const CORPUS = sampleMessages().map((message) => encodeMessage(message));
const CORPUS_FRAMES: DecodedFrame[] = CORPUS.map((bytes) => {
  const [frame] = new FrameDecoder().push(bytes);
  if (frame === undefined) throw new Error('sample did not decode');
  return frame;
});

// ---------------------------------------------------------------------------------------------------
// Inputs.

function randomJsonValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 6 : 8)) {
    case 0:
      return rng.pick([
        0,
        -1,
        1,
        1.5,
        -0.25,
        1e308,
        -1e308,
        2 ** 53 + 2,
        255,
        256,
        4294967296,
        rng.int(1000),
      ]);
    case 1:
      return rng.pick([
        '',
        'x',
        'ab'.repeat(32),
        'AB'.repeat(32),
        'x'.repeat(129),
        'é✓\u2028',
        '2024-05-01T09:00:00Z',
      ]);
    case 2:
      return rng.chance(0.5);
    case 3:
      return null;
    case 4:
      return 'y'.repeat(rng.int(2000));
    case 5:
      return rng.int(2 ** 31) - 2 ** 30;
    case 6:
      return Array.from({ length: rng.int(5) }, () => randomJsonValue(rng, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: rng.int(4) }, (_, i) => [
          rng.pick(['a', 'id', 'version', `k${i}`]),
          randomJsonValue(rng, depth + 1),
        ]),
      );
  }
}

/** A copy of `json` with one value somewhere inside replaced, removed or added. */
function mutateJson(rng: Rng, json: unknown): unknown {
  const copy = structuredClone<unknown>(json);
  const containers: (Record<string, unknown> | unknown[])[] = [];
  const walk = (value: unknown): void => {
    if (value !== null && typeof value === 'object') {
      containers.push(value as Record<string, unknown>);
      for (const child of Object.values(value)) walk(child);
    }
  };
  walk(copy);
  if (containers.length === 0 || rng.chance(0.05)) return randomJsonValue(rng);
  const target = rng.pick(containers);
  const keys = Object.keys(target);
  const key = keys.length > 0 && rng.chance(0.85) ? rng.pick(keys) : String(rng.int(3));
  const action = rng.int(10);
  if (Array.isArray(target)) {
    const index = Number(key);
    if (action === 0) target.splice(index, 1);
    else if (action === 1) target.push(structuredClone(target[0]));
    else target[index] = randomJsonValue(rng);
  } else if (action === 0) {
    Reflect.deleteProperty(target, key);
  } else {
    target[key] = randomJsonValue(rng);
  }
  return copy;
}

/** A frame built from a sample with its JSON changed, reaching the schemas far more often than bit flips. */
function jsonMutatedFrame(rng: Rng): Buffer {
  const frame = rng.pick(CORPUS_FRAMES);
  const command = rng.chance(0.1) ? rng.pick(COMMANDS) : frame.command;
  let binary: Uint8Array = frame.binary;
  if (rng.chance(0.2)) binary = binary.subarray(0, rng.int(binary.length + 1));
  else if (rng.chance(0.1)) binary = Buffer.concat([binary, rng.bytes(rng.int(1100))]);
  let json = frame.json;
  for (let n = 1 + rng.int(3); n > 0; n--) json = mutateJson(rng, json);
  return encodeFrame({ command, json: json ?? null, binary });
}

interface Stream {
  bytes: Buffer;
  /** Where each frame starts, for tampering with its length fields. */
  starts: number[];
}

function validStream(rng: Rng, count: number): Stream {
  const parts: Buffer[] = [];
  const starts: number[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const bytes = rng.chance(0.3) ? jsonMutatedFrame(rng) : rng.pick(CORPUS);
    starts.push(offset);
    parts.push(bytes);
    offset += bytes.length;
  }
  return { bytes: Buffer.concat(parts), starts };
}

function tamperedLength(rng: Rng, current: number, limits: Required<FrameLimits>): number {
  const u32 = (n: number): number => Math.min(0xffff_ffff, Math.max(0, n));
  return u32(
    rng.pick([
      0,
      1,
      current - 1,
      current + 1,
      current + rng.int(64),
      Math.max(0, current - rng.int(64)),
      limits.maxJsonBytes,
      limits.maxJsonBytes + 1,
      limits.maxBinaryBytes,
      limits.maxBinaryBytes + 1,
      0xffff_ffff,
      0x8000_0000,
      rng.int(2 ** 32),
    ]),
  );
}

function mutate(rng: Rng, stream: Stream, limits: Required<FrameLimits>): Buffer {
  let bytes = Buffer.from(stream.bytes);
  for (let n = 1 + rng.int(4); n > 0; n--) {
    if (bytes.length === 0) break;
    const at = rng.int(bytes.length);
    switch (rng.int(8)) {
      case 0:
        bytes[at] = (bytes[at] ?? 0) ^ (1 << rng.int(8));
        break;
      case 1:
        bytes[at] = rng.int(256);
        break;
      case 2:
        bytes = bytes.subarray(0, at);
        break;
      case 3: {
        const start = rng.pick(stream.starts);
        const field = start + (rng.chance(0.5) ? 6 : 10);
        if (field + 4 <= bytes.length)
          bytes.writeUInt32BE(tamperedLength(rng, bytes.readUInt32BE(field), limits), field);
        break;
      }
      case 4: {
        const other = rng.pick(CORPUS);
        bytes = Buffer.concat([bytes.subarray(0, at), other.subarray(rng.int(other.length))]);
        break;
      }
      case 5:
        bytes = Buffer.concat([bytes.subarray(0, at), rng.bytes(1 + rng.int(16)), bytes.subarray(at)]);
        break;
      case 6:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + rng.int(32))]);
        break;
      default: {
        const end = Math.min(bytes.length, at + 1 + rng.int(64));
        bytes = Buffer.concat([bytes.subarray(0, end), bytes.subarray(at, end), bytes.subarray(end)]);
      }
    }
  }
  return bytes;
}

type CaseKind = 'random' | 'random-after-header' | 'mutated' | 'valid';

interface Case {
  kind: CaseKind;
  limits: Required<FrameLimits>;
  bytes: Buffer;
  /** For `valid` cases: the frames that must come out. */
  expected?: number;
}

function makeCase(rng: Rng): Case {
  const limits = rng.chance(0.5)
    ? { maxJsonBytes: 1024 * 1024, maxBinaryBytes: 8 * 1024 * 1024 }
    : { maxJsonBytes: 16 + rng.int(4096), maxBinaryBytes: 1 + rng.int(4096) };
  const roll = rng.next();
  if (roll < 0.1) return { kind: 'random', limits, bytes: rng.bytes(rng.int(300)) };
  if (roll < 0.2) {
    const header = Buffer.from([0x52, 0x43, 1, rng.pick(COMMANDS), 0, 0]);
    return { kind: 'random-after-header', limits, bytes: Buffer.concat([header, rng.bytes(rng.int(300))]) };
  }
  const stream = validStream(rng, 1 + rng.int(4));
  if (roll < 0.3) {
    const defaults = { maxJsonBytes: 1024 * 1024, maxBinaryBytes: 8 * 1024 * 1024 };
    return { kind: 'valid', limits: defaults, bytes: stream.bytes, expected: stream.starts.length };
  }
  return { kind: 'mutated', limits, bytes: mutate(rng, stream, limits) };
}

function chunks(rng: Rng, bytes: Buffer): Buffer[] {
  const mode = rng.int(4);
  const out: Buffer[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const size =
      mode === 0 ? 1 : mode === 1 ? 1 + rng.int(16) : mode === 2 ? 1 + rng.int(bytes.length) : bytes.length;
    out.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  // Empty chunks happen (a zero-length read); they must be harmless.
  if (rng.chance(0.05)) out.splice(rng.int(out.length + 1), 0, Buffer.alloc(0));
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The property.

interface Tally {
  codes: Map<string, number>;
  messages: number;
  messagesFromMutations: number;
}

function expectKnownProtocolError(error: unknown, where: string): string {
  if (!isProtocolError(error) || !KNOWN_CODES.has(error.code)) {
    const shown =
      error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
    assert.fail(`${where}: threw something other than a ProtocolError with a known code: ${shown}`);
  }
  return error.code;
}

/** A parsed message re-encodes, and the re-encoding decodes and re-encodes to the same bytes. */
function checkReencoding(frame: DecodedFrame, where: string): void {
  const message = parseMessage(frame);
  let first: Buffer;
  try {
    first = encodeMessage(message);
  } catch (error) {
    assert.fail(`${where}: a message that parsed does not re-encode: ${String(error)}`);
  }
  const [again, ...more] = new FrameDecoder().push(first);
  assert.ok(again !== undefined && more.length === 0, `${where}: re-encoding is not one frame`);
  assert.ok(encodeMessage(parseMessage(again)).equals(first), `${where}: re-encoding is not stable`);
}

function runCase(rng: Rng, where: string, tally: Tally): void {
  const input = makeCase(rng);
  const context = `${where} (${input.kind}, ${input.bytes.length} bytes: ${input.bytes.subarray(0, 256).toString('hex')})`;
  const decoder = new FrameDecoder(input.limits);
  let decoded = 0;
  let failure: unknown;
  for (const chunk of chunks(rng, input.bytes)) {
    let frames: DecodedFrame[];
    try {
      frames = decoder.push(chunk);
    } catch (error) {
      failure = error;
      const code = expectKnownProtocolError(error, context);
      tally.codes.set(code, (tally.codes.get(code) ?? 0) + 1);
      break;
    }
    assert.ok(
      decoder.bufferedBytes <= decoder.maxBufferedBytes,
      `${context}: buffered ${decoder.bufferedBytes} > ${decoder.maxBufferedBytes}`,
    );
    for (const frame of frames) {
      decoded++;
      try {
        checkReencoding(frame, context);
        tally.messages++;
        if (input.kind === 'mutated') tally.messagesFromMutations++;
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
        const code = expectKnownProtocolError(error, `${context} parseMessage`);
        tally.codes.set(code, (tally.codes.get(code) ?? 0) + 1);
      }
    }
  }
  if (failure !== undefined) {
    assert.equal(decoder.bufferedBytes, 0, `${context}: a failed decoder still holds bytes`);
    assert.throws(
      () => decoder.push(CORPUS[0] ?? Buffer.alloc(1)),
      (error) => error === failure,
      `${context}: the decoder did not stay failed`,
    );
  }
  if (input.expected !== undefined) {
    assert.equal(failure, undefined, `${context}: a valid stream was refused: ${String(failure)}`);
    assert.equal(decoded, input.expected, `${context}: frames lost`);
    assert.equal(decoder.idle, true, `${context}: bytes left over`);
  }
}

describe('bridge fuzz', () => {
  it(
    `decoder + parseMessage survive ${CASES} random and mutated streams (BRIDGE_FUZZ_SEED=${SEED})`,
    { timeout: 120_000 },
    () => {
      const tally: Tally = { codes: new Map(), messages: 0, messagesFromMutations: 0 };
      for (let i = 0; i < CASES; i++) {
        // Each case has its own generator, so a failing case replays from the seed and its index alone.
        const rng = new Rng(SEED ^ Math.imul(i + 1, 0x9e3779b9));
        runCase(rng, `BRIDGE_FUZZ_SEED=${SEED} case ${i}`, tally);
      }
      if (CASES >= 2000) {
        // Guard the fuzzer itself: it must reach every refusal and still produce valid messages.
        for (const code of [
          'BAD_MAGIC',
          'VERSION_MISMATCH',
          'UNKNOWN_COMMAND',
          'BAD_HEADER',
          'FRAME_TOO_LARGE',
          'BAD_JSON',
          'BAD_MESSAGE',
        ]) {
          assert.ok((tally.codes.get(code) ?? 0) > 0, `seed ${SEED}: no case reached ${code}`);
        }
        assert.ok(tally.messages > CASES / 10, `seed ${SEED}: only ${tally.messages} valid messages`);
        assert.ok(tally.messagesFromMutations > 0, `seed ${SEED}: no mutation produced a valid message`);
      }
    },
  );

  it('the header is 14 bytes, as the fuzzer assumes when it tampers with length fields', () => {
    assert.equal(FRAME_HEADER_BYTES, 14);
  });
});
