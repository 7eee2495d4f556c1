/**
 * Load, with real processes: events at 200/s into a web node (`rollcall start --role web`) and the
 * latency from sighting to attendance record; 50 WebSocket viewers of the live feed at once plus one
 * that never reads; the matcher on a 100,000-descriptor gallery, and that gallery reaching a node.
 * Figures are printed as `RELIABILITY {...}` lines; speed is recorded, never asserted.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { WebSocket } from 'ws';
import { PrivateRedis } from '../../src/queues/index.js';
import { runCli } from '../support/cli.js';
import type { EventNodeSpec } from '../support/event-node-child.js';
import { facePhoto } from '../support/faces.js';
import { Browser } from '../support/http-browser.js';
import type { LineChild } from '../support/line-child.js';
import { freePort } from '../support/net.js';
import {
  createAccount,
  lastDepth,
  quantile,
  report,
  SECRET,
  seedGallery,
  seedPeople,
  startEventNode,
  startRollcall,
  storedEvents,
  storedFigures,
  waitHealthy,
  webEnv,
} from '../support/rollcall-node.js';
import { tempDir } from '../support/temp.js';
import { untilTrue } from '../support/wait.js';

const running: LineChild[] = [];
const redises: PrivateRedis[] = [];
after(async () => {
  for (const child of running) await child.kill('SIGTERM');
  for (const redis of redises) await redis.close();
});

/** A web node and a synthetic recognition node, wired together, with a Redis of the test's own. */
async function pair(
  label: string,
  spec: Omit<EventNodeSpec, 'dir' | 'port' | 'secret' | 'nodeId'>,
  seed?: (webDir: string) => Promise<void>,
) {
  const root = await tempDir(label);
  const webDir = path.join(root, 'web-pc');
  const bridgePort = await freePort();
  const webPort = await freePort();
  const redis = await PrivateRedis.start({ dataDir: root });
  redises.push(redis);
  const people = await seedPeople(webDir, ['Amy', 'Howard', 'Penny', 'Raj', 'Sheldon']);
  await seed?.(webDir);
  const env = { ...webEnv(webDir, webPort, bridgePort), REDIS_URL: redis.url };
  const fullSpec: EventNodeSpec = {
    ...spec,
    people: spec.people.length > 0 ? spec.people : people,
    dir: path.join(root, 'camera-pc'),
    port: bridgePort,
    secret: SECRET,
    nodeId: 'camera-pc',
  };
  const node = await startEventNode(fullSpec);
  running.push(node);
  const web = startRollcall('web', env);
  running.push(web);
  await waitHealthy(webPort);
  return { root, webDir, webPort, env, node, web, spec: fullSpec };
}

describe('load', () => {
  it('events at 200/s into the web node: every one recorded, latency to the attendance record', async () => {
    const RATE = 200;
    const SECONDS = 15;
    const { webDir, node, web, spec } = await pair('load-events', {
      count: RATE * SECONDS,
      rate: RATE,
      prefix: 'rate',
      people: [],
    });
    await node.waitFor((lines) => lines.includes('done'), 120_000);
    const published = node.valuesOf('published');
    await untilTrue(
      'every event recorded',
      () => storedFigures(webDir, [spec.prefix]).events >= published.length,
      120_000,
    );
    await untilTrue('the outbox drained', () => lastDepth(node) === 0, 30_000);
    const rows = storedEvents(webDir, spec.prefix);
    const figures = storedFigures(webDir, [spec.prefix]);
    assert.equal(published.length, spec.count);
    assert.equal(figures.events, published.length, 'none lost');
    assert.equal(figures.distinctEvents, figures.events, 'none twice');
    assert.equal(figures.attendanceMismatches, 0);
    const latencies = rows.map((row) => row.latencyMs);
    const firstAt = Math.min(...rows.map((r) => r.latencyMs));
    assert.ok(firstAt >= 0, 'recorded after it happened');
    const maxDepth = Math.max(...node.valuesOf('depth').map(Number));
    await web.kill('SIGTERM');
    report('events at 200/s into the web node', {
      rate: RATE,
      seconds: SECONDS,
      emitted: published.length,
      recorded: figures.events,
      lost: published.length - figures.events,
      duplicates: figures.events - figures.distinctEvents,
      latencyP50Ms: quantile(latencies, 0.5),
      latencyP95Ms: quantile(latencies, 0.95),
      latencyMaxMs: Math.max(...latencies),
      maxOutboxDepth: maxDepth,
    });
  });

  it('50 viewers on the live feed at once, and one that never reads: frames per second each', async () => {
    const VIEWERS = 50;
    const FPS = 10;
    const SECONDS = 10;
    const root = await tempDir('load-live-jpeg');
    const jpegFile = path.join(root, 'frame.jpg');
    await sharp(facePhoto('group/bbt3.jpg'))
      .resize(640, 480, { fit: 'cover' })
      .jpeg({ quality: 80 })
      .toFile(jpegFile);
    const { webPort, env, web } = await pair('load-live', {
      count: 0,
      rate: 1,
      prefix: 'live',
      people: [],
      frameFps: FPS,
      jpegFile,
    });
    await createAccount(env, 'watcher', 'viewer', 'a-long-viewer-password-1');
    const base = `http://127.0.0.1:${webPort}`;
    const browser = new Browser(base);
    await browser.signIn('watcher', 'a-long-viewer-password-1');
    const cookie = browser.cookieHeader();

    // The stalled viewer: a real WebSocket upgrade whose socket is then never read.
    const stalled = net.connect({ host: '127.0.0.1', port: webPort });
    stalled.on('error', () => undefined);
    stalled.write(
      'GET /live/socket HTTP/1.1\r\nHost: 127.0.0.1:' +
        `${webPort}\r\nOrigin: ${base}\r\nCookie: ${cookie}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const stalledAnswer = await new Promise<string>((resolve) =>
      stalled.once('data', (chunk: Buffer) => {
        resolve(chunk.toString('latin1'));
      }),
    );
    assert.match(stalledAnswer, /^HTTP\/1\.1 101/);
    stalled.pause();

    const counts = new Array<number>(VIEWERS).fill(0);
    const bytes = new Array<number>(VIEWERS).fill(0);
    const sockets = await Promise.all(
      Array.from(
        { length: VIEWERS },
        (_, i) =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(`${base.replace('http', 'ws')}/live/socket`, {
              headers: { origin: base, cookie },
            });
            ws.on('message', (data: Buffer, isBinary) => {
              if (!isBinary) return;
              counts[i] = (counts[i] ?? 0) + 1;
              bytes[i] = (bytes[i] ?? 0) + data.length;
            });
            ws.once('open', () => {
              resolve(ws);
            });
            ws.once('error', reject);
          }),
      ),
    );
    await untilTrue('frames reaching every viewer', () => counts.every((n) => n > 0), 30_000);
    counts.fill(0);
    bytes.fill(0);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    const elapsed = (Date.now() - started) / 1000;
    const fps = counts.map((n) => n / elapsed);
    for (const ws of sockets) ws.close();
    stalled.destroy();
    assert.ok(
      fps.every((f) => f > 0),
      'every viewer kept receiving frames beside the stalled one',
    );
    assert.ok((await fetch(`${base}/healthz`)).ok);
    const frameKb = Math.round(
      bytes.reduce((a, b) => a + b, 0) /
        Math.max(
          1,
          counts.reduce((a, b) => a + b, 0),
        ) /
        1024,
    );
    await web.kill('SIGTERM');
    report('50 live-feed viewers and one stalled', {
      viewers: VIEWERS,
      stalledViewers: 1,
      publishedFps: FPS,
      frameKb,
      fpsMin: Math.round(Math.min(...fps) * 10) / 10,
      fpsMedian: Math.round(quantile(fps, 0.5) * 10) / 10,
      fpsMax: Math.round(Math.max(...fps) * 10) / 10,
      seconds: Math.round(elapsed),
    });
  });

  it('a gallery of 100,000 descriptors: time per query, and the snapshot reaching a node', async () => {
    const bench = await runCli(['bench-matcher', '--gallery', '100000', '--json'], {}, 300_000);
    assert.equal(bench.code, 0, `the index agrees with brute force: ${bench.stdout}${bench.stderr}`);
    const result = JSON.parse(bench.stdout) as {
      descriptors: number;
      people: number;
      msPerQueryMean: number;
      msPerQueryP95: number;
      bruteForceMsPerQuery: number;
      buildMs: number;
      agreement: number;
    };
    assert.equal(result.descriptors, 100_000);

    const PEOPLE = 2000;
    const PER_PERSON = 50;
    let version = 0;
    const seededAt = Date.now();
    const { node, web } = await pair(
      'load-gallery',
      { count: 0, rate: 1, prefix: 'gallery', people: [] },
      async (webDir) => {
        version = await seedGallery(webDir, PEOPLE, PER_PERSON);
      },
    );
    const seedMs = Date.now() - seededAt;
    const connectedAt = Date.now();
    await node.waitFor((lines) => lines.some((line) => line.startsWith('gallery ')), 180_000);
    const syncMs = Date.now() - connectedAt;
    const [people, got] = (node.valuesOf('gallery').at(-1) ?? '').split(' ').map(Number);
    assert.equal(got, version, 'the node holds the store gallery version');
    assert.equal(people, PEOPLE, 'every person with descriptors reached the node');
    await web.kill('SIGTERM');
    report('gallery of 100,000 descriptors', {
      descriptors: result.descriptors,
      msPerQueryMean: Math.round(result.msPerQueryMean * 100) / 100,
      msPerQueryP95: Math.round(result.msPerQueryP95 * 100) / 100,
      bruteForceMsPerQuery: Math.round(result.bruteForceMsPerQuery * 100) / 100,
      indexBuildMs: Math.round(result.buildMs),
      agreementWithBruteForce: result.agreement,
      syncedDescriptors: PEOPLE * PER_PERSON,
      syncedPeople: PEOPLE,
      seedStoreMs: seedMs,
      snapshotToNodeMs: syncMs,
    });
  });
});
