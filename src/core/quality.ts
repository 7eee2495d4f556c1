/**
 * Face quality: plain measures over pixels and landmarks. The engine computes them during analysis;
 * what counts as good enough is decided afterwards, in `quality-gates.ts`.
 */

export interface FaceQuality {
  /** The shorter side of the face box, in pixels of the original image. */
  sizePx: number;
  /** Detector confidence, 0..1. */
  score: number;
  /** Variance of the Laplacian over the aligned face resized to a fixed size; low means blurred. */
  sharpness: number;
  /** 1 for a face looking straight at the camera, falling towards 0 as it turns sideways. */
  frontality: number;
}

/** Variance of the 4-neighbour Laplacian of a grayscale image (values 0..255). */
export function laplacianVariance(gray: ArrayLike<number>, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSquares = 0;
  const count = (width - 2) * (height - 2);
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      const i = row + x;
      const value =
        (gray[i - 1] as number) +
        (gray[i + 1] as number) +
        (gray[i - width] as number) +
        (gray[i + width] as number) -
        4 * (gray[i] as number);
      sum += value;
      sumSquares += value * value;
    }
  }
  const mean = sum / count;
  return sumSquares / count - mean * mean;
}

/** Landmark indices of the 68-point (iBUG 300-W) scheme that frontality uses. */
const JAW_START = 0;
const JAW_END = 16;
const NOSE_TIP = 30;

/**
 * How frontal a face is, from 68 landmarks given as x0, y0, x1, y1, …: on a frontal face the nose
 * tip sits midway between the two ends of the jaw line and it moves towards one end as the head
 * turns. 1 is frontal, about 0.4 a three-quarter view, 0 a profile.
 */
export function frontality(landmarks: ArrayLike<number>): number {
  const leftX = landmarks[JAW_START * 2] ?? 0;
  const rightX = landmarks[JAW_END * 2] ?? 0;
  const noseX = landmarks[NOSE_TIP * 2] ?? 0;
  const span = rightX - leftX;
  if (span <= 0) return 0;
  const position = (noseX - leftX) / span;
  return Math.max(0, Math.min(1, 1 - Math.abs(position - 0.5) * 2));
}
