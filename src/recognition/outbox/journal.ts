/**
 * The outbox journal format: newline-delimited JSON, one record a line, appended only.
 *
 * ```
 * {"t":"h","v":1}                                   header, the first line of every journal
 * {"t":"e","e":{…the event, crop as base64 or null}} an event to deliver
 * {"t":"a","ids":["…","…"]}                          events acknowledged by a web node
 * ```
 *
 * JSON never contains a raw newline, so a line is a record. A crash mid-write leaves a prefix of a
 * line, and a prefix of a JSON object never parses as one, so a torn record is always detected
 * without a per-record checksum. The crop travels inside its event record (base64, a third larger)
 * rather than in a side file so that one write and one fsync make an event and its crop durable
 * together: side files would cost a create, a write, a file fsync and a directory fsync per event,
 * and would need orphan clean-up after every crash.
 */
import type { FileHandle } from 'node:fs/promises';
import type { RecognitionEvent } from '../../core/index.js';

export const JOURNAL_FORMAT_VERSION = 1;

/** No record is longer than this; a longer line is damage, not data. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Acknowledgements are split over records of at most this many ids, keeping lines short. */
export const ACK_IDS_PER_RECORD = 1000;

/** Event ids are short (UUIDs); a longer one is a bug upstream, refused rather than stored. */
export const MAX_EVENT_ID_LENGTH = 256;

const NEWLINE = 0x0a;
const READ_CHUNK_BYTES = 1024 * 1024;

/** What replay needs from a record; event bodies stay on disk until {@link decodeEventLine}. */
export type JournalRecord =
  { t: 'h'; v: number } | { t: 'e'; id: string; at: string } | { t: 'a'; ids: string[] };

export function encodeHeader(): Buffer {
  return Buffer.from(JSON.stringify({ t: 'h', v: JOURNAL_FORMAT_VERSION }) + '\n', 'utf8');
}

export function encodeEvent(event: RecognitionEvent): Buffer {
  const crop =
    event.crop === null
      ? null
      : Buffer.from(event.crop.buffer, event.crop.byteOffset, event.crop.byteLength).toString('base64');
  return Buffer.from(JSON.stringify({ t: 'e', e: { ...event, crop } }) + '\n', 'utf8');
}

export function encodeAck(ids: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify({ t: 'a', ids }) + '\n', 'utf8');
}

/** The record on `line` (without its newline), or undefined when it is not a well-formed record. */
export function parseRecord(line: Buffer): JournalRecord | undefined {
  const value = parseJson(line);
  if (!isObject(value)) return undefined;
  switch (value.t) {
    case 'h':
      return Number.isSafeInteger(value.v) ? { t: 'h', v: value.v as number } : undefined;
    case 'e': {
      const event = value.e;
      if (!isObject(event) || !isEventId(event.id) || typeof event.at !== 'string') return undefined;
      if (event.crop !== null && typeof event.crop !== 'string') return undefined;
      return { t: 'e', id: event.id, at: event.at };
    }
    case 'a': {
      const ids = value.ids;
      if (!Array.isArray(ids) || !ids.every(isEventId)) return undefined;
      return { t: 'a', ids };
    }
    default:
      return undefined;
  }
}

/** The event stored on an event line, crop decoded; undefined when the line is not an event record. */
export function decodeEventLine(line: Buffer): RecognitionEvent | undefined {
  const value = parseJson(line);
  if (!isObject(value) || value.t !== 'e' || !isObject(value.e)) return undefined;
  const { crop, ...rest } = value.e;
  if (!isEventId(rest.id) || typeof rest.at !== 'string') return undefined;
  if (crop !== null && typeof crop !== 'string') return undefined;
  // The rest of the event is what this process serialised; the record parsed, so it is intact.
  return {
    ...(rest as unknown as Omit<RecognitionEvent, 'crop'>),
    // A copy, not a view: small base64 decodes land in Buffer's shared pool.
    crop: crop === null ? null : new Uint8Array(Buffer.from(crop, 'base64')),
  };
}

export function isEventId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_EVENT_ID_LENGTH;
}

/**
 * Calls `onLine` for every newline-terminated line of the file, in order, with its byte offset and
 * length including the newline; `line` is null for a line longer than {@link MAX_LINE_BYTES}.
 * Returns the file size and where the unterminated tail (a torn write, or nothing) starts.
 */
export async function scanLines(
  handle: FileHandle,
  onLine: (line: Buffer | null, offset: number, length: number) => void,
): Promise<{ size: number; tailStart: number }> {
  let position = 0;
  let lineStart = 0;
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let oversized = false;
  for (;;) {
    const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    const { bytesRead } = await handle.read(chunk, 0, READ_CHUNK_BYTES, position);
    if (bytesRead === 0) break;
    const data = chunk.subarray(0, bytesRead);
    let start = 0;
    for (;;) {
      const newline = data.indexOf(NEWLINE, start);
      if (newline === -1) break;
      const end = position + newline + 1;
      let line: Buffer | null = null;
      if (!oversized && carryBytes + newline - start <= MAX_LINE_BYTES) {
        const piece = data.subarray(start, newline);
        line = carryBytes === 0 ? piece : Buffer.concat([...carry, piece]);
      }
      onLine(line, lineStart, end - lineStart);
      lineStart = end;
      start = newline + 1;
      carry = [];
      carryBytes = 0;
      oversized = false;
    }
    if (start < bytesRead && !oversized) {
      // Copied: the chunk is large and only this tail of it is kept.
      carry.push(Buffer.from(data.subarray(start)));
      carryBytes += bytesRead - start;
      if (carryBytes > MAX_LINE_BYTES) {
        oversized = true;
        carry = [];
        carryBytes = 0;
      }
    }
    position += bytesRead;
  }
  return { size: position, tailStart: lineStart };
}

function parseJson(line: Buffer): unknown {
  try {
    return JSON.parse(line.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
