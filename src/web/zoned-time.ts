/**
 * A wall-clock time on a local day in an IANA zone, as the UTC instant it names. Corrections are
 * typed as "09:00 on 2025-03-10" by people who think in the attendance zone, not in UTC.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

/** How far the zone's wall clock is ahead of UTC at `utcMs`, in ms. */
function offsetMs(utcMs: number, timeZone: string): number {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, format);
  }
  const part = (type: string): number =>
    Number(format.formatToParts(utcMs).find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/**
 * `day` (YYYY-MM-DD) at `time` (HH:MM) in `timeZone`, as an ISO instant. In a daylight-saving gap
 * the time is moved forward by the gap, as clocks do.
 */
export function zonedInstant(day: string, time: string, timeZone: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const asUtc = Date.UTC(year, month - 1, date, hour, minute);
  // Two passes settle the offset on either side of a daylight-saving change.
  let utc = asUtc - offsetMs(asUtc, timeZone);
  utc = asUtc - offsetMs(utc, timeZone);
  return new Date(utc).toISOString();
}
