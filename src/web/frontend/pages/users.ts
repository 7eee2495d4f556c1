/** Users: list, add, change role, reset password, delete; API tokens listed and revocable. */
import type { TokensAnswer, UserAnswer, UserView } from '../../api-views.js';
import { USERS_IDS as ID } from '../../page-ids.js';
import { allPages, api, json } from '../lib/api.js';
import { byId, el, errorText, showError } from '../lib/dom.js';

const list = byId(ID.list, HTMLTableSectionElement);
const me = list.dataset.me;
const userUrl = (user: UserView) => `/api/v1/users/${encodeURIComponent(user.id)}`;

/** Runs a change, shows its error if any, and lists the users again either way. */
async function change(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
    showError(ID.error, null);
  } catch (error) {
    showError(ID.error, error);
  }
  await loadUsers();
}

async function tokenCell(user: UserView): Promise<HTMLTableCellElement> {
  const { tokens } = await api<TokensAnswer>(`${userUrl(user)}/tokens`);
  const live = tokens.filter((t) => !t.revoked);
  if (live.length === 0) return el('td', { class: 'muted' }, 'none');
  return el(
    'td',
    {},
    ...live.map((t) => {
      const revoke = el('button', { type: 'button', class: 'revoke' }, 'Revoke');
      revoke.addEventListener('click', () => {
        if (confirm(`Revoke the token "${t.name}" of ${user.name}? Scripts using it stop working.`))
          void change(() => api(`${userUrl(user)}/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' }));
      });
      const used = t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : 'never';
      return el('div', { 'data-token': t.name }, `${t.name} (last used ${used}) `, revoke);
    }),
  );
}

async function userRow(user: UserView): Promise<HTMLTableRowElement> {
  const role = el(
    'select',
    { 'aria-label': `role of ${user.name}`, class: 'role' },
    el('option', { value: 'viewer' }, 'viewer'),
    el('option', { value: 'admin' }, 'admin'),
  );
  role.value = user.role;
  role.addEventListener(
    'change',
    () => void change(() => api(userUrl(user), json('PATCH', { role: role.value }))),
  );
  const reset = el('button', { type: 'button', class: 'reset' }, 'Reset password');
  reset.addEventListener('click', () => {
    const password = prompt(`New password for ${user.name}:`);
    if (password) void change(() => api(userUrl(user), json('PATCH', { password })));
  });
  const remove = el('button', { type: 'button', class: 'danger' }, 'Delete');
  remove.addEventListener('click', () => {
    if (
      confirm(`Delete the user ${user.name}? They can no longer sign in, and their API tokens stop working.`)
    )
      void change(() => api(userUrl(user), { method: 'DELETE' }));
  });
  // Deleting yourself is refused by the server too; here the button is not even offered.
  if (user.name === me) remove.disabled = true;
  return el(
    'tr',
    { 'data-user': user.name },
    el('td', {}, user.name + (user.name === me ? ' (you)' : '')),
    el('td', {}, role),
    el('td', {}, new Date(user.createdAt).toLocaleString()),
    await tokenCell(user),
    el('td', {}, reset, remove),
  );
}

async function loadUsers(): Promise<void> {
  try {
    const users = await allPages<'users', UserView>('/api/v1/users', 'users');
    users.sort((a, b) => a.name.localeCompare(b.name));
    list.replaceChildren(...(await Promise.all(users.map(userRow))));
  } catch (error) {
    showError(ID.error, error);
  }
}

const add = byId(ID.add, HTMLFormElement);
add.addEventListener('submit', (event) => {
  event.preventDefault();
  const state = byId(ID.addState, HTMLElement);
  const data = new FormData(add);
  void (async () => {
    try {
      const { user } = await api<UserAnswer>(
        '/api/v1/users',
        json('POST', { name: data.get('name'), password: data.get('password'), role: data.get('role') }),
      );
      state.className = 'ok';
      state.textContent = `${user.name} can sign in now, as ${user.role}.`;
      add.reset();
      await loadUsers();
    } catch (error) {
      state.className = 'error';
      state.textContent = errorText(error);
    }
  })();
});

void loadUsers();
