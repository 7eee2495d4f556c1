/**
 * The delivery job: one event to one hook, one attempt per run. The hook is read at every attempt
 * (a changed URL or a new secret applies to the retries), every attempt goes into the hook's
 * delivery log, and an attempt that got no 2xx throws, so BullMQ retries it with the catalog's
 * backoff. Every attempt carries the same event id (`X-Rollcall-Delivery`) and the same body.
 */
import { UnrecoverableError } from 'bullmq';
import { ErrorCode, isRollcallError, type AnyWebhookEvent } from '../core/index.js';
import type { JobHandler, JobName } from '../queues/index.js';
import type { Clock } from '../shared/index.js';
import type { Store } from '../store/index.js';
import { DEFAULT_WEBHOOK_TIMEOUT_MS, httpWebhookSender, type WebhookSender } from './webhook-sender.js';

export interface DeliverWebhookDeps {
  store: Pick<Store, 'getWebhook' | 'getWebhookEvent' | 'logWebhookDelivery'>;
  clock: Pick<Clock, 'now'>;
  /** One attempt's deadline. @defaultValue {@link DEFAULT_WEBHOOK_TIMEOUT_MS} */
  timeoutMs?: number;
  /** @defaultValue {@link httpWebhookSender} */
  send?: WebhookSender;
}

type DeliverResult = Awaited<ReturnType<JobHandler<typeof JobName.DeliverWebhook>>>;

export function handleDeliverWebhook(deps: DeliverWebhookDeps): JobHandler<typeof JobName.DeliverWebhook> {
  const { store, clock } = deps;
  const send = deps.send ?? httpWebhookSender(clock);
  const timeoutMs = deps.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  return async ({ hookId, eventId }, { attempt }): Promise<DeliverResult> => {
    const skipped = (why: string): DeliverResult => ({
      hookId,
      eventId,
      statusCode: null,
      attempt,
      skipped: why,
    });
    const hook = await store.getWebhook(hookId);
    if (!hook) return skipped('the webhook was deleted');
    if (!hook.active) return skipped('the webhook is switched off');
    const stored = await store.getWebhookEvent(eventId);
    // Events are kept for weeks after they were dispatched, far longer than any retry.
    if (!stored) throw new UnrecoverableError(`the event ${eventId} is no longer kept`);
    if (!hook.events.includes(stored.type)) return skipped(`the webhook no longer receives ${stored.type}`);
    const event = {
      id: stored.id,
      type: stored.type,
      createdAt: stored.createdAt,
      data: stored.data,
    } as unknown as AnyWebhookEvent;
    const outcome = await send({ url: hook.url, secret: hook.secret, event, timeoutMs });
    try {
      await store.logWebhookDelivery({
        hookId,
        eventId,
        eventType: stored.type,
        attempt,
        statusCode: outcome.statusCode,
        error: outcome.error,
        durationMs: outcome.durationMs,
        at: new Date(clock.now()).toISOString(),
      });
    } catch (error) {
      // Deleted while the request was out: there is no log left to write to.
      if (!isRollcallError(error, ErrorCode.StoreNotFound)) throw error;
    }
    if (!outcome.ok) throw new Error(`${hook.url}: ${outcome.error ?? 'failed'} (attempt ${attempt})`);
    return { hookId, eventId, statusCode: outcome.statusCode, attempt, skipped: null };
  };
}
