/**
 * The bridge over real sockets on 127.0.0.1: a BridgeServer with a real outbox and gallery cache in
 * a temp dir, and BridgeClients the way a web node uses them.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  BridgeClient,
  BridgeClients,
  BridgeServer,
  snapshotParts,
  type BridgeClientOptions,
  type BridgeServerOptions,
  type EmbedPhoto,
  type EmbedResult,
} from '../../src/bridge/index.js';
import { EventOutbox, GalleryCache, NodeGallery } from '../../src/recognition/index.js';
import {
  ClientHandshake,
  Command,
  encodeMessage,
  FrameDecoder,
  parseMessage,
  ServerHandshake,
  type BridgeMessage,
} from '../../src/bridge/protocol/index.js';
import { sampleDescriptor, sampleJpeg } from '../support/sample-messages.js';
import {
  DESCRIPTOR_LENGTHS,
  ErrorCode,
  Gallery,
  isRollcallError,
  type DescriptorModel,
  type FrameMetadata,
  type RecognitionEvent,
} from '../../src/core/index.js';
import { tempDir } from '../support/temp.js';

const SECRET = 'test-secret-0123456789abcdef';
const HEARTBEAT_MS = 200;

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

export function makeEvent(i: number, prefix = 'ev'): RecognitionEvent {
  const named = i % 3 !== 0;
  return {
    id: `${prefix}-${String(i).padStart(6, '0')}`,
    type: named ? 'recognized' : 'unknown',
    nodeId: 'node-a',
    cameraId: 'video0',
    trackId: `video0-${i}`,
    personId: named ? `person-${i % 7}` : null,
    distance: named ? 0.3 : null,
    thresholds: { match: 0.5, unknown: 0.6 },
    votes: named ? 3 : null,
    at: new Date(1_714_550_000_000 + i * 1000).toISOString(),
    box: { x: 1, y: 2, width: 30, height: 40 },
    frameWidth: 640,
    frameHeight: 480,
    crop: i % 2 === 0 ? sampleJpeg(120, i) : null,
    model: 'tiny+frn',
    backend: 'wasm',
  };
}

function frameMeta(seq: number): FrameMetadata {
  return {
    cameraId: 'video0',
    seq,
    capturedAt: Date.now(),
    width: 640,
    height: 480,
    faces: [],
    latencyMs: 5,
  };
}

interface Node {
  server: BridgeServer;
  outbox: EventOutbox;
  gallery: Gallery;
  cache: GalleryCache;
  port: number;
  dir: string;
  stop: () => Promise<void>;
}

async function startNode(
  dir: string,
  options: Partial<BridgeServerOptions> = {},
  embed?: (photos: EmbedPhoto[]) => Promise<EmbedResult[]>,
  model: DescriptorModel = 'face-api',
): Promise<Node> {
  const outbox = await EventOutbox.open({ dir: path.join(dir, 'outbox') });
  const cache = new GalleryCache({ model, dir: path.join(dir, 'gallery-cache') });
  const gallery = new Gallery({ dimension: DESCRIPTOR_LENGTHS[model] });
  await cache.load();
  cache.applyTo(gallery);
  const server = new BridgeServer(
    {
      outbox,
      gallery: new NodeGallery(cache, gallery),
      status: () => ({
        cameras: [{ cameraId: 'video0', fps: 9.5, droppedFrames: 1, latencyP95Ms: 120, online: true }],
      }),
      ...(embed === undefined ? {} : { embed: async (photos) => ({ model, results: await embed(photos) }) }),
    },
    { host: '127.0.0.1', port: 0, nodeId: 'node-a', secret: SECRET, heartbeatMs: HEARTBEAT_MS, ...options },
  );
  const { port } = await server.start();
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await server.close();
    await outbox.close();
  };
  cleanups.push(stop);
  return { server, outbox, gallery, cache, port, dir, stop };
}

function makeClient(port: number, options: Partial<BridgeClientOptions> = {}): BridgeClient {
  const client = new BridgeClient({
    host: '127.0.0.1',
    port,
    secret: SECRET,
    clientId: 'web-1',
    heartbeatMs: HEARTBEAT_MS,
    initialBackoffMs: 50,
    maxBackoffMs: 400,
    ...options,
  });
  cleanups.push(() => client.close());
  return client;
}

async function waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A raw socket speaking frames, for the tests that must misbehave. */
async function rawConnect(
  port: number,
): Promise<{ socket: net.Socket; messages: BridgeMessage[]; closed: Promise<void> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const decoder = new FrameDecoder();
  const messages: BridgeMessage[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) messages.push(parseMessage(frame));
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      resolve();
    }),
  );
  return { socket, messages, closed };
}

describe('bridge handshake', () => {
  it('authenticates both ways and delivers STATUS with the node figures', async () => {
    const node = await startNode(await tempDir('bridge'));
    const connected = once(node.server, 'connected');
    const client = makeClient(node.port);
    const status = once(client, 'status');
    client.start();
    const [info] = (await connected) as [{ clientId: string }];
    assert.equal(info.clientId, 'web-1');
    const [s] = (await status) as [{ nodeId: string; cameras: { fps: number }[]; outboxDepth: number }];
    assert.equal(s.nodeId, 'node-a');
    assert.equal(s.cameras[0]?.fps, 9.5);
    assert.equal(s.outboxDepth, 0);
    assert.equal(client.state.connected, true);
    assert.equal(client.state.nodeId, 'node-a');
    assert.ok(client.state.lastHeartbeatAt !== undefined);
    // Both ends on this machine's clock: the skew measured from the STATUS is about nothing.
    assert.ok(Math.abs(client.state.clockSkewMs ?? Number.NaN) < 1000, `skew ${client.state.clockSkewMs}`);
    await client.close();
    assert.equal(client.state.connected, false);
  });

  it('a client with the wrong secret refuses the node (AUTH_FAILED) and keeps retrying', async () => {
    const node = await startNode(await tempDir('bridge'));
    const client = makeClient(node.port, { secret: 'another-secret-0123456789' });
    const [info] = (await (async () => {
      const p = once(client, 'disconnected');
      client.start();
      return p;
    })()) as [{ error?: unknown }];
    assert.ok(isRollcallError(info.error, ErrorCode.AuthFailed), String(info.error));
    await once(client, 'reconnecting');
    assert.equal(node.server.authenticatedCount, 0);
  });

  it('the node refuses a client whose proof is wrong, and sends ERROR AUTH_FAILED', async () => {
    const node = await startNode(await tempDir('bridge'));
    const protocolError = once(node.server, 'protocolError');
    const { socket, messages, closed } = await rawConnect(node.port);
    const handshake = new ClientHandshake({ secret: SECRET, clientId: 'liar' });
    socket.write(encodeMessage(handshake.start()));
    await waitFor(() => messages.length > 0, 5000, 'CHALLENGE');
    const challenge = messages[0];
    assert.equal(challenge?.command, Command.CHALLENGE);
    socket.write(encodeMessage({ command: Command.AUTH, clientProof: 'f'.repeat(64) }));
    await closed;
    const error = messages.find((m) => m.command === Command.ERROR);
    assert.equal(error?.command === Command.ERROR ? error.code : undefined, 'AUTH_FAILED');
    const [event] = (await protocolError) as [{ error: { code: string } }];
    assert.equal(event.error.code, 'AUTH_FAILED');
  });

  it('closes a connection that does not finish the handshake in time', async () => {
    const node = await startNode(await tempDir('bridge'), { handshakeTimeoutMs: 300 });
    const { messages, closed } = await rawConnect(node.port);
    const started = Date.now();
    await closed;
    assert.ok(Date.now() - started < 3000);
    const error = messages.find((m) => m.command === Command.ERROR);
    assert.equal(error?.command === Command.ERROR ? error.code : undefined, 'BRIDGE_TIMEOUT');
  });
});

describe('bridge events', () => {
  it('replays events published while no web node was connected, after the node restarts', async () => {
    const dir = await tempDir('bridge');
    let node = await startNode(dir);
    for (let i = 0; i < 20; i++) await node.server.publishEvent(makeEvent(i));
    assert.equal(node.outbox.depth, 20);
    await node.stop();
    // Same outbox dir: the events survive the node's restart.
    node = await startNode(dir);
    assert.equal(node.outbox.depth, 20);
    const client = makeClient(node.port);
    const got: string[] = [];
    client.on('event', (event) => {
      got.push(event.id);
    });
    client.start();
    await waitFor(() => got.length === 20 && node.outbox.depth === 0, 10_000, 'replay');
    assert.deepEqual(
      got,
      Array.from({ length: 20 }, (_, i) => makeEvent(i).id),
    );
  });

  it('a connection cut mid-stream of 500 events: every event reaches the listener exactly once', async () => {
    const node = await startNode(await tempDir('bridge'));
    const proxy = await startProxy(node.port);
    const client = makeClient(proxy.port);
    const counts = new Map<string, number>();
    let cut = false;
    client.onEvent(async (event) => {
      counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
      // Storing takes a moment, like a database write.
      if (counts.size % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    });
    let disconnects = 0;
    client.on('disconnected', () => {
      disconnects++;
    });
    const connected = once(client, 'connected');
    client.start();
    await connected;
    const publishing = (async () => {
      for (let i = 0; i < 500; i++) {
        await node.server.publishEvent(makeEvent(i, 'cut'));
        if (i === 200 && !cut) {
          cut = true;
          // Cut the network mid-stream (events in flight both ways), then keep publishing.
          proxy.cut();
        }
      }
    })();
    await publishing;
    await waitFor(() => counts.size === 500 && node.outbox.depth === 0, 20_000, 'all 500 events acked');
    assert.ok(disconnects >= 1, 'the cut happened while connected');
    const duplicates = [...counts.values()].filter((n) => n !== 1).length;
    assert.equal(duplicates, 0);
    assert.equal(node.outbox.depth, 0);
    assert.equal((await node.outbox.pending()).length, 0);
  });

  it('a listener that fails to store an event gets it again; it is acked only once stored', async () => {
    const node = await startNode(await tempDir('bridge'), { resendAfterMs: 300 });
    const client = makeClient(node.port);
    let calls = 0;
    client.onEvent(async () => {
      calls++;
      if (calls === 1) throw new Error('disk full');
      await Promise.resolve();
    });
    const failed = once(client, 'eventFailed');
    client.start();
    await node.server.publishEvent(makeEvent(1, 'retry'));
    await failed;
    assert.equal(node.outbox.depth, 1);
    await waitFor(() => node.outbox.depth === 0, 5000, 'resend and ack');
    assert.equal(calls, 2);
  });

  it('two web nodes on one node: both get every event and frame; acked by any', async () => {
    const node = await startNode(await tempDir('bridge'));
    const a = makeClient(node.port, { clientId: 'web-a' });
    const b = makeClient(node.port, { clientId: 'web-b' });
    const gotA: string[] = [];
    const gotB: string[] = [];
    const framesA: number[] = [];
    const framesB: number[] = [];
    a.on('event', (e) => void gotA.push(e.id));
    b.on('event', (e) => void gotB.push(e.id));
    a.on('frame', (m) => void framesA.push(m.seq));
    b.on('frame', (m) => void framesB.push(m.seq));
    a.start();
    b.start();
    await waitFor(() => node.server.authenticatedCount === 2, 5000, 'two connections');
    for (let i = 0; i < 30; i++) await node.server.publishEvent(makeEvent(i, 'two'));
    for (let seq = 1; seq <= 5; seq++) {
      node.server.publishFrame(frameMeta(seq), sampleJpeg(2000, seq));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitFor(() => gotA.length === 30 && gotB.length === 30, 5000, 'both got every event');
    await waitFor(() => framesA.length === 5 && framesB.length === 5, 5000, 'both got every frame');
    await waitFor(() => node.outbox.depth === 0, 5000, 'outbox empty');
  });

  it('one web node on two recognition nodes (BridgeClients)', async () => {
    const n1 = await startNode(await tempDir('bridge'), { nodeId: 'node-1' });
    const n2 = await startNode(await tempDir('bridge'), { nodeId: 'node-2' });
    const clients = new BridgeClients(
      [
        { host: '127.0.0.1', port: n1.port },
        { host: '127.0.0.1', port: n2.port },
      ],
      { secret: SECRET, clientId: 'web-1', heartbeatMs: HEARTBEAT_MS, initialBackoffMs: 50 },
    );
    cleanups.push(() => clients.close());
    const got: string[] = [];
    clients.onEvent(async (event, from) => {
      await Promise.resolve();
      got.push(`${from.nodeId ?? '?'}:${event.id}`);
    });
    clients.start();
    await waitFor(() => clients.connected().length === 2, 5000, 'both nodes connected');
    await n1.server.publishEvent(makeEvent(1, 'n1'));
    await n2.server.publishEvent(makeEvent(2, 'n2'));
    await waitFor(() => got.length === 2 && n1.outbox.depth === 0 && n2.outbox.depth === 0, 5000, 'events');
    assert.deepEqual(got.sort(), ['node-1:n1-000001', 'node-2:n2-000002']);
    const nodes = clients.nodes();
    assert.deepEqual(nodes.map((n) => n.nodeId).sort(), ['node-1', 'node-2']);
    assert.ok(nodes.every((n) => n.connected && n.status?.outboxDepth !== undefined));
  });

  it('reconnects after the node restarts and calls a silent node dead', async () => {
    const dir = await tempDir('bridge');
    const node = await startNode(dir);
    const port = node.port;
    const client = makeClient(port);
    client.start();
    await once(client, 'connected');
    await node.stop();
    await once(client, 'disconnected');
    await startNode(dir, { port });
    await once(client, 'connected');
    assert.equal(client.state.connected, true);

    // A "node" that handshakes and then never sends STATUS: the client must give up on it.
    const silent = net.createServer((socket) => {
      socket.on('error', () => undefined);
      const decoder = new FrameDecoder();
      const hs = new ServerHandshake({ secret: SECRET, nodeId: 'mute' });
      socket.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) {
          const message = parseMessage(frame);
          if (hs.state === 'done') continue;
          const step = hs.receive(message);
          if (step.send) socket.write(encodeMessage(step.send));
        }
      });
    });
    const muteSockets = new Set<net.Socket>();
    silent.on('connection', (socket) => muteSockets.add(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    cleanups.push(
      () =>
        new Promise((resolve) => {
          for (const socket of muteSockets) socket.destroy();
          silent.close(() => {
            resolve();
          });
        }),
    );
    const mutePort = (silent.address() as net.AddressInfo).port;
    const mute = makeClient(mutePort);
    mute.start();
    await once(mute, 'connected');
    const started = Date.now();
    const [info] = (await once(mute, 'disconnected')) as [{ reason: string }];
    assert.match(info.reason, /no heartbeat/);
    assert.ok(Date.now() - started < 3 * HEARTBEAT_MS + 1000);
  });
});

/** A TCP proxy in front of a node, so a test can cut the network between the two sides. */
async function startProxy(targetPort: number): Promise<{ port: number; cut: () => void }> {
  const pairs = new Set<net.Socket>();
  const proxy = net.createServer((downstream) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const s of [downstream, upstream]) {
      pairs.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        pairs.delete(s);
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  cleanups.push(
    () =>
      new Promise((resolve) => {
        for (const s of pairs) s.destroy();
        proxy.close(() => {
          resolve();
        });
      }),
  );
  return {
    port: (proxy.address() as net.AddressInfo).port,
    cut: () => {
      for (const s of pairs) s.destroy();
    },
  };
}

describe('bridge requests', () => {
  it('gallery snapshot, upsert and remove reach the Gallery and survive a node restart', async () => {
    const dir = await tempDir('bridge');
    let node = await startNode(dir);
    const client = makeClient(node.port);
    const needed = once(client, 'galleryNeeded');
    client.start();
    const [need] = (await needed) as [{ galleryVersion: number }];
    assert.equal(need.galleryVersion, 0);
    await client.sendGallerySnapshot(5, 'face-api', [
      { personId: 'alice', descriptors: [sampleDescriptor(1), sampleDescriptor(2)] },
      { personId: 'bob', descriptors: [sampleDescriptor(3)] },
    ]);
    assert.equal(node.gallery.personCount, 2);
    await client.sendGalleryUpsert(6, 'face-api', 'carol', [sampleDescriptor(4)]);
    await client.sendGalleryRemove(7, 'bob');
    assert.equal(node.gallery.has('carol'), true);
    assert.equal(node.gallery.has('bob'), false);
    assert.equal(client.state.status?.galleryVersion, 7);
    await client.close();
    await node.stop();

    node = await startNode(dir);
    assert.equal(node.cache.version, 7);
    assert.deepEqual(
      [node.gallery.has('alice'), node.gallery.has('bob'), node.gallery.has('carol')],
      [true, false, true],
    );
    assert.equal(node.gallery.descriptorCount, 3);
  });

  it('a gallery too big for one frame goes in parts, applied only whole, and survives a restart', async () => {
    const dir = await tempDir('bridge');
    let node = await startNode(dir);
    const client = makeClient(node.port);
    client.start();
    await once(client, 'galleryNeeded');
    // 20,000 descriptors: 10 MB, over the 8 MiB a frame may carry.
    const people = Array.from({ length: 2000 }, (_, p) => ({
      personId: `person-${p}`,
      descriptors: Array.from({ length: 10 }, (_, d) => sampleDescriptor(p * 10 + d)),
    }));
    assert.ok(snapshotParts(people, 'face-api').length > 1);
    await client.sendGallerySnapshot(3, 'face-api', people, 60_000);
    assert.equal(node.gallery.personCount, 2000);
    assert.equal(node.gallery.descriptorCount, 20_000);
    assert.equal(client.state.status?.galleryVersion, 3);
    await client.close();
    await node.stop();
    node = await startNode(dir);
    assert.equal(node.cache.version, 3);
    assert.equal(node.gallery.descriptorCount, 20_000);
  });

  it('snapshot parts out of order or for two versions are refused, and the gallery stays as it was', async () => {
    const node = await startNode(await tempDir('bridge'));
    const person = (id: string): { personId: string; descriptors: Float32Array[] } => ({
      personId: id,
      descriptors: [sampleDescriptor(1)],
    });
    const bad: { version: number; personId: string; part: { index: number; last: boolean } }[][] = [
      [{ version: 4, personId: 'a', part: { index: 1, last: true } }],
      [
        { version: 4, personId: 'a', part: { index: 0, last: false } },
        { version: 5, personId: 'b', part: { index: 1, last: true } },
      ],
      [
        { version: 4, personId: 'a', part: { index: 0, last: false } },
        { version: 4, personId: 'a', part: { index: 1, last: true } },
      ],
    ];
    for (const parts of bad) {
      const raw = await rawConnect(node.port);
      const hs = new ClientHandshake({ secret: SECRET, clientId: 'parts' });
      raw.socket.write(encodeMessage(hs.start()));
      await waitFor(() => raw.messages.some((m) => m.command === Command.CHALLENGE), 5000, 'CHALLENGE');
      const step = hs.receive(raw.messages.find((m) => m.command === Command.CHALLENGE) as BridgeMessage);
      assert.ok(step.send);
      raw.socket.write(encodeMessage(step.send));
      await waitFor(() => raw.messages.some((m) => m.command === Command.READY), 5000, 'READY');
      for (const { version, personId, part } of parts) {
        raw.socket.write(
          encodeMessage({
            command: Command.GALLERY_SNAPSHOT,
            version,
            model: 'face-api',
            people: [person(personId)],
            part,
          }),
        );
      }
      await raw.closed;
      const error = raw.messages.find((m) => m.command === Command.ERROR);
      assert.equal(error?.code, 'BAD_MESSAGE', JSON.stringify(parts));
      assert.equal(node.gallery.personCount, 0);
      assert.equal(node.cache.version, undefined);
    }
  });

  it("a fr-feature node reports its model, takes a fr-feature gallery, and refuses another model's", async () => {
    const dir = await tempDir('bridge');
    let node = await startNode(dir, {}, undefined, 'fr-feature');
    const refused: string[] = [];
    node.server.on('galleryRefused', ({ kind, error }) => refused.push(`${kind}: ${error.code}`));
    const client = makeClient(node.port);
    const needed = once(client, 'galleryNeeded');
    client.start();
    const [need] = (await needed) as [{ galleryVersion: number; descriptorModel: string }];
    assert.equal(need.descriptorModel, 'fr-feature');
    assert.equal(client.state.status?.descriptorModel, 'fr-feature');

    await client.sendGallerySnapshot(4, 'fr-feature', [
      { personId: 'alice', descriptors: [sampleDescriptor(1, 'fr-feature')] },
    ]);
    assert.equal(node.gallery.dimension, 512);
    assert.equal(node.gallery.has('alice'), true);

    // Another model's gallery: refused at once with a code the web node can act on, not applied,
    // and the connection goes on.
    for (const send of [
      () => client.sendGalleryUpsert(5, 'face-api', 'bob', [sampleDescriptor(2)]),
      () =>
        client.sendGallerySnapshot(5, 'face-api', [{ personId: 'bob', descriptors: [sampleDescriptor(2)] }]),
    ]) {
      const started = Date.now();
      await assert.rejects(send(), (e: unknown) => isRollcallError(e, ErrorCode.DescriptorModelMismatch));
      assert.ok(Date.now() - started < 5000, 'refused, not timed out');
    }
    assert.deepEqual(refused, ['upsert: DESCRIPTOR_MODEL_MISMATCH', 'snapshot: DESCRIPTOR_MODEL_MISMATCH']);
    assert.equal(node.gallery.has('bob'), false);
    assert.equal(node.cache.version, 4);
    assert.equal(client.state.connected, true);
    await client.sendGalleryUpsert(6, 'fr-feature', 'carol', [sampleDescriptor(3, 'fr-feature')]);
    assert.equal(node.gallery.personCount, 2);
    await client.close();
    await node.stop();

    // With a face-api engine, the node would ignore its fr-feature cache; with its own, it loads it.
    const faceApi = new GalleryCache({ model: 'face-api', dir: path.join(dir, 'gallery-cache') });
    await assert.rejects(faceApi.load(), (e: unknown) =>
      isRollcallError(e, ErrorCode.DescriptorModelMismatch),
    );
    node = await startNode(dir, {}, undefined, 'fr-feature');
    assert.equal(node.cache.version, 6);
    assert.equal(node.gallery.personCount, 2);
    await node.stop();
  });

  it('settings pushed by a web node reach the node as settingsChanged', async () => {
    const node = await startNode(await tempDir('bridge'));
    const client = makeClient(node.port);
    client.start();
    await once(client, 'connected');
    const changed = once(node.server, 'settingsChanged');
    assert.equal(
      client.sendSettings({ thresholds: { match: 0.5, unknown: 0.62 }, consensusFrames: 4 }),
      true,
    );
    const [settings] = (await changed) as [{ thresholds: { unknown: number }; consensusFrames?: number }];
    assert.equal(settings.thresholds.unknown, 0.62);
    assert.equal(settings.consensusFrames, 4);
  });

  it('embed: photos in, faces with descriptors and quality out; times out; rejects when not connected', async () => {
    let slow = false;
    const node = await startNode(await tempDir('bridge'), {}, async (photos) => {
      if (slow) await new Promise((resolve) => setTimeout(resolve, 1000));
      return photos.map((photo, i) =>
        photo.data.length < 10
          ? {
              name: photo.name,
              ok: false,
              error: { code: 'IMAGE_CORRUPT', message: 'too short to be an image' },
            }
          : {
              name: photo.name,
              ok: true,
              faces: [
                {
                  box: { x: 1, y: 1, width: 50, height: 50 },
                  score: 0.9,
                  quality: { sizePx: 50, score: 0.9, sharpness: 12, frontality: 0.8 },
                  descriptor: sampleDescriptor(i + 1),
                },
              ],
            },
      );
    });
    const client = makeClient(node.port);
    await assert.rejects(client.embed([{ name: 'a.jpg', data: sampleJpeg(100) }]), (e: unknown) =>
      isRollcallError(e, ErrorCode.BridgeNotConnected),
    );
    client.start();
    await once(client, 'connected');
    const { model, results } = await client.embed([
      { name: 'a.jpg', data: sampleJpeg(100) },
      { name: 'b.jpg', data: new Uint8Array([1, 2, 3]) },
    ]);
    assert.equal(model, 'face-api');
    assert.equal(results.length, 2);
    const [a, b] = results;
    assert.ok(a?.ok === true);
    assert.deepEqual(Array.from(a.faces[0]?.descriptor ?? []), Array.from(sampleDescriptor(1)));
    assert.equal(a.faces[0]?.quality.sharpness, 12);
    assert.ok(b?.ok === false);
    assert.equal(b.error.code, 'IMAGE_CORRUPT');
    slow = true;
    await assert.rejects(client.embed([{ name: 'c.jpg', data: sampleJpeg(100) }], 200), (e: unknown) =>
      isRollcallError(e, ErrorCode.BridgeTimeout),
    );
  });
});

describe('bridge frames', () => {
  it('a web node that does not read does not stall publishFrame nor the healthy web node', async () => {
    const node = await startNode(await tempDir('bridge'));
    // A web node that authenticates, keeps pinging (so it is not idle), and never reads.
    const stuck = await rawConnect(node.port);
    const hs = new ClientHandshake({ secret: SECRET, clientId: 'stuck' });
    stuck.socket.write(encodeMessage(hs.start()));
    await waitFor(() => stuck.messages.some((m) => m.command === Command.CHALLENGE), 5000, 'CHALLENGE');
    const challenge = stuck.messages.find((m) => m.command === Command.CHALLENGE);
    assert.ok(challenge);
    const step = hs.receive(challenge);
    assert.ok(step.send);
    stuck.socket.write(encodeMessage(step.send));
    await waitFor(() => stuck.messages.some((m) => m.command === Command.READY), 5000, 'READY');
    stuck.socket.pause();
    const pinger = setInterval(
      () => stuck.socket.write(encodeMessage({ command: Command.PING, t: Date.now() })),
      100,
    );
    cleanups.push(() => {
      clearInterval(pinger);
      return Promise.resolve();
    });

    const healthy = makeClient(node.port, { clientId: 'healthy' });
    let received = 0;
    healthy.on('frame', () => {
      received++;
    });
    healthy.start();
    await waitFor(() => node.server.authenticatedCount === 2, 5000, 'two connections');

    const jpeg = sampleJpeg(60_000); // ~60 KB, a real 640×480 frame
    const fps = 30;
    const durationMs = 2000;
    const total = (fps * durationMs) / 1000;
    let slowestPublishMs = 0;
    const started = Date.now();
    for (let seq = 1; seq <= total; seq++) {
      const t0 = performance.now();
      node.server.publishFrame(frameMeta(seq), jpeg);
      slowestPublishMs = Math.max(slowestPublishMs, performance.now() - t0);
      const next = started + (seq * 1000) / fps;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const elapsedS = (Date.now() - started) / 1000;
    const receivedFps = received / elapsedS;
    process.stdout.write(
      `# frames: published ${total} at ${fps}/s; healthy web node received ${received} (${receivedFps.toFixed(1)} fps); ` +
        `slowest publishFrame ${slowestPublishMs.toFixed(2)} ms\n`,
    );
    assert.ok(received >= total * 0.9, `healthy node got ${received} of ${total}`);
    assert.ok(slowestPublishMs < 50, `publishFrame took ${slowestPublishMs} ms`);
    // The stuck node is still connected (it pings), and costs a bounded buffer, not every frame.
    assert.equal(node.server.authenticatedCount, 2);
    clearInterval(pinger);
    stuck.socket.destroy();
  });
});
