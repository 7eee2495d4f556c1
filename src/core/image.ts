/**
 * Pixels as every room passes them: a frame source makes them, the engine reads them, the pipeline
 * crops them. A plain value type, here so capture and engine both reach it without either
 * depending on the other.
 */

/** Decoded pixels: RGB, 3 bytes a pixel, row-major, no padding between rows. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}
