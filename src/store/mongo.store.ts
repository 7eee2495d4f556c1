/**
 * The MongoDB store, selected by `MONGODB_URI`: the same semantics as `SqliteStore`, method for
 * method, checked by the same contract suites (test/integration/store-contract/). Like SQLite it
 * extends `CheckedStore`, which checks every argument before a `do…` method here runs.
 *
 * Mongoose owns the connection (pool, reconnection, sessions); the adapter works on the driver's
 * collections under it, because the documents are fixed by this file and their values checked by
 * `CheckedStore` before they are written, which a mongoose schema would only repeat. Every method
 * that the SQLite adapter runs in a transaction runs in a MongoDB transaction here, so MongoDB must
 * be a replica set (a single-node one is enough; see README.md).
 *
 * Names that must be unique without ASCII case (users, people, tokens) carry a `nameKey`, the name
 * with A-Z lowered, under a unique index: the same rule as SQLite's `COLLATE NOCASE`. JSON values
 * (settings, node status, photo quality, correction snapshots) are stored as JSON text, so any
 * JSON value round-trips, including keys MongoDB would refuse (`$x`, `a.b`).
 */
import mongoose from 'mongoose';
import {
  correctRecord,
  ErrorCode,
  isRollcallError,
  recordSighting,
  RollcallError,
  type AttendanceRecord,
  deletedPersonName,
  type ErasureStep,
  type DescriptorModel,
  type GroupSession,
  type RecognitionEvent,
  type UnknownFaceDecision,
  type UnknownFaceStatus,
  type WebhookDeliveryType,
  type WebhookEventType,
} from '../core/index.js';
import type {
  AccountsRule,
  ApiToken,
  AttendanceCorrection,
  ClaimedWebhookEvent,
  DeletedPerson,
  ExcuseQuery,
  Gallery,
  GalleryChange,
  Group,
  GroupPatch,
  JsonValue,
  NewApiToken,
  NewGroup,
  NewPerson,
  NewSessionExcuse,
  NewUser,
  NewWebhookDelivery,
  NodeRecord,
  Person,
  PersonPatch,
  Photo,
  ReceivedEvent,
  RecordAttendanceResult,
  RecordUnknownFaceResult,
  SessionExcuse,
  Setting,
  StoredAttendance,
  StoredDescriptor,
  StoredEvent,
  StoredGroupSession,
  StoredWebhookEvent,
  UnknownFace,
  UnknownFaceRule,
  User,
  UserPatch,
  Webhook,
  WebhookDelivery,
} from './store.js';
import { conflict, invalid, notFound, type CheckedCorrection } from './validate.js';
import {
  CheckedStore,
  type CheckedWebhook,
  type CheckedWebhookEvent,
  type CheckedWebhookPatch,
  type AttendanceFilter,
  type CheckedPage,
  type CheckedPhoto,
  type CorrectionFilter,
  type EventFilter,
  type Sighting,
} from './checked.store.js';
import { decodeDescriptor, encodeDescriptor } from './descriptor-blob.js';
import { resolveStoreOptions, type StoreOptions } from './store-options.js';

type Collection<T extends mongoose.mongo.Document> = mongoose.mongo.Collection<T>;
type Session = mongoose.mongo.ClientSession;
type Filter<T> = mongoose.mongo.Filter<T>;
type Bytes = Uint8Array | mongoose.mongo.Binary;

/**
 * The document layout this build writes; a database with a higher one is refused.
 * 2: descriptors carry `model` (those written by layout 1 are face-api's and get it at open).
 * 3: people's names may repeat (the unique name index is dropped at open); an optional unique
 *    `externalId`; anonymised deletions are numbered by the `deletedPeople` meta counter.
 */
export const MONGO_SCHEMA_VERSION = 3;

export interface MongoStoreOptions extends StoreOptions {
  /** `mongodb://` or `mongodb+srv://` URL of a replica set (`MONGODB_URI`). */
  uri: string;
  /** @defaultValue the database named in `uri`, else `rollcall` */
  dbName?: string;
  /** How long to look for a reachable server before an operation fails. @defaultValue 10000 */
  serverSelectionTimeoutMs?: number;
}

type Resolved = Required<MongoStoreOptions>;

function resolveOptions(options: MongoStoreOptions): Resolved {
  if (typeof options.uri !== 'string' || !/^mongodb(\+srv)?:\/\//.test(options.uri)) {
    throw invalid('uri must be a mongodb:// or mongodb+srv:// URL');
  }
  return resolveStoreOptions(
    options,
    {
      uri: options.uri,
      dbName: /^mongodb(?:\+srv)?:\/\/[^/]+\/([^/?]+)/.exec(options.uri)?.[1] ?? 'rollcall',
      serverSelectionTimeoutMs: 10_000,
    },
    ['serverSelectionTimeoutMs'],
  );
}

// ---- documents ----

interface MetaDoc {
  /** `accounts`: a guard every ruled change to the users writes, see `applyAccountsRule`. */
  /** `deletedPeople`: the last "Deleted person #N" given, see `doDeletePerson`. */
  _id: 'gallery' | 'schema' | 'accounts' | 'deletedPeople';
  version: number;
}
interface UserDoc {
  _id: string;
  name: string;
  nameKey: string;
  role: User['role'];
  passwordHash: string;
  createdAt: string;
  disabled: boolean;
}
interface TokenDoc {
  _id: string;
  userId: string;
  name: string;
  nameKey: string;
  tokenHash: string;
  createdAt: string;
  lastUsedAt: string | null;
  revoked: boolean;
}
interface PersonDoc {
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
interface PhotoDoc {
  _id: string;
  personId: string;
  fileName: string;
  byteLength: number;
  /** JSON text. */
  quality: string;
  createdAt: string;
  bytes: Bytes;
}
interface DescriptorDoc {
  _id: string;
  personId: string;
  photoId: string;
  model: DescriptorModel;
  createdAt: string;
  /** Insertion order, for ties in `createdAt` (SQLite's rowid). */
  seq: mongoose.mongo.ObjectId;
  descriptor: Bytes;
}
interface EventDoc {
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
interface AttendanceDoc extends Omit<AttendanceRecord, 'visits' | 'cameras'> {
  /** `personId/day`: one record per person and local day. */
  _id: string;
  /** Absent on records kept before visits and camera times were. */
  visits?: AttendanceRecord['visits'];
  cameras?: AttendanceRecord['cameras'];
  personName: string;
  corrected: boolean;
}
interface CorrectionDoc {
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
interface UnknownFaceDoc {
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
interface NodeDoc {
  _id: string;
  lastSeen: string;
  status: string;
}
interface GroupDoc {
  _id: string;
  name: string;
  nameKey: string;
  notes: string;
  minAttendanceRate: number | null;
  createdAt: string;
  updatedAt: string;
}
interface MemberDoc {
  /** `groupId/personId`: one membership per group and person. */
  _id: string;
  groupId: string;
  personId: string;
  addedAt: string;
}
interface GroupSessionDoc {
  _id: string;
  groupId: string;
  start: string;
  /** JSON text of the core `GroupSession`. */
  definition: string;
  createdAt: string;
  updatedAt: string;
}
interface ExcuseDoc {
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
interface WebhookDoc {
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
interface WebhookEventDoc {
  _id: string;
  type: WebhookEventType;
  createdAt: string;
  /** JSON text of the event's data. */
  data: string;
  dispatchedAt: string | null;
}
interface DeliveryDoc {
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
interface SettingDoc {
  _id: string;
  value: string;
  updatedAt: string;
}

const toWebhook = (d: WebhookDoc): Webhook => ({
  id: d._id,
  url: d.url,
  events: [...d.events],
  secret: d.secret,
  active: d.active,
  description: d.description,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});
const toWebhookEvent = (d: WebhookEventDoc): StoredWebhookEvent => ({
  id: d._id,
  type: d.type,
  createdAt: d.createdAt,
  data: JSON.parse(d.data) as JsonValue,
  dispatchedAt: d.dispatchedAt,
});
const toDelivery = (d: DeliveryDoc): WebhookDelivery => ({
  id: d._id,
  hookId: d.hookId,
  eventId: d.eventId,
  eventType: d.eventType,
  attempt: d.attempt,
  statusCode: d.statusCode,
  error: d.error,
  durationMs: d.durationMs,
  at: d.at,
});

/** SQLite's NOCASE: only A-Z fold. */
/** A correction's snapshot (JSON text or null) with the person's name replaced. */
function renamedSnapshot(snapshot: string | null, name: string): string | null {
  return snapshot === null ? null : JSON.stringify({ ...(JSON.parse(snapshot) as object), personName: name });
}

const nameKey = (name: string): string => name.replace(/[A-Z]/g, (c) => c.toLowerCase());
const attendanceId = (personId: string, day: string): string => `${personId}/${day}`;
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
/** Callers get plain Uint8Arrays (what the interface promises), whatever the driver decoded. */
function asBytes(value: Bytes | null | undefined): Uint8Array | null {
  if (value === null || value === undefined) return null;
  const view = value instanceof mongoose.mongo.Binary ? value.read(0, value.length()) : value;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

const toUser = (d: UserDoc): User => ({
  id: d._id,
  name: d.name,
  role: d.role,
  passwordHash: d.passwordHash,
  createdAt: d.createdAt,
  disabled: d.disabled,
});
const toToken = (d: TokenDoc): ApiToken => ({
  id: d._id,
  userId: d.userId,
  name: d.name,
  tokenHash: d.tokenHash,
  createdAt: d.createdAt,
  lastUsedAt: d.lastUsedAt,
  revoked: d.revoked,
});
const toPerson = (d: PersonDoc): Person => ({
  id: d._id,
  name: d.name,
  externalId: d.externalId ?? null,
  notes: d.notes,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});
const toPhoto = (d: Omit<PhotoDoc, 'bytes'>): Photo => ({
  id: d._id,
  personId: d.personId,
  fileName: d.fileName,
  byteLength: d.byteLength,
  quality: JSON.parse(d.quality) as JsonValue,
  createdAt: d.createdAt,
});
const toEvent = (d: Omit<EventDoc, 'crop'> & { hasCrop: boolean }): StoredEvent => ({
  id: d._id,
  type: d.type,
  nodeId: d.nodeId,
  cameraId: d.cameraId,
  trackId: d.trackId,
  personId: d.personId,
  distance: d.distance,
  thresholds: { match: d.thresholds.match, unknown: d.thresholds.unknown },
  votes: d.votes,
  at: d.at,
  box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height },
  frameWidth: d.frameWidth,
  frameHeight: d.frameHeight,
  model: d.model,
  backend: d.backend,
  hasCrop: d.hasCrop,
  receivedAt: d.receivedAt,
  ...(d.nodeAt === undefined ? {} : { nodeAt: d.nodeAt }),
});
const toAttendance = (d: AttendanceDoc): StoredAttendance => ({
  personId: d.personId,
  day: d.day,
  personName: d.personName,
  firstSeen: d.firstSeen,
  lastSeen: d.lastSeen,
  firstCameraId: d.firstCameraId,
  lastCameraId: d.lastCameraId,
  nodeId: d.nodeId,
  eventCount: d.eventCount,
  // Records kept before visits and camera times were have neither: unknown, as in SQLite.
  visits: d.visits ?? null,
  cameras: d.cameras ?? null,
  corrected: d.corrected,
});
const toCorrection = (d: CorrectionDoc): AttendanceCorrection => ({
  id: d._id,
  personId: d.personId,
  day: d.day,
  by: d.by,
  reason: d.reason,
  at: d.at,
  before: d.before === null ? null : (JSON.parse(d.before) as StoredAttendance),
  after: d.after === null ? null : (JSON.parse(d.after) as StoredAttendance),
});
/** `names`: the names of the candidates, by person id (see `MongoStore.candidateNames`). */
const toUnknownFace = (
  d: UnknownFaceDoc,
  hasCrop: boolean,
  names: ReadonlyMap<string, string>,
): UnknownFace => {
  const name = d.candidatePersonId ? names.get(d.candidatePersonId) : undefined;
  return {
    id: d._id,
    eventId: d.eventId,
    at: d.at,
    cameraId: d.cameraId,
    nodeId: d.nodeId,
    hasCrop,
    status: d.status,
    assignedPersonId: d.assignedPersonId,
    decidedAt: d.decidedAt,
    unconfirmed: d.unconfirmed ?? false,
    candidate:
      d.candidatePersonId && name !== undefined && typeof d.candidateDistance === 'number'
        ? { personId: d.candidatePersonId, name, distance: d.candidateDistance }
        : null,
  };
};

const toGroup = (d: GroupDoc): Group => ({
  id: d._id,
  name: d.name,
  notes: d.notes,
  minAttendanceRate: d.minAttendanceRate,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});
const toGroupSession = (d: GroupSessionDoc): StoredGroupSession => ({
  ...(JSON.parse(d.definition) as GroupSession),
  id: d._id,
  groupId: d.groupId,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});
const toExcuse = (d: ExcuseDoc): SessionExcuse => ({
  id: d.excuseId,
  sessionId: d.sessionId,
  personId: d.personId,
  day: d.day,
  reason: d.reason,
  by: d.by,
  at: d.at,
});

const toNode = (d: NodeDoc): NodeRecord => ({
  id: d._id,
  lastSeen: d.lastSeen,
  status: JSON.parse(d.status) as JsonValue,
});
const toSetting = (d: SettingDoc): Setting => ({
  key: d._id,
  value: JSON.parse(d.value) as JsonValue,
  updatedAt: d.updatedAt,
});

/** Everything but the bytes: lists and lookups never carry photos or crops they do not need. */
const PHOTO_FIELDS = { bytes: 0 } as const;
const EVENT_FIELDS = { crop: 0 } as const;

/** Maps what the driver throws to the catalog; a RollcallError passes through. */
function translate(error: unknown): RollcallError {
  if (isRollcallError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if ((error as { code?: unknown }).code === 11000) {
    return new RollcallError(ErrorCode.StoreConflict, `already exists (${message})`, { cause: error });
  }
  if (
    error instanceof mongoose.mongo.MongoServerSelectionError ||
    error instanceof mongoose.mongo.MongoNetworkError
  ) {
    return new RollcallError(ErrorCode.StoreFailed, `MongoDB is unreachable: ${message}`, { cause: error });
  }
  return new RollcallError(ErrorCode.StoreFailed, `MongoDB failed: ${message}`, { cause: error });
}

/**
 * Snapshot reads and majority writes: a transaction sees one consistent state (the gallery and
 * its version), and a committed write (an acknowledged event) survives the loss of the primary.
 */
const TRANSACTION_OPTIONS: mongoose.mongo.TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: new mongoose.mongo.WriteConcern('majority', undefined, true),
};

export class MongoStore extends CheckedStore {
  private readonly meta: Collection<MetaDoc>;
  private readonly users: Collection<UserDoc>;
  private readonly tokens: Collection<TokenDoc>;
  private readonly people: Collection<PersonDoc>;
  private readonly photos: Collection<PhotoDoc>;
  private readonly descriptors: Collection<DescriptorDoc>;
  private readonly events: Collection<EventDoc>;
  private readonly attendance: Collection<AttendanceDoc>;
  private readonly corrections: Collection<CorrectionDoc>;
  private readonly unknownFaces: Collection<UnknownFaceDoc>;
  private readonly nodes: Collection<NodeDoc>;
  private readonly settings: Collection<SettingDoc>;
  private readonly groups: Collection<GroupDoc>;
  private readonly members: Collection<MemberDoc>;
  private readonly groupSessions: Collection<GroupSessionDoc>;
  private readonly excuses: Collection<ExcuseDoc>;
  private readonly webhooks: Collection<WebhookDoc>;
  private readonly webhookEvents: Collection<WebhookEventDoc>;
  private readonly deliveries: Collection<DeliveryDoc>;

  private constructor(
    private readonly connection: mongoose.Connection,
    db: mongoose.mongo.Db,
    private readonly options: Resolved,
  ) {
    super(options);
    this.meta = db.collection<MetaDoc>('meta');
    this.users = db.collection<UserDoc>('users');
    this.tokens = db.collection<TokenDoc>('api_tokens');
    this.people = db.collection<PersonDoc>('people');
    this.photos = db.collection<PhotoDoc>('photos');
    this.descriptors = db.collection<DescriptorDoc>('descriptors');
    this.events = db.collection<EventDoc>('events');
    this.attendance = db.collection<AttendanceDoc>('attendance');
    this.corrections = db.collection<CorrectionDoc>('attendance_corrections');
    this.unknownFaces = db.collection<UnknownFaceDoc>('unknown_faces');
    this.nodes = db.collection<NodeDoc>('nodes');
    this.settings = db.collection<SettingDoc>('settings');
    this.groups = db.collection<GroupDoc>('groups');
    this.members = db.collection<MemberDoc>('group_members');
    this.groupSessions = db.collection<GroupSessionDoc>('group_sessions');
    this.excuses = db.collection<ExcuseDoc>('session_excuses');
    this.webhooks = db.collection<WebhookDoc>('webhooks');
    this.webhookEvents = db.collection<WebhookEventDoc>('webhook_events');
    this.deliveries = db.collection<DeliveryDoc>('webhook_deliveries');
  }

  /**
   * Connects, creates the collections' indexes (idempotent) and checks the layout version.
   *
   * @throws RollcallError `STORE_UNAVAILABLE` when no server answers or the URI is refused,
   *   `STORE_SCHEMA_TOO_NEW` for a database written by a newer Rollcall.
   */
  static async open(options: MongoStoreOptions): Promise<MongoStore> {
    const resolved = resolveOptions(options);
    let connection: mongoose.Connection | undefined;
    try {
      connection = await mongoose
        .createConnection(resolved.uri, {
          dbName: resolved.dbName,
          serverSelectionTimeoutMS: resolved.serverSelectionTimeoutMs,
          autoIndex: false,
          autoCreate: false,
        })
        .asPromise();
      const db = connection.db;
      if (!db) throw new Error('the connection has no database');
      const store = new MongoStore(connection, db, resolved);
      await store.prepare();
      return store;
    } catch (error) {
      await connection?.close().catch(() => undefined);
      if (isRollcallError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new RollcallError(
        ErrorCode.StoreUnavailable,
        `cannot open the MongoDB store (${resolved.dbName}): ${message}`,
        { cause: error },
      );
    }
  }

  private async prepare(): Promise<void> {
    // Layouts 1-2 held people's names unique; names may repeat now.
    const peopleIndexes = await this.people.indexes().catch(() => []);
    if (peopleIndexes.some((index) => index.name === 'nameKey_1' && index.unique === true)) {
      await this.people.dropIndex('nameKey_1');
    }
    // Idempotent; also creates every collection, which a transaction cannot do on older servers.
    await Promise.all([
      this.users.createIndexes([{ key: { nameKey: 1 }, unique: true }]),
      this.tokens.createIndexes([
        { key: { tokenHash: 1 }, unique: true },
        { key: { userId: 1, nameKey: 1 }, unique: true },
      ]),
      this.people.createIndexes([
        { key: { nameKey: 1, createdAt: 1, seq: 1, _id: 1 } },
        // Partial rather than sparse: a null external id (none) must not clash with another null.
        {
          key: { externalId: 1 },
          name: 'externalId_unique',
          unique: true,
          partialFilterExpression: { externalId: { $type: 'string' } },
        },
      ]),
      this.photos.createIndexes([{ key: { personId: 1, createdAt: 1 } }]),
      this.descriptors.createIndexes([
        { key: { personId: 1, model: 1, createdAt: 1, seq: 1 } },
        { key: { photoId: 1, model: 1 } },
        { key: { model: 1, createdAt: 1, seq: 1 } },
      ]),
      this.events.createIndexes([{ key: { at: 1, _id: 1 } }, { key: { personId: 1, at: 1 } }]),
      this.attendance.createIndexes([
        { key: { day: 1, firstSeen: 1, personId: 1 } },
        { key: { personId: 1, day: 1 } },
      ]),
      this.corrections.createIndexes([{ key: { personId: 1, day: 1 } }, { key: { at: 1, seq: 1 } }]),
      this.unknownFaces.createIndexes([
        { key: { eventId: 1 }, unique: true },
        { key: { status: 1, at: -1 } },
        { key: { assignedPersonId: 1 } },
      ]),
      this.nodes.createIndexes([{ key: { lastSeen: 1 } }]),
      this.settings.createIndexes([{ key: { updatedAt: 1 } }]),
      this.groups.createIndexes([{ key: { nameKey: 1 }, unique: true }]),
      this.members.createIndexes([{ key: { personId: 1 } }, { key: { groupId: 1 } }]),
      this.groupSessions.createIndexes([{ key: { groupId: 1, start: 1, createdAt: 1 } }]),
      this.excuses.createIndexes([
        { key: { excuseId: 1 }, unique: true },
        { key: { day: 1, personId: 1, sessionId: 1 } },
      ]),
      this.webhooks.createIndexes([{ key: { createdAt: 1, seq: 1 } }, { key: { active: 1, events: 1 } }]),
      this.webhookEvents.createIndexes([{ key: { dispatchedAt: 1, createdAt: 1 } }]),
      this.deliveries.createIndexes([{ key: { hookId: 1, seq: -1 } }]),
    ]);
    await this.meta.updateOne({ _id: 'gallery' }, { $setOnInsert: { version: 0 } }, { upsert: true });
    const schema = await this.meta.findOneAndUpdate(
      { _id: 'schema' },
      { $max: { version: MONGO_SCHEMA_VERSION } },
      { upsert: true, returnDocument: 'before' },
    );
    if (schema && schema.version > MONGO_SCHEMA_VERSION) {
      throw new RollcallError(
        ErrorCode.StoreSchemaTooNew,
        `the database is at layout version ${schema.version}, newer than this Rollcall's ` +
          `${MONGO_SCHEMA_VERSION}; upgrade Rollcall`,
      );
    }
    // Layout 1 knew only face-api. Idempotent, so a second web node opening at once does no harm.
    await this.descriptors.updateMany({ model: { $exists: false } }, { $set: { model: 'face-api' } });
  }

  protected async release(): Promise<void> {
    await this.connection.close();
  }

  protected translate(error: unknown): RollcallError {
    return translate(error);
  }

  /** Runs `fn` in a transaction, retried by the driver on transient errors (so `fn` may run twice). */
  private async write<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const session = await this.connection.startSession();
    try {
      let result: { value: T } | undefined;
      await session.withTransaction(async () => {
        result = { value: await fn(session) };
      }, TRANSACTION_OPTIONS);
      if (!result) throw new Error('the transaction ended without a result');
      return result.value;
    } finally {
      await session.endSession();
    }
  }

  private nowIso(): string {
    return this.options.now().toISOString();
  }

  private async galleryVersion(session?: Session): Promise<number> {
    return (await this.meta.findOne({ _id: 'gallery' }, session ? { session } : {}))?.version ?? 0;
  }

  private async bumpGallery(session: Session): Promise<number> {
    const doc = await this.meta.findOneAndUpdate(
      { _id: 'gallery' },
      { $inc: { version: 1 } },
      { session, upsert: true, returnDocument: 'after' },
    );
    if (!doc) throw new Error('the gallery version is missing');
    return doc.version;
  }

  // ---- users ----

  /**
   * Runs a caller's accounts rule over every account before and after a change, in the write.
   * Snapshot isolation alone would let two transactions that each change a different user both
   * commit (each demoting the other admin): both also write the `accounts` guard, so the later
   * one conflicts, is retried by the driver and sees the first one's change.
   */
  private async applyAccountsRule(
    rule: AccountsRule | undefined,
    session: Session,
    after: (users: User[]) => User[],
  ): Promise<void> {
    if (rule === undefined) return;
    await this.meta.updateOne({ _id: 'accounts' }, { $inc: { version: 1 } }, { session, upsert: true });
    const before = (await this.users.find({}, { session }).sort({ _id: 1 }).toArray()).map(toUser);
    rule({ before, after: after(before) });
  }

  protected doCreateUser(
    { name, role, passwordHash }: NewUser,
    rule: AccountsRule | undefined,
  ): Promise<User> {
    return this.write(async (session) => {
      if (await this.users.findOne({ nameKey: nameKey(name) }, { session })) {
        throw conflict(`a user named "${name}" already exists`);
      }
      const doc: UserDoc = {
        _id: this.options.newId(),
        name,
        nameKey: nameKey(name),
        role,
        passwordHash,
        createdAt: this.nowIso(),
        disabled: false,
      };
      await this.applyAccountsRule(rule, session, (users) => [...users, toUser(doc)]);
      await this.users.insertOne(doc, { session });
      return toUser(doc);
    });
  }

  protected async doGetUser(id: string): Promise<User | null> {
    const doc = await this.users.findOne({ _id: id });
    return doc ? toUser(doc) : null;
  }

  protected async doGetUserByName(name: string): Promise<User | null> {
    const doc = await this.users.findOne({ nameKey: nameKey(name) });
    return doc ? toUser(doc) : null;
  }

  protected async doListUsers({ limit, offset }: CheckedPage): Promise<User[]> {
    const docs = await this.users
      .find({})
      .sort({ nameKey: 1, _id: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toUser);
  }

  protected doUpdateUser(id: string, set: UserPatch, rule: AccountsRule | undefined): Promise<User> {
    return this.write(async (session) => {
      const current = await this.users.findOne({ _id: id }, { session });
      if (!current) throw notFound(`no user with id ${id}`);
      const next: UserDoc = { ...current, ...set };
      await this.applyAccountsRule(rule, session, (users) =>
        users.map((u) => (u.id === id ? toUser(next) : u)),
      );
      if (Object.keys(set).length > 0) await this.users.replaceOne({ _id: id }, next, { session });
      return toUser(next);
    });
  }

  protected async doDeleteUser(id: string, rule: AccountsRule | undefined): Promise<void> {
    await this.write(async (session) => {
      if (!(await this.users.findOne({ _id: id }, { session }))) throw notFound(`no user with id ${id}`);
      await this.applyAccountsRule(rule, session, (users) => users.filter((u) => u.id !== id));
      await this.users.deleteOne({ _id: id }, { session });
      await this.tokens.deleteMany({ userId: id }, { session });
    });
  }

  // ---- API tokens ----

  protected doCreateApiToken({ userId, name, tokenHash }: NewApiToken): Promise<ApiToken> {
    return this.write(async (session) => {
      if (!(await this.users.findOne({ _id: userId }, { session }))) {
        throw notFound(`no user with id ${userId}`);
      }
      if (await this.tokens.findOne({ userId, nameKey: nameKey(name) }, { session })) {
        throw conflict(`the user already has a token named "${name}"`);
      }
      if (await this.tokens.findOne({ tokenHash }, { session })) {
        throw conflict('a token with this hash already exists');
      }
      const doc: TokenDoc = {
        _id: this.options.newId(),
        userId,
        name,
        nameKey: nameKey(name),
        tokenHash,
        createdAt: this.nowIso(),
        lastUsedAt: null,
        revoked: false,
      };
      await this.tokens.insertOne(doc, { session });
      return toToken(doc);
    });
  }

  protected async doFindApiTokenByHash(tokenHash: string): Promise<ApiToken | null> {
    const doc = await this.tokens.findOne({ tokenHash });
    return doc ? toToken(doc) : null;
  }

  protected async doListApiTokens(userId: string): Promise<ApiToken[]> {
    const docs = await this.tokens.find({ userId }).sort({ createdAt: 1, _id: 1 }).toArray();
    return docs.map(toToken);
  }

  protected async doTouchApiToken(id: string, at: string): Promise<boolean> {
    const { matchedCount } = await this.tokens.updateOne({ _id: id }, { $set: { lastUsedAt: at } });
    return matchedCount > 0;
  }

  protected async doRevokeApiToken(id: string): Promise<ApiToken | null> {
    const doc = await this.tokens.findOneAndUpdate(
      { _id: id },
      { $set: { revoked: true } },
      { returnDocument: 'after' },
    );
    return doc ? toToken(doc) : null;
  }

  // ---- people ----

  protected doCreatePerson({
    name,
    externalId,
    notes,
  }: Required<NewPerson>): Promise<{ person: Person } & GalleryChange> {
    return this.write(async (session) => {
      await this.refuseTakenExternalId(externalId, null, session);
      const now = this.nowIso();
      const doc: PersonDoc = {
        _id: this.options.newId(),
        name,
        nameKey: nameKey(name),
        externalId,
        notes,
        createdAt: now,
        updatedAt: now,
        seq: new mongoose.mongo.ObjectId(),
      };
      await this.people.insertOne(doc, { session });
      return { person: toPerson(doc), galleryVersion: await this.bumpGallery(session) };
    });
  }

  /** Names may repeat; an external id may not (checked here for a message that names it). */
  private async refuseTakenExternalId(
    externalId: string | null | undefined,
    ownId: string | null,
    session: Session,
  ): Promise<void> {
    if (externalId === null || externalId === undefined) return;
    const holder = await this.people.findOne(
      { externalId, ...(ownId === null ? {} : { _id: { $ne: ownId } }) },
      { session },
    );
    if (holder) throw conflict(`the external id "${externalId}" is already ${holder.name}'s`);
  }

  protected async doGetPerson(id: string): Promise<Person | null> {
    const doc = await this.people.findOne({ _id: id });
    return doc ? toPerson(doc) : null;
  }

  protected async doGetPersonByName(name: string): Promise<Person | null> {
    return (await this.doFindPeopleByName(name, 1))[0] ?? null;
  }

  protected async doFindPeopleByName(name: string, limit: number): Promise<Person[]> {
    const docs = await this.people
      .find({ nameKey: nameKey(name) })
      .sort({ createdAt: 1, seq: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toPerson);
  }

  protected async doGetPersonByExternalId(externalId: string): Promise<Person | null> {
    const doc = await this.people.findOne({ externalId });
    return doc ? toPerson(doc) : null;
  }

  protected async doListPeople({ limit, offset }: CheckedPage): Promise<Person[]> {
    const docs = await this.people
      .find({})
      .sort({ nameKey: 1, createdAt: 1, seq: 1, _id: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toPerson);
  }

  protected doUpdatePerson(
    id: string,
    { name, externalId, notes }: PersonPatch,
  ): Promise<{ person: Person } & GalleryChange> {
    return this.write(async (session) => {
      const current = await this.people.findOne({ _id: id }, { session });
      if (!current) throw notFound(`no person with id ${id}`);
      await this.refuseTakenExternalId(externalId, id, session);
      const next: PersonDoc = {
        ...current,
        name: name ?? current.name,
        nameKey: nameKey(name ?? current.name),
        externalId: externalId === undefined ? (current.externalId ?? null) : externalId,
        notes: notes ?? current.notes,
        updatedAt: this.nowIso(),
      };
      await this.people.replaceOne({ _id: id }, next, { session });
      // Reports show the current name while the person exists.
      if (name !== undefined) {
        await this.attendance.updateMany({ personId: id }, { $set: { personName: name } }, { session });
      }
      return { person: toPerson(next), galleryVersion: await this.bumpGallery(session) };
    });
  }

  protected doDeletePerson(id: string, steps: readonly ErasureStep[]): Promise<DeletedPerson> {
    return this.write(async (session) => {
      if (!(await this.people.findOne({ _id: id }, { session }))) throw notFound(`no person with id ${id}`);
      let anonymisedAs: string | null = null;
      const erase = {
        descriptors: async () =>
          (await this.descriptors.deleteMany({ personId: id }, { session })).deletedCount,
        photos: async () => (await this.photos.deleteMany({ personId: id }, { session })).deletedCount,
        eventCrops: async () => {
          const assigned = await this.unknownFaces.distinct('eventId', { assignedPersonId: id }, { session });
          const { modifiedCount } = await this.events.updateMany(
            { crop: { $ne: null }, $or: [{ personId: id }, { _id: { $in: assigned } }] },
            { $set: { crop: null } },
            { session },
          );
          return modifiedCount;
        },
        unknownFaces: async () => {
          await this.unknownFaces.updateMany(
            { candidatePersonId: id },
            { $set: { candidatePersonId: null, candidateDistance: null } },
            { session },
          );
          return (await this.unknownFaces.deleteMany({ assignedPersonId: id }, { session })).deletedCount;
        },
        attendance: async () => {
          await this.corrections.deleteMany({ personId: id }, { session });
          await this.excuses.deleteMany({ personId: id }, { session });
          return (await this.attendance.deleteMany({ personId: id }, { session })).deletedCount;
        },
        anonymiseAttendance: async () => {
          const counter = await this.meta.findOneAndUpdate(
            { _id: 'deletedPeople' },
            { $inc: { version: 1 } },
            { session, upsert: true, returnDocument: 'after' },
          );
          if (!counter) throw new Error('the deleted people counter is missing');
          const name = deletedPersonName(counter.version);
          anonymisedAs = name;
          // Correction snapshots are JSON text: rewritten one by one (a person has few).
          const corrections = await this.corrections.find({ personId: id }, { session }).toArray();
          for (const c of corrections) {
            await this.corrections.updateOne(
              { _id: c._id },
              { $set: { before: renamedSnapshot(c.before, name), after: renamedSnapshot(c.after, name) } },
              { session },
            );
          }
          const { modifiedCount } = await this.attendance.updateMany(
            { personId: id },
            { $set: { personName: name } },
            { session },
          );
          return modifiedCount;
        },
      } satisfies Record<ErasureStep, () => Promise<number>>;
      const erased = { descriptors: 0, photos: 0, eventCrops: 0, unknownFaces: 0, attendance: 0 };
      for (const step of steps) {
        erased[step === 'anonymiseAttendance' ? 'attendance' : step] = await erase[step]();
      }
      // SQLite's foreign key does this: a deleted person is in no group.
      await this.members.deleteMany({ personId: id }, { session });
      await this.people.deleteOne({ _id: id }, { session });
      return { ...erased, anonymisedAs, galleryVersion: await this.bumpGallery(session) };
    });
  }

  // ---- photos and descriptors ----

  protected doAddPhoto({ personId, fileName, bytes, quality }: CheckedPhoto): Promise<Photo> {
    return this.write(async (session) => {
      if (!(await this.people.findOne({ _id: personId }, { session }))) {
        throw notFound(`no person with id ${personId}`);
      }
      const doc: PhotoDoc = {
        _id: this.options.newId(),
        personId,
        fileName,
        byteLength: bytes.byteLength,
        quality,
        createdAt: this.nowIso(),
        bytes: asBuffer(bytes),
      };
      await this.photos.insertOne(doc, { session });
      return toPhoto(doc);
    });
  }

  protected async doGetPhoto(id: string): Promise<Photo | null> {
    const doc = await this.photos.findOne({ _id: id }, { projection: PHOTO_FIELDS });
    return doc ? toPhoto(doc) : null;
  }

  protected async doGetPhotoBytes(id: string): Promise<Uint8Array | null> {
    const doc = await this.photos.findOne({ _id: id }, { projection: { bytes: 1 } });
    return asBytes(doc?.bytes);
  }

  protected async doListPhotos(personId: string): Promise<Photo[]> {
    const docs = await this.photos
      .find({ personId }, { projection: PHOTO_FIELDS })
      .sort({ createdAt: 1, _id: 1 })
      .toArray();
    return docs.map(toPhoto);
  }

  protected async doSetPhotoQuality(id: string, quality: string): Promise<Photo | null> {
    const doc = await this.photos.findOneAndUpdate(
      { _id: id },
      { $set: { quality } },
      { returnDocument: 'after', projection: PHOTO_FIELDS },
    );
    return doc ? toPhoto(doc) : null;
  }

  protected doDeletePhoto(id: string): Promise<GalleryChange> {
    return this.write(async (session) => {
      if ((await this.photos.deleteOne({ _id: id }, { session })).deletedCount === 0) {
        throw notFound(`no photo with id ${id}`);
      }
      await this.descriptors.deleteMany({ photoId: id }, { session });
      return { galleryVersion: await this.bumpGallery(session) };
    });
  }

  protected doSetPhotoDescriptors(
    photoId: string,
    model: DescriptorModel,
    descriptors: readonly Float32Array[],
    bumpGallery: boolean,
  ): Promise<GalleryChange> {
    return this.write(async (session) => {
      const photo = await this.photos.findOne({ _id: photoId }, { session, projection: { personId: 1 } });
      if (!photo) throw notFound(`no photo with id ${photoId}`);
      await this.descriptors.deleteMany({ photoId, model }, { session });
      const now = this.nowIso();
      if (descriptors.length > 0) {
        await this.descriptors.insertMany(
          descriptors.map((d) => ({
            _id: this.options.newId(),
            personId: photo.personId,
            photoId,
            model,
            createdAt: now,
            seq: new mongoose.mongo.ObjectId(),
            descriptor: encodeDescriptor(d),
          })),
          { session, ordered: true },
        );
      }
      return {
        galleryVersion: bumpGallery ? await this.bumpGallery(session) : await this.galleryVersion(session),
      };
    });
  }

  protected async doListDescriptors(
    personId: string,
    model: DescriptorModel | undefined,
  ): Promise<StoredDescriptor[]> {
    const filter: Filter<DescriptorDoc> = { personId };
    if (model !== undefined) filter.model = model;
    const docs = await this.descriptors.find(filter).sort({ createdAt: 1, seq: 1 }).toArray();
    return docs.map((d) => ({
      id: d._id,
      personId: d.personId,
      photoId: d.photoId,
      model: d.model,
      createdAt: d.createdAt,
      descriptor: decodeDescriptor(asBytes(d.descriptor) ?? new Uint8Array(), d.model),
    }));
  }

  protected async doListPhotosLackingDescriptors(
    model: DescriptorModel,
    { limit, offset }: CheckedPage,
  ): Promise<Photo[]> {
    // Two distinct-lists rather than a $lookup: photo ids are small, and this runs once per job.
    const [other, own] = await Promise.all([
      this.descriptors.distinct('photoId', { model: { $ne: model } }),
      this.descriptors.distinct('photoId', { model }),
    ]);
    const docs = await this.photos
      .find({ _id: { $in: other, $nin: own } }, { projection: PHOTO_FIELDS })
      .sort({ createdAt: 1, _id: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toPhoto);
  }

  protected doGetGalleryVersion(): Promise<number> {
    return this.galleryVersion();
  }

  protected doBumpGalleryVersion(): Promise<GalleryChange> {
    return this.write(async (session) => ({ galleryVersion: await this.bumpGallery(session) }));
  }

  protected doGetGallery(model: DescriptorModel): Promise<Gallery> {
    // A snapshot transaction: the version and the descriptors come from one point in time.
    return this.write(async (session): Promise<Gallery> => {
      const galleryVersion = await this.galleryVersion(session);
      const people = await this.people
        .find({}, { session, projection: { name: 1, nameKey: 1 } })
        .sort({ nameKey: 1, _id: 1 })
        .toArray();
      const byPerson = new Map<string, Float32Array[]>();
      const cursor = this.descriptors
        .find({ model }, { session, projection: { personId: 1, descriptor: 1 } })
        .sort({ createdAt: 1, seq: 1 });
      for await (const d of cursor) {
        const list = byPerson.get(d.personId) ?? [];
        list.push(decodeDescriptor(asBytes(d.descriptor) ?? new Uint8Array(), model));
        byPerson.set(d.personId, list);
      }
      const result: Gallery['people'] = [];
      for (const p of people) {
        const descriptors = byPerson.get(p._id);
        if (descriptors) result.push({ personId: p._id, name: p.name, descriptors });
      }
      return { galleryVersion, model, people: result };
    });
  }

  // ---- events and attendance ----

  /** Inserts the event unless its id exists (an upsert: a duplicate key would abort the transaction). */
  private async insertEvent(event: ReceivedEvent, keepCrop: boolean, session: Session): Promise<boolean> {
    const doc: EventDoc = {
      _id: event.id,
      type: event.type,
      nodeId: event.nodeId,
      cameraId: event.cameraId,
      trackId: event.trackId,
      personId: event.personId,
      distance: event.distance,
      thresholds: { match: event.thresholds.match, unknown: event.thresholds.unknown },
      votes: event.votes,
      at: event.at,
      box: { x: event.box.x, y: event.box.y, width: event.box.width, height: event.box.height },
      frameWidth: event.frameWidth,
      frameHeight: event.frameHeight,
      model: event.model,
      backend: event.backend,
      receivedAt: this.nowIso(),
      ...(event.nodeAt === undefined ? {} : { nodeAt: event.nodeAt }),
      crop: keepCrop && event.crop ? asBuffer(event.crop) : null,
    };
    const { _id, ...fields } = doc;
    const result = await this.events.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true, session });
    return result.upsertedCount === 1;
  }

  private async personExists(id: string, session: Session): Promise<boolean> {
    return (await this.people.findOne({ _id: id }, { session })) !== null;
  }

  protected doInsertEventOnce(event: ReceivedEvent): Promise<boolean> {
    return this.write(async (session) => {
      // A face of someone already erased is not stored again.
      const keepCrop = event.personId === null || (await this.personExists(event.personId, session));
      return this.insertEvent(event, keepCrop, session);
    });
  }

  protected doRecordAttendance({ event, personId, day, rules }: Sighting): Promise<RecordAttendanceResult> {
    return this.write(async (session): Promise<RecordAttendanceResult> => {
      const person = await this.people.findOne({ _id: personId }, { session });
      const existing = await this.attendance.findOne({ _id: attendanceId(personId, day) }, { session });
      const inserted = await this.insertEvent(event, person !== null, session);
      const { record, write } = recordSighting(
        existing ? toAttendance(existing) : null,
        { personName: person?.name ?? null, newEvent: inserted },
        { personId, at: event.at, cameraId: event.cameraId, nodeId: event.nodeId },
        rules,
      );
      if (write && record) await this.saveAttendance(record, session);
      return { inserted, attendance: record };
    });
  }

  /** Writes a record as the core rules made it, over the one stored for its person and day. */
  private async saveAttendance(record: StoredAttendance, session: Session): Promise<void> {
    const doc: AttendanceDoc = { _id: attendanceId(record.personId, record.day), ...record };
    await this.attendance.replaceOne({ _id: doc._id }, doc, { upsert: true, session });
  }

  private async hasCrop(eventId: string, session?: Session): Promise<boolean> {
    const found = await this.events.countDocuments(
      { _id: eventId, crop: { $ne: null } },
      session ? { session, limit: 1 } : { limit: 1 },
    );
    return found > 0;
  }

  /** Events without their crops, with `hasCrop` computed by the server. */
  private async findEvents(filter: Filter<EventDoc>, skip: number, limit: number): Promise<StoredEvent[]> {
    const docs = await this.events
      .aggregate<Omit<EventDoc, 'crop'> & { hasCrop: boolean }>([
        { $match: filter },
        { $sort: { at: 1, _id: 1 } },
        { $skip: skip },
        { $limit: limit },
        { $addFields: { hasCrop: { $ne: [{ $ifNull: ['$crop', null] }, null] } } },
        { $project: EVENT_FIELDS },
      ])
      .toArray();
    return docs.map(toEvent);
  }

  protected async doGetEvent(id: string): Promise<StoredEvent | null> {
    const [event] = await this.findEvents({ _id: id }, 0, 1);
    return event ?? null;
  }

  protected async doGetEventCrop(id: string): Promise<Uint8Array | null> {
    const doc = await this.events.findOne({ _id: id }, { projection: { crop: 1 } });
    return asBytes(doc?.crop);
  }

  protected doListEvents(
    { from, to, personId, type }: EventFilter,
    { limit, offset }: CheckedPage,
  ): Promise<StoredEvent[]> {
    const filter: Filter<EventDoc> = {};
    const at: { $gte?: string; $lt?: string } = {};
    if (from !== undefined) at.$gte = from;
    if (to !== undefined) at.$lt = to;
    if (Object.keys(at).length > 0) filter.at = at;
    if (personId !== undefined) filter.personId = personId;
    if (type !== undefined) filter.type = type;
    return this.findEvents(filter, offset, limit + 1);
  }

  protected doPruneEventCrops(before: string): Promise<number> {
    return this.write(async (session) => {
      const open = await this.unknownFaces.distinct('eventId', { status: 'open' }, { session });
      const { modifiedCount } = await this.events.updateMany(
        { at: { $lt: before }, crop: { $ne: null }, _id: { $nin: open } },
        { $set: { crop: null } },
        { session },
      );
      return modifiedCount;
    });
  }

  protected async doGetAttendance(personId: string, day: string): Promise<StoredAttendance | null> {
    const doc = await this.attendance.findOne({ _id: attendanceId(personId, day) });
    return doc ? toAttendance(doc) : null;
  }

  protected async doListAttendance(
    { from, to, personId }: AttendanceFilter,
    { limit, offset }: CheckedPage,
  ): Promise<StoredAttendance[]> {
    const filter: Filter<AttendanceDoc> = { day: { $gte: from, $lte: to } };
    if (personId !== undefined) filter.personId = personId;
    const docs = await this.attendance
      .find(filter)
      .sort({ day: 1, firstSeen: 1, personId: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toAttendance);
  }

  protected doCorrectAttendance(correction: CheckedCorrection): Promise<AttendanceCorrection> {
    const { personId, day, by, reason, times } = correction;
    return this.write(async (session): Promise<AttendanceCorrection> => {
      const _id = attendanceId(personId, day);
      const existing = await this.attendance.findOne({ _id }, { session });
      const before = existing ? toAttendance(existing) : null;
      const person = await this.people.findOne({ _id: personId }, { session });
      const after = correctRecord(before, times, { personId, day, personName: person?.name ?? null });
      if (after === null) await this.attendance.deleteOne({ _id }, { session });
      else await this.saveAttendance(after, session);
      const doc: CorrectionDoc = {
        _id: this.options.newId(),
        personId,
        day,
        by,
        reason,
        at: this.nowIso(),
        seq: new mongoose.mongo.ObjectId(),
        before: before === null ? null : JSON.stringify(before),
        after: after === null ? null : JSON.stringify(after),
      };
      await this.corrections.insertOne(doc, { session });
      return toCorrection(doc);
    });
  }

  protected async doListCorrections(
    { personId, from, to }: CorrectionFilter,
    { limit, offset }: CheckedPage,
  ): Promise<AttendanceCorrection[]> {
    const filter: Filter<CorrectionDoc> = {};
    if (personId !== undefined) filter.personId = personId;
    const day: { $gte?: string; $lte?: string } = {};
    if (from !== undefined) day.$gte = from;
    if (to !== undefined) day.$lte = to;
    if (Object.keys(day).length > 0) filter.day = day;
    const docs = await this.corrections
      .find(filter)
      .sort({ at: 1, seq: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toCorrection);
  }

  // ---- unknown faces ----

  /** The names of the candidates of `faces` (people erased since are simply missing). */
  private async candidateNames(
    faces: readonly UnknownFaceDoc[],
    session?: Session,
  ): Promise<Map<string, string>> {
    const ids = [...new Set(faces.flatMap((f) => (f.candidatePersonId ? [f.candidatePersonId] : [])))];
    if (ids.length === 0) return new Map();
    const people = await this.people
      .find({ _id: { $in: ids } }, { session, projection: { name: 1 } })
      .toArray();
    return new Map(people.map((p) => [p._id, p.name]));
  }

  protected doRecordUnknownFace(event: ReceivedEvent): Promise<RecordUnknownFaceResult> {
    return this.write(async (session): Promise<RecordUnknownFaceResult> => {
      const inserted = await this.insertEvent(event, true, session);
      if (inserted) {
        // A candidate erased (or never known here) before the event arrived is not kept.
        const candidate = event.candidate ?? null;
        const known = candidate !== null && (await this.personExists(candidate.personId, session));
        await this.unknownFaces.insertOne(
          {
            _id: this.options.newId(),
            eventId: event.id,
            at: event.at,
            cameraId: event.cameraId,
            nodeId: event.nodeId,
            status: 'open',
            assignedPersonId: null,
            decidedAt: null,
            unconfirmed: event.unconfirmed === true,
            candidatePersonId: known ? candidate.personId : null,
            candidateDistance: known ? candidate.distance : null,
          },
          { session },
        );
      }
      const face = await this.unknownFaces.findOne({ eventId: event.id }, { session });
      // The event was stored before, through insertEventOnce, without a face to review.
      if (!face) throw conflict(`event ${event.id} is already stored and is not an open unknown face`);
      return {
        inserted,
        face: toUnknownFace(
          face,
          await this.hasCrop(face.eventId, session),
          await this.candidateNames([face], session),
        ),
      };
    });
  }

  protected async doGetUnknownFace(id: string): Promise<UnknownFace | null> {
    const face = await this.unknownFaces.findOne({ _id: id });
    return face
      ? toUnknownFace(face, await this.hasCrop(face.eventId), await this.candidateNames([face]))
      : null;
  }

  protected async doGetUnknownFaceCrop(id: string): Promise<Uint8Array | null> {
    const face = await this.unknownFaces.findOne({ _id: id });
    if (!face) return null;
    const event = await this.events.findOne({ _id: face.eventId }, { projection: { crop: 1 } });
    return asBytes(event?.crop);
  }

  protected async doListUnknownFaces(
    status: UnknownFaceStatus | null,
    { limit, offset }: CheckedPage,
  ): Promise<UnknownFace[]> {
    const docs = await this.unknownFaces
      .find(status === null ? {} : { status })
      .sort({ at: -1, _id: -1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    const withCrop = new Set(
      await this.events.distinct('_id', { _id: { $in: docs.map((d) => d.eventId) }, crop: { $ne: null } }),
    );
    const names = await this.candidateNames(docs);
    return docs.map((d) => toUnknownFace(d, withCrop.has(d.eventId), names));
  }

  /**
   * Two decisions on one face both write its document, so the later transaction conflicts and is
   * retried, and its rule then sees the first decision.
   */
  protected doDecideUnknownFace(
    id: string,
    decision: UnknownFaceDecision,
    rule: UnknownFaceRule,
  ): Promise<UnknownFace> {
    return this.write(async (session) => {
      const face = await this.unknownFaces.findOne({ _id: id }, { session });
      if (!face) throw notFound(`no unknown face with id ${id}`);
      const hasCrop = await this.hasCrop(face.eventId, session);
      const names = await this.candidateNames([face], session);
      if (rule(toUnknownFace(face, hasCrop, names), decision) === 'unchanged') {
        return toUnknownFace(face, hasCrop, names);
      }
      const personId = decision.status === 'assigned' ? decision.personId : null;
      if (personId !== null && !(await this.personExists(personId, session))) {
        throw notFound(`no person with id ${personId}`);
      }
      const next: UnknownFaceDoc = {
        ...face,
        status: decision.status,
        assignedPersonId: personId,
        decidedAt: decision.status === 'open' ? null : this.nowIso(),
      };
      await this.unknownFaces.replaceOne({ _id: id }, next, { session });
      return toUnknownFace(next, hasCrop, names);
    });
  }

  // ---- nodes ----

  protected async doUpsertNode(id: string, lastSeen: string, status: string): Promise<void> {
    await this.nodes.replaceOne({ _id: id }, { lastSeen, status }, { upsert: true });
  }

  protected async doGetNode(id: string): Promise<NodeRecord | null> {
    const doc = await this.nodes.findOne({ _id: id });
    return doc ? toNode(doc) : null;
  }

  protected async doListNodes(): Promise<NodeRecord[]> {
    return (await this.nodes.find({}).sort({ _id: 1 }).toArray()).map(toNode);
  }

  protected async doDeleteNode(id: string): Promise<boolean> {
    return (await this.nodes.deleteOne({ _id: id })).deletedCount > 0;
  }

  // ---- settings ----

  protected async doGetSetting(key: string): Promise<Setting | null> {
    const doc = await this.settings.findOne({ _id: key });
    return doc ? toSetting(doc) : null;
  }

  private async saveSetting(key: string, value: string, session?: Session): Promise<Setting> {
    const updatedAt = this.nowIso();
    await this.settings.replaceOne(
      { _id: key },
      { value, updatedAt },
      session ? { session, upsert: true } : { upsert: true },
    );
    return { key, value: JSON.parse(value) as JsonValue, updatedAt };
  }

  protected doSetSetting(key: string, value: string): Promise<Setting> {
    return this.saveSetting(key, value);
  }

  protected doUpdateSetting(key: string, change: (saved: JsonValue | null) => string): Promise<Setting> {
    // Two saves write one document: the later transaction conflicts, is retried and reads the first.
    return this.write(async (session) => {
      const doc = await this.settings.findOne({ _id: key }, { session });
      return this.saveSetting(key, change(doc ? (JSON.parse(doc.value) as JsonValue) : null), session);
    });
  }

  protected async doListSettings(): Promise<Setting[]> {
    return (await this.settings.find({}).sort({ _id: 1 }).toArray()).map(toSetting);
  }

  protected async doDeleteSetting(key: string): Promise<boolean> {
    return (await this.settings.deleteOne({ _id: key })).deletedCount > 0;
  }

  // ---- groups and their sessions ----

  protected doCreateGroup({ name, notes, minAttendanceRate }: Required<NewGroup>): Promise<Group> {
    return this.write(async (session) => {
      if (await this.groups.findOne({ nameKey: nameKey(name) }, { session }))
        throw conflict(`a group named "${name}" already exists`);
      const now = this.nowIso();
      const doc: GroupDoc = {
        _id: this.options.newId(),
        name,
        nameKey: nameKey(name),
        notes,
        minAttendanceRate,
        createdAt: now,
        updatedAt: now,
      };
      await this.groups.insertOne(doc, { session });
      return toGroup(doc);
    });
  }

  protected async doGetGroup(id: string): Promise<Group | null> {
    const doc = await this.groups.findOne({ _id: id });
    return doc ? toGroup(doc) : null;
  }

  protected async doListGroups({ limit, offset }: CheckedPage): Promise<Group[]> {
    const docs = await this.groups
      .find({})
      .sort({ nameKey: 1, _id: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toGroup);
  }

  protected doUpdateGroup(id: string, patch: GroupPatch): Promise<Group | null> {
    return this.write(async (session) => {
      const current = await this.groups.findOne({ _id: id }, { session });
      if (!current) return null;
      if (
        patch.name !== undefined &&
        (await this.groups.findOne({ nameKey: nameKey(patch.name), _id: { $ne: id } }, { session }))
      )
        throw conflict(`a group named "${patch.name}" already exists`);
      const next: GroupDoc = {
        ...current,
        name: patch.name ?? current.name,
        nameKey: nameKey(patch.name ?? current.name),
        notes: patch.notes ?? current.notes,
        minAttendanceRate:
          patch.minAttendanceRate === undefined ? current.minAttendanceRate : patch.minAttendanceRate,
        updatedAt: this.nowIso(),
      };
      await this.groups.replaceOne({ _id: id }, next, { session });
      return toGroup(next);
    });
  }

  protected doDeleteGroup(id: string): Promise<boolean> {
    return this.write(async (session) => {
      if ((await this.groups.deleteOne({ _id: id }, { session })).deletedCount === 0) return false;
      const sessionIds = await this.groupSessions.distinct('_id', { groupId: id }, { session });
      await this.excuses.deleteMany({ sessionId: { $in: sessionIds } }, { session });
      await this.groupSessions.deleteMany({ groupId: id }, { session });
      await this.members.deleteMany({ groupId: id }, { session });
      return true;
    });
  }

  protected doAddGroupMembers(groupId: string, personIds: readonly string[]): Promise<void> {
    return this.write(async (session) => {
      if (!(await this.groups.findOne({ _id: groupId }, { session })))
        throw notFound(`no group with id ${groupId}`);
      const now = this.nowIso();
      for (const personId of personIds) {
        if (!(await this.people.findOne({ _id: personId }, { session })))
          throw notFound(`no person with id ${personId}`);
        await this.members.updateOne(
          { _id: `${groupId}/${personId}` },
          { $setOnInsert: { groupId, personId, addedAt: now } },
          { upsert: true, session },
        );
      }
    });
  }

  protected async doRemoveGroupMember(groupId: string, personId: string): Promise<boolean> {
    return (await this.members.deleteOne({ _id: `${groupId}/${personId}` })).deletedCount > 0;
  }

  protected async doListGroupMembers(groupId: string): Promise<Person[]> {
    if (!(await this.groups.findOne({ _id: groupId }))) throw notFound(`no group with id ${groupId}`);
    const ids = await this.members.distinct('personId', { groupId });
    const docs = await this.people
      .find({ _id: { $in: ids } })
      .sort({ nameKey: 1, _id: 1 })
      .toArray();
    return docs.map(toPerson);
  }

  protected async doListGroupsOf(personId: string): Promise<Group[]> {
    const ids = await this.members.distinct('groupId', { personId });
    const docs = await this.groups
      .find({ _id: { $in: ids } })
      .sort({ nameKey: 1, _id: 1 })
      .toArray();
    return docs.map(toGroup);
  }

  private async sessionsOf(groupId: string, session?: Session): Promise<StoredGroupSession[]> {
    const docs = await this.groupSessions
      .find({ groupId }, session ? { session } : {})
      .sort({ start: 1, createdAt: 1, _id: 1 })
      .toArray();
    return docs.map(toGroupSession);
  }

  protected doAddGroupSession(
    groupId: string,
    definition: GroupSession,
    clash: (others: StoredGroupSession[]) => void,
  ): Promise<StoredGroupSession> {
    return this.write(async (session) => {
      if (!(await this.groups.findOne({ _id: groupId }, { session })))
        throw notFound(`no group with id ${groupId}`);
      clash(await this.sessionsOf(groupId, session));
      // Touching the group makes two sessions added at once conflict as transactions, so the
      // no-overlap check cannot pass in both.
      await this.groups.updateOne({ _id: groupId }, { $set: { updatedAt: this.nowIso() } }, { session });
      const now = this.nowIso();
      const doc: GroupSessionDoc = {
        _id: this.options.newId(),
        groupId,
        start: definition.start,
        definition: JSON.stringify(definition),
        createdAt: now,
        updatedAt: now,
      };
      await this.groupSessions.insertOne(doc, { session });
      return toGroupSession(doc);
    });
  }

  protected async doGetGroupSession(id: string): Promise<StoredGroupSession | null> {
    const doc = await this.groupSessions.findOne({ _id: id });
    return doc ? toGroupSession(doc) : null;
  }

  protected doUpdateGroupSession(
    id: string,
    definition: GroupSession,
    clash: (others: StoredGroupSession[]) => void,
  ): Promise<StoredGroupSession> {
    return this.write(async (session) => {
      const current = await this.groupSessions.findOne({ _id: id }, { session });
      if (!current) throw notFound(`no session with id ${id}`);
      clash((await this.sessionsOf(current.groupId, session)).filter((other) => other.id !== id));
      await this.groups.updateOne(
        { _id: current.groupId },
        { $set: { updatedAt: this.nowIso() } },
        { session },
      );
      const next: GroupSessionDoc = {
        ...current,
        start: definition.start,
        definition: JSON.stringify(definition),
        updatedAt: this.nowIso(),
      };
      await this.groupSessions.replaceOne({ _id: id }, next, { session });
      return toGroupSession(next);
    });
  }

  protected doDeleteGroupSession(id: string): Promise<boolean> {
    return this.write(async (session) => {
      if ((await this.groupSessions.deleteOne({ _id: id }, { session })).deletedCount === 0) return false;
      await this.excuses.deleteMany({ sessionId: id }, { session });
      return true;
    });
  }

  protected doListGroupSessions(groupId: string): Promise<StoredGroupSession[]> {
    return this.sessionsOf(groupId);
  }

  protected doExcuseSession({
    sessionId,
    personId,
    day,
    reason,
    by,
  }: NewSessionExcuse): Promise<SessionExcuse> {
    return this.write(async (session) => {
      if (!(await this.groupSessions.findOne({ _id: sessionId }, { session })))
        throw notFound(`no session with id ${sessionId}`);
      if (!(await this.people.findOne({ _id: personId }, { session })))
        throw notFound(`no person with id ${personId}`);
      const doc = await this.excuses.findOneAndUpdate(
        { _id: `${sessionId}/${personId}/${day}` },
        {
          $set: { reason, by, at: this.nowIso() },
          $setOnInsert: { excuseId: this.options.newId(), sessionId, personId, day },
        },
        { upsert: true, returnDocument: 'after', session },
      );
      if (!doc) throw new Error('the excuse was not written');
      return toExcuse(doc);
    });
  }

  protected async doDeleteSessionExcuse(id: string): Promise<boolean> {
    return (await this.excuses.deleteOne({ excuseId: id })).deletedCount > 0;
  }

  protected async doListSessionExcuses(
    query: Required<Pick<ExcuseQuery, 'from' | 'to'>> & Pick<ExcuseQuery, 'sessionId' | 'personId'>,
    { limit, offset }: CheckedPage,
  ): Promise<SessionExcuse[]> {
    const filter: Filter<ExcuseDoc> = { day: { $gte: query.from, $lte: query.to } };
    if (query.sessionId !== undefined) filter.sessionId = query.sessionId;
    if (query.personId !== undefined) filter.personId = query.personId;
    const docs = await this.excuses
      .find(filter)
      .sort({ day: 1, personId: 1, sessionId: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toExcuse);
  }

  // ---- webhooks ----

  protected async doCreateWebhook({
    url,
    events,
    secret,
    active,
    description,
  }: CheckedWebhook): Promise<Webhook> {
    const now = this.nowIso();
    const doc: WebhookDoc = {
      _id: this.options.newId(),
      url,
      events,
      secret,
      active,
      description,
      createdAt: now,
      updatedAt: now,
      seq: new mongoose.mongo.ObjectId(),
    };
    await this.webhooks.insertOne(doc);
    return toWebhook(doc);
  }

  protected async doGetWebhook(id: string): Promise<Webhook | null> {
    const doc = await this.webhooks.findOne({ _id: id });
    return doc ? toWebhook(doc) : null;
  }

  protected async doListWebhooks({ limit, offset }: CheckedPage): Promise<Webhook[]> {
    const docs = await this.webhooks
      .find({})
      .sort({ createdAt: 1, seq: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toWebhook);
  }

  protected async doListWebhooksFor(type: WebhookEventType): Promise<Webhook[]> {
    const docs = await this.webhooks
      .find({ active: true, events: type })
      .sort({ createdAt: 1, seq: 1 })
      .toArray();
    return docs.map(toWebhook);
  }

  protected async doUpdateWebhook(id: string, patch: CheckedWebhookPatch): Promise<Webhook | null> {
    const doc = await this.webhooks.findOneAndUpdate(
      { _id: id },
      { $set: { ...patch, updatedAt: this.nowIso() } },
      { returnDocument: 'after' },
    );
    return doc ? toWebhook(doc) : null;
  }

  protected doDeleteWebhook(id: string): Promise<boolean> {
    return this.write(async (session) => {
      if ((await this.webhooks.deleteOne({ _id: id }, { session })).deletedCount === 0) return false;
      await this.deliveries.deleteMany({ hookId: id }, { session });
      return true;
    });
  }

  protected async doClaimWebhookEvent({
    id,
    type,
    createdAt,
    data,
  }: CheckedWebhookEvent): Promise<ClaimedWebhookEvent> {
    // An upsert on _id is atomic, and the server retries one that raced another on the key: of
    // two claims, exactly one inserts.
    const result = await this.webhookEvents.updateOne(
      { _id: id },
      { $setOnInsert: { type, createdAt, data, dispatchedAt: null } },
      { upsert: true },
    );
    const doc = await this.webhookEvents.findOne({ _id: id });
    if (!doc) throw new Error(`the webhook event ${id} was not written`);
    return { claimed: result.upsertedCount === 1, event: toWebhookEvent(doc) };
  }

  protected async doGetWebhookEvent(id: string): Promise<StoredWebhookEvent | null> {
    const doc = await this.webhookEvents.findOne({ _id: id });
    return doc ? toWebhookEvent(doc) : null;
  }

  protected async doMarkWebhookEventDispatched(id: string, at: string): Promise<boolean> {
    const result = await this.webhookEvents.updateOne(
      { _id: id, dispatchedAt: null },
      { $set: { dispatchedAt: at } },
    );
    return result.matchedCount > 0 || (await this.webhookEvents.countDocuments({ _id: id })) > 0;
  }

  protected async doListUndispatchedWebhookEvents(
    before: string,
    { limit, offset }: CheckedPage,
  ): Promise<StoredWebhookEvent[]> {
    const docs = await this.webhookEvents
      .find({ dispatchedAt: null, createdAt: { $lt: before } })
      .sort({ createdAt: 1, _id: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toWebhookEvent);
  }

  protected async doPruneWebhookEvents(before: string): Promise<number> {
    return (await this.webhookEvents.deleteMany({ dispatchedAt: { $ne: null }, createdAt: { $lt: before } }))
      .deletedCount;
  }

  protected doLogWebhookDelivery(delivery: NewWebhookDelivery, keepLast: number): Promise<WebhookDelivery> {
    return this.write(async (session) => {
      if (!(await this.webhooks.findOne({ _id: delivery.hookId }, { session })))
        throw notFound(`no webhook with id ${delivery.hookId}`);
      const doc: DeliveryDoc = { _id: this.options.newId(), ...delivery, seq: new mongoose.mongo.ObjectId() };
      await this.deliveries.insertOne(doc, { session });
      const oldest = await this.deliveries
        .find({ hookId: delivery.hookId }, { session })
        .sort({ seq: -1 })
        .skip(keepLast)
        .limit(1)
        .toArray();
      const cut = oldest[0];
      if (cut)
        await this.deliveries.deleteMany({ hookId: delivery.hookId, seq: { $lte: cut.seq } }, { session });
      return toDelivery(doc);
    });
  }

  protected async doListWebhookDeliveries(
    hookId: string,
    { limit, offset }: CheckedPage,
  ): Promise<WebhookDelivery[]> {
    if (!(await this.webhooks.findOne({ _id: hookId }))) throw notFound(`no webhook with id ${hookId}`);
    const docs = await this.deliveries
      .find({ hookId })
      .sort({ seq: -1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toDelivery);
  }
}
