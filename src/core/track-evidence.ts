/**
 * Evidence about one track's identity, pooled over the frames it was described on. A video shows
 * the same face many times; one frame can land within the match threshold of a look-alike by
 * chance, but the average of several frames is pulled towards the face's true identity. The
 * tracker judges this pooled descriptor instead of each frame alone. Pure: numbers in, numbers out.
 */
import { ErrorCode, RollcallError } from './errors.js';
import type { FaceQuality } from './quality.js';

/**
 * Face size at which a descriptor network sees the face at full detail: recognition nets work on
 * 112 px (ArcFace template) to 150 px (dlib) chips, so a smaller face is upsampled and its
 * descriptor is partly guessed.
 */
export const FULL_DETAIL_SIZE_PX = 112;
/**
 * Laplacian variance at which a face counts as half sharp. The recognition gate refuses below 5;
 * clear webcam faces measure in the hundreds, so 50 separates soft from crisp.
 */
export const HALF_SHARPNESS = 50;
/** Weight of a profile relative to a frontal face: a turned face still says something about who it is. */
export const PROFILE_WEIGHT = 0.25;
/** No frame counts for less than this, so a track of only poor frames still has evidence to judge. */
export const MIN_QUALITY_WEIGHT = 1e-3;

/**
 * How much one described frame should count in a track's evidence, in (0, 1]: the product of one
 * factor per quality measure, each 1 for a face a recognition net reads best.
 *
 * - size: ramps up to {@link FULL_DETAIL_SIZE_PX}; a small face is upsampled and its descriptor
 *   drifts towards the average face, which is where look-alikes come from.
 * - sharpness: `s / (s + HALF_SHARPNESS)`; motion blur of someone walking erases the fine detail
 *   that separates two similar people.
 * - frontality: from {@link PROFILE_WEIGHT} for a profile to 1 for a frontal face; enrolled photos
 *   are frontal, so a frontal frame is compared like with like.
 * - detector score: a low score often means a poorly placed box, hence a misaligned chip.
 */
export function qualityWeight(quality: FaceQuality): number {
  const size = clamp01(quality.sizePx / FULL_DETAIL_SIZE_PX);
  const sharpness = Math.max(0, quality.sharpness);
  const sharp = sharpness / (sharpness + HALF_SHARPNESS);
  const frontal = PROFILE_WEIGHT + (1 - PROFILE_WEIGHT) * clamp01(quality.frontality);
  const score = clamp01(quality.score);
  const weight = size * sharp * frontal * score;
  return Number.isFinite(weight) ? Math.max(MIN_QUALITY_WEIGHT, weight) : MIN_QUALITY_WEIGHT;
}

/**
 * A running quality-weighted mean of one track's descriptors.
 *
 * Each descriptor is added as its direction (scaled to unit length) and its length is averaged
 * separately; the evidence is the weighted mean direction, rescaled to the weighted mean length.
 * Averaging raw vectors would shrink the mean towards the origin as frames disagree, moving it
 * away from every gallery row at once; rescaling keeps it on the shell where the model's
 * descriptors live. For an L2-normalised model (fr-feature) the evidence is simply the normalised
 * weighted mean.
 */
export class TrackEvidence {
  #directionSum: Float64Array | undefined;
  #lengthSum = 0;
  #weightSum = 0;
  #frames = 0;

  /** Described frames pooled so far. */
  get frames(): number {
    return this.#frames;
  }

  /** Sum of the weights pooled so far. */
  get totalWeight(): number {
    return this.#weightSum;
  }

  /**
   * Pools one descriptor with `weight` (see {@link qualityWeight}).
   *
   * @throws RollcallError `DESCRIPTOR_INVALID` for a descriptor of another length than those
   *   before, a zero or non-finite descriptor, or a weight that is not positive and finite.
   */
  add(descriptor: Float32Array, weight: number): void {
    if (!(weight > 0 && Number.isFinite(weight))) {
      throw new RollcallError(ErrorCode.DescriptorInvalid, `evidence weight must be positive, got ${weight}`);
    }
    const length = descriptorLength(descriptor);
    if (!(length > 0 && Number.isFinite(length))) {
      throw new RollcallError(ErrorCode.DescriptorInvalid, 'evidence descriptor must be non-zero and finite');
    }
    this.#directionSum ??= new Float64Array(descriptor.length);
    const sum = this.#directionSum;
    if (sum.length !== descriptor.length) {
      throw new RollcallError(
        ErrorCode.DescriptorInvalid,
        `evidence holds descriptors of length ${sum.length}, got ${descriptor.length}`,
      );
    }
    const scale = weight / length;
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] ?? 0) + scale * (descriptor[i] ?? 0);
    this.#lengthSum += weight * length;
    this.#weightSum += weight;
    this.#frames++;
  }

  /**
   * The pooled descriptor, or undefined before the first frame (or when the directions cancel
   * out exactly, which leaves no direction to judge).
   */
  descriptor(): Float32Array | undefined {
    const sum = this.#directionSum;
    if (sum === undefined || this.#weightSum === 0) return undefined;
    let squares = 0;
    for (const v of sum) squares += v * v;
    const norm = Math.sqrt(squares);
    if (!(norm > 0)) return undefined;
    const scale = this.#lengthSum / this.#weightSum / norm;
    return Float32Array.from(sum, (v) => v * scale);
  }

  /** Forgets every frame. */
  clear(): void {
    this.#directionSum = undefined;
    this.#lengthSum = 0;
    this.#weightSum = 0;
    this.#frames = 0;
  }
}

function descriptorLength(d: Float32Array): number {
  let squares = 0;
  for (const v of d) squares += v * v;
  return Math.sqrt(squares);
}

function clamp01(value: number): number {
  return Number.isNaN(value) ? 0 : Math.max(0, Math.min(1, value));
}
