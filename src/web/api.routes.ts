/**
 * The REST API under `/api/v1`. Handlers parse the request, call a service, and shape the answer;
 * errors go to the app's one error middleware.
 */
import { Router, type Request, type Response } from 'express';
import { ErrorCode, localIsoTime, RollcallError } from '../core/index.js';
import type { AttendanceRecordView } from '../services/index.js';
import type { Clock } from '../shared/index.js';
import type { StoredEvent } from '../store/index.js';
import type { AttendanceAnswer, JobAnswer, NodesAnswer } from './api-views.js';
import { requireRole, requireUser } from './auth.js';
import { JOB_ID, routeId } from './body.js';
import { csrfToken, requireCsrf } from './csrf.js';
import { csvRow } from './csv.js';
import { ROUTE_BASE_LOCAL } from './metrics.js';
import { parseChoice, parseDay, parseDayRange, parseInstantRange, parsePage, single } from './query.js';
import type { UploadLimits } from './uploads.js';
import type {
  AttendanceReportPort,
  CameraRolesPort,
  CorrectionsPort,
  EnrollmentPort,
  EventsPort,
  GroupsPort,
  JobListPort,
  JobsPort,
  NodeStatusPort,
  OverviewPort,
  PeoplePort,
  ReportsPort,
  RosterPort,
  SettingsPort,
  UnknownFacesPort,
  UsersPort,
  WebhooksPort,
} from './types.js';
import { createCorrectionsRouter } from './corrections.routes.js';
import { createGroupsRouter } from './groups.routes.js';
import { createReportsRouter } from './reports.routes.js';
import { createOverviewRouter } from './overview.routes.js';
import { createJobsRouter } from './jobs.routes.js';
import { createPeopleRouter } from './people.routes.js';
import { createSettingsRouter } from './settings.routes.js';
import { createUnknownFacesRouter } from './unknown-faces.routes.js';
import { createUsersRouter } from './users.routes.js';
import { createWebhooksRouter } from './webhooks.routes.js';

export interface ApiDeps {
  people: PeoplePort;
  attendance: AttendanceReportPort;
  corrections: CorrectionsPort;
  events: EventsPort;
  jobs: JobsPort;
  /** The Jobs page's list and retry (`JobListService`). */
  jobList: JobListPort;
  enrollment: EnrollmentPort;
  nodes: NodeStatusPort;
  /** Today at a glance for the home page. */
  overview: OverviewPort;
  /** Now, for the events' default range (the last 24 h). */
  clock: Clock;
  settings: SettingsPort;
  unknownFaces: UnknownFacesPort;
  users: UsersPort;
  uploads: UploadLimits;
  groups: GroupsPort;
  roster: RosterPort;
  cameraRoles: CameraRolesPort;
  webhooks: WebhooksPort;
  reports: ReportsPort;
}

/**
 * The attendance export: every time ISO 8601 on the attendance zone's clock with its offset
 * (`2026-11-30T09:04:00+01:00`), the zone named in the last column. Columns are only ever added at
 * the end, so a spreadsheet made for an older export still reads it.
 */
const CSV_HEADER = [
  'day',
  'person',
  'person_id',
  'first_seen',
  'last_seen',
  'first_camera',
  'last_camera',
  'node',
  'sightings',
  'corrected',
  'in_view',
  'check_in',
  'check_in_camera',
  'check_out',
  'check_out_camera',
  'visits',
  'time_present_s',
  'time_zone',
];

function csvLine(record: AttendanceRecordView, timeZone: string): string {
  const time = (at: string | null) => (at === null ? null : localIsoTime(at, timeZone));
  return csvRow([
    record.day,
    record.person.name,
    record.person.id,
    time(record.firstSeen),
    time(record.lastSeen),
    record.camera,
    record.lastCamera,
    record.nodeId,
    record.sightings,
    record.corrected ? 'yes' : 'no',
    record.inView ? 'yes' : 'no',
    time(record.checkIn),
    record.checkInCamera,
    time(record.checkOut),
    record.checkOutCamera,
    record.visits,
    record.timePresentS,
    timeZone,
  ]);
}

export function createApiRouter(deps: ApiDeps): Router {
  const router = Router();
  const admin = requireRole('admin');

  router.use((req, res, next) => {
    res.locals[ROUTE_BASE_LOCAL] = req.baseUrl;
    next();
  });
  router.use(requireUser(), requireCsrf);

  router.get('/session', (req, res) => {
    res.json({
      user: req.user,
      // Token callers need none; a session's pages send it back in X-CSRF-Token.
      csrfToken: req.authMethod === 'session' ? csrfToken(req) : null,
    });
  });

  router.use(createJobsRouter({ jobList: deps.jobList }));
  router.get('/jobs/:id', admin, async (req, res) => {
    const id = routeId(req, JOB_ID);
    const job = await deps.jobs.getJob(id);
    if (!job) throw new RollcallError(ErrorCode.NotFound, `no job with id ${id}`);
    res.json(job satisfies JobAnswer);
  });

  router.get('/attendance', async (req, res) => {
    const dateText = single(req.query, 'date');
    const date = dateText === undefined ? undefined : parseDay(dateText, 'date');
    res.json((await deps.attendance.day(date, parsePage(req.query))) satisfies AttendanceAnswer);
  });

  router.get('/attendance.csv', async (req: Request, res: Response) => {
    const { from, to } = parseDayRange(req.query, deps.attendance.today());
    const pages = deps.attendance.between(from, to);
    const timeZone = deps.attendance.timeZone();
    // The first page is read before any byte is sent, so a failure can still answer { code, message }.
    let page = await pages.next();
    res.status(200);
    res.type('text/csv; charset=utf-8');
    res.attachment(`attendance-${from}-to-${to}.csv`);
    // The byte order mark makes Excel read the file as UTF-8 (names with accents).
    res.write(`\uFEFF${csvRow(CSV_HEADER)}`);
    while (page.done !== true) {
      res.write(page.value.map((record) => csvLine(record, timeZone)).join(''));
      page = await pages.next();
    }
    res.end();
  });

  router.get('/events', admin, async (req, res) => {
    const { from, to } = parseInstantRange(req.query, deps.clock.now());
    const type = parseChoice(req.query, 'type', ['recognized', 'sighting', 'unknown'] as const);
    const personId = single(req.query, 'personId');
    const page = await deps.events.list({
      from,
      to,
      ...parsePage(req.query),
      ...(type === undefined ? {} : { type }),
      ...(personId === undefined ? {} : { personId }),
    });
    res.json({ from, to, events: page.items satisfies StoredEvent[], nextOffset: page.nextOffset });
  });

  router.get('/nodes', admin, (_req, res) => {
    res.json({ nodes: deps.nodes.list() } satisfies NodesAnswer);
  });

  router.use('/people', admin);
  router.use(createPeopleRouter({ people: deps.people, enrollment: deps.enrollment, uploads: deps.uploads }));
  router.use(createCorrectionsRouter({ corrections: deps.corrections }));
  router.use(createGroupsRouter({ groups: deps.groups, roster: deps.roster, cameraRoles: deps.cameraRoles }));
  router.use(createReportsRouter({ reports: deps.reports, attendance: deps.attendance }));
  router.use(createOverviewRouter({ overview: deps.overview, events: deps.events }));
  router.use(['/unknown-faces', '/settings', '/users', '/webhooks'], admin);
  router.use(createUnknownFacesRouter({ unknownFaces: deps.unknownFaces }));
  router.use(createSettingsRouter({ settings: deps.settings }));
  router.use(createUsersRouter({ users: deps.users }));
  router.use(createWebhooksRouter({ webhooks: deps.webhooks }));

  router.use(() => {
    throw new RollcallError(ErrorCode.NotFound, 'no such API route');
  });
  return router;
}
