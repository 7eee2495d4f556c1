/** Nodes: each recognition node's state, refreshed every 2 seconds. */
import type { NodeView, NodesAnswer } from '../../api-views.js';
import { NODES_IDS as ID } from '../../page-ids.js';
import { api } from '../lib/api.js';
import { byId, clock, el, showError } from '../lib/dom.js';

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
  );
}

async function refresh(): Promise<void> {
  try {
    const { nodes } = await api<NodesAnswer>('/api/v1/nodes');
    const rows = nodes.map(nodeRow);
    byId(ID.list, HTMLTableSectionElement).replaceChildren(...rows);
    byId(ID.empty, HTMLElement).hidden = rows.length > 0;
    showError(ID.error, null);
  } catch (error) {
    showError(ID.error, error);
  }
}

void refresh();
setInterval(() => void refresh(), 2000);
