/**
 * Webhooks through the real processes, with production's retry schedule: `rollcall start --role
 * web` (its own redis-server), a synthetic recognition node sending recognitions and unknown faces
 * over the bridge, and a receiver on loopback that is down while they happen. The web node is even
 * stopped and started again before the receiver comes back. The receiver then gets every event
 * exactly once by id, each signature verified.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { LineChild } from '../support/line-child.js';
import { freePort } from '../support/net.js';
import {
  createAccount,
  SECRET,
  seedPeople,
  startEventNode,
  startRollcall,
  waitHealthy,
  webEnv,
} from '../support/rollcall-node.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/wait.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const running: LineChild[] = [];
let receiver: WebhookReceiver | undefined;
after(async () => {
  // SIGTERM, so the web node stops its private redis-server too.
  for (const child of running) await child.kill('SIGTERM');
  await receiver?.stop();
});

function track(child: LineChild): LineChild {
  running.push(child);
  return child;
}

describe('webhooks through the real web node', () => {
  it('a receiver down while events happen, and across a web node restart, gets each once, signed', async (t) => {
    const root = await tempDir('webhooks-e2e');
    const webDir = path.join(root, 'web-pc');
    const [webPort, bridgePort] = [await freePort(), await freePort()];
    const people = await seedPeople(webDir, ['Ada', 'Ben', 'Cai']);
    const env = webEnv(webDir, webPort, bridgePort);
    const web = track(startRollcall('web', env));
    await waitHealthy(webPort);
    const token = await createAccount(env, 'Olga Office', 'admin', 'a long admin password');

    let secret = '';
    receiver = new WebhookReceiver(() => secret);
    await receiver.start();
    await receiver.stop(); // down: its port is closed
    const created = await fetch(`http://127.0.0.1:${webPort}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, events: ['attendance.marked', 'unknown.face'] }),
    });
    assert.equal(created.status, 201);
    const answer = (await created.json()) as { webhook: { id: string }; secret: string };
    secret = answer.secret;

    // 10 events: people in turn, every fifth an unknown face (ids e2e-000004 and e2e-000009).
    const node = track(
      await startEventNode({
        dir: path.join(root, 'camera-pc'),
        port: bridgePort,
        secret: SECRET,
        nodeId: 'camera-pc',
        count: 10,
        rate: 20,
        prefix: 'e2e',
        people,
      }),
    );
    await node.waitFor((lines) => lines.includes('done'));
    const log = async (): Promise<{ ok: boolean; error: string | null; eventId: string }[]> => {
      const res = await fetch(
        `http://127.0.0.1:${webPort}/api/v1/webhooks/${answer.webhook.id}/deliveries?limit=1000`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      return ((await res.json()) as { deliveries: { ok: boolean; error: string | null; eventId: string }[] })
        .deliveries;
    };
    // Five events (three people's days, two faces), each refused at least once.
    await until(
      'a refused first attempt of every event',
      async () => (new Set((await log()).map((d) => d.eventId)).size === 5 ? true : undefined),
      30_000,
    );
    assert.ok((await log()).every((d) => !d.ok && /connection refused/.test(d.error ?? '')));

    // The web node stops (its deliveries wait in Redis) and starts again; then the receiver is back.
    await web.kill('SIGTERM');
    track(startRollcall('web', env));
    await waitHealthy(webPort);
    const back = Date.now();
    await receiver.start();
    await until(
      'every event',
      () => Promise.resolve(receiver?.events.length === 5 ? true : undefined),
      120_000,
    );
    const waitedMs = Date.now() - back;
    // Every event has its success in the log: no attempt of any of them is left to come.
    await until(
      'five successes in the log',
      async () => ((await log()).filter((d) => d.ok).length === 5 ? true : undefined),
      30_000,
    );

    assert.deepEqual(receiver.badSignatures, [], 'every signature verified');
    assert.deepEqual([...receiver.deliveries.values()], [1, 1, 1, 1, 1], 'each event exactly once');
    const marked = receiver.events.filter((e) => e.type === 'attendance.marked');
    assert.deepEqual(marked.map((e) => (e.data.person as { id: string }).id).sort(), [...people].sort());
    assert.deepEqual(
      receiver.events
        .filter((e) => e.type === 'unknown.face')
        .map((e) => e.id)
        .sort(),
      ['unknown:e2e-000004', 'unknown:e2e-000009'],
    );
    const attempts = await log();
    t.diagnostic(
      `attempts ${attempts.length} for 5 events; all delivered ${waitedMs} ms after the receiver came back`,
    );
  });
});
