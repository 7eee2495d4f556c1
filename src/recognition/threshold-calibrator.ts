/**
 * A recognition node's match thresholds, kept in step with its gallery: whenever the gallery
 * changes (a person enrolled or erased) or a web node pushes another target, the thresholds are
 * set again from the gallery itself so that a stranger is named at most as often as the target
 * says, with the people enrolled now. Thresholds set by hand are passed through as they are.
 *
 * Measuring a gallery (its impostor sample) takes seconds of CPU for a large one, so after start it
 * runs on another thread and the node keeps the thresholds it has until the new ones are ready;
 * a new target only re-decides over the last measure, which is instant.
 */
import { EventEmitter } from 'node:events';
import {
  calibrationFrom,
  measureGallery,
  type CalibrationPerson,
  type DescriptorModel,
  type Gallery,
  type GalleryCalibration,
  type GalleryMeasure,
  type GalleryThresholds,
  type ThresholdPolicy,
} from '../core/index.js';
import { measureGalleryOffThread } from '../workers/index.js';

export interface ThresholdCalibratorOptions {
  gallery: Gallery;
  model: DescriptorModel;
  policy: ThresholdPolicy;
  /**
   * Gallery changes come in bursts (a snapshot in parts, an import of many people): calibration
   * waits this long after the last one. @defaultValue 500
   */
  settleMs?: number;
  /** How a changed gallery is measured. @defaultValue on a worker thread ({@link measureGalleryOffThread}) */
  measure?: (people: readonly CalibrationPerson[], signal: AbortSignal) => Promise<GalleryMeasure>;
}

export class ThresholdCalibrator extends EventEmitter<{
  changed: [GalleryThresholds];
  /** Measuring a changed gallery failed; the thresholds in force stay. */
  failed: [Error];
}> {
  readonly #gallery: Gallery;
  readonly #model: DescriptorModel;
  readonly #settleMs: number;
  readonly #measure: NonNullable<ThresholdCalibratorOptions['measure']>;
  #policy: ThresholdPolicy;
  #calibration: GalleryCalibration;
  #current: GalleryThresholds;
  #timer: NodeJS.Timeout | undefined;
  /** The measuring in progress, stopped when a newer one starts or on close. */
  #measuring: AbortController | undefined;

  constructor(options: ThresholdCalibratorOptions) {
    super();
    this.#gallery = options.gallery;
    this.#model = options.model;
    this.#policy = options.policy;
    this.#settleMs = options.settleMs ?? 500;
    this.#measure = options.measure ?? ((people, signal) => measureGalleryOffThread(people, { signal }));
    // At start the node serves nothing yet, so it measures here: it never names anyone with
    // thresholds that were not set for its gallery.
    this.#calibration = calibrationFrom(measureGallery(this.#gallery.people()), this.#model);
    this.#current = this.#calibration.thresholdsFor(this.#policy);
  }

  /** How the thresholds are chosen now. */
  get policy(): ThresholdPolicy {
    return this.#policy;
  }

  /** The thresholds in force. */
  get current(): GalleryThresholds {
    return this.#current;
  }

  /** A web node pushed a target, or thresholds set by hand: applies at once. */
  setPolicy(policy: ThresholdPolicy): void {
    this.#policy = policy;
    this.#decide();
  }

  /** The gallery changed: measures it again once the burst of changes settles. */
  galleryChanged(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.recalibrate();
    }, this.#settleMs);
    this.#timer.unref();
  }

  /**
   * Measures the gallery as it is now and tells listeners. Resolves once done; a newer call (or
   * close) supersedes it, and then it changes nothing.
   */
  async recalibrate(): Promise<void> {
    this.#measuring?.abort();
    const measuring = new AbortController();
    this.#measuring = measuring;
    try {
      const measure = await this.#measure(this.#gallery.people(), measuring.signal);
      if (measuring.signal.aborted) return;
      this.#calibration = calibrationFrom(measure, this.#model);
      this.#decide();
    } catch (error) {
      if (measuring.signal.aborted) return;
      this.emit('failed', error instanceof Error ? error : new Error(String(error)));
    } finally {
      if (this.#measuring === measuring) this.#measuring = undefined;
    }
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#measuring?.abort();
  }

  #decide(): void {
    this.#current = this.#calibration.thresholdsFor(this.#policy);
    this.emit('changed', this.#current);
  }
}
