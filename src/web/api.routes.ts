/**
 * The REST API under `/api/v1`. Handlers validate their input, call the store or a service, and
 * shape the answer; errors go to the app's one error middleware.
 */
import { Router, type Request, type Response } from 'express';
import { ErrorCode, RollcallError, localDay } from '../core/index.js';
import type { Clock } from '../shared/index.js';
import type { StoredAttendance, StoredEvent } from '../store/index.js';
import { MAX_PAGE_LIMIT } from '../store/index.js';
import { requireRole, requireUser } from './auth.js';
import { JOB_ID, STORE_ID, nameField, routeId } from './body.js';
import { csrfToken, requireCsrf } from './csrf.js';
import { csvRow } from './csv.js';
import { ROUTE_BASE_LOCAL } from './metrics.js';
import { parseChoice, parseDay, parseDayRange, parseInstantRange, parsePage, single } from './query.js';
import { photoReceiver, type UploadLimits } from './uploads.js';
import type {
  EnrollmentPort,
  JobsPort,
  NodeState,
  SettingsPort,
  Store,
  UnknownFacesPort,
  UsersPort,
} from './types.js';
import { createCorrectionsRouter } from './corrections.routes.js';
import { createSettingsRouter } from './settings.routes.js';
import { createUnknownFacesRouter } from './unknown-faces.routes.js';
import { createUsersRouter } from './users.routes.js';

export interface ApiDeps {
  store: Store;
  jobs: JobsPort;
  enrollment: EnrollmentPort;
  nodes: () => readonly NodeState[];
  clock: Clock;
  settings: SettingsPort;
  unknownFaces: UnknownFacesPort;
  users: UsersPort;
  uploads: UploadLimits;
}

function attendanceView(record: StoredAttendance) {
  return {
    person: { id: record.personId, name: record.personName },
    day: record.day,
    firstSeen: record.firstSeen,
    lastSeen: record.lastSeen,
    camera: record.firstCameraId,
    lastCamera: record.lastCameraId,
    nodeId: record.nodeId,
    sightings: record.eventCount,
    corrected: record.corrected,
  };
}

function nodeView(node: NodeState) {
  const cameras = node.status?.cameras ?? [];
  return {
    address: node.address,
    nodeId: node.nodeId ?? null,
    connected: node.connected,
    lastHeartbeatAt: node.lastHeartbeatAt === undefined ? null : new Date(node.lastHeartbeatAt).toISOString(),
    // The node's overall rate is what its cameras deliver together.
    fps: cameras.reduce((sum, camera) => sum + camera.fps, 0),
    cameras,
    galleryVersion: node.status?.galleryVersion ?? null,
    // Which gallery the node takes: descriptors of two models never compare.
    descriptorModel: node.status?.descriptorModel ?? null,
    outboxDepth: node.status?.outboxDepth ?? null,
    uptimeS: node.status?.uptimeS ?? null,
  };
}

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
];

function csvLine(record: StoredAttendance): string {
  return csvRow([
    record.day,
    record.personName,
    record.personId,
    record.firstSeen,
    record.lastSeen,
    record.firstCameraId,
    record.lastCameraId,
    record.nodeId,
    record.eventCount,
    record.corrected ? 'yes' : 'no',
  ]);
}

export function createApiRouter(deps: ApiDeps): Router {
  const { store } = deps;
  const router = Router();
  const admin = requireRole('admin');
  const receivePhotos = photoReceiver(deps.uploads);
  // The attendance zone is a setting, read at each request so a change applies at once.
  const timeZone = (): string => deps.settings.current().timeZone;
  const today = (): string => localDay(new Date(deps.clock.now()), timeZone());

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

  router.post('/people', admin, async (req, res) => {
    const photos = await receivePhotos(req, res);
    const name = nameField(req.body);
    const { person, jobId } = await deps.enrollment.enroll(
      name,
      photos.map(({ fileName, bytes }) => ({ fileName, bytes })),
    );
    res
      .status(202)
      .location(`/api/v1/jobs/${encodeURIComponent(jobId)}`)
      .json({ person, jobId });
  });

  router.get('/people', admin, async (req, res) => {
    const page = await store.listPeople(parsePage(req.query));
    res.json({ people: page.items, nextOffset: page.nextOffset });
  });

  router.delete('/people/:id', admin, async (req, res) => {
    const id = routeId(req, STORE_ID);
    const { galleryVersion } = await deps.enrollment.remove(id);
    res.json({ id, erased: true, galleryVersion });
  });

  router.get('/jobs/:id', admin, async (req, res) => {
    const id = routeId(req, JOB_ID);
    const job = await deps.jobs.getJob(id);
    if (!job) throw new RollcallError(ErrorCode.NotFound, `no job with id ${id}`);
    res.json(job);
  });

  router.get('/attendance', async (req, res) => {
    const dateText = single(req.query, 'date');
    const date = dateText === undefined ? today() : parseDay(dateText, 'date');
    const page = await store.listAttendance({ from: date, to: date, ...parsePage(req.query) });
    res.json({ date, records: page.items.map(attendanceView), nextOffset: page.nextOffset });
  });

  router.get('/attendance.csv', async (req: Request, res: Response) => {
    const { from, to } = parseDayRange(req.query, today());
    // The first page is read before any byte is sent, so a failure can still answer { code, message }.
    let page = await store.listAttendance({ from, to, limit: MAX_PAGE_LIMIT, offset: 0 });
    res.status(200);
    res.type('text/csv; charset=utf-8');
    res.attachment(`attendance-${from}-to-${to}.csv`);
    // The byte order mark makes Excel read the file as UTF-8 (names with accents).
    res.write(`\uFEFF${csvRow(CSV_HEADER)}`);
    for (;;) {
      res.write(page.items.map(csvLine).join(''));
      if (page.nextOffset === null) break;
      page = await store.listAttendance({ from, to, limit: MAX_PAGE_LIMIT, offset: page.nextOffset });
    }
    res.end();
  });

  router.get('/events', admin, async (req, res) => {
    const { from, to } = parseInstantRange(req.query, deps.clock.now());
    const type = parseChoice(req.query, 'type', ['recognized', 'sighting', 'unknown'] as const);
    const personId = single(req.query, 'personId');
    const page = await store.listEvents({
      from,
      to,
      ...parsePage(req.query),
      ...(type === undefined ? {} : { type }),
      ...(personId === undefined ? {} : { personId }),
    });
    res.json({ from, to, events: page.items satisfies StoredEvent[], nextOffset: page.nextOffset });
  });

  router.get('/nodes', admin, (_req, res) => {
    res.json({ nodes: deps.nodes().map(nodeView) });
  });

  router.use(createCorrectionsRouter({ store, timeZone, today }));
  router.use(['/unknown-faces', '/settings', '/users'], admin);
  router.use(createUnknownFacesRouter({ store, unknownFaces: deps.unknownFaces }));
  router.use(createSettingsRouter({ settings: deps.settings }));
  router.use(createUsersRouter({ users: deps.users }));

  router.use(() => {
    throw new RollcallError(ErrorCode.NotFound, 'no such API route');
  });
  return router;
}
