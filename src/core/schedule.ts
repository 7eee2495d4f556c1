/**
 * Schedules: when a group (a class, a team) is expected, and what a member's day comes to for each
 * of its sessions — present, late, left early, absent or excused. Modelled on the shift types of
 * HR systems (ERPNext's start and end, late-entry and early-exit grace, a minimum time present
 * below which a day counts as absent, a check-in window before the start and a check-out window
 * after the end). Pure: times are wall-clock times on a local day in the site's time zone,
 * sightings are instants, and `now` comes in, so a day resolves the same way in a test, on a
 * roster board while the session runs, and in a report a month later.
 */
import { ErrorCode, RollcallError } from './errors.js';
import { zonedInstant } from './time-zone.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** What a camera sees: people coming in, people going out, or both (a room, or a door both ways). */
export const CAMERA_ROLES = ['entry', 'exit', 'both'] as const;
export type CameraRole = (typeof CAMERA_ROLES)[number];

/** One recurring session of a group: weekdays, times, grace periods, which cameras count. */
export interface GroupSession {
  weekdays: Weekday[];
  /** Wall-clock start in the site's zone, `HH:MM`. */
  start: string;
  /** Wall-clock end, `HH:MM`, after `start` (a session does not run past midnight). */
  end: string;
  /** An arrival up to this many minutes after the start is on time. @defaultValue 0 */
  lateGraceMin: number;
  /** A departure up to this many minutes before the end is not leaving early. @defaultValue 0 */
  earlyExitGraceMin: number;
  /**
   * Less time present than this (minutes) counts as absent, however the person arrived; null: any
   * time present counts.
   */
  absentBelowMin: number | null;
  /** Sightings this many minutes before the start count as arriving for it. @defaultValue 60 */
  checkInWindowMin: number;
  /** Sightings up to this many minutes after the end count as leaving it. @defaultValue 60 */
  checkOutWindowMin: number;
  /** The cameras whose sightings count; null: every camera. */
  cameras: string[] | null;
  /** First and last day the session runs (`YYYY-MM-DD`, inclusive); null: open-ended. */
  from: string | null;
  to: string | null;
  /** Days it does not run (`YYYY-MM-DD`). */
  holidays: string[];
}

export const SESSION_DEFAULTS = {
  lateGraceMin: 0,
  earlyExitGraceMin: 0,
  absentBelowMin: null,
  checkInWindowMin: 60,
  checkOutWindowMin: 60,
  cameras: null,
  from: null,
  to: null,
  holidays: [],
} as const satisfies Partial<GroupSession>;

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
/** Grace periods and windows longer than a day are typing mistakes, not schedules. */
const MAX_MINUTES = 24 * 60;

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}

function isDay(day: string): boolean {
  return DAY.test(day) && !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && utcDay(day) === day;
}

/** Round-trips a day through a Date, so 2025-02-30 (which Date moves to March) is refused. */
function utcDay(day: string): string {
  return new Date(`${day}T12:00:00Z`).toISOString().slice(0, 10);
}

/**
 * Everything wrong with a session, in words an administrator understands; empty when it is
 * usable. Each message starts with the field's name, so a form can show it beside the field.
 */
export function sessionProblems(session: GroupSession): string[] {
  const problems: string[] = [];
  if (session.weekdays.length === 0) problems.push('weekdays: choose at least one day of the week');
  for (const day of session.weekdays)
    if (!(WEEKDAYS as readonly string[]).includes(day))
      problems.push(`weekdays: "${day}" is not a day of the week (${WEEKDAYS.join(', ')})`);
  const startOk = TIME.test(session.start);
  const endOk = TIME.test(session.end);
  if (!startOk) problems.push(`start: "${session.start}" is not a time like 09:00`);
  if (!endOk) problems.push(`end: "${session.end}" is not a time like 10:30`);
  if (startOk && endOk && minutesOf(session.end) <= minutesOf(session.start))
    problems.push(`end: the session ends (${session.end}) before it starts (${session.start})`);
  // Grace periods are bounded by the session's length, once it has one.
  const length =
    startOk && endOk && minutesOf(session.end) > minutesOf(session.start)
      ? minutesOf(session.end) - minutesOf(session.start)
      : MAX_MINUTES;
  const minutes = (name: keyof GroupSession, value: number | null, max: number): void => {
    if (value === null) return;
    if (!Number.isInteger(value) || value < 0) problems.push(`${name}: a whole number of minutes, 0 or more`);
    else if (value > max) problems.push(`${name}: at most ${max} minutes`);
  };
  minutes('lateGraceMin', session.lateGraceMin, length);
  minutes('earlyExitGraceMin', session.earlyExitGraceMin, length);
  minutes('absentBelowMin', session.absentBelowMin, length);
  minutes('checkInWindowMin', session.checkInWindowMin, MAX_MINUTES);
  minutes('checkOutWindowMin', session.checkOutWindowMin, MAX_MINUTES);
  if (session.cameras !== null) {
    if (session.cameras.length === 0)
      problems.push('cameras: choose at least one camera, or leave it empty for every camera');
    if (session.cameras.some((camera) => camera.trim() === ''))
      problems.push('cameras: a camera needs a name');
  }
  if (session.from !== null && !isDay(session.from)) problems.push(`from: "${session.from}" is not a date`);
  if (session.to !== null && !isDay(session.to)) problems.push(`to: "${session.to}" is not a date`);
  if (session.from !== null && session.to !== null && isDay(session.from) && isDay(session.to))
    if (session.to < session.from)
      problems.push(`to: the last day (${session.to}) is before the first (${session.from})`);
  for (const day of session.holidays) if (!isDay(day)) problems.push(`holidays: "${day}" is not a date`);
  return problems;
}

/** Throws `USAGE_INVALID` listing every problem of the session (see {@link sessionProblems}). */
export function assertSession(session: GroupSession): void {
  const problems = sessionProblems(session);
  if (problems.length > 0) throw new RollcallError(ErrorCode.UsageInvalid, problems.join('; '));
}

/** The day of the week of a local day (`YYYY-MM-DD`): the same in every zone. */
export function weekdayOf(day: string): Weekday {
  return WEEKDAYS[new Date(`${day}T12:00:00Z`).getUTCDay()] as Weekday;
}

/** Whether the session runs on `day`: its weekday, inside its date range, not a holiday. */
export function sessionRunsOn(session: GroupSession, day: string): boolean {
  if (!session.weekdays.includes(weekdayOf(day))) return false;
  if (session.from !== null && day < session.from) return false;
  if (session.to !== null && day > session.to) return false;
  return !session.holidays.includes(day);
}

/** Whether two date ranges (null ends: open) share a day. */
function rangesMeet(a: GroupSession, b: GroupSession): boolean {
  const startsBeforeBEnds = a.from === null || b.to === null || a.from <= b.to;
  const startsBeforeAEnds = b.from === null || a.to === null || b.from <= a.to;
  return startsBeforeBEnds && startsBeforeAEnds;
}

/**
 * Pairs of a group's sessions that overlap: a shared weekday, shared dates and times that
 * intersect (back to back, 9–10 then 10–11, is fine). A member cannot be in two sessions of one
 * group at once, so a group's sessions must not overlap; sessions of different groups may.
 */
export function overlappingSessions(sessions: readonly GroupSession[]): [number, number][] {
  const overlaps: [number, number][] = [];
  sessions.forEach((a, i) => {
    sessions.slice(i + 1).forEach((b, offset) => {
      const sharedDay = a.weekdays.some((day) => b.weekdays.includes(day));
      const timesMeet = minutesOf(a.start) < minutesOf(b.end) && minutesOf(b.start) < minutesOf(a.end);
      if (sharedDay && timesMeet && rangesMeet(a, b)) overlaps.push([i, i + 1 + offset]);
    });
  });
  return overlaps;
}

/** A recognition of the person: when, and by which camera. */
export interface SeenAt {
  at: string;
  cameraId: string;
}

/** What a member's session came to, or is coming to while it runs. */
export const SESSION_STATUSES = ['expected', 'present', 'late', 'left-early', 'absent', 'excused'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export interface SessionOutcome {
  /**
   * `expected`: the session has not ended and the person has not arrived (yet); `late` wins over
   * `left-early` when both hold (see {@link leftEarly}); `absent` once the session has ended
   * without an arrival, or with less time present than the session's `absentBelowMin`; `excused`
   * when an administrator excused the day.
   */
  status: SessionStatus;
  /** The first arrival (at an entry or both-ways camera) inside the check-in window; null: none. */
  arrivedAt: string | null;
  /**
   * When the person left: the last sighting at an exit or both-ways camera after the arrival,
   * once they are out of view. Null while they are still in view, when no counting camera sees
   * people leave, or with no arrival.
   */
  leftAt: string | null;
  late: boolean;
  leftEarly: boolean;
  /** Minutes between arrival and departure, inside the session's times (so far, while it runs). */
  minutesPresent: number;
}

export interface ResolveSessionInput {
  session: GroupSession;
  /** The local day (`YYYY-MM-DD`) the session runs on. */
  day: string;
  timeZone: string;
  /** The person's recognitions that day, any order, any camera. */
  sightings: readonly SeenAt[];
  /** What each camera sees; a camera not named here counts as both ways. */
  cameraRoles: Readonly<Record<string, CameraRole>>;
  now: string;
  /**
   * A person still in view is re-reported at least this often (the nodes' sighting interval,
   * with slack): a last sighting newer than this means they have not left yet.
   */
  inViewMs: number;
  /** An administrator excused this day for this session. */
  excused: boolean;
}

const MINUTE_MS = 60_000;

/**
 * Resolves one member's session on one day from their sightings. Only sightings of the session's
 * cameras inside [start − check-in window, end + check-out window] count. The arrival is the first
 * at an entry or both-ways camera; the departure the last at an exit or both-ways camera after it.
 * Leaving early is judged only when a counting camera can see people leave: a door camera that
 * sees arrivals only is tagged `entry`, so its one sighting is not read as leaving at once.
 */
export function resolveSession(input: ResolveSessionInput): SessionOutcome {
  const { session, day, timeZone } = input;
  const startMs = Date.parse(zonedInstant(day, session.start, timeZone));
  const endMs = Date.parse(zonedInstant(day, session.end, timeZone));
  const nowMs = Date.parse(input.now);
  const windowStart = startMs - session.checkInWindowMin * MINUTE_MS;
  const windowEnd = endMs + session.checkOutWindowMin * MINUTE_MS;
  const roleOf = (cameraId: string): CameraRole => input.cameraRoles[cameraId] ?? 'both';
  const counting = input.sightings
    .filter((s) => session.cameras === null || session.cameras.includes(s.cameraId))
    .map((s) => ({ ms: Date.parse(s.at), role: roleOf(s.cameraId) }))
    .filter((s) => s.ms >= windowStart && s.ms <= windowEnd && s.ms <= nowMs)
    .sort((a, b) => a.ms - b.ms);

  // Coming in after the end is not attending the session (their sightings may still show leaving).
  const arrival = counting.find((s) => s.role !== 'exit' && s.ms < endMs);
  const canSeeLeaving =
    session.cameras === null
      ? Object.values(input.cameraRoles).some((role) => role !== 'entry') ||
        counting.some((s) => s.role !== 'entry')
      : session.cameras.some((camera) => roleOf(camera) !== 'entry');
  const exits = arrival ? counting.filter((s) => s.ms >= arrival.ms && s.role !== 'entry') : [];
  const lastExit = exits.at(-1);
  // Still in view: the nodes would have re-reported them by now had they gone.
  const stillInView = lastExit !== undefined && nowMs - lastExit.ms < input.inViewMs && nowMs < windowEnd;
  const leftMs = canSeeLeaving && lastExit && !stillInView ? lastExit.ms : null;

  const late = arrival !== undefined && arrival.ms > startMs + session.lateGraceMin * MINUTE_MS;
  const leftEarly = leftMs !== null && leftMs < endMs - session.earlyExitGraceMin * MINUTE_MS;
  const presentFrom = arrival ? Math.max(arrival.ms, startMs) : 0;
  const presentTo = Math.min(leftMs ?? nowMs, endMs);
  const minutesPresent = arrival ? Math.max(0, Math.floor((presentTo - presentFrom) / MINUTE_MS)) : 0;

  let status: SessionStatus;
  if (input.excused) status = 'excused';
  else if (!arrival) status = nowMs >= endMs ? 'absent' : 'expected';
  else if (nowMs >= endMs && session.absentBelowMin !== null && minutesPresent < session.absentBelowMin)
    status = 'absent';
  else if (late) status = 'late';
  else if (leftEarly) status = 'left-early';
  else status = 'present';

  return {
    status,
    arrivedAt: arrival ? new Date(arrival.ms).toISOString() : null,
    leftAt: leftMs === null ? null : new Date(leftMs).toISOString(),
    late,
    leftEarly,
    minutesPresent,
  };
}

/** The first of `existing` that `candidate` would overlap (see {@link overlappingSessions}), or null. */
export function clashingSession<T extends GroupSession>(
  existing: readonly T[],
  candidate: GroupSession,
): T | null {
  for (const session of existing) if (overlappingSessions([session, candidate]).length > 0) return session;
  return null;
}

/** A session in a few words, for messages: `mon, wed 09:00–10:00`. */
export function describeSession(session: GroupSession): string {
  return `${session.weekdays.join(', ')} ${session.start}–${session.end}`;
}
