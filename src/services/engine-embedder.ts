/** Photos to faces with descriptors on a face engine in this process (the pool of a node). */
import { serializeError } from '../core/index.js';
import { decodeImage, type DetectorKind, type FaceEngine } from '../engine/index.js';
import type { EmbedResult } from '../bridge/index.js';
import type { PhotoEmbedder } from './train-person.job.js';

/**
 * The embedder of a node's own engine: each photo decoded and analysed with the enrollment
 * detector and the pad cascade; a photo that cannot be read becomes a coded error, not a throw.
 */
export function engineEmbedder(engine: FaceEngine, detector: DetectorKind): PhotoEmbedder {
  return (photos) =>
    Promise.all(
      photos.map(async (photo): Promise<EmbedResult> => {
        try {
          const image = await decodeImage(Buffer.from(photo.data), { name: photo.name });
          const faces = await engine.analyze(image, { detector, padCascade: true });
          return {
            name: photo.name,
            ok: true,
            faces: faces.map(({ box, score, quality, descriptor }) => ({ box, score, quality, descriptor })),
          };
        } catch (error) {
          return { name: photo.name, ok: false, error: serializeError(error) };
        }
      }),
    );
}
