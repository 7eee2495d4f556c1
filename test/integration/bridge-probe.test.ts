/**
 * `rollcall probe` against real sockets: a live node, a closed port, a wrong secret, a node that
 * never answers and one speaking another protocol version. Also the bridge secret rules.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../config.js';
import {
  BridgeServer,
  isLoopbackHost,
  readStoredBridgeSecret,
  resolveBridgeSecret,
} from '../../src/bridge/index.js';
import { Command, encodeMessage, PROTOCOL_VERSION } from '../../src/bridge/protocol/index.js';
import { runProbe } from '../../src/cli/probe.command.js';
import { EventOutbox, GalleryCache, NodeGallery } from '../../src/recognition/index.js';
import { ErrorCode, Gallery, isRollcallError } from '../../src/core/index.js';
import { tempDir } from '../support/temp.js';

const SECRET = 'probe-secret-0123456789abcdef';
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const config = loadConfig();

async function probe(target: string, secret = SECRET, json = true, timeoutMs = 2000) {
  let out = '';
  let err = '';
  const code = await runProbe(config, {
    target,
    secret,
    json,
    timeoutMs,
    io: { out: (t) => void (out += t), err: (t) => void (err += t) },
  });
  return { code, out, err };
}

/** A TCP server that answers each connection with `reply` (or nothing), for misbehaving nodes. */
async function fakeNode(reply: Buffer | undefined): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => {
      if (reply !== undefined) socket.write(reply);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

describe('rollcall probe', () => {
  it('prints the node status as JSON on success', async () => {
    const dir = await tempDir('probe');
    const outbox = await EventOutbox.open({ dir: path.join(dir, 'outbox') });
    const server = new BridgeServer(
      {
        outbox,
        gallery: new NodeGallery(
          new GalleryCache({ model: 'face-api', dir: path.join(dir, 'gallery') }),
          new Gallery(),
        ),
        status: () => ({
          cameras: [{ cameraId: 'video0', fps: 12.5, droppedFrames: 4, latencyP95Ms: 90, online: true }],
        }),
      },
      { host: '127.0.0.1', port: 0, nodeId: 'camera-pc', secret: SECRET },
    );
    const { port } = await server.start();
    cleanups.push(async () => {
      await server.close();
      await outbox.close();
    });
    const { code, out } = await probe(`127.0.0.1:${port}`);
    assert.equal(code, 0);
    const report = JSON.parse(out) as Record<string, unknown>;
    assert.equal(report.ok, true);
    assert.equal(report.nodeId, 'camera-pc');
    assert.equal(report.protocol, PROTOCOL_VERSION);
    assert.equal(report.descriptorModel, 'face-api');
    assert.equal(report.fps, 12.5);
    assert.equal(report.galleryVersion, 0);
    assert.equal(report.outboxDepth, 0);
    assert.equal((report.cameras as unknown[]).length, 1);

    const human = await probe(`127.0.0.1:${port}`, SECRET, false);
    assert.equal(human.code, 0);
    assert.match(human.out, /node camera-pc/);
    assert.match(human.out, /outbox depth\s+0/);
    assert.match(human.out, /descriptors\s+face-api/);

    const wrong = await probe(`127.0.0.1:${port}`, 'not-the-secret-at-all', false);
    assert.equal(wrong.code, 1);
    assert.equal(
      wrong.err,
      `probe 127.0.0.1:${port}: authentication failed (check BRIDGE_SECRET on both machines)\n`,
    );
  });

  it('says "connection refused" for a closed port', async () => {
    const port = await fakeNode(undefined);
    // Free the port again: nothing listens there now.
    for (const cleanup of cleanups.splice(-1)) await cleanup();
    const { code, out } = await probe(`127.0.0.1:${port}`);
    assert.equal(code, 1);
    assert.deepEqual(JSON.parse(out), {
      ok: false,
      target: `127.0.0.1:${port}`,
      reason: 'connection refused',
    });
  });

  it('says "timed out" for a node that never answers', async () => {
    const port = await fakeNode(undefined);
    const started = Date.now();
    const { code, out } = await probe(`127.0.0.1:${port}`, SECRET, true, 400);
    assert.equal(code, 1);
    assert.equal((JSON.parse(out) as { reason: string }).reason, 'timed out');
    assert.ok(Date.now() - started < 2000);
  });

  it('says "protocol mismatch (node speaks v1)" for a node of another version', async () => {
    // A version-1 node: from before descriptor models.
    const frame = encodeMessage({ command: Command.ERROR, code: 'VERSION_MISMATCH', message: 'speak v1' });
    frame[2] = 1; // the version byte of the header
    const port = await fakeNode(frame);
    const { code, out } = await probe(`127.0.0.1:${port}`);
    assert.equal(code, 1);
    assert.equal((JSON.parse(out) as { reason: string }).reason, 'protocol mismatch (node speaks v1)');
  });

  it('refuses a malformed target as a usage error', async () => {
    await assert.rejects(probe('not a host:xx'), (e: unknown) => isRollcallError(e, ErrorCode.UsageInvalid));
  });
});

describe('bridge secret', () => {
  it('knows loopback from the rest', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'camera-pc.local'])
      assert.equal(isLoopbackHost(host), false, host);
  });

  it('refuses to listen beyond loopback without a secret, saying how to set one', async () => {
    const dataDir = await tempDir('probe');
    await assert.rejects(
      resolveBridgeSecret({ listenHost: '0.0.0.0', configuredSecret: undefined, dataDir }),
      (e: unknown) => isRollcallError(e, ErrorCode.BridgeSecretRequired) && /BRIDGE_SECRET/.test(e.message),
    );
  });

  it('generates a secret once, stores it 0600 under DATA_DIR, and reuses it', async () => {
    const dataDir = await tempDir('probe');
    const first = await resolveBridgeSecret({
      listenHost: '0.0.0.0',
      configuredSecret: undefined,
      dataDir,
      allowGenerate: true,
    });
    assert.equal(first.source, 'generated');
    assert.ok(first.secret.length >= 32);
    assert.equal((await stat(first.file ?? '')).mode & 0o777, 0o600);
    const again = await resolveBridgeSecret({
      listenHost: '127.0.0.1',
      configuredSecret: undefined,
      dataDir,
    });
    assert.deepEqual([again.source, again.secret], ['file', first.secret]);
    assert.equal(await readStoredBridgeSecret(dataDir), first.secret);
    const configured = await resolveBridgeSecret({
      listenHost: '0.0.0.0',
      configuredSecret: SECRET,
      dataDir,
    });
    assert.deepEqual([configured.source, configured.secret], ['config', SECRET]);
  });

  it('on loopback, generates without being asked (both sides share DATA_DIR)', async () => {
    const dataDir = await tempDir('probe');
    const resolved = await resolveBridgeSecret({
      listenHost: '127.0.0.1',
      configuredSecret: undefined,
      dataDir,
    });
    assert.equal(resolved.source, 'generated');
  });
});
