/**
 * Attendance rules: how recognition events become one record per person per local day. Pure, so
 * the same rules hold on every store and can be tested without one.
 */
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
  /** Sightings counted, at most one per cooldown. */
  eventCount: number;
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
  /** Sightings closer together than this count once in `eventCount`. @defaultValue 60 */
  cooldownS?: number;
}

/**
 * The record after one more sighting. Events can arrive out of order (a node replays its outbox
 * after an outage), so check-in is the earliest and check-out the latest sighting, whatever the
 * arrival order. Returns the record unchanged when the sighting belongs to another person or day.
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
    };
  }
  if (record.personId !== sighting.personId || record.day !== day) return record;
  const cooldownMs = (rules.cooldownS ?? 60) * 1000;
  const time = Date.parse(at);
  const first = Date.parse(record.firstSeen);
  const last = Date.parse(record.lastSeen);
  const counts = Math.abs(time - last) >= cooldownMs && Math.abs(time - first) >= cooldownMs;
  return {
    ...record,
    firstSeen: time < first ? at : record.firstSeen,
    firstCameraId: time < first ? sighting.cameraId : record.firstCameraId,
    lastSeen: time > last ? at : record.lastSeen,
    lastCameraId: time > last ? sighting.cameraId : record.lastCameraId,
    nodeId: time > last ? sighting.nodeId : record.nodeId,
    eventCount: record.eventCount + (counts ? 1 : 0),
  };
}
