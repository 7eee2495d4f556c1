/** Boxes in image pixels and the overlap measure the tracker follows faces by. */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Intersection over union of two boxes: 1 for the same box, 0 for boxes that do not touch. */
export function iou(a: Box, b: Box): number {
  const left = Math.max(a.x, b.x);
  const top = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  const intersection = Math.max(0, right - left) * Math.max(0, bottom - top);
  const union = a.width * a.height + b.width * b.height - intersection;
  return union > 0 ? intersection / union : 0;
}

/** `box` grown by `fraction` of its size on every side, then clipped to a `width`×`height` image. */
export function expandBox(box: Box, fraction: number, width: number, height: number): Box {
  const x = Math.max(0, Math.floor(box.x - box.width * fraction));
  const y = Math.max(0, Math.floor(box.y - box.height * fraction));
  const right = Math.min(width, Math.ceil(box.x + box.width * (1 + fraction)));
  const bottom = Math.min(height, Math.ceil(box.y + box.height * (1 + fraction)));
  return { x, y, width: Math.max(0, right - x), height: Math.max(0, bottom - y) };
}
