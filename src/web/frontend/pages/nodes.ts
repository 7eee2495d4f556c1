/** Nodes: each recognition node's state, refreshed every 2 seconds. */
import type { NodeView, NodesAnswer } from '../../api-views.js';
import { NODES_IDS as ID } from '../../page-ids.js';
import { api } from '../lib/api.js';
import { byId, clock, el, showError } from '../lib/dom.js';

/** `ms` as people say a clock's error: "12 s", "10 min 2 s", "3 h 5 min". */
function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return s % 60 === 0 ? `${min} min` : `${min} min ${s % 60} s`;
  const h = Math.floor(min / 60);
  return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
}

function clockOff(skewMs: number): string {
  return `${duration(skewMs)} ${skewMs > 0 ? 'ahead' : 'behind'}`;
}

/** The node's clock against this web node's: flagged when its event times are being corrected. */
function clockCell(n: NodeView): HTMLTableCellElement {
  if (n.clockSkewMs === null) return el('td', {}, '—');
  const off = clockOff(n.clockSkewMs);
  if (n.clockSkewed) {
    return el(
      'td',
      { class: 'clock-skewed' },
      el('span', { class: 'offline' }, `⚠ ${off}`),
      el('br'),
      el('span', { class: 'muted' }, 'times corrected'),
    );
  }
  return el('td', { class: 'muted' }, Math.abs(n.clockSkewMs) < 1000 ? 'in sync' : off);
}

function nodeRow(n: NodeView): HTMLTableRowElement {
  const state = n.connected
    ? el('span', { class: 'ok' }, 'connected')
    : el('span', { class: 'offline' }, 'OFFLINE');
  const cameras = n.cameras.map((c) => c.cameraId + (c.online ? '' : ' (offline)')).join(', ') || '—';
  return el(
    'tr',
    { 'data-address': n.address },
    el('td', {}, n.nodeId ?? '—'),
    el('td', {}, n.address),
    el('td', {}, state),
    el('td', {}, n.connected ? n.fps.toFixed(1) : '—'),
    el('td', {}, cameras),
    el('td', {}, n.galleryVersion ?? '—'),
    el('td', {}, n.descriptorModel ?? '—'),
    el('td', {}, n.outboxDepth ?? '—'),
    el('td', {}, n.lastHeartbeatAt ? clock(n.lastHeartbeatAt) : 'never'),
    clockCell(n),
  );
}

/** Above the fold on a phone too, where the Clock column is scrolled out of view: which clocks are off. */
function showClockNote(nodes: readonly NodeView[]): void {
  const note = byId(ID.clockNote, HTMLElement);
  const skewed = nodes.filter((n) => n.clockSkewed && n.clockSkewMs !== null);
  note.hidden = skewed.length === 0;
  if (skewed.length === 0) return;
  const which = skewed.map((n) => `${n.nodeId ?? n.address} (${clockOff(n.clockSkewMs ?? 0)})`).join(', ');
  note.textContent =
    `Clock off on ${which}. Rollcall counts ${skewed.length === 1 ? 'its' : 'their'} events at the ` +
    "node's time corrected by the offset measured from its heartbeats, so attendance stays right; " +
    `set ${skewed.length === 1 ? 'that clock' : 'those clocks'} right (NTP).`;
}

async function refresh(): Promise<void> {
  try {
    const { nodes } = await api<NodesAnswer>('/api/v1/nodes');
    const rows = nodes.map(nodeRow);
    byId(ID.list, HTMLTableSectionElement).replaceChildren(...rows);
    byId(ID.empty, HTMLElement).hidden = rows.length > 0;
    showClockNote(nodes);
    showError(ID.error, null);
  } catch (error) {
    showError(ID.error, error);
  }
}

void refresh();
setInterval(() => void refresh(), 2000);
