/**
 * Server-rendered pages: sign-in and sign-out, the one-time setup of the first administrator, and
 * the dashboard. Forms post urlencoded with the session's CSRF token in `_csrf`.
 */
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type passport from 'passport';
import { ErrorCode, RollcallError, isRollcallError } from '../core/index.js';
import { MAX_NAME_LENGTH, type Store } from '../store/index.js';
import { authenticateLocal, logIn, logOut, requireUser, sessionUser } from './auth.js';
import { assertCsrf, csrfToken, rotateCsrfToken } from './csrf.js';
import { dashboardPage, loginPage, setupPage } from './pages.js';
import { MIN_PASSWORD_LENGTH, hashPassword, passwordProblem } from './passwords.js';

export interface PagesDeps {
  store: Store;
  authenticator: passport.Authenticator;
  /** Counts failed sign-ins per address and name. */
  loginLimiter: RequestHandler;
}

function field(body: unknown, name: string): string {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

/** Whether the client posted JSON (a script) rather than a form (a browser). */
function isJson(req: Request): boolean {
  return req.is('application/json') === 'application/json';
}

async function noUsersYet(store: Store): Promise<boolean> {
  return (await store.listUsers({ limit: 1 })).items.length === 0;
}

export function createPagesRouter(deps: PagesDeps): Router {
  const { store } = deps;
  const router = Router();
  const forms = [express.urlencoded({ extended: false, limit: '16kb' }), express.json({ limit: '16kb' })];
  // Setup is one-shot: two submissions at once must not both create "the first" administrator.
  let setupQueue: Promise<unknown> = Promise.resolve();

  router.get('/', requireUser({ redirect: true }), (req, res) => {
    const user = req.user;
    if (!user) throw new RollcallError(ErrorCode.Unauthenticated, 'sign in first');
    res.type('html').send(dashboardPage({ name: user.name, role: user.role, csrfToken: csrfToken(req) }));
  });

  router.get('/login', async (req, res) => {
    if (req.user) {
      res.redirect(303, '/');
      return;
    }
    if (await noUsersYet(store)) {
      res.redirect(303, '/setup');
      return;
    }
    res.type('html').send(loginPage({ csrfToken: csrfToken(req) }));
  });

  router.post('/login', ...forms, deps.loginLimiter, async (req: Request, res: Response) => {
    assertCsrf(req);
    const user = await authenticateLocal(deps.authenticator, req, res);
    if (!user) {
      const message = 'wrong name or password';
      if (isJson(req)) throw new RollcallError(ErrorCode.Unauthenticated, message);
      res
        .status(401)
        .type('html')
        .send(loginPage({ csrfToken: csrfToken(req), error: message, name: field(req.body, 'name') }));
      return;
    }
    await logIn(req, user);
    const token = rotateCsrfToken(req);
    if (isJson(req)) res.json({ user, csrfToken: token });
    else res.redirect(303, '/');
  });

  router.post('/logout', ...forms, async (req, res) => {
    if (req.user) {
      assertCsrf(req);
      await logOut(req);
      rotateCsrfToken(req);
    }
    if (isJson(req)) res.status(204).end();
    else res.redirect(303, '/login');
  });

  router.get('/setup', async (req, res) => {
    if (!(await noUsersYet(store))) {
      throw new RollcallError(ErrorCode.SetupDone, 'Rollcall is already set up; sign in at /login');
    }
    res.type('html').send(setupPage({ csrfToken: csrfToken(req), minPasswordLength: MIN_PASSWORD_LENGTH }));
  });

  router.post('/setup', ...forms, async (req, res) => {
    assertCsrf(req);
    const name = field(req.body, 'name').trim();
    const password = field(req.body, 'password');
    const problem =
      name === ''
        ? 'name: the administrator needs a name'
        : Array.from(name).length > MAX_NAME_LENGTH
          ? `name: at most ${MAX_NAME_LENGTH} characters`
          : passwordProblem(password);
    if (problem !== null) {
      if (isJson(req)) throw new RollcallError(ErrorCode.RequestInvalid, problem);
      res
        .status(400)
        .type('html')
        .send(
          setupPage({
            csrfToken: csrfToken(req),
            minPasswordLength: MIN_PASSWORD_LENGTH,
            error: problem,
            name,
          }),
        );
      return;
    }
    const passwordHash = await hashPassword(password);
    const created = setupQueue.then(async () => {
      if (!(await noUsersYet(store))) {
        throw new RollcallError(ErrorCode.SetupDone, 'Rollcall is already set up; sign in at /login');
      }
      return store.createUser({ name, role: 'admin', passwordHash });
    });
    setupQueue = created.catch(() => undefined);
    let user;
    try {
      user = await created;
    } catch (error) {
      if (isRollcallError(error, ErrorCode.StoreInvalid))
        throw new RollcallError(ErrorCode.RequestInvalid, `name: ${error.message}`);
      throw error;
    }
    await logIn(req, sessionUser(user));
    const token = rotateCsrfToken(req);
    if (isJson(req)) res.status(201).json({ user: sessionUser(user), csrfToken: token });
    else res.redirect(303, '/');
  });

  return router;
}
