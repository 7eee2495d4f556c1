/**
 * Users and API tokens in SQLite. A ruled change (`AccountsRule`) reads every account and writes
 * in one `BEGIN IMMEDIATE` transaction, so two web nodes cannot both pass the rule.
 */
import type { AccountsAdapter, CheckedPage } from '../adapter.js';
import type { AccountsRule, ApiToken, NewApiToken, NewUser, User, UserPatch } from '../store.js';
import { conflict, notFound } from '../validate.js';
import type { SqliteConnection } from './connection.sqlite.js';

// ---- rows as SQLite returns them ----
interface UserRow {
  id: string;
  name: string;
  role: 'admin' | 'viewer';
  password_hash: string;
  created_at: string;
  disabled: number;
}

interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked: number;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
  disabled: r.disabled !== 0,
});

const toToken = (r: TokenRow): ApiToken => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revoked: r.revoked !== 0,
});

export class SqliteAccounts implements AccountsAdapter {
  constructor(private readonly db: SqliteConnection) {}

  /** Runs a caller's accounts rule over every account before and after a change, in the write. */
  private applyAccountsRule(rule: AccountsRule | undefined, after: (users: User[]) => User[]): void {
    if (rule === undefined) return;
    const before = (this.db.sql('SELECT * FROM users ORDER BY id').all() as UserRow[]).map(toUser);
    rule({ before, after: after(before) });
  }

  createUser({ name, role, passwordHash }: NewUser, rule: AccountsRule | undefined): User {
    return this.db.write(() => {
      if (this.db.sql('SELECT 1 FROM users WHERE name = ?').get(name)) {
        throw conflict(`a user named "${name}" already exists`);
      }
      const created: User = {
        id: this.db.newId(),
        name,
        role,
        passwordHash,
        createdAt: this.db.nowIso(),
        disabled: false,
      };
      this.applyAccountsRule(rule, (users) => [...users, created]);
      const row = this.db
        .sql(
          'INSERT INTO users (id, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *',
        )
        .get(created.id, name, role, passwordHash, created.createdAt) as UserRow;
      return toUser(row);
    });
  }

  getUser(id: string): User | null {
    const row = this.db.sql('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  getUserByName(name: string): User | null {
    const row = this.db.sql('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  listUsers({ limit, offset }: CheckedPage): User[] {
    const rows = this.db
      .sql('SELECT * FROM users ORDER BY name, id LIMIT ? OFFSET ?')
      .all(limit + 1, offset) as UserRow[];
    return rows.map(toUser);
  }

  updateUser(id: string, set: UserPatch, rule: AccountsRule | undefined): User {
    return this.db.write(() => {
      const current = this.db.sql('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
      if (!current) throw notFound(`no user with id ${id}`);
      const next: User = { ...toUser(current), ...set };
      this.applyAccountsRule(rule, (users) => users.map((u) => (u.id === id ? next : u)));
      const row = this.db
        .sql('UPDATE users SET role = ?, password_hash = ?, disabled = ? WHERE id = ? RETURNING *')
        .get(next.role, next.passwordHash, next.disabled ? 1 : 0, id) as UserRow;
      return toUser(row);
    });
  }

  deleteUser(id: string, rule: AccountsRule | undefined): void {
    this.db.write(() => {
      if (!this.db.sql('SELECT 1 FROM users WHERE id = ?').get(id)) throw notFound(`no user with id ${id}`);
      this.applyAccountsRule(rule, (users) => users.filter((u) => u.id !== id));
      this.db.sql('DELETE FROM users WHERE id = ?').run(id);
    });
  }

  createApiToken({ userId, name, tokenHash }: NewApiToken): ApiToken {
    return this.db.write(() => {
      if (!this.db.sql('SELECT 1 FROM users WHERE id = ?').get(userId)) {
        throw notFound(`no user with id ${userId}`);
      }
      if (this.db.sql('SELECT 1 FROM api_tokens WHERE user_id = ? AND name = ?').get(userId, name)) {
        throw conflict(`the user already has a token named "${name}"`);
      }
      if (this.db.sql('SELECT 1 FROM api_tokens WHERE token_hash = ?').get(tokenHash)) {
        throw conflict('a token with this hash already exists');
      }
      const row = this.db
        .sql(
          'INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *',
        )
        .get(this.db.newId(), userId, name, tokenHash, this.db.nowIso()) as TokenRow;
      return toToken(row);
    });
  }

  findApiTokenByHash(tokenHash: string): ApiToken | null {
    const row = this.db.sql('SELECT * FROM api_tokens WHERE token_hash = ?').get(tokenHash) as
      TokenRow | undefined;
    return row ? toToken(row) : null;
  }

  listApiTokens(userId: string): ApiToken[] {
    const rows = this.db
      .sql('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at, id')
      .all(userId) as TokenRow[];
    return rows.map(toToken);
  }

  touchApiToken(id: string, at: string): boolean {
    return this.db.sql('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id).changes > 0;
  }

  revokeApiToken(id: string): ApiToken | null {
    const row = this.db.sql('UPDATE api_tokens SET revoked = 1 WHERE id = ? RETURNING *').get(id) as
      TokenRow | undefined;
    return row ? toToken(row) : null;
  }
}
