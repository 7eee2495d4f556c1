/**
 * The default store: one SQLite file under `DATA_DIR` through better-sqlite3.
 *
 * better-sqlite3 is synchronous; each `do…` method runs its statements (one transaction where it
 * writes more than one row) and returns its result, which `CheckedStore` (the checked edge every
 * adapter extends) hands callers as a promise, so they see the same async `Store` as any other
 * adapter. Queries are short and indexed, so blocking the event loop for them is cheaper than a
 * thread hop.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  correctRecord,
  ErrorCode,
  isRollcallError,
  recordSighting,
  RollcallError,
  deletedPersonName,
  type CameraSeen,
  type ErasureStep,
  type DescriptorModel,
  type GroupSession,
  type RecognitionEvent,
  type UnknownFaceDecision,
  type UnknownFaceStatus,
  type Visit,
  type WebhookDeliveryType,
  type WebhookEventType,
} from '../core/index.js';
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
import { migrate } from './sqlite.migrations.js';
import { resolveStoreOptions, type StoreOptions } from './store-options.js';
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
import { decodeDescriptor, encodeDescriptor } from './descriptor-blob.js';

export const SQLITE_FILE_NAME = 'rollcall.db';

export interface SqliteStoreOptions extends StoreOptions {
  /** Directory of the database file; created when missing. */
  dataDir: string;
  /** @defaultValue {@link SQLITE_FILE_NAME} */
  fileName?: string;
  /**
   * How long a statement waits for another connection's write lock (the CLI and the server share
   * the file) before failing with `STORE_FAILED`.
   * @defaultValue 5000
   */
  busyTimeoutMs?: number;
}

type Resolved = Required<SqliteStoreOptions>;

function resolveOptions(options: SqliteStoreOptions): Resolved {
  const resolved = resolveStoreOptions(
    options,
    { dataDir: options.dataDir, fileName: SQLITE_FILE_NAME, busyTimeoutMs: 5000 },
    ['busyTimeoutMs'],
  );
  if (typeof resolved.dataDir !== 'string' || resolved.dataDir.length === 0) {
    throw invalid('dataDir must be a directory path');
  }
  if (resolved.fileName !== path.basename(resolved.fileName) || resolved.fileName.length === 0) {
    throw invalid('fileName must be a file name, not a path');
  }
  return resolved;
}

// ---- rows as SQLite returns them ----

interface UserRow {
  id: string;
  name: string;
  role: 'admin' | 'viewer';
  password_hash: string;
  created_at: string;
  disabled: number;
}
interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked: number;
}
interface PersonRow {
  id: string;
  name: string;
  external_id: string | null;
  notes: string;
  created_at: string;
  updated_at: string;
}
interface GroupRow {
  id: string;
  name: string;
  notes: string;
  min_attendance_rate: number | null;
  created_at: string;
  updated_at: string;
}
interface GroupSessionRow {
  id: string;
  group_id: string;
  definition: string;
  created_at: string;
  updated_at: string;
}
interface ExcuseRow {
  id: string;
  session_id: string;
  person_id: string;
  day: string;
  reason: string;
  by_whom: string;
  at: string;
}
interface PhotoRow {
  id: string;
  person_id: string;
  file_name: string;
  byte_length: number;
  quality: string;
  created_at: string;
}
interface DescriptorRow {
  id: string;
  person_id: string;
  photo_id: string;
  model: DescriptorModel;
  created_at: string;
  descriptor: Buffer;
}
interface EventRow {
  id: string;
  type: RecognitionEvent['type'];
  node_id: string;
  camera_id: string;
  track_id: string;
  person_id: string | null;
  distance: number | null;
  thresholds: string;
  votes: number | null;
  at: string;
  box: string;
  frame_width: number;
  frame_height: number;
  model: string;
  backend: string;
  received_at: string;
  node_at: string | null;
  has_crop: number;
}
interface AttendanceRow {
  person_id: string;
  day: string;
  person_name: string;
  first_seen: string;
  last_seen: string;
  first_camera_id: string;
  last_camera_id: string;
  node_id: string;
  event_count: number;
  corrected: number;
  visits: string | null;
  cameras: string | null;
}
interface CorrectionRow {
  id: string;
  person_id: string;
  day: string;
  by_whom: string;
  reason: string;
  at: string;
  before: string | null;
  after: string | null;
}
interface NodeRow {
  id: string;
  last_seen: string;
  status: string;
}
interface SettingRow {
  key: string;
  value: string;
  updated_at: string;
}
interface UnknownFaceRow {
  id: string;
  event_id: string;
  at: string;
  camera_id: string;
  node_id: string;
  status: UnknownFace['status'];
  assigned_person_id: string | null;
  decided_at: string | null;
  has_crop: number;
  unconfirmed: number;
  candidate_person_id: string | null;
  candidate_name: string | null;
  candidate_distance: number | null;
}

interface WebhookRow {
  id: string;
  url: string;
  events: string;
  secret: string;
  active: number;
  description: string;
  created_at: string;
  updated_at: string;
}
interface WebhookEventRow {
  id: string;
  type: WebhookEventType;
  created_at: string;
  data: string;
  dispatched_at: string | null;
}
interface DeliveryRow {
  id: string;
  hook_id: string;
  event_id: string;
  event_type: WebhookDeliveryType;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  at: string;
}

const EVENT_COLUMNS = `id, type, node_id, camera_id, track_id, person_id, distance, thresholds, votes, at, box,
  frame_width, frame_height, model, backend, received_at, node_at, crop IS NOT NULL AS has_crop`;
const PHOTO_COLUMNS = 'id, person_id, file_name, byte_length, quality, created_at';
const UNKNOWN_COLUMNS = `u.id, u.event_id, u.at, u.camera_id, u.node_id, u.status, u.assigned_person_id,
  u.decided_at, e.crop IS NOT NULL AS has_crop, u.unconfirmed, u.candidate_person_id, u.candidate_distance,
  (SELECT name FROM people WHERE id = u.candidate_person_id) AS candidate_name`;

const toUser = (r: UserRow): User => ({
  id: r.id,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
  disabled: r.disabled !== 0,
});
const toToken = (r: TokenRow): ApiToken => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revoked: r.revoked !== 0,
});
const toPerson = (r: PersonRow): Person => ({
  id: r.id,
  name: r.name,
  externalId: r.external_id,
  notes: r.notes,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toGroup = (r: GroupRow): Group => ({
  id: r.id,
  name: r.name,
  notes: r.notes,
  minAttendanceRate: r.min_attendance_rate,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toGroupSession = (r: GroupSessionRow): StoredGroupSession => ({
  ...(JSON.parse(r.definition) as GroupSession),
  id: r.id,
  groupId: r.group_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toExcuse = (r: ExcuseRow): SessionExcuse => ({
  id: r.id,
  sessionId: r.session_id,
  personId: r.person_id,
  day: r.day,
  reason: r.reason,
  by: r.by_whom,
  at: r.at,
});
const toPhoto = (r: PhotoRow): Photo => ({
  id: r.id,
  personId: r.person_id,
  fileName: r.file_name,
  byteLength: r.byte_length,
  quality: JSON.parse(r.quality) as JsonValue,
  createdAt: r.created_at,
});
const toEvent = (r: EventRow): StoredEvent => ({
  id: r.id,
  type: r.type,
  nodeId: r.node_id,
  cameraId: r.camera_id,
  trackId: r.track_id,
  personId: r.person_id,
  distance: r.distance,
  thresholds: JSON.parse(r.thresholds) as StoredEvent['thresholds'],
  votes: r.votes,
  at: r.at,
  box: JSON.parse(r.box) as StoredEvent['box'],
  frameWidth: r.frame_width,
  frameHeight: r.frame_height,
  model: r.model,
  backend: r.backend,
  hasCrop: r.has_crop !== 0,
  receivedAt: r.received_at,
  ...(r.node_at === null ? {} : { nodeAt: r.node_at }),
});
const toAttendance = (r: AttendanceRow): StoredAttendance => ({
  personId: r.person_id,
  day: r.day,
  personName: r.person_name,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  firstCameraId: r.first_camera_id,
  lastCameraId: r.last_camera_id,
  nodeId: r.node_id,
  eventCount: r.event_count,
  visits: r.visits === null ? null : (JSON.parse(r.visits) as Visit[]),
  cameras: r.cameras === null ? null : (JSON.parse(r.cameras) as Record<string, CameraSeen>),
  corrected: r.corrected !== 0,
});
const toCorrection = (r: CorrectionRow): AttendanceCorrection => ({
  id: r.id,
  personId: r.person_id,
  day: r.day,
  by: r.by_whom,
  reason: r.reason,
  at: r.at,
  before: r.before === null ? null : (JSON.parse(r.before) as StoredAttendance),
  after: r.after === null ? null : (JSON.parse(r.after) as StoredAttendance),
});
const toUnknownFace = (r: UnknownFaceRow): UnknownFace => ({
  id: r.id,
  eventId: r.event_id,
  at: r.at,
  cameraId: r.camera_id,
  nodeId: r.node_id,
  hasCrop: r.has_crop !== 0,
  status: r.status,
  assignedPersonId: r.assigned_person_id,
  decidedAt: r.decided_at,
  unconfirmed: r.unconfirmed !== 0,
  candidate:
    r.candidate_person_id !== null && r.candidate_name !== null && r.candidate_distance !== null
      ? { personId: r.candidate_person_id, name: r.candidate_name, distance: r.candidate_distance }
      : null,
});

const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id,
  url: r.url,
  events: JSON.parse(r.events) as WebhookEventType[],
  secret: r.secret,
  active: r.active !== 0,
  description: r.description,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toWebhookEvent = (r: WebhookEventRow): StoredWebhookEvent => ({
  id: r.id,
  type: r.type,
  createdAt: r.created_at,
  data: JSON.parse(r.data) as JsonValue,
  dispatchedAt: r.dispatched_at,
});
const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  id: r.id,
  hookId: r.hook_id,
  eventId: r.event_id,
  eventType: r.event_type,
  attempt: r.attempt,
  statusCode: r.status_code,
  error: r.error,
  durationMs: r.duration_ms,
  at: r.at,
});

const toNode = (r: NodeRow): NodeRecord => ({
  id: r.id,
  lastSeen: r.last_seen,
  status: JSON.parse(r.status) as JsonValue,
});
const toSetting = (r: SettingRow): Setting => ({
  key: r.key,
  value: JSON.parse(r.value) as JsonValue,
  updatedAt: r.updated_at,
});

/** better-sqlite3 binds Buffers; this views a Uint8Array as one without copying. */
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
/** Callers get plain Uint8Arrays (what the interface promises), viewing the Buffer SQLite returned. */
const asBytes = (buffer: Buffer | null | undefined): Uint8Array | null =>
  buffer ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : null;

/** Maps what SQLite throws to the catalog; a RollcallError passes through. */
function translate(error: unknown): RollcallError {
  if (isRollcallError(error)) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new RollcallError(ErrorCode.StoreConflict, `already exists (${message})`, { cause: error });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new RollcallError(ErrorCode.StoreNotFound, 'a record it refers to does not exist', {
      cause: error,
    });
  }
  if (code === 'SQLITE_FULL') {
    return new RollcallError(
      ErrorCode.DiskFull,
      'the disk holding the database is full: nothing was stored. Free space under DATA_DIR; ' +
        'what was stored before is intact, and writes work again as soon as there is room',
      { cause: error },
    );
  }
  if (code === 'SQLITE_BUSY') {
    return new RollcallError(
      ErrorCode.StoreFailed,
      `the database stayed locked by another process: ${message}`,
      {
        cause: error,
      },
    );
  }
  return new RollcallError(ErrorCode.StoreFailed, `SQLite failed: ${message}`, { cause: error });
}

export class SqliteStore extends CheckedStore {
  /** The database file. */
  readonly file: string;
  private readonly db: Database.Database;
  private readonly options: Resolved;
  /**
   * Compiled statements by SQL text: better-sqlite3 compiles on every `prepare`, and events arrive
   * many a second.
   */
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(db: Database.Database, file: string, options: Resolved) {
    super(options);
    this.db = db;
    this.file = file;
    this.options = options;
  }

  /**
   * Opens (creating when missing) the database under `dataDir` and migrates it.
   *
   * @throws RollcallError `STORE_SCHEMA_TOO_NEW` for a file from a newer Rollcall,
   *   `STORE_UNAVAILABLE` when the file cannot be opened or is not a database.
   */
  static open(options: SqliteStoreOptions): Promise<SqliteStore> {
    let db: Database.Database | undefined;
    try {
      const resolved = resolveOptions(options);
      mkdirSync(resolved.dataDir, { recursive: true });
      const file = path.join(resolved.dataDir, resolved.fileName);
      db = new Database(file);
      // WAL lets the web node read while a training job writes. synchronous=FULL because the web
      // node acknowledges an event to its node once stored: NORMAL could lose a committed
      // transaction on power loss, and the node would have already forgotten the event.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma(`busy_timeout = ${resolved.busyTimeoutMs}`);
      db.pragma('foreign_keys = ON');
      migrate(db, resolved.now);
      return Promise.resolve(new SqliteStore(db, file, resolved));
    } catch (error) {
      db?.close();
      if (isRollcallError(error)) return Promise.reject(error);
      const code = (error as { code?: unknown }).code;
      const message = error instanceof Error ? error.message : String(error);
      return Promise.reject(
        new RollcallError(
          ErrorCode.StoreUnavailable,
          `cannot open the SQLite store under ${options.dataDir}: ${message}` +
            (code === 'SQLITE_NOTADB' ? ' (the file is not a Rollcall database)' : ''),
          { cause: error },
        ),
      );
    }
  }

  protected release(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }

  protected translate(error: unknown): RollcallError {
    return translate(error);
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** A write transaction that takes the lock up front, so read-then-write cannot race another connection. */
  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private nowIso(): string {
    return this.options.now().toISOString();
  }

  private galleryVersion(): number {
    return (this.sql('SELECT version FROM gallery WHERE id = 1').get() as { version: number }).version;
  }

  private bumpGallery(): number {
    const row = this.sql('UPDATE gallery SET version = version + 1 WHERE id = 1 RETURNING version').get() as {
      version: number;
    };
    return row.version;
  }

  // ---- users ----

  /** Runs a caller's accounts rule over every account before and after a change, in the write. */
  private applyAccountsRule(rule: AccountsRule | undefined, after: (users: User[]) => User[]): void {
    if (rule === undefined) return;
    const before = (this.sql('SELECT * FROM users ORDER BY id').all() as UserRow[]).map(toUser);
    rule({ before, after: after(before) });
  }

  protected doCreateUser({ name, role, passwordHash }: NewUser, rule: AccountsRule | undefined): User {
    return this.write(() => {
      if (this.sql('SELECT 1 FROM users WHERE name = ?').get(name)) {
        throw conflict(`a user named "${name}" already exists`);
      }
      const created: User = {
        id: this.options.newId(),
        name,
        role,
        passwordHash,
        createdAt: this.nowIso(),
        disabled: false,
      };
      this.applyAccountsRule(rule, (users) => [...users, created]);
      const row = this.sql(
        'INSERT INTO users (id, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *',
      ).get(created.id, name, role, passwordHash, created.createdAt) as UserRow;
      return toUser(row);
    });
  }

  protected doGetUser(id: string): User | null {
    const row = this.sql('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  protected doGetUserByName(name: string): User | null {
    const row = this.sql('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  protected doListUsers({ limit, offset }: CheckedPage): User[] {
    const rows = this.sql('SELECT * FROM users ORDER BY name, id LIMIT ? OFFSET ?').all(
      limit + 1,
      offset,
    ) as UserRow[];
    return rows.map(toUser);
  }

  protected doUpdateUser(id: string, set: UserPatch, rule: AccountsRule | undefined): User {
    return this.write(() => {
      const current = this.sql('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
      if (!current) throw notFound(`no user with id ${id}`);
      const next: User = { ...toUser(current), ...set };
      this.applyAccountsRule(rule, (users) => users.map((u) => (u.id === id ? next : u)));
      const row = this.sql(
        'UPDATE users SET role = ?, password_hash = ?, disabled = ? WHERE id = ? RETURNING *',
      ).get(next.role, next.passwordHash, next.disabled ? 1 : 0, id) as UserRow;
      return toUser(row);
    });
  }

  protected doDeleteUser(id: string, rule: AccountsRule | undefined): void {
    this.write(() => {
      if (!this.sql('SELECT 1 FROM users WHERE id = ?').get(id)) throw notFound(`no user with id ${id}`);
      this.applyAccountsRule(rule, (users) => users.filter((u) => u.id !== id));
      this.sql('DELETE FROM users WHERE id = ?').run(id);
    });
  }

  // ---- API tokens ----

  protected doCreateApiToken({ userId, name, tokenHash }: NewApiToken): ApiToken {
    return this.write(() => {
      if (!this.sql('SELECT 1 FROM users WHERE id = ?').get(userId)) {
        throw notFound(`no user with id ${userId}`);
      }
      if (this.sql('SELECT 1 FROM api_tokens WHERE user_id = ? AND name = ?').get(userId, name)) {
        throw conflict(`the user already has a token named "${name}"`);
      }
      if (this.sql('SELECT 1 FROM api_tokens WHERE token_hash = ?').get(tokenHash)) {
        throw conflict('a token with this hash already exists');
      }
      const row = this.sql(
        'INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *',
      ).get(this.options.newId(), userId, name, tokenHash, this.nowIso()) as TokenRow;
      return toToken(row);
    });
  }

  protected doFindApiTokenByHash(tokenHash: string): ApiToken | null {
    const row = this.sql('SELECT * FROM api_tokens WHERE token_hash = ?').get(tokenHash) as
      TokenRow | undefined;
    return row ? toToken(row) : null;
  }

  protected doListApiTokens(userId: string): ApiToken[] {
    const rows = this.sql('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at, id').all(
      userId,
    ) as TokenRow[];
    return rows.map(toToken);
  }

  protected doTouchApiToken(id: string, at: string): boolean {
    return this.sql('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id).changes > 0;
  }

  protected doRevokeApiToken(id: string): ApiToken | null {
    const row = this.sql('UPDATE api_tokens SET revoked = 1 WHERE id = ? RETURNING *').get(id) as
      TokenRow | undefined;
    return row ? toToken(row) : null;
  }

  // ---- people ----

  protected doCreatePerson({
    name,
    externalId,
    notes,
  }: Required<NewPerson>): { person: Person } & GalleryChange {
    return this.write(() => {
      this.refuseTakenExternalId(externalId, null);
      const now = this.nowIso();
      const row = this.sql(
        `INSERT INTO people (id, name, external_id, notes, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
      ).get(this.options.newId(), name, externalId, notes, now, now) as PersonRow;
      return { person: toPerson(row), galleryVersion: this.bumpGallery() };
    });
  }

  /** Names may repeat; an external id may not (checked here for a message that names it). */
  private refuseTakenExternalId(externalId: string | null | undefined, ownId: string | null): void {
    if (externalId === null || externalId === undefined) return;
    const holder = this.sql('SELECT name FROM people WHERE external_id = ? AND id IS NOT ?').get(
      externalId,
      ownId,
    ) as { name: string } | undefined;
    if (holder) throw conflict(`the external id "${externalId}" is already ${holder.name}'s`);
  }

  protected doGetPerson(id: string): Person | null {
    const row = this.sql('SELECT * FROM people WHERE id = ?').get(id) as PersonRow | undefined;
    return row ? toPerson(row) : null;
  }

  protected doGetPersonByName(name: string): Person | null {
    return this.doFindPeopleByName(name, 1)[0] ?? null;
  }

  protected doFindPeopleByName(name: string, limit: number): Person[] {
    const rows = this.sql('SELECT * FROM people WHERE name = ? ORDER BY created_at, rowid LIMIT ?').all(
      name,
      limit,
    ) as PersonRow[];
    return rows.map(toPerson);
  }

  protected doGetPersonByExternalId(externalId: string): Person | null {
    const row = this.sql('SELECT * FROM people WHERE external_id = ?').get(externalId) as
      PersonRow | undefined;
    return row ? toPerson(row) : null;
  }

  protected doListPeople({ limit, offset }: CheckedPage): Person[] {
    const rows = this.sql('SELECT * FROM people ORDER BY name, created_at, rowid LIMIT ? OFFSET ?').all(
      limit + 1,
      offset,
    ) as PersonRow[];
    return rows.map(toPerson);
  }

  protected doUpdatePerson(
    id: string,
    { name, externalId, notes }: PersonPatch,
  ): { person: Person } & GalleryChange {
    return this.write(() => {
      const current = this.sql('SELECT * FROM people WHERE id = ?').get(id) as PersonRow | undefined;
      if (!current) throw notFound(`no person with id ${id}`);
      this.refuseTakenExternalId(externalId, id);
      const row = this.sql(
        'UPDATE people SET name = ?, external_id = ?, notes = ?, updated_at = ? WHERE id = ? RETURNING *',
      ).get(
        name ?? current.name,
        externalId === undefined ? current.external_id : externalId,
        notes ?? current.notes,
        this.nowIso(),
        id,
      ) as PersonRow;
      // Reports show the current name while the person exists.
      if (name !== undefined) {
        this.sql('UPDATE attendance SET person_name = ? WHERE person_id = ?').run(name, id);
      }
      return { person: toPerson(row), galleryVersion: this.bumpGallery() };
    });
  }

  protected doDeletePerson(id: string, steps: readonly ErasureStep[]): DeletedPerson {
    return this.write(() => {
      if (!this.sql('SELECT 1 FROM people WHERE id = ?').get(id)) throw notFound(`no person with id ${id}`);
      let anonymisedAs: string | null = null;
      const erase = {
        descriptors: () => this.sql('DELETE FROM descriptors WHERE person_id = ?').run(id).changes,
        photos: () => this.sql('DELETE FROM photos WHERE person_id = ?').run(id).changes,
        eventCrops: () =>
          this.sql(
            `UPDATE events SET crop = NULL WHERE crop IS NOT NULL AND (person_id = @id
               OR id IN (SELECT event_id FROM unknown_faces WHERE assigned_person_id = @id))`,
          ).run({ id }).changes,
        unknownFaces: () => {
          this.sql(
            'UPDATE unknown_faces SET candidate_person_id = NULL, candidate_distance = NULL WHERE candidate_person_id = ?',
          ).run(id);
          return this.sql('DELETE FROM unknown_faces WHERE assigned_person_id = ?').run(id).changes;
        },
        attendance: () => {
          this.sql('DELETE FROM attendance_corrections WHERE person_id = ?').run(id);
          this.sql('DELETE FROM session_excuses WHERE person_id = ?').run(id);
          return this.sql('DELETE FROM attendance WHERE person_id = ?').run(id).changes;
        },
        anonymiseAttendance: () => {
          const { number } = this.sql(
            `INSERT INTO deleted_people (number, person_id, deleted_at)
               VALUES ((SELECT coalesce(max(number), 0) + 1 FROM deleted_people), ?, ?) RETURNING number`,
          ).get(id, this.nowIso()) as { number: number };
          const name = deletedPersonName(number);
          anonymisedAs = name;
          // The corrections' snapshots carry the name too; they are JSON text (or NULL).
          this.sql(
            `UPDATE attendance_corrections SET
               before = CASE WHEN before IS NULL THEN NULL ELSE json_set(before, '$.personName', @name) END,
               after = CASE WHEN after IS NULL THEN NULL ELSE json_set(after, '$.personName', @name) END
             WHERE person_id = @id`,
          ).run({ id, name });
          return this.sql('UPDATE attendance SET person_name = ? WHERE person_id = ?').run(name, id).changes;
        },
      } satisfies Record<ErasureStep, () => number>;
      const erased = { descriptors: 0, photos: 0, eventCrops: 0, unknownFaces: 0, attendance: 0 };
      for (const step of steps) {
        erased[step === 'anonymiseAttendance' ? 'attendance' : step] = erase[step]();
      }
      this.sql('DELETE FROM people WHERE id = ?').run(id);
      return { ...erased, anonymisedAs, galleryVersion: this.bumpGallery() };
    });
  }

  // ---- photos and descriptors ----

  protected doAddPhoto({ personId, fileName, bytes, quality }: CheckedPhoto): Photo {
    return this.write(() => {
      if (!this.sql('SELECT 1 FROM people WHERE id = ?').get(personId)) {
        throw notFound(`no person with id ${personId}`);
      }
      const row = this.sql(
        `INSERT INTO photos (id, person_id, file_name, byte_length, quality, created_at, bytes)
           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ${PHOTO_COLUMNS}`,
      ).get(
        this.options.newId(),
        personId,
        fileName,
        bytes.byteLength,
        quality,
        this.nowIso(),
        asBuffer(bytes),
      ) as PhotoRow;
      return toPhoto(row);
    });
  }

  protected doGetPhoto(id: string): Photo | null {
    const row = this.sql(`SELECT ${PHOTO_COLUMNS} FROM photos WHERE id = ?`).get(id) as PhotoRow | undefined;
    return row ? toPhoto(row) : null;
  }

  protected doGetPhotoBytes(id: string): Uint8Array | null {
    const row = this.sql('SELECT bytes FROM photos WHERE id = ?').get(id) as { bytes: Buffer } | undefined;
    return asBytes(row?.bytes);
  }

  protected doListPhotos(personId: string): Photo[] {
    const rows = this.sql(
      `SELECT ${PHOTO_COLUMNS} FROM photos WHERE person_id = ? ORDER BY created_at, id`,
    ).all(personId) as PhotoRow[];
    return rows.map(toPhoto);
  }

  protected doSetPhotoQuality(id: string, quality: string): Photo | null {
    const row = this.sql(`UPDATE photos SET quality = ? WHERE id = ? RETURNING ${PHOTO_COLUMNS}`).get(
      quality,
      id,
    ) as PhotoRow | undefined;
    return row ? toPhoto(row) : null;
  }

  protected doDeletePhoto(id: string): GalleryChange {
    return this.write(() => {
      if (this.sql('DELETE FROM photos WHERE id = ?').run(id).changes === 0) {
        throw notFound(`no photo with id ${id}`);
      }
      return { galleryVersion: this.bumpGallery() };
    });
  }

  protected doSetPhotoDescriptors(
    photoId: string,
    model: DescriptorModel,
    descriptors: readonly Float32Array[],
    bumpGallery: boolean,
  ): GalleryChange {
    return this.write(() => {
      const photo = this.sql('SELECT person_id FROM photos WHERE id = ?').get(photoId) as
        { person_id: string } | undefined;
      if (!photo) throw notFound(`no photo with id ${photoId}`);
      this.sql('DELETE FROM descriptors WHERE photo_id = ? AND model = ?').run(photoId, model);
      const insert = this.sql(
        `INSERT INTO descriptors (id, person_id, photo_id, model, created_at, descriptor)
           VALUES (?, ?, ?, ?, ?, ?)`,
      );
      const now = this.nowIso();
      for (const d of descriptors)
        insert.run(this.options.newId(), photo.person_id, photoId, model, now, encodeDescriptor(d));
      return { galleryVersion: bumpGallery ? this.bumpGallery() : this.galleryVersion() };
    });
  }

  protected doListDescriptors(personId: string, model: DescriptorModel | undefined): StoredDescriptor[] {
    const rows = (
      model === undefined
        ? this.sql('SELECT * FROM descriptors WHERE person_id = ? ORDER BY created_at, rowid').all(personId)
        : this.sql(
            'SELECT * FROM descriptors WHERE person_id = ? AND model = ? ORDER BY created_at, rowid',
          ).all(personId, model)
    ) as DescriptorRow[];
    return rows.map((r) => ({
      id: r.id,
      personId: r.person_id,
      photoId: r.photo_id,
      model: r.model,
      createdAt: r.created_at,
      descriptor: decodeDescriptor(r.descriptor, r.model),
    }));
  }

  protected doListPhotosLackingDescriptors(model: DescriptorModel, { limit, offset }: CheckedPage): Photo[] {
    // Photos added in one millisecond share created_at; rowid keeps them in the order they came.
    const rows = this.sql(
      `SELECT ${PHOTO_COLUMNS} FROM photos p
         WHERE EXISTS (SELECT 1 FROM descriptors d WHERE d.photo_id = p.id AND d.model <> ?)
           AND NOT EXISTS (SELECT 1 FROM descriptors d WHERE d.photo_id = p.id AND d.model = ?)
         ORDER BY created_at, p.rowid LIMIT ? OFFSET ?`,
    ).all(model, model, limit + 1, offset) as PhotoRow[];
    return rows.map(toPhoto);
  }

  protected doGetGalleryVersion(): number {
    return this.galleryVersion();
  }

  protected doBumpGalleryVersion(): GalleryChange {
    return this.write(() => ({ galleryVersion: this.bumpGallery() }));
  }

  protected doGetGallery(model: DescriptorModel): Gallery {
    // A read transaction: the version and the rows come from one snapshot.
    return this.db.transaction((): Gallery => {
      const galleryVersion = this.galleryVersion();
      const rows = this.sql(
        `SELECT p.id, p.name, d.descriptor FROM people p JOIN descriptors d ON d.person_id = p.id
           WHERE d.model = ? ORDER BY p.name, p.id, d.created_at, d.rowid`,
      ).all(model) as { id: string; name: string; descriptor: Buffer }[];
      const people: Gallery['people'] = [];
      for (const row of rows) {
        let last = people.at(-1);
        if (last?.personId !== row.id) {
          last = { personId: row.id, name: row.name, descriptors: [] };
          people.push(last);
        }
        last.descriptors.push(decodeDescriptor(row.descriptor, model));
      }
      return { galleryVersion, model, people };
    })();
  }

  // ---- events and attendance ----

  /** Inserts the event unless its id exists; the caller holds the transaction when it needs one. */
  private insertEvent(event: ReceivedEvent, keepCrop: boolean): boolean {
    const crop = keepCrop && event.crop ? asBuffer(event.crop) : null;
    return (
      this.sql(
        `INSERT INTO events (id, type, node_id, camera_id, track_id, person_id, distance, thresholds, votes, at,
             box, frame_width, frame_height, model, backend, received_at, node_at, crop)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO NOTHING`,
      ).run(
        event.id,
        event.type,
        event.nodeId,
        event.cameraId,
        event.trackId,
        event.personId,
        event.distance,
        JSON.stringify({ match: event.thresholds.match, unknown: event.thresholds.unknown }),
        event.votes,
        event.at,
        JSON.stringify({
          x: event.box.x,
          y: event.box.y,
          width: event.box.width,
          height: event.box.height,
        }),
        event.frameWidth,
        event.frameHeight,
        event.model,
        event.backend,
        this.nowIso(),
        event.nodeAt ?? null,
        crop,
      ).changes === 1
    );
  }

  private personExists(id: string): boolean {
    return this.sql('SELECT 1 FROM people WHERE id = ?').get(id) !== undefined;
  }

  protected doInsertEventOnce(event: ReceivedEvent): boolean {
    return this.write(() => {
      // A face of someone already erased is not stored again.
      const keepCrop = event.personId === null || this.personExists(event.personId);
      return this.insertEvent(event, keepCrop);
    });
  }

  protected doRecordAttendance({ event, personId, day, rules }: Sighting): RecordAttendanceResult {
    return this.write((): RecordAttendanceResult => {
      const person = this.sql('SELECT name FROM people WHERE id = ?').get(personId) as
        { name: string } | undefined;
      const existing = this.sql('SELECT * FROM attendance WHERE person_id = ? AND day = ?').get(
        personId,
        day,
      ) as AttendanceRow | undefined;
      const inserted = this.insertEvent(event, person !== undefined);
      const { record, write } = recordSighting(
        existing ? toAttendance(existing) : null,
        { personName: person?.name ?? null, newEvent: inserted },
        { personId, at: event.at, cameraId: event.cameraId, nodeId: event.nodeId },
        rules,
      );
      return { inserted, attendance: write && record ? this.saveAttendance(record) : record };
    });
  }

  /** Writes a record as the core rules made it, over the one stored for its person and day. */
  private saveAttendance(record: StoredAttendance): StoredAttendance {
    const row = this.sql(
      `INSERT INTO attendance (person_id, day, person_name, first_seen, last_seen, first_camera_id,
           last_camera_id, node_id, event_count, corrected, visits, cameras)
         VALUES (@personId, @day, @personName, @firstSeen, @lastSeen, @firstCameraId, @lastCameraId,
           @nodeId, @eventCount, @corrected, @visits, @cameras)
         ON CONFLICT (person_id, day) DO UPDATE SET
           person_name = excluded.person_name, first_seen = excluded.first_seen,
           last_seen = excluded.last_seen, first_camera_id = excluded.first_camera_id,
           last_camera_id = excluded.last_camera_id, node_id = excluded.node_id,
           event_count = excluded.event_count, corrected = excluded.corrected,
           visits = excluded.visits, cameras = excluded.cameras
         RETURNING *`,
    ).get({
      ...record,
      corrected: record.corrected ? 1 : 0,
      visits: record.visits === null ? null : JSON.stringify(record.visits),
      cameras: record.cameras === null ? null : JSON.stringify(record.cameras),
    }) as AttendanceRow;
    return toAttendance(row);
  }

  protected doGetEvent(id: string): StoredEvent | null {
    const row = this.sql(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ?`).get(id) as EventRow | undefined;
    return row ? toEvent(row) : null;
  }

  protected doGetEventCrop(id: string): Uint8Array | null {
    const row = this.sql('SELECT crop FROM events WHERE id = ?').get(id) as
      { crop: Buffer | null } | undefined;
    return asBytes(row?.crop);
  }

  protected doListEvents(filter: EventFilter, { limit, offset }: CheckedPage): StoredEvent[] {
    const where: string[] = [];
    const values: string[] = [];
    if (filter.from !== undefined) {
      where.push('at >= ?');
      values.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('at < ?');
      values.push(filter.to);
    }
    if (filter.personId !== undefined) {
      where.push('person_id = ?');
      values.push(filter.personId);
    }
    if (filter.type !== undefined) {
      where.push('type = ?');
      values.push(filter.type);
    }
    const rows = this.sql(
      `SELECT ${EVENT_COLUMNS} FROM events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY at, id LIMIT ? OFFSET ?`,
    ).all(...values, limit + 1, offset) as EventRow[];
    return rows.map(toEvent);
  }

  protected doPruneEventCrops(before: string): number {
    return this.sql(
      `UPDATE events SET crop = NULL WHERE at < ? AND crop IS NOT NULL
         AND id NOT IN (SELECT event_id FROM unknown_faces WHERE status = 'open')`,
    ).run(before).changes;
  }

  protected doGetAttendance(personId: string, day: string): StoredAttendance | null {
    const row = this.sql('SELECT * FROM attendance WHERE person_id = ? AND day = ?').get(personId, day) as
      AttendanceRow | undefined;
    return row ? toAttendance(row) : null;
  }

  protected doListAttendance(
    { from, to, personId }: AttendanceFilter,
    { limit, offset }: CheckedPage,
  ): StoredAttendance[] {
    const values: (string | number)[] = [from, to];
    let personFilter = '';
    if (personId !== undefined) {
      personFilter = 'AND person_id = ?';
      values.push(personId);
    }
    const rows = this.sql(
      `SELECT * FROM attendance WHERE day >= ? AND day <= ? ${personFilter}
         ORDER BY day, first_seen, person_id LIMIT ? OFFSET ?`,
    ).all(...values, limit + 1, offset) as AttendanceRow[];
    return rows.map(toAttendance);
  }

  protected doCorrectAttendance(correction: CheckedCorrection): AttendanceCorrection {
    const { personId, day, by, reason, times } = correction;
    return this.write((): AttendanceCorrection => {
      const existing = this.sql('SELECT * FROM attendance WHERE person_id = ? AND day = ?').get(
        personId,
        day,
      ) as AttendanceRow | undefined;
      const before = existing ? toAttendance(existing) : null;
      const person = this.sql('SELECT name FROM people WHERE id = ?').get(personId) as
        { name: string } | undefined;
      const next = correctRecord(before, times, { personId, day, personName: person?.name ?? null });
      let after: StoredAttendance | null = null;
      if (next === null) {
        this.sql('DELETE FROM attendance WHERE person_id = ? AND day = ?').run(personId, day);
      } else {
        after = this.saveAttendance(next);
      }
      const row = this.sql(
        `INSERT INTO attendance_corrections (id, person_id, day, by_whom, reason, at, before, after)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      ).get(
        this.options.newId(),
        personId,
        day,
        by,
        reason,
        this.nowIso(),
        before === null ? null : JSON.stringify(before),
        after === null ? null : JSON.stringify(after),
      ) as CorrectionRow;
      return toCorrection(row);
    });
  }

  protected doListCorrections(
    filter: CorrectionFilter,
    { limit, offset }: CheckedPage,
  ): AttendanceCorrection[] {
    const where: string[] = [];
    const values: string[] = [];
    if (filter.personId !== undefined) {
      where.push('person_id = ?');
      values.push(filter.personId);
    }
    if (filter.from !== undefined) {
      where.push('day >= ?');
      values.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('day <= ?');
      values.push(filter.to);
    }
    const rows = this.sql(
      `SELECT * FROM attendance_corrections ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY at, rowid LIMIT ? OFFSET ?`,
    ).all(...values, limit + 1, offset) as CorrectionRow[];
    return rows.map(toCorrection);
  }

  // ---- unknown faces ----

  protected doRecordUnknownFace(event: ReceivedEvent): RecordUnknownFaceResult {
    return this.write((): RecordUnknownFaceResult => {
      const inserted = this.insertEvent(event, true);
      if (inserted) {
        // A candidate erased (or never known here) before the event arrived is not kept.
        const candidate = event.candidate ?? null;
        const candidateKnown = candidate !== null && this.personExists(candidate.personId);
        this.sql(
          `INSERT INTO unknown_faces (id, event_id, at, camera_id, node_id, status, unconfirmed,
             candidate_person_id, candidate_distance)
             VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?)`,
        ).run(
          this.options.newId(),
          event.id,
          event.at,
          event.cameraId,
          event.nodeId,
          event.unconfirmed === true ? 1 : 0,
          candidateKnown ? candidate.personId : null,
          candidateKnown ? candidate.distance : null,
        );
      }
      const row = this.sql(
        `SELECT ${UNKNOWN_COLUMNS} FROM unknown_faces u JOIN events e ON e.id = u.event_id WHERE u.event_id = ?`,
      ).get(event.id) as UnknownFaceRow | undefined;
      // The event was stored before, through insertEventOnce, without a face to review.
      if (!row) throw conflict(`event ${event.id} is already stored and is not an open unknown face`);
      return { inserted, face: toUnknownFace(row) };
    });
  }

  private unknownFace(id: string): UnknownFaceRow | undefined {
    return this.sql(
      `SELECT ${UNKNOWN_COLUMNS} FROM unknown_faces u JOIN events e ON e.id = u.event_id WHERE u.id = ?`,
    ).get(id) as UnknownFaceRow | undefined;
  }

  protected doGetUnknownFace(id: string): UnknownFace | null {
    const row = this.unknownFace(id);
    return row ? toUnknownFace(row) : null;
  }

  protected doGetUnknownFaceCrop(id: string): Uint8Array | null {
    const row = this.sql(
      'SELECT e.crop FROM unknown_faces u JOIN events e ON e.id = u.event_id WHERE u.id = ?',
    ).get(id) as { crop: Buffer | null } | undefined;
    return asBytes(row?.crop);
  }

  protected doListUnknownFaces(
    status: UnknownFaceStatus | null,
    { limit, offset }: CheckedPage,
  ): UnknownFace[] {
    const rows = this.sql(
      `SELECT ${UNKNOWN_COLUMNS} FROM unknown_faces u JOIN events e ON e.id = u.event_id
         WHERE @status IS NULL OR u.status = @status ORDER BY u.at DESC, u.id DESC LIMIT @limit OFFSET @offset`,
    ).all({ status, limit: limit + 1, offset }) as UnknownFaceRow[];
    return rows.map(toUnknownFace);
  }

  protected doDecideUnknownFace(
    id: string,
    decision: UnknownFaceDecision,
    rule: UnknownFaceRule,
  ): UnknownFace {
    return this.write(() => {
      const row = this.unknownFace(id);
      if (!row) throw notFound(`no unknown face with id ${id}`);
      if (rule(toUnknownFace(row), decision) === 'unchanged') return toUnknownFace(row);
      const personId = decision.status === 'assigned' ? decision.personId : null;
      if (personId !== null && !this.personExists(personId)) throw notFound(`no person with id ${personId}`);
      this.sql(
        'UPDATE unknown_faces SET status = ?, assigned_person_id = ?, decided_at = ? WHERE id = ?',
      ).run(decision.status, personId, decision.status === 'open' ? null : this.nowIso(), id);
      return toUnknownFace(this.unknownFace(id) as UnknownFaceRow);
    });
  }

  // ---- nodes ----

  protected doUpsertNode(id: string, lastSeen: string, status: string): void {
    this.sql(
      `INSERT INTO nodes (id, last_seen, status) VALUES (?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, status = excluded.status`,
    ).run(id, lastSeen, status);
  }

  protected doGetNode(id: string): NodeRecord | null {
    const row = this.sql('SELECT * FROM nodes WHERE id = ?').get(id) as NodeRow | undefined;
    return row ? toNode(row) : null;
  }

  protected doListNodes(): NodeRecord[] {
    return (this.sql('SELECT * FROM nodes ORDER BY id').all() as NodeRow[]).map(toNode);
  }

  protected doDeleteNode(id: string): boolean {
    return this.sql('DELETE FROM nodes WHERE id = ?').run(id).changes > 0;
  }

  // ---- settings ----

  protected doGetSetting(key: string): Setting | null {
    const row = this.sql('SELECT * FROM settings WHERE key = ?').get(key) as SettingRow | undefined;
    return row ? toSetting(row) : null;
  }

  protected doSetSetting(key: string, value: string): Setting {
    const updatedAt = this.nowIso();
    this.sql(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    ).run(key, value, updatedAt);
    return { key, value: JSON.parse(value) as JsonValue, updatedAt };
  }

  protected doUpdateSetting(key: string, change: (saved: JsonValue | null) => string): Setting {
    return this.write(() => {
      const row = this.sql('SELECT value FROM settings WHERE key = ?').get(key) as
        { value: string } | undefined;
      return this.doSetSetting(key, change(row === undefined ? null : (JSON.parse(row.value) as JsonValue)));
    });
  }

  protected doListSettings(): Setting[] {
    return (this.sql('SELECT * FROM settings ORDER BY key').all() as SettingRow[]).map(toSetting);
  }

  protected doDeleteSetting(key: string): boolean {
    return this.sql('DELETE FROM settings WHERE key = ?').run(key).changes > 0;
  }

  // ---- groups and their sessions ----

  protected doCreateGroup({ name, notes, minAttendanceRate }: Required<NewGroup>): Group {
    return this.write(() => {
      if (this.sql('SELECT 1 FROM person_groups WHERE name = ?').get(name))
        throw conflict(`a group named "${name}" already exists`);
      const now = this.nowIso();
      return toGroup(
        this.sql(
          `INSERT INTO person_groups (id, name, notes, min_attendance_rate, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
        ).get(this.options.newId(), name, notes, minAttendanceRate, now, now) as GroupRow,
      );
    });
  }

  protected doGetGroup(id: string): Group | null {
    const row = this.sql('SELECT * FROM person_groups WHERE id = ?').get(id) as GroupRow | undefined;
    return row ? toGroup(row) : null;
  }

  protected doListGroups({ limit, offset }: CheckedPage): Group[] {
    return (
      this.sql('SELECT * FROM person_groups ORDER BY name, id LIMIT ? OFFSET ?').all(
        limit + 1,
        offset,
      ) as GroupRow[]
    ).map(toGroup);
  }

  protected doUpdateGroup(id: string, patch: GroupPatch): Group | null {
    return this.write(() => {
      const current = this.doGetGroup(id);
      if (!current) return null;
      if (
        patch.name !== undefined &&
        this.sql('SELECT 1 FROM person_groups WHERE name = ? AND id != ?').get(patch.name, id)
      )
        throw conflict(`a group named "${patch.name}" already exists`);
      return toGroup(
        this.sql(
          `UPDATE person_groups SET name = ?, notes = ?, min_attendance_rate = ?, updated_at = ?
             WHERE id = ? RETURNING *`,
        ).get(
          patch.name ?? current.name,
          patch.notes ?? current.notes,
          patch.minAttendanceRate === undefined ? current.minAttendanceRate : patch.minAttendanceRate,
          this.nowIso(),
          id,
        ) as GroupRow,
      );
    });
  }

  protected doDeleteGroup(id: string): boolean {
    // Sessions, memberships and (through the sessions) excuses go by their foreign keys.
    return this.sql('DELETE FROM person_groups WHERE id = ?').run(id).changes > 0;
  }

  protected doAddGroupMembers(groupId: string, personIds: readonly string[]): void {
    this.write(() => {
      if (!this.doGetGroup(groupId)) throw notFound(`no group with id ${groupId}`);
      const now = this.nowIso();
      for (const personId of personIds) {
        if (!this.sql('SELECT 1 FROM people WHERE id = ?').get(personId))
          throw notFound(`no person with id ${personId}`);
        this.sql(
          'INSERT INTO group_members (group_id, person_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        ).run(groupId, personId, now);
      }
    });
  }

  protected doRemoveGroupMember(groupId: string, personId: string): boolean {
    return (
      this.sql('DELETE FROM group_members WHERE group_id = ? AND person_id = ?').run(groupId, personId)
        .changes > 0
    );
  }

  protected doListGroupMembers(groupId: string): Person[] {
    return this.db.transaction(() => {
      if (!this.doGetGroup(groupId)) throw notFound(`no group with id ${groupId}`);
      return (
        this.sql(
          `SELECT p.* FROM people p JOIN group_members m ON m.person_id = p.id
             WHERE m.group_id = ? ORDER BY p.name, p.id`,
        ).all(groupId) as PersonRow[]
      ).map(toPerson);
    })();
  }

  protected doListGroupsOf(personId: string): Group[] {
    return (
      this.sql(
        `SELECT g.* FROM person_groups g JOIN group_members m ON m.group_id = g.id
           WHERE m.person_id = ? ORDER BY g.name, g.id`,
      ).all(personId) as GroupRow[]
    ).map(toGroup);
  }

  protected doAddGroupSession(
    groupId: string,
    session: GroupSession,
    clash: (others: StoredGroupSession[]) => void,
  ): StoredGroupSession {
    return this.write(() => {
      if (!this.doGetGroup(groupId)) throw notFound(`no group with id ${groupId}`);
      clash(this.doListGroupSessions(groupId));
      const now = this.nowIso();
      return toGroupSession(
        this.sql(
          `INSERT INTO group_sessions (id, group_id, start_time, definition, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
        ).get(
          this.options.newId(),
          groupId,
          session.start,
          JSON.stringify(session),
          now,
          now,
        ) as GroupSessionRow,
      );
    });
  }

  protected doGetGroupSession(id: string): StoredGroupSession | null {
    const row = this.sql('SELECT * FROM group_sessions WHERE id = ?').get(id) as GroupSessionRow | undefined;
    return row ? toGroupSession(row) : null;
  }

  protected doUpdateGroupSession(
    id: string,
    session: GroupSession,
    clash: (others: StoredGroupSession[]) => void,
  ): StoredGroupSession {
    return this.write(() => {
      const current = this.doGetGroupSession(id);
      if (!current) throw notFound(`no session with id ${id}`);
      clash(this.doListGroupSessions(current.groupId).filter((other) => other.id !== id));
      return toGroupSession(
        this.sql(
          'UPDATE group_sessions SET start_time = ?, definition = ?, updated_at = ? WHERE id = ? RETURNING *',
        ).get(session.start, JSON.stringify(session), this.nowIso(), id) as GroupSessionRow,
      );
    });
  }

  protected doDeleteGroupSession(id: string): boolean {
    return this.sql('DELETE FROM group_sessions WHERE id = ?').run(id).changes > 0;
  }

  protected doListGroupSessions(groupId: string): StoredGroupSession[] {
    return (
      this.sql('SELECT * FROM group_sessions WHERE group_id = ? ORDER BY start_time, created_at, id').all(
        groupId,
      ) as GroupSessionRow[]
    ).map(toGroupSession);
  }

  protected doExcuseSession({ sessionId, personId, day, reason, by }: NewSessionExcuse): SessionExcuse {
    return this.write(() => {
      if (!this.doGetGroupSession(sessionId)) throw notFound(`no session with id ${sessionId}`);
      if (!this.sql('SELECT 1 FROM people WHERE id = ?').get(personId))
        throw notFound(`no person with id ${personId}`);
      return toExcuse(
        this.sql(
          `INSERT INTO session_excuses (id, session_id, person_id, day, reason, by_whom, at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (session_id, person_id, day)
               DO UPDATE SET reason = excluded.reason, by_whom = excluded.by_whom, at = excluded.at
             RETURNING *`,
        ).get(this.options.newId(), sessionId, personId, day, reason, by, this.nowIso()) as ExcuseRow,
      );
    });
  }

  protected doDeleteSessionExcuse(id: string): boolean {
    return this.sql('DELETE FROM session_excuses WHERE id = ?').run(id).changes > 0;
  }

  protected doListSessionExcuses(
    query: Required<Pick<ExcuseQuery, 'from' | 'to'>> & Pick<ExcuseQuery, 'sessionId' | 'personId'>,
    { limit, offset }: CheckedPage,
  ): SessionExcuse[] {
    return (
      this.sql(
        `SELECT * FROM session_excuses
           WHERE day BETWEEN @from AND @to
             AND (@sessionId IS NULL OR session_id = @sessionId)
             AND (@personId IS NULL OR person_id = @personId)
           ORDER BY day, person_id, session_id LIMIT @limit OFFSET @offset`,
      ).all({
        from: query.from,
        to: query.to,
        sessionId: query.sessionId ?? null,
        personId: query.personId ?? null,
        limit: limit + 1,
        offset,
      }) as ExcuseRow[]
    ).map(toExcuse);
  }

  // ---- webhooks ----

  protected doCreateWebhook({ url, events, secret, active, description }: CheckedWebhook): Webhook {
    const now = this.nowIso();
    return toWebhook(
      this.sql(
        `INSERT INTO webhooks (id, url, events, secret, active, description, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      ).get(
        this.options.newId(),
        url,
        JSON.stringify(events),
        secret,
        active ? 1 : 0,
        description,
        now,
        now,
      ) as WebhookRow,
    );
  }

  protected doGetWebhook(id: string): Webhook | null {
    const row = this.sql('SELECT * FROM webhooks WHERE id = ?').get(id) as WebhookRow | undefined;
    return row ? toWebhook(row) : null;
  }

  protected doListWebhooks({ limit, offset }: CheckedPage): Webhook[] {
    return (
      this.sql('SELECT * FROM webhooks ORDER BY created_at, rowid LIMIT ? OFFSET ?').all(
        limit + 1,
        offset,
      ) as WebhookRow[]
    ).map(toWebhook);
  }

  protected doListWebhooksFor(type: WebhookEventType): Webhook[] {
    return (
      this.sql(
        `SELECT * FROM webhooks
           WHERE active = 1 AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value = ?)
           ORDER BY created_at, rowid`,
      ).all(type) as WebhookRow[]
    ).map(toWebhook);
  }

  protected doUpdateWebhook(id: string, patch: CheckedWebhookPatch): Webhook | null {
    return this.write(() => {
      const current = this.doGetWebhook(id);
      if (!current) return null;
      const next = { ...current, ...patch };
      return toWebhook(
        this.sql(
          `UPDATE webhooks SET url = ?, events = ?, secret = ?, active = ?, description = ?, updated_at = ?
             WHERE id = ? RETURNING *`,
        ).get(
          next.url,
          JSON.stringify(next.events),
          next.secret,
          next.active ? 1 : 0,
          next.description,
          this.nowIso(),
          id,
        ) as WebhookRow,
      );
    });
  }

  protected doDeleteWebhook(id: string): boolean {
    // The delivery log goes by its foreign key.
    return this.sql('DELETE FROM webhooks WHERE id = ?').run(id).changes > 0;
  }

  protected doClaimWebhookEvent({ id, type, createdAt, data }: CheckedWebhookEvent): ClaimedWebhookEvent {
    return this.write(() => {
      const claimed =
        this.sql(
          `INSERT INTO webhook_events (id, type, created_at, data) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING`,
        ).run(id, type, createdAt, data).changes > 0;
      const row = this.sql('SELECT * FROM webhook_events WHERE id = ?').get(id) as WebhookEventRow;
      return { claimed, event: toWebhookEvent(row) };
    });
  }

  protected doGetWebhookEvent(id: string): StoredWebhookEvent | null {
    const row = this.sql('SELECT * FROM webhook_events WHERE id = ?').get(id) as WebhookEventRow | undefined;
    return row ? toWebhookEvent(row) : null;
  }

  protected doMarkWebhookEventDispatched(id: string, at: string): boolean {
    return (
      this.sql('UPDATE webhook_events SET dispatched_at = coalesce(dispatched_at, ?) WHERE id = ?').run(
        at,
        id,
      ).changes > 0
    );
  }

  protected doListUndispatchedWebhookEvents(
    before: string,
    { limit, offset }: CheckedPage,
  ): StoredWebhookEvent[] {
    return (
      this.sql(
        `SELECT * FROM webhook_events WHERE dispatched_at IS NULL AND created_at < ?
           ORDER BY created_at, id LIMIT ? OFFSET ?`,
      ).all(before, limit + 1, offset) as WebhookEventRow[]
    ).map(toWebhookEvent);
  }

  protected doPruneWebhookEvents(before: string): number {
    return this.sql('DELETE FROM webhook_events WHERE dispatched_at IS NOT NULL AND created_at < ?').run(
      before,
    ).changes;
  }

  protected doLogWebhookDelivery(delivery: NewWebhookDelivery, keepLast: number): WebhookDelivery {
    return this.write(() => {
      if (!this.sql('SELECT 1 FROM webhooks WHERE id = ?').get(delivery.hookId))
        throw notFound(`no webhook with id ${delivery.hookId}`);
      const row = this.sql(
        `INSERT INTO webhook_deliveries
           (id, hook_id, event_id, event_type, attempt, status_code, error, duration_ms, at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      ).get(
        this.options.newId(),
        delivery.hookId,
        delivery.eventId,
        delivery.eventType,
        delivery.attempt,
        delivery.statusCode,
        delivery.error,
        delivery.durationMs,
        delivery.at,
      ) as DeliveryRow;
      // A new rowid is above every other, so the newest keepLast are the highest rowids.
      this.sql(
        `DELETE FROM webhook_deliveries WHERE hook_id = @hookId AND rowid <= (
           SELECT rowid FROM webhook_deliveries WHERE hook_id = @hookId ORDER BY rowid DESC LIMIT 1 OFFSET @keepLast)`,
      ).run({ hookId: delivery.hookId, keepLast });
      return toDelivery(row);
    });
  }

  protected doListWebhookDeliveries(hookId: string, { limit, offset }: CheckedPage): WebhookDelivery[] {
    return this.db.transaction(() => {
      if (!this.sql('SELECT 1 FROM webhooks WHERE id = ?').get(hookId))
        throw notFound(`no webhook with id ${hookId}`);
      return (
        this.sql(
          'SELECT * FROM webhook_deliveries WHERE hook_id = ? ORDER BY rowid DESC LIMIT ? OFFSET ?',
        ).all(hookId, limit + 1, offset) as DeliveryRow[]
      ).map(toDelivery);
    })();
  }
}
