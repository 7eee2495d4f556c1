/**
 * The attendance record as it is kept, and the rules that change it: a recognition event folded in
 * (`recordSighting`) and a correction made by hand (`correctRecord`). Pure, so every store adapter
 * runs the same rules inside its transaction and only maps the result to rows or documents.
 */
import { applySighting, type AttendanceRecord, type AttendanceRules, type Sighting } from './attendance.js';
import { ErrorCode, RollcallError } from './errors.js';

/** Names the records made by hand, which no camera or node saw; reports show it as such. */
export const MANUAL_SOURCE = 'manual';

/** A record as kept: the rules' record plus what a report needs after the fact. */
export interface KeptAttendance extends AttendanceRecord {
  /** The person's name, kept on the record so history reads after the person is deleted. */
  personName: string;
  /** Whether someone corrected the record by hand. */
  corrected: boolean;
}

/** What an event did to attendance: the record after it, and whether that must be written. */
export interface SightingOutcome {
  /** The person's record for the event's day; null when the person no longer exists. */
  record: KeptAttendance | null;
  write: boolean;
}

/**
 * Folds one recognition event into its person's record for the day (`applySighting`). A
 * redelivered event (`newEvent` false) changes nothing, and nor does an event for a person who
 * was deleted (`personName` null): it stays in the audit trail only. The record keeps the name it
 * was made under and its corrected mark.
 */
export function recordSighting(
  existing: KeptAttendance | null,
  context: { personName: string | null; newEvent: boolean },
  sighting: Sighting,
  rules: AttendanceRules,
): SightingOutcome {
  if (context.personName === null) return { record: null, write: false };
  if (!context.newEvent) return { record: existing, write: false };
  const next = applySighting(existing ?? undefined, sighting, rules);
  return {
    record: {
      ...next,
      personName: existing?.personName ?? context.personName,
      corrected: existing?.corrected ?? false,
    },
    write: true,
  };
}

/** A correction's change: new check-in and check-out, or null to remove the record. */
export type CorrectionTimes = { firstSeen: string; lastSeen: string } | null;

/**
 * The record after a correction by hand, or null when it is removed. New times on a record keep
 * its cameras, count and visits; a record made where there was none (present but not recognised)
 * names {@link MANUAL_SOURCE} as its camera and node, with no sightings counted and no time
 * present known.
 *
 * @throws RollcallError `STORE_NOT_FOUND` removing a record that does not exist, or making one
 *   for a person who does not (`personName` null).
 */
export function correctRecord(
  existing: KeptAttendance | null,
  times: CorrectionTimes,
  target: { personId: string; day: string; personName: string | null },
): KeptAttendance | null {
  if (times === null) {
    if (!existing) {
      throw new RollcallError(
        ErrorCode.StoreNotFound,
        `no attendance for person ${target.personId} on ${target.day}`,
      );
    }
    return null;
  }
  if (existing) return { ...existing, ...times, corrected: true };
  if (target.personName === null) {
    throw new RollcallError(ErrorCode.StoreNotFound, `no person with id ${target.personId}`);
  }
  return {
    personId: target.personId,
    day: target.day,
    personName: target.personName,
    ...times,
    firstCameraId: MANUAL_SOURCE,
    lastCameraId: MANUAL_SOURCE,
    nodeId: MANUAL_SOURCE,
    eventCount: 0,
    visits: null,
    cameras: null,
    corrected: true,
  };
}
