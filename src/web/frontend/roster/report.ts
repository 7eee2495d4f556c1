/**
 * A group's attendance report on its roster page: a range of days (this month so far at first;
 * presets for this week and this month), the members under the group's minimum attendance rate,
 * each member's counts and rate, and the CSV and XLSX downloads of the same range. Read from
 * `GET /api/v1/reports/groups/:id`; the download links follow the range.
 */
import type { GroupReportAnswer, MemberSummary } from '../../api-views.js';
import { ROSTER_IDS as ID } from '../../page-ids.js';
import { api } from '../lib/api.js';
import { byId, el, showError } from '../lib/dom.js';
import { addDays, plural } from '../lib/schedule.js';
import { formatDay } from '../lib/time.js';

// ---- the words for days, rates and counts: the only formatting this module does ----

const rangeWords = (from: string, to: string): string =>
  from === to ? formatDay(from) : `${formatDay(from)} to ${formatDay(to)}`;

const percent = (rate: number): string => `${Math.round(rate * 100)}%`;

const attended = (m: MemberSummary): number => m.counts.present + m.counts.late + m.counts['left-early'];

/** "75% (3 of 4 sessions)", or a dash when no session counted yet. */
const rateWords = (m: MemberSummary): string =>
  m.rate === null ? '—' : `${percent(m.rate)} (${attended(m)} of ${plural(m.counted, 'session')})`;

// ---- ranges ----

/** Monday to Sunday of the week `day` is in. */
function weekOf(day: string): { from: string; to: string } {
  const back = (new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7;
  const from = addDays(day, -back);
  return { from, to: addDays(from, 6) };
}

function monthOf(day: string): { from: string; to: string } {
  const from = `${day.slice(0, 8)}01`;
  const [year = 1970, month = 1] = day.split('-').map(Number);
  const next =
    month === 12
      ? `${String(year + 1).padStart(4, '0')}-01-01`
      : `${day.slice(0, 5)}${String(month + 1).padStart(2, '0')}-01`;
  return { from, to: addDays(next, -1) };
}

// ---- the section ----

export interface GroupReportView {
  /** Reads the report again: after the group (its minimum, its members) changed. */
  reload(): Promise<void>;
}

export function startReport(groupId: string, admin: boolean): GroupReportView {
  const base = `/api/v1/reports/groups/${encodeURIComponent(groupId)}`;
  const fromInput = byId(ID.reportFrom, HTMLInputElement);
  const toInput = byId(ID.reportTo, HTMLInputElement);
  const csv = byId(ID.reportCsv, HTMLAnchorElement);
  const xlsx = byId(ID.reportXlsx, HTMLAnchorElement);
  const below = byId(ID.reportBelow, HTMLElement);
  const minimum = byId(ID.reportMinimum, HTMLElement);
  const body = byId(ID.reportTable, HTMLTableElement).tBodies[0] ?? el('tbody');
  const empty = byId(ID.reportEmpty, HTMLElement);
  /** Today in the attendance zone, as the page was served; the reports say it again. */
  let today = toInput.value;
  let reads = 0;

  function links(from: string, to: string): void {
    const query = `?from=${from}&to=${to}`;
    csv.href = `${base}.csv${query}`;
    xlsx.href = `${base}.xlsx${query}`;
  }

  function render(report: GroupReportAnswer): void {
    today = report.today;
    const range = rangeWords(report.from, report.to);
    byId(ID.reportRangeText, HTMLElement).textContent = range;
    const min = report.group.minAttendanceRate;
    const under = report.members.filter((m) => m.belowMinimum);
    below.hidden = under.length === 0;
    below.replaceChildren();
    if (under.length > 0 && min !== null)
      below.append(
        el(
          'p',
          {},
          el('strong', {}, `⚠ ${plural(under.length, 'member')} below the ${percent(min)} minimum`),
          ` over ${range}:`,
        ),
        el(
          'ul',
          {},
          ...under.map((m) =>
            el('li', { 'data-person': m.person.id }, el('strong', {}, m.person.name), ` — ${rateWords(m)}`),
          ),
        ),
      );
    minimum.textContent =
      min === null
        ? `No minimum attendance is set for this group.${admin ? ' Set one under “Manage this group” to flag members below it.' : ''}`
        : under.length === 0
          ? `Everyone with sessions counted meets the ${percent(min)} minimum over this range.`
          : `The group's minimum attendance is ${percent(min)}.`;
    body.replaceChildren(
      ...report.members.map((m) =>
        el(
          'tr',
          { 'data-person': m.person.id, class: m.belowMinimum ? 'below-minimum' : '' },
          el('th', { scope: 'row' }, m.person.name),
          el('td', {}, String(m.counts.present)),
          el('td', {}, String(m.counts.late)),
          el('td', {}, String(m.counts['left-early'])),
          el('td', {}, String(m.counts.absent)),
          el('td', {}, String(m.counts.excused)),
          el('td', {}, rateWords(m), m.belowMinimum ? el('strong', { class: 'below-mark' }, ' ⚠ below') : ''),
        ),
      ),
    );
    empty.hidden = report.members.length > 0;
    empty.textContent = 'No members yet: the report lists each member once the group has some.';
  }

  async function load(): Promise<void> {
    const from = fromInput.value;
    const to = toInput.value;
    if (from === '' || to === '') return;
    if (to < from) {
      showError(ID.reportError, new Error('The last day is before the first: choose a later “To”.'));
      return;
    }
    links(from, to);
    const read = ++reads;
    try {
      const report = await api<GroupReportAnswer>(`${base}?from=${from}&to=${to}`);
      if (read !== reads) return;
      showError(ID.reportError, null);
      render(report);
    } catch (error) {
      if (read === reads) showError(ID.reportError, error);
    }
  }

  const choose = (range: { from: string; to: string }): void => {
    fromInput.value = range.from;
    toInput.value = range.to;
    void load();
  };
  byId(ID.reportWeek, HTMLButtonElement).addEventListener('click', () => {
    choose(weekOf(today));
  });
  byId(ID.reportMonth, HTMLButtonElement).addEventListener('click', () => {
    choose(monthOf(today));
  });
  byId(ID.reportRange, HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  fromInput.addEventListener('change', () => void load());
  toInput.addEventListener('change', () => void load());
  void load();
  return { reload: load };
}
