/**
 * CSRF protection with a synchronizer token kept in the server-side session: a state-changing
 * request that relies on the session cookie must send the same token, in the `X-CSRF-Token` header
 * (API calls) or the `_csrf` form field (pages). Requests with an API token carry no ambient
 * credential, so they are exempt. The SameSite=lax cookie is a second line, not the only one.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ErrorCode, RollcallError } from '../core/index.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

/**
 * The request's session. A request with a Bearer token gets none (web-app.ts skips the session
 * middleware for it), so a form page or sign-in reached that way is refused, not a crash.
 */
function sessionOf(req: Request): Request['session'] {
  const session = req.session as Request['session'] | undefined;
  if (session === undefined) {
    throw new RollcallError(
      ErrorCode.CsrfInvalid,
      'sign-in and form pages work with a session cookie; send no Authorization header to them',
    );
  }
  return session;
}

/** The session's CSRF token, made on first use (which also starts the session). */
export function csrfToken(req: Request): string {
  const session = sessionOf(req);
  session.csrfToken ??= randomBytes(32).toString('base64url');
  return session.csrfToken;
}

/** A fresh token, after sign-in or sign-out, so a token seen before cannot be replayed. */
export function rotateCsrfToken(req: Request): string {
  const session = sessionOf(req);
  session.csrfToken = randomBytes(32).toString('base64url');
  return session.csrfToken;
}

function sent(req: Request): string | undefined {
  const header = req.get(CSRF_HEADER);
  if (header !== undefined) return header;
  const body: unknown = req.body;
  if (typeof body === 'object' && body !== null && CSRF_FIELD in body) {
    const field = (body as Record<string, unknown>)[CSRF_FIELD];
    return typeof field === 'string' ? field : undefined;
  }
  return undefined;
}

/** @throws RollcallError `CSRF_INVALID` when the request does not carry the session's token. */
export function assertCsrf(req: Request): void {
  const expected = sessionOf(req).csrfToken;
  const actual = sent(req);
  const ok =
    expected !== undefined &&
    actual !== undefined &&
    Buffer.byteLength(actual) === Buffer.byteLength(expected) &&
    timingSafeEqual(Buffer.from(actual), Buffer.from(expected));
  if (!ok) {
    throw new RollcallError(
      ErrorCode.CsrfInvalid,
      `missing or wrong CSRF token: send the session's token in the ${CSRF_HEADER} header (GET /api/v1/session gives it)`,
    );
  }
}

/** Checks state-changing requests made with a session; token-authenticated ones pass. */
export const requireCsrf: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method) || req.authMethod === 'token') {
    next();
    return;
  }
  assertCsrf(req);
  next();
};
