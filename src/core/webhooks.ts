/**
 * Webhooks: which events Rollcall tells other systems about, what each one says, the ids that let
 * a receiver (and Rollcall itself) recognise an event sent twice, and which URLs may receive them.
 * Pure: the signing (HMAC, so Node's crypto) is in `shared/webhook-signature.ts`, the sending in the
 * services.
 */
import { zonedInstant } from './time-zone.js';
import type { GroupSession, SessionStatus } from './schedule.js';

/** The events an administrator can subscribe a URL to, in the order forms list them. */
export const WEBHOOK_EVENT_TYPES = [
  'attendance.marked',
  'attendance.late',
  'attendance.absent',
  'unknown.face',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent to one hook on an administrator's request, to try a receiver; nobody subscribes to it. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';
/** Every type a delivery can carry. */
export type WebhookDeliveryType = WebhookEventType | typeof WEBHOOK_TEST_EVENT;

/** What each event means, in the words the API and the pages show. */
export const WEBHOOK_EVENT_DESCRIPTIONS: Record<WebhookEventType, string> = {
  'attendance.marked': 'a camera saw a person for the first time that day (their attendance record is made)',
  'attendance.late': "a group member arrived after their session's start and late grace",
  'attendance.absent': 'a group member did not come to a session, once its check-out window has closed',
  'unknown.face': 'a camera saw a face it could not name; it waits for review',
};

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

export function isWebhookDeliveryType(value: unknown): value is WebhookDeliveryType {
  return value === WEBHOOK_TEST_EVENT || isWebhookEventType(value);
}

/** The request headers of every delivery. Names as sent; HTTP compares them without case. */
export const WEBHOOK_HEADERS = {
  /** `sha256=HEX`: HMAC-SHA256, keyed with the hook's secret, of `TIMESTAMP.BODY`. */
  signature: 'X-Rollcall-Signature',
  /** Unix seconds when this attempt was signed; a receiver refuses one too far from its clock. */
  timestamp: 'X-Rollcall-Timestamp',
  /** The event type, e.g. `attendance.absent`. */
  event: 'X-Rollcall-Event',
  /** The event id: the same on every attempt and every hook, so a receiver keeps each event once. */
  delivery: 'X-Rollcall-Delivery',
} as const;

/** Longest URL accepted: longer ones are typing accidents, and some servers refuse them anyway. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;
/** Longest event id (they are built from store ids, at most 128 characters each, and a day). */
export const MAX_WEBHOOK_EVENT_ID_LENGTH = 512;

/**
 * What is wrong with a URL as a webhook's receiver, or null when it will do: an absolute `http:`
 * or `https:` URL with a host, no user name or password (they would be sent in clear to every
 * proxy on the way and shown in every list; put a token in the path or query instead), and no
 * `#fragment`, which is never sent to a server. Loopback and LAN hosts are allowed: receivers on
 * the same site are the common case, and only administrators register hooks.
 */
export function webhookUrlProblem(url: unknown): string | null {
  if (typeof url !== 'string' || url.trim() === '') return 'give the address that receives the events';
  if (url.length > MAX_WEBHOOK_URL_LENGTH) return `at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return 'must not contain spaces or control characters';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not an absolute URL like https://example.org/hooks/rollcall`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return `must start with http:// or https:// (not ${parsed.protocol})`;
  if (parsed.hostname === '') return 'needs a host name';
  if (parsed.username !== '' || parsed.password !== '')
    return 'must not hold a user name or password; put a token in the path or query, or check the signature';
  if (parsed.hash !== '') return 'must not have a #fragment: it is never sent to the receiver';
  return null;
}

/**
 * The event types as given, checked: a non-empty list of known types. Returns them without
 * repeats, in {@link WEBHOOK_EVENT_TYPES} order, or the problem as text.
 */
export function checkWebhookEvents(events: unknown): WebhookEventType[] | string {
  if (!Array.isArray(events) || events.length === 0)
    return `choose at least one of ${WEBHOOK_EVENT_TYPES.join(', ')}`;
  const unknown = events.filter((e) => !isWebhookEventType(e));
  if (unknown.length > 0)
    return `${unknown.map((e) => JSON.stringify(e)).join(', ')} is not an event; choose from ${WEBHOOK_EVENT_TYPES.join(', ')}`;
  return WEBHOOK_EVENT_TYPES.filter((type) => events.includes(type));
}

// ---- events ----

export interface WebhookPerson {
  id: string;
  name: string;
}

/** A group session as an event names it: which one, and its times that day. */
export interface WebhookSession {
  id: string;
  start: string;
  end: string;
}

/** What each event says, under `data` in the body. */
export interface WebhookEventData {
  'attendance.marked': {
    person: WebhookPerson;
    /** The local day (`YYYY-MM-DD`, attendance time zone). */
    day: string;
    /** The first sighting that day, as known when the record was made (ISO 8601). */
    firstSeen: string;
    cameraId: string;
    nodeId: string;
    /** The recognition event that made the record (`GET /api/v1/events`). */
    recognitionEventId: string;
  };
  'attendance.late': {
    person: WebhookPerson;
    group: WebhookPerson;
    session: WebhookSession;
    day: string;
    arrivedAt: string;
    /** Whole minutes after the session's start (the late grace is inside them). */
    minutesLate: number;
  };
  'attendance.absent': {
    person: WebhookPerson;
    group: WebhookPerson;
    session: WebhookSession;
    day: string;
    /** Time present in the session: 0 for nobody seen, more when under the session's minimum. */
    minutesPresent: number;
  };
  'unknown.face': {
    /** `GET /api/v1/unknown-faces/:id/crop.jpg` shows the face (an admin's API token). */
    unknownFaceId: string;
    recognitionEventId: string;
    at: string;
    cameraId: string;
    nodeId: string;
    /** The camera held the face back although it came near `candidate`. */
    unconfirmed: boolean;
    candidate: { personId: string; name: string; distance: number } | null;
  };
  'webhook.test': { hookId: string; message: string };
}

/** One event, as every hook subscribed to its type receives it (the body is its JSON). */
export interface WebhookEvent<T extends WebhookDeliveryType = WebhookDeliveryType> {
  /** Deterministic for the thing that happened (see {@link webhookEventIds}): sent at most once by Rollcall, repeated only by retries. */
  id: string;
  type: T;
  /** When Rollcall made the event (ISO 8601). */
  createdAt: string;
  data: WebhookEventData[T];
}

/** Any one event, narrowed by its `type`. */
export type AnyWebhookEvent = { [T in WebhookDeliveryType]: WebhookEvent<T> }[WebhookDeliveryType];

/** An event hooks subscribe to (any but the test event). */
export type SubscribableWebhookEvent = { [T in WebhookEventType]: WebhookEvent<T> }[WebhookEventType];

/** What the sessions of a day tell: late arrivals and absences. */
export type SessionWebhookEvent = WebhookEvent<'attendance.late'> | WebhookEvent<'attendance.absent'>;

/**
 * Event ids name the thing that happened, not the moment it was noticed: a second web node, a
 * re-run of the minute's job or a redelivered recognition event makes the same id, which the
 * store claims once (`claimWebhookEvent`) and receivers de-duplicate by.
 */
export const webhookEventIds = {
  marked: (personId: string, day: string): string => `marked:${personId}:${day}`,
  late: (sessionId: string, personId: string, day: string): string => `late:${sessionId}:${personId}:${day}`,
  absent: (sessionId: string, personId: string, day: string): string =>
    `absent:${sessionId}:${personId}:${day}`,
  unknownFace: (recognitionEventId: string): string => `unknown:${recognitionEventId}`,
};

/**
 * The request body: the event's JSON, keys always in this order, so every attempt of a delivery
 * carries the same bytes (and the same signature for the same timestamp).
 */
export function webhookBody(event: AnyWebhookEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt, data: event.data });
}

/** `attendance.marked` for a record a camera just made. */
export function markedEvent(
  record: {
    personId: string;
    personName: string;
    day: string;
    firstSeen: string;
    firstCameraId: string;
    nodeId: string;
  },
  recognitionEventId: string,
  createdAt: string,
): WebhookEvent<'attendance.marked'> {
  return {
    id: webhookEventIds.marked(record.personId, record.day),
    type: 'attendance.marked',
    createdAt,
    data: {
      person: { id: record.personId, name: record.personName },
      day: record.day,
      firstSeen: record.firstSeen,
      cameraId: record.firstCameraId,
      nodeId: record.nodeId,
      recognitionEventId,
    },
  };
}

/** `unknown.face` for a face stored for review. */
export function unknownFaceEvent(
  face: {
    id: string;
    eventId: string;
    at: string;
    cameraId: string;
    nodeId: string;
    unconfirmed: boolean;
    candidate: { personId: string; name: string; distance: number } | null;
  },
  createdAt: string,
): WebhookEvent<'unknown.face'> {
  return {
    id: webhookEventIds.unknownFace(face.eventId),
    type: 'unknown.face',
    createdAt,
    data: {
      unknownFaceId: face.id,
      recognitionEventId: face.eventId,
      at: face.at,
      cameraId: face.cameraId,
      nodeId: face.nodeId,
      unconfirmed: face.unconfirmed,
      candidate: face.candidate
        ? { personId: face.candidate.personId, name: face.candidate.name, distance: face.candidate.distance }
        : null,
    },
  };
}

const MINUTE_MS = 60_000;

/** When a session's events can be decided on `day`, as epoch milliseconds. */
export interface SessionWebhookTimes {
  /** An arrival after this is late: the start plus the late grace. */
  lateAfterMs: number;
  /** Absence is final once the check-out window after the end has closed: `attendance.absent` then. */
  absentFromMs: number;
}

export function sessionWebhookTimes(
  session: GroupSession,
  day: string,
  timeZone: string,
): SessionWebhookTimes {
  const startMs = Date.parse(zonedInstant(day, session.start, timeZone));
  const endMs = Date.parse(zonedInstant(day, session.end, timeZone));
  return {
    lateAfterMs: startMs + session.lateGraceMin * MINUTE_MS,
    absentFromMs: endMs + session.checkOutWindowMin * MINUTE_MS,
  };
}

/** One member's outcome of a session, as the roster resolves it (`core/schedule.ts`). */
export interface SessionMemberOutcome {
  person: WebhookPerson;
  status: SessionStatus;
  arrivedAt: string | null;
  late: boolean;
  minutesPresent: number;
}

export interface SessionEventsInput {
  group: WebhookPerson;
  session: GroupSession & { id: string };
  day: string;
  timeZone: string;
  /** The roster's outcomes, resolved at `nowMs`. */
  members: readonly SessionMemberOutcome[];
  nowMs: number;
  createdAt: string;
}

/**
 * The session's events for its members so far: `attendance.late` for each member who arrived
 * late (as soon as they arrived; an excused day sends nothing), and, once the check-out window
 * has closed, `attendance.absent` for each member who resolved to absent. Ids are deterministic,
 * so running this every minute produces each event again and again, and the store keeps it once.
 */
export function sessionWebhookEvents(input: SessionEventsInput): SessionWebhookEvent[] {
  const { group, session, day, timeZone, nowMs, createdAt } = input;
  const startMs = Date.parse(zonedInstant(day, session.start, timeZone));
  const { absentFromMs } = sessionWebhookTimes(session, day, timeZone);
  const ref: WebhookSession = { id: session.id, start: session.start, end: session.end };
  const events: SessionWebhookEvent[] = [];
  for (const member of input.members) {
    if (member.status === 'excused') continue;
    if (member.late && member.arrivedAt !== null) {
      events.push({
        id: webhookEventIds.late(session.id, member.person.id, day),
        type: 'attendance.late',
        createdAt,
        data: {
          person: member.person,
          group,
          session: ref,
          day,
          arrivedAt: member.arrivedAt,
          minutesLate: Math.floor((Date.parse(member.arrivedAt) - startMs) / MINUTE_MS),
        },
      });
    }
    if (member.status === 'absent' && nowMs >= absentFromMs) {
      events.push({
        id: webhookEventIds.absent(session.id, member.person.id, day),
        type: 'attendance.absent',
        createdAt,
        data: { person: member.person, group, session: ref, day, minutesPresent: member.minutesPresent },
      });
    }
  }
  return events;
}
