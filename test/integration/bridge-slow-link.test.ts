/**
 * Events before live frames on a link too slow for both. On a real slow link the node's socket is
 * full nearly all the time, and each 'drain' comes as the peer acknowledges a little more: by then a
 * frame or two wait to be written. Found by the two-host network test
 * (test/reliability/network.test.ts): on a reordering link the events of a 15 s burst reached the
 * web node up to 113 s late while the live view played at 9 frames a second. At each drain the
 * connection started the event pump, whose outbox read is asynchronous, then wrote the waiting frames
 * at once; when the read came back the socket was full again, and the events it read stayed.
 *
 * A socket on loopback drains in large steps and rarely shows it, so here the connection (the real
 * `ServerConnection`, with the real durable outbox on disk) is given a socket that behaves like the
 * slow link's: every write is taken, a write returns false once 16 kB went out since the last drain
 * (Node's high-water mark), and the test says when the link drains.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ClientHandshake,
  Command,
  encodeMessage,
  FrameDecoder,
  parseMessage,
  PROTOCOL_VERSION,
  type BridgeMessage,
} from '../../src/bridge/protocol/index.js';
import { resolveServerOptions } from '../../src/bridge/node/server-options.js';
import { ServerConnection, type ConnectionContext } from '../../src/bridge/node/server-connection.js';
import { Gallery } from '../../src/core/index.js';
import { EventOutbox, GalleryCache, NodeGallery } from '../../src/recognition/index.js';
import { systemClock } from '../../src/shared/index.js';
import { sampleEvent } from '../support/outbox-child.js';
import { sampleJpeg } from '../support/sample-messages.js';
import { tempDir } from '../support/temp.js';

const SECRET = 'slow-link-secret-0123456789abcdef';
const HIGH_WATER_MARK = 16 * 1024;

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The node's end of a slow link: what was written (decoded), and drains when the test says so. */
class SlowLinkSocket extends EventEmitter {
  readonly remoteAddress = '198.18.0.2';
  readonly remotePort = 40000;
  readonly writableLength = 0;
  destroyed = false;
  readonly written: BridgeMessage[] = [];
  readonly #decoder = new FrameDecoder({ maxBinaryBytes: 1024 * 1024 });
  #sinceDrain = 0;

  setNoDelay(): this {
    return this;
  }

  write(bytes: Buffer): boolean {
    for (const frame of this.#decoder.push(bytes)) this.written.push(parseMessage(frame));
    this.#sinceDrain += bytes.length;
    return this.#sinceDrain < HIGH_WATER_MARK;
  }

  /** The peer acknowledged what was in flight: room again. */
  drain(): void {
    this.#sinceDrain = 0;
    this.emit('drain');
  }

  /** Bytes from the web node. */
  receive(message: BridgeMessage): void {
    this.emit('data', encodeMessage(message));
  }

  end(): void {
    this.destroy();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }

  count(command: Command): number {
    return this.written.filter((message) => message.command === command).length;
  }
}

describe('bridge on a link slower than the live frames', () => {
  it('at each drain the events go first, and the frames after them', async () => {
    const dir = await tempDir('bridge-slow-link');
    const outbox = await EventOutbox.open({ dir: path.join(dir, 'outbox') });
    const cache = new GalleryCache({ model: 'face-api', dir });
    await cache.load();
    const gallery = new NodeGallery(cache, new Gallery());
    const context: ConnectionContext = {
      options: resolveServerOptions({ host: '0.0.0.0', port: 9999, nodeId: 'node-a', secret: SECRET }),
      clock: systemClock,
      outbox,
      gallery,
      embed: undefined,
      events: new EventEmitter(),
      statusMessage: () => ({
        command: Command.STATUS,
        nodeId: 'node-a',
        protocol: PROTOCOL_VERSION,
        cameras: [],
        galleryVersion: gallery.version,
        descriptorModel: gallery.model,
        outboxDepth: outbox.depth,
        uptimeS: 1,
      }),
      applyGallery: (update) => gallery.apply(update),
      closed: () => undefined,
    };
    const socket = new SlowLinkSocket();
    const connection = new ServerConnection(context, socket as unknown as net.Socket, 1);
    cleanups.push(async () => {
      connection.destroy('test over');
      await outbox.close();
    });
    connection.begin();
    const handshake = new ClientHandshake({ secret: SECRET, clientId: 'web-pc' });
    socket.receive(handshake.start());
    const challenge = socket.written.find((message) => message.command === Command.CHALLENGE);
    assert.ok(challenge, 'the node answered HELLO');
    const step = handshake.receive(challenge);
    assert.ok(step.send);
    socket.receive(step.send);
    assert.ok(connection.authenticated, 'the handshake is done');

    // The link is full of frames (the first one filled it), and a camera keeps offering them.
    const frame = encodeMessage({
      command: Command.FRAME,
      metadata: {
        cameraId: 'video0',
        seq: 0,
        capturedAt: Date.now(),
        width: 640,
        height: 480,
        faces: [],
        latencyMs: 0,
      },
      jpeg: sampleJpeg(60_000),
    });
    connection.offerFrame(frame);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const event = { ...sampleEvent(i, 0, 'slow'), crop: sampleJpeg(2048, i) };
      await outbox.append(event);
      ids.push(event.id);
      connection.pumpEvents();
    }
    // Ten drains, a frame offered before each (10 frames/s against a drain every 100 ms).
    for (let drain = 0; drain < 10; drain++) {
      connection.offerFrame(frame);
      socket.drain();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const sent = socket.written.flatMap((message) =>
      message.command === Command.EVENT ? [message.event.id] : [],
    );
    assert.deepEqual(sent, ids, 'every event went out, in order, within ten drains');
    assert.ok(socket.count(Command.FRAME) >= 3, `frames still flowed (${socket.count(Command.FRAME)})`);
  });
});
