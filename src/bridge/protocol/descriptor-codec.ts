/**
 * Face descriptors on the wire: float32 values, little-endian, back to back, as many per
 * descriptor as the model named in the message has (128 for face-api, 512 for fr-feature). The
 * model travels in the JSON part; the length is never guessed from the byte count.
 */
import { DESCRIPTOR_LENGTHS, ErrorCode, type DescriptorModel } from '../../core/index.js';
import { ProtocolError } from './protocol-error.js';

/** Bytes of one descriptor of `model` on the wire. */
export function wireDescriptorBytes(model: DescriptorModel): number {
  return DESCRIPTOR_LENGTHS[model] * Float32Array.BYTES_PER_ELEMENT;
}

/** Typed arrays use the platform's byte order; the wire is little-endian, like every platform Node runs on today. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function badDescriptor(what: string, index: number, problem: string): ProtocolError {
  return new ProtocolError(ErrorCode.BadMessage, `${what}: descriptor ${index} ${problem}`);
}

/** Checks one outgoing descriptor of `model` and returns its wire bytes (a view of it on little-endian hosts). */
export function descriptorBytes(
  descriptor: Float32Array,
  model: DescriptorModel,
  index = 0,
  what = 'descriptor',
): Uint8Array {
  const length = DESCRIPTOR_LENGTHS[model];
  if (!(descriptor instanceof Float32Array) || descriptor.length !== length) {
    throw badDescriptor(what, index, `must be a Float32Array of ${length} values (${model})`);
  }
  for (let i = 0; i < length; i++) {
    if (!Number.isFinite(descriptor[i]))
      throw badDescriptor(what, index, `value ${i} is not a finite number`);
  }
  if (LITTLE_ENDIAN) return new Uint8Array(descriptor.buffer, descriptor.byteOffset, length * 4);
  const bytes = new Uint8Array(length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < length; i++) view.setFloat32(i * 4, descriptor[i] ?? 0, true);
  return bytes;
}

/**
 * Packs descriptors of `model` into one buffer of `descriptors.length × wireDescriptorBytes(model)` bytes.
 *
 * @throws ProtocolError `BAD_MESSAGE` for a descriptor of the wrong length or with a non-finite value.
 */
export function packDescriptors(descriptors: readonly Float32Array[], model: DescriptorModel): Buffer {
  const size = wireDescriptorBytes(model);
  const out = Buffer.allocUnsafe(descriptors.length * size);
  descriptors.forEach((descriptor, index) => {
    out.set(descriptorBytes(descriptor, model, index), index * size);
  });
  return out;
}

/**
 * Unpacks `count` descriptors of `model` from `bytes`, each into its own aligned `Float32Array`.
 * The bytes are copied, never aliased: a frame's binary part can sit at any offset, and a
 * Float32Array view over an odd offset would throw (or, if it worked, pin the whole frame in memory).
 *
 * @param count - How many descriptors `bytes` must hold. @defaultValue all that fit
 * @throws ProtocolError `BAD_MESSAGE` when the length is not exactly `count` descriptors of the
 *   model or a value is not finite.
 */
export function unpackDescriptors(
  bytes: Uint8Array,
  model: DescriptorModel,
  count?: number,
  what = 'descriptors',
): Float32Array[] {
  const length = DESCRIPTOR_LENGTHS[model];
  const size = length * 4;
  const expected = count ?? Math.floor(bytes.length / size);
  if (bytes.length !== expected * size) {
    throw new ProtocolError(
      ErrorCode.BadMessage,
      `${what}: binary part is ${bytes.length} bytes, expected ${expected} ${model} descriptors of ${size} bytes`,
    );
  }
  const view = LITTLE_ENDIAN ? undefined : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const descriptors: Float32Array[] = [];
  for (let d = 0; d < expected; d++) {
    const start = d * size;
    const descriptor = new Float32Array(length);
    if (view === undefined) {
      new Uint8Array(descriptor.buffer).set(bytes.subarray(start, start + size));
    } else {
      for (let i = 0; i < length; i++) descriptor[i] = view.getFloat32(start + i * 4, true);
    }
    for (let i = 0; i < length; i++) {
      if (!Number.isFinite(descriptor[i])) throw badDescriptor(what, d, `value ${i} is not a finite number`);
    }
    descriptors.push(descriptor);
  }
  return descriptors;
}
