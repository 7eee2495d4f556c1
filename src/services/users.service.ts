/**
 * Accounts on the web node: the one-time setup of the first administrator, and the changes an
 * administrator makes to users. The rules (core `keepAnAdmin`, `firstAccountOnly`) run inside the
 * store's transaction of each change, so they hold however many web nodes share the store: two
 * administrators demoting each other at the same moment on two nodes leave one administrator.
 */
import { ErrorCode, firstAccountOnly, isRollcallError, keepAnAdmin, RollcallError } from '../core/index.js';
import type {
  AccountsRepository,
  ApiToken,
  NewUser,
  Page,
  PageOptions,
  User,
  UserPatch,
} from '../store/index.js';
import { generateApiToken, hashApiToken } from '../shared/index.js';

/** A token just made: the secret is here this once; the store keeps only its hash. */
export interface NewTokenResult {
  token: ApiToken;
  secret: string;
}

export class UserService {
  constructor(private readonly deps: { store: AccountsRepository }) {}

  /** Whether no account exists yet: the setup page is open. */
  async needsSetup(): Promise<boolean> {
    return (await this.deps.store.listUsers({ limit: 1 })).items.length === 0;
  }

  /**
   * Creates the first administrator.
   *
   * @throws RollcallError `SETUP_DONE` once any account exists (also when another request or web
   *   node created it a moment before), `STORE_INVALID` for a bad name.
   */
  setUpFirstAdmin(name: string, passwordHash: string): Promise<User> {
    return this.deps.store.createUser({ name, role: 'admin', passwordHash }, { rule: firstAccountOnly });
  }

  list(page?: PageOptions): Promise<Page<User>> {
    return this.deps.store.listUsers(page);
  }

  /** @throws RollcallError `NOT_FOUND` */
  async get(id: string): Promise<User> {
    const user = await this.deps.store.getUser(id);
    if (!user) throw new RollcallError(ErrorCode.NotFound, `no user with id ${id}`);
    return user;
  }

  /** @throws RollcallError `STORE_CONFLICT` for a name taken (compared without ASCII case). */
  async create(user: NewUser): Promise<User> {
    try {
      return await this.deps.store.createUser(user);
    } catch (error) {
      if (isRollcallError(error, ErrorCode.StoreConflict))
        throw conflict(`name: a user called ${user.name} already exists`);
      throw error;
    }
  }

  /**
   * @throws RollcallError `NOT_FOUND`, `STORE_CONFLICT` when the change would leave no
   *   administrator able to sign in.
   */
  async update(id: string, patch: UserPatch): Promise<User> {
    const target = await this.get(id);
    return this.notFoundAsRequested(
      id,
      this.deps.store.updateUser(id, patch, {
        rule: keepAnAdmin(
          patch.role === 'viewer' ? `making ${target.name} a viewer` : `changing ${target.name}`,
        ),
      }),
    );
  }

  /**
   * Deletes a user and their tokens; nobody deletes their own account (another administrator has
   * to), and the last administrator stays.
   *
   * @throws RollcallError `NOT_FOUND`, `STORE_CONFLICT`
   */
  async remove(id: string, by: string | undefined): Promise<User> {
    const target = await this.get(id);
    if (target.id === by) throw conflict('you cannot delete your own account; another administrator can');
    await this.notFoundAsRequested(
      id,
      this.deps.store.deleteUser(id, { rule: keepAnAdmin(`deleting ${target.name}`) }),
    );
    return target;
  }

  /**
   * Makes an API token that acts as the user, as `rollcall token create` does. The secret is
   * answered once and never stored.
   *
   * @throws RollcallError `NOT_FOUND`, `STORE_CONFLICT` for a disabled user or a name the user's
   *   tokens already have, `STORE_INVALID` for a bad name.
   */
  async createToken(userId: string, name: string): Promise<NewTokenResult> {
    const user = await this.get(userId);
    if (user.disabled) throw conflict(`the user ${user.name} is disabled`);
    const secret = generateApiToken();
    const token = await this.notFoundAsRequested(
      userId,
      this.deps.store.createApiToken({ userId, name, tokenHash: hashApiToken(secret) }),
    );
    return { token, secret };
  }

  listTokens(userId: string): Promise<ApiToken[]> {
    return this.deps.store.listApiTokens(userId);
  }

  revokeToken(id: string): Promise<ApiToken> {
    return this.deps.store.revokeApiToken(id);
  }

  /** A user deleted by another request between the read and the write is answered as not found. */
  private async notFoundAsRequested<T>(id: string, write: Promise<T>): Promise<T> {
    try {
      return await write;
    } catch (error) {
      if (isRollcallError(error, ErrorCode.StoreNotFound)) {
        throw new RollcallError(ErrorCode.NotFound, `no user with id ${id}`);
      }
      throw error;
    }
  }
}

function conflict(message: string): RollcallError {
  return new RollcallError(ErrorCode.StoreConflict, message);
}
