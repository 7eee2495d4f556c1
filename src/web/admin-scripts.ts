/**
 * The scripts of the administrators' pages (Unknown faces, Settings, Users), without the shared
 * helpers that `client-scripts.ts` puts in front of each (`api`, `el`, `showError`, `watchJob`).
 * As there, server data reaches the page only through `textContent` and attributes.
 */

const UNKNOWN_FACES = String.raw`
const grid = document.getElementById('faces');
const status = document.getElementById('status');
let people = [];
async function loadPeople() {
  people = await allPages('/api/v1/people', 'people');
  people.sort((a, b) => a.name.localeCompare(b.name));
  document.getElementById('people-names').replaceChildren(...people.map((p) => el('option', { value: p.name })));
}
function faceCard(face) {
  const when = new Date(face.at).toLocaleString();
  const card = el('figure', { class: 'face', 'data-face': face.id, 'data-status': face.status },
    face.hasCrop ? el('img', { src: '/api/v1/unknown-faces/' + encodeURIComponent(face.id) + '/crop.jpg', alt: 'unknown face seen ' + when }) : el('p', { class: 'muted' }, '(picture no longer kept)'),
    el('figcaption', {}, el('strong', {}, when), el('br'), 'camera ' + face.cameraId + ' on ' + face.nodeId));
  const state = el('p', { class: 'face-state', role: 'status' });
  if (face.status === 'assigned') state.textContent = 'Assigned to ' + (face.assignedPersonName ?? 'a deleted person');
  if (face.status === 'dismissed') state.textContent = 'Dismissed';
  card.append(state);
  if (face.status !== 'open') return card;
  const name = el('input', { name: 'name', list: 'people-names', placeholder: 'Who is this?', required: '', maxlength: '200', 'aria-label': 'name of the person' });
  const assign = el('form', {}, name, el('button', { type: 'submit' }, 'Assign'));
  const progress = el('progress', { max: '100', value: '0', hidden: '' });
  const dismiss = el('button', { type: 'button', class: 'dismiss' }, 'Dismiss');
  if (face.unconfirmed && face.candidate) {
    // The camera held this face back: it came near someone enrolled without being sure enough.
    const candidate = face.candidate;
    const yes = el('button', { type: 'button', class: 'candidate-yes' }, 'Yes, ' + candidate.name);
    yes.addEventListener('click', () => {
      name.value = candidate.name;
      assign.requestSubmit();
    });
    card.append(el('p', { class: 'candidate' }, 'Not marked present: looks like ' + candidate.name + ', but not enough to be sure. Is it?'), yes);
  }
  card.append(assign, dismiss, progress);
  assign.addEventListener('submit', async (event) => {
    event.preventDefault();
    const typed = name.value.trim();
    // A name of someone enrolled adds the face to them; any other name enrolls a new person.
    const known = people.find((p) => p.name.toLowerCase() === typed.toLowerCase());
    const body = known ? { personId: known.id } : { name: typed };
    assign.querySelector('button').disabled = dismiss.disabled = true;
    state.className = 'face-state';
    state.textContent = 'Assigning…';
    try {
      const { person, jobId } = await api('/api/v1/unknown-faces/' + encodeURIComponent(face.id) + '/assign', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assign.remove();
      dismiss.remove();
      for (const stale of card.querySelectorAll('.candidate, .candidate-yes')) stale.remove();
      progress.hidden = false;
      const job = await watchJob(jobId, (j) => {
        progress.value = typeof j.progress === 'number' ? j.progress : 0;
        state.textContent = 'Training ' + person.name + '… (' + j.state + ')';
      });
      card.dataset.status = 'assigned';
      if (job.state === 'completed') {
        progress.value = 100;
        state.className = 'face-state ok';
        const lookalikes = (job.result && job.result.lookalikes) || [];
        state.textContent = 'Assigned to ' + person.name + '; trained.' + lookalikes.map((l) => ' Warning: the face ' + l.message.replace(/^[^:]*: /, '') + '.').join('');
        if (lookalikes.length) state.className = 'face-state warning';
      } else {
        state.className = 'face-state error';
        state.textContent = 'Assigned to ' + person.name + ', but training refused the picture: ' + (job.failedReason ?? 'unknown reason');
      }
      void loadPeople();
    } catch (error) {
      assign.querySelector('button').disabled = dismiss.disabled = false;
      state.className = 'face-state error';
      state.textContent = error instanceof Error ? error.message : String(error);
    }
  });
  dismiss.addEventListener('click', async () => {
    dismiss.disabled = true;
    try {
      await api('/api/v1/unknown-faces/' + encodeURIComponent(face.id) + '/dismiss', { method: 'POST' });
      card.remove();
      document.getElementById('faces-empty').hidden = grid.children.length > 0;
    } catch (error) {
      dismiss.disabled = false;
      state.className = 'face-state error';
      state.textContent = error instanceof Error ? error.message : String(error);
    }
  });
  return card;
}
async function loadFaces() {
  try {
    const { faces } = await api('/api/v1/unknown-faces?limit=200&status=' + status.value);
    grid.replaceChildren(...faces.map(faceCard));
    document.getElementById('faces-empty').hidden = faces.length > 0;
    showError('faces-error', null);
  } catch (error) {
    showError('faces-error', error);
  }
}
status.addEventListener('change', () => void loadFaces());
loadPeople().catch((error) => showError('faces-error', error)).finally(() => void loadFaces());
`;

const SETTINGS = String.raw`
const form = document.getElementById('settings');
const state = document.getElementById('settings-state');
const calibrationText = document.getElementById('calibration');
const NUMBERS = ['consensusFrames', 'sightingIntervalS', 'retentionDays'];
const percent = (rate) => rate < 0.00001 ? 'less than 0.001%' : (rate * 100).toFixed(rate < 0.001 ? 3 : rate < 0.1 ? 2 : 1) + '%';
function fill(settings) {
  for (const key of [...NUMBERS, 'timeZone']) form.elements.namedItem(key).value = String(settings[key]);
  form.elements.namedItem('strangerRatePercent').value = String(+(settings.strangerRateTarget * 100).toFixed(4));
  for (const key of ['matchThreshold', 'unknownThreshold']) {
    form.elements.namedItem(key).value = settings[key] === null ? '' : String(settings[key]);
  }
  document.getElementById('manual-thresholds').open = settings.matchThreshold !== null;
}
function explain(calibration) {
  if (!calibration) {
    calibrationText.textContent = '';
    return;
  }
  const people = calibration.people + ' enrolled ' + (calibration.people === 1 ? 'person' : 'people');
  const thresholds = 'match below ' + calibration.match.toFixed(3) + ', unknown from ' + calibration.unknown.toFixed(3) + ' (' + calibration.model + ' model)';
  if (calibration.basis === 'prior') {
    calibrationText.textContent = 'With ' + people + ' the gallery is too small to measure itself; the model\'s cautious defaults apply: ' + thresholds + '.';
  } else {
    const expected = calibration.expectedStrangerRate === null ? 'not yet measurable (nobody enrolled)' : (calibration.expectedStrangerRate < 0.00001 ? '' : 'about ') + percent(calibration.expectedStrangerRate);
    calibrationText.textContent = (calibration.basis === 'fixed' ? 'Set by hand: ' : 'Calibrated for ' + people + ': ') + thresholds + '. Expected strangers named: ' + expected + '.';
  }
}
if (Intl.supportedValuesOf) {
  document.getElementById('time-zones').replaceChildren(...Intl.supportedValuesOf('timeZone').map((zone) => el('option', { value: zone })));
}
api('/api/v1/settings').then(({ settings, calibration }) => {
  fill(settings);
  explain(calibration);
}, (error) => {
  state.className = 'error';
  state.textContent = error.message;
});
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = {};
  for (const key of NUMBERS) body[key] = Number(form.elements.namedItem(key).value);
  body.strangerRateTarget = Number(form.elements.namedItem('strangerRatePercent').value) / 100;
  for (const key of ['matchThreshold', 'unknownThreshold']) {
    const value = form.elements.namedItem(key).value.trim();
    body[key] = value === '' ? null : Number(value);
  }
  body.timeZone = form.elements.namedItem('timeZone').value.trim();
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const { settings, pushedTo, calibration } = await api('/api/v1/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    fill(settings);
    explain(calibration);
    state.className = 'ok';
    state.textContent = 'Saved. Sent to ' + pushedTo + ' connected recognition node(s); others get them when they connect.';
  } catch (error) {
    state.className = 'error';
    state.textContent = error instanceof Error ? error.message : String(error);
  } finally {
    button.disabled = false;
  }
});
`;

const USERS = String.raw`
const list = document.getElementById('users');
const me = list.dataset.me;
const json = (method, body) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
async function change(action) {
  try {
    await action();
    showError('users-error', null);
  } catch (error) {
    showError('users-error', error);
  }
  await loadUsers();
}
async function tokenCell(user) {
  const { tokens } = await api('/api/v1/users/' + encodeURIComponent(user.id) + '/tokens');
  const live = tokens.filter((t) => !t.revoked);
  if (live.length === 0) return el('td', { class: 'muted' }, 'none');
  return el('td', {}, ...live.map((t) => {
    const revoke = el('button', { type: 'button', class: 'revoke' }, 'Revoke');
    revoke.addEventListener('click', () => {
      if (confirm('Revoke the token "' + t.name + '" of ' + user.name + '? Scripts using it stop working.')) void change(() => api('/api/v1/users/' + encodeURIComponent(user.id) + '/tokens/' + encodeURIComponent(t.id), { method: 'DELETE' }));
    });
    return el('div', { 'data-token': t.name }, t.name + ' (last used ' + (t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : 'never') + ') ', revoke);
  }));
}
async function userRow(user) {
  const role = el('select', { 'aria-label': 'role of ' + user.name, class: 'role' }, el('option', { value: 'viewer' }, 'viewer'), el('option', { value: 'admin' }, 'admin'));
  role.value = user.role;
  role.addEventListener('change', () => void change(() => api('/api/v1/users/' + encodeURIComponent(user.id), json('PATCH', { role: role.value }))));
  const reset = el('button', { type: 'button', class: 'reset' }, 'Reset password');
  reset.addEventListener('click', () => {
    const password = prompt('New password for ' + user.name + ':');
    if (password) void change(() => api('/api/v1/users/' + encodeURIComponent(user.id), json('PATCH', { password })));
  });
  const remove = el('button', { type: 'button', class: 'danger' }, 'Delete');
  remove.addEventListener('click', () => {
    if (confirm('Delete the user ' + user.name + '? They can no longer sign in, and their API tokens stop working.')) void change(() => api('/api/v1/users/' + encodeURIComponent(user.id), { method: 'DELETE' }));
  });
  // Deleting yourself is refused by the server too; here the button is not even offered.
  if (user.name === me) remove.disabled = true;
  return el('tr', { 'data-user': user.name }, el('td', {}, user.name + (user.name === me ? ' (you)' : '')), el('td', {}, role), el('td', {}, new Date(user.createdAt).toLocaleString()), await tokenCell(user), el('td', {}, reset, remove));
}
async function loadUsers() {
  try {
    const users = await allPages('/api/v1/users', 'users');
    users.sort((a, b) => a.name.localeCompare(b.name));
    list.replaceChildren(...(await Promise.all(users.map(userRow))));
  } catch (error) {
    showError('users-error', error);
  }
}
const add = document.getElementById('add-user');
add.addEventListener('submit', async (event) => {
  event.preventDefault();
  const state = document.getElementById('add-state');
  const data = new FormData(add);
  try {
    const { user } = await api('/api/v1/users', json('POST', { name: data.get('name'), password: data.get('password'), role: data.get('role') }));
    state.className = 'ok';
    state.textContent = user.name + ' can sign in now, as ' + user.role + '.';
    add.reset();
    await loadUsers();
  } catch (error) {
    state.className = 'error';
    state.textContent = error instanceof Error ? error.message : String(error);
  }
});
void loadUsers();
`;

/** Script name → body, served at `/assets/NAME.js` after the shared helpers. */
export const ADMIN_SCRIPTS: Readonly<Record<string, string>> = {
  'unknown-faces': UNKNOWN_FACES,
  settings: SETTINGS,
  users: USERS,
};
