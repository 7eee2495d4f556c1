/**
 * A group report as tables — a summary per member and a line per member and session — with every
 * day written `YYYY-MM-DD` and every time ISO 8601 on the attendance time zone's clock with its
 * offset (`2025-03-10T09:20:00+01:00`), the zone named in the headers. The CSV and XLSX exports write these same cells, so the two never disagree.
 */
import { localIsoTime, type SessionStatus } from '../core/index.js';
import type { GroupReport, SessionRecord } from './group-report.service.js';

export type ReportCell = string | number | null;

export interface ReportTable {
  name: string;
  header: string[];
  rows: ReportCell[][];
}

/** How a report writes each status: the words the roster board uses. */
export const STATUS_WORDS: Record<SessionStatus, string> = {
  expected: 'not arrived yet',
  present: 'present',
  late: 'late',
  'left-early': 'left early',
  absent: 'absent',
  excused: 'excused',
};

export function reportTables(report: GroupReport): { summary: ReportTable; sessions: ReportTable } {
  const zone = report.timeZone;
  const time = (at: string | null): string | null => (at === null ? null : localIsoTime(at, zone));
  return {
    summary: {
      name: 'Summary',
      header: [
        'person',
        'person_id',
        'present',
        'late',
        'left_early',
        'absent',
        'excused',
        'sessions_counted',
        'attendance_rate',
        'below_minimum',
      ],
      rows: report.members.map((m) => [
        m.person.name,
        m.person.id,
        m.counts.present,
        m.counts.late,
        m.counts['left-early'],
        m.counts.absent,
        m.counts.excused,
        m.counted,
        m.rate === null ? null : Math.round(m.rate * 1000) / 1000,
        m.belowMinimum ? 'yes' : 'no',
      ]),
    },
    sessions: {
      name: 'Sessions',
      header: [
        'day',
        'session',
        'person',
        'person_id',
        'status',
        `arrived (${zone})`,
        `left (${zone})`,
        'minutes_present',
        'excuse',
      ],
      rows: report.records.map((r: SessionRecord) => [
        r.day,
        `${r.session.start}–${r.session.end}`,
        r.person.name,
        r.person.id,
        STATUS_WORDS[r.status],
        time(r.arrivedAt),
        time(r.leftAt),
        r.minutesPresent,
        r.excuse ? `${r.excuse.reason} (by ${r.excuse.by})` : null,
      ]),
    },
  };
}
