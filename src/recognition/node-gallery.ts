/**
 * The node's gallery policy: how a gallery change from a web node reaches the matcher. The on-disk
 * cache is the truth; the matcher's gallery follows it once the change is stored, person by person
 * for a single change, so both always agree and a restart finds what the matcher last used.
 */
import type { Gallery } from '../core/index.js';
import type { GalleryChange, GalleryReplica, GalleryUpdate } from '../bridge/index.js';
import type { GalleryCache } from './gallery-cache/index.js';

export class NodeGallery implements GalleryReplica {
  readonly #cache: GalleryCache;
  readonly #gallery: Gallery;
  /** The version applied and stored; read from the cache when the first update is asked for. */
  #applied: number | undefined;
  /** Updates are applied one at a time, in the order they were asked for. */
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * @param cache the node's gallery cache, loaded (and applied to `gallery`) before the first update
   * @param gallery the matcher's gallery, updated in place
   */
  constructor(cache: GalleryCache, gallery: Gallery) {
    this.#cache = cache;
    this.#gallery = gallery;
  }

  get model(): GalleryReplica['model'] {
    return this.#cache.model;
  }

  get version(): number {
    return this.#applied ?? this.#cache.version ?? 0;
  }

  apply(update: GalleryUpdate): Promise<GalleryChange | undefined> {
    // Pinned before the cache starts changing: until the update is applied, STATUS keeps the old one.
    this.#applied ??= this.#cache.version ?? 0;
    const run = this.#queue.then(() => this.#apply(update));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Stores the update; whether the gallery should follow (an older upsert changes nothing). */
  async #store(update: GalleryUpdate): Promise<boolean> {
    const cache = this.#cache;
    switch (update.kind) {
      case 'snapshot':
        await cache.save({ version: update.version, model: update.model, people: update.people });
        return true;
      case 'upsert':
        return cache.upsert(update.version, update.personId, update.descriptors);
      case 'remove':
        await cache.remove(update.version, update.personId);
        return true;
    }
  }

  async #apply(update: GalleryUpdate): Promise<GalleryChange | undefined> {
    const cache = this.#cache;
    const applied = await this.#store(update);
    let change: GalleryChange | undefined;
    if (applied) {
      const personId = update.kind === 'snapshot' ? undefined : update.personId;
      if (personId === undefined) cache.applyTo(this.#gallery);
      else cache.applyPersonTo(this.#gallery, personId);
      change = {
        kind: update.kind,
        version: cache.version ?? update.version,
        ...(personId === undefined ? {} : { personId }),
        personCount: this.#gallery.personCount,
      };
    }
    this.#applied = cache.version ?? this.#applied;
    return change;
  }
}
