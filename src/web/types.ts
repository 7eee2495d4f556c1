/**
 * What the web node needs from other rooms, as minimal interfaces, and what it adds to Express's
 * request and session types.
 */
import type { NodeState } from '../bridge/index.js';
import type { JobQueue } from '../queues/index.js';
import type {
  AssignedFace,
  AssignTarget,
  RollcallSettings,
  SettingsCalibration,
  UserService,
} from '../services/index.js';
import type { Person, Store, UnknownFace, UserRole } from '../store/index.js';

/** The part of `EnrollmentService` the web node calls. */
export interface EnrollmentPort {
  enroll(
    name: string,
    photos: readonly { fileName: string; bytes: Uint8Array }[],
  ): Promise<{ person: Person; jobId: string }>;
  remove(personId: string): Promise<{ galleryVersion: number }>;
}

/** The part of `UnknownFaceService` the web node calls. */
export interface UnknownFacesPort {
  assign(id: string, target: AssignTarget): Promise<AssignedFace>;
  dismiss(id: string): Promise<UnknownFace>;
}

/** `UserService`: accounts, their rules held in the store's transactions. */
export type UsersPort = Pick<
  UserService,
  | 'needsSetup'
  | 'setUpFirstAdmin'
  | 'list'
  | 'get'
  | 'create'
  | 'update'
  | 'remove'
  | 'listTokens'
  | 'revokeToken'
>;

/** The part of `SettingsService` the web node calls. */
export interface SettingsPort {
  current(): RollcallSettings;
  /** Validates, saves and pushes to the nodes; throws `REQUEST_INVALID` naming the bad field. */
  update(patch: unknown): Promise<{ settings: RollcallSettings; pushedTo: number }>;
  /** The thresholds the policy gives for the gallery now, and the stranger rate they predict. */
  calibration(): Promise<SettingsCalibration | null>;
}

/** The part of `JobQueue` the web node uses: job status, and the BullMQ queue for Bull Board. */
export type JobsPort = Pick<JobQueue, 'getJob' | 'queue'>;

/** The signed-in user as requests see it: never the password hash. */
export interface SessionUser {
  id: string;
  name: string;
  role: UserRole;
}

export type { NodeState, RollcallSettings, Store };

declare global {
  // Express's own types are declared in this namespace; merging into it is how they are extended.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends SessionUser {}
    interface Request {
      /** How `user` was proven: a session cookie or an API token (which needs no CSRF token). */
      authMethod?: 'session' | 'token';
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    /** The synchronizer token that state-changing requests with this session must echo. */
    csrfToken?: string;
  }
}
