/**
 * One session's card on the roster board: its times and rules, where it stands (not begun, running,
 * over), "N of M present" with a bar, chips with the counts, and the members grouped by status.
 * Cards and rows are kept and updated in place (text set only when it changed), and a row moves
 * between the status groups as its member's status changes: a refresh neither flickers nor takes
 * the focus from a row's button.
 */
import type { RosterAnswer, RosterEntry, RosterSession, SessionStatus } from '../../api-views.js';
import { el, setText } from '../lib/dom.js';
import {
  dayIn,
  minutesOf,
  sessionRules,
  sessionTimes,
  STATUS_LABELS,
  STATUS_ORDER,
  timeIn,
} from '../lib/schedule.js';
import { formatTime } from '../lib/time.js';

/** What the board's Excuse button does for a member's session. */
export type ExcuseHandler = (entry: RosterEntry, sessionId: string) => void;

/** The board's search box and status filter. */
export interface MemberFilter {
  name: string;
  status: SessionStatus | '';
}

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
    const arrivedText = formatTime(entry.arrivedAt, { timeZone: zone });
    parts.push(
      entry.late && lateBy > 0 ? `Arrived ${arrivedText}, ${lateBy} min late` : `Arrived ${arrivedText}`,
    );
    if (entry.leftAt !== null) {
      const left = timeIn(entry.leftAt, zone);
      const earlyBy = minutesBetween(left, session.end);
      const leftText = formatTime(entry.leftAt, { timeZone: zone });
      parts.push(
        entry.leftEarly && earlyBy > 0 ? `left ${leftText}, ${earlyBy} min early` : `left ${leftText}`,
      );
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
    onExcuse: ExcuseHandler | null,
  ) {
    this.item = el(
      'li',
      { class: 'member', 'data-person': personId, tabindex: '-1' },
      el('span', { class: 'member-who' }, this.name, this.detail, this.excuseNote),
    );
    this.excuseButton =
      onExcuse === null ? null : el('button', { type: 'button', class: 'small excuse' }, 'Excuse');
    if (this.excuseButton && onExcuse !== null) {
      this.item.append(this.excuseButton);
      this.excuseButton.addEventListener('click', () => {
        if (this.entry) onExcuse(this.entry, this.sessionId);
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

/** The chips under the figure: how many members have each status but present, in this order. */
const CHIPS: readonly SessionStatus[] = ['late', 'left-early', 'absent', 'excused', 'expected'];

export class SessionCard {
  readonly root: HTMLElement;
  private readonly title: HTMLHeadingElement;
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

  /** @param onExcuse - what an Excuse button does; null: no such button (a viewer's board). */
  constructor(
    private readonly sessionId: string,
    private readonly onExcuse: ExcuseHandler | null,
  ) {
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
    this.title = el('h2', { id: headingId, class: 'session-title' });
    this.bar.setAttribute('aria-labelledby', `${headingId}-figure`);
    this.root.append(
      el('div', { class: 'session-head' }, this.title, this.state),
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

  /** Shows the session as `answer` has it, its members narrowed by `filter`. */
  update(entry: RosterSession, answer: RosterAnswer, filter: MemberFilter): void {
    const { session } = entry;
    setText(this.title, sessionTimes(session));
    const day = answer.day;
    const now = dayIn(answer.at, answer.timeZone);
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
    const query = filter.name.trim().toLocaleLowerCase();
    const only = filter.status;
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
          row = new MemberRow(e.person.id, this.sessionId, this.onExcuse);
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
