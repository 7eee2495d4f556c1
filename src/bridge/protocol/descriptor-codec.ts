/**
 * Face descriptors on the wire: 128 float32 values each, little-endian, back to back.
 */
import { DESCRIPTOR_LENGTH, ErrorCode } from '../../core/index.js';
import { ProtocolError } from './protocol-error.js';

export const DESCRIPTOR_BYTES = DESCRIPTOR_LENGTH * Float32Array.BYTES_PER_ELEMENT;

/** Typed arrays use the platform's byte order; the wire is little-endian, like every platform Node runs on today. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function badDescriptor(what: string, index: number, problem: string): ProtocolError {
  return new ProtocolError(ErrorCode.BadMessage, `${what}: descriptor ${index} ${problem}`);
}

/** Checks one outgoing descriptor and returns its wire bytes (a view of it on little-endian hosts). */
export function descriptorBytes(descriptor: Float32Array, index = 0, what = 'descriptor'): Uint8Array {
  if (!(descriptor instanceof Float32Array) || descriptor.length !== DESCRIPTOR_LENGTH) {
    throw badDescriptor(what, index, `must be a Float32Array of ${DESCRIPTOR_LENGTH} values`);
  }
  for (let i = 0; i < DESCRIPTOR_LENGTH; i++) {
    if (!Number.isFinite(descriptor[i]))
      throw badDescriptor(what, index, `value ${i} is not a finite number`);
  }
  if (LITTLE_ENDIAN) return new Uint8Array(descriptor.buffer, descriptor.byteOffset, DESCRIPTOR_BYTES);
  const bytes = new Uint8Array(DESCRIPTOR_BYTES);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < DESCRIPTOR_LENGTH; i++) view.setFloat32(i * 4, descriptor[i] ?? 0, true);
  return bytes;
}

/**
 * Packs descriptors into one buffer of `descriptors.length × 512` bytes.
 *
 * @throws ProtocolError `BAD_MESSAGE` for a descriptor of the wrong length or with a non-finite value.
 */
export function packDescriptors(descriptors: readonly Float32Array[]): Buffer {
  const out = Buffer.allocUnsafe(descriptors.length * DESCRIPTOR_BYTES);
  descriptors.forEach((descriptor, index) => {
    out.set(descriptorBytes(descriptor, index), index * DESCRIPTOR_BYTES);
  });
  return out;
}

/**
 * Unpacks `count` descriptors from `bytes`, each into its own aligned `Float32Array`. The bytes are
 * copied, never aliased: a frame's binary part can sit at any offset, and a Float32Array view over
 * an odd offset would throw (or, if it worked, pin the whole frame in memory).
 *
 * @param count - How many descriptors `bytes` must hold. @defaultValue `bytes.length / 512`
 * @throws ProtocolError `BAD_MESSAGE` when the length is not exactly `count × 512` or a value is not finite.
 */
export function unpackDescriptors(bytes: Uint8Array, count?: number, what = 'descriptors'): Float32Array[] {
  const expected = count ?? Math.floor(bytes.length / DESCRIPTOR_BYTES);
  if (bytes.length !== expected * DESCRIPTOR_BYTES) {
    throw new ProtocolError(
      ErrorCode.BadMessage,
      `${what}: binary part is ${bytes.length} bytes, expected ${expected} descriptors of ${DESCRIPTOR_BYTES} bytes`,
    );
  }
  const view = LITTLE_ENDIAN ? undefined : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const descriptors: Float32Array[] = [];
  for (let d = 0; d < expected; d++) {
    const start = d * DESCRIPTOR_BYTES;
    const descriptor = new Float32Array(DESCRIPTOR_LENGTH);
    if (view === undefined) {
      new Uint8Array(descriptor.buffer).set(bytes.subarray(start, start + DESCRIPTOR_BYTES));
    } else {
      for (let i = 0; i < DESCRIPTOR_LENGTH; i++) descriptor[i] = view.getFloat32(start + i * 4, true);
    }
    for (let i = 0; i < DESCRIPTOR_LENGTH; i++) {
      if (!Number.isFinite(descriptor[i])) throw badDescriptor(what, d, `value ${i} is not a finite number`);
    }
    descriptors.push(descriptor);
  }
  return descriptors;
}
