/**
 * The options every adapter takes, their defaults, and how an adapter resolves its own on top:
 * defaults, then overrides, then validation whose message names the option.
 */
import { randomUUID } from 'node:crypto';
import { invalid } from './validate.js';

export interface StoreOptions {
  /** Largest enrollment photo accepted. @defaultValue 10 MiB */
  maxPhotoBytes?: number;
  /**
   * Largest event crop accepted. At least what the node's outbox accepts (4 MiB records), so an
   * event the node could send is never refused here for its size.
   * @defaultValue 4 MiB
   */
  maxCropBytes?: number;
  /** @defaultValue `() => new Date()` */
  now?: () => Date;
  /** @defaultValue `crypto.randomUUID` */
  newId?: () => string;
}

const DEFAULTS: Required<StoreOptions> = {
  maxPhotoBytes: 10 * 1024 * 1024,
  maxCropBytes: 4 * 1024 * 1024,
  now: () => new Date(),
  newId: randomUUID,
};

/**
 * An adapter's options: the shared defaults, the adapter's `defaults`, then `options` (undefined
 * ones ignored). `wholeNumbers` names the adapter's own options that must be whole numbers >= 0,
 * checked before the shared ones.
 */
export function resolveStoreOptions<T extends StoreOptions>(
  options: T,
  defaults: Omit<Required<T>, keyof StoreOptions>,
  wholeNumbers: readonly (keyof T & string)[],
): Required<T> {
  const resolved = {
    ...DEFAULTS,
    ...defaults,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as Required<T>;
  for (const key of [...wholeNumbers, 'maxPhotoBytes', 'maxCropBytes']) {
    const value = (resolved as Record<string, unknown>)[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw invalid(`${key} must be a whole number >= 0`);
    }
  }
  return resolved;
}
