/**
 * `/api/v1/users` (admin only): accounts and their API tokens. The rules that keep Rollcall
 * manageable (an administrator who can sign in always remains; nobody deletes their own account)
 * are `UserService`'s, held inside the store's transactions so they hold across web nodes.
 */
import { Router } from 'express';
import { ErrorCode, RollcallError } from '../core/index.js';
import type { ApiToken, User, UserPatch } from '../store/index.js';
import type {
  TokenCreatedAnswer,
  TokensAnswer,
  TokenView,
  UserAnswer,
  UsersAnswer,
  UserView,
} from './api-views.js';
import { fields, invalid, nameField, optionalChoice, optionalString, routeId, STORE_ID } from './body.js';
import { hashPassword, passwordProblem } from '../shared/index.js';
import { parsePage } from './query.js';
import type { UsersPort } from './types.js';

const ROLES = ['admin', 'viewer'] as const;

function userView(user: User): UserView {
  return {
    id: user.id,
    name: user.name,
    role: user.role,
    createdAt: user.createdAt,
    disabled: user.disabled,
  };
}

function tokenView(token: ApiToken): TokenView {
  return {
    id: token.id,
    name: token.name,
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    revoked: token.revoked,
  };
}

function password(body: Record<string, unknown>): string | undefined {
  const value = optionalString(body, 'password');
  if (value === undefined) return undefined;
  const problem = passwordProblem(value);
  if (problem !== null) throw invalid(`password: ${problem}`);
  return value;
}

export function createUsersRouter(deps: { users: UsersPort }): Router {
  const { users } = deps;
  const router = Router();

  router.get('/users', async (req, res) => {
    const page = await users.list(parsePage(req.query));
    res.json({ users: page.items.map(userView), nextOffset: page.nextOffset } satisfies UsersAnswer);
  });

  router.post('/users', async (req, res) => {
    const body = fields(req.body);
    const name = nameField(body, 'name', 'the user');
    const role = optionalChoice(body, 'role', ROLES);
    if (role === undefined) throw invalid(`role: must be one of ${ROLES.join(', ')}`);
    const secret = password(body);
    if (secret === undefined) throw invalid('password: the user needs a password');
    const user = await users.create({ name, role, passwordHash: await hashPassword(secret) });
    res.status(201).json({ user: userView(user) } satisfies UserAnswer);
  });

  router.patch('/users/:id', async (req, res) => {
    const id = routeId(req, STORE_ID);
    const body = fields(req.body);
    const role = optionalChoice(body, 'role', ROLES);
    const secret = password(body);
    if (role === undefined && secret === undefined) throw invalid('send role or password to change');
    const patch: UserPatch = {
      ...(role === undefined ? {} : { role }),
      ...(secret === undefined ? {} : { passwordHash: await hashPassword(secret) }),
    };
    res.json({ user: userView(await users.update(id, patch)) });
  });

  router.delete('/users/:id', async (req, res) => {
    const deleted = await users.remove(routeId(req, STORE_ID), req.user?.id);
    res.json({ id: deleted.id, deleted: true });
  });

  router.post('/users/:id/tokens', async (req, res) => {
    const id = routeId(req, STORE_ID);
    const name = nameField(fields(req.body), 'name', 'the token');
    const { token, secret } = await users.createToken(id, name);
    res.status(201).json({ token: tokenView(token), secret } satisfies TokenCreatedAnswer);
  });

  router.get('/users/:id/tokens', async (req, res) => {
    const user = await users.get(routeId(req, STORE_ID));
    res.json({ tokens: (await users.listTokens(user.id)).map(tokenView) } satisfies TokensAnswer);
  });

  router.delete('/users/:id/tokens/:tokenId', async (req, res) => {
    const user = await users.get(routeId(req, STORE_ID));
    const tokenId = routeId(req, STORE_ID, 'tokenId');
    const token = (await users.listTokens(user.id)).find((t) => t.id === tokenId);
    if (!token) throw new RollcallError(ErrorCode.NotFound, `${user.name} has no token with id ${tokenId}`);
    res.json({ token: tokenView(token.revoked ? token : await users.revokeToken(token.id)) });
  });

  return router;
}
