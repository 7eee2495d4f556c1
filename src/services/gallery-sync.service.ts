/**
 * Keeps every recognition node's gallery equal to the store's: a full snapshot when a node
 * connects with another version, then one message per change. Changes are pushed one at a time in
 * version order, because a node ignores an update older than the version it holds.
 */
import type { BridgeClient, GalleryPerson } from '../bridge/index.js';
import type { Store } from '../store/index.js';

export interface GallerySyncDeps {
  store: Store;
  clients: readonly BridgeClient[];
  /** A push that failed; the node gets a full snapshot when it reconnects, so nothing is lost. */
  onError?: (error: unknown, nodeId: string | undefined) => void;
}

export class GallerySync {
  #chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: GallerySyncDeps) {}

  /** Sends a snapshot to each node that connects with a gallery version other than the store's. */
  start(): void {
    for (const client of this.deps.clients) {
      client.on('galleryNeeded', ({ galleryVersion }) => {
        void this.#enqueue(async () => {
          const gallery = await this.deps.store.getGallery('face-api');
          // A node reports 0 when it has no gallery at all; it needs a snapshot as the base that
          // later updates apply to, even an empty one.
          if (gallery.galleryVersion === galleryVersion && galleryVersion > 0) return;
          const people: GalleryPerson[] = gallery.people.map((p) => ({
            personId: p.personId,
            descriptors: p.descriptors,
          }));
          await client.sendGallerySnapshot(gallery.galleryVersion, people);
        }, client);
      });
    }
  }

  /** A person's descriptors changed: every connected node gets them. */
  upserted(personId: string, galleryVersion: number): Promise<void> {
    return this.#broadcast(async (client) => {
      const descriptors = (await this.deps.store.listDescriptors(personId)).map((d) => d.descriptor);
      await (descriptors.length > 0
        ? client.sendGalleryUpsert(galleryVersion, personId, descriptors)
        : client.sendGalleryRemove(galleryVersion, personId));
    });
  }

  /** A person was erased: every connected node forgets them. */
  removed(personId: string, galleryVersion: number): Promise<void> {
    return this.#broadcast((client) => client.sendGalleryRemove(galleryVersion, personId));
  }

  /** Resolves when every push queued so far has been tried. */
  settled(): Promise<void> {
    return this.#chain;
  }

  #broadcast(send: (client: BridgeClient) => Promise<void>): Promise<void> {
    const connected = this.deps.clients.filter((client) => client.state.connected);
    return Promise.all(connected.map((client) => this.#enqueue(() => send(client), client))).then(
      () => undefined,
    );
  }

  #enqueue(task: () => Promise<void>, client: BridgeClient): Promise<void> {
    const run = this.#chain.then(task).catch((error: unknown) => {
      this.deps.onError?.(error, client.state.nodeId);
    });
    this.#chain = run;
    return run;
  }
}
