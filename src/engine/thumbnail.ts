/**
 * Small JPEGs of enrollment photos for the pages: the face cut out square when its box is known,
 * otherwise the whole photo scaled down. Decoded as the engine decodes (EXIF rotation, the same
 * scale-down), so a box the engine measured lands on the face.
 */
import sharp from 'sharp';
import { portraitCrop, type Box } from '../core/index.js';
import { NEUTRAL_GREY } from './image.js';

export interface ThumbnailOptions {
  /** Where the face is, in pixels of the photo as the engine decoded it. Null: the whole photo. */
  box: Box | null;
  /** The thumbnail's longer side. */
  sizePx: number;
  /** The engine's decoding scale-down (`DecodeOptions.maxSide`). @defaultValue 2048 */
  maxSide?: number;
}

/** Refuse to decode photos past this many pixels (decompression bombs), as decoding does. */
const MAX_INPUT_PIXELS = 50_000_000;

export async function photoThumbnail(input: Uint8Array, options: ThumbnailOptions): Promise<Buffer> {
  const maxSide = options.maxSide ?? 2048;
  const grey = { r: NEUTRAL_GREY, g: NEUTRAL_GREY, b: NEUTRAL_GREY };
  if (!options.box) {
    return sharp(input, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .resize({ width: options.sizePx, height: options.sizePx, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: grey })
      .jpeg({ quality: 82 })
      .toBuffer();
  }
  const { data, info } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS })
    .rotate()
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: grey })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const crop = portraitCrop(options.box, info.width, info.height);
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height })
    .resize({ width: options.sizePx, height: options.sizePx, fit: 'cover' })
    .jpeg({ quality: 82 })
    .toBuffer();
}
