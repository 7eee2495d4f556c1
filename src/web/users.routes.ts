/**
 * `/api/v1/users` (admin only): accounts and their API tokens. Two rules keep Rollcall manageable:
 * at least one administrator who can sign in always remains, and nobody deletes their own account
 * (another administrator has to).
 */
import { Router, type Request } from 'express';
import { ErrorCode, RollcallError } from '../core/index.js';
import type { ApiToken, Store, User, UserPatch } from '../store/index.js';
import { fields, invalid, nameField, optionalChoice, optionalString, routeId, STORE_ID } from './body.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { parsePage } from './query.js';

const ROLES = ['admin', 'viewer'] as const;

function userView(user: User) {
  return {
    id: user.id,
    name: user.name,
    role: user.role,
    createdAt: user.createdAt,
    disabled: user.disabled,
  };
}

function tokenView(token: ApiToken) {
  return {
    id: token.id,
    name: token.name,
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    revoked: token.revoked,
  };
}

function conflict(message: string): RollcallError {
  return new RollcallError(ErrorCode.StoreConflict, message);
}

function password(body: Record<string, unknown>): string | undefined {
  const value = optionalString(body, 'password');
  if (value === undefined) return undefined;
  const problem = passwordProblem(value);
  if (problem !== null) throw invalid(`password: ${problem}`);
  return value;
}

export function createUsersRouter(deps: { store: Store }): Router {
  const { store } = deps;
  const router = Router();
  // Changes run one after another: two admins demoting each other at once must not leave none.
  let queue: Promise<unknown> = Promise.resolve();
  function serially<T>(change: () => Promise<T>): Promise<T> {
    const run = queue.then(change);
    queue = run.catch(() => undefined);
    return run;
  }

  async function allUsers(): Promise<User[]> {
    const users: User[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page = await store.listUsers({ limit: 1000, offset });
      users.push(...page.items);
      offset = page.nextOffset;
    }
    return users;
  }

  /** Refuses a change that would leave no administrator able to sign in. */
  async function keepAnAdmin(without: string, action: string): Promise<void> {
    const admins = (await allUsers()).filter((u) => u.role === 'admin' && !u.disabled && u.id !== without);
    if (admins.length === 0) {
      throw conflict(
        `${action} would leave Rollcall without an administrator; make someone else admin first`,
      );
    }
  }

  async function existing(req: Request): Promise<User> {
    const id = routeId(req, STORE_ID);
    const user = await store.getUser(id);
    if (!user) throw new RollcallError(ErrorCode.NotFound, `no user with id ${id}`);
    return user;
  }

  router.get('/users', async (req, res) => {
    const page = await store.listUsers(parsePage(req.query));
    res.json({ users: page.items.map(userView), nextOffset: page.nextOffset });
  });

  router.post('/users', async (req, res) => {
    const body = fields(req.body);
    const name = nameField(body, 'name', 'the user');
    const role = optionalChoice(body, 'role', ROLES);
    if (role === undefined) throw invalid(`role: must be one of ${ROLES.join(', ')}`);
    const secret = password(body);
    if (secret === undefined) throw invalid('password: the user needs a password');
    const passwordHash = await hashPassword(secret);
    const user = await serially(async () => {
      if (await store.getUserByName(name)) throw conflict(`name: a user called ${name} already exists`);
      return store.createUser({ name, role, passwordHash });
    });
    res.status(201).json({ user: userView(user) });
  });

  router.patch('/users/:id', async (req, res) => {
    const body = fields(req.body);
    const role = optionalChoice(body, 'role', ROLES);
    const secret = password(body);
    if (role === undefined && secret === undefined) throw invalid('send role or password to change');
    const patch: UserPatch = {
      ...(role === undefined ? {} : { role }),
      ...(secret === undefined ? {} : { passwordHash: await hashPassword(secret) }),
    };
    const user = await serially(async () => {
      const target = await existing(req);
      if (role === 'viewer' && target.role === 'admin')
        await keepAnAdmin(target.id, `making ${target.name} a viewer`);
      return store.updateUser(target.id, patch);
    });
    res.json({ user: userView(user) });
  });

  router.delete('/users/:id', async (req, res) => {
    const deleted = await serially(async () => {
      const target = await existing(req);
      if (target.id === req.user?.id) {
        throw conflict('you cannot delete your own account; another administrator can');
      }
      if (target.role === 'admin') await keepAnAdmin(target.id, `deleting ${target.name}`);
      await store.deleteUser(target.id);
      return target;
    });
    res.json({ id: deleted.id, deleted: true });
  });

  router.get('/users/:id/tokens', async (req, res) => {
    const user = await existing(req);
    res.json({ tokens: (await store.listApiTokens(user.id)).map(tokenView) });
  });

  router.delete('/users/:id/tokens/:tokenId', async (req, res) => {
    const user = await existing(req);
    const tokenId = routeId(req, STORE_ID, 'tokenId');
    const token = (await store.listApiTokens(user.id)).find((t) => t.id === tokenId);
    if (!token) throw new RollcallError(ErrorCode.NotFound, `${user.name} has no token with id ${tokenId}`);
    res.json({ token: tokenView(token.revoked ? token : await store.revokeApiToken(token.id)) });
  });

  return router;
}
