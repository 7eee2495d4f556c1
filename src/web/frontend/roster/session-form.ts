/**
 * A group's sessions for administrators: listed in words with Edit and Delete, and the form that
 * adds or changes one — weekdays, start and end, grace periods, the minimum time present, the
 * check-in and check-out windows, which cameras count, a date range and holidays. The server
 * renders the form with the defaults (core `SESSION_DEFAULTS`), so a new session starts from
 * `form.reset()`. What the API refuses is shown beside the form in the form's own words, with the
 * fields it names marked.
 */
import type {
  CameraRolesAnswer,
  GroupDetail,
  GroupSession,
  NodesAnswer,
  SessionAnswer,
  SessionDeletedAnswer,
  StoredGroupSession,
  Weekday,
} from '../../api-views.js';
import { ROSTER_IDS as ID } from '../../page-ids.js';
import { api, json } from '../lib/api.js';
import { byId, el, errorText, showError } from '../lib/dom.js';
import { longDay, sessionDetails, sessionInWords } from '../lib/schedule.js';

type SessionFields = Omit<GroupSession, 'weekdays'> & { weekdays: Weekday[] };

/** Each field as the form labels it, for the API's messages (which start with the field's key). */
const FIELDS: Record<keyof GroupSession, { label: string; input: string | null }> = {
  weekdays: { label: 'Days', input: null },
  start: { label: 'Starts', input: ID.sessionStart },
  end: { label: 'Ends', input: ID.sessionEnd },
  lateGraceMin: { label: 'Late after', input: ID.lateGrace },
  earlyExitGraceMin: { label: 'Early exit grace', input: ID.earlyExitGrace },
  absentBelowMin: { label: 'Absent below', input: ID.absentBelow },
  checkInWindowMin: { label: 'Check-in opens', input: ID.checkInWindow },
  checkOutWindowMin: { label: 'Check-out closes', input: ID.checkOutWindow },
  cameras: { label: 'Cameras', input: null },
  from: { label: 'First day', input: ID.sessionFrom },
  to: { label: 'Last day', input: ID.sessionTo },
  holidays: { label: 'Holidays', input: ID.holidayDay },
};

const isField = (key: string): key is keyof GroupSession => Object.hasOwn(FIELDS, key);

/**
 * The API's message in the form's words: "lateGraceMin: at most 90 minutes" reads "Late after: at
 * most 90 minutes". Also the fields it names, to mark them.
 */
export function explain(message: string): { text: string; fields: (keyof GroupSession)[] } {
  const fields: (keyof GroupSession)[] = [];
  const text = message
    .split('; ')
    .map((part) => {
      const named = /^(?:session\.)?(\w+)(?=:| must | is )/.exec(part);
      const key = named?.[1];
      if (!named || key === undefined || !isField(key)) return part;
      fields.push(key);
      return `${FIELDS[key].label}${part.slice(named[0].length)}`;
    })
    .join('; ');
  // Two sessions of a group at once: the days and times are what to change.
  if (/ overlaps /.test(message)) fields.push('weekdays', 'start', 'end');
  // The API names days by their keys (`mon, wed`): the form shows them as it labels them.
  const days = text.replace(
    /\b(sun|mon|tue|wed|thu|fri|sat)\b/g,
    (day) => day.charAt(0).toUpperCase() + day.slice(1),
  );
  return { text: days.charAt(0).toUpperCase() + days.slice(1), fields };
}

export function startSessionEditor(deps: { groupPath: string; changed: () => Promise<void> }): {
  show(group: GroupDetail): void;
} {
  const { groupPath, changed } = deps;
  const list = byId(ID.sessionList, HTMLUListElement);
  const form = byId(ID.sessionForm, HTMLFormElement);
  const title = byId(ID.sessionFormTitle, HTMLElement);
  const everyCamera = byId(ID.everyCamera, HTMLInputElement);
  const cameraBox = byId(ID.sessionCameras, HTMLElement);
  const holidayDay = byId(ID.holidayDay, HTMLInputElement);
  const holidayList = byId(ID.holidays, HTMLUListElement);
  const newButton = byId(ID.newSession, HTMLButtonElement);
  const number = (id: string) => byId(id, HTMLInputElement);

  let sessions: StoredGroupSession[] = [];
  /** The session being changed; null while adding one. */
  let editing: StoredGroupSession | null = null;
  let holidays: string[] = [];
  /** Cameras the nodes report or were tagged, and any a session names. */
  let knownCameras: string[] = [];

  function say(text: string, kind: 'muted' | 'error' = 'muted'): void {
    const box = byId(ID.sessionsState, HTMLElement);
    box.className = kind;
    box.textContent = text;
  }

  // ---- the list ----

  function showList(): void {
    const shown = JSON.stringify(sessions);
    if (list.dataset.shown === shown) return;
    list.dataset.shown = shown;
    list.replaceChildren(
      ...sessions.map((session) => {
        const words = sessionInWords(session);
        const edit = el('button', { type: 'button', class: 'small', 'aria-label': `Edit ${words}` }, 'Edit');
        const remove = el(
          'button',
          { type: 'button', class: 'small danger', 'aria-label': `Delete ${words}` },
          'Delete',
        );
        edit.addEventListener('click', () => {
          openForm(session);
        });
        remove.addEventListener('click', () => {
          void removeSession(session);
        });
        return el(
          'li',
          { 'data-session': session.id },
          el(
            'div',
            { class: 'session-words' },
            el('strong', {}, words),
            ...(sessionDetails(session).length === 0
              ? []
              : [el('span', { class: 'muted' }, sessionDetails(session).join(' · '))]),
          ),
          el('div', { class: 'session-actions' }, edit, remove),
        );
      }),
    );
    byId(ID.sessionsEmpty, HTMLElement).hidden = sessions.length > 0;
  }

  async function removeSession(session: StoredGroupSession): Promise<void> {
    const words = sessionInWords(session);
    if (!confirm(`Delete the session ${words}? Its excuses go too.`)) return;
    try {
      await api<SessionDeletedAnswer>(`${groupPath}/sessions/${encodeURIComponent(session.id)}`, {
        method: 'DELETE',
      });
      if (editing?.id === session.id) closeForm();
      say(`Deleted the session ${words}.`);
      await changed();
      newButton.focus();
    } catch (error) {
      say(`Not deleted: ${errorText(error)}`, 'error');
    }
  }

  // ---- the form ----

  function showCameras(chosen: readonly string[]): void {
    const names = [...new Set([...knownCameras, ...chosen])].sort((a, b) => a.localeCompare(b));
    cameraBox.replaceChildren(
      ...names.map((camera, i) => {
        const box = el('input', {
          type: 'checkbox',
          name: 'cameras',
          value: camera,
          id: `session-camera-${i}`,
        });
        box.checked = chosen.includes(camera);
        return el('label', { class: 'check', for: `session-camera-${i}` }, box, camera);
      }),
    );
    if (names.length === 0)
      cameraBox.append(
        el('p', { class: 'muted field-help' }, 'No camera has reported yet: every camera counts.'),
      );
    cameraBox.hidden = everyCamera.checked;
  }

  function showHolidays(): void {
    holidayList.replaceChildren(
      ...holidays.map((day) => {
        const remove = el(
          'button',
          { type: 'button', class: 'small', 'aria-label': `Remove the holiday ${longDay(day)}` },
          '✕',
        );
        remove.addEventListener('click', () => {
          holidays = holidays.filter((d) => d !== day);
          showHolidays();
          holidayDay.focus();
        });
        return el('li', { class: 'chip' }, el('span', {}, longDay(day)), remove);
      }),
    );
  }

  function markInvalid(fields: readonly (keyof GroupSession)[]): void {
    for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    for (const field of fields) {
      const id = FIELDS[field].input;
      if (id !== null) byId(id, HTMLInputElement).setAttribute('aria-invalid', 'true');
    }
    form.querySelector('fieldset.weekdays')?.classList.toggle('invalid', fields.includes('weekdays'));
    form.querySelector('fieldset.session-cameras')?.classList.toggle('invalid', fields.includes('cameras'));
  }

  function openForm(session: StoredGroupSession | null): void {
    editing = session;
    form.reset();
    markInvalid([]);
    showError(ID.sessionError, null);
    title.textContent = session ? `Change ${sessionInWords(session)}` : 'New session';
    if (session) {
      for (const box of form.querySelectorAll<HTMLInputElement>('input[name=weekdays]'))
        box.checked = session.weekdays.includes(box.value as Weekday);
      number(ID.sessionStart).value = session.start;
      number(ID.sessionEnd).value = session.end;
      number(ID.lateGrace).value = String(session.lateGraceMin);
      number(ID.earlyExitGrace).value = String(session.earlyExitGraceMin);
      number(ID.absentBelow).value = session.absentBelowMin === null ? '' : String(session.absentBelowMin);
      number(ID.checkInWindow).value = String(session.checkInWindowMin);
      number(ID.checkOutWindow).value = String(session.checkOutWindowMin);
      everyCamera.checked = session.cameras === null;
      number(ID.sessionFrom).value = session.from ?? '';
      number(ID.sessionTo).value = session.to ?? '';
    }
    holidays = session ? [...session.holidays] : [];
    showHolidays();
    showCameras(session?.cameras ?? []);
    form.hidden = false;
    form.querySelector<HTMLInputElement>('input[name=weekdays]')?.focus();
  }

  function closeForm(): void {
    form.hidden = true;
    editing = null;
  }

  /** A number of minutes as typed; blank is `blank` (the default, or none). */
  function minutes(id: string): number | null {
    const value = number(id).value.trim();
    return value === '' ? null : Number(value);
  }

  function fields(): Partial<SessionFields> {
    const weekdays = [...form.querySelectorAll<HTMLInputElement>('input[name=weekdays]:checked')].map(
      (box) => box.value as Weekday,
    );
    const cameras = [...cameraBox.querySelectorAll<HTMLInputElement>('input[name=cameras]:checked')].map(
      (box) => box.value,
    );
    const body: Partial<SessionFields> = {
      weekdays,
      start: number(ID.sessionStart).value,
      end: number(ID.sessionEnd).value,
      absentBelowMin: minutes(ID.absentBelow),
      cameras: everyCamera.checked ? null : cameras,
      from: number(ID.sessionFrom).value || null,
      to: number(ID.sessionTo).value || null,
      holidays,
    };
    // A blank grace period or window takes the default: the field is left out.
    for (const [key, id] of [
      ['lateGraceMin', ID.lateGrace],
      ['earlyExitGraceMin', ID.earlyExitGrace],
      ['checkInWindowMin', ID.checkInWindow],
      ['checkOutWindowMin', ID.checkOutWindow],
    ] as const) {
      const value = minutes(id);
      if (value !== null) body[key] = value;
    }
    return body;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = fields();
    const save = form.querySelector('button[type=submit]');
    if (save instanceof HTMLButtonElement) save.disabled = true;
    const target = editing;
    void (async () => {
      try {
        const { session } = await api<SessionAnswer>(
          target ? `${groupPath}/sessions/${encodeURIComponent(target.id)}` : `${groupPath}/sessions`,
          json(target ? 'PUT' : 'POST', body),
        );
        closeForm();
        say(`Saved: ${sessionInWords(session)}.`);
        await changed();
        list.querySelector<HTMLElement>(`li[data-session="${CSS.escape(session.id)}"] button`)?.focus();
      } catch (error) {
        const { text, fields: named } = explain(errorText(error));
        markInvalid(named);
        showError(ID.sessionError, new Error(`Not saved. ${text}${/[.!]$/.test(text) ? '' : '.'}`));
      } finally {
        if (save instanceof HTMLButtonElement) save.disabled = false;
      }
    })();
  });

  newButton.addEventListener('click', () => {
    openForm(null);
  });
  byId(ID.sessionCancel, HTMLButtonElement).addEventListener('click', () => {
    const was = editing;
    closeForm();
    (was
      ? list.querySelector<HTMLElement>(`li[data-session="${CSS.escape(was.id)}"] button`)
      : newButton
    )?.focus();
  });
  everyCamera.addEventListener('change', () => {
    cameraBox.hidden = everyCamera.checked;
  });
  byId(ID.holidayAdd, HTMLButtonElement).addEventListener('click', () => {
    const day = holidayDay.value;
    if (day === '' || holidays.includes(day)) return;
    holidays = [...holidays, day].sort();
    holidayDay.value = '';
    showHolidays();
  });

  void Promise.all([api<NodesAnswer>('/api/v1/nodes'), api<CameraRolesAnswer>('/api/v1/cameras/roles')])
    .then(([{ nodes }, { cameras }]) => {
      // Also the cameras tagged or declared that no node reports now.
      knownCameras = [
        ...new Set([
          ...nodes.flatMap((node) => node.cameras.map((c) => c.cameraId)),
          ...cameras.map((c) => c.cameraId),
        ]),
      ];
      if (!form.hidden) {
        const chosen = [...cameraBox.querySelectorAll<HTMLInputElement>('input:checked')].map((b) => b.value);
        showCameras(chosen);
      }
    })
    .catch((error: unknown) => {
      say(`The cameras could not be read: ${errorText(error)}`, 'error');
    });

  return {
    show(group) {
      sessions = group.sessions;
      knownCameras = [...new Set([...knownCameras, ...sessions.flatMap((s) => s.cameras ?? [])])];
      showList();
    },
  };
}
