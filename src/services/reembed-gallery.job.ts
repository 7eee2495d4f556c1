/**
 * The re-embedding job: descriptors of one model for every accepted enrollment photo that has
 * only another model's. Needed when a node of a model joins a gallery built with another (the
 * switch from face-api to fr-feature, or a mixed site): descriptors of two models never compare,
 * so the new node would otherwise recognise nobody.
 *
 * Photos are described again from the stored enrollment photos, not converted: no mapping exists
 * between two networks' descriptors. Descriptors are written as they come, without a gallery
 * version bump each, and the version is bumped once at the end, so every node gets the new gallery
 * in one snapshot instead of an update per photo.
 */
import { UnrecoverableError } from 'bullmq';
import {
  ENROLLMENT_GATES,
  ErrorCode,
  isDescriptorModel,
  isRollcallError,
  RollcallError,
  selectEnrollmentFace,
  type DescriptorModel,
} from '../core/index.js';
import type { EmbedPhoto, EmbedResult } from '../bridge/index.js';
import { JobName, type JobHandler, type JobQueue, type JobResults } from '../queues/index.js';
import type { PeopleRepository } from '../store/index.js';
import type { GallerySync } from './gallery-sync.service.js';
import type { PhotoEmbedder } from './train-person.job.js';

export interface ReembedGalleryDeps {
  store: PeopleRepository;
  /** Asked with `{ model }`: only an engine of the job's model may answer. */
  embed: PhotoEmbedder;
  /** Sends every connected node its model's whole gallery once the job is done. */
  gallerySync: Pick<GallerySync, 'resync'>;
  /**
   * Photos per embed request. Few, so a request stays well inside a bridge frame (photos are up
   * to 10 MiB) and progress moves. @defaultValue 4
   */
  batchPhotos?: number;
  /** Photo bytes per embed request, at most (a single bigger photo still goes alone). @defaultValue 6 MiB */
  batchBytes?: number;
}

type Result = JobResults[typeof JobName.ReembedGallery];

export function handleReembedGallery(deps: ReembedGalleryDeps): JobHandler<typeof JobName.ReembedGallery> {
  const batchPhotos = deps.batchPhotos ?? 4;
  const batchBytes = deps.batchBytes ?? 6 * 1024 * 1024;
  return async ({ model }, { attempt, reportProgress }): Promise<Result> => {
    if (!isDescriptorModel(model)) throw new UnrecoverableError(`unknown descriptor model ${String(model)}`);
    const { store } = deps;
    const photoIds = await lackingPhotoIds(store, model);
    const refused: Result['refused'] = [];
    let embedded = 0;
    let done = 0;

    let batch: (EmbedPhoto & { photoId: string })[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const photos = batch;
      batch = [];
      bytes = 0;
      const reply = await deps.embed(
        photos.map(({ name, data }) => ({ name, data })),
        { model },
      );
      // A stand-in of another model would store descriptors under the wrong name: retry later.
      if (reply.model !== model) {
        throw new RollcallError(
          ErrorCode.DescriptorModelMismatch,
          `asked for ${model} descriptors, the engine answered with ${reply.model} ones`,
        );
      }
      for (const [index, photo] of photos.entries()) {
        const verdict = chooseDescriptor(reply.results[index]);
        if (!verdict.ok) {
          refused.push({ photoId: photo.photoId, reason: `${photo.name}: ${verdict.reason}` });
          continue;
        }
        try {
          await store.setPhotoDescriptors(photo.photoId, model, [verdict.descriptor], { bumpGallery: false });
          embedded++;
        } catch (error) {
          // Erased since the listing (its person was deleted): nothing to describe any more.
          if (!isRollcallError(error, ErrorCode.StoreNotFound)) throw error;
        }
      }
      done += photos.length;
      await reportProgress(Math.round((done / photoIds.length) * 100));
    };

    for (const photoId of photoIds) {
      const [meta, data] = await Promise.all([store.getPhoto(photoId), store.getPhotoBytes(photoId)]);
      if (!meta || !data) {
        done++;
        continue;
      }
      if (batch.length > 0 && (batch.length >= batchPhotos || bytes + data.byteLength > batchBytes)) {
        await flush();
      }
      batch.push({ photoId, name: meta.fileName, data });
      bytes += data.byteLength;
    }
    await flush();

    // An earlier attempt may have written descriptors and died before its bump: bump on a retry too.
    let galleryVersion: number;
    if (embedded > 0 || attempt > 1) {
      galleryVersion = (await store.bumpGalleryVersion()).galleryVersion;
      try {
        await deps.gallerySync.resync();
      } catch (error) {
        // Nodes that missed the push get a full snapshot on their next connection.
        if (!isRollcallError(error)) throw error;
      }
    } else {
      galleryVersion = await store.getGalleryVersion();
    }
    await reportProgress(100);
    return { model, photos: photoIds.length, embedded, refused, galleryVersion };
  };
}

/** Every photo lacking descriptors of `model`, listed before any is written (the list shrinks as the job writes). */
async function lackingPhotoIds(store: PeopleRepository, model: DescriptorModel): Promise<string[]> {
  const ids: string[] = [];
  let offset: number | null = 0;
  while (offset !== null) {
    const page = await store.listPhotosLackingDescriptors(model, { limit: 1000, offset });
    ids.push(...page.items.map((p) => p.id));
    offset = page.nextOffset;
  }
  return ids;
}

/**
 * The enrollment face of a photo, chosen as the training job chose it. The photo was accepted
 * once, so the duplicate and consistency checks are not run again: a refusal here means only that
 * this model's engine could not find one clear face, and the photo keeps its other descriptors.
 */
function chooseDescriptor(
  result: EmbedResult | undefined,
): { ok: true; descriptor: Float32Array } | { ok: false; reason: string } {
  if (!result) return { ok: false, reason: 'the engine gave no answer for this photo' };
  if (!result.ok) return { ok: false, reason: result.error.message };
  const selection = selectEnrollmentFace(result.faces, ENROLLMENT_GATES);
  if (!selection.ok) return { ok: false, reason: selection.message };
  return { ok: true, descriptor: selection.face.descriptor };
}

/**
 * Queues the re-embedding job of `model` when some accepted photo lacks descriptors of it. Many
 * calls make one job (the catalog de-duplicates per model). Resolves the job id, or undefined when
 * nothing is missing.
 */
export async function queueReembedIfNeeded(
  deps: { store: PeopleRepository; jobs: Pick<JobQueue, 'enqueue'> },
  model: DescriptorModel,
): Promise<string | undefined> {
  const missing = await deps.store.listPhotosLackingDescriptors(model, { limit: 1 });
  if (missing.items.length === 0) return undefined;
  return deps.jobs.enqueue(JobName.ReembedGallery, { model });
}
