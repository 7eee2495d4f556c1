/**
 * Turns something that happened into webhook deliveries, at least once and never twice. An event
 * is first claimed in the store under its deterministic id (core `webhookEventIds`): that record
 * is the outbox, written whoever makes the event first — the web node that stored the
 * recognition, a redelivery of it, another web node's run of the minute's sweep. Then one delivery
 * job per subscribed hook is queued (its job id de-duplicates a second dispatch), and the event is
 * marked dispatched. A web node that stops between the claim and the mark leaves the event
 * undispatched; the sweep relays it (`relayPending`), so nothing claimed is lost to a crash or to
 * Redis being down for a while.
 */
import type { SubscribableWebhookEvent, WebhookEventType } from '../core/index.js';
import { JobName, type JobQueue, type QueueName } from '../queues/index.js';
import type { Clock } from '../shared/index.js';
import { MAX_PAGE_LIMIT, type Store, type StoredWebhookEvent, type Webhook } from '../store/index.js';

export interface WebhookEmitterDeps {
  store: Pick<
    Store,
    | 'listWebhooksFor'
    | 'claimWebhookEvent'
    | 'markWebhookEventDispatched'
    | 'listUndispatchedWebhookEvents'
    | 'pruneWebhookEvents'
  >;
  /** The webhook queue, for the delivery jobs. */
  jobs: Pick<JobQueue<typeof QueueName.Webhooks>, 'enqueue'>;
  clock: Pick<Clock, 'now'>;
  /** Queueing failed (Redis away); the event stays undispatched and the sweep queues it later. */
  onError?: (error: unknown, eventId: string) => void;
}

/** Events claimed this long ago and still undispatched were left by a claimant that stopped. */
export const RELAY_AFTER_MS = 60_000;

export class WebhookEmitter {
  constructor(private readonly deps: WebhookEmitterDeps) {}

  /**
   * Claims the event and queues its delivery to every active hook subscribed to its type. Nothing
   * happens when no hook wants it, or when it was dispatched before.
   *
   * @returns whether this call claimed the event (false: nobody wanted it, or it was made before).
   * @throws what the store throws: the caller's own trigger (a recognition not yet acknowledged)
   *   then comes again, and so does the event.
   */
  async emit(event: SubscribableWebhookEvent): Promise<boolean> {
    const { store } = this.deps;
    const hooks = await store.listWebhooksFor(event.type);
    if (hooks.length === 0) return false;
    const { claimed, event: stored } = await store.claimWebhookEvent({
      id: event.id,
      type: event.type,
      createdAt: event.createdAt,
      data: event.data as unknown as StoredWebhookEvent['data'],
    });
    if (stored.dispatchedAt === null) await this.#dispatch(stored.id, hooks);
    return claimed;
  }

  /** Which of `types` some active hook is subscribed to. */
  async subscribed(types: readonly WebhookEventType[]): Promise<Set<WebhookEventType>> {
    const wanted = new Set<WebhookEventType>();
    for (const type of types) if ((await this.deps.store.listWebhooksFor(type)).length > 0) wanted.add(type);
    return wanted;
  }

  /**
   * Queues the deliveries of events claimed more than {@link RELAY_AFTER_MS} ago and never
   * dispatched. @returns how many events were dispatched.
   */
  async relayPending(): Promise<number> {
    const { store, clock } = this.deps;
    const before = new Date(clock.now() - RELAY_AFTER_MS).toISOString();
    // Read every page first: dispatching takes events off the list under the paging.
    const pending: StoredWebhookEvent[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page = await store.listUndispatchedWebhookEvents(before, { limit: MAX_PAGE_LIMIT, offset });
      pending.push(...page.items);
      offset = page.nextOffset;
    }
    const hooksOf = new Map<WebhookEventType, Webhook[]>();
    let relayed = 0;
    for (const event of pending) {
      let hooks = hooksOf.get(event.type);
      if (!hooks) {
        hooks = await store.listWebhooksFor(event.type);
        hooksOf.set(event.type, hooks);
      }
      if (await this.#dispatch(event.id, hooks)) relayed++;
    }
    return relayed;
  }

  /** Forgets dispatched events created before `before` (ISO 8601). @returns how many. */
  prune(before: string): Promise<number> {
    return this.deps.store.pruneWebhookEvents(before);
  }

  /** Queues one delivery per hook, then marks the event dispatched; false when queueing failed. */
  async #dispatch(eventId: string, hooks: readonly Webhook[]): Promise<boolean> {
    const { store, jobs, clock } = this.deps;
    try {
      for (const hook of hooks) await jobs.enqueue(JobName.DeliverWebhook, { hookId: hook.id, eventId });
    } catch (error) {
      this.deps.onError?.(error, eventId);
      return false;
    }
    await store.markWebhookEventDispatched(eventId, new Date(clock.now()).toISOString());
    return true;
  }
}
