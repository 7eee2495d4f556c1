/**
 * The pages' scripts, served from `/assets/NAME.js` (the CSP allows only same-origin scripts, no
 * inline ones). Plain browser JavaScript with no build step. Data from the server reaches the page
 * only through `textContent`, attributes and canvas text, never `innerHTML`.
 */

import { ADMIN_SCRIPTS } from './admin-scripts.js';

/** Shared by every page: the API call with the CSRF header, element building, messages. */
const COMMON = String.raw`'use strict';
const CSRF = document.querySelector('meta[name=csrf-token]')?.getAttribute('content') ?? '';
async function api(path, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  if (init.method && init.method !== 'GET') headers.set('x-csrf-token', CSRF);
  const res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  if (!res.ok) {
    let message = 'the server answered ' + res.status;
    try {
      const body = await res.json();
      if (typeof body.message === 'string') message = body.message;
    } catch {}
    if (res.status === 401) location.assign('/login');
    throw new Error(message);
  }
  return res.json();
}
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}
function clock(iso) {
  return iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }) : '—';
}
function showError(id, error) {
  const box = document.getElementById(id);
  if (!box) return;
  box.textContent = error ? (error instanceof Error ? error.message : String(error)) : '';
  box.hidden = !error;
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Every item of a paged list: PATH with its own query (if any); KEY names the list in each page.
async function allPages(path, key) {
  const items = [];
  const join = path.includes('?') ? '&' : '?';
  for (let offset = 0; offset !== null; ) {
    const page = await api(path + join + 'limit=200&offset=' + offset);
    items.push(...page[key]);
    offset = page.nextOffset;
  }
  return items;
}
// Polls a training job until it settles; onProgress(job) sees every state on the way.
async function watchJob(jobId, onProgress) {
  for (;;) {
    const job = await api('/api/v1/jobs/' + encodeURIComponent(jobId));
    onProgress(job);
    if (job.state === 'completed' || job.state === 'failed') return job;
    await sleep(500);
  }
}
`;

const PEOPLE = String.raw`
const list = document.getElementById('people');
async function loadPeople() {
  try {
    const people = await allPages('/api/v1/people', 'people');
    people.sort((a, b) => a.name.localeCompare(b.name));
    list.replaceChildren(...people.map(personRow));
    document.getElementById('people-empty').hidden = people.length > 0;
    showError('people-error', null);
  } catch (error) {
    showError('people-error', error);
  }
}
function personRow(person) {
  const remove = el('button', { type: 'button', class: 'danger' }, 'Delete');
  remove.addEventListener('click', async () => {
    if (!confirm('Delete ' + person.name + '? Their photos, face data and recognition history are erased.')) return;
    remove.disabled = true;
    try {
      await api('/api/v1/people/' + encodeURIComponent(person.id), { method: 'DELETE' });
      await loadPeople();
    } catch (error) {
      remove.disabled = false;
      showError('people-error', error);
    }
  });
  return el('tr', { 'data-person': person.name }, el('td', {}, person.name), el('td', {}, new Date(person.createdAt).toLocaleString()), el('td', {}, remove));
}
const form = document.getElementById('enroll');
// Shows the training job of an enrollment (upload or webcam) until it settles; true when enrolled.
async function showTraining(upload) {
  const box = document.getElementById('job');
  const state = document.getElementById('job-state');
  const progress = document.getElementById('job-progress');
  const refusals = document.getElementById('job-refusals');
  box.hidden = false;
  refusals.replaceChildren();
  progress.value = 0;
  state.className = '';
  state.textContent = 'Uploading…';
  try {
    const { person, jobId } = await api('/api/v1/people', { method: 'POST', body: upload });
    state.textContent = 'Training ' + person.name + '…';
    await loadPeople();
    const job = await watchJob(jobId, (j) => {
      progress.value = typeof j.progress === 'number' ? j.progress : 0;
      state.textContent = 'Training ' + person.name + '… (' + j.state + ', ' + progress.value + '%)';
    });
    if (job.state === 'completed') {
      const result = job.result ?? {};
      const accepted = (result.accepted ?? []).length;
      const refused = result.refused ?? [];
      progress.value = 100;
      state.className = 'ok';
      state.textContent = person.name + ' is enrolled: ' + accepted + ' photo(s) accepted' + (refused.length ? ', ' + refused.length + ' refused.' : '.');
      const lookalikes = result.lookalikes ?? [];
      refusals.replaceChildren(
        ...lookalikes.map((l) => el('li', { class: 'warning' }, 'Warning: ' + l.message + '.')),
        ...refused.map((r) => el('li', { class: 'error' }, r.reason)),
      );
      return true;
    }
    state.className = 'error';
    state.textContent = 'Enrollment of ' + person.name + ' failed: ' + (job.failedReason ?? 'unknown reason');
    refusals.replaceChildren(...String(job.failedReason ?? '').split('; ').filter((r) => r.includes(': ')).map((r) => el('li', { class: 'error' }, r)));
    return false;
  } catch (error) {
    state.className = 'error';
    state.textContent = error instanceof Error ? error.message : String(error);
    return false;
  }
}
form.addEventListener('submit', async (submit) => {
  submit.preventDefault();
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    if (await showTraining(new FormData(form))) form.reset();
  } finally {
    button.disabled = false;
  }
});

// Webcam enrollment: getUserMedia → a canvas → JPEG blobs, sent like uploaded photos.
const camera = {
  video: document.getElementById('camera-video'),
  state: document.getElementById('camera-state'),
  start: document.getElementById('camera-start'),
  shoot: document.getElementById('camera-shoot'),
  send: document.getElementById('camera-enroll'),
  shots: document.getElementById('camera-shots'),
  stream: null,
  blobs: [],
};
function cameraMessage(text, kind) {
  camera.state.textContent = text;
  camera.state.className = kind ?? '';
}
function cameraProblem(error) {
  const name = error && error.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'The browser was not allowed to use the camera. Allow camera access for this site (the camera icon in the address bar) and try again.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found on this computer. Connect one, or upload photos instead.';
  if (name === 'NotReadableError') return 'The camera is busy in another program. Close it there and try again.';
  return 'The camera could not be started: ' + (error && error.message ? error.message : String(error));
}
function stopCamera() {
  for (const track of camera.stream?.getTracks() ?? []) track.stop();
  camera.stream = null;
  camera.video.hidden = true;
  camera.shoot.disabled = true;
}
camera.start.addEventListener('click', async () => {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    cameraMessage('This browser offers no camera on this page: browsers allow cameras only over HTTPS or on localhost. Upload photos instead.', 'error');
    return;
  }
  camera.start.disabled = true;
  cameraMessage('Starting the camera…');
  try {
    camera.stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
    camera.video.srcObject = camera.stream;
    camera.video.hidden = false;
    await camera.video.play();
    camera.shoot.disabled = false;
    cameraMessage('Camera on. Take three or more photos.');
  } catch (error) {
    stopCamera();
    cameraMessage(cameraProblem(error), 'error');
  } finally {
    camera.start.disabled = false;
  }
});
camera.shoot.addEventListener('click', async () => {
  const { videoWidth: width, videoHeight: height } = camera.video;
  if (!width || !height) {
    cameraMessage('The camera shows no picture yet; wait a moment.', 'error');
    return;
  }
  const canvas = el('canvas', { width: String(width), height: String(height) });
  canvas.getContext('2d').drawImage(camera.video, 0, 0, width, height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.92));
  if (!blob) {
    cameraMessage('The photo could not be taken; try again.', 'error');
    return;
  }
  camera.blobs.push(blob);
  // A data: URL, not a blob: one: the CSP allows images only from this site and data: URLs.
  camera.shots.append(el('img', { src: canvas.toDataURL('image/jpeg', 0.6), alt: 'photo ' + camera.blobs.length }));
  camera.send.disabled = false;
  cameraMessage(camera.blobs.length + ' photo(s) taken.');
});
camera.send.addEventListener('click', async () => {
  const name = document.getElementById('person-name').value.trim();
  if (!name) {
    cameraMessage('Enter the person\'s name above first.', 'error');
    document.getElementById('person-name').focus();
    return;
  }
  const upload = new FormData();
  upload.append('name', name);
  camera.blobs.forEach((blob, i) => upload.append('photos', blob, 'webcam-' + (i + 1) + '.jpg'));
  camera.send.disabled = true;
  if (await showTraining(upload)) {
    stopCamera();
    camera.blobs = [];
    camera.shots.replaceChildren();
    cameraMessage('');
    form.reset();
  } else {
    camera.send.disabled = false;
  }
});
void loadPeople();
`;

const ATTENDANCE = String.raw`
const range = document.getElementById('range');
const from = document.getElementById('from');
const to = document.getElementById('to');
const MAX_DAYS = 62;
function days(a, b) {
  const out = [];
  for (let t = Date.parse(a + 'T00:00:00Z'); t <= Date.parse(b + 'T00:00:00Z') && out.length < MAX_DAYS; t += 86400000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}
function dayRecords(day) {
  return allPages('/api/v1/attendance?date=' + day, 'records');
}
function chart(counts) {
  const NS = 'http://www.w3.org/2000/svg';
  const width = 720, height = 180, pad = 24;
  const max = Math.max(1, ...counts.map((c) => c.count));
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  svg.setAttribute('width', '100%');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'people present per day');
  const slot = (width - pad) / Math.max(1, counts.length);
  const barWidth = Math.min(slot * 0.8, 60);
  counts.forEach((c, i) => {
    const h = ((height - 2 * pad) * c.count) / max;
    const x = pad + i * slot;
    const bar = document.createElementNS(NS, 'rect');
    bar.setAttribute('x', String(x + (slot - barWidth) / 2));
    bar.setAttribute('y', String(height - pad - h));
    bar.setAttribute('width', String(barWidth));
    bar.setAttribute('height', String(h));
    bar.setAttribute('fill', '#3a6ea5');
    bar.setAttribute('data-day', c.day);
    const title = document.createElementNS(NS, 'title');
    title.textContent = c.day + ': ' + c.count + ' present';
    bar.append(title);
    const value = document.createElementNS(NS, 'text');
    value.setAttribute('x', String(x + slot / 2));
    value.setAttribute('y', String(height - pad - h - 4));
    value.setAttribute('text-anchor', 'middle');
    value.setAttribute('font-size', '12');
    value.textContent = String(c.count);
    const label = document.createElementNS(NS, 'text');
    label.setAttribute('x', String(x + slot / 2));
    label.setAttribute('y', String(height - 6));
    label.setAttribute('text-anchor', 'middle');
    label.setAttribute('font-size', '11');
    label.textContent = counts.length > 14 ? c.day.slice(8) : c.day.slice(5);
    svg.append(bar, value, label);
  });
  const axis = document.createElementNS(NS, 'line');
  axis.setAttribute('x1', String(pad));
  axis.setAttribute('x2', String(width));
  axis.setAttribute('y1', String(height - pad));
  axis.setAttribute('y2', String(height - pad));
  axis.setAttribute('stroke', '#555');
  svg.append(axis);
  document.getElementById('chart').replaceChildren(svg);
}
async function show() {
  if (to.value < from.value) to.value = from.value;
  const list = days(from.value, to.value);
  if (list.length > 0) to.value = list[list.length - 1];
  document.getElementById('csv').setAttribute('href', '/api/v1/attendance.csv?from=' + from.value + '&to=' + to.value);
  try {
    const perDay = await Promise.all(list.map(dayRecords));
    chart(list.map((day, i) => ({ day, count: perDay[i].length })));
    const rows = perDay.flat().map((r) =>
      el('tr', { 'data-person': r.person.name }, el('td', {}, r.day), el('td', {}, r.person.name), el('td', { class: 'check-in' }, clock(r.firstSeen)), el('td', { class: 'check-out' }, clock(r.lastSeen)), el('td', {}, r.lastCamera === r.camera ? r.camera : r.camera + ' → ' + r.lastCamera), el('td', {}, r.sightings), el('td', { class: 'note' }, r.corrected ? 'corrected' : '')),
    );
    document.getElementById('records').replaceChildren(...rows);
    document.getElementById('records-empty').hidden = rows.length > 0;
    const corrections = (await Promise.all(list.map(dayCorrections))).flat();
    document.getElementById('corrections').replaceChildren(...corrections.map(correctionRow));
    document.getElementById('corrections-empty').hidden = corrections.length > 0;
    showError('attendance-error', null);
  } catch (error) {
    showError('attendance-error', error);
  }
}
function dayCorrections(day) {
  return allPages('/api/v1/attendance/corrections?date=' + day, 'corrections');
}
function correctionRow(c) {
  const change = c.present ? 'present ' + clock(c.firstSeen) + '–' + clock(c.lastSeen) : 'absent';
  return el('tr', { 'data-person': c.person.name ?? c.person.id }, el('td', {}, c.day), el('td', {}, c.person.name ?? '(deleted)'), el('td', { class: 'change' }, change), el('td', { class: 'reason' }, c.reason), el('td', {}, c.by), el('td', {}, new Date(c.at).toLocaleString()));
}
// Administrators get the correction form; it lists the people to choose from.
const correct = document.getElementById('correct');
if (correct) {
  const who = document.getElementById('correct-person');
  const present = document.getElementById('correct-present');
  const times = [document.getElementById('correct-in'), document.getElementById('correct-out')];
  const toggleTimes = () => times.forEach((t) => { t.disabled = present.value !== 'true'; });
  present.addEventListener('change', toggleTimes);
  (async () => {
    const people = await allPages('/api/v1/people', 'people');
    people.sort((a, b) => a.name.localeCompare(b.name));
    who.replaceChildren(...people.map((p) => el('option', { value: p.id }, p.name)));
  })().catch((error) => showError('attendance-error', error));
  correct.addEventListener('submit', async (event) => {
    event.preventDefault();
    const state = document.getElementById('correct-state');
    const body = { personId: who.value, day: document.getElementById('correct-day').value, present: present.value === 'true', reason: document.getElementById('correct-reason').value };
    if (body.present) {
      body.checkIn = times[0].value;
      body.checkOut = times[1].value;
    }
    try {
      await api('/api/v1/attendance/corrections', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      state.className = 'ok';
      state.textContent = 'Saved: ' + who.selectedOptions[0].textContent + ' ' + (body.present ? 'present' : 'absent') + ' on ' + body.day + '.';
      document.getElementById('correct-reason').value = '';
      await show();
    } catch (error) {
      state.className = 'error';
      state.textContent = error instanceof Error ? error.message : String(error);
    }
  });
}
range.addEventListener('submit', (event) => {
  event.preventDefault();
  void show();
});
document.getElementById('today').addEventListener('click', () => {
  from.value = to.value = range.dataset.today;
  void show();
});
void show();
// Today's list grows while people arrive.
setInterval(() => {
  if (to.value === range.dataset.today && document.visibilityState === 'visible') void show();
}, 15000);
`;

const NODES = String.raw`
async function refresh() {
  try {
    const { nodes } = await api('/api/v1/nodes');
    const rows = nodes.map((n) => {
      const state = n.connected ? el('span', { class: 'ok' }, 'connected') : el('span', { class: 'offline' }, 'OFFLINE');
      const cameras = n.cameras.map((c) => c.cameraId + (c.online ? '' : ' (offline)')).join(', ') || '—';
      return el('tr', { 'data-address': n.address }, el('td', {}, n.nodeId ?? '—'), el('td', {}, n.address), el('td', {}, state), el('td', {}, n.connected ? n.fps.toFixed(1) : '—'), el('td', {}, cameras), el('td', {}, n.galleryVersion ?? '—'), el('td', {}, n.descriptorModel ?? '—'), el('td', {}, n.outboxDepth ?? '—'), el('td', {}, n.lastHeartbeatAt ? clock(n.lastHeartbeatAt) : 'never'));
    });
    document.getElementById('nodes').replaceChildren(...rows);
    document.getElementById('nodes-empty').hidden = rows.length > 0;
    showError('nodes-error', null);
  } catch (error) {
    showError('nodes-error', error);
  }
}
void refresh();
setInterval(refresh, 2000);
`;

const LIVE = String.raw`
const STALE_MS = 5000;
const grid = document.getElementById('cams');
const tiles = new Map();
function tile(key, label) {
  let t = tiles.get(key);
  if (t) return t;
  const canvas = el('canvas', { width: '640', height: '360' });
  const title = el('strong', {}, label);
  const state = el('span', { class: 'offline' }, ' offline');
  const info = el('div', { class: 'muted' }, 'no frame yet');
  const root = el('figure', { class: 'cam', 'data-camera': key }, el('figcaption', {}, title, state), canvas, info);
  grid.append(root);
  document.getElementById('cams-empty').hidden = true;
  t = { root, canvas, state, info, lastFrameAt: 0, arrivals: [], status: null, nodeConnected: false, busy: false, next: null, latencyMs: null };
  tiles.set(key, t);
  return t;
}
function render(t) {
  const now = Date.now();
  t.arrivals = t.arrivals.filter((at) => now - at < 3000);
  const online = t.nodeConnected && (t.status ? t.status.online : true) && now - t.lastFrameAt < STALE_MS;
  t.state.textContent = online ? ' live' : ' offline';
  t.state.className = online ? 'ok' : 'offline';
  t.root.dataset.state = online ? 'live' : 'offline';
  const parts = [];
  parts.push('view ' + (t.arrivals.length / 3).toFixed(1) + ' fps');
  if (t.status) parts.push('node ' + t.status.fps.toFixed(1) + ' fps');
  if (t.latencyMs !== null) parts.push('latency ' + Math.round(t.latencyMs) + ' ms');
  if (t.status && t.status.latencyP95Ms !== null) parts.push('p95 ' + Math.round(t.status.latencyP95Ms) + ' ms');
  t.info.textContent = t.lastFrameAt ? parts.join(' · ') : 'no frame yet';
}
function draw(t, header, bitmap) {
  const m = header.metadata;
  const ctx = t.canvas.getContext('2d');
  if (t.canvas.width !== m.width) t.canvas.width = m.width;
  if (t.canvas.height !== m.height) t.canvas.height = m.height;
  ctx.drawImage(bitmap, 0, 0, m.width, m.height);
  bitmap.close();
  const line = Math.max(2, m.width / 320);
  ctx.lineWidth = line;
  ctx.font = 'bold ' + Math.round(line * 8) + 'px system-ui, sans-serif';
  const names = [];
  for (const face of m.faces) {
    const color = face.state === 'named' ? '#2ecc40' : face.state === 'unknown' ? '#ff4136' : '#ffdc00';
    const name = face.personId ? header.names[face.personId] ?? '…' : face.state === 'unknown' ? 'unknown' : '?';
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
// Only the newest frame is decoded: one that arrives while another decodes replaces the waiting one.
async function decode(t) {
  if (t.busy) return;
  t.busy = true;
  while (t.next) {
    const { header, jpeg } = t.next;
    t.next = null;
    try {
      draw(t, header, await createImageBitmap(jpeg));
    } catch {}
  }
  t.busy = false;
}
function onFrame(buffer) {
  const length = new DataView(buffer).getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  const t = tile(header.key, (header.nodeId ?? header.address) + ' / ' + header.metadata.cameraId);
  t.lastFrameAt = Date.now();
  t.arrivals.push(t.lastFrameAt);
  t.latencyMs = header.metadata.latencyMs;
  t.nodeConnected = true;
  t.next = { header, jpeg: new Blob([new Uint8Array(buffer, 4 + length)], { type: 'image/jpeg' }) };
  void decode(t);
  render(t);
}
function onStatus(status) {
  for (const node of status.nodes) {
    const name = node.nodeId ?? node.address;
    if (node.cameras.length === 0) {
      const t = tile(node.address + '|', name + ' (no camera reported)');
      t.nodeConnected = node.connected;
      render(t);
    } else {
      const placeholder = tiles.get(node.address + '|');
      if (placeholder) {
        placeholder.root.remove();
        tiles.delete(node.address + '|');
      }
    }
    for (const camera of node.cameras) {
      const t = tile(camera.key, name + ' / ' + camera.cameraId);
      t.status = camera;
      t.nodeConnected = node.connected;
      render(t);
    }
  }
  if (tiles.size === 0) document.getElementById('cams-empty').hidden = false;
}
function connect() {
  const stateLine = document.getElementById('live-state');
  const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/live/socket');
  socket.binaryType = 'arraybuffer';
  socket.addEventListener('open', () => {
    stateLine.textContent = 'Connected.';
  });
  socket.addEventListener('message', (message) => {
    if (typeof message.data === 'string') onStatus(JSON.parse(message.data));
    else onFrame(message.data);
  });
  socket.addEventListener('close', (event) => {
    // 4401: the session ended (signed out elsewhere, expired): the feed needs a new sign-in.
    if (event.code === 4401) {
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
`;

/** Script name → source, as served at `/assets/NAME.js`. */
export const CLIENT_SCRIPTS: Readonly<Record<string, string>> = {
  people: COMMON + PEOPLE,
  attendance: COMMON + ATTENDANCE,
  nodes: COMMON + NODES,
  live: COMMON + LIVE,
  ...Object.fromEntries(Object.entries(ADMIN_SCRIPTS).map(([name, body]) => [name, COMMON + body])),
};
