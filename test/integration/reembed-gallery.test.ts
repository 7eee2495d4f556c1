/**
 * Re-embedding on real parts (real Redis, SQLite, engines, bridge): people trained with one
 * descriptor model get descriptors of another when a node of that model connects, and the node
 * recognises them. Run with face-api → fr-feature (the switch this job exists for) and
 * face-api → face-api, where nothing is missing and no job is queued.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BridgeClients, BridgeServer } from '../../src/bridge/index.js';
import { EventOutbox, GalleryCache, NodeGallery } from '../../src/recognition/index.js';
import {
  DESCRIPTOR_LENGTHS,
  ErrorCode,
  Gallery,
  isRollcallError,
  type DescriptorModel,
} from '../../src/core/index.js';
import { decodeImage } from '../../src/engine/index.js';
import { JobName, JobQueue, PrivateRedis } from '../../src/queues/index.js';
import {
  EnrollmentService,
  engineEmbedder,
  GallerySync,
  handleApplyRetention,
  handleReembedGallery,
  handleTrainPerson,
  queueReembedIfNeeded,
  ReembedTrigger,
  type PhotoEmbedder,
} from '../../src/services/index.js';
import { createStore, type Store } from '../../src/store/index.js';
import { FaceEnginePool } from '../../src/workers/index.js';
import { facePhoto } from '../support/faces.js';
import { tempDir } from '../support/temp.js';
import { jobSettled, until } from '../support/wait.js';

const SECRET = 'a-test-bridge-secret-of-some-length';
const THRESHOLDS = { match: 0.55, unknown: 0.6 };
const PEOPLE = { Sheldon: ['sheldon1.png', 'sheldon2.png'], Leonard: ['leonard1.png', 'leonard2.png'] };

async function photosOf(
  name: string,
  files: readonly string[],
): Promise<{ fileName: string; bytes: Buffer }[]> {
  return Promise.all(
    files.map(async (fileName) => ({
      fileName,
      bytes: await readFile(facePhoto(`${name.toLowerCase()}/${fileName}`)),
    })),
  );
}

function reembedScenario(from: DescriptorModel, to: DescriptorModel): void {
  describe(`re-embedding: trained with ${from}, a ${to} node connects`, () => {
    const closers: (() => Promise<void>)[] = [];
    let store: Store;
    let jobs: JobQueue;
    let gallerySync: GallerySync;
    let dataDir: string;
    /** What the training job computes with: the local engine of the moment. */
    let trainEmbed: PhotoEmbedder = () => Promise.reject(new Error('no engine yet'));
    const ids: Record<string, string> = {};
    // Set once the node and its bridge client run (in the test itself).
    let reembedEmbed: PhotoEmbedder = () => Promise.reject(new Error('no node yet'));
    let syncToNode: () => Promise<void> = () => Promise.resolve();

    before(async () => {
      dataDir = await tempDir('reembed');
      store = await createStore({ dataDir: path.join(dataDir, 'web') });
      closers.push(() => store.close());
      const redis = await PrivateRedis.start({ dataDir: path.join(dataDir, 'web') });
      closers.push(() => redis.close());
      // No nodes yet: the sync has clients only in the test below.
      gallerySync = new GallerySync({ store, clients: [] });
      jobs = await JobQueue.start(
        { redisUrl: redis.url, prefix: 'reembed' },
        {
          [JobName.TrainPerson]: handleTrainPerson({
            store,
            embed: (photos, options) => trainEmbed(photos, options),
            gallerySync,
            thresholds: THRESHOLDS,
          }),
          [JobName.ReembedGallery]: handleReembedGallery({
            store,
            embed: (photos, options) => reembedEmbed(photos, options),
            gallerySync: { resync: () => syncToNode() },
          }),
          [JobName.ApplyRetention]: handleApplyRetention({ store, rules: () => ({ retentionDays: 30 }) }),
        },
      );
      closers.push(() => jobs.close());

      // Training, as a one-machine install with a `from` engine does it.
      const pool = await FaceEnginePool.start({ threads: 1, embedder: from });
      assert.equal(pool.info.descriptorModel, from);
      trainEmbed = engineEmbedder(pool, 'ssd');
      try {
        const enrollment = new EnrollmentService({ store, jobs, gallerySync });
        for (const [name, files] of Object.entries(PEOPLE)) {
          const { person, jobId } = await enrollment.enroll({ name }, await photosOf(name, files));
          const job = await jobSettled(jobs, jobId, 120_000);
          assert.equal(job.state, 'completed', job.failedReason ?? '');
          assert.equal((job.result as { model: string }).model, from);
          ids[name] = person.id;
        }
      } finally {
        trainEmbed = () => Promise.reject(new Error('the training engine is closed'));
        await pool.close();
      }
    });

    after(async () => {
      for (const close of closers.reverse()) await close();
    });

    it(`gives every accepted photo ${to} descriptors, and the ${to} node recognises the people`, async () => {
      const before = await store.getGalleryVersion();
      const expectMissing = from === to ? 0 : Object.values(PEOPLE).flat().length;
      assert.equal((await store.listPhotosLackingDescriptors(to)).items.length, expectMissing);

      // The node: a `to` engine, its gallery and cache of that model, the bridge.
      const pool = await FaceEnginePool.start({ threads: 1, embedder: to });
      closers.push(() => pool.close());
      assert.equal(pool.info.descriptorModel, to);
      const nodeDir = path.join(dataDir, 'node');
      const gallery = new Gallery({ dimension: DESCRIPTOR_LENGTHS[to] });
      const cache = new GalleryCache({ model: to, dir: nodeDir });
      const outbox = await EventOutbox.open({ dir: path.join(nodeDir, 'outbox') });
      closers.push(() => outbox.close());
      const server = new BridgeServer(
        {
          outbox,
          gallery: new NodeGallery(cache, gallery),
          embed: engineEmbedder(pool, 'ssd'),
          status: () => ({ cameras: [] }),
        },
        { host: '127.0.0.1', port: 0, nodeId: 'camera-pc', secret: SECRET },
      );
      const { port } = await server.start();
      closers.push(() => server.close());

      // The web side, wired as `rollcall start --role web` wires it.
      const clients = new BridgeClients([{ host: '127.0.0.1', port }], { secret: SECRET, clientId: 'web-1' });
      closers.push(() => clients.close());
      const sync = new GallerySync({ store, clients: clients.clients });
      sync.start();
      syncToNode = () => sync.resync();
      reembedEmbed = (photos, options) => clients.embed(photos, 60_000, options?.model);
      const queued: string[] = [];
      const trigger = new ReembedTrigger({
        store,
        clients,
        onQueued: ({ model, jobId }) => {
          assert.equal(model, to);
          queued.push(jobId);
        },
      });
      trigger.start(jobs);
      clients.start();
      await until('the node to connect', () =>
        Promise.resolve(clients.connected()[0]?.state.status ? true : undefined),
      );
      // More triggers at once (another node of the model, a restart) make no second job.
      await Promise.all([trigger.request(to, 'again'), trigger.request(to, 'and again')]);

      if (from === to) {
        assert.deepEqual(queued, [], 'nothing missing, no job');
      } else {
        await until('the connection trigger', () => Promise.resolve(queued.length === 3 ? true : undefined));
        const [jobId] = queued;
        assert.ok(jobId !== undefined);
        assert.deepEqual(queued, [jobId, jobId, jobId], 'one job for many triggers');
        const job = await jobSettled(jobs, jobId, 180_000);
        assert.equal(job.state, 'completed', job.failedReason ?? '');
        const result = job.result as {
          model: string;
          photos: number;
          embedded: number;
          galleryVersion: number;
        };
        assert.equal(result.model, to);
        assert.equal(result.photos, expectMissing);
        assert.equal(result.embedded, expectMissing, JSON.stringify(job.result));
        assert.equal(result.galleryVersion, before + 1, 'the gallery version moves once for the whole job');
        assert.equal(
          (await jobs.queue.getJobCounts('completed')).completed,
          2 + 1,
          'two trainings, one re-embedding',
        );
      }

      for (const [name, id] of Object.entries(ids)) {
        const own = await store.listDescriptors(id, to);
        assert.equal(own.length, PEOPLE[name as keyof typeof PEOPLE].length, `${name}: ${to} descriptors`);
        assert.ok(own.every((d) => d.descriptor.length === DESCRIPTOR_LENGTHS[to]));
        assert.equal(
          (await store.listDescriptors(id, from)).length,
          own.length,
          `${name} keeps ${from} ones`,
        );
      }
      assert.deepEqual((await store.listPhotosLackingDescriptors(to)).items, []);
      assert.equal(await queueReembedIfNeeded({ store, jobs }, to), undefined, 'nothing left to do');

      // The node holds the new gallery (one snapshot), and recognises a photo it was not trained on.
      await until('the node to hold the gallery', () =>
        Promise.resolve(
          gallery.personCount === 2 && cache.version === before + (from === to ? 0 : 1) ? true : undefined,
        ),
      );
      assert.equal(cache.model, to);
      const probe = await decodeImage(await readFile(facePhoto('sheldon/sheldon4.png')), {
        name: 'sheldon4.png',
      });
      const [face] = await pool.analyze(probe, { detector: 'ssd', padCascade: true });
      assert.ok(face !== undefined, 'a face in the probe');
      const [nearest] = gallery.nearestPeople(face.descriptor, 1);
      assert.equal(nearest?.personId, ids.Sheldon);
    });
  });
}

reembedScenario('face-api', 'face-api');
reembedScenario('face-api', 'fr-feature');

describe('the re-embedding job, with a scripted engine (real SQLite)', () => {
  const context = { jobId: 'test', attempt: 1, reportProgress: () => Promise.resolve() };
  const face = (descriptor: Float32Array) => ({
    box: { x: 10, y: 10, width: 120, height: 120 },
    score: 0.98,
    quality: { sizePx: 120, score: 0.98, sharpness: 40, frontality: 0.9 },
    descriptor,
  });
  const unit = (seed: number): Float32Array => {
    const d = new Float32Array(512).map((_, i) => Math.sin(seed * 7 + i));
    const norm = Math.hypot(...d);
    return d.map((v) => v / norm);
  };

  async function seeded(): Promise<{ store: Store; photoIds: string[]; personId: string }> {
    const store = await createStore({ dataDir: await tempDir('reembed-unit') });
    const { person } = await store.createPerson({ name: 'Ada' });
    const photoIds: string[] = [];
    for (const fileName of ['a.jpg', 'b.jpg', 'c.jpg']) {
      const photo = await store.addPhoto({ personId: person.id, fileName, bytes: new Uint8Array([1, 2]) });
      await store.setPhotoDescriptors(photo.id, 'face-api', [new Float32Array(128).fill(0.1)]);
      photoIds.push(photo.id);
    }
    return { store, photoIds, personId: person.id };
  }

  it('stores what the engine could use, reports what it could not, and bumps the version once', async () => {
    const { store, photoIds, personId } = await seeded();
    try {
      const asked: { names: string[]; model: string | undefined }[] = [];
      let resyncs = 0;
      const handler = handleReembedGallery({
        store,
        batchPhotos: 2,
        gallerySync: {
          resync: () => {
            resyncs++;
            return Promise.resolve();
          },
        },
        embed: (photos, options) => {
          asked.push({ names: photos.map((p) => p.name), model: options?.model });
          return Promise.resolve({
            model: 'fr-feature',
            results: photos.map((p, i) =>
              p.name === 'b.jpg'
                ? { name: p.name, ok: true as const, faces: [] }
                : { name: p.name, ok: true as const, faces: [face(unit(i))] },
            ),
          });
        },
      });
      const before = await store.getGalleryVersion();
      const result = await handler({ model: 'fr-feature' }, context);
      assert.deepEqual(asked, [
        { names: ['a.jpg', 'b.jpg'], model: 'fr-feature' },
        { names: ['c.jpg'], model: 'fr-feature' },
      ]);
      assert.equal(result.photos, 3);
      assert.equal(result.embedded, 2);
      assert.deepEqual(
        result.refused.map((r) => [r.photoId, r.reason]),
        [[photoIds[1], 'b.jpg: no human face was found in the photo']],
      );
      assert.equal(result.galleryVersion, before + 1);
      assert.equal(await store.getGalleryVersion(), before + 1);
      assert.equal(resyncs, 1);
      assert.equal((await store.listDescriptors(personId, 'fr-feature')).length, 2);
      assert.equal((await store.listDescriptors(personId, 'face-api')).length, 3, 'the face-api ones stay');
      assert.deepEqual(
        (await store.listPhotosLackingDescriptors('fr-feature')).items.map((p) => p.id),
        [photoIds[1]],
        'the refused photo is tried again next time',
      );
    } finally {
      await store.close();
    }
  });

  it('refuses a reply of another model, writing nothing, so the job is retried', async () => {
    const { store, personId } = await seeded();
    try {
      const handler = handleReembedGallery({
        store,
        gallerySync: { resync: () => Promise.resolve() },
        embed: (photos) =>
          Promise.resolve({
            model: 'face-api',
            results: photos.map((p) => ({
              name: p.name,
              ok: true as const,
              faces: [face(new Float32Array(128))],
            })),
          }),
      });
      await assert.rejects(handler({ model: 'fr-feature' }, context), (error: unknown) =>
        isRollcallError(error, ErrorCode.DescriptorModelMismatch),
      );
      assert.deepEqual(await store.listDescriptors(personId, 'fr-feature'), []);
    } finally {
      await store.close();
    }
  });

  it('bumps the version on a retry even when an earlier attempt wrote everything before dying', async () => {
    const { store, photoIds } = await seeded();
    try {
      for (const photoId of photoIds) {
        await store.setPhotoDescriptors(photoId, 'fr-feature', [unit(1)], { bumpGallery: false });
      }
      const before = await store.getGalleryVersion();
      const handler = handleReembedGallery({
        store,
        gallerySync: { resync: () => Promise.resolve() },
        embed: () => Promise.reject(new Error('nothing is left to embed')),
      });
      const first = await handler({ model: 'fr-feature' }, context);
      assert.equal(first.galleryVersion, before, 'a first run with nothing to do changes nothing');
      const retry = await handler({ model: 'fr-feature' }, { ...context, attempt: 2 });
      assert.equal(retry.galleryVersion, before + 1);
    } finally {
      await store.close();
    }
  });
});
