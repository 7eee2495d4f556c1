/**
 * Hostile input against a real `rollcall start --role all` process (private Redis, SQLite, the
 * face engine on one wasm thread, a `dir:` camera): the bridge fuzzer at volume, garbage on the live
 * bridge port, an upload matrix, every route anonymous and as a viewer, malformed query strings and
 * JSON bodies, and configuration out of range. Every bad input must get a clean refusal (HTTP 4xx
 * with `{ code, message }`, a failed job with its reason, a ConfigError naming the key) and the
 * process must keep serving: at the end a real enrollment still completes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { WebSocket } from 'ws';
import { ConfigError, loadConfig } from '../../config.js';
import { runCli } from '../support/cli.js';
import { facePhoto } from '../support/faces.js';
import { Browser } from '../support/http-browser.js';
import { LineChild } from '../support/line-child.js';
import { freePort } from '../support/net.js';
import { createAccount, report, SECRET, startRollcall, waitHealthy } from '../support/rollcall-node.js';
import { checkAuthorization, webNodeMatrix } from '../support/route-matrix.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/wait.js';

const FUZZ_CASES = 100_000;
const GARBAGE_CONNECTIONS = 500;
const ADMIN = { name: 'admin', password: 'a-long-admin-password-1' };
const VIEWER = { name: 'viewer', password: 'a-long-viewer-password-1' };

/** `node --test FILE` on a compiled test of another suite, with `env`; resolves with its output. */
function runTestFile(relative: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  const file = fileURLToPath(new URL(relative, import.meta.url));
  // Run as a test run of its own, not as a subtest reporting to this file's runner.
  const child = new LineChild(process.execPath, ['--test', file], { ...env, NODE_TEST_CONTEXT: undefined });
  return child.exited.then(() => ({ code: child.process.exitCode ?? 1, out: child.lines.join('\n') }));
}

/** A PNG whose header claims width × height, with a little real deflated data (a decompression bomb). */
function bombPng(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer): number => {
    let c = 0xffffffff;
    for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  // 200 rows of zeros: megabytes once inflated, a few kilobytes on the wire.
  const rows = deflateSync(Buffer.alloc((width + 1) * 200));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', rows),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

interface Refusal {
  status: number;
  code: string;
}

/** Asserts a clean 4xx answer: `{ code, message }`, no stack trace. */
async function refusal(res: Response, what: string): Promise<Refusal> {
  const text = await res.text();
  assert.ok(res.status >= 400 && res.status < 500, `${what}: expected a 4xx, got ${res.status}: ${text}`);
  const body = JSON.parse(text) as { code?: unknown; message?: unknown };
  assert.equal(typeof body.code, 'string', `${what}: ${text}`);
  assert.equal(typeof body.message, 'string', `${what}: ${text}`);
  assert.doesNotMatch(text, /at .*\.js:\d+/, `${what}: no stack trace`);
  return { status: res.status, code: body.code as string };
}

describe('hostile input: refused cleanly, and the node keeps serving', () => {
  let base: string;
  let bridgePort: number;
  let env: Record<string, string>;
  let node: LineChild;
  let adminToken: string;
  let viewerToken: string;
  const tally: Record<string, number> = {};

  before(async () => {
    const root = await tempDir('hostile');
    const frames = path.join(root, 'frames');
    await mkdir(frames);
    await symlink(facePhoto('group/bbt3.jpg'), path.join(frames, 'bbt3.jpg'));
    const webPort = await freePort();
    bridgePort = await freePort();
    base = `http://127.0.0.1:${webPort}`;
    env = {
      DATA_DIR: path.join(root, 'data'),
      BRIDGE_SECRET: SECRET,
      RECOGNITION_SERVER_PORT: String(bridgePort),
      WEB_PORT: String(webPort),
      CAMERA_SOURCE: `dir:${frames}`,
      WORKER_THREADS: '1',
      NODE_ID: 'hostile-pc',
    };
    node = startRollcall('all', env);
    await waitHealthy(webPort, 120_000);
    adminToken = await createAccount(env, ADMIN.name, 'admin', ADMIN.password);
    viewerToken = await createAccount(env, VIEWER.name, 'viewer', VIEWER.password);
  });

  after(async () => {
    await node.kill('SIGTERM');
    report('hostile input', tally);
  });

  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

  interface ApiJob {
    state: string;
    failedReason: string | null;
    result: { accepted?: string[]; refused?: unknown[] } | null;
  }

  /** `GET /api/v1/jobs/:id` once the job has completed or failed. */
  const apiJobSettled = (jobId: string, timeoutMs: number): Promise<ApiJob> =>
    until(
      `job ${jobId}`,
      async () => {
        const res = await fetch(`${base}/api/v1/jobs/${encodeURIComponent(jobId)}`, {
          headers: bearer(adminToken),
        });
        const view = (await res.json()) as ApiJob;
        return view.state === 'completed' || view.state === 'failed' ? view : undefined;
      },
      timeoutMs,
    );

  it(`the bridge fuzzer: ${FUZZ_CASES} cases through the decoder, then hostile sockets on a live server`, async () => {
    const started = Date.now();
    const unit = await runTestFile('../unit/bridge-fuzz.test.js', { BRIDGE_FUZZ_CASES: String(FUZZ_CASES) });
    assert.equal(unit.code, 0, unit.out.slice(-4000));
    const seed = /BRIDGE_FUZZ_SEED=(\d+)/.exec(unit.out)?.[1];
    const live = await runTestFile('../integration/bridge-fuzz.test.js', {});
    assert.equal(live.code, 0, live.out.slice(-4000));
    tally.fuzzCases = FUZZ_CASES;
    tally.fuzzSeed = Number(seed);
    tally.fuzzSocketConnections = 2000;
    tally.fuzzSeconds = Math.round((Date.now() - started) / 1000);
  });

  it(`${GARBAGE_CONNECTIONS} connections of random bytes to the running node's bridge; it still answers a web node`, async () => {
    let closedByNode = 0;
    for (let i = 0; i < GARBAGE_CONNECTIONS; i += 25) {
      await Promise.all(
        Array.from(
          { length: 25 },
          () =>
            new Promise<void>((resolve) => {
              const socket = net.connect({ host: '127.0.0.1', port: bridgePort });
              socket.on('connect', () => {
                socket.write(randomBytes(1 + Math.floor(Math.random() * 4096)));
              });
              socket.on('error', () => undefined);
              socket.on('close', () => {
                closedByNode++;
                resolve();
              });
              socket.on('data', () => undefined);
              // A peer that sent too little is cut at the handshake timeout; do not wait for that.
              setTimeout(() => socket.destroy(), 6000).unref();
            }),
        ),
      );
    }
    const probe = await runCli(['probe', `127.0.0.1:${bridgePort}`, '--json'], env);
    assert.equal(probe.code, 0, probe.stderr);
    assert.equal((JSON.parse(probe.stdout) as { nodeId: string }).nodeId, 'hostile-pc');
    tally.garbageBridgeConnections = GARBAGE_CONNECTIONS;
    tally.garbageConnectionsClosed = closedByNode;
  });

  it('an upload matrix: each bad photo refused with its reason; a real one still enrolls', async () => {
    const real = await readFile(facePhoto('penny/penny1.png'));
    const jpeg = await readFile(facePhoto('group/bbt3.jpg'));
    type Case = {
      name: string;
      body: () => FormData | string;
      headers?: Record<string, string>;
      /** Refused at upload with this status, or accepted and then failed by the training job. */
      expect: number | 'job-fails';
    };
    const form = (files: { name: string; bytes: Buffer; type?: string }[], person = 'Hostile'): FormData => {
      const f = new FormData();
      f.set('name', person);
      for (const file of files) {
        f.append(
          'photos',
          new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'image/jpeg' }),
          file.name,
        );
      }
      return f;
    };
    const cases: Case[] = [
      {
        name: 'random bytes',
        body: () => form([{ name: 'x.jpg', bytes: randomBytes(20_000) }]),
        expect: 415,
      },
      { name: 'empty file', body: () => form([{ name: 'e.jpg', bytes: Buffer.alloc(0) }]), expect: 400 },
      {
        name: 'truncated JPEG',
        body: () => form([{ name: 't.jpg', bytes: jpeg.subarray(0, Math.floor(jpeg.length / 3)) }]),
        expect: 'job-fails',
      },
      {
        name: '50 MB file',
        body: () => form([{ name: 'big.jpg', bytes: Buffer.concat([jpeg, Buffer.alloc(50 * 1024 * 1024)]) }]),
        expect: 413,
      },
      {
        name: '30000×30000 decompression bomb',
        body: () => form([{ name: 'bomb.png', bytes: bombPng(30_000, 30_000), type: 'image/png' }]),
        expect: 'job-fails',
      },
      {
        name: 'wrong content type (text file)',
        body: () => form([{ name: 'notes.txt', bytes: Buffer.from('hello'), type: 'text/plain' }]),
        expect: 415,
      },
      {
        name: 'wrong request type (JSON instead of multipart)',
        body: () => JSON.stringify({ name: 'x', photos: [] }),
        headers: { 'content-type': 'application/json' },
        expect: 415,
      },
      { name: 'no photo', body: () => form([]), expect: 400 },
      {
        name: 'no name',
        body: () => form([{ name: 'p.png', bytes: real, type: 'image/png' }], ''),
        expect: 400,
      },
      {
        name: '21 photos',
        body: () => form(Array.from({ length: 21 }, (_, i) => ({ name: `${i}.png`, bytes: real }))),
        expect: 413,
      },
      {
        name: 'unexpected file field',
        body: () => {
          const f = form([{ name: 'p.png', bytes: real }]);
          f.append('other', new Blob([new Uint8Array(real)]), 'o.png');
          return f;
        },
        expect: 400,
      },
      {
        name: 'multipart with a broken boundary',
        body: () => '--nope\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n',
        headers: { 'content-type': 'multipart/form-data; boundary=abc' },
        expect: 400,
      },
    ];
    const outcomes: Record<string, string> = {};
    for (const c of cases) {
      const res = await fetch(`${base}/api/v1/people`, {
        method: 'POST',
        body: c.body(),
        headers: { ...bearer(adminToken), ...c.headers },
      });
      if (c.expect === 'job-fails') {
        const text = await res.text();
        assert.equal(res.status, 202, `${c.name}: ${text}`);
        const { jobId } = JSON.parse(text) as { jobId: string };
        const job = await apiJobSettled(jobId, 120_000);
        // Refused by the decoder: the job fails, or completes having refused every photo.
        const refusedAll = job.state === 'failed' || (job.result?.refused?.length ?? 0) === 1;
        assert.ok(refusedAll, `${c.name}: ${JSON.stringify(job)}`);
        outcomes[c.name] =
          `202, job ${job.state}: ${job.failedReason ?? JSON.stringify(job.result?.refused)}`;
      } else {
        const { status, code } = await refusal(res, c.name);
        assert.equal(status, c.expect, `${c.name}: ${code}`);
        outcomes[c.name] = `${status} ${code}`;
      }
    }

    // A path-traversal file name on a real photo: accepted, stored under its base name only.
    const traversal = await fetch(`${base}/api/v1/people`, {
      method: 'POST',
      body: form([{ name: '../../../../etc/passwd.png', bytes: real, type: 'image/png' }], 'Penny'),
      headers: bearer(adminToken),
    });
    const accepted = (await traversal.json()) as { person: { id: string }; jobId: string };
    assert.equal(traversal.status, 202);
    const job = await apiJobSettled(accepted.jobId, 180_000);
    assert.equal(job.state, 'completed', job.failedReason ?? '');
    assert.equal(job.result?.accepted?.length, 1, 'the photo was enrolled after all the bad ones');
    outcomes['path-traversal file name'] = `202, job completed`;
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    for (const [name, outcome] of Object.entries(outcomes))
      process.stdout.write(`# upload ${name}: ${outcome}\n`);
    tally.uploadCases = Object.keys(outcomes).length;
  });

  it('every route refuses anonymous callers, and admin routes refuse a viewer', async () => {
    // The routes come from the web app's own router (built here the way the node builds it), so a
    // route added later is checked too; see test/support/route-matrix.ts for the two short lists
    // written by hand (public on purpose, a viewer's).
    const matrix = await webNodeMatrix();
    const viewerBrowser = new Browser(base);
    await viewerBrowser.signIn(VIEWER.name, VIEWER.password);
    const { requests: checks } = await checkAuthorization(base, matrix, {
      token: viewerToken,
      browser: viewerBrowser,
    });
    // A bad or revoked token is no better than none.
    const forged = await fetch(`${base}/api/v1/session`, { headers: bearer(`${viewerToken}x`) });
    assert.equal((await refusal(forged, 'forged token')).status, 401);
    // The live feed's WebSocket: refused without a session, and from another site's page.
    const socketStatus = (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve) => {
        const ws = new WebSocket(`${base.replace('http', 'ws')}/live/socket`, { headers });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('open', () => {
          resolve(101);
          ws.close();
        });
        ws.on('error', () => undefined);
      });
    assert.equal(await socketStatus({ origin: base }), 401);
    const cookie = viewerBrowser.cookieHeader();
    assert.equal(await socketStatus({ origin: 'http://evil.example', cookie }), 403);
    assert.equal(await socketStatus({ origin: base, cookie }), 101, 'a signed-in viewer may watch');
    tally.routeChecks = checks + 4;
  });

  it('malformed query strings and JSON bodies get 400s that name the problem', async () => {
    const queries = [
      '/api/v1/attendance?date=garbage',
      '/api/v1/attendance?date=2025-13-45',
      '/api/v1/attendance?date=2024-02-30',
      '/api/v1/attendance?date=2025-01-01&date=2025-01-02',
      '/api/v1/attendance?date=%00',
      `/api/v1/attendance?date=${'9'.repeat(5000)}`,
      '/api/v1/attendance?limit=-1',
      '/api/v1/attendance?limit=abc',
      '/api/v1/attendance?offset=1e99',
      '/api/v1/attendance.csv?from=2025-02-01&to=2025-01-01',
      '/api/v1/attendance.csv?from=2000-01-01&to=2025-01-01',
      '/api/v1/attendance.csv?from=%ZZ',
      '/api/v1/events?from=yesterday',
      '/api/v1/events?from=2025-01-01T00:00:00Z&to=2024-01-01T00:00:00Z',
      '/api/v1/events?type=everything',
      '/api/v1/events?limit=100000000',
      '/api/v1/jobs/%00',
      `/api/v1/jobs/${'x'.repeat(3000)}`,
      '/api/v1/people/%E0%A4%A',
      '/api/v1/unknown-faces?status=everything',
      '/api/v1/unknown-faces?limit=-5',
      '/api/v1/attendance/corrections?date=31-12-2025',
      `/api/v1/users/${'u'.repeat(3000)}/tokens`,
    ];
    const codes: Record<string, number> = {};
    for (const url of queries) {
      const res = await fetch(base + url, { headers: bearer(adminToken) });
      const { status } = await refusal(res, url);
      codes[status] = (codes[status] ?? 0) + 1;
    }
    const bodies: { what: string; body: string; type: string }[] = [
      { what: 'truncated JSON', body: '{"name": "x"', type: 'application/json' },
      { what: 'not JSON at all', body: 'name=x&&&', type: 'application/json' },
      {
        what: 'JSON too large',
        body: JSON.stringify({ name: 'x'.repeat(200_000) }),
        type: 'application/json',
      },
      {
        what: 'deeply nested JSON',
        body: `${'['.repeat(5000)}${']'.repeat(5000)}`,
        type: 'application/json',
      },
      { what: 'JSON with a prototype key', body: '{"__proto__": {"admin": true}}', type: 'application/json' },
      { what: 'a bare string', body: '"x"', type: 'application/json' },
    ];
    const targets: [string, string][] = [
      ['POST', '/api/v1/people'],
      ['POST', '/login'],
      ['PUT', '/api/v1/settings'],
      ['POST', '/api/v1/users'],
      ['POST', '/api/v1/attendance/corrections'],
    ];
    for (const { what, body, type } of bodies) {
      for (const [method, url] of targets) {
        const res = await fetch(base + url, {
          method,
          body,
          headers: { 'content-type': type, accept: 'application/json', ...bearer(adminToken) },
          redirect: 'manual',
        });
        const { status } = await refusal(res, `${what} to ${url}`);
        codes[status] = (codes[status] ?? 0) + 1;
      }
    }
    // Form pages reached with an API token (no session): refused, never a crash.
    const formPages: [string, string][] = [
      ['GET', '/login'],
      ['GET', '/setup'],
      ['POST', '/login'],
      ['POST', '/logout'],
      ['POST', '/setup'],
    ];
    for (const [method, url] of formPages) {
      const res = await fetch(base + url, {
        method,
        headers: { accept: 'application/json', ...bearer(adminToken) },
        redirect: 'manual',
      });
      if (res.status === 303) continue; // /setup with users already: sent to sign in
      const { status } = await refusal(res, `${method} ${url} with a token`);
      codes[status] = (codes[status] ?? 0) + 1;
    }
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    tally.malformedRequests = queries.length + bodies.length * targets.length + formPages.length;
    process.stdout.write(`# malformed requests by status: ${JSON.stringify(codes)}\n`);
  });

  it('configuration out of range: every bad key is named, and rollcall start refuses to run', async () => {
    const bad: [string, string][] = [
      ['WEB_PORT', '0'],
      ['WEB_PORT', '70000'],
      ['WEB_PORT', '-1'],
      ['WEB_PORT', '0x1F90'],
      ['RECOGNITION_SERVER_PORT', '99999'],
      ['HEALTH_PORT', '65536'],
      ['TRUST_PROXY', 'true'],
      ['RECOGNITION_SERVER_HOST', 'not a host!'],
      ['RECOGNITION_SERVERS', 'a:1,:::,b:70000'],
      ['BRIDGE_SECRET', 'short'],
      ['REDIS_URL', 'http://localhost:6379'],
      ['MONGODB_URI', 'postgres://x'],
      ['NODE_ID', '../etc'],
      ['WORKER_THREADS', '0'],
      ['WORKER_THREADS', '1000'],
      ['WORKER_THREADS', '2.5'],
      ['TF_BACKEND', 'cuda'],
      ['LIVE_DETECTOR', 'yolo'],
      ['MATCH_THRESHOLD', '-0.1'],
      ['MATCH_THRESHOLD', 'NaN'],
      ['UNKNOWN_THRESHOLD', '3'],
      ['CONSENSUS_FRAMES', '0'],
      ['SIGHTING_INTERVAL_S', '86401'],
      ['TIMEZONE', 'Mars/Olympus'],
      ['LOG_LEVEL', 'loud'],
      ['BRIDGE_TLS_CERT', '/tmp/cert.pem'],
    ];
    for (const [key, value] of bad) {
      assert.throws(
        () => loadConfig({ [key]: value }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, `${key}=${value}: ${String(error)}`);
          assert.ok(
            error.problems.some((p) => p.startsWith(`${key}=`) || p.includes(key)),
            `${key}=${value}: ${error.message}`,
          );
          return true;
        },
        `${key}=${value} is refused`,
      );
    }
    // All at once: one error listing every key.
    const all = Object.fromEntries(bad.filter(([key]) => key !== 'BRIDGE_TLS_CERT'));
    assert.throws(
      () => loadConfig(all),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        for (const key of Object.keys(all)) assert.match(error.message, new RegExp(key), key);
        return true;
      },
    );
    const started = await runCli(
      ['start', '--role', 'web'],
      { WEB_PORT: '70000', WORKER_THREADS: '0' },
      30_000,
    );
    assert.notEqual(started.code, 0);
    assert.match(started.stderr + started.stdout, /WEB_PORT/);
    assert.match(started.stderr + started.stdout, /WORKER_THREADS/);
    tally.badConfigValues = bad.length + 1;
  });
});
