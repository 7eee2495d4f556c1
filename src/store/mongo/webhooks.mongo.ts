/**
 * Webhooks, the events claimed for them and their delivery log in MongoDB.
 */
import mongoose from 'mongoose';
import type { WebhookEventType } from '../../core/index.js';
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
import type { MongoConnection } from './connection.mongo.js';
import type { DeliveryDoc, WebhookDoc, WebhookEventDoc } from './documents.mongo.js';

const toWebhook = (d: WebhookDoc): Webhook => ({
  id: d._id,
  url: d.url,
  events: [...d.events],
  secret: d.secret,
  active: d.active,
  description: d.description,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

const toWebhookEvent = (d: WebhookEventDoc): StoredWebhookEvent => ({
  id: d._id,
  type: d.type,
  createdAt: d.createdAt,
  data: JSON.parse(d.data) as JsonValue,
  dispatchedAt: d.dispatchedAt,
});

const toDelivery = (d: DeliveryDoc): WebhookDelivery => ({
  id: d._id,
  hookId: d.hookId,
  eventId: d.eventId,
  eventType: d.eventType,
  attempt: d.attempt,
  statusCode: d.statusCode,
  error: d.error,
  durationMs: d.durationMs,
  at: d.at,
});

export class MongoWebhooks implements WebhooksAdapter {
  constructor(private readonly db: MongoConnection) {}

  async createWebhook({ url, events, secret, active, description }: CheckedWebhook): Promise<Webhook> {
    const now = this.db.nowIso();
    const doc: WebhookDoc = {
      _id: this.db.newId(),
      url,
      events,
      secret,
      active,
      description,
      createdAt: now,
      updatedAt: now,
      seq: new mongoose.mongo.ObjectId(),
    };
    await this.db.webhooks.insertOne(doc);
    return toWebhook(doc);
  }

  async getWebhook(id: string): Promise<Webhook | null> {
    const doc = await this.db.webhooks.findOne({ _id: id });
    return doc ? toWebhook(doc) : null;
  }

  async listWebhooks({ limit, offset }: CheckedPage): Promise<Webhook[]> {
    const docs = await this.db.webhooks
      .find({})
      .sort({ createdAt: 1, seq: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toWebhook);
  }

  async listWebhooksFor(type: WebhookEventType): Promise<Webhook[]> {
    const docs = await this.db.webhooks
      .find({ active: true, events: type })
      .sort({ createdAt: 1, seq: 1 })
      .toArray();
    return docs.map(toWebhook);
  }

  async updateWebhook(id: string, patch: CheckedWebhookPatch): Promise<Webhook | null> {
    const doc = await this.db.webhooks.findOneAndUpdate(
      { _id: id },
      { $set: { ...patch, updatedAt: this.db.nowIso() } },
      { returnDocument: 'after' },
    );
    return doc ? toWebhook(doc) : null;
  }

  deleteWebhook(id: string): Promise<boolean> {
    return this.db.write(async (session) => {
      if ((await this.db.webhooks.deleteOne({ _id: id }, { session })).deletedCount === 0) return false;
      await this.db.deliveries.deleteMany({ hookId: id }, { session });
      return true;
    });
  }

  async claimWebhookEvent({ id, type, createdAt, data }: CheckedWebhookEvent): Promise<ClaimedWebhookEvent> {
    // An upsert on _id is atomic, and the server retries one that raced another on the key: of
    // two claims, exactly one inserts.
    const result = await this.db.webhookEvents.updateOne(
      { _id: id },
      { $setOnInsert: { type, createdAt, data, dispatchedAt: null } },
      { upsert: true },
    );
    const doc = await this.db.webhookEvents.findOne({ _id: id });
    if (!doc) throw new Error(`the webhook event ${id} was not written`);
    return { claimed: result.upsertedCount === 1, event: toWebhookEvent(doc) };
  }

  async getWebhookEvent(id: string): Promise<StoredWebhookEvent | null> {
    const doc = await this.db.webhookEvents.findOne({ _id: id });
    return doc ? toWebhookEvent(doc) : null;
  }

  async markWebhookEventDispatched(id: string, at: string): Promise<boolean> {
    const result = await this.db.webhookEvents.updateOne(
      { _id: id, dispatchedAt: null },
      { $set: { dispatchedAt: at } },
    );
    return result.matchedCount > 0 || (await this.db.webhookEvents.countDocuments({ _id: id })) > 0;
  }

  async listUndispatchedWebhookEvents(
    before: string,
    { limit, offset }: CheckedPage,
  ): Promise<StoredWebhookEvent[]> {
    const docs = await this.db.webhookEvents
      .find({ dispatchedAt: null, createdAt: { $lt: before } })
      .sort({ createdAt: 1, _id: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toWebhookEvent);
  }

  async pruneWebhookEvents(before: string): Promise<number> {
    return (
      await this.db.webhookEvents.deleteMany({ dispatchedAt: { $ne: null }, createdAt: { $lt: before } })
    ).deletedCount;
  }

  logWebhookDelivery(delivery: NewWebhookDelivery, keepLast: number): Promise<WebhookDelivery> {
    return this.db.write(async (session) => {
      if (!(await this.db.webhooks.findOne({ _id: delivery.hookId }, { session })))
        throw notFound(`no webhook with id ${delivery.hookId}`);
      const doc: DeliveryDoc = { _id: this.db.newId(), ...delivery, seq: new mongoose.mongo.ObjectId() };
      await this.db.deliveries.insertOne(doc, { session });
      const oldest = await this.db.deliveries
        .find({ hookId: delivery.hookId }, { session })
        .sort({ seq: -1 })
        .skip(keepLast)
        .limit(1)
        .toArray();
      const cut = oldest[0];
      if (cut)
        await this.db.deliveries.deleteMany({ hookId: delivery.hookId, seq: { $lte: cut.seq } }, { session });
      return toDelivery(doc);
    });
  }

  async listWebhookDeliveries(hookId: string, { limit, offset }: CheckedPage): Promise<WebhookDelivery[]> {
    if (!(await this.db.webhooks.findOne({ _id: hookId }))) throw notFound(`no webhook with id ${hookId}`);
    const docs = await this.db.deliveries
      .find({ hookId })
      .sort({ seq: -1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toDelivery);
  }
}
