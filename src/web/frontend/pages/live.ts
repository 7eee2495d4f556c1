/**
 * Live: every camera of every node on a canvas, with boxes and names, view and node fps, latency;
 * "offline" when the node or camera is down or silent for {@link STALE_MS}. Fed by the live socket
 * (`live-protocol.ts`): status as text, frames as binary.
 */
import {
  LIVE_SOCKET_PATH,
  SESSION_ENDED_CLOSE_CODE,
  decodeLiveFrame,
  type LiveCameraStatus,
  type LiveFrameHeader,
  type LiveStatusMessage,
} from '../../live-protocol.js';
import { LIVE_IDS as ID } from '../../page-ids.js';
import { byId, el } from '../lib/dom.js';

const STALE_MS = 5000;
const grid = byId(ID.cams, HTMLElement);
const empty = byId(ID.empty, HTMLElement);

interface Tile {
  root: HTMLElement;
  canvas: HTMLCanvasElement;
  state: HTMLElement;
  info: HTMLElement;
  lastFrameAt: number;
  /** When the frames of the last 3 s arrived, for the view's rate. */
  arrivals: number[];
  status: LiveCameraStatus | null;
  nodeConnected: boolean;
  busy: boolean;
  /** The newest frame not yet decoded. */
  next: { header: LiveFrameHeader; jpeg: Blob } | null;
  latencyMs: number | null;
}

const tiles = new Map<string, Tile>();

function tile(key: string, label: string): Tile {
  const found = tiles.get(key);
  if (found) return found;
  const canvas = el('canvas', { width: '640', height: '360' });
  const state = el('span', { class: 'offline' }, ' offline');
  const info = el('div', { class: 'muted' }, 'no frame yet');
  const root = el(
    'figure',
    { class: 'cam', 'data-camera': key },
    el('figcaption', {}, el('strong', {}, label), state),
    canvas,
    info,
  );
  grid.append(root);
  empty.hidden = true;
  const t: Tile = {
    root,
    canvas,
    state,
    info,
    lastFrameAt: 0,
    arrivals: [],
    status: null,
    nodeConnected: false,
    busy: false,
    next: null,
    latencyMs: null,
  };
  tiles.set(key, t);
  return t;
}

function render(t: Tile): void {
  const now = Date.now();
  t.arrivals = t.arrivals.filter((at) => now - at < 3000);
  const online = t.nodeConnected && (t.status ? t.status.online : true) && now - t.lastFrameAt < STALE_MS;
  t.state.textContent = online ? ' live' : ' offline';
  t.state.className = online ? 'ok' : 'offline';
  t.root.dataset.state = online ? 'live' : 'offline';
  const parts = [`view ${(t.arrivals.length / 3).toFixed(1)} fps`];
  if (t.status) parts.push(`node ${t.status.fps.toFixed(1)} fps`);
  if (t.latencyMs !== null) parts.push(`latency ${Math.round(t.latencyMs)} ms`);
  if (t.status && t.status.latencyP95Ms !== null) parts.push(`p95 ${Math.round(t.status.latencyP95Ms)} ms`);
  t.info.textContent = t.lastFrameAt ? parts.join(' · ') : 'no frame yet';
}

function draw(t: Tile, header: LiveFrameHeader, bitmap: ImageBitmap): void {
  const m = header.metadata;
  const ctx = t.canvas.getContext('2d');
  if (!ctx) return;
  if (t.canvas.width !== m.width) t.canvas.width = m.width;
  if (t.canvas.height !== m.height) t.canvas.height = m.height;
  ctx.drawImage(bitmap, 0, 0, m.width, m.height);
  bitmap.close();
  const line = Math.max(2, m.width / 320);
  ctx.lineWidth = line;
  ctx.font = `bold ${Math.round(line * 8)}px system-ui, sans-serif`;
  const names: string[] = [];
  for (const face of m.faces) {
    const color = face.state === 'named' ? '#2ecc40' : face.state === 'unknown' ? '#ff4136' : '#ffdc00';
    const name = face.personId
      ? (header.names[face.personId] ?? '…')
      : face.state === 'unknown'
        ? 'unknown'
        : '?';
    names.push(name);
    ctx.strokeStyle = color;
    ctx.strokeRect(face.box.x, face.box.y, face.box.width, face.box.height);
    const textWidth = ctx.measureText(name).width;
    const y = Math.max(line * 10, face.box.y);
    ctx.fillStyle = color;
    ctx.fillRect(face.box.x, y - line * 10, textWidth + line * 4, line * 10);
    ctx.fillStyle = '#000';
    ctx.fillText(name, face.box.x + line * 2, y - line * 2);
  }
  t.canvas.dataset.faces = names.join(',');
  t.canvas.dataset.seq = String(m.seq);
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
    } catch {
      // A frame that does not decode is skipped; the next one follows within a second.
    }
  }
  t.busy = false;
}

function onFrame(message: ArrayBuffer): void {
  const { header, jpeg } = decodeLiveFrame(message);
  const t = tile(header.key, `${header.nodeId ?? header.address} / ${header.metadata.cameraId}`);
  t.lastFrameAt = Date.now();
  t.arrivals.push(t.lastFrameAt);
  t.latencyMs = header.metadata.latencyMs;
  t.nodeConnected = true;
  t.next = { header, jpeg: new Blob([jpeg], { type: 'image/jpeg' }) };
  void decode(t);
  render(t);
}

function onStatus(status: LiveStatusMessage): void {
  for (const node of status.nodes) {
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
      const t = tile(camera.key, `${name} / ${camera.cameraId}`);
      t.status = camera;
      t.nodeConnected = node.connected;
      render(t);
    }
  }
  if (tiles.size === 0) empty.hidden = false;
}

function connect(): void {
  const stateLine = byId(ID.state, HTMLElement);
  const socket = new WebSocket(
    `${location.protocol === 'https:' ? 'wss://' : 'ws://'}${location.host}${LIVE_SOCKET_PATH}`,
  );
  socket.binaryType = 'arraybuffer';
  socket.addEventListener('open', () => {
    stateLine.textContent = 'Connected.';
  });
  socket.addEventListener('message', (message: MessageEvent<string | ArrayBuffer>) => {
    if (typeof message.data === 'string') onStatus(JSON.parse(message.data) as LiveStatusMessage);
    else onFrame(message.data);
  });
  socket.addEventListener('close', (event) => {
    // The session ended (signed out elsewhere, expired): the feed needs a new sign-in.
    if (event.code === SESSION_ENDED_CLOSE_CODE) {
      stateLine.textContent = 'Your session ended; sign in again.';
      location.assign('/login');
      return;
    }
    stateLine.textContent = 'Disconnected from the server; reconnecting…';
    for (const t of tiles.values()) {
      t.nodeConnected = false;
      render(t);
    }
    setTimeout(connect, 2000);
  });
}

setInterval(() => {
  for (const t of tiles.values()) render(t);
}, 1000);
connect();
