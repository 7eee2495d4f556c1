/**
 * The documents of every collection, as this build writes them (layout `MONGO_SCHEMA_VERSION`).
 */
import type mongoose from 'mongoose';
import type {
  AttendanceRecord,
  DescriptorModel,
  RecognitionEvent,
  WebhookDeliveryType,
  WebhookEventType,
} from '../../core/index.js';
import type { UnknownFace, User } from '../store.js';

export type Collection<T extends mongoose.mongo.Document> = mongoose.mongo.Collection<T>;
export type Session = mongoose.mongo.ClientSession;
export type Filter<T> = mongoose.mongo.Filter<T>;
export type Bytes = Uint8Array | mongoose.mongo.Binary;

export interface MetaDoc {
  /** `accounts`: a guard every ruled change to the users writes, see `applyAccountsRule`. */
  /** `deletedPeople`: the last "Deleted person #N" given, see `MongoPeople.deletePerson`. */
  _id: 'gallery' | 'schema' | 'accounts' | 'deletedPeople';
  version: number;
}

export interface UserDoc {
  _id: string;
  name: string;
  nameKey: string;
  role: User['role'];
  passwordHash: string;
  createdAt: string;
  disabled: boolean;
}

export interface TokenDoc {
  _id: string;
  userId: string;
  name: string;
  nameKey: string;
  tokenHash: string;
  createdAt: string;
  lastUsedAt: string | null;
  revoked: boolean;
}

export interface PersonDoc {
  _id: string;
  name: string;
  nameKey: string;
  /** Absent or null: none (people from layout 2 have none). Unique among those set. */
  externalId?: string | null;
  /** Insertion order, the tie-break between namesakes enrolled in one millisecond (absent before layout 3). */
  seq?: mongoose.mongo.ObjectId;
  notes: string;
  createdAt: string;
  updatedAt: string;
}

export interface PhotoDoc {
  _id: string;
  personId: string;
  fileName: string;
  byteLength: number;
  /** JSON text. */
  quality: string;
  createdAt: string;
  bytes: Bytes;
}

export interface DescriptorDoc {
  _id: string;
  personId: string;
  photoId: string;
  model: DescriptorModel;
  createdAt: string;
  /** Insertion order, for ties in `createdAt` (SQLite's rowid). */
  seq: mongoose.mongo.ObjectId;
  descriptor: Bytes;
}

export interface EventDoc {
  _id: string;
  type: RecognitionEvent['type'];
  nodeId: string;
  cameraId: string;
  trackId: string;
  personId: string | null;
  distance: number | null;
  thresholds: { match: number; unknown: number };
  votes: number | null;
  at: string;
  box: { x: number; y: number; width: number; height: number };
  frameWidth: number;
  frameHeight: number;
  model: string;
  backend: string;
  receivedAt: string;
  /** The node's own clock reading, when `at` is a correction of it. */
  nodeAt?: string;
  crop: Bytes | null;
}

export interface AttendanceDoc extends Omit<AttendanceRecord, 'visits' | 'cameras'> {
  /** `personId/day`: one record per person and local day. */
  _id: string;
  /** Absent on records kept before visits and camera times were. */
  visits?: AttendanceRecord['visits'];
  cameras?: AttendanceRecord['cameras'];
  personName: string;
  corrected: boolean;
}

export interface CorrectionDoc {
  _id: string;
  personId: string;
  day: string;
  by: string;
  reason: string;
  at: string;
  seq: mongoose.mongo.ObjectId;
  /** JSON text of the record, or null. */
  before: string | null;
  after: string | null;
}

export interface UnknownFaceDoc {
  _id: string;
  eventId: string;
  at: string;
  cameraId: string;
  nodeId: string;
  status: UnknownFace['status'];
  assignedPersonId: string | null;
  decidedAt: string | null;
  /** Absent on faces stored by earlier releases: read as false and no candidate. */
  unconfirmed?: boolean;
  candidatePersonId?: string | null;
  candidateDistance?: number | null;
}

export interface NodeDoc {
  _id: string;
  lastSeen: string;
  status: string;
}

export interface GroupDoc {
  _id: string;
  name: string;
  nameKey: string;
  notes: string;
  minAttendanceRate: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface MemberDoc {
  /** `groupId/personId`: one membership per group and person. */
  _id: string;
  groupId: string;
  personId: string;
  addedAt: string;
}

export interface GroupSessionDoc {
  _id: string;
  groupId: string;
  start: string;
  /** JSON text of the core `GroupSession`. */
  definition: string;
  createdAt: string;
  updatedAt: string;
}

export interface ExcuseDoc {
  /** `sessionId/personId/day`: one excuse per session, person and day. */
  _id: string;
  excuseId: string;
  sessionId: string;
  personId: string;
  day: string;
  reason: string;
  by: string;
  at: string;
}

export interface WebhookDoc {
  _id: string;
  url: string;
  events: WebhookEventType[];
  secret: string;
  active: boolean;
  description: string;
  createdAt: string;
  updatedAt: string;
  /** Insertion order, for ties in `createdAt`. */
  seq: mongoose.mongo.ObjectId;
}

export interface WebhookEventDoc {
  _id: string;
  type: WebhookEventType;
  createdAt: string;
  /** JSON text of the event's data. */
  data: string;
  dispatchedAt: string | null;
}

export interface DeliveryDoc {
  _id: string;
  hookId: string;
  eventId: string;
  eventType: WebhookDeliveryType;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  at: string;
  /** Insertion order: the log is newest first, and pruned to the newest N by it. */
  seq: mongoose.mongo.ObjectId;
}

export interface SettingDoc {
  _id: string;
  value: string;
  updatedAt: string;
}
