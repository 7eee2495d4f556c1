/** The bridge over TLS with a self-signed certificate, as a site without its own CA would run it. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BridgeClient, BridgeServer, probeNode } from '../../src/bridge/index.js';
import { EventOutbox, GalleryCache, NodeGallery } from '../../src/recognition/index.js';
import { Gallery, type RecognitionEvent } from '../../src/core/index.js';
import { tempDir } from '../support/temp.js';

const SECRET = 'tls-test-secret-0123456789';

const event: RecognitionEvent = {
  id: 'tls-event-1',
  type: 'recognized',
  nodeId: 'node-tls',
  cameraId: 'door',
  trackId: 'door-1',
  personId: 'ann',
  distance: 0.4,
  thresholds: { match: 0.55, unknown: 0.6 },
  votes: 3,
  at: new Date().toISOString(),
  box: { x: 1, y: 2, width: 30, height: 40 },
  frameWidth: 640,
  frameHeight: 480,
  crop: null,
  model: 'test',
  backend: 'wasm',
};

describe('the bridge over TLS', () => {
  let dir: string;
  let server: BridgeServer;
  let outbox: EventOutbox;
  let port: number;

  before(async () => {
    dir = await tempDir('tls');
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ]);
    outbox = await EventOutbox.open({ dir: path.join(dir, 'outbox') });
    server = new BridgeServer(
      {
        outbox,
        gallery: new NodeGallery(new GalleryCache({ model: 'face-api', dir }), new Gallery()),
        status: () => ({ cameras: [] }),
      },
      {
        host: '127.0.0.1',
        port: 0,
        nodeId: 'node-tls',
        secret: SECRET,
        tls: { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') },
      },
    );
    ({ port } = await server.start());
  });

  after(async () => {
    await server.close();
    await outbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers events to a web node that trusts the certificate', async () => {
    const client = new BridgeClient({
      host: '127.0.0.1',
      port,
      secret: SECRET,
      clientId: 'web-tls',
      tls: { caFile: path.join(dir, 'cert.pem') },
    });
    const received = new Promise<RecognitionEvent>((resolve) => {
      client.onEvent((e) => {
        resolve(e);
      });
    });
    client.start();
    try {
      await server.publishEvent(event);
      const got = await received;
      assert.equal(got.id, event.id);
      assert.equal(got.personId, 'ann');
    } finally {
      await client.close();
    }
  });

  it('refuses a node whose certificate the web node does not trust', async () => {
    await assert.rejects(
      probeNode({
        host: '127.0.0.1',
        port,
        secret: SECRET,
        clientId: 'web-untrusting',
        tls: {},
        connectTimeoutMs: 3000,
      }),
      (error: unknown) => error instanceof Error && /certificate|self.signed|TLS/i.test(error.message),
    );
  });
});
