/**
 * Faults with real processes killed with SIGKILL, each counting what went in and what came out:
 *
 * - the web node (`rollcall start --role web`, its private redis-server included) is killed while
 *   a recognition node keeps producing events, and restarted;
 * - the recognition node (real bridge server and outbox, synthetic events: event-node-child) is
 *   killed mid-burst, and restarted on the same data folder;
 * - a training worker process is killed mid-batch; Redis is killed and restarted mid-batch;
 * - the camera's ffmpeg is killed, again and again.
 *
 * Each asserts nothing lost and nothing stored twice, and prints a `RELIABILITY {...}` line.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { createFrameSource, FfmpegFrameSource } from '../../src/capture/index.js';
import { JobName, JobQueue, PrivateRedis } from '../../src/queues/index.js';
import { makeClip } from '../support/clips.js';
import type { EventNodeSpec } from '../support/event-node-child.js';
import { facePhoto } from '../support/faces.js';
import { JOB_WORKER_CHILD } from '../support/job-worker-child.js';
import { LineChild } from '../support/line-child.js';
import { freePort } from '../support/net.js';
import { processExists, processRunning } from '../support/processes.js';
import {
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
import { jobSettled, untilTrue } from '../support/wait.js';

const PEOPLE = ['Amy', 'Bernadette', 'Howard', 'Leonard', 'Penny', 'Raj', 'Sheldon'];

const running: LineChild[] = [];
/** redis-servers orphaned when a web node that started them was SIGKILLed. */
const orphans: number[] = [];
after(async () => {
  // SIGTERM so a web node stops its private redis-server; an orphan left by a failed test, by id.
  for (const child of running) await child.kill('SIGTERM');
  for (const pid of orphans) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('redis-server')) process.kill(pid, 'SIGTERM');
  }
});

function track(child: LineChild): LineChild {
  running.push(child);
  return child;
}

/** The redis-server a web node started in `dataDir` (REDIS_URL unset), from its pid file. */
async function privateRedisPid(dataDir: string): Promise<number> {
  const text = await readFile(path.join(dataDir, 'redis', 'redis.pid'), 'utf8');
  return Number(text.trim());
}

interface Setup {
  root: string;
  nodeDir: string;
  webDir: string;
  webPort: number;
  bridgePort: number;
  people: string[];
}

async function setup(label: string): Promise<Setup> {
  const root = await tempDir(label);
  const webDir = path.join(root, 'web-pc');
  return {
    root,
    nodeDir: path.join(root, 'camera-pc'),
    webDir,
    webPort: await freePort(),
    bridgePort: await freePort(),
    people: await seedPeople(webDir, PEOPLE),
  };
}

/** Asserts every published id is stored exactly once and attendance counted each once. */
function assertExactlyOnce(
  s: Setup,
  prefixes: string[],
  published: readonly string[],
  mayAlsoExist: number,
): ReturnType<typeof storedFigures> {
  const figures = storedFigures(s.webDir, prefixes);
  assert.equal(figures.events, figures.distinctEvents, 'no event stored twice');
  assert.ok(figures.events >= published.length, `lost: ${published.length - figures.events}`);
  assert.ok(figures.events <= published.length + mayAlsoExist, 'no event that was never sent');
  const unknown = figures.events - figures.recognized;
  assert.equal(figures.unknownFaces, unknown, 'each unknown face opened once');
  assert.equal(figures.attendanceMismatches, 0, 'attendance spans exactly the stored sightings');
  assert.ok(figures.attendanceRows > 0 && figures.attendanceRows <= PEOPLE.length);
  return figures;
}

describe('faults: processes killed with SIGKILL lose nothing and store nothing twice', () => {
  it('the web node is killed while the node keeps seeing people; the outage is replayed once', async () => {
    const s = await setup('fault-web');
    const spec: EventNodeSpec = {
      dir: s.nodeDir,
      port: s.bridgePort,
      secret: SECRET,
      nodeId: 'camera-pc',
      count: 1200,
      rate: 80,
      prefix: 'web-kill',
      people: s.people,
    };
    const node = track(await startEventNode(spec));
    // REDIS_URL unset: the web node runs its own redis-server, which the kill leaves orphaned.
    const env = webEnv(s.webDir, s.webPort, s.bridgePort);
    let web = track(startRollcall('web', env));
    await waitHealthy(s.webPort);
    await untilTrue(
      'events stored before the kill',
      () => storedFigures(s.webDir, [spec.prefix]).events >= 150,
    );
    const redisPid = await privateRedisPid(s.webDir);
    await web.kill('SIGKILL');
    orphans.push(redisPid);
    const killedAt = Date.now();
    assert.equal(processRunning(redisPid), true, 'the killed node left its redis-server behind');
    const publishedAtKill = node.valuesOf('published').length;
    const storedAtKill = storedFigures(s.webDir, [spec.prefix]).events;
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const publishedInOutage = node.valuesOf('published').length - publishedAtKill;
    const depthBeforeRestart = lastDepth(node);
    assert.ok(depthBeforeRestart > 100, `the outbox held the outage's events (${depthBeforeRestart})`);

    web = track(startRollcall('web', env));
    const restartedAt = Date.now();
    await waitHealthy(s.webPort);
    const upMs = Date.now() - restartedAt;
    assert.equal(processRunning(redisPid), false, 'the restarted node stopped the orphaned redis-server');
    await node.waitFor((lines) => lines.includes('done'), 120_000);
    const published = node.valuesOf('published');
    await untilTrue(
      'every event stored',
      () => storedFigures(s.webDir, [spec.prefix]).events >= published.length,
      120_000,
    );
    await untilTrue('the outbox drained', () => lastDepth(node) === 0, 30_000);
    const drainedMs = Date.now() - restartedAt;
    const figures = assertExactlyOnce(s, [spec.prefix], published, 0);
    assert.equal(published.length, spec.count);
    await web.kill('SIGTERM');
    report('web node killed (SIGKILL) and restarted', {
      emitted: published.length,
      stored: figures.events,
      lost: published.length - figures.events,
      duplicates: figures.events - figures.distinctEvents,
      storedBeforeKill: storedAtKill,
      emittedDuringOutage: publishedInOutage,
      outboxDepthAtRestart: depthBeforeRestart,
      outageMs: restartedAt - killedAt,
      restartToHealthyMs: upMs,
      restartToDrainedMs: drainedMs,
      attendanceRows: figures.attendanceRows,
      recognized: figures.recognized,
      unknownFaces: figures.unknownFaces,
    });
  });

  it('the recognition node is killed mid-burst; its outbox replays after the restart', async () => {
    const s = await setup('fault-node');
    const redis = await PrivateRedis.start({ dataDir: s.root });
    try {
      const env = { ...webEnv(s.webDir, s.webPort, s.bridgePort), REDIS_URL: redis.url };
      const web = track(startRollcall('web', env));
      await waitHealthy(s.webPort);
      const first: EventNodeSpec = {
        dir: s.nodeDir,
        port: s.bridgePort,
        secret: SECRET,
        nodeId: 'camera-pc',
        count: 3000,
        rate: 400,
        prefix: 'burst-a',
        people: s.people,
      };
      const node = track(await startEventNode(first));
      const publishedCount = (n: number) => (lines: readonly string[]) =>
        lines.filter((line) => line.startsWith('published ')).length >= n;
      await node.waitFor(publishedCount(300));
      // The web node freezes (SIGSTOP) for a moment, as a busy one would: events pile up unacknowledged,
      // some of them already received. Then the node dies with them in its outbox.
      web.process.kill('SIGSTOP');
      await node.waitFor(publishedCount(900));
      await node.kill('SIGKILL');
      web.process.kill('SIGCONT');
      const confirmedBeforeKill = node.valuesOf('published');
      const storedAtKill = storedFigures(s.webDir, [first.prefix]).events;
      assert.ok(confirmedBeforeKill.length < first.count, 'killed mid-burst');

      // Back on the same data folder, the node keeps seeing people: a new burst after the replay.
      const second: EventNodeSpec = { ...first, count: 400, prefix: 'burst-b' };
      const restarted = track(await startEventNode(second));
      const recovered = Number(restarted.valuesOf('ready')[0]?.split(' ')[1]);
      assert.ok(recovered >= 500, `the outbox kept the unacknowledged events (${recovered})`);
      await restarted.waitFor((lines) => lines.includes('done'), 60_000);
      const published = [...confirmedBeforeKill, ...restarted.valuesOf('published')];
      await untilTrue(
        'the replay and the new burst stored',
        () =>
          storedFigures(s.webDir, [first.prefix, second.prefix]).events >= published.length &&
          lastDepth(restarted) === 0,
        120_000,
      );
      // Appends in flight at the kill may have reached the disk without being confirmed.
      const inFlight = first.count - confirmedBeforeKill.length;
      const figures = assertExactlyOnce(s, [first.prefix, second.prefix], published, inFlight);
      const stored = new Set(
        // Every confirmed id by name, not just by count.
        storedEvents(s.webDir, 'burst').map((row) => row.id),
      );
      const missing = published.filter((id) => !stored.has(id));
      assert.deepEqual(missing, [], 'every confirmed event is stored');
      await web.kill('SIGTERM');
      report('recognition node killed (SIGKILL) mid-burst and restarted', {
        emitted: published.length,
        confirmedBeforeKill: confirmedBeforeKill.length,
        storedByWebAtKill: storedAtKill,
        outboxRecoveredAtRestart: recovered,
        emittedAfterRestart: second.count,
        stored: figures.events,
        unconfirmedButStored: figures.events - published.length,
        lost: missing.length,
        duplicates: figures.events - figures.distinctEvents,
      });
    } finally {
      await redis.close();
    }
  });

  it('a training worker process killed mid-batch: every job is picked up again and completes', async () => {
    const redis = await PrivateRedis.start({ dataDir: await tempDir('fault-worker') });
    const prefix = randomUUID();
    const producer = await JobQueue.start({ redisUrl: redis.url, prefix });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        ids.push(await producer.enqueue(JobName.TrainPerson, { personId: `p${i}`, photoIds: [`ph${i}`] }));
      }
      const first = track(new LineChild(process.execPath, [JOB_WORKER_CHILD, redis.url, prefix, '100']));
      // Killed with ten jobs done and the eleventh running.
      await first.waitFor(
        (lines) =>
          lines.filter((line) => line.startsWith('completed ')).length >= 10 &&
          lines.at(-1)?.startsWith('started ') === true,
      );
      await first.kill('SIGKILL');
      const startedNotCompleted = first
        .valuesOf('started')
        .filter((id) => !first.valuesOf('completed').includes(id));
      const second = track(new LineChild(process.execPath, [JOB_WORKER_CHILD, redis.url, prefix, '100']));
      const views = await Promise.all(ids.map((id) => jobSettled(producer, id, 120_000)));
      const completed = views.filter((v) => v.state === 'completed').length;
      const completions = [...first.valuesOf('completed'), ...second.valuesOf('completed')];
      assert.equal(completed, ids.length, 'every job completed');
      assert.deepEqual(new Set(completions), new Set(ids), 'each job ran to completion in a worker');
      assert.ok(startedNotCompleted.length >= 1, 'a job was cut off mid-run');
      for (const id of startedNotCompleted) assert.ok(second.valuesOf('completed').includes(id), id);
      await second.kill('SIGTERM');
      report('training worker killed (SIGKILL) mid-batch', {
        jobs: ids.length,
        completed,
        lost: ids.length - completed,
        completedBeforeKill: first.valuesOf('completed').length,
        cutOffMidJob: startedNotCompleted.length,
        completedTwice: completions.length - new Set(completions).size,
      });
    } finally {
      await producer.close();
      await redis.close();
    }
  });

  it('Redis killed (SIGKILL) and restarted mid-batch: queued and running jobs finish', async () => {
    const dataDir = await tempDir('fault-redis');
    const port = await freePort();
    let redis = await PrivateRedis.start({ dataDir, port });
    const prefix = randomUUID();
    const producer = await JobQueue.start({ redisUrl: redis.url, prefix });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      ids.push(await producer.enqueue(JobName.TrainPerson, { personId: `p${i}`, photoIds: [`ph${i}`] }));
    }
    await producer.close();
    const worker = track(new LineChild(process.execPath, [JOB_WORKER_CHILD, redis.url, prefix, '100']));
    try {
      await worker.waitFor((lines) => lines.filter((line) => line.startsWith('completed ')).length >= 10);
      const killedAt = Date.now();
      process.kill(redis.pid ?? -1, 'SIGKILL');
      await redis.close();
      const completedBeforeKill = worker.valuesOf('completed').length;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      redis = await PrivateRedis.start({ dataDir, port });
      const downMs = Date.now() - killedAt;
      const checker = await JobQueue.start({ redisUrl: redis.url, prefix });
      try {
        const views = await Promise.all(ids.map((id) => jobSettled(checker, id, 180_000)));
        const completed = views.filter((v) => v.state === 'completed').length;
        assert.equal(completed, ids.length, 'every job completed');
        assert.equal(worker.running, true, 'the worker rode out the restart');
        report('Redis killed (SIGKILL) and restarted during training', {
          jobs: ids.length,
          completed,
          lost: ids.length - completed,
          completedBeforeKill,
          redisDownMs: downMs,
          recoveredMs: Date.now() - killedAt,
        });
      } finally {
        await checker.close();
      }
    } finally {
      await worker.kill('SIGTERM');
      await redis.close();
    }
  });

  it('the camera source dying: the watchdog brings it back each time, frames keep counting', async () => {
    const clip = await makeClip([facePhoto('group/bbt4.jpg'), facePhoto('penny/penny1.png')], {
      secondsPerPhoto: 2,
      width: 320,
      height: 240,
    });
    const source = createFrameSource(clip, { width: 160, height: 120, watchdog: { initialBackoffMs: 100 } });
    const seqs: number[] = [];
    const times: number[] = [];
    source.on('frame', (frame) => {
      seqs.push(frame.seq);
      times.push(Date.now());
    });
    const KILLS = 5;
    const gaps: number[] = [];
    try {
      await source.start();
      for (let k = 0; k < KILLS; k++) {
        await untilTrue('frames', () => seqs.length > 0 && source.restarts === k, 20_000);
        const inner = source.current;
        assert.ok(inner instanceof FfmpegFrameSource && inner.pid !== undefined);
        const before = seqs.length;
        const killedAt = Date.now();
        process.kill(inner.pid, 'SIGKILL');
        await untilTrue(
          'a frame after the restart',
          () => source.restarts === k + 1 && seqs.length > before + 1,
          20_000,
        );
        gaps.push((times[before] ?? Date.now()) - killedAt);
        assert.equal(processExists(inner.pid), false);
      }
      // And it keeps running: twenty more frames after the last restart.
      const afterLast = seqs.length;
      await untilTrue('frames flowing after the last restart', () => seqs.length >= afterLast + 20, 20_000);
      assert.equal(source.restarts, KILLS);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => i),
        'one unbroken count of frames across every restart',
      );
      report('camera source (ffmpeg) killed with SIGKILL', {
        kills: KILLS,
        restarts: source.restarts,
        framesDelivered: seqs.length,
        firstFrameAfterKillMsMax: Math.max(...gaps),
        firstFrameAfterKillMsMean: Math.round(gaps.reduce((a, b) => a + b, 0) / gaps.length),
      });
    } finally {
      await source.close();
      await rm(path.dirname(clip), { recursive: true, force: true });
    }
  });
});
