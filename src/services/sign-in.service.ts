/**
 * Who may sign in: a name and password, a session's user read again on every request (so a
 * disabled user or a changed role acts at once, not at the next sign-in), and API tokens for
 * scripts. Passport and the `Authorization` header are the web room's; the rules are here.
 */
import { ErrorCode, isRollcallError, RollcallError } from '../core/index.js';
import {
  hashApiToken,
  isApiTokenShaped,
  UNUSABLE_HASH,
  verifyPassword,
  type Clock,
} from '../shared/index.js';
import { MAX_NAME_LENGTH, type Store, type User } from '../store/index.js';

/** `lastUsedAt` of a token is written at most this often, not on every request. */
export const TOKEN_TOUCH_INTERVAL_MS = 60_000;

export interface SignInDeps {
  store: Pick<Store, 'getUser' | 'getUserByName' | 'findApiTokenByHash' | 'touchApiToken'>;
  clock: Clock;
}

function unauthenticated(message: string): RollcallError {
  return new RollcallError(ErrorCode.Unauthenticated, message);
}

export class SignInService {
  constructor(private readonly deps: SignInDeps) {}

  /** The user with this name and password, or null; as slow for an unknown name as for a wrong password. */
  async checkCredentials(name: string, password: string): Promise<User | null> {
    const user =
      name.length >= 1 && name.length <= MAX_NAME_LENGTH ? await this.deps.store.getUserByName(name) : null;
    const matches = await verifyPassword(password, user?.passwordHash ?? UNUSABLE_HASH);
    return user && matches && !user.disabled ? user : null;
  }

  /** The session's user as they are now, or null once deleted or disabled (the session then ends). */
  async activeUser(id: string): Promise<User | null> {
    const user = await this.deps.store.getUser(id);
    return user && !user.disabled ? user : null;
  }

  /**
   * The user an API token acts for; notes when it was used (at most once a minute).
   *
   * @throws RollcallError `UNAUTHENTICATED` for an unknown or revoked token, or one whose user can
   *   no longer sign in.
   */
  async tokenUser(token: string): Promise<User> {
    const { store, clock } = this.deps;
    const record = isApiTokenShaped(token) ? await store.findApiTokenByHash(hashApiToken(token)) : null;
    if (!record || record.revoked) throw unauthenticated('the API token is unknown or revoked');
    const user = await this.activeUser(record.userId);
    if (!user) throw unauthenticated('the API token belongs to a user who can no longer sign in');
    const nowMs = clock.now();
    if (record.lastUsedAt === null || nowMs - Date.parse(record.lastUsedAt) >= TOKEN_TOUCH_INTERVAL_MS) {
      try {
        await store.touchApiToken(record.id, new Date(nowMs).toISOString());
      } catch (error) {
        // `lastUsedAt` is bookkeeping: a full disk must not lock API clients out of reading (their
        // writes are refused on their own, with the disk named). It is written at the next use.
        if (!isRollcallError(error, ErrorCode.DiskFull)) throw error;
      }
    }
    return user;
  }
}
