/**
 * Descriptors on disk: float32 values, little-endian, as many as the descriptor model has (128 for
 * face-api = 512 bytes, 512 for fr-feature = 2,048 bytes). Written explicitly through a DataView so
 * a database copied to a big-endian machine reads the same.
 */
import { DESCRIPTOR_LENGTHS, ErrorCode, RollcallError, type DescriptorModel } from '../core/index.js';

/** Bytes of one stored descriptor of `model`. */
export function descriptorBytes(model: DescriptorModel): number {
  return DESCRIPTOR_LENGTHS[model] * 4;
}

export function encodeDescriptor(descriptor: Float32Array): Buffer {
  const buffer = Buffer.alloc(descriptor.length * 4);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  for (let i = 0; i < descriptor.length; i++) view.setFloat32(i * 4, descriptor[i] ?? 0, true);
  return buffer;
}

/**
 * The descriptor of `model` stored in `bytes`.
 *
 * @throws RollcallError `STORE_FAILED` when the length is not the model's (a damaged row).
 */
export function decodeDescriptor(bytes: Uint8Array, model: DescriptorModel): Float32Array {
  const length = DESCRIPTOR_LENGTHS[model];
  if (bytes.byteLength !== length * 4) {
    throw new RollcallError(
      ErrorCode.StoreFailed,
      `a stored ${model} descriptor has ${bytes.byteLength} bytes, expected ${length * 4}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
