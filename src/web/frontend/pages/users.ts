/**
 * Users: list, add, change role, reset password (a form, typed twice), delete (never yourself); API
 * tokens created (the secret shown once), listed and revoked.
 */
import type { TokenCreatedAnswer, TokensAnswer, TokenView, UserAnswer, UserView } from '../../api-views.js';
import { USERS_IDS as ID } from '../../page-ids.js';
import { allPages, api, json } from '../lib/api.js';
import { byId, el, errorText, showError } from '../lib/dom.js';
import { formatDateTime } from '../lib/time.js';

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

/** Writes a one-line outcome under a form: `ok` or `error`. */
function say(id: string, kind: 'ok' | 'error', text: string): void {
  const state = byId(id, HTMLElement);
  state.className = kind;
  state.textContent = text;
}

const when = (iso: string | null) => (iso ? formatDateTime(iso) : 'never');

function tokenLine(user: UserView, token: TokenView): HTMLElement {
  const revoke = el('button', { type: 'button', class: 'revoke' }, 'Revoke');
  revoke.addEventListener('click', () => {
    if (confirm(`Revoke the token "${token.name}" of ${user.name}? Scripts using it stop working.`))
      void change(() => api(`${userUrl(user)}/tokens/${encodeURIComponent(token.id)}`, { method: 'DELETE' }));
  });
  return el(
    'div',
    { 'data-token': token.name, class: 'token' },
    el('span', { class: 'token-name' }, token.name),
    ` (created ${when(token.createdAt)}, last used ${when(token.lastUsedAt)}) `,
    revoke,
  );
}

async function tokenCell(user: UserView): Promise<HTMLTableCellElement> {
  const { tokens } = await api<TokensAnswer>(`${userUrl(user)}/tokens`);
  const live = tokens.filter((t) => !t.revoked);
  const create = el('button', { type: 'button', class: 'create-token' }, 'New token…');
  create.addEventListener('click', () => {
    tokenUser.value = user.id;
    tokenName.focus();
  });
  return el(
    'td',
    {},
    ...(live.length === 0 ? [el('div', { class: 'muted' }, 'none')] : live.map((t) => tokenLine(user, t))),
    create,
  );
}

async function userRow(user: UserView): Promise<HTMLTableRowElement> {
  const isMe = user.name === me;
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
    openReset(user);
  });
  const actions = el('td', { class: 'actions' }, reset);
  if (isMe) {
    // The server refuses it too (409): another administrator has to delete this account. Not the
    // `danger` class: a disabled button must not look like a live one.
    actions.append(
      el(
        'button',
        {
          type: 'button',
          class: 'delete-self',
          disabled: '',
          'aria-disabled': 'true',
          'aria-describedby': 'delete-self-note',
        },
        'Delete',
      ),
      el(
        'span',
        { id: 'delete-self-note', class: 'note' },
        'You cannot delete your own account; another administrator can.',
      ),
    );
  } else {
    const remove = el('button', { type: 'button', class: 'danger' }, 'Delete');
    remove.addEventListener('click', () => {
      if (
        confirm(
          `Delete the user ${user.name}? They can no longer sign in, and their API tokens stop working.`,
        )
      )
        void change(() => api(userUrl(user), { method: 'DELETE' }));
    });
    actions.append(remove);
  }
  return el(
    'tr',
    { 'data-user': user.name },
    el('td', {}, user.name + (isMe ? ' (you)' : '')),
    el('td', {}, role),
    el('td', {}, formatDateTime(user.createdAt)),
    await tokenCell(user),
    actions,
  );
}

const tokenUser = byId(ID.tokenUser, HTMLSelectElement);
const tokenName = byId(ID.tokenName, HTMLInputElement);

async function loadUsers(): Promise<void> {
  try {
    const users = await allPages<'users', UserView>('/api/v1/users', 'users');
    users.sort((a, b) => a.name.localeCompare(b.name));
    list.replaceChildren(...(await Promise.all(users.map(userRow))));
    const chosen = tokenUser.value;
    tokenUser.replaceChildren(
      ...users.filter((u) => !u.disabled).map((u) => el('option', { value: u.id }, `${u.name} (${u.role})`)),
    );
    if (users.some((u) => u.id === chosen)) tokenUser.value = chosen;
  } catch (error) {
    showError(ID.error, error);
  }
}

const add = byId(ID.add, HTMLFormElement);
add.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(add);
  void (async () => {
    try {
      const { user } = await api<UserAnswer>(
        '/api/v1/users',
        json('POST', { name: data.get('name'), password: data.get('password'), role: data.get('role') }),
      );
      say(ID.addState, 'ok', `${user.name} can sign in now, as ${user.role}.`);
      add.reset();
      await loadUsers();
    } catch (error) {
      say(ID.addState, 'error', errorText(error));
    }
  })();
});

// ---- reset password ----

const resetSection = byId(ID.reset, HTMLElement);
const resetForm = byId(ID.resetForm, HTMLFormElement);
const resetPassword = byId(ID.resetPassword, HTMLInputElement);
const resetConfirm = byId(ID.resetConfirm, HTMLInputElement);
let resetting: UserView | null = null;

function openReset(user: UserView): void {
  resetting = user;
  resetForm.reset();
  byId(ID.resetWho, HTMLElement).textContent = user.name;
  say(ID.resetState, 'ok', '');
  resetSection.hidden = false;
  resetPassword.focus();
}

function closeReset(): void {
  resetting = null;
  resetForm.reset();
  resetSection.hidden = true;
}

byId(ID.resetCancel, HTMLButtonElement).addEventListener('click', closeReset);
resetForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const user = resetting;
  if (!user) return;
  // The length and other rules are the server's (`passwordProblem`); its message is shown as is.
  if (resetPassword.value !== resetConfirm.value) {
    say(ID.resetState, 'error', 'The two passwords differ; type the same password twice.');
    return;
  }
  void (async () => {
    try {
      await api<UserAnswer>(userUrl(user), json('PATCH', { password: resetPassword.value }));
      closeReset();
      say(ID.resetState, 'ok', `${user.name} signs in with the new password from now on.`);
    } catch (error) {
      say(ID.resetState, 'error', errorText(error));
    }
  })();
});

// ---- API tokens ----

const tokenForm = byId(ID.token, HTMLFormElement);
const newToken = byId(ID.newToken, HTMLElement);
const secretBox = byId(ID.newTokenSecret, HTMLInputElement);

function hideSecret(): void {
  secretBox.value = '';
  say(ID.newTokenState, 'ok', '');
  newToken.hidden = true;
}

tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const userId = tokenUser.value;
  void (async () => {
    try {
      const { token, secret } = await api<TokenCreatedAnswer>(
        `/api/v1/users/${encodeURIComponent(userId)}/tokens`,
        json('POST', { name: tokenName.value }),
      );
      const owner = tokenUser.selectedOptions[0]?.textContent ?? '';
      say(ID.tokenState, 'ok', `Token "${token.name}" created for ${owner}.`);
      secretBox.value = secret;
      say(ID.newTokenState, 'ok', '');
      newToken.hidden = false;
      secretBox.focus();
      secretBox.select();
      tokenName.value = '';
      await loadUsers();
    } catch (error) {
      say(ID.tokenState, 'error', errorText(error));
    }
  })();
});

byId(ID.newTokenCopy, HTMLButtonElement).addEventListener('click', () => {
  secretBox.focus();
  secretBox.select();
  void (async () => {
    try {
      // Only in a secure context (HTTPS or localhost) does the browser offer the clipboard to a script.
      if (!window.isSecureContext) throw new Error('no clipboard');
      await navigator.clipboard.writeText(secretBox.value);
      say(ID.newTokenState, 'ok', 'Copied.');
    } catch {
      say(ID.newTokenState, 'error', 'The browser would not copy it: the token is selected, press Ctrl+C.');
    }
  })();
});
byId(ID.newTokenDone, HTMLButtonElement).addEventListener('click', hideSecret);

void loadUsers();
