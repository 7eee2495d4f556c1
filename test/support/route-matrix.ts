/**
 * The web node's authorization matrix, derived from its Express router (`route-table.ts`) so that a
 * route added later is checked without anyone remembering to list it: every route is refused to an
 * anonymous caller, and every route a viewer is not named for here is refused to a viewer. Two
 * short lists are written by hand, the routes public on purpose and the ones a viewer may use, and
 * each entry must name a route that exists, so neither can go stale; a few known routes must be
 * found too, so the derivation cannot quietly come back empty or half.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { JobQueue, PrivateRedis } from '../../src/queues/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { createWebApp, type EnrollmentPort } from '../../src/web/index.js';
import type { Browser } from './http-browser.js';
import { listRoutes, samplePath } from './route-table.js';
import { tempDir } from './temp.js';

/** Answer without a login, on purpose. */
export const PUBLIC_ROUTES: readonly string[] = [
  // Monitoring: no login, and they never name a person (README "Monitoring").
  'GET /healthz',
  'GET /metrics',
  // The pages' scripts, stylesheet and icon, the same for everyone, no data in them.
  'GET /assets/:name.js',
  'GET /assets/:file',
  // Signing in and out, and creating the first administrator while there is none.
  'GET /login',
  'POST /login',
  'POST /logout',
  'GET /setup',
  'POST /setup',
];

/** What a viewer may use: the home page, attendance, the live view, and reading groups and their rosters. Every other route is for admins. */
export const VIEWER_ROUTES: readonly string[] = [
  'GET /',
  'GET /api/v1/overview',
  // The face a named person's event kept (home page arrivals); an unknown face's is refused (403).
  'GET /api/v1/events/:id/crop.jpg',
  'GET /live',
  'GET /attendance',
  'GET /api/v1/session',
  'GET /api/v1/attendance',
  'GET /api/v1/attendance.csv',
  'GET /api/v1/attendance/corrections',
  'GET /groups',
  'GET /groups/:id',
  'GET /api/v1/groups',
  'GET /api/v1/groups/:id',
  'GET /api/v1/groups/:id/roster',
  'GET /api/v1/cameras/roles',
  'GET /api/v1/reports/groups/:id',
  'GET /api/v1/reports/groups/:id.csv',
  'GET /api/v1/reports/groups/:id.xlsx',
  'GET /api/v1/reports/people/:id',
];

/** Routes of every router and mount that exist today: a derivation that misses one is broken. */
export const KNOWN_ROUTES: readonly string[] = [
  'GET /people',
  'POST /api/v1/people',
  'DELETE /api/v1/people/:id',
  'GET /api/v1/jobs/:id',
  'POST /api/v1/attendance/corrections',
  'GET /api/v1/unknown-faces/:id/crop.jpg',
  'PUT /api/v1/settings',
  'PATCH /api/v1/users/:id',
  'DELETE /api/v1/users/:id/tokens/:tokenId',
  'ALL /admin/queues',
  'ALL /admin/queues/*rest',
];

export type Access = 'public' | 'viewer' | 'admin';

/** One request of the matrix: a method on a concrete URL of a derived route. */
export interface RouteCheck {
  /** The route as derived: `DELETE /api/v1/people/:id`. */
  route: string;
  method: string;
  url: string;
  access: Access;
}

/** The matrix of an app's routes; fails when the derivation is empty, misses a known route, or a list names a route that is gone. */
export function authorizationMatrix(app: { router: unknown }): RouteCheck[] {
  const routes = listRoutes(app);
  assert.ok(routes.length > 0, 'no route was derived from the router: the matrix would check nothing');
  const derived = new Set(routes.map((r) => `${r.method} ${r.path}`));
  for (const [list, names] of [
    ['known', KNOWN_ROUTES],
    ['public', PUBLIC_ROUTES],
    ['viewer', VIEWER_ROUTES],
  ] as const) {
    for (const name of names) {
      assert.ok(
        derived.has(name),
        `${list} route ${name} was not derived from the router: ${[...derived].join(', ')}`,
      );
    }
  }
  return routes.flatMap(({ method, path: pattern }) => {
    const route = `${method} ${pattern}`;
    const access: Access = PUBLIC_ROUTES.includes(route)
      ? 'public'
      : VIEWER_ROUTES.includes(route)
        ? 'viewer'
        : 'admin';
    // A mount that takes every method: a read and two kinds of change.
    const methods = method === 'ALL' ? ['GET', 'POST', 'DELETE'] : [method];
    return methods.map((m) => ({ route, method: m, url: samplePath(pattern), access }));
  });
}

/**
 * The matrix of the web node's app as `createWebApp` builds it, on a throwaway SQLite store and
 * Redis: for a test that talks to a node in another process, whose router it cannot read.
 */
export async function webNodeMatrix(): Promise<RouteCheck[]> {
  const dataDir = await tempDir('routes');
  const redis = await PrivateRedis.start({ dataDir: path.join(dataDir, 'redis') });
  const store = await SqliteStore.open({ dataDir });
  const jobs = await JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() });
  const unused = (): Promise<never> => Promise.reject(new Error('not used: only the routes are read'));
  const enrollment: EnrollmentPort = {
    enroll: unused,
    addPhotosTo: unused,
    update: unused,
    removePhoto: unused,
    remove: unused,
  };
  const web = createWebApp(
    {
      store,
      jobs,
      enrollment,
      unknownFaces: { list: unused, crop: unused, assign: unused, dismiss: unused },
      settings: {
        current: () => {
          throw new Error('not used: only the routes are read');
        },
        update: unused,
        reset: unused,
        calibration: unused,
      },
      nodes: () => [],
      redisUrl: redis.url,
    },
    { port: 0, sessionSecret: randomUUID() + randomUUID() },
  );
  try {
    return authorizationMatrix(web.app);
  } finally {
    await web.close();
    await jobs.close();
    await store.close();
    await redis.close();
  }
}

/** Asserts a clean 4xx answer, `{ code, message }` with no stack trace; returns the status. */
async function refusal(res: Response, what: string): Promise<number> {
  const text = await res.text();
  assert.ok(res.status >= 400 && res.status < 500, `${what}: expected a 4xx, got ${res.status}: ${text}`);
  const body = JSON.parse(text) as { code?: unknown; message?: unknown };
  assert.equal(typeof body.code, 'string', `${what}: ${text}`);
  assert.equal(typeof body.message, 'string', `${what}: ${text}`);
  assert.doesNotMatch(text, /at .*\.js:\d+/, `${what}: no stack trace`);
  return res.status;
}

export interface MatrixTally {
  /** Requests made. */
  requests: number;
  /** Routes (method and pattern) checked, public ones left out. */
  routes: number;
}

/**
 * Runs the matrix against a web node at `base`. Anonymous: 401 `{ code, message }`, and a page
 * request (Accept: text/html) is 401 or sent to /login, never answered. As a viewer (API calls with
 * the viewer's token, pages and Bull Board with the viewer's session): admin routes 403, the
 * viewer's 200, or 404 `NOT_FOUND` for a route of one thing by id (the sample id names nothing:
 * the viewer got past the role check to the lookup).
 */
export async function checkAuthorization(
  base: string,
  checks: readonly RouteCheck[],
  viewer: { token: string; browser: Browser },
): Promise<MatrixTally> {
  let requests = 0;
  const routes = new Set<string>();
  for (const { route, method, url, access } of checks) {
    if (access === 'public') continue;
    routes.add(route);
    const what = `${method} ${url} (${route})`;
    const anonymous = await fetch(base + url, { method, redirect: 'manual' });
    assert.equal(await refusal(anonymous, `anonymous ${what}`), 401, `anonymous ${what}`);
    const page = await fetch(base + url, { method, redirect: 'manual', headers: { accept: 'text/html' } });
    const body = await page.text();
    const toLogin = page.status === 303 && page.headers.get('location') === '/login';
    assert.ok(
      page.status === 401 || toLogin,
      `anonymous page ${what}: got ${page.status}: ${body.slice(0, 200)}`,
    );

    const asViewer = url.startsWith('/api/')
      ? await fetch(base + url, {
          method,
          redirect: 'manual',
          headers: { authorization: `Bearer ${viewer.token}` },
        })
      : await viewer.browser.fetch(url, { method });
    if (access === 'admin') {
      assert.equal(await refusal(asViewer, `viewer ${what}`), 403, `viewer ${what}`);
    } else if (route.includes('/:')) {
      // A sample id names nothing: "not found" (not 401 or 403) shows the viewer was let through.
      assert.ok([200, 404].includes(asViewer.status), `viewer ${what}: got ${asViewer.status}`);
      if (asViewer.status === 404) await refusal(asViewer, `viewer ${what}`);
      else await asViewer.arrayBuffer();
    } else {
      assert.equal(asViewer.status, 200, `viewer ${what}`);
      await asViewer.arrayBuffer();
    }
    requests += 3;
  }
  return { requests, routes: routes.size };
}
