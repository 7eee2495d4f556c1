import { ErrorCode, RollcallError } from './errors.js';

/** Length of a face-api face descriptor (the FaceRecognitionNet embedding). */
export const DESCRIPTOR_LENGTH = 128;

/**
 * Euclidean distance between two descriptors of equal length.
 *
 * @throws RollcallError `DESCRIPTOR_INVALID` when the lengths differ.
 */
export function euclideanDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new RollcallError(
      ErrorCode.DescriptorInvalid,
      `cannot compare descriptors of length ${a.length} and ${b.length}`,
    );
  }
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/**
 * Asserts that `d` is a usable descriptor: a `Float32Array` of {@link DESCRIPTOR_LENGTH} finite values.
 *
 * @throws RollcallError `DESCRIPTOR_INVALID` otherwise; the message says what is wrong.
 */
export function assertDescriptor(d: unknown): asserts d is Float32Array {
  if (!(d instanceof Float32Array)) {
    throw new RollcallError(ErrorCode.DescriptorInvalid, 'descriptor must be a Float32Array');
  }
  if (d.length !== DESCRIPTOR_LENGTH) {
    throw new RollcallError(
      ErrorCode.DescriptorInvalid,
      `descriptor must have ${DESCRIPTOR_LENGTH} values, got ${d.length}`,
    );
  }
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      throw new RollcallError(ErrorCode.DescriptorInvalid, `descriptor value ${i} is not a finite number`);
    }
  }
}

/**
 * Element-wise mean of one or more descriptors (accumulated in double precision).
 *
 * @throws RollcallError `DESCRIPTOR_INVALID` when `ds` is empty or holds an invalid descriptor.
 */
export function meanDescriptor(ds: Float32Array[]): Float32Array {
  if (ds.length === 0) {
    throw new RollcallError(ErrorCode.DescriptorInvalid, 'cannot average zero descriptors');
  }
  const sum = new Float64Array(DESCRIPTOR_LENGTH);
  for (const d of ds) {
    assertDescriptor(d);
    for (let i = 0; i < DESCRIPTOR_LENGTH; i++) sum[i] = (sum[i] ?? 0) + (d[i] ?? 0);
  }
  const mean = new Float32Array(DESCRIPTOR_LENGTH);
  for (let i = 0; i < DESCRIPTOR_LENGTH; i++) mean[i] = (sum[i] ?? 0) / ds.length;
  return mean;
}
