/**
 * Validation of JSON bodies and route ids. Each failure throws `REQUEST_INVALID` with a message that
 * starts with the field's name, as `query.ts` does for query strings.
 */
import type { Request } from 'express';
import { ErrorCode, RollcallError } from '../core/index.js';
import { MAX_NAME_LENGTH } from '../store/index.js';

export function invalid(message: string): RollcallError {
  return new RollcallError(ErrorCode.RequestInvalid, message);
}

/** The body as an object of fields; anything else (an array, a string) is refused. */
export function fields(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('send the fields as a JSON object');
  }
  return body as Record<string, unknown>;
}

/** A name from a form: trimmed, present, not too long, no control characters. */
export function nameField(body: unknown, field = 'name', what = 'the person'): string {
  const raw =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  if (raw === undefined || raw === '') throw invalid(`${field}: ${what} needs a name`);
  if (typeof raw !== 'string') throw invalid(`${field}: give it once, as plain text`);
  const name = raw.trim();
  if (name === '') throw invalid(`${field}: ${what} needs a name`);
  if (Array.from(name).length > MAX_NAME_LENGTH)
    throw invalid(`${field}: at most ${MAX_NAME_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalid(`${field}: must not contain control characters`);
  return name;
}

/** An optional string field; undefined when absent. */
export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${field}: must be text`);
  return value;
}

/** One of `choices`, or undefined when absent. */
export function optionalChoice<T extends string>(
  body: Record<string, unknown>,
  field: string,
  choices: readonly T[],
): T | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw invalid(`${field}: must be one of ${choices.join(', ')}`);
  }
  return value as T;
}

/**
 * Route ids are opaque to us but bounded, so junk never reaches the store or Redis. Job ids list
 * the photo ids they train (`train-person.PERSON.PHOTO,PHOTO`), hence the comma and the length.
 */
export function routeId(req: Request, pattern: RegExp = STORE_ID, param = 'id'): string {
  const id = req.params[param];
  if (typeof id !== 'string' || !pattern.test(id)) throw invalid(`${param}: not a valid id`);
  return id;
}
export const STORE_ID = /^[A-Za-z0-9:._-]{1,200}$/;
export const JOB_ID = /^[A-Za-z0-9:._,-]{1,2000}$/;
