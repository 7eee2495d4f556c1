/**
 * The pages and the live socket over real HTTP and WebSocket, without a browser: a real SQLite
 * store, a private Redis, a JobQueue, and a frame feed the test drives. What a browser would get:
 * escaped names, the navigation a role may see, the refusals, and frames newest-first for a slow
 * viewer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import type { FrameMetadata } from '../../src/core/index.js';
import { JobQueue, PrivateRedis } from '../../src/queues/index.js';
import { SqliteStore, type Store } from '../../src/store/index.js';
import {
  LIVE_SOCKET_PATH,
  WebServer,
  type EnrollmentPort,
  type FrameListener,
  type FrameNode,
} from '../../src/web/index.js';
import { hashPassword } from '../../src/shared/index.js';
import { SettingsService, UnknownFaceService } from '../../src/services/index.js';
import { tempDir } from '../support/temp.js';

const ADMIN = { name: '<b>Ada</b> & "co"', password: 'correct horse battery' };
const VIEWER = { name: 'Vic Viewer', password: 'viewer password 1' };
const SETTINGS = {
  strangerRateTarget: 0.01,
  matchThreshold: 0.55,
  unknownThreshold: 0.6,
  consensusFrames: 3,
  sightingIntervalS: 10,
  timeZone: 'UTC',
  retentionDays: 30,
};
const sessionPrefix = `${randomUUID()}:`;
const NODE: FrameNode = { address: '10.0.0.5:9999', nodeId: 'camera-pc' };

const unusedEnrollment: EnrollmentPort = {
  enroll: () => Promise.reject(new Error('not used here')),
  addPhotosTo: () => Promise.reject(new Error('not used here')),
  update: () => Promise.reject(new Error('not used here')),
  removePhoto: () => Promise.reject(new Error('not used here')),
  remove: () => Promise.reject(new Error('not used here')),
};

function metadata(seq: number, personId: string | null): FrameMetadata {
  return {
    cameraId: 'door',
    seq,
    capturedAt: Date.now(),
    width: 640,
    height: 480,
    faces: [
      {
        trackId: 'door-1',
        box: { x: 1, y: 2, width: 30, height: 40 },
        state: personId ? 'named' : 'unknown',
        personId,
        distance: 0.3,
      },
    ],
    latencyMs: 42,
  };
}

/** The JSON header of a binary live-frame message. */
function frameHeader(data: Buffer): { key: string; metadata: FrameMetadata; names: Record<string, string> } {
  const length = data.readUInt32BE(0);
  return JSON.parse(data.subarray(4, 4 + length).toString('utf8')) as {
    key: string;
    metadata: FrameMetadata;
    names: Record<string, string>;
  };
}

describe('web pages and the live socket', () => {
  const feed = new EventEmitter<{ frame: Parameters<FrameListener> }>();
  let redis: PrivateRedis;
  let store: Store;
  let jobs: JobQueue;
  let server: WebServer;
  let base: string;
  let host: string;

  before(async () => {
    const dataDir = await tempDir('web-pages');
    redis = await PrivateRedis.start({ dataDir });
    store = await SqliteStore.open({ dataDir });
    jobs = await JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() });
    server = new WebServer(
      {
        store,
        jobs,
        enrollment: unusedEnrollment,
        unknownFaces: new UnknownFaceService({
          store,
          enrollment: {
            create: () => Promise.reject(new Error('not used here')),
            addPhotos: () => Promise.reject(new Error('not used here')),
          },
        }),
        settings: new SettingsService({ store, defaults: SETTINGS, targets: () => [] }),
        nodes: () => [],
        frames: (listener) => {
          feed.on('frame', listener);
          return () => feed.off('frame', listener);
        },
        redisUrl: redis.url,
      },
      {
        port: 0,
        host: '127.0.0.1',
        sessionSecret: randomUUID() + randomUUID(),
        sessionPrefix,
        live: { maxBufferedBytes: 64 * 1024, recheckMs: 200 },
      },
    );
    const { port } = await server.start();
    host = `127.0.0.1:${port}`;
    base = `http://${host}`;
    await store.createUser({
      name: ADMIN.name,
      role: 'admin',
      passwordHash: await hashPassword(ADMIN.password),
    });
    await store.createUser({
      name: VIEWER.name,
      role: 'viewer',
      passwordHash: await hashPassword(VIEWER.password),
    });
  });

  after(async () => {
    await server.close();
    await jobs.close();
    await store.close();
    await redis.close();
  });

  /** Signs in through the form; returns the session cookie. */
  async function signIn(user: { name: string; password: string }): Promise<string> {
    const login = await fetch(`${base}/login`);
    const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? '';
    const res = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie },
      body: new URLSearchParams({ name: user.name, password: user.password, _csrf: csrf }),
    });
    assert.equal(res.status, 303);
    return (res.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  }

  async function page(url: string, cookie: string): Promise<{ status: number; html: string }> {
    const res = await fetch(base + url, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
    return { status: res.status, html: await res.text() };
  }

  it('shows an admin every page, with their name escaped', async () => {
    const cookie = await signIn(ADMIN);
    for (const url of [
      '/',
      '/live',
      '/attendance',
      '/people',
      '/nodes',
      '/unknown-faces',
      '/settings',
      '/users',
    ]) {
      const { status, html } = await page(url, cookie);
      assert.equal(status, 200, url);
      assert.match(html, /&lt;b&gt;Ada&lt;\/b&gt; &amp; &quot;co&quot; \(admin\)/, url);
      assert.doesNotMatch(html, /<b>Ada/, url);
      for (const link of [
        '/live',
        '/attendance',
        '/people',
        '/nodes',
        '/unknown-faces',
        '/settings',
        '/users',
        '/groups',
        '/jobs',
      ]) {
        assert.ok(html.includes(`href="${link}"`), `${url} links ${link}`);
      }
      assert.doesNotMatch(html, /<script>/, `${url} has no inline script`);
    }
    const attendance = await page('/attendance', cookie);
    const today = new Date().toISOString().slice(0, 10);
    assert.match(attendance.html, new RegExp(`id="from" name="from" type="date" value="${today}"`));
    assert.match(attendance.html, new RegExp(`/api/v1/attendance.csv\\?from=${today}&amp;to=${today}`));
  });

  it("hides the admin pages from a viewer's navigation and refuses them", async () => {
    const cookie = await signIn(VIEWER);
    const home = await page('/', cookie);
    assert.match(home.html, /Vic Viewer \(viewer\)/);
    for (const link of ['/people', '/nodes', '/unknown-faces', '/settings', '/users', '/admin/queues'])
      assert.ok(!home.html.includes(`href="${link}"`), link);
    for (const url of ['/people', '/nodes', '/unknown-faces', '/settings', '/users']) {
      const { status, html } = await page(url, cookie);
      assert.equal(status, 403, url);
      assert.match(html, /needs the admin role/);
    }
    const attendance = await page('/attendance', cookie);
    assert.equal(attendance.status, 200);
    assert.ok(attendance.html.includes('id="corrections"'), 'viewers see corrections');
    assert.ok(!attendance.html.includes('id="correct"'), 'but get no form to make one');
    assert.equal((await page('/live', cookie)).status, 200);
  });

  it('redirects signed-out browsers to the sign-in page and serves the scripts', async () => {
    for (const url of [
      '/live',
      '/attendance',
      '/people',
      '/nodes',
      '/unknown-faces',
      '/settings',
      '/users',
    ]) {
      const res = await page(url, '');
      assert.equal(res.status, 303, url);
    }
    const script = await fetch(`${base}/assets/live.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(await script.text(), /new WebSocket/);
    for (const name of ['unknown-faces', 'settings', 'users', 'people', 'attendance']) {
      assert.equal((await fetch(`${base}/assets/${name}.js`)).status, 200, name);
    }
    assert.equal((await fetch(`${base}/assets/nope.js`)).status, 404);
    assert.equal((await fetch(`${base}/assets/constructor.js`)).status, 404);
    // The pages' one stylesheet is our own: no inline style is allowed.
    const login = await fetch(`${base}/login`);
    assert.match(login.headers.get('content-security-policy') ?? '', /style-src 'self'(;|$)/);
    // Bull Board's page sets its own policy (inline styles, this host only) once an admin is signed
    // in, which web-app.test.ts checks; before that, it is refused under the pages' policy.
    const board = await fetch(`${base}/admin/queues`, { redirect: 'manual' });
    assert.equal(board.status, 401);
    assert.match(board.headers.get('content-security-policy') ?? '', /style-src 'self'(;|$)/);
    const style = await fetch(`${base}/assets/rollcall.css`);
    assert.equal(style.status, 200);
    assert.match(style.headers.get('content-type') ?? '', /^text\/css/);
    assert.match(await style.text(), /prefers-color-scheme:dark/);
    const icon = await fetch(`${base}/assets/favicon.svg`);
    assert.equal(icon.status, 200);
    assert.match(icon.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    for (const name of ['nope.css', 'constructor', '__proto__', 'styles.css']) {
      assert.equal((await fetch(`${base}/assets/${name}`)).status, 404, name);
    }
  });

  async function refusal(headers: Record<string, string>): Promise<number> {
    const socket = new WebSocket(`ws://${host}${LIVE_SOCKET_PATH}`, { headers });
    const [, res] = (await once(socket, 'unexpected-response')) as [unknown, { statusCode: number }];
    // Terminating a socket that never opened reports an error we expect.
    socket.on('error', () => undefined);
    socket.terminate();
    return res.statusCode;
  }

  it('refuses the live socket without a session, or from another site', async () => {
    assert.equal(await refusal({ origin: base }), 401);
    const cookie = await signIn(VIEWER);
    assert.equal(await refusal({ origin: 'http://evil.example', cookie }), 403);
    assert.equal(await refusal({ cookie }), 403);
  });

  it('sends a viewer status, then frames with names, newest first when the viewer is slow', async () => {
    const { person } = await store.createPerson({ name: 'Sheldon <Cooper>' });
    const cookie = await signIn(VIEWER);
    const socket = new WebSocket(`ws://${host}${LIVE_SOCKET_PATH}`, { headers: { origin: base, cookie } });
    const [status] = (await once(socket, 'message')) as [Buffer, boolean];
    const { sentAt, ...rest } = JSON.parse(status.toString('utf8')) as { sentAt: number };
    assert.deepEqual(rest, { type: 'status', nodes: [] });
    assert.ok(Math.abs(Date.now() - sentAt) < 5000, `sentAt ${sentAt} is the server's clock`);

    // The first frame starts the name lookup; later ones carry the name.
    const jpeg = new Uint8Array(256).fill(7);
    let header: ReturnType<typeof frameHeader> | undefined;
    for (let seq = 0; header?.names[person.id] === undefined; seq++) {
      assert.ok(seq < 50, 'the name never arrived');
      feed.emit('frame', metadata(seq, person.id), jpeg, NODE);
      const [data, binary] = (await once(socket, 'message')) as [Buffer, boolean];
      assert.equal(binary, true);
      header = frameHeader(data);
      assert.equal(data.length, 4 + data.readUInt32BE(0) + jpeg.length, 'the JPEG follows the header');
    }
    assert.equal(header.key, '10.0.0.5:9999|door');
    assert.equal(header.names[person.id], 'Sheldon <Cooper>');
    assert.equal(header.metadata.latencyMs, 42);

    // A viewer that stops reading: 200 frames of 256 KiB go out while it is paused.
    const received: number[] = [];
    socket.on('message', (data: Buffer, binary: boolean) => {
      if (binary) received.push(frameHeader(data).metadata.seq);
    });
    socket.pause();
    const big = new Uint8Array(256 * 1024).fill(9);
    for (let seq = 1000; seq < 1200; seq++) {
      feed.emit('frame', metadata(seq, null), big, NODE);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.resume();
    const deadline = Date.now() + 10_000;
    while (received.at(-1) !== 1199) {
      assert.ok(Date.now() < deadline, `the newest frame never arrived; got ${received.length}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(received.length < 200, `a slow viewer got ${received.length} of 200 frames: they were queued`);
    assert.deepEqual(
      received,
      [...received].sort((a, b) => a - b),
      'frames arrive in order',
    );
    socket.close();
  });

  /** A signed-in live socket, opened and past its first status message. */
  async function liveSocket(cookie: string): Promise<{ socket: WebSocket; closed: Promise<number> }> {
    const socket = new WebSocket(`ws://${host}${LIVE_SOCKET_PATH}`, { headers: { origin: base, cookie } });
    const closed = once(socket, 'close').then(([code]) => code as number);
    await once(socket, 'message');
    return { socket, closed };
  }

  it('closes a live socket when its session signs out, expires or loses its user', async () => {
    // Signing out closes the sockets of that session at once, and only those.
    const cookie = await signIn(VIEWER);
    const other = await liveSocket(await signIn(VIEWER));
    const { socket, closed } = await liveSocket(cookie);
    const frames: number[] = [];
    socket.on('message', (_data: Buffer, binary: boolean) => {
      if (binary) frames.push(1);
    });
    const { csrfToken } = (await (await fetch(`${base}/api/v1/session`, { headers: { cookie } })).json()) as {
      csrfToken: string;
    };
    const out = await fetch(`${base}/logout`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: '{}',
    });
    assert.equal(out.status, 204);
    assert.equal(await closed, 4401);
    feed.emit('frame', metadata(1, null), new Uint8Array(16), NODE);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(frames.length, 0, 'no frame after sign-out');
    assert.equal(other.socket.readyState, WebSocket.OPEN, "another session's socket stays open");
    // The old cookie no longer opens a socket.
    assert.equal(await refusal({ origin: base, cookie }), 401);

    // A session that ends in Redis (expired) is noticed by the periodic check.
    const expiring = await signIn(VIEWER);
    const expiringSocket = await liveSocket(expiring);
    const key =
      decodeURIComponent(expiring.split('=')[1] ?? '')
        .replace(/^s:/, '')
        .split('.')[0] ?? '';
    const client = new Redis(redis.url);
    try {
      assert.equal(await client.del(`${sessionPrefix}${key}`), 1, 'the session was in Redis');
    } finally {
      client.disconnect();
    }
    assert.equal(await expiringSocket.closed, 4401);

    // A deleted user's sockets close too.
    const temp = await store.createUser({
      name: 'Temp',
      role: 'viewer',
      passwordHash: await hashPassword('temp password 1'),
    });
    const tempSocket = await liveSocket(await signIn({ name: 'Temp', password: 'temp password 1' }));
    await store.deleteUser(temp.id);
    assert.equal(await tempSocket.closed, 4401);
    other.socket.close();
  });
});
