/**
 * The administrators' features on Rollcall assembled as `rollcall start` assembles it (recognition
 * node and web node in this process, real bridge, Redis, SQLite, training worker), driven over HTTP:
 * settings saved earlier reach the node when it connects, a save reaches it at once, and an unknown
 * face assigned to a new person is trained into descriptors the node then holds.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../../config.js';
import { startRecognitionNode, type Room } from '../../src/cli/recognition-node.js';
import { startWebNode } from '../../src/cli/web-node.js';
import { SETTINGS_KEY } from '../../src/services/index.js';
import { createStore, type Store } from '../../src/store/index.js';
import { hashPassword } from '../../src/shared/index.js';
import { facePhoto } from '../support/faces.js';
import { freePort } from '../support/net.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/wait.js';
import { makeEvent } from './store.contract.js';

const ADMIN = { name: 'Ada Admin', password: 'correct horse battery' };

interface LogLine {
  msg: string;
  thresholds?: { match: number; unknown: number };
  consensusFrames?: number;
  sightingIntervalS?: number;
  strangerRateTarget?: number;
  basis?: string;
  galleryVersion?: number;
}

describe('settings and unknown faces on real recognition and web nodes', () => {
  const rooms: Room[] = [];
  const logs: LogLine[] = [];
  let store: Store;
  let base: string;
  let cookie = '';
  let csrf = '';

  before(async () => {
    const dataDir = await tempDir('web-admin');
    const frames = path.join(await tempDir('web-admin-frames'), 'door');
    await mkdir(frames);
    await symlink(facePhoto('none/fruits.jpg'), path.join(frames, 'fruits.jpg'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      CAMERA_SOURCE: `dir:${frames}`,
      RECOGNITION_SERVER_PORT: String(await freePort()),
      WEB_PORT: String(await freePort()),
      BRIDGE_SECRET: 'a-test-bridge-secret-of-some-length',
      NODE_ID: 'camera-pc',
      TIMEZONE: 'UTC',
      WORKER_THREADS: '1',
    });
    // Settings an administrator saved in an earlier run, before either node starts.
    store = await createStore({ dataDir });
    await store.setSetting(SETTINGS_KEY, {
      strangerRateTarget: 0.01,
      matchThreshold: 0.45,
      unknownThreshold: 0.52,
      consensusFrames: 5,
    });
    await store.createUser({
      name: ADMIN.name,
      role: 'admin',
      passwordHash: await hashPassword(ADMIN.password),
    });

    // The node's log is how it tells what it received: "settings updated by a web node".
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
    );
    const node = await startRecognitionNode(config, logger, { listenHost: '127.0.0.1' }, rooms);
    await startWebNode(config, logger, rooms, node);
    base = `http://127.0.0.1:${config.webPort}`;

    const login = await fetch(`${base}/login`);
    cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const field = /name="_csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? '';
    const signedIn = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: ADMIN.name, password: ADMIN.password, _csrf: field }),
    });
    assert.equal(signedIn.status, 200);
    cookie = (signedIn.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    csrf = ((await signedIn.json()) as { csrfToken: string }).csrfToken;
  });

  after(async () => {
    for (const room of rooms.reverse()) await room.close().catch(() => undefined);
    await store.close();
  });

  function api(method: string, url: string, body?: unknown): Promise<Response> {
    return fetch(base + url, {
      method,
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  const received = (): LogLine[] => logs.filter((line) => line.msg === 'settings updated by a web node');

  it('pushes the saved settings to the node when it connects, and each save at once', async () => {
    const first = await until('the node to receive settings', () => Promise.resolve(received()[0]), 30_000);
    assert.deepEqual(
      [first.thresholds, first.consensusFrames, first.sightingIntervalS],
      [{ match: 0.45, unknown: 0.52 }, 5, 10],
    );
    const answer = await (await api('GET', '/api/v1/settings')).json();
    assert.deepEqual(answer, {
      settings: {
        strangerRateTarget: 0.01,
        matchThreshold: 0.45,
        unknownThreshold: 0.52,
        consensusFrames: 5,
        sightingIntervalS: 10,
        timeZone: 'UTC',
        retentionDays: 30,
      },
      // Nobody enrolled yet: the hand-set thresholds are in force, with nothing to predict from.
      calibration: {
        model: 'fr-feature',
        match: 0.45,
        unknown: 0.52,
        basis: 'fixed',
        expectedStrangerRate: null,
        people: 0,
      },
    });

    const count = received().length;
    const saved = await api('PUT', '/api/v1/settings', {
      matchThreshold: 0.5,
      unknownThreshold: 0.6,
      sightingIntervalS: 20,
    });
    assert.equal(saved.status, 200);
    assert.equal(((await saved.json()) as { pushedTo: number }).pushedTo, 1);
    const pushed = await until(
      'the save to reach the node',
      () => Promise.resolve(received()[count]),
      10_000,
    );
    assert.deepEqual(
      [pushed.thresholds, pushed.consensusFrames, pushed.sightingIntervalS],
      [{ match: 0.5, unknown: 0.6 }, 5, 20],
    );

    // A refused save reaches no node.
    const refused = await api('PUT', '/api/v1/settings', { unknownThreshold: 0.3 });
    assert.equal(refused.status, 400);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(received().length, count + 1);

    // Back to calibration: the node gets the target, no thresholds, and sets its own.
    const calibrated = await api('PUT', '/api/v1/settings', {
      strangerRateTarget: 0.02,
      matchThreshold: null,
      unknownThreshold: null,
    });
    assert.equal(calibrated.status, 200);
    const target = await until(
      'the target to reach the node',
      () => Promise.resolve(received()[count + 1]),
      10_000,
    );
    assert.equal(target.strangerRateTarget, 0.02);
    assert.equal(target.thresholds, undefined);
    const set = await until(
      'the node to calibrate its thresholds',
      () =>
        Promise.resolve(logs.filter((line) => line.msg === 'match thresholds set for the gallery').at(-1)),
      10_000,
    );
    assert.equal(set.basis, 'reference', 'nobody enrolled: the model reference curve alone');
  });

  it('assigns an unknown face to a new person, whose crop is trained into descriptors on the node', async () => {
    const crop = await sharp(facePhoto('leonard/leonard1.png')).jpeg().toBuffer();
    const { face } = await store.recordUnknownFace(
      makeEvent({
        type: 'unknown',
        personId: null,
        nodeId: 'camera-pc',
        cameraId: 'door',
        at: new Date().toISOString(),
        crop,
      }),
    );
    const assigned = await api('POST', `/api/v1/unknown-faces/${face.id}/assign`, {
      name: 'Leonard',
      createPerson: true,
    });
    assert.equal(assigned.status, 202);
    const { person, jobId } = (await assigned.json()) as { person: { id: string }; jobId: string };
    const job = await until(
      'the training job to settle',
      async () => {
        const view = (await (await api('GET', `/api/v1/jobs/${encodeURIComponent(jobId)}`)).json()) as {
          state: string;
          progress: number;
          failedReason: string | null;
        };
        return view.state === 'completed' || view.state === 'failed' ? view : undefined;
      },
      120_000,
    );
    assert.equal(job.state, 'completed', job.failedReason ?? '');
    assert.equal(job.progress, 100);
    assert.equal((await store.listDescriptors(person.id)).length, 1);
    assert.equal((await store.getUnknownFace(face.id))?.status, 'assigned');
    // The node confirms the gallery version that holds Leonard.
    const galleryVersion = await store.getGalleryVersion();
    await until(
      'the node to hold the new gallery',
      async () => {
        const { nodes } = (await (await api('GET', '/api/v1/nodes')).json()) as {
          nodes: { galleryVersion: number }[];
        };
        return nodes[0]?.galleryVersion === galleryVersion ? true : undefined;
      },
      30_000,
    );
  });
});
