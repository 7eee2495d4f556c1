/**
 * The web node over real HTTP: a server on port 0, a real SQLite store, a real Redis (sessions and
 * the job queue), and a strict fake of the enrollment service that records what it was asked.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'bullmq';
import { ErrorCode } from '../../src/core/index.js';
import { JobName, JobQueue, PrivateRedis } from '../../src/queues/index.js';
import { SqliteStore, type Person, type Store } from '../../src/store/index.js';
import type { NodeState } from '../../src/bridge/index.js';
import { WebServer, loadSessionSecret, type EnrollmentPort } from '../../src/web/index.js';
import { generateApiToken, hashApiToken, hashPassword } from '../../src/shared/index.js';
import { SettingsService, UnknownFaceService } from '../../src/services/index.js';
import { ROLLCALL_BIN, runCli } from '../support/cli.js';
import { Browser } from '../support/http-browser.js';
import { makeEvent } from './store.contract.js';
import { tempDir } from '../support/temp.js';

const ADMIN = { name: 'Ada Admin', password: 'correct horse battery' };
const VIEWER = { name: 'Vic Viewer', password: 'viewer password 1' };
const DAY = '2025-03-10';

const JPEG = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9,
]);
const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
]);
const WEBP = Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1');

function photosForm(
  name: string | undefined,
  files: { name: string; bytes: Buffer; type?: string }[],
): FormData {
  const form = new FormData();
  if (name !== undefined) form.append('name', name);
  for (const file of files) {
    form.append(
      'photos',
      new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'image/jpeg' }),
      file.name,
    );
  }
  return form;
}

async function errorBody(
  res: Response,
  status: number,
  code: string,
): Promise<{ code: string; message: string }> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${text}`);
  const body = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message'], `error body ${text}`);
  assert.equal(body.code, code);
  assert.equal(typeof body.message, 'string');
  assert.doesNotMatch(text, /at .*\.js:\d+/, 'no stack trace');
  return body as { code: string; message: string };
}

/** Records every call and does what the real service does to the store and the queue. */
class FakeEnrollment implements EnrollmentPort {
  readonly enrolled: { name: string; fileNames: string[]; sizes: number[] }[] = [];
  readonly removed: string[] = [];
  failNext: Error | undefined;

  constructor(
    private readonly store: Store,
    private readonly jobs: JobQueue,
  ) {}

  async enroll(
    { name, externalId }: { name: string; externalId?: string | null },
    photos: readonly { fileName: string; bytes: Uint8Array }[],
  ) {
    this.#record(name, photos);
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    return this.#train(await this.create({ name, externalId }), photos);
  }

  async create(enrollee: { name: string; externalId?: string | null }): Promise<Person> {
    return (await this.store.createPerson(enrollee)).person;
  }

  async update(personId: string, patch: { name?: string; externalId?: string | null }): Promise<Person> {
    return (await this.store.updatePerson(personId, patch)).person;
  }

  addPhotos(person: Person, photos: readonly { fileName: string; bytes: Uint8Array }[]) {
    this.#record(person.name, photos);
    return this.#train(person, photos);
  }

  async addPhotosTo(personId: string, photos: readonly { fileName: string; bytes: Uint8Array }[]) {
    const person = await this.store.getPerson(personId);
    if (!person) throw new Error(`no person ${personId}`);
    return this.addPhotos(person, photos);
  }

  #record(name: string, photos: readonly { fileName: string; bytes: Uint8Array }[]): void {
    this.enrolled.push({
      name,
      fileNames: photos.map((p) => p.fileName),
      sizes: photos.map((p) => p.bytes.length),
    });
  }

  async #train(person: Person, photos: readonly { fileName: string; bytes: Uint8Array }[]) {
    const photoIds: string[] = [];
    for (const photo of photos) {
      photoIds.push(
        (await this.store.addPhoto({ personId: person.id, fileName: photo.fileName, bytes: photo.bytes })).id,
      );
    }
    const jobId = await this.jobs.enqueue(JobName.TrainPerson, { personId: person.id, photoIds });
    return { person, jobId };
  }

  async removePhoto(_personId: string, photoId: string) {
    return this.store.deletePhoto(photoId);
  }

  async remove(personId: string, attendance: 'erase' | 'anonymise' = 'anonymise') {
    this.removed.push(personId);
    const deleted = await this.store.deletePerson(personId, { eraseAttendance: attendance === 'erase' });
    return {
      galleryVersion: deleted.galleryVersion,
      jobsRemoved: 0,
      attendance,
      attendanceRecords: deleted.attendance,
      anonymisedAs: deleted.anonymisedAs,
    };
  }
}

const SETTINGS = {
  strangerRateTarget: 0.01,
  matchThreshold: 0.55,
  unknownThreshold: 0.6,
  consensusFrames: 3,
  sightingIntervalS: 10,
  timeZone: 'UTC',
  retentionDays: 30,
};

const NODES: NodeState[] = [
  {
    address: '10.0.0.5:9999',
    connected: true,
    nodeId: 'gate-pc',
    lastHeartbeatAt: Date.parse('2025-03-10T08:00:00Z'),
    status: {
      nodeId: 'gate-pc',
      protocol: 1,
      cameras: [{ cameraId: 'video0', fps: 12.5, droppedFrames: 3, latencyP95Ms: 120, online: true }],
      galleryVersion: 7,
      descriptorModel: 'face-api',
      outboxDepth: 2,
      uptimeS: 3600,
      clockMs: Date.parse('2025-03-10T08:10:00Z'),
    },
    clockSkewMs: 600_000,
  },
  {
    address: '10.0.0.6:9999',
    connected: false,
    nodeId: undefined,
    lastHeartbeatAt: undefined,
    status: undefined,
  },
];

describe('web node over HTTP', () => {
  let dataDir: string;
  let redis: PrivateRedis;
  let store: Store;
  let jobs: JobQueue;
  let enrollment: FakeEnrollment;
  let settings: SettingsService;
  let server: WebServer;
  let base: string;

  before(async () => {
    dataDir = await tempDir('web');
    redis = await PrivateRedis.start({ dataDir });
    store = await SqliteStore.open({ dataDir });
    jobs = await JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() });
    enrollment = new FakeEnrollment(store, jobs);
    server = new WebServer(
      {
        store,
        jobs,
        enrollment,
        unknownFaces: new UnknownFaceService({ store, enrollment }),
        settings: (settings = new SettingsService({ store, defaults: SETTINGS, targets: () => [] })),
        nodes: () => NODES,
        redisUrl: redis.url,
      },
      {
        port: 0,
        host: '127.0.0.1',
        sessionSecret: randomUUID() + randomUUID(),
        secureCookies: false,
        sessionPrefix: `${randomUUID()}:sess:`,
      },
    );
    const { port } = await server.start();
    base = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await server.close();
    await server.close();
    await jobs.close();
    await store.close();
    await redis.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers /healthz and /metrics without a login', async () => {
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { ok: true });
    await fetch(`${base}/api/v1/people`);
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    const text = await metrics.text();
    assert.match(text, /^rollcall_nodes_connected 1$/m);
    assert.match(text, /^rollcall_nodes_configured 2$/m);
    assert.match(text, /rollcall_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
    assert.match(text, /rollcall_http_request_duration_seconds_bucket\{.*route="\/healthz"/);
  });

  it('runs /setup only while no user exists, and it signs the new administrator in', async () => {
    const browser = new Browser(base);
    const login = await browser.fetch('/login');
    assert.equal(login.status, 303, 'with no user, the sign-in page sends to setup');
    assert.equal(login.headers.get('location'), '/setup');
    const _csrf = await browser.formToken('/setup');
    await errorBody(
      await browser.postForm('/setup', { name: 'x', password: ADMIN.password }),
      403,
      'CSRF_INVALID',
    );
    const form = await (await browser.fetch('/setup')).text();
    assert.match(
      form,
      /<label for="confirm">Password again<\/label>/,
      'the form asks for the password twice',
    );
    const short = await browser.postForm('/setup', {
      name: ADMIN.name,
      password: 'short',
      confirm: 'short',
      _csrf,
    });
    assert.equal(short.status, 400);
    assert.match(await short.text(), /at least 10 characters/);
    for (const confirm of [undefined, '', `${ADMIN.password}!`]) {
      const differ = await browser.postForm('/setup', {
        name: ADMIN.name,
        password: ADMIN.password,
        ...(confirm === undefined ? {} : { confirm }),
        _csrf,
      });
      assert.equal(differ.status, 400, `confirm ${String(confirm)}`);
      const page = await differ.text();
      assert.match(page, /confirm: the two passwords differ/);
      assert.match(page, /value="Ada Admin"/, 'the name typed is kept');
    }
    await errorBody(
      await browser.fetch('/setup', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: ADMIN.name,
          password: ADMIN.password,
          confirm: 'something else',
          _csrf,
        }),
      }),
      400,
      'REQUEST_INVALID',
    );
    assert.equal(await store.getUserByName(ADMIN.name), null, 'no account made from a mismatch');
    const done = await browser.postForm('/setup', {
      name: ADMIN.name,
      password: ADMIN.password,
      confirm: ADMIN.password,
      _csrf,
    });
    assert.equal(done.status, 303);
    const page = await browser.fetch('/', { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Ada Admin \(admin\)/);
    assert.match(html, /Attendance/);
    assert.match(html, /Unknown faces/);

    const late = new Browser(base);
    await errorBody(await late.fetch('/setup'), 403, 'SETUP_DONE');
    await errorBody(
      await late.fetch('/setup', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'mallory', password: 'mallory password', _csrf }),
      }),
      403,
      'CSRF_INVALID',
    );
    // Even with a valid session token, setup is closed.
    const token = await late.formToken('/login');
    await errorBody(
      await late.fetch('/setup', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'mallory', password: 'mallory password', _csrf: token }),
      }),
      403,
      'SETUP_DONE',
    );
    assert.equal(await store.getUserByName('mallory'), null);

    await store.createUser({
      name: VIEWER.name,
      role: 'viewer',
      passwordHash: await hashPassword(VIEWER.password),
    });
  });

  it('refuses every route but /healthz and /metrics without a login', async () => {
    const routes: [string, string][] = [
      ['GET', '/api/v1/session'],
      ['GET', '/api/v1/people'],
      ['POST', '/api/v1/people'],
      ['DELETE', '/api/v1/people/p1'],
      ['GET', '/api/v1/jobs/1'],
      ['GET', `/api/v1/attendance?date=${DAY}`],
      ['GET', '/api/v1/attendance.csv'],
      ['GET', '/api/v1/events'],
      ['GET', '/api/v1/nodes'],
      ['GET', '/api/v1/unknown-faces'],
      ['GET', '/api/v1/unknown-faces/f1/crop.jpg'],
      ['POST', '/api/v1/unknown-faces/f1/assign'],
      ['POST', '/api/v1/unknown-faces/f1/dismiss'],
      ['GET', '/api/v1/settings'],
      ['PUT', '/api/v1/settings'],
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users'],
      ['PATCH', '/api/v1/users/u1'],
      ['DELETE', '/api/v1/users/u1'],
      ['GET', '/api/v1/users/u1/tokens'],
      ['DELETE', '/api/v1/users/u1/tokens/t1'],
      ['GET', '/api/v1/attendance/corrections'],
      ['POST', '/api/v1/attendance/corrections'],
      ['GET', '/api/v1/no-such-route'],
      ['GET', '/admin/queues'],
      ['GET', '/admin/queues/api/queues'],
      ['GET', '/'],
    ];
    for (const [method, url] of routes) {
      const res = await fetch(base + url, { method, redirect: 'manual' });
      const body = await errorBody(res, 401, 'UNAUTHENTICATED');
      assert.match(body.message, /sign in/, `${method} ${url}`);
    }
    const browser = await fetch(`${base}/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    assert.equal(browser.status, 303);
    assert.equal(browser.headers.get('location'), '/login');
  });

  it('signs in with the right password only, and out again', async () => {
    const browser = new Browser(base);
    const _csrf = await browser.formToken('/login');
    const wrong = await browser.postForm('/login', { name: ADMIN.name, password: 'wrong password!', _csrf });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /wrong name or password/);
    const unknown = await browser.postForm('/login', { name: 'nobody', password: ADMIN.password, _csrf });
    assert.equal(unknown.status, 401);
    await errorBody(
      await browser.postForm('/login', { name: ADMIN.name, password: ADMIN.password }),
      403,
      'CSRF_INVALID',
    );

    const csrf = await browser.signIn(ADMIN.name.toUpperCase(), ADMIN.password);
    const cookie = (await browser.fetch('/login')).headers; // already signed in: redirected home
    assert.ok(cookie);
    const session = (await (await browser.fetch('/api/v1/session')).json()) as Record<string, unknown>;
    assert.deepEqual((session.user as Record<string, unknown>).role, 'admin');

    await errorBody(await browser.postForm('/logout', {}), 403, 'CSRF_INVALID');
    const out = await browser.postForm('/logout', { _csrf: csrf });
    assert.equal(out.status, 303);
    await errorBody(await browser.fetch('/api/v1/people'), 401, 'UNAUTHENTICATED');

    // A script signs in with JSON and gets its CSRF token back.
    const script = new Browser(base);
    const token = await script.formToken('/login');
    const res = await script.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: VIEWER.name, password: VIEWER.password, _csrf: token }),
    });
    assert.equal(res.status, 200);
    const json = (await res.json()) as { user: { name: string; role: string }; csrfToken: string };
    assert.deepEqual(json.user.role, 'viewer');
    assert.ok(json.csrfToken.length > 20 && json.csrfToken !== token, 'the CSRF token is rotated at sign-in');
  });

  it('sets the session cookie httpOnly and SameSite=Lax, and secure headers', async () => {
    const res = await fetch(`${base}/login`, { redirect: 'manual' });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('rollcall.sid='));
    assert.ok(cookie, 'the sign-in page starts a session for its CSRF token');
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    assert.doesNotMatch(cookie, /Secure/i);
    assert.ok(res.headers.get('content-security-policy'));
    assert.doesNotMatch(res.headers.get('content-security-policy') ?? '', /upgrade-insecure-requests/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-powered-by'), null);
  });

  it('limits failed sign-ins per address and name to 10 in 15 minutes', async () => {
    const name = 'Rate Limited';
    await store.createUser({ name, role: 'viewer', passwordHash: await hashPassword('the right password') });
    const browser = new Browser(base);
    const _csrf = await browser.formToken('/login');
    for (let i = 0; i < 10; i++) {
      const res = await browser.postForm('/login', { name, password: `wrong password ${i}`, _csrf });
      assert.equal(res.status, 401);
    }
    const body = await errorBody(
      await browser.postForm('/login', { name, password: 'the right password', _csrf }),
      429,
      'RATE_LIMITED',
    );
    assert.match(body.message, /too many failed sign-ins/);
    // Another name from the same address is not locked out.
    await browser.signIn(VIEWER.name, VIEWER.password);
  });

  it('lets a viewer see attendance but nothing that needs the admin role', async () => {
    const viewer = new Browser(base);
    const csrf = await viewer.signIn(VIEWER.name, VIEWER.password);
    assert.equal((await viewer.fetch(`/api/v1/attendance?date=${DAY}`)).status, 200);
    assert.equal((await viewer.fetch(`/api/v1/attendance.csv?from=${DAY}`)).status, 200);
    const headers = { 'x-csrf-token': csrf };
    // Viewers see why a record was changed, but cannot change one.
    assert.equal((await viewer.fetch(`/api/v1/attendance/corrections?date=${DAY}`)).status, 200);
    const forbidden: [string, string, RequestInit?][] = [
      ['GET', '/api/v1/people'],
      ['POST', '/api/v1/people', { body: photosForm('Eve', [{ name: 'a.jpg', bytes: JPEG }]) }],
      ['DELETE', '/api/v1/people/p1'],
      ['GET', '/api/v1/jobs/1'],
      ['GET', '/api/v1/events'],
      ['GET', '/api/v1/nodes'],
      ['GET', '/admin/queues'],
      ['GET', '/api/v1/unknown-faces'],
      ['GET', '/api/v1/unknown-faces/f1/crop.jpg'],
      ['POST', '/api/v1/unknown-faces/f1/assign', { body: '{"name":"Eve"}' }],
      ['POST', '/api/v1/unknown-faces/f1/dismiss'],
      ['GET', '/api/v1/settings'],
      ['PUT', '/api/v1/settings', { body: '{"consensusFrames":1}' }],
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users', { body: '{"name":"Eve","password":"eve password 1","role":"admin"}' }],
      ['PATCH', '/api/v1/users/u1', { body: '{"role":"admin"}' }],
      ['DELETE', '/api/v1/users/u1'],
      ['GET', '/api/v1/users/u1/tokens'],
      ['DELETE', '/api/v1/users/u1/tokens/t1'],
      [
        'POST',
        '/api/v1/attendance/corrections',
        { body: '{"personId":"p1","day":"2025-03-10","present":false,"reason":"x"}' },
      ],
    ];
    for (const [method, url, init] of forbidden) {
      const json: Record<string, string> =
        typeof init?.body === 'string' ? { 'content-type': 'application/json' } : {};
      const body = await errorBody(
        await viewer.fetch(url, { method, headers: { ...headers, ...json }, ...init }),
        403,
        'FORBIDDEN',
      );
      assert.match(body.message, /admin/, url);
    }
    assert.equal(enrollment.enrolled.length, 0);
    assert.equal(
      (await store.listUsers()).items.some((u) => u.name === 'Eve'),
      false,
    );
  });

  it('accepts an API token as the token user, without CSRF, and refuses unknown or revoked ones', async () => {
    const admin = await store.getUserByName(ADMIN.name);
    assert.ok(admin);
    const token = generateApiToken();
    const record = await store.createApiToken({
      userId: admin.id,
      name: 'ci',
      tokenHash: hashApiToken(token),
    });
    const auth = { authorization: `Bearer ${token}` };
    const people = await fetch(`${base}/api/v1/people`, { headers: auth });
    assert.equal(people.status, 200);
    assert.equal(people.headers.getSetCookie().length, 0, 'a token call starts no session');
    const created = await fetch(`${base}/api/v1/people`, {
      method: 'POST',
      headers: auth,
      body: photosForm('Token Person', [{ name: 'a.jpg', bytes: JPEG }]),
    });
    assert.equal(created.status, 202);
    assert.ok((await store.findApiTokenByHash(hashApiToken(token)))?.lastUsedAt);

    const bad = [`Bearer ${generateApiToken()}`, 'Bearer not-a-token', 'Basic YWRhOnB3', 'Bearer'];
    for (const header of bad) {
      await errorBody(
        await fetch(`${base}/api/v1/people`, { headers: { authorization: header } }),
        401,
        'UNAUTHENTICATED',
      );
    }
    await store.revokeApiToken(record.id);
    const revoked = await errorBody(
      await fetch(`${base}/api/v1/people`, { headers: auth }),
      401,
      'UNAUTHENTICATED',
    );
    assert.match(revoked.message, /revoked/);
  });

  describe('as an administrator', () => {
    let admin: Browser;
    let csrf: string;

    before(async () => {
      admin = new Browser(base);
      csrf = await admin.signIn(ADMIN.name, ADMIN.password);
    });

    function upload(form: FormData, token: string | null = csrf): Promise<Response> {
      return admin.fetch('/api/v1/people', {
        method: 'POST',
        body: form,
        headers: token === null ? {} : { 'x-csrf-token': token },
      });
    }

    it('requires the CSRF token for POST and DELETE with a session', async () => {
      const before = enrollment.enrolled.length;
      await errorBody(
        await upload(photosForm('Csrf', [{ name: 'a.jpg', bytes: JPEG }]), null),
        403,
        'CSRF_INVALID',
      );
      await errorBody(
        await upload(photosForm('Csrf', [{ name: 'a.jpg', bytes: JPEG }]), 'x'.repeat(43)),
        403,
        'CSRF_INVALID',
      );
      await errorBody(
        await admin.fetch('/api/v1/people/whatever', { method: 'DELETE' }),
        403,
        'CSRF_INVALID',
      );
      assert.equal(enrollment.enrolled.length, before);
    });

    it('enrolls a person from photos: 202 with the person and a queued training job', async () => {
      const res = await upload(
        photosForm('Grace Hopper', [
          { name: 'front.jpg', bytes: JPEG },
          { name: '../../etc/passwd.jpg', bytes: PNG, type: 'image/png' },
          { name: 'C:\\Users\\me\\side.webp', bytes: WEBP, type: 'image/webp' },
        ]),
      );
      assert.equal(res.status, 202);
      const body = (await res.json()) as { person: Person; jobId: string };
      assert.equal(body.person.name, 'Grace Hopper');
      assert.equal(res.headers.get('location'), `/api/v1/jobs/${encodeURIComponent(body.jobId)}`);
      const call = enrollment.enrolled.at(-1);
      assert.deepEqual(call, {
        name: 'Grace Hopper',
        fileNames: ['front.jpg', 'passwd.jpg', 'side.webp'],
        sizes: [JPEG.length, PNG.length, WEBP.length],
      });
      const queued = await jobs.getJob(body.jobId);
      assert.equal(queued?.state, 'waiting');
      const job = await admin.fetch(`/api/v1/jobs/${encodeURIComponent(body.jobId)}`);
      assert.equal(job.status, 200);
      const view = (await job.json()) as Record<string, unknown>;
      assert.equal(view.state, 'waiting');
      assert.equal(view.progress, 0);
      assert.equal(view.failedReason, null);
      await errorBody(await admin.fetch('/api/v1/jobs/no-such-job'), 404, 'NOT_FOUND');
      await errorBody(await admin.fetch('/api/v1/jobs/bad%20id'), 400, 'REQUEST_INVALID');
    });

    it('refuses bad uploads with the status and a message naming the problem', async () => {
      const before = enrollment.enrolled.length;
      const empty = await errorBody(
        await upload(photosForm('E', [{ name: 'empty.jpg', bytes: Buffer.alloc(0) }])),
        400,
        'IMAGE_EMPTY',
      );
      assert.match(empty.message, /empty\.jpg/);
      const random = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131 + 7) & 0xff));
      const fake = await errorBody(
        await upload(photosForm('R', [{ name: 'photo.jpg', bytes: random }])),
        415,
        'IMAGE_UNSUPPORTED',
      );
      assert.match(fake.message, /photo\.jpg.*not a JPEG, PNG or WebP/);
      const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0);
      JPEG.copy(big);
      const large = await errorBody(
        await upload(photosForm('L', [{ name: 'big.jpg', bytes: big }])),
        413,
        'IMAGE_TOO_LARGE',
      );
      assert.match(large.message, /big\.jpg.*larger than 10 MB/);
      const many = Array.from({ length: 21 }, (_, i) => ({ name: `p${i}.jpg`, bytes: JPEG }));
      const tooMany = await errorBody(await upload(photosForm('M', many)), 413, 'REQUEST_TOO_LARGE');
      assert.match(tooMany.message, /at most 20 photos/);
      const none = await errorBody(await upload(photosForm('N', [])), 400, 'REQUEST_INVALID');
      assert.equal(none.message, 'add at least one photo of the person');
      const noName = await errorBody(
        await upload(photosForm(undefined, [{ name: 'a.jpg', bytes: JPEG }])),
        400,
        'REQUEST_INVALID',
      );
      assert.match(noName.message, /^name:/);
      const blank = await errorBody(
        await upload(photosForm('   ', [{ name: 'a.jpg', bytes: JPEG }])),
        400,
        'REQUEST_INVALID',
      );
      assert.match(blank.message, /^name:/);
      const otherField = new FormData();
      otherField.append('name', 'O');
      otherField.append('avatar', new Blob([JPEG]), 'a.jpg');
      const unexpected = await errorBody(await upload(otherField), 400, 'REQUEST_INVALID');
      assert.match(unexpected.message, /^avatar:/);
      const json = await admin.fetch('/api/v1/people', {
        method: 'POST',
        headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'J' }),
      });
      await errorBody(json, 415, 'IMAGE_UNSUPPORTED');
      assert.equal(enrollment.enrolled.length, before, 'no bad upload reached the service');
    });

    it('lists people and erases one', async () => {
      const list = (await (await admin.fetch('/api/v1/people?limit=500')).json()) as {
        people: Person[];
        nextOffset: null;
      };
      const grace = list.people.find((p) => p.name === 'Grace Hopper');
      assert.ok(grace);
      assert.equal(list.nextOffset, null);
      await errorBody(await admin.fetch('/api/v1/people?limit=0'), 400, 'REQUEST_INVALID');
      const res = await admin.fetch(`/api/v1/people/${grace.id}`, {
        method: 'DELETE',
        headers: { 'x-csrf-token': csrf },
      });
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as Record<string, unknown>).erased, true);
      assert.deepEqual(enrollment.removed, [grace.id]);
      assert.equal(await store.getPerson(grace.id), null);
      const again = await admin.fetch(`/api/v1/people/${grace.id}`, {
        method: 'DELETE',
        headers: { 'x-csrf-token': csrf },
      });
      await errorBody(again, 404, 'STORE_NOT_FOUND');
    });

    it('answers an internal failure with a fixed message, never the detail or a stack', async () => {
      enrollment.failNext = new Error('database password is hunter2');
      const body = await errorBody(
        await upload(photosForm('Boom', [{ name: 'a.jpg', bytes: JPEG }])),
        500,
        'INTERNAL_ERROR',
      );
      assert.doesNotMatch(body.message, /hunter2/);
      const badJson = await admin.fetch('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name":',
      });
      await errorBody(badJson, 400, 'REQUEST_INVALID');
      await errorBody(await admin.fetch('/no/such/page'), 404, 'NOT_FOUND');
    });

    it('reports attendance for a day, with validation of the date', async () => {
      const ada = (await store.createPerson({ name: 'Ada Lovelace' })).person;
      const evil = (await store.createPerson({ name: '=HYPERLINK("http://evil.example","x")' })).person;
      const comma = (await store.createPerson({ name: 'Doe, "Jo"' })).person;
      const rules = { timeZone: 'UTC', cooldownS: 0 };
      await store.recordAttendance(
        makeEvent({ personId: ada.id, at: `${DAY}T08:00:00.000Z`, cameraId: 'door' }),
        rules,
      );
      await store.recordAttendance(
        makeEvent({ personId: ada.id, at: `${DAY}T17:30:00.000Z`, cameraId: 'hall' }),
        rules,
      );
      await store.recordAttendance(makeEvent({ personId: evil.id, at: `${DAY}T09:00:00.000Z` }), rules);
      await store.recordAttendance(makeEvent({ personId: comma.id, at: `${DAY}T10:00:00.000Z` }), rules);
      await store.recordAttendance(makeEvent({ personId: comma.id, at: '2025-03-11T10:00:00.000Z' }), rules);

      const res = await admin.fetch(`/api/v1/attendance?date=${DAY}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { date: string; records: Record<string, unknown>[] };
      assert.equal(body.date, DAY);
      assert.equal(body.records.length, 3);
      const [first] = body.records;
      assert.ok(first);
      assert.deepEqual(first.person, { id: ada.id, name: 'Ada Lovelace' });
      assert.equal(first.firstSeen, `${DAY}T08:00:00.000Z`);
      assert.equal(first.lastSeen, `${DAY}T17:30:00.000Z`);
      assert.equal(first.camera, 'door');
      assert.equal(first.lastCamera, 'hall');
      assert.deepEqual(
        [first.inView, first.checkIn, first.checkOut, first.sightings, first.visits, first.timePresentS],
        [false, `${DAY}T08:00:00.000Z`, `${DAY}T17:30:00.000Z`, 2, 2, 0],
        'two sightings hours apart: two visits of no length',
      );
      assert.equal((body as { timeZone?: string }).timeZone, 'UTC');

      for (const query of [
        'date=2025-02-30',
        'date=10.03.2025',
        'date=2025-03-10&date=2025-03-11',
        'date=2025-03-10&limit=5000',
      ]) {
        const error = await errorBody(
          await admin.fetch(`/api/v1/attendance?${query}`),
          400,
          'REQUEST_INVALID',
        );
        assert.match(error.message, /^(date|limit):/, query);
      }
    });

    it('exports attendance as CSV, quoted and guarded against formula injection', async () => {
      const res = await admin.fetch(`/api/v1/attendance.csv?from=${DAY}&to=2025-03-11`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
      assert.match(
        res.headers.get('content-disposition') ?? '',
        /^attachment; filename="?attendance-2025-03-10-to-2025-03-11\.csv"?$/,
      );
      const text = (await res.text()).replace(/^\uFEFF/, '');
      const lines = text.split('\r\n');
      assert.equal(
        lines[0],
        'day,person,person_id,first_seen,last_seen,first_camera,last_camera,node,sightings,corrected,' +
          'in_view,check_in,check_in_camera,check_out,check_out_camera,visits,time_present_s,time_zone',
      );
      assert.equal(lines.at(-1), '', 'every row ends with CRLF');
      assert.equal(lines.length, 1 + 4 + 1);
      assert.ok(
        lines.some((l) => l.startsWith(`${DAY},Ada Lovelace,`) && l.includes(',door,hall,node-a,2,no')),
      );
      // Times on the attendance zone's clock with its offset, and the zone named.
      assert.match(
        text,
        new RegExp(
          `\\r\\n${DAY},Ada Lovelace,[^,]+,${DAY}T08:00:00\\+00:00,${DAY}T17:30:00\\+00:00,door,hall,node-a,2,no,` +
            `no,${DAY}T08:00:00\\+00:00,door,${DAY}T17:30:00\\+00:00,hall,2,0,UTC\\r\\n`,
        ),
      );
      assert.ok(
        lines.some((l) => l.startsWith(`${DAY},"'=HYPERLINK(""http://evil.example"",""x"")",`)),
        text,
      );
      assert.ok(
        lines.some((l) => l.startsWith(`2025-03-11,"Doe, ""Jo""",`)),
        text,
      );
      assert.ok(!lines.some((l) => /,=|^=/.test(l)), 'no cell starts with =');

      const cases: [string, RegExp][] = [
        ['from=2024-01-01&to=2025-03-10', /^to: .*366 days/],
        ['from=2025-03-10&to=2025-03-09', /^to: must not be before from/],
        ['from=2025-13-01', /^from:/],
        ['to=yesterday', /^to:/],
      ];
      for (const [query, message] of cases) {
        const error = await errorBody(
          await admin.fetch(`/api/v1/attendance.csv?${query}`),
          400,
          'REQUEST_INVALID',
        );
        assert.match(error.message, message, query);
      }
    });

    it('lists recognition events in a range, with validation', async () => {
      const res = await admin.fetch(`/api/v1/events?from=${DAY}&to=${DAY}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        from: string;
        to: string;
        events: { at: string; hasCrop: boolean }[];
      };
      assert.equal(body.from, `${DAY}T00:00:00.000Z`);
      assert.equal(body.to, '2025-03-11T00:00:00.000Z');
      assert.equal(body.events.length, 4);
      assert.ok(body.events.every((e) => e.at.startsWith(DAY) && !('crop' in e)));
      const ranged = (await (
        await admin.fetch(`/api/v1/events?from=${DAY}T08:30:00Z&to=${DAY}T09:30:00%2B00:00&type=recognized`)
      ).json()) as { events: unknown[] };
      assert.equal(ranged.events.length, 1);
      const cases: [string, RegExp][] = [
        ['from=2025-03-10T08:00:00', /^from:/],
        ['from=2025-03-11&to=2025-03-10', /^to: must be after from/],
        ['from=2023-01-01&to=2025-01-01', /^to: .*366 days/],
        ['type=everything', /^type: must be one of/],
        ['offset=-1', /^offset:/],
      ];
      for (const [query, message] of cases) {
        const error = await errorBody(await admin.fetch(`/api/v1/events?${query}`), 400, 'REQUEST_INVALID');
        assert.match(error.message, message, query);
      }
    });

    it('reports the recognition nodes', async () => {
      const res = await admin.fetch('/api/v1/nodes');
      assert.equal(res.status, 200);
      const { nodes } = (await res.json()) as { nodes: Record<string, unknown>[] };
      assert.deepEqual(nodes[0], {
        address: '10.0.0.5:9999',
        nodeId: 'gate-pc',
        connected: true,
        lastHeartbeatAt: '2025-03-10T08:00:00.000Z',
        fps: 12.5,
        cameras: [{ cameraId: 'video0', fps: 12.5, droppedFrames: 3, latencyP95Ms: 120, online: true }],
        galleryVersion: 7,
        descriptorModel: 'face-api',
        outboxDepth: 2,
        uptimeS: 3600,
        clockSkewMs: 600_000,
        clockSkewed: true,
      });
      const [, offline] = nodes;
      assert.ok(offline);
      assert.equal(offline.connected, false);
      assert.equal(offline.lastHeartbeatAt, null);
      assert.equal(offline.clockSkewMs, null);
      assert.equal(offline.clockSkewed, false);
    });

    it('serves Bull Board to administrators and refuses cross-site changes to it', async () => {
      const page = await admin.fetch('/admin/queues', { headers: { accept: 'text/html' } });
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<div id="root">/);
      // Offline: no Google Fonts (nor any other host) in the page, and the browser may not fetch any.
      assert.doesNotMatch(html, /fonts\.googleapis|(href|src)="(https?:)?\/\//);
      assert.match(page.headers.get('content-security-policy') ?? '', /font-src 'self' data:;/);
      assert.match(
        page.headers.get('content-security-policy') ?? '',
        /style-src 'self' 'unsafe-inline'(;|$)/,
      );
      assert.match(html, /"miscLinks":\[\{"text":"Back to Rollcall","url":"\/"\}\]/);
      const api = await admin.fetch('/admin/queues/api/queues');
      assert.equal(api.status, 200);
      assert.match(await api.text(), /rollcall/);
      const change = await admin.fetch('/admin/queues/api/queues/rollcall/pause', { method: 'PUT' });
      await errorBody(change, 403, 'CSRF_INVALID');
      const foreign = await admin.fetch('/admin/queues/api/queues/rollcall/pause', {
        method: 'PUT',
        headers: { origin: 'http://evil.example' },
      });
      await errorBody(foreign, 403, 'CSRF_INVALID');
    });

    it("leaves a failed job's stack trace out of Bull Board, which shows why it failed instead", async () => {
      const { queue } = jobs;
      // Taken first (lifo) by a worker that only takes it, and failed by hand as a handler would.
      const added = await queue.add('stack-trace-probe', {}, { lifo: true });
      const worker = new Worker(queue.name, null, {
        connection: queue.opts.connection,
        prefix: queue.opts.prefix,
        autorun: false,
      });
      try {
        const token = randomUUID();
        const job = await worker.getNextJob(token);
        assert.equal(job?.id, added.id);
        await job?.moveToFailed(new Error('the photo shows no face'), token);
      } finally {
        await worker.close();
      }
      try {
        const failed = await queue.getJob(added.id ?? '');
        assert.ok((failed?.stacktrace?.length ?? 0) > 0, 'BullMQ kept a stack trace to hide');
        const one = await admin.fetch(`/admin/queues/api/queues/rollcall/${added.id ?? ''}`);
        assert.equal(one.status, 200);
        const { job } = (await one.json()) as { job: { stacktrace: unknown; failedReason: string } };
        assert.deepEqual(job.stacktrace, []);
        assert.equal(job.failedReason, 'the photo shows no face');
        const list = await admin.fetch('/admin/queues/api/queues?activeQueue=rollcall&status=failed');
        assert.equal(list.status, 200);
        const text = await list.text();
        assert.match(text, /the photo shows no face/);
        assert.doesNotMatch(text, /\bat .*\.js:\d+/, 'no stack frame in the queue list');
      } finally {
        await queue.remove(added.id ?? '');
      }
    });

    function sendJson(method: string, url: string, body: unknown): Promise<Response> {
      return admin.fetch(url, {
        method,
        headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    }

    it('lists unknown faces newest first with their crops, and validates assignments', async () => {
      const older = await store.recordUnknownFace(
        makeEvent({
          type: 'unknown',
          personId: null,
          cameraId: 'hall',
          at: '2025-03-10T08:00:00.000Z',
          crop: JPEG,
        }),
      );
      const newer = await store.recordUnknownFace(
        makeEvent({
          type: 'unknown',
          personId: null,
          cameraId: 'door',
          at: '2025-03-10T09:00:00.000Z',
          crop: JPEG,
        }),
      );
      const list = (await (await admin.fetch('/api/v1/unknown-faces?status=open')).json()) as {
        faces: { id: string; cameraId: string; nodeId: string; status: string; hasCrop: boolean }[];
      };
      assert.deepEqual(
        list.faces.map((f) => [f.id, f.cameraId, f.nodeId, f.status, f.hasCrop]),
        [
          [newer.face.id, 'door', 'node-a', 'open', true],
          [older.face.id, 'hall', 'node-a', 'open', true],
        ],
      );
      const crop = await admin.fetch(`/api/v1/unknown-faces/${newer.face.id}/crop.jpg`);
      assert.equal(crop.status, 200);
      assert.equal(crop.headers.get('content-type'), 'image/jpeg');
      assert.deepEqual(Buffer.from(await crop.arrayBuffer()), JPEG);
      await errorBody(await admin.fetch('/api/v1/unknown-faces/nope/crop.jpg'), 404, 'NOT_FOUND');
      await errorBody(await admin.fetch('/api/v1/unknown-faces?status=lost'), 400, 'REQUEST_INVALID');

      const url = `/api/v1/unknown-faces/${newer.face.id}/assign`;
      const refusals: [unknown, number, string, RegExp][] = [
        [{}, 400, 'REQUEST_INVALID', /personId or name/],
        [{ name: 'X', personId: 'p' }, 400, 'REQUEST_INVALID', /not both/],
        [{ name: '   ' }, 400, 'REQUEST_INVALID', /^name: /],
        [{ name: 42 }, 400, 'REQUEST_INVALID', /^name: /],
        [{ personId: 'no such person' }, 400, 'REQUEST_INVALID', /^personId: /],
        [{ personId: 'nobody' }, 404, 'NOT_FOUND', /no person/],
        [['Eve'], 400, 'REQUEST_INVALID', /JSON object/],
      ];
      for (const [body, status, code, message] of refusals) {
        assert.match((await errorBody(await sendJson('POST', url, body), status, code)).message, message);
      }
      await errorBody(
        await sendJson('POST', '/api/v1/unknown-faces/%20bad/assign', { name: 'X' }),
        400,
        'REQUEST_INVALID',
      );
      await errorBody(
        await sendJson('POST', '/api/v1/unknown-faces/missing/assign', { name: 'X' }),
        404,
        'NOT_FOUND',
      );
      assert.equal((await store.getUnknownFace(newer.face.id))?.status, 'open', 'refusals changed nothing');

      const before = enrollment.enrolled.length;
      // A name nobody has is a new person only when asked for: a typo never enrolls a stranger.
      await errorBody(await sendJson('POST', url, { name: 'Hedy Lamarr' }), 422, 'PERSON_NAME_UNKNOWN');
      const assigned = await sendJson('POST', url, { name: 'Hedy Lamarr', createPerson: true });
      assert.equal(assigned.status, 202);
      const body = (await assigned.json()) as {
        face: { status: string; assignedPersonId: string; assignedPersonName: string };
        person: Person;
        jobId: string;
      };
      assert.equal(body.face.status, 'assigned');
      assert.equal(body.face.assignedPersonName, 'Hedy Lamarr');
      assert.equal(body.face.assignedPersonId, body.person.id);
      assert.equal(assigned.headers.get('location'), `/api/v1/jobs/${encodeURIComponent(body.jobId)}`);
      // The crop became the person's enrollment photo, and training was queued for it.
      assert.equal(enrollment.enrolled.length, before + 1);
      assert.deepEqual(enrollment.enrolled.at(-1)?.sizes, [JPEG.length]);
      const photos = await store.listPhotos(body.person.id);
      assert.equal(photos.length, 1);
      assert.deepEqual(Buffer.from((await store.getPhotoBytes(photos[0]?.id ?? '')) ?? []), JPEG);
      assert.equal((await jobs.getJob(body.jobId))?.name, JobName.TrainPerson);
      assert.match(
        (await errorBody(await sendJson('POST', url, { name: 'Again' }), 409, 'STORE_CONFLICT')).message,
        /already assigned/,
      );

      // Assigning to someone enrolled adds the photo to them.
      const third = await store.recordUnknownFace(makeEvent({ type: 'unknown', personId: null, crop: JPEG }));
      const toExisting = await sendJson('POST', `/api/v1/unknown-faces/${third.face.id}/assign`, {
        personId: body.person.id,
      });
      assert.equal(toExisting.status, 202);
      assert.equal((await store.listPhotos(body.person.id)).length, 2);

      const dismissed = await sendJson('POST', `/api/v1/unknown-faces/${older.face.id}/dismiss`, {});
      assert.equal(dismissed.status, 200);
      assert.equal(((await dismissed.json()) as { face: { status: string } }).face.status, 'dismissed');
      assert.equal((await store.getUnknownFace(older.face.id))?.status, 'dismissed');
      await errorBody(
        await sendJson('POST', `/api/v1/unknown-faces/${older.face.id}/dismiss`, {}),
        409,
        'STORE_CONFLICT',
      );
      const open = (await (await admin.fetch('/api/v1/unknown-faces?status=open')).json()) as {
        faces: unknown[];
      };
      assert.equal(open.faces.length, 0);
    });

    it('validates and saves settings, and applies retention at once', async () => {
      const initial = (await (await admin.fetch('/api/v1/settings')).json()) as { settings: unknown };
      assert.deepEqual(initial.settings, SETTINGS);
      // Each field is named by its label on the Settings page, in words an administrator knows.
      const refusals: [unknown, RegExp][] = [
        [
          { matchThreshold: 0.7, unknownThreshold: 0.6 },
          /^Unknown from: must be at least the match distance \(0\.7\)$/,
        ],
        [{ matchThreshold: null }, /^Match distance: fill in both distances, or leave both empty/],
        [{ timeZone: 'Mars/Olympus' }, /^Time zone: is not a time zone: pick one from the list/],
        [{ timeZone: 42 }, /^Time zone: must be text$/],
        [{ consensusFrames: 2.5 }, /^Frames that must agree: must be a whole number$/],
        [{ consensusFrames: '3' }, /^Frames that must agree: must be a number$/],
        [{ unknownThreshold: 'far' }, /^Unknown from: must be a number, or empty$/],
        [{ strangerRateTarget: 0 }, /^Stranger rate: must be at least 0\.0001 \(0\.01%/],
        [{ retentionDays: 0 }, /^Days to keep face pictures: must be at least 1 day$/],
        [
          { retentionDays: 0, sightingIntervalS: 0 },
          /^Seconds between sightings: must be at least 1 second; Days to keep face pictures: must be at least 1 day$/,
        ],
        [{ colour: 'blue' }, /^colour: not a setting Rollcall knows$/],
        // A bare JSON value is not an object of settings; the JSON parser refuses it.
        ['0.5', /not valid JSON/],
        [[1], /JSON object/],
      ];
      for (const [body, message] of refusals) {
        const refused = await errorBody(
          await sendJson('PUT', '/api/v1/settings', body),
          400,
          'REQUEST_INVALID',
        );
        assert.match(refused.message, message);
      }
      assert.equal(await store.getSetting('web.settings'), null, 'refusals saved nothing');

      // An open unknown face older than the retention period is dismissed and its crop dropped.
      const stale = await store.recordUnknownFace(
        makeEvent({ type: 'unknown', personId: null, at: '2020-01-01T00:00:00.000Z', crop: JPEG }),
      );
      const saved = await sendJson('PUT', '/api/v1/settings', {
        matchThreshold: 0.5,
        unknownThreshold: 0.58,
        consensusFrames: 4,
        retentionDays: 90,
      });
      assert.equal(saved.status, 200);
      const expected = {
        ...SETTINGS,
        matchThreshold: 0.5,
        unknownThreshold: 0.58,
        consensusFrames: 4,
        retentionDays: 90,
      };
      assert.deepEqual(await saved.json(), { settings: expected, pushedTo: 0, calibration: null });
      assert.deepEqual((await store.getSetting('web.settings'))?.value, expected);
      assert.deepEqual(
        ((await (await admin.fetch('/api/v1/settings')).json()) as { settings: unknown }).settings,
        expected,
      );
      assert.equal((await store.getUnknownFace(stale.face.id))?.status, 'dismissed');
      assert.equal(await store.getUnknownFaceCrop(stale.face.id), null);
      await sendJson('PUT', '/api/v1/settings', SETTINGS);
      assert.deepEqual(settings.current(), SETTINGS);
    });

    it('puts the defaults back on reset, over whatever was saved, and refuses a reset without the CSRF token', async () => {
      const changed = await sendJson('PUT', '/api/v1/settings', {
        matchThreshold: null,
        unknownThreshold: null,
        strangerRateTarget: 0.002,
        timeZone: 'Europe/Berlin',
        retentionDays: 7,
      });
      assert.equal(changed.status, 200);
      assert.equal(settings.current().timeZone, 'Europe/Berlin');
      const forged = await admin.fetch('/api/v1/settings/reset', { method: 'POST' });
      await errorBody(forged, 403, 'CSRF_INVALID');
      assert.equal(settings.current().timeZone, 'Europe/Berlin', 'a refused reset changes nothing');

      const reset = await sendJson('POST', '/api/v1/settings/reset', {});
      assert.equal(reset.status, 200);
      assert.deepEqual(await reset.json(), { settings: SETTINGS, pushedTo: 0, calibration: null });
      assert.deepEqual(settings.current(), SETTINGS);
      assert.deepEqual((await store.getSetting('web.settings'))?.value, SETTINGS);
      assert.deepEqual(
        ((await (await admin.fetch('/api/v1/settings')).json()) as { settings: unknown }).settings,
        SETTINGS,
      );
    });

    it('manages users: add, change role, reset password, delete, tokens; never zero admins or oneself', async () => {
      const listed = (await (await admin.fetch('/api/v1/users')).json()) as {
        users: { name: string; role: string; passwordHash?: string }[];
      };
      assert.ok(listed.users.some((u) => u.name === ADMIN.name && u.role === 'admin'));
      assert.ok(
        listed.users.every((u) => u.passwordHash === undefined),
        'never the password hash',
      );

      const refusals: [unknown, number, string, RegExp][] = [
        [
          { name: 'Dora', password: 'short', role: 'viewer' },
          400,
          'REQUEST_INVALID',
          /^password: .*at least 10/,
        ],
        [{ name: 'Dora', role: 'viewer' }, 400, 'REQUEST_INVALID', /^password: /],
        [
          { name: 'Dora', password: 'dora password 1', role: 'owner' },
          400,
          'REQUEST_INVALID',
          /^role: must be one of admin, viewer/,
        ],
        [{ password: 'dora password 1', role: 'viewer' }, 400, 'REQUEST_INVALID', /^name: /],
        [
          { name: ADMIN.name.toLowerCase(), password: 'dora password 1', role: 'viewer' },
          409,
          'STORE_CONFLICT',
          /already exists/,
        ],
      ];
      for (const [body, status, code, message] of refusals) {
        assert.match(
          (await errorBody(await sendJson('POST', '/api/v1/users', body), status, code)).message,
          message,
        );
      }
      const created = await sendJson('POST', '/api/v1/users', {
        name: 'Dora',
        password: 'dora password 1',
        role: 'viewer',
      });
      assert.equal(created.status, 201);
      const dora = ((await created.json()) as { user: { id: string; role: string } }).user;
      assert.equal(dora.role, 'viewer');
      const doraBrowser = new Browser(base);
      await doraBrowser.signIn('Dora', 'dora password 1');

      // The only administrator cannot make themselves a viewer, nor delete themselves.
      const me = await store.getUserByName(ADMIN.name);
      assert.ok(me);
      assert.match(
        (
          await errorBody(
            await sendJson('PATCH', `/api/v1/users/${me.id}`, { role: 'viewer' }),
            409,
            'STORE_CONFLICT',
          )
        ).message,
        /without an administrator/,
      );
      assert.match(
        (await errorBody(await sendJson('DELETE', `/api/v1/users/${me.id}`, {}), 409, 'STORE_CONFLICT'))
          .message,
        /your own account/,
      );
      assert.equal((await store.getUser(me.id))?.role, 'admin');

      const promoted = await sendJson('PATCH', `/api/v1/users/${dora.id}`, { role: 'admin' });
      assert.equal(promoted.status, 200);
      assert.equal((await store.getUser(dora.id))?.role, 'admin');
      // The role acts at once on Dora's existing session.
      assert.equal((await doraBrowser.fetch('/api/v1/settings')).status, 200);
      await errorBody(await sendJson('PATCH', `/api/v1/users/${dora.id}`, {}), 400, 'REQUEST_INVALID');
      await errorBody(
        await sendJson('PATCH', `/api/v1/users/${dora.id}`, { password: 'tiny' }),
        400,
        'REQUEST_INVALID',
      );
      await errorBody(await sendJson('PATCH', '/api/v1/users/nobody', { role: 'admin' }), 404, 'NOT_FOUND');
      const reset = await sendJson('PATCH', `/api/v1/users/${dora.id}`, {
        password: 'dora new password',
        role: 'viewer',
      });
      assert.equal(reset.status, 200);
      const again = new Browser(base);
      const _csrf = await again.formToken('/login');
      assert.equal(
        (await again.postForm('/login', { name: 'Dora', password: 'dora password 1', _csrf })).status,
        401,
      );
      await again.signIn('Dora', 'dora new password');

      const raw = generateApiToken();
      const token = await store.createApiToken({
        userId: dora.id,
        name: 'kiosk',
        tokenHash: hashApiToken(raw),
      });
      const tokens = (await (await admin.fetch(`/api/v1/users/${dora.id}/tokens`)).json()) as {
        tokens: { id: string; name: string; revoked: boolean; tokenHash?: string }[];
      };
      assert.deepEqual(
        tokens.tokens.map((t) => [t.id, t.name, t.revoked, t.tokenHash]),
        [[token.id, 'kiosk', false, undefined]],
      );
      const bearer = { authorization: `Bearer ${raw}` };
      assert.equal((await fetch(`${base}/api/v1/session`, { headers: bearer })).status, 200);
      await errorBody(
        await sendJson('DELETE', `/api/v1/users/${me.id}/tokens/${token.id}`, {}),
        404,
        'NOT_FOUND',
      );
      const revoked = await sendJson('DELETE', `/api/v1/users/${dora.id}/tokens/${token.id}`, {});
      assert.equal(revoked.status, 200);
      assert.equal((await fetch(`${base}/api/v1/session`, { headers: bearer })).status, 401);

      const deleted = await sendJson('DELETE', `/api/v1/users/${dora.id}`, {});
      assert.deepEqual(await deleted.json(), { id: dora.id, deleted: true });
      assert.equal(await store.getUser(dora.id), null);
      // Her session ends with her account.
      await errorBody(await again.fetch('/api/v1/session'), 401, 'UNAUTHENTICATED');
      await errorBody(await sendJson('DELETE', `/api/v1/users/${dora.id}`, {}), 404, 'NOT_FOUND');
    });

    it('creates API tokens in the API: the secret answered once, listed without it, revocable', async () => {
      const me = await store.getUserByName(ADMIN.name);
      assert.ok(me);
      const otto = await store.createUser({
        name: 'Otto',
        role: 'viewer',
        passwordHash: await hashPassword('otto password 1'),
      });
      const tokensUrl = `/api/v1/users/${otto.id}/tokens`;

      const created = await sendJson('POST', tokensUrl, { name: '  door kiosk ' });
      assert.equal(created.status, 201);
      const body = (await created.json()) as {
        token: Record<string, unknown> & { id: string };
        secret: string;
      };
      assert.deepEqual(Object.keys(body.token).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'revoked']);
      assert.equal(body.token.name, 'door kiosk');
      assert.equal(body.token.lastUsedAt, null);
      assert.match(body.secret, /^rc_[A-Za-z0-9_-]{43}$/);
      const stored = (await store.listApiTokens(otto.id))[0];
      assert.equal(stored?.tokenHash, hashApiToken(body.secret), 'only the hash is stored');

      // The token acts as Otto: a viewer sees attendance, not people.
      const bearer = { authorization: `Bearer ${body.secret}` };
      assert.equal((await fetch(`${base}/api/v1/attendance`, { headers: bearer })).status, 200);
      await errorBody(await fetch(`${base}/api/v1/people`, { headers: bearer }), 403, 'FORBIDDEN');

      const listed = await admin.fetch(tokensUrl);
      assert.equal(listed.status, 200);
      const listText = await listed.text();
      assert.ok(!listText.includes(body.secret), 'the list never shows the secret');
      assert.ok(!listText.includes(hashApiToken(body.secret)), 'nor its hash');
      const { tokens } = JSON.parse(listText) as {
        tokens: { id: string; name: string; lastUsedAt: string | null }[];
      };
      assert.deepEqual(
        tokens.map((t) => [t.id, t.name]),
        [[body.token.id, 'door kiosk']],
      );
      assert.notEqual(tokens[0]?.lastUsedAt, null, 'last use recorded');

      const refusals: [string, unknown, number, string, RegExp][] = [
        [tokensUrl, {}, 400, 'REQUEST_INVALID', /^name: the token needs a name/],
        [tokensUrl, { name: 'DOOR KIOSK' }, 409, 'STORE_CONFLICT', /already has a token named/],
        ['/api/v1/users/nobody/tokens', { name: 'x' }, 404, 'NOT_FOUND', /no user with id nobody/],
      ];
      for (const [url, payload, status, code, message] of refusals) {
        assert.match((await errorBody(await sendJson('POST', url, payload), status, code)).message, message);
      }

      // Admin only: a viewer, by session or by token, cannot make or see tokens.
      const viewer = new Browser(base);
      const viewerCsrf = await viewer.signIn(VIEWER.name, VIEWER.password);
      await errorBody(
        await viewer.fetch(tokensUrl, {
          method: 'POST',
          headers: { 'x-csrf-token': viewerCsrf, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'sneaky' }),
        }),
        403,
        'FORBIDDEN',
      );
      await errorBody(await viewer.fetch(tokensUrl), 403, 'FORBIDDEN');
      await errorBody(
        await fetch(`${base}${tokensUrl}`, {
          method: 'POST',
          headers: { ...bearer, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'self-made' }),
        }),
        403,
        'FORBIDDEN',
      );
      assert.equal((await store.listApiTokens(otto.id)).length, 1);

      // Another user's token id is not found under this user.
      await errorBody(
        await sendJson('DELETE', `/api/v1/users/${me.id}/tokens/${body.token.id}`, {}),
        404,
        'NOT_FOUND',
      );
      const revoked = await sendJson('DELETE', `${tokensUrl}/${body.token.id}`, {});
      assert.equal(revoked.status, 200);
      assert.equal(((await revoked.json()) as { token: { revoked: boolean } }).token.revoked, true);
      await errorBody(await fetch(`${base}/api/v1/attendance`, { headers: bearer }), 401, 'UNAUTHENTICATED');

      await store.updateUser(otto.id, { disabled: true });
      assert.match(
        (await errorBody(await sendJson('POST', tokensUrl, { name: 'later' }), 409, 'STORE_CONFLICT'))
          .message,
        /Otto is disabled/,
      );
      await store.deleteUser(otto.id);
    });

    it('corrects attendance by hand with a reason, shown in the list and the CSV', async () => {
      const { person } = await store.createPerson({ name: 'Katherine Johnson' });
      const url = '/api/v1/attendance/corrections';
      const good = {
        personId: person.id,
        day: DAY,
        present: true,
        checkIn: '09:15',
        checkOut: '16:45',
        reason: 'badge at the side door',
      };
      const refusals: [unknown, number, string, RegExp][] = [
        [{ ...good, reason: ' ' }, 400, 'REQUEST_INVALID', /^reason: /],
        [{ ...good, day: '2025-02-30' }, 400, 'REQUEST_INVALID', /^day: /],
        [{ ...good, present: 'yes' }, 400, 'REQUEST_INVALID', /^present: /],
        [{ ...good, checkIn: '9am' }, 400, 'REQUEST_INVALID', /^checkIn: .*HH:MM/],
        [{ ...good, checkIn: '17:00' }, 400, 'REQUEST_INVALID', /^checkOut: must not be before/],
        [{ ...good, personId: undefined }, 400, 'REQUEST_INVALID', /^personId: /],
        [{ ...good, personId: 'nobody' }, 404, 'STORE_NOT_FOUND', /no person/],
        [{ ...good, present: false, day: '2025-03-11' }, 404, 'STORE_NOT_FOUND', /no attendance/],
      ];
      for (const [body, status, code, message] of refusals) {
        assert.match((await errorBody(await sendJson('POST', url, body), status, code)).message, message);
      }
      const made = await sendJson('POST', url, good);
      assert.equal(made.status, 201);
      const day = (await (await admin.fetch(`/api/v1/attendance?date=${DAY}`)).json()) as {
        records: { person: { name: string }; firstSeen: string; lastSeen: string; corrected: boolean }[];
      };
      const record = day.records.find((r) => r.person.name === 'Katherine Johnson');
      assert.deepEqual(record && [record.firstSeen, record.lastSeen, record.corrected], [
        `${DAY}T09:15:00.000Z`,
        `${DAY}T16:45:00.000Z`,
        true,
      ]);
      const csv = await (await admin.fetch(`/api/v1/attendance.csv?from=${DAY}`)).text();
      assert.match(
        csv,
        new RegExp(
          `${DAY},Katherine Johnson,${person.id},${DAY}T09:15:00\\+00:00,${DAY}T16:45:00\\+00:00,.*,yes,no,.*\\r\\n`,
        ),
      );

      const absent = await sendJson('POST', url, {
        personId: person.id,
        day: DAY,
        present: false,
        reason: 'was on leave',
      });
      assert.equal(absent.status, 201);
      const after = (await (await admin.fetch(`/api/v1/attendance?date=${DAY}`)).json()) as {
        records: { person: { name: string } }[];
      };
      assert.ok(!after.records.some((r) => r.person.name === 'Katherine Johnson'));
      const listed = (await (await admin.fetch(`/api/v1/attendance/corrections?date=${DAY}`)).json()) as {
        corrections: {
          person: { name: string };
          reason: string;
          present: boolean;
          by: string;
          firstSeen: string | null;
        }[];
      };
      assert.deepEqual(
        listed.corrections.map((c) => [c.person.name, c.present, c.reason, c.by, c.firstSeen]),
        [
          ['Katherine Johnson', true, 'badge at the side door', ADMIN.name, `${DAY}T09:15:00.000Z`],
          ['Katherine Johnson', false, 'was on leave', ADMIN.name, null],
        ],
      );
    });

    it('escapes what users typed in the pages it renders', async () => {
      const browser = new Browser(base);
      const _csrf = await browser.formToken('/login');
      const res = await browser.postForm('/login', {
        name: '<script>alert(1)</script>',
        password: 'nope nope nope',
        _csrf,
      });
      const html = await res.text();
      assert.doesNotMatch(html, /<script>alert/);
      assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    });
  });

  describe('accounts from the command line', () => {
    const env = (): Record<string, string> => ({ DATA_DIR: dataDir, LOG_LEVEL: 'fatal' });

    /** The command through the real `rollcall` binary when main.ts wires it, else its module in a child. */
    async function rollcall(
      args: string[],
      stdin = '',
    ): Promise<{ code: number; stdout: string; stderr: string }> {
      const wired = (await runCli(['help'])).stdout.includes('user add');
      const child = wired
        ? spawn(process.execPath, [ROLLCALL_BIN, ...args], { env: { ...process.env, ...env() } })
        : spawn(
            process.execPath,
            [
              '--input-type=module',
              '-e',
              `import { loadConfig } from ${JSON.stringify(new URL('../../config.js', import.meta.url).href)};
               import * as users from ${JSON.stringify(new URL('../../src/cli/users.command.js', import.meta.url).href)};
               const [command, name, ...flags] = JSON.parse(process.env.ROLLCALL_ARGS);
               const role = flags[flags.indexOf('--role') + 1];
               try {
                 process.exitCode = command === 'user'
                   ? await users.runUserAdd(loadConfig(), { name, role, passwordStdin: flags.includes('--password-stdin') })
                   : await users.runTokenCreate(loadConfig(), { name });
               } catch (error) {
                 process.stderr.write('rollcall: ' + error.message + '\\n');
                 process.exitCode = error.code === 'USAGE_INVALID' ? 2 : 1;
               }`,
            ],
            { env: { ...process.env, ...env(), ROLLCALL_ARGS: JSON.stringify([args[0], ...args.slice(2)]) } },
          );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdin.end(stdin);
      const code = await new Promise<number>((resolve) =>
        child.on('close', (c) => {
          resolve(c ?? 1);
        }),
      );
      return { code, stdout, stderr };
    }

    it('adds a user with --password-stdin who can then sign in', async () => {
      const short = await rollcall(
        ['user', 'add', 'Carol', '--role', 'admin', '--password-stdin'],
        'short\n',
      );
      assert.equal(short.code, 2, short.stderr);
      assert.match(short.stderr, /at least 10 characters/);
      const added = await rollcall(
        ['user', 'add', 'Carol', '--role', 'viewer', '--password-stdin'],
        'carol password 1\n',
      );
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, /created viewer "Carol"/);
      const again = await rollcall(
        ['user', 'add', 'carol', '--role', 'viewer', '--password-stdin'],
        'carol password 1\n',
      );
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already exists/);
      const carol = await store.getUserByName('Carol');
      assert.match(carol?.passwordHash ?? '', /^scrypt\$32768\$8\$1\$/);
      const browser = new Browser(base);
      await browser.signIn('Carol', 'carol password 1');
      const session = (await (await browser.fetch('/api/v1/session')).json()) as { user: { role: string } };
      assert.equal(session.user.role, 'viewer');
    });

    it('creates an API token that works, and stores only its hash', async () => {
      const created = await rollcall(['token', 'create', ADMIN.name]);
      assert.equal(created.code, 0, created.stderr);
      const token = created.stdout.trim();
      assert.match(token, /^rc_[A-Za-z0-9_-]{43}$/);
      assert.match(created.stderr, /shown only this once/);
      const admin = await store.getUserByName(ADMIN.name);
      const tokens = await store.listApiTokens(admin?.id ?? '');
      assert.ok(tokens.some((t) => t.tokenHash === hashApiToken(token)));
      assert.ok(!JSON.stringify(tokens).includes(token));
      const res = await fetch(`${base}/api/v1/nodes`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      const missing = await rollcall(['token', 'create', 'nobody']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no user named "nobody"/);
    });
  });
});

describe('session secret', () => {
  it('is made once under DATA_DIR with mode 0600, then reused', async () => {
    const dir = await tempDir('secret');
    try {
      const first = await loadSessionSecret(path.join(dir, 'data'));
      assert.ok(first.length >= 32);
      const file = path.join(dir, 'data', 'session-secret');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal(await loadSessionSecret(path.join(dir, 'data')), first);
      assert.equal((await readFile(file, 'utf8')).trim(), first);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a web server whose options are wrong, naming every bad option', () => {
    const server = new WebServer({} as never, {
      port: 70000,
      sessionSecret: 'x'.repeat(40),
      loginAttempts: 0,
    });
    return assert.rejects(server.start(), {
      code: ErrorCode.UsageInvalid,
      message:
        'WebApp: option port must be a whole number from 0 to 65535 (got 70000); ' +
        'WebApp: option loginAttempts must be a whole number of at least 1 (got 0)',
    });
  });
});
