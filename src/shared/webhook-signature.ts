/**
 * Webhook signatures: each delivery carries `X-Rollcall-Signature: sha256=HEX`, the HMAC-SHA256 of
 * `TIMESTAMP.BODY` keyed with the hook's secret, and `X-Rollcall-Timestamp: TIMESTAMP` (Unix
 * seconds). Signing the timestamp with the body lets a receiver refuse a recorded request replayed
 * later: the signature no longer matches once the timestamp is changed, and an old timestamp falls
 * outside the tolerance. Receivers do the same few lines (README: "Webhooks").
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Marks webhook secrets, so a leaked one is recognisable in logs and by secret scanners. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** How far a delivery's timestamp may be from the receiver's clock. @defaultValue 300 s */
export const WEBHOOK_TOLERANCE_S = 300;

/** A new random secret: `whsec_` and 32 random bytes in base64url. */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64url');
}

function hmac(secret: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
}

/**
 * The signature header's value for `body` sent at `timestampS` (Unix seconds): `sha256=` and the
 * hex HMAC-SHA256 of `TIMESTAMP.BODY` (the body's UTF-8 bytes) keyed with `secret`.
 */
export function signWebhook(secret: string, timestampS: number, body: string | Uint8Array): string {
  return `sha256=${hmac(secret, String(timestampS), body).toString('hex')}`;
}

export interface WebhookVerification {
  secret: string;
  /** The raw body as received: bytes, or the text they decode to. Parse it only after verifying. */
  body: string | Uint8Array;
  /** The `X-Rollcall-Signature` header. */
  signature: string | undefined;
  /** The `X-Rollcall-Timestamp` header. */
  timestamp: string | undefined;
  nowMs: number;
  /** @defaultValue {@link WEBHOOK_TOLERANCE_S} */
  toleranceS?: number;
}

export type VerificationResult = { ok: true } | { ok: false; reason: string };

/**
 * Whether a delivery is Rollcall's and fresh: the timestamp within `toleranceS` of now, and the
 * signature that of `TIMESTAMP.BODY` with the secret (compared in constant time). The header may
 * list several `sha256=` values separated by commas; one matching is enough.
 */
export function verifyWebhook(input: WebhookVerification): VerificationResult {
  const { signature, timestamp } = input;
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'no valid X-Rollcall-Timestamp header' };
  const toleranceS = input.toleranceS ?? WEBHOOK_TOLERANCE_S;
  const ageS = Math.abs(input.nowMs / 1000 - Number(timestamp));
  if (ageS > toleranceS)
    return { ok: false, reason: `the timestamp is ${Math.round(ageS)} s from now (at most ${toleranceS} s)` };
  if (signature === undefined) return { ok: false, reason: 'no X-Rollcall-Signature header' };
  const expected = hmac(input.secret, timestamp, input.body);
  for (const candidate of signature.split(',')) {
    const match = /^sha256=([0-9a-f]{64})$/i.exec(candidate.trim());
    if (match?.[1] !== undefined && timingSafeEqual(Buffer.from(match[1], 'hex'), expected))
      return { ok: true };
  }
  return { ok: false, reason: 'the signature does not match the body and timestamp' };
}
