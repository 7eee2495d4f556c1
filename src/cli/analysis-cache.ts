/**
 * A disk cache of photo analyses for `rollcall evaluate`: the faces found in a photo (box, score,
 * landmarks, quality, descriptor), keyed by the sha256 of the file's bytes. Analysing LFW takes tens
 * of minutes; with the cache, a second run that only changes the decision takes seconds. Only
 * analyses are kept: a photo that cannot be decoded fails again, cheaply, before it reaches the
 * engine, and its error then names the file it is in now.
 *
 * One file per pipeline (everything that changes what analysis returns, see {@link pipelineKey}), so
 * results of two pipelines can never mix. The file is append-only:
 *
 *   header  := "RCEVAL01" | u32 keyBytes | key (utf-8)
 *   record  := u32 bodyBytes | u32 crc32(body) | body
 *   body    := sha256 (32 bytes) | f64 ms | u16 faces | face*
 *   face    := f64 x, y, width, height, score | f64 sizePx, score, sharpness, frontality
 *              | u16 n, f32 landmarks (n) | u16 n, f32 descriptor (n)
 *
 * All little-endian. A run that is killed leaves at most a torn last record: loading stops at the first
 * record that is short or fails its checksum, and the file is cut back there before new records are
 * appended, so a damaged cache costs re-analysis, never a wrong result. Two runs may share a cache:
 * each record is one O_APPEND write, so records do not interleave; a run that opens the file while
 * another is halfway through a write may cut that record as torn, and it is analysed again later.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { ErrorCode, RollcallError } from '../core/index.js';
import type { DescribedFace, DetectOptions, EngineInfo } from '../engine/index.js';

/**
 * Bump whenever analysis changes in a way neither the engine's model string nor its code shows (a
 * native library such as sharp or onnxruntime, a model file replaced under the same package
 * version, this file's record format): old cache files are then ignored.
 */
export const PIPELINE_VERSION = 1;

/**
 * The compiled code that decides what analysis returns: the engine room, its worker threads, and
 * the quality measures and geometry it uses from core. Its fingerprint is part of the pipeline key,
 * so an edit there (a new warp, a changed chip size) never meets descriptors cached before it,
 * without anyone having to remember to bump {@link PIPELINE_VERSION}. A comment-only edit costs a
 * re-analysis too: the safe side.
 */
const ANALYSIS_CODE = [
  '../engine/',
  // The engine's threads; the room's other thread (gallery measuring for calibration) analyses nothing.
  '../workers/engine-task.js',
  '../workers/face-engine.pool.js',
  '../workers/face-engine.worker.js',
  '../core/quality.js',
  '../core/geometry.js',
];

/** sha256 (16 hex digits) over the names and bytes of the analysis code, in a fixed order. */
export async function analysisCodeFingerprint(): Promise<string> {
  const hash = createHash('sha256');
  for (const entry of ANALYSIS_CODE) {
    const target = fileURLToPath(new URL(entry, import.meta.url));
    const files = entry.endsWith('/')
      ? (await readdir(target))
          .filter((name) => name.endsWith('.js'))
          .sort()
          .map((name) => path.join(target, name))
      : [target];
    for (const file of files) hash.update(`${entry}${path.basename(file)}\0`).update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 16);
}

const MAGIC = Buffer.from('RCEVAL01', 'latin1');
const RECORD_HEAD_BYTES = 8;
const HASH_BYTES = 32;
/** Box (4), detector score, quality (4): nine f64. */
const FACE_FIXED_BYTES = 9 * 8;
/** Floats are stored little-endian; on such a machine (nearly all) they are copied in bulk. */
const LITTLE_ENDIAN = endianness() === 'LE';
/** A record larger than this is damage, not data: a photo with 100 faces of 512 values is ~250 KiB. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** The faces found in one photo, and how long finding them took when it was analysed. */
export interface CachedAnalysis {
  faces: DescribedFace[];
  ms: number;
}

export interface AnalysisCacheStats {
  /** The cache file in use. */
  file: string;
  /** Photos found in the file when it was opened. */
  loaded: number;
  /** Bytes cut from the end of the file because they were not a whole, intact record. */
  droppedBytes: number;
  loadMs: number;
  hits: number;
  misses: number;
  /** The first write that failed; the run goes on without storing more. */
  writeError: string | null;
}

/**
 * The identity of an analysis pipeline: the engine's models, the descriptor model, the tfjs backend
 * (two backends differ in the last bits of a float), the detector, the pad cascade, the analysis
 * code (see {@link analysisCodeFingerprint}) and {@link PIPELINE_VERSION}.
 */
export function pipelineKey(info: EngineInfo, options: DetectOptions, codeFingerprint: string): string {
  return JSON.stringify({
    version: PIPELINE_VERSION,
    code: codeFingerprint,
    model: info.model,
    descriptorModel: info.descriptorModel,
    backend: info.backend,
    detector: options.detector ?? 'default',
    padCascade: options.padCascade ?? false,
  });
}

/** The sha256 of a photo's bytes, as the cache keys it. */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class AnalysisCache {
  readonly #entries: Map<string, CachedAnalysis>;
  readonly #handle: FileHandle;
  readonly #stats: AnalysisCacheStats;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(entries: Map<string, CachedAnalysis>, handle: FileHandle, stats: AnalysisCacheStats) {
    this.#entries = entries;
    this.#handle = handle;
    this.#stats = stats;
  }

  /**
   * Opens (or creates) the cache file of the pipeline `key` in `dir` and loads every intact record.
   * A file of another format or key is started afresh; a torn or damaged tail is cut off.
   *
   * @throws RollcallError `USAGE_INVALID` when `dir` cannot be created or the file cannot be opened.
   */
  static async open(dir: string, key: string): Promise<AnalysisCache> {
    const started = performance.now();
    const file = path.join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 16)}.rcache`);
    const header = Buffer.concat([MAGIC, u32(Buffer.byteLength(key)), Buffer.from(key)]);
    try {
      await mkdir(dir, { recursive: true });
      let bytes: Buffer | undefined;
      try {
        bytes = await readFile(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      const entries = new Map<string, CachedAnalysis>();
      let droppedBytes = 0;
      if (bytes === undefined || !bytes.subarray(0, header.length).equals(header)) {
        // New, or written by another format or pipeline (a file-name collision): start it again.
        await writeFile(file, header);
        droppedBytes = bytes?.length ?? 0;
      } else {
        const end = readRecords(bytes, header.length, entries);
        if (end < bytes.length) {
          await truncate(file, end);
          droppedBytes = bytes.length - end;
        }
      }
      const handle = await open(file, 'a');
      return new AnalysisCache(entries, handle, {
        file,
        loaded: entries.size,
        droppedBytes,
        loadMs: performance.now() - started,
        hits: 0,
        misses: 0,
        writeError: null,
      });
    } catch (error) {
      throw new RollcallError(
        ErrorCode.UsageInvalid,
        `the analysis cache ${file} cannot be used (${(error as Error).message}); choose another with --cache DIR or run with --no-cache`,
        { cause: error },
      );
    }
  }

  get stats(): Readonly<AnalysisCacheStats> {
    return this.#stats;
  }

  /** The stored analysis of the photo whose bytes hash to `hash`, counted as a hit or a miss. */
  get(hash: string): CachedAnalysis | undefined {
    const entry = this.#entries.get(hash);
    if (entry) this.#stats.hits++;
    else this.#stats.misses++;
    return entry;
  }

  /**
   * Stores an analysis and appends it to the file. Never throws: a cache that cannot be written only
   * makes the next run slower, so the first failure is kept in `stats.writeError` and writing stops.
   */
  put(hash: string, analysis: CachedAnalysis): void {
    if (this.#closed) return;
    this.#entries.set(hash, analysis);
    const record = encodeRecord(hash, analysis);
    this.#writing = this.#writing.then(async () => {
      if (this.#stats.writeError !== null) return;
      try {
        // One write per record: with O_APPEND a record lands whole or, on a crash, as a torn tail.
        await this.#handle.write(record);
      } catch (error) {
        this.#stats.writeError = (error as Error).message;
      }
    });
  }

  /** Waits for pending writes and closes the file; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writing;
    await this.#handle.close();
  }
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
}

/** Reads intact records from `offset` into `entries`; returns where the intact part ends. */
function readRecords(bytes: Buffer, offset: number, entries: Map<string, CachedAnalysis>): number {
  let at = offset;
  while (at + RECORD_HEAD_BYTES <= bytes.length) {
    const size = bytes.readUInt32LE(at);
    const checksum = bytes.readUInt32LE(at + 4);
    const start = at + RECORD_HEAD_BYTES;
    if (size > MAX_RECORD_BYTES || start + size > bytes.length) break;
    const body = bytes.subarray(start, start + size);
    if (crc32(body) !== checksum) break;
    const decoded = decodeBody(body);
    if (decoded === undefined) break;
    entries.set(decoded.hash, decoded.analysis);
    at = start + size;
  }
  return at;
}

function encodeRecord(hash: string, analysis: CachedAnalysis): Buffer {
  let size = HASH_BYTES + 8 + 2;
  for (const f of analysis.faces)
    size += FACE_FIXED_BYTES + 2 + f.landmarks.length * 4 + 2 + f.descriptor.length * 4;
  const record = Buffer.alloc(RECORD_HEAD_BYTES + size);
  const body = record.subarray(RECORD_HEAD_BYTES);
  let at = Buffer.from(hash, 'hex').copy(body, 0);
  at = body.writeDoubleLE(analysis.ms, at);
  at = body.writeUInt16LE(analysis.faces.length, at);
  for (const f of analysis.faces) {
    const { box, quality } = f;
    for (const v of [box.x, box.y, box.width, box.height, f.score]) at = body.writeDoubleLE(v, at);
    for (const v of [quality.sizePx, quality.score, quality.sharpness, quality.frontality]) {
      at = body.writeDoubleLE(v, at);
    }
    at = writeFloats(body, at, f.landmarks);
    at = writeFloats(body, at, f.descriptor);
  }
  record.writeUInt32LE(size, 0);
  record.writeUInt32LE(crc32(body), 4);
  return record;
}

function writeFloats(body: Buffer, at: number, values: Float32Array): number {
  const start = body.writeUInt16LE(values.length, at);
  if (LITTLE_ENDIAN)
    return start + Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(body, start);
  let next = start;
  for (const v of values) next = body.writeFloatLE(v, next);
  return next;
}

/**
 * Decodes one record body, or undefined when it does not parse exactly (a record that passed its
 * checksum but does not parse was written by a bug, and is treated like damage).
 */
function decodeBody(body: Buffer): { hash: string; analysis: CachedAnalysis } | undefined {
  try {
    const hash = body.subarray(0, HASH_BYTES).toString('hex');
    let at = HASH_BYTES;
    const ms = body.readDoubleLE(at);
    at += 8;
    const count = body.readUInt16LE(at);
    at += 2;
    const faces: DescribedFace[] = [];
    for (let i = 0; i < count; i++) {
      const v = (k: number) => body.readDoubleLE(at + k * 8);
      const box = { x: v(0), y: v(1), width: v(2), height: v(3) };
      const score = v(4);
      const quality = { sizePx: v(5), score: v(6), sharpness: v(7), frontality: v(8) };
      at += FACE_FIXED_BYTES;
      const landmarks = readFloats(body, at);
      at += 2 + landmarks.length * 4;
      const descriptor = readFloats(body, at);
      at += 2 + descriptor.length * 4;
      faces.push({ box, score, quality, landmarks, descriptor });
    }
    return at === body.length ? { hash, analysis: { faces, ms } } : undefined;
  } catch {
    // A read past the end (RangeError): the record is not whole.
    return undefined;
  }
}

function readFloats(body: Buffer, at: number): Float32Array {
  const n = body.readUInt16LE(at);
  if (at + 2 + n * 4 > body.length) throw new RangeError('the values run past the record');
  if (LITTLE_ENDIAN) {
    // A copy of the bytes (aligned, and not holding the whole file in memory) viewed as floats.
    const start = body.byteOffset + at + 2;
    return new Float32Array(body.buffer.slice(start, start + n * 4));
  }
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = body.readFloatLE(at + 2 + i * 4);
  return values;
}
