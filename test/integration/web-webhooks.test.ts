/**
 * Webhooks over the REST API on a real web node (HTTP on port 0, SQLite, a private Redis) and a
 * receiver on loopback: an administrator registers a URL (its secret shown once), sends it a test
 * event the receiver verifies, replaces the secret, switches the hook off and deletes it, and reads
 * the delivery log; bad input gets a plain 400 and changes nothing; a viewer gets 403.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApiWebNode, type ApiWebNode } from '../support/api-web-node.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

interface HookView {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  description: string;
}

interface DeliveryView {
  eventId: string;
  eventType: string;
  attempt: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

describe('webhooks over the REST API', () => {
  let node: ApiWebNode;
  let secret = '';
  const receiver = new WebhookReceiver(() => secret);
  const call: ApiWebNode['call'] = (...args) => node.call(...args);

  before(async () => {
    node = await startApiWebNode('web-webhooks');
    await receiver.start();
  });

  after(async () => {
    await receiver.stop();
    await node.close();
  });

  it('registers a URL, shows the secret once, and a test event reaches the receiver signed with it', async () => {
    const types = await call('admin', 'GET', '/webhooks/events');
    assert.deepEqual(
      (types.json.events as { type: string }[]).map((e) => e.type),
      ['attendance.marked', 'attendance.late', 'attendance.absent', 'unknown.face'],
    );
    const created = await call('admin', 'POST', '/webhooks', {
      url: receiver.url,
      events: ['attendance.absent', 'attendance.late'],
      description: 'the school office',
    });
    assert.equal(created.status, 201, created.text);
    secret = created.json.secret as string;
    assert.match(secret, /^whsec_/);
    const hook = created.json.webhook as HookView;
    assert.deepEqual(
      [hook.url, hook.events, hook.active, hook.description],
      [receiver.url, ['attendance.late', 'attendance.absent'], true, 'the school office'],
    );
    // Never again: not in the hook, not in the list.
    const read = await call('admin', 'GET', `/webhooks/${hook.id}`);
    const listed = await call('admin', 'GET', '/webhooks');
    for (const answer of [created.json.webhook, read.text, listed.text])
      assert.doesNotMatch(JSON.stringify(answer), new RegExp(secret));
    assert.deepEqual(
      (listed.json.webhooks as HookView[]).map((h) => h.id),
      [hook.id],
    );

    const test = await call('admin', 'POST', `/webhooks/${hook.id}/test`);
    assert.equal(test.status, 200, test.text);
    const delivery = test.json.delivery as DeliveryView;
    assert.deepEqual(
      [delivery.eventType, delivery.ok, delivery.statusCode, delivery.error, delivery.attempt],
      ['webhook.test', true, 204, null, 1],
    );
    assert.deepEqual(receiver.badSignatures, []);
    assert.deepEqual(
      receiver.events.map((e) => [e.id, e.type]),
      [[delivery.eventId, 'webhook.test']],
    );

    // A new secret: the old one no longer verifies, the new one does.
    const rotated = await call('admin', 'POST', `/webhooks/${hook.id}/secret`);
    assert.equal(rotated.status, 200);
    const oldSecret = secret;
    const newSecret = rotated.json.secret as string;
    assert.notEqual(newSecret, oldSecret);
    const refused = await call('admin', 'POST', `/webhooks/${hook.id}/test`);
    assert.deepEqual(
      [(refused.json.delivery as DeliveryView).ok, (refused.json.delivery as DeliveryView).statusCode],
      [false, 401],
      'the receiver still has the old secret',
    );
    secret = newSecret;
    const accepted = await call('admin', 'POST', `/webhooks/${hook.id}/test`);
    assert.equal((accepted.json.delivery as DeliveryView).statusCode, 204);

    const log = await call('admin', 'GET', `/webhooks/${hook.id}/deliveries?limit=2`);
    assert.deepEqual(
      (log.json.deliveries as DeliveryView[]).map((d) => d.statusCode),
      [204, 401],
      'newest first',
    );
    assert.equal(log.json.nextOffset, 2);
  });

  it('says why a receiver cannot be reached, and logs it', async () => {
    const down = new WebhookReceiver(() => secret);
    await down.start();
    const url = down.url;
    await down.stop();
    const created = await call('admin', 'POST', '/webhooks', { url, events: ['unknown.face'] });
    const id = (created.json.webhook as HookView).id;
    const test = await call('admin', 'POST', `/webhooks/${id}/test`);
    assert.equal(test.status, 200);
    const delivery = test.json.delivery as DeliveryView;
    assert.deepEqual([delivery.ok, delivery.statusCode], [false, null]);
    assert.match(delivery.error ?? '', /connection refused/);
    assert.equal(
      ((await call('admin', 'GET', `/webhooks/${id}/deliveries`)).json.deliveries as unknown[]).length,
      1,
    );
    assert.equal((await call('admin', 'DELETE', `/webhooks/${id}`)).status, 200);
  });

  it('changes and deletes a hook', async () => {
    const [hook] = (await call('admin', 'GET', '/webhooks')).json.webhooks as HookView[];
    assert.ok(hook);
    const off = await call('admin', 'PATCH', `/webhooks/${hook.id}`, {
      active: false,
      events: ['unknown.face'],
    });
    assert.equal(off.status, 200, off.text);
    assert.deepEqual(
      [
        (off.json.webhook as HookView).active,
        (off.json.webhook as HookView).events,
        (off.json.webhook as HookView).url,
      ],
      [false, ['unknown.face'], receiver.url],
    );
    assert.deepEqual(await call('admin', 'DELETE', `/webhooks/${hook.id}`).then((r) => r.json), {
      id: hook.id,
      deleted: true,
    });
    assert.equal((await call('admin', 'GET', `/webhooks/${hook.id}`)).status, 404);
    assert.equal((await call('admin', 'GET', `/webhooks/${hook.id}/deliveries`)).status, 404);
    assert.equal((await call('admin', 'POST', `/webhooks/${hook.id}/test`)).status, 404);
  });

  it('answers bad input with a plain 400 and changes nothing', async () => {
    const kept = await call('admin', 'POST', '/webhooks', {
      url: receiver.url,
      events: ['attendance.marked'],
    });
    const id = (kept.json.webhook as HookView).id;
    const before = await call('admin', 'GET', '/webhooks');
    const cases: [string, string, unknown, number, RegExp][] = [
      [
        'POST',
        '/webhooks',
        { url: 'ftp://example.org/in', events: ['unknown.face'] },
        400,
        /url: must start with http:\/\/ or https:\/\//,
      ],
      [
        'POST',
        '/webhooks',
        { url: 'javascript:alert(1)', events: ['unknown.face'] },
        400,
        /url: must start with http/,
      ],
      [
        'POST',
        '/webhooks',
        { url: 'https://me:pw@example.org/in', events: ['unknown.face'] },
        400,
        /url: must not hold a user name or password/,
      ],
      [
        'POST',
        '/webhooks',
        { url: 'example.org/in', events: ['unknown.face'] },
        400,
        /url: .* is not an absolute URL/,
      ],
      ['POST', '/webhooks', { url: 42, events: ['unknown.face'] }, 400, /url: give the address/],
      ['POST', '/webhooks', { events: ['unknown.face'] }, 400, /url: give the address/],
      ['POST', '/webhooks', { url: 'https://example.org/in' }, 400, /events: choose the events/],
      [
        'POST',
        '/webhooks',
        { url: 'https://example.org/in', events: [] },
        400,
        /events: choose at least one/,
      ],
      [
        'POST',
        '/webhooks',
        { url: 'https://example.org/in', events: ['webhook.test'] },
        400,
        /"webhook.test" is not an event/,
      ],
      [
        'POST',
        '/webhooks',
        { url: 'https://example.org/in', events: ['unknown.face'], active: 'yes' },
        400,
        /active: true or false/,
      ],
      ['POST', '/webhooks', [1, 2], 400, /send the fields as a JSON object/],
      ['PATCH', `/webhooks/${id}`, { url: 'file:///etc/passwd' }, 400, /url: must start with http/],
      ['PATCH', `/webhooks/${id}`, {}, 400, /send url, events, description or active/],
      ['PATCH', '/webhooks/no-such-hook', { active: false }, 404, /no webhook with id no-such-hook/],
      ['DELETE', '/webhooks/no-such-hook', undefined, 404, /no webhook with id no-such-hook/],
      ['GET', '/webhooks/bad%20id', undefined, 400, /id: not a valid id/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = await call('admin', method, path, body);
      assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`);
      assert.match(String(res.json.message), message, `${method} ${path}`);
      assert.match(String(res.json.code), /^[A-Z_]+$/);
    }
    assert.deepEqual((await call('admin', 'GET', '/webhooks')).json, before.json, 'nothing changed');
  });

  it('is for administrators only', async () => {
    for (const [method, path] of [
      ['GET', '/webhooks'],
      ['GET', '/webhooks/events'],
      ['POST', '/webhooks'],
    ] as const) {
      const res = await call(
        'viewer',
        method,
        path,
        method === 'POST' ? { url: receiver.url, events: ['unknown.face'] } : undefined,
      );
      assert.equal(res.status, 403, `${method} ${path}`);
    }
  });
});
