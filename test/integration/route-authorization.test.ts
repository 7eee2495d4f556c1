/**
 * The web node's authorization matrix over real HTTP (real Redis sessions, real SQLite): every route
 * its Express router declares, found by walking the router, refused to anonymous callers, and, unless
 * it is a viewer's, to a viewer. The hostile suite runs the same matrix against a `rollcall start`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { JobQueue, PrivateRedis } from '../../src/queues/index.js';
import { SettingsService } from '../../src/services/index.js';
import { SqliteStore, type Store } from '../../src/store/index.js';
import { generateApiToken, hashApiToken, hashPassword } from '../../src/shared/index.js';
import { createWebApp, type EnrollmentPort, type WebApp } from '../../src/web/index.js';
import { Browser } from '../support/http-browser.js';
import { authorizationMatrix, checkAuthorization, type RouteCheck } from '../support/route-matrix.js';
import { tempDir } from '../support/temp.js';

const VIEWER = { name: 'Vic Viewer', password: 'viewer password 1' };
const SETTINGS = {
  strangerRateTarget: 0.01,
  matchThreshold: null,
  unknownThreshold: null,
  consensusFrames: 3,
  sightingIntervalS: 10,
  timeZone: 'UTC',
  retentionDays: 30,
};

describe('authorization of every route the router declares', () => {
  let redis: PrivateRedis;
  let store: Store;
  let jobs: JobQueue;
  let web: WebApp;
  let server: http.Server;
  let base: string;
  let matrix: RouteCheck[];

  before(async () => {
    const dataDir = await tempDir('routes');
    redis = await PrivateRedis.start({ dataDir });
    store = await SqliteStore.open({ dataDir });
    jobs = await JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() });
    // Never reached: every request here is refused before a service is called.
    const unused = (): Promise<never> => Promise.reject(new Error('no service call was expected'));
    const enrollment: EnrollmentPort = {
      enroll: unused,
      addPhotosTo: unused,
      update: unused,
      removePhoto: unused,
      remove: unused,
    };
    web = createWebApp(
      {
        store,
        jobs,
        enrollment,
        unknownFaces: { list: unused, crop: unused, assign: unused, dismiss: unused },
        settings: new SettingsService({ store, defaults: SETTINGS, targets: () => [] }),
        nodes: () => [],
        redisUrl: redis.url,
      },
      { port: 0, sessionSecret: randomUUID() + randomUUID(), sessionPrefix: `${randomUUID()}:sess:` },
    );
    server = http.createServer(web.app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    matrix = authorizationMatrix(web.app);
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await web.close();
    await jobs.close();
    await store.close();
    await redis.close();
  });

  it('derives the routes from the router: the public and viewer lists name routes that exist', (t) => {
    const by = (access: string) => new Set(matrix.filter((c) => c.access === access).map((c) => c.route));
    t.diagnostic(
      `${new Set(matrix.map((c) => c.route)).size} routes: ${by('admin').size} admin, ` +
        `${by('viewer').size} viewer, ${by('public').size} public`,
    );
    // Every router contributes: the pages, the API, its sub-routers, and Bull Board's mount.
    for (const prefix of ['/api/v1/users', '/api/v1/unknown-faces', '/api/v1/attendance', '/admin/queues']) {
      assert.ok(
        matrix.some((c) => c.url.startsWith(prefix) && c.access === 'admin'),
        `an admin route under ${prefix}`,
      );
    }
    assert.ok(by('admin').size > by('viewer').size + by('public').size, 'most routes are for admins');
  });

  it('refuses every non-public route to anonymous callers, and admin routes to a viewer', async (t) => {
    const viewer = await store.createUser({
      name: VIEWER.name,
      role: 'viewer',
      passwordHash: await hashPassword(VIEWER.password),
    });
    const token = generateApiToken();
    await store.createApiToken({ userId: viewer.id, name: 'matrix', tokenHash: hashApiToken(token) });
    const browser = new Browser(base);
    await browser.signIn(VIEWER.name, VIEWER.password);
    const tally = await checkAuthorization(base, matrix, { token, browser });
    t.diagnostic(`${tally.routes} routes, ${tally.requests} requests`);
    assert.ok(tally.routes >= 30, `checked ${tally.routes} routes`);
  });
});
