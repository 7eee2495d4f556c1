/**
 * A recognition node's monitoring endpoints: `GET /healthz` (JSON, 503 when a camera delivers no
 * frames or the outbox's disk is full) and `GET /metrics` (Prometheus text). A node runs on a camera PC that may have no web node
 * beside it, so it answers these on a port of its own (`HEALTH_PORT`). Nothing here names a person:
 * the endpoints are open, like the web node's.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { EventOutbox } from './outbox/index.js';

/** One camera's state, as the pipeline and the watchdog count it. */
export interface CameraHealth {
  cameraId: string;
  /** Frames arrived within the last few seconds. */
  online: boolean;
  fpsIn: number;
  fpsOut: number;
  /** Capture to result; null before the first processed frame. */
  latencyP95Ms: number | null;
  framesProcessed: number;
  framesDropped: number;
  framesFailed: number;
  /** Restarts of the camera source by its watchdog. */
  restarts: number;
  events: number;
}

/** What the node reports about itself, read fresh on every request. */
export interface NodeHealthSnapshot {
  nodeId: string;
  cameras: CameraHealth[];
  /** Events not yet acknowledged by a web node (on disk, or held in memory while the disk is full). */
  outboxDepth: number;
  /** Set while the outbox's disk is full; null while it has room. */
  outboxDiskFull: OutboxDiskFull | null;
  /** Events dropped since the node started: the disk was full and so was the memory hold. */
  outboxDroppedEvents: number;
  /** Outbox journal writes that failed since the node started. */
  outboxWriteFailures: number;
  /** The gallery version last received from a web node; null before the first. */
  galleryVersion: number | null;
  galleryPeople: number;
  galleryDescriptors: number;
  webNodesConnected: number;
}

export interface OutboxDiskFull {
  /** When the first write failed for lack of space (ISO 8601). */
  since: string;
  /** Events held in memory, not durable: a crash now loses them. */
  heldEvents: number;
  /** The failed write, as the outbox reported it. */
  message: string;
}

/** The outbox's part of a {@link NodeHealthSnapshot}. */
export function outboxHealth(
  outbox: Pick<EventOutbox, 'depth' | 'diskFull' | 'droppedEvents' | 'writeFailures'>,
): Pick<
  NodeHealthSnapshot,
  'outboxDepth' | 'outboxDiskFull' | 'outboxDroppedEvents' | 'outboxWriteFailures'
> {
  const full = outbox.diskFull;
  return {
    outboxDepth: outbox.depth,
    outboxDiskFull:
      full === undefined
        ? null
        : { since: full.since, heldEvents: full.heldEvents, message: full.error.message },
    outboxDroppedEvents: outbox.droppedEvents,
    outboxWriteFailures: outbox.writeFailures,
  };
}

/** Per-camera metrics: `[name, help, value]`. Totals are counted by the pipeline and mirrored here. */
const CAMERA_GAUGES: [string, string, (camera: CameraHealth) => number][] = [
  ['rollcall_camera_online', '1 while the camera delivers frames', (c) => (c.online ? 1 : 0)],
  ['rollcall_camera_fps_in', 'Frames per second from the camera', (c) => c.fpsIn],
  ['rollcall_camera_fps_out', 'Frames per second recognised', (c) => c.fpsOut],
  [
    'rollcall_camera_latency_p95_seconds',
    'Capture to result, 95th percentile over recent frames',
    (c) => (c.latencyP95Ms ?? 0) / 1000,
  ],
];
const CAMERA_COUNTERS: [string, string, (camera: CameraHealth) => number][] = [
  ['rollcall_camera_frames_processed_total', 'Frames recognised', (c) => c.framesProcessed],
  [
    'rollcall_camera_frames_dropped_total',
    'Frames replaced by a newer one while every thread was busy',
    (c) => c.framesDropped,
  ],
  ['rollcall_camera_frames_failed_total', 'Frames the engine failed on', (c) => c.framesFailed],
  ['rollcall_camera_restarts_total', 'Restarts of the camera source by its watchdog', (c) => c.restarts],
  [
    'rollcall_recognition_events_total',
    'Recognition, sighting and unknown-face events emitted',
    (c) => c.events,
  ],
];

function metricsRegistry(snapshot: () => NodeHealthSnapshot): Registry {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'rollcall_' });

  const labelNames = ['camera'] as const;
  for (const [name, help, value] of CAMERA_GAUGES) {
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const camera of snapshot().cameras) this.set({ camera: camera.cameraId }, value(camera));
      },
    });
  }
  for (const [name, help, value] of CAMERA_COUNTERS) {
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const camera of snapshot().cameras) this.inc({ camera: camera.cameraId }, value(camera));
      },
    });
  }

  const nodeGauge = (name: string, help: string, value: (s: NodeHealthSnapshot) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(value(snapshot()));
      },
    });
  };
  nodeGauge(
    'rollcall_outbox_depth',
    'Events waiting for a web node to acknowledge them',
    (s) => s.outboxDepth,
  );
  nodeGauge(
    'rollcall_outbox_disk_full',
    '1 while the disk under the outbox is full (events are held in memory, not durable)',
    (s) => (s.outboxDiskFull === null ? 0 : 1),
  );
  nodeGauge(
    'rollcall_outbox_held_events',
    'Events held in memory because the disk is full; a crash loses them',
    (s) => s.outboxDiskFull?.heldEvents ?? 0,
  );
  const nodeCounter = (name: string, help: string, value: (s: NodeHealthSnapshot) => number): void => {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(value(snapshot()));
      },
    });
  };
  nodeCounter(
    'rollcall_outbox_dropped_events_total',
    'Events dropped because the disk was full and so was the memory hold',
    (s) => s.outboxDroppedEvents,
  );
  nodeCounter(
    'rollcall_outbox_write_failures_total',
    'Outbox journal writes that failed (each retry on a full disk counts)',
    (s) => s.outboxWriteFailures,
  );
  nodeGauge(
    'rollcall_gallery_version',
    'Gallery version last received from a web node',
    (s) => s.galleryVersion ?? 0,
  );
  nodeGauge('rollcall_gallery_people', 'People in the gallery', (s) => s.galleryPeople);
  nodeGauge('rollcall_gallery_descriptors', 'Face descriptors in the gallery', (s) => s.galleryDescriptors);
  nodeGauge(
    'rollcall_web_nodes_connected',
    'Authenticated web nodes connected to the bridge',
    (s) => s.webNodesConnected,
  );
  return registry;
}

/** The `/healthz` answer: healthy while every camera delivers frames and the outbox's disk has room. */
export function healthReport(snapshot: NodeHealthSnapshot): { status: number; body: object } {
  const offline = snapshot.cameras.filter((camera) => !camera.online).map((camera) => camera.cameraId);
  const problems: string[] = [];
  if (offline.length > 0) problems.push(`no frames from camera ${offline.join(', ')}`);
  const full = snapshot.outboxDiskFull;
  if (full !== null) {
    problems.push(
      `the disk under the outbox is full since ${full.since}: ${full.heldEvents} events held in memory ` +
        `(not durable), ${snapshot.outboxDroppedEvents} dropped; free space on that disk`,
    );
  }
  const body = {
    ok: problems.length === 0,
    ...(problems.length > 0 ? { problem: problems.join('; ') } : {}),
    role: 'recognition',
    ...snapshot,
  };
  return { status: problems.length === 0 ? 200 : 503, body };
}

export interface NodeHealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `/healthz` and `/metrics` on `host:port`; anything else is a 404. */
export async function startNodeHealthServer(options: {
  host: string;
  port: number;
  snapshot: () => NodeHealthSnapshot;
}): Promise<NodeHealthServer> {
  const registry = metricsRegistry(options.snapshot);
  const server = http.createServer((req, res) => {
    const answer = (status: number, contentType: string, body: string): void => {
      res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(body);
    };
    const json = (status: number, body: object): void => {
      answer(status, 'application/json; charset=utf-8', JSON.stringify(body));
    };
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(405, { code: 'METHOD_NOT_ALLOWED', message: 'only GET is served here' });
    } else if (path === '/healthz') {
      const { status, body } = healthReport(options.snapshot());
      json(status, body);
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => {
          answer(200, registry.contentType, text);
        },
        (error: unknown) => {
          json(500, { code: 'INTERNAL', message: `metrics failed: ${String(error)}` });
        },
      );
    } else {
      json(404, { code: 'NOT_FOUND', message: 'this port serves /healthz and /metrics' });
    }
  });
  // A node keeps no idle connections open past shutdown.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
