/**
 * Attendance changed by hand, with who and why: a day's corrections (they explain the report), and
 * a new one, whose check-in and check-out are wall-clock times in the attendance time zone.
 */
import { ErrorCode, localDay, RollcallError, zonedInstant } from '../core/index.js';
import type { Clock } from '../shared/index.js';
import type { AttendanceCorrection, PageOptions, Store } from '../store/index.js';
import type { CorrectionView } from './views.js';

export type { CorrectionView };

export function correctionView(c: AttendanceCorrection): CorrectionView {
  return {
    id: c.id,
    person: { id: c.personId, name: c.after?.personName ?? c.before?.personName ?? null },
    day: c.day,
    by: c.by,
    reason: c.reason,
    at: c.at,
    present: c.after !== null,
    firstSeen: c.after?.firstSeen ?? null,
    lastSeen: c.after?.lastSeen ?? null,
  };
}

/** What an administrator asks for: present from `checkIn` to `checkOut` (`HH:MM`), or absent. */
export type CorrectionRequest = { personId: string; day: string; by: string; reason: string } & (
  { present: true; checkIn: string; checkOut: string } | { present: false }
);

export interface AttendanceCorrectionDeps {
  store: Pick<Store, 'listCorrections' | 'correctAttendance'>;
  clock: Clock;
  /** The attendance time zone, read at each call so a change in the settings applies at once. */
  timeZone: () => string;
}

export class AttendanceCorrectionService {
  constructor(private readonly deps: AttendanceCorrectionDeps) {}

  /** The corrections of one day, paged; `date` defaults to today in the attendance time zone. */
  async day(
    date: string | undefined,
    page: PageOptions,
  ): Promise<{ date: string; corrections: CorrectionView[]; nextOffset: number | null }> {
    const day = date ?? localDay(new Date(this.deps.clock.now()), this.deps.timeZone());
    const found = await this.deps.store.listCorrections({ from: day, to: day, ...page });
    return { date: day, corrections: found.items.map(correctionView), nextOffset: found.nextOffset };
  }

  /** @throws RollcallError `REQUEST_INVALID` when the check-out is before the check-in. */
  async correct(request: CorrectionRequest): Promise<CorrectionView> {
    let change: { firstSeen: string; lastSeen: string } | { remove: true } = { remove: true };
    if (request.present) {
      const { day, checkIn, checkOut } = request;
      if (checkOut < checkIn)
        throw new RollcallError(ErrorCode.RequestInvalid, 'checkOut: must not be before checkIn');
      const zone = this.deps.timeZone();
      change = { firstSeen: zonedInstant(day, checkIn, zone), lastSeen: zonedInstant(day, checkOut, zone) };
    }
    const { personId, day, by, reason } = request;
    return correctionView(await this.deps.store.correctAttendance({ personId, day, by, reason, change }));
  }
}
