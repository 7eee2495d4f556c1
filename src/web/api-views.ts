/**
 * What the pages read from `/api/v1`, answer by answer: the wire side of the routes. The routes
 * check their answers against these types (`satisfies`), and the pages' scripts (`frontend/`) import
 * them (`import type`), so a field renamed on the server is a compile error in the browser code.
 *
 * Shapes owned by the store or `core` are taken from there. The services' own views live in files
 * that need Node (the store adapters, BullMQ), which the browser program cannot load; the part of
 * them the pages read is written here, and `types.ts` proves the services' types still fit it.
 * Type-only: nothing of this file reaches the bundles.
 */
import type { GalleryThresholds } from '../core/calibration.js';
import type { DescriptorModel } from '../core/descriptor.js';
import type { ApiToken, Person, UnknownFace, User } from '../store/store.js';

/** A page of a list: the items under `K`, and the offset of the next page (null: the last one). */
export type Paged<K extends string, T> = { [key in K]: T[] } & { nextOffset: number | null };

/** `GET /people`. */
export type PeopleAnswer = Paged<'people', Person>;

/** `POST /people`, and the person and job of `POST /unknown-faces/:id/assign`. */
export interface EnrollmentAnswer {
  person: Person;
  jobId: string;
}

export type JobState =
  'waiting' | 'active' | 'completed' | 'failed' | 'delayed' | 'prioritized' | 'waiting-children' | 'unknown';

/** `GET /jobs/:id`. `result` is what the job's handler returned (for training, {@link TrainingResult}). */
export interface JobAnswer {
  id: string;
  name: string;
  state: JobState;
  progress: number;
  attemptsMade: number;
  result: unknown;
  failedReason: string | null;
}

/** The part of a training job's result the pages show. */
export interface TrainingResult {
  accepted: string[];
  refused: { photoId: string; reason: string }[];
  lookalikes: { photoId: string; name: string; distance: number; message: string }[];
}

/** One person's attendance on one day. */
export interface AttendanceRecordView {
  person: { id: string; name: string };
  day: string;
  firstSeen: string;
  lastSeen: string;
  camera: string;
  lastCamera: string;
  nodeId: string;
  sightings: number;
  corrected: boolean;
}

/** `GET /attendance?date=`. */
export type AttendanceAnswer = { date: string } & Paged<'records', AttendanceRecordView>;

/** A correction of one day's attendance; `person.name` is null once the person is deleted. */
export interface CorrectionView {
  id: string;
  person: { id: string; name: string | null };
  day: string;
  by: string;
  reason: string;
  at: string;
  present: boolean;
  firstSeen: string | null;
  lastSeen: string | null;
}

/** `GET /attendance/corrections?date=`. */
export type CorrectionsAnswer = { date: string } & Paged<'corrections', CorrectionView>;

/** `POST /attendance/corrections`. */
export interface CorrectionAnswer {
  correction: CorrectionView;
}

/** A recognition node as `GET /nodes` lists it. */
export interface NodeView {
  address: string;
  nodeId: string | null;
  connected: boolean;
  lastHeartbeatAt: string | null;
  fps: number;
  cameras: { cameraId: string; fps: number; latencyP95Ms: number | null; online: boolean }[];
  galleryVersion: number | null;
  descriptorModel: DescriptorModel | null;
  outboxDepth: number | null;
  uptimeS: number | null;
}

/** `GET /nodes`. */
export interface NodesAnswer {
  nodes: NodeView[];
}

/** A face nobody could name, with the name of the person it went to (if assigned). */
export type ReviewedFace = UnknownFace & { assignedPersonName: string | null };

/** `GET /unknown-faces`. */
export type UnknownFacesAnswer = Paged<'faces', ReviewedFace>;

/** `POST /unknown-faces/:id/assign`. */
export type AssignAnswer = EnrollmentAnswer & { face: ReviewedFace };

export interface SettingsView {
  strangerRateTarget: number;
  matchThreshold: number | null;
  unknownThreshold: number | null;
  consensusFrames: number;
  sightingIntervalS: number;
  timeZone: string;
  retentionDays: number;
}

/** The thresholds in force and the stranger rate they predict; null while no node model is known. */
export type CalibrationView = GalleryThresholds & { model: DescriptorModel };

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
