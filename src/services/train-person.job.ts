/**
 * The training job: a person's uploaded photos become descriptors. Each photo is checked — exactly
 * one clear face, good enough to enroll, like the person's other photos — and the accepted
 * descriptors are stored, under the model of the engine that computed them, and pushed to every
 * recognition node. A face closer to someone already enrolled than the match threshold is enrolled
 * with a warning: it may be a twin or a look-alike (refusing would leave them out for good), or a
 * photo of the wrong person, which the administrator can tell and the job cannot.
 */
import { UnrecoverableError } from 'bullmq';
import {
  SAME_PERSON_LIMIT,
  DESCRIPTOR_LENGTHS,
  ENROLLMENT_GATES,
  euclideanDistance,
  Gallery,
  isRollcallError,
  selectEnrollmentFace,
  type DescriptorModel,
  type MatchThresholds,
} from '../core/index.js';
import type { EmbeddedFace, EmbedPhoto, EmbedReply, EmbedResult } from '../bridge/index.js';
import type { JobContext, JobHandler, JobName, JobResults } from '../queues/index.js';
import type { PeopleRepository } from '../store/index.js';
import type { GallerySync } from './gallery-sync.service.js';
import type { TrainingOutcome, TrainingProgress } from './views.js';

/**
 * Turns photos into faces with descriptors: the local engine pool on a one-machine install, a
 * recognition node's engine over the bridge on a web node. The reply names the model of its
 * descriptors. With `model`, only an engine of that model may answer. Throws when no (such) engine
 * is reachable, which the jobs treat as transient and retry.
 */
export type PhotoEmbedder = (
  photos: EmbedPhoto[],
  options?: {
    model?: DescriptorModel;
    /**
     * Called as each photo's analysis ends, with its index, for progress. An embedder that
     * answers for the batch at once (a node over the bridge) may not call it.
     */
    onResult?: (index: number) => void;
  },
) => Promise<EmbedReply>;

export interface TrainPersonDeps {
  store: PeopleRepository;
  embed: PhotoEmbedder;
  gallerySync: GallerySync;
  /**
   * A new face closer than `match` to another enrolled person comes with a look-alike warning: the
   * camera may name one as the other. A function is asked at every job, for the model that
   * described the photos, so the thresholds follow the settings and the gallery as it is then.
   */
  thresholds: MatchThresholds | ((model: DescriptorModel) => MatchThresholds | Promise<MatchThresholds>);
  /**
   * Descriptors of `model` were stored. Nodes of other models need them too: the web node queues
   * a re-embedding job for those. A failure here never fails the training.
   */
  descriptorsStored?: (model: DescriptorModel) => Promise<void>;
}

export function handleTrainPerson(deps: TrainPersonDeps): JobHandler<typeof JobName.TrainPerson> {
  return async ({ personId, photoIds }, { reportProgress }) => {
    const { store } = deps;
    const person = await store.getPerson(personId);
    if (!person)
      throw new UnrecoverableError(`person ${personId} no longer exists (deleted before training)`);

    const photos: (EmbedPhoto & { photoId: string })[] = [];
    const refused: TrainPersonResult['refused'] = [];
    for (const photoId of photoIds) {
      const [meta, bytes] = await Promise.all([store.getPhoto(photoId), store.getPhotoBytes(photoId)]);
      if (!meta || !bytes) {
        const reasons = ['the photo was deleted before training'];
        refused.push({ photoId, fileName: photoId, reasons, reason: reasons[0] as string });
        continue;
      }
      photos.push({ photoId, name: meta.fileName, data: bytes });
    }

    // Reading the photos is nearly all of the job's time: the bar moves as each one is read (the
    // engine still reads them all at once, on every thread of its pool).
    const progress = new ProgressReporter(reportProgress, photos.length);
    const { model, results } = await deps.embed(
      photos.map(({ name, data }) => ({ name, data })),
      {
        onResult: (index) => {
          progress.photoRead(photos[index]?.name ?? null);
        },
      },
    );
    await progress.allRead(photos.at(-1)?.name ?? null);

    // Everyone else, to catch a photo of the wrong person (a mix-up marks the wrong one present).
    // Only descriptors of the model that described these photos compare with them.
    const others = new Gallery({ dimension: DESCRIPTOR_LENGTHS[model] });
    for (const other of (await store.getGallery(model)).people) {
      if (other.personId !== personId && other.descriptors.length > 0)
        others.upsert(other.name, other.descriptors);
    }

    const thresholds = typeof deps.thresholds === 'function' ? await deps.thresholds(model) : deps.thresholds;
    const verdicts = photos.map((_, index) => judgePhoto(results[index], others, thresholds));
    const existing = (await store.listDescriptors(personId, model))
      .filter((d) => !photoIds.includes(d.photoId))
      .map((d) => d.descriptor);
    checkConsistency(verdicts, existing, SAME_PERSON_LIMIT[model]);

    const accepted: string[] = [];
    const lookalikes: TrainPersonResult['lookalikes'] = [];
    let galleryVersion = await store.getGalleryVersion();
    for (const [index, photo] of photos.entries()) {
      const verdict = verdicts[index] as PhotoVerdict;
      if (verdict.ok) {
        const { lookalike } = verdict;
        const { x, y, width, height } = verdict.face.box;
        await store.setPhotoQuality(photo.photoId, {
          accepted: true,
          ...verdict.face.quality,
          // Where the face is, for the People pages' thumbnails.
          box: { x, y, width, height },
          ...(lookalike ? { lookalike: { name: lookalike.name, distance: lookalike.distance } } : {}),
        });
        if (lookalike)
          lookalikes.push({
            photoId: photo.photoId,
            ...lookalike,
            message: `${photo.name}: ${lookalike.message}`,
          });
        galleryVersion = (await store.setPhotoDescriptors(photo.photoId, model, [verdict.face.descriptor]))
          .galleryVersion;
        accepted.push(photo.photoId);
      } else {
        // Decoding errors name the photo: the name is said once, in front.
        const reasons = verdict.reasons.map((r) =>
          r.startsWith(`${photo.name}: `) ? r.slice(photo.name.length + 2) : r,
        );
        refused.push({
          photoId: photo.photoId,
          fileName: photo.name,
          reasons,
          reason: `${photo.name}: ${reasons.join('; ')}`,
        });
        await store.setPhotoQuality(photo.photoId, {
          accepted: false,
          reason: reasons.join('; '),
          reasons,
        });
      }
    }

    const outcomes: TrainingOutcome[] = [
      ...photos
        .filter((p) => accepted.includes(p.photoId))
        .map((p) => ({ photoId: p.photoId, fileName: p.name, accepted: true, reasons: [] })),
      ...refused.map(({ photoId, fileName, reasons }) => ({ photoId, fileName, accepted: false, reasons })),
    ];
    // Said before a failure too, so the page can list every refused photo with all its reasons.
    await progress.judged(outcomes);
    if (accepted.length === 0) {
      throw new UnrecoverableError(
        `no photo of ${person.name} could be used: ${refused.map((r) => r.reason).join(' | ')}`,
      );
    }
    try {
      await deps.gallerySync.upserted(personId, galleryVersion);
    } catch (error) {
      // Nodes that missed the push get a full snapshot on their next connection.
      if (!isRollcallError(error)) throw error;
    }
    await deps.descriptorsStored?.(model).catch(() => undefined);
    return { personId, model, accepted, refused, lookalikes, galleryVersion };
  };
}

type TrainPersonResult = JobResults[typeof JobName.TrainPerson];
type Lookalike = Omit<TrainPersonResult['lookalikes'][number], 'photoId'>;
type PhotoVerdict =
  { ok: true; face: EmbeddedFace; lookalike?: Lookalike } | { ok: false; reasons: string[] };

/**
 * The job's progress as the People page shows it: a share of the photos read (to 95%: judging and
 * storing follow) and the photo read last, then 100% with what became of each photo.
 */
class ProgressReporter {
  #done = 0;
  #last: string | null = null;
  // Reports go out one after another, so a slow write never lands after a later one.
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly report: JobContext['reportProgress'],
    private readonly total: number,
  ) {}

  photoRead(name: string | null): void {
    this.#done = Math.min(this.total, this.#done + 1);
    this.#last = name;
    this.#send(this.#readPercent());
  }

  /** Every photo read: catches up when the embedder answered for the batch at once. */
  async allRead(last: string | null): Promise<void> {
    if (this.#done < this.total) {
      this.#done = this.total;
      this.#last = last;
      this.#send(this.#readPercent());
    }
    await this.#chain;
  }

  async judged(outcomes: TrainingOutcome[]): Promise<void> {
    this.#send(100, outcomes);
    await this.#chain;
  }

  #readPercent(): number {
    return this.total === 0 ? 95 : Math.round((this.#done / this.total) * 95);
  }

  #send(percent: number, outcomes?: TrainingOutcome[]): void {
    const detail: TrainingProgress = {
      done: this.#done,
      total: this.total,
      photo: this.#last,
      ...(outcomes ? { outcomes } : {}),
    };
    const report = (): Promise<void> => this.report(percent, { ...detail });
    // A failed report (Redis hiccup) costs the bar a step, never the training.
    this.#chain = this.#chain.then(report).catch(() => undefined);
  }
}

/** Whether one photo's faces give a descriptor fit to enroll, and if not, why, in plain words. */
function judgePhoto(
  result: EmbedResult | undefined,
  others: Gallery,
  thresholds: MatchThresholds,
): PhotoVerdict {
  if (!result) return { ok: false, reasons: ['the engine gave no answer for this photo'] };
  if (!result.ok) return { ok: false, reasons: [result.error.message] };
  const selection = selectEnrollmentFace(result.faces, ENROLLMENT_GATES);
  if (!selection.ok) return { ok: false, reasons: selection.reasons };
  const [nearest] = others.nearestPeople(selection.face.descriptor, 1, thresholds.match);
  if (!nearest) return { ok: true, face: selection.face };
  // The bar is the gallery's match threshold: closer than it, a face of one may be named as the other.
  const name = nearest.personId;
  return {
    ok: true,
    face: selection.face,
    lookalike: {
      name,
      distance: nearest.distance,
      message: `looks like ${name}, who is already enrolled (distance ${nearest.distance.toFixed(2)}; the camera names anyone closer than ${thresholds.match.toFixed(2)}), so the camera may take one for the other. If this is ${name}, delete this person and add the photo to ${name}; if they are twins or look-alikes, enroll clear, frontal photos of both and check their attendance`,
    },
  };
}

/**
 * Photos of one person must look like each other: a photo whose face is far from every other photo
 * of the person (new or already enrolled) is probably someone else's, uploaded by mistake. With only
 * two photos that disagree there is no telling which is right, so both are refused.
 */
function checkConsistency(verdicts: PhotoVerdict[], existing: Float32Array[], limit: number): void {
  const faces = verdicts.flatMap((v, index) => (v.ok ? [{ index, descriptor: v.face.descriptor }] : []));
  const strangers = faces.filter(({ index, descriptor }) => {
    const others = [...faces.filter((f) => f.index !== index).map((f) => f.descriptor), ...existing];
    return others.length > 0 && Math.min(...others.map((o) => euclideanDistance(descriptor, o))) >= limit;
  });
  for (const { index } of strangers) {
    verdicts[index] = { ok: false, reasons: ["this face does not look like the person's other photos"] };
  }
}
