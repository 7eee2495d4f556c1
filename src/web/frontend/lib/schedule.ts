/**
 * Sessions and days in words for the Groups pages: "Mon, Wed, Fri 09:00–10:30, late after 5 min",
 * "Monday, 10 March 2025", times of day in the attendance zone. Pure: no element is touched here.
 */
import type { GroupSession, SessionStatus, Weekday } from '../../api-views.js';
import { formatDay } from './time.js';

/** A week as a timetable shows it: Monday first. */
export const WEEK: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const SHORT: Record<Weekday, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

/** Each status as the roster board names its group of members. */
export const STATUS_LABELS: Record<SessionStatus, string> = {
  expected: 'Not arrived yet',
  absent: 'Absent',
  late: 'Late',
  'left-early': 'Left early',
  present: 'Present',
  excused: 'Excused',
};

/** The order the board lists them in: who is missing first, then who came, then the excused. */
export const STATUS_ORDER: readonly SessionStatus[] = [
  'expected',
  'absent',
  'late',
  'left-early',
  'present',
  'excused',
];

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "Mon, Wed, Fri"; a run of three days or more is "Mon–Fri"; all seven "Every day". */
export function daysInWords(days: readonly Weekday[]): string {
  const chosen = WEEK.map((day) => days.includes(day));
  if (chosen.every(Boolean)) return 'Every day';
  const parts: string[] = [];
  for (let i = 0; i < WEEK.length; i++) {
    if (!chosen[i]) continue;
    let last = i;
    while (last + 1 < WEEK.length && chosen[last + 1]) last++;
    const first = WEEK[i] as Weekday;
    const end = WEEK[last] as Weekday;
    if (last - i >= 2) parts.push(`${SHORT[first]}–${SHORT[end]}`);
    else for (let j = i; j <= last; j++) parts.push(SHORT[WEEK[j] as Weekday]);
    i = last;
  }
  return parts.join(', ');
}

export const sessionTimes = (session: Pick<GroupSession, 'start' | 'end'>): string =>
  `${session.start}–${session.end}`;

/** A session's days and rules without its times, for beside them: "Mon, Wed, Fri · late after 5 min". */
export function sessionRules(session: GroupSession): string[] {
  return [
    daysInWords(session.weekdays),
    session.lateGraceMin > 0 ? `late after ${session.lateGraceMin} min` : 'late from the start',
    ...sessionDetails(session),
  ];
}

/** "Mon, Wed, Fri 09:00–10:30, late after 5 min". */
export function sessionInWords(session: GroupSession): string {
  const late = session.lateGraceMin > 0 ? `, late after ${session.lateGraceMin} min` : '';
  return `${daysInWords(session.weekdays)} ${sessionTimes(session)}${late}`;
}

/** `2025-03-10` as "Mon 10 Mar 2025", the one date format of every page. */
const shortDate = formatDay;

/** The rest of a session's rules, each in a few words; empty when none differs from the plain default. */
export function sessionDetails(session: GroupSession): string[] {
  const details: string[] = [];
  if (session.earlyExitGraceMin > 0)
    details.push(`leaving up to ${session.earlyExitGraceMin} min early is fine`);
  if (session.absentBelowMin !== null) details.push(`absent under ${session.absentBelowMin} min`);
  if (session.cameras !== null)
    details.push(`${session.cameras.length === 1 ? 'camera' : 'cameras'} ${session.cameras.join(', ')} only`);
  if (session.from !== null && session.to !== null)
    details.push(`${shortDate(session.from)} to ${shortDate(session.to)}`);
  else if (session.from !== null) details.push(`from ${shortDate(session.from)}`);
  else if (session.to !== null) details.push(`until ${shortDate(session.to)}`);
  if (session.holidays.length > 0) details.push(plural(session.holidays.length, 'holiday'));
  return details;
}

/** `2025-03-10` as "Mon 10 Mar 2025" (a calendar day: no zone moves it), the one date format of every page. */
export const longDay = formatDay;

/** The day `n` days after `day` (before, for a negative `n`). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

function parts(iso: string, timeZone: string): Record<string, string> {
  const found: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  for (const part of format.formatToParts(new Date(iso))) found[part.type] = part.value;
  return found;
}

/** The local day (`YYYY-MM-DD`) of an instant in the zone. */
export function dayIn(iso: string, timeZone: string): string {
  const p = parts(iso, timeZone);
  return `${p.year ?? ''}-${p.month ?? ''}-${p.day ?? ''}`;
}

/** The time of day of an instant in the zone: `08:14`, or `08:14:03` with seconds. */
export function timeIn(iso: string, timeZone: string, seconds = false): string {
  const p = parts(iso, timeZone);
  return `${p.hour ?? ''}:${p.minute ?? ''}${seconds ? `:${p.second ?? ''}` : ''}`;
}

/** Minutes since midnight of `HH:MM`. */
export function minutesOf(time: string): number {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  return hours * 60 + minutes;
}
