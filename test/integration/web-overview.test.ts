/**
 * The home page's data over real HTTP: `GET /api/v1/overview` as an administrator and as a viewer
 * (real SQLite, real Redis sessions, a clock stopped at 09:00 UTC), and the crops of recognition
 * events, `GET /api/v1/events/:id/crop.jpg`, with who may see which.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { NodeState } from '../../src/bridge/index.js';
import type { RecognitionEvent } from '../../src/core/index.js';
import { JobQueue, PrivateRedis } from '../../src/queues/index.js';
import { SettingsService, UnknownFaceService } from '../../src/services/index.js';
import { hashPassword, stoppedClock } from '../../src/shared/index.js';
import { SqliteStore, type Person, type Store } from '../../src/store/index.js';
import type { AdminOverview, OverviewAnswer, ViewerOverview } from '../../src/web/api-views.js';
import { WebServer } from '../../src/web/index.js';
import { Browser } from '../support/http-browser.js';
import { tempDir } from '../support/temp.js';
import { descriptor, makeEvent } from './store-contract/support.js';
import { unusedEnrollment } from '../support/unused-enrollment.js';

const ADMIN = { name: 'Ada Admin', password: 'correct horse battery' };
const VIEWER = { name: 'Vic Viewer', password: 'viewer password 1' };
const NOW = '2025-03-10T09:00:00.000Z';
const RULES = { timeZone: 'UTC', cooldownS: 0 };
/** A JPEG as far as its magic numbers go: the route reads the type from the bytes. */
const JPEG = new Uint8Array([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9,
]);

const SETTINGS = {
  strangerRateTarget: 0.01,
  matchThreshold: 0.55,
  unknownThreshold: 0.6,
  consensusFrames: 3,
  sightingIntervalS: 10,
  timeZone: 'UTC',
  retentionDays: 30,
};

function node(
  nodeId: string,
  connected: boolean,
  cameras: { cameraId: string; online: boolean }[],
): NodeState {
  return {
    address: `127.0.0.${nodeId.length}:9999`,
    connected,
    nodeId,
    lastHeartbeatAt: Date.parse('2025-03-10T08:59:58Z'),
    status: {
      nodeId,
      protocol: 1,
      cameras: cameras.map((c) => ({ ...c, fps: c.online ? 8 : 0, droppedFrames: 0, latencyP95Ms: 90 })),
      galleryVersion: 1,
      descriptorModel: 'face-api',
      outboxDepth: 0,
      uptimeS: 60,
    },
  };
}

describe('the home page overview over HTTP', () => {
  let dataDir: string;
  let redis: PrivateRedis;
  let store: Store;
  let jobs: JobQueue;
  let server: WebServer;
  let base: string;
  let nodes: NodeState[] = [];
  let admin: Browser;
  let viewer: Browser;

  const overview = async <T extends OverviewAnswer>(as: Browser): Promise<T> => {
    const res = await as.fetch('/api/v1/overview');
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('cache-control'), 'no-store');
    return (await res.json()) as T;
  };

  const enrolled = async (name: string, seed: number | null): Promise<Person> => {
    const { person } = await store.createPerson({ name });
    if (seed !== null) {
      const photo = await store.addPhoto({ personId: person.id, fileName: `${name}.jpg`, bytes: JPEG });
      await store.setPhotoDescriptors(photo.id, 'face-api', [descriptor(seed)]);
    }
    return person;
  };

  const seen = async (person: Person, at: string, overrides: Partial<RecognitionEvent> = {}) => {
    const event = makeEvent({ personId: person.id, at, crop: JPEG, ...overrides });
    await store.recordAttendance(event, RULES);
    return event;
  };

  before(async () => {
    dataDir = await tempDir('overview');
    redis = await PrivateRedis.start({ dataDir });
    store = await SqliteStore.open({ dataDir });
    jobs = await JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() });
    const enrollment = unusedEnrollment();
    server = new WebServer(
      {
        store,
        jobs,
        enrollment,
        unknownFaces: new UnknownFaceService({ store, enrollment }),
        settings: new SettingsService({ store, defaults: SETTINGS, targets: () => [] }),
        nodes: () => nodes,
        redisUrl: redis.url,
        clock: stoppedClock(Date.parse(NOW)),
      },
      {
        port: 0,
        host: '127.0.0.1',
        sessionSecret: randomUUID() + randomUUID(),
        sessionPrefix: `${randomUUID()}:sess:`,
      },
    );
    base = `http://127.0.0.1:${(await server.start()).port}`;
    for (const [user, role] of [
      [ADMIN, 'admin'],
      [VIEWER, 'viewer'],
    ] as const) {
      await store.createUser({ name: user.name, role, passwordHash: await hashPassword(user.password) });
    }
    admin = new Browser(base);
    await admin.signIn(ADMIN.name, ADMIN.password);
    viewer = new Browser(base);
    await viewer.signIn(VIEWER.name, VIEWER.password);
  });

  after(async () => {
    await server.close();
    await jobs.close();
    await store.close();
    await redis.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows a fresh install its checklist: an administrator, nobody enrolled, no camera', async () => {
    const fresh = await overview<AdminOverview>(admin);
    assert.equal(fresh.role, 'admin');
    assert.equal(fresh.day, '2025-03-10');
    assert.equal(fresh.timeZone, 'UTC');
    assert.equal(fresh.at, NOW);
    assert.deepEqual(fresh.presence, { present: 0, enrolled: 0, recognisable: 0 });
    assert.deepEqual(fresh.arrivals, { since: '2025-03-10T08:00:00.000Z', total: 0, items: [] });
    assert.deepEqual(fresh.cameras, []);
    assert.deepEqual(fresh.review, { pending: 0, more: false, newest: [] });
    assert.deepEqual(fresh.checklist, [
      { step: 'administrator', done: true },
      { step: 'enroll', done: false },
      { step: 'camera', done: false },
    ]);
  });

  it('counts a camera as checked once its node is connected and it delivers frames, never from a stale report', async () => {
    // A node that went silent still holds its last report: its camera is offline all the same.
    nodes = [node('gate-pc', false, [{ cameraId: 'door', online: true }])];
    let answer = await overview<AdminOverview>(admin);
    assert.deepEqual(answer.cameras, [{ cameraId: 'door', nodeId: 'gate-pc', online: false }]);
    assert.equal(answer.checklist?.find((s) => s.step === 'camera')?.done, false);

    nodes = [
      node('gate-pc', true, [
        { cameraId: 'door', online: true },
        { cameraId: 'yard', online: false },
      ]),
    ];
    answer = await overview<AdminOverview>(admin);
    assert.deepEqual(
      answer.cameras.map((c) => `${c.cameraId}:${c.online}`),
      ['door:true', 'yard:false'],
    );
    assert.equal(answer.nodes[0]?.fps, 8);
    assert.deepEqual(answer.checklist, [
      { step: 'administrator', done: true },
      { step: 'enroll', done: false },
      { step: 'camera', done: true },
    ]);
  });

  it("counts present today out of whom the cameras can name, and lists the last hour's check-ins newest first with their events", async () => {
    const sheldon = await enrolled('Sheldon', 1);
    const penny = await enrolled('Penny', 2);
    const raj = await enrolled('Raj', 3);
    const leonard = await enrolled('Leonard', null);
    // Yesterday, earlier today, and within the hour (twice for Sheldon: the check-in is the first).
    await seen(penny, '2025-03-09T23:50:00.000Z');
    await seen(penny, '2025-03-10T07:30:00.000Z');
    const sheldonIn = await seen(sheldon, '2025-03-10T08:20:00.000Z', {
      cameraId: 'door',
      nodeId: 'gate-pc',
    });
    await seen(sheldon, '2025-03-10T08:40:00.000Z', { type: 'sighting', crop: null });
    const rajIn = await seen(raj, '2025-03-10T08:55:00.000Z', { crop: null, cameraId: 'yard' });
    // Marked present by hand: present, but no camera saw him arrive.
    await store.correctAttendance({
      personId: leonard.id,
      day: '2025-03-10',
      by: ADMIN.name,
      reason: 'forgot his badge',
      change: { firstSeen: '2025-03-10T08:45:00.000Z', lastSeen: '2025-03-10T08:50:00.000Z' },
    });

    const answer = await overview<AdminOverview>(admin);
    assert.deepEqual(answer.presence, { present: 4, enrolled: 4, recognisable: 3 });
    assert.equal(answer.arrivals.total, 2);
    assert.deepEqual(answer.arrivals.items, [
      {
        person: { id: raj.id, name: 'Raj' },
        at: '2025-03-10T08:55:00.000Z',
        cameraId: 'yard',
        nodeId: 'node-a',
        eventId: rajIn.id,
        hasCrop: false,
      },
      {
        person: { id: sheldon.id, name: 'Sheldon' },
        at: '2025-03-10T08:20:00.000Z',
        cameraId: 'door',
        nodeId: 'gate-pc',
        eventId: sheldonIn.id,
        hasCrop: true,
      },
    ]);
    // Someone recognisable and a camera online: the checklist is done, so it is gone.
    assert.equal(answer.checklist, null);
  });

  it('knows a new enrollment at once: the counts follow the gallery version', async () => {
    const leonard = await store.getPersonByName('Leonard');
    assert.ok(leonard);
    const photo = await store.addPhoto({ personId: leonard.id, fileName: 'l.jpg', bytes: JPEG });
    await store.setPhotoDescriptors(photo.id, 'fr-feature', [descriptor(4, 512)]);
    assert.deepEqual((await overview(admin)).presence, { present: 4, enrolled: 4, recognisable: 4 });
  });

  it('gives administrators the faces waiting for review, newest first, capped in count', async () => {
    const faces: RecognitionEvent[] = [];
    for (const minute of [10, 30, 50]) {
      const event = makeEvent({
        type: 'unknown',
        at: `2025-03-10T08:${minute}:00.000Z`,
        crop: JPEG,
        votes: null,
      });
      await store.recordUnknownFace(event);
      faces.push(event);
    }
    const dismissed = (await store.listUnknownFaces({ status: 'open' })).items.at(-1);
    assert.ok(dismissed);
    await store.dismissUnknownFace(dismissed.id);
    const { review } = await overview<AdminOverview>(admin);
    assert.equal(review.pending, 2);
    assert.equal(review.more, false);
    assert.deepEqual(
      review.newest.map((f) => [f.at, f.hasCrop]),
      [
        ['2025-03-10T08:50:00.000Z', true],
        ['2025-03-10T08:30:00.000Z', true],
      ],
    );
  });

  it("answers a viewer the viewer's version: attendance and camera names, no nodes, review or checklist", async () => {
    const answer = await overview<ViewerOverview>(viewer);
    assert.equal(answer.role, 'viewer');
    assert.deepEqual(Object.keys(answer).sort(), [
      'arrivals',
      'at',
      'cameras',
      'day',
      'presence',
      'role',
      'timeZone',
    ]);
    assert.deepEqual(answer.presence, { present: 4, enrolled: 4, recognisable: 4 });
    assert.deepEqual(
      answer.arrivals.items.map((a) => a.person.name),
      ['Raj', 'Sheldon'],
    );
    // Camera names and whether they are online; no address, rate or heartbeat.
    for (const camera of answer.cameras)
      assert.deepEqual(Object.keys(camera).sort(), ['cameraId', 'nodeId', 'online']);
    const text = JSON.stringify(answer);
    assert.doesNotMatch(text, /127\.0\.0\.|outboxDepth|lastHeartbeatAt|galleryVersion/);
  });

  it('serves the crop of a recognised event to both roles, and refuses an unknown face to viewers', async () => {
    const { items } = (await overview<AdminOverview>(admin)).arrivals;
    const sheldonEvent = items.find((a) => a.person.name === 'Sheldon')?.eventId;
    assert.ok(sheldonEvent);
    const url = `/api/v1/events/${encodeURIComponent(sheldonEvent)}/crop.jpg`;
    for (const as of [admin, viewer]) {
      const res = await as.fetch(url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      assert.equal(res.headers.get('cache-control'), 'private, max-age=3600');
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), JPEG);
    }

    const unknown = (await store.listUnknownFaces({ status: 'open' })).items[0];
    assert.ok(unknown);
    const unknownUrl = `/api/v1/events/${encodeURIComponent(unknown.eventId)}/crop.jpg`;
    assert.equal((await admin.fetch(unknownUrl)).status, 200);
    const refused = await viewer.fetch(unknownUrl);
    assert.equal(refused.status, 403);
    const body = (await refused.json()) as { code: string; message: string };
    assert.equal(body.code, 'FORBIDDEN');
    assert.match(body.message, /administrators/);
  });

  it('answers 404 for an event without a crop or no event at all, 400 for a bad id, 401 without a login', async () => {
    const raj = (await overview<AdminOverview>(admin)).arrivals.items.find((a) => a.person.name === 'Raj');
    assert.ok(raj?.eventId);
    const cases: [Browser | null, string, number, string][] = [
      [admin, `/api/v1/events/${encodeURIComponent(raj.eventId)}/crop.jpg`, 404, 'NOT_FOUND'],
      [viewer, `/api/v1/events/${encodeURIComponent(raj.eventId)}/crop.jpg`, 404, 'NOT_FOUND'],
      [admin, '/api/v1/events/no-such-event/crop.jpg', 404, 'NOT_FOUND'],
      [viewer, '/api/v1/events/no-such-event/crop.jpg', 404, 'NOT_FOUND'],
      [admin, `/api/v1/events/${'x'.repeat(201)}/crop.jpg`, 400, 'REQUEST_INVALID'],
      [null, '/api/v1/events/no-such-event/crop.jpg', 401, 'UNAUTHENTICATED'],
      [null, '/api/v1/overview', 401, 'UNAUTHENTICATED'],
    ];
    for (const [as, url, status, code] of cases) {
      const res = as === null ? await fetch(base + url) : await as.fetch(url);
      const text = await res.text();
      assert.equal(res.status, status, `${url}: ${text}`);
      assert.equal((JSON.parse(text) as { code: string }).code, code, url);
    }
  });

  it('drops a crop from the arrival once retention or an erasure took it', async () => {
    await store.pruneEventCrops('2025-03-10T09:00:00.000Z');
    const sheldon = (await overview(admin)).arrivals.items.find((a) => a.person.name === 'Sheldon');
    assert.equal(sheldon?.hasCrop, false);
    assert.ok(sheldon.eventId);
    const res = await viewer.fetch(`/api/v1/events/${encodeURIComponent(sheldon.eventId)}/crop.jpg`);
    assert.equal(res.status, 404);
  });
});
