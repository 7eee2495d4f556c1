/**
 * Groups: a card per group with its members, its sessions in words and, for the sessions running
 * today, "N of M present" with a bar, refreshed every 10 seconds while the page is in view. For
 * administrators also the new-group form and the Cameras card, where each camera the nodes report
 * or declare a role for is tagged entry, exit or both ways, or left to its node's configuration.
 */
import type {
  CameraRole,
  CameraRoleEntry,
  CameraRolesAnswer,
  GroupSavedAnswer,
  GroupSummary,
  NodesAnswer,
  RosterAnswer,
  RosterSession,
} from '../../api-views.js';
import { GROUPS_IDS as ID } from '../../page-ids.js';
import { allPages, api, json } from '../lib/api.js';
import { byId, el, errorText, keepingFocus, maybeById, reconcile, showError } from '../lib/dom.js';
import { minutesOf, plural, sessionDetails, sessionInWords, sessionTimes, timeIn } from '../lib/schedule.js';

const REFRESH_MS = 10_000;

const list = byId(ID.list, HTMLUListElement);
const empty = byId(ID.empty, HTMLElement);

/** Where a session of today stands at `at`: not begun, running, or over. */
function standing(session: RosterSession['session'], roster: RosterAnswer): string {
  const now = minutesOf(timeIn(roster.at, roster.timeZone));
  if (now < minutesOf(session.start)) return 'later today';
  if (now < minutesOf(session.end)) return 'running now';
  return 'over';
}

function todayLine(group: GroupSummary, roster: RosterAnswer | undefined): HTMLElement {
  if (group.sessions.length === 0)
    return el('p', { class: 'muted group-today-none' }, 'No sessions yet: nobody is expected.');
  if (roster === undefined) return el('p', { class: 'muted group-today-none' }, 'Loading today…');
  if (roster.sessions.length === 0) return el('p', { class: 'muted group-today-none' }, 'No session today.');
  return el(
    'ul',
    { class: 'group-today', 'aria-label': `${group.name} today` },
    el('li', { class: 'group-today-title' }, 'Today'),
    ...roster.sessions.map((entry) => {
      const total = entry.entries.length;
      const times = sessionTimes(entry.session);
      const bar = el('progress', {
        max: String(Math.max(total, 1)),
        value: String(entry.arrived),
        'aria-label': `${group.name}, today ${times}: ${entry.arrived} of ${total} present`,
      });
      return el(
        'li',
        {},
        el(
          'div',
          { class: 'group-today-head' },
          el('span', {}, el('strong', {}, times), ` · ${standing(entry.session, roster)}`),
          el('span', { class: 'group-present' }, `${entry.arrived} of ${total} present`),
        ),
        bar,
      );
    }),
  );
}

function detailsLine(session: GroupSummary['sessions'][number]): HTMLElement[] {
  const details = sessionDetails(session);
  return details.length === 0 ? [] : [el('span', { class: 'muted' }, details.join(' · '))];
}

function cardContent(group: GroupSummary, roster: RosterAnswer | undefined): HTMLElement[] {
  const href = `/groups/${encodeURIComponent(group.id)}`;
  const content: HTMLElement[] = [
    el(
      'div',
      { class: 'card-head' },
      el('h2', {}, el('a', { href, class: 'group-link' }, group.name)),
      el('span', { class: 'muted group-members' }, plural(group.memberCount, 'member')),
    ),
  ];
  if (group.notes !== '') content.push(el('p', { class: 'muted group-notes' }, group.notes));
  if (group.sessions.length > 0)
    content.push(
      el(
        'ul',
        { class: 'group-sessions', 'aria-label': `Sessions of ${group.name}` },
        ...group.sessions.map((session) =>
          el('li', {}, el('span', {}, sessionInWords(session)), ...detailsLine(session)),
        ),
      ),
    );
  content.push(todayLine(group, roster));
  return content;
}

function render(groups: GroupSummary[], rosters: ReadonlyMap<string, RosterAnswer>): void {
  keepingFocus(() => {
    reconcile(
      list,
      groups,
      (group) => group.id,
      () => el('li', { class: 'group-card' }),
      (node, group) => {
        const roster = rosters.get(group.id);
        // Rebuilt only when what it shows changed (the roster's `at` moves on every read).
        const from = JSON.stringify([group, roster?.sessions, roster && standingKey(roster)]);
        if (node.dataset.from === from) return;
        const linkFocused = document.activeElement === node.querySelector('a.group-link');
        node.dataset.from = from;
        node.replaceChildren(...cardContent(group, roster));
        if (linkFocused) node.querySelector<HTMLElement>('a.group-link')?.focus({ preventScroll: true });
      },
    );
  });
  empty.hidden = groups.length > 0;
  list.hidden = groups.length === 0;
}

/** What of `at` a card shows: which of its sessions have begun or ended. */
function standingKey(roster: RosterAnswer): string {
  return roster.sessions.map((entry) => standing(entry.session, roster)).join('|');
}

async function load(): Promise<void> {
  const groups = await allPages<'groups', GroupSummary>('/api/v1/groups', 'groups');
  const rosters = new Map<string, RosterAnswer>();
  await Promise.all(
    groups
      .filter((group) => group.sessions.length > 0)
      .map(async (group) => {
        rosters.set(
          group.id,
          await api<RosterAnswer>(`/api/v1/groups/${encodeURIComponent(group.id)}/roster`),
        );
      }),
  );
  render(groups, rosters);
  showError(ID.error, null);
}

async function tick(): Promise<void> {
  try {
    if (document.visibilityState === 'visible') await Promise.all([load(), loadCameras()]);
  } catch (error) {
    showError(ID.error, error);
  } finally {
    setTimeout(() => void tick(), REFRESH_MS);
  }
}

// ---- administrators: a new group ----

const create = maybeById(ID.create, HTMLFormElement);
create?.addEventListener('submit', (event) => {
  event.preventDefault();
  const state = byId(ID.createState, HTMLElement);
  const name = byId(ID.createName, HTMLInputElement).value.trim();
  const rate = byId(ID.createRate, HTMLInputElement).value.trim();
  const notes = byId(ID.createNotes, HTMLTextAreaElement).value.trim();
  const button = create.querySelector('button[type=submit]');
  if (button instanceof HTMLButtonElement) button.disabled = true;
  state.className = '';
  state.textContent = 'Creating…';
  void (async () => {
    try {
      const { group } = await api<GroupSavedAnswer>(
        '/api/v1/groups',
        json('POST', {
          name,
          ...(notes === '' ? {} : { notes }),
          ...(rate === '' ? {} : { minAttendanceRate: Number(rate) / 100 }),
        }),
      );
      // Its board is where members and sessions are added.
      location.assign(`/groups/${encodeURIComponent(group.id)}`);
    } catch (error) {
      state.className = 'error';
      state.textContent = `The group was not created: ${errorText(error)}`;
      if (button instanceof HTMLButtonElement) button.disabled = false;
    }
  })();
});

// ---- administrators: what each camera sees ----

const ROLE_CHOICES: { role: CameraRole; label: string; saved: string }[] = [
  { role: 'both', label: 'Both ways', saved: 'its first sighting is an arrival, its last a departure' },
  { role: 'entry', label: 'Entry', saved: 'its sightings count as arrivals only' },
  { role: 'exit', label: 'Exit', saved: 'its sightings count as leaving' },
];

/** The select's value for "no tag here: the role the camera's node declares". */
const CONFIGURED = 'configured';

const choiceOf = (role: CameraRole): (typeof ROLE_CHOICES)[number] =>
  ROLE_CHOICES.find((c) => c.role === role) ?? { role, label: role, saved: '' };

interface KnownCamera {
  cameraId: string;
  nodeId: string | null;
  online: boolean | null;
  /** Its tag and declared role; undefined for a camera with neither (both ways). */
  entry: CameraRoleEntry | undefined;
}

/** The cameras the nodes report, and any tagged or declared before that no node reports now. */
function knownCameras(nodes: NodesAnswer['nodes'], entries: readonly CameraRoleEntry[]): KnownCamera[] {
  const byCamera = new Map(entries.map((entry) => [entry.cameraId, entry]));
  const cameras = new Map<string, KnownCamera>();
  for (const node of nodes)
    for (const camera of node.cameras)
      cameras.set(camera.cameraId, {
        cameraId: camera.cameraId,
        nodeId: node.nodeId,
        online: camera.online,
        entry: byCamera.get(camera.cameraId),
      });
  for (const entry of entries)
    if (!cameras.has(entry.cameraId))
      cameras.set(entry.cameraId, { cameraId: entry.cameraId, nodeId: null, online: null, entry });
  return [...cameras.values()].sort((a, b) => a.cameraId.localeCompare(b.cameraId));
}

/** Says where the role in force comes from, when it is somebody's choice; else hides. */
function showSource(note: HTMLElement, entry: CameraRoleEntry | undefined): void {
  note.textContent =
    entry === undefined || entry.source === 'default'
      ? ''
      : entry.source === 'configuration'
        ? "from the camera's configuration"
        : entry.declared === null
          ? 'set here'
          : `set here, over its configuration (${choiceOf(entry.declared).label.toLowerCase()})`;
  note.hidden = note.textContent === '';
}

function cameraRow(camera: KnownCamera, index: number): HTMLLIElement {
  const id = `camera-role-${index}`;
  const { entry } = camera;
  const declared = entry?.declared ?? null;
  const select = el(
    'select',
    { id, 'data-camera': camera.cameraId },
    ...(declared === null
      ? []
      : [
          el(
            'option',
            { value: CONFIGURED },
            `From its configuration (${choiceOf(declared).label.toLowerCase()})`,
          ),
        ]),
    ...ROLE_CHOICES.map((choice) => el('option', { value: choice.role }, choice.label)),
  );
  select.value = entry?.source === 'configuration' ? CONFIGURED : (entry?.role ?? 'both');
  const where =
    camera.nodeId === null
      ? 'not reported by any node now'
      : `${camera.nodeId} · ${camera.online === true ? 'online' : 'offline'}`;
  const note = el('span', { class: 'muted camera-role-source' });
  showSource(note, entry);
  select.addEventListener('change', () => {
    void saveRole(camera.cameraId, select, note);
  });
  return el(
    'li',
    { class: 'camera-role', 'data-camera': camera.cameraId },
    el(
      'div',
      { class: 'camera-role-name' },
      el('label', { for: id }, camera.cameraId),
      el('span', { class: 'muted' }, where),
      note,
    ),
    select,
  );
}

async function saveRole(cameraId: string, select: HTMLSelectElement, note: HTMLElement): Promise<void> {
  const state = byId(ID.camerasState, HTMLElement);
  const chosen = select.value;
  select.disabled = true;
  try {
    const answer = await api<CameraRolesAnswer>(
      `/api/v1/cameras/${encodeURIComponent(cameraId)}/role`,
      json('PUT', { role: chosen === CONFIGURED ? null : chosen }),
    );
    const entry = answer.cameras.find((c) => c.cameraId === cameraId);
    const choice = choiceOf(entry?.role ?? 'both');
    showSource(note, entry);
    state.className = 'muted';
    state.textContent =
      chosen === CONFIGURED
        ? `Saved: ${cameraId} follows its configuration, ${choice.label.toLowerCase()}; ${choice.saved}.`
        : `Saved: ${cameraId} is ${choice.label.toLowerCase()}; ${choice.saved}.`;
  } catch (error) {
    state.className = 'error';
    state.textContent = `Not saved: ${errorText(error)}`;
  } finally {
    select.disabled = false;
    select.focus();
  }
}

let camerasShown = '';

/**
 * Reads the cameras again; the list is rebuilt only when what it shows changed, and never while
 * one of its choices is in use (focused or saving).
 */
async function loadCameras(): Promise<void> {
  const box = maybeById(ID.cameras, HTMLUListElement);
  if (!box) return;
  const [{ nodes }, roles] = await Promise.all([
    api<NodesAnswer>('/api/v1/nodes'),
    api<CameraRolesAnswer>('/api/v1/cameras/roles'),
  ]);
  const cameras = knownCameras(nodes, roles.cameras);
  const shown = JSON.stringify(cameras);
  const inUse = box.contains(document.activeElement) || box.querySelector('select:disabled') !== null;
  if (shown === camerasShown || inUse) return;
  camerasShown = shown;
  box.replaceChildren(...cameras.map((camera, i) => cameraRow(camera, i)));
  byId(ID.camerasEmpty, HTMLElement).hidden = cameras.length > 0;
}

void tick();
