/**
 * A recognition node without a camera, for fault and load tests: the real bridge server and the
 * real durable outbox of `rollcall start --role recognition`, fed with synthetic recognition events
 * at a fixed rate instead of the face pipeline (which would spend the test's CPU on wasm).
 *
 * `node event-node-child.js JSON` where JSON is an {@link EventNodeSpec}. It prints, one per line:
 * - `ready PORT DEPTH` once the server listens (DEPTH: events the outbox recovered);
 * - `published ID` as each event's append resolves, i.e. once the outbox promises it is durable;
 * - `done` after the last event; `depth N` every 200 ms; `gallery PEOPLE VERSION` when a web node
 *   sends the gallery; `connected CLIENT` and `disconnected REASON` as web nodes come and go;
 * - `recovery JSON` at start (what opening the outbox found and repaired);
 * - with `keepGoing`: `failed ID CODE` for an event the outbox refused (instead of exiting), and
 *   `diskfull HELD MS` / `space HELD DROPPED MS` when the outbox's disk fills up and has room again
 *   (MS: the time, ms since the epoch).
 * It then keeps serving until it is killed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BridgeServer } from '../../src/bridge/index.js';
import {
  EventOutbox,
  GalleryCache,
  NodeGallery,
  outboxHealth,
  startNodeHealthServer,
} from '../../src/recognition/index.js';
import { Gallery, isRollcallError, type RecognitionEvent } from '../../src/core/index.js';
import { sampleEvent } from './outbox-child.js';
import { sampleJpeg } from './sample-messages.js';

export const EVENT_NODE_CHILD = fileURLToPath(import.meta.url);

export interface EventNodeSpec {
  /** The node's DATA_DIR: the outbox lives in `DIR/outbox`, the gallery cache in `DIR`. */
  dir: string;
  /** Address to listen on. @defaultValue 127.0.0.1 */
  host?: string;
  port: number;
  secret: string;
  nodeId: string;
  /** Events to publish (0: only serve what the outbox already holds). */
  count: number;
  /** Events per second. */
  rate: number;
  /** Event ids are `PREFIX-000123`. */
  prefix: string;
  /** Person ids for `recognized` events; every fifth event is an unknown face. */
  people: string[];
  /** A JPEG published as the live frame this many times a second (0: none). */
  frameFps?: number;
  jpegFile?: string;
  /** Each event carries a face crop of this many bytes, as a camera's do. @defaultValue 0 */
  cropBytes?: number;
  /** Start the events once a web node has connected, not at once. @defaultValue false */
  eventsAfterConnect?: boolean;
  /** Serve the node's `/healthz` and `/metrics` (as `rollcall start --role recognition` does) here. */
  healthPort?: number;
  /** Report refused appends as `failed` lines and carry on, rather than exit. */
  keepGoing?: boolean;
  /** Events sent and not acknowledged are sent again after this long. @defaultValue the server's, 30 s */
  resendAfterMs?: number;
  /** Outbox options over the defaults (the memory hold while the disk is full). */
  outbox?: { maxHeldEvents?: number; diskFullRetryMs?: number };
}

/** Event `i` of a run: a recognized person (ids from `people`) or, every fifth, an unknown face. */
export function syntheticEvent(spec: EventNodeSpec, i: number, at: Date): RecognitionEvent {
  const base = sampleEvent(i, 0, spec.prefix);
  const unknown = i % 5 === 4 || spec.people.length === 0;
  return {
    ...base,
    type: unknown ? 'unknown' : 'recognized',
    nodeId: spec.nodeId,
    personId: unknown ? null : (spec.people[i % spec.people.length] ?? null),
    distance: unknown ? null : 0.3,
    votes: unknown ? null : 3,
    at: at.toISOString(),
    crop: spec.cropBytes ? sampleJpeg(spec.cropBytes, i) : null,
  };
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(spec: EventNodeSpec): Promise<void> {
  const outbox = await EventOutbox.open({ dir: path.join(spec.dir, 'outbox'), ...spec.outbox });
  print(`recovery ${JSON.stringify(outbox.recovery)}`);
  outbox.on('diskFull', (state) => {
    print(`diskfull ${state.heldEvents} ${Date.now()}`);
  });
  outbox.on('spaceReturned', (info) => {
    print(`space ${info.heldEvents} ${info.droppedEvents} ${Date.now()}`);
  });
  const galleryCache = new GalleryCache({ model: 'face-api', dir: spec.dir });
  await galleryCache.load();
  const gallery = new Gallery();
  galleryCache.applyTo(gallery);
  const server = new BridgeServer(
    {
      outbox,
      gallery: new NodeGallery(galleryCache, gallery),
      status: () => ({
        cameras: [
          { cameraId: 'video0', fps: spec.frameFps ?? 0, droppedFrames: 0, latencyP95Ms: null, online: true },
        ],
      }),
    },
    {
      host: spec.host ?? '127.0.0.1',
      port: spec.port,
      nodeId: spec.nodeId,
      secret: spec.secret,
      ...(spec.resendAfterMs === undefined ? {} : { resendAfterMs: spec.resendAfterMs }),
    },
  );
  server.on('galleryChanged', (change) => {
    print(`gallery ${change.personCount} ${change.version}`);
  });
  server.on('connected', ({ clientId }) => {
    print(`connected ${clientId ?? '?'}`);
  });
  server.on('disconnected', ({ clientId, reason }) => {
    // Connections that never authenticated (port scans, failed handshakes) are not web nodes.
    if (clientId !== undefined) print(`disconnected ${reason}`);
  });
  const firstConnection = new Promise<void>((resolve) => {
    server.once('connected', () => {
      resolve();
    });
  });
  const { port } = await server.start();
  if (spec.healthPort !== undefined) {
    await startNodeHealthServer({
      host: '127.0.0.1',
      port: spec.healthPort,
      snapshot: () => ({
        nodeId: spec.nodeId,
        cameras: [],
        ...outboxHealth(outbox),
        galleryVersion: null,
        galleryPeople: gallery.personCount,
        galleryDescriptors: gallery.descriptorCount,
        webNodesConnected: server.authenticatedCount,
      }),
    });
  }
  print(`ready ${port} ${outbox.depth}`);
  setInterval(() => {
    print(`depth ${outbox.depth}`);
  }, 200);

  if (spec.frameFps && spec.jpegFile) {
    const jpeg = new Uint8Array(readFileSync(spec.jpegFile));
    let seq = 0;
    setInterval(
      () => {
        const capturedAt = Date.now();
        server.publishFrame(
          { cameraId: 'video0', seq: seq++, capturedAt, width: 640, height: 480, faces: [], latencyMs: 0 },
          jpeg,
        );
      },
      Math.round(1000 / spec.frameFps),
    );
  }

  if (spec.eventsAfterConnect) await firstConnection;
  // Paced by the clock, not by the appends: an append that takes long (fsync) does not slow the
  // rate, it only leaves more events in flight, as a camera that keeps seeing people would.
  const startedAt = Date.now();
  let issued = 0;
  let settled = 0;
  await new Promise<void>((resolve, reject) => {
    if (spec.count === 0) {
      resolve();
      return;
    }
    const timer = setInterval(() => {
      const due = Math.min(spec.count, Math.floor(((Date.now() - startedAt) * spec.rate) / 1000) + 1);
      while (issued < due) {
        const event = syntheticEvent(spec, issued++, new Date());
        server.publishEvent(event).then(
          () => {
            print(`published ${event.id}`);
            if (++settled === spec.count) {
              clearInterval(timer);
              resolve();
            }
          },
          (error: unknown) => {
            if (spec.keepGoing === true) {
              print(`failed ${event.id} ${isRollcallError(error) ? error.code : String(error)}`);
              if (++settled === spec.count) {
                clearInterval(timer);
                resolve();
              }
              return;
            }
            clearInterval(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      }
    }, 2);
  });
  print('done');
}

if (process.argv[1] === EVENT_NODE_CHILD) {
  main(JSON.parse(process.argv[2] ?? '{}') as EventNodeSpec).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
