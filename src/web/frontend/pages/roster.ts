/**
 * A group's roster board: for the day chosen (today in the attendance zone by default, `?date=`
 * otherwise), a card per session that runs that day with "N of M present", the counts by status,
 * and the members grouped as not arrived or absent, late, left early, present and excused, with
 * their arrival and departure in the attendance zone. A search box and a status filter narrow the
 * members. Today's board is read again every 10 seconds; cards and rows are kept and updated in
 * place, so nothing flickers and the focus stays. Administrators also excuse a member's session
 * (a dialog asks the reason) and manage the group below the board (`roster/manage.ts`).
 */
import type {
  ExcuseAnswer,
  GroupAnswer,
  GroupDetail,
  RosterAnswer,
  RosterEntry,
  RosterSession,
  SessionStatus,
} from '../../api-views.js';
import { ROSTER_IDS as ID } from '../../page-ids.js';
import { api, json } from '../lib/api.js';
import { byId, el, errorText, keepingFocus, maybeById, setText, showError } from '../lib/dom.js';
import {
  addDays,
  dayIn,
  longDay,
  minutesOf,
  sessionInWords,
  sessionRules,
  sessionTimes,
  STATUS_LABELS,
  STATUS_ORDER,
  timeIn,
} from '../lib/schedule.js';
import { startManaging } from '../roster/manage.js';

const REFRESH_MS = 10_000;

const board = byId(ID.board, HTMLElement);
const groupId = board.dataset.group ?? '';
const admin = board.dataset.admin === 'yes';
const dayInput = byId(ID.day, HTMLInputElement);
const search = byId(ID.search, HTMLInputElement);
const statusFilter = byId(ID.status, HTMLSelectElement);
const sessionsBox = byId(ID.sessions, HTMLElement);
const none = byId(ID.none, HTMLElement);
const groupPath = `/api/v1/groups/${encodeURIComponent(groupId)}`;

/** The day asked for; null: today, whatever day that is when the board is read. */
let asked: string | null = new URLSearchParams(location.search).get('date');
let roster: RosterAnswer | null = null;
let group: GroupDetail | null = null;
/** Each read takes the next number; an answer older than the one shown is dropped. */
let reads = 0;
let shownRead = 0;

const today = (answer: RosterAnswer): string => dayIn(answer.at, answer.timeZone);

// ---- one member's row ----

/** Minutes from `from` to `to` (`HH:MM`), for "7 min late". */
const minutesBetween = (from: string, to: string): number => minutesOf(to) - minutesOf(from);

/** What a row says under the name: when they came and went, and for how long. */
function detailOf(
  entry: RosterEntry,
  session: RosterSession['session'],
  running: boolean,
  zone: string,
): string {
  const parts: string[] = [];
  if (entry.arrivedAt === null) {
    parts.push(entry.status === 'expected' ? `Expected at ${session.start}` : 'Not seen');
  } else {
    const arrived = timeIn(entry.arrivedAt, zone);
    const lateBy = minutesBetween(session.start, arrived);
    parts.push(entry.late && lateBy > 0 ? `Arrived ${arrived}, ${lateBy} min late` : `Arrived ${arrived}`);
    if (entry.leftAt !== null) {
      const left = timeIn(entry.leftAt, zone);
      const earlyBy = minutesBetween(left, session.end);
      parts.push(entry.leftEarly && earlyBy > 0 ? `left ${left}, ${earlyBy} min early` : `left ${left}`);
    } else if (running) {
      parts.push('still here');
    }
    parts.push(`${entry.minutesPresent} min present`);
    if (entry.status === 'absent' && session.absentBelowMin !== null)
      parts.push(`under the ${session.absentBelowMin} min needed`);
  }
  return parts.join(' · ');
}

class MemberRow {
  readonly item: HTMLLIElement;
  private readonly name = el('strong', { class: 'member-name' });
  private readonly detail = el('span', { class: 'member-detail muted' });
  private readonly excuseNote = el('span', { class: 'member-excuse' });
  private readonly excuseButton: HTMLButtonElement | null;
  private entry: RosterEntry | null = null;

  constructor(
    personId: string,
    private readonly sessionId: string,
  ) {
    this.item = el(
      'li',
      { class: 'member', 'data-person': personId, tabindex: '-1' },
      el('span', { class: 'member-who' }, this.name, this.detail, this.excuseNote),
    );
    this.excuseButton = admin ? el('button', { type: 'button', class: 'small excuse' }, 'Excuse') : null;
    if (this.excuseButton) {
      this.item.append(this.excuseButton);
      this.excuseButton.addEventListener('click', () => {
        if (this.entry) openExcuse(this.entry, this.sessionId);
      });
    }
  }

  update(entry: RosterEntry, session: RosterSession['session'], running: boolean, zone: string): void {
    this.entry = entry;
    this.item.dataset.status = entry.status;
    setText(this.name, entry.person.name);
    setText(this.detail, detailOf(entry, session, running, zone));
    this.excuseNote.hidden = entry.excuse === null;
    setText(this.excuseNote, entry.excuse ? `Excused: ${entry.excuse.reason} (by ${entry.excuse.by})` : '');
    if (this.excuseButton) {
      // Excusing is for a session missed, or not sat through: not for one attended in full.
      this.excuseButton.hidden = entry.status === 'excused' || entry.status === 'present';
      this.excuseButton.setAttribute(
        'aria-label',
        `Excuse ${entry.person.name} from ${sessionTimes(session)}`,
      );
    }
  }
}

// ---- one session's card ----

/** The chips under the figure: how many members have each status but present, in this order. */
const CHIPS: readonly SessionStatus[] = ['late', 'left-early', 'absent', 'excused', 'expected'];

class SessionCard {
  readonly root: HTMLElement;
  private readonly state = el('span', { class: 'session-state' });
  private readonly rules = el('p', { class: 'muted session-rules' });
  private readonly figure = el('strong', { class: 'roster-arrived' });
  private readonly outOf = el('span', { class: 'roster-of' });
  private readonly bar = el('progress', { class: 'roster-bar', max: '1', value: '0' });
  private readonly chips = el('ul', { class: 'chips' });
  private readonly groups = new Map<
    SessionStatus,
    { box: HTMLElement; count: HTMLElement; list: HTMLElement }
  >();
  private readonly rows = new Map<string, MemberRow>();
  private readonly noMatch = el('p', { class: 'empty' }, 'No member matches.');

  constructor(private readonly sessionId: string) {
    const headingId = `session-${sessionId}`;
    this.root = el('section', {
      class: 'roster-session',
      'data-session': sessionId,
      'aria-labelledby': headingId,
    });
    const columns = el('div', { class: 'roster-columns' });
    for (const status of STATUS_ORDER) {
      const count = el('span', { class: 'count' });
      const list = el('ul', { class: 'members', 'aria-label': STATUS_LABELS[status] });
      const box = el(
        'div',
        { class: 'status-group', 'data-status': status },
        el('h3', {}, STATUS_LABELS[status], count),
        list,
      );
      this.groups.set(status, { box, count, list });
      columns.append(box);
    }
    this.bar.setAttribute('aria-labelledby', `${headingId}-figure`);
    this.root.append(
      el('div', { class: 'session-head' }, el('h2', { id: headingId, class: 'session-title' }), this.state),
      this.rules,
      el(
        'div',
        { class: 'roster-figure' },
        el('p', { id: `${headingId}-figure`, class: 'roster-big' }, this.figure, ' ', this.outOf),
        this.bar,
      ),
      this.chips,
      columns,
      this.noMatch,
    );
  }

  update(entry: RosterSession, answer: RosterAnswer): void {
    const { session } = entry;
    setText(this.root.querySelector('.session-title') ?? this.root, sessionTimes(session));
    const day = answer.day;
    const now = today(answer);
    const clock = minutesOf(timeIn(answer.at, answer.timeZone));
    let standing: string;
    let running = false;
    if (day < now) standing = 'Over';
    else if (day > now) standing = `Starts at ${session.start}`;
    else if (clock < minutesOf(session.start)) standing = `Starts at ${session.start}`;
    else if (clock < minutesOf(session.end)) {
      standing = `Running until ${session.end}`;
      running = true;
    } else standing = 'Over';
    setText(this.state, standing);
    this.state.dataset.running = running ? 'yes' : 'no';
    setText(this.rules, sessionRules(session).join(' · '));

    const total = entry.entries.length;
    setText(this.figure, String(entry.arrived));
    setText(this.outOf, total === 0 ? 'members: this group has nobody in it yet' : `of ${total} present`);
    this.bar.max = Math.max(total, 1);
    this.bar.value = entry.arrived;
    this.bar.hidden = total === 0;

    const chips = CHIPS.filter((status) => entry.counts[status] > 0).map((status) =>
      el(
        'li',
        { class: `chip chip-${status}` },
        `${entry.counts[status]} ${STATUS_LABELS[status].toLowerCase()}`,
      ),
    );
    if (total > 0 && entry.arrived === total)
      chips.unshift(el('li', { class: 'chip chip-present' }, 'Everyone is here'));
    const chipText = chips.map((chip) => chip.textContent).join('|');
    if (this.chips.dataset.shown !== chipText) {
      this.chips.dataset.shown = chipText;
      this.chips.replaceChildren(...chips);
    }

    // Rows: kept per person, moved between the status groups as their status changes.
    const query = search.value.trim().toLocaleLowerCase();
    const only = statusFilter.value as SessionStatus | '';
    const wanted = new Set(entry.entries.map((e) => e.person.id));
    for (const [personId, row] of this.rows) {
      if (!wanted.has(personId)) {
        row.item.remove();
        this.rows.delete(personId);
      }
    }
    let shown = 0;
    for (const status of STATUS_ORDER) {
      const slot = this.groups.get(status);
      if (!slot) continue;
      const members = entry.entries.filter((e) => e.status === status);
      const matching = members.filter(
        (e) =>
          (only === '' || only === status) &&
          (query === '' || e.person.name.toLocaleLowerCase().includes(query)),
      );
      const items = matching.map((e) => {
        let row = this.rows.get(e.person.id);
        if (!row) {
          row = new MemberRow(e.person.id, this.sessionId);
          this.rows.set(e.person.id, row);
        }
        row.update(e, session, running, answer.timeZone);
        return row.item;
      });
      const same =
        items.length === slot.list.children.length &&
        items.every((item, i) => slot.list.children[i] === item);
      if (!same) slot.list.replaceChildren(...items);
      setText(slot.count, String(members.length));
      slot.box.hidden = matching.length === 0;
      shown += matching.length;
    }
    this.noMatch.hidden = shown > 0 || total === 0;
  }
}

const cards = new Map<string, SessionCard>();

// ---- the board ----

function render(): void {
  if (!roster) return;
  const answer = roster;
  const isToday = answer.day === today(answer);
  dayInput.value = answer.day;
  setText(byId(ID.dayText, HTMLElement), `${longDay(answer.day)}${isToday ? ' · today' : ''}`);
  setText(
    byId(ID.updated, HTMLElement),
    isToday
      ? `Live · updated ${timeIn(answer.at, answer.timeZone, true)}`
      : 'Not today: the board does not refresh',
  );
  byId(ID.today, HTMLButtonElement).disabled = isToday;
  document.title = `${answer.group.name} · ${longDay(answer.day)} · Rollcall`;
  setText(byId(ID.title, HTMLElement), answer.group.name);

  keepingFocus(() => {
    const wanted = new Set(answer.sessions.map((s) => s.session.id));
    for (const [id, card] of cards) {
      if (!wanted.has(id)) {
        card.root.remove();
        cards.delete(id);
      }
    }
    const roots = answer.sessions.map((entry) => {
      let card = cards.get(entry.session.id);
      if (!card) {
        card = new SessionCard(entry.session.id);
        cards.set(entry.session.id, card);
      }
      card.update(entry, answer);
      return card.root;
    });
    const same =
      roots.length === sessionsBox.children.length &&
      roots.every((root, i) => sessionsBox.children[i] === root);
    if (!same) sessionsBox.replaceChildren(...roots);
  });

  none.hidden = answer.sessions.length > 0;
  if (answer.sessions.length === 0) {
    const sessions = group?.sessions ?? [];
    none.textContent =
      group !== null && sessions.length === 0
        ? `This group has no sessions yet, so nobody is expected.${admin ? ' Add one under “Manage this group”.' : ''}`
        : `No session of this group runs on ${longDay(answer.day)}.${
            sessions.length > 0 ? ` Its sessions: ${sessions.map(sessionInWords).join('; ')}.` : ''
          }`;
  }
}

async function loadRoster(): Promise<void> {
  const read = ++reads;
  const answer = await api<RosterAnswer>(`${groupPath}/roster${asked === null ? '' : `?date=${asked}`}`);
  if (read < shownRead) return;
  shownRead = read;
  roster = answer;
  render();
  showError(ID.error, null);
}

async function loadGroup(): Promise<void> {
  group = (await api<GroupAnswer>(groupPath)).group;
  manager?.show(group);
  render();
}

/** Reads the group and the board again: after a change an administrator made below. */
async function reloadAll(): Promise<void> {
  await Promise.all([loadGroup(), loadRoster()]);
}

function showDay(day: string | null): void {
  asked = day;
  const url = new URL(location.href);
  if (day === null) url.searchParams.delete('date');
  else url.searchParams.set('date', day);
  history.replaceState(null, '', url);
  loadRoster().catch((error: unknown) => {
    showError(ID.error, error);
  });
}

async function tick(): Promise<void> {
  try {
    const showingToday = roster === null || roster.day === today(roster);
    if (document.visibilityState === 'visible' && showingToday) await loadRoster();
  } catch (error) {
    showError(ID.error, error);
  } finally {
    setTimeout(() => void tick(), REFRESH_MS);
  }
}

dayInput.addEventListener('change', () => {
  if (dayInput.value !== '') showDay(roster && dayInput.value === today(roster) ? null : dayInput.value);
});
const step = (days: number): void => {
  if (!roster) return;
  const day = addDays(roster.day, days);
  showDay(day === today(roster) ? null : day);
};
byId(ID.previous, HTMLButtonElement).addEventListener('click', () => {
  step(-1);
});
byId(ID.next, HTMLButtonElement).addEventListener('click', () => {
  step(1);
});
byId(ID.today, HTMLButtonElement).addEventListener('click', () => {
  showDay(null);
});
byId(ID.toolbar, HTMLFormElement).addEventListener('submit', (event) => {
  event.preventDefault();
});
search.addEventListener('input', render);
statusFilter.addEventListener('change', render);

// ---- administrators: excusing a member's session ----

const dialog = maybeById(ID.excuse, HTMLDialogElement);
let excusing: { entry: RosterEntry; sessionId: string } | null = null;

function openExcuse(entry: RosterEntry, sessionId: string): void {
  if (!dialog || !roster) return;
  const session = roster.sessions.find((s) => s.session.id === sessionId)?.session;
  excusing = { entry, sessionId };
  byId(ID.excuseWho, HTMLElement).textContent =
    `${entry.person.name}, ${session ? sessionTimes(session) : ''} on ${longDay(roster.day)}. The reason is kept with the day.`;
  byId(ID.excuseReason, HTMLInputElement).value = '';
  showError(ID.excuseState, null);
  dialog.showModal();
}

if (dialog) {
  const form = byId(ID.excuseForm, HTMLFormElement);
  byId(ID.excuseCancel, HTMLButtonElement).addEventListener('click', () => {
    dialog.close();
  });
  // The row's Excuse button takes the focus back (the browser does, for a modal dialog).
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const target = excusing;
    const day = roster?.day;
    if (!target || day === undefined) return;
    const reason = byId(ID.excuseReason, HTMLInputElement).value.trim();
    const submit = form.querySelector('button[type=submit]');
    if (submit instanceof HTMLButtonElement) submit.disabled = true;
    void (async () => {
      try {
        await api<ExcuseAnswer>(
          `${groupPath}/sessions/${encodeURIComponent(target.sessionId)}/excuses`,
          json('POST', { personId: target.entry.person.id, day, reason }),
        );
        dialog.close();
        await loadRoster();
        // The row is excused now and its button gone: the focus goes to the row itself.
        document
          .querySelector<HTMLElement>(
            `.roster-session[data-session="${CSS.escape(target.sessionId)}"] .member[data-person="${CSS.escape(target.entry.person.id)}"]`,
          )
          ?.focus();
      } catch (error) {
        showError(ID.excuseState, new Error(`Not excused: ${errorText(error)}`));
      } finally {
        if (submit instanceof HTMLButtonElement) submit.disabled = false;
      }
    })();
  });
}

// ---- start ----

const manager = admin ? startManaging({ groupPath, changed: reloadAll }) : null;
void loadGroup().catch((error: unknown) => {
  showError(ID.error, error);
});
void tick();
