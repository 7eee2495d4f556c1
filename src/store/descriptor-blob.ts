/**
 * Descriptors on disk: 128 float32 values, little-endian, 512 bytes. Written explicitly through a
 * DataView so a database copied to a big-endian machine reads the same.
 */
import { DESCRIPTOR_LENGTH, ErrorCode, RollcallError } from '../core/index.js';

export const DESCRIPTOR_BYTES = DESCRIPTOR_LENGTH * 4;

export function encodeDescriptor(descriptor: Float32Array): Buffer {
  const buffer = Buffer.alloc(descriptor.length * 4);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  for (let i = 0; i < descriptor.length; i++) view.setFloat32(i * 4, descriptor[i] ?? 0, true);
  return buffer;
}

export function decodeDescriptor(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength !== DESCRIPTOR_BYTES) {
    throw new RollcallError(
      ErrorCode.StoreFailed,
      `a stored descriptor has ${bytes.byteLength} bytes, expected ${DESCRIPTOR_BYTES}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(DESCRIPTOR_LENGTH);
  for (let i = 0; i < DESCRIPTOR_LENGTH; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
