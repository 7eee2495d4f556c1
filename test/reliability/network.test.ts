/**
 * The camera PC and the web PC on a real network path that misbehaves: the recognition node (real
 * bridge server and durable outbox, synthetic events and live frames: event-node-child) and the web
 * node (`rollcall start --role web`, its private redis-server and SQLite store) each run in their own
 * network namespace, joined by a veth pair whose packets are shaped (test/support/two-hosts.ts):
 *
 * 1. 200 ms delay ± 50 ms jitter and 5% loss each way, for 60 s of events and live frames;
 * 2. the link cut for 30 s in the middle of a burst, a person erased meanwhile, then restored;
 * 3. a link that reorders and duplicates packets.
 *
 * Each asserts every event the node confirmed is stored once (lost 0, duplicates 0), and prints a
 * `RELIABILITY {...}` line: outbox depth over time, how long after the link returns the backlog is
 * delivered, live-view frames per second during and after, and the gallery converging on the node.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { WebSocket } from 'ws';
import { ROLLCALL_BIN } from '../support/cli.js';
import { EVENT_NODE_CHILD, type EventNodeSpec } from '../support/event-node-child.js';
import { facePhoto } from '../support/faces.js';
import { Browser } from '../support/http-browser.js';
import type { LineChild } from '../support/line-child.js';
import {
  createAccount,
  lastDepth,
  quantile,
  report,
  SECRET,
  seedGallery,
  storedEvents,
  storedFigures,
  webEnv,
} from '../support/rollcall-node.js';
import { tempDir } from '../support/temp.js';
import {
  NODE_ADDRESS,
  TwoHosts,
  twoHostsRefusal,
  type LinkProfile,
  type RelayStats,
} from '../support/two-hosts.js';
import { until, untilTrue } from '../support/wait.js';

/** Inside each namespace the ports are the products' defaults: nothing else listens there. */
const BRIDGE_PORT = 9999;
const WEB_PORT = 8081;
const VIEWER_PASSWORD = 'a-long-viewer-password-1';
const ADMIN_PASSWORD = 'a-long-admin-password-12';

const refusal = await twoHostsRefusal();
if (refusal !== undefined) process.stdout.write(`# network tests skipped: ${refusal}\n`);

const networks: TwoHosts[] = [];
const children: LineChild[] = [];
const viewers: LiveViewer[] = [];
after(async () => {
  for (const viewer of viewers) viewer.close();
  // SIGTERM first, so the web node stops its private redis-server; then the namespaces go.
  for (const child of children) await child.kill('SIGTERM');
  for (const hosts of networks) await hosts.destroy();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A live-view client of the web node (on the web PC's side, not across the shaped wire). */
class LiveViewer {
  /** When each frame arrived (ms since the epoch). */
  readonly frames: number[] = [];
  #socket: WebSocket | undefined;

  async open(base: string, cookie: string): Promise<void> {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/live/socket`, {
      headers: { origin: base, cookie },
    });
    ws.on('message', (_data, isBinary) => {
      if (isBinary) this.frames.push(Date.now());
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        resolve();
      });
      ws.once('error', reject);
    });
    this.#socket = ws;
  }

  /** Frames a second over [from, to). */
  fps(from: number, to: number): number {
    const n = this.frames.filter((t) => t >= from && t < to).length;
    return Math.round((n / Math.max(0.001, (to - from) / 1000)) * 10) / 10;
  }

  close(): void {
    this.#socket?.close();
  }
}

/** The node's outbox depth, once a second, with the seconds since `start`. */
class DepthSampler {
  readonly samples: [number, number][] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(node: LineChild, start: number) {
    this.#timer = setInterval(() => {
      const depth = lastDepth(node);
      if (Number.isFinite(depth)) this.samples.push([Math.round((Date.now() - start) / 1000), depth]);
    }, 1000);
    // A failed test must not keep the file's process alive.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  get max(): number {
    return Math.max(0, ...this.samples.map(([, depth]) => depth));
  }

  /** Every `step`-th sample, to print. */
  every(step: number): [number, number][] {
    return this.samples.filter((_, i) => i % step === 0);
  }
}

interface Pair {
  hosts: TwoHosts;
  webDir: string;
  base: string;
  node: LineChild;
  web: LineChild;
  spec: EventNodeSpec;
  people: string[];
  adminToken: string;
  viewer: LiveViewer;
  /** When the web node first connected to the node (the events start then). */
  startedAt: number;
}

/** Ids of the people in a web node's store, oldest first. */
function personIds(webDir: string): string[] {
  const db = new Database(path.join(webDir, 'rollcall.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT id FROM people ORDER BY rowid').all() as { id: string }[]).map(
      (row) => row.id,
    );
  } finally {
    db.close();
  }
}

/**
 * Two namespaces, the wire shaped by `profile` (if any) before anything connects, a recognition node
 * in one and a web node in the other, and a viewer watching the live feed from the web PC's side.
 */
async function startPair(
  label: string,
  profile: LinkProfile | undefined,
  spec: Pick<EventNodeSpec, 'count' | 'rate' | 'prefix'>,
): Promise<Pair> {
  const hosts = await TwoHosts.create();
  networks.push(hosts);
  if (profile !== undefined) await hosts.shape(profile);
  const root = await tempDir(label);
  const webDir = path.join(root, 'web-pc');
  // Seven people with descriptors, so the node holds a gallery the test can change.
  await seedGallery(webDir, 7, 2);
  const people = personIds(webDir);
  const env = { ...webEnv(webDir, WEB_PORT, BRIDGE_PORT), RECOGNITION_SERVER_HOST: NODE_ADDRESS };
  const adminToken = await createAccount(env, 'operator', 'admin', ADMIN_PASSWORD);
  await createAccount(env, 'watcher', 'viewer', VIEWER_PASSWORD);
  const jpegFile = path.join(root, 'frame.jpg');
  await sharp(facePhoto('group/bbt3.jpg'))
    .resize(640, 480, { fit: 'cover' })
    .jpeg({ quality: 80 })
    .toFile(jpegFile);

  const fullSpec: EventNodeSpec = {
    ...spec,
    dir: path.join(root, 'camera-pc'),
    host: '0.0.0.0',
    port: BRIDGE_PORT,
    secret: SECRET,
    nodeId: 'camera-pc',
    // The first six are seen; the seventh is the one a test may erase.
    people: people.slice(0, 6),
    frameFps: 10,
    jpegFile,
    cropBytes: 2048,
    // Timed from the connection, so the web node's start-up is not counted as link latency.
    eventsAfterConnect: true,
  };
  const node = hosts.exec(hosts.nodeNs, process.execPath, [EVENT_NODE_CHILD, JSON.stringify(fullSpec)]);
  children.push(node);
  await node.waitFor((lines) => lines.some((line) => line.startsWith('ready ')));
  const web = hosts.exec(hosts.webNs, process.execPath, [ROLLCALL_BIN, 'start', '--role', 'web'], {
    LOG_LEVEL: 'info',
    ...env,
  });
  children.push(web);
  const base = `http://${hosts.webMgmtAddress}:${WEB_PORT}`;
  await until('the web node to answer', async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined));
  await node.waitFor((lines) => lines.some((line) => line.startsWith('connected ')));
  const startedAt = Date.now();
  const browser = new Browser(base);
  await browser.signIn('watcher', VIEWER_PASSWORD);
  const viewer = new LiveViewer();
  viewers.push(viewer);
  await viewer.open(base, browser.cookieHeader());
  return { hosts, webDir, base, node, web, spec: fullSpec, people, adminToken, viewer, startedAt };
}

/** Every confirmed event stored exactly once; the figures. */
function assertExactlyOnce(pair: Pair, published: readonly string[]) {
  const figures = storedFigures(pair.webDir, [pair.spec.prefix]);
  const stored = new Set(storedEvents(pair.webDir, pair.spec.prefix).map((row) => row.id));
  const missing = published.filter((id) => !stored.has(id));
  assert.deepEqual(missing, [], 'every event the node confirmed is stored');
  assert.equal(figures.events, figures.distinctEvents, 'no event stored twice');
  assert.equal(figures.events, published.length, 'no event that was never sent');
  assert.equal(figures.unknownFaces, figures.events - figures.recognized, 'each unknown face opened once');
  assert.equal(figures.attendanceMismatches, 0, 'attendance spans exactly the stored sightings');
  return { ...figures, lost: missing.length, duplicates: figures.events - figures.distinctEvents };
}

function latencies(pair: Pair) {
  const values = storedEvents(pair.webDir, pair.spec.prefix).map((row) => row.latencyMs);
  return {
    latencyP50Ms: quantile(values, 0.5),
    latencyP95Ms: quantile(values, 0.95),
    latencyMaxMs: Math.max(...values),
  };
}

/** What each side says, for a failure message. */
function diagnosis(pair: Pair): string {
  const webWarnings = pair.web.lines.filter((line) => /"level":(40|50|60)/.test(line)).slice(-8);
  return [
    `stored ${storedCount(pair)}, published ${pair.node.valuesOf('published').length}`,
    `node: depth ${lastDepth(pair.node)}, connections ${connections(pair.node)}, ` +
      `disconnects: ${pair.node.valuesOf('disconnected').slice(-5).join(' | ')}`,
    `node stderr: ${pair.node.stderr.slice(-1000)}`,
    `web warnings:\n${webWarnings.join('\n')}`,
    `web stderr: ${pair.web.stderr.slice(-1000)}`,
    `relays: ${JSON.stringify(pair.hosts.relayStats())}`,
  ].join('\n');
}

/** As untilTrue, failing with what each side says. */
async function waitFor(pair: Pair, what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  try {
    await untilTrue(what, check, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${diagnosis(pair)}`, { cause: error });
  }
}

function storedCount(pair: Pair): number {
  return storedFigures(pair.webDir, [pair.spec.prefix]).events;
}

/** How often the web node (re)connected to the node, as the node saw it. */
function connections(node: LineChild): number {
  return node.valuesOf('connected').length;
}

async function stopPair(pair: Pair): Promise<void> {
  pair.viewer.close();
  await pair.web.kill('SIGTERM');
  await pair.node.kill('SIGTERM');
  await pair.hosts.destroy();
}

function relayFigures(stats: Record<string, RelayStats>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(stats).map(([direction, s]) => [
      direction,
      { packets: s.in, lost: s.lost, duplicated: s.duplicated, sentEarly: s.sentEarly, overflow: s.overflow },
    ]),
  );
}

describe('network: two hosts on a shaped veth link', { skip: refusal ?? false }, () => {
  it(
    '200 ms ± 50 ms delay and 5% loss for 60 s of events and live frames: nothing lost, nothing twice',
    { timeout: 600_000 },
    async () => {
      const SECONDS = 60;
      const RATE = 20;
      const profile: LinkProfile = { delayMs: 200, jitterMs: 50, lossPct: 5 };
      const pair = await startPair('net-lossy', profile, {
        count: RATE * SECONDS,
        rate: RATE,
        prefix: 'lossy',
      });
      const { node, hosts, viewer } = pair;
      const sampler = new DepthSampler(node, pair.startedAt);
      const viewingFrom = Date.now();
      await node.waitFor((lines) => lines.includes('done'), (SECONDS + 60) * 1000);
      const lastPublishedAt = Date.now();
      const published = node.valuesOf('published');
      await waitFor(
        pair,
        'every event stored across the lossy link',
        () => storedCount(pair) >= published.length,
        180_000,
      );
      await waitFor(pair, 'the outbox drained', () => lastDepth(node) === 0, 60_000);
      const drainedAfterLastMs = Date.now() - lastPublishedAt;
      const shapedUntil = Date.now();
      const relay = await hosts.unshape();
      // The same viewer once the link is clean again.
      const cleanFrom = Date.now() + 1000;
      await sleep(11_000);
      const cleanTo = Date.now();
      sampler.stop();
      const figures = assertExactlyOnce(pair, published);
      const reconnects = connections(node) - 1;
      await stopPair(pair);
      report('two hosts: 200 ms ± 50 ms, 5% loss each way', {
        impairment: hosts.impairment,
        seconds: SECONDS,
        rate: RATE,
        emitted: published.length,
        stored: figures.events,
        lost: figures.lost,
        duplicates: figures.duplicates,
        ...latencies(pair),
        outboxDepthMax: sampler.max,
        outboxDepthEvery5s: sampler.every(5),
        drainedAfterLastEventMs: drainedAfterLastMs,
        reconnects,
        liveFpsPublished: 10,
        liveFpsShaped: viewer.fps(viewingFrom, shapedUntil),
        liveFpsAfter: viewer.fps(cleanFrom, cleanTo),
        relay: relayFigures(relay),
      });
    },
  );

  it(
    'the link cut for 30 s mid-burst, a person erased meanwhile: backlog delivered once, gallery converges',
    { timeout: 600_000 },
    async () => {
      const PARTITION_MS = 30_000;
      const RATE = 40;
      const pair = await startPair('net-partition', undefined, {
        count: RATE * 50,
        rate: RATE,
        prefix: 'cut',
      });
      const { node, hosts, viewer } = pair;
      const sampler = new DepthSampler(node, pair.startedAt);
      await node.waitFor((lines) => lines.some((line) => line.startsWith('gallery ')));
      const galleryBefore = Number(node.valuesOf('gallery').at(-1)?.split(' ')[1]);
      await waitFor(pair, 'events flowing before the cut', () => storedCount(pair) >= 200, 60_000);

      const cutAt = Date.now();
      await hosts.partition();
      const publishedAtCut = node.valuesOf('published').length;
      const storedAtCut = storedCount(pair);
      const webLinesAtCut = pair.web.lines.length;
      const nodeLinesAtCut = node.lines.length;
      // An operator erases someone while the camera PC is unreachable.
      await sleep(3000);
      const erasedId = pair.people[6] ?? '';
      const deleteStarted = Date.now();
      const erased = await fetch(`${pair.base}/api/v1/people/${erasedId}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${pair.adminToken}` },
      });
      const deleteMs = Date.now() - deleteStarted;
      assert.equal(erased.status, 200, await erased.clone().text());
      const { galleryVersion: erasedVersion } = (await erased.json()) as { galleryVersion: number };
      assert.ok(erasedVersion > galleryBefore);
      await sleep(cutAt + PARTITION_MS - Date.now());
      const healedAt = Date.now();
      await hosts.heal();
      const publishedAtHeal = node.valuesOf('published');
      const depthAtHeal = lastDepth(node);
      const connectionsAtHeal = connections(node);

      // From the moment the link is back: reconnected, backlog delivered, gallery converged, frames.
      const milestones: Record<string, number> = {};
      await until(
        'the web node back, the backlog delivered and the gallery converged',
        () => {
          const now = Date.now() - healedAt;
          if (milestones.reconnect === undefined && connections(node) > connectionsAtHeal)
            milestones.reconnect = now;
          if (milestones.firstFrame === undefined && viewer.frames.some((t) => t > healedAt))
            milestones.firstFrame = now;
          if (milestones.backlog === undefined) {
            const stored = new Set(storedEvents(pair.webDir, pair.spec.prefix).map((row) => row.id));
            if (publishedAtHeal.every((id) => stored.has(id))) milestones.backlog = now;
          }
          const version = Number(node.valuesOf('gallery').at(-1)?.split(' ')[1]);
          if (milestones.gallery === undefined && version >= erasedVersion) milestones.gallery = now;
          return Promise.resolve(Object.keys(milestones).length === 4 ? true : undefined);
        },
        120_000,
      );
      await node.waitFor((lines) => lines.includes('done'), 120_000);
      const published = node.valuesOf('published');
      await waitFor(pair, 'every event stored', () => storedCount(pair) >= published.length, 120_000);
      await waitFor(pair, 'the outbox drained', () => lastDepth(node) === 0, 60_000);
      const reconnectedAt = healedAt + (milestones.reconnect ?? 0);
      sampler.stop();
      const figures = assertExactlyOnce(pair, published);
      const [galleryPeople, galleryVersion] = (node.valuesOf('gallery').at(-1) ?? '').split(' ').map(Number);
      assert.equal(galleryVersion, erasedVersion, "the node's gallery is the store's");
      assert.equal(galleryPeople, 6, 'the erased person left the node');

      // When each side noticed the cut, and the web node's attempts until the link came back (it
      // logs the end of the connection, then every failed attempt, each with its reason).
      const webDrops = pair.web.lines
        .slice(webLinesAtCut)
        .filter((line) => line.includes('"msg":"recognition node disconnected'))
        .map((line) => JSON.parse(line) as { time: number; reason: string });
      const webNoticedMs = webDrops[0] === undefined ? null : webDrops[0].time - cutAt;
      const failedAttempts = webDrops.slice(1).filter((drop) => drop.time < reconnectedAt);
      const attemptReasons = [...new Set(failedAttempts.map((drop) => drop.reason.replace(/\d+/g, 'N')))];
      const nodeNoticed = node.lines.slice(nodeLinesAtCut).some((line) => line.startsWith('disconnected '));
      // Ten seconds of the live view once the node is back, to count its frames.
      await sleep(reconnectedAt + 11_000 - Date.now());
      const framesDuringCut = viewer.frames.filter(
        (t) => t > cutAt + (webNoticedMs ?? 0) && t < healedAt,
      ).length;
      await stopPair(pair);
      report('two hosts: link down 30 s mid-burst', {
        rate: RATE,
        emitted: published.length,
        stored: figures.events,
        lost: figures.lost,
        duplicates: figures.duplicates,
        storedAtCut,
        emittedDuringCut: publishedAtHeal.length - publishedAtCut,
        partitionMs: healedAt - cutAt,
        webNoticedCutMs: webNoticedMs,
        nodeNoticedCut: nodeNoticed,
        eraseAnsweredMs: deleteMs,
        outboxDepthAtHeal: depthAtHeal,
        outboxDepthMax: sampler.max,
        outboxDepthEvery5s: sampler.every(5),
        webFailedAttempts: failedAttempts.length,
        webAttemptSecondsAfterCut: failedAttempts.map((drop) => Math.round((drop.time - cutAt) / 100) / 10),
        webAttemptReasons: attemptReasons,
        healToReconnectMs: milestones.reconnect,
        healToBacklogDeliveredMs: milestones.backlog,
        healToGalleryConvergedMs: milestones.gallery,
        healToFirstFrameMs: milestones.firstFrame,
        galleryVersionBefore: galleryBefore,
        galleryVersionAfter: galleryVersion,
        liveFramesDuringCut: framesDuringCut,
        liveFpsAfter: viewer.fps(reconnectedAt + 1000, reconnectedAt + 11_000),
      });
    },
  );

  it(
    'a link that reorders and duplicates packets: nothing lost, nothing twice',
    { timeout: 600_000 },
    async () => {
      const RATE = 100;
      const SECONDS = 15;
      const profile: LinkProfile = { delayMs: 20, jitterMs: 15, reorderPct: 25, duplicatePct: 10 };
      const pair = await startPair('net-reorder', profile, {
        count: RATE * SECONDS,
        rate: RATE,
        prefix: 'reorder',
      });
      const { node, hosts, viewer } = pair;
      const sampler = new DepthSampler(node, pair.startedAt);
      const viewingFrom = Date.now();
      await node.waitFor((lines) => lines.includes('done'), 120_000);
      const published = node.valuesOf('published');
      await waitFor(pair, 'every event stored', () => storedCount(pair) >= published.length, 120_000);
      await waitFor(pair, 'the outbox drained', () => lastDepth(node) === 0, 60_000);
      const shapedUntil = Date.now();
      const relay = await hosts.unshape();
      sampler.stop();
      const figures = assertExactlyOnce(pair, published);
      const reconnects = connections(node) - 1;
      await stopPair(pair);
      report('two hosts: reordering and duplicating link', {
        impairment: hosts.impairment,
        profile,
        rate: RATE,
        seconds: SECONDS,
        emitted: published.length,
        stored: figures.events,
        lost: figures.lost,
        duplicates: figures.duplicates,
        ...latencies(pair),
        outboxDepthMax: sampler.max,
        reconnects,
        liveFpsShaped: viewer.fps(viewingFrom, shapedUntil),
        relay: relayFigures(relay),
      });
    },
  );
});
