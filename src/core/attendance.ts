/**
 * Attendance rules: how recognition events become one record per person per local day. Pure, so
 * the same rules hold on every store and can be tested without one.
 */
import type { CameraRole } from './schedule.js';
import { localDay } from './time-zone.js';

/** One person's presence on one local day. */
export interface AttendanceRecord {
  personId: string;
  /** The local calendar day, `YYYY-MM-DD`, in the site's time zone. */
  day: string;
  /** Check-in: the earliest sighting that day (ISO 8601 UTC). */
  firstSeen: string;
  /** Check-out: the latest sighting that day (ISO 8601 UTC). */
  lastSeen: string;
  firstCameraId: string;
  lastCameraId: string;
  nodeId: string;
  /** Sightings folded in: every recognition event of the day, each counted once. */
  eventCount: number;
  /**
   * The stays in view that day, earliest first (see {@link addToVisits}): their number is the
   * visits, their lengths added the time present. Null for a record kept before these were (or
   * made by hand), whose time present is unknown.
   */
  visits: Visit[] | null;
  /**
   * Each camera's first and last sighting of the person that day, so check-in and check-out can
   * follow the cameras' entry and exit tags as they are when read. Null on records kept before.
   */
  cameras: Record<string, CameraSeen> | null;
}

/** One stay in view: sightings each closer than the visit gap to the next (ISO 8601 UTC). */
export interface Visit {
  from: string;
  to: string;
}

/** When one camera first and last saw the person (ISO 8601 UTC). */
export interface CameraSeen {
  firstSeen: string;
  lastSeen: string;
}

/** A recognition (or sighting) of a named person, as attendance needs it. */
export interface Sighting {
  personId: string;
  /** When the frame was captured (ISO 8601). The day is decided from this, never from "now". */
  at: string;
  cameraId: string;
  nodeId: string;
}

export interface AttendanceRules {
  /** IANA time zone that decides which day a sighting belongs to. */
  timeZone: string;
  /**
   * Sightings closer together than this belong to one visit; a gap this long or longer starts a
   * new one. A person in view is re-reported every sighting interval (10 s by default), so this
   * must be well above it. @defaultValue 60
   */
  cooldownS?: number;
}

/**
 * Visits kept per record at most. A day has room for 1 440 one-minute visits; past this many, the
 * two visits closest together are joined (the gap between them then counts as present), so a
 * camera that names someone on and off all day cannot grow the record without bound.
 */
export const MAX_VISITS = 200;

/**
 * The visits after one more sighting at `at`. The rule: sort a day's sightings by time; two
 * consecutive sightings closer than `gapMs` are in the same visit, so the time between them counts
 * as present; a gap of `gapMs` or more ends the visit and the next sighting starts another. A lone
 * sighting is a visit of no length.
 *
 * Visits are kept merged (each a span from its first to its last sighting, separated from the next
 * by at least `gapMs`), so a sighting joins every visit it is closer than `gapMs` to, and bridges
 * two when it falls in the gap between them. The result is the same whatever order the sightings
 * arrive in (a node replaying its outbox after an outage sends old ones late), up to
 * {@link MAX_VISITS}.
 */
export function addToVisits(visits: readonly Visit[], at: string, gapMs: number): Visit[] {
  const time = Date.parse(at);
  let from = time;
  let to = time;
  const kept: Visit[] = [];
  for (const visit of visits) {
    const start = Date.parse(visit.from);
    const end = Date.parse(visit.to);
    if (time - end < gapMs && start - time < gapMs) {
      from = Math.min(from, start);
      to = Math.max(to, end);
    } else {
      kept.push(visit);
    }
  }
  const joined = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  const next = [...kept, joined].sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
  while (next.length > MAX_VISITS) joinClosest(next);
  return next;
}

/** Joins, in place, the two neighbouring visits with the shortest gap between them. */
function joinClosest(visits: Visit[]): void {
  let closest = 0;
  let shortest = Infinity;
  for (let i = 0; i + 1 < visits.length; i++) {
    const gap = Date.parse((visits[i + 1] as Visit).from) - Date.parse((visits[i] as Visit).to);
    if (gap < shortest) [closest, shortest] = [i, gap];
  }
  const [first, second] = visits.slice(closest, closest + 2) as [Visit, Visit];
  visits.splice(closest, 2, { from: first.from, to: second.to });
}

/** The time present in milliseconds: the visits' lengths added; null when the visits are unknown. */
export function timePresentMs(visits: readonly Visit[] | null): number | null {
  if (visits === null) return null;
  return visits.reduce((sum, v) => sum + Date.parse(v.to) - Date.parse(v.from), 0);
}

function withCamera(
  cameras: Record<string, CameraSeen>,
  cameraId: string,
  at: string,
): Record<string, CameraSeen> {
  const seen = cameras[cameraId];
  if (!seen) return { ...cameras, [cameraId]: { firstSeen: at, lastSeen: at } };
  return {
    ...cameras,
    [cameraId]: {
      firstSeen: at < seen.firstSeen ? at : seen.firstSeen,
      lastSeen: at > seen.lastSeen ? at : seen.lastSeen,
    },
  };
}

/**
 * The record after one more sighting. Events can arrive out of order (a node replays its outbox
 * after an outage), so first seen is the earliest and last seen the latest sighting, and the
 * visits and each camera's times come out the same whatever the arrival order. Every sighting
 * counts in `eventCount` (the caller folds each event in once). A record kept before visits were
 * (`visits` null) stays without them: its earlier sightings are not in it, so a time present
 * counted from the new ones only would be wrong. Returns the record unchanged when the sighting
 * belongs to another person or day.
 */
export function applySighting(
  record: AttendanceRecord | undefined,
  sighting: Sighting,
  rules: AttendanceRules,
): AttendanceRecord {
  const day = localDay(sighting.at, rules.timeZone);
  const at = new Date(sighting.at).toISOString();
  if (!record) {
    return {
      personId: sighting.personId,
      day,
      firstSeen: at,
      lastSeen: at,
      firstCameraId: sighting.cameraId,
      lastCameraId: sighting.cameraId,
      nodeId: sighting.nodeId,
      eventCount: 1,
      visits: [{ from: at, to: at }],
      cameras: { [sighting.cameraId]: { firstSeen: at, lastSeen: at } },
    };
  }
  if (record.personId !== sighting.personId || record.day !== day) return record;
  const gapMs = (rules.cooldownS ?? 60) * 1000;
  const time = Date.parse(at);
  const first = Date.parse(record.firstSeen);
  const last = Date.parse(record.lastSeen);
  return {
    ...record,
    firstSeen: time < first ? at : record.firstSeen,
    firstCameraId: time < first ? sighting.cameraId : record.firstCameraId,
    lastSeen: time > last ? at : record.lastSeen,
    lastCameraId: time > last ? sighting.cameraId : record.lastCameraId,
    nodeId: time > last ? sighting.nodeId : record.nodeId,
    eventCount: record.eventCount + 1,
    visits: record.visits === null ? null : addToVisits(record.visits, at, gapMs),
    cameras: record.cameras === null ? null : withCamera(record.cameras, sighting.cameraId, at),
  };
}

/** A check-in or check-out: when, and which camera saw it. */
export interface CameraTime {
  at: string;
  cameraId: string;
}

/** What a record comes to as people read it, under the cameras' tags at the time of reading. */
export interface RecordReading {
  /**
   * Seen less than the in-view time ago: not gone yet. A last seen as far ahead of now (a node's
   * clock a little fast) counts too; one further ahead is a time set by hand, not a sighting.
   */
  inView: boolean;
  /** The first sighting at an entry or both-ways camera; null when only exit cameras saw them. */
  checkIn: CameraTime | null;
  /**
   * The last sighting at an exit or both-ways camera, once they are out of view and not seen
   * coming in again after it (at an entry-only camera); null until then, or when no camera that
   * sees people leave saw them.
   */
  checkOut: CameraTime | null;
}

/**
 * Check-in and check-out of a record. A camera tagged `entry` sees people come in, one tagged
 * `exit` sees them leave, and an untagged one (`both`) watches a room: check-in is the first
 * sighting at a camera that sees arrivals, check-out the last at one that sees departures, taken
 * only after the person has left view. A record corrected by hand (or kept before each camera's
 * times were) reads its own first and last seen, as both-ways sightings.
 *
 * @param roles the cameras' tags; a camera not named is `both`.
 * @param inViewMs a person still in view is re-reported at least this often (see `inViewMs`).
 */
export function readRecord(
  record: Pick<AttendanceRecord, 'firstSeen' | 'lastSeen' | 'firstCameraId' | 'lastCameraId' | 'cameras'> & {
    corrected?: boolean;
  },
  roles: Readonly<Record<string, CameraRole>>,
  now: { nowMs: number; inViewMs: number },
): RecordReading {
  const inView = Math.abs(now.nowMs - Date.parse(record.lastSeen)) < now.inViewMs;
  if (record.cameras === null || record.corrected === true) {
    return {
      inView,
      checkIn: { at: record.firstSeen, cameraId: record.firstCameraId },
      checkOut: inView ? null : { at: record.lastSeen, cameraId: record.lastCameraId },
    };
  }
  const seen = Object.entries(record.cameras).map(([cameraId, times]) => ({
    cameraId,
    ...times,
    role: roles[cameraId] ?? 'both',
  }));
  const checkIn = earliestOf(seen.filter((s) => s.role !== 'exit'));
  const lastExit = latestOf(seen.filter((s) => s.role !== 'entry'));
  const lastEntry = latestOf(seen.filter((s) => s.role === 'entry'));
  // Seen coming in at an entry-only camera after the last departure: inside again.
  const cameBackIn = lastExit !== null && lastEntry !== null && lastEntry.at > lastExit.at;
  return { inView, checkIn, checkOut: inView || cameBackIn ? null : lastExit };
}

type CameraTimes = CameraSeen & { cameraId: string };

function earliestOf(seen: readonly CameraTimes[]): CameraTime | null {
  let best: CameraTimes | undefined;
  for (const s of seen) if (!best || s.firstSeen < best.firstSeen) best = s;
  return best ? { at: best.firstSeen, cameraId: best.cameraId } : null;
}

function latestOf(seen: readonly CameraTimes[]): CameraTime | null {
  let best: CameraTimes | undefined;
  for (const s of seen) if (!best || s.lastSeen > best.lastSeen) best = s;
  return best ? { at: best.lastSeen, cameraId: best.cameraId } : null;
}
