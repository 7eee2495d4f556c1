/**
 * Turns image files from the outside world into RGB pixels the engine can use: EXIF rotation
 * applied, alpha flattened onto grey, grayscale expanded to RGB, very large photos scaled down.
 */
import sharp, { type Metadata } from 'sharp';
import { ErrorCode, RollcallError } from '../core/index.js';
import type { RgbImage } from './face-engine.js';

export interface DecodeOptions {
  /** Refuse images with more pixels than this before decoding them (decompression bombs). @defaultValue 50 megapixels */
  maxInputPixels?: number;
  /** Scale the longer side down to this; detectors see at most ~600 px anyway. @defaultValue 2048 */
  maxSide?: number;
  /** A name for the image in error messages, such as its file name. */
  name?: string;
}

/** Grey, so padding and flattened alpha carry no edges a detector could mistake for a face. */
export const NEUTRAL_GREY = 128;

/** Pixels handed over from elsewhere (a thread, the bridge) are checked before a model sees them. */
export function assertRgbImage(image: RgbImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RollcallError(ErrorCode.ImageCorrupt, `image size ${width}×${height} is not valid`);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) {
    throw new RollcallError(
      ErrorCode.ImageCorrupt,
      `the pixel buffer holds ${data instanceof Uint8Array ? data.length : 'no'} bytes, expected ${width * height * 3} for ${width}×${height} RGB`,
    );
  }
}

export async function decodeImage(input: Buffer, options: DecodeOptions = {}): Promise<RgbImage> {
  const name = options.name ?? 'image';
  const maxInputPixels = options.maxInputPixels ?? 50_000_000;
  const maxSide = options.maxSide ?? 2048;
  if (input.length === 0) throw new RollcallError(ErrorCode.ImageEmpty, `${name}: the file is empty`);
  let metadata: Metadata;
  try {
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new RollcallError(
      ErrorCode.ImageUnsupported,
      `${name}: not an image Rollcall can read (JPEG, PNG, WebP, GIF, TIFF, AVIF)`,
      {
        cause: error,
      },
    );
  }
  const pixels = metadata.width * metadata.height;
  if (pixels > maxInputPixels) {
    throw new RollcallError(
      ErrorCode.ImageTooLarge,
      `${name}: ${metadata.width}×${metadata.height} is more than ${Math.round(maxInputPixels / 1e6)} megapixels`,
    );
  }
  try {
    const { data, info } = await sharp(input, { limitInputPixels: maxInputPixels, failOn: 'error' })
      .rotate()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: { r: NEUTRAL_GREY, g: NEUTRAL_GREY, b: NEUTRAL_GREY } })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new RollcallError(
        ErrorCode.ImageUnsupported,
        `${name}: decoded to ${info.channels} channels, expected RGB`,
      );
    }
    // A standalone copy: small Buffers share a pooled slab, and the pixels may be moved to a worker.
    return { width: info.width, height: info.height, data: new Uint8Array(data) };
  } catch (error) {
    if (error instanceof RollcallError) throw error;
    throw new RollcallError(
      ErrorCode.ImageCorrupt,
      `${name}: the image is damaged or truncated (${(error as Error).message})`,
      {
        cause: error,
      },
    );
  }
}

/** Reads and decodes a file; the error names the file. */
export async function readImageFile(
  file: string,
  options: Omit<DecodeOptions, 'name'> = {},
): Promise<RgbImage> {
  const { readFile } = await import('node:fs/promises');
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new RollcallError(
      ErrorCode.ImageUnreadable,
      `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        cause: error,
      },
    );
  }
  return decodeImage(bytes, { ...options, name: file });
}
