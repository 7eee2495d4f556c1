/**
 * A recognition node with four cameras (CAMERA_SOURCES) on one real engine pool, assembled as
 * `rollcall start --role recognition` assembles it: three photo folders (one of them flooding
 * frames at 30 fps) and one folder that does not exist. The broken camera is logged and restarted
 * by its watchdog while the others keep producing analysed frames and events; `rollcall probe`
 * (the bridge STATUS) and /metrics carry every camera by id, with its name and role.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../config.js';
import { startRecognitionNode, type Room } from '../../src/cli/recognition-node.js';
import { runProbe } from '../../src/cli/probe.command.js';
import type { CameraStatus } from '../../src/bridge/index.js';
import { facePhoto } from '../support/faces.js';
import { freePort } from '../support/net.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/wait.js';

const SECRET = 'a-test-bridge-secret-of-some-length';

interface LogLine {
  msg: string;
  camera?: string;
  reason?: string;
}

/** A folder of photos a `dir:` camera loops over. */
async function photoFolder(name: string, photos: string[]): Promise<string> {
  const dir = path.join(await tempDir('multi-camera-frames'), name);
  await mkdir(dir);
  for (const photo of photos) await symlink(facePhoto(photo), path.join(dir, path.basename(photo)));
  return dir;
}

/** A counter of /metrics for one camera, as Prometheus would scrape it. */
function metric(text: string, name: string, camera: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{camera="${camera}"}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('several cameras on one recognition node', () => {
  const rooms: Room[] = [];
  const logs: LogLine[] = [];
  let config: Config;
  let metricsUrl: string;

  before(async () => {
    // Group photos: the tiny live detector finds faces in a scene, not in a tight face crop.
    const door = await photoFolder('door', ['group/bbt4.jpg']);
    const hall = await photoFolder('hall', ['group/bbt5.jpg']);
    const yard = await photoFolder('yard', ['group/bbt3.jpg']);
    const healthPort = await freePort();
    config = loadConfig({
      DATA_DIR: await tempDir('multi-camera'),
      CAMERA_SOURCES: JSON.stringify([
        { id: 'door', source: `dir:${door}`, name: 'Front door', role: 'entry', fps: 4 },
        { id: 'hall', source: `dir:${hall}`, role: 'exit', fps: 4 },
        { id: 'flood', source: `dir:${yard}`, fps: 30 },
        { id: 'broken', source: 'dir:/nonexistent/rollcall-camera', name: 'Never opens' },
      ]),
      RECOGNITION_SERVER_PORT: String(await freePort()),
      HEALTH_PORT: String(healthPort),
      BRIDGE_SECRET: SECRET,
      NODE_ID: 'camera-pc',
      WORKER_THREADS: '1',
      CONSENSUS_FRAMES: '2',
      // Still photos: with motion gating most frames would need no thread at all, and the share
      // of the thread each camera gets is what this file measures.
      MOTION_GATING: 'off',
    });
    metricsUrl = `http://127.0.0.1:${healthPort}/metrics`;
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
    );
    await startRecognitionNode(config, logger, { listenHost: '127.0.0.1' }, rooms);
  });

  after(async () => {
    for (const room of rooms.reverse()) await room.close().catch(() => undefined);
  });

  it('keeps the working cameras analysing while the broken one is restarted by its watchdog', async () => {
    const restarts = await until(
      'the broken camera to be restarted twice and every working camera to have analysed frames',
      async () => {
        const text = await (await fetch(metricsUrl)).text();
        const broken = metric(text, 'rollcall_camera_restarts_total', 'broken') ?? 0;
        const working = ['door', 'hall', 'flood'].map(
          (id) => metric(text, 'rollcall_camera_frames_processed_total', id) ?? 0,
        );
        return broken >= 2 && working.every((n) => n >= 3) ? broken : undefined;
      },
      90_000,
    );
    assert.ok(restarts >= 2);
    const logged = logs.filter((l) => l.msg === 'camera source restarted by the watchdog');
    assert.ok(logged.length >= 2, 'each restart is logged');
    assert.ok(
      logged.every((l) => l.camera === 'broken'),
      `only the broken camera restarts: ${JSON.stringify(logged)}`,
    );
    assert.match(logged[0]?.reason ?? '', /cannot be read|nonexistent/);
    const running = logs.filter((l) => l.msg === 'camera running').map((l) => l.camera);
    assert.deepEqual(running.sort(), ['door', 'flood', 'hall'], 'the broken camera is never said to run');
  });

  it('carries every camera in STATUS, with its name and role, as `rollcall probe` shows it', async () => {
    let out = '';
    const code = await runProbe(config, {
      target: `127.0.0.1:${config.recognitionServer.port}`,
      secret: SECRET,
      json: true,
      timeoutMs: 5000,
      io: { out: (t) => void (out += t), err: () => undefined },
    });
    assert.equal(code, 0);
    const status = JSON.parse(out) as { nodeId: string; cameras: CameraStatus[] };
    const byId = new Map(status.cameras.map((c) => [c.cameraId, c]));
    assert.deepEqual([...byId.keys()].sort(), ['broken', 'door', 'flood', 'hall']);
    assert.equal(byId.get('door')?.name, 'Front door');
    assert.equal(byId.get('door')?.role, 'entry');
    assert.equal(byId.get('hall')?.role, 'exit');
    assert.equal(byId.get('flood')?.role, undefined);
    assert.equal(byId.get('broken')?.online, false);
    for (const id of ['door', 'hall', 'flood']) {
      const camera = byId.get(id);
      assert.equal(camera?.online, true, `${id} is online`);
      assert.ok(camera.fps > 0, `${id} has analysed frames lately: ${JSON.stringify(camera)}`);
    }
  });

  it('shares the one thread fairly: the flooding camera does not crowd out the quiet ones', async () => {
    const before = await (await fetch(metricsUrl)).text();
    await new Promise((resolve) => setTimeout(resolve, 8000));
    const now = await (await fetch(metricsUrl)).text();
    const analysed = (id: string) =>
      (metric(now, 'rollcall_camera_frames_processed_total', id) ?? 0) -
      (metric(before, 'rollcall_camera_frames_processed_total', id) ?? 0);
    const [door, hall, flood] = [analysed('door'), analysed('hall'), analysed('flood')];
    // The flood camera offers 7.5 times the frames of each quiet one; it gets no more than its turn.
    assert.ok(door > 0 && hall > 0, `quiet cameras analysed ${door} and ${hall} frames in 8 s`);
    assert.ok(
      flood <= 2 * Math.max(door, hall) + 2,
      `flood ${flood} frames against door ${door}, hall ${hall}: more than its share`,
    );
  });

  it('names the camera in every event and in the healthz answer', async () => {
    const events = await until(
      'events from the working cameras',
      () => {
        const seen = new Set(
          logs
            .filter((l) => l.msg === 'unknown face' || /^recognized|^sighting/.test(l.msg))
            .map((l) => l.camera),
        );
        return Promise.resolve(seen.has('door') && seen.has('hall') ? seen : undefined);
      },
      60_000,
    );
    assert.ok(!events.has('broken'));
    const health = await fetch(metricsUrl.replace('/metrics', '/healthz'));
    assert.equal(health.status, 503, 'a camera without frames makes the node unhealthy');
    const body = (await health.json()) as { problem: string };
    assert.equal(body.problem, 'no frames from camera broken');
  });
});
