/**
 * The `Store`: everything Rollcall keeps, behind one interface that names no database type. The
 * web node, the training jobs and the CLI use it; adapters (`SqliteStore`, `MongoStore`) own
 * their connection and pass the contract suite of every repository (test/integration/store-contract/).
 *
 * Conventions every method follows:
 * - Times are ISO 8601 UTC strings in the canonical `Date.toISOString()` form, so they sort as text.
 * - Ids the store creates are opaque strings; ids it is given are validated (see `validate.ts`).
 * - Bad arguments reject with `STORE_INVALID`, a missing record with `STORE_NOT_FOUND`, a
 *   duplicate or a forbidden state change with `STORE_CONFLICT`; after `close()`, `STORE_CLOSED`.
 * - `get*` returns null for a missing record; mutations of a missing record reject instead.
 * - Lists are paged: `limit` (at most {@link MAX_PAGE_LIMIT}) and `offset`, and say where the next
 *   page starts.
 */
import type {
  AccountsRule,
  DescriptorModel,
  GroupSession,
  KeptAttendance,
  RecognitionEvent,
  RecognitionEventType,
  UnknownFaceRule,
  UnknownFaceStatus,
  WebhookDeliveryType,
  WebhookEventType,
} from '../core/index.js';
import type {
  AccountsRepository,
  AttendanceRepository,
  GroupsRepository,
  NodesRepository,
  PeopleRepository,
  SettingsRepository,
  UnknownFacesRepository,
  WebhooksRepository,
} from './repositories.js';

export type { AccountsRule, UnknownFaceRule, UnknownFaceStatus };

/** A JSON value, as settings, node status and photo quality are stored. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** @defaultValue 100 */
export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

export interface PageOptions {
  /** Most items returned. @defaultValue {@link DEFAULT_PAGE_LIMIT} */
  limit?: number;
  /** Items skipped. @defaultValue 0 */
  offset?: number;
}

export interface Page<T> {
  items: T[];
  /** The `offset` of the next page, or null when this page is the last. */
  nextOffset: number | null;
}

/** What a change to the gallery (people and descriptors) leaves behind. */
export interface GalleryChange {
  /** The gallery version after the change; every change increases it. */
  galleryVersion: number;
}

// ---- rules run inside a write ----
//
// Several web nodes may share one store, so a rule that spans records ("never zero admins", "an
// unknown face is decided once", "a settings save merges over the last save") cannot be held by
// the caller reading first and writing after: another process can write in between. Instead the
// caller hands a pure, synchronous rule from `core/` to a narrowly-named method, and the adapter
// runs it inside the transaction of the write, over the state it read there (SQLite: BEGIN
// IMMEDIATE, which takes the write lock before reading; MongoDB: a transaction that also writes a
// shared guard document, so two such transactions conflict and the driver retries the later one).
// Why not a general `transaction(fn)`: better-sqlite3 is synchronous, and an async `fn` would hold
// the write lock across awaits while other requests' statements on the same connection ran
// inside it. A sync rule keeps transactions short and the adapters to mapping rows.

/** A rule over a change to the accounts, run in the write's transaction; it throws to refuse it. */
export interface AccountsWriteOptions {
  /** Called with every account before and after the change; throwing writes nothing. */
  rule?: AccountsRule;
}

/** A rule over an unknown face's decision, run in the write's transaction. */
export interface UnknownFaceWriteOptions {
  /**
   * Decides whether to write (or to return the face unchanged), or throws to refuse.
   * @defaultValue core `decideUnknownFace`: a repeated decision returns the face unchanged
   */
  rule?: UnknownFaceRule;
}

/**
 * A settings change computed from the saved value inside the write's transaction (null: nothing
 * saved). It is pure and synchronous and may throw to refuse; it may run more than once (a
 * MongoDB transaction retried after a conflict).
 */
export type SettingChange = (saved: JsonValue | null) => JsonValue;

// ---- users and API tokens ----

export type UserRole = 'admin' | 'viewer';

export interface User {
  id: string;
  /** Unique, compared without ASCII case (`Alice` and `alice` are one user). */
  name: string;
  role: UserRole;
  /** A password hash in whatever self-describing format the web node uses (e.g. scrypt$…). */
  passwordHash: string;
  createdAt: string;
  disabled: boolean;
}

export interface NewUser {
  name: string;
  role: UserRole;
  passwordHash: string;
}

export interface UserPatch {
  role?: UserRole;
  passwordHash?: string;
  disabled?: boolean;
}

export interface ApiToken {
  id: string;
  userId: string;
  /** What the token is for, unique per user (`ci`, `kiosk-2`). */
  name: string;
  /** A hash of the token; the token itself is shown once by the CLI and never stored. */
  tokenHash: string;
  createdAt: string;
  lastUsedAt: string | null;
  revoked: boolean;
}

export interface NewApiToken {
  userId: string;
  name: string;
  tokenHash: string;
}

// ---- people, photos, descriptors ----

export interface Person {
  id: string;
  /**
   * What people call them. Names may repeat: two students called Mark Smith are two records, told
   * apart by {@link Person.externalId}, their photos and their id, never merged by name.
   */
  name: string;
  /**
   * The organisation's own number for them (student or staff number), unique when set: compared
   * exactly as written, after trimming. Null when the organisation gave none.
   */
  externalId: string | null;
  notes: string;
  createdAt: string;
  updatedAt: string;
}

export interface NewPerson {
  name: string;
  /** @defaultValue null */
  externalId?: string | null;
  /** @defaultValue `''` */
  notes?: string;
}

export interface PersonPatch {
  name?: string;
  /** A new external id, or null to clear it. */
  externalId?: string | null;
  notes?: string;
}

export interface DeletePersonOptions {
  /**
   * Also delete the person's attendance records, their corrections and excused sessions. By
   * default attendance is kept as the organisation's record that someone was present, anonymised:
   * every record keeps the person's id, and its name becomes "Deleted person #N"
   * ({@link DeletedPerson.anonymisedAs}), while everything biometric is erased.
   * @defaultValue false
   */
  eraseAttendance?: boolean;
}

export interface DeletedPerson extends GalleryChange {
  descriptors: number;
  photos: number;
  /** Recognition events whose crop was erased (the events stay in the audit trail, without face). */
  eventCrops: number;
  /** Unknown faces that had been assigned to the person, deleted with their crops. */
  unknownFaces: number;
  /** Attendance records deleted (`eraseAttendance`) or anonymised (otherwise). */
  attendance: number;
  /**
   * The name the kept attendance now carries, "Deleted person #N", N counting every anonymised
   * deletion of this store from 1 and never reused; null when attendance was erased.
   */
  anonymisedAs: string | null;
}

/** An enrollment photo. The bytes live in the store (see README.md for why), read by {@link Store.getPhotoBytes}. */
export interface Photo {
  id: string;
  personId: string;
  /** The uploaded file's base name, for people to recognise it; never used as a path. */
  fileName: string;
  /** Size of the stored bytes. */
  byteLength: number;
  /** What the training job measured (face size, sharpness…); null until it ran. */
  quality: JsonValue;
  createdAt: string;
}

export interface NewPhoto {
  personId: string;
  fileName: string;
  bytes: Uint8Array;
  /** @defaultValue null */
  quality?: JsonValue;
}

export interface StoredDescriptor {
  id: string;
  personId: string;
  photoId: string;
  /** The network that computed it; descriptors of two models never compare. */
  model: DescriptorModel;
  /** As many values as the model has (`DESCRIPTOR_LENGTHS`). */
  descriptor: Float32Array;
  createdAt: string;
}

/**
 * Everything a recognition node of one descriptor model needs to match faces, read at one gallery
 * version. The version is the store's one counter, shared by every model.
 */
export interface Gallery {
  galleryVersion: number;
  model: DescriptorModel;
  /** People with at least one descriptor of `model`, each with only those. */
  people: { personId: string; name: string; descriptors: Float32Array[] }[];
}

export interface SetDescriptorsOptions {
  /**
   * Increase the gallery version in the same transaction. A batch job that writes many photos
   * passes false and calls {@link Store.bumpGalleryVersion} once at the end, so nodes get one new
   * gallery instead of one per photo; until then nodes may hold the older gallery at the current
   * version, which the final bump corrects.
   * @defaultValue true
   */
  bumpGallery?: boolean;
}

// ---- recognition events, attendance, unknown faces ----

/**
 * A recognition event as a web node hands it to the store: as the node sent it, except that `at`
 * may have been corrected for the node's skewed clock (core `eventTime`), with the node's own
 * reading kept in `nodeAt`.
 */
export interface ReceivedEvent extends RecognitionEvent {
  /** What the node's clock said, when `at` is a correction of it; absent when `at` is the node's. */
  nodeAt?: string;
}

/** A recognition event as the audit trail keeps it: without its crop (see {@link Store.getEventCrop}). */
export interface StoredEvent extends Omit<ReceivedEvent, 'crop'> {
  hasCrop: boolean;
  /** When this store first received the event (this web node's clock). */
  receivedAt: string;
}

export interface EventQuery extends PageOptions {
  /** Inclusive lower bound on `at` (ISO 8601). */
  from?: string;
  /** Exclusive upper bound on `at` (ISO 8601). */
  to?: string;
  personId?: string;
  type?: RecognitionEventType;
}

/**
 * An attendance record as stored: the core record plus what a report needs after the fact (core
 * `KeptAttendance`, whose rules `recordSighting` and `correctRecord` every adapter runs).
 */
export type StoredAttendance = KeptAttendance;

export interface AttendanceQuery extends PageOptions {
  /** First local day, inclusive (`YYYY-MM-DD`). */
  from: string;
  /** Last local day, inclusive (`YYYY-MM-DD`); `from` alone means that one day. @defaultValue `from` */
  to?: string;
  personId?: string;
}

export interface RecordAttendanceResult {
  /** False when this event id was stored before: nothing changed. */
  inserted: boolean;
  /**
   * The person's record for the event's day after the event, or null when the person no longer
   * exists (an event delivered after the person was deleted is kept for audit, without its crop).
   */
  attendance: StoredAttendance | null;
}

export interface UnknownFace {
  id: string;
  eventId: string;
  at: string;
  cameraId: string;
  nodeId: string;
  hasCrop: boolean;
  status: UnknownFaceStatus;
  assignedPersonId: string | null;
  /** When the face was assigned or dismissed. */
  decidedAt: string | null;
  /**
   * The camera held this face back although it came near an enrolled person (a look-alike, or
   * someone it never saw well): the review asks "is this {@link candidate}?". False for a face
   * that was nobody enrolled.
   */
  unconfirmed: boolean;
  /** The enrolled person the face came nearest to, while they are enrolled; null otherwise. */
  candidate: UnknownFaceCandidate | null;
}

export interface UnknownFaceCandidate {
  personId: string;
  /** Their name now. */
  name: string;
  /** The face's distance to them; at or above the match threshold of the time, or it was named. */
  distance: number;
}

export interface UnknownFaceQuery extends PageOptions {
  /** @defaultValue every status */
  status?: UnknownFaceStatus;
}

export interface RecordUnknownFaceResult {
  inserted: boolean;
  face: UnknownFace;
}

/** A change made by hand to one attendance record. */
export interface AttendanceCorrectionInput {
  personId: string;
  day: string;
  /** Who made it: a user name or id, as the web node knows it. */
  by: string;
  /** Why, in the words of who made it. */
  reason: string;
  /**
   * The new check-in and check-out (ISO 8601): creates the record when there is none (present but
   * not recognised). `{ remove: true }` deletes the record (a false recognition).
   */
  change: { firstSeen: string; lastSeen: string } | { remove: true };
}

export interface AttendanceCorrection {
  id: string;
  personId: string;
  day: string;
  by: string;
  reason: string;
  at: string;
  /** The record before and after the change; null where there was none. */
  before: StoredAttendance | null;
  after: StoredAttendance | null;
}

export interface CorrectionQuery extends PageOptions {
  personId?: string;
  /** Inclusive local-day range over the corrected day. */
  from?: string;
  to?: string;
}

// ---- groups and their sessions ----

/** A class, a team, a shift: people expected at the group's sessions. */
export interface Group {
  id: string;
  /** Unique, compared without ASCII case like people's names. */
  name: string;
  notes: string;
  /**
   * Members attending less than this share of their sessions (0 to 1) are warned about; null:
   * no minimum.
   */
  minAttendanceRate: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewGroup {
  name: string;
  /** @defaultValue `''` */
  notes?: string;
  /** @defaultValue null */
  minAttendanceRate?: number | null;
}

export interface GroupPatch {
  name?: string;
  notes?: string;
  minAttendanceRate?: number | null;
}

/** A group's recurring session (core `GroupSession`) as kept. */
export interface StoredGroupSession extends GroupSession {
  id: string;
  groupId: string;
  createdAt: string;
  updatedAt: string;
}

/** An administrator excused a member's session on one day, with the reason kept. */
export interface SessionExcuse {
  id: string;
  sessionId: string;
  personId: string;
  day: string;
  reason: string;
  /** The administrator's name. */
  by: string;
  at: string;
}

export type NewSessionExcuse = Omit<SessionExcuse, 'id' | 'at'>;

export interface ExcuseQuery extends PageOptions {
  /** First and last local day, inclusive (`YYYY-MM-DD`); `to` defaults to `from`. */
  from: string;
  to?: string;
  sessionId?: string;
  personId?: string;
}

// ---- webhooks ----

/** A URL that receives events, with the secret that signs them (the store is inside the web node). */
export interface Webhook {
  id: string;
  /** An `http:` or `https:` URL (core `webhookUrlProblem`). */
  url: string;
  /** The event types it receives, without repeats, in core `WEBHOOK_EVENT_TYPES` order. */
  events: WebhookEventType[];
  /** Keys the HMAC of every delivery. Shown to the administrator once; never in a list. */
  secret: string;
  /** An inactive hook is sent nothing; its retries still queued are dropped. */
  active: boolean;
  /** What the receiver is, in the administrator's words. */
  description: string;
  createdAt: string;
  updatedAt: string;
}

export interface NewWebhook {
  url: string;
  events: readonly WebhookEventType[];
  secret: string;
  /** @defaultValue true */
  active?: boolean;
  /** @defaultValue `''` */
  description?: string;
}

export interface WebhookPatch {
  url?: string;
  events?: readonly WebhookEventType[];
  /** A new secret (rotation). */
  secret?: string;
  active?: boolean;
  description?: string;
}

/**
 * An event claimed for delivery: the store's record that it was made, so however many web nodes
 * or runs of a job make the same event id, it is delivered once (see `claimWebhookEvent`).
 */
export interface StoredWebhookEvent {
  /** Deterministic for what happened (core `webhookEventIds`). */
  id: string;
  type: WebhookEventType;
  createdAt: string;
  /** The event's `data` (core `WebhookEventData`). */
  data: JsonValue;
  /** When its deliveries were queued for every hook subscribed then; null until they were. */
  dispatchedAt: string | null;
}

export type NewWebhookEvent = Omit<StoredWebhookEvent, 'dispatchedAt'>;

export interface ClaimedWebhookEvent {
  /** True for the first claim of this id; false when it was claimed before (the stored event is returned). */
  claimed: boolean;
  event: StoredWebhookEvent;
}

/** One attempt to deliver one event to one hook, for the hook's delivery log. */
export interface WebhookDelivery {
  id: string;
  hookId: string;
  eventId: string;
  eventType: WebhookDeliveryType;
  /** 1 for the first attempt; retries count up, with the same event id. */
  attempt: number;
  /** The receiver's HTTP status; null when no answer came (refused, timed out). */
  statusCode: number | null;
  /** Why the attempt failed without an answer, or what the answer was; null for a 2xx. */
  error: string | null;
  durationMs: number;
  at: string;
}

export type NewWebhookDelivery = Omit<WebhookDelivery, 'id'>;

/** @defaultValue 500 */
export const DEFAULT_DELIVERY_LOG_LIMIT = 500;

export interface DeliveryLogOptions {
  /**
   * Keep only this many newest attempts of the hook, so a receiver down for days cannot grow the
   * log without bound. @defaultValue {@link DEFAULT_DELIVERY_LOG_LIMIT}
   */
  keepLast?: number;
}

// ---- nodes and settings ----

export interface NodeRecord {
  id: string;
  lastSeen: string;
  /** What the node last reported (cameras, fps, gallery version, outbox depth…). */
  status: JsonValue;
}

export interface Setting {
  key: string;
  value: JsonValue;
  updatedAt: string;
}

/**
 * Everything Rollcall keeps: every repository (repositories.ts), and the connection's lifecycle.
 * Adapters: `SqliteStore`, `MongoStore`; choose one with `createStore`.
 */
export interface Store
  extends
    AccountsRepository,
    PeopleRepository,
    AttendanceRepository,
    UnknownFacesRepository,
    NodesRepository,
    SettingsRepository,
    GroupsRepository,
    WebhooksRepository {
  /** Releases the connection; idempotent. Later calls reject with `STORE_CLOSED`. */
  close(): Promise<void>;
}
