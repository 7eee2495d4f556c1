/**
 * `rollcall backup FILE` and `rollcall restore FILE`: a consistent copy of the SQLite store taken
 * while Rollcall runs, with the secrets a restored install needs, and its restore into an empty
 * `DATA_DIR` (see `store/sqlite-backup.ts`). MongoDB has its own tools for this.
 */
import type { Config } from '../../config.js';
import { BRIDGE_SECRET_FILE } from '../bridge/index.js';
import { ErrorCode, RollcallError } from '../core/index.js';
import { backupSqlite, restoreSqlite } from '../store/index.js';
import { SESSION_SECRET_FILE } from '../web/index.js';

/** What a restored install needs besides the database: sessions stay valid, nodes keep connecting. */
const CARRIED_FILES = [SESSION_SECRET_FILE, BRIDGE_SECRET_FILE];

function refuseMongo(config: Config, what: string): void {
  if (config.mongodbUri) {
    throw new RollcallError(
      ErrorCode.UsageInvalid,
      `rollcall ${what} copies the SQLite store; with MONGODB_URI set, use MongoDB's own tools (mongodump --uri … / mongorestore) and keep DATA_DIR's session-secret and bridge-secret files with it`,
    );
  }
}

export async function runBackup(config: Config, args: { file: string; json: boolean }): Promise<number> {
  refuseMongo(config, 'backup');
  const summary = await backupSqlite({ dataDir: config.dataDir, file: args.file, files: CARRIED_FILES });
  process.stdout.write(
    args.json
      ? `${JSON.stringify(summary, null, 2)}\n`
      : `Backed up ${config.dataDir} to ${summary.file} (${(summary.bytes / 1024 / 1024).toFixed(1)} MiB, schema ${summary.schemaVersion}${summary.files.length ? `, with ${summary.files.join(' and ')}` : ''}) in ${Math.round(summary.ms)} ms.\n`,
  );
  return 0;
}

export async function runRestore(config: Config, args: { file: string; json: boolean }): Promise<number> {
  refuseMongo(config, 'restore');
  const summary = await restoreSqlite({ file: args.file, dataDir: config.dataDir });
  process.stdout.write(
    args.json
      ? `${JSON.stringify(summary, null, 2)}\n`
      : `Restored ${args.file} into ${summary.dataDir} (schema ${summary.schemaVersion}${summary.files.length ? `, with ${summary.files.join(' and ')}` : ''}). Start Rollcall on this DATA_DIR.\n`,
  );
  return 0;
}
