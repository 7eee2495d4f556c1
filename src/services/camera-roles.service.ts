/**
 * What each camera sees — people coming in (`entry`), going out (`exit`), or both — as an
 * administrator tagged it. Kept as one setting, so every web node reads the same tags. A camera
 * nobody tagged sees both ways, which is what a camera watching a room does.
 */
import { CAMERA_ROLES, ErrorCode, RollcallError, type CameraRole } from '../core/index.js';
import type { JsonValue, Store } from '../store/index.js';

/** The store key of the tags, a JSON object from camera id to role. */
export const CAMERA_ROLES_KEY = 'web.cameraRoles';

function rolesOf(value: JsonValue | null | undefined): Record<string, CameraRole> {
  const roles: Record<string, CameraRole> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return roles;
  for (const [camera, role] of Object.entries(value))
    if (typeof role === 'string' && (CAMERA_ROLES as readonly string[]).includes(role))
      roles[camera] = role as CameraRole;
  return roles;
}

export class CameraRoleService {
  constructor(private readonly deps: { store: Pick<Store, 'getSetting' | 'updateSetting'> }) {}

  /** Every tagged camera's role. */
  async roles(): Promise<Record<string, CameraRole>> {
    return rolesOf((await this.deps.store.getSetting(CAMERA_ROLES_KEY))?.value);
  }

  /** Tags a camera; `both` removes the tag, since untagged cameras see both ways. */
  async setRole(cameraId: string, role: string): Promise<Record<string, CameraRole>> {
    const camera = cameraId.trim();
    if (camera === '' || camera.length > 128)
      throw new RollcallError(ErrorCode.RequestInvalid, 'camera: a camera id of 1 to 128 characters');
    if (!(CAMERA_ROLES as readonly string[]).includes(role))
      throw new RollcallError(ErrorCode.RequestInvalid, `role: must be one of ${CAMERA_ROLES.join(', ')}`);
    const saved = await this.deps.store.updateSetting(CAMERA_ROLES_KEY, (current) => {
      const others = Object.entries(rolesOf(current)).filter(([id]) => id !== camera);
      return Object.fromEntries(role === 'both' ? others : [...others, [camera, role]]);
    });
    return rolesOf(saved.value);
  }
}
