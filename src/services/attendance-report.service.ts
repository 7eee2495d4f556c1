/**
 * Attendance as people read it: one day's records (today in the attendance time zone unless a day
 * is asked for) and every record of a range, page by page, for the CSV export. Each record is
 * shown as {@link AttendanceRecordView}: the person, the day, check-in and check-out, the cameras.
 */
import { localDay } from '../core/index.js';
import type { Clock } from '../shared/index.js';
import type { AttendanceRecordView } from './views.js';
import { MAX_PAGE_LIMIT, type PageOptions, type Store, type StoredAttendance } from '../store/index.js';

export type { AttendanceRecordView };

export function attendanceRecordView(record: StoredAttendance): AttendanceRecordView {
  return {
    person: { id: record.personId, name: record.personName },
    day: record.day,
    firstSeen: record.firstSeen,
    lastSeen: record.lastSeen,
    camera: record.firstCameraId,
    lastCamera: record.lastCameraId,
    nodeId: record.nodeId,
    sightings: record.eventCount,
    corrected: record.corrected,
  };
}

export interface AttendanceReportDeps {
  store: Pick<Store, 'listAttendance'>;
  clock: Clock;
  /** The attendance time zone, read at each call so a change in the settings applies at once. */
  timeZone: () => string;
}

export class AttendanceReportService {
  constructor(private readonly deps: AttendanceReportDeps) {}

  /** Today's date (`YYYY-MM-DD`) in the attendance time zone. */
  today(): string {
    return localDay(new Date(this.deps.clock.now()), this.deps.timeZone());
  }

  /** One day's records, paged; `date` defaults to {@link AttendanceReportService.today}. */
  async day(
    date: string | undefined,
    page: PageOptions,
  ): Promise<{ date: string; records: AttendanceRecordView[]; nextOffset: number | null }> {
    const day = date ?? this.today();
    const found = await this.deps.store.listAttendance({ from: day, to: day, ...page });
    return { date: day, records: found.items.map(attendanceRecordView), nextOffset: found.nextOffset };
  }

  /**
   * Every record from `from` to `to` (days, inclusive), in pages of the store's largest page, so an
   * export of any length never holds more than one page.
   */
  async *between(from: string, to: string): AsyncGenerator<AttendanceRecordView[], void, undefined> {
    let offset: number | null = 0;
    while (offset !== null) {
      const page = await this.deps.store.listAttendance({ from, to, limit: MAX_PAGE_LIMIT, offset });
      yield page.items.map(attendanceRecordView);
      offset = page.nextOffset;
    }
  }
}
