/**
 * A person's attendance history on their page: a month calendar with a mark per session on each
 * day (present, late, left early, absent, excused; a day with no session is left plain), the
 * attendance rate per group over the month shown, and a legend. Each mark has a letter as well
 * as a colour, and its words for screen readers. Read from `GET /api/v1/reports/people/:id`, a
 * month at a time; the month opened first is today's in the attendance zone.
 */
import type { PersonHistoryAnswer, SessionRecord, SessionStatus } from '../../api-views.js';
import { api } from '../lib/api.js';
import { el, errorText } from '../lib/dom.js';
import { addDays, longDay, STATUS_LABELS } from '../lib/schedule.js';

/** The letter on each mark: the colour alone says nothing to some. */
export const STATUS_LETTERS: Record<SessionStatus, string> = {
  present: 'P',
  late: 'L',
  'left-early': 'E',
  absent: 'A',
  excused: 'X',
  expected: '·',
};

/** The legend's order: who came, then who did not. */
const LEGEND: readonly SessionStatus[] = ['present', 'late', 'left-early', 'absent', 'excused', 'expected'];
const LEGEND_WORDS: Record<SessionStatus, string> = { ...STATUS_LABELS, expected: 'To come' };
const WEEKDAY_HEADS = [
  ['Mon', 'Monday'],
  ['Tue', 'Tuesday'],
  ['Wed', 'Wednesday'],
  ['Thu', 'Thursday'],
  ['Fri', 'Friday'],
  ['Sat', 'Saturday'],
  ['Sun', 'Sunday'],
] as const;

// ---- days and months: the only formatting this module does ----

/** `2025-03` as "March 2025". */
function monthName(month: string): string {
  return new Date(`${month}-15T12:00:00Z`).toLocaleDateString([], {
    timeZone: 'UTC',
    month: 'long',
    year: 'numeric',
  });
}

const firstOf = (month: string): string => `${month}-01`;
/** The last day of `month` (`YYYY-MM`). */
const lastOf = (month: string): string => addDays(firstOf(shiftMonth(month, 1)), -1);

function shiftMonth(month: string, by: number): string {
  const [year = 1970, number = 1] = month.split('-').map(Number);
  const index = year * 12 + (number - 1) + by;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** 0 for Monday … 6 for Sunday. */
const weekdayIndex = (day: string): number => (new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7;

const percent = (rate: number): string => `${Math.round(rate * 100)}%`;

// ---- the widget ----

export class HistoryCalendar {
  readonly root: HTMLElement;
  private readonly heading = el('h2', { id: 'history-title' }, 'Attendance history');
  private readonly monthText = el('p', { class: 'history-month', 'aria-live': 'polite' });
  private readonly previous = el(
    'button',
    { type: 'button', class: 'small', 'aria-label': 'Previous month' },
    '‹',
  );
  private readonly next = el('button', { type: 'button', class: 'small', 'aria-label': 'Next month' }, '›');
  private readonly current = el('button', { type: 'button', class: 'small' }, 'This month');
  private readonly error = el('p', { class: 'error', role: 'alert', hidden: '' });
  private readonly rates = el('ul', { class: 'history-rates', 'aria-label': 'Attendance rate per group' });
  private readonly table = el('table', { class: 'history-calendar' });
  private readonly empty = el('p', { class: 'empty', hidden: '' });
  private month = '';
  private today = '';
  private reads = 0;

  constructor(private readonly personId: string) {
    const legend = el(
      'ul',
      { class: 'history-legend', 'aria-label': 'Legend' },
      ...LEGEND.map((status) => el('li', {}, mark(status), ` ${LEGEND_WORDS[status]}`)),
      el(
        'li',
        {},
        el('span', { class: 'history-mark mark-none', 'aria-hidden': 'true' }),
        ' Plain day: no session',
      ),
    );
    this.root = el(
      'section',
      { class: 'history', 'aria-labelledby': 'history-title' },
      el(
        'div',
        { class: 'card-head history-head' },
        this.heading,
        el('div', { class: 'history-nav' }, this.previous, this.monthText, this.next, this.current),
      ),
      this.error,
      this.rates,
      this.empty,
      el(
        'div',
        { class: 'history-wrap', role: 'region', 'aria-label': 'Calendar', tabindex: '0' },
        this.table,
      ),
      legend,
    );
    this.previous.addEventListener('click', () => {
      this.show(shiftMonth(this.month, -1));
    });
    this.next.addEventListener('click', () => {
      this.show(shiftMonth(this.month, 1));
    });
    this.current.addEventListener('click', () => {
      this.show(this.today.slice(0, 7));
    });
  }

  /** Reads today's day in the attendance zone, then shows its month. */
  async start(): Promise<void> {
    try {
      const answer = await api<PersonHistoryAnswer>(this.path());
      this.today = answer.today;
      await this.load(answer.today.slice(0, 7));
    } catch (error) {
      this.fail(error);
    }
  }

  private show(month: string): void {
    this.load(month).catch((error: unknown) => {
      this.fail(error);
    });
  }

  private async load(month: string): Promise<void> {
    const read = ++this.reads;
    this.month = month;
    this.monthText.textContent = monthName(month);
    const answer = await api<PersonHistoryAnswer>(this.path(firstOf(month), lastOf(month)));
    if (read !== this.reads) return;
    this.today = answer.today;
    this.error.hidden = true;
    this.render(answer);
  }

  private fail(error: unknown): void {
    this.error.textContent = `The history could not be read: ${errorText(error)}`;
    this.error.hidden = false;
  }

  private path(from?: string, to?: string): string {
    const base = `/api/v1/reports/people/${encodeURIComponent(this.personId)}`;
    return from === undefined || to === undefined ? base : `${base}?from=${from}&to=${to}`;
  }

  private render(answer: PersonHistoryAnswer): void {
    this.current.disabled = this.month === answer.today.slice(0, 7);
    this.root.dataset.month = this.month;
    this.rates.replaceChildren(
      ...answer.groups.map((g) => {
        const rate =
          g.rate === null
            ? 'nothing counted yet'
            : `${percent(g.rate)} (${g.counts.present + g.counts.late + g.counts['left-early']} of ${g.counted} sessions)`;
        const below =
          g.belowMinimum && g.group.minAttendanceRate !== null
            ? el(
                'strong',
                { class: 'history-below' },
                ` ⚠ below the ${percent(g.group.minAttendanceRate)} minimum`,
              )
            : '';
        return el(
          'li',
          { 'data-group': g.group.id },
          el('a', { href: `/groups/${encodeURIComponent(g.group.id)}` }, g.group.name),
          `: ${rate}`,
          below,
        );
      }),
    );
    this.rates.hidden = answer.groups.length === 0;
    this.empty.hidden = answer.groups.length > 0;
    this.empty.textContent =
      'Not a member of any group: there are no sessions to show. Add them to a group on its page under Groups.';
    this.renderMonth(answer);
  }

  private renderMonth(answer: PersonHistoryAnswer): void {
    const byDay = new Map<string, SessionRecord[]>();
    for (const record of answer.records) byDay.set(record.day, [...(byDay.get(record.day) ?? []), record]);
    const head = el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...WEEKDAY_HEADS.map(([short, long]) =>
          el('th', { scope: 'col' }, el('abbr', { title: long }, short)),
        ),
      ),
    );
    const rows: HTMLTableRowElement[] = [];
    let row = el('tr');
    for (let i = 0; i < weekdayIndex(answer.from); i++) row.append(el('td', { class: 'outside' }));
    for (let day = answer.from; day <= answer.to; day = addDays(day, 1)) {
      row.append(this.dayCell(day, byDay.get(day) ?? [], answer.today));
      if (row.children.length === 7) {
        rows.push(row);
        row = el('tr');
      }
    }
    if (row.children.length > 0) {
      while (row.children.length < 7) row.append(el('td', { class: 'outside' }));
      rows.push(row);
    }
    this.table.replaceChildren(
      el('caption', { class: 'visually-hidden' }, `Sessions in ${monthName(this.month)}`),
      head,
      el('tbody', {}, ...rows),
    );
  }

  private dayCell(day: string, records: readonly SessionRecord[], today: string): HTMLTableCellElement {
    const words =
      records.length === 0
        ? 'no session'
        : records
            .map(
              (r) =>
                `${r.group.name} ${r.session.start}–${r.session.end}: ${LEGEND_WORDS[r.status].toLowerCase()}`,
            )
            .join('; ');
    const cell = el(
      'td',
      { 'data-day': day, class: day === today ? 'today' : '' },
      el('span', { class: 'history-day', 'aria-hidden': 'true' }, String(Number(day.slice(8)))),
      el('span', { class: 'visually-hidden' }, `${longDay(day)}${day === today ? ' (today)' : ''}: ${words}`),
      el('span', { class: 'history-marks', 'aria-hidden': 'true' }, ...records.map((r) => mark(r.status))),
    );
    cell.dataset.statuses = records.map((r) => r.status).join(' ');
    if (records.length === 0) cell.classList.add('no-session');
    // The words on hover too, for sighted users who do not know the letters yet.
    if (records.length > 0) cell.title = words;
    return cell;
  }
}

function mark(status: SessionStatus): HTMLElement {
  return el('span', { class: `history-mark mark-${status}`, 'aria-hidden': 'true' }, STATUS_LETTERS[status]);
}

/** Puts the calendar at the end of `parent` and starts it. */
export function mountHistoryCalendar(parent: HTMLElement, personId: string): HistoryCalendar {
  const calendar = new HistoryCalendar(personId);
  parent.append(calendar.root);
  void calendar.start();
  return calendar;
}
