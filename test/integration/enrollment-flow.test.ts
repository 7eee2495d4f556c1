/**
 * The whole path a person takes, on real parts: photos enrolled on the web side become a BullMQ
 * training job (real Redis), whose descriptors are computed by the recognition node's engine over
 * the bridge, stored (real SQLite), pushed to the node's gallery; the node's camera (a folder
 * source) then recognises the person and the event, sent back over the bridge, becomes an
 * attendance record. Deleting the person erases them from the node too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { DESCRIPTOR_LENGTHS, Gallery, localDay } from '../../src/core/index.js';
import { BridgeClients, BridgeServer } from '../../src/bridge/index.js';
import { DirFrameSource } from '../../src/capture/index.js';
import { JobName, JobQueue, PrivateRedis } from '../../src/queues/index.js';
import { EventOutbox, GalleryCache, NodeGallery, RecognitionPipeline } from '../../src/recognition/index.js';
import {
  AttendanceService,
  EnrollmentService,
  GallerySync,
  engineEmbedder,
  handleApplyRetention,
  handleReembedGallery,
  handleTrainPerson,
} from '../../src/services/index.js';
import { createStore, type Store } from '../../src/store/index.js';
import { FaceEnginePool } from '../../src/workers/index.js';
import { facePhoto } from '../support/faces.js';
import { tempDir } from '../support/temp.js';
import { jobSettled, until } from '../support/wait.js';

const SECRET = 'a-test-bridge-secret-of-some-length';
const THRESHOLDS = { match: 0.55, unknown: 0.6 };
const TIME_ZONE = 'UTC';

describe('enrollment → gallery push → recognition → attendance', () => {
  const closers: (() => Promise<void>)[] = [];
  let store: Store;
  let enrollment: EnrollmentService;
  let jobs: JobQueue;
  let nodeGallery: Gallery;
  let galleryCache: GalleryCache;
  let clients: BridgeClients;

  before(async () => {
    const dataDir = await tempDir('flow');

    // The recognition node: engine pool, gallery with its cache, outbox, bridge, camera, pipeline.
    const pool = await FaceEnginePool.start({ threads: 2 });
    closers.push(() => pool.close());
    nodeGallery = new Gallery({ dimension: DESCRIPTOR_LENGTHS[pool.info.descriptorModel] });
    galleryCache = new GalleryCache({ model: pool.info.descriptorModel, dir: path.join(dataDir, 'node') });
    const outbox = await EventOutbox.open({ dir: path.join(dataDir, 'node', 'outbox') });
    closers.push(() => outbox.close());
    const frames = await tempDir('flow-frames');
    await symlink(facePhoto('group/bbt3.jpg'), path.join(frames, 'bbt3.jpg'));
    const camera = new DirFrameSource({ dir: frames, cameraId: 'door', fps: 5 });
    const pipeline = new RecognitionPipeline(
      { engine: pool, gallery: nodeGallery },
      { nodeId: 'camera-pc', cameraId: 'door', thresholds: THRESHOLDS },
    );
    const server = new BridgeServer(
      {
        outbox,
        gallery: new NodeGallery(galleryCache, nodeGallery),
        embed: engineEmbedder(pool, 'ssd'),
        status: () => ({ cameras: [] }),
      },
      { host: '127.0.0.1', port: 0, nodeId: 'camera-pc', secret: SECRET },
    );
    const { port } = await server.start();
    closers.push(() => server.close());
    pipeline.on('event', (event) => {
      void server.publishEvent(event);
    });
    pipeline.attach(camera);
    closers.push(() => pipeline.close());
    await camera.start();
    closers.push(() => camera.close());

    // The web node: store, Redis and jobs, bridge clients, services.
    store = await createStore({ dataDir: path.join(dataDir, 'web') });
    closers.push(() => store.close());
    const redis = await PrivateRedis.start({ dataDir: path.join(dataDir, 'web') });
    closers.push(() => redis.close());
    clients = new BridgeClients([{ host: '127.0.0.1', port }], { secret: SECRET, clientId: 'web-1' });
    const gallerySync = new GallerySync({ store, clients: clients.clients });
    gallerySync.start();
    const attendance = new AttendanceService({ store, rules: { timeZone: TIME_ZONE } });
    clients.onEvent(async (event) => {
      await attendance.ingest(event);
    });
    clients.start();
    closers.push(() => clients.close());
    jobs = await JobQueue.start(
      { redisUrl: redis.url, prefix: 'flow' },
      {
        [JobName.TrainPerson]: handleTrainPerson({
          store,
          // The web side has no engine of its own: descriptors come from the node, over the bridge.
          embed: (photos) => clients.embed(photos, 30_000),
          gallerySync,
          thresholds: THRESHOLDS,
        }),
        [JobName.ReembedGallery]: handleReembedGallery({
          store,
          embed: (photos, options) => clients.embed(photos, 30_000, options?.model),
          gallerySync,
        }),
        [JobName.ApplyRetention]: handleApplyRetention({ store, rules: () => ({ retentionDays: 30 }) }),
      },
    );
    closers.push(() => jobs.close());
    enrollment = new EnrollmentService({ store, jobs, gallerySync });
    await until('the web node to connect', () =>
      Promise.resolve(clients.connected().length > 0 ? true : undefined),
    );
  });

  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('enrolls a person from photos and marks them present when the camera sees them', async () => {
    const photos = await Promise.all(
      ['sheldon1.png', 'sheldon2.png', 'sheldon3.png'].map(async (fileName) => ({
        fileName,
        bytes: await readFile(facePhoto(`sheldon/${fileName}`)),
      })),
    );
    const { person, jobId } = await enrollment.enroll({ name: 'Sheldon' }, photos);

    const job = await jobSettled(jobs, jobId, 60_000);
    assert.equal(job.state, 'completed', job.failedReason ?? '');
    assert.equal(job.progress, 100);
    const result = job.result as { accepted: string[]; refused: unknown[]; galleryVersion: number };
    assert.equal(result.accepted.length, 3, JSON.stringify(result.refused));

    await until('the node to hold the person', () =>
      Promise.resolve(nodeGallery.has(person.id) ? true : undefined),
    );
    assert.equal(
      galleryCache.version,
      result.galleryVersion,
      'the node cached the gallery version it was sent',
    );

    const record = await until('an attendance record', async () => {
      const page = await store.listAttendance({ from: localDay(new Date(), TIME_ZONE), personId: person.id });
      return page.items[0];
    });
    assert.equal(record.personId, person.id);
    assert.ok(Date.parse(record.firstSeen) <= Date.parse(record.lastSeen));
    const events = await store.listEvents({ personId: person.id });
    assert.ok(
      events.items.some((e) => e.type === 'recognized' && e.nodeId === 'camera-pc' && e.cameraId === 'door'),
    );
  });

  it('warns, saying who, when a photo looks like someone already enrolled under another name', async () => {
    const bytes = await readFile(facePhoto('sheldon/sheldon4.png'));
    const { jobId } = await enrollment.enroll({ name: 'Impostor' }, [{ fileName: 'me.png', bytes }]);
    const job = await jobSettled(jobs, jobId, 60_000);
    // Enrolled (a twin must be enrollable), with a warning the People page shows.
    assert.equal(job.state, 'completed', job.failedReason ?? '');
    const result = job.result as { accepted: string[]; lookalikes: { name: string; message: string }[] };
    assert.equal(result.accepted.length, 1);
    assert.deepEqual(
      result.lookalikes.map((l) => l.name),
      ['Sheldon'],
    );
    assert.match(
      result.lookalikes[0]?.message ?? '',
      /^me\.png: looks like Sheldon, who is already enrolled/,
    );
  });

  it('erases a deleted person from the node as well', async () => {
    const sheldon = await store.getPersonByName('Sheldon');
    assert.ok(sheldon);
    await enrollment.remove(sheldon.id);
    await until('the node to forget the person', () =>
      Promise.resolve(nodeGallery.has(sheldon.id) ? undefined : true),
    );
    assert.equal(await store.getPerson(sheldon.id), null);
  });
});
