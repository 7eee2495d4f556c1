/**
 * Two machines, as in the setup guide: a recognition node and a web node started as separate
 * `rollcall start` processes with their own data folders, talking over TCP with TLS (a self-signed
 * certificate, as the README's security section sets it up). A person is enrolled through the web
 * node's API and is then marked present by the recognition node's camera.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROLLCALL_BIN, runCli } from '../support/cli.js';
import { facePhoto } from '../support/faces.js';
import { tempDir } from '../support/temp.js';
import { freePort } from '../support/net.js';
import { until } from '../support/wait.js';

const SECRET = 'distributed-test-secret-0123456789';

describe('a recognition node and a web node as two processes', () => {
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  let webEnv: Record<string, string>;
  let webPort: number;
  let healthPort: number;

  function start(role: 'recognition' | 'web', env: Record<string, string>): void {
    const child = spawn(process.execPath, [ROLLCALL_BIN, 'start', '--role', role], {
      env: { ...process.env, ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = (chunk: Buffer): void => {
      logs.push(`[${role}] ${chunk.toString('utf8')}`);
    };
    child.stdout.on('data', log);
    child.stderr.on('data', log);
    children.push(child);
  }

  before(async () => {
    const root = await tempDir('two-pcs');
    const frames = path.join(root, 'frames');
    await mkdir(frames);
    await symlink(facePhoto('group/bbt3.jpg'), path.join(frames, 'bbt3.jpg'));
    const cert = path.join(root, 'cert.pem');
    const key = path.join(root, 'key.pem');
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=camera-pc',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    const bridgePort = await freePort();
    webPort = await freePort();
    healthPort = await freePort();
    start('recognition', {
      HEALTH_PORT: String(healthPort),
      BRIDGE_TLS_CERT: cert,
      BRIDGE_TLS_KEY: key,
      DATA_DIR: path.join(root, 'camera-pc'),
      BRIDGE_SECRET: SECRET,
      RECOGNITION_SERVER_PORT: String(bridgePort),
      CAMERA_SOURCE: `dir:${frames}`,
      NODE_ID: 'camera-pc',
      WORKER_THREADS: '1',
    });
    webEnv = {
      DATA_DIR: path.join(root, 'web-pc'),
      BRIDGE_SECRET: SECRET,
      RECOGNITION_SERVER_HOST: '127.0.0.1',
      RECOGNITION_SERVER_PORT: String(bridgePort),
      WEB_PORT: String(webPort),
      NODE_ID: 'web-pc',
      BRIDGE_TLS_CA: cert,
    };
    start('web', webEnv);
    await until('the web node', async () =>
      (await fetch(`http://127.0.0.1:${webPort}/healthz`)).ok ? true : undefined,
    );
  });

  after(async () => {
    for (const child of children) {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    }
  });

  it('enrolls a person through the web node and marks them present from the camera PC', async () => {
    const bridge = await runCli(
      ['probe', `127.0.0.1:${webEnv.RECOGNITION_SERVER_PORT ?? ''}`, '--json'],
      webEnv,
    );
    assert.equal(bridge.code, 0, bridge.stderr);
    assert.equal((JSON.parse(bridge.stdout) as { nodeId: string }).nodeId, 'camera-pc');

    const admin = await runCli(
      ['user', 'add', 'admin', '--role', 'admin', '--password-stdin'],
      webEnv,
      60_000,
      'a-long-password-1\n',
    );
    assert.equal(admin.code, 0, admin.stderr);
    const token = await runCli(['token', 'create', 'admin'], webEnv);
    assert.equal(token.code, 0, token.stderr);
    const bearer = { authorization: `Bearer ${token.stdout.trim().split('\n')[0] ?? ''}` };

    const form = new FormData();
    form.set('name', 'Sheldon');
    for (const file of ['sheldon1.png', 'sheldon2.png']) {
      form.append(
        'photos',
        new Blob([await readFile(facePhoto(`sheldon/${file}`))], { type: 'image/png' }),
        file,
      );
    }
    const enrolled = await fetch(`http://127.0.0.1:${webPort}/api/v1/people`, {
      method: 'POST',
      body: form,
      headers: bearer,
    });
    assert.equal(enrolled.status, 202, await enrolled.clone().text());
    const { person, jobId } = (await enrolled.json()) as { person: { id: string }; jobId: string };

    const job = await until('training', async () => {
      const response = await fetch(`http://127.0.0.1:${webPort}/api/v1/jobs/${encodeURIComponent(jobId)}`, {
        headers: bearer,
      });
      const body = (await response.json()) as { state: string; failedReason: string | null };
      return body.state === 'completed' || body.state === 'failed' ? body : undefined;
    });
    assert.equal(job.state, 'completed', `${job.failedReason ?? ''}\n${logs.join('')}`);

    const today = new Date().toISOString().slice(0, 10);
    const record = await until('attendance', async () => {
      const response = await fetch(`http://127.0.0.1:${webPort}/api/v1/attendance?date=${today}`, {
        headers: bearer,
      });
      const body = (await response.json()) as {
        records: { person: { id: string; name: string }; nodeId: string }[];
      };
      return body.records.find((r) => r.person.id === person.id);
    });
    assert.equal(record.person.name, 'Sheldon');
    assert.equal(record.nodeId, 'camera-pc');
  });

  it('answers /healthz and /metrics on the camera PC, with no web node needed to read them', async () => {
    const health = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as {
      ok: boolean;
      nodeId: string;
      cameras: { online: boolean; framesProcessed: number }[];
      galleryPeople: number;
      webNodesConnected: number;
    };
    assert.equal(body.ok, true);
    assert.equal(body.nodeId, 'camera-pc');
    const [camera] = body.cameras;
    assert.ok(camera);
    assert.equal(camera.online, true);
    assert.ok(camera.framesProcessed > 0);
    // Enrolled by the previous test through the web node, pushed over the bridge.
    assert.equal(body.galleryPeople, 1);
    assert.equal(body.webNodesConnected, 1);

    const metrics = await fetch(`http://127.0.0.1:${healthPort}/metrics`);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    const processed = /^rollcall_camera_frames_processed_total\{camera="[^"]+"\} (\d+)$/m.exec(text);
    assert.ok(processed && Number(processed[1]) > 0, text.slice(0, 2000));
    assert.match(text, /^rollcall_outbox_depth \d+$/m);
    assert.match(text, /^rollcall_gallery_people 1$/m);
    assert.doesNotMatch(text, /Sheldon/, 'metrics never name a person');
  });
});
