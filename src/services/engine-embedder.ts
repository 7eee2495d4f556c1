/** Photos to faces with descriptors on a face engine in this process (the pool of a node). */
import { ErrorCode, RollcallError, serializeError } from '../core/index.js';
import { decodeImage, type DetectorKind, type FaceEngine } from '../engine/index.js';
import type { EmbedResult } from '../bridge/index.js';
import type { PhotoEmbedder } from './train-person.job.js';

/**
 * The embedder of a node's own engine: each photo decoded and analysed with the enrollment
 * detector and the pad cascade; a photo that cannot be read becomes a coded error, not a throw.
 * Its descriptors are of the engine's model, and it refuses to stand in for another model. The
 * photos are analysed at once (the pool spreads them over its threads); `onResult` hears of each
 * as it ends.
 */
export function engineEmbedder(engine: FaceEngine, detector: DetectorKind): PhotoEmbedder {
  const model = engine.info.descriptorModel;
  return async (photos, options) => {
    if (options?.model !== undefined && options.model !== model) {
      throw new RollcallError(
        ErrorCode.EngineUnavailable,
        `this engine makes ${model} descriptors, not ${options.model}`,
      );
    }
    const results = await Promise.all(
      photos.map(async (photo, index): Promise<EmbedResult> => {
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
        } finally {
          options?.onResult?.(index);
        }
      }),
    );
    return { model, results };
  };
}
