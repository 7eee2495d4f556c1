/**
 * A recognition node's match thresholds, kept in step with its gallery: whenever the gallery
 * changes (a person enrolled or erased) or a web node pushes another target, the thresholds are
 * set again from the gallery itself so that a stranger is named at most as often as the target
 * says, with the people enrolled now. Thresholds set by hand are passed through as they are.
 */
import { EventEmitter } from 'node:events';
import {
  thresholdsForGallery,
  type DescriptorModel,
  type Gallery,
  type GalleryThresholds,
  type ThresholdPolicy,
} from '../core/index.js';

export interface ThresholdCalibratorOptions {
  gallery: Gallery;
  model: DescriptorModel;
  policy: ThresholdPolicy;
  /**
   * Gallery changes come in bursts (a snapshot in parts, an import of many people): calibration
   * waits this long after the last one. @defaultValue 500
   */
  settleMs?: number;
}

export class ThresholdCalibrator extends EventEmitter<{ changed: [GalleryThresholds] }> {
  readonly #gallery: Gallery;
  readonly #model: DescriptorModel;
  readonly #settleMs: number;
  #policy: ThresholdPolicy;
  #current: GalleryThresholds;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ThresholdCalibratorOptions) {
    super();
    this.#gallery = options.gallery;
    this.#model = options.model;
    this.#policy = options.policy;
    this.#settleMs = options.settleMs ?? 500;
    this.#current = this.#calibrate();
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
    this.recalibrate();
  }

  /** The gallery changed: recalibrates once the burst of changes settles. */
  galleryChanged(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.recalibrate();
    }, this.#settleMs);
    this.#timer.unref();
  }

  /** Calibrates now and tells listeners. */
  recalibrate(): void {
    this.#current = this.#calibrate();
    this.emit('changed', this.#current);
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #calibrate(): GalleryThresholds {
    return thresholdsForGallery(this.#gallery.people(), this.#model, this.#policy);
  }
}
