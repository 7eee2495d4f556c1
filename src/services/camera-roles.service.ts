/**
 * What each camera sees — people coming in (`entry`), going out (`exit`), or both. A recognition
 * node may declare it per camera in `CAMERA_SOURCES`; an administrator may tag it here, over the
 * declared role. The rule (tag, else declared, else both) is core `roleInForce`. Both maps are
 * settings in the store, so every web node reads the same roles, and the declared ones hold while
 * the node is offline and after a web restart.
 */
import {
  cameraRoleTable,
  ErrorCode,
  isCameraRole,
  RollcallError,
  rolesInForce,
  sameRoles,
  withDeclaredRoles,
  type CameraRole,
  type ReportedCamera,
} from '../core/index.js';
import type { JsonValue, Store } from '../store/index.js';
import type { CameraRolesView } from './views.js';

/** The store key of the administrators' tags, a JSON object from camera id to role. */
export const CAMERA_ROLES_KEY = 'web.cameraRoles';

/** The store key of the roles the nodes declare, a JSON object from camera id to role. */
export const CAMERA_DECLARED_ROLES_KEY = 'web.cameraDeclaredRoles';

function rolesOf(value: JsonValue | null | undefined): Record<string, CameraRole> {
  const roles: Record<string, CameraRole> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return roles;
  for (const [camera, role] of Object.entries(value)) if (isCameraRole(role)) roles[camera] = role;
  return roles;
}

export class CameraRoleService {
  /**
   * What this web node last found recorded for each camera a node reported: a node's STATUS comes
   * at every heartbeat, and one that says nothing new costs no store read.
   */
  private readonly recorded = new Map<string, CameraRole | null>();

  constructor(private readonly deps: { store: Pick<Store, 'getSetting' | 'updateSetting'> }) {}

  /** The entry and exit cameras in force (a camera not named sees both ways), for the reports. */
  async roles(): Promise<Record<string, CameraRole>> {
    const { tags, declared } = await this.read();
    return rolesInForce(tags, declared);
  }

  async view(): Promise<CameraRolesView> {
    const { tags, declared } = await this.read();
    return { roles: rolesInForce(tags, declared), cameras: cameraRoleTable(tags, declared) };
  }

  /**
   * Tags a camera. `null` removes the tag, so the camera's declared role (or both ways) is in
   * force. `both` is kept as a tag only over a declared role, which it overrides; otherwise both
   * ways is what an untagged camera sees already, and the tag is removed.
   */
  async setRole(cameraId: string, role: string | null): Promise<CameraRolesView> {
    const camera = cameraId.trim();
    if (camera === '' || camera.length > 128)
      throw new RollcallError(ErrorCode.RequestInvalid, 'camera: a camera id of 1 to 128 characters');
    if (role !== null && !isCameraRole(role))
      throw new RollcallError(
        ErrorCode.RequestInvalid,
        "role: must be one of entry, exit, both, or null to follow the camera's configuration",
      );
    const declared = rolesOf((await this.deps.store.getSetting(CAMERA_DECLARED_ROLES_KEY))?.value);
    const keep = role !== null && (role !== 'both' || declared[camera] !== undefined);
    const saved = await this.deps.store.updateSetting(CAMERA_ROLES_KEY, (current) => {
      const others = Object.entries(rolesOf(current)).filter(([id]) => id !== camera);
      return Object.fromEntries(keep ? [...others, [camera, role]] : others);
    });
    const tags = rolesOf(saved.value);
    return { roles: rolesInForce(tags, declared), cameras: cameraRoleTable(tags, declared) };
  }

  /** The recording in progress: one at a time, so two quick STATUS messages write once. */
  private recording: Promise<unknown> = Promise.resolve();

  /**
   * Records the roles a node's STATUS declares for its cameras, writing only when they change.
   *
   * @returns whether the store changed.
   */
  recordDeclared(cameras: readonly ReportedCamera[]): Promise<boolean> {
    const done = this.recording.catch(() => undefined).then(() => this.record(cameras));
    this.recording = done;
    return done;
  }

  private async record(cameras: readonly ReportedCamera[]): Promise<boolean> {
    const news = cameras.some(
      ({ cameraId, role }) => !this.recorded.has(cameraId) || this.recorded.get(cameraId) !== (role ?? null),
    );
    if (!news) return false;
    const saved = rolesOf((await this.deps.store.getSetting(CAMERA_DECLARED_ROLES_KEY))?.value);
    const changed = !sameRoles(saved, withDeclaredRoles(saved, cameras));
    if (changed)
      await this.deps.store.updateSetting(CAMERA_DECLARED_ROLES_KEY, (current) =>
        withDeclaredRoles(rolesOf(current), cameras),
      );
    for (const { cameraId, role } of cameras) this.recorded.set(cameraId, role ?? null);
    return changed;
  }

  private async read(): Promise<{
    tags: Record<string, CameraRole>;
    declared: Record<string, CameraRole>;
  }> {
    const [tags, declared] = await Promise.all([
      this.deps.store.getSetting(CAMERA_ROLES_KEY),
      this.deps.store.getSetting(CAMERA_DECLARED_ROLES_KEY),
    ]);
    return { tags: rolesOf(tags?.value), declared: rolesOf(declared?.value) };
  }
}
