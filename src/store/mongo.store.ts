/**
 * The MongoDB store, selected by `MONGODB_URI`: the same semantics as `SqliteStore`, method for
 * method, checked by the same contract suite (test/integration/store.contract.ts).
 *
 * Mongoose owns the connection (pool, reconnection, sessions); the adapter works on the driver's
 * collections under it, because the documents are fixed by this file and validated by `validate.ts`
 * before they are written, which a mongoose schema would only repeat. Every method that the SQLite
 * adapter runs in a transaction runs in a MongoDB transaction here, so MongoDB must be a replica set
 * (a single-node one is enough; see README.md).
 *
 * Names that must be unique without ASCII case (users, people, tokens) carry a `nameKey`, the name
 * with A-Z lowered, under a unique index: the same rule as SQLite's `COLLATE NOCASE`. JSON values
 * (settings, node status, photo quality, correction snapshots) are stored as JSON text, so any
 * JSON value round-trips, including keys MongoDB would refuse (`$x`, `a.b`).
 */
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import {
  correctRecord,
  decideUnknownFace,
  erasureSteps,
  ErrorCode,
  isRollcallError,
  localDay,
  recordSighting,
  RollcallError,
  type AttendanceRecord,
  type AttendanceRules,
  type ErasureStep,
  type DescriptorModel,
  type RecognitionEvent,
  type UnknownFaceDecision,
} from '../core/index.js';
import type {
  AccountsRule,
  AccountsWriteOptions,
  ApiToken,
  AttendanceCorrection,
  AttendanceCorrectionInput,
  AttendanceQuery,
  CorrectionQuery,
  DeletedPerson,
  DeletePersonOptions,
  EventQuery,
  Gallery,
  GalleryChange,
  JsonValue,
  NewApiToken,
  NewPerson,
  NewPhoto,
  NewUser,
  NodeRecord,
  Page,
  PageOptions,
  Person,
  PersonPatch,
  Photo,
  RecordAttendanceResult,
  RecordUnknownFaceResult,
  SetDescriptorsOptions,
  Setting,
  SettingChange,
  Store,
  StoredAttendance,
  StoredDescriptor,
  StoredEvent,
  UnknownFace,
  UnknownFaceQuery,
  UnknownFaceRule,
  UnknownFaceWriteOptions,
  User,
  UserPatch,
} from './store.js';
import {
  checkAttendanceRules,
  checkBoolean,
  checkCorrection,
  checkBytes,
  checkDay,
  checkDescriptors,
  checkModel,
  checkEvent,
  checkEventId,
  checkFileName,
  checkHash,
  checkId,
  checkInstant,
  checkJson,
  checkName,
  checkPage,
  checkRole,
  checkStatus,
  checkText,
  conflict,
  invalid,
  MAX_NOTES_LENGTH,
  notFound,
  toPage,
} from './validate.js';
import { decodeDescriptor, encodeDescriptor } from './descriptor-blob.js';

type Collection<T extends mongoose.mongo.Document> = mongoose.mongo.Collection<T>;
type Session = mongoose.mongo.ClientSession;
type Filter<T> = mongoose.mongo.Filter<T>;
type Bytes = Uint8Array | mongoose.mongo.Binary;

/**
 * The document layout this build writes; a database with a higher one is refused.
 * 2: descriptors carry `model` (those written by layout 1 are face-api's and get it at open).
 */
export const MONGO_SCHEMA_VERSION = 2;

export interface MongoStoreOptions {
  /** `mongodb://` or `mongodb+srv://` URL of a replica set (`MONGODB_URI`). */
  uri: string;
  /** @defaultValue the database named in `uri`, else `rollcall` */
  dbName?: string;
  /** How long to look for a reachable server before an operation fails. @defaultValue 10000 */
  serverSelectionTimeoutMs?: number;
  /** Largest enrollment photo accepted. @defaultValue 10 MiB */
  maxPhotoBytes?: number;
  /** Largest event crop accepted. @defaultValue 4 MiB */
  maxCropBytes?: number;
  /** @defaultValue `() => new Date()` */
  now?: () => Date;
  /** @defaultValue `crypto.randomUUID` */
  newId?: () => string;
}

type Resolved = Required<MongoStoreOptions>;

function resolveOptions(options: MongoStoreOptions): Resolved {
  if (typeof options.uri !== 'string' || !/^mongodb(\+srv)?:\/\//.test(options.uri)) {
    throw invalid('uri must be a mongodb:// or mongodb+srv:// URL');
  }
  const resolved: Resolved = {
    dbName: /^mongodb(?:\+srv)?:\/\/[^/]+\/([^/?]+)/.exec(options.uri)?.[1] ?? 'rollcall',
    serverSelectionTimeoutMs: 10_000,
    maxPhotoBytes: 10 * 1024 * 1024,
    maxCropBytes: 4 * 1024 * 1024,
    now: () => new Date(),
    newId: randomUUID,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    uri: options.uri,
  };
  for (const key of ['serverSelectionTimeoutMs', 'maxPhotoBytes', 'maxCropBytes'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 0)
      throw invalid(`${key} must be a whole number >= 0`);
  }
  return resolved;
}

// ---- documents ----

interface MetaDoc {
  /** `accounts`: a guard every ruled change to the users writes, see `applyAccountsRule`. */
  _id: 'gallery' | 'schema' | 'accounts';
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
  crop: Bytes | null;
}
interface AttendanceDoc extends AttendanceRecord {
  /** `personId/day`: one record per person and local day. */
  _id: string;
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
interface SettingDoc {
  _id: string;
  value: string;
  updatedAt: string;
}

/** SQLite's NOCASE: only A-Z fold. */
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

export class MongoStore implements Store {
  private closed = false;
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

  private constructor(
    private readonly connection: mongoose.Connection,
    db: mongoose.mongo.Db,
    private readonly options: Resolved,
  ) {
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
    // Idempotent; also creates every collection, which a transaction cannot do on older servers.
    await Promise.all([
      this.users.createIndexes([{ key: { nameKey: 1 }, unique: true }]),
      this.tokens.createIndexes([
        { key: { tokenHash: 1 }, unique: true },
        { key: { userId: 1, nameKey: 1 }, unique: true },
      ]),
      this.people.createIndexes([{ key: { nameKey: 1 }, unique: true }]),
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }

  /** Every public method goes through here: closed check and error translation. */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new RollcallError(ErrorCode.StoreClosed, 'the store is closed');
    try {
      return await fn();
    } catch (error) {
      throw translate(error);
    }
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

  createUser(user: NewUser, options?: AccountsWriteOptions): Promise<User> {
    return this.run(async () => {
      const name = checkName(user.name, 'user name');
      const role = checkRole(user.role);
      const passwordHash = checkHash(user.passwordHash, 'password hash');
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
        await this.applyAccountsRule(options?.rule, session, (users) => [...users, toUser(doc)]);
        await this.users.insertOne(doc, { session });
        return toUser(doc);
      });
    });
  }

  getUser(id: string): Promise<User | null> {
    return this.run(async () => {
      const doc = await this.users.findOne({ _id: checkId(id, 'user id') });
      return doc ? toUser(doc) : null;
    });
  }

  getUserByName(name: string): Promise<User | null> {
    return this.run(async () => {
      const doc = await this.users.findOne({ nameKey: nameKey(checkName(name, 'user name')) });
      return doc ? toUser(doc) : null;
    });
  }

  listUsers(page?: PageOptions): Promise<Page<User>> {
    return this.run(async () => {
      const { limit, offset } = checkPage(page);
      const docs = await this.users
        .find({})
        .sort({ nameKey: 1, _id: 1 })
        .skip(offset)
        .limit(limit + 1)
        .toArray();
      return toPage(docs, limit, offset, toUser);
    });
  }

  updateUser(id: string, patch: UserPatch, options?: AccountsWriteOptions): Promise<User> {
    return this.run(async () => {
      checkId(id, 'user id');
      const set: Partial<UserDoc> = {};
      if (patch.role !== undefined) set.role = checkRole(patch.role);
      if (patch.passwordHash !== undefined) set.passwordHash = checkHash(patch.passwordHash, 'password hash');
      if (patch.disabled !== undefined) set.disabled = checkBoolean(patch.disabled, 'disabled');
      return this.write(async (session) => {
        const current = await this.users.findOne({ _id: id }, { session });
        if (!current) throw notFound(`no user with id ${id}`);
        const next: UserDoc = { ...current, ...set };
        await this.applyAccountsRule(options?.rule, session, (users) =>
          users.map((u) => (u.id === id ? toUser(next) : u)),
        );
        if (Object.keys(set).length > 0) await this.users.replaceOne({ _id: id }, next, { session });
        return toUser(next);
      });
    });
  }

  deleteUser(id: string, options?: AccountsWriteOptions): Promise<void> {
    return this.run(async () => {
      checkId(id, 'user id');
      await this.write(async (session) => {
        if (!(await this.users.findOne({ _id: id }, { session }))) throw notFound(`no user with id ${id}`);
        await this.applyAccountsRule(options?.rule, session, (users) => users.filter((u) => u.id !== id));
        await this.users.deleteOne({ _id: id }, { session });
        await this.tokens.deleteMany({ userId: id }, { session });
      });
    });
  }

  // ---- API tokens ----

  createApiToken(token: NewApiToken): Promise<ApiToken> {
    return this.run(async () => {
      const userId = checkId(token.userId, 'user id');
      const name = checkName(token.name, 'token name');
      const tokenHash = checkHash(token.tokenHash, 'token hash');
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
    });
  }

  findApiTokenByHash(tokenHash: string): Promise<ApiToken | null> {
    return this.run(async () => {
      const doc = await this.tokens.findOne({ tokenHash: checkHash(tokenHash, 'token hash') });
      return doc ? toToken(doc) : null;
    });
  }

  listApiTokens(userId: string): Promise<ApiToken[]> {
    return this.run(async () => {
      const docs = await this.tokens
        .find({ userId: checkId(userId, 'user id') })
        .sort({ createdAt: 1, _id: 1 })
        .toArray();
      return docs.map(toToken);
    });
  }

  touchApiToken(id: string, at: string): Promise<void> {
    return this.run(async () => {
      const lastUsedAt = checkInstant(at, 'at');
      const { matchedCount } = await this.tokens.updateOne(
        { _id: checkId(id, 'token id') },
        { $set: { lastUsedAt } },
      );
      if (matchedCount === 0) throw notFound(`no API token with id ${id}`);
    });
  }

  revokeApiToken(id: string): Promise<ApiToken> {
    return this.run(async () => {
      const doc = await this.tokens.findOneAndUpdate(
        { _id: checkId(id, 'token id') },
        { $set: { revoked: true } },
        { returnDocument: 'after' },
      );
      if (!doc) throw notFound(`no API token with id ${id}`);
      return toToken(doc);
    });
  }

  // ---- people ----

  createPerson(person: NewPerson): Promise<{ person: Person } & GalleryChange> {
    return this.run(async () => {
      const name = checkName(person.name, 'person name');
      const notes = checkText(person.notes ?? '', 'notes', MAX_NOTES_LENGTH);
      return this.write(async (session) => {
        if (await this.people.findOne({ nameKey: nameKey(name) }, { session })) {
          throw conflict(`a person named "${name}" already exists`);
        }
        const now = this.nowIso();
        const doc: PersonDoc = {
          _id: this.options.newId(),
          name,
          nameKey: nameKey(name),
          notes,
          createdAt: now,
          updatedAt: now,
        };
        await this.people.insertOne(doc, { session });
        return { person: toPerson(doc), galleryVersion: await this.bumpGallery(session) };
      });
    });
  }

  getPerson(id: string): Promise<Person | null> {
    return this.run(async () => {
      const doc = await this.people.findOne({ _id: checkId(id, 'person id') });
      return doc ? toPerson(doc) : null;
    });
  }

  getPersonByName(name: string): Promise<Person | null> {
    return this.run(async () => {
      const doc = await this.people.findOne({ nameKey: nameKey(checkName(name, 'person name')) });
      return doc ? toPerson(doc) : null;
    });
  }

  listPeople(page?: PageOptions): Promise<Page<Person>> {
    return this.run(async () => {
      const { limit, offset } = checkPage(page);
      const docs = await this.people
        .find({})
        .sort({ nameKey: 1, _id: 1 })
        .skip(offset)
        .limit(limit + 1)
        .toArray();
      return toPage(docs, limit, offset, toPerson);
    });
  }

  updatePerson(id: string, patch: PersonPatch): Promise<{ person: Person } & GalleryChange> {
    return this.run(async () => {
      checkId(id, 'person id');
      const name = patch.name === undefined ? undefined : checkName(patch.name, 'person name');
      const notes = patch.notes === undefined ? undefined : checkText(patch.notes, 'notes', MAX_NOTES_LENGTH);
      return this.write(async (session) => {
        const current = await this.people.findOne({ _id: id }, { session });
        if (!current) throw notFound(`no person with id ${id}`);
        if (
          name !== undefined &&
          (await this.people.findOne({ nameKey: nameKey(name), _id: { $ne: id } }, { session }))
        ) {
          throw conflict(`a person named "${name}" already exists`);
        }
        const next: PersonDoc = {
          ...current,
          name: name ?? current.name,
          nameKey: nameKey(name ?? current.name),
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
    });
  }

  deletePerson(id: string, options?: DeletePersonOptions): Promise<DeletedPerson> {
    return this.run(async () => {
      checkId(id, 'person id');
      const eraseAttendance =
        options?.eraseAttendance === undefined
          ? false
          : checkBoolean(options.eraseAttendance, 'eraseAttendance');
      return this.write(async (session) => {
        if (!(await this.people.findOne({ _id: id }, { session }))) throw notFound(`no person with id ${id}`);
        const erase = {
          descriptors: async () =>
            (await this.descriptors.deleteMany({ personId: id }, { session })).deletedCount,
          photos: async () => (await this.photos.deleteMany({ personId: id }, { session })).deletedCount,
          eventCrops: async () => {
            const assigned = await this.unknownFaces.distinct(
              'eventId',
              { assignedPersonId: id },
              { session },
            );
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
            return (await this.attendance.deleteMany({ personId: id }, { session })).deletedCount;
          },
        } satisfies Record<ErasureStep, () => Promise<number>>;
        const erased = { descriptors: 0, photos: 0, eventCrops: 0, unknownFaces: 0, attendance: 0 };
        for (const step of erasureSteps({ eraseAttendance })) erased[step] = await erase[step]();
        await this.people.deleteOne({ _id: id }, { session });
        return { ...erased, galleryVersion: await this.bumpGallery(session) };
      });
    });
  }

  // ---- photos and descriptors ----

  addPhoto(photo: NewPhoto): Promise<Photo> {
    return this.run(async () => {
      const personId = checkId(photo.personId, 'person id');
      const fileName = checkFileName(photo.fileName);
      const bytes = checkBytes(photo.bytes, 'photo', this.options.maxPhotoBytes);
      const quality = checkJson(photo.quality ?? null, 'quality');
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
    });
  }

  getPhoto(id: string): Promise<Photo | null> {
    return this.run(async () => {
      const doc = await this.photos.findOne({ _id: checkId(id, 'photo id') }, { projection: PHOTO_FIELDS });
      return doc ? toPhoto(doc) : null;
    });
  }

  getPhotoBytes(id: string): Promise<Uint8Array | null> {
    return this.run(async () => {
      const doc = await this.photos.findOne({ _id: checkId(id, 'photo id') }, { projection: { bytes: 1 } });
      return asBytes(doc?.bytes);
    });
  }

  listPhotos(personId: string): Promise<Photo[]> {
    return this.run(async () => {
      const docs = await this.photos
        .find({ personId: checkId(personId, 'person id') }, { projection: PHOTO_FIELDS })
        .sort({ createdAt: 1, _id: 1 })
        .toArray();
      return docs.map(toPhoto);
    });
  }

  setPhotoQuality(id: string, quality: JsonValue): Promise<Photo> {
    return this.run(async () => {
      const text = checkJson(quality, 'quality');
      const doc = await this.photos.findOneAndUpdate(
        { _id: checkId(id, 'photo id') },
        { $set: { quality: text } },
        { returnDocument: 'after', projection: PHOTO_FIELDS },
      );
      if (!doc) throw notFound(`no photo with id ${id}`);
      return toPhoto(doc);
    });
  }

  deletePhoto(id: string): Promise<GalleryChange> {
    return this.run(async () => {
      checkId(id, 'photo id');
      return this.write(async (session) => {
        if ((await this.photos.deleteOne({ _id: id }, { session })).deletedCount === 0) {
          throw notFound(`no photo with id ${id}`);
        }
        await this.descriptors.deleteMany({ photoId: id }, { session });
        return { galleryVersion: await this.bumpGallery(session) };
      });
    });
  }

  setPhotoDescriptors(
    photoId: string,
    model: DescriptorModel,
    descriptors: readonly Float32Array[],
    options: SetDescriptorsOptions = {},
  ): Promise<GalleryChange> {
    return this.run(async () => {
      checkId(photoId, 'photo id');
      checkModel(model);
      const list = checkDescriptors(descriptors, model);
      return this.write(async (session) => {
        const photo = await this.photos.findOne({ _id: photoId }, { session, projection: { personId: 1 } });
        if (!photo) throw notFound(`no photo with id ${photoId}`);
        await this.descriptors.deleteMany({ photoId, model }, { session });
        const now = this.nowIso();
        if (list.length > 0) {
          await this.descriptors.insertMany(
            list.map((d) => ({
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
        const galleryVersion =
          options.bumpGallery === false
            ? ((await this.meta.findOne({ _id: 'gallery' }, { session }))?.version ?? 0)
            : await this.bumpGallery(session);
        return { galleryVersion };
      });
    });
  }

  listDescriptors(personId: string, model?: DescriptorModel): Promise<StoredDescriptor[]> {
    return this.run(async () => {
      const filter: Filter<DescriptorDoc> = { personId: checkId(personId, 'person id') };
      if (model !== undefined) filter.model = checkModel(model);
      const docs = await this.descriptors.find(filter).sort({ createdAt: 1, seq: 1 }).toArray();
      return docs.map((d) => ({
        id: d._id,
        personId: d.personId,
        photoId: d.photoId,
        model: d.model,
        createdAt: d.createdAt,
        descriptor: decodeDescriptor(asBytes(d.descriptor) ?? new Uint8Array(), d.model),
      }));
    });
  }

  listPhotosLackingDescriptors(model: DescriptorModel, page?: PageOptions): Promise<Page<Photo>> {
    return this.run(async () => {
      checkModel(model);
      const { limit, offset } = checkPage(page);
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
      return toPage(docs, limit, offset, toPhoto);
    });
  }

  getGalleryVersion(): Promise<number> {
    return this.run(async () => (await this.meta.findOne({ _id: 'gallery' }))?.version ?? 0);
  }

  bumpGalleryVersion(): Promise<GalleryChange> {
    return this.run(() =>
      this.write(async (session) => ({ galleryVersion: await this.bumpGallery(session) })),
    );
  }

  getGallery(model: DescriptorModel): Promise<Gallery> {
    // A snapshot transaction: the version and the descriptors come from one point in time.
    return this.run(() => {
      checkModel(model);
      return this.write(async (session): Promise<Gallery> => {
        const galleryVersion = (await this.meta.findOne({ _id: 'gallery' }, { session }))?.version ?? 0;
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
    });
  }

  // ---- events and attendance ----

  /** Inserts the event unless its id exists (an upsert: a duplicate key would abort the transaction). */
  private async insertEvent(event: RecognitionEvent, keepCrop: boolean, session: Session): Promise<boolean> {
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
      crop: keepCrop && event.crop ? asBuffer(event.crop) : null,
    };
    const { _id, ...fields } = doc;
    const result = await this.events.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true, session });
    return result.upsertedCount === 1;
  }

  insertEventOnce(event: RecognitionEvent): Promise<boolean> {
    return this.run(async () => {
      const checked = checkEvent(event, this.options.maxCropBytes);
      return this.write(async (session) => {
        // A face of someone already erased is not stored again.
        const keepCrop =
          checked.personId === null ||
          (await this.people.findOne({ _id: checked.personId }, { session })) !== null;
        return this.insertEvent(checked, keepCrop, session);
      });
    });
  }

  recordAttendance(event: RecognitionEvent, rules: AttendanceRules): Promise<RecordAttendanceResult> {
    return this.run(async () => {
      const checked = checkEvent(event, this.options.maxCropBytes);
      checkAttendanceRules(rules);
      const personId = checked.personId;
      if (personId === null)
        throw invalid('an unknown-face event has no person to mark; use recordUnknownFace');
      const day = localDay(checked.at, rules.timeZone);
      return this.write(async (session): Promise<RecordAttendanceResult> => {
        const person = await this.people.findOne({ _id: personId }, { session });
        const existing = await this.attendance.findOne({ _id: attendanceId(personId, day) }, { session });
        const inserted = await this.insertEvent(checked, person !== null, session);
        const { record, write } = recordSighting(
          existing ? toAttendance(existing) : null,
          { personName: person?.name ?? null, newEvent: inserted },
          { personId, at: checked.at, cameraId: checked.cameraId, nodeId: checked.nodeId },
          rules,
        );
        if (write && record) await this.saveAttendance(record, session);
        return { inserted, attendance: record };
      });
    });
  }

  /** Writes a record as the core rules made it, over the one stored for its person and day. */
  private async saveAttendance(record: StoredAttendance, session: Session): Promise<void> {
    const doc: AttendanceDoc = { _id: attendanceId(record.personId, record.day), ...record };
    await this.attendance.replaceOne({ _id: doc._id }, doc, { upsert: true, session });
  }

  recordUnknownFace(event: RecognitionEvent): Promise<RecordUnknownFaceResult> {
    return this.run(async () => {
      const checked = checkEvent(event, this.options.maxCropBytes);
      if (checked.type !== 'unknown' || checked.personId !== null) {
        throw invalid('only an unknown-face event (type "unknown", no personId) opens an unknown face');
      }
      return this.write(async (session): Promise<RecordUnknownFaceResult> => {
        const inserted = await this.insertEvent(checked, true, session);
        if (inserted) {
          // A candidate erased (or never known here) before the event arrived is not kept.
          const candidate = checked.candidate ?? null;
          const known =
            candidate !== null &&
            (await this.people.findOne({ _id: candidate.personId }, { session })) !== null;
          await this.unknownFaces.insertOne(
            {
              _id: this.options.newId(),
              eventId: checked.id,
              at: checked.at,
              cameraId: checked.cameraId,
              nodeId: checked.nodeId,
              status: 'open',
              assignedPersonId: null,
              decidedAt: null,
              unconfirmed: checked.unconfirmed === true,
              candidatePersonId: known ? candidate.personId : null,
              candidateDistance: known ? candidate.distance : null,
            },
            { session },
          );
        }
        const face = await this.unknownFaces.findOne({ eventId: checked.id }, { session });
        // The event was stored before, through insertEventOnce, without a face to review.
        if (!face) throw conflict(`event ${checked.id} is already stored and is not an open unknown face`);
        return {
          inserted,
          face: toUnknownFace(
            face,
            await this.hasCrop(face.eventId, session),
            await this.candidateNames([face], session),
          ),
        };
      });
    });
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

  getEvent(id: string): Promise<StoredEvent | null> {
    return this.run(async () => {
      const [event] = await this.findEvents({ _id: checkEventId(id) }, 0, 1);
      return event ?? null;
    });
  }

  getEventCrop(id: string): Promise<Uint8Array | null> {
    return this.run(async () => {
      const doc = await this.events.findOne({ _id: checkEventId(id) }, { projection: { crop: 1 } });
      return asBytes(doc?.crop);
    });
  }

  listEvents(query?: EventQuery): Promise<Page<StoredEvent>> {
    return this.run(async () => {
      const { limit, offset } = checkPage(query);
      const filter: Filter<EventDoc> = {};
      const at: { $gte?: string; $lt?: string } = {};
      if (query?.from !== undefined) at.$gte = checkInstant(query.from, 'from');
      if (query?.to !== undefined) at.$lt = checkInstant(query.to, 'to');
      if (Object.keys(at).length > 0) filter.at = at;
      if (query?.personId !== undefined) filter.personId = checkId(query.personId, 'person id');
      if (query?.type !== undefined) {
        if (!['recognized', 'sighting', 'unknown'].includes(query.type)) throw invalid('unknown event type');
        filter.type = query.type;
      }
      const events = await this.findEvents(filter, offset, limit + 1);
      return toPage(events, limit, offset, (e) => e);
    });
  }

  pruneEventCrops(before: string): Promise<number> {
    return this.run(async () => {
      const cutoff = checkInstant(before, 'before');
      return this.write(async (session) => {
        const open = await this.unknownFaces.distinct('eventId', { status: 'open' }, { session });
        const { modifiedCount } = await this.events.updateMany(
          { at: { $lt: cutoff }, crop: { $ne: null }, _id: { $nin: open } },
          { $set: { crop: null } },
          { session },
        );
        return modifiedCount;
      });
    });
  }

  getAttendance(personId: string, day: string): Promise<StoredAttendance | null> {
    return this.run(async () => {
      const doc = await this.attendance.findOne({
        _id: attendanceId(checkId(personId, 'person id'), checkDay(day)),
      });
      return doc ? toAttendance(doc) : null;
    });
  }

  listAttendance(query: AttendanceQuery): Promise<Page<StoredAttendance>> {
    return this.run(async () => {
      const { limit, offset } = checkPage(query);
      const from = checkDay(query.from, 'from');
      const to = query.to === undefined ? from : checkDay(query.to, 'to');
      if (to < from) throw invalid(`to (${to}) is before from (${from})`);
      const filter: Filter<AttendanceDoc> = { day: { $gte: from, $lte: to } };
      if (query.personId !== undefined) filter.personId = checkId(query.personId, 'person id');
      const docs = await this.attendance
        .find(filter)
        .sort({ day: 1, firstSeen: 1, personId: 1 })
        .skip(offset)
        .limit(limit + 1)
        .toArray();
      return toPage(docs, limit, offset, toAttendance);
    });
  }

  correctAttendance(correction: AttendanceCorrectionInput): Promise<AttendanceCorrection> {
    return this.run(async () => {
      const { personId, day, by, reason, times } = checkCorrection(correction);
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
    });
  }

  listCorrections(query?: CorrectionQuery): Promise<Page<AttendanceCorrection>> {
    return this.run(async () => {
      const { limit, offset } = checkPage(query);
      const filter: Filter<CorrectionDoc> = {};
      if (query?.personId !== undefined) filter.personId = checkId(query.personId, 'person id');
      const day: { $gte?: string; $lte?: string } = {};
      if (query?.from !== undefined) day.$gte = checkDay(query.from, 'from');
      if (query?.to !== undefined) day.$lte = checkDay(query.to, 'to');
      if (Object.keys(day).length > 0) filter.day = day;
      const docs = await this.corrections
        .find(filter)
        .sort({ at: 1, seq: 1 })
        .skip(offset)
        .limit(limit + 1)
        .toArray();
      return toPage(docs, limit, offset, toCorrection);
    });
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

  getUnknownFace(id: string): Promise<UnknownFace | null> {
    return this.run(async () => {
      const face = await this.unknownFaces.findOne({ _id: checkId(id, 'unknown face id') });
      return face
        ? toUnknownFace(face, await this.hasCrop(face.eventId), await this.candidateNames([face]))
        : null;
    });
  }

  getUnknownFaceCrop(id: string): Promise<Uint8Array | null> {
    return this.run(async () => {
      const face = await this.unknownFaces.findOne({ _id: checkId(id, 'unknown face id') });
      if (!face) return null;
      const event = await this.events.findOne({ _id: face.eventId }, { projection: { crop: 1 } });
      return asBytes(event?.crop);
    });
  }

  listUnknownFaces(query?: UnknownFaceQuery): Promise<Page<UnknownFace>> {
    return this.run(async () => {
      const { limit, offset } = checkPage(query);
      const status = query?.status === undefined ? null : checkStatus(query.status);
      const docs = await this.unknownFaces
        .find(status === null ? {} : { status })
        .sort({ at: -1, _id: -1 })
        .skip(offset)
        .limit(limit + 1)
        .toArray();
      const withCrop = new Set(
        await this.events.distinct('_id', {
          _id: { $in: docs.map((d) => d.eventId) },
          crop: { $ne: null },
        }),
      );
      const names = await this.candidateNames(docs);
      return toPage(docs, limit, offset, (d) => toUnknownFace(d, withCrop.has(d.eventId), names));
    });
  }

  /**
   * Writes a decision on a face if `rule` (core `decideUnknownFace` by default) says so. Two
   * decisions on one face both write its document, so the later transaction conflicts and is
   * retried, and its rule then sees the first decision.
   */
  private decideUnknownFace(
    id: string,
    decision: UnknownFaceDecision,
    rule: UnknownFaceRule = decideUnknownFace,
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
      if (personId !== null && !(await this.people.findOne({ _id: personId }, { session }))) {
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

  assignUnknownFace(id: string, personId: string, options?: UnknownFaceWriteOptions): Promise<UnknownFace> {
    return this.run(() =>
      this.decideUnknownFace(
        checkId(id, 'unknown face id'),
        { status: 'assigned', personId: checkId(personId, 'person id') },
        options?.rule,
      ),
    );
  }

  dismissUnknownFace(id: string, options?: UnknownFaceWriteOptions): Promise<UnknownFace> {
    return this.run(() =>
      this.decideUnknownFace(checkId(id, 'unknown face id'), { status: 'dismissed' }, options?.rule),
    );
  }

  reopenUnknownFace(id: string, undo: { personId: string; decidedAt: string }): Promise<UnknownFace> {
    return this.run(() =>
      this.decideUnknownFace(checkId(id, 'unknown face id'), {
        status: 'open',
        undo: {
          personId: checkId(undo.personId, 'person id'),
          decidedAt: checkInstant(undo.decidedAt, 'decidedAt'),
        },
      }),
    );
  }

  // ---- nodes and settings ----

  upsertNode(node: NodeRecord): Promise<NodeRecord> {
    return this.run(async () => {
      const id = checkId(node.id, 'node id');
      const lastSeen = checkInstant(node.lastSeen, 'lastSeen');
      const status = checkJson(node.status, 'status');
      await this.nodes.replaceOne({ _id: id }, { lastSeen, status }, { upsert: true });
      return { id, lastSeen, status: JSON.parse(status) as JsonValue };
    });
  }

  getNode(id: string): Promise<NodeRecord | null> {
    return this.run(async () => {
      const doc = await this.nodes.findOne({ _id: checkId(id, 'node id') });
      return doc
        ? { id: doc._id, lastSeen: doc.lastSeen, status: JSON.parse(doc.status) as JsonValue }
        : null;
    });
  }

  listNodes(): Promise<NodeRecord[]> {
    return this.run(async () => {
      const docs = await this.nodes.find({}).sort({ _id: 1 }).toArray();
      return docs.map((doc) => ({
        id: doc._id,
        lastSeen: doc.lastSeen,
        status: JSON.parse(doc.status) as JsonValue,
      }));
    });
  }

  deleteNode(id: string): Promise<void> {
    return this.run(async () => {
      if ((await this.nodes.deleteOne({ _id: checkId(id, 'node id') })).deletedCount === 0) {
        throw notFound(`no node with id ${id}`);
      }
    });
  }

  getSetting(key: string): Promise<Setting | null> {
    return this.run(async () => {
      const doc = await this.settings.findOne({ _id: checkId(key, 'setting key') });
      return doc
        ? { key: doc._id, value: JSON.parse(doc.value) as JsonValue, updatedAt: doc.updatedAt }
        : null;
    });
  }

  setSetting(key: string, value: JsonValue): Promise<Setting> {
    return this.run(async () => {
      checkId(key, 'setting key');
      const text = checkJson(value, 'setting value');
      const updatedAt = this.nowIso();
      await this.settings.replaceOne({ _id: key }, { value: text, updatedAt }, { upsert: true });
      return { key, value: JSON.parse(text) as JsonValue, updatedAt };
    });
  }

  updateSetting(key: string, change: SettingChange): Promise<Setting> {
    return this.run(async () => {
      checkId(key, 'setting key');
      // Two saves write one document: the later transaction conflicts, is retried and reads the first.
      return this.write(async (session) => {
        const doc = await this.settings.findOne({ _id: key }, { session });
        const text = checkJson(change(doc ? (JSON.parse(doc.value) as JsonValue) : null), 'setting value');
        const updatedAt = this.nowIso();
        await this.settings.replaceOne({ _id: key }, { value: text, updatedAt }, { session, upsert: true });
        return { key, value: JSON.parse(text) as JsonValue, updatedAt };
      });
    });
  }

  listSettings(): Promise<Setting[]> {
    return this.run(async () => {
      const docs = await this.settings.find({}).sort({ _id: 1 }).toArray();
      return docs.map((doc) => ({
        key: doc._id,
        value: JSON.parse(doc.value) as JsonValue,
        updatedAt: doc.updatedAt,
      }));
    });
  }

  deleteSetting(key: string): Promise<void> {
    return this.run(async () => {
      if ((await this.settings.deleteOne({ _id: checkId(key, 'setting key') })).deletedCount === 0) {
        throw notFound(`no setting ${key}`);
      }
    });
  }
}
