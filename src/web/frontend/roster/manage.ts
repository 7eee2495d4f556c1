/**
 * The administrators' part of a roster board: the members (added from a searchable list of the
 * people enrolled, removed after a confirmation), the sessions (`session-form.ts`), and the group
 * itself (renamed, its minimum attendance and notes changed, or deleted). Every change is sent to
 * `/api/v1/groups/:id/…`; `changed` then reads the group and the board again.
 */
import type {
  GroupAnswer,
  GroupDetail,
  GroupSavedAnswer,
  MemberRemovedAnswer,
  PeopleAnswer,
} from '../../api-views.js';
import { ROSTER_IDS as ID } from '../../page-ids.js';
import { allPages, api, json } from '../lib/api.js';
import { byId, el, errorText, setText } from '../lib/dom.js';
import { plural } from '../lib/schedule.js';
import { startSessionEditor } from './session-form.js';

/** Candidates shown at once; typing narrows the rest. */
const CANDIDATES_SHOWN = 30;

type Person = PeopleAnswer['people'][number];

export interface Manager {
  /** Shows the group as it is now (after each read). */
  show(group: GroupDetail): void;
}

function say(id: string, text: string, kind: 'muted' | 'error' = 'muted'): void {
  const box = byId(id, HTMLElement);
  box.className = kind;
  box.textContent = text;
}

export function startManaging(deps: { groupPath: string; changed: () => Promise<void> }): Manager {
  const { groupPath, changed } = deps;
  let group: GroupDetail | null = null;
  let people: Person[] | null = null;
  const chosen = new Set<string>();

  const membersList = byId(ID.members, HTMLUListElement);
  const peopleSearch = byId(ID.peopleSearch, HTMLInputElement);
  const candidates = byId(ID.candidates, HTMLUListElement);
  const addButton = byId(ID.addMembers, HTMLButtonElement);
  const sessions = startSessionEditor({ groupPath, changed });

  // ---- members ----

  function showMembers(current: GroupDetail): void {
    const shown = JSON.stringify(current.members);
    if (membersList.dataset.shown === shown) return;
    membersList.dataset.shown = shown;
    const focusedName = membersList.contains(document.activeElement)
      ? document.activeElement?.closest('li')?.dataset.person
      : undefined;
    membersList.replaceChildren(
      ...current.members.map((member) => {
        const remove = el(
          'button',
          { type: 'button', class: 'small', 'aria-label': `Remove ${member.name} from the group` },
          'Remove',
        );
        remove.addEventListener('click', () => {
          void removeMember(member);
        });
        return el('li', { 'data-person': member.id }, el('span', {}, member.name), remove);
      }),
    );
    // After a removal the focus goes to the next member's button, or the search box.
    if (focusedName !== undefined) {
      const next = membersList.querySelector<HTMLElement>('button') ?? peopleSearch;
      next.focus();
    }
    setText(byId(ID.memberCount, HTMLElement), String(current.members.length));
    byId(ID.membersEmpty, HTMLElement).hidden = current.members.length > 0;
  }

  async function removeMember(member: { id: string; name: string }): Promise<void> {
    if (!group) return;
    if (!confirm(`Remove ${member.name} from ${group.name}? Their days on this group's roster go with them.`))
      return;
    try {
      await api<MemberRemovedAnswer>(`${groupPath}/members/${encodeURIComponent(member.id)}`, {
        method: 'DELETE',
      });
      say(ID.membersState, `${member.name} is no longer a member.`);
      await changed();
    } catch (error) {
      say(ID.membersState, `${member.name} was not removed: ${errorText(error)}`, 'error');
    }
  }

  function showCandidates(): void {
    const note = byId(ID.candidatesNote, HTMLElement);
    if (!group) return;
    if (people === null) {
      note.textContent = 'Loading the people enrolled…';
      return;
    }
    const members = new Set(group.members.map((m) => m.id));
    const query = peopleSearch.value.trim().toLocaleLowerCase();
    const outside = people.filter((p) => !members.has(p.id));
    const matching = outside.filter((p) => query === '' || p.name.toLocaleLowerCase().includes(query));
    for (const id of chosen) if (members.has(id)) chosen.delete(id);
    const shown = matching.slice(0, CANDIDATES_SHOWN);
    // A box in use keeps the focus when the list is drawn again.
    const focusedId =
      document.activeElement instanceof HTMLInputElement && candidates.contains(document.activeElement)
        ? document.activeElement.value
        : null;
    candidates.replaceChildren(
      ...shown.map((person, i) => {
        const id = `candidate-${i}`;
        const box = el('input', { type: 'checkbox', id, value: person.id });
        box.checked = chosen.has(person.id);
        box.addEventListener('change', () => {
          if (box.checked) chosen.add(person.id);
          else chosen.delete(person.id);
          updateAddButton();
        });
        return el('li', {}, box, el('label', { for: id, class: 'check-label' }, person.name));
      }),
    );
    if (focusedId !== null)
      candidates.querySelector<HTMLInputElement>(`input[value="${CSS.escape(focusedId)}"]`)?.focus();
    note.textContent =
      people.length === 0
        ? 'Nobody is enrolled yet: enroll people on the People page first.'
        : outside.length === 0
          ? 'Everyone enrolled is a member.'
          : matching.length === 0
            ? 'Nobody else enrolled matches.'
            : matching.length > shown.length
              ? `${matching.length - shown.length} more match: type more of a name.`
              : '';
    updateAddButton();
  }

  function updateAddButton(): void {
    addButton.disabled = chosen.size === 0;
    addButton.textContent =
      chosen.size === 0 ? 'Add selected' : `Add ${plural(chosen.size, 'person', 'people')}`;
  }

  peopleSearch.addEventListener('input', showCandidates);
  addButton.addEventListener('click', () => {
    const personIds = [...chosen];
    if (personIds.length === 0) return;
    addButton.disabled = true;
    void (async () => {
      try {
        await api<GroupAnswer>(`${groupPath}/members`, json('POST', { personIds }));
        chosen.clear();
        say(ID.membersState, `${plural(personIds.length, 'person', 'people')} added.`);
        peopleSearch.value = '';
        await changed();
        peopleSearch.focus();
      } catch (error) {
        say(ID.membersState, `Not added: ${errorText(error)}`, 'error');
        updateAddButton();
      }
    })();
  });

  void allPages<'people', Person>('/api/v1/people', 'people')
    .then((found) => {
      people = found.sort((a, b) => a.name.localeCompare(b.name));
      showCandidates();
    })
    .catch((error: unknown) => {
      say(ID.membersState, `The people enrolled could not be read: ${errorText(error)}`, 'error');
    });

  // ---- the group itself ----

  const groupForm = byId(ID.groupForm, HTMLFormElement);
  const nameInput = byId(ID.groupName, HTMLInputElement);
  const rateInput = byId(ID.groupRate, HTMLInputElement);
  const notesInput = byId(ID.groupNotes, HTMLTextAreaElement);
  let formShows = '';

  function showGroupForm(current: GroupDetail): void {
    // Typing in the form is not undone by a refresh: it follows the group only when that changed.
    const shows = JSON.stringify([current.name, current.minAttendanceRate, current.notes]);
    if (shows === formShows) return;
    formShows = shows;
    nameInput.value = current.name;
    rateInput.value =
      current.minAttendanceRate === null ? '' : String(Math.round(current.minAttendanceRate * 100));
    notesInput.value = current.notes;
  }

  groupForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const rate = rateInput.value.trim();
    void (async () => {
      try {
        await api<GroupSavedAnswer>(
          groupPath,
          json('PATCH', {
            name: nameInput.value.trim(),
            notes: notesInput.value.trim(),
            minAttendanceRate: rate === '' ? null : Number(rate) / 100,
          }),
        );
        say(ID.groupState, 'Saved.');
        formShows = '';
        await changed();
      } catch (error) {
        say(ID.groupState, `Not saved: ${errorText(error)}`, 'error');
      }
    })();
  });

  byId(ID.deleteGroup, HTMLButtonElement).addEventListener('click', () => {
    if (!group) return;
    const name = group.name;
    if (
      !confirm(
        `Delete the group ${name}? Its sessions and excuses go too; the people and their attendance stay.`,
      )
    )
      return;
    void (async () => {
      try {
        await api(groupPath, { method: 'DELETE' });
        location.assign('/groups');
      } catch (error) {
        say(ID.groupState, `${name} was not deleted: ${errorText(error)}`, 'error');
      }
    })();
  });

  return {
    show(current) {
      group = current;
      showMembers(current);
      showCandidates();
      showGroupForm(current);
      sessions.show(current);
    },
  };
}
