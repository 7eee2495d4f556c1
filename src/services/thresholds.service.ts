/**
 * The web node's view of the match thresholds: what a recognition node of each face model works
 * with for the gallery as it is now, under the settings' policy. Training reads it to refuse a
 * face that is already somebody else's; the Settings page shows it with the stranger rate it
 * predicts. The same pure calibration runs on every node from its own copy of the gallery, so both
 * sides come to the same numbers.
 */
import {
  calibrationFrom,
  type CalibrationPerson,
  type DescriptorModel,
  type GalleryCalibration,
  type GalleryMeasure,
  type GalleryThresholds,
  type ThresholdPolicy,
} from '../core/index.js';
import { measureGalleryOffThread } from '../workers/index.js';

/** The part of the store this needs: one model's gallery at a version. */
export interface GalleryReader {
  getGalleryVersion(): Promise<number>;
  getGallery(model: DescriptorModel): Promise<{ galleryVersion: number; people: CalibrationPerson[] }>;
}

export interface ThresholdServiceDeps {
  store: GalleryReader;
  /** The settings' policy, read at every call so a saved change applies at once. */
  policy: () => ThresholdPolicy;
  /**
   * How a gallery is measured: seconds of CPU for a large one, so by default on a worker thread,
   * where it does not hold up the pages and the bridge. @defaultValue {@link measureGalleryOffThread}
   */
  measure?: (people: readonly CalibrationPerson[]) => Promise<GalleryMeasure>;
}

export class ThresholdService {
  /**
   * One measure per model, kept until the gallery version changes (a policy change only decides
   * again over it). Requests that arrive while a version is being measured share the measuring.
   */
  readonly #measured = new Map<
    DescriptorModel,
    { version: number; calibration: Promise<GalleryCalibration> }
  >();
  readonly #measure: (people: readonly CalibrationPerson[]) => Promise<GalleryMeasure>;

  constructor(private readonly deps: ThresholdServiceDeps) {
    this.#measure = deps.measure ?? ((people) => measureGalleryOffThread(people));
  }

  /** The thresholds for `model`'s gallery now (measured once per gallery version). */
  async thresholdsFor(model: DescriptorModel): Promise<GalleryThresholds> {
    const policy = this.deps.policy();
    const version = await this.deps.store.getGalleryVersion();
    const known = this.#measured.get(model);
    if (known?.version === version) return (await known.calibration).thresholdsFor(policy);
    const calibration = this.#calibrate(model, version);
    return (await calibration).thresholdsFor(policy);
  }

  #calibrate(model: DescriptorModel, version: number): Promise<GalleryCalibration> {
    const calibration = (async () => {
      const gallery = await this.deps.store.getGallery(model);
      const result = calibrationFrom(await this.#measure(gallery.people), model);
      // Kept under the version read with the gallery, so a change in between is never kept as older.
      if (gallery.galleryVersion !== version)
        this.#measured.set(model, { version: gallery.galleryVersion, calibration: Promise.resolve(result) });
      return result;
    })();
    this.#measured.set(model, { version, calibration });
    // A failed measure is not kept: the next request tries again.
    calibration.catch(() => {
      if (this.#measured.get(model)?.calibration === calibration) this.#measured.delete(model);
    });
    return calibration;
  }
}
