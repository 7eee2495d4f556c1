/**
 * Time zones: which calendar day an instant falls on in the site's zone, and which instant a wall
 * clock time on a local day names (corrections are typed as "09:00 on 2025-03-10" by people who
 * think in the attendance zone, not in UTC). Pure, on the runtime's IANA zone data.
 */
import { ErrorCode, RollcallError } from './errors.js';

/** Building an `Intl.DateTimeFormat` costs far more than using one, and a site has one zone. */
const formats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(
  purpose: 'day' | 'wall-clock',
  timeZone: string,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  const key = `${purpose} ${timeZone}`;
  let format = formats.get(key);
  if (!format) {
    // en-CA formats dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat(purpose === 'day' ? 'en-CA' : 'en-US', { ...options, timeZone });
    formats.set(key, format);
  }
  return format;
}

/** Whether this runtime knows `zone` as an IANA time zone (`Europe/Berlin`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The calendar day of `at` in `timeZone`, as `YYYY-MM-DD`. */
export function localDay(at: Date | string, timeZone: string): string {
  const instant = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(instant.getTime())) {
    throw new RollcallError(ErrorCode.UsageInvalid, `"${String(at)}" is not a valid time`);
  }
  return zoneFormat('day', timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** The zone's wall clock to the second, in parts. */
function wallClock(timeZone: string): Intl.DateTimeFormat {
  return zoneFormat('wall-clock', timeZone, {
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** How far the zone's wall clock is ahead of UTC at `utcMs`, in ms. */
function offsetMs(utcMs: number, timeZone: string): number {
  const format = wallClock(timeZone);
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

/** The wall-clock time of `at` in `timeZone`, as `HH:MM` (24 h): how reports write times. */
export function localClock(at: Date | string, timeZone: string): string {
  const instant = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(instant.getTime())) {
    throw new RollcallError(ErrorCode.UsageInvalid, `"${String(at)}" is not a valid time`);
  }
  const parts = wallClock(timeZone).formatToParts(instant);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '00';
  return `${part('hour')}:${part('minute')}`;
}

/**
 * `at` as ISO 8601 on the zone's wall clock with its offset, `2026-11-30T09:04:00+01:00`: how
 * exports write instants, so a spreadsheet shows the site's time and the offset keeps it exact.
 */
export function localIsoTime(at: Date | string, timeZone: string): string {
  const instant = typeof at === 'string' ? new Date(at) : at;
  const utcMs = instant.getTime();
  if (Number.isNaN(utcMs)) {
    throw new RollcallError(ErrorCode.UsageInvalid, `"${String(at)}" is not a valid time`);
  }
  const offset = Math.round(offsetMs(utcMs, timeZone) / 60_000);
  const wall = new Date(Math.floor(utcMs / 1000) * 1000 + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
  const minutes = String(Math.abs(offset) % 60).padStart(2, '0');
  return `${wall}${sign}${hours}:${minutes}`;
}
