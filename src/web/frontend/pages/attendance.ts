/**
 * Attendance: a range of days (today by default) as a bar chart and a table, the CSV link, the
 * corrections in the range, and for administrators the form to make one. The table says what each
 * time is: first and last seen by any camera ("in view now" while a camera still sees the person),
 * and check-in and check-out only when cameras are tagged entry or exit, where they differ.
 */
import type {
  AttendanceAnswer,
  AttendanceRecordView,
  CorrectionAnswer,
  CorrectionView,
  PeopleAnswer,
} from '../../api-views.js';
import { ATTENDANCE_IDS as ID } from '../../page-ids.js';
import { allPages, api, json } from '../lib/api.js';
import { byId, el, errorText, maybeById, showError } from '../lib/dom.js';
import { formatDateTime, formatDay, formatDuration, formatTime, SITE_ZONE, zoneLabel } from '../lib/time.js';

const range = byId(ID.range, HTMLFormElement);
const from = byId(ID.from, HTMLInputElement);
const to = byId(ID.to, HTMLInputElement);
const today = range.dataset.today ?? '';
const MAX_DAYS = 62;
const DAY_MS = 86_400_000;

function days(a: string, b: string): string[] {
  const out: string[] = [];
  for (
    let t = Date.parse(`${a}T00:00:00Z`);
    t <= Date.parse(`${b}T00:00:00Z`) && out.length < MAX_DAYS;
    t += DAY_MS
  ) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** A day's records, and whether any camera is tagged entry or exit (from the day's first page). */
async function dayRecords(day: string): Promise<{ records: AttendanceRecordView[]; tagged: boolean }> {
  const first = await api<AttendanceAnswer>(`/api/v1/attendance?date=${day}`);
  const records = [...first.records];
  let offset = first.nextOffset;
  while (offset !== null) {
    const page = await api<AttendanceAnswer>(`/api/v1/attendance?date=${day}&offset=${offset}`);
    records.push(...page.records);
    offset = page.nextOffset;
  }
  return { records, tagged: Object.keys(first.cameraRoles).length > 0 };
}

function dayCorrections(day: string): Promise<CorrectionView[]> {
  return allPages<'corrections', CorrectionView>(`/api/v1/attendance/corrections?date=${day}`, 'corrections');
}

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string | number>>,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

function chart(counts: { day: string; count: number }[]): void {
  const width = 720;
  const height = 180;
  const pad = 24;
  const max = Math.max(1, ...counts.map((c) => c.count));
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width: '100%',
    role: 'img',
    'aria-label': 'people present per day',
  });
  const slot = (width - pad) / Math.max(1, counts.length);
  const barWidth = Math.min(slot * 0.8, 60);
  counts.forEach((c, i) => {
    const h = ((height - 2 * pad) * c.count) / max;
    const x = pad + i * slot;
    const bar = svg('rect', {
      x: x + (slot - barWidth) / 2,
      y: height - pad - h,
      width: barWidth,
      height: h,
      fill: '#3a6ea5',
      'data-day': c.day,
    });
    const title = svg('title', {});
    title.textContent = `${formatDay(c.day)}: ${c.count} present`;
    bar.append(title);
    const value = svg('text', {
      x: x + slot / 2,
      y: height - pad - h - 4,
      'text-anchor': 'middle',
      'font-size': '12',
    });
    value.textContent = String(c.count);
    const label = svg('text', { x: x + slot / 2, y: height - 6, 'text-anchor': 'middle', 'font-size': '11' });
    // "Mon 30" under a bar, the day of the month alone when there are many.
    const [weekday = '', date = ''] = formatDay(c.day).split(' ');
    label.textContent = counts.length > 14 ? date : `${weekday} ${date}`;
    root.append(bar, value, label);
  });
  root.append(svg('line', { x1: pad, x2: width, y1: height - pad, y2: height - pad, stroke: '#555' }));
  byId(ID.chart, HTMLElement).replaceChildren(root);
}

function lastSeenCell(r: AttendanceRecordView): HTMLTableCellElement {
  if (!r.inView) return el('td', { class: 'last-seen' }, formatTime(r.lastSeen));
  return el(
    'td',
    { class: 'last-seen', title: `last sighting ${formatTime(r.lastSeen, { seconds: true })}` },
    el('span', { class: 'dot dot-online', 'aria-hidden': 'true' }),
    'in view now',
  );
}

const hiddenUnless = (shown: boolean): Record<string, string> => (shown ? {} : { hidden: '' });

/** Which of the columns that are not always there show: the day (over a range), check-in and check-out. */
interface Shown {
  day: boolean;
  tagged: boolean;
}

function recordRow(r: AttendanceRecordView, shown: Shown): HTMLTableRowElement {
  const checkOut = r.checkOut !== null ? formatTime(r.checkOut) : r.inView ? 'not yet: in view' : '—';
  return el(
    'tr',
    { 'data-person': r.person.name, ...(r.inView ? { 'data-in-view': '' } : {}) },
    el('td', { class: 'day', ...hiddenUnless(shown.day) }, formatDay(r.day)),
    el('td', {}, r.person.name),
    el('td', { class: 'first-seen' }, formatTime(r.firstSeen)),
    lastSeenCell(r),
    el('td', { class: 'check-in', ...hiddenUnless(shown.tagged) }, formatTime(r.checkIn)),
    el('td', { class: 'check-out', ...hiddenUnless(shown.tagged) }, checkOut),
    el(
      'td',
      { class: 'time-present', ...(r.timePresentS === null ? { title: 'not known for this record' } : {}) },
      formatDuration(r.timePresentS),
    ),
    el('td', { class: 'visits' }, r.visits ?? '—'),
    el('td', { class: 'sightings' }, r.sightings),
    el('td', {}, r.lastCamera === r.camera ? r.camera : `${r.camera} → ${r.lastCamera}`),
    el('td', { class: 'note' }, r.corrected ? 'corrected' : ''),
  );
}

function correctionRow(c: CorrectionView): HTMLTableRowElement {
  const change = c.present ? `present ${formatTime(c.firstSeen)}–${formatTime(c.lastSeen)}` : 'absent';
  return el(
    'tr',
    { 'data-person': c.person.name ?? c.person.id },
    el('td', {}, formatDay(c.day)),
    el('td', {}, c.person.name ?? '(deleted)'),
    el('td', { class: 'change' }, change),
    el('td', { class: 'reason' }, c.reason),
    el('td', {}, c.by),
    el('td', {}, formatDateTime(c.at)),
  );
}

async function show(): Promise<void> {
  if (to.value < from.value) to.value = from.value;
  const list = days(from.value, to.value);
  const last = list.at(-1);
  if (last !== undefined) to.value = last;
  byId(ID.csv, HTMLAnchorElement).setAttribute(
    'href',
    `/api/v1/attendance.csv?from=${from.value}&to=${to.value}`,
  );
  try {
    const perDay = await Promise.all(list.map(dayRecords));
    chart(list.map((day, i) => ({ day, count: perDay[i]?.records.length ?? 0 })));
    // Check-in and check-out differ from first and last seen only with entry or exit cameras.
    const tagged = perDay.some((d) => d.tagged);
    // One day is named in the range above: a column repeating it would push the times off a phone.
    const shown = { day: list.length > 1, tagged };
    byId(ID.dayHead, HTMLElement).hidden = !shown.day;
    byId(ID.checkInHead, HTMLElement).hidden = !tagged;
    byId(ID.checkOutHead, HTMLElement).hidden = !tagged;
    const label = zoneLabel();
    const zone = label === SITE_ZONE ? label : `${SITE_ZONE} (${label})`;
    const which = shown.day ? '' : `${formatDay(list[0] ?? today)}. `;
    byId(ID.zoneNote, HTMLElement).textContent = tagged
      ? `${which}Times in ${zone}. Check-in and check-out follow the entry and exit cameras.`
      : `${which}Times in ${zone}.`;
    const rows = perDay.flatMap((d) => d.records.map((r) => recordRow(r, shown)));
    byId(ID.records, HTMLTableSectionElement).replaceChildren(...rows);
    byId(ID.recordsEmpty, HTMLElement).hidden = rows.length > 0;
    const corrections = (await Promise.all(list.map(dayCorrections))).flat();
    byId(ID.corrections, HTMLTableSectionElement).replaceChildren(...corrections.map(correctionRow));
    byId(ID.correctionsEmpty, HTMLElement).hidden = corrections.length > 0;
    showError(ID.error, null);
  } catch (error) {
    showError(ID.error, error);
  }
}

// Administrators get the correction form; it lists the people to choose from.
const correct = maybeById(ID.correct, HTMLFormElement);
if (correct) {
  const who = byId(ID.correctPerson, HTMLSelectElement);
  const present = byId(ID.correctPresent, HTMLSelectElement);
  const checkIn = byId(ID.correctIn, HTMLInputElement);
  const checkOut = byId(ID.correctOut, HTMLInputElement);
  const reason = byId(ID.correctReason, HTMLInputElement);
  const toggleTimes = () => {
    for (const t of [checkIn, checkOut]) t.disabled = present.value !== 'true';
  };
  present.addEventListener('change', toggleTimes);
  (async () => {
    const people = await allPages<'people', PeopleAnswer['people'][number]>('/api/v1/people', 'people');
    people.sort((a, b) => a.name.localeCompare(b.name));
    who.replaceChildren(...people.map((p) => el('option', { value: p.id }, p.name)));
  })().catch((error: unknown) => {
    showError(ID.error, error);
  });
  correct.addEventListener('submit', (event) => {
    event.preventDefault();
    const state = byId(ID.correctState, HTMLElement);
    const isPresent = present.value === 'true';
    const day = byId(ID.correctDay, HTMLInputElement).value;
    const body = {
      personId: who.value,
      day,
      present: isPresent,
      reason: reason.value,
      ...(isPresent ? { checkIn: checkIn.value, checkOut: checkOut.value } : {}),
    };
    void (async () => {
      try {
        await api<CorrectionAnswer>('/api/v1/attendance/corrections', json('POST', body));
        state.className = 'ok';
        state.textContent = `Saved: ${who.selectedOptions[0]?.textContent ?? ''} ${isPresent ? 'present' : 'absent'} on ${day}.`;
        reason.value = '';
        await show();
      } catch (error) {
        state.className = 'error';
        state.textContent = errorText(error);
      }
    })();
  });
}

range.addEventListener('submit', (event) => {
  event.preventDefault();
  void show();
});
byId(ID.today, HTMLButtonElement).addEventListener('click', () => {
  from.value = to.value = today;
  void show();
});
void show();
// Today's list grows while people arrive.
setInterval(() => {
  if (to.value === today && document.visibilityState === 'visible') void show();
}, 15000);
