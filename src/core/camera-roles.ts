/**
 * Which camera role is in force. A recognition node may declare each camera's role in
 * `CAMERA_SOURCES`; an administrator may tag it on the web node. The tag wins, then the declared
 * role, then `both` (a camera watching a room). Pure functions over plain maps: the web node's
 * `CameraRoleService` keeps the two maps in the store.
 */
import { CAMERA_ROLES, type CameraRole } from './schedule.js';

/** Where a camera's role in force comes from. */
export type CameraRoleSource = 'admin' | 'configuration' | 'default';

export interface CameraRoleEntry {
  cameraId: string;
  /** The role in force. */
  role: CameraRole;
  source: CameraRoleSource;
  /** The administrator's tag; null when none. */
  tag: CameraRole | null;
  /** The role the camera's node declared (`CAMERA_SOURCES` `role`); null when none. */
  declared: CameraRole | null;
}

/** A camera as a node's STATUS reports it: `role` absent when its configuration sets none. */
export interface ReportedCamera {
  cameraId: string;
  role?: CameraRole | undefined;
}

export function isCameraRole(value: unknown): value is CameraRole {
  return typeof value === 'string' && (CAMERA_ROLES as readonly string[]).includes(value);
}

/** The role in force of one camera: the tag, else the declared role, else both ways. */
export function roleInForce(
  tag: CameraRole | undefined,
  declared: CameraRole | undefined,
): { role: CameraRole; source: CameraRoleSource } {
  if (tag !== undefined) return { role: tag, source: 'admin' };
  if (declared !== undefined) return { role: declared, source: 'configuration' };
  return { role: 'both', source: 'default' };
}

/** Every camera with a tag or a declared role, by id. */
export function cameraRoleTable(
  tags: Readonly<Record<string, CameraRole>>,
  declared: Readonly<Record<string, CameraRole>>,
): CameraRoleEntry[] {
  const ids = [...new Set([...Object.keys(tags), ...Object.keys(declared)])].sort();
  return ids.map((cameraId) => {
    const tag = tags[cameraId];
    const said = declared[cameraId];
    return { cameraId, ...roleInForce(tag, said), tag: tag ?? null, declared: said ?? null };
  });
}

/**
 * The roles in force as the reports read them: entry and exit cameras only, since a camera not
 * named counts as both ways (so a `both` that overrides a declared role is left out too).
 */
export function rolesInForce(
  tags: Readonly<Record<string, CameraRole>>,
  declared: Readonly<Record<string, CameraRole>>,
): Record<string, CameraRole> {
  const roles: Record<string, CameraRole> = {};
  for (const { cameraId, role } of cameraRoleTable(tags, declared))
    if (role !== 'both') roles[cameraId] = role;
  return roles;
}

/**
 * The declared roles after a node's STATUS: each camera it reports takes the role its
 * configuration sets now, or loses its declared role when it sets none. Cameras it does not report
 * (another node's, or one taken out of service) keep theirs, so past days read as they did.
 */
export function withDeclaredRoles(
  saved: Readonly<Record<string, CameraRole>>,
  reported: readonly ReportedCamera[],
): Record<string, CameraRole> {
  const now = new Map(reported.map(({ cameraId, role }) => [cameraId, role]));
  const next: Record<string, CameraRole> = {};
  for (const [cameraId, role] of Object.entries(saved)) if (!now.has(cameraId)) next[cameraId] = role;
  for (const [cameraId, role] of now) if (role !== undefined) next[cameraId] = role;
  return next;
}

/** Whether two role maps say the same thing, whatever their keys' order. */
export function sameRoles(
  a: Readonly<Record<string, CameraRole>>,
  b: Readonly<Record<string, CameraRole>>,
): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((id) => a[id] === b[id]);
}
