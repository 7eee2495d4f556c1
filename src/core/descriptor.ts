import { ErrorCode, RollcallError } from './errors.js';

/**
 * The networks that can turn a face into a descriptor. Descriptors of two models never compare: a
 * gallery, a node and a stored descriptor each say which model they belong to.
 *
 * - `fr-feature`: the 512-value embedding of `fr_feature.onnx` (from the npm package
 *   `faceplugin-face-recognition-js`) on a face warped to the 112×112 ArcFace template by five
 *   landmarks; L2-normalised, so euclidean distance runs from 0 to 2.
 * - `face-api`: face-api's 128-value ResNet-34 descriptor (dlib's), on a chip aligned by face-api.
 */
export const DESCRIPTOR_MODELS = ['fr-feature', 'face-api'] as const;
export type DescriptorModel = (typeof DESCRIPTOR_MODELS)[number];

/** Values in a descriptor of each model. */
export const DESCRIPTOR_LENGTHS: Readonly<Record<DescriptorModel, number>> = {
  'fr-feature': 512,
  'face-api': 128,
};

/** Length of a face-api face descriptor (the FaceRecognitionNet embedding). */
export const DESCRIPTOR_LENGTH = DESCRIPTOR_LENGTHS['face-api'];

export function isDescriptorModel(value: unknown): value is DescriptorModel {
  return typeof value === 'string' && (DESCRIPTOR_MODELS as readonly string[]).includes(value);
}

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
 * Asserts that `d` is a usable descriptor: a `Float32Array` of `length` finite values.
 *
 * @param length - the descriptor length of the model in use. @defaultValue face-api's 128
 * @throws RollcallError `DESCRIPTOR_INVALID` otherwise; the message says what is wrong.
 */
export function assertDescriptor(d: unknown, length: number = DESCRIPTOR_LENGTH): asserts d is Float32Array {
  if (!(d instanceof Float32Array)) {
    throw new RollcallError(ErrorCode.DescriptorInvalid, 'descriptor must be a Float32Array');
  }
  if (d.length !== length) {
    throw new RollcallError(
      ErrorCode.DescriptorInvalid,
      `descriptor must have ${length} values, got ${d.length}`,
    );
  }
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      throw new RollcallError(ErrorCode.DescriptorInvalid, `descriptor value ${i} is not a finite number`);
    }
  }
}

/**
 * Element-wise mean of one or more descriptors of one length, accumulated in double precision and
 * weighted by `weights` when given.
 *
 * @throws RollcallError `DESCRIPTOR_INVALID` when `ds` is empty, holds an invalid descriptor or
 *   descriptors of different lengths, or the weights do not sum to a positive number.
 */
export function meanDescriptor(ds: readonly Float32Array[], weights?: readonly number[]): Float32Array {
  const first = ds[0];
  if (first === undefined) {
    throw new RollcallError(ErrorCode.DescriptorInvalid, 'cannot average zero descriptors');
  }
  const length = first.length;
  const sum = new Float64Array(length);
  let totalWeight = 0;
  ds.forEach((d, n) => {
    assertDescriptor(d, length);
    const w = weights?.[n] ?? 1;
    totalWeight += w;
    for (let i = 0; i < length; i++) sum[i] = (sum[i] ?? 0) + w * (d[i] ?? 0);
  });
  if (!(totalWeight > 0)) {
    throw new RollcallError(ErrorCode.DescriptorInvalid, 'descriptor weights must sum to a positive number');
  }
  const mean = new Float32Array(length);
  for (let i = 0; i < length; i++) mean[i] = (sum[i] ?? 0) / totalWeight;
  return mean;
}

/** `d` scaled to unit length (a zero vector is returned as it is). */
export function normalizeDescriptor(d: Float32Array): Float32Array {
  let sq = 0;
  for (const v of d) sq += v * v;
  const norm = Math.sqrt(sq);
  return norm > 0 ? d.map((v) => v / norm) : d.slice();
}
