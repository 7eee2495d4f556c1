/**
 * The recognitions of a set of people over a span of local days, read once per person and sorted
 * into days in the attendance time zone: what the roster and the reports resolve sessions from.
 */
import { localDay, zonedInstant, type SeenAt } from '../core/index.js';
import { MAX_PAGE_LIMIT, type Store } from '../store/index.js';

/** The day after `day` (`YYYY-MM-DD`), on the calendar. */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = nextDay(day)) days.push(day);
  return days;
}

/**
 * Each person's named recognitions (first and repeated sightings; never unknown faces) from the
 * start of `from` to the end of `to` in `timeZone`, by person id, then by local day.
 */
export async function memberSightings(
  store: Pick<Store, 'listEvents'>,
  personIds: readonly string[],
  span: { from: string; to: string; timeZone: string },
): Promise<Map<string, Map<string, SeenAt[]>>> {
  const fromIso = zonedInstant(span.from, '00:00', span.timeZone);
  const toIso = zonedInstant(nextDay(span.to), '00:00', span.timeZone);
  const byPerson = new Map<string, Map<string, SeenAt[]>>();
  for (const personId of personIds) {
    const byDay = new Map<string, SeenAt[]>();
    let offset: number | null = 0;
    while (offset !== null) {
      const page = await store.listEvents({
        from: fromIso,
        to: toIso,
        personId,
        limit: MAX_PAGE_LIMIT,
        offset,
      });
      for (const event of page.items) {
        if (event.type === 'unknown') continue;
        const day = localDay(event.at, span.timeZone);
        const seen = byDay.get(day) ?? [];
        seen.push({ at: event.at, cameraId: event.cameraId });
        byDay.set(day, seen);
      }
      offset = page.nextOffset;
    }
    byPerson.set(personId, byDay);
  }
  return byPerson;
}
