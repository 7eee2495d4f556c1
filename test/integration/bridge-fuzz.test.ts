/**
 * Hostile input over real sockets: thousands of connections of garbage, mutated frames, absurd
 * lengths, truncated frames and slow-loris peers. Afterwards the node must still serve a normal web
 * node, and its heap must not have grown with what it was fed.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { BridgeClient, BridgeServer } from '../../src/bridge/index.js';
import { EventOutbox, GalleryCache, NodeGallery } from '../../src/recognition/index.js';
import { Command, encodeMessage, FRAME_HEADER_BYTES } from '../../src/bridge/protocol/index.js';
import { sampleMessages } from '../support/sample-messages.js';
import { Gallery, mulberry32 } from '../../src/core/index.js';
import { tempDir } from '../support/temp.js';

const SECRET = 'fuzz-secret-0123456789abcdef';
const CONNECTIONS = 2000;
const SLOW_LORIS = 12;
const CONCURRENCY = 40;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const tempDirs: string[] = [];
after(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function header(version: number, command: number, jsonLength: number, binaryLength: number): Buffer {
  const h = Buffer.alloc(FRAME_HEADER_BYTES);
  h.write('RC', 0, 'latin1');
  h[2] = version;
  h[3] = command;
  h.writeUInt32BE(jsonLength, 6);
  h.writeUInt32BE(binaryLength, 10);
  return h;
}

type Kind =
  'random' | 'mutated' | 'huge' | 'truncated' | 'badJson' | 'unknownCommand' | 'wrongVersion' | 'preAuth';
const KINDS: Kind[] = [
  'random',
  'mutated',
  'huge',
  'truncated',
  'badJson',
  'unknownCommand',
  'wrongVersion',
  'preAuth',
];

function payload(kind: Kind, random: () => number): Buffer {
  const samples = sampleMessages();
  const pick = (): Buffer => {
    const message = samples[Math.floor(random() * samples.length)];
    assert.ok(message);
    return encodeMessage(message);
  };
  switch (kind) {
    case 'random':
      return Buffer.from(
        Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() * 256)),
      );
    case 'mutated': {
      const frame = Buffer.from(pick());
      for (let i = 0; i < 1 + Math.floor(random() * 4); i++) {
        frame[Math.floor(random() * frame.length)] = Math.floor(random() * 256);
      }
      return frame;
    }
    case 'huge': // a 4 GB length prefix
      return header(1, Command.HELLO, 0xffff_ffff, 0xffff_ffff);
    case 'truncated': {
      const frame = pick();
      return frame.subarray(0, Math.max(1, Math.floor(random() * frame.length)));
    }
    case 'badJson': {
      const json = Buffer.from('{"protocol":1,');
      return Buffer.concat([header(1, Command.HELLO, json.length, 0), json]);
    }
    case 'unknownCommand':
      return Buffer.concat([header(1, 200, 2, 0), Buffer.from('{}')]);
    case 'wrongVersion':
      return Buffer.concat([header(2, Command.HELLO, 2, 0), Buffer.from('{}')]);
    case 'preAuth': {
      // a valid frame that is not HELLO (events before authenticating)
      const event = samples.find((m) => m.command === Command.EVENT);
      assert.ok(event);
      return encodeMessage(event);
    }
  }
}

/** Sends `data`, half-closes, and resolves when the node has closed the connection. */
function attack(port: number, data: Buffer): Promise<{ gotError: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let gotError = false;
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on('data', (chunk: Buffer) => {
      // An ERROR frame: magic, version 1, command ERROR.
      if (chunk[0] === 0x52 && chunk[1] === 0x43 && chunk[3] === Command.ERROR) gotError = true;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ gotError });
    });
    socket.on('connect', () => {
      socket.write(data);
      socket.end();
    });
  });
}

/** Sends one byte a second: only the handshake deadline gets rid of it. */
function slowLoris(port: number, data: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect({ host: '127.0.0.1', port });
    let i = 0;
    const interval = setInterval(() => {
      if (i < data.length && socket.writable) socket.write(data.subarray(i, ++i));
    }, 1000);
    socket.resume(); // read (and drop) what the node says, or its goodbye is never noticed
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(interval);
      resolve(Date.now() - started);
    });
  });
}

describe('bridge fuzz over real sockets', () => {
  it(`survives ${CONNECTIONS} hostile connections and ${SLOW_LORIS} slow-loris peers with bounded memory`, async () => {
    const dir = await tempDir('bridge-fuzz');
    tempDirs.push(dir);
    const outbox = await EventOutbox.open({ dir: path.join(dir, 'outbox') });
    const cache = new GalleryCache({ model: 'face-api', dir: path.join(dir, 'gallery') });
    const server = new BridgeServer(
      { outbox, gallery: new NodeGallery(cache, new Gallery()), status: () => ({ cameras: [] }) },
      {
        host: '127.0.0.1',
        port: 0,
        nodeId: 'fuzzed',
        secret: SECRET,
        heartbeatMs: 500,
        handshakeTimeoutMs: 1500,
        maxConnections: CONCURRENCY + SLOW_LORIS + 8,
      },
    );
    const { port } = await server.start();
    let protocolErrors = 0;
    server.on('protocolError', () => {
      protocolErrors++;
    });
    try {
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      const random = mulberry32(20240501);
      const helloMessage = sampleMessages()[0];
      assert.ok(helloMessage);
      const hello = encodeMessage(helloMessage);
      const loris = Array.from({ length: SLOW_LORIS }, () => slowLoris(port, hello));

      let next = 0;
      let errorFrames = 0;
      const perKind = new Map<Kind, number>();
      const worker = async (): Promise<void> => {
        while (next < CONNECTIONS) {
          const kind = KINDS[next++ % KINDS.length] ?? 'random';
          perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
          const { gotError } = await attack(port, payload(kind, random));
          if (gotError) errorFrames++;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const lorisMs = await Promise.all(loris);

      // A normal web node still connects and gets events.
      const client = new BridgeClient({
        host: '127.0.0.1',
        port,
        secret: SECRET,
        clientId: 'after-fuzz',
        heartbeatMs: 500,
      });
      const got: string[] = [];
      client.on('event', (e) => void got.push(e.id));
      client.start();
      await once(client, 'connected');
      await server.publishEvent({
        id: 'after-fuzz-1',
        type: 'unknown',
        nodeId: 'fuzzed',
        cameraId: 'video0',
        trackId: 't1',
        personId: null,
        distance: null,
        thresholds: { match: 0.5, unknown: 0.6 },
        votes: null,
        at: new Date().toISOString(),
        box: { x: 0, y: 0, width: 10, height: 10 },
        frameWidth: 640,
        frameHeight: 480,
        crop: null,
        model: 'm',
        backend: 'b',
      });
      const deadline = Date.now() + 5000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(got, ['after-fuzz-1']);
      await client.close();

      await new Promise((r) => setTimeout(r, 200));
      gc();
      const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
      process.stdout.write(
        `# fuzz: ${CONNECTIONS} connections (${[...perKind].map(([k, n]) => `${k} ${n}`).join(', ')}), ` +
          `${errorFrames} answered with an ERROR frame, ${protocolErrors} protocol errors reported; ` +
          `${SLOW_LORIS} slow-loris cut after ${Math.min(...lorisMs)}–${Math.max(...lorisMs)} ms; heap growth ${growthMb.toFixed(1)} MB\n`,
      );
      assert.ok(growthMb < 50, `heap grew ${growthMb.toFixed(1)} MB`);
      assert.ok(errorFrames > CONNECTIONS / 2, `only ${errorFrames} got an ERROR frame`);
      assert.ok(
        lorisMs.every((ms) => ms < 4000),
        'slow-loris peers are cut at the handshake deadline',
      );
      assert.equal(server.connectionCount, 0);
    } finally {
      await server.close();
      await outbox.close();
    }
  });
});
