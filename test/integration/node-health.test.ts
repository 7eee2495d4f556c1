/**
 * A recognition node's monitoring endpoints over a real socket: healthy while every camera delivers
 * frames, 503 with the reason when one stops, Prometheus text, and nothing else served.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  startNodeHealthServer,
  type NodeHealthServer,
  type NodeHealthSnapshot,
} from '../../src/recognition/index.js';
import { isRollcallError } from '../../src/core/index.js';

const DISK_FULL = {
  since: '2026-11-30T09:00:00.000Z',
  heldEvents: 17,
  message: 'the disk under /data/outbox is full: cannot write the outbox journal (ENOSPC)',
};

function snapshotWith(online: boolean, diskFull = false): NodeHealthSnapshot {
  return {
    nodeId: 'front-door',
    cameras: [
      {
        cameraId: 'video0',
        online,
        fpsIn: online ? 10 : 0,
        fpsOut: online ? 9.5 : 0,
        latencyP95Ms: 420,
        framesProcessed: 1234,
        framesDropped: 56,
        framesFailed: 1,
        restarts: online ? 0 : 3,
        events: 7,
      },
    ],
    outboxDepth: 12,
    outboxDiskFull: diskFull ? DISK_FULL : null,
    outboxDroppedEvents: diskFull ? 3 : 0,
    outboxWriteFailures: diskFull ? 9 : 0,
    galleryVersion: 4,
    galleryPeople: 30,
    galleryDescriptors: 150,
    webNodesConnected: 1,
  };
}

describe('recognition node health endpoints', () => {
  let server: NodeHealthServer;
  let online = true;
  let diskFull = false;
  let base: string;

  before(async () => {
    server = await startNodeHealthServer({
      host: '127.0.0.1',
      port: 0,
      snapshot: () => snapshotWith(online, diskFull),
    });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(() => server.close());

  it('is healthy while the camera delivers frames, 503 with the reason when it stops', async () => {
    online = true;
    const healthy = await fetch(`${base}/healthz`);
    assert.equal(healthy.status, 200);
    const body = (await healthy.json()) as Record<string, unknown>;
    assert.equal(body.ok, true);
    assert.equal(body.role, 'recognition');
    assert.equal(body.outboxDepth, 12);

    online = false;
    const down = await fetch(`${base}/healthz`);
    assert.equal(down.status, 503);
    const downBody = (await down.json()) as Record<string, unknown>;
    assert.equal(downBody.ok, false);
    assert.equal(downBody.problem, 'no frames from camera video0');
    online = true;
  });

  it('says 503 with the reason while the disk is full, and counts it in the metrics', async () => {
    diskFull = true;
    try {
      const full = await fetch(`${base}/healthz`);
      assert.equal(full.status, 503);
      const body = (await full.json()) as Record<string, unknown>;
      assert.equal(body.ok, false);
      assert.equal(
        body.problem,
        'the disk under the outbox is full since 2026-11-30T09:00:00.000Z: 17 events held in memory ' +
          '(not durable), 3 dropped; free space on that disk',
      );
      assert.deepEqual(body.outboxDiskFull, DISK_FULL);
      const text = (await (await fetch(`${base}/metrics`)).text()).split('\n');
      for (const line of [
        'rollcall_outbox_disk_full 1',
        'rollcall_outbox_held_events 17',
        'rollcall_outbox_dropped_events_total 3',
        'rollcall_outbox_write_failures_total 9',
      ]) {
        assert.ok(text.includes(line), `missing: ${line}`);
      }
      online = false;
      const both = (await (await fetch(`${base}/healthz`)).json()) as { problem: string };
      assert.match(both.problem, /^no frames from camera video0; the disk under the outbox is full/);
    } finally {
      diskFull = false;
      online = true;
    }
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });

  it('exposes the node in Prometheus text, mirroring the running totals', async () => {
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    for (const line of [
      'rollcall_camera_online{camera="video0"} 1',
      'rollcall_camera_fps_in{camera="video0"} 10',
      'rollcall_camera_latency_p95_seconds{camera="video0"} 0.42',
      'rollcall_camera_frames_processed_total{camera="video0"} 1234',
      'rollcall_camera_frames_dropped_total{camera="video0"} 56',
      'rollcall_recognition_events_total{camera="video0"} 7',
      'rollcall_outbox_depth 12',
      'rollcall_outbox_disk_full 0',
      'rollcall_outbox_dropped_events_total 0',
      'rollcall_gallery_version 4',
      'rollcall_gallery_descriptors 150',
      'rollcall_web_nodes_connected 1',
    ]) {
      assert.ok(text.split('\n').includes(line), `missing: ${line}`);
    }
    // Scraping twice must not add the totals up again.
    const again = await (await fetch(`${base}/metrics`)).text();
    assert.ok(again.split('\n').includes('rollcall_camera_frames_processed_total{camera="video0"} 1234'));
    assert.match(text, /^rollcall_process_resident_memory_bytes \d+/m);
  });

  it('serves nothing else, and only GET', async () => {
    const missing = await fetch(`${base}/api/v1/people`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: string }).code, 'NOT_FOUND');
    const posted = await fetch(`${base}/healthz`, { method: 'POST', body: '{}' });
    assert.equal(posted.status, 405);
  });

  it('refuses to start on a port that is taken, so the caller can say so', async () => {
    await assert.rejects(
      startNodeHealthServer({ host: '127.0.0.1', port: server.port, snapshot: () => snapshotWith(true) }),
      (error: unknown) => !isRollcallError(error) && (error as NodeJS.ErrnoException).code === 'EADDRINUSE',
    );
  });
});
