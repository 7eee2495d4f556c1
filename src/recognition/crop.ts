/** Face crops for events: the evidence a person reviews when checking an attendance mark. */
import sharp from 'sharp';
import { expandBox, type Box, type RgbImage } from '../core/index.js';

/** Margin around the face box, so the crop shows the whole head a person would recognise. */
const CROP_MARGIN = 0.25;
/** Crops are thumbnails: large enough to recognise someone, small enough to store for months. */
const CROP_MAX_SIDE = 160;

export type CropEncoder = (image: RgbImage, box: Box) => Promise<Uint8Array>;

export const encodeFaceCrop: CropEncoder = async (image, box) => {
  const region = expandBox(box, CROP_MARGIN, image.width, image.height);
  if (region.width < 1 || region.height < 1) return new Uint8Array();
  const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left: region.x, top: region.y, width: region.width, height: region.height })
    .resize({ width: CROP_MAX_SIDE, height: CROP_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 80 })
    .toBuffer();
  return new Uint8Array(jpeg);
};

/** A whole frame as JPEG, for the live view on web nodes. */
export async function encodeFrameJpeg(image: RgbImage, quality = 70): Promise<Uint8Array> {
  const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
  return new Uint8Array(jpeg);
}
