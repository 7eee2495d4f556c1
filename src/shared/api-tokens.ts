/**
 * API tokens: random, shown once, stored only as a SHA-256 hash. A fast hash is enough here,
 * unlike for passwords: the token carries 256 random bits, so there is nothing to brute-force.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Marks Rollcall tokens, so a leaked one is recognisable in logs and by secret scanners. */
export const API_TOKEN_PREFIX = 'rc_';

/** A new random token: `rc_` and 32 random bytes in base64url. */
export function generateApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** The hash the store keeps for a token (hex SHA-256). */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether the text looks like a token at all, checked before any store lookup. */
export function isApiTokenShaped(token: string): boolean {
  return /^rc_[A-Za-z0-9_-]{43}$/.test(token);
}
