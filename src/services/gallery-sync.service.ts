/**
 * Keeps every recognition node's gallery equal to the store's, in the node's own descriptor model
 * (descriptors of two models never compare, so a node is only ever sent its engine's): a full
 * snapshot when a node connects with another version, then one message per change. Changes are
 * pushed one at a time in version order, because a node ignores an update older than the version
 * it holds.
 */
import type { BridgeClient, GalleryPerson } from '../bridge/index.js';
import type { DescriptorModel } from '../core/index.js';
import type { PeopleRepository } from '../store/index.js';

export interface GallerySyncDeps {
  store: PeopleRepository;
  clients: readonly BridgeClient[];
  /** A push that failed; the node gets a full snapshot when it reconnects, so nothing is lost. */
  onError?: (error: unknown, nodeId: string | undefined) => void;
}

export class GallerySync {
  #chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: GallerySyncDeps) {}

  /**
   * Sends a snapshot of its model's gallery to each node that connects with a gallery version
   * other than the store's.
   */
  start(): void {
    for (const client of this.deps.clients) {
      client.on('galleryNeeded', ({ galleryVersion, descriptorModel }) => {
        void this.#enqueue(async () => {
          const gallery = await this.deps.store.getGallery(descriptorModel);
          // A node reports 0 when it has no gallery at all; it needs a snapshot as the base that
          // later updates apply to, even an empty one.
          if (gallery.galleryVersion === galleryVersion && galleryVersion > 0) return;
          await this.#sendSnapshot(client, descriptorModel);
        }, client);
      });
    }
  }

  /** A person's descriptors changed: every connected node gets them, in its own model. */
  upserted(personId: string, galleryVersion: number): Promise<void> {
    return this.#broadcast(async (client, model) => {
      const descriptors = (await this.deps.store.listDescriptors(personId, model)).map((d) => d.descriptor);
      // A node whose model the person has no descriptors of must not keep an older entry.
      await (descriptors.length > 0
        ? client.sendGalleryUpsert(galleryVersion, model, personId, descriptors)
        : client.sendGalleryRemove(galleryVersion, personId));
    });
  }

  /** A person was erased: every connected node forgets them. */
  removed(personId: string, galleryVersion: number): Promise<void> {
    return this.#broadcast((client) => client.sendGalleryRemove(galleryVersion, personId));
  }

  /**
   * Many descriptors changed at once (a re-embedding job): every connected node gets its model's
   * whole gallery in one snapshot instead of one update per person.
   */
  resync(): Promise<void> {
    return this.#broadcast((client, model) => this.#sendSnapshot(client, model));
  }

  /** Resolves when every push queued so far has been tried. */
  settled(): Promise<void> {
    return this.#chain;
  }

  async #sendSnapshot(client: BridgeClient, model: DescriptorModel): Promise<void> {
    const gallery = await this.deps.store.getGallery(model);
    const people: GalleryPerson[] = gallery.people.map((p) => ({
      personId: p.personId,
      descriptors: p.descriptors,
    }));
    await client.sendGallerySnapshot(gallery.galleryVersion, model, people);
  }

  /**
   * Runs `send` for every connected node whose model is known. A node that has not reported a
   * STATUS yet is skipped: its first STATUS asks for a full snapshot, which includes this change.
   */
  #broadcast(send: (client: BridgeClient, model: DescriptorModel) => Promise<void>): Promise<void> {
    const connected = this.deps.clients.filter((client) => client.state.connected);
    return Promise.all(
      connected.map((client) =>
        this.#enqueue(async () => {
          const model = client.state.status?.descriptorModel;
          if (model !== undefined) await send(client, model);
        }, client),
      ),
    ).then(() => undefined);
  }

  #enqueue(task: () => Promise<void>, client: BridgeClient): Promise<void> {
    const run = this.#chain.then(task).catch((error: unknown) => {
      this.deps.onError?.(error, client.state.nodeId);
    });
    this.#chain = run;
    return run;
  }
}
