/**
 * Webhooks through the real processes, with production's retry schedule: `rollcall start --role
 * web` (its own redis-server), a synthetic recognition node sending recognitions and unknown faces
 * over the bridge, and a receiver on loopback that is down while they happen. The web node is even
 * stopped and started again before the receiver comes back. The receiver is the README's example,
 * `docs/examples/webhook-receiver.mjs`, run as its own process: it then gets every event exactly
 * once by id, each signature verified, and refuses forged and replayed requests.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signWebhook } from '../../src/shared/index.js';
import { LineChild } from '../support/line-child.js';
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

/** The example as the README shows it, from dist/test/integration or test/integration alike. */
const EXAMPLE_RECEIVER = fileURLToPath(
  new URL('../../../docs/examples/webhook-receiver.mjs', import.meta.url),
);

const running: LineChild[] = [];
after(async () => {
  // SIGTERM, so the web node stops its private redis-server too.
  for (const child of running) await child.kill('SIGTERM');
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

    // Down: nothing listens on the receiver's port until it is started below.
    const receiverPort = await freePort();
    const receiverUrl = `http://127.0.0.1:${receiverPort}/hooks/rollcall`;
    const created = await fetch(`http://127.0.0.1:${webPort}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiverUrl, events: ['attendance.marked', 'unknown.face'] }),
    });
    assert.equal(created.status, 201);
    const answer = (await created.json()) as { webhook: { id: string }; secret: string };

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
    const receiver = track(
      new LineChild(process.execPath, [EXAMPLE_RECEIVER], {
        WEBHOOK_SECRET: answer.secret,
        PORT: String(receiverPort),
        HOST: '127.0.0.1',
      }),
    );
    const events = (): { id: string; type: string; data: Record<string, unknown> }[] =>
      receiver.valuesOf('event').map((line) => JSON.parse(line) as never);
    await until('every event', () => Promise.resolve(events().length === 5 ? true : undefined), 120_000);
    const waitedMs = Date.now() - back;
    // Every event has its success in the log: no attempt of any of them is left to come.
    await until(
      'five successes in the log',
      async () => ((await log()).filter((d) => d.ok).length === 5 ? true : undefined),
      30_000,
    );

    assert.deepEqual(receiver.valuesOf('refused'), [], 'every signature verified');
    assert.deepEqual(receiver.valuesOf('duplicate'), [], 'no event came twice');
    const ids = events().map((e) => e.id);
    assert.equal(new Set(ids).size, 5, `each event exactly once: ${ids.join(', ')}`);
    const marked = events().filter((e) => e.type === 'attendance.marked');
    assert.deepEqual(marked.map((e) => (e.data.person as { id: string }).id).sort(), [...people].sort());
    assert.deepEqual(
      events()
        .filter((e) => e.type === 'unknown.face')
        .map((e) => e.id)
        .sort(),
      ['unknown:e2e-000004', 'unknown:e2e-000009'],
    );

    // The example's checks bite: a wrong secret, a replayed (old) request and a repeat of a real
    // event are told apart, and only the repeat is answered 2xx.
    const [first] = events();
    assert.ok(first);
    const body = JSON.stringify(first);
    const post = async (secret: string, timestampS: number): Promise<number> =>
      (
        await fetch(receiverUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-rollcall-signature': signWebhook(secret, timestampS, body),
            'x-rollcall-timestamp': String(timestampS),
            'x-rollcall-event': first.type,
            'x-rollcall-delivery': first.id,
          },
          body,
        })
      ).status;
    const nowS = Math.floor(Date.now() / 1000);
    assert.equal(await post('whsec_not-the-hooks-secret', nowS), 401);
    assert.equal(await post(answer.secret, nowS - 3600), 401);
    assert.equal(await post(answer.secret, nowS), 204);
    await receiver.waitFor((lines) => lines.filter((l) => /^(refused|duplicate) /.test(l)).length === 3);
    const [forged, replayed] = receiver.valuesOf('refused');
    assert.equal(forged, 'signature does not match');
    assert.match(replayed ?? '', /^timestamp 360[01] s from this clock$/);
    assert.deepEqual(receiver.valuesOf('duplicate'), [first.id]);
    assert.equal(events().length, 5);
    const attempts = await log();
    t.diagnostic(
      `attempts ${attempts.length} for 5 events; all delivered ${waitedMs} ms after the receiver came back`,
    );
  });
});
