/**
 * Webhooks as administrators keep them: register a URL for some events (its secret is made here
 * and shown once, like an API token's), change or switch it off, replace its secret, read its
 * delivery log, and send it a test event to see that the receiver answers and checks signatures.
 * The URL and event rules are core's (`webhookUrlProblem`, `checkWebhookEvents`); the store checks
 * them again at its edge.
 */
import {
  checkWebhookEvents,
  ErrorCode,
  RollcallError,
  WEBHOOK_EVENT_DESCRIPTIONS,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_TEST_EVENT,
  webhookUrlProblem,
  type WebhookEvent,
  type WebhookEventType,
} from '../core/index.js';
import { generateWebhookSecret, type Clock } from '../shared/index.js';
import { DEFAULT_RETRY, JobName, retryDelayMs, type RetryPolicy } from '../queues/index.js';
import type { Page, PageOptions, Store, Webhook, WebhookDelivery, WebhookPatch } from '../store/index.js';
import type { WebhookDeliveryView, WebhookView } from './views.js';
import { DEFAULT_WEBHOOK_TIMEOUT_MS, httpWebhookSender, type WebhookSender } from './webhook-sender.js';

export type { WebhookDeliveryView, WebhookView };

/** A hook as an administrator asks for it; every field but `url` and `events` is optional. */
export interface WebhookInput {
  url: unknown;
  events: unknown;
  description?: string;
  /** @defaultValue true */
  active?: boolean;
}

/** A change to a hook: only the fields given change. */
export interface WebhookChange {
  url?: unknown;
  events?: unknown;
  description?: string;
  active?: boolean;
}

/** A hook with its secret: the answer of making one or replacing its secret, and only of those. */
export interface WebhookWithSecret {
  webhook: WebhookView;
  secret: string;
}

export interface WebhookServiceDeps {
  store: Pick<
    Store,
    | 'createWebhook'
    | 'getWebhook'
    | 'listWebhooks'
    | 'updateWebhook'
    | 'deleteWebhook'
    | 'listWebhookDeliveries'
    | 'logWebhookDelivery'
  >;
  clock: Pick<Clock, 'now'>;
  /** @defaultValue {@link httpWebhookSender} */
  send?: WebhookSender;
  /** The test event's deadline. @defaultValue {@link DEFAULT_WEBHOOK_TIMEOUT_MS} */
  timeoutMs?: number;
  /** @defaultValue a new random secret (`shared/generateWebhookSecret`) */
  newSecret?: () => string;
  /**
   * How the queue retries a delivery, to tell when a failed attempt is tried again.
   * @defaultValue the queue's default (`DEFAULT_RETRY`)
   */
  retry?: RetryPolicy;
}

export function webhookView(hook: Webhook): WebhookView {
  return {
    id: hook.id,
    url: hook.url,
    events: hook.events,
    active: hook.active,
    description: hook.description,
    createdAt: hook.createdAt,
    updatedAt: hook.updatedAt,
  };
}

export function deliveryView(delivery: WebhookDelivery): WebhookDeliveryView {
  const ok = delivery.statusCode !== null && delivery.statusCode >= 200 && delivery.statusCode <= 299;
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    attempt: delivery.attempt,
    ok,
    statusCode: delivery.statusCode,
    error: delivery.error,
    durationMs: delivery.durationMs,
    at: delivery.at,
    nextRetryAt: null,
    gaveUp: false,
  };
}

/**
 * When each failed attempt in a log page (newest first) is tried again, by the retry policy: the
 * latest attempt of an event that failed has a next retry, or none left. A test event is sent once.
 */
function withRetries(log: readonly WebhookDeliveryView[], policy: RetryPolicy): WebhookDeliveryView[] {
  const seen = new Set<string>();
  return log.map((delivery) => {
    const latest = !seen.has(delivery.eventId);
    seen.add(delivery.eventId);
    if (!latest || delivery.ok || delivery.eventType === WEBHOOK_TEST_EVENT) return delivery;
    if (delivery.attempt >= policy.attempts) return { ...delivery, gaveUp: true };
    const next = Date.parse(delivery.at) + retryDelayMs(delivery.attempt, policy);
    return { ...delivery, nextRetryAt: new Date(next).toISOString() };
  });
}

function invalid(message: string): RollcallError {
  return new RollcallError(ErrorCode.RequestInvalid, message);
}

function url(value: unknown): string {
  const problem = webhookUrlProblem(value);
  if (problem !== null) throw invalid(`url: ${problem}`);
  return value as string;
}

function events(value: unknown): WebhookEventType[] {
  const checked = checkWebhookEvents(value);
  if (typeof checked === 'string') throw invalid(`events: ${checked}`);
  return checked;
}

export class WebhookService {
  readonly #send: WebhookSender;

  constructor(private readonly deps: WebhookServiceDeps) {
    this.#send = deps.send ?? httpWebhookSender(deps.clock);
  }

  /** The events a hook can receive, with what each means. */
  eventTypes(): { type: WebhookEventType; description: string }[] {
    return WEBHOOK_EVENT_TYPES.map((type) => ({ type, description: WEBHOOK_EVENT_DESCRIPTIONS[type] }));
  }

  async list(page: PageOptions): Promise<Page<WebhookView>> {
    const hooks = await this.deps.store.listWebhooks(page);
    return { items: hooks.items.map(webhookView), nextOffset: hooks.nextOffset };
  }

  async get(id: string): Promise<WebhookView> {
    return webhookView(await this.#hook(id));
  }

  /** @throws RollcallError `REQUEST_INVALID` naming the field: a URL that is not http(s), no events. */
  async create(input: WebhookInput): Promise<WebhookWithSecret> {
    const secret = this.#newSecret();
    const hook = await this.deps.store.createWebhook({
      url: url(input.url),
      events: events(input.events),
      secret,
      ...(input.active === undefined ? {} : { active: input.active }),
      ...(input.description === undefined ? {} : { description: input.description }),
    });
    return { webhook: webhookView(hook), secret };
  }

  async update(id: string, change: WebhookChange): Promise<WebhookView> {
    const patch: WebhookPatch = {};
    if (change.url !== undefined) patch.url = url(change.url);
    if (change.events !== undefined) patch.events = events(change.events);
    if (change.description !== undefined) patch.description = change.description;
    if (change.active !== undefined) patch.active = change.active;
    return webhookView(await this.#translate(this.deps.store.updateWebhook(id, patch), id));
  }

  /** A new secret for the hook; deliveries from now on (retries included) are signed with it. */
  async rotateSecret(id: string): Promise<WebhookWithSecret> {
    const secret = this.#newSecret();
    const hook = await this.#translate(this.deps.store.updateWebhook(id, { secret }), id);
    return { webhook: webhookView(hook), secret };
  }

  /** Deletes the hook and its log; deliveries still queued for it are dropped when they run. */
  async remove(id: string): Promise<void> {
    await this.#translate(this.deps.store.deleteWebhook(id), id);
  }

  /** The hook's delivery attempts, newest first. */
  async deliveries(id: string, page: PageOptions): Promise<Page<WebhookDeliveryView>> {
    const log = await this.#translate(this.deps.store.listWebhookDeliveries(id, page), id);
    const policy = this.deps.retry ?? DEFAULT_RETRY[JobName.DeliverWebhook];
    return { items: withRetries(log.items.map(deliveryView), policy), nextOffset: log.nextOffset };
  }

  /**
   * Sends the hook a `webhook.test` event now, once, signed like every delivery, and logs the
   * attempt: the answer says at once whether the receiver is reachable and accepted it. Sent even
   * to a switched-off hook, so a receiver can be tried before it is switched on.
   */
  async sendTest(id: string): Promise<WebhookDeliveryView> {
    const hook = await this.#hook(id);
    const createdAt = new Date(this.deps.clock.now()).toISOString();
    const event: WebhookEvent<typeof WEBHOOK_TEST_EVENT> = {
      id: `test:${hook.id}:${createdAt}`,
      type: WEBHOOK_TEST_EVENT,
      createdAt,
      data: {
        hookId: hook.id,
        message: 'A test event from Rollcall. If your receiver verified its signature, this hook is ready.',
      },
    };
    const outcome = await this.#send({
      url: hook.url,
      secret: hook.secret,
      event,
      timeoutMs: this.deps.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
    });
    const delivery = await this.#translate(
      this.deps.store.logWebhookDelivery({
        hookId: hook.id,
        eventId: event.id,
        eventType: event.type,
        attempt: 1,
        statusCode: outcome.statusCode,
        error: outcome.error,
        durationMs: outcome.durationMs,
        at: new Date(this.deps.clock.now()).toISOString(),
      }),
      id,
    );
    return deliveryView(delivery);
  }

  #newSecret(): string {
    return (this.deps.newSecret ?? generateWebhookSecret)();
  }

  async #hook(id: string): Promise<Webhook> {
    const hook = await this.deps.store.getWebhook(id);
    if (!hook) throw new RollcallError(ErrorCode.NotFound, `no webhook with id ${id}`);
    return hook;
  }

  /** The store's "no such record" in the API's words. */
  async #translate<T>(write: Promise<T>, id: string): Promise<T> {
    try {
      return await write;
    } catch (error) {
      if (error instanceof RollcallError && error.code === ErrorCode.StoreNotFound)
        throw new RollcallError(ErrorCode.NotFound, `no webhook with id ${id}`);
      throw error;
    }
  }
}
