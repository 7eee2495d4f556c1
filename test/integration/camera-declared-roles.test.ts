/**
 * The roles a recognition node's CAMERA_SOURCES declare, through real nodes assembled as
 * `rollcall start` assembles them (recognition node with three folder cameras, web node with its
 * bridge client, SQLite, a private Redis), over HTTP: the declared roles reach
 * `GET /api/v1/cameras/roles`, decide the attendance check-in and check-out, give way to an
 * administrator's tag (`both` included) and come back when the tag is removed; the web node
 * writes them once, not at every heartbeat, and still reads them with the node stopped and after
 * its own restart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../config.js';
import { startRecognitionNode, type Room } from '../../src/cli/recognition-node.js';
import { startWebNode } from '../../src/cli/web-node.js';
import {
  AttendanceService,
  CAMERA_DECLARED_ROLES_KEY,
  type AttendanceRecordView,
} from '../../src/services/index.js';
import { generateApiToken, hashApiToken, hashPassword } from '../../src/shared/index.js';
import { createStore, type Store } from '../../src/store/index.js';
import type { CameraRolesAnswer, NodesAnswer } from '../../src/web/api-views.js';
import { facePhoto } from '../support/faces.js';
import { freePort } from '../support/net.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/wait.js';
import { makeEvent } from './store.contract.js';

/** A past day, so nobody is still in view and every sighting falls on it whatever the hour. */
const DAY = '2026-03-02';

async function closeAll(rooms: Room[]): Promise<void> {
  for (const room of rooms.splice(0).reverse()) await room.close().catch(() => undefined);
}

describe("a camera's role from CAMERA_SOURCES on the web node", () => {
  const nodeRooms: Room[] = [];
  const webRooms: Room[] = [];
  const logs: { msg: string }[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void logs.push(JSON.parse(line) as { msg: string }) },
  );
  let config: Config;
  let store: Store;
  let base: string;
  let token: string;

  before(async () => {
    const dataDir = await tempDir('declared-roles');
    const folder = async (id: string): Promise<string> => {
      const dir = path.join(await tempDir('declared-roles-frames'), id);
      await mkdir(dir);
      // No face in view: the cameras only need to be reported, not to recognise anybody.
      await symlink(facePhoto('none/fruits.jpg'), path.join(dir, 'fruits.jpg'));
      return dir;
    };
    config = loadConfig({
      DATA_DIR: dataDir,
      CAMERA_SOURCES: JSON.stringify([
        { id: 'door', source: `dir:${await folder('door')}`, role: 'entry', fps: 1 },
        { id: 'hall', source: `dir:${await folder('hall')}`, role: 'exit', fps: 1 },
        { id: 'room', source: `dir:${await folder('room')}`, fps: 1 },
      ]),
      RECOGNITION_SERVER_PORT: String(await freePort()),
      HEALTH_PORT: String(await freePort()),
      WEB_PORT: String(await freePort()),
      BRIDGE_SECRET: 'a-test-bridge-secret-of-some-length',
      NODE_ID: 'camera-pc',
      TIMEZONE: 'UTC',
      WORKER_THREADS: '1',
    });
    const engine = await startRecognitionNode(config, logger, { listenHost: '127.0.0.1' }, nodeRooms);
    await startWebNode(config, logger, webRooms, engine);
    base = `http://127.0.0.1:${config.webPort}`;

    store = await createStore({ dataDir });
    const admin = await store.createUser({
      name: 'Ada Admin',
      role: 'admin',
      passwordHash: await hashPassword('correct horse battery'),
    });
    token = generateApiToken();
    await store.createApiToken({ userId: admin.id, name: 'test', tokenHash: hashApiToken(token) });

    // Ivy passes the hall camera at 09:00, the door at 09:10, the hall again at 09:50.
    const ivy = (await store.createPerson({ name: 'Ivy' })).person.id;
    const ingest = new AttendanceService({ store, rules: { timeZone: 'UTC' } });
    for (const [cameraId, time] of [
      ['hall', '09:00'],
      ['door', '09:10'],
      ['hall', '09:50'],
    ] as const) {
      const outcome = await ingest.ingest(
        makeEvent({ type: 'sighting', personId: ivy, cameraId, at: `${DAY}T${time}:00.000Z`, crop: null }),
      );
      assert.equal(outcome.stored, true);
    }
  });

  after(async () => {
    await closeAll(webRooms);
    await closeAll(nodeRooms);
    await store.close();
  });

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the answer's type, as the caller expects it
  async function api<T>(method: string, url: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(`${base}/api/v1${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as T };
  }

  const roles = async (): Promise<CameraRolesAnswer> =>
    (await api<CameraRolesAnswer>('GET', '/cameras/roles')).json;

  /** Ivy's check-in and check-out cameras and times on DAY, as `GET /attendance` answers them. */
  async function ivysDay(): Promise<string> {
    const { status, json } = await api<{ records: AttendanceRecordView[] }>('GET', `/attendance?date=${DAY}`);
    assert.equal(status, 200);
    const [ivy] = json.records;
    assert.ok(ivy);
    return `in ${ivy.checkInCamera} ${ivy.checkIn?.slice(11, 16)}, out ${ivy.checkOutCamera} ${ivy.checkOut?.slice(11, 16)}`;
  }

  const DECLARED = {
    roles: { door: 'entry', hall: 'exit' },
    cameras: [
      { cameraId: 'door', role: 'entry', source: 'configuration', tag: null, declared: 'entry' },
      { cameraId: 'hall', role: 'exit', source: 'configuration', tag: null, declared: 'exit' },
    ],
  };

  it("reports the roles the node's CAMERA_SOURCES declare, and check-in and check-out follow them", async () => {
    await until(
      'the declared roles to reach the web node',
      async () => (Object.keys((await roles()).roles).length === 2 ? true : undefined),
      60_000,
    );
    assert.deepEqual(await roles(), DECLARED, 'room declares nothing: both ways, by default');
    // Without the roles Ivy would have come in at 09:00, through the hall.
    assert.equal(await ivysDay(), 'in door 09:10, out hall 09:50');
  });

  it("puts an administrator's tag over a declared role, both ways included, and null goes back", async () => {
    const both = await api<CameraRolesAnswer>('PUT', '/cameras/hall/role', { role: 'both' });
    assert.equal(both.status, 200);
    assert.deepEqual(both.json.roles, { door: 'entry' });
    assert.deepEqual(both.json.cameras[1], {
      cameraId: 'hall',
      role: 'both',
      source: 'admin',
      tag: 'both',
      declared: 'exit',
    });
    assert.equal(await ivysDay(), 'in hall 09:00, out hall 09:50');

    assert.equal((await api('PUT', '/cameras/hall/role', { role: null })).status, 200);
    assert.deepEqual(await roles(), DECLARED);
    assert.equal(await ivysDay(), 'in door 09:10, out hall 09:50');
  });

  it('writes the declared roles once, not at every heartbeat', async () => {
    const saved = await store.getSetting(CAMERA_DECLARED_ROLES_KEY);
    assert.deepEqual(saved?.value, { door: 'entry', hall: 'exit' });
    assert.ok(saved);
    const heartbeat = async (): Promise<string | undefined> =>
      (await api<NodesAnswer>('GET', '/nodes')).json.nodes[0]?.lastHeartbeatAt ?? undefined;
    // Two more STATUS messages (one every 2 s) after the one seen now.
    let seen = await heartbeat();
    for (const which of ['a heartbeat', 'another heartbeat'])
      seen = await until(
        which,
        async () => {
          const now = await heartbeat();
          return now !== seen ? now : undefined;
        },
        15_000,
      );
    assert.equal((await store.getSetting(CAMERA_DECLARED_ROLES_KEY))?.updatedAt, saved.updatedAt);
    assert.equal(logs.filter((line) => line.msg === "the cameras' declared roles recorded").length, 1);
  });

  it('keeps the declared roles with the node stopped and after the web node restarts', async () => {
    await closeAll(nodeRooms);
    await until(
      'the node to be seen gone',
      async () =>
        (await api<NodesAnswer>('GET', '/nodes')).json.nodes[0]?.connected === false ? true : undefined,
      20_000,
    );
    assert.deepEqual(await roles(), DECLARED);

    await closeAll(webRooms);
    await startWebNode(config, logger, webRooms);
    assert.deepEqual(await roles(), DECLARED);
    assert.equal(await ivysDay(), 'in door 09:10, out hall 09:50');
  });
});
