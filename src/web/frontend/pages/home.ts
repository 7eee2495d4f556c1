/**
 * Home: today at a glance from `GET /api/v1/overview`, refreshed every few seconds while the page
 * is in view. Lists are updated in place, keyed by what each row shows, so a refresh does not
 * reload a face or take the keyboard focus away; times are shown in the attendance time zone.
 */
import type {
  AdminOverview,
  ArrivalView,
  CameraStateView,
  ChecklistStepView,
  NodeView,
  OverviewAnswer,
  PendingFaceView,
} from '../../api-views.js';
import { HOME_IDS as ID } from '../../page-ids.js';
import { api } from '../lib/api.js';
import { byId, el, maybeById, reconcile, showError } from '../lib/dom.js';
import { formatDay, formatTime } from '../lib/time.js';

const REFRESH_MS = 5000;

/** Plural by count: `count(3, 'person', 'people')`. */
function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The time of day of an instant in the attendance zone: `08:14 CET`, or `08:14:03 CET` with seconds. */
function timeIn(timeZone: string, iso: string, seconds = false): string {
  return formatTime(iso, { timeZone, seconds });
}

/** How long before `now` an instant was, in words: "just now", "12 min ago", "2 h ago". */
function ago(iso: string, now: string): string {
  const minutes = Math.floor((Date.parse(now) - Date.parse(iso)) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.floor(minutes / 60)} h ago`;
}

/** `2025-03-10` as "Mon 10 Mar 2025" (a calendar day: no zone moves it). */
const longDay = formatDay;

function setText(id: string, text: string): void {
  const node = maybeById(id, HTMLElement);
  if (node && node.textContent !== text) node.textContent = text;
}

/** The first letters of a name, for a face the camera did not keep. */
function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return (
    letters
      .map((word) => Array.from(word ?? '')[0] ?? '')
      .join('')
      .toUpperCase() || '?'
  );
}

function avatar(crop: string | null, name: string): HTMLElement {
  return crop === null
    ? el('span', { class: 'avatar avatar-empty', 'aria-hidden': 'true' }, initials(name))
    : el('img', { class: 'avatar', src: crop, alt: '', width: '56', height: '56', loading: 'lazy' });
}

// ---- presence and the stat cards ----

function renderPresence(answer: OverviewAnswer): void {
  const { present, enrolled, recognisable } = answer.presence;
  setText(ID.present, String(present));
  // "of N" only while it reads true: people marked present by hand, or whose photos were since
  // removed, can make more present than the cameras can name.
  const outOf = recognisable > 0 && present <= recognisable;
  setText(ID.presentOf, outOf ? `of ${recognisable}` : '');
  const bar = byId(ID.presentBar, HTMLProgressElement);
  bar.hidden = !outOf;
  bar.max = Math.max(recognisable, 1);
  bar.value = present;
  const unusable = enrolled - recognisable;
  setText(
    ID.presenceNote,
    enrolled === 0
      ? 'Nobody is enrolled yet.'
      : unusable > 0
        ? `${count(unusable, 'enrolled person has', 'enrolled people have')} no usable photo yet.`
        : outOf
          ? `${Math.round((100 * present) / recognisable)}% of the people the cameras can name.`
          : '',
  );
}

function renderCameraStat(answer: OverviewAnswer): void {
  const online = answer.cameras.filter((camera) => camera.online).length;
  const total = answer.cameras.length;
  setText(ID.camerasOnline, total === 0 ? '0' : `${online} of ${total}`);
  const admin = answer.role === 'admin' ? answer : null;
  const connected = admin?.nodes.filter((node) => node.connected).length;
  setText(
    ID.camerasNote,
    total === 0
      ? 'No camera has reported yet.'
      : online === total
        ? 'Every camera delivers frames.'
        : `${count(total - online, 'camera is', 'cameras are')} offline.`,
  );
  if (admin && connected !== undefined && admin.nodes.length > 0 && connected < admin.nodes.length) {
    setText(
      ID.camerasNote,
      `${count(admin.nodes.length - connected, 'node is', 'nodes are')} not connected.`,
    );
  }
}

// ---- arrivals ----

function arrivalKey(arrival: ArrivalView): string {
  return `${arrival.person.id}@${arrival.at}`;
}

function cropUrl(arrival: ArrivalView): string | null {
  return arrival.eventId !== null && arrival.hasCrop
    ? `/api/v1/events/${encodeURIComponent(arrival.eventId)}/crop.jpg`
    : null;
}

function renderArrivals(answer: OverviewAnswer): void {
  const { arrivals, timeZone, at: now } = answer;
  const list = byId(ID.arrivals, HTMLUListElement);
  reconcile(
    list,
    arrivals.items,
    arrivalKey,
    (arrival) =>
      el(
        'li',
        { class: 'arrival', 'data-person': arrival.person.name },
        avatar(cropUrl(arrival), arrival.person.name),
        el(
          'div',
          { class: 'arrival-who' },
          el('strong', {}, arrival.person.name),
          el('span', { class: 'muted' }, `${arrival.cameraId} · ${arrival.nodeId}`),
        ),
        el(
          'time',
          { class: 'arrival-time', datetime: arrival.at },
          el('span', {}, timeIn(timeZone, arrival.at)),
          el('span', { class: 'muted' }, ''),
        ),
      ),
    (node, arrival) => {
      const since = node.querySelector('.arrival-time .muted');
      const text = ago(arrival.at, now);
      if (since && since.textContent !== text) since.textContent = text;
    },
  );
  const more = arrivals.total - arrivals.items.length;
  setText(ID.arrivalsCount, arrivals.total > 0 ? String(arrivals.total) : '');
  const empty = byId(ID.arrivalsEmpty, HTMLElement);
  empty.hidden = arrivals.total > 0 && more <= 0;
  empty.replaceChildren(...arrivalsNote(answer, more));
}

/** Under the list: what to do when nobody arrived, or how many more came than are shown. */
function arrivalsNote(answer: OverviewAnswer, more: number): (Node | string)[] {
  const attendance = (text: string) => el('a', { href: '/attendance' }, text);
  if (answer.arrivals.total > 0) return [`and ${more} more: see `, attendance("today's attendance"), '.'];
  if (answer.presence.recognisable === 0) {
    return answer.role === 'admin'
      ? [
          'Nobody can be recognised yet. ',
          el('a', { href: '/people' }, 'Enroll people'),
          ' with a few photos each, and they appear here as the cameras see them arrive.',
        ]
      : ['Nobody is enrolled yet: an administrator adds people, and they appear here as they arrive.'];
  }
  if (answer.presence.present > 0) {
    return [
      `Nobody arrived in the last hour; ${count(answer.presence.present, 'person has', 'people have')} checked in today: see `,
      attendance("today's attendance"),
      '.',
    ];
  }
  if (!answer.cameras.some((camera) => camera.online)) {
    return [
      'Nobody has arrived yet today, and no camera is online: check the ',
      el('a', { href: '/live' }, 'live view'),
      '.',
    ];
  }
  return ['Nobody has arrived yet today. People appear here as the cameras recognise them.'];
}

// ---- cameras and nodes ----

/** A camera: under its node for administrators (with its rate), or with its node's name for viewers. */
function cameraItem(camera: CameraStateView, fps: number | null): HTMLElement {
  const state = camera.online ? 'online' : 'offline';
  const detail = fps !== null ? (camera.online ? `${fps.toFixed(1)} fps` : '') : (camera.nodeId ?? '');
  return el(
    'li',
    { class: 'home-camera', 'data-camera': camera.cameraId, 'data-state': state },
    el('span', { class: `dot dot-${state}`, 'aria-hidden': 'true' }),
    el('span', { class: 'home-camera-name' }, camera.cameraId),
    el('span', { class: camera.online ? 'ok' : 'offline' }, state),
    detail === '' ? '' : el('span', { class: 'muted' }, detail),
  );
}

function nodeItem(node: NodeView, now: string): HTMLElement {
  const heartbeat =
    node.lastHeartbeatAt === null ? 'never heard from' : `heartbeat ${ago(node.lastHeartbeatAt, now)}`;
  const cameras = node.cameras.map((camera) =>
    cameraItem(
      { cameraId: camera.cameraId, nodeId: node.nodeId, online: node.connected && camera.online },
      camera.fps,
    ),
  );
  return el(
    'li',
    { class: 'home-node', 'data-node': node.nodeId ?? node.address },
    el(
      'div',
      { class: 'home-node-head' },
      el('strong', {}, node.nodeId ?? node.address),
      el('span', { class: node.connected ? 'ok' : 'offline' }, node.connected ? 'connected' : 'OFFLINE'),
      el(
        'span',
        { class: 'muted' },
        node.connected ? `${node.fps.toFixed(1)} fps · ${heartbeat}` : heartbeat,
      ),
    ),
    cameras.length > 0
      ? el('ul', { class: 'home-node-cameras' }, ...cameras)
      : el('p', { class: 'muted' }, 'No camera reported.'),
  );
}

function renderCameras(answer: OverviewAnswer): void {
  const list = byId(ID.cameras, HTMLUListElement);
  // Text only, no focusable element: rebuilt whole, in one task, so nothing flickers.
  const items =
    answer.role === 'admin'
      ? answer.nodes.map((node) => nodeItem(node, answer.at))
      : answer.cameras.map((camera) => cameraItem(camera, null));
  const signature = JSON.stringify(items.map((item) => item.outerHTML));
  if (list.dataset.signature !== signature) {
    list.dataset.signature = signature;
    list.replaceChildren(...items);
  }
  const empty = byId(ID.camerasEmpty, HTMLElement);
  empty.hidden = items.length > 0;
  empty.textContent =
    answer.role === 'admin'
      ? 'No recognition node is configured: set RECOGNITION_SERVERS and restart the web node.'
      : 'No camera has reported yet.';
}

// ---- administrators: review and the first-run checklist ----

function renderReview(answer: AdminOverview): void {
  const { pending, more, newest } = answer.review;
  setText(ID.reviewPending, more ? `${pending}+` : String(pending));
  setText(ID.reviewNote, pending === 0 ? 'Nothing to review.' : 'Faces no camera could name.');
  reconcile(
    byId(ID.reviewFaces, HTMLUListElement),
    newest,
    (face) => face.id,
    (face: PendingFaceView) =>
      el(
        'li',
        { class: 'review-face' },
        el(
          'a',
          {
            href: '/unknown-faces',
            'aria-label': `Unknown face on ${face.cameraId} at ${timeIn(answer.timeZone, face.at)}: review`,
          },
          face.hasCrop
            ? el('img', {
                class: 'avatar',
                src: `/api/v1/unknown-faces/${encodeURIComponent(face.id)}/crop.jpg`,
                alt: '',
                width: '56',
                height: '56',
                loading: 'lazy',
              })
            : el('span', { class: 'avatar avatar-empty', 'aria-hidden': 'true' }, '?'),
          el('span', { class: 'muted' }, timeIn(answer.timeZone, face.at)),
        ),
      ),
    () => undefined,
  );
  byId(ID.reviewEmpty, HTMLElement).hidden = newest.length > 0;
}

interface StepText {
  title: string;
  done: string;
  todo: (answer: AdminOverview) => { text: string; href: string; link: string };
}

const STEPS: Record<ChecklistStepView['step'], StepText> = {
  administrator: {
    title: 'Create an administrator',
    done: 'Done: you are signed in as one.',
    todo: () => ({ text: 'Add one on the Users page.', href: '/users', link: 'Users' }),
  },
  enroll: {
    title: 'Enroll people',
    done: 'Done: the cameras can name someone.',
    todo: () => ({
      text: 'Add a name and a few photos of each person (one face each) so the cameras can name them.',
      href: '/people',
      link: 'Enroll people',
    }),
  },
  camera: {
    title: 'Check the camera',
    done: 'Done: a camera delivers frames.',
    todo: (answer) =>
      answer.nodes.some((node) => node.connected)
        ? {
            text: 'A recognition node is connected, but no camera delivers frames yet: check the picture.',
            href: '/live',
            link: 'Open the live view',
          }
        : {
            text: 'No recognition node is connected: start one and check that RECOGNITION_SERVERS points to it.',
            href: '/nodes',
            link: 'See the nodes',
          },
  },
};

function renderChecklist(answer: AdminOverview): void {
  const card = byId(ID.checklist, HTMLElement);
  const steps = answer.checklist;
  card.hidden = steps === null;
  if (steps === null) return;
  setText(ID.checklistCount, `${steps.filter((step) => step.done).length} of ${steps.length} done`);
  const items = steps.map((step) => {
    const text = STEPS[step.step];
    const todo = step.done ? null : text.todo(answer);
    return el(
      'li',
      { class: step.done ? 'step done' : 'step', 'data-step': step.step },
      el('span', { class: 'step-mark', 'aria-hidden': 'true' }, step.done ? '✓' : ''),
      el(
        'div',
        {},
        el('strong', {}, text.title),
        el('span', { class: 'visually-hidden' }, step.done ? ' (done)' : ' (to do)'),
        el('p', { class: 'muted' }, step.done ? text.done : (todo?.text ?? '')),
      ),
      todo === null ? '' : el('a', { class: 'step-action', href: todo.href }, todo.link),
    );
  });
  // Rebuilt only when a step changes, so a focused link keeps its focus between refreshes.
  const signature = steps.map((step) => `${step.step}:${step.done}`).join(',');
  const list = byId(ID.checklistSteps, HTMLOListElement);
  const connected = answer.nodes.some((node) => node.connected);
  if (list.dataset.signature !== `${signature}/${connected}`) {
    list.dataset.signature = `${signature}/${connected}`;
    list.replaceChildren(...items);
  }
}

// ---- refreshing ----

function render(answer: OverviewAnswer): void {
  setText(ID.day, longDay(answer.day));
  renderPresence(answer);
  renderCameraStat(answer);
  renderArrivals(answer);
  renderCameras(answer);
  if (answer.role === 'admin') {
    renderReview(answer);
    renderChecklist(answer);
  }
  setText(ID.updated, `Updated ${timeIn(answer.timeZone, answer.at, true)}`);
  document.body.dataset.home = 'ready';
}

let timer: number | undefined;
let refreshing = false;

async function refresh(): Promise<void> {
  // One request at a time: a refresh asked for while one runs is the one that runs.
  if (refreshing) return;
  refreshing = true;
  window.clearTimeout(timer);
  try {
    render(await api<OverviewAnswer>('/api/v1/overview'));
    showError(ID.error, null);
  } catch (error) {
    // The last answer stays on the page; the box says it is no longer fresh.
    showError(
      ID.error,
      new Error(`Could not refresh: ${error instanceof Error ? error.message : String(error)}`),
    );
  } finally {
    refreshing = false;
  }
  // None while the page is hidden (a tab behind others); it refreshes at once when shown again.
  if (!document.hidden) timer = window.setTimeout(() => void refresh(), REFRESH_MS);
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void refresh();
});
void refresh();
