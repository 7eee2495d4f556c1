/**
 * Webhooks, the events claimed for them and their delivery log in SQLite.
 */
import type { WebhookDeliveryType, WebhookEventType } from '../../core/index.js';
import type {
  CheckedPage,
  CheckedWebhook,
  CheckedWebhookEvent,
  CheckedWebhookPatch,
  WebhooksAdapter,
} from '../adapter.js';
import type {
  ClaimedWebhookEvent,
  JsonValue,
  NewWebhookDelivery,
  StoredWebhookEvent,
  Webhook,
  WebhookDelivery,
} from '../store.js';
import { notFound } from '../validate.js';
import type { SqliteConnection } from './connection.sqlite.js';

interface WebhookRow {
  id: string;
  url: string;
  events: string;
  secret: string;
  active: number;
  description: string;
  created_at: string;
  updated_at: string;
}

interface WebhookEventRow {
  id: string;
  type: WebhookEventType;
  created_at: string;
  data: string;
  dispatched_at: string | null;
}

interface DeliveryRow {
  id: string;
  hook_id: string;
  event_id: string;
  event_type: WebhookDeliveryType;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  at: string;
}

const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id,
  url: r.url,
  events: JSON.parse(r.events) as WebhookEventType[],
  secret: r.secret,
  active: r.active !== 0,
  description: r.description,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toWebhookEvent = (r: WebhookEventRow): StoredWebhookEvent => ({
  id: r.id,
  type: r.type,
  createdAt: r.created_at,
  data: JSON.parse(r.data) as JsonValue,
  dispatchedAt: r.dispatched_at,
});

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  id: r.id,
  hookId: r.hook_id,
  eventId: r.event_id,
  eventType: r.event_type,
  attempt: r.attempt,
  statusCode: r.status_code,
  error: r.error,
  durationMs: r.duration_ms,
  at: r.at,
});

export class SqliteWebhooks implements WebhooksAdapter {
  constructor(private readonly db: SqliteConnection) {}

  createWebhook({ url, events, secret, active, description }: CheckedWebhook): Webhook {
    const now = this.db.nowIso();
    return toWebhook(
      this.db
        .sql(
          `INSERT INTO webhooks (id, url, events, secret, active, description, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(
          this.db.newId(),
          url,
          JSON.stringify(events),
          secret,
          active ? 1 : 0,
          description,
          now,
          now,
        ) as WebhookRow,
    );
  }

  getWebhook(id: string): Webhook | null {
    const row = this.db.sql('SELECT * FROM webhooks WHERE id = ?').get(id) as WebhookRow | undefined;
    return row ? toWebhook(row) : null;
  }

  listWebhooks({ limit, offset }: CheckedPage): Webhook[] {
    return (
      this.db
        .sql('SELECT * FROM webhooks ORDER BY created_at, rowid LIMIT ? OFFSET ?')
        .all(limit + 1, offset) as WebhookRow[]
    ).map(toWebhook);
  }

  listWebhooksFor(type: WebhookEventType): Webhook[] {
    return (
      this.db
        .sql(
          `SELECT * FROM webhooks
           WHERE active = 1 AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value = ?)
           ORDER BY created_at, rowid`,
        )
        .all(type) as WebhookRow[]
    ).map(toWebhook);
  }

  updateWebhook(id: string, patch: CheckedWebhookPatch): Webhook | null {
    return this.db.write(() => {
      const current = this.getWebhook(id);
      if (!current) return null;
      const next = { ...current, ...patch };
      return toWebhook(
        this.db
          .sql(
            `UPDATE webhooks SET url = ?, events = ?, secret = ?, active = ?, description = ?, updated_at = ?
             WHERE id = ? RETURNING *`,
          )
          .get(
            next.url,
            JSON.stringify(next.events),
            next.secret,
            next.active ? 1 : 0,
            next.description,
            this.db.nowIso(),
            id,
          ) as WebhookRow,
      );
    });
  }

  deleteWebhook(id: string): boolean {
    // The delivery log goes by its foreign key.
    return this.db.sql('DELETE FROM webhooks WHERE id = ?').run(id).changes > 0;
  }

  claimWebhookEvent({ id, type, createdAt, data }: CheckedWebhookEvent): ClaimedWebhookEvent {
    return this.db.write(() => {
      const claimed =
        this.db
          .sql(
            `INSERT INTO webhook_events (id, type, created_at, data) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING`,
          )
          .run(id, type, createdAt, data).changes > 0;
      const row = this.db.sql('SELECT * FROM webhook_events WHERE id = ?').get(id) as WebhookEventRow;
      return { claimed, event: toWebhookEvent(row) };
    });
  }

  getWebhookEvent(id: string): StoredWebhookEvent | null {
    const row = this.db.sql('SELECT * FROM webhook_events WHERE id = ?').get(id) as
      WebhookEventRow | undefined;
    return row ? toWebhookEvent(row) : null;
  }

  markWebhookEventDispatched(id: string, at: string): boolean {
    return (
      this.db
        .sql('UPDATE webhook_events SET dispatched_at = coalesce(dispatched_at, ?) WHERE id = ?')
        .run(at, id).changes > 0
    );
  }

  listUndispatchedWebhookEvents(before: string, { limit, offset }: CheckedPage): StoredWebhookEvent[] {
    return (
      this.db
        .sql(
          `SELECT * FROM webhook_events WHERE dispatched_at IS NULL AND created_at < ?
           ORDER BY created_at, id LIMIT ? OFFSET ?`,
        )
        .all(before, limit + 1, offset) as WebhookEventRow[]
    ).map(toWebhookEvent);
  }

  pruneWebhookEvents(before: string): number {
    return this.db
      .sql('DELETE FROM webhook_events WHERE dispatched_at IS NOT NULL AND created_at < ?')
      .run(before).changes;
  }

  logWebhookDelivery(delivery: NewWebhookDelivery, keepLast: number): WebhookDelivery {
    return this.db.write(() => {
      if (!this.db.sql('SELECT 1 FROM webhooks WHERE id = ?').get(delivery.hookId))
        throw notFound(`no webhook with id ${delivery.hookId}`);
      const row = this.db
        .sql(
          `INSERT INTO webhook_deliveries
           (id, hook_id, event_id, event_type, attempt, status_code, error, duration_ms, at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(
          this.db.newId(),
          delivery.hookId,
          delivery.eventId,
          delivery.eventType,
          delivery.attempt,
          delivery.statusCode,
          delivery.error,
          delivery.durationMs,
          delivery.at,
        ) as DeliveryRow;
      // A new rowid is above every other, so the newest keepLast are the highest rowids.
      this.db
        .sql(
          `DELETE FROM webhook_deliveries WHERE hook_id = @hookId AND rowid <= (
           SELECT rowid FROM webhook_deliveries WHERE hook_id = @hookId ORDER BY rowid DESC LIMIT 1 OFFSET @keepLast)`,
        )
        .run({ hookId: delivery.hookId, keepLast });
      return toDelivery(row);
    });
  }

  listWebhookDeliveries(hookId: string, { limit, offset }: CheckedPage): WebhookDelivery[] {
    return this.db.read(() => {
      if (!this.db.sql('SELECT 1 FROM webhooks WHERE id = ?').get(hookId))
        throw notFound(`no webhook with id ${hookId}`);
      return (
        this.db
          .sql('SELECT * FROM webhook_deliveries WHERE hook_id = ? ORDER BY rowid DESC LIMIT ? OFFSET ?')
          .all(hookId, limit + 1, offset) as DeliveryRow[]
      ).map(toDelivery);
    });
  }
}
