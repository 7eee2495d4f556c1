/**
 * Password hashing with Node's scrypt, stored as one self-describing string
 * `scrypt$N$r$p$salt$hash` (salt and hash in base64url), so the cost can be raised later and old
 * hashes still verify with the parameters they were made with.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Shorter passwords are refused: length is what makes a password hard to guess. */
export const MIN_PASSWORD_LENGTH = 10;
/** Longer passwords are refused, so a request cannot make the server hash megabytes. */
export const MAX_PASSWORD_LENGTH = 1024;

export interface ScryptParams {
  /** CPU/memory cost, a power of two. @defaultValue 32768 (2^15, ~50 ms, 32 MiB) */
  N: number;
  /** Block size. @defaultValue 8 */
  r: number;
  /** Parallelisation. @defaultValue 1 */
  p: number;
}

const DEFAULT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Bounds on parameters read back from a stored hash, so a tampered row cannot exhaust memory. */
const MAX_N = 2 ** 20;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default maxmem (32 MiB) is exactly the default cost's need.
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** Why a password is not acceptable, or null when it is. */
export function passwordProblem(password: string): string | null {
  const length = Array.from(password).length;
  if (length < MIN_PASSWORD_LENGTH) return `the password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `the password must be at most ${MAX_PASSWORD_LENGTH} characters`;
  return null;
}

/** Hashes a password into `scrypt$N$r$p$salt$hash`. */
export async function hashPassword(password: string, params: Partial<ScryptParams> = {}): Promise<string> {
  const full = { ...DEFAULT_PARAMS, ...params };
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, full);
  return ['scrypt', full.N, full.r, full.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parseHash(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (N === undefined || r === undefined || p === undefined) return null;
  const powerOfTwo = Number.isInteger(N) && N > 1 && N <= MAX_N && (N & (N - 1)) === 0;
  if (!powerOfTwo || !Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) {
    return null;
  }
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const key = Buffer.from(parts[5] ?? '', 'base64url');
  if (salt.length < 8 || key.length < 16) return null;
  return { params: { N, r, p }, salt, key };
}

/**
 * Whether `password` matches `stored`. The comparison takes the same time wherever the bytes
 * differ; a malformed stored hash never matches (and never throws).
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed || Array.from(password).length > MAX_PASSWORD_LENGTH) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/**
 * A hash no password matches, verified against when a user name is unknown so that a failed
 * sign-in takes as long for a missing user as for a wrong password.
 */
export const UNUSABLE_HASH = `scrypt$${DEFAULT_PARAMS.N}$${DEFAULT_PARAMS.r}$${DEFAULT_PARAMS.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`;
