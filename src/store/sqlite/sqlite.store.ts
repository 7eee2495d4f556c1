/**
 * The default store: one SQLite file under `DATA_DIR` through better-sqlite3.
 *
 * better-sqlite3 is synchronous; each repository method runs its statements (one transaction where it
 * writes more than one row) and returns its result, which `CheckedStore` (the checked edge every
 * adapter extends) hands callers as a promise, so they see the same async `Store` as any other
 * adapter. Queries are short and indexed, so blocking the event loop for them is cheaper than a
 * thread hop.
 *
 * This file opens the database, migrates it (`../sqlite.migrations.ts`) and composes one
 * repository per file of this folder, all over one `SqliteConnection`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode, isRollcallError, RollcallError } from '../../core/index.js';
import { CheckedStore } from '../checked.store.js';
import { migrate } from '../sqlite.migrations.js';
import { resolveStoreOptions, type StoreOptions } from '../store-options.js';
import { invalid } from '../validate.js';
import { SqliteAccounts } from './accounts.sqlite.js';
import { SqliteAttendance } from './attendance.sqlite.js';
import { SqliteConnection } from './connection.sqlite.js';
import { SqliteGroups } from './groups.sqlite.js';
import { SqliteNodes } from './nodes.sqlite.js';
import { SqlitePeople } from './people.sqlite.js';
import { SqlitePhotos } from './photos.sqlite.js';
import { SqliteSettings } from './settings.sqlite.js';
import { SqliteUnknownFaces } from './unknown-faces.sqlite.js';
import { SqliteWebhooks } from './webhooks.sqlite.js';

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

  private constructor(db: Database.Database, file: string, options: Resolved) {
    const connection = new SqliteConnection(db, options);
    super(options, {
      accounts: new SqliteAccounts(connection),
      people: new SqlitePeople(connection),
      photos: new SqlitePhotos(connection),
      attendance: new SqliteAttendance(connection),
      unknownFaces: new SqliteUnknownFaces(connection),
      nodes: new SqliteNodes(connection),
      settings: new SqliteSettings(connection),
      groups: new SqliteGroups(connection),
      webhooks: new SqliteWebhooks(connection),
    });
    this.db = db;
    this.file = file;
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
}
