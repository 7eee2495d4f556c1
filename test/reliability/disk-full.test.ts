/**
 * A full disk, for real: each node's DATA_DIR is a small tmpfs that the test fills with a filler
 * file (as a log or a backup would fill a disk), then frees again.
 *
 * - The real recognition node (`rollcall start --role recognition`, the demo camera): it says so
 *   (a log line, `/healthz` 503 naming the disk, `rollcall_outbox_disk_full 1`), keeps recognising,
 *   holds new events in memory, writes them once space returns, and its journal reads back whole.
 * - A burst of events into a recognition node whose disk fills up while its web node is away (the
 *   real bridge server and outbox, synthetic events: event-node-child; the real web node, frozen
 *   with SIGSTOP): every event the node accepted is stored once; events beyond the memory hold are
 *   refused, counted, and never stored.
 * - The web node with a full disk: the API refuses writes with 507 `DISK_FULL`, no event it could
 *   not store is acknowledged (they wait in the node's outbox), and once space returns they all come
 *   in, none lost, none twice.
 *
 * Mounting needs root (or CAP_SYS_ADMIN); where it is refused the tests skip and say why.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { ErrorCode } from '../../src/core/index.js';
import { EventOutbox, JOURNAL_FILE } from '../../src/recognition/outbox/index.js';
import { parseRecord } from '../../src/recognition/outbox/journal.js';
import { PrivateRedis } from '../../src/queues/index.js';
import type { EventNodeSpec } from '../support/event-node-child.js';
import { facePhoto } from '../support/faces.js';
import type { LineChild } from '../support/line-child.js';
import { freePort } from '../support/net.js';
import {
  createAccount,
  lastDepth,
  report,
  SECRET,
  seedPeople,
  startEventNode,
  startRollcall,
  storedEvents,
  storedFigures,
  waitHealthy,
  webEnv,
} from '../support/rollcall-node.js';
import { tempDir } from '../support/temp.js';
import { fillDisk, freeDisk, mountTmpfs } from '../support/tmpfs.js';
import { until, untilTrue } from '../support/wait.js';

const PEOPLE = ['Amy', 'Bernadette', 'Howard', 'Leonard', 'Penny', 'Raj', 'Sheldon'];

const running: LineChild[] = [];
after(async () => {
  for (const child of running) await child.kill('SIGTERM');
});

function track(child: LineChild): LineChild {
  running.push(child);
  return child;
}

async function tmpfsOr(t: TestContext, label: string, sizeBytes: number): Promise<string | undefined> {
  const tmpfs = await mountTmpfs(label, sizeBytes);
  if (typeof tmpfs === 'string') {
    t.skip(tmpfs);
    return undefined;
  }
  // Unmounted even when the test fails; the children using it are stopped first (the file's after).
  t.after(async () => {
    for (const child of running) await child.kill('SIGKILL');
    await tmpfs.unmount();
  });
  return tmpfs.dir;
}

interface NodeHealth {
  ok: boolean;
  problem?: string;
  outboxDepth: number;
  outboxDiskFull: { since: string; heldEvents: number; message: string } | null;
  outboxDroppedEvents: number;
  outboxWriteFailures: number;
  cameras: { online: boolean; framesProcessed: number; events: number }[];
}

async function nodeHealth(port: number): Promise<{ status: number; body: NodeHealth }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, body: (await res.json()) as NodeHealth };
}

/** The value of an unlabelled metric on a `/metrics` page. */
async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `no ${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

/**
 * Every newline-terminated line of the outbox journal is a whole record. The file may end in part
 * of a retry being written at this instant (cut if it fails; a crash would leave it for the next
 * open to cut, like any torn write): returns its length.
 */
async function journalCheck(outboxDir: string): Promise<{ records: number; tailBytes: number }> {
  const bytes = await readFile(path.join(outboxDir, JOURNAL_FILE));
  const end = bytes.lastIndexOf(0x0a) + 1;
  const lines = bytes.subarray(0, end).toString('utf8').split('\n').slice(0, -1);
  for (const [i, line] of lines.entries()) {
    assert.ok(parseRecord(Buffer.from(line)) !== undefined, `journal line ${i + 1} is a whole record`);
  }
  return { records: lines.length, tailBytes: bytes.length - end };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a full disk: nodes say so, keep working, and lose nothing they accepted', () => {
  it('the recognition node keeps recognising on a full disk and writes what it held once space returns', async (t) => {
    const dataDir = await tmpfsOr(t, 'disk-node', 8 * 1024 * 1024);
    if (dataDir === undefined) return;
    const healthPort = await freePort();
    const node = track(
      startRollcall('recognition', {
        DATA_DIR: dataDir,
        CAMERA_SOURCE: 'demo',
        WORKER_THREADS: '1',
        HEALTH_PORT: String(healthPort),
        BRIDGE_SECRET: SECRET,
        RECOGNITION_SERVER_PORT: String(await freePort()),
        NODE_ID: 'camera-pc',
      }),
    );
    const firstEvents = await until(
      'the first events in the outbox',
      async () => {
        const { status, body } = await nodeHealth(healthPort);
        return status === 200 && body.outboxDepth >= 2 ? body : undefined;
      },
      60_000,
    );

    await fillDisk(dataDir);
    const filledAt = Date.now();
    // The next event the camera sees finds no room.
    const full = await until('the node to say its disk is full', async () => {
      const answer = await nodeHealth(healthPort);
      return answer.body.outboxDiskFull === null ? undefined : answer;
    });
    const detectedMs = Date.now() - filledAt;
    assert.equal(full.status, 503);
    assert.match(
      full.body.problem ?? '',
      /^the disk under the outbox is full since .*: \d+ events held in memory \(not durable\)/,
    );
    assert.match(full.body.outboxDiskFull?.message ?? '', /ENOSPC/);
    assert.equal(await metric(healthPort, 'rollcall_outbox_disk_full'), 1);
    assert.ok((await metric(healthPort, 'rollcall_outbox_write_failures_total')) >= 1);
    const logged = node.lines.find((line) => line.includes('DISK FULL'));
    assert.ok(logged, 'the node logged the full disk');
    assert.equal((JSON.parse(logged) as { level: number }).level, 50, 'at error level');

    // Recognition goes on: frames processed, new faces found, the process up.
    const before = full.body.cameras[0];
    await sleep(4000);
    const during = await nodeHealth(healthPort);
    const camera = during.body.cameras[0];
    assert.ok(before && camera);
    assert.equal(camera.online, true, 'the camera still delivers frames');
    assert.ok(camera.framesProcessed > before.framesProcessed, 'frames still recognised');
    assert.equal(node.running, true);
    const heldWhileFull = during.body.outboxDiskFull?.heldEvents ?? 0;
    assert.ok(heldWhileFull >= 1, 'new events held in memory');
    const journalWhileFull = await journalCheck(path.join(dataDir, 'outbox'));

    await freeDisk(dataDir);
    const freedAt = Date.now();
    const healthy = await until('the node healthy again', async () => {
      const answer = await nodeHealth(healthPort);
      return answer.status === 200 ? answer.body : undefined;
    });
    const recoveredMs = Date.now() - freedAt;
    assert.equal(healthy.outboxDiskFull, null);
    assert.equal(await metric(healthPort, 'rollcall_outbox_disk_full'), 0);
    await untilTrue('the node logged the space back', () =>
      node.lines.some((line) => line.includes('disk space returned')),
    );
    const depthBeforeKill = healthy.outboxDepth;

    // Killed outright: what it accepted is on disk, and the journal reads back whole.
    await node.kill('SIGKILL');
    const outbox = await EventOutbox.open({ dir: path.join(dataDir, 'outbox') });
    const recovery = outbox.recovery;
    const pending = outbox.depth;
    await outbox.close();
    assert.equal(recovery.corruptRecords, 0);
    assert.ok(pending >= depthBeforeKill, `${pending} pending after the restart, ${depthBeforeKill} before`);
    report('recognition node: disk full while recognising (real node, demo camera)', {
      eventsBeforeFull: firstEvents.outboxDepth,
      fullDetectedAfterMs: detectedMs,
      heldInMemoryWhileFull: heldWhileFull,
      framesRecognisedWhileFull: camera.framesProcessed - before.framesProcessed,
      journalRecordsWhileFull: journalWhileFull.records,
      journalTornTailWhileFull: journalWhileFull.tailBytes,
      healthyAfterFreeMs: recoveredMs,
      pendingBeforeKill: depthBeforeKill,
      pendingAfterReopen: pending,
      truncatedBytesAtReopen: recovery.truncatedBytes,
      corruptRecordsAtReopen: recovery.corruptRecords,
    });
  });

  it('a burst into a node whose disk fills while its web node is away: every accepted event is stored once, the rest refused and counted', async (t) => {
    const nodeDir = await tmpfsOr(t, 'disk-burst', 16 * 1024 * 1024);
    if (nodeDir === undefined) return;
    const root = await tempDir('disk-burst');
    const webDir = path.join(root, 'web-pc');
    const webPort = await freePort();
    const bridgePort = await freePort();
    const healthPort = await freePort();
    const people = await seedPeople(webDir, PEOPLE);
    // The test's own Redis: a web node killed when the test fails leaves no redis-server behind.
    const redis = await PrivateRedis.start({ dataDir: path.join(root, 'redis') });
    t.after(() => redis.close());
    const web = track(startRollcall('web', { ...webEnv(webDir, webPort, bridgePort), REDIS_URL: redis.url }));
    await waitHealthy(webPort);
    const spec: EventNodeSpec = {
      dir: nodeDir,
      port: bridgePort,
      secret: SECRET,
      nodeId: 'camera-pc',
      count: 2000,
      rate: 200,
      prefix: 'disk-burst',
      people,
      healthPort,
      keepGoing: true,
      outbox: { maxHeldEvents: 300 },
    };
    const node = track(await startEventNode(spec));
    const count = (prefix: string) => (lines: readonly string[]) =>
      lines.filter((line) => line.startsWith(prefix)).length;
    await node.waitFor((lines) => count('published ')(lines) >= 400);

    // The web node goes away (frozen, as a busy or partitioned one): nothing on disk is acknowledged,
    // so the journal cannot shrink (once everything on it is acknowledged, the outbox cuts it in
    // place and writes what it held without waiting for the disk to be freed).
    web.process.kill('SIGSTOP');
    await fillDisk(nodeDir);
    const filledAt = Date.now();
    await node.waitFor((lines) => lines.some((line) => line.startsWith('diskfull ')));
    // A spell lasts at least until the first retry, a second later.
    const full = await until('the node to answer 503', async () => {
      const answer = await nodeHealth(healthPort);
      return answer.status === 503 ? answer.body : undefined;
    });
    assert.match(full.problem ?? '', /the disk under the outbox is full/);
    // Long enough to fill the memory hold (300 events at 200/s) and refuse some more.
    await node.waitFor((lines) => count('failed ')(lines) >= 100);
    const journal = await journalCheck(path.join(nodeDir, 'outbox'));
    const fullForMs = Date.now() - filledAt;

    await freeDisk(nodeDir);
    const freedAt = Date.now();
    await node.waitFor((lines) => lines.some((line) => line.startsWith('space ')));
    const spaceAt = Number(node.valuesOf('space')[0]?.split(' ')[2]);
    const heldWrittenMs = spaceAt - freedAt;
    web.process.kill('SIGCONT');
    await node.waitFor((lines) => lines.includes('done'), 60_000);
    const accepted = node.valuesOf('published');
    const refused = node.valuesOf('failed');
    assert.equal(accepted.length + refused.length, spec.count, 'every event accepted or refused');
    for (const line of refused) assert.match(line, new RegExp(` ${ErrorCode.DiskFull}$`));
    await untilTrue(
      'every accepted event stored',
      () => storedFigures(webDir, [spec.prefix]).events >= accepted.length && lastDepth(node) === 0,
      60_000,
    );
    const drainedMs = Date.now() - freedAt;
    assert.equal(await metric(healthPort, 'rollcall_outbox_dropped_events_total'), refused.length);
    assert.equal((await nodeHealth(healthPort)).status, 200);

    const stored = new Set(storedEvents(webDir, spec.prefix).map((row) => row.id));
    const figures = storedFigures(webDir, [spec.prefix]);
    const lost = accepted.filter((id) => !stored.has(id));
    const refusedIds = refused.map((line) => line.split(' ')[0] ?? '');
    assert.deepEqual(lost, [], 'every accepted event is stored');
    assert.equal(figures.events, figures.distinctEvents, 'none stored twice');
    assert.equal(figures.events, accepted.length, 'nothing stored that was refused');
    assert.equal(refusedIds.filter((id) => stored.has(id)).length, 0);
    assert.equal(figures.attendanceMismatches, 0);

    // Killed and reopened on the same disk: the journal reads back whole and nothing is pending.
    await node.kill('SIGKILL');
    const restarted = track(await startEventNode({ ...spec, count: 0 }));
    const recovery = JSON.parse(restarted.valuesOf('recovery')[0] ?? '{}') as {
      corruptRecords: number;
      truncatedBytes: number;
      pending: number;
    };
    assert.equal(recovery.corruptRecords, 0);
    await untilTrue('the restarted node has nothing pending', () => lastDepth(restarted) === 0, 30_000);
    assert.equal(storedFigures(webDir, [spec.prefix]).distinctEvents, accepted.length);
    await web.kill('SIGTERM');
    report('recognition node: disk full during a burst (event node, web node taking events)', {
      emitted: spec.count,
      accepted: accepted.length,
      refusedDiskFull: refused.length,
      heldInMemoryAtMost: 300,
      stored: figures.events,
      lost: lost.length,
      duplicates: figures.events - figures.distinctEvents,
      fullForMs,
      heldWrittenAfterFreeMs: heldWrittenMs,
      drainedAfterFreeMs: drainedMs,
      journalRecordsWhileFull: journal.records,
      pendingAtRestart: recovery.pending,
      corruptRecordsAtRestart: recovery.corruptRecords,
    });
  });

  it('the web node with a full disk refuses writes with 507, acknowledges nothing it could not store, then takes it all', async (t) => {
    const webDir = await tmpfsOr(t, 'disk-web', 24 * 1024 * 1024);
    if (webDir === undefined) return;
    const root = await tempDir('disk-web');
    // Redis is not on the full disk: this test is about the web node's own store.
    const redis = await PrivateRedis.start({ dataDir: path.join(root, 'redis') });
    t.after(() => redis.close());
    const webPort = await freePort();
    const bridgePort = await freePort();
    const people = await seedPeople(webDir, PEOPLE);
    const env = { ...webEnv(webDir, webPort, bridgePort), REDIS_URL: redis.url };
    const token = await createAccount(env, 'admin', 'admin', 'a long enough password');
    const web = track(startRollcall('web', env));
    await waitHealthy(webPort);
    const spec: EventNodeSpec = {
      dir: path.join(root, 'camera-pc'),
      port: bridgePort,
      secret: SECRET,
      nodeId: 'camera-pc',
      count: 1500,
      rate: 100,
      prefix: 'disk-web',
      people,
      // The node sends an unacknowledged event again after this long (30 s by default): shortened
      // so the test waits less for the events the full disk refused.
      resendAfterMs: 5000,
    };
    const node = track(await startEventNode(spec));
    await untilTrue(
      'events stored before the disk fills',
      () => storedFigures(webDir, [spec.prefix]).events >= 200,
    );

    await fillDisk(webDir);
    const filledAt = Date.now();
    const unhealthy = await until('the web node to say events cannot be stored', async () => {
      const res = await fetch(`http://127.0.0.1:${webPort}/healthz`);
      return res.status === 503 ? ((await res.json()) as { code: string; message: string }) : undefined;
    });
    const detectedMs = Date.now() - filledAt;
    assert.equal(unhealthy.code, ErrorCode.DiskFull);
    assert.match(
      unhealthy.message,
      /recognition events cannot be stored since .*disk holding the database is full/,
    );
    const storedWhenFull = storedFigures(webDir, [spec.prefix]).events;
    const depthWhenFull = lastDepth(node);

    // The API refuses a write, naming the full disk, and serves reads.
    const form = new FormData();
    form.append('name', 'Stuart');
    form.append('photos', new Blob([await readFile(facePhoto('howard/howard1.png'))]), 'stuart.png');
    const auth = { authorization: `Bearer ${token}` };
    const refused = await fetch(`http://127.0.0.1:${webPort}/api/v1/people`, {
      method: 'POST',
      headers: auth,
      body: form,
    });
    const refusal = (await refused.json()) as { code: string; message: string };
    assert.equal(refused.status, 507, JSON.stringify(refusal));
    assert.equal(refusal.code, ErrorCode.DiskFull);
    assert.match(refusal.message, /disk holding the database is full: nothing was stored/);
    const people200 = await fetch(`http://127.0.0.1:${webPort}/api/v1/people`, { headers: auth });
    assert.equal(people200.status, 200, 'reads still served');

    // Nothing it could not store is acknowledged: the events wait in the node's outbox.
    await sleep(4000);
    const storedWhileFull = storedFigures(webDir, [spec.prefix]).events;
    const depthWhileFull = lastDepth(node);
    assert.equal(storedWhileFull, storedWhenFull, 'nothing stored while the disk is full');
    assert.ok(
      depthWhileFull > depthWhenFull + 200,
      `the outbox holds them (${depthWhenFull} → ${depthWhileFull})`,
    );
    assert.equal(web.running, true);
    const fullForMs = Date.now() - filledAt;

    await freeDisk(webDir);
    const freedAt = Date.now();
    await node.waitFor((lines) => lines.includes('done'), 60_000);
    const published = node.valuesOf('published');
    await untilTrue(
      'every event stored',
      () => storedFigures(webDir, [spec.prefix]).events >= published.length && lastDepth(node) === 0,
      90_000,
    );
    const drainedMs = Date.now() - freedAt;
    await waitHealthy(webPort);
    const figures = storedFigures(webDir, [spec.prefix]);
    const stored = new Set(storedEvents(webDir, spec.prefix).map((row) => row.id));
    const lost = published.filter((id) => !stored.has(id));
    assert.deepEqual(lost, []);
    assert.equal(figures.events, figures.distinctEvents, 'none stored twice');
    assert.equal(figures.events, published.length);
    assert.equal(figures.unknownFaces, figures.events - figures.recognized, 'each unknown face opened once');
    assert.equal(figures.attendanceMismatches, 0);
    assert.ok(web.lines.some((line) => line.includes('recognition events cannot be stored')));
    assert.ok(web.lines.some((line) => line.includes('recognition events are being stored again')));
    // And the write refused before goes through now.
    const retried = await fetch(`http://127.0.0.1:${webPort}/api/v1/people`, {
      method: 'POST',
      headers: auth,
      body: form,
    });
    assert.equal(retried.status, 202);
    await web.kill('SIGTERM');
    report('web node: disk full while events arrive', {
      emitted: published.length,
      storedBeforeFull: storedWhenFull,
      stored: figures.events,
      lost: lost.length,
      duplicates: figures.events - figures.distinctEvents,
      failingDetectedAfterMs: detectedMs,
      fullForMs,
      nodeOutboxGrewWhileFull: depthWhileFull - depthWhenFull,
      apiWriteWhileFull: `${refused.status} ${refusal.code}`,
      drainedAfterFreeMs: drainedMs,
      resendAfterMs: spec.resendAfterMs,
    });
  });
});
