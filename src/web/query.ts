/**
 * Validation of query strings: days, instants, ranges and paging. Each failure throws
 * `REQUEST_INVALID` with a message that names the parameter.
 */
import { ErrorCode, RollcallError } from '../core/index.js';
import { MAX_PAGE_LIMIT } from '../store/index.js';

/** Express's query parser gives strings, arrays of strings or nested objects. */
export type QueryValue = unknown;
export type Query = Record<string, QueryValue>;

/** Longest range a report may span, so one request cannot read years of records. */
export const MAX_RANGE_DAYS = 366;
const MS_PER_DAY = 86_400_000;
/** Deepest page a client may ask for; beyond it, narrow the range instead. */
const MAX_OFFSET = 1_000_000;

function invalid(message: string): RollcallError {
  return new RollcallError(ErrorCode.RequestInvalid, message);
}

/** The parameter as one string, or undefined when absent (an empty value counts as absent). */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(`${name}: give it once, as plain text`);
  return value;
}

/** Days since 1970-01-01 for a valid `YYYY-MM-DD`, else undefined. */
function dayNumber(day: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, date);
  const back = new Date(ms);
  // Date.UTC rolls 2024-02-30 over to March; a real date survives the round trip.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== date) {
    return undefined;
  }
  return ms / MS_PER_DAY;
}

export function parseDay(value: string, name: string): string {
  if (dayNumber(value) === undefined) throw invalid(`${name}: must be a date as YYYY-MM-DD, got "${value}"`);
  return value;
}

/** An inclusive range of local days: `from` (default `today`), `to` (default `from`). */
export function parseDayRange(
  query: Query,
  today: string,
  maxDays = MAX_RANGE_DAYS,
): { from: string; to: string } {
  const fromText = single(query, 'from');
  const toText = single(query, 'to');
  const from =
    fromText === undefined
      ? toText === undefined
        ? today
        : parseDay(toText, 'to')
      : parseDay(fromText, 'from');
  const to = toText === undefined ? from : parseDay(toText, 'to');
  const span = (dayNumber(to) ?? 0) - (dayNumber(from) ?? 0) + 1;
  if (span < 1) throw invalid(`to: must not be before from (${from})`);
  if (span > maxDays) throw invalid(`to: the range may span at most ${maxDays} days, got ${span}`);
  return { from, to };
}

/**
 * An instant: ISO 8601 with a time and zone (`2024-05-01T08:00:00Z`), or a bare date, which means
 * that day's start in UTC. Returned in canonical `toISOString()` form, as the store compares text.
 */
export function parseInstant(value: string, name: string): { ms: number; dateOnly: boolean } {
  if (dayNumber(value) !== undefined) return { ms: (dayNumber(value) ?? 0) * MS_PER_DAY, dateOnly: true };
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
  const ms = iso.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw invalid(`${name}: must be a date (YYYY-MM-DD) or an ISO 8601 time with a zone, got "${value}"`);
  }
  return { ms, dateOnly: false };
}

/**
 * A half-open range of instants for the audit trail: `from` inclusive, `to` exclusive (a bare date
 * as `to` includes that whole day). Defaults to the 24 hours before `nowMs`.
 */
export function parseInstantRange(
  query: Query,
  nowMs: number,
  maxDays = MAX_RANGE_DAYS,
): { from: string; to: string } {
  const fromText = single(query, 'from');
  const toText = single(query, 'to');
  const toParsed = toText === undefined ? undefined : parseInstant(toText, 'to');
  const toMs = toParsed === undefined ? nowMs : toParsed.ms + (toParsed.dateOnly ? MS_PER_DAY : 0);
  const fromMs = fromText === undefined ? toMs - MS_PER_DAY : parseInstant(fromText, 'from').ms;
  if (toMs <= fromMs) throw invalid('to: must be after from');
  if (toMs - fromMs > maxDays * MS_PER_DAY) throw invalid(`to: the range may span at most ${maxDays} days`);
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
}

function wholeNumber(query: Query, name: string, min: number, max: number, fallback: number): number {
  const text = single(query, name);
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw invalid(`${name}: must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

/** `limit` (1..{@link MAX_PAGE_LIMIT}, default 100) and `offset`. */
export function parsePage(query: Query, defaultLimit = 100): { limit: number; offset: number } {
  return {
    limit: wholeNumber(query, 'limit', 1, MAX_PAGE_LIMIT, defaultLimit),
    offset: wholeNumber(query, 'offset', 0, MAX_OFFSET, 0),
  };
}

/** One of `allowed`, or undefined when absent. */
export function parseChoice<T extends string>(
  query: Query,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) {
    throw invalid(`${name}: must be one of ${allowed.join(', ')}, got "${text}"`);
  }
  return text as T;
}
