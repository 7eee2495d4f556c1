/**
 * Backup and restore of the SQLite store, while Rollcall runs.
 *
 * A backup is one file: a copy of the database made with `VACUUM INTO` — one read transaction, so
 * the copy is exactly the database at one instant, however busy the web node is — with the files
 * from `DATA_DIR` a restored install needs beside it (the session and bridge secrets) stored in
 * a table of the copy. SQLite's page-by-page backup API would restart from the beginning whenever
 * another process writes (the web node stores every event), so on a busy site it might never end.
 *
 * A restore goes into a `DATA_DIR` without a database: the copy becomes `rollcall.db`, the files
 * come back (readable by their owner only), the backup's own table is dropped, and the store is
 * opened once, which migrates a backup from an older Rollcall and refuses one from a newer.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode, RollcallError } from '../core/index.js';
import { SCHEMA_VERSION } from './sqlite.migrations.js';
import { SQLITE_FILE_NAME, SqliteStore } from './sqlite/sqlite.store.js';

/** The table of the copy that carries `DATA_DIR`'s other files. */
const FILES_TABLE = 'rollcall_backup_files';

export interface BackupOptions {
  dataDir: string;
  /** Where the backup goes; an existing file is replaced only once the new copy is complete. */
  file: string;
  /** Files of `dataDir` to carry along (by name) when they exist. */
  files: readonly string[];
}

export interface BackupSummary {
  file: string;
  bytes: number;
  schemaVersion: number;
  /** The files of `dataDir` carried along. */
  files: string[];
  ms: number;
}

export interface RestoreSummary {
  dataDir: string;
  /** The schema version of the backup, before any migration. */
  schemaVersion: number;
  files: string[];
}

/**
 * Copies the database under `dataDir` (and `files`) to `file`, while other processes keep using it.
 *
 * @throws RollcallError `STORE_UNAVAILABLE` when there is no database or it cannot be read,
 *   `STORE_FAILED` when the copy cannot be written.
 */
export async function backupSqlite(options: BackupOptions): Promise<BackupSummary> {
  const started = performance.now();
  const source = path.join(options.dataDir, SQLITE_FILE_NAME);
  if (!existsSync(source)) {
    throw new RollcallError(ErrorCode.StoreUnavailable, `no Rollcall database to back up at ${source}`);
  }
  const target = path.resolve(options.file);
  await mkdir(path.dirname(target), { recursive: true });
  // Written beside the target and renamed at the end: an interrupted backup never leaves a
  // half-written file where last night's good one was.
  const partial = `${target}.${randomUUID()}.partial`;
  try {
    let schemaVersion: number;
    const db = new Database(source, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 10000');
      schemaVersion = versionOf(db);
      db.prepare('VACUUM INTO ?').run(partial);
    } finally {
      db.close();
    }
    const files: string[] = [];
    const copy = new Database(partial);
    try {
      copy.exec(`CREATE TABLE ${FILES_TABLE} (name TEXT PRIMARY KEY, bytes BLOB NOT NULL) STRICT`);
      const insert = copy.prepare(`INSERT INTO ${FILES_TABLE} (name, bytes) VALUES (?, ?)`);
      for (const name of options.files) {
        const from = path.join(options.dataDir, name);
        if (!existsSync(from)) continue;
        insert.run(name, await readFile(from));
        files.push(name);
      }
    } finally {
      copy.close();
    }
    await rename(partial, target);
    return {
      file: target,
      bytes: (await stat(target)).size,
      schemaVersion,
      files,
      ms: performance.now() - started,
    };
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof RollcallError) throw error;
    throw new RollcallError(
      ErrorCode.StoreFailed,
      `the backup to ${target} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * Restores `file` (made by {@link backupSqlite}) into `dataDir`, which must hold no database yet.
 *
 * @throws RollcallError `STORE_CONFLICT` when `dataDir` already has a database,
 *   `STORE_INVALID` when `file` is not a Rollcall backup, `STORE_SCHEMA_TOO_NEW` when it comes
 *   from a newer Rollcall.
 */
export async function restoreSqlite(options: { file: string; dataDir: string }): Promise<RestoreSummary> {
  const target = path.join(options.dataDir, SQLITE_FILE_NAME);
  if (existsSync(target)) {
    throw new RollcallError(
      ErrorCode.StoreConflict,
      `${options.dataDir} already holds a Rollcall database; restore into an empty DATA_DIR (or move ${SQLITE_FILE_NAME} away first)`,
    );
  }
  if (!existsSync(options.file)) {
    throw new RollcallError(ErrorCode.StoreInvalid, `no backup file at ${options.file}`);
  }
  await mkdir(options.dataDir, { recursive: true });
  const partial = `${target}.${randomUUID()}.partial`;
  try {
    await copyFile(options.file, partial);
    let schemaVersion: number;
    const files: string[] = [];
    const db = openBackup(partial, options.file);
    try {
      schemaVersion = versionOf(db);
      if (schemaVersion > SCHEMA_VERSION) {
        throw new RollcallError(
          ErrorCode.StoreSchemaTooNew,
          `${options.file} comes from a newer Rollcall (schema ${schemaVersion}, this one knows up to ${SCHEMA_VERSION}); restore it with that version`,
        );
      }
      const rows = db.prepare(`SELECT name, bytes FROM ${FILES_TABLE} ORDER BY name`).all() as {
        name: string;
        bytes: Buffer;
      }[];
      for (const { name, bytes } of rows) {
        // Names come from the backup file: only plain names of files directly in DATA_DIR.
        if (name !== path.basename(name) || name.startsWith('.')) continue;
        const to = path.join(options.dataDir, name);
        await writeFile(to, bytes, { mode: 0o600 });
        await chmod(to, 0o600);
        files.push(name);
      }
      db.exec(`DROP TABLE ${FILES_TABLE}`);
    } finally {
      db.close();
    }
    await rename(partial, target);
    // Opened once: migrates a backup from an older Rollcall, and proves the file is whole.
    const store = await SqliteStore.open({ dataDir: options.dataDir });
    await store.close();
    return { dataDir: options.dataDir, schemaVersion, files };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

function openBackup(file: string, named: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    const check = db.pragma('quick_check', { simple: true });
    const isBackup = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
      .get(FILES_TABLE);
    if (check !== 'ok' || isBackup === undefined) throw new Error('not a Rollcall backup');
    return db;
  } catch (error) {
    db?.close();
    throw new RollcallError(
      ErrorCode.StoreInvalid,
      `${named} is not a Rollcall backup (made by "rollcall backup"), or it is damaged`,
      { cause: error },
    );
  }
}

function versionOf(db: Database.Database): number {
  const row = db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as {
    version: number | null;
  };
  return row.version ?? 0;
}
