/**
 * A group's roster board: for the day chosen (today in the attendance zone by default, `?date=`
 * otherwise), a card per session that runs that day with "N of M present", the counts by status,
 * and the members grouped as not arrived or absent, late, left early, present and excused, with
 * their arrival and departure in the attendance zone. A search box and a status filter narrow the
 * members. Today's board is read again every 10 seconds; cards and rows are kept and updated in
 * place, so nothing flickers and the focus stays (`roster/session-card.ts`). Administrators also
 * excuse a member's session (a dialog asks the reason) and manage the group below the board
 * (`roster/manage.ts`).
 */
import type {
  ExcuseAnswer,
  GroupAnswer,
  GroupDetail,
  RosterAnswer,
  RosterEntry,
  SessionStatus,
} from '../../api-views.js';
import { ROSTER_IDS as ID } from '../../page-ids.js';
import { api, json } from '../lib/api.js';
import { byId, errorText, keepingFocus, maybeById, setText, showError } from '../lib/dom.js';
import { addDays, dayIn, longDay, sessionInWords, sessionTimes } from '../lib/schedule.js';
import { formatTime } from '../lib/time.js';
import { startManaging } from '../roster/manage.js';
import { startReport } from '../roster/report.js';
import { SessionCard } from '../roster/session-card.js';

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
const report = startReport(groupId, admin);

/** The day asked for; null: today, whatever day that is when the board is read. */
let asked: string | null = new URLSearchParams(location.search).get('date');
let roster: RosterAnswer | null = null;
let group: GroupDetail | null = null;
/** Each read takes the next number; an answer older than the one shown is dropped. */
let reads = 0;
let shownRead = 0;

const today = (answer: RosterAnswer): string => dayIn(answer.at, answer.timeZone);

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
      ? `Live · updated ${formatTime(answer.at, { timeZone: answer.timeZone, seconds: true })}`
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
        card = new SessionCard(entry.session.id, admin ? openExcuse : null);
        cards.set(entry.session.id, card);
      }
      card.update(entry, answer, { name: search.value, status: statusFilter.value as SessionStatus | '' });
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
  await Promise.all([loadGroup(), loadRoster(), report.reload()]);
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
