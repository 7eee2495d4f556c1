/**
 * The gallery cache file: a compact binary snapshot, checked by a SHA-256 trailer.
 *
 * ```
 * offset  size  field (little-endian)
 *      0     4  magic "RCGC"
 *      4     4  format version (u32) = 2
 *      8     8  gallery version (f64, a non-negative safe integer)
 *     16     4  person count (u32)
 *     20     4  descriptor count over all people (u32)
 *     24     4  descriptor length (u32): the model's, 512 for fr-feature, 128 for face-api
 *     28     4  byte length of the people section (u32)
 *     32    16  descriptor model name, ASCII, NUL-padded ("fr-feature", "face-api")
 *     48     …  people section: per person, u32 id byte length, UTF-8 id, u32 descriptor count
 *      …     …  descriptors, person by person, each `descriptor length` f32
 *    end-32 32  SHA-256 of every byte before it
 * ```
 *
 * Format 1 (written before descriptor models existed) had no model field and a 32-byte header; it
 * is still read, as a face-api gallery, so an upgraded node keeps its cache.
 *
 * Binary rather than JSON: 100k descriptors are 51 MB of raw floats and would be ~170 MB of JSON
 * text, slower to write and to parse; raw floats also round-trip bit for bit with no decimal
 * formatting in between.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import {
  assertDescriptor,
  DESCRIPTOR_LENGTHS,
  ErrorCode,
  isDescriptorModel,
  RollcallError,
  type DescriptorModel,
} from '../../core/index.js';

export const GALLERY_CACHE_FORMAT_VERSION = 2;
const MAGIC = Buffer.from('RCGC', 'latin1');
/** Header bytes of each format version this build reads. */
const HEADER_BYTES: Readonly<Record<number, number>> = { 1: 32, 2: 48 };
const MODEL_AT = 32;
const MODEL_BYTES = 16;
const HASH_BYTES = 32;
const FLOAT_BYTES = 4;
const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

/** One enrolled person as the web node sent them. */
export interface CachedPerson {
  personId: string;
  descriptors: Float32Array[];
}

/** The gallery a node was last sent, with the version the web node gave it. */
export interface GallerySnapshot {
  version: number;
  /** The model of every descriptor in it. */
  model: DescriptorModel;
  people: CachedPerson[];
}

/**
 * @throws RollcallError `USAGE_INVALID` for a bad version, person id or duplicate person, or a person
 *   without descriptors; `DESCRIPTOR_INVALID` for a malformed descriptor.
 */
export function assertSnapshot(snapshot: GallerySnapshot): void {
  if (typeof snapshot !== 'object' || (snapshot as unknown) === null) {
    throw new RollcallError(ErrorCode.UsageInvalid, 'a gallery snapshot must be an object');
  }
  assertVersion(snapshot.version);
  if (!isDescriptorModel(snapshot.model)) {
    throw new RollcallError(
      ErrorCode.UsageInvalid,
      `snapshot.model is not a descriptor model: ${String(snapshot.model)}`,
    );
  }
  if (!Array.isArray(snapshot.people)) {
    throw new RollcallError(ErrorCode.UsageInvalid, 'snapshot.people must be an array');
  }
  const seen = new Set<string>();
  for (const person of snapshot.people) {
    assertPerson(person.personId, person.descriptors, snapshot.model);
    if (seen.has(person.personId)) {
      throw new RollcallError(
        ErrorCode.UsageInvalid,
        `person "${person.personId}" appears twice in the snapshot`,
      );
    }
    seen.add(person.personId);
  }
}

/** @throws RollcallError `USAGE_INVALID` unless `version` is a non-negative safe integer. */
export function assertVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new RollcallError(
      ErrorCode.UsageInvalid,
      `gallery version must be a non-negative integer, got ${String(version)}`,
    );
  }
}

/** @throws RollcallError `USAGE_INVALID` or `DESCRIPTOR_INVALID`, as {@link assertSnapshot}. */
export function assertPerson(personId: string, descriptors: Float32Array[], model: DescriptorModel): void {
  if (typeof personId !== 'string' || personId.length === 0) {
    throw new RollcallError(ErrorCode.UsageInvalid, 'personId must be a non-empty string');
  }
  // The gallery cannot hold a person without a descriptor; removal is how a person goes.
  if (!Array.isArray(descriptors) || descriptors.length === 0) {
    throw new RollcallError(ErrorCode.UsageInvalid, `person "${personId}" needs at least one descriptor`);
  }
  for (const d of descriptors) assertDescriptor(d, DESCRIPTOR_LENGTHS[model]);
}

/** The file bytes of `snapshot`, which must already be valid ({@link assertSnapshot}). */
export function encodeGallerySnapshot(snapshot: GallerySnapshot): Buffer {
  const headerBytes = HEADER_BYTES[GALLERY_CACHE_FORMAT_VERSION] ?? 0;
  const length = DESCRIPTOR_LENGTHS[snapshot.model];
  const descriptorBytes = length * FLOAT_BYTES;
  const ids = snapshot.people.map((person) => Buffer.from(person.personId, 'utf8'));
  const peopleBytes = ids.reduce((sum, id) => sum + 8 + id.length, 0);
  const descriptorCount = snapshot.people.reduce((sum, person) => sum + person.descriptors.length, 0);
  const floatsAt = headerBytes + peopleBytes;
  const hashAt = floatsAt + descriptorCount * descriptorBytes;
  const data = Buffer.alloc(hashAt + HASH_BYTES);

  MAGIC.copy(data, 0);
  data.writeUInt32LE(GALLERY_CACHE_FORMAT_VERSION, 4);
  data.writeDoubleLE(snapshot.version, 8);
  data.writeUInt32LE(snapshot.people.length, 16);
  data.writeUInt32LE(descriptorCount, 20);
  data.writeUInt32LE(length, 24);
  data.writeUInt32LE(peopleBytes, 28);
  // Alloc zeroed the field, so the name is NUL-padded.
  data.write(snapshot.model, MODEL_AT, MODEL_BYTES, 'latin1');

  let at = headerBytes;
  let floatAt = floatsAt;
  snapshot.people.forEach((person, i) => {
    const id = ids[i] ?? Buffer.alloc(0);
    data.writeUInt32LE(id.length, at);
    id.copy(data, at + 4);
    data.writeUInt32LE(person.descriptors.length, at + 4 + id.length);
    at += 8 + id.length;
    for (const d of person.descriptors) {
      writeFloats(data, floatAt, d);
      floatAt += descriptorBytes;
    }
  });
  sha256(data.subarray(0, hashAt)).copy(data, hashAt);
  return data;
}

/**
 * The snapshot stored in `data`, read from `file` (named in errors). Descriptors are views into one
 * fresh buffer: treat them as read-only.
 *
 * @throws RollcallError `GALLERY_CACHE_CORRUPT` naming `file` and what is wrong.
 */
export function decodeGallerySnapshot(data: Buffer, file: string): GallerySnapshot {
  const corrupt = (what: string): RollcallError =>
    new RollcallError(ErrorCode.GalleryCacheCorrupt, `gallery cache ${file} is unusable: ${what}`);
  if (data.length < 8 || !data.subarray(0, 4).equals(MAGIC)) {
    throw corrupt('not a gallery cache file');
  }
  const formatVersion = data.readUInt32LE(4);
  const headerBytes = HEADER_BYTES[formatVersion];
  if (headerBytes === undefined) {
    throw corrupt(`format version ${formatVersion}; this build reads 1 to ${GALLERY_CACHE_FORMAT_VERSION}`);
  }
  if (data.length < headerBytes + HASH_BYTES) throw corrupt('not a gallery cache file');
  const hashAt = data.length - HASH_BYTES;
  if (!sha256(data.subarray(0, hashAt)).equals(data.subarray(hashAt))) {
    throw corrupt('checksum mismatch (truncated or damaged)');
  }
  const version = data.readDoubleLE(8);
  const personCount = data.readUInt32LE(16);
  const descriptorCount = data.readUInt32LE(20);
  const descriptorLength = data.readUInt32LE(24);
  const peopleBytes = data.readUInt32LE(28);
  if (!Number.isSafeInteger(version) || version < 0) throw corrupt(`bad gallery version ${version}`);
  // Format 1 knew one model only: face-api's.
  const modelName =
    formatVersion === 1
      ? 'face-api'
      : data.toString('latin1', MODEL_AT, MODEL_AT + MODEL_BYTES).replace(/\0+$/, '');
  if (!isDescriptorModel(modelName)) throw corrupt(`unknown descriptor model "${modelName}"`);
  const model = modelName;
  const length = DESCRIPTOR_LENGTHS[model];
  if (descriptorLength !== length) {
    throw corrupt(`${model} descriptors of length ${descriptorLength}; ${model} has ${length}`);
  }
  const floatsAt = headerBytes + peopleBytes;
  if (floatsAt + descriptorCount * length * FLOAT_BYTES !== hashAt)
    throw corrupt('section sizes do not add up');

  const floats = readFloats(data, floatsAt, descriptorCount * length);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const people: CachedPerson[] = [];
  const seen = new Set<string>();
  let at = headerBytes;
  let row = 0;
  for (let p = 0; p < personCount; p++) {
    if (at + 4 > floatsAt) throw corrupt('people section too short');
    const idLength = data.readUInt32LE(at);
    if (idLength === 0 || at + 8 + idLength > floatsAt) throw corrupt(`bad id length for person ${p}`);
    let personId: string;
    try {
      personId = decoder.decode(data.subarray(at + 4, at + 4 + idLength));
    } catch {
      throw corrupt(`person ${p} has an id that is not UTF-8`);
    }
    const count = data.readUInt32LE(at + 4 + idLength);
    at += 8 + idLength;
    if (count === 0 || row + count > descriptorCount) throw corrupt(`bad descriptor count for "${personId}"`);
    if (seen.has(personId)) throw corrupt(`person "${personId}" appears twice`);
    seen.add(personId);
    const descriptors: Float32Array[] = [];
    for (let i = 0; i < count; i++, row++) {
      descriptors.push(floats.subarray(row * length, (row + 1) * length));
    }
    people.push({ personId, descriptors });
  }
  if (at !== floatsAt || row !== descriptorCount) throw corrupt('people section does not match the counts');
  return { version, model, people };
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function writeFloats(data: Buffer, at: number, values: Float32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    data.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
    return;
  }
  for (let i = 0; i < values.length; i++) data.writeFloatLE(values[i] ?? 0, at + i * FLOAT_BYTES);
}

function readFloats(data: Buffer, at: number, count: number): Float32Array {
  const floats = new Float32Array(count);
  if (LITTLE_ENDIAN_HOST) {
    // A byte copy into a fresh, aligned buffer: exact, and safe whatever the offset of `at`.
    new Uint8Array(floats.buffer).set(data.subarray(at, at + count * FLOAT_BYTES));
    return floats;
  }
  for (let i = 0; i < count; i++) floats[i] = data.readFloatLE(at + i * FLOAT_BYTES);
  return floats;
}
