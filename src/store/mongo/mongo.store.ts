/**
 * The MongoDB store, selected by `MONGODB_URI`: the same semantics as `SqliteStore`, method for
 * method, checked by the same contract suites (test/integration/store-contract/). Like SQLite it
 * extends `CheckedStore`, which checks every argument before a repository's method here runs.
 *
 * Mongoose owns the connection (pool, reconnection, sessions); the adapter works on the driver's
 * collections under it, because the documents are fixed by `documents.mongo.ts` and their values checked by
 * `CheckedStore` before they are written, which a mongoose schema would only repeat. Every method
 * that the SQLite adapter runs in a transaction runs in a MongoDB transaction here, so MongoDB must
 * be a replica set (a single-node one is enough; see README.md).
 *
 * Names that must be unique without ASCII case (users, people, tokens) carry a `nameKey`, the name
 * with A-Z lowered, under a unique index: the same rule as SQLite's `COLLATE NOCASE`. JSON values
 * (settings, node status, photo quality, correction snapshots) are stored as JSON text, so any
 * JSON value round-trips, including keys MongoDB would refuse (`$x`, `a.b`).
 *
 * This file connects, prepares the database (indexes, layout version) and composes one repository
 * per file of this folder, all over one `MongoConnection`.
 */
import mongoose from 'mongoose';
import { ErrorCode, isRollcallError, RollcallError } from '../../core/index.js';
import { CheckedStore } from '../checked.store.js';
import { resolveStoreOptions, type StoreOptions } from '../store-options.js';
import { invalid } from '../validate.js';
import { MongoAccounts } from './accounts.mongo.js';
import { MongoAttendance } from './attendance.mongo.js';
import { MongoConnection } from './connection.mongo.js';
import { MongoGroups } from './groups.mongo.js';
import { MongoNodes } from './nodes.mongo.js';
import { MongoPeople } from './people.mongo.js';
import { MongoPhotos } from './photos.mongo.js';
import { MongoSettings } from './settings.mongo.js';
import { MongoUnknownFaces } from './unknown-faces.mongo.js';
import { MongoWebhooks } from './webhooks.mongo.js';

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
 * Creates the collections' indexes (idempotent) and brings an older layout up to this one;
 * refuses a newer one.
 */
async function prepare(db: MongoConnection): Promise<void> {
  // Layouts 1-2 held people's names unique; names may repeat now.
  const peopleIndexes = await db.people.indexes().catch(() => []);
  if (peopleIndexes.some((index) => index.name === 'nameKey_1' && index.unique === true)) {
    await db.people.dropIndex('nameKey_1');
  }
  // Idempotent; also creates every collection, which a transaction cannot do on older servers.
  await Promise.all([
    db.users.createIndexes([{ key: { nameKey: 1 }, unique: true }]),
    db.tokens.createIndexes([
      { key: { tokenHash: 1 }, unique: true },
      { key: { userId: 1, nameKey: 1 }, unique: true },
    ]),
    db.people.createIndexes([
      { key: { nameKey: 1, createdAt: 1, seq: 1, _id: 1 } },
      // Partial rather than sparse: a null external id (none) must not clash with another null.
      {
        key: { externalId: 1 },
        name: 'externalId_unique',
        unique: true,
        partialFilterExpression: { externalId: { $type: 'string' } },
      },
    ]),
    db.photos.createIndexes([{ key: { personId: 1, createdAt: 1 } }]),
    db.descriptors.createIndexes([
      { key: { personId: 1, model: 1, createdAt: 1, seq: 1 } },
      { key: { photoId: 1, model: 1 } },
      { key: { model: 1, createdAt: 1, seq: 1 } },
    ]),
    db.events.createIndexes([{ key: { at: 1, _id: 1 } }, { key: { personId: 1, at: 1 } }]),
    db.attendance.createIndexes([
      { key: { day: 1, firstSeen: 1, personId: 1 } },
      { key: { personId: 1, day: 1 } },
    ]),
    db.corrections.createIndexes([{ key: { personId: 1, day: 1 } }, { key: { at: 1, seq: 1 } }]),
    db.unknownFaces.createIndexes([
      { key: { eventId: 1 }, unique: true },
      { key: { status: 1, at: -1 } },
      { key: { assignedPersonId: 1 } },
    ]),
    db.nodes.createIndexes([{ key: { lastSeen: 1 } }]),
    db.settings.createIndexes([{ key: { updatedAt: 1 } }]),
    db.groups.createIndexes([{ key: { nameKey: 1 }, unique: true }]),
    db.members.createIndexes([{ key: { personId: 1 } }, { key: { groupId: 1 } }]),
    db.groupSessions.createIndexes([{ key: { groupId: 1, start: 1, createdAt: 1 } }]),
    db.excuses.createIndexes([
      { key: { excuseId: 1 }, unique: true },
      { key: { day: 1, personId: 1, sessionId: 1 } },
    ]),
    db.webhooks.createIndexes([{ key: { createdAt: 1, seq: 1 } }, { key: { active: 1, events: 1 } }]),
    db.webhookEvents.createIndexes([{ key: { dispatchedAt: 1, createdAt: 1 } }]),
    db.deliveries.createIndexes([{ key: { hookId: 1, seq: -1 } }]),
  ]);
  await db.meta.updateOne({ _id: 'gallery' }, { $setOnInsert: { version: 0 } }, { upsert: true });
  const schema = await db.meta.findOneAndUpdate(
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
  await db.descriptors.updateMany({ model: { $exists: false } }, { $set: { model: 'face-api' } });
}

export class MongoStore extends CheckedStore {
  private constructor(
    private readonly connection: mongoose.Connection,
    db: MongoConnection,
    options: Resolved,
  ) {
    super(options, {
      accounts: new MongoAccounts(db),
      people: new MongoPeople(db),
      photos: new MongoPhotos(db),
      attendance: new MongoAttendance(db),
      unknownFaces: new MongoUnknownFaces(db),
      nodes: new MongoNodes(db),
      settings: new MongoSettings(db),
      groups: new MongoGroups(db),
      webhooks: new MongoWebhooks(db),
    });
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
      const database = new MongoConnection(connection, db, resolved);
      await prepare(database);
      return new MongoStore(connection, database, resolved);
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

  protected async release(): Promise<void> {
    await this.connection.close();
  }

  protected translate(error: unknown): RollcallError {
    return translate(error);
  }
}
