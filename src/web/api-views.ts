/**
 * What the pages read from `/api/v1`, answer by answer: the wire side of the routes. The routes
 * check their answers against these types (`satisfies`), and the pages' scripts (`frontend/`) import
 * them (`import type`), so a field renamed on the server is a compile error in the browser code.
 *
 * Every shape is taken from where it is made: the store's interface, the services' views
 * (`services/views.ts`) and the queue's job view (`queues/job-view.ts`), each kept free of Node so
 * the browser program can load it. Type-only: nothing of this file reaches the bundles.
 */
import type { CameraRoleEntry, CameraRoleSource } from '../core/camera-roles.js';
import type { CameraRole, GroupSession, SessionStatus, Weekday } from '../core/schedule.js';
import type { JobState, JobView, ListedJobState } from '../queues/job-view.js';
import type {
  AdminOverview,
  ArrivalView,
  AttendanceRecordView,
  CameraRolesView,
  CameraStateView,
  ChecklistStepView,
  CorrectionView,
  GroupDetail,
  GroupReport,
  GroupSummary,
  JobListItem,
  MemberSummary,
  NodeView,
  OverviewView,
  PendingFaceView,
  PersonDetail,
  PersonHistory,
  PersonSummary,
  PhotoView,
  ReviewedFace,
  RollcallSettings,
  RosterEntry,
  RosterSession,
  RosterView,
  SessionRecord,
  SettingsCalibration,
  TrainingOutcome,
  TrainingProgress,
  ViewerOverview,
  WebhookDeliveryView,
  WebhookView,
} from '../services/views.js';
import type { WebhookEventType } from '../core/webhooks.js';
import type { ApiToken, Group, Person, SessionExcuse, StoredGroupSession, User } from '../store/store.js';

export type {
  AttendanceRecordView,
  CorrectionView,
  JobListItem,
  JobState,
  ListedJobState,
  NodeView,
  PersonDetail,
  PersonSummary,
  PhotoView,
  ReviewedFace,
  TrainingOutcome,
  TrainingProgress,
  WebhookDeliveryView,
  WebhookView,
};
export type {
  AdminOverview,
  ArrivalView,
  CameraStateView,
  ChecklistStepView,
  PendingFaceView,
  ViewerOverview,
};
export type {
  CameraRole,
  CameraRoleEntry,
  CameraRoleSource,
  Group,
  GroupDetail,
  GroupSession,
  GroupSummary,
  RosterEntry,
  RosterSession,
  SessionExcuse,
  SessionStatus,
  StoredGroupSession,
  Weekday,
};
/** `GET /jobs/:id`. `result` is what the job's handler returned (for training, {@link TrainingResult}). */
export type JobAnswer = JobView;
export type SettingsView = RollcallSettings;
/** The thresholds in force and the stranger rate they predict; null while no node model is known. */
export type CalibrationView = SettingsCalibration;

/** A page of a list: the items under `K`, and the offset of the next page (null: the last one). */
export type Paged<K extends string, T> = { [key in K]: T[] } & { nextOffset: number | null };

/** `GET /people`: each person with their photo count, state and portrait photo. */
export type PeopleAnswer = Paged<'people', PersonSummary>;

/** A file of an upload that is not used, and why ("not a JPEG, PNG or WebP image"). */
export interface UploadRefusal {
  fileName: string;
  reason: string;
}

/** `POST /people`, and the person and job of `POST /unknown-faces/:id/assign`. */
export interface EnrollmentAnswer {
  person: Person;
  jobId: string;
}

/**
 * `GET /jobs?state&offset&limit`: the training and gallery jobs, newest first, and how many are in
 * each state (whatever `state` filters).
 */
export type JobsAnswer = Paged<'jobs', JobListItem> & { counts: Record<ListedJobState, number> };

/** `POST /jobs/:id/retry` (202): the job as it is now, waiting to run again. */
export interface JobRetryAnswer {
  job: JobListItem;
}

/**
 * `POST /people` and `POST /people/:id/photos`: also the files of the upload that were not used
 * (not an image, empty, too large); the others are being trained.
 */
export interface UploadAnswer extends EnrollmentAnswer {
  refused: UploadRefusal[];
}

/** `GET /people/:id`. */
export interface PersonAnswer {
  person: PersonDetail;
}

/** `PATCH /people/:id`: the person as changed. */
export interface PersonUpdatedAnswer {
  person: Person;
}

/**
 * `DELETE /people/:id?attendance=erase|anonymise`: everything biometric is erased; attendance was
 * erased too, or kept under the person's id as `anonymisedAs` ("Deleted person #N").
 */
export interface PersonRemovedAnswer {
  id: string;
  erased: true;
  galleryVersion: number;
  attendance: 'erase' | 'anonymise';
  /** Attendance records erased or anonymised. */
  attendanceRecords: number;
  anonymisedAs: string | null;
}

/** `DELETE /people/:id/photos/:photoId`. */
export interface PhotoRemovedAnswer {
  id: string;
  personId: string;
  erased: true;
  galleryVersion: number;
}

/** The part of a training job's result the pages show. */
export interface TrainingResult {
  accepted: string[];
  refused: { photoId: string; reason: string; fileName: string; reasons: string[] }[];
  lookalikes: { photoId: string; name: string; distance: number; message: string }[];
}

/** `GET /attendance?date=`. */
export type AttendanceAnswer = {
  date: string;
  /** The attendance time zone (IANA) the day and times are read in. */
  timeZone: string;
  /** The cameras tagged `entry` or `exit`; a camera not named sees both ways. */
  cameraRoles: Readonly<Record<string, CameraRole>>;
} & Paged<'records', AttendanceRecordView>;

/** `GET /attendance/corrections?date=`. */
export type CorrectionsAnswer = { date: string } & Paged<'corrections', CorrectionView>;

/** `POST /attendance/corrections`. */
export interface CorrectionAnswer {
  correction: CorrectionView;
}

/** `GET /nodes`. */
export interface NodesAnswer {
  nodes: NodeView[];
}

/** `GET /unknown-faces`. */
export type UnknownFacesAnswer = Paged<'faces', ReviewedFace>;

/** `POST /unknown-faces/:id/assign`. */
export type AssignAnswer = EnrollmentAnswer & { face: ReviewedFace };

/** `GET /settings`. */
export interface SettingsAnswer {
  settings: SettingsView;
  calibration: CalibrationView | null;
}

/** `PUT /settings`: also how many connected nodes took the new settings. */
export type SettingsSavedAnswer = SettingsAnswer & { pushedTo: number };

/** A user as the API shows one: never the password hash. */
export type UserView = Pick<User, 'id' | 'name' | 'role' | 'createdAt' | 'disabled'>;

/** `GET /users`. */
export type UsersAnswer = Paged<'users', UserView>;

/** `POST /users`, `PATCH /users/:id`. */
export interface UserAnswer {
  user: UserView;
}

/** An API token as the API shows one: never its hash. */
export type TokenView = Pick<ApiToken, 'id' | 'name' | 'createdAt' | 'lastUsedAt' | 'revoked'>;

/**
 * `POST /users/:id/tokens`: the new token, and its secret (send as `Authorization: Bearer SECRET`),
 * answered this once only: the store keeps just its hash.
 */
export interface TokenCreatedAnswer {
  token: TokenView;
  secret: string;
}

/** `GET /users/:id/tokens`. */
export interface TokensAnswer {
  tokens: TokenView[];
}

/** `GET /overview`: today at a glance, shaped by the caller's role (`role` tells which). */
export type OverviewAnswer = OverviewView;

/** `GET /webhooks`. */
export type WebhooksAnswer = Paged<'webhooks', WebhookView>;

/** `GET /webhooks/events`: what a hook can receive, with what each event means. */
export interface WebhookEventsAnswer {
  events: { type: WebhookEventType; description: string }[];
}

/** `GET /webhooks/:id`, `PATCH /webhooks/:id`. */
export interface WebhookAnswer {
  webhook: WebhookView;
}

/**
 * `POST /webhooks`, `POST /webhooks/:id/secret`: the hook and its secret, answered this once only
 * (the receiver checks signatures with it; nobody can read it back).
 */
export interface WebhookCreatedAnswer {
  webhook: WebhookView;
  secret: string;
}

/** `GET /webhooks/:id/deliveries`: the attempts, newest first. */
export type WebhookDeliveriesAnswer = Paged<'deliveries', WebhookDeliveryView>;

/** `POST /webhooks/:id/test`: the attempt, as its log row. */
export interface WebhookTestAnswer {
  delivery: WebhookDeliveryView;
}

/** `GET /groups`: groups by name, each with its member count and sessions. */
export type GroupsAnswer = Paged<'groups', GroupSummary>;

/** `POST /groups` (201), `PATCH /groups/:id`: the group itself. */
export interface GroupSavedAnswer {
  group: Group;
}

/** `GET /groups/:id`, `POST /groups/:id/members`: the group with its members and sessions. */
export interface GroupAnswer {
  group: GroupDetail;
}

/** `DELETE /groups/:id`. */
export interface GroupDeletedAnswer {
  id: string;
  deleted: true;
}

/** `DELETE /groups/:id/members/:personId`. */
export interface MemberRemovedAnswer {
  personId: string;
  removed: true;
}

/** `POST /groups/:id/sessions` (201), `PUT /groups/:id/sessions/:sessionId`. */
export interface SessionAnswer {
  session: StoredGroupSession;
}

/** `DELETE /groups/:id/sessions/:sessionId`. */
export type SessionDeletedAnswer = GroupDeletedAnswer;

/** `POST /groups/:id/sessions/:sessionId/excuses` (201). */
export interface ExcuseAnswer {
  excuse: SessionExcuse;
}

/** `GET /groups/:id/roster?date=`: each session of the day with every member's status. */
export type RosterAnswer = RosterView;

/**
 * `GET /cameras/roles`, `PUT /cameras/:cameraId/role`: `roles`, the entry and exit cameras in force
 * (a camera not named sees both ways); `cameras`, each camera with a tag or a declared role, with
 * where its role in force comes from.
 */
export type CameraRolesAnswer = CameraRolesView;

/** `GET /reports/groups/:id?from=&to=`: each member's counts and rate, and every session record. */
export type GroupReportAnswer = GroupReport;

/** `GET /reports/people/:id?from=&to=`: a person's sessions in every group they are in, and a summary per group. */
export type PersonHistoryAnswer = PersonHistory;

export type { MemberSummary, SessionRecord };
