/**
 * `/api/v1/groups` and `/api/v1/cameras`: groups with their members and sessions, the roster of a
 * group's day, excused sessions, and what each camera sees. Everyone signed in reads; only
 * administrators change anything. The rules are `GroupService`'s and `RosterService`'s.
 */
import { Router } from 'express';
import type { GroupSession } from '../core/index.js';
import { requireRole } from './auth.js';
import { fields, invalid, nameField, optionalString, routeId, STORE_ID } from './body.js';
import type {
  CameraRolesAnswer,
  ExcuseAnswer,
  GroupAnswer,
  GroupDeletedAnswer,
  GroupSavedAnswer,
  GroupsAnswer,
  MemberRemovedAnswer,
  RosterAnswer,
  SessionAnswer,
  SessionDeletedAnswer,
} from './api-views.js';
import { parseDay, parsePage, single } from './query.js';
import type { CameraRolesPort, GroupsPort, RosterPort } from './types.js';

/** A share from 0 to 1, null to clear, undefined when absent. */
function optionalRate(body: Record<string, unknown>): number | null | undefined {
  const value = body.minAttendanceRate;
  if (value === undefined || value === null) return value;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1)
    throw invalid('minAttendanceRate: a share from 0 to 1 (0.8 is 80%), or null for none');
  return value;
}

/**
 * The session's fields as sent; the store checks each one and `GroupService` fills the ones left
 * out with the defaults. Only the three without a default are required here, with a plain message.
 */
function sessionFields(
  body: unknown,
): Partial<GroupSession> & Pick<GroupSession, 'weekdays' | 'start' | 'end'> {
  const session = fields(body);
  for (const field of ['weekdays', 'start', 'end'])
    if (session[field] === undefined) throw invalid(`${field}: the session needs ${field}`);
  return session as unknown as Partial<GroupSession> & Pick<GroupSession, 'weekdays' | 'start' | 'end'>;
}

export function createGroupsRouter(deps: {
  groups: GroupsPort;
  roster: RosterPort;
  cameraRoles: CameraRolesPort;
}): Router {
  const { groups, roster, cameraRoles } = deps;
  const router = Router();
  const admin = requireRole('admin');

  router.get('/groups', async (req, res) => {
    res.json((await groups.list(parsePage(req.query))) satisfies GroupsAnswer);
  });

  router.post('/groups', admin, async (req, res) => {
    const body = fields(req.body);
    const notes = optionalString(body, 'notes');
    const minAttendanceRate = optionalRate(body);
    const group = await groups.create({
      name: nameField(body, 'name', 'the group'),
      ...(notes === undefined ? {} : { notes }),
      ...(minAttendanceRate === undefined ? {} : { minAttendanceRate }),
    });
    res.status(201).json({ group } satisfies GroupSavedAnswer);
  });

  router.get('/groups/:id', async (req, res) => {
    res.json({ group: await groups.get(routeId(req, STORE_ID)) } satisfies GroupAnswer);
  });

  router.patch('/groups/:id', admin, async (req, res) => {
    const body = fields(req.body);
    const notes = optionalString(body, 'notes');
    const minAttendanceRate = optionalRate(body);
    const name = body.name === undefined ? undefined : nameField(body, 'name', 'the group');
    if (name === undefined && notes === undefined && minAttendanceRate === undefined)
      throw invalid('send name, notes or minAttendanceRate to change');
    const group = await groups.update(routeId(req, STORE_ID), {
      ...(name === undefined ? {} : { name }),
      ...(notes === undefined ? {} : { notes }),
      ...(minAttendanceRate === undefined ? {} : { minAttendanceRate }),
    });
    res.json({ group } satisfies GroupSavedAnswer);
  });

  router.delete('/groups/:id', admin, async (req, res) => {
    const id = routeId(req, STORE_ID);
    await groups.remove(id);
    res.json({ id, deleted: true } satisfies GroupDeletedAnswer);
  });

  router.post('/groups/:id/members', admin, async (req, res) => {
    const { personIds } = fields(req.body);
    if (
      !Array.isArray(personIds) ||
      personIds.length === 0 ||
      !personIds.every((id) => typeof id === 'string')
    )
      throw invalid('personIds: a list of the ids of the people to add');
    res.json({ group: await groups.addMembers(routeId(req, STORE_ID), personIds) } satisfies GroupAnswer);
  });

  router.delete('/groups/:id/members/:personId', admin, async (req, res) => {
    const personId = routeId(req, STORE_ID, 'personId');
    await groups.removeMember(routeId(req, STORE_ID), personId);
    res.json({ personId, removed: true } satisfies MemberRemovedAnswer);
  });

  router.post('/groups/:id/sessions', admin, async (req, res) => {
    const session = await groups.addSession(routeId(req, STORE_ID), sessionFields(req.body));
    res.status(201).json({ session } satisfies SessionAnswer);
  });

  router.put('/groups/:id/sessions/:sessionId', admin, async (req, res) => {
    const sessionId = routeId(req, STORE_ID, 'sessionId');
    res.json({
      session: await groups.updateSession(routeId(req, STORE_ID), sessionId, sessionFields(req.body)),
    } satisfies SessionAnswer);
  });

  router.delete('/groups/:id/sessions/:sessionId', admin, async (req, res) => {
    const sessionId = routeId(req, STORE_ID, 'sessionId');
    await groups.removeSession(routeId(req, STORE_ID), sessionId);
    res.json({ id: sessionId, deleted: true } satisfies SessionDeletedAnswer);
  });

  router.post('/groups/:id/sessions/:sessionId/excuses', admin, async (req, res) => {
    const body = fields(req.body);
    const personId = optionalString(body, 'personId');
    const day = optionalString(body, 'day');
    const reason = optionalString(body, 'reason')?.trim();
    if (personId === undefined) throw invalid('personId: whose session is excused');
    if (day === undefined) throw invalid('day: which day (YYYY-MM-DD) is excused');
    if (reason === undefined || reason === '') throw invalid('reason: say why the session is excused');
    const excuse = await groups.excuse(routeId(req, STORE_ID), routeId(req, STORE_ID, 'sessionId'), {
      personId,
      day: parseDay(day, 'day'),
      reason,
      by: req.user?.name ?? 'unknown',
    });
    res.status(201).json({ excuse } satisfies ExcuseAnswer);
  });

  router.get('/groups/:id/roster', async (req, res) => {
    const date = single(req.query, 'date');
    const view = await roster.day(
      routeId(req, STORE_ID),
      date === undefined ? undefined : parseDay(date, 'date'),
    );
    res.json(view satisfies RosterAnswer);
  });

  router.get('/cameras/roles', async (_req, res) => {
    res.json((await cameraRoles.view()) satisfies CameraRolesAnswer);
  });

  router.put('/cameras/:cameraId/role', admin, async (req, res) => {
    const { role } = fields(req.body);
    if (role !== null && typeof role !== 'string')
      throw invalid("role: entry, exit or both, or null to follow the camera's configuration");
    res.json(
      (await cameraRoles.setRole(routeId(req, STORE_ID, 'cameraId'), role)) satisfies CameraRolesAnswer,
    );
  });

  return router;
}
