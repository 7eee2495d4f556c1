/**
 * The `WebhooksRepository` contract: hooks as every adapter must keep them, events claimed once
 * however many callers make them at the same moment, and a delivery log that stays bounded and
 * goes with its hook.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe } from 'node:test';
import { ErrorCode } from '../../../src/core/index.js';
import type { NewWebhookDelivery, Store } from '../../../src/store/index.js';
import { contractIt, rejectsWithCode, type StoreContractOptions } from './support.js';

const SECRET = 'whsec_0123456789abcdefghijklmnop';

export function webhooksContract(
  name: string,
  create: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  const it = contractIt(options);
  describe(`WebhooksRepository contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    it('creates, lists oldest first, changes and deletes hooks; only active subscribers are listed for an event', async () => {
      const a = await store.createWebhook({
        url: 'https://hooks.example.org/rollcall?token=abc',
        // Given out of order and twice: kept once each, in the catalog's order.
        events: ['unknown.face', 'attendance.marked', 'unknown.face'],
        secret: SECRET,
        description: 'the school office',
      });
      assert.deepEqual(
        [a.url, a.events, a.secret, a.active, a.description],
        [
          'https://hooks.example.org/rollcall?token=abc',
          ['attendance.marked', 'unknown.face'],
          SECRET,
          true,
          'the school office',
        ],
      );
      const b = await store.createWebhook({
        url: 'http://127.0.0.1:9000/in',
        events: ['attendance.absent'],
        secret: `${SECRET}-b`,
        active: false,
      });
      assert.deepEqual(
        (await store.listWebhooks()).items.map((h) => h.id),
        [a.id, b.id],
      );
      assert.deepEqual(await store.getWebhook(a.id), a);
      assert.deepEqual(
        (await store.listWebhooksFor('unknown.face')).map((h) => h.id),
        [a.id],
      );
      assert.deepEqual(await store.listWebhooksFor('attendance.absent'), [], 'b is inactive');

      const changed = await store.updateWebhook(b.id, {
        active: true,
        events: ['attendance.absent', 'unknown.face'],
      });
      assert.equal(changed.url, b.url, 'a patch keeps what it does not name');
      assert.equal(changed.secret, b.secret);
      assert.deepEqual(
        (await store.listWebhooksFor('unknown.face')).map((h) => h.id),
        [a.id, b.id],
      );
      const rotated = await store.updateWebhook(a.id, {
        secret: `${SECRET}-new`,
        url: 'https://x.example/y',
      });
      assert.deepEqual(
        [rotated.secret, rotated.url, rotated.events],
        [`${SECRET}-new`, 'https://x.example/y', a.events],
      );

      await store.deleteWebhook(a.id);
      assert.equal(await store.getWebhook(a.id), null);
      await assert.rejects(store.deleteWebhook(a.id), rejectsWithCode(ErrorCode.StoreNotFound));
      await assert.rejects(
        store.updateWebhook(a.id, { active: false }),
        rejectsWithCode(ErrorCode.StoreNotFound),
      );
    });

    it('refuses a URL that is not http(s), a URL with a password, no events, an unknown event and a short secret', async () => {
      const good = { url: 'https://example.org/h', events: ['attendance.marked' as const], secret: SECRET };
      for (const bad of [
        { ...good, url: 'ftp://example.org/h' },
        { ...good, url: 'javascript:alert(1)' },
        { ...good, url: 'https://user:pass@example.org/h' },
        { ...good, url: '/relative/path' },
        { ...good, url: 'https://example.org/h#part' },
        { ...good, events: [] },
        { ...good, events: ['attendance.teleported'] },
        { ...good, secret: 'short' },
        { ...good, secret: 'has spaces in it, which no secret has' },
      ]) {
        await assert.rejects(
          store.createWebhook(bad as typeof good),
          rejectsWithCode(ErrorCode.StoreInvalid),
          JSON.stringify(bad),
        );
      }
      const hook = await store.createWebhook(good);
      await assert.rejects(
        store.updateWebhook(hook.id, { url: 'mailto:office@example.org' }),
        rejectsWithCode(ErrorCode.StoreInvalid),
      );
      assert.equal((await store.getWebhook(hook.id))?.url, good.url, 'a refused change changes nothing');
    });

    it('claims an event id once, however many claim it at once, and relays what was never dispatched', async () => {
      const event = {
        id: 'absent:session-1:person-1:2026-11-30',
        type: 'attendance.absent' as const,
        createdAt: '2026-11-30T10:00:00.000Z',
        data: { person: { id: 'person-1', name: 'Eli' }, day: '2026-11-30' },
      };
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.claimWebhookEvent({ ...event, data: { ...event.data, attempt: i } }),
        ),
      );
      assert.equal(claims.filter((c) => c.claimed).length, 1, 'exactly one claim wins');
      const winner = claims.find((c) => c.claimed);
      for (const claim of claims)
        assert.deepEqual(claim.event, winner?.event, 'every caller sees the stored event');
      assert.equal(winner?.event.dispatchedAt, null);

      const later = await store.claimWebhookEvent({
        id: 'unknown:node-a:7',
        type: 'unknown.face',
        createdAt: '2026-11-30T10:05:00.000Z',
        data: { unknownFaceId: 'f1' },
      });
      assert.equal(later.claimed, true);
      assert.deepEqual(
        (await store.listUndispatchedWebhookEvents('2026-11-30T10:01:00.000Z')).items.map((e) => e.id),
        [event.id],
        'created before the cutoff and not dispatched',
      );
      await store.markWebhookEventDispatched(event.id, '2026-11-30T10:00:01.000Z');
      await store.markWebhookEventDispatched(event.id, '2026-11-30T11:00:00.000Z');
      assert.equal(
        (await store.getWebhookEvent(event.id))?.dispatchedAt,
        '2026-11-30T10:00:01.000Z',
        'the first dispatch counts',
      );
      assert.deepEqual(
        (await store.listUndispatchedWebhookEvents('2026-12-01T00:00:00.000Z')).items.map((e) => e.id),
        [later.event.id],
      );
      await assert.rejects(
        store.markWebhookEventDispatched('no-such-event', '2026-11-30T10:00:01.000Z'),
        rejectsWithCode(ErrorCode.StoreNotFound),
      );
      await assert.rejects(
        store.claimWebhookEvent({ ...event, id: 'x'.repeat(600) }),
        rejectsWithCode(ErrorCode.StoreInvalid),
      );
      await assert.rejects(
        store.claimWebhookEvent({ ...event, type: 'webhook.test' as 'attendance.absent' }),
        rejectsWithCode(ErrorCode.StoreInvalid),
      );

      // Pruning takes dispatched events only: an undispatched one still has to be delivered.
      assert.equal(await store.pruneWebhookEvents('2026-12-01T00:00:00.000Z'), 1);
      assert.equal(await store.getWebhookEvent(event.id), null);
      assert.ok(await store.getWebhookEvent(later.event.id));
      // Claimed again after pruning, it is new again: pruning is for events long past.
      assert.equal((await store.claimWebhookEvent(event)).claimed, true);
    });

    it('keeps each hook’s newest attempts, newest first, and deletes the log with its hook', async () => {
      const hook = await store.createWebhook({
        url: 'https://example.org/h',
        events: ['attendance.marked'],
        secret: SECRET,
      });
      const other = await store.createWebhook({
        url: 'https://example.org/other',
        events: ['attendance.marked'],
        secret: SECRET,
      });
      const attempt = (hookId: string, n: number): NewWebhookDelivery => ({
        hookId,
        eventId: 'marked:p1:2026-11-30',
        eventType: 'attendance.marked',
        attempt: n,
        statusCode: n < 5 ? 500 : 200,
        error: n < 5 ? 'the receiver answered 500' : null,
        durationMs: 12.4,
        at: `2026-11-30T10:00:0${n}.000Z`,
      });
      for (let n = 1; n <= 5; n++) await store.logWebhookDelivery(attempt(hook.id, n), { keepLast: 3 });
      await store.logWebhookDelivery(attempt(other.id, 1), { keepLast: 3 });
      const log = (await store.listWebhookDeliveries(hook.id)).items;
      assert.deepEqual(
        log.map((d) => [d.attempt, d.statusCode, d.error]),
        [
          [5, 200, null],
          [4, 500, 'the receiver answered 500'],
          [3, 500, 'the receiver answered 500'],
        ],
        'the newest three, newest first',
      );
      assert.equal(log[0]?.durationMs, 12, 'whole milliseconds');
      const page = await store.listWebhookDeliveries(hook.id, { limit: 2 });
      assert.deepEqual([page.items.length, page.nextOffset], [2, 2]);
      assert.equal(
        (await store.listWebhookDeliveries(other.id)).items.length,
        1,
        'each hook has its own log',
      );

      await assert.rejects(
        store.logWebhookDelivery({ ...attempt(hook.id, 6), statusCode: 42 }),
        rejectsWithCode(ErrorCode.StoreInvalid),
      );
      await store.deleteWebhook(hook.id);
      await assert.rejects(store.listWebhookDeliveries(hook.id), rejectsWithCode(ErrorCode.StoreNotFound));
      await assert.rejects(
        store.logWebhookDelivery(attempt(hook.id, 7)),
        rejectsWithCode(ErrorCode.StoreNotFound),
        'a delivery for a deleted hook is not kept',
      );
      assert.equal((await store.listWebhookDeliveries(other.id)).items.length, 1);
    });
  });
}
