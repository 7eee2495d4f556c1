/**
 * Validation at the store's edge, shared by every adapter so they refuse the same input with the
 * same code (`STORE_INVALID`). Returns normalised values (trimmed names, canonical times).
 */
import {
  assertDescriptor,
  checkWebhookEvents as webhookEventsOrProblem,
  isWebhookDeliveryType,
  isWebhookEventType,
  MAX_WEBHOOK_EVENT_ID_LENGTH,
  webhookUrlProblem,
  DESCRIPTOR_LENGTHS,
  DESCRIPTOR_MODELS,
  ErrorCode,
  isDescriptorModel,
  isTimeZone,
  RollcallError,
  sessionProblems,
  type AttendanceRules,
  type GroupSession,
  type DescriptorModel,
  type WebhookDeliveryType,
  type WebhookEventType,
} from '../core/index.js';
import {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  type AttendanceCorrectionInput,
  type JsonValue,
  type Page,
  type PageOptions,
  type ReceivedEvent,
  type UnknownFaceStatus,
  type UserRole,
} from './store.js';

/** Ids the store hands out and accepts: UUIDs, and anything a person could reasonably type. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
const CONTROL = /[\u0000-\u001f\u007f]/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MIN_INSTANT_MS = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** Longest name of a user, person or token. */
export const MAX_NAME_LENGTH = 200;
export const MAX_NOTES_LENGTH = 4000;
/** Longest event id: the outbox's limit (src/bridge/outbox/journal.ts). */
export const MAX_EVENT_ID_LENGTH = 256;
/** Longest hash (password or token) and short free text (model names, reasons). */
export const MAX_HASH_LENGTH = 1024;
export const MAX_TEXT_LENGTH = 1000;
/** Largest JSON value (settings, node status, photo quality), serialised. */
export const MAX_JSON_BYTES = 256 * 1024;

export function invalid(message: string): RollcallError {
  return new RollcallError(ErrorCode.StoreInvalid, message);
}

export function notFound(message: string): RollcallError {
  return new RollcallError(ErrorCode.StoreNotFound, message);
}

export function conflict(message: string): RollcallError {
  return new RollcallError(ErrorCode.StoreConflict, message);
}

export function checkId(value: unknown, what: string): string {
  if (typeof value !== 'string' || !ID.test(value)) {
    throw invalid(
      `${what} must be 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`,
    );
  }
  return value;
}

export function checkEventId(value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_EVENT_ID_LENGTH ||
    CONTROL.test(value)
  ) {
    throw invalid(`event id must be 1-${MAX_EVENT_ID_LENGTH} characters without control characters`);
  }
  return value;
}

/** A display name: trimmed, non-empty, bounded, one line. */
export function checkName(value: unknown, what: string, max = MAX_NAME_LENGTH): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string`);
  const name = value.trim();
  if (name.length === 0) throw invalid(`${what} must not be empty`);
  if (name.length > max) throw invalid(`${what} must be at most ${max} characters`);
  if (CONTROL.test(name)) throw invalid(`${what} must not contain control characters`);
  return name;
}

/** The most characters of an external id (a student or staff number). */
export const MAX_EXTERNAL_ID_LENGTH = 100;

/** An external id: null (none), or a trimmed non-empty one-line string. */
export function checkExternalId(value: unknown): string | null {
  return value === null ? null : checkName(value, 'external id', MAX_EXTERNAL_ID_LENGTH);
}

/** Free text that may be empty and span lines (notes). */
export function checkText(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string`);
  if (value.length > max) throw invalid(`${what} must be at most ${max} characters`);
  return value;
}

export function checkHash(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_HASH_LENGTH || /\s/.test(value)) {
    throw invalid(`${what} must be 1-${MAX_HASH_LENGTH} characters without spaces`);
  }
  return value;
}

export function checkRole(value: unknown): UserRole {
  if (value !== 'admin' && value !== 'viewer') throw invalid('role must be "admin" or "viewer"');
  return value;
}

export function checkStatus(value: unknown): UnknownFaceStatus {
  if (value !== 'open' && value !== 'assigned' && value !== 'dismissed') {
    throw invalid('status must be "open", "assigned" or "dismissed"');
  }
  return value;
}

export function checkBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw invalid(`${what} must be true or false`);
  return value;
}

/** An instant, returned in the canonical `toISOString()` form so stored times sort as text. */
export function checkInstant(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length > 64) throw invalid(`${what} must be an ISO 8601 time`);
  const ms = Date.parse(value);
  // Years 0000-9999 keep toISOString() at fixed width, which text ordering relies on.
  if (!Number.isFinite(ms) || ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS) {
    throw invalid(`${what} must be an ISO 8601 time, got "${value}"`);
  }
  const iso = new Date(ms).toISOString();
  return iso;
}

/** A calendar day `YYYY-MM-DD` that exists (no February 30th). */
export function checkDay(value: unknown, what = 'day'): string {
  const match = typeof value === 'string' ? DAY.exec(value) : null;
  if (!match) throw invalid(`${what} must be a date YYYY-MM-DD`);
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    throw invalid(`${what} "${String(value)}" is not a calendar date`);
  }
  return value as string;
}

export function checkPage(page: PageOptions | undefined): { limit: number; offset: number } {
  const limit = page?.limit ?? DEFAULT_PAGE_LIMIT;
  const offset = page?.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw invalid(`limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}`);
  }
  if (!Number.isInteger(offset) || offset < 0) throw invalid('offset must be a whole number >= 0');
  return { limit, offset };
}

/** Rows fetched with `limit + 1` made into a page, so no second COUNT query is needed. */
export function toPage<R, T>(rows: R[], limit: number, offset: number, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  return { items: rows.slice(0, limit).map(map), nextOffset: more ? offset + limit : null };
}

/** Serialises a JSON value, refusing what would not come back the same (undefined, NaN, cycles). */
export function checkJson(value: unknown, what: string): string {
  if (!isJsonValue(value, 0)) throw invalid(`${what} must be a JSON value (no undefined, NaN or functions)`);
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text) > MAX_JSON_BYTES)
    throw invalid(`${what} must be at most ${MAX_JSON_BYTES} bytes as JSON`);
  return text;
}

function isJsonValue(value: unknown, depth: number): value is JsonValue {
  if (depth > 32) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).every((item) => isJsonValue(item, depth + 1));
  }
  return false;
}

export function checkBytes(value: unknown, what: string, maxBytes: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalid(`${what} must be bytes (a Uint8Array)`);
  if (value.byteLength === 0) throw invalid(`${what} must not be empty`);
  if (value.byteLength > maxBytes) throw invalid(`${what} must be at most ${maxBytes} bytes`);
  return value;
}

/** A file's base name as uploaded: shown to people, never used as a path. */
export function checkFileName(value: unknown): string {
  const name = checkName(value, 'file name', 255);
  if (/[/\\]/.test(name) || name === '.' || name === '..') throw invalid('file name must not contain a path');
  return name;
}

export function checkModel(value: unknown): DescriptorModel {
  if (!isDescriptorModel(value)) {
    throw invalid(`descriptor model must be one of ${DESCRIPTOR_MODELS.join(', ')}, got ${String(value)}`);
  }
  return value;
}

/** Descriptors of `model`: each must have the model's length, or it is not that model's. */
export function checkDescriptors(values: unknown, model: DescriptorModel): Float32Array[] {
  if (!Array.isArray(values)) throw invalid('descriptors must be an array');
  if (values.length > 64) throw invalid('at most 64 descriptors per photo');
  for (const d of values) assertDescriptor(d, DESCRIPTOR_LENGTHS[model]);
  return values as Float32Array[];
}

function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(`event ${what} must be a finite number`);
  return value;
}

function objectField(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw invalid(`event ${what} must be an object`);
  return value as Record<string, unknown>;
}

function finiteOrNull(value: unknown, what: string): number | null {
  return value === null ? null : finite(value, what);
}

/**
 * Checks a recognition event before it is stored, and returns it with `at` canonical. The bridge
 * validates events too; the store checks again because it is the last line before the disk.
 */
export function checkEvent(event: ReceivedEvent, maxCropBytes: number): ReceivedEvent {
  // Typed as ReceivedEvent, but it came off the wire: check every field as if unknown.
  const e = event as unknown as Record<keyof ReceivedEvent, unknown> | null;
  if (typeof e !== 'object' || e === null) throw invalid('event must be an object');
  checkEventId(e.id);
  const type = e.type;
  if (type !== 'recognized' && type !== 'sighting' && type !== 'unknown') {
    throw invalid('event type must be "recognized", "sighting" or "unknown"');
  }
  checkId(e.nodeId, 'event nodeId');
  checkName(e.cameraId, 'event cameraId');
  checkName(e.trackId, 'event trackId');
  if (e.personId !== null) checkId(e.personId, 'event personId');
  if (type !== 'unknown' && e.personId === null) throw invalid(`a ${type} event needs a personId`);
  finiteOrNull(e.distance, 'distance');
  const thresholds = objectField(e.thresholds, 'thresholds');
  finite(thresholds.match, 'thresholds.match');
  finite(thresholds.unknown, 'thresholds.unknown');
  const votes = finiteOrNull(e.votes, 'votes');
  if (votes !== null && (!Number.isInteger(votes) || votes < 0)) {
    throw invalid('event votes must be a whole number');
  }
  const at = checkInstant(e.at, 'event at');
  const nodeAt = e.nodeAt === undefined ? undefined : checkInstant(e.nodeAt, 'event nodeAt');
  const box = objectField(e.box, 'box');
  for (const key of ['x', 'y', 'width', 'height'] as const) finite(box[key], `box.${key}`);
  for (const key of ['frameWidth', 'frameHeight'] as const) {
    const n = finite(e[key], key);
    if (!Number.isInteger(n) || n < 0) throw invalid(`event ${key} must be a whole number`);
  }
  if (e.crop !== null) checkBytes(e.crop, 'event crop', maxCropBytes);
  checkName(e.model, 'event model', MAX_TEXT_LENGTH);
  checkName(e.backend, 'event backend', MAX_TEXT_LENGTH);
  if (e.unconfirmed !== undefined && typeof e.unconfirmed !== 'boolean') {
    throw invalid('event unconfirmed must be true or false');
  }
  if (e.candidate !== undefined && e.candidate !== null) {
    if (type !== 'unknown') throw invalid('only an unknown event has a candidate');
    const candidate = objectField(e.candidate, 'candidate');
    checkId(candidate.personId, 'event candidate.personId');
    if (finite(candidate.distance, 'candidate.distance') < 0) {
      throw invalid('event candidate.distance must be at least 0');
    }
  }
  return { ...event, at, ...(nodeAt === undefined ? {} : { nodeAt }) };
}

/**
 * Catches a caller that computed the day in the wrong place: whatever the time zone (UTC-12 to
 * UTC+14), an instant's local day is within one day of its UTC day.
 */
export function checkDayNear(day: string, at: string): void {
  const dayMs = Date.parse(`${day}T00:00:00Z`);
  const utcDayMs = Date.parse(`${at.slice(0, 10)}T00:00:00Z`);
  if (Math.abs(dayMs - utcDayMs) > 86_400_000) {
    throw invalid(`day ${day} cannot be the local day of ${at} in any time zone`);
  }
}

export function checkAttendanceRules(rules: AttendanceRules): void {
  if (typeof rules !== 'object' || typeof rules.timeZone !== 'string')
    throw invalid('rules.timeZone is required');
  if (!isTimeZone(rules.timeZone)) {
    throw invalid(`rules.timeZone "${rules.timeZone}" is not an IANA time zone`);
  }
  if (rules.cooldownS !== undefined && (!Number.isFinite(rules.cooldownS) || rules.cooldownS < 0)) {
    throw invalid('rules.cooldownS must be a number >= 0');
  }
}

/** A correction checked: `times` null removes the day's record, else sets it to these times. */
export interface CheckedCorrection {
  personId: string;
  day: string;
  by: string;
  reason: string;
  times: { firstSeen: string; lastSeen: string } | null;
}

export function checkCorrection(correction: AttendanceCorrectionInput): CheckedCorrection {
  const personId = checkId(correction.personId, 'person id');
  const day = checkDay(correction.day);
  const by = checkName(correction.by, 'by');
  const reason = checkName(correction.reason, 'reason', MAX_TEXT_LENGTH);
  const change = correction.change as { firstSeen?: unknown; lastSeen?: unknown; remove?: unknown };
  if (change.remove === true) return { personId, day, by, reason, times: null };
  const firstSeen = checkInstant(change.firstSeen, 'firstSeen');
  const lastSeen = checkInstant(change.lastSeen, 'lastSeen');
  if (lastSeen < firstSeen) throw invalid('lastSeen must not be before firstSeen');
  checkDayNear(day, firstSeen);
  checkDayNear(day, lastSeen);
  return { personId, day, by, reason, times: { firstSeen, lastSeen } };
}

/** A share from 0 to 1 (a minimum attendance rate), or null for none. */
export function checkRateOrNull(value: unknown, what: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1)
    throw invalid(`${what} must be a share from 0 to 1, or null`);
  return value;
}

/** Most holidays and cameras one session names: a school year of holidays fits many times over. */
const MAX_SESSION_LIST = 400;

function checkList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.length > MAX_SESSION_LIST || !value.every((v) => typeof v === 'string'))
    throw invalid(`${what} must be a list of at most ${MAX_SESSION_LIST} texts`);
  return value;
}

function wholeOrNull(value: unknown, what: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(`${what} must be a number of minutes`);
  return value;
}

/**
 * A group session: its shape here, its sense in core `sessionProblems` (every problem in one
 * message). Returns a copy holding only the session's fields, cameras trimmed, holidays sorted.
 */
export function checkGroupSession(value: unknown): GroupSession {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid('session must be an object');
  const session = value as Record<string, unknown>;
  const minutes = (name: string): number => {
    const v = wholeOrNull(session[name], `session.${name}`);
    if (v === null) throw invalid(`session.${name} must be a number of minutes`);
    return v;
  };
  const text = (name: string): string => {
    const v = session[name];
    if (typeof v !== 'string' || v.length > 10) throw invalid(`session.${name} must be a time like 09:00`);
    return v;
  };
  const dayOrNull = (name: string): string | null =>
    session[name] === null ? null : checkDay(session[name], `session.${name}`);
  const checked: GroupSession = {
    weekdays: checkList(session.weekdays, 'session.weekdays') as GroupSession['weekdays'],
    start: text('start'),
    end: text('end'),
    lateGraceMin: minutes('lateGraceMin'),
    earlyExitGraceMin: minutes('earlyExitGraceMin'),
    absentBelowMin: wholeOrNull(session.absentBelowMin, 'session.absentBelowMin'),
    checkInWindowMin: minutes('checkInWindowMin'),
    checkOutWindowMin: minutes('checkOutWindowMin'),
    cameras:
      session.cameras === null ? null : checkList(session.cameras, 'session.cameras').map((c) => c.trim()),
    from: dayOrNull('from'),
    to: dayOrNull('to'),
    holidays: [...new Set(checkList(session.holidays, 'session.holidays'))].sort(),
  };
  const problems = sessionProblems(checked);
  if (problems.length > 0) throw invalid(problems.join('; '));
  return checked;
}

// ---- webhooks ----

/** Shortest webhook secret: anything shorter is guessable (generated ones are 49 characters). */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

export function checkWebhookUrl(value: unknown): string {
  const problem = webhookUrlProblem(value);
  if (problem !== null) throw invalid(`webhook url: ${problem}`);
  return value as string;
}

export function checkWebhookEventTypes(value: unknown): WebhookEventType[] {
  const events = webhookEventsOrProblem(value);
  if (typeof events === 'string') throw invalid(`webhook events: ${events}`);
  return events;
}

export function checkWebhookEventType(value: unknown): WebhookEventType {
  if (!isWebhookEventType(value)) throw invalid(`webhook event type: ${JSON.stringify(value)} is not one`);
  return value;
}

export function checkWebhookSecret(value: unknown): string {
  const secret = checkHash(value, 'webhook secret');
  if (secret.length < MIN_WEBHOOK_SECRET_LENGTH)
    throw invalid(`webhook secret must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`);
  return secret;
}

export function checkWebhookEventId(value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_WEBHOOK_EVENT_ID_LENGTH ||
    CONTROL.test(value)
  ) {
    throw invalid(
      `webhook event id must be 1-${MAX_WEBHOOK_EVENT_ID_LENGTH} characters without control characters`,
    );
  }
  return value;
}

function wholeNumber(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalid(`${what} must be a whole number from ${min} to ${max}`);
  return value;
}

/** A delivery attempt, checked: the duration rounded to whole milliseconds. */
export function checkWebhookDelivery(value: {
  hookId: unknown;
  eventId: unknown;
  eventType: unknown;
  attempt: unknown;
  statusCode: unknown;
  error: unknown;
  durationMs: unknown;
  at: unknown;
}): {
  hookId: string;
  eventId: string;
  eventType: WebhookDeliveryType;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  at: string;
} {
  if (!isWebhookDeliveryType(value.eventType))
    throw invalid(`delivery eventType: ${JSON.stringify(value.eventType)} is not an event type`);
  const { durationMs } = value;
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0)
    throw invalid('delivery durationMs must be a number of milliseconds, 0 or more');
  return {
    hookId: checkId(value.hookId, 'hook id'),
    eventId: checkWebhookEventId(value.eventId),
    eventType: value.eventType,
    attempt: wholeNumber(value.attempt, 'delivery attempt', 1, 1_000_000),
    statusCode:
      value.statusCode === null ? null : wholeNumber(value.statusCode, 'delivery statusCode', 100, 599),
    error: value.error === null ? null : checkText(value.error, 'delivery error', MAX_TEXT_LENGTH),
    durationMs: Math.round(durationMs),
    at: checkInstant(value.at, 'delivery at'),
  };
}

export function checkKeepLast(value: unknown): number {
  return wholeNumber(value, 'keepLast', 1, 100_000);
}
