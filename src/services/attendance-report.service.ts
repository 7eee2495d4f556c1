/**
 * Attendance as people read it: one day's records (today in the attendance time zone unless a day
 * is asked for) and every record of a range, page by page, for the CSV export. Each record is
 * shown as {@link AttendanceRecordView}: the person, the day, first and last seen, whether they
 * are in view now, check-in and check-out under the cameras' entry and exit tags as they are when
 * read, the time present and the visits.
 */
import { localDay, readRecord, timePresentMs, type CameraRole } from '../core/index.js';
import type { Clock } from '../shared/index.js';
import { inViewMs } from './roster.service.js';
import type { AttendanceRecordView } from './views.js';
import { MAX_PAGE_LIMIT, type PageOptions, type Store, type StoredAttendance } from '../store/index.js';

export type { AttendanceRecordView };

/** How records are read: the cameras' tags, now, and how long a person in view may go unseen. */
export interface RecordReadingContext {
  roles: Readonly<Record<string, CameraRole>>;
  nowMs: number;
  inViewMs: number;
}

export function attendanceRecordView(
  record: StoredAttendance,
  context: RecordReadingContext,
): AttendanceRecordView {
  const reading = readRecord(record, context.roles, context);
  const presentMs = timePresentMs(record.visits);
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
    inView: reading.inView,
    checkIn: reading.checkIn?.at ?? null,
    checkInCamera: reading.checkIn?.cameraId ?? null,
    checkOut: reading.checkOut?.at ?? null,
    checkOutCamera: reading.checkOut?.cameraId ?? null,
    visits: record.visits?.length ?? null,
    timePresentS: presentMs === null ? null : Math.floor(presentMs / 1000),
  };
}

export interface AttendanceReportDeps {
  store: Pick<Store, 'listAttendance'>;
  clock: Clock;
  /** The attendance time zone, read at each call so a change in the settings applies at once. */
  timeZone: () => string;
  /** Seconds between a node's re-reports of a person in view. @defaultValue 10 */
  sightingIntervalS?: () => number;
  /** What each camera sees; cameras not named count as both ways. @defaultValue none tagged */
  cameraRoles?: () => Promise<Readonly<Record<string, CameraRole>>>;
}

/** A day's records as the API answers them. */
export interface AttendanceDay {
  date: string;
  /** The attendance time zone the day and the times are read in (IANA). */
  timeZone: string;
  /** The cameras tagged entry or exit; untagged cameras see both ways. */
  cameraRoles: Readonly<Record<string, CameraRole>>;
  records: AttendanceRecordView[];
  nextOffset: number | null;
}

export class AttendanceReportService {
  constructor(private readonly deps: AttendanceReportDeps) {}

  /** The attendance time zone (IANA), which decides days and in which times are read. */
  timeZone(): string {
    return this.deps.timeZone();
  }

  /** Today's date (`YYYY-MM-DD`) in the attendance time zone. */
  today(): string {
    return localDay(new Date(this.deps.clock.now()), this.deps.timeZone());
  }

  async #context(): Promise<RecordReadingContext> {
    return {
      roles: (await this.deps.cameraRoles?.()) ?? {},
      nowMs: this.deps.clock.now(),
      inViewMs: inViewMs(this.deps.sightingIntervalS?.() ?? 10),
    };
  }

  /** One day's records, paged; `date` defaults to {@link AttendanceReportService.today}. */
  async day(date: string | undefined, page: PageOptions): Promise<AttendanceDay> {
    const day = date ?? this.today();
    const [found, context] = await Promise.all([
      this.deps.store.listAttendance({ from: day, to: day, ...page }),
      this.#context(),
    ]);
    return {
      date: day,
      timeZone: this.deps.timeZone(),
      cameraRoles: context.roles,
      records: found.items.map((record) => attendanceRecordView(record, context)),
      nextOffset: found.nextOffset,
    };
  }

  /**
   * Every record from `from` to `to` (days, inclusive), in pages of the store's largest page, so an
   * export of any length never holds more than one page.
   */
  async *between(from: string, to: string): AsyncGenerator<AttendanceRecordView[], void, undefined> {
    const context = await this.#context();
    let offset: number | null = 0;
    while (offset !== null) {
      const page = await this.deps.store.listAttendance({ from, to, limit: MAX_PAGE_LIMIT, offset });
      yield page.items.map((record) => attendanceRecordView(record, context));
      offset = page.nextOffset;
    }
  }
}
