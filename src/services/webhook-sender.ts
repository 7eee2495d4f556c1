/**
 * One HTTP attempt of one webhook delivery: the event's JSON POSTed to the hook's URL, signed
 * (`shared/webhook-signature.ts`), with a deadline that covers the whole exchange, so a receiver
 * that accepts the connection and never answers fails the attempt instead of holding a worker.
 * What happened is returned, never thrown: the caller logs it and decides about retrying.
 */
import { performance } from 'node:perf_hooks';
import { WEBHOOK_HEADERS, webhookBody, type AnyWebhookEvent } from '../core/index.js';
import { signWebhook, type Clock } from '../shared/index.js';

/** How long one attempt may take, connection to status line. @defaultValue 10000 */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

/** The log keeps this much of a failure's description. */
const MAX_ERROR_LENGTH = 500;

export interface WebhookRequest {
  url: string;
  secret: string;
  event: AnyWebhookEvent;
  timeoutMs: number;
}

/** What one attempt came to. */
export interface WebhookAttempt {
  /** True for a 2xx answer. */
  ok: boolean;
  /** The receiver's status; null when no answer came. */
  statusCode: number | null;
  /** Why it failed, in plain words; null when it worked. */
  error: string | null;
  durationMs: number;
}

/** Sends one attempt; the services take it through their constructors, so tests can count calls. */
export type WebhookSender = (request: WebhookRequest) => Promise<WebhookAttempt>;

/** A failed fetch in words an administrator can act on (the error's cause carries the socket's code). */
function describeFailure(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused: nothing listens at that address';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'the connection was closed before an answer';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host cannot be reached';
    default:
      break;
  }
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The sender over Node's fetch, signing with `clock`'s time. */
export function httpWebhookSender(clock: Pick<Clock, 'now'>): WebhookSender {
  return async ({ url, secret, event, timeoutMs }) => {
    const body = webhookBody(event);
    const timestampS = Math.floor(clock.now() / 1000);
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Rollcall-Webhooks/1',
          [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestampS, body),
          [WEBHOOK_HEADERS.timestamp]: String(timestampS),
          [WEBHOOK_HEADERS.event]: event.type,
          [WEBHOOK_HEADERS.delivery]: event.id,
        },
        body,
        // A redirect is an answer, not a new address to send the signed event to.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The status is the whole answer; the body is not waited for (it may never end).
      await response.body?.cancel().catch(() => undefined);
      const ok = response.status >= 200 && response.status <= 299;
      return {
        ok,
        statusCode: response.status,
        error: ok
          ? null
          : `the receiver answered ${response.status} ${response.statusText}`
              .trim()
              .slice(0, MAX_ERROR_LENGTH),
        durationMs: elapsed(),
      };
    } catch (error) {
      const reason = describeFailure(error, timeoutMs).slice(0, MAX_ERROR_LENGTH);
      return { ok: false, statusCode: null, error: reason, durationMs: elapsed() };
    }
  };
}
