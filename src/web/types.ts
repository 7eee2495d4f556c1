/**
 * What the web node needs from other rooms, as minimal interfaces, and what it adds to Express's
 * request and session types.
 */
import type { NodeState } from '../bridge/index.js';
import type { JobName, JobQueue, JobResults } from '../queues/index.js';
import type {
  AttendanceOnDelete,
  NewEnrollee,
  RemovedPerson,
  AttendanceCorrectionService,
  CameraRoleService,
  GroupReportService,
  GroupService,
  RosterService,
  AttendanceReportService,
  EventLogService,
  JobListService,
  NodeStatusService,
  OverviewService,
  PeopleService,
  RollcallSettings,
  SettingsCalibration,
  SignInService,
  UnknownFaceService,
  UserService,
  WebhookService,
} from '../services/index.js';
import type { Person, UserRole } from '../store/index.js';
import type * as Views from './api-views.js';

/** The part of `EnrollmentService` the web node calls. */
export interface EnrollmentPort {
  /** Always a new person, even when the name is someone else's; `EXTERNAL_ID_TAKEN` on a clash. */
  enroll(
    enrollee: NewEnrollee,
    photos: readonly { fileName: string; bytes: Uint8Array }[],
  ): Promise<{ person: Person; jobId: string }>;
  /** Adds photos to the person with this id; `NOT_FOUND` when nobody has it. */
  addPhotosTo(
    personId: string,
    photos: readonly { fileName: string; bytes: Uint8Array }[],
  ): Promise<{ person: Person; jobId: string }>;
  /** Renames or sets the external id (null clears it); `NOT_FOUND`, `EXTERNAL_ID_TAKEN`. */
  update(personId: string, patch: { name?: string; externalId?: string | null }): Promise<Person>;
  /** Deletes one of the person's photos; `NOT_FOUND` when it is not theirs. */
  removePhoto(personId: string, photoId: string): Promise<{ galleryVersion: number }>;
  remove(personId: string, attendance?: AttendanceOnDelete): Promise<RemovedPerson>;
}

/** `UnknownFaceService`: the review list with assigned names, crops, and the decisions. */
export type UnknownFacesPort = Pick<UnknownFaceService, 'list' | 'crop' | 'assign' | 'dismiss'>;

/** `PeopleService`: the gallery, one person with their photos, thumbnails, a name for the live view. */
export type PeoplePort = Pick<PeopleService, 'list' | 'named' | 'get' | 'thumbnail' | 'nameOf'>;

/** `AttendanceReportService`: a day's records, a range's for the CSV, today in the attendance zone. */
export type AttendanceReportPort = Pick<AttendanceReportService, 'today' | 'day' | 'between' | 'timeZone'>;

/** `AttendanceCorrectionService`: a day's corrections, and a new one. */
export type CorrectionsPort = Pick<AttendanceCorrectionService, 'day' | 'correct'>;

/** `EventLogService`: the audit trail of recognition events, and the crop each kept. */
export type EventsPort = Pick<EventLogService, 'list' | 'crop'>;

/** `OverviewService`: today at a glance for the home page, as the caller's role may see it. */
export type OverviewPort = Pick<OverviewService, 'overview'>;

/** `GroupService`: groups, members, sessions and excuses. */
export type GroupsPort = Pick<
  GroupService,
  | 'list'
  | 'get'
  | 'create'
  | 'update'
  | 'remove'
  | 'addMembers'
  | 'removeMember'
  | 'addSession'
  | 'updateSession'
  | 'removeSession'
  | 'excuse'
>;

/** `GroupReportService`: a group's or a person's sessions over a range. */
export type ReportsPort = Pick<GroupReportService, 'group' | 'person'>;

/** `RosterService`: a group's day. */
export type RosterPort = Pick<RosterService, 'day'>;

/** `CameraRoleService`: what each camera sees, as tagged here or declared by its node. */
export type CameraRolesPort = Pick<CameraRoleService, 'view' | 'setRole'>;

/** `WebhookService`: webhooks, their delivery logs, test events. */
export type WebhooksPort = Pick<
  WebhookService,
  'eventTypes' | 'list' | 'get' | 'create' | 'update' | 'rotateSecret' | 'remove' | 'deliveries' | 'sendTest'
>;

/** `NodeStatusService`: each recognition node as the API shows it. */
export type NodeStatusPort = Pick<NodeStatusService, 'list'>;

/** `SignInService`: passwords, the session's user read again each request, API tokens. */
export type SignInPort = Pick<SignInService, 'checkCredentials' | 'activeUser' | 'tokenUser'>;

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
  | 'createToken'
  | 'listTokens'
  | 'revokeToken'
>;

/** The part of `SettingsService` the web node calls. */
export interface SettingsPort {
  current(): RollcallSettings;
  /** Validates, saves and pushes to the nodes; throws `REQUEST_INVALID` naming the bad field. */
  update(patch: unknown): Promise<{ settings: RollcallSettings; pushedTo: number }>;
  /** Saves the configuration's defaults over every setting and pushes them, as `update` does. */
  reset(): Promise<{ settings: RollcallSettings; pushedTo: number }>;
  /** The thresholds the policy gives for the gallery now, and the stranger rate they predict. */
  calibration(): Promise<SettingsCalibration | null>;
}

/**
 * The part of `JobQueue` the web node uses: job status, the BullMQ queue for Bull Board, and the
 * listing and retry that `JobListService` is built over.
 */
export type JobsPort = Pick<JobQueue, 'getJob' | 'queue' | 'listJobs' | 'getListedJob' | 'retry'>;

/** `JobListService`: the administrators' jobs, and running a failed one again. */
export type JobListPort = Pick<JobListService, 'list' | 'retry'>;

/** The signed-in user as requests see it: never the password hash. */
export interface SessionUser {
  id: string;
  name: string;
  role: UserRole;
}

export type { NodeState, RollcallSettings };

/**
 * Compile-time proof that a training job's result still holds what the pages show of it
 * (`api-views.ts` writes that part out: the job catalog's types need BullMQ's, which the browser
 * program cannot load).
 */
type Holds<T extends true> = T;
export type ViewChecks = [
  Holds<JobResults[typeof JobName.TrainPerson] extends Views.TrainingResult ? true : false>,
];

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
