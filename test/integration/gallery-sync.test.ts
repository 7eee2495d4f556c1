/**
 * Gallery sync with nodes of two descriptor models on one web node (real SQLite, real bridge
 * sockets): each node gets its own model's gallery and changes, never the other's.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BridgeClients, BridgeServer } from '../../src/bridge/index.js';
import { EventOutbox, GalleryCache, NodeGallery } from '../../src/recognition/index.js';
import { DESCRIPTOR_LENGTHS, Gallery, type DescriptorModel } from '../../src/core/index.js';
import { GallerySync, ReembedTrigger } from '../../src/services/index.js';
import type { JobName, JobPayloads } from '../../src/queues/index.js';
import { createStore, type Store } from '../../src/store/index.js';
import { descriptor } from './store.contract.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/wait.js';

const SECRET = 'a-test-bridge-secret-of-some-length';

interface Node {
  model: DescriptorModel;
  gallery: Gallery;
  cache: GalleryCache;
  port: number;
}

describe('gallery sync with nodes of two descriptor models', () => {
  const closers: (() => Promise<void>)[] = [];
  let store: Store;
  let sync: GallerySync;
  let clients: BridgeClients;
  let nodes: Record<DescriptorModel, Node>;
  const ids: Record<string, string> = {};
  const photos: Record<string, string> = {};

  async function startNode(dir: string, model: DescriptorModel): Promise<Node> {
    const gallery = new Gallery({ dimension: DESCRIPTOR_LENGTHS[model] });
    const cache = new GalleryCache({ model, dir });
    const outbox = await EventOutbox.open({ dir: path.join(dir, 'outbox') });
    closers.push(() => outbox.close());
    const server = new BridgeServer(
      { outbox, gallery: new NodeGallery(cache, gallery), status: () => ({ cameras: [] }) },
      { host: '127.0.0.1', port: 0, nodeId: `node-${model}`, secret: SECRET },
    );
    const { port } = await server.start();
    closers.push(() => server.close());
    return { model, gallery, cache, port };
  }

  /** Polls until `check` holds. */
  function eventually(what: string, check: () => boolean): Promise<true> {
    return until(what, () => Promise.resolve(check() ? true : undefined), 20_000);
  }

  before(async () => {
    const dir = await tempDir('gallery-sync');
    store = await createStore({ dataDir: path.join(dir, 'web') });
    closers.push(() => store.close());
    // Ada has both models' descriptors, Bob face-api ones only, Cy fr-feature ones only.
    for (const name of ['Ada', 'Bob', 'Cy']) {
      const { person } = await store.createPerson({ name });
      ids[name] = person.id;
      photos[name] = (
        await store.addPhoto({ personId: person.id, fileName: 'a.jpg', bytes: new Uint8Array([1]) })
      ).id;
    }
    await store.setPhotoDescriptors(photos.Ada ?? '', 'face-api', [descriptor(1)]);
    await store.setPhotoDescriptors(photos.Ada ?? '', 'fr-feature', [descriptor(1, 512)]);
    await store.setPhotoDescriptors(photos.Bob ?? '', 'face-api', [descriptor(2)]);
    await store.setPhotoDescriptors(photos.Cy ?? '', 'fr-feature', [descriptor(3, 512)]);

    nodes = {
      'face-api': await startNode(path.join(dir, 'old'), 'face-api'),
      'fr-feature': await startNode(path.join(dir, 'new'), 'fr-feature'),
    };
    clients = new BridgeClients(
      Object.values(nodes).map(({ port }) => ({ host: '127.0.0.1', port })),
      { secret: SECRET, clientId: 'web-1' },
    );
    closers.push(() => clients.close());
    sync = new GallerySync({ store, clients: clients.clients });
    sync.start();
    clients.start();
  });

  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  function people(model: DescriptorModel): string[] {
    return [...(nodes[model].cache.snapshot()?.people ?? [])].map((p) => p.personId).sort();
  }

  it('sends each connecting node a snapshot of its own model', async () => {
    const version = await store.getGalleryVersion();
    // The cache takes a snapshot before the matcher's gallery does: wait for both.
    await eventually('both snapshots', () =>
      Object.values(nodes).every((node) => node.cache.version === version && node.gallery.personCount === 2),
    );
    assert.deepEqual(people('face-api'), [ids.Ada, ids.Bob].sort());
    assert.deepEqual(people('fr-feature'), [ids.Ada, ids.Cy].sort());
    assert.equal(nodes['fr-feature'].gallery.descriptorCount, 2);
    assert.equal(nodes['face-api'].gallery.descriptorCount, 2);
    assert.deepEqual(nodes['fr-feature'].gallery.nearestPeople(descriptor(3, 512), 1), [
      { personId: ids.Cy, distance: 0 },
    ]);
  });

  it("pushes a person's change in each node's model: an update where it has descriptors, a removal where not", async () => {
    const { galleryVersion } = await store.setPhotoDescriptors(photos.Bob ?? '', 'face-api', [descriptor(4)]);
    await sync.upserted(ids.Bob ?? '', galleryVersion);
    assert.equal(nodes['face-api'].cache.version, galleryVersion);
    assert.equal(nodes['fr-feature'].cache.version, galleryVersion);
    assert.deepEqual(nodes['face-api'].gallery.nearestPeople(descriptor(4), 1), [
      { personId: ids.Bob, distance: 0 },
    ]);
    assert.deepEqual(people('fr-feature'), [ids.Ada, ids.Cy].sort(), 'Bob has no fr-feature descriptors');

    // Re-embedding gave Bob fr-feature descriptors: after the one bump, every node gets a snapshot.
    await store.setPhotoDescriptors(photos.Bob ?? '', 'fr-feature', [descriptor(5, 512)], {
      bumpGallery: false,
    });
    const bumped = await store.bumpGalleryVersion();
    await sync.resync();
    assert.equal(nodes['fr-feature'].cache.version, bumped.galleryVersion);
    assert.deepEqual(people('fr-feature'), [ids.Ada, ids.Bob, ids.Cy].sort());
    assert.deepEqual(people('face-api'), [ids.Ada, ids.Bob].sort());
  });

  it('asks for re-embedding in each connected model that some photo lacks, and after a training in another model', async () => {
    const enqueued: JobPayloads[typeof JobName.ReembedGallery][] = [];
    const jobs = {
      enqueue: (_name: JobName, payload: unknown): Promise<string> => {
        enqueued.push(payload as JobPayloads[typeof JobName.ReembedGallery]);
        return Promise.resolve('job-1');
      },
    };
    const trigger = new ReembedTrigger({ store, clients });
    await trigger.request('face-api', 'before the start');
    assert.deepEqual(enqueued, [], 'nothing is queued before the start');
    assert.deepEqual([...trigger.connectedModels()].sort(), ['face-api', 'fr-feature']);

    // Cy has fr-feature descriptors only; everyone has fr-feature ones since the re-embedding.
    trigger.start(jobs);
    await until('the start trigger', () => Promise.resolve(enqueued.length > 0 ? true : undefined));
    assert.deepEqual(enqueued, [{ model: 'face-api' }]);

    enqueued.length = 0;
    await trigger.descriptorsStored('fr-feature');
    assert.deepEqual(enqueued, [{ model: 'face-api' }], 'the face-api node needs Cy too');
    enqueued.length = 0;
    await trigger.descriptorsStored('face-api');
    assert.deepEqual(enqueued, [], 'no photo lacks fr-feature descriptors');
  });
});
