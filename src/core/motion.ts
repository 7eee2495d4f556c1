/**
 * A cheap motion detector, the gate in front of the face detector (as Frigate does it): each frame
 * is shrunk to a small grey picture, compared with a running average of the scene, and the pixels
 * that changed are grown into connected regions. Only those regions (and the faces already being
 * tracked) need the expensive detector; a still scene needs nothing. Pure: pixels in, boxes out.
 */
import { ErrorCode, RollcallError } from './errors.js';
import type { Box } from './geometry.js';
import type { RgbImage } from './image.js';

/** A rectangle in frame fractions (0..1 of the width and height), for masks set per camera. */
export interface FractionRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface MotionDetectorOptions {
  /** Width of the grey picture motion is measured on; smaller is cheaper and less noisy. @defaultValue 160 */
  analysisWidth: number;
  /** Grey-level difference (0..255) from the background at which a pixel counts as changed. @defaultValue 25 */
  threshold: number;
  /**
   * How fast the background learns the current frame (0..1 per frame). At 10 fps, 0.2 absorbs a
   * person who stands still within about a second, and lets the ghost they leave behind fade as
   * fast: a still person is then kept by region refreshes, not by motion. On the bench's static
   * clip 0.2 (with a 1 s refresh) gave 52 fps where 0.1 (0.5 s) gave 31, naming the same people
   * as fast. @defaultValue 0.2
   */
  backgroundAlpha: number;
  /** Changed pixels are grown by this many grey pixels so the parts of one mover join up. @defaultValue 2 */
  dilatePx: number;
  /** Regions with fewer changed pixels than this fraction of the grey picture are noise. @defaultValue 0.0005 */
  minAreaFraction: number;
  /**
   * When more than this fraction of the picture changes at once (lights switched, camera moved,
   * auto-exposure), the background is relearnt from this frame and the whole frame counts as
   * moving. @defaultValue 0.5
   */
  relearnFraction: number;
  /** Areas that never count as motion (a clock, a television, a window onto a street). @defaultValue [] */
  masks: FractionRect[];
}

export const DEFAULT_MOTION_OPTIONS: MotionDetectorOptions = {
  analysisWidth: 160,
  threshold: 25,
  backgroundAlpha: 0.2,
  dilatePx: 2,
  minAreaFraction: 0.0005,
  relearnFraction: 0.5,
  masks: [],
};

export interface MotionResult {
  /** Moving regions in frame pixels. */
  boxes: Box[];
  /**
   * True when the detector cannot tell what moved: the first frame (no background yet), a frame
   * of another size, or a change over most of the picture. The caller should look at everything.
   */
  everywhere: boolean;
  /** Fraction of the (unmasked) grey picture that changed. */
  changedFraction: number;
}

/** One bad option: which, the rule it breaks, and the value it had. */
export interface OptionProblem {
  option: string;
  rule: string;
  value: unknown;
}

/**
 * What is wrong with masks as a camera's configuration gives them: each must be a rectangle
 * inside the frame, in fractions 0..1. Empty when they are fine.
 */
export function motionMaskProblems(masks: readonly FractionRect[], name = 'masks'): OptionProblem[] {
  const problems: OptionProblem[] = [];
  masks.forEach((mask, i) => {
    const at = `${name}[${i}]`;
    const numbers = (['x', 'y', 'width', 'height'] as const).filter((key) => {
      const ok = typeof mask[key] === 'number' && Number.isFinite(mask[key]);
      if (!ok)
        problems.push({
          option: `${at}.${key}`,
          rule: 'must be a number (a fraction 0..1 of the frame)',
          value: mask[key],
        });
      return ok;
    });
    if (numbers.length < 4) return;
    const { x, y, width, height } = mask;
    if (!(x >= 0 && x < 1))
      problems.push({ option: `${at}.x`, rule: 'must be a fraction of the frame width in 0..1', value: x });
    if (!(y >= 0 && y < 1))
      problems.push({ option: `${at}.y`, rule: 'must be a fraction of the frame height in 0..1', value: y });
    if (!(width > 0 && x + width <= 1 + 1e-9)) {
      problems.push({
        option: `${at}.width`,
        rule: `must be above 0 with x + width ≤ 1 (x is ${x})`,
        value: width,
      });
    }
    if (!(height > 0 && y + height <= 1 + 1e-9)) {
      problems.push({
        option: `${at}.height`,
        rule: `must be above 0 with y + height ≤ 1 (y is ${y})`,
        value: height,
      });
    }
  });
  return problems;
}

/** Every problem of the detector's options, each naming the option (after `prefix`). */
export function motionOptionProblems(options: MotionDetectorOptions, prefix = ''): OptionProblem[] {
  const o = options;
  const rules: [boolean, keyof MotionDetectorOptions, string][] = [
    [
      Number.isInteger(o.analysisWidth) && o.analysisWidth >= 8,
      'analysisWidth',
      'must be a whole number ≥ 8',
    ],
    [o.threshold > 0 && o.threshold < 256, 'threshold', 'must be between 0 and 255'],
    [o.backgroundAlpha > 0 && o.backgroundAlpha <= 1, 'backgroundAlpha', 'must be in (0, 1]'],
    [Number.isInteger(o.dilatePx) && o.dilatePx >= 0, 'dilatePx', 'must be a whole number ≥ 0'],
    [o.minAreaFraction >= 0 && o.minAreaFraction < 1, 'minAreaFraction', 'must be in [0, 1)'],
    [o.relearnFraction > 0 && o.relearnFraction <= 1, 'relearnFraction', 'must be in (0, 1]'],
  ];
  return [
    ...rules
      .filter(([ok]) => !ok)
      .map(([, key, rule]) => ({ option: `${prefix}${key}`, rule, value: o[key] })),
    ...motionMaskProblems(o.masks, `${prefix}masks`),
  ];
}

/** The frame shrunk to `width`×`height` grey pixels, each the mean of the block it covers. */
export function downscaleGrey(image: RgbImage, width: number, height: number): Float32Array {
  const sums = new Float32Array(width * height);
  const counts = new Uint16Array(width * height);
  const { data } = image;
  const colOf = new Int32Array(image.width);
  for (let x = 0; x < image.width; x++) colOf[x] = Math.min(width - 1, Math.floor((x * width) / image.width));
  for (let y = 0; y < image.height; y++) {
    const row = Math.min(height - 1, Math.floor((y * height) / image.height)) * width;
    let i = y * image.width * 3;
    for (let x = 0; x < image.width; x++, i += 3) {
      const cell = row + (colOf[x] as number);
      // Integer luma weights (0.299, 0.587, 0.114) scaled by 1024.
      sums[cell] =
        (sums[cell] as number) +
        ((data[i] as number) * 306 + (data[i + 1] as number) * 601 + (data[i + 2] as number) * 117) / 1024;
      counts[cell] = (counts[cell] as number) + 1;
    }
  }
  for (let c = 0; c < sums.length; c++) sums[c] = (sums[c] as number) / Math.max(1, counts[c] as number);
  return sums;
}

/** `mask` grown by `radius` pixels (a square structuring element), as a new mask. */
export function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (radius === 0) return mask.slice();
  // Separable: rows then columns.
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      for (let dx = Math.max(0, x - radius); dx <= Math.min(width - 1, x + radius); dx++)
        rows[y * width + dx] = 1;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!rows[y * width + x]) continue;
      for (let dy = Math.max(0, y - radius); dy <= Math.min(height - 1, y + radius); dy++)
        out[dy * width + x] = 1;
    }
  }
  return out;
}

/**
 * Bounding boxes of the 8-connected regions of `mask`, with the number of `weight` pixels each
 * holds (the changed pixels before dilation), in mask pixels.
 */
export function connectedRegions(
  mask: Uint8Array,
  width: number,
  height: number,
  weight: Uint8Array = mask,
): { box: Box; pixels: number }[] {
  const label = new Int32Array(mask.length);
  const regions: { box: Box; pixels: number }[] = [];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || label[start]) continue;
    label[start] = regions.length + 1;
    stack.push(start);
    let left = width;
    let top = height;
    let right = -1;
    let bottom = -1;
    let pixels = 0;
    while (stack.length > 0) {
      const p = stack.pop() as number;
      const x = p % width;
      const y = (p - x) / width;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      if (weight[p]) pixels++;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (mask[q] && !label[q]) {
            label[q] = regions.length + 1;
            stack.push(q);
          }
        }
      }
    }
    regions.push({ box: { x: left, y: top, width: right - left + 1, height: bottom - top + 1 }, pixels });
  }
  return regions;
}

export class MotionDetector {
  readonly options: MotionDetectorOptions;
  #background: Float32Array | undefined;
  #sourceWidth = 0;
  #sourceHeight = 0;
  #width = 0;
  #height = 0;
  /** 1 where a mask covers the grey pixel. */
  #masked = new Uint8Array(0);
  #unmaskedPixels = 0;

  constructor(options: Partial<MotionDetectorOptions> = {}) {
    const resolved = { ...DEFAULT_MOTION_OPTIONS, ...options };
    const problems = motionOptionProblems(resolved);
    if (problems.length > 0) {
      const lines = problems.map(
        (p) => `MotionDetector: option ${p.option} ${p.rule} (got ${String(p.value)})`,
      );
      throw new RollcallError(ErrorCode.UsageInvalid, lines.join('; '));
    }
    this.options = { ...resolved, masks: resolved.masks.map((m) => ({ ...m })) };
  }

  /** Compares a frame with the scene learnt so far, then learns it. */
  detect(image: RgbImage): MotionResult {
    if (image.width !== this.#sourceWidth || image.height !== this.#sourceHeight) this.#resize(image);
    const grey = downscaleGrey(image, this.#width, this.#height);
    const background = this.#background;
    if (!background) {
      this.#background = grey;
      return { boxes: [], everywhere: true, changedFraction: 1 };
    }
    const { threshold, backgroundAlpha, relearnFraction, dilatePx, minAreaFraction } = this.options;
    const changed = new Uint8Array(grey.length);
    let changedCount = 0;
    for (let i = 0; i < grey.length; i++) {
      const value = grey[i] as number;
      const learnt = background[i] as number;
      if (!this.#masked[i] && Math.abs(value - learnt) > threshold) {
        changed[i] = 1;
        changedCount++;
      }
      background[i] = learnt + backgroundAlpha * (value - learnt);
    }
    const changedFraction = changedCount / Math.max(1, this.#unmaskedPixels);
    if (changedFraction > relearnFraction) {
      this.#background = grey;
      return { boxes: [], everywhere: true, changedFraction };
    }
    if (changedCount === 0) return { boxes: [], everywhere: false, changedFraction };
    const minPixels = Math.max(1, minAreaFraction * this.#width * this.#height);
    const sx = this.#sourceWidth / this.#width;
    const sy = this.#sourceHeight / this.#height;
    const boxes = connectedRegions(
      dilate(changed, this.#width, this.#height, dilatePx),
      this.#width,
      this.#height,
      changed,
    )
      .filter((region) => region.pixels >= minPixels)
      .map(({ box }) => {
        const x = Math.floor(box.x * sx);
        const y = Math.floor(box.y * sy);
        return {
          x,
          y,
          width: Math.min(this.#sourceWidth, Math.ceil((box.x + box.width) * sx)) - x,
          height: Math.min(this.#sourceHeight, Math.ceil((box.y + box.height) * sy)) - y,
        };
      });
    return { boxes, everywhere: false, changedFraction };
  }

  /** Forgets the scene: the next frame is learnt afresh. */
  reset(): void {
    this.#background = undefined;
  }

  #resize(image: RgbImage): void {
    this.#sourceWidth = image.width;
    this.#sourceHeight = image.height;
    this.#width = Math.max(1, Math.min(image.width, this.options.analysisWidth));
    this.#height = Math.max(1, Math.round((image.height * this.#width) / image.width));
    this.#background = undefined;
    this.#masked = new Uint8Array(this.#width * this.#height);
    for (const mask of this.options.masks) {
      const left = Math.floor(mask.x * this.#width);
      const right = Math.min(this.#width, Math.ceil((mask.x + mask.width) * this.#width));
      const top = Math.floor(mask.y * this.#height);
      const bottom = Math.min(this.#height, Math.ceil((mask.y + mask.height) * this.#height));
      for (let y = top; y < bottom; y++)
        this.#masked.fill(1, y * this.#width + left, y * this.#width + right);
    }
    this.#unmaskedPixels = this.#masked.length - this.#masked.reduce((sum, m) => sum + m, 0);
  }
}
