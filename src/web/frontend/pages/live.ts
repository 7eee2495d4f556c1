/**
 * Live: a grid of every camera of every node, each on a canvas with boxes and names, under the
 * camera's name (its id beneath, for the admin who maps it to the config), with its view rate and
 * capture-to-screen latency and its analysis rate and latency, "offline" when the node or camera is
 * down or silent for {@link STALE_MS}; full screen per camera; and who is in view now across
 * cameras. Fed by the live socket (`live-protocol.ts`): status as text, frames as binary. A tile
 * carries its measured figures as `data-drawn-fps`, `data-latency-p50-ms`, `data-latency-p95-ms`
 * and `data-latency-frames` (how many frames they are over; see `live-latency.ts`).
 */
import {
  LIVE_SOCKET_PATH,
  SESSION_ENDED_CLOSE_CODE,
  decodeLiveFrame,
  type LiveCameraStatus,
  type LiveFrameHeader,
  type LiveInViewPerson,
  type LiveStatusMessage,
} from '../../live-protocol.js';
import { captureOnViewerClock, LatencyWindow, ServerClock } from '../../live-latency.js';
import { LIVE_IDS as ID } from '../../page-ids.js';
import { byId, clock, el } from '../lib/dom.js';

const STALE_MS = 5000;
/** The view's rate is counted over this window. */
const RATE_WINDOW_MS = 3000;
const grid = byId(ID.cams, HTMLElement);
const empty = byId(ID.empty, HTMLElement);
const inViewList = byId(ID.inView, HTMLElement);
const inViewCount = byId(ID.inViewCount, HTMLElement);
const inViewEmpty = byId(ID.inViewEmpty, HTMLElement);
const stateLine = byId(ID.state, HTMLElement);
/** Whether the live socket is open; the state line then counts the cameras live. */
let socketOpen = false;
/** The web server's clock against this browser's, from the status messages. */
const serverClock = new ServerClock();
/** Per node address, how far its clock is ahead of the server's (null: unknown). */
const nodeClockAhead = new Map<string, number | null>();

/** Who a tile shows: its node, the camera's id, and what the node declared about the camera. */
interface CameraIdentity {
  node: string;
  cameraId: string;
  name: string | null;
  role: LiveCameraStatus['role'];
}

interface Tile {
  key: string;
  /** The camera's name, or `node / id` when it has none: what the tile, its buttons and lists say. */
  label: string;
  /** What {@link describeTile} last wrote, to rewrite only on a change. */
  described: string;
  root: HTMLElement;
  canvas: HTMLCanvasElement;
  heading: HTMLElement;
  /** `node / id` under the name; hidden when there is no name (the heading says it already). */
  idLine: HTMLElement;
  role: HTMLElement;
  state: HTMLElement;
  /** Over the picture: why there is none ("offline", "waiting for the first frame"). */
  notice: HTMLElement;
  fullscreen: HTMLButtonElement;
  info: HTMLElement;
  lastFrameAt: number;
  /** When the frames of the last few seconds were drawn, for the view's rate. */
  drawnAt: number[];
  firstDrawnAt: number | null;
  drawn: number;
  status: LiveCameraStatus | null;
  nodeConnected: boolean;
  online: boolean;
  busy: boolean;
  /** The newest frame not yet decoded. */
  next: { header: LiveFrameHeader; jpeg: Blob } | null;
  /** Capture (on the node) to drawn (here), of the last frames drawn. */
  latency: LatencyWindow;
  /** Who the newest frame says is in view of this camera. */
  inView: LiveInViewPerson[];
}

const tiles = new Map<string, Tile>();

const SVG = 'http://www.w3.org/2000/svg';
/** Corner brackets out (enter) or in (leave), drawn as an icon: no icon font to load. */
const ICON_PATHS = {
  enter: 'M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5',
  leave: 'M9 4v5H4M20 9h-5V4M15 20v-5h5M4 15h5v5',
};

function icon(kind: keyof typeof ICON_PATHS): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', ICON_PATHS[kind]);
  svg.append(path);
  return svg;
}

function setFullscreenButton(t: Tile, on: boolean): void {
  t.fullscreen.replaceChildren(icon(on ? 'leave' : 'enter'));
  t.fullscreen.setAttribute('aria-label', on ? `Leave full screen: ${t.label}` : `Full screen: ${t.label}`);
  t.fullscreen.title = on ? 'Leave full screen (Esc)' : 'Full screen';
  t.fullscreen.setAttribute('aria-pressed', String(on));
}

/** The tile of a camera, made on first sight with `identity` (later ones go through {@link describeTile}). */
function tile(key: string, identity: CameraIdentity | string): Tile {
  const found = tiles.get(key);
  if (found) return found;
  const canvas = el('canvas', { width: '640', height: '360', role: 'img' });
  const heading = el('strong', {});
  const role = el('span', { class: 'cam-role', hidden: '' });
  const state = el('span', { class: 'cam-state offline' }, 'offline');
  const idLine = el('span', { class: 'cam-id', hidden: '' });
  const notice = el('p', { class: 'cam-notice' }, 'Waiting for the first frame…');
  const fullscreen = el('button', { type: 'button', class: 'cam-fullscreen' });
  const info = el('div', {
    class: 'muted cam-info',
    title:
      'view: frames drawn a second here, and capture to screen (95th percentile of the last 100 frames); ' +
      'analysis: frames analysed a second on the node, and capture to result (95th percentile)',
  });
  info.textContent = 'no frame yet';
  // The spaces between name, role and state keep them apart in the caption's text as well.
  const caption = el(
    'figcaption',
    {},
    el(
      'span',
      { class: 'cam-title' },
      el('span', { class: 'cam-title-line' }, heading, ' ', role, ' ', state),
      idLine,
    ),
    fullscreen,
  );
  const root = el(
    'figure',
    { class: 'cam', 'data-camera': key, 'data-state': 'offline' },
    caption,
    el('div', { class: 'cam-media' }, canvas, notice),
    info,
  );
  grid.append(root);
  empty.hidden = true;
  const t: Tile = {
    key,
    label: '',
    described: '',
    root,
    canvas,
    heading,
    idLine,
    role,
    state,
    notice,
    fullscreen,
    info,
    lastFrameAt: 0,
    drawnAt: [],
    firstDrawnAt: null,
    drawn: 0,
    status: null,
    nodeConnected: false,
    online: false,
    busy: false,
    next: null,
    latency: new LatencyWindow(),
    inView: [],
  };
  describeTile(t, identity);
  // Browsers without the Fullscreen API on elements (an iPhone) get no button rather than a dead one.
  fullscreen.hidden = !document.fullscreenEnabled;
  fullscreen.addEventListener('click', () => {
    if (document.fullscreenElement === root) {
      void document.exitFullscreen();
      return;
    }
    root.requestFullscreen().catch(() => {
      fullscreen.hidden = true;
    });
  });
  tiles.set(key, t);
  return t;
}

/**
 * Names the tile: the camera's name when its node declared one, with `node / id` beneath it, else
 * `node / id`; an "entry" or "exit" badge for a camera with that role. A string is a tile that is
 * not a camera (a node that reports none).
 */
function describeTile(t: Tile, identity: CameraIdentity | string): void {
  const described = JSON.stringify(identity);
  if (described === t.described) return;
  t.described = described;
  const path = typeof identity === 'string' ? identity : `${identity.node} / ${identity.cameraId}`;
  const name = typeof identity === 'string' ? null : identity.name;
  const role = typeof identity === 'string' ? null : identity.role;
  t.label = name ?? path;
  t.heading.textContent = t.label;
  t.idLine.textContent = path;
  t.idLine.hidden = name === null;
  // "both" is every camera's default: only a camera that counts one way is marked.
  t.role.hidden = role !== 'entry' && role !== 'exit';
  t.role.textContent = role ?? '';
  t.role.title =
    role === 'entry'
      ? 'Entry camera: people seen here check in'
      : role === 'exit'
        ? 'Exit camera: people seen here check out'
        : '';
  t.canvas.setAttribute('aria-label', `${t.label}: live picture`);
  setFullscreenButton(t, document.fullscreenElement === t.root);
}

document.addEventListener('fullscreenchange', () => {
  for (const t of tiles.values()) {
    const on = document.fullscreenElement === t.root;
    t.root.dataset.fullscreen = String(on);
    setFullscreenButton(t, on);
    // The labels are sized for the tile on screen: redrawn at the next frame.
  }
});

// Browsers leave full screen on Esc themselves; this covers those that pass the key to the page
// instead (kiosk and headless modes).
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && document.fullscreenElement?.matches('figure.cam')) {
    void document.exitFullscreen();
  }
});

function render(t: Tile): void {
  const now = Date.now();
  t.drawnAt = t.drawnAt.filter((at) => now - at < RATE_WINDOW_MS);
  const online = t.nodeConnected && (t.status ? t.status.online : true) && now - t.lastFrameAt < STALE_MS;
  t.online = online;
  t.state.textContent = online ? 'live' : 'offline';
  t.state.className = online ? 'cam-state ok' : 'cam-state offline';
  t.root.dataset.state = online ? 'live' : 'offline';
  if (online) t.notice.hidden = true;
  else {
    t.notice.hidden = false;
    t.notice.textContent = !t.nodeConnected
      ? 'Offline: the node is not connected'
      : t.lastFrameAt
        ? 'Offline: no frame for a while'
        : 'Waiting for the first frame…';
  }
  // Over the window, or since the first frame drawn when the page is younger than that.
  const spanMs = Math.min(RATE_WINDOW_MS, Math.max(1000, now - (t.firstDrawnAt ?? now)));
  const drawnFps = (t.drawnAt.length * 1000) / spanMs;
  const latency = t.latency.percentiles();
  t.root.dataset.drawnFps = drawnFps.toFixed(1);
  if (latency) {
    t.root.dataset.latencyP50Ms = String(Math.round(latency.p50));
    t.root.dataset.latencyP95Ms = String(Math.round(latency.p95));
    t.root.dataset.latencyFrames = String(t.latency.count);
  }
  // Two figures, each a rate and its latency, that a narrow tile wraps between, never inside.
  const view = [`view ${drawnFps.toFixed(1)} fps`];
  if (latency) view.push(`p95 ${Math.round(latency.p95)} ms`);
  const analysis: string[] = [];
  if (t.status) analysis.push(`analysis ${t.status.fps.toFixed(1)} fps`);
  if (t.status && t.status.latencyP95Ms !== null)
    analysis.push(`p95 ${Math.round(t.status.latencyP95Ms)} ms`);
  const figures = [view, analysis].filter((figure) => figure.length > 0).map((figure) => figure.join(' · '));
  const text = online
    ? figures.join(' · ')
    : t.lastFrameAt
      ? `last frame at ${clock(new Date(t.lastFrameAt).toISOString())}`
      : 'no frame yet';
  if (t.info.textContent === text) return;
  if (!online) t.info.textContent = text;
  else {
    t.info.replaceChildren(
      ...figures.flatMap((figure, i) => [
        ...(i > 0 ? [' · '] : []),
        el('span', { class: 'cam-figure' }, figure),
      ]),
    );
  }
}

const COLORS = { named: '#2ecc40', unknown: '#ff4136', pending: '#ffdc00' } as const;

function draw(t: Tile, header: LiveFrameHeader, bitmap: ImageBitmap): void {
  const m = header.metadata;
  const ctx = t.canvas.getContext('2d');
  if (!ctx) return;
  if (t.canvas.width !== m.width) t.canvas.width = m.width;
  if (t.canvas.height !== m.height) t.canvas.height = m.height;
  ctx.drawImage(bitmap, 0, 0, m.width, m.height);
  bitmap.close();
  // Labels keep one size on screen whatever the tile's size: frame pixels per CSS pixel, of the
  // picture as shown (object-fit: contain letterboxes it on the full screen).
  const scale = Math.min(t.canvas.clientWidth / m.width, t.canvas.clientHeight / m.height);
  const shown = m.width * scale;
  const perCssPx = scale > 0 ? 1 / scale : 1;
  const fontCss = Math.min(18, Math.max(12, shown / 40));
  const font = fontCss * perCssPx;
  const line = 2 * perCssPx;
  const pad = 4 * perCssPx;
  ctx.font = `600 ${Math.round(font)}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  const names: string[] = [];
  for (const face of m.faces) {
    const color = COLORS[face.state];
    const name = face.personId
      ? (header.names[face.personId] ?? '…')
      : face.state === 'unknown'
        ? 'unknown'
        : '?';
    names.push(name);
    const { x, y, width, height } = face.box;
    ctx.strokeStyle = color;
    ctx.lineWidth = face.state === 'named' ? line * 1.5 : line;
    // A named face has a solid box; an unknown one dashes, a face still being checked dots: the
    // difference does not rest on colour alone.
    ctx.setLineDash(
      face.state === 'named' ? [] : face.state === 'unknown' ? [line * 4, line * 3] : [line, line * 2],
    );
    ctx.strokeRect(x, y, width, height);
    ctx.setLineDash([]);
    const named = face.state === 'named' || face.personId !== null;
    const label = named ? name : face.state === 'unknown' ? 'Unknown' : 'Checking…';
    const labelHeight = font + pad * 1.5;
    const labelWidth = ctx.measureText(label).width + pad * 2;
    // Names always; "Unknown" and "Checking…" only where they fit over their box, so that on a
    // small tile a crowd's labels do not cover each other (the box's dashes say it already).
    if (!named && labelWidth > width + pad * 2) continue;
    // Above the box, or inside its top when the box touches the frame's top; never off the side.
    const top = y - labelHeight >= 0 ? y - labelHeight : y;
    const left = Math.min(Math.max(0, x - line / 2), Math.max(0, m.width - labelWidth));
    ctx.fillStyle = color;
    ctx.fillRect(left, top, labelWidth, labelHeight);
    ctx.fillStyle = '#000';
    ctx.fillText(label, left + pad, top + labelHeight / 2);
  }
  t.canvas.dataset.faces = names.join(',');
  t.canvas.dataset.seq = String(m.seq);
  t.drawn++;
  t.canvas.dataset.drawn = String(t.drawn);
  // Drawn on the canvas: the screen shows it at the next paint, at most one refresh later.
  const drawnAt = Date.now();
  t.latency.add(
    drawnAt - captureOnViewerClock(m.capturedAt, nodeClockAhead.get(header.address), serverClock.aheadMs),
  );
  t.drawnAt.push(drawnAt);
  t.firstDrawnAt ??= drawnAt;
}

/** Only the newest frame is decoded: one that arrives while another decodes replaces the waiting one. */
async function decode(t: Tile): Promise<void> {
  if (t.busy) return;
  t.busy = true;
  while (t.next) {
    const { header, jpeg } = t.next;
    t.next = null;
    try {
      draw(t, header, await createImageBitmap(jpeg));
      // The figures take each frame in as it is drawn, not at the next second's tick.
      render(t);
    } catch {
      // A frame that does not decode is skipped; the next one follows within a second.
    }
  }
  t.busy = false;
}

/** The "In view now" list, rebuilt only when who is where changes (not on every frame). */
let shownInView = '';
function renderInView(): void {
  const entries = [...tiles.values()]
    .filter((t) => t.online)
    .flatMap((t) => t.inView.map((person) => ({ person, t })))
    .sort((a, b) => a.person.name.localeCompare(b.person.name) || a.t.label.localeCompare(b.t.label));
  const signature = entries
    .map(({ person, t }) => `${t.key}|${t.label}|${person.personId}|${person.since}|${person.name}`)
    .join('\n');
  if (signature === shownInView) return;
  shownInView = signature;
  inViewList.replaceChildren(
    ...entries.map(({ person, t }) =>
      el(
        'li',
        { 'data-person': person.name, 'data-camera': t.key },
        el('span', { class: 'in-view-name' }, person.name),
        el('span', { class: 'in-view-where' }, t.label),
        el(
          'span',
          { class: 'in-view-since muted' },
          'since ',
          el(
            'time',
            { datetime: new Date(person.since).toISOString() },
            clock(new Date(person.since).toISOString()),
          ),
        ),
      ),
    ),
  );
  inViewCount.textContent = String(entries.length);
  inViewEmpty.hidden = entries.length > 0;
}

function onFrame(message: ArrayBuffer): void {
  const { header, jpeg } = decodeLiveFrame(message);
  // Before the node's first status reaches the server, a frame is all there is to name the tile by.
  const t = tile(header.key, {
    node: header.nodeId ?? header.address,
    cameraId: header.metadata.cameraId,
    name: null,
    role: null,
  });
  t.lastFrameAt = Date.now();
  t.nodeConnected = true;
  t.inView = header.inView;
  t.next = { header, jpeg: new Blob([jpeg], { type: 'image/jpeg' }) };
  void decode(t);
  render(t);
  renderInView();
  renderSummary();
}

function onStatus(status: LiveStatusMessage, receivedAt: number): void {
  serverClock.heard(status.sentAt, receivedAt);
  for (const node of status.nodes) {
    nodeClockAhead.set(node.address, node.clockSkewMs);
    const name = node.nodeId ?? node.address;
    const placeholderKey = `${node.address}|`;
    if (node.cameras.length === 0) {
      const t = tile(placeholderKey, `${name} (no camera reported)`);
      t.nodeConnected = node.connected;
      render(t);
    } else {
      const placeholder = tiles.get(placeholderKey);
      if (placeholder) {
        placeholder.root.remove();
        tiles.delete(placeholderKey);
      }
    }
    for (const camera of node.cameras) {
      const identity = { node: name, cameraId: camera.cameraId, name: camera.name, role: camera.role };
      const t = tile(camera.key, identity);
      describeTile(t, identity);
      t.status = camera;
      t.nodeConnected = node.connected;
      render(t);
    }
  }
  if (tiles.size === 0) empty.hidden = false;
  renderInView();
  renderSummary();
}

/** "Connected · 2 of 3 cameras live": written only when it changes (it is a live region). */
function renderSummary(): void {
  if (!socketOpen) return;
  const cameras = [...tiles.values()];
  const live = cameras.filter((t) => t.online).length;
  const text =
    cameras.length === 0
      ? 'Connected.'
      : `Connected · ${live} of ${cameras.length} camera${cameras.length === 1 ? '' : 's'} live`;
  if (stateLine.textContent !== text) stateLine.textContent = text;
}

function connect(): void {
  const socket = new WebSocket(
    `${location.protocol === 'https:' ? 'wss://' : 'ws://'}${location.host}${LIVE_SOCKET_PATH}`,
  );
  socket.binaryType = 'arraybuffer';
  socket.addEventListener('open', () => {
    socketOpen = true;
    stateLine.textContent = 'Connected.';
  });
  socket.addEventListener('message', (message: MessageEvent<string | ArrayBuffer>) => {
    if (typeof message.data === 'string') onStatus(JSON.parse(message.data) as LiveStatusMessage, Date.now());
    else onFrame(message.data);
  });
  socket.addEventListener('close', (event) => {
    // The session ended (signed out elsewhere, expired): the feed needs a new sign-in.
    if (event.code === SESSION_ENDED_CLOSE_CODE) {
      stateLine.textContent = 'Your session ended; sign in again.';
      location.assign('/login');
      return;
    }
    socketOpen = false;
    stateLine.textContent = 'Disconnected from the server; reconnecting…';
    for (const t of tiles.values()) {
      t.nodeConnected = false;
      render(t);
    }
    renderInView();
    setTimeout(connect, 2000);
  });
}

setInterval(() => {
  for (const t of tiles.values()) render(t);
  renderInView();
  renderSummary();
}, 1000);
connect();
