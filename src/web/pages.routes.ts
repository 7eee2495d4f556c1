/**
 * Server-rendered pages: sign-in and sign-out, the one-time setup of the first administrator, the
 * home page, People, Attendance, Groups and their roster boards, Nodes, Live, Unknown faces,
 * Settings, Users and Webhooks, and the pages' scripts under `/assets`. Forms post urlencoded with the
 * session's CSRF token in `_csrf`; scripts send it in `X-CSRF-Token`. Signing out also ends the
 * session's live-view sockets.
 */
import { fileURLToPath } from 'node:url';
import express, {
  Router,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type passport from 'passport';
import { ErrorCode, RollcallError, isRollcallError } from '../core/index.js';
import { MAX_NAME_LENGTH } from '../store/index.js';
import { settingsPage, unknownFacesPage, usersPage } from './admin-pages.js';
import { attendancePage, livePage, nodesPage, peoplePage, personPage } from './app-pages.js';
import { groupsPage, rosterPage } from './groups-pages.js';
import { jobsPage } from './jobs-page.js';
import { webhooksPage } from './webhooks-page.js';
import { authenticateLocal, logIn, logOut, requireRole, requireUser, sessionUser } from './auth.js';
import { routeId, STORE_ID } from './body.js';
import { assertCsrf, csrfToken, rotateCsrfToken } from './csrf.js';
import { PAGE_SCRIPTS, STATIC_ASSETS } from './page-ids.js';
import { homePage, loginPage, setupPage, type Viewer } from './pages.js';
import { MIN_PASSWORD_LENGTH, hashPassword, passwordProblem } from '../shared/index.js';
import type { GroupsPort, UsersPort } from './types.js';

export interface PagesDeps {
  /** Accounts: whether setup is still open, and the setup itself (`UserService`). */
  users: Pick<UsersPort, 'needsSetup' | 'setUpFirstAdmin'>;
  authenticator: passport.Authenticator;
  /** Counts failed sign-ins per address and name. */
  loginLimiter: RequestHandler;
  /** A session signed out: its live-view sockets are closed. */
  signedOut: (sessionId: string) => void;
  /** Today's date (YYYY-MM-DD) in the attendance time zone. */
  today: () => string;
  /** The attendance time zone (IANA): every page shows times on its clock. */
  timeZone?: () => string;
  /** A group by id, for its roster page (404 when there is none). */
  groups: Pick<GroupsPort, 'get'>;
}

function signedInViewer(req: Request): Viewer {
  const user = req.user;
  if (!user) throw new RollcallError(ErrorCode.Unauthenticated, 'sign in first');
  return { name: user.name, role: user.role, csrfToken: csrfToken(req) };
}

function field(body: unknown, name: string): string {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

function hasField(body: unknown, name: string): boolean {
  return typeof body === 'object' && body !== null && Object.hasOwn(body, name);
}

/** Whether the client posted JSON (a script) rather than a form (a browser). */
function isJson(req: Request): boolean {
  return req.is('application/json') === 'application/json';
}

/** The pages' bundles, built by `scripts/build-frontend.ts` next to this module (`dist/src/web/assets`). */
const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

/**
 * `GET /assets/NAME.js`: a page's script, for the names in `PAGE_SCRIPTS` only. The scripts hold no
 * data, only code: open, so the sign-in redirect never lands on one, and served ahead of the session
 * (no Redis or store round trip). The names carry no content hash, so browsers revalidate each time
 * (`no-cache`) and get a 304 from the ETag while the build is unchanged.
 */
export function serveClientScript(req: Request<{ name: string }>, res: Response, next: NextFunction): void {
  const name = req.params.name;
  if (!(PAGE_SCRIPTS as readonly string[]).includes(name)) {
    throw new RollcallError(ErrorCode.NotFound, 'no such script');
  }
  res.type('text/javascript; charset=utf-8');
  res.sendFile(`${name}.js`, { root: ASSETS_DIR, headers: { 'Cache-Control': 'no-cache' } }, (error) => {
    // A bundle missing from a build that names it: the build is broken, not the request.
    if (error) next(error);
  });
}

/**
 * `GET /assets/rollcall.css` and `/assets/favicon.svg` (the names in `STATIC_ASSETS`): open and
 * revalidated like the scripts.
 */
export function serveStaticAsset(req: Request<{ file: string }>, res: Response, next: NextFunction): void {
  const file = req.params.file;
  if (!Object.hasOwn(STATIC_ASSETS, file)) throw new RollcallError(ErrorCode.NotFound, 'no such asset');
  res.type(STATIC_ASSETS[file as keyof typeof STATIC_ASSETS]);
  res.sendFile(file, { root: ASSETS_DIR, headers: { 'Cache-Control': 'no-cache' } }, (error) => {
    if (error) next(error);
  });
}

export function createPagesRouter(deps: PagesDeps): Router {
  const { users } = deps;
  const router = Router();
  const forms = [express.urlencoded({ extended: false, limit: '16kb' }), express.json({ limit: '16kb' })];

  const signedIn = requireUser({ redirect: true });
  const admin = requireRole('admin');
  const viewerOf = (req: Request): Viewer => ({
    ...signedInViewer(req),
    ...(deps.timeZone ? { timeZone: deps.timeZone() } : {}),
  });
  router.get('/', signedIn, (req, res) => {
    res.type('html').send(homePage(viewerOf(req)));
  });
  router.get('/live', signedIn, (req, res) => {
    res.type('html').send(livePage(viewerOf(req)));
  });
  router.get('/attendance', signedIn, (req, res) => {
    res.type('html').send(attendancePage(viewerOf(req), deps.today()));
  });
  router.get('/groups', signedIn, (req, res) => {
    res.type('html').send(groupsPage(viewerOf(req)));
  });
  router.get('/groups/:id', signedIn, async (req, res) => {
    const group = await deps.groups.get(routeId(req, STORE_ID));
    res.type('html').send(rosterPage(viewerOf(req), group, deps.today()));
  });
  router.get('/people', signedIn, admin, (req, res) => {
    res.type('html').send(peoplePage(viewerOf(req)));
  });
  router.get('/people/:id', signedIn, admin, (req, res) => {
    res.type('html').send(personPage(viewerOf(req), routeId(req, STORE_ID)));
  });
  router.get('/nodes', signedIn, admin, (req, res) => {
    res.type('html').send(nodesPage(viewerOf(req)));
  });
  router.get('/unknown-faces', signedIn, admin, (req, res) => {
    res.type('html').send(unknownFacesPage(viewerOf(req)));
  });
  router.get('/settings', signedIn, admin, (req, res) => {
    res.type('html').send(settingsPage(viewerOf(req)));
  });
  router.get('/users', signedIn, admin, (req, res) => {
    res.type('html').send(usersPage(viewerOf(req)));
  });
  router.get('/jobs', signedIn, admin, (req, res) => {
    res.type('html').send(jobsPage(viewerOf(req)));
  });
  router.get('/webhooks', signedIn, admin, (req, res) => {
    res.type('html').send(webhooksPage(viewerOf(req)));
  });
  router.get('/login', async (req, res) => {
    if (req.user) {
      res.redirect(303, '/');
      return;
    }
    if (await users.needsSetup()) {
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
      const sessionId = req.sessionID;
      await logOut(req);
      deps.signedOut(sessionId);
      rotateCsrfToken(req);
    }
    if (isJson(req)) res.status(204).end();
    else res.redirect(303, '/login');
  });

  router.get('/setup', async (req, res) => {
    if (!(await users.needsSetup())) {
      throw new RollcallError(ErrorCode.SetupDone, 'Rollcall is already set up; sign in at /login');
    }
    res.type('html').send(setupPage({ csrfToken: csrfToken(req), minPasswordLength: MIN_PASSWORD_LENGTH }));
  });

  router.post('/setup', ...forms, async (req, res) => {
    assertCsrf(req);
    const name = field(req.body, 'name').trim();
    const password = field(req.body, 'password');
    // The form always sends the repeat; a script posting JSON may leave it out (as before it existed).
    const repeat = isJson(req) && !hasField(req.body, 'confirm') ? password : field(req.body, 'confirm');
    const problem =
      name === ''
        ? 'name: the administrator needs a name'
        : Array.from(name).length > MAX_NAME_LENGTH
          ? `name: at most ${MAX_NAME_LENGTH} characters`
          : (passwordProblem(password) ??
            (repeat === password ? null : 'confirm: the two passwords differ; type the same password twice'));
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
    let user;
    try {
      // One-shot across web nodes: the store creates the account only while there is none.
      user = await users.setUpFirstAdmin(name, passwordHash);
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
