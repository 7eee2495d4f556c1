/**
 * Framing: how bridge messages are cut out of a TCP byte stream.
 *
 * A frame is a fixed 14-byte header, then a UTF-8 JSON part, then an optional binary part:
 *
 * | offset | size | field                                   |
 * |--------|------|-----------------------------------------|
 * | 0      | 2    | magic `RC`                              |
 * | 2      | 1    | protocol version ({@link PROTOCOL_VERSION}) |
 * | 3      | 1    | command ({@link Command})               |
 * | 4      | 1    | flags (none defined; must be 0)         |
 * | 5      | 1    | reserved (must be 0)                    |
 * | 6      | 4    | JSON length, u32 big-endian (≥ 1)       |
 * | 10     | 4    | binary length, u32 big-endian           |
 *
 * Binary data (JPEGs, descriptors) travels raw beside the JSON instead of base64 inside it: a third
 * smaller, and no string round trip for every camera frame.
 */
import { ErrorCode } from '../../core/index.js';
import { OptionChecks } from '../../shared/index.js';
import { commandName, isCommand, type Command } from './command.js';
import { ProtocolError } from './protocol-error.js';

/**
 * The version this code speaks, in every frame header and in the handshake. 2: STATUS names the
 * node's descriptor model, and gallery messages and embed replies name the model of their
 * descriptors (512 values for fr-feature). A version-1 peer would read a fr-feature binary part as
 * 128-value descriptors, so the two refuse each other at the first frame instead.
 */
export const PROTOCOL_VERSION = 2;
export const FRAME_HEADER_BYTES = 14;
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;
export const DEFAULT_MAX_BINARY_BYTES = 8 * 1024 * 1024;

const MAGIC_0 = 0x52; // 'R'
const MAGIC_1 = 0x43; // 'C'
const MAX_U32 = 0xffff_ffff;
/**
 * No flag is defined in version 1. A flag would change how the body is read (compression, say), so a
 * decoder that does not know a flag cannot read the frame: unknown flags are refused, not ignored.
 */
const KNOWN_FLAGS = 0;
/**
 * The first body allocation, grown by doubling up to the announced length. Memory then follows what
 * the peer has actually sent, so a header announcing 8 MiB followed by silence costs 64 KiB, not 8 MiB.
 */
const INITIAL_BODY_BYTES = 64 * 1024;

/** Size limits, the same on both ends: the encoder refuses to build what the decoder would refuse. */
export interface FrameLimits {
  /** Largest JSON part accepted, in bytes. @defaultValue 1 MiB ({@link DEFAULT_MAX_JSON_BYTES}) */
  maxJsonBytes?: number;
  /** Largest binary part accepted, in bytes. @defaultValue 8 MiB ({@link DEFAULT_MAX_BINARY_BYTES}) */
  maxBinaryBytes?: number;
}

export interface FrameInput {
  command: Command;
  /** Serialised with `JSON.stringify`; must produce a value (not `undefined`). */
  json: unknown;
  /** The binary part, or its pieces in order (copied once, straight into the frame). */
  binary?: Uint8Array | readonly Uint8Array[];
}

export interface DecodedFrame {
  version: number;
  command: Command;
  flags: number;
  /** The parsed JSON part; its shape is checked by `parseMessage`, not here. */
  json: unknown;
  /** The binary part (empty when there is none), in memory owned by this frame. */
  binary: Buffer;
}

function resolveLimits(owner: string, limits: FrameLimits): Required<FrameLimits> {
  const resolved = {
    maxJsonBytes: limits.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES,
    maxBinaryBytes: limits.maxBinaryBytes ?? DEFAULT_MAX_BINARY_BYTES,
  };
  const checks = new OptionChecks(owner);
  for (const [option, value] of Object.entries(resolved)) {
    const ok = Number.isInteger(value) && value >= 1 && value <= MAX_U32;
    checks.require(ok, option, `must be an integer from 1 to ${MAX_U32}`, value);
  }
  checks.throwIfAny();
  return resolved;
}

/** `JSON.stringify` as it really behaves: `undefined` for values JSON cannot hold. */
const stringify = (value: unknown): string | undefined => JSON.stringify(value);

function tooLarge(command: number, part: string, length: number, limit: number): ProtocolError {
  return new ProtocolError(
    ErrorCode.FrameTooLarge,
    `${commandName(command)} frame: ${part} part of ${length} bytes is over the limit of ${limit}`,
  );
}

/**
 * Builds one frame. Most callers want `encodeMessage`, which also checks the message's shape.
 *
 * @throws ProtocolError `UNKNOWN_COMMAND`, `BAD_JSON` (nothing serialisable), `FRAME_TOO_LARGE` (a part
 *   over `limits`, which the peer would refuse anyway).
 */
export function encodeFrame(frame: FrameInput, limits: FrameLimits = {}): Buffer {
  const { maxJsonBytes, maxBinaryBytes } = resolveLimits('encodeFrame', limits);
  const { command } = frame;
  if (!isCommand(command)) {
    throw new ProtocolError(ErrorCode.UnknownCommand, `cannot encode unknown ${commandName(command)}`);
  }
  let text: string | undefined;
  try {
    // JSON.stringify escapes lone surrogates, so the text is always valid UTF-8 for the peer.
    text = stringify(frame.json);
  } catch (error) {
    throw new ProtocolError(
      ErrorCode.BadJson,
      `${commandName(command)} frame: JSON part cannot be serialised`,
      {
        cause: error,
      },
    );
  }
  if (text === undefined) {
    throw new ProtocolError(
      ErrorCode.BadJson,
      `${commandName(command)} frame: JSON part is not a JSON value`,
    );
  }
  const jsonLength = Buffer.byteLength(text, 'utf8');
  const parts =
    frame.binary === undefined ? [] : frame.binary instanceof Uint8Array ? [frame.binary] : frame.binary;
  let binaryLength = 0;
  for (const part of parts) binaryLength += part.length;
  if (jsonLength > maxJsonBytes) throw tooLarge(command, 'JSON', jsonLength, maxJsonBytes);
  if (binaryLength > maxBinaryBytes) throw tooLarge(command, 'binary', binaryLength, maxBinaryBytes);

  // Every byte is written below, so the unzeroed allocation never leaks old memory.
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + jsonLength + binaryLength);
  out[0] = MAGIC_0;
  out[1] = MAGIC_1;
  out[2] = PROTOCOL_VERSION;
  out[3] = command;
  out[4] = 0;
  out[5] = 0;
  out.writeUInt32BE(jsonLength, 6);
  out.writeUInt32BE(binaryLength, 10);
  out.write(text, FRAME_HEADER_BYTES, 'utf8');
  let offset = FRAME_HEADER_BYTES + jsonLength;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Byte offsets at which a header field becomes complete, in order; each is checked as soon as its
 * bytes are in, so a stray HTTP request or a 4 GB length is refused without waiting for more.
 */
const HEADER_CHECKPOINTS = [1, 2, 3, 4, 5, 6, 10, 14] as const;

/**
 * Cuts frames out of a byte stream fed in arbitrary chunks.
 *
 * The header is validated before any of the body is buffered, and the body is buffered into memory
 * that grows with what has arrived, never beyond the announced length: the decoder holds at most one
 * frame. Any error is final: once the framing is broken nothing after it can be trusted, so every
 * later `push` throws the same error and the connection should be closed (after sending an ERROR
 * message saying why).
 */
export class FrameDecoder {
  readonly #maxJsonBytes: number;
  readonly #maxBinaryBytes: number;
  readonly #header = Buffer.alloc(FRAME_HEADER_BYTES);
  #headerFilled = 0;
  #command = 0;
  #jsonLength = 0;
  #bodyLength = 0;
  #body: Buffer | undefined;
  #bodyFilled = 0;
  #failure: Error | undefined;
  readonly #utf8 = new TextDecoder('utf-8', { fatal: true });

  /** @throws RollcallError `USAGE_INVALID` naming a bad option. */
  constructor(options: FrameLimits = {}) {
    const limits = resolveLimits('FrameDecoder', options);
    this.#maxJsonBytes = limits.maxJsonBytes;
    this.#maxBinaryBytes = limits.maxBinaryBytes;
  }

  /** Bytes held for the frame in progress (header plus body buffer). */
  get bufferedBytes(): number {
    return this.#headerFilled + (this.#body?.length ?? 0);
  }

  /** The most {@link bufferedBytes} can ever reach: one largest-possible frame. */
  get maxBufferedBytes(): number {
    return FRAME_HEADER_BYTES + this.#maxJsonBytes + this.#maxBinaryBytes;
  }

  /** The error that stopped the decoder, if it has stopped. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Whether the stream ended cleanly: no partial frame pending. Check it when the socket ends. */
  get idle(): boolean {
    return this.#failure === undefined && this.#headerFilled === 0;
  }

  /**
   * Feeds the next bytes of the stream and returns the frames they complete, in order.
   *
   * Throws on the first violation, dropping frames decoded earlier in the same chunk: they came from
   * a stream that has just proved untrustworthy, and anything that matters (events) is re-sent
   * until acknowledged.
   *
   * @throws ProtocolError `BAD_MAGIC`, `VERSION_MISMATCH`, `UNKNOWN_COMMAND`, `BAD_HEADER`,
   *   `FRAME_TOO_LARGE`, `BAD_JSON`; then the same error on every later call.
   */
  push(chunk: Uint8Array): DecodedFrame[] {
    if (this.#failure !== undefined) throw this.#failure;
    const frames: DecodedFrame[] = [];
    try {
      let offset = 0;
      while (offset < chunk.length) {
        if (this.#headerFilled < FRAME_HEADER_BYTES) {
          const from = this.#headerFilled;
          const take = Math.min(FRAME_HEADER_BYTES - from, chunk.length - offset);
          this.#header.set(chunk.subarray(offset, offset + take), from);
          offset += take;
          this.#headerFilled = from + take;
          this.#checkHeader(from, this.#headerFilled);
          continue;
        }
        const take = Math.min(this.#bodyLength - this.#bodyFilled, chunk.length - offset);
        const body = this.#reserve(this.#bodyFilled + take);
        body.set(chunk.subarray(offset, offset + take), this.#bodyFilled);
        offset += take;
        this.#bodyFilled += take;
        if (this.#bodyFilled === this.#bodyLength) frames.push(this.#finishFrame(body));
      }
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error));
      // A failed decoder holds nothing: the partial frame is garbage.
      this.#body = undefined;
      this.#headerFilled = 0;
      throw this.#failure;
    }
    return frames;
  }

  /** Validates every header field completed by the bytes `from..to`. */
  #checkHeader(from: number, to: number): void {
    const h = this.#header;
    for (const end of HEADER_CHECKPOINTS) {
      if (end <= from) continue;
      if (end > to) return;
      switch (end) {
        case 1:
        case 2:
          if (h[end - 1] !== (end === 1 ? MAGIC_0 : MAGIC_1)) {
            throw new ProtocolError(
              ErrorCode.BadMagic,
              `not a Rollcall bridge stream: frame starts with 0x${h.subarray(0, end).toString('hex')}, expected 0x5243 ("RC")`,
            );
          }
          break;
        case 3:
          if (h[2] !== PROTOCOL_VERSION) {
            throw new ProtocolError(
              ErrorCode.VersionMismatch,
              `peer speaks bridge protocol version ${h[2] ?? '?'}, this side speaks version ${PROTOCOL_VERSION}`,
            );
          }
          break;
        case 4: {
          const command = h[3] ?? 0;
          if (!isCommand(command)) {
            throw new ProtocolError(ErrorCode.UnknownCommand, `unknown command ${command}`);
          }
          this.#command = command;
          break;
        }
        case 5:
          if (((h[4] ?? 0) & ~KNOWN_FLAGS) !== 0) {
            throw new ProtocolError(
              ErrorCode.BadHeader,
              `${commandName(this.#command)} frame: unknown flags 0x${(h[4] ?? 0).toString(16)}`,
            );
          }
          break;
        case 6:
          if (h[5] !== 0) {
            throw new ProtocolError(
              ErrorCode.BadHeader,
              `${commandName(this.#command)} frame: reserved byte is ${h[5] ?? '?'}, not 0`,
            );
          }
          break;
        case 10: {
          const length = h.readUInt32BE(6);
          if (length === 0) {
            throw new ProtocolError(
              ErrorCode.BadJson,
              `${commandName(this.#command)} frame: empty JSON part`,
            );
          }
          if (length > this.#maxJsonBytes) throw tooLarge(this.#command, 'JSON', length, this.#maxJsonBytes);
          this.#jsonLength = length;
          break;
        }
        case 14: {
          const length = h.readUInt32BE(10);
          if (length > this.#maxBinaryBytes)
            throw tooLarge(this.#command, 'binary', length, this.#maxBinaryBytes);
          this.#bodyLength = this.#jsonLength + length;
          this.#bodyFilled = 0;
          break;
        }
      }
    }
  }

  /** The body buffer, grown (by doubling, capped at the body length) to hold `required` bytes. */
  #reserve(required: number): Buffer {
    const current = this.#body;
    if (current !== undefined && current.length >= required) return current;
    const size = current?.length ?? 0;
    const capacity = Math.min(this.#bodyLength, Math.max(required, size * 2, INITIAL_BODY_BYTES));
    const grown = Buffer.allocUnsafe(capacity);
    if (current !== undefined) current.copy(grown, 0, 0, this.#bodyFilled);
    this.#body = grown;
    return grown;
  }

  #finishFrame(body: Buffer): DecodedFrame {
    const command = this.#command as Command;
    const jsonLength = this.#jsonLength;
    this.#headerFilled = 0;
    this.#body = undefined;
    this.#bodyFilled = 0;

    let text: string;
    try {
      text = this.#utf8.decode(body.subarray(0, jsonLength));
    } catch (error) {
      throw new ProtocolError(
        ErrorCode.BadJson,
        `${commandName(command)} frame: JSON part is not valid UTF-8`,
        {
          cause: error,
        },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      // The parser's message quotes the input; keep peer-supplied bytes out of logs and replies.
      throw new ProtocolError(
        ErrorCode.BadJson,
        `${commandName(command)} frame: JSON part is not valid JSON`,
        {
          cause: error,
        },
      );
    }
    return { version: PROTOCOL_VERSION, command, flags: 0, json, binary: body.subarray(jsonLength) };
  }
}
