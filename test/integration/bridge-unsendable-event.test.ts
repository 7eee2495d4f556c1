/**
 * An event the protocol cannot carry must be refused when it is published, not stored: stored, it
 * stayed in the outbox for ever (its send failing again every 30 s, the depth never back to 0) and
 * never reached a web node, though publishEvent had resolved. Found by the two-host network test
 * (test/reliability/network.test.ts), whose synthetic node first made crops that were not JPEGs.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BridgeClient, BridgeServer } from '../../src/bridge/index.js';
import { ErrorCode, Gallery, isRollcallError, type RecognitionEvent } from '../../src/core/index.js';
import { EventOutbox, GalleryCache, NodeGallery } from '../../src/recognition/index.js';
import { sampleEvent } from '../support/outbox-child.js';
import { sampleJpeg } from '../support/sample-messages.js';
import { tempDir } from '../support/temp.js';
import { untilTrue } from '../support/wait.js';

const SECRET = 'unsendable-secret-0123456789abcdef';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('an event the bridge cannot send', () => {
  it('is refused at publish (BAD_MESSAGE), and the events after it still reach the web node', async () => {
    const dir = await tempDir('bridge-unsendable');
    const outbox = await EventOutbox.open({ dir: path.join(dir, 'outbox') });
    const cache = new GalleryCache({ model: 'face-api', dir });
    await cache.load();
    const server = new BridgeServer(
      { outbox, gallery: new NodeGallery(cache, new Gallery()), status: () => ({ cameras: [] }) },
      { host: '127.0.0.1', port: 0, nodeId: 'node-a', secret: SECRET, heartbeatMs: 200 },
    );
    const { port } = await server.start();
    const client = new BridgeClient({ host: '127.0.0.1', port, secret: SECRET, clientId: 'web-1' });
    cleanups.push(async () => {
      await client.close();
      await server.close();
      await outbox.close();
    });
    const received: string[] = [];
    client.onEvent((event) => {
      received.push(event.id);
    });
    client.start();
    await untilTrue('connected', () => client.state.connected, 5000);

    const good = (i: number): RecognitionEvent => ({ ...sampleEvent(i, 0, 'ok'), crop: sampleJpeg(500, i) });
    await server.publishEvent(good(1));
    const notJpeg: RecognitionEvent = { ...sampleEvent(2, 0, 'bad'), crop: new Uint8Array([1, 2, 3, 4]) };
    await assert.rejects(server.publishEvent(notJpeg), (error) =>
      isRollcallError(error, ErrorCode.BadMessage),
    );
    await server.publishEvent(good(3));
    await untilTrue(
      'the events on both sides of the refused one delivered',
      () => received.length === 2,
      10_000,
    );
    assert.deepEqual(received, ['ok-000001', 'ok-000003']);
    // Nothing left behind that no web node will ever acknowledge.
    await untilTrue('the outbox emptied', () => outbox.depth === 0, 5000);
  });
});
