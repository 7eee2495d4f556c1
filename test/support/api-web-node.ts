/**
 * A web node for REST API tests: HTTP on port 0, a real SQLite store and a private Redis, nobody
 * enrolled (`unusedEnrollment`) unless asked (`{ enrollment: 'real' }`: the real service, whose
 * training jobs stay queued, no worker runs them), no recognition node; an admin and a viewer, each with an API
 * token; `call` sends JSON as either and answers the status and the parsed body, having checked
 * that no stack trace leaked.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { JobQueue, PrivateRedis } from '../../src/queues/index.js';
import {
  EnrollmentService,
  GallerySync,
  SettingsService,
  UnknownFaceService,
  type RollcallSettings,
} from '../../src/services/index.js';
import { generateApiToken, hashApiToken, hashPassword } from '../../src/shared/index.js';
import { SqliteStore, type Store } from '../../src/store/index.js';
import { WebServer } from '../../src/web/index.js';
import { tempDir } from './temp.js';
import { unusedEnrollment } from './unused-enrollment.js';

export const API_TEST_SETTINGS: RollcallSettings = {
  strangerRateTarget: 0.01,
  matchThreshold: null,
  unknownThreshold: null,
  consensusFrames: 3,
  sightingIntervalS: 10,
  timeZone: 'UTC',
  retentionDays: 30,
};

export type ApiCaller = 'admin' | 'viewer';

export interface ApiWebNode {
  base: string;
  store: Store;
  jobs: JobQueue;
  /** The API tokens of the admin (`admin user`) and the viewer (`viewer user`). */
  tokens: Record<ApiCaller, string>;
  call(
    as: ApiCaller,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown>; text: string }>;
  close(): Promise<void>;
}

export interface ApiWebNodeOptions {
  /** `real`: people can be enrolled (their training jobs are queued and never run). @defaultValue `unused` */
  enrollment?: 'unused' | 'real';
}

export async function startApiWebNode(name: string, options: ApiWebNodeOptions = {}): Promise<ApiWebNode> {
  const dataDir = await tempDir(name);
  const redis = await PrivateRedis.start({ dataDir });
  const store = await SqliteStore.open({ dataDir });
  const jobs = await JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() });
  const enrollment =
    options.enrollment === 'real'
      ? new EnrollmentService({ store, jobs, gallerySync: new GallerySync({ store, clients: [] }) })
      : unusedEnrollment();
  const server = new WebServer(
    {
      store,
      jobs,
      enrollment,
      unknownFaces: new UnknownFaceService({ store, enrollment }),
      settings: new SettingsService({ store, defaults: API_TEST_SETTINGS, targets: () => [] }),
      nodes: () => [],
      redisUrl: redis.url,
    },
    {
      port: 0,
      host: '127.0.0.1',
      sessionSecret: randomUUID() + randomUUID(),
      sessionPrefix: `${randomUUID()}:`,
    },
  );
  const base = `http://127.0.0.1:${(await server.start()).port}`;
  const tokens: Record<ApiCaller, string> = { admin: '', viewer: '' };
  for (const role of ['admin', 'viewer'] as const) {
    const user = await store.createUser({
      name: `${role} user`,
      role,
      passwordHash: await hashPassword('x'.repeat(12)),
    });
    tokens[role] = generateApiToken();
    await store.createApiToken({ userId: user.id, name: 'test', tokenHash: hashApiToken(tokens[role]) });
  }
  return {
    base,
    store,
    jobs,
    tokens,
    async call(as, method, path, body) {
      const res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tokens[as]}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      assert.doesNotMatch(text, /at .*\.js:\d+/, 'no stack trace');
      return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, text };
    },
    async close() {
      await server.close();
      await jobs.close();
      await store.close();
      await redis.close();
    },
  };
}
