/**
 * The web node's Express app: secure headers, metrics, sessions in Redis, passport, the pages, the
 * REST API, Bull Board (kept offline: `queue-board.ts`), and one error middleware that answers
 * `{ code, message }`.
 */
import { RedisStore } from 'connect-redis';
import { ServerResponse, type IncomingMessage } from 'node:http';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import session, { type SessionData } from 'express-session';
import helmet from 'helmet';
import { Redis } from 'ioredis';
import { ErrorCode, RollcallError } from '../core/index.js';
import {
  AttendanceCorrectionService,
  AttendanceReportService,
  CameraRoleService,
  EventLogService,
  GroupReportService,
  GroupService,
  HealthService,
  JobListService,
  NodeStatusService,
  OverviewService,
  PeopleService,
  RosterService,
  SignInService,
  UserService,
  WebhookService,
  type IngestFailure,
} from '../services/index.js';
import { OptionChecks, systemClock, type Clock } from '../shared/index.js';
import type { Store } from '../store/index.js';
import { createApiRouter } from './api.routes.js';
import { bearerAuth, createPassport, requireRole, requireUser } from './auth.js';
import { toErrorResponse, type WebLogger } from './http-errors.js';
import { LiveFeed, type FrameFeed, type LiveFeedOptions, type LiveSession } from './live-feed.js';
import { WebMetrics } from './metrics.js';
import { errorPage } from './pages.js';
import { createPagesRouter, serveClientScript, serveStaticAsset } from './pages.routes.js';
import { createQueueBoard, QUEUE_BOARD_PATH } from './queue-board.js';
import type {
  EnrollmentPort,
  JobsPort,
  NodeState,
  SettingsPort,
  UnknownFacesPort,
  UsersPort,
} from './types.js';
import type { UploadLimits } from './uploads.js';

export interface WebDeps {
  /**
   * Handed to the services this app builds (people, attendance and its corrections, events,
   * sign-in, health, accounts); no route or middleware calls it.
   */
  store: Store;
  jobs: JobsPort;
  /** The webhook deliveries' queue, shown in Bull Board beside the main one. @defaultValue not shown */
  webhookQueue?: JobsPort['queue'];
  enrollment: EnrollmentPort;
  /** Review of unknown faces (`UnknownFaceService`). */
  unknownFaces: UnknownFacesPort;
  /** Accounts and the one-time setup. @defaultValue a `UserService` over `store` */
  users?: UsersPort;
  /** Run-time settings, the attendance time zone among them (`SettingsService`). */
  settings: SettingsPort;
  /** The bridge clients' view of each recognition node (`BridgeClients.nodes()`). */
  nodes: () => readonly NodeState[];
  /** Camera frames for the live view (`BridgeClients` `frame` events). @defaultValue none: the live view shows no picture */
  frames?: FrameFeed;
  /** Redis for sessions (the same server as the job queue). */
  redisUrl: string;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** Where request failures are reported. @defaultValue none (failures are only answered) */
  log?: WebLogger;
  /**
   * Why recognition events cannot be stored right now (`AttendanceService.failing`): `/healthz`
   * answers 503 with it. @defaultValue never
   */
  ingestFailure?: () => IngestFailure | undefined;
}

export interface WebOptions {
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  /** Interface to listen on. @defaultValue every interface */
  host?: string;
  /** Signs session cookies; at least 32 characters (see `loadSessionSecret`). */
  sessionSecret: string;
  /**
   * Mark the session cookie `Secure` (and send HSTS). Turn on when served over HTTPS, usually
   * behind a TLS proxy with `trustProxy`. @defaultValue false
   */
  secureCookies?: boolean;
  /** Express `trust proxy`: which proxies' X-Forwarded-* headers to believe. @defaultValue false */
  trustProxy?: boolean | number | string;
  /** Limits on enrollment uploads. @defaultValue 10 MiB a photo, 20 photos */
  uploads?: UploadLimits;
  /** Redis key prefix of sessions; tests use a unique one. @defaultValue `rollcall:sess:` */
  sessionPrefix?: string;
  /** A session ends after this long without a request. @defaultValue 43200000 (12 h) */
  sessionIdleMs?: number;
  /** Failed sign-ins allowed per address and name within `loginWindowMs`. @defaultValue 10 */
  loginAttempts?: number;
  /** @defaultValue 900000 (15 min) */
  loginWindowMs?: number;
  /** How long `close()` waits for open requests before cutting them. @defaultValue 5000 */
  closeTimeoutMs?: number;
  /** Live view WebSocket tuning. @defaultValue see {@link LiveFeedOptions} */
  live?: LiveFeedOptions;
}

export interface WebApp {
  readonly app: Express;
  readonly metrics: WebMetrics;
  /** The live view's WebSocket endpoint: give it the HTTP server's `upgrade` requests. */
  readonly live: LiveFeed;
  /** Closes live-view sockets and disconnects the session store's Redis client; idempotent. */
  close(): Promise<void>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** @throws RollcallError `USAGE_INVALID` naming every bad option at once. */
function validate(options: WebOptions): void {
  const { port, sessionSecret } = options;
  const checks = new OptionChecks('WebApp').require(
    Number.isInteger(port) && port >= 0 && port <= 65535,
    'port',
    'must be a whole number from 0 to 65535',
    port,
  );
  checks.requireHidden(
    typeof sessionSecret === 'string' && sessionSecret.length >= 32,
    'sessionSecret',
    'must be at least 32 characters',
  );
  for (const key of ['sessionIdleMs', 'loginAttempts', 'loginWindowMs', 'closeTimeoutMs'] as const) {
    const value = options[key];
    checks.require(
      value === undefined || (Number.isInteger(value) && value >= 1),
      key,
      'must be a whole number of at least 1',
      value,
    );
  }
  checks.throwIfAny();
}

/**
 * Bull Board's own UI sends its changes (retry, clean, pause) without our CSRF token. The SameSite
 * cookie already keeps other sites' forms out; this also requires a same-origin `Origin` header,
 * which browsers send with every non-GET request.
 */
const sameOrigin: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method)) {
    next();
    return;
  }
  const origin = req.get('origin');
  let host: string | undefined;
  try {
    host = origin === undefined ? undefined : new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host === undefined || host !== req.get('host')) {
    throw new RollcallError(ErrorCode.CsrfInvalid, 'changes to the job queues must come from this site');
  }
  next();
};

function wantsPage(req: Request): boolean {
  return !req.path.startsWith('/api/') && req.accepts(['json', 'html']) === 'html';
}

/** Builds the app. Nothing listens yet: see {@link WebServer}. */
export function createWebApp(deps: WebDeps, options: WebOptions): WebApp {
  validate(options);
  const clock = deps.clock ?? systemClock;
  const secure = options.secureCookies ?? false;
  const app = express();
  const metrics = new WebMetrics(deps.nodes);
  // The web node's use cases. The store goes to the services only: routes call these.
  const { store } = deps;
  // The attendance zone is a setting, read at each request so a change applies at once.
  const timeZone = (): string => deps.settings.current().timeZone;
  const health = new HealthService({
    store,
    ...(deps.ingestFailure ? { ingestFailure: deps.ingestFailure } : {}),
  });
  const signIn = new SignInService({ store, clock });
  const people = new PeopleService({ store });
  const corrections = new AttendanceCorrectionService({ store, clock, timeZone });
  const events = new EventLogService({ store });
  const nodeStatus = new NodeStatusService({ nodes: deps.nodes });
  const overview = new OverviewService({ store, nodes: nodeStatus, clock, timeZone });
  const jobList = new JobListService({ jobs: deps.jobs, store });
  const users = deps.users ?? new UserService({ store });
  const groups = new GroupService({ store });
  const cameraRoles = new CameraRoleService({ store });
  const attendance = new AttendanceReportService({
    store,
    clock,
    timeZone,
    sightingIntervalS: () => deps.settings.current().sightingIntervalS,
    cameraRoles: () => cameraRoles.roles(),
  });
  const roster = new RosterService({
    store,
    clock,
    timeZone,
    sightingIntervalS: () => deps.settings.current().sightingIntervalS,
    cameraRoles: () => cameraRoles.roles(),
  });
  const reports = new GroupReportService({
    store,
    clock,
    timeZone,
    sightingIntervalS: () => deps.settings.current().sightingIntervalS,
    cameraRoles: () => cameraRoles.roles(),
  });
  const webhooks = new WebhookService({ store, clock });

  app.set('trust proxy', options.trustProxy ?? false);
  app.disable('x-powered-by');
  app.use(metrics.middleware);
  app.use(
    helmet({
      // Over plain HTTP on a LAN, upgrade-insecure-requests would make browsers fetch our own
      // scripts over HTTPS, which is not there; HSTS likewise only makes sense over HTTPS.
      // Our pages take their one stylesheet from /assets and have no inline style, so they allow
      // only that. Bull Board's page, which sets inline styles, replaces this policy with its own
      // (`queue-board.ts`: inline styles, but fonts and styles from this host only).
      contentSecurityPolicy: {
        directives: {
          upgradeInsecureRequests: secure ? [] : null,
          styleSrc: ["'self'"],
        },
      },
      strictTransportSecurity: secure,
    }),
  );

  // Open to monitoring: mounted before sessions, so they answer even when Redis is down.
  app.get('/healthz', async (_req, res) => {
    await health.check();
    const problem = health.problem();
    if (problem !== undefined) {
      res.status(503).json({ ok: false, ...problem });
      return;
    }
    res.json({ ok: true });
  });
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.render();
    res.type(contentType).send(body);
  });
  app.get('/assets/:name.js', serveClientScript);
  app.get('/assets/:file', serveStaticAsset);

  const redis = new Redis(deps.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 5000 });
  redis.on('error', (error: Error) => {
    deps.log?.warn({ err: error }, 'session store: Redis error');
  });
  const sessionStore = new RedisStore({
    client: redis,
    prefix: options.sessionPrefix ?? 'rollcall:sess:',
  });
  const sessions = session({
    name: 'rollcall.sid',
    store: sessionStore,
    secret: options.sessionSecret,
    resave: false,
    // No session (and no Redis key) for visitors until something is stored in it.
    saveUninitialized: false,
    rolling: true,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      maxAge: options.sessionIdleMs ?? 12 * 60 * 60 * 1000,
    },
  });
  const authenticator = createPassport(signIn);
  app.use(authenticator.initialize());
  // passport's typings declare this middleware as any.
  const passportSession = authenticator.session() as RequestHandler;
  // A token-authenticated call carries no cookie worth a Redis round trip, and must not start a
  // session. Only a Bearer token counts: a proxy in front may add its own Basic credentials.
  app.use((req, res, next) => {
    if (/^Bearer /i.test(req.get('authorization') ?? '')) {
      next();
      return;
    }
    sessions(req, res, (error?: unknown) => {
      if (error) {
        next(error);
        return;
      }
      passportSession(req, res, next);
    });
  });

  const loginAttempts = options.loginAttempts ?? 10;
  const loginWindowMs = options.loginWindowMs ?? 15 * 60 * 1000;
  const loginLimiter = rateLimit({
    windowMs: loginWindowMs,
    limit: loginAttempts,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Only failures count: a user who signs in often is never locked out.
    skipSuccessfulRequests: true,
    keyGenerator: (req) => {
      const body = req.body as Record<string, unknown> | undefined;
      const name = typeof body?.name === 'string' ? body.name.trim().toLowerCase().slice(0, 200) : '';
      return `${ipKeyGenerator(req.ip ?? '')}|${name}`;
    },
    handler: (_req, _res, next) => {
      next(
        new RollcallError(
          ErrorCode.RateLimited,
          `too many failed sign-ins; try again in ${Math.ceil(loginWindowMs / 60_000)} minutes`,
        ),
      );
    },
  });

  app.use(
    createPagesRouter({
      users,
      authenticator,
      loginLimiter,
      // Declared below (it needs the session middleware); only called once requests arrive.
      signedOut: (sessionId) => {
        live.endSession(sessionId);
      },
      today: () => attendance.today(),
      timeZone,
      groups,
    }),
  );
  app.use(
    '/api/v1',
    express.json({ limit: '100kb' }),
    bearerAuth(signIn),
    createApiRouter({
      people,
      attendance,
      corrections,
      events,
      jobs: deps.jobs,
      jobList,
      enrollment: deps.enrollment,
      nodes: nodeStatus,
      overview,
      clock,
      settings: deps.settings,
      unknownFaces: deps.unknownFaces,
      users,
      uploads: options.uploads ?? {},
      groups,
      roster,
      cameraRoles,
      reports,
      webhooks,
    }),
  );

  app.use(
    QUEUE_BOARD_PATH,
    requireUser({ redirect: true }),
    requireRole('admin'),
    sameOrigin,
    ...createQueueBoard(deps.jobs, {
      secure,
      ...(deps.webhookQueue === undefined ? {} : { more: [deps.webhookQueue] }),
    }),
  );

  app.use(() => {
    throw new RollcallError(ErrorCode.NotFound, 'no such page');
  });
  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    const { status, body, internal } = toErrorResponse(error);
    if (internal) deps.log?.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
    if (res.headersSent) {
      // A CSV half-sent cannot turn into an error answer; cutting it shows the client it is incomplete.
      res.destroy();
      return;
    }
    if (status === 401) res.set('WWW-Authenticate', 'Bearer realm="rollcall"');
    if (wantsPage(req)) res.status(status).type('html').send(errorPage(status, body.message));
    else res.status(status).json(body);
  };
  app.use(onError);

  // An upgrade request never goes through Express: the same session and passport middleware read
  // its cookie here, with a response object that is never sent.
  const initialize = authenticator.initialize() as RequestHandler;
  const runMiddleware = (handler: RequestHandler, req: Request, res: Response): Promise<void> =>
    new Promise((resolve, reject) => {
      void handler(req, res, (error?: unknown) => {
        if (error) reject(error instanceof Error ? error : new Error('session middleware failed'));
        else resolve();
      });
    });
  const authenticateUpgrade = async (incoming: IncomingMessage): Promise<LiveSession | null> => {
    const req = incoming as Request;
    const res = new ServerResponse(incoming) as Response;
    for (const handler of [initialize, sessions, passportSession]) await runMiddleware(handler, req, res);
    return req.user ? { user: req.user, sessionId: req.sessionID } : null;
  };
  // The session as Redis holds it now: gone once it expired or was signed out (passport then
  // regenerates it); the user is read again, as for every request.
  const stillSignedIn = async ({ user, sessionId }: LiveSession): Promise<boolean> => {
    const data = (await sessionStore.get(sessionId)) as SessionData | null | undefined;
    const passportUser = (data as { passport?: { user?: unknown } } | null | undefined)?.passport?.user;
    if (passportUser !== user.id) return false;
    return (await signIn.activeUser(user.id)) !== null;
  };
  const live = new LiveFeed(
    {
      frames: deps.frames,
      nodes: deps.nodes,
      personName: (id) => people.nameOf(id),
      authenticate: authenticateUpgrade,
      stillSignedIn,
      ...(deps.log === undefined ? {} : { log: deps.log }),
    },
    options.live,
  );

  let closing: Promise<void> | undefined;
  return {
    app,
    metrics,
    live,
    close() {
      live.close();
      closing ??= redis.quit().then(
        () => undefined,
        () => {
          redis.disconnect();
        },
      );
      return closing;
    },
  };
}
