/**
 * The web node's view of the match thresholds: what a recognition node of each face model works
 * with for the gallery as it is now, under the settings' policy. Training reads it to refuse a
 * face that is already somebody else's; the Settings page shows it with the stranger rate it
 * predicts. The same pure calibration runs on every node from its own copy of the gallery, so both
 * sides come to the same numbers.
 */
import {
  thresholdsForGallery,
  type CalibrationPerson,
  type DescriptorModel,
  type GalleryThresholds,
  type ThresholdPolicy,
} from '../core/index.js';

/** The part of the store this needs: one model's gallery at a version. */
export interface GalleryReader {
  getGalleryVersion(): Promise<number>;
  getGallery(model: DescriptorModel): Promise<{ galleryVersion: number; people: CalibrationPerson[] }>;
}

export interface ThresholdServiceDeps {
  store: GalleryReader;
  /** The settings' policy, read at every call so a saved change applies at once. */
  policy: () => ThresholdPolicy;
}

export class ThresholdService {
  /** One calibration per model, kept until the gallery version or the policy changes. */
  readonly #cache = new Map<DescriptorModel, { key: string; thresholds: GalleryThresholds }>();

  constructor(private readonly deps: ThresholdServiceDeps) {}

  /** The thresholds for `model`'s gallery now (calibrated once per gallery version and policy). */
  async thresholdsFor(model: DescriptorModel): Promise<GalleryThresholds> {
    const policy = this.deps.policy();
    const version = await this.deps.store.getGalleryVersion();
    const key = `${version}/${JSON.stringify(policy)}`;
    const cached = this.#cache.get(model);
    if (cached?.key === key) return cached.thresholds;
    const gallery = await this.deps.store.getGallery(model);
    const thresholds = thresholdsForGallery(gallery.people, model, policy);
    // Keyed by the version read with the gallery, so a change in between is never cached as older.
    this.#cache.set(model, { key: `${gallery.galleryVersion}/${JSON.stringify(policy)}`, thresholds });
    return thresholds;
  }
}
