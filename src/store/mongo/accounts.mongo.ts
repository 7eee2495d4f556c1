/**
 * Users and API tokens in MongoDB; names unique without ASCII case through `nameKey`.
 */
import type { AccountsAdapter, CheckedPage } from '../adapter.js';
import type { AccountsRule, ApiToken, NewApiToken, NewUser, User, UserPatch } from '../store.js';
import { conflict, notFound } from '../validate.js';
import { nameKey, type MongoConnection } from './connection.mongo.js';
import type { Session, TokenDoc, UserDoc } from './documents.mongo.js';

const toUser = (d: UserDoc): User => ({
  id: d._id,
  name: d.name,
  role: d.role,
  passwordHash: d.passwordHash,
  createdAt: d.createdAt,
  disabled: d.disabled,
});

const toToken = (d: TokenDoc): ApiToken => ({
  id: d._id,
  userId: d.userId,
  name: d.name,
  tokenHash: d.tokenHash,
  createdAt: d.createdAt,
  lastUsedAt: d.lastUsedAt,
  revoked: d.revoked,
});

export class MongoAccounts implements AccountsAdapter {
  constructor(private readonly db: MongoConnection) {}

  /**
   * Runs a caller's accounts rule over every account before and after a change, in the write.
   * Snapshot isolation alone would let two transactions that each change a different user both
   * commit (each demoting the other admin): both also write the `accounts` guard, so the later
   * one conflicts, is retried by the driver and sees the first one's change.
   */
  private async applyAccountsRule(
    rule: AccountsRule | undefined,
    session: Session,
    after: (users: User[]) => User[],
  ): Promise<void> {
    if (rule === undefined) return;
    await this.db.meta.updateOne({ _id: 'accounts' }, { $inc: { version: 1 } }, { session, upsert: true });
    const before = (await this.db.users.find({}, { session }).sort({ _id: 1 }).toArray()).map(toUser);
    rule({ before, after: after(before) });
  }

  createUser({ name, role, passwordHash }: NewUser, rule: AccountsRule | undefined): Promise<User> {
    return this.db.write(async (session) => {
      if (await this.db.users.findOne({ nameKey: nameKey(name) }, { session })) {
        throw conflict(`a user named "${name}" already exists`);
      }
      const doc: UserDoc = {
        _id: this.db.newId(),
        name,
        nameKey: nameKey(name),
        role,
        passwordHash,
        createdAt: this.db.nowIso(),
        disabled: false,
      };
      await this.applyAccountsRule(rule, session, (users) => [...users, toUser(doc)]);
      await this.db.users.insertOne(doc, { session });
      return toUser(doc);
    });
  }

  async getUser(id: string): Promise<User | null> {
    const doc = await this.db.users.findOne({ _id: id });
    return doc ? toUser(doc) : null;
  }

  async getUserByName(name: string): Promise<User | null> {
    const doc = await this.db.users.findOne({ nameKey: nameKey(name) });
    return doc ? toUser(doc) : null;
  }

  async listUsers({ limit, offset }: CheckedPage): Promise<User[]> {
    const docs = await this.db.users
      .find({})
      .sort({ nameKey: 1, _id: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toUser);
  }

  updateUser(id: string, set: UserPatch, rule: AccountsRule | undefined): Promise<User> {
    return this.db.write(async (session) => {
      const current = await this.db.users.findOne({ _id: id }, { session });
      if (!current) throw notFound(`no user with id ${id}`);
      const next: UserDoc = { ...current, ...set };
      await this.applyAccountsRule(rule, session, (users) =>
        users.map((u) => (u.id === id ? toUser(next) : u)),
      );
      if (Object.keys(set).length > 0) await this.db.users.replaceOne({ _id: id }, next, { session });
      return toUser(next);
    });
  }

  async deleteUser(id: string, rule: AccountsRule | undefined): Promise<void> {
    await this.db.write(async (session) => {
      if (!(await this.db.users.findOne({ _id: id }, { session }))) throw notFound(`no user with id ${id}`);
      await this.applyAccountsRule(rule, session, (users) => users.filter((u) => u.id !== id));
      await this.db.users.deleteOne({ _id: id }, { session });
      await this.db.tokens.deleteMany({ userId: id }, { session });
    });
  }

  createApiToken({ userId, name, tokenHash }: NewApiToken): Promise<ApiToken> {
    return this.db.write(async (session) => {
      if (!(await this.db.users.findOne({ _id: userId }, { session }))) {
        throw notFound(`no user with id ${userId}`);
      }
      if (await this.db.tokens.findOne({ userId, nameKey: nameKey(name) }, { session })) {
        throw conflict(`the user already has a token named "${name}"`);
      }
      if (await this.db.tokens.findOne({ tokenHash }, { session })) {
        throw conflict('a token with this hash already exists');
      }
      const doc: TokenDoc = {
        _id: this.db.newId(),
        userId,
        name,
        nameKey: nameKey(name),
        tokenHash,
        createdAt: this.db.nowIso(),
        lastUsedAt: null,
        revoked: false,
      };
      await this.db.tokens.insertOne(doc, { session });
      return toToken(doc);
    });
  }

  async findApiTokenByHash(tokenHash: string): Promise<ApiToken | null> {
    const doc = await this.db.tokens.findOne({ tokenHash });
    return doc ? toToken(doc) : null;
  }

  async listApiTokens(userId: string): Promise<ApiToken[]> {
    const docs = await this.db.tokens.find({ userId }).sort({ createdAt: 1, _id: 1 }).toArray();
    return docs.map(toToken);
  }

  async touchApiToken(id: string, at: string): Promise<boolean> {
    const { matchedCount } = await this.db.tokens.updateOne({ _id: id }, { $set: { lastUsedAt: at } });
    return matchedCount > 0;
  }

  async revokeApiToken(id: string): Promise<ApiToken | null> {
    const doc = await this.db.tokens.findOneAndUpdate(
      { _id: id },
      { $set: { revoked: true } },
      { returnDocument: 'after' },
    );
    return doc ? toToken(doc) : null;
  }
}
