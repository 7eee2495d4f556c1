/**
 * The people API over real HTTP, with the real enrollment service, training job and face engine:
 * a real Redis (sessions, the queue and its worker), a real SQLite store, photos of
 * ../shared/faces. The gallery with photo counts and states, one person with their photos, face
 * thumbnails with ETags, photos added by id and removed, and an upload whose bad files are refused
 * one by one while the others are trained.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { JobName, JobQueue, PrivateRedis, type JobView } from '../../src/queues/index.js';
import {
  EnrollmentService,
  engineEmbedder,
  GallerySync,
  handleTrainPerson,
  SettingsService,
  UnknownFaceService,
} from '../../src/services/index.js';
import type { PersonDetail, PersonSummary, TrainingProgress } from '../../src/services/views.js';
import { SqliteStore, type Store } from '../../src/store/index.js';
import { generateApiToken, hashApiToken, hashPassword } from '../../src/shared/index.js';
import type { UploadAnswer } from '../../src/web/api-views.js';
import { WebServer } from '../../src/web/index.js';
import { FaceEnginePool } from '../../src/workers/index.js';
import { facePhoto } from '../support/faces.js';
import { tempDir } from '../support/temp.js';

const SETTINGS = {
  strangerRateTarget: 0.01,
  matchThreshold: 0.55,
  unknownThreshold: 0.6,
  consensusFrames: 3,
  sightingIntervalS: 10,
  timeZone: 'UTC',
  retentionDays: 30,
};

/** Small, so an oversize photo is cheap to send. */
const MAX_FILE_BYTES = 1024 * 1024;

interface File {
  name: string;
  bytes: Buffer;
}

const photo = async (relative: string): Promise<File> => ({
  name: relative.split('/').pop() ?? relative,
  bytes: await readFile(facePhoto(relative)),
});

function form(files: File[], name?: string): FormData {
  const body = new FormData();
  if (name !== undefined) body.append('name', name);
  for (const file of files) body.append('photos', new Blob([new Uint8Array(file.bytes)]), file.name);
  return body;
}

describe('the people API, on the real training job', () => {
  let redis: PrivateRedis;
  let store: Store;
  let pool: FaceEnginePool;
  let jobs: JobQueue;
  let server: WebServer;
  let base: string;
  let auth: Record<string, string>;
  let sheldonId: string;

  const call = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${base}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });

  async function json<T>(res: Response, status: number): Promise<T> {
    const text = await res.text();
    assert.equal(res.status, status, text);
    return JSON.parse(text) as T;
  }

  async function settled(jobId: string): Promise<JobView> {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const job = await json<JobView>(await call(`/api/v1/jobs/${encodeURIComponent(jobId)}`), 200);
      if (job.state === 'completed' || job.state === 'failed') return job;
      assert.ok(Date.now() < deadline, `job ${jobId} never settled`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  before(async () => {
    const dataDir = await tempDir('people-api');
    redis = await PrivateRedis.start({ dataDir });
    store = await SqliteStore.open({ dataDir });
    pool = await FaceEnginePool.start({ threads: 2 });
    const gallerySync = new GallerySync({ store, clients: [] });
    const unused = (): Promise<never> => Promise.reject(new Error('not run here'));
    jobs = await JobQueue.start(
      { redisUrl: redis.url, prefix: randomUUID() },
      {
        [JobName.TrainPerson]: handleTrainPerson({
          store,
          embed: engineEmbedder(pool, 'ssd'),
          gallerySync,
          thresholds: { match: 0.55, unknown: 0.6 },
        }),
        [JobName.ReembedGallery]: unused,
        [JobName.ApplyRetention]: unused,
      },
    );
    const enrollment = new EnrollmentService({ store, jobs, gallerySync });
    server = new WebServer(
      {
        store,
        jobs,
        enrollment,
        unknownFaces: new UnknownFaceService({ store, enrollment }),
        settings: new SettingsService({ store, defaults: SETTINGS, targets: () => [] }),
        nodes: () => [],
        redisUrl: redis.url,
      },
      {
        port: 0,
        host: '127.0.0.1',
        sessionSecret: randomUUID() + randomUUID(),
        secureCookies: false,
        sessionPrefix: `${randomUUID()}:sess:`,
        uploads: { maxFileBytes: MAX_FILE_BYTES },
      },
    );
    base = `http://127.0.0.1:${(await server.start()).port}`;
    const admin = await store.createUser({
      name: 'Ada',
      role: 'admin',
      passwordHash: await hashPassword('correct horse battery'),
    });
    const token = generateApiToken();
    await store.createApiToken({ userId: admin.id, name: 'test', tokenHash: hashApiToken(token) });
    auth = { authorization: `Bearer ${token}` };
  });

  after(async () => {
    await server.close();
    await jobs.close();
    await pool.close();
    await store.close();
    await redis.close();
  });

  it('enrolls the photos of an upload and refuses its other files by name, without a field name in front', async () => {
    const notes = { name: 'notes.txt', bytes: Buffer.from('not a photo') };
    const empty = { name: 'empty.jpg', bytes: Buffer.alloc(0) };
    const large = {
      name: 'huge.jpg',
      bytes: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(MAX_FILE_BYTES)]),
    };
    const answer = await json<UploadAnswer>(
      await call('/api/v1/people', {
        method: 'POST',
        body: form(
          [await photo('sheldon/sheldon1.png'), notes, await photo('sheldon/sheldon2.png'), empty, large],
          'Sheldon',
        ),
      }),
      202,
    );
    sheldonId = answer.person.id;
    assert.deepEqual(answer.refused, [
      { fileName: 'notes.txt', reason: 'not a JPEG, PNG or WebP image' },
      { fileName: 'empty.jpg', reason: 'the file is empty' },
      { fileName: 'huge.jpg', reason: 'larger than 1 MB' },
    ]);
    const job = await settled(answer.jobId);
    assert.equal(job.state, 'completed');
    assert.equal(job.progress, 100);
    const detail = job.progressDetail as TrainingProgress;
    assert.deepEqual([detail.done, detail.total], [2, 2]);
    assert.deepEqual(
      detail.outcomes?.map((o) => [o.fileName, o.accepted]),
      [
        ['sheldon1.png', true],
        ['sheldon2.png', true],
      ],
    );
    assert.deepEqual(
      (await store.listPhotos(sheldonId)).map((p) => p.fileName),
      ['sheldon1.png', 'sheldon2.png'],
      'only the photos are stored',
    );
  });

  it('refuses an upload with no usable file: the files’ own status when they agree, else 400, each named', async () => {
    const notes = { name: 'notes.txt', bytes: Buffer.from('not a photo') };
    const only = await call(`/api/v1/people/${sheldonId}/photos`, { method: 'POST', body: form([notes]) });
    assert.deepEqual(await json(only, 415), {
      code: 'IMAGE_UNSUPPORTED',
      message: 'notes.txt: not a JPEG, PNG or WebP image',
    });
    const mixed = await call(`/api/v1/people/${sheldonId}/photos`, {
      method: 'POST',
      body: form([notes, { name: 'empty.png', bytes: Buffer.alloc(0) }]),
    });
    assert.deepEqual(await json(mixed, 400), {
      code: 'REQUEST_INVALID',
      message:
        'no file could be used as a photo: notes.txt: not a JPEG, PNG or WebP image; empty.png: the file is empty',
    });
    assert.equal((await store.listPhotos(sheldonId)).length, 2, 'nothing was stored');
  });

  it('adds photos to a person by id, and says why a photo was refused, every reason', async () => {
    const answer = await json<UploadAnswer>(
      await call(`/api/v1/people/${sheldonId}/photos`, {
        method: 'POST',
        body: form([await photo('sheldon/sheldon3.png'), await photo('none/fruits.jpg')]),
      }),
      202,
    );
    assert.equal(answer.person.id, sheldonId);
    assert.equal((await settled(answer.jobId)).state, 'completed');
    const { person } = await json<{ person: PersonDetail }>(await call(`/api/v1/people/${sheldonId}`), 200);
    assert.equal(person.name, 'Sheldon');
    // Photos uploaded together are ordered by when they were stored: within a millisecond, any way.
    assert.deepEqual(person.photos.map((p) => [p.fileName, p.status, p.reasons]).sort(), [
      ['fruits.jpg', 'refused', ['no human face was found in the photo']],
      ['sheldon1.png', 'accepted', []],
      ['sheldon2.png', 'accepted', []],
      ['sheldon3.png', 'accepted', []],
    ]);
    assert.ok((person.photos[0]?.quality?.sizePx ?? 0) > 48);
    assert.deepEqual([person.photoCount, person.usablePhotoCount, person.state], [4, 3, 'recognisable']);

    const gone = await call('/api/v1/people/nobody-here/photos', {
      method: 'POST',
      body: form([await photo('sheldon/sheldon4.png')]),
    });
    assert.equal((await json<{ code: string }>(gone, 404)).code, 'NOT_FOUND');
    assert.equal(
      (await json<{ code: string }>(await call('/api/v1/people/nobody-here'), 404)).code,
      'NOT_FOUND',
    );
  });

  it('lists the gallery with each person’s photo count, state and portrait photo, keeping the old keys', async () => {
    const failed = await json<UploadAnswer>(
      await call('/api/v1/people', { method: 'POST', body: form([await photo('none/white.png')], 'Blank') }),
      202,
    );
    const job = await settled(failed.jobId);
    assert.equal(job.state, 'failed');
    assert.deepEqual(
      (job.progressDetail as TrainingProgress).outcomes?.map((o) => [o.fileName, o.reasons]),
      [['white.png', ['no human face was found in the photo']]],
      'a failed job still says why, photo by photo',
    );
    const { people } = await json<{ people: PersonSummary[] }>(await call('/api/v1/people'), 200);
    const byName = new Map(people.map((p) => [p.name, p]));
    const sheldon = byName.get('Sheldon');
    assert.ok(sheldon);
    assert.deepEqual(Object.keys(sheldon).sort(), [
      'createdAt',
      'externalId',
      'id',
      'name',
      'notes',
      'photoCount',
      'portraitPhotoId',
      'state',
      'updatedAt',
      'usablePhotoCount',
    ]);
    assert.deepEqual([sheldon.photoCount, sheldon.usablePhotoCount, sheldon.state], [4, 3, 'recognisable']);
    const photos = await store.listPhotos(sheldonId);
    assert.ok(photos.some((p) => p.id === sheldon.portraitPhotoId && p.fileName !== 'fruits.jpg'));
    assert.deepEqual(
      [byName.get('Blank')?.photoCount, byName.get('Blank')?.state, byName.get('Blank')?.portraitPhotoId],
      [1, 'not-recognisable', null],
    );
  });

  it('serves a face thumbnail, square around the face, answered 304 while unchanged; only for the person’s own photos', async () => {
    const { person } = await json<{ person: PersonDetail }>(await call(`/api/v1/people/${sheldonId}`), 200);
    const face = person.photos.find((p) => p.status === 'accepted');
    const fruit = person.photos.find((p) => p.status === 'refused');
    assert.ok(face && fruit);
    const url = `/api/v1/people/${sheldonId}/photos/${face.id}/thumbnail.jpg`;
    const res = await call(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.match(res.headers.get('cache-control') ?? '', /private/);
    const etag = res.headers.get('etag');
    assert.ok(etag);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 256, 256]);
    // Not fetch: a fetch with If-None-Match adds `Cache-Control: no-cache`, which asks for the
    // full answer; a browser revalidating an <img> sends the validator alone, as here.
    const revalidated = await new Promise<number | undefined>((resolve, reject) => {
      http
        .get(`${base}${url}`, { headers: { ...auth, 'if-none-match': etag } }, (answer) => {
          answer.resume();
          resolve(answer.statusCode);
        })
        .on('error', reject);
    });
    assert.equal(revalidated, 304);

    // A refused photo is shown whole (fruits.jpg is wider than high), scaled down.
    const whole = await call(`/api/v1/people/${sheldonId}/photos/${fruit.id}/thumbnail.jpg`);
    const wholeMeta = await sharp(Buffer.from(await whole.arrayBuffer())).metadata();
    assert.equal(wholeMeta.width, 256);
    assert.ok(wholeMeta.height < 256);

    const blank = (await store.getPersonByName('Blank'))?.id;
    assert.ok(blank);
    const notTheirs = await call(`/api/v1/people/${blank}/photos/${face.id}/thumbnail.jpg`);
    assert.equal((await json<{ code: string }>(notTheirs, 404)).code, 'NOT_FOUND');
  });

  it('removes a photo and its descriptors, moving the gallery version; a person left with none is not recognisable', async () => {
    const photos = await store.listPhotos(sheldonId);
    let version = await store.getGalleryVersion();
    for (const [index, { id, fileName }] of photos.entries()) {
      const removed = await json<{ id: string; erased: boolean; galleryVersion: number }>(
        await call(`/api/v1/people/${sheldonId}/photos/${id}`, { method: 'DELETE' }),
        200,
      );
      assert.equal(removed.id, id);
      assert.ok(removed.galleryVersion > version, `${fileName}: the gallery version moved`);
      version = removed.galleryVersion;
      assert.equal((await store.listPhotos(sheldonId)).length, photos.length - index - 1);
    }
    assert.equal((await store.listDescriptors(sheldonId)).length, 0);
    const again = await call(`/api/v1/people/${sheldonId}/photos/${photos[0]?.id ?? ''}`, {
      method: 'DELETE',
    });
    assert.equal((await json<{ code: string }>(again, 404)).code, 'NOT_FOUND');
    const { person } = await json<{ person: PersonDetail }>(await call(`/api/v1/people/${sheldonId}`), 200);
    assert.deepEqual(
      [person.photoCount, person.state, person.portraitPhotoId],
      [0, 'not-recognisable', null],
    );
  });
});
