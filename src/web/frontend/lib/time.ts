/**
 * Dates and times as every page writes them: one date format, `Mon 30 Nov 2026` (the month in
 * words, so no reader takes 03/04 for the wrong month), and times on the site's clock — the
 * attendance time zone, not the browser's — with the zone named: `09:04 CET`, `09:04 UTC+9`. The
 * server puts the zone in the page (`<meta name="time-zone">`); a page without it (signed out)
 * uses the browser's. Pure apart from reading that tag once.
 */

const metaZone = typeof document === 'undefined' ? null : document.querySelector('meta[name="time-zone"]');

/** The site's time zone (IANA). */
export const SITE_ZONE: string =
  metaZone?.getAttribute('content') ?? Intl.DateTimeFormat().resolvedOptions().timeZone;

const formats = new Map<string, Intl.DateTimeFormat>();

function format(key: string, locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let found = formats.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, options);
    formats.set(key, found);
  }
  return found;
}

function parts(at: Date, timeZone: string): Record<string, string> {
  const found: Record<string, string> = {};
  const wall = format(`wall ${timeZone}`, 'en-GB', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  for (const part of wall.formatToParts(at)) found[part.type] = part.value;
  return found;
}

function zoneName(at: Date, timeZone: string, locale: string, style: 'short' | 'shortOffset'): string {
  const named = format(`${style} ${locale} ${timeZone}`, locale, { timeZone, timeZoneName: style });
  return named.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
}

/**
 * The zone as people know it at that instant: its abbreviation when English has a common one
 * (`CET`, `CEST`, `BST`, `EDT`, `UTC`), else its offset (`UTC+9`, `UTC+5:30`).
 */
export function zoneLabel(at: Date | string = new Date(), timeZone = SITE_ZONE): string {
  const instant = typeof at === 'string' ? new Date(at) : at;
  for (const locale of ['en-US', 'en-GB']) {
    const name = zoneName(instant, timeZone, locale, 'short');
    if (/^[A-Z]{3,5}$/.test(name)) return name;
  }
  const offset = zoneName(instant, timeZone, 'en-GB', 'shortOffset').replace(/^GMT/, 'UTC');
  return offset === 'UTC+0' ? 'UTC' : offset;
}

/** `Mon 30 Nov 2026`. */
function dateOf(p: Record<string, string>): string {
  return `${p.weekday ?? ''} ${p.day ?? ''} ${p.month ?? ''} ${p.year ?? ''}`;
}

/** A calendar day (`2026-11-30`) as `Mon 30 Nov 2026`: a day has no zone, none moves it. */
export function formatDay(day: string): string {
  return dateOf(parts(new Date(`${day}T12:00:00Z`), 'UTC'));
}

/** The site-clock date of an instant: `Mon 30 Nov 2026`. */
export function formatDate(iso: string, timeZone = SITE_ZONE): string {
  return dateOf(parts(new Date(iso), timeZone));
}

/** The site-clock time of an instant with its zone: `09:04 CET`, or `09:04:05 CET`; a dash for none. */
export function formatTime(
  iso: string | null,
  options: { seconds?: boolean; timeZone?: string } = {},
): string {
  if (iso === null) return '—';
  const timeZone = options.timeZone ?? SITE_ZONE;
  const at = new Date(iso);
  const p = parts(at, timeZone);
  const seconds = options.seconds === true ? `:${p.second ?? ''}` : '';
  return `${p.hour ?? ''}:${p.minute ?? ''}${seconds} ${zoneLabel(at, timeZone)}`;
}

/** Date and time of an instant: `Mon 30 Nov 2026, 09:04 CET`; a dash for none. */
export function formatDateTime(iso: string | null, options: { timeZone?: string } = {}): string {
  if (iso === null) return '—';
  return `${formatDate(iso, options.timeZone)}, ${formatTime(iso, options)}`;
}

/** A length of time: `< 1 min`, `45 min`, `2 h 05 min`; a dash when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return '< 1 min';
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
