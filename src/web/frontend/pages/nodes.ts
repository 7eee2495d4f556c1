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

/** The node's clock against this web node's: flagged when its event times are being corrected. */
function clockCell(n: NodeView): HTMLTableCellElement {
  if (n.clockSkewMs === null) return el('td', {}, '—');
  const off = `${duration(n.clockSkewMs)} ${n.clockSkewMs > 0 ? 'ahead' : 'behind'}`;
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

async function refresh(): Promise<void> {
  try {
    const { nodes } = await api<NodesAnswer>('/api/v1/nodes');
    const rows = nodes.map(nodeRow);
    byId(ID.list, HTMLTableSectionElement).replaceChildren(...rows);
    byId(ID.empty, HTMLElement).hidden = rows.length > 0;
    byId(ID.clockNote, HTMLElement).hidden = !nodes.some((n) => n.clockSkewed);
    showError(ID.error, null);
  } catch (error) {
    showError(ID.error, error);
  }
}

void refresh();
setInterval(() => void refresh(), 2000);
