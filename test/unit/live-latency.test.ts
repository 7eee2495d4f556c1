/**
 * The Live page's capture-to-screen latency: capture times moved onto the browser's clock through
 * the node's and the server's measured offsets, percentiles over the last frames, and the status
 * message that carries the offsets and the cameras' names.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeState } from '../../src/bridge/index.js';
import {
  captureOnViewerClock,
  LATENCY_WINDOW_FRAMES,
  LatencyWindow,
  quantile,
  ServerClock,
} from '../../src/web/live-latency.js';
import { statusMessage } from '../../src/web/live-feed.js';

const now = Date.parse('2026-11-30T09:00:00.000Z');

describe('capture to screen on three clocks', () => {
  it('moves a capture time onto the viewer clock: node ahead of server, server ahead of viewer', () => {
    // The node runs 10 min ahead of the server, the server 2 s behind the browser.
    const capturedOnNode = now + 600_000;
    assert.equal(captureOnViewerClock(capturedOnNode, 600_000, -2000), now + 2000);
    // Unknown offsets count as none: one machine, one clock.
    assert.equal(captureOnViewerClock(now, null, undefined), now);
    assert.equal(captureOnViewerClock(now, undefined, undefined), now);
  });

  it("estimates the server's clock from status messages, the least delayed one winning", () => {
    const clock = new ServerClock();
    assert.equal(clock.aheadMs, undefined);
    // The server is 5 s ahead; the messages took 40, 3 and 250 ms to be read.
    for (const delay of [40, 3, 250]) clock.heard(now + 5000, now + delay);
    assert.equal(clock.aheadMs, 5000 - 3);
    clock.heard(Number.NaN, now);
    assert.equal(clock.aheadMs, 5000 - 3);
  });

  it('forgets old samples, so a server clock that was stepped is followed', () => {
    const clock = new ServerClock();
    clock.heard(now + 60_000, now);
    for (let i = 0; i < 8; i++) clock.heard(now + i * 2000, now + i * 2000 + 1);
    assert.equal(clock.aheadMs, -1);
  });
});

describe('latency percentiles over the last frames', () => {
  it('gives nearest-rank quantiles, and nothing for no values', () => {
    assert.equal(quantile([], 0.5), undefined);
    assert.equal(quantile([30, 10, 20], 0.5), 20);
    assert.equal(quantile([5], 0.95), 5);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(quantile(hundred, 0.95), 95);
    assert.equal(quantile(hundred, 0.5), 50);
  });

  it('keeps only the last frames, and skips a latency that is not a number', () => {
    const window = new LatencyWindow();
    assert.equal(window.percentiles(), undefined);
    // A slow start (a cold page) leaves the window once enough frames followed.
    for (let i = 0; i < 20; i++) window.add(5000);
    for (let i = 0; i < LATENCY_WINDOW_FRAMES; i++) window.add(100 + (i % 10));
    window.add(Number.NaN);
    assert.equal(window.count, LATENCY_WINDOW_FRAMES);
    assert.deepEqual(window.percentiles(), { p50: 104, p95: 109 });
  });
});

describe('the live status message', () => {
  it("carries the server's time, each node's clock offset, and each camera's name and role", () => {
    const node: NodeState = {
      address: '127.0.0.1:9999',
      connected: true,
      nodeId: 'camera-pc',
      lastHeartbeatAt: now,
      clockSkewMs: -12,
      status: {
        nodeId: 'camera-pc',
        protocol: 1,
        cameras: [
          {
            cameraId: 'door',
            name: 'Front door',
            role: 'entry',
            fps: 5,
            droppedFrames: 0,
            latencyP95Ms: 310,
            latencyP50Ms: 180,
            online: true,
          },
          // An older node: no name, role or median.
          { cameraId: 'hall', fps: 4, droppedFrames: 1, latencyP95Ms: null, online: true },
        ],
        galleryVersion: 3,
        descriptorModel: 'face-api',
        outboxDepth: 0,
        uptimeS: 60,
      },
    };
    const silent: NodeState = {
      address: '10.0.0.2:9999',
      connected: false,
      nodeId: undefined,
      lastHeartbeatAt: undefined,
      status: undefined,
    };
    const message = statusMessage([node, silent], now);
    assert.equal(message.sentAt, now);
    assert.deepEqual(
      message.nodes.map((n) => n.clockSkewMs),
      [-12, null],
    );
    assert.deepEqual(message.nodes[0]?.cameras, [
      {
        key: '127.0.0.1:9999|door',
        cameraId: 'door',
        name: 'Front door',
        role: 'entry',
        fps: 5,
        latencyP95Ms: 310,
        latencyP50Ms: 180,
        online: true,
      },
      {
        key: '127.0.0.1:9999|hall',
        cameraId: 'hall',
        name: null,
        role: null,
        fps: 4,
        latencyP95Ms: null,
        latencyP50Ms: null,
        online: true,
      },
    ]);
    assert.deepEqual(message.nodes[1]?.cameras, []);
  });
});
